/* eval.c — frames and the interpreter loop.
 *
 * One C function, eval(), runs bytecode. Calls from tiny code to tiny functions do
 * not recurse in C: CALL pushes a frame taken from the thread's frame arena and the
 * loop continues in it; RETURN_VALUE pops it. eval() is entered again (C recursion)
 * only when C code calls a tiny function (obj_call from a built-in, a dunder slot,
 * a generator resumption); such "entry" frames make eval() return.
 *
 * Errors follow the QuickJS style: an operation that fails leaves the exception in
 * ts->exc and the loop jumps to `error`, which records a traceback entry and unwinds
 * the frame's block stack (see vm/opcodes.h for the block protocol). No longjmp.
 *
 * The eval breaker word (ts->eval_breaker) is tested at backward jumps and at frame
 * entry, so a long loop or a deep recursion notices Ctrl-C (and, later, GIL requests).
 * Dispatch uses computed goto where the compiler has it, a switch otherwise. */
#include "eval.h"
#include "state.h"
#include "objects/str.h"
#include "objects/bytes.h"
#include "objects/containers.h"
#include "objects/num.h"
#include "exc.h"
#include "objects/func.h"
#include "objects/class.h"
#include "objects/gen.h"
#include "module.h"
#include "objects/format.h"
#include "gil/gil.h"
#include "hooks.h"
#include "gc.h"
#include <stdlib.h>
#include <string.h>
#include <math.h>

#if defined(__GNUC__) && !defined(TINY_NO_COMPUTED_GOTO)
#define USE_COMPUTED_GOTO 1
#else
#define USE_COMPUTED_GOTO 0
#endif

/* ---- frames ---- */

static inline size_t frame_size(Code *co) {
    if (co->framesize) return co->framesize;
    if (!(co->flags & (CO_VARARGS | CO_VARKEYWORDS | CO_GENERATOR)) && co->kwonlyargcount == 0 &&
        co->ncellvars == 0 && co->nfreevars == 0)
        co->flags |= CO_SIMPLE_ARGS;
    co->flags |= CO_ANALYSED;
    if (!co->acache) co->acache = calloc((size_t)co->ncode, sizeof(AttrCache));
    size_t nslots = (size_t)(co->nlocals + co->ncellvars + co->nfreevars);
    size_t size = sizeof(Frame) + (nslots + (size_t)co->stacksize + 1) * sizeof(Value) +
                  (size_t)(co->maxblocks + 1) * sizeof(Block);
    co->framesize = (size + 15) & ~(size_t)15;
    return co->framesize;
}

/* Allocates a frame (from the arena, or the heap for generators) with unbound locals.
 * A frame of a function holds one reference to it (stolen when steal is set) and
 * borrows its code and globals; a frame without one references code and globals. */
static inline __attribute__((always_inline)) Frame *frame_new_x(ThreadState *ts, Code *co, Obj *func, Obj *globals,
                                                                Obj *locals_dict, bool heap, bool steal) {
    size_t size = frame_size(co);
    Frame *f;
    if (heap) {
        f = malloc(size);
        if (!f) { exc_raise(ts, &T_MemoryError, ""); return NULL; }
    } else {
        if (ts->arena_top + size > ts->arena_end) {
            exc_raise(ts, &T_RecursionError, "maximum recursion depth exceeded");
            return NULL;
        }
        f = (Frame *)ts->arena_top;
        ts->arena_top += size;
    }
    int nslots = co->nlocals + co->ncellvars + co->nfreevars;
    f->prev = NULL;
    f->code = co;
    f->func = func;
    f->globals = globals;
    f->owns_code = func == NULL;
    if (func) {
        if (!steal) o_incref(func);
    } else {
        o_incref(&co->hdr);
        o_incref(globals);
    }
    f->locals_dict = locals_dict;
    if (locals_dict) o_incref(locals_dict);
    f->locals = (Value *)(f + 1);
    for (int i = 0; i < nslots; i++) f->locals[i].tag = VT_NULL;
    f->stack = f->locals + nslots;
    f->sp = f->stack;
    f->blocks = (Block *)(f->stack + co->stacksize + 1);
    f->nblocks = 0;
    f->ip = co->code;
    f->is_gen = heap;
    f->entry = 0;
    f->lasti = -1;
    f->init_obj = NULL;
    return f;
}

