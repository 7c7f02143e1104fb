/* code.c — code objects: allocation, the code type, and the opcode tables. */
#include "code.h"
#include "objects/str.h"
#include "exc.h"
#include <stdlib.h>

const char *const opcode_names[OP__COUNT] = {
#define OP_NAME(name, effect, kind) #name,
    OPCODES(OP_NAME)
#undef OP_NAME
};

const unsigned char opcode_argkind[OP__COUNT] = {
#define OP_KIND(name, effect, kind) kind,
    OPCODES(OP_KIND)
#undef OP_KIND
};

/* Fixed stack effects (VAR where the operand decides). */
static const signed char opcode_effect[OP__COUNT] = {
#define OP_EFFECT(name, effect, kind) effect,
    OPCODES(OP_EFFECT)
#undef OP_EFFECT
};

Code *code_new(void) {
    Code *c = (Code *)obj_alloc(&T_code, sizeof(Code));
    return c;
}

int code_stack_effect(int op, int arg, int jump) {
    switch (op) {
    case OP_BUILD_SLICE: return 1 - arg;
    case OP_JUMP_IF_FALSE_OR_POP:
    case OP_JUMP_IF_TRUE_OR_POP: return jump ? 0 : -1;
    case OP_FOR_ITER: return jump ? -1 : 1;
    case OP_BUILD_TUPLE: case OP_BUILD_LIST: case OP_BUILD_SET: case OP_BUILD_STRING:
        return 1 - arg;
    case OP_BUILD_MAP: return 1 - 2 * arg;
    case OP_UNPACK_SEQUENCE: return arg - 1;
    case OP_UNPACK_EX: return (arg & 0xff) + (arg >> 8);
    case OP_CALL: return -arg;
    case OP_CALL_KW: return -arg - 1;
    case OP_CALL_EX: return -1 - (arg & 1);
    case OP_CALL_METHOD: return -arg - 1;
    case OP_CALL_METHOD_KW: return -arg - 2;
    case OP_MAKE_FUNCTION:
        return -(((arg & MF_DEFAULTS) != 0) + ((arg & MF_KWDEFAULTS) != 0) + ((arg & MF_CLOSURE) != 0));
    case OP_RAISE_VARARGS: return -arg;
    case OP_BUILD_CLASS: return -2 - arg;
    case OP_FORMAT_VALUE: return (arg & 4) ? -1 : 0;
    case OP_SETUP_FINALLY: return jump ? 2 : 0;
    case OP_SETUP_WITH: return jump ? 2 : 1;
    default:
        if (op < 0 || op >= OP__COUNT) return 0;
        return opcode_effect[op];
    }
}

/* Drops everything the code object owns. */
static void code_dealloc(Obj *self) {
    Code *c = (Code *)self;
    for (int i = 0; i < c->nconsts; i++) v_decref(c->consts[i]);
    free(c->consts);
    free(c->code);
    free(c->lines);
    /* names, varnames, cellvars, freevars, name and qualname are interned (immortal). */
    free(c->names);
    free(c->varnames);
    free(c->cellvars);
    free(c->freevars);
    free(c->gcache);
    free(c->acache);
    o_xdecref(c->filename);
}

/* repr: <code object f at 0x..., file "x.py", line N>. */
static Value code_repr(ThreadState *ts, Value self) {
    (void)ts;
    Code *c = (Code *)AS_OBJ(self);
    return V_OBJ(str_fmt("<code object %s at %p, file \"%s\", line %d>",
                         c->name ? STR_DATA(c->name) : "?", (void *)c,
                         c->filename ? STR_DATA(c->filename) : "?", c->firstlineno));
}

/* code(...): tiny builds code objects only by compiling. */
static Value code_new_t(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kw) {
    (void)t; (void)args; (void)kw;
    if (nargs < 16) return exc_raise(ts, &T_TypeError, "code expected at least 16 arguments, got %d", nargs);
    return exc_raise(ts, &T_TypeError, "cannot create 'code' instances");
}

Type T_code = {
    .name = "code",
    .new_ = code_new_t,
    .basicsize = sizeof(Code),
    .dealloc = code_dealloc,
    .repr = code_repr,
};
