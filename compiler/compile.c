/* compile.c — code generation: AST + symbol table -> Code objects.
 *
 * Design. One Unit per code object being built (module, function, lambda, class body,
 * comprehension); units nest like the scopes of compiler/symtab.h. Instructions go into
 * a flat array; jump operands hold label ids while a unit is being built and are
 * replaced by absolute instruction indexes when it is assembled. Assembly then runs a
 * flow analysis over the jumps (CPython's stackdepth()) to get Code.stacksize and
 * Code.maxblocks.
 *
 * Blocks and unwinding follow CPython 3.9 and vm/opcodes.h. The VM's block stack holds
 * SETUP_FINALLY / SETUP_WITH handler blocks; an exception turns the innermost into an
 * EXCEPT_HANDLER block and jumps to the handler with [.. level .., prev_exc_info, exc]
 * on the stack. The compiler mirrors this with a static "frame block" (FBlock) stack per
 * unit, used only to compile statements that leave blocks early (return, break,
 * continue): compiler_unwind_fblock_stack pops each FBlock it crosses and emits the
 * code that leaves it, then pushes it back:
 *   FB_WHILE        nothing (break/continue stop here)
 *   FB_FOR          POP_TOP the iterator (break and return only)
 *   FB_TRY_EXCEPT   POP_BLOCK
 *   FB_FINALLY_TRY  POP_BLOCK, then an inline copy of the finally body
 *   FB_FINALLY_END  (inside the exceptional copy of a finally body: [prev, exc])
 *                   POP_TOP the exception, POP_EXCEPT
 *   FB_WITH         POP_BLOCK, exit(None, None, None), POP_TOP its result
 *   FB_HANDLER_CLEANUP (inside an except clause: [prev]) [POP_BLOCK of the name cleanup
 *                   block,] POP_EXCEPT[, name = None; del name]
 *   FB_POP_VALUE    POP_TOP a return value kept below an inlined finally body
 * A return value being carried out stays on top of the stack (ROT_TWO / ROT_THREE move
 * it past what is popped). `except E as e:` clauses wrap their body in an inner
 * SETUP_FINALLY so that e is deleted whichever way the clause is left (as CPython 3.9).
 *
 * Code shapes:
 *  try/except:  SETUP_FINALLY H; body; POP_BLOCK; orelse; JUMP end
 *               H: [E; CHECK_EXC_MATCH; POP_JUMP_IF_FALSE next;] STORE e | POP_TOP;
 *                  [SETUP_FINALLY C;] clause; [POP_BLOCK;] POP_EXCEPT; [e = None; del e;]
 *                  JUMP end; [C: e = None; del e; RERAISE;] next: ... RERAISE; end:
 *  try/finally: SETUP_FINALLY F; body; POP_BLOCK; finally; JUMP end; F: finally; RERAISE; end:
 *  with:        mgr; SETUP_WITH H; STORE x | POP_TOP; body; POP_BLOCK; None; DUP_TOP;
 *               DUP_TOP; CALL 3; POP_TOP; JUMP end; H: WITH_EXCEPT_START;
 *               POP_JUMP_IF_TRUE S; RERAISE; S: POP_TOP; POP_EXCEPT; POP_TOP; end:
 */
#include "compile.h"
#include "parse.h"
#include "symtab.h"
#include "code.h"
#include "objects/str.h"
#include "exc.h"
#include "objects/containers.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Static block nesting limit (CPython's CO_MAXBLOCKS). */
#define MAX_FBLOCKS 20
/* Deepest expression nesting accepted. */
#define MAX_DEPTH 2000
/* Displays longer than this are built one item at a time. */
#define STACK_USE_GUARD 30

/* Kinds of compile-time frame blocks (see the design comment). */
typedef enum { FB_WHILE, FB_FOR, FB_TRY_EXCEPT, FB_FINALLY_TRY, FB_FINALLY_END, FB_WITH,
               FB_HANDLER_CLEANUP, FB_POP_VALUE } FBType;

/* A compile-time frame block. */
typedef struct FBlock {
    FBType type;
    int start, exit;          /* loops: continue and break labels */
    const NodeList *fin;      /* FB_FINALLY_TRY: the finally body */
    const char *name;         /* FB_HANDLER_CLEANUP: the `as` name or NULL */
} FBlock;

/* A code object under construction. */
typedef struct Unit {
    struct Unit *parent;
    Scope *ste;
    uint32_t *code; int *lines; int ncode, capcode;
    Value *consts; int nconsts, capconsts;
    int *cindex; int capcindex;          /* hash index into consts (i + 1) */
    Obj **names; int nnames, capnames;
    int *nindex; int capnindex;          /* hash index into names (i + 1) */
    Obj **varnames; int nvarnames;
    Obj **cellvars; int ncells;
    Obj **freevars; int nfrees;
    int *labels; int nlabels, caplabels; /* label id -> instruction index (-1: unplaced) */
    FBlock fb[MAX_FBLOCKS]; int nfb;
    int line;
    int argcount, posonly, kwonly, flags, firstlineno;
    const char *name;
    char *qualname;
} Unit;

/* The compiler. */
typedef struct Compiler {
    ThreadState *ts;
    Obj *filename;
    const char *src; int64_t srclen;
    SymTable *st;
    Unit *u;
    bool interactive;
    int depth;
} Compiler;

#define TRY(x) do { if ((x) < 0) return -1; } while (0)
#define EMIT(op, arg) emit(c, OP_##op, (arg))

/* realloc that aborts when memory runs out. */
/* The last pass: turns common instruction pairs into superinstructions (see the end of
 * vm/opcodes.h). The second instruction of a pair stays where it is, so no jump moves. */
static void fuse_pairs(uint32_t *code, int n) {
    for (int i = 0; i + 1 < n; i++) {
        int a = (int)INSTR_OP(code[i]), b = (int)INSTR_OP(code[i + 1]);
        int c = i + 2 < n ? (int)INSTR_OP(code[i + 2]) : -1;
        uint32_t arg = INSTR_ARG(code[i]);
        if (a == OP_COMPARE_OP && (b == OP_POP_JUMP_IF_FALSE || b == OP_POP_JUMP_IF_TRUE)) {
            code[i] = INSTR(OP_COMPARE_AND_BRANCH, arg);
            i++;
        } else if (a == OP_LOAD_CONST && b == OP_BINARY_OP) {
            code[i] = INSTR(OP_LOAD_CONST_BINARY_OP, arg);
            i++;
        } else if (a == OP_LOAD_FAST && b == OP_LOAD_FAST) {
            code[i] = INSTR(OP_LOAD_FAST_LOAD_FAST, arg);
            i++;
        } else if (a == OP_STORE_FAST && b == OP_LOAD_FAST && c != OP_LOAD_CONST) {
            code[i] = INSTR(OP_STORE_FAST_LOAD_FAST, arg);
            i++;
        }
    }
}

static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) { fputs("tiny: out of memory\n", stderr); abort(); }
    return q;
}

/* strdup that aborts when memory runs out. */
static char *xstrdup(const char *s) {
    size_t n = strlen(s);
    char *p = xrealloc(NULL, n + 1);
    memcpy(p, s, n + 1);
    return p;
}