#define frame_new(ts, co, func, globals, ld, heap) frame_new_x(ts, co, func, globals, ld, heap, false)

static inline __attribute__((always_inline)) void frame_clear_inline(Frame *f) {
    Code *co = f->code;
    int nslots = co->nlocals + co->ncellvars + co->nfreevars;
    for (int i = 0; i < nslots; i++) { Value v = f->locals[i]; f->locals[i] = V_NULL; v_decref(v); }
    while (f->sp > f->stack) { Value v = *--f->sp; v_decref(v); }
    f->nblocks = 0;
    if (f->owns_code) o_decref(f->globals);
    f->globals = NULL;
    if (f->locals_dict) { o_decref(f->locals_dict); f->locals_dict = NULL; }
    if (f->init_obj) { o_decref(f->init_obj); f->init_obj = NULL; }
    if (f->func) { Obj *fn = f->func; f->func = NULL; o_decref(fn); }
}

void frame_clear(Frame *f) { frame_clear_inline(f); }

/* Releases an arena frame (after frame_clear); frames are freed in LIFO order. */
static inline void frame_release(ThreadState *ts, Frame *f) {
    Code *co = f->code;
    f->code = NULL;
    if (!f->is_gen) ts->arena_top = (char *)f;
    if (f->owns_code) o_decref(&co->hdr);
}

void frame_free_heap(Frame *f) {
    if (f->code) {
        bool owns = f->owns_code;
        Code *co = f->code;
        frame_clear(f);
        if (owns) o_decref(&co->hdr);
        f->code = NULL;
    }
    free(f);
}

int frame_line(Frame *f) {
    int i = (int)(f->ip - f->code->code) - 1;
    if (i < 0) return f->code->firstlineno;   /* nothing run yet (a generator thrown into) */
    if (i >= f->code->ncode) i = f->code->ncode - 1;
    return f->code->lines[i];
}

/* ---- argument binding ---- */

static void list_names(StrBuf *b, Obj **names, int n) {
    for (int i = 0; i < n; i++) {
        if (i > 0) sb_puts(b, n == 2 ? " and " : (i == n - 1 ? ", and " : ", "));
        sb_printf(b, "'%s'", STR_DATA(names[i]));
    }
}

