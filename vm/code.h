/* code.h — compiled code objects: bytecode, constants, names and line table. */
#ifndef TINY_CODE_H
#define TINY_CODE_H

#include "object.h"
#include "opcodes.h"

/* Code flags. */
enum {
    CO_VARARGS = 1,      /* has *args */
    CO_VARKEYWORDS = 2,  /* has **kwargs */
    CO_GENERATOR = 4,    /* contains yield: calling it makes a generator */
    CO_FUNCTION = 8,     /* a function body (fast locals); else module or class body */
    CO_CLASSBODY = 16,   /* a class body: names go to the class namespace */
    CO_SIMPLE_ARGS = 32, /* set by the VM: only positional parameters, no cells, not a generator */
    CO_ANALYSED = 64     /* set by the VM once framesize and CO_SIMPLE_ARGS are known */
};

/* A compiled code object (one per module, function, lambda, class body, comprehension).
 * Locals layout in a frame: locals[0..nlocals) are varnames — positional parameters
 * first (argcount, positional-only included), then keyword-only (kwonlyargcount), then
 * *args if CO_VARARGS, then **kwargs if CO_VARKEYWORDS, then other locals — followed by
 * ncellvars cells and nfreevars free cells. LOAD_DEREF i indexes cellvars ++ freevars.
 * On frame entry the VM makes an empty Cell for each cellvar and copies the function's
 * closure cells into the freevar slots; a parameter that is also a cellvar is copied
 * into its cell by code the compiler emits at the start (LOAD_FAST p; STORE_DEREF c).
 * A class body with a __class__ cellvar returns that cell (LOAD_CLOSURE; RETURN_VALUE)
 * so BUILD_CLASS can fill it with the new class (zero-argument super()). */
typedef struct Code {
    Obj hdr;
    uint32_t *code;        /* instructions */
    int ncode;
    int *lines;            /* source line of each instruction */
    Value *consts; int nconsts;          /* owned references */
    Obj **names; int nnames;             /* interned Str: globals, attributes, imports */
    Obj **varnames; int nlocals;         /* interned Str */
    Obj **cellvars; int ncellvars;       /* interned Str */
    Obj **freevars; int nfreevars;       /* interned Str */
    int argcount;          /* positional parameters, positional-only included */
    int posonlyargcount;
    int kwonlyargcount;
    int flags;             /* CO_* */
    int stacksize;         /* maximum value stack depth */
    int maxblocks;         /* maximum block stack depth (SETUP_* nesting, + handlers) */
    int firstlineno;
    Obj *name;             /* Str: "f", "<module>", "<lambda>", "<listcomp>", "<genexpr>", class name */
    Obj *qualname;         /* Str: "C.f", "f.<locals>.g" */
    Obj *filename;         /* Str */
    struct GlobalCache *gcache; /* LOAD_GLOBAL cache, one entry per name (eval.c), or NULL */
    struct AttrCache *acache;   /* attribute caches, one entry per instruction (eval.c), or NULL */
    size_t framesize;           /* bytes of a frame for this code (eval.c computes it once) */
} Code;

/* A cached attribute lookup for instances of one class (valid while type_epoch holds):
 * kind 1: an instance attribute, probably at entry `hint` of the instance dict;
 * kind 2: a method found on the class (method, borrowed), unless the instance shadows it.
 * 32 bytes, so an instruction's entry is found with a shift. */
typedef struct AttrCache {
    Type *type;        /* the type the entry is for */
    uint64_t epoch;    /* the_interp.type_epoch when filled */
    int16_t kind;      /* 0 generic, 1 instance attribute, 2 method */
    int16_t islot;     /* index of the name in type->ikeys, or -1 */
    int32_t hint;      /* entry index in the instance dict; for methods, type->nikeys at fill */
    Obj *method;       /* kind 2: the function */
} AttrCache;

/* A cached LOAD_GLOBAL result: valid while both dicts keep these versions. */
typedef struct GlobalCache { uint64_t gver, bver; Value v; } GlobalCache;

/* Allocates an empty code object; the compiler fills in the fields (arrays malloc'ed, owned). */
Code *code_new(void);
/* The stack effect of an instruction (resolves VAR operands); used by the compiler. */
int code_stack_effect(int op, int arg, int jump);
/* Writes a disassembly of code and every code object in its constants (vm/dis.c). */

#endif
