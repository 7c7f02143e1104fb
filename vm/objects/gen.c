/* gen.c — generators: a heap frame suspended at each yield, resumed by next(), send()
 * and throw(). `yield from` (and later `await`) delegate through gen_delegate_send and
 * gen_throw_into, which forward to a sub-generator or to any iterator's send/throw/close. */
#include "objects/gen.h"
#include "eval.h"
#include "state.h"
#include "opcodes.h"
#include "code.h"
#include "objects/str.h"
#include "exc.h"
#include "objects/containers.h"
#include "args.h"
#include "gil/gil.h"
#include <stdlib.h>
#include <string.h>

Obj *gen_new(Frame *f, Obj *name, Obj *qualname) {
    Gen *g = (Gen *)obj_alloc(&T_generator, sizeof(Gen));
    g->frame = f;
    g->name = name;
    o_incref(name);
    g->qualname = qualname;
    o_incref(qualname);
    g->exc_state = V_NULL;
    g->running = g->started = 0;
    g->code = &f->code->hdr;
    o_incref(g->code);
    return (Obj *)g;
}

/* Frees g's frame: it is finished. */
static void gen_finish(Gen *g) {
    if (g->frame) { Frame *f = g->frame; g->frame = NULL; frame_free_heap(f); }
    Value e = g->exc_state;
    g->exc_state = V_NULL;
    v_decref(e);
}

/* Takes the pending StopIteration and returns its value (new reference). */
static Value stopiter_take_value(ThreadState *ts) {
    Value e = exc_fetch(ts);
    Obj *args = ((Exc *)AS_OBJ(e))->args;
    Value v = args && ((Tuple *)args)->len > 0 ? v_new(((Tuple *)args)->items[0]) : V_NONE;
    v_decref(e);
    return v;
}

/* Raises StopIteration carrying v (none for None). */
static void stopiter_raise(ThreadState *ts, Value v) {
    Value e = IS_NONE(v) ? exc_new(ts, &T_StopIteration, NULL, 0) : exc_new(ts, &T_StopIteration, &v, 1);
    if (!IS_NULL(e)) exc_set(ts, e);
}

/* Whether a suspended frame is inside an except block. */
static bool frame_in_handler(Frame *f) {
    for (int i = 0; i < f->nblocks; i++) if (f->blocks[i].type == BLOCK_EXCEPT_HANDLER) return true;
    return false;
}

GenStatus gen_send_ex(ThreadState *ts, Obj *o, Value v, Value *out) {
    Gen *g = (Gen *)o;
    *out = V_NULL;
    if (g->running) {
        if (IS_NULL(v)) exc_clear(ts);
        exc_raise(ts, &T_ValueError, "generator already executing");
        return GEN_ERROR;
    }
    if (!g->frame) {
        if (IS_NULL(v)) return GEN_ERROR;
        *out = V_NONE;
        return GEN_RETURN;
    }
    if (!g->started && !IS_NULL(v) && !IS_NONE(v)) {
        exc_raise(ts, &T_TypeError, "can't send non-None value to a just-started generator");
        return GEN_ERROR;
    }
    /* the frame sees its own exception being handled, if any, else the caller's */
    Value caller_exc = ts->exc_info;
    v_incref(caller_exc);
    if (!IS_NULL(g->exc_state)) {
        Value old = ts->exc_info;
        ts->exc_info = g->exc_state;
        g->exc_state = V_NULL;
        v_decref(old);
    }
    g->running = 1;
    bool done = false;
    Value r = vm_resume(ts, g->frame, v, &done);
    g->running = 0;
    g->started = 1;
    Value gen_exc = ts->exc_info;
    ts->exc_info = caller_exc;
    if (!done && frame_in_handler(g->frame)) g->exc_state = gen_exc;
    else v_decref(gen_exc);
    if (!done) {
        if (IS_NULL(r)) return GEN_ERROR;   /* never entered (recursion limit) */
        *out = r;
        return GEN_YIELD;
    }
    gen_finish(g);
    if (IS_NULL(r)) {
        if (exc_matches(ts, &T_StopIteration)) {
            /* PEP 479: a StopIteration leaving a generator becomes a RuntimeError */
            Value si = exc_fetch(ts);
            exc_raise(ts, &T_RuntimeError, "generator raised StopIteration");
            Exc *e = (Exc *)AS_OBJ(ts->exc);
            v_set(&e->cause, v_new(si));
            v_set(&e->context, si);
            e->suppress_context = 1;
        }
        return GEN_ERROR;
    }
    *out = r;
    return GEN_RETURN;
}