/* Binds call arguments into a fresh frame's locals (args borrowed). -1 on error. */
static int bind_args(ThreadState *ts, Frame *f, Func *fn, Value *args, int nargs, Obj *kwnames) {
    Code *co = f->code;
    Value *loc = f->locals;
    int argc = co->argcount, total = argc + co->kwonlyargcount;
    int nkw = kwnames ? (int)((Tuple *)kwnames)->len : 0;
    const char *qn = STR_DATA(fn->qualname);
    Obj *kwdict = NULL;
    int n = nargs < argc ? nargs : argc;
    for (int i = 0; i < n; i++) loc[i] = v_new(args[i]);
    if (co->flags & CO_VARARGS) {
        int extra = nargs > argc ? nargs - argc : 0;
        loc[total] = V_OBJ(tuple_from_array(args + argc, extra));
    } else if (nargs > argc) {
        int ndef = fn->defaults ? (int)((Tuple *)fn->defaults)->len : 0;
        if (ndef > 0 && ndef < argc)
            exc_raise(ts, &T_TypeError, "%s() takes from %d to %d positional arguments but %d were given",
                      qn, argc - ndef, argc, nargs);
        else
            exc_raise(ts, &T_TypeError, "%s() takes %d positional argument%s but %d %s given", qn, argc,
                      argc == 1 ? "" : "s", nargs, nargs == 1 ? "was" : "were");
        return -1;
    }
    if (co->flags & CO_VARKEYWORDS) {
        kwdict = dict_new();
        loc[total + ((co->flags & CO_VARARGS) ? 1 : 0)] = V_OBJ(kwdict);
    }
    for (int k = 0; k < nkw; k++) {
        Obj *name = AS_OBJ(((Tuple *)kwnames)->items[k]);
        Value v = args[nargs + k];
        int j;
        for (j = co->posonlyargcount; j < total; j++)
            if (co->varnames[j] == name) break;
        if (j == total)
            for (j = co->posonlyargcount; j < total; j++)
                if (str_eq(co->varnames[j], name)) break;
        if (j == total) {
            if (kwdict) { dict_set_str(kwdict, name, v); continue; }
            exc_raise(ts, &T_TypeError, "%s() got an unexpected keyword argument '%s'", qn, STR_DATA(name));
            return -1;
        }
        if (!IS_NULL(loc[j])) {
            exc_raise(ts, &T_TypeError, "%s() got multiple values for argument '%s'", qn, STR_DATA(name));
            return -1;
        }
        loc[j] = v_new(v);
    }
    if (nargs < argc) {
        Tuple *defs = (Tuple *)fn->defaults;
        int ndef = defs ? (int)defs->len : 0;
        Obj *missing[64];
        int nmissing = 0;
        for (int i = nargs; i < argc; i++) {
            if (!IS_NULL(loc[i])) continue;
            int d = i - (argc - ndef);
            if (d >= 0) loc[i] = v_new(defs->items[d]);
            else if (nmissing < 64) missing[nmissing++] = co->varnames[i];
        }
        if (nmissing) {
            StrBuf b;
            sb_init(&b);
            sb_printf(&b, "%s() missing %d required positional argument%s: ", qn, nmissing, nmissing == 1 ? "" : "s");
            list_names(&b, missing, nmissing);
            Obj *msg = sb_finish(&b);
            exc_raise(ts, &T_TypeError, "%s", STR_DATA(msg));
            o_decref(msg);
            return -1;
        }
    }
    if (co->kwonlyargcount) {
        Obj *missing[64];
        int nmissing = 0;
        for (int i = argc; i < total; i++) {
            if (!IS_NULL(loc[i])) continue;
            Value d = fn->kwdefaults ? dict_get_str(fn->kwdefaults, co->varnames[i]) : V_NULL;
            if (!IS_NULL(d)) loc[i] = v_new(d);
            else if (nmissing < 64) missing[nmissing++] = co->varnames[i];
        }
        if (nmissing) {
            StrBuf b;
            sb_init(&b);
            sb_printf(&b, "%s() missing %d required keyword-only argument%s: ", qn, nmissing, nmissing == 1 ? "" : "s");
            list_names(&b, missing, nmissing);
            Obj *msg = sb_finish(&b);
            exc_raise(ts, &T_TypeError, "%s", STR_DATA(msg));
            o_decref(msg);
            return -1;
        }
    }
    return 0;
}

/* Creates the cells of a new frame: empty cellvars, and the closure's free cells. */
static void init_cells_slow(Frame *f, Func *fn) {
    Code *co = f->code;
    Value *cells = f->locals + co->nlocals;
    for (int i = 0; i < co->ncellvars; i++) cells[i] = V_OBJ(cell_new(V_NULL));
    if (co->nfreevars && fn && fn->closure) {
        Tuple *cl = (Tuple *)fn->closure;
        for (int i = 0; i < co->nfreevars && i < cl->len; i++) cells[co->ncellvars + i] = v_new(cl->items[i]);
    }
}

