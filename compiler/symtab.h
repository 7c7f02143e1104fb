/* symtab.h — scope analysis: which names are local, global, free or cell in each scope.
 * Built in one pass over the whole tree before code generation (as CPython's symtable):
 * collection gathers how each scope uses each name, then analysis resolves every name
 * (free names to the nearest enclosing function scope that binds them, class scopes
 * skipped) and marks cells and pass-through free variables on the way. */
#ifndef TINY_SYMTAB_H
#define TINY_SYMTAB_H

#include "ast.h"
#include "object.h"
#include <stdbool.h>

/* Kinds of scope; comprehensions and lambdas are functions. */
typedef enum { SCOPE_MODULE, SCOPE_FUNCTION, SCOPE_CLASS } ScopeKind;

/* Where a name lives after analysis. */
typedef enum { SC_NONE = 0, SC_LOCAL, SC_GLOBAL_EXPLICIT, SC_GLOBAL_IMPLICIT, SC_FREE, SC_CELL } SymScope;

/* Usage flags gathered while walking the tree. */
enum {
    SYM_ASSIGNED = 1,   /* bound here (assignment, def, class, import, for target, del) */
    SYM_PARAM = 2,      /* a parameter */
    SYM_USED = 4,       /* loaded */
    SYM_GLOBAL = 8,     /* declared global */
    SYM_NONLOCAL = 16,  /* declared nonlocal */
    SYM_FREE_CLASS = 32, /* class scope: also a pass-through free variable for methods */
    SYM_COMP_ITER = 64  /* a comprehension's iteration variable */
};

/* One name in one scope. */
typedef struct Symbol {
    const char *name;
    int flags;          /* SYM_* */
    int scope;          /* SymScope, after analysis */
    int line, col;      /* of a global/nonlocal declaration (for errors) */
    int slot;           /* code generation: local slot, or -1 */
    int deref;          /* code generation: index into cellvars ++ freevars, or -1 */
} Symbol;

/* One scope: the module, a function, lambda, comprehension or class body. */
typedef struct Scope {
    ScopeKind kind;
    const char *name;            /* "top", "f", "<lambda>", "<listcomp>", class name */
    Node *node;                  /* defining node (NULL for the module) */
    struct Scope *parent;
    struct Scope **children; int nchildren, capchildren;
    Symbol *syms; int nsyms, capsyms;
    int *index; int capindex;    /* hash index into syms (slot + 1, 0 empty) */
    const char **params; int nparams; /* parameters in locals order */
    bool generator;              /* contains yield */
    bool comprehension;          /* a comprehension or generator expression */
    bool class_cell;             /* class: needs a __class__ cell */
} Scope;

/* The scopes of one module. */
typedef struct SymTable {
    Scope *top;
    ThreadState *ts;
    Obj *filename;
    const char *src; int64_t srclen;
    int depth;                   /* recursion guard */
    char **strs; int nstrs;      /* names made up here (import a.b binds "a") */
} SymTable;

/* Builds and analyses the scopes of a module; NULL with SyntaxError pending on error. */
SymTable *symtab_build(ThreadState *ts, const NodeList *body, Obj *filename,
                       const char *src, int64_t srclen);
/* Frees a symbol table. */
void symtab_free(SymTable *st);
/* The child scope created for a def, lambda, class or comprehension node (NULL if none). */
Scope *symtab_child(Scope *s, const Node *n);
/* A name's symbol in a scope, or NULL. */
Symbol *symtab_lookup(Scope *s, const char *name);
/* Raises SyntaxError at line/col with the source line as text; returns -1. */
int symtab_syntax_error(ThreadState *ts, Obj *filename, const char *src, int64_t srclen,
                        int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

#endif