GenStatus gen_delegate_send(ThreadState *ts, Value recv, Value v, Value *out) {
    if (OBJ_IS(recv, T_generator)) return gen_send_ex(ts, AS_OBJ(recv), v, out);
    Value r = IS_NONE(v) ? obj_next(ts, recv) : obj_call_method(ts, recv, NAME(send), &v, 1);
    *out = r;
    if (!IS_NULL(r)) return GEN_YIELD;
    if (!!IS_NULL(ts->exc)) { *out = V_NONE; return GEN_RETURN; }
    if (!exc_matches(ts, &T_StopIteration)) return GEN_ERROR;
    *out = stopiter_take_value(ts);
    return GEN_RETURN;
}

/* The iterator g's frame is delegating to (suspended in YIELD_FROM), or V_NULL. */
static Value gen_yf(Gen *g) {
    Frame *f = g->frame;
    if (!f || !g->started || f->lasti < 0 || INSTR_OP(*f->ip) != OP_YIELD_FROM) return V_NULL;
    return f->sp[-1];
}

/* Closes an iterator being delegated to: gen.close() or its close method if any. */
static int close_iter(ThreadState *ts, Value yf);

/* Throws exc (stolen) into g: first into what g delegates to, then at g's own yield. */
static GenStatus gen_throw_into(ThreadState *ts, Gen *g, Value exc, Value *out) {
    Value yf = gen_yf(g);
    *out = V_NULL;
    if (!IS_NULL(yf)) {
        GenStatus st;
        v_incref(yf);
        if (obj_isinstance(exc, &T_GeneratorExit)) {
            /* close the delegate, then raise GeneratorExit here */
            g->running = 1;
            int r = close_iter(ts, yf);
            g->running = 0;
            v_decref(yf);
            if (r < 0) v_decref(exc);
            else exc_set(ts, exc);
            return gen_send_ex(ts, (Obj *)g, V_NULL, out);
        }
        if (OBJ_IS(yf, T_generator)) {
            g->running = 1;
            st = gen_throw_into(ts, (Gen *)AS_OBJ(yf), exc, out);
            g->running = 0;
        } else {
            Value meth = obj_getattr_opt(ts, yf, NAME(throw));
            if (IS_NULL(meth)) {
                v_decref(yf);
                if (!IS_NULL(ts->exc)) { v_decref(exc); return gen_send_ex(ts, (Obj *)g, V_NULL, out); }
                exc_set(ts, exc);
                return gen_send_ex(ts, (Obj *)g, V_NULL, out);
            }
            g->running = 1;
            Value r = obj_call1(ts, meth, exc);
            g->running = 0;
            v_decref(meth);
            v_decref(exc);
            *out = r;
            st = IS_NULL(r) ? GEN_ERROR : GEN_YIELD;
            if (st == GEN_ERROR && exc_matches(ts, &T_StopIteration)) {
                *out = stopiter_take_value(ts);
                st = GEN_RETURN;
            }
        }
        v_decref(yf);
        if (st == GEN_YIELD) return st;
        if (st == GEN_ERROR) return gen_send_ex(ts, (Obj *)g, V_NULL, out);
        /* the delegate finished: its value is the result of the yield from */
        Frame *f = g->frame;
        if (!f) { v_decref(*out); *out = V_NONE; return GEN_RETURN; }
        Value d = *--f->sp;
        v_decref(d);
        f->ip++;
        Value val = *out;
        st = gen_send_ex(ts, (Obj *)g, val, out);
        v_decref(val);
        return st;
    }
    exc_set(ts, exc);
    return gen_send_ex(ts, (Obj *)g, V_NULL, out);
}