/* Creates the cells of a new frame, if its code has any. */
static inline void init_cells(Frame *f, Func *fn) {
    if (f->code->ncellvars | f->code->nfreevars) init_cells_slow(f, fn);
}

/* Whether a call to fn with these arguments can bind by a plain copy. */
static inline __attribute__((always_inline)) bool simple_call(Code *co, int nargs, Obj *kwnames) {
    if (!(co->flags & CO_ANALYSED)) frame_size(co);
    return !kwnames && nargs == co->argcount && (co->flags & CO_SIMPLE_ARGS);
}

static Value eval(ThreadState *ts, Frame *f);

/* Checks the C stack and the recursion depth before entering eval again. */
static inline int enter_check(ThreadState *ts) {
    char here;
    if (ts->depth >= the_interp.recursion_limit || (uintptr_t)&here < ts->c_stack_limit) {
        exc_raise(ts, &T_RecursionError, "maximum recursion depth exceeded");
        return -1;
    }
    return 0;
}

Value vm_call_function(ThreadState *ts, Obj *func, Value *args, int nargs, Obj *kwnames) {
    Func *fn = (Func *)func;
    Code *co = (Code *)fn->code;
    if (enter_check(ts) < 0) return V_NULL;
    bool gen = co->flags & CO_GENERATOR;
    Frame *f = frame_new(ts, co, func, fn->globals, NULL, gen);
    if (!f) return V_NULL;
    if (simple_call(co, nargs, kwnames)) {
        for (int i = 0; i < nargs; i++) f->locals[i] = v_new(args[i]);
    } else if (bind_args(ts, f, fn, args, nargs, kwnames) < 0) {
        frame_clear(f);
        if (gen) free(f); else frame_release(ts, f);
        return V_NULL;
    }
    init_cells(f, fn);
    if (gen) return V_OBJ(gen_new(f, fn->name, fn->qualname));
    f->entry = 1;
    return eval(ts, f);
}

Value vm_run_code(ThreadState *ts, Code *code, Obj *globals, Obj *locals) {
    if (enter_check(ts) < 0) return V_NULL;
    Frame *f = frame_new(ts, code, NULL, globals, locals == globals ? NULL : locals, false);
    if (!f) return V_NULL;
    f->entry = 1;
    return eval(ts, f);
}

/* Runs a class body function with ns as its namespace; returns its result (None or the __class__ cell). */
static Value run_class_body(ThreadState *ts, Func *fn, Obj *ns) {
    Code *co = (Code *)fn->code;
    if (enter_check(ts) < 0) return V_NULL;
    Frame *f = frame_new(ts, co, (Obj *)fn, fn->globals, ns, false);
    if (!f) return V_NULL;
    init_cells(f, fn);
    f->entry = 1;
    return eval(ts, f);
}

Value vm_resume(ThreadState *ts, Frame *f, Value sent, bool *done) {
    if (enter_check(ts) < 0) { *done = false; return V_NULL; }
    if (IS_NULL(sent)) {
        /* throw(): the pending exception is raised by the breaker check on entry, where
         * the generator is suspended */
        __atomic_or_fetch(&ts->eval_breaker, 1, __ATOMIC_RELAXED);
    } else if (f->lasti >= 0) {
        *f->sp++ = v_new(sent);
    }
    f->entry = 1;
    Value r = eval(ts, f);
    *done = f->code == NULL || f->lasti == -2;
    return r;
}

