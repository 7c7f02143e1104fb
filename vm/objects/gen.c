/* gen.c — generators: a heap frame suspended at each yield, resumed by next()/send(). */
#include "objects/gen.h"
#include "eval.h"
#include "state.h"
#include "objects/str.h"
#include "exc.h"
#include "objects/containers.h"
#include "args.h"
#include <stdlib.h>

Obj *gen_new(Frame *f, Obj *name, Obj *qualname) {
    Gen *g = (Gen *)obj_alloc(&T_generator, sizeof(Gen));
    g->frame = f;
    g->name = name;
    o_incref(name);
    g->qualname = qualname;
    o_incref(qualname);
    return (Obj *)g;
}

/* Resumes g with v; returns the yielded value, or V_NULL when finished (StopIteration
 * raised when raise_stop) or on error. */
static Value gen_resume(ThreadState *ts, Gen *g, Value v, bool raise_stop) {
    if (!g->frame) {
        if (raise_stop) exc_set(ts, exc_new(ts, &T_StopIteration, NULL, 0));
        return V_NULL;
    }
    if (g->running) return exc_raise(ts, &T_ValueError, "generator already executing");
    if (!g->started && !IS_NONE(v))
        return exc_raise(ts, &T_TypeError, "can't send non-None value to a just-started generator");
    g->running = 1;
    bool done = false;
    Value r = vm_resume(ts, g->frame, v, &done);
    g->running = 0;
    g->started = 1;
    if (done) {
        frame_free_heap(g->frame);
        g->frame = NULL;
        if (IS_NULL(r)) {
            if (exc_matches(ts, &T_StopIteration)) {
                exc_clear(ts);
                exc_raise(ts, &T_RuntimeError, "generator raised StopIteration");
            }
            return V_NULL;
        }
        if (raise_stop) {
            Value arg = r;
            exc_set(ts, IS_NONE(r) ? exc_new(ts, &T_StopIteration, NULL, 0) : exc_new(ts, &T_StopIteration, &arg, 1));
        }
        v_decref(r);
        return V_NULL;
    }
    return r;
}

static Value gen_iter(ThreadState *ts, Value self) { return v_new(self); }
static Value gen_next(ThreadState *ts, Value self) { return gen_resume(ts, (Gen *)AS_OBJ(self), V_NONE, false); }

static Value gen_send(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "send", nargs, kw, 2, 2) < 0) return V_NULL;
    return gen_resume(ts, (Gen *)AS_OBJ(args[0]), args[1], true);
}

static Value gen_close(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    Gen *g = (Gen *)AS_OBJ(args[0]);
    if (g->running) return exc_raise(ts, &T_ValueError, "generator already executing");
    if (g->frame) { frame_free_heap(g->frame); g->frame = NULL; }
    return V_NONE;
}

static Value gen_throw(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "throw", nargs, kw, 2, 4) < 0) return V_NULL;
    Gen *g = (Gen *)AS_OBJ(args[0]);
    if (g->running) return exc_raise(ts, &T_ValueError, "generator already executing");
    if (g->frame) { frame_free_heap(g->frame); g->frame = NULL; }
    Value e = args[1];
    if (IS_TYPE(e) && nargs >= 3 && !IS_NONE(args[2])) {
        Value a = args[2];
        Value inst = exc_new(ts, AS_TYPE(e), &a, 1);
        if (IS_NULL(inst)) return V_NULL;
        exc_raise_obj(ts, inst);
        v_decref(inst);
        return V_NULL;
    }
    return exc_raise_obj(ts, e);
}

static Value gen_repr(ThreadState *ts, Value self) {
    Gen *g = (Gen *)AS_OBJ(self);
    return V_OBJ(str_fmt("<generator object %s at %p>", STR_DATA(g->qualname), (void *)g));
}

static Value gen_getattr(ThreadState *ts, Value self, Obj *name) {
    Gen *g = (Gen *)AS_OBJ(self);
    if (name == NAME(__name__)) return v_new(V_OBJ(g->name));
    if (name == NAME(__qualname__)) return v_new(V_OBJ(g->qualname));
    return obj_generic_getattr(ts, self, name);
}

static void gen_dealloc(Obj *o) {
    Gen *g = (Gen *)o;
    if (g->frame) frame_free_heap(g->frame);
    o_decref(g->name);
    o_decref(g->qualname);
}

static void gen_traverse(Obj *o, VisitFn visit, void *arg) {
    Gen *g = (Gen *)o;
    Frame *f = g->frame;
    if (!f || g->running || !f->code) return;
    int n = f->code->nlocals + f->code->ncellvars + f->code->nfreevars;
    for (int i = 0; i < n; i++) if (f->locals[i].tag == VT_OBJ) visit(f->locals[i], arg);
    for (Value *p = f->stack; p < f->sp; p++) if (p->tag == VT_OBJ) visit(*p, arg);
    if (f->func) visit(V_OBJ(f->func), arg);
}

static void gen_clear(Obj *o) {
    Gen *g = (Gen *)o;
    if (g->frame && !g->running) { frame_free_heap(g->frame); g->frame = NULL; }
}

static const MethodDef gen_methods[] = {
    { "send", gen_send, 0 }, { "close", gen_close, 0 }, { "throw", gen_throw, 0 }, { NULL, NULL, 0 } };

Type T_generator = { .name = "generator", .basicsize = sizeof(Gen), .flags = TF_GC,
    .iter = gen_iter, .next = gen_next, .repr = gen_repr, .getattr = gen_getattr,
    .dealloc = gen_dealloc, .traverse = gen_traverse, .clear = gen_clear, .methods = gen_methods };
