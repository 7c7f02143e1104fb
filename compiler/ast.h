/* ast.h — the abstract syntax tree the parser builds and the code generator reads.
 * Every node lives in one arena freed at once (ast_free). Identifiers are arena
 * C strings; constants are Values owned by the arena (decref'd by ast_free).
 * Positions: line is 1-based, col is the 0-based byte offset in the line, as in
 * CPython's AST; end_line/end_col mark the end of the node. */
#ifndef TINY_AST_H
#define TINY_AST_H

#include "value.h"

typedef struct Node Node;

/* A growable array of node pointers. */
typedef struct NodeList { int n, cap; Node **items; } NodeList;

/* Every expression and statement kind. */
typedef enum {
    /* expressions */
    E_NAME,        /* name: id; ctx */
    E_CONST,       /* constant: value (None, bool, int, float, str, bytes, Ellipsis never) */
    E_JOINEDSTR,   /* f-string: values = list of E_CONST (str) and E_FORMATTED */
    E_FORMATTED,   /* f-string field: a = expr, conversion ('r','s','a' or 0), b = spec (E_JOINEDSTR) or NULL */
    E_TUPLE,       /* elts; ctx */
    E_LIST,        /* elts; ctx */
    E_SET,         /* elts */
    E_DICT,        /* keys, values (a NULL key in keys means **values[i]) */
    E_BINOP,       /* a op b; op is a BinOp */
    E_UNARYOP,     /* op a; op is a UnaryOp */
    E_BOOLOP,      /* op (BOOL_AND/BOOL_OR) over values (n >= 2) */
    E_COMPARE,     /* a, then ops[i] against comparators[i] (a chain) */
    E_CALL,        /* a = func; args (may hold E_STARRED); keywords (E_KEYWORD) */
    E_KEYWORD,     /* keyword argument: id = name (NULL for **a); a = value */
    E_ATTRIBUTE,   /* a.id; ctx */
    E_SUBSCRIPT,   /* a[b]; ctx */
    E_SLICE,       /* a:b:c, any may be NULL */
    E_IFEXP,       /* b if a else c  (a = test, b = body, c = orelse) */
    E_LAMBDA,      /* args; a = body expression */
    E_LISTCOMP,    /* a = element; generators (E_COMPREHENSION) */
    E_SETCOMP,     /* a = element; generators */
    E_DICTCOMP,    /* a = key, b = value; generators */
    E_GENEXP,      /* a = element; generators */
    E_COMPREHENSION, /* for a (target) in b (iter) if ifs... */
    E_YIELD,       /* yield a (a may be NULL); op 1: yield from a; level 1: parenthesized */
    E_STARRED,     /* *a; ctx */
    /* statements */
    S_EXPR,        /* a */
    S_ASSIGN,      /* targets (n >= 1, chained a = b = value) = a */
    S_AUGASSIGN,   /* a op= b */
    S_IF,          /* if a: body else: orelse (elif is a nested S_IF in orelse) */
    S_WHILE,       /* while a: body else: orelse */
    S_FOR,         /* for a in b: body else: orelse */
    S_BREAK, S_CONTINUE, S_PASS,
    S_RETURN,      /* return a (may be NULL) */
    S_FUNCDEF,     /* def id(args): body; decorators */
    S_CLASSDEF,    /* class id(bases, keywords): body; decorators */
    S_TRY,         /* try: body; handlers (S_HANDLER); orelse; finalbody */
    S_HANDLER,     /* except a (type or NULL) as id (or NULL): body */
    S_RAISE,       /* raise a (may be NULL) from b (may be NULL) */
    S_WITH,        /* with items (E_WITHITEM): body */
    E_WITHITEM,    /* a = context expr, b = optional target */
    S_ASSERT,      /* assert a, b */
    S_DELETE,      /* del targets */
    S_GLOBAL,      /* names */
    S_NONLOCAL,    /* names */
    S_IMPORT,      /* aliases (E_ALIAS): import x.y as z */
    S_IMPORTFROM,  /* from id import aliases ('*' as a single alias named "*") */
    E_ALIAS,       /* id = dotted name, asname (or NULL) */
    E_NAMEDEXPR,   /* a := b (a is an E_NAME in store context) */
} NodeKind;

/* Binary operators (also used by augmented assignment); values match vm/object.h's BINOP_*. */
typedef enum { OP_ADD, OP_SUB, OP_MUL, OP_TRUEDIV, OP_FLOORDIV, OP_MOD, OP_POW,
               OP_LSHIFT, OP_RSHIFT, OP_BITAND, OP_BITOR, OP_BITXOR, OP_MATMUL } BinOp;