int vm_handle_breaker(ThreadState *ts) {
    /* an exception thrown into a generator being resumed (vm_resume); other requests stay
     * flagged for the next check */
    if (__builtin_expect(!IS_NULL(ts->exc), 0)) return -1;
    int bits = __atomic_exchange_n(&ts->eval_breaker, 0, __ATOMIC_RELAXED);
    /* a safe point (the loop's frame saved, or a blocking call between waits): every object
     * is whole, so a due collection runs here */
    if (gc_due()) gc_maybe_collect(ts);
    /* only the collector asked: the GIL slice and signals are none of its business */
    if (bits == GC_BREAKER_BIT) return 0;
    if (!IS_NULL(ts->pending_exc)) {
        exc_set(ts, ts->pending_exc);
        ts->pending_exc = V_NULL;
        return -1;
    }
    if (ts == the_interp.main_ts) {
        if (vm_hooks.run_pending_signals(ts) < 0) return -1;
        if (the_interp.sigint_pending) {
            the_interp.sigint_pending = 0;
            exc_set(ts, exc_new(ts, &T_KeyboardInterrupt, NULL, 0));
            return -1;
        }
    }
    gil_check_drop(ts);
    return 0;
}

/* ---- helpers for the loop ---- */

/* A callable as CPython names it in call errors: "mod.qualname()", "qualname()" for
 * builtins (new reference). */
static Obj *call_func_str(ThreadState *ts, Value f) {
    Value saved = exc_fetch(ts);
    Value q = obj_getattr_opt(ts, f, NAME(__qualname__));
    Value m = IS_NULL(q) ? V_NULL : obj_getattr_opt(ts, f, NAME(__module__));
    if (!IS_NULL(ts->exc)) exc_clear(ts);
    Obj *r;
    if (!IS_STR(q)) r = str_fmt("%s object", obj_type_name(f));
    else if (IS_STR(m) && strcmp(STR_DATA(AS_OBJ(m)), "builtins") != 0)
        r = str_fmt("%s.%s()", STR_DATA(AS_OBJ(m)), STR_DATA(AS_OBJ(q)));
    else r = str_fmt("%s()", STR_DATA(AS_OBJ(q)));
    v_decref(q);
    v_decref(m);
    if (!IS_NULL(saved)) exc_set(ts, saved);
    return r;
}

/* Converts CALL_EX's (args tuple, kwargs dict) into a flat call. */
static Value call_ex(ThreadState *ts, Value callable, Value args, Value kwargs) {
    Tuple *t = AS_TUPLE(args);
    if (IS_NULL(kwargs) || DICT_LEN(AS_OBJ(kwargs)) == 0)
        return obj_call(ts, callable, t->items, (int)t->len, NULL);
    int64_t nkw = DICT_LEN(AS_OBJ(kwargs));
    Value *a = malloc(sizeof(Value) * (size_t)(t->len + nkw));
    Obj *names = tuple_new(nkw);
    memcpy(a, t->items, sizeof(Value) * (size_t)t->len);
    int64_t pos = 0, i = 0;
    Value k, v;
    while (dict_next(AS_OBJ(kwargs), &pos, &k, &v)) {
        if (!IS_STR(k)) {
            free(a);
            o_decref(names);
            return exc_raise(ts, &T_TypeError, "keywords must be strings");
        }
        ((Tuple *)names)->items[i] = V_OBJ(str_intern_obj(AS_OBJ(k)));
        a[t->len + i] = v;
        i++;
    }
    Value r = obj_call(ts, callable, a, (int)t->len, names);
    free(a);
    o_decref(names);
    return r;
}