/* Raises SyntaxError at a node's position; returns -1. */
static int error_at(Compiler *c, const Node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int error_at(Compiler *c, const Node *n, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return symtab_syntax_error(c->ts, c->filename, c->src, c->srclen, n ? n->line : c->u->line,
                               n ? n->col : 0, "%s", msg);
}

/* Raises SystemError for a compiler bug; returns -1. */
static int internal_error(Compiler *c, const char *what) {
    exc_raise(c->ts, &T_RuntimeError, "tiny compiler: %s", what);
    return -1;
}

/* ---- emission ---- */

/* Appends an instruction; returns its index. */
static int emit(Compiler *c, int op, int arg) {
    Unit *u = c->u;
    if (u->ncode == u->capcode) {
        u->capcode = u->capcode ? u->capcode * 2 : 64;
        u->code = xrealloc(u->code, (size_t)u->capcode * sizeof(uint32_t));
        u->lines = xrealloc(u->lines, (size_t)u->capcode * sizeof(int));
    }
    u->code[u->ncode] = INSTR(op, (uint32_t)arg & INSTR_ARG_MAX);
    u->lines[u->ncode] = u->line;
    return u->ncode++;
}

/* A new unplaced label. */
static int new_label(Compiler *c) {
    Unit *u = c->u;
    if (u->nlabels == u->caplabels) {
        u->caplabels = u->caplabels ? u->caplabels * 2 : 16;
        u->labels = xrealloc(u->labels, (size_t)u->caplabels * sizeof(int));
    }
    u->labels[u->nlabels] = -1;
    return u->nlabels++;
}

/* Places a label at the next instruction. */
static void place(Compiler *c, int label) { c->u->labels[label] = c->u->ncode; }

/* An unconditional jump: backward if the label is placed, else forward. */
static void emit_jump(Compiler *c, int label) {
    if (c->u->labels[label] >= 0) EMIT(JUMP_BACKWARD, label);
    else EMIT(JUMP_FORWARD, label);
}

/* ---- constants and names ---- */

/* FNV-1a over bytes. */
static uint64_t bytes_hash(const void *p, int64_t n) {
    const uint8_t *s = p;
    uint64_t h = 1469598103934665603ull;
    for (int64_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ull;
    return h;
}

/* Hash of a constant by type and value. */
static uint64_t const_hash(Value v) {
    uint64_t h = (uint64_t)v.tag * 0x9E3779B97F4A7C15ull;
    switch (v.tag) {
    case VT_INT: case VT_BOOL: h ^= (uint64_t)v.as.i; break;
    case VT_FLOAT: { uint64_t b; memcpy(&b, &v.as.f, sizeof b); h ^= b; break; }
    case VT_OBJ: {
        Obj *o = v.as.o;
        if (o->type == &T_str) h ^= bytes_hash(STR_DATA(o), STR_LEN(o)) + 1;
        else if (o->type == &T_bytes) h ^= bytes_hash(((Bytes *)o)->data, ((Bytes *)o)->len) + 2;
        else if (o->type == &T_tuple) {
            Tuple *t = (Tuple *)o;
            h ^= 3;
            for (int64_t i = 0; i < t->len; i++) h = h * 1000003u ^ const_hash(t->items[i]);
        } else h ^= (uint64_t)(uintptr_t)o;
        break;
    }
    default: break;
    }
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 32);
}

/* Whether two constants are the same by type and value (0 and False and -0.0 differ). */
static bool const_eq(Value a, Value b) {
    if (a.tag != b.tag) return false;
    switch (a.tag) {
    case VT_INT: case VT_BOOL: return a.as.i == b.as.i;
    case VT_FLOAT: return memcmp(&a.as.f, &b.as.f, sizeof(double)) == 0;
    case VT_OBJ: {
        Obj *x = a.as.o, *y = b.as.o;
        if (x == y) return true;
        if (x->type != y->type) return false;
        if (x->type == &T_str) return str_eq(x, y);
        if (x->type == &T_bytes)
            return ((Bytes *)x)->len == ((Bytes *)y)->len &&
                   memcmp(((Bytes *)x)->data, ((Bytes *)y)->data, (size_t)((Bytes *)x)->len) == 0;
        if (x->type == &T_tuple) {
            Tuple *s = (Tuple *)x, *t = (Tuple *)y;
            if (s->len != t->len) return false;
            for (int64_t i = 0; i < s->len; i++)
                if (!const_eq(s->items[i], t->items[i])) return false;
            return true;
        }
        return false;
    }
    default: return true;
    }
}

/* Index of a constant in the unit (added, incref'd, if new). */
static int add_const(Compiler *c, Value v) {
    Unit *u = c->u;
    bool is_code = IS_OBJ(v) && AS_OBJ(v)->type == &T_code;
    uint64_t h = const_hash(v);
    if (!is_code && u->capcindex) {
        uint32_t mask = (uint32_t)u->capcindex - 1;
        for (uint32_t i = (uint32_t)h & mask; u->cindex[i]; i = (i + 1) & mask)
            if (const_eq(u->consts[u->cindex[i] - 1], v)) return u->cindex[i] - 1;
    }
    if (u->nconsts >= (int)INSTR_ARG_MAX) {
        exc_raise(c->ts, &T_RuntimeError, "too many constants");
        return -1;
    }
    if (u->nconsts == u->capconsts) {
        u->capconsts = u->capconsts ? u->capconsts * 2 : 16;
        u->consts = xrealloc(u->consts, (size_t)u->capconsts * sizeof(Value));
    }
    v_incref(v);
    int idx = u->nconsts++;
    u->consts[idx] = v;
    if (u->nconsts * 2 > u->capcindex) {
        int cap = u->capcindex ? u->capcindex * 2 : 32;
        free(u->cindex);
        u->cindex = calloc((size_t)cap, sizeof(int));
        if (!u->cindex) { fputs("tiny: out of memory\n", stderr); abort(); }
        u->capcindex = cap;
        for (int k = 0; k < u->nconsts; k++) {
            Value kv = u->consts[k];
            if (IS_OBJ(kv) && AS_OBJ(kv)->type == &T_code) continue;
            uint32_t mask = (uint32_t)cap - 1;
            uint32_t i = (uint32_t)const_hash(kv) & mask;
            while (u->cindex[i]) i = (i + 1) & mask;
            u->cindex[i] = k + 1;
        }
    } else if (!is_code) {
        uint32_t mask = (uint32_t)u->capcindex - 1;
        uint32_t i = (uint32_t)h & mask;
        while (u->cindex[i]) i = (i + 1) & mask;
        u->cindex[i] = idx + 1;
    }
    return idx;
}

/* Emits LOAD_CONST v (v borrowed). */
static int load_const(Compiler *c, Value v) {
    int i = add_const(c, v);
    TRY(i);
    EMIT(LOAD_CONST, i);
    return 0;
}

/* Index of an interned name in the unit's names. */
static int add_name_obj(Compiler *c, Obj *name) {
    Unit *u = c->u;
    uint64_t h = (uint64_t)(uintptr_t)name * 0x9E3779B97F4A7C15ull;
    h ^= h >> 32;
    if (u->capnindex) {
        uint32_t mask = (uint32_t)u->capnindex - 1;
        for (uint32_t i = (uint32_t)h & mask; u->nindex[i]; i = (i + 1) & mask)
            if (u->names[u->nindex[i] - 1] == name) return u->nindex[i] - 1;
    }
    if (u->nnames >= (int)INSTR_ARG_MAX) {
        exc_raise(c->ts, &T_RuntimeError, "too many names");
        return -1;
    }
    if (u->nnames == u->capnames) {
        u->capnames = u->capnames ? u->capnames * 2 : 16;
        u->names = xrealloc(u->names, (size_t)u->capnames * sizeof(Obj *));
    }
    int idx = u->nnames++;
    u->names[idx] = name;
    if (u->nnames * 2 > u->capnindex) {
        int cap = u->capnindex ? u->capnindex * 2 : 32;
        free(u->nindex);
        u->nindex = calloc((size_t)cap, sizeof(int));
        if (!u->nindex) { fputs("tiny: out of memory\n", stderr); abort(); }
        u->capnindex = cap;
        for (int k = 0; k < u->nnames; k++) {
            uint64_t hk = (uint64_t)(uintptr_t)u->names[k] * 0x9E3779B97F4A7C15ull;
            hk ^= hk >> 32;
            uint32_t mask = (uint32_t)cap - 1;
            uint32_t i = (uint32_t)hk & mask;
            while (u->nindex[i]) i = (i + 1) & mask;
            u->nindex[i] = k + 1;
        }
    } else {
        uint32_t mask = (uint32_t)u->capnindex - 1;
        uint32_t i = (uint32_t)h & mask;
        while (u->nindex[i]) i = (i + 1) & mask;
        u->nindex[i] = idx + 1;
    }
    return idx;
}

/* Index of a name given as a C string. */
static int add_name(Compiler *c, const char *s) { return add_name_obj(c, str_intern(s)); }

/* Emits an instruction whose operand is a name. */
static int emit_name(Compiler *c, int op, const char *name) {
    int i = add_name(c, name);
    TRY(i);
    emit(c, op, i);
    return 0;
}

/* ---- units ---- */

/* The qualified name of a function or class named name defined in the current unit. */
static char *make_qualname(Compiler *c, const char *name) {
    Unit *p = c->u;
    if (!p || p->ste->kind == SCOPE_MODULE) return xstrdup(name);
    Symbol *sym = symtab_lookup(p->ste, name);
    if (sym && sym->scope == SC_GLOBAL_EXPLICIT) return xstrdup(name);
    const char *sep = p->ste->kind == SCOPE_FUNCTION ? ".<locals>." : ".";
    size_t n = strlen(p->qualname) + strlen(sep) + strlen(name) + 1;
    char *q = xrealloc(NULL, n);
    snprintf(q, n, "%s%s%s", p->qualname, sep, name);
    return q;
}

/* Frees a unit (after an error or once assembled). */
static void free_unit(Unit *u) {
    for (int i = 0; i < u->nconsts; i++) v_decref(u->consts[i]);
    free(u->consts);
    free(u->cindex);
    free(u->code);
    free(u->lines);
    free(u->names);
    free(u->nindex);
    free(u->varnames);
    free(u->cellvars);
    free(u->freevars);
    free(u->labels);
    free(u->qualname);
    free(u);
}

/* Pushes a unit for scope s and lays out its locals, cells and free variables. */
static void enter_unit(Compiler *c, Scope *s, const char *name, int firstline) {
    Unit *u = calloc(1, sizeof(Unit));
    if (!u) { fputs("tiny: out of memory\n", stderr); abort(); }
    u->ste = s;
    u->name = name;
    u->qualname = c->u ? make_qualname(c, name) : xstrdup(name);
    u->firstlineno = firstline;
    u->line = firstline;
    u->parent = c->u;
    c->u = u;
    for (int i = 0; i < s->nsyms; i++) s->syms[i].slot = s->syms[i].deref = -1;
    if (s->kind == SCOPE_FUNCTION) {
        u->flags = CO_FUNCTION | (s->generator ? CO_GENERATOR : 0);
        u->varnames = xrealloc(NULL, (size_t)(s->nsyms + 1) * sizeof(Obj *));
        for (int i = 0; i < s->nparams; i++) {
            Symbol *sym = symtab_lookup(s, s->params[i]);
            if (sym) sym->slot = u->nvarnames;
            u->varnames[u->nvarnames++] = str_intern(s->params[i]);
        }
        for (int i = 0; i < s->nsyms; i++) {
            Symbol *sym = &s->syms[i];
            if (sym->scope == SC_LOCAL && !(sym->flags & SYM_PARAM)) {
                sym->slot = u->nvarnames;
                u->varnames[u->nvarnames++] = str_intern(sym->name);
            }
        }
    } else if (s->kind == SCOPE_CLASS) {
        u->flags = CO_CLASSBODY;
    }
    u->cellvars = xrealloc(NULL, (size_t)(s->nsyms + 1) * sizeof(Obj *));
    u->freevars = xrealloc(NULL, (size_t)(s->nsyms + 1) * sizeof(Obj *));
    if (s->kind != SCOPE_MODULE) {
        for (int i = 0; i < s->nsyms; i++) {
            Symbol *sym = &s->syms[i];
            if (sym->scope == SC_CELL) {
                sym->deref = u->ncells;
                u->cellvars[u->ncells++] = str_intern(sym->name);
            }
        }
        int nf = 0;
        for (int i = 0; i < s->nsyms; i++) {
            Symbol *sym = &s->syms[i];
            if (sym->scope == SC_FREE || (sym->flags & SYM_FREE_CLASS)) {
                sym->deref = u->ncells + nf;
                u->freevars[nf++] = str_intern(sym->name);
            }
        }
        u->nfrees = nf;
    }
}

/* Resolves labels, appends the implicit return, computes stack and block depths, and
 * pops the unit into a new Code object (NULL on error; the unit is freed either way). */
static Code *exit_unit(Compiler *c) {
    Unit *u = c->u;
    c->u = u->parent;
    bool need_return = u->ncode == 0 || INSTR_OP(u->code[u->ncode - 1]) != OP_RETURN_VALUE;
    for (int i = 0; i < u->nlabels && !need_return; i++)
        if (u->labels[i] == u->ncode) need_return = true;
    if (need_return) {
        Unit *saved = c->u;
        c->u = u;
        if (load_const(c, V_NONE) < 0) { c->u = saved; free_unit(u); return NULL; }
        EMIT(RETURN_VALUE, 0);
        c->u = saved;
    }
    int n = u->ncode;
    if ((uint32_t)n > INSTR_ARG_MAX) {
        exc_raise(c->ts, &T_RuntimeError, "code too large");
        free_unit(u);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        int op = (int)INSTR_OP(u->code[i]);
        if (opcode_argkind[op] == A_JUMP) {
            int l = (int)INSTR_ARG(u->code[i]);
            int target = (l < u->nlabels) ? u->labels[l] : -1;
            if (target < 0) {
                internal_error(c, "unplaced label");
                free_unit(u);
                return NULL;
            }
            u->code[i] = INSTR(op, (uint32_t)target);
        }
    }
    /* Flow analysis: stack depth and block depth at each reachable instruction. */
    int *depth = malloc((size_t)(n + 1) * sizeof(int) * 2);
    int *work = malloc((size_t)(n + 1) * sizeof(int));
    if (!depth || !work) { fputs("tiny: out of memory\n", stderr); abort(); }
    int *bdepth = depth + n + 1;
    for (int i = 0; i <= n; i++) depth[i] = bdepth[i] = -1;
    int nwork = 0, maxd = 0, maxb = 0;
    bool bad = false;
    depth[0] = 0; bdepth[0] = 0; work[nwork++] = 0;
    while (nwork > 0) {
        int i = work[--nwork];
        for (;;) {
            if (i >= n) break;
            int d = depth[i], b = bdepth[i];
            int op = (int)INSTR_OP(u->code[i]);
            int arg = (int)INSTR_ARG(u->code[i]);
            if (opcode_argkind[op] == A_JUMP) {
                int td = d + code_stack_effect(op, arg, 1);
                int tb = b + ((op == OP_SETUP_FINALLY || op == OP_SETUP_WITH) ? 1 : 0);
                if (td > maxd) maxd = td;
                if (tb > maxb) maxb = tb;
                if (td < 0 || tb < 0 || arg > n) bad = true;
                else if (depth[arg] < 0) {
                    depth[arg] = td;
                    bdepth[arg] = tb;
                    work[nwork++] = arg;
                } else if (depth[arg] != td || bdepth[arg] != tb) bad = true;
            }
            if (op == OP_JUMP_FORWARD || op == OP_JUMP_BACKWARD || op == OP_RETURN_VALUE ||
                op == OP_RAISE_VARARGS || op == OP_RERAISE)
                break;
            int nd = d + code_stack_effect(op, arg, 0);
            int nb = b;
            if (op == OP_SETUP_FINALLY || op == OP_SETUP_WITH) nb++;
            else if (op == OP_POP_BLOCK || op == OP_POP_EXCEPT) nb--;
            if (nd > maxd) maxd = nd;
            if (nb > maxb) maxb = nb;
            if (nd < 0 || nb < 0) { bad = true; break; }
            if (depth[i + 1] >= 0) {
                if (depth[i + 1] != nd || bdepth[i + 1] != nb) bad = true;
                break;
            }
            depth[i + 1] = nd;
            bdepth[i + 1] = nb;
            i++;
        }
    }
    free(depth);
    free(work);
    if (bad) {
        internal_error(c, "inconsistent stack depth");
        free_unit(u);
        return NULL;
    }

    fuse_pairs(u->code, n);
    Code *co = code_new();
    co->code = u->code; u->code = NULL;
    co->lines = u->lines; u->lines = NULL;
    co->ncode = n;
    co->consts = u->consts; co->nconsts = u->nconsts; u->consts = NULL; u->nconsts = 0;
    co->names = u->names; co->nnames = u->nnames; u->names = NULL;
    co->varnames = u->varnames; co->nlocals = u->nvarnames; u->varnames = NULL;
    co->cellvars = u->cellvars; co->ncellvars = u->ncells; u->cellvars = NULL;
    co->freevars = u->freevars; co->nfreevars = u->nfrees; u->freevars = NULL;
    co->argcount = u->argcount;
    co->posonlyargcount = u->posonly;
    co->kwonlyargcount = u->kwonly;
    co->flags = u->flags;
    co->stacksize = maxd;
    co->maxblocks = maxb;
    co->firstlineno = u->firstlineno;
    co->name = str_intern(u->name);
    co->qualname = str_intern(u->qualname);
    o_incref(c->filename);
    co->filename = c->filename;
    free_unit(u);
    return co;
}

/* Pops and frees every unit (after an error). */
static void drop_units(Compiler *c) {
    while (c->u) {
        Unit *u = c->u;
        c->u = u->parent;
        free_unit(u);
    }
}

/* ---- frame blocks ---- */

/* Pushes a compile-time frame block. */
static int push_fblock(Compiler *c, const Node *n, FBType type, int start, int exit,
                       const NodeList *fin, const char *name) {
    Unit *u = c->u;
    if (u->nfb >= MAX_FBLOCKS) return error_at(c, n, "too many statically nested blocks");
    FBlock *f = &u->fb[u->nfb++];
    f->type = type; f->start = start; f->exit = exit; f->fin = fin; f->name = name;
    return 0;
}

/* Pops the innermost frame block. */
static void pop_fblock(Compiler *c) { c->u->nfb--; }

static int compile_expr(Compiler *c, Node *n);
static int compile_stmt(Compiler *c, Node *n);
static int compile_body(Compiler *c, const NodeList *l);
static int name_op(Compiler *c, const char *name, ExprCtx ctx);
static int compile_store(Compiler *c, Node *t);

/* Emits the code leaving one frame block (keeping TOS if preserve_tos). */
static int unwind_fblock(Compiler *c, FBlock *f, bool preserve_tos) {
    switch (f->type) {
    case FB_WHILE: return 0;
    case FB_FOR:
        if (preserve_tos) EMIT(ROT_TWO, 0);
        EMIT(POP_TOP, 0);
        return 0;
    case FB_TRY_EXCEPT:
        EMIT(POP_BLOCK, 0);
        return 0;
    case FB_FINALLY_TRY:
        EMIT(POP_BLOCK, 0);
        if (preserve_tos) TRY(push_fblock(c, NULL, FB_POP_VALUE, -1, -1, NULL, NULL));
        TRY(compile_body(c, f->fin));
        if (preserve_tos) pop_fblock(c);
        return 0;
    case FB_FINALLY_END:
        if (preserve_tos) EMIT(ROT_THREE, 0);
        EMIT(POP_TOP, 0);
        EMIT(POP_EXCEPT, 0);
        return 0;
    case FB_WITH:
        EMIT(POP_BLOCK, 0);
        if (preserve_tos) EMIT(ROT_TWO, 0);
        TRY(load_const(c, V_NONE));
        EMIT(DUP_TOP, 0);
        EMIT(DUP_TOP, 0);
        EMIT(CALL, 3);
        EMIT(POP_TOP, 0);
        return 0;
    case FB_HANDLER_CLEANUP:
        if (f->name) EMIT(POP_BLOCK, 0);
        if (preserve_tos) EMIT(ROT_TWO, 0);
        EMIT(POP_EXCEPT, 0);
        if (f->name) {
            TRY(load_const(c, V_NONE));
            TRY(name_op(c, f->name, CTX_STORE));
            TRY(name_op(c, f->name, CTX_DEL));
        }
        return 0;
    case FB_POP_VALUE:
        if (preserve_tos) EMIT(ROT_TWO, 0);
        EMIT(POP_TOP, 0);
        return 0;
    }
    return 0;
}

/* Unwinds frame blocks outward until a loop (if loop is given) or all of them. */
static int unwind_fblock_stack(Compiler *c, bool preserve_tos, FBlock **loop) {
    Unit *u = c->u;
    if (u->nfb == 0) return 0;
    FBlock *top = &u->fb[u->nfb - 1];
    if (loop && (top->type == FB_WHILE || top->type == FB_FOR)) {
        *loop = top;
        return 0;
    }
    FBlock copy = *top;
    u->nfb--;
    int r = unwind_fblock(c, &copy, preserve_tos);
    if (r == 0) r = unwind_fblock_stack(c, preserve_tos, loop);
    u->fb[u->nfb++] = copy;
    return r;
}

/* ---- names ---- */

static int name_op(Compiler *c, const char *name, ExprCtx ctx) {
    Scope *s = c->u->ste;
    Symbol *sym = symtab_lookup(s, name);
    int scope = sym ? sym->scope : SC_GLOBAL_IMPLICIT;
    static const int global_ops[3] = { OP_LOAD_GLOBAL, OP_STORE_GLOBAL, OP_DELETE_GLOBAL };
    static const int fast_ops[3] = { OP_LOAD_FAST, OP_STORE_FAST, OP_DELETE_FAST };
    static const int deref_ops[3] = { OP_LOAD_DEREF, OP_STORE_DEREF, OP_DELETE_DEREF };
    static const int name_ops[3] = { OP_LOAD_NAME, OP_STORE_NAME, OP_DELETE_NAME };
    int k = ctx == CTX_LOAD ? 0 : ctx == CTX_STORE ? 1 : 2;
    switch (s->kind) {
    case SCOPE_MODULE:
        return emit_name(c, global_ops[k], name);
    case SCOPE_FUNCTION:
        if (scope == SC_LOCAL && sym->slot >= 0) { emit(c, fast_ops[k], sym->slot); return 0; }
        if ((scope == SC_CELL || scope == SC_FREE) && sym->deref >= 0) {
            emit(c, deref_ops[k], sym->deref);
            return 0;
        }
        return emit_name(c, global_ops[k], name);
    case SCOPE_CLASS:
        if (scope == SC_GLOBAL_EXPLICIT) return emit_name(c, global_ops[k], name);
        if (scope == SC_FREE && sym->deref >= 0) {
            emit(c, k == 0 ? OP_LOAD_CLASSDEREF : deref_ops[k], sym->deref);
            return 0;
        }
        return emit_name(c, name_ops[k], name);
    }
    return 0;
}

/* ---- expressions ---- */

/* Truth value of a constant expression: 1, 0, or -1 when not a constant. */
static int const_truth(const Node *n) {
    if (!n || n->kind != E_CONST) return -1;
    Value v = n->value;
    switch (v.tag) {
    case VT_NONE: return 0;
    case VT_BOOL: case VT_INT: return v.as.i != 0;
    case VT_FLOAT: return v.as.f != 0.0;
    case VT_OBJ:
        if (v.as.o->type == &T_str) return STR_LEN(v.as.o) > 0;
        if (v.as.o->type == &T_bytes) return ((Bytes *)v.as.o)->len > 0;
        return -1;
    default: return -1;
    }
}

/* Folds a constant expression (constants, -number, tuples of constants): 1 with *out a
 * new reference, or 0. */
static int fold_const(const Node *n, Value *out) {
    switch (n->kind) {
    case E_CONST:
        *out = v_new(n->value);
        return 1;
    case E_UNARYOP:
        if (n->op == UOP_NEG && n->a->kind == E_CONST) {
            Value v = n->a->value;
            if ((v.tag == VT_INT || v.tag == VT_BOOL) && v.as.i != INT64_MIN) { *out = V_INT(-v.as.i); return 1; }
            if (v.tag == VT_FLOAT) { *out = V_FLOAT(-v.as.f); return 1; }
        }
        return 0;
    case E_TUPLE: {
        if (n->ctx != CTX_LOAD) return 0;
        int k = n->elts.n;
        Value *items = k ? calloc((size_t)k, sizeof(Value)) : NULL;
        if (k && !items) { fputs("tiny: out of memory\n", stderr); abort(); }
        int i;
        for (i = 0; i < k; i++)
            if (!fold_const(n->elts.items[i], &items[i])) break;
        if (i < k) {
            for (int j = 0; j < i; j++) v_decref(items[j]);
            free(items);
            return 0;
        }
        Obj *t;
        if (k) t = tuple_from_array(items, k);
        else { t = tuple_empty(); o_incref(t); }
        for (int j = 0; j < k; j++) v_decref(items[j]);
        free(items);
        *out = V_OBJ(t);
        return 1;
    }
    default: return 0;
    }
}

/* Compiles e and jumps to label when bool(e) == cond (else falls through). */
static int jump_if(Compiler *c, Node *e, int label, bool cond) {
    if (e->kind == E_UNARYOP && e->op == UOP_NOT) return jump_if(c, e->a, label, !cond);
    if (e->kind == E_BOOLOP) {
        bool is_or = e->op == BOOL_OR;
        int next2 = label;
        if (is_or != cond) next2 = new_label(c);
        int n = e->elts.n;
        for (int i = 0; i < n - 1; i++) TRY(jump_if(c, e->elts.items[i], next2, is_or));
        TRY(jump_if(c, e->elts.items[n - 1], label, cond));
        if (next2 != label) place(c, next2);
        return 0;
    }
    int t = const_truth(e);
    if (t >= 0) {
        if ((t != 0) == cond) emit_jump(c, label);
        return 0;
    }
    TRY(compile_expr(c, e));
    if (cond) EMIT(POP_JUMP_IF_TRUE, label);
    else EMIT(POP_JUMP_IF_FALSE, label);
    return 0;
}

/* Emits the instruction for one comparison operator. */
static void emit_cmp(Compiler *c, int op) {
    switch (op) {
    case CMP_OP_IN: EMIT(CONTAINS_OP, 0); break;
    case CMP_OP_NOT_IN: EMIT(CONTAINS_OP, 1); break;
    case CMP_OP_IS: EMIT(IS_OP, 0); break;
    case CMP_OP_IS_NOT: EMIT(IS_OP, 1); break;
    default: EMIT(COMPARE_OP, op); break;
    }
}

/* Compiles a (possibly chained) comparison. */
static int compile_compare(Compiler *c, Node *n) {
    TRY(compile_expr(c, n->a));
    int k = n->comparators.n;
    if (k == 1) {
        TRY(compile_expr(c, n->comparators.items[0]));
        emit_cmp(c, n->ops[0]);
        return 0;
    }
    int cleanup = new_label(c), end = new_label(c);
    for (int i = 0; i < k - 1; i++) {
        TRY(compile_expr(c, n->comparators.items[i]));
        EMIT(DUP_TOP, 0);
        EMIT(ROT_THREE, 0);
        emit_cmp(c, n->ops[i]);
        EMIT(JUMP_IF_FALSE_OR_POP, cleanup);
    }
    TRY(compile_expr(c, n->comparators.items[k - 1]));
    emit_cmp(c, n->ops[k - 1]);
    EMIT(JUMP_FORWARD, end);
    place(c, cleanup);
    EMIT(ROT_TWO, 0);
    EMIT(POP_TOP, 0);
    place(c, end);
    return 0;
}

/* Whether any element is a starred expression. */
static bool has_starred(const NodeList *l) {
    for (int i = 0; i < l->n; i++)
        if (l->items[i]->kind == E_STARRED) return true;
    return false;
}

/* Compiles a list, tuple or set display (kind E_LIST, E_TUPLE, E_SET). */
static int compile_display(Compiler *c, Node *n) {
    int k = n->elts.n;
    bool star = has_starred(&n->elts);
    bool is_set = n->kind == E_SET;
    if (n->kind == E_TUPLE) {
        Value v;
        if (!star && fold_const(n, &v)) {
            int r = load_const(c, v);
            v_decref(v);
            return r;
        }
    }
    /* lists and sets of more than two constants: extend from a constant tuple */
    if (!star && k > 2 && n->kind != E_TUPLE) {
        int i;
        for (i = 0; i < k; i++) if (n->elts.items[i]->kind != E_CONST) break;
        if (i == k) {
            Value items;
            Node tmp = *n;
            tmp.kind = E_TUPLE;
            tmp.ctx = CTX_LOAD;
            if (fold_const(&tmp, &items)) {
                emit(c, is_set ? OP_BUILD_SET : OP_BUILD_LIST, 0);
                int r = load_const(c, items);
                v_decref(items);
                TRY(r);
                emit(c, is_set ? OP_SET_UPDATE : OP_LIST_EXTEND, 1);
                return 0;
            }
        }
    }
    if (!star && k <= STACK_USE_GUARD) {
        for (int i = 0; i < k; i++) TRY(compile_expr(c, n->elts.items[i]));
        emit(c, n->kind == E_TUPLE ? OP_BUILD_TUPLE : is_set ? OP_BUILD_SET : OP_BUILD_LIST, k);
        return 0;
    }
    /* incremental: leading plain items, then append/extend one at a time */
    int lead = 0;
    while (lead < k && n->elts.items[lead]->kind != E_STARRED && lead < STACK_USE_GUARD) {
        TRY(compile_expr(c, n->elts.items[lead]));
        lead++;
    }
    emit(c, is_set ? OP_BUILD_SET : OP_BUILD_LIST, lead);
    for (int i = lead; i < k; i++) {
        Node *e = n->elts.items[i];
        if (e->kind == E_STARRED) {
            TRY(compile_expr(c, e->a));
            emit(c, is_set ? OP_SET_UPDATE : OP_LIST_EXTEND, 1);
        } else {
            TRY(compile_expr(c, e));
            emit(c, is_set ? OP_SET_ADD : OP_LIST_APPEND, 1);
        }
    }
    if (n->kind == E_TUPLE) EMIT(LIST_TO_TUPLE, 0);
    return 0;
}

/* Compiles a dict display. */
static int compile_dict(Compiler *c, Node *n) {
    int k = n->elts.n;
    bool dstar = false;
    for (int i = 0; i < k; i++)
        if (i >= n->keys.n || !n->keys.items[i]) dstar = true;
    if (!dstar && k <= STACK_USE_GUARD) {
        for (int i = 0; i < k; i++) {
            TRY(compile_expr(c, n->keys.items[i]));
            TRY(compile_expr(c, n->elts.items[i]));
        }
        EMIT(BUILD_MAP, k);
        return 0;
    }
    EMIT(BUILD_MAP, 0);
    for (int i = 0; i < k; i++) {
        Node *key = i < n->keys.n ? n->keys.items[i] : NULL;
        if (key) {
            TRY(compile_expr(c, key));
            TRY(compile_expr(c, n->elts.items[i]));
            EMIT(MAP_ADD, 1);
        } else {
            TRY(compile_expr(c, n->elts.items[i]));
            EMIT(DICT_UPDATE, 1);
        }
    }
    return 0;
}

/* Emits the closure tuple (if any) and MAKE_FUNCTION for a finished code object (consumes co). */
static int make_closure(Compiler *c, Code *co, int flags) {
    if (co->nfreevars > 0) {
        for (int i = 0; i < co->nfreevars; i++) {
            Symbol *sym = symtab_lookup(c->u->ste, STR_DATA(co->freevars[i]));
            if (!sym || sym->deref < 0) {
                o_decref(&co->hdr);
                return internal_error(c, "free variable not found in the enclosing scope");
            }
            EMIT(LOAD_CLOSURE, sym->deref);
        }
        EMIT(BUILD_TUPLE, co->nfreevars);
        flags |= MF_CLOSURE;
    }
    int r = load_const(c, V_OBJ(co));
    o_decref(&co->hdr);
    TRY(r);
    EMIT(MAKE_FUNCTION, flags);
    return 0;
}

/* Emits defaults and kw-only defaults of a parameter list; returns MAKE_FUNCTION flags. */
static int compile_defaults(Compiler *c, const Arguments *a) {
    int flags = 0;
    if (!a) return 0;
    if (a->ndefaults > 0) {
        Node tmp;
        memset(&tmp, 0, sizeof tmp);
        tmp.kind = E_TUPLE;
        tmp.ctx = CTX_LOAD;
        tmp.elts.n = tmp.elts.cap = a->ndefaults;
        tmp.elts.items = a->defaults;
        tmp.line = a->defaults[0]->line;
        tmp.col = a->defaults[0]->col;
        TRY(compile_display(c, &tmp));
        flags |= MF_DEFAULTS;
    }
    int nkw = 0;
    for (int i = 0; i < a->nkwonly; i++) {
        if (!a->kw_defaults || !a->kw_defaults[i]) continue;
        TRY(load_const(c, V_OBJ(str_intern(a->kwonly[i].name))));
        TRY(compile_expr(c, a->kw_defaults[i]));
        nkw++;
    }
    if (nkw) {
        EMIT(BUILD_MAP, nkw);
        flags |= MF_KWDEFAULTS;
    }
    return flags;
}

/* Sets the parameter counts of the current unit and copies cell parameters into cells. */
static void setup_params(Compiler *c, const Arguments *a) {
    Unit *u = c->u;
    if (a) {
        u->argcount = a->nargs;
        u->posonly = a->nposonly;
        u->kwonly = a->nkwonly;
        if (a->vararg) u->flags |= CO_VARARGS;
        if (a->kwarg) u->flags |= CO_VARKEYWORDS;
    }
    Scope *s = u->ste;
    for (int i = 0; i < s->nparams; i++) {
        Symbol *sym = symtab_lookup(s, s->params[i]);
        if (sym && sym->scope == SC_CELL && sym->slot >= 0 && sym->deref >= 0) {
            EMIT(LOAD_FAST, sym->slot);
            EMIT(STORE_DEREF, sym->deref);
        }
    }
}

/* Compiles a lambda expression. */
static int compile_lambda(Compiler *c, Node *n) {
    Scope *s = symtab_child(c->u->ste, n);
    if (!s) return internal_error(c, "no scope for lambda");
    int flags = compile_defaults(c, n->arguments);
    TRY(flags);
    enter_unit(c, s, "<lambda>", n->line);
    setup_params(c, n->arguments);
    if (compile_expr(c, n->a) < 0) return -1;
    if (s->generator) {
        EMIT(POP_TOP, 0);
        if (load_const(c, V_NONE) < 0) return -1;
    }
    EMIT(RETURN_VALUE, 0);
    Code *co = exit_unit(c);
    if (!co) return -1;
    return make_closure(c, co, flags);
}

/* Compiles generator number gi of a comprehension, then the element. */
static int comp_generator(Compiler *c, Node *n, int gi) {
    Node *g = n->generators.items[gi];
    int start = new_label(c), cleanup = new_label(c), anchor = new_label(c);
    if (gi == 0) {
        Symbol *sym = symtab_lookup(c->u->ste, ".0");
        EMIT(LOAD_FAST, sym && sym->slot >= 0 ? sym->slot : 0);
    } else {
        TRY(compile_expr(c, g->b));
        EMIT(GET_ITER, 0);
    }
    place(c, start);
    EMIT(FOR_ITER, anchor);
    TRY(compile_store(c, g->a));
    for (int i = 0; i < g->ifs.n; i++) TRY(jump_if(c, g->ifs.items[i], cleanup, false));
    if (gi + 1 < n->generators.n) {
        TRY(comp_generator(c, n, gi + 1));
    } else {
        int depth = n->generators.n + 1;
        switch (n->kind) {
        case E_GENEXP:
            TRY(compile_expr(c, n->a));
            EMIT(YIELD_VALUE, 0);
            EMIT(POP_TOP, 0);
            break;
        case E_LISTCOMP:
            TRY(compile_expr(c, n->a));
            EMIT(LIST_APPEND, depth);
            break;
        case E_SETCOMP:
            TRY(compile_expr(c, n->a));
            EMIT(SET_ADD, depth);
            break;
        default:
            TRY(compile_expr(c, n->a));
            TRY(compile_expr(c, n->b));
            EMIT(MAP_ADD, depth);
            break;
        }
    }
    place(c, cleanup);
    emit_jump(c, start);
    place(c, anchor);
    return 0;
}

/* Compiles a comprehension or generator expression: a nested function called at once. */
static int compile_comprehension(Compiler *c, Node *n) {
    Scope *s = symtab_child(c->u->ste, n);
    if (!s || n->generators.n == 0) return internal_error(c, "no scope for comprehension");
    enter_unit(c, s, s->name, n->line);
    c->u->argcount = 1;
    if (n->kind == E_LISTCOMP) EMIT(BUILD_LIST, 0);
    else if (n->kind == E_SETCOMP) EMIT(BUILD_SET, 0);
    else if (n->kind == E_DICTCOMP) EMIT(BUILD_MAP, 0);
    if (comp_generator(c, n, 0) < 0) return -1;
    if (n->kind == E_GENEXP && load_const(c, V_NONE) < 0) return -1;
    EMIT(RETURN_VALUE, 0);
    Code *co = exit_unit(c);
    if (!co) return -1;
    TRY(make_closure(c, co, 0));
    TRY(compile_expr(c, n->generators.items[0]->b));
    EMIT(GET_ITER, 0);
    EMIT(CALL, 1);
    return 0;
}

/* Raises "keyword argument repeated" for a call with a repeated keyword. */
static int check_keywords(Compiler *c, Node *n) {
    for (int i = 0; i < n->keywords.n; i++) {
        Node *k = n->keywords.items[i];
        if (!k->id) continue;
        for (int j = i + 1; j < n->keywords.n; j++) {
            Node *m = n->keywords.items[j];
            if (m->id && strcmp(k->id, m->id) == 0)
                return error_at(c, m, "keyword argument repeated: %s", m->id);
        }
    }
    return 0;
}

/* Pushes positional then keyword values; returns the kwnames const index or -2 if none. */
static int push_args(Compiler *c, Node *n) {
    for (int i = 0; i < n->args.n; i++) TRY(compile_expr(c, n->args.items[i]));
    int nk = n->keywords.n;
    if (nk == 0) return -2;
    for (int i = 0; i < nk; i++) TRY(compile_expr(c, n->keywords.items[i]->a));
    Obj *t = tuple_new(nk);
    for (int i = 0; i < nk; i++) ((Tuple *)t)->items[i] = V_OBJ(str_intern(n->keywords.items[i]->id));
    int idx = add_const(c, V_OBJ(t));
    o_decref(t);
    return idx;
}

/* Compiles the arguments of a call with *args or **kwargs, then CALL_EX. */
static int call_ex(Compiler *c, Node *n) {
    int k = n->args.n;
    int lead = 0;
    while (lead < k && n->args.items[lead]->kind != E_STARRED && lead < STACK_USE_GUARD) {
        TRY(compile_expr(c, n->args.items[lead]));
        lead++;
    }
    EMIT(BUILD_LIST, lead);
    for (int i = lead; i < k; i++) {
        Node *e = n->args.items[i];
        if (e->kind == E_STARRED) {
            TRY(compile_expr(c, e->a));
            EMIT(LIST_EXTEND, 1);
        } else {
            TRY(compile_expr(c, e));
            EMIT(LIST_APPEND, 1);
        }
    }
    EMIT(LIST_TO_TUPLE, 0);
    if (n->keywords.n == 0) {
        EMIT(CALL_EX, 0);
        return 0;
    }
    bool have_dict = false;
    int pending = 0;
    for (int i = 0; i < n->keywords.n; i++) {
        Node *kw = n->keywords.items[i];
        if (kw->id) {
            TRY(load_const(c, V_OBJ(str_intern(kw->id))));
            TRY(compile_expr(c, kw->a));
            pending++;
            continue;
        }
        if (pending) {
            EMIT(BUILD_MAP, pending);
            if (have_dict) EMIT(DICT_MERGE, 1);
            have_dict = true;
            pending = 0;
        }
        if (!have_dict) { EMIT(BUILD_MAP, 0); have_dict = true; }
        TRY(compile_expr(c, kw->a));
        EMIT(DICT_MERGE, 1);
    }
    if (pending) {
        EMIT(BUILD_MAP, pending);
        if (have_dict) EMIT(DICT_MERGE, 1);
    }
    EMIT(CALL_EX, 1);
    return 0;
}

/* Compiles zero-argument super() as super(__class__, <first parameter>) when possible. */
static int try_zero_arg_super(Compiler *c, Node *n) {
    Node *f = n->a;
    if (f->kind != E_NAME || strcmp(f->id, "super") != 0 || n->args.n || n->keywords.n) return 0;
    Unit *u = c->u;
    Scope *s = u->ste;
    if (s->kind != SCOPE_FUNCTION || u->argcount < 1 || s->nparams < 1) return 0;
    Symbol *sup = symtab_lookup(s, "super");
    if (sup && sup->scope != SC_GLOBAL_IMPLICIT) return 0;
    Symbol *cls = symtab_lookup(s, "__class__");
    if (!cls || cls->deref < 0) return 0;
    TRY(name_op(c, "super", CTX_LOAD));
    EMIT(LOAD_DEREF, cls->deref);
    TRY(name_op(c, s->params[0], CTX_LOAD));
    EMIT(CALL, 2);
    return 1;
}

/* Compiles a call. */
static int compile_call(Compiler *c, Node *n) {
    TRY(check_keywords(c, n));
    int sup = try_zero_arg_super(c, n);
    TRY(sup);
    if (sup) return 0;
    bool star = has_starred(&n->args);
    for (int i = 0; i < n->keywords.n; i++)
        if (!n->keywords.items[i]->id) star = true;
    Node *f = n->a;
    int nargs = n->args.n + n->keywords.n;
    if (!star && f->kind == E_ATTRIBUTE && f->ctx == CTX_LOAD) {
        TRY(compile_expr(c, f->a));
        int saved = c->u->line;
        if (f->end_line > n->line) c->u->line = f->end_line;
        TRY(emit_name(c, OP_LOAD_METHOD, f->id));
        int line = c->u->line;
        c->u->line = saved;
        int kw = push_args(c, n);
        TRY(kw == -2 ? 0 : kw);
        c->u->line = line;
        if (kw == -2) EMIT(CALL_METHOD, nargs);
        else { EMIT(LOAD_CONST, kw); EMIT(CALL_METHOD_KW, nargs); }
        c->u->line = saved;
        return 0;
    }
    TRY(compile_expr(c, f));
    if (star) return call_ex(c, n);
    int kw = push_args(c, n);
    TRY(kw == -2 ? 0 : kw);
    if (kw == -2) EMIT(CALL, nargs);
    else { EMIT(LOAD_CONST, kw); EMIT(CALL_KW, nargs); }
    return 0;
}

/* Compiles an f-string. */
static int compile_joinedstr(Compiler *c, Node *n) {
    int k = n->elts.n;
    if (k == 0) return load_const(c, V_OBJ(str_intern("")));
    for (int i = 0; i < k; i++) TRY(compile_expr(c, n->elts.items[i]));
    if (k > 1 || n->elts.items[0]->kind != E_FORMATTED) {
        if (k == 1 && n->elts.items[0]->kind == E_CONST) return 0;
        EMIT(BUILD_STRING, k);
    }
    return 0;
}

/* Compiles a slice expression into BUILD_SLICE. */
static int compile_slice(Compiler *c, Node *n) {
    if (n->a) TRY(compile_expr(c, n->a)); else TRY(load_const(c, V_NONE));
    if (n->b) TRY(compile_expr(c, n->b)); else TRY(load_const(c, V_NONE));
    if (n->c) {
        TRY(compile_expr(c, n->c));
        EMIT(BUILD_SLICE, 3);
    } else {
        EMIT(BUILD_SLICE, 2);
    }
    return 0;
}

/* Compiles an expression in load context (the worker behind compile_expr). */
static int expr_inner(Compiler *c, Node *n) {
    switch (n->kind) {
    case E_NAME:
        return name_op(c, n->id, n->ctx);
    case E_CONST:
        return load_const(c, n->value);
    case E_JOINEDSTR:
        return compile_joinedstr(c, n);
    case E_FORMATTED: {
        TRY(compile_expr(c, n->a));
        int flags = n->conversion == 's' ? 1 : n->conversion == 'r' ? 2 : n->conversion == 'a' ? 3 : 0;
        if (n->b) {
            TRY(compile_expr(c, n->b));
            flags |= 4;
        }
        EMIT(FORMAT_VALUE, flags);
        return 0;
    }
    case E_TUPLE: case E_LIST: case E_SET:
        if (n->ctx != CTX_LOAD) return error_at(c, n, "cannot use a display as an expression here");
        return compile_display(c, n);
    case E_DICT:
        return compile_dict(c, n);
    case E_BINOP:
        TRY(compile_expr(c, n->a));
        TRY(compile_expr(c, n->b));
        EMIT(BINARY_OP, n->op);
        return 0;
    case E_UNARYOP: {
        Value v;
        if (n->op == UOP_NEG && fold_const(n, &v)) {
            int r = load_const(c, v);
            v_decref(v);
            return r;
        }
        TRY(compile_expr(c, n->a));
        switch (n->op) {
        case UOP_NEG: EMIT(UNARY_NEG, 0); break;
        case UOP_POS: EMIT(UNARY_POS, 0); break;
        case UOP_INVERT: EMIT(UNARY_INVERT, 0); break;
        default: EMIT(UNARY_NOT, 0); break;
        }
        return 0;
    }
    case E_BOOLOP: {
        int end = new_label(c);
        int k = n->elts.n;
        for (int i = 0; i < k - 1; i++) {
            TRY(compile_expr(c, n->elts.items[i]));
            if (n->op == BOOL_AND) EMIT(JUMP_IF_FALSE_OR_POP, end);
            else EMIT(JUMP_IF_TRUE_OR_POP, end);
        }
        TRY(compile_expr(c, n->elts.items[k - 1]));
        place(c, end);
        return 0;
    }
    case E_COMPARE:
        return compile_compare(c, n);
    case E_CALL:
        return compile_call(c, n);
    case E_ATTRIBUTE:
        TRY(compile_expr(c, n->a));
        return emit_name(c, OP_LOAD_ATTR, n->id);
    case E_SUBSCRIPT:
        TRY(compile_expr(c, n->a));
        TRY(compile_expr(c, n->b));
        EMIT(BINARY_SUBSCR, 0);
        return 0;
    case E_SLICE:
        return compile_slice(c, n);
    case E_IFEXP: {
        int orelse = new_label(c), end = new_label(c);
        TRY(jump_if(c, n->a, orelse, false));
        TRY(compile_expr(c, n->b));
        EMIT(JUMP_FORWARD, end);
        place(c, orelse);
        TRY(compile_expr(c, n->c));
        place(c, end);
        return 0;
    }
    case E_LAMBDA:
        return compile_lambda(c, n);
    case E_LISTCOMP: case E_SETCOMP: case E_DICTCOMP: case E_GENEXP:
        return compile_comprehension(c, n);
    case E_NAMEDEXPR:   /* value, kept as the result and stored to the name */
        TRY(compile_expr(c, n->b));
        EMIT(DUP_TOP, 0);
        return compile_store(c, n->a);
    case E_YIELD:
        if (c->u->ste->kind != SCOPE_FUNCTION) return error_at(c, n, "'yield' outside function");
        if (n->op) {   /* yield from: delegate to iter(a) until it returns */
            TRY(compile_expr(c, n->a));
            EMIT(GET_ITER, 0);
            TRY(load_const(c, V_NONE));
            EMIT(YIELD_FROM, 0);
            return 0;
        }
        if (n->a) TRY(compile_expr(c, n->a));
        else TRY(load_const(c, V_NONE));
        EMIT(YIELD_VALUE, 0);
        return 0;
    case E_STARRED:
        return error_at(c, n, "can't use starred expression here");
    default:
        return error_at(c, n, "invalid syntax");
    }
}

static int compile_expr(Compiler *c, Node *n) {
    if (++c->depth > MAX_DEPTH) {
        exc_raise(c->ts, &T_RecursionError, "maximum recursion depth exceeded during compilation");
        return -1;
    }
    int saved = c->u->line;
    c->u->line = n->line;
    int r = expr_inner(c, n);
    if (c->u) c->u->line = saved;
    c->depth--;
    return r;
}

/* ---- assignment targets ---- */

/* Unpacks TOS into the elements of a tuple or list target. */
static int compile_unpack(Compiler *c, Node *t) {
    int k = t->elts.n, star = -1;
    for (int i = 0; i < k; i++) {
        if (t->elts.items[i]->kind == E_STARRED) {
            if (star >= 0) return error_at(c, t, "multiple starred expressions in assignment");
            star = i;
        }
    }
    if (star >= 0) {
        int after = k - star - 1;
        if (star >= 256 || after >= (1 << 16))
            return error_at(c, t, "too many expressions in star-unpacking assignment");
        EMIT(UNPACK_EX, star | (after << 8));
    } else {
        EMIT(UNPACK_SEQUENCE, k);
    }
    for (int i = 0; i < k; i++) {
        Node *e = t->elts.items[i];
        TRY(compile_store(c, e->kind == E_STARRED ? e->a : e));
    }
    return 0;
}

/* Stores TOS into an assignment target. */
static int compile_store(Compiler *c, Node *t) {
    int saved = c->u->line;
    c->u->line = t->line;
    int r = 0;
    switch (t->kind) {
    case E_NAME:
        r = name_op(c, t->id, CTX_STORE);
        break;
    case E_ATTRIBUTE:
        r = compile_expr(c, t->a);
        if (r == 0) r = emit_name(c, OP_STORE_ATTR, t->id);
        break;
    case E_SUBSCRIPT:
        r = compile_expr(c, t->a);
        if (r == 0) r = compile_expr(c, t->b);
        if (r == 0) EMIT(STORE_SUBSCR, 0);
        break;
    case E_TUPLE: case E_LIST:
        r = compile_unpack(c, t);
        break;
    case E_STARRED:
        r = error_at(c, t, "starred assignment target must be in a list or tuple");
        break;
    default:
        r = error_at(c, t, "cannot assign to expression");
        break;
    }
    c->u->line = saved;
    return r;
}

/* Deletes a del target. */
static int compile_delete(Compiler *c, Node *t) {
    int saved = c->u->line;
    c->u->line = t->line;
    int r = 0;
    switch (t->kind) {
    case E_NAME:
        r = name_op(c, t->id, CTX_DEL);
        break;
    case E_ATTRIBUTE:
        r = compile_expr(c, t->a);
        if (r == 0) r = emit_name(c, OP_DELETE_ATTR, t->id);
        break;
    case E_SUBSCRIPT:
        r = compile_expr(c, t->a);
        if (r == 0) r = compile_expr(c, t->b);
        if (r == 0) EMIT(DELETE_SUBSCR, 0);
        break;
    case E_TUPLE: case E_LIST:
        for (int i = 0; r == 0 && i < t->elts.n; i++) r = compile_delete(c, t->elts.items[i]);
        break;
    default:
        r = error_at(c, t, "cannot delete expression");
        break;
    }
    c->u->line = saved;
    return r;
}

/* ---- statements ---- */

/* Compiles a def statement. */
static int compile_funcdef(Compiler *c, Node *n) {
    Scope *s = symtab_child(c->u->ste, n);
    if (!s) return internal_error(c, "no scope for function");
    for (int i = 0; i < n->decorators.n; i++) TRY(compile_expr(c, n->decorators.items[i]));
    int firstline = n->decorators.n ? n->decorators.items[0]->line : n->line;
    int flags = compile_defaults(c, n->arguments);
    TRY(flags);
    enter_unit(c, s, n->id, firstline);
    c->u->line = n->line;
    setup_params(c, n->arguments);
    if (compile_body(c, &n->body) < 0) return -1;
    Code *co = exit_unit(c);
    if (!co) return -1;
    TRY(make_closure(c, co, flags));
    c->u->line = n->line;
    for (int i = n->decorators.n - 1; i >= 0; i--) EMIT(CALL, 1);
    return name_op(c, n->id, CTX_STORE);
}

/* Compiles a class statement's bases into a tuple, then its keywords (if any) into a dict. */
static int class_args(Compiler *c, Node *n) {
    bool starred = false;
    for (int i = 0; i < n->args.n; i++) starred |= n->args.items[i]->kind == E_STARRED;
    if (!starred) {
        for (int i = 0; i < n->args.n; i++) TRY(compile_expr(c, n->args.items[i]));
        EMIT(BUILD_TUPLE, n->args.n);
    } else {
        EMIT(BUILD_LIST, 0);
        for (int i = 0; i < n->args.n; i++) {
            Node *e = n->args.items[i];
            TRY(compile_expr(c, e->kind == E_STARRED ? e->a : e));
            if (e->kind == E_STARRED) EMIT(LIST_EXTEND, 1);
            else EMIT(LIST_APPEND, 1);
        }
        EMIT(LIST_TO_TUPLE, 0);
    }
    if (n->keywords.n == 0) return 0;
    EMIT(BUILD_MAP, 0);
    for (int i = 0; i < n->keywords.n; i++) {
        Node *kw = n->keywords.items[i];
        if (kw->id) {
            TRY(load_const(c, V_OBJ(str_intern(kw->id))));
            TRY(compile_expr(c, kw->a));
            EMIT(BUILD_MAP, 1);
        } else {
            TRY(compile_expr(c, kw->a));
        }
        EMIT(DICT_MERGE, 1);
    }
    return 0;
}

/* Compiles a class statement. */
static int compile_classdef(Compiler *c, Node *n) {
    Scope *s = symtab_child(c->u->ste, n);
    if (!s) return internal_error(c, "no scope for class");
    for (int i = 0; i < n->decorators.n; i++) TRY(compile_expr(c, n->decorators.items[i]));
    int firstline = n->decorators.n ? n->decorators.items[0]->line : n->line;
    enter_unit(c, s, n->id, firstline);
    c->u->line = n->line;
    if (n->body.n > 0) {
        Node *first = n->body.items[0];
        if (first->kind == S_EXPR && first->a->kind == E_CONST && IS_STR(first->a->value)) {
            c->u->line = first->line;
            if (load_const(c, first->a->value) < 0) return -1;
            if (emit_name(c, OP_STORE_NAME, "__doc__") < 0) return -1;
        }
    }
    if (compile_body(c, &n->body) < 0) return -1;
    Symbol *cls = symtab_lookup(s, "__class__");
    if (s->class_cell && cls && cls->scope == SC_CELL && cls->deref >= 0) {
        EMIT(LOAD_CLOSURE, cls->deref);
    } else {
        if (load_const(c, V_NONE) < 0) return -1;
    }
    EMIT(RETURN_VALUE, 0);
    Code *co = exit_unit(c);
    if (!co) return -1;
    c->u->line = n->line;
    TRY(make_closure(c, co, 0));
    TRY(load_const(c, V_OBJ(str_intern(n->id))));
    TRY(class_args(c, n));
    EMIT(BUILD_CLASS, n->keywords.n > 0);
    for (int i = n->decorators.n - 1; i >= 0; i--) EMIT(CALL, 1);
    return name_op(c, n->id, CTX_STORE);
}

/* Compiles an augmented assignment. */
static int compile_augassign(Compiler *c, Node *n) {
    Node *t = n->a;
    int op = n->op | BINOP_INPLACE;
    switch (t->kind) {
    case E_NAME:
        TRY(name_op(c, t->id, CTX_LOAD));
        TRY(compile_expr(c, n->b));
        EMIT(BINARY_OP, op);
        return name_op(c, t->id, CTX_STORE);
    case E_ATTRIBUTE:
        TRY(compile_expr(c, t->a));
        EMIT(DUP_TOP, 0);
        TRY(emit_name(c, OP_LOAD_ATTR, t->id));
        TRY(compile_expr(c, n->b));
        EMIT(BINARY_OP, op);
        EMIT(ROT_TWO, 0);
        return emit_name(c, OP_STORE_ATTR, t->id);
    case E_SUBSCRIPT:
        TRY(compile_expr(c, t->a));
        TRY(compile_expr(c, t->b));
        EMIT(DUP_TOP_TWO, 0);
        EMIT(BINARY_SUBSCR, 0);
        TRY(compile_expr(c, n->b));
        EMIT(BINARY_OP, op);
        EMIT(ROT_THREE, 0);
        EMIT(STORE_SUBSCR, 0);
        return 0;
    default:
        return error_at(c, t, "illegal expression for augmented assignment");
    }
}

/* Compiles try/except[/else] (the body part of a try statement without finally). */
static int compile_try_except(Compiler *c, Node *n) {
    int handler = new_label(c), end = new_label(c);
    EMIT(SETUP_FINALLY, handler);
    TRY(push_fblock(c, n, FB_TRY_EXCEPT, -1, -1, NULL, NULL));
    TRY(compile_body(c, &n->body));
    pop_fblock(c);
    EMIT(POP_BLOCK, 0);
    TRY(compile_body(c, &n->orelse));
    EMIT(JUMP_FORWARD, end);
    place(c, handler);
    int k = n->handlers.n;
    for (int i = 0; i < k; i++) {
        Node *h = n->handlers.items[i];
        c->u->line = h->line;
        if (!h->a && i < k - 1) return error_at(c, h, "default 'except:' must be last");
        int next = new_label(c);
        if (h->a) {
            TRY(compile_expr(c, h->a));
            EMIT(CHECK_EXC_MATCH, 0);
            EMIT(POP_JUMP_IF_FALSE, next);
        }
        if (h->id) {
            TRY(name_op(c, h->id, CTX_STORE));
            int cleanup = new_label(c);
            EMIT(SETUP_FINALLY, cleanup);
            TRY(push_fblock(c, h, FB_HANDLER_CLEANUP, -1, -1, NULL, h->id));
            TRY(compile_body(c, &h->body));
            pop_fblock(c);
            EMIT(POP_BLOCK, 0);
            EMIT(POP_EXCEPT, 0);
            TRY(load_const(c, V_NONE));
            TRY(name_op(c, h->id, CTX_STORE));
            TRY(name_op(c, h->id, CTX_DEL));
            EMIT(JUMP_FORWARD, end);
            place(c, cleanup);
            TRY(load_const(c, V_NONE));
            TRY(name_op(c, h->id, CTX_STORE));
            TRY(name_op(c, h->id, CTX_DEL));
            EMIT(RERAISE, 0);
        } else {
            EMIT(POP_TOP, 0);
            TRY(push_fblock(c, h, FB_HANDLER_CLEANUP, -1, -1, NULL, NULL));
            TRY(compile_body(c, &h->body));
            pop_fblock(c);
            EMIT(POP_EXCEPT, 0);
            EMIT(JUMP_FORWARD, end);
        }
        place(c, next);
    }
    EMIT(RERAISE, 0);
    place(c, end);
    return 0;
}

/* Compiles a try statement. */
static int compile_try(Compiler *c, Node *n) {
    if (n->finalbody.n == 0) return compile_try_except(c, n);
    int handler = new_label(c), end = new_label(c);
    EMIT(SETUP_FINALLY, handler);
    TRY(push_fblock(c, n, FB_FINALLY_TRY, -1, -1, &n->finalbody, NULL));
    if (n->handlers.n) TRY(compile_try_except(c, n));
    else TRY(compile_body(c, &n->body));
    EMIT(POP_BLOCK, 0);
    pop_fblock(c);
    TRY(compile_body(c, &n->finalbody));
    EMIT(JUMP_FORWARD, end);
    place(c, handler);
    TRY(push_fblock(c, n, FB_FINALLY_END, -1, -1, NULL, NULL));
    TRY(compile_body(c, &n->finalbody));
    pop_fblock(c);
    EMIT(RERAISE, 0);
    place(c, end);
    return 0;
}

/* Compiles item i of a with statement and, nested inside it, the rest and the body. */
static int compile_with(Compiler *c, Node *n, int i) {
    Node *item = n->items.items[i];
    int handler = new_label(c), exit = new_label(c), suppress = new_label(c);
    c->u->line = item->line ? item->line : n->line;
    TRY(compile_expr(c, item->a));
    EMIT(SETUP_WITH, handler);
    TRY(push_fblock(c, n, FB_WITH, -1, -1, NULL, NULL));
    if (item->b) TRY(compile_store(c, item->b));
    else EMIT(POP_TOP, 0);
    if (i + 1 < n->items.n) TRY(compile_with(c, n, i + 1));
    else TRY(compile_body(c, &n->body));
    pop_fblock(c);
    c->u->line = n->line;
    EMIT(POP_BLOCK, 0);
    TRY(load_const(c, V_NONE));
    EMIT(DUP_TOP, 0);
    EMIT(DUP_TOP, 0);
    EMIT(CALL, 3);
    EMIT(POP_TOP, 0);
    EMIT(JUMP_FORWARD, exit);
    place(c, handler);
    EMIT(WITH_EXCEPT_START, 0);
    EMIT(POP_JUMP_IF_TRUE, suppress);
    EMIT(RERAISE, 0);
    place(c, suppress);
    EMIT(POP_TOP, 0);
    EMIT(POP_EXCEPT, 0);
    EMIT(POP_TOP, 0);
    place(c, exit);
    return 0;
}

/* Compiles an import statement. */
static int compile_import(Compiler *c, Node *n) {
    for (int i = 0; i < n->aliases.n; i++) {
        Node *al = n->aliases.items[i];
        const char *dot = strchr(al->id, '.');
        if (al->asname && dot) {
            Obj *t = tuple_new(1);
            ((Tuple *)t)->items[0] = V_OBJ(str_intern(al->asname));
            int r = load_const(c, V_OBJ(t));
            o_decref(t);
            TRY(r);
        } else {
            TRY(load_const(c, V_NONE));
        }
        TRY(emit_name(c, OP_IMPORT_NAME, al->id));
        if (al->asname) {
            TRY(name_op(c, al->asname, CTX_STORE));
        } else if (dot) {
            char buf[256];
            size_t len = (size_t)(dot - al->id);
            char *top = len < sizeof buf ? buf : xrealloc(NULL, len + 1);
            memcpy(top, al->id, len);
            top[len] = 0;
            int r = name_op(c, top, CTX_STORE);
            if (top != buf) free(top);
            TRY(r);
        } else {
            TRY(name_op(c, al->id, CTX_STORE));
        }
    }
    return 0;
}

/* Compiles a from-import statement. */
static int compile_importfrom(Compiler *c, Node *n) {
    int k = n->aliases.n;
    bool star = k == 1 && strcmp(n->aliases.items[0]->id, "*") == 0;
    Obj *t = tuple_new(k);
    for (int i = 0; i < k; i++) ((Tuple *)t)->items[i] = V_OBJ(str_intern(n->aliases.items[i]->id));
    int r = load_const(c, V_OBJ(t));
    o_decref(t);
    TRY(r);
    if (n->level > 0) {
        /* a relative import: IMPORT_NAME gets the name behind one dot per level */
        size_t len = strlen(n->id);
        char *dotted = xrealloc(NULL, (size_t)n->level + len + 1);
        memset(dotted, '.', (size_t)n->level);
        memcpy(dotted + n->level, n->id, len + 1);
        r = emit_name(c, OP_IMPORT_NAME, dotted);
        free(dotted);
        TRY(r);
    } else {
        TRY(emit_name(c, OP_IMPORT_NAME, n->id));
    }
    if (star) {
        if (c->u->ste->kind != SCOPE_MODULE)
            return error_at(c, n->aliases.items[0], "import * only allowed at module level");
        EMIT(IMPORT_STAR, 0);
        return 0;
    }
    for (int i = 0; i < k; i++) {
        Node *al = n->aliases.items[i];
        TRY(emit_name(c, OP_IMPORT_FROM, al->id));
        TRY(name_op(c, al->asname ? al->asname : al->id, CTX_STORE));
    }
    EMIT(POP_TOP, 0);
    return 0;
}

/* Compiles a return statement. */
static int compile_return(Compiler *c, Node *n) {
    if (c->u->ste->kind != SCOPE_FUNCTION) return error_at(c, n, "'return' outside function");
    Value tmp;
    bool is_const = false;
    if (n->a && fold_const(n->a, &tmp)) { is_const = true; v_decref(tmp); }
    bool preserve = n->a && !is_const;
    if (preserve) TRY(compile_expr(c, n->a));
    TRY(unwind_fblock_stack(c, preserve, NULL));
    c->u->line = n->line;
    if (!n->a) TRY(load_const(c, V_NONE));
    else if (!preserve) TRY(compile_expr(c, n->a));
    EMIT(RETURN_VALUE, 0);
    return 0;
}

/* Compiles break and continue. */
static int compile_break_continue(Compiler *c, Node *n, bool is_break) {
    FBlock *loop = NULL;
    TRY(unwind_fblock_stack(c, false, &loop));
    if (!loop)
        return error_at(c, n, is_break ? "'break' outside loop" : "'continue' not properly in loop");
    c->u->line = n->line;
    if (is_break) {
        TRY(unwind_fblock(c, loop, false));
        emit_jump(c, loop->exit);
    } else {
        emit_jump(c, loop->start);
    }
    return 0;
}

static int stmt_inner(Compiler *c, Node *n) {
    switch (n->kind) {
    case S_EXPR:
        if (c->interactive && c->u->ste->kind == SCOPE_MODULE) {
            TRY(compile_expr(c, n->a));
            EMIT(PRINT_EXPR, 0);
            return 0;
        }
        if (n->a->kind == E_CONST) return 0;
        TRY(compile_expr(c, n->a));
        EMIT(POP_TOP, 0);
        return 0;
    case S_ASSIGN: {
        TRY(compile_expr(c, n->a));
        int k = n->targets.n;
        for (int i = 0; i < k; i++) {
            if (i < k - 1) EMIT(DUP_TOP, 0);
            TRY(compile_store(c, n->targets.items[i]));
        }
        return 0;
    }
    case S_AUGASSIGN:
        return compile_augassign(c, n);
    case S_IF: {
        int end = new_label(c);
        int next = n->orelse.n ? new_label(c) : end;
        TRY(jump_if(c, n->a, next, false));
        TRY(compile_body(c, &n->body));
        if (n->orelse.n) {
            EMIT(JUMP_FORWARD, end);
            place(c, next);
            TRY(compile_body(c, &n->orelse));
        }
        place(c, end);
        return 0;
    }
    case S_WHILE: {
        /* a constant condition compiles to no test (jump_if); dead code is never reached */
        int start = new_label(c), orelse = new_label(c), exit = new_label(c);
        place(c, start);
        TRY(jump_if(c, n->a, orelse, false));
        TRY(push_fblock(c, n, FB_WHILE, start, exit, NULL, NULL));
        TRY(compile_body(c, &n->body));
        pop_fblock(c);
        c->u->line = n->line;
        emit_jump(c, start);
        place(c, orelse);
        TRY(compile_body(c, &n->orelse));
        place(c, exit);
        return 0;
    }
    case S_FOR: {
        int start = new_label(c), cleanup = new_label(c), exit = new_label(c);
        TRY(compile_expr(c, n->b));
        EMIT(GET_ITER, 0);
        place(c, start);
        EMIT(FOR_ITER, cleanup);
        TRY(compile_store(c, n->a));
        TRY(push_fblock(c, n, FB_FOR, start, exit, NULL, NULL));
        TRY(compile_body(c, &n->body));
        pop_fblock(c);
        c->u->line = n->line;
        emit_jump(c, start);
        place(c, cleanup);
        TRY(compile_body(c, &n->orelse));
        place(c, exit);
        return 0;
    }
    case S_BREAK: return compile_break_continue(c, n, true);
    case S_CONTINUE: return compile_break_continue(c, n, false);
    case S_PASS: case S_GLOBAL: case S_NONLOCAL: return 0;
    case S_RETURN: return compile_return(c, n);
    case S_FUNCDEF: return compile_funcdef(c, n);
    case S_CLASSDEF: return compile_classdef(c, n);
    case S_TRY: return compile_try(c, n);
    case S_RAISE: {
        int k = 0;
        if (n->a) { TRY(compile_expr(c, n->a)); k++; }
        if (n->b) { TRY(compile_expr(c, n->b)); k++; }
        c->u->line = n->line;
        EMIT(RAISE_VARARGS, k);
        return 0;
    }
    case S_WITH: return compile_with(c, n, 0);
    case S_ASSERT: {
        if (comp_optimize > 0) return 0;
        int ok = new_label(c);
        TRY(jump_if(c, n->a, ok, true));
        c->u->line = n->line;
        EMIT(LOAD_ASSERTION_ERROR, 0);
        if (n->b) {
            TRY(compile_expr(c, n->b));
            EMIT(CALL, 1);
        }
        EMIT(RAISE_VARARGS, 1);
        place(c, ok);
        return 0;
    }
    case S_DELETE:
        for (int i = 0; i < n->targets.n; i++) TRY(compile_delete(c, n->targets.items[i]));
        return 0;
    case S_IMPORT: return compile_import(c, n);
    case S_IMPORTFROM: return compile_importfrom(c, n);
    default:
        return error_at(c, n, "invalid syntax");
    }
}

static int compile_stmt(Compiler *c, Node *n) {
    if (++c->depth > MAX_DEPTH) {
        exc_raise(c->ts, &T_RecursionError, "maximum recursion depth exceeded during compilation");
        return -1;
    }
    c->u->line = n->line;
    int r = stmt_inner(c, n);
    c->depth--;
    return r;
}

static int compile_body(Compiler *c, const NodeList *l) {
    for (int i = 0; i < l->n; i++) TRY(compile_stmt(c, l->items[i]));
    return 0;
}

/* ---- entry point ---- */

int comp_optimize;

Obj *comp_compile(ThreadState *ts, const char *src, int64_t len, Obj *filename, int mode,
                  int *incomplete) {
    if (incomplete) *incomplete = 0;
    AstModule *m = parse_module(ts, src, len, filename, incomplete);
    if (!m) return NULL;
    Code *co = NULL;
    SymTable *st = symtab_build(ts, &m->body, filename, src, len);
    if (st) {
        Compiler c;
        memset(&c, 0, sizeof c);
        c.ts = ts;
        c.filename = filename;
        c.src = src;
        c.srclen = len;
        c.st = st;
        c.interactive = mode == COMP_SINGLE;
        enter_unit(&c, st->top, "<module>", 1);
        if (m->body.n > 0) c.u->line = m->body.items[0]->line;
        if (compile_body(&c, &m->body) == 0) co = exit_unit(&c);
        drop_units(&c);
        symtab_free(st);
    }
    ast_free(m->arena);
    return co ? &co->hdr : NULL;
}