/* Unary operators. */
typedef enum { UOP_NEG, UOP_POS, UOP_INVERT, UOP_NOT } UnaryOp;
/* Boolean operators. */
typedef enum { BOOL_AND, BOOL_OR } BoolOp;
/* Comparison operators; the first six match vm/object.h's CMP_*. */
typedef enum { CMP_OP_LT, CMP_OP_LE, CMP_OP_EQ, CMP_OP_NE, CMP_OP_GT, CMP_OP_GE,
               CMP_OP_IN, CMP_OP_NOT_IN, CMP_OP_IS, CMP_OP_IS_NOT } CmpOp;
/* Expression context: loaded, stored to, or deleted. */
typedef enum { CTX_LOAD, CTX_STORE, CTX_DEL } ExprCtx;

/* One formal parameter. */
typedef struct Arg { const char *name; int line, col; } Arg;

/* A function's parameter list (def and lambda). */
typedef struct Arguments {
    int nposonly;           /* leading entries of args that are positional-only (before '/') */
    int nargs; Arg *args;   /* positional (and positional-or-keyword) parameters */
    int ndefaults; Node **defaults; /* defaults of the LAST ndefaults entries of args */
    Arg *vararg;            /* *args, or NULL */
    int nkwonly; Arg *kwonly; /* keyword-only parameters */
    Node **kw_defaults;     /* nkwonly entries; NULL where there is no default */
    Arg *kwarg;             /* **kwargs, or NULL */
} Arguments;

/* A syntax tree node; which fields are meaningful depends on kind (see NodeKind). */
struct Node {
    NodeKind kind;
    int line, col, end_line, end_col;
    int op;                 /* BinOp, UnaryOp, BoolOp */
    ExprCtx ctx;
    const char *id;         /* names, attribute names, def/class names, keyword names, handler names */
    const char *asname;     /* import aliases */
    int conversion;         /* E_FORMATTED: 'r', 's', 'a' or 0 */
    int level;              /* S_IMPORTFROM: number of leading dots (a relative import); E_YIELD: parenthesized */
    Value value;            /* E_CONST: the constant (owned by the arena) */
    Node *a, *b, *c;        /* sub-nodes, see NodeKind */
    NodeList elts;          /* E_TUPLE/E_LIST/E_SET elements; E_BOOLOP/E_JOINEDSTR values; E_DICT values */
    NodeList keys;          /* E_DICT keys */
    int *ops;               /* E_COMPARE: CmpOp per comparator */
    NodeList comparators;   /* E_COMPARE */
    NodeList args;          /* E_CALL positional args; S_CLASSDEF bases */
    NodeList keywords;      /* E_CALL / S_CLASSDEF keywords (E_KEYWORD) */
    NodeList generators;    /* comprehensions: E_COMPREHENSION list */
    NodeList ifs;           /* E_COMPREHENSION conditions */
    NodeList body, orelse, finalbody; /* statement blocks */
    NodeList handlers;      /* S_TRY: S_HANDLER list */
    NodeList items;         /* S_WITH: E_WITHITEM list */
    NodeList targets;       /* S_ASSIGN targets, S_DELETE targets */
    NodeList decorators;    /* S_FUNCDEF / S_CLASSDEF */
    NodeList aliases;       /* S_IMPORT / S_IMPORTFROM: E_ALIAS list */
    const char **names; int nnames; /* S_GLOBAL / S_NONLOCAL */
    Arguments *arguments;   /* S_FUNCDEF / E_LAMBDA */
};

/* The arena that owns a whole tree. */
typedef struct AstArena AstArena;

/* A parsed module: its statements and the arena that owns them. */
typedef struct Module_ { NodeList body; AstArena *arena; } AstModule;

/* Creates an empty arena. */
AstArena *ast_arena_new(void);
/* Allocates zeroed memory from the arena. */
void *ast_alloc(AstArena *a, size_t size);
/* Copies a string of len bytes into the arena (NUL-terminated). */
const char *ast_strdup(AstArena *a, const char *s, size_t len);
/* Allocates a node of the given kind at a position. */
Node *ast_node(AstArena *a, NodeKind kind, int line, int col);
/* Appends a node to a list (memory from the arena). */
void ast_list_push(AstArena *a, NodeList *l, Node *n);
/* Records a constant Value so ast_free drops its reference. */
void ast_keep(AstArena *a, Value v);
/* Frees the arena, every node in it and every kept constant. */
void ast_free(AstArena *a);
/* Prints a tree for debugging (one node per line, indented). */
void ast_dump(const NodeList *body, int indent);

#endif