static int unpack_iterable(ThreadState *ts, Value seq, int before, int after, bool star, Value *out) {
    /* out receives items in order: before items, [list], after items */
    if (!star && (IS_TUPLE(seq) || IS_LIST(seq))) {
        int64_t n = IS_TUPLE(seq) ? AS_TUPLE(seq)->len : AS_LIST(seq)->len;
        Value *items = IS_TUPLE(seq) ? AS_TUPLE(seq)->items : AS_LIST(seq)->items;
        if (n != before) {
            if (n < before) exc_raise(ts, &T_ValueError, "not enough values to unpack (expected %d, got %d)", before, (int)n);
            else exc_raise(ts, &T_ValueError, "too many values to unpack (expected %d)", before);
            return -1;
        }
        for (int i = 0; i < before; i++) out[i] = v_new(items[i]);
        return 0;
    }
    Type *t = obj_type(seq);
    if (!t->iter && !t->getitem) {
        exc_raise(ts, &T_TypeError, "cannot unpack non-iterable %s object", t->name);
        return -1;
    }
    Value it = obj_iter(ts, seq);
    if (IS_NULL(it)) return -1;
    int got = 0;
    for (; got < before; got++) {
        Value x = obj_next(ts, it);
        if (IS_NULL(x)) {
            if (IS_NULL(ts->exc)) {
                if (star) exc_raise(ts, &T_ValueError, "not enough values to unpack (expected at least %d, got %d)", before + after, got);
                else exc_raise(ts, &T_ValueError, "not enough values to unpack (expected %d, got %d)", before, got);
            }
            goto fail;
        }
        out[got] = x;
    }
    if (!star) {
        Value x = obj_next(ts, it);
        if (!IS_NULL(x)) {
            v_decref(x);
            exc_raise(ts, &T_ValueError, "too many values to unpack (expected %d)", before);
            goto fail;
        }
        if (!IS_NULL(ts->exc)) goto fail;
        v_decref(it);
        return 0;
    }
    Value rest = obj_to_list(ts, it);
    if (IS_NULL(rest)) goto fail;
    List *l = AS_LIST(rest);
    if (l->len < after) {
        exc_raise(ts, &T_ValueError, "not enough values to unpack (expected at least %d, got %d)", before + after,
                  before + (int)l->len);
        v_decref(rest);
        goto fail;
    }
    for (int i = 0; i < after; i++) out[before + 1 + i] = l->items[l->len - after + i];
    l->len -= after;
    out[before] = rest;
    v_decref(it);
    return 0;
fail:
    for (int i = 0; i < got; i++) v_decref(out[i]);
    v_decref(it);
    return -1;
}

/* ---- attribute caches ---- */

/* The attribute cache of the instruction at ip - 1 (allocated with the frame size). */
static inline AttrCache *attr_cache(Code *co, uint32_t *ip) {
    return (AttrCache *)((char *)co->acache + (((char *)ip - (char *)co->code - 4) << 3));
}

/* Whether instances of t use the generic attribute protocol with an instance dict
 * (class_new sets TF_PLAIN; a class that later gains __getattr__ through assignment
 * keeps the generic protocol, as its slots were fixed at creation). */
static inline bool plain_instance_type(Type *t) {
    return t->flags & TF_PLAIN;
}

/* Index of key (by pointer) among a dict's entries, or -1. */
static inline int32_t dict_entry_index(Dict *d, Obj *key) {
    for (int64_t i = 0; i < d->nentries && i < 64; i++)
        if (d->entries[i].key.tag == VT_OBJ && d->entries[i].key.as.o == key) return (int32_t)i;
    return -1;
}

/* ---- the loop ---- */

#define PUSH(v)   (*sp++ = (v))
#define POP()     (*--sp)
#define TOP()     (sp[-1])
#define PEEK(n)   (sp[-(n)])
#define ARG       ((int)INSTR_ARG(w))
static Value eval_counting(ThreadState *ts, Frame *f, bool resume);

#define EVAL_COUNTING 1
#define EVAL_FN eval_counting
#include "eval_loop.h"
#undef EVAL_COUNTING
#undef EVAL_FN

#define EVAL_COUNTING 0
#define EVAL_FN eval_fast
#include "eval_loop.h"
#undef EVAL_COUNTING
#undef EVAL_FN

/* Runs a frame: counting instructions once a second thread exists, or statistics are on, or
 * a schedule is (an eval_fast frame above a C call would run uncounted until some breaker). */
static Value eval(ThreadState *ts, Frame *f) {
    return gil_engaged || the_interp.gil_stats || gil_scheduled ? eval_counting(ts, f, false)
                                                                : eval_fast(ts, f, false);
}