/* Closes g: GeneratorExit at its yield; 0, or -1 with an exception. */
static int gen_close_ex(ThreadState *ts, Gen *g) {
    if (g->running) { exc_raise(ts, &T_ValueError, "generator already executing"); return -1; }
    if (!g->frame) return 0;
    if (!g->started) { gen_finish(g); return 0; }
    Value e = exc_new(ts, &T_GeneratorExit, NULL, 0);
    if (IS_NULL(e)) return -1;
    Value out;
    GenStatus st = gen_throw_into(ts, g, e, &out);
    if (st == GEN_YIELD) {
        v_decref(out);
        exc_raise(ts, &T_RuntimeError, "generator ignored GeneratorExit");
        return -1;
    }
    if (st == GEN_RETURN) { v_decref(out); return 0; }
    if (exc_matches(ts, &T_GeneratorExit) || exc_matches(ts, &T_StopIteration)) { exc_clear(ts); return 0; }
    return -1;
}

static int close_iter(ThreadState *ts, Value yf) {
    if (OBJ_IS(yf, T_generator)) return gen_close_ex(ts, (Gen *)AS_OBJ(yf));
    Value meth = obj_getattr_opt(ts, yf, NAME(close));
    if (IS_NULL(meth)) return !IS_NULL(ts->exc) ? -1 : 0;
    Value r = obj_call(ts, meth, NULL, 0, NULL);
    v_decref(meth);
    if (IS_NULL(r)) return -1;
    v_decref(r);
    return 0;
}

static Value gen_iter(ThreadState *ts, Value self) { return v_new(self); }

/* The type's next slot: V_NULL without an exception when finished (the value is dropped). */
static Value gen_next(ThreadState *ts, Value self) {
    Value out;
    GenStatus st = gen_send_ex(ts, AS_OBJ(self), V_NONE, &out);
    if (st == GEN_RETURN) { v_decref(out); return V_NULL; }
    return out;
}

Value gen_next_raising(ThreadState *ts, Value self) {
    Value out;
    GenStatus st = gen_send_ex(ts, AS_OBJ(self), V_NONE, &out);
    if (st == GEN_RETURN) { stopiter_raise(ts, out); v_decref(out); return V_NULL; }
    return out;
}

static Value gen_next_method(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "__next__", nargs - 1, kw, 0, 0) < 0) return V_NULL;
    return gen_next_raising(ts, args[0]);
}

static Value gen_send(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "send", nargs - 1, kw, 1, 1) < 0) return V_NULL;
    Value out;
    GenStatus st = gen_send_ex(ts, AS_OBJ(args[0]), args[1], &out);
    if (st == GEN_RETURN) { stopiter_raise(ts, out); v_decref(out); return V_NULL; }
    return out;
}

static Value gen_close(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "close", nargs - 1, kw, 0, 0) < 0) return V_NULL;
    return gen_close_ex(ts, (Gen *)AS_OBJ(args[0])) < 0 ? V_NULL : V_NONE;
}

/* throw(type[, value[, tb]]) or throw(instance): the exception instance to raise. */
static Value throw_make_exc(ThreadState *ts, Value typ, Value val, Value tb) {
    (void)tb;   /* tiny has no traceback objects: the third argument is ignored */
    if (IS_TYPE(typ) && type_is_subtype(AS_TYPE(typ), &T_BaseException)) {
        if (!IS_NULL(val) && obj_isinstance(val, AS_TYPE(typ))) return v_new(val);
        if (IS_NULL(val) || IS_NONE(val)) return exc_new(ts, AS_TYPE(typ), NULL, 0);
        if (IS_TUPLE(val)) return exc_new(ts, AS_TYPE(typ), AS_TUPLE(val)->items, (int)AS_TUPLE(val)->len);
        return exc_new(ts, AS_TYPE(typ), &val, 1);
    }
    if (obj_isinstance(typ, &T_BaseException)) {
        if (!IS_NULL(val) && !IS_NONE(val))
            return exc_raise(ts, &T_TypeError, "instance exception may not have a separate value");
        return v_new(typ);
    }
    return exc_raise(ts, &T_TypeError, "exceptions must be classes or instances deriving from BaseException, not %s",
                     obj_type_name(typ));
}

static Value gen_throw(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "throw", nargs - 1, kw, 1, 3) < 0) return V_NULL;
    Value e = throw_make_exc(ts, args[1], nargs > 2 ? args[2] : V_NULL, nargs > 3 ? args[3] : V_NULL);
    if (IS_NULL(e)) return V_NULL;
    /* as CPython, the thrown exception gets no __context__ from the caller's handler */
    Value out;
    GenStatus st = gen_throw_into(ts, (Gen *)AS_OBJ(args[0]), e, &out);
    if (st == GEN_RETURN) { stopiter_raise(ts, out); v_decref(out); return V_NULL; }
    return out;
}

static Value gen_repr(ThreadState *ts, Value self) {
    Gen *g = (Gen *)AS_OBJ(self);
    return V_OBJ(str_fmt("<generator object %s at %p>", STR_DATA(g->qualname), (void *)g));
}

/* A view of a suspended generator's frame (gi_frame): f_lineno, f_code, f_globals. */
typedef struct GenFrame { Obj hdr; Obj *gen; } GenFrame;

static Value genframe_getattr(ThreadState *ts, Value self, Obj *name) {
    Gen *g = (Gen *)((GenFrame *)AS_OBJ(self))->gen;
    const char *s = STR_DATA(name);
    if (!strcmp(s, "f_lineno")) {
        if (!g->frame) return V_NONE;
        return V_INT(g->frame->lasti < 0 ? ((Code *)g->code)->firstlineno : frame_line(g->frame));
    }
    if (!strcmp(s, "f_code")) return v_new(V_OBJ(g->code));
    if (!strcmp(s, "f_globals") && g->frame && g->frame->globals) return v_new(V_OBJ(g->frame->globals));
    return obj_generic_getattr(ts, self, name);
}

static Value genframe_repr(ThreadState *ts, Value self) {
    Gen *g = (Gen *)((GenFrame *)AS_OBJ(self))->gen;
    Code *co = (Code *)g->code;
    int line = !g->frame ? 0 : g->frame->lasti < 0 ? co->firstlineno : frame_line(g->frame);
    return V_OBJ(str_fmt("<frame at %p, file '%s', line %d, code %s>", (void *)AS_OBJ(self),
                         STR_DATA(co->filename), line, STR_DATA(co->name)));
}

static void genframe_dealloc(Obj *o) { o_decref(((GenFrame *)o)->gen); }
static void genframe_traverse(Obj *o, VisitFn visit, void *arg) { visit(V_OBJ(((GenFrame *)o)->gen), arg); }

/* gi_frame's type. */
static Type T_genframe = { .name = "frame", .basicsize = sizeof(GenFrame), .flags = TF_GC,
    .repr = genframe_repr, .getattr = genframe_getattr, .dealloc = genframe_dealloc,
    .traverse = genframe_traverse };

static Value gen_getattr(ThreadState *ts, Value self, Obj *name) {
    Gen *g = (Gen *)AS_OBJ(self);
    if (name == NAME(__name__)) return v_new(V_OBJ(g->name));
    if (name == NAME(__qualname__)) return v_new(V_OBJ(g->qualname));
    const char *s = STR_DATA(name);
    if (s[0] == 'g' && s[1] == 'i' && s[2] == '_') {
        s += 3;
        if (!strcmp(s, "running")) return V_BOOL(g->running);
        if (!strcmp(s, "suspended")) return V_BOOL(g->frame && g->started && !g->running);
        if (!strcmp(s, "code")) return v_new(V_OBJ(g->code));
        if (!strcmp(s, "yieldfrom")) { Value yf = gen_yf(g); return IS_NULL(yf) ? V_NONE : v_new(yf); }
        if (!strcmp(s, "frame")) {
            if (!g->frame) return V_NONE;
            GenFrame *fr = (GenFrame *)obj_alloc(&T_genframe, sizeof(GenFrame));
            fr->gen = (Obj *)g;
            o_incref(fr->gen);
            return V_OBJ(fr);
        }
    }
    return obj_generic_getattr(ts, self, name);
}

/* A generator dropped while suspended inside try/with (or delegating) is closed, as
 * CPython does, so its cleanup runs; an exception from it is reported and ignored. Not
 * during a collection: cyclic garbage is only cleared. */
static void gen_finalize(Gen *g) {
    Frame *f = g->frame;
    if (!f || !g->started || g->running || the_interp.gc_collecting) return;
    if (f->nblocks == 0 && IS_NULL(gen_yf(g))) return;
    ThreadState *ts = gil_holder();
    if (!ts) ts = the_interp.main_ts;
    if (!ts) return;
    g->hdr.refcnt++;   /* alive while its code runs */
    Value saved = exc_fetch(ts);
    if (gen_close_ex(ts, g) < 0) {
        Value exc = exc_fetch(ts);
        Exc *e = (Exc *)AS_OBJ(exc);
        /* reported alone (no chain), with the running frame when it has no traceback */
        v_set(&e->cause, V_NULL);
        v_set(&e->context, V_NULL);
        if ((!e->traceback || ((List *)e->traceback)->len == 0) && ts->frame && ts->frame->code)
            exc_add_traceback(ts, exc, (Obj *)ts->frame->code, frame_line(ts->frame));
        Value rep = gen_repr(ts, V_OBJ(g));
        fflush(stdout);
        fprintf(stderr, "Exception ignored in: %s\n", STR_DATA(AS_OBJ(rep)));
        v_decref(rep);
        exc_print(ts, exc, stderr);
        v_decref(exc);
    }
    if (!IS_NULL(saved)) exc_set(ts, saved);
    g->hdr.refcnt--;
}

static void gen_dealloc(Obj *o) {
    Gen *g = (Gen *)o;
    gen_finalize(g);
    gen_finish(g);
    o_decref(g->name);
    o_decref(g->qualname);
    o_decref(g->code);
}

static void gen_traverse(Obj *o, VisitFn visit, void *arg) {
    Gen *g = (Gen *)o;
    Frame *f = g->frame;
    if (!f || g->running || !f->code) return;
    int n = f->code->nlocals + f->code->ncellvars + f->code->nfreevars;
    for (int i = 0; i < n; i++) if (f->locals[i].tag == VT_OBJ) visit(f->locals[i], arg);
    for (Value *p = f->stack; p < f->sp; p++) if (p->tag == VT_OBJ) visit(*p, arg);
    if (f->func) visit(V_OBJ(f->func), arg);
    if (g->exc_state.tag == VT_OBJ) visit(g->exc_state, arg);
}

static void gen_clear(Obj *o) {
    Gen *g = (Gen *)o;
    if (g->frame && !g->running) gen_finish(g);
}

static const MethodDef gen_methods[] = {
    { "send", gen_send, 0 }, { "close", gen_close, 0 }, { "throw", gen_throw, 0 },
    { "__next__", gen_next_method, 0 }, { NULL, NULL, 0 } };

Type T_generator = { .name = "generator", .basicsize = sizeof(Gen), .flags = TF_GC,
    .iter = gen_iter, .next = gen_next, .repr = gen_repr, .getattr = gen_getattr,
    .dealloc = gen_dealloc, .traverse = gen_traverse, .clear = gen_clear, .methods = gen_methods };
