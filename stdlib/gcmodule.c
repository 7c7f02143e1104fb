/* gcmodule.c — the gc module: control of the cycle collector. */
#include "builtins.h"
#include "state.h"
#include "objects/containers.h"
#include "exc.h"
#include "gc.h"
#include "module.h"

static Value gcmod_collect(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "generation", NULL };
    Value a[1];
    if (bi_parse_args(ts, "collect", args, nargs, kwnames, names, 1, 0, a) < 0) return V_NULL;
    if (!IS_NULL(a[0])) {
        int64_t g;
        if (obj_as_index(ts, a[0], &g) < 0) return V_NULL;
        if (g < 0 || g > 2) return exc_raise(ts, &T_ValueError, "invalid generation");
    }
    int64_t n = gc_collect(ts);
    if (!IS_NULL(ts->exc)) return V_NULL;
    return V_INT(n);
}

static Value gcmod_enable(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "enable", nargs, kwnames, 0, 0) < 0) return V_NULL;
    the_interp.gc_enabled = 1;
    return V_NONE;
}

static Value gcmod_disable(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "disable", nargs, kwnames, 0, 0) < 0) return V_NULL;
    the_interp.gc_enabled = 0;
    return V_NONE;
}

static Value gcmod_isenabled(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "isenabled", nargs, kwnames, 0, 0) < 0) return V_NULL;
    return V_BOOL(the_interp.gc_enabled);
}

static Value gcmod_get_count(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "get_count", nargs, kwnames, 0, 0) < 0) return V_NULL;
    Value v[3] = { V_INT(the_interp.gc_allocs), V_INT(0), V_INT(0) };
    return V_OBJ(tuple_from_array(v, 3));
}

static Value gcmod_get_threshold(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "get_threshold", nargs, kwnames, 0, 0) < 0) return V_NULL;
    Value v[3] = { V_INT(the_interp.gc_threshold), V_INT(10), V_INT(10) };
    return V_OBJ(tuple_from_array(v, 3));
}

static Value gcmod_set_threshold(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "set_threshold", nargs, kwnames, 1, 3) < 0) return V_NULL;
    int64_t t;
    for (int i = nargs - 1; i >= 0; i--)
        if (obj_as_index(ts, args[i], &t) < 0) return V_NULL;
    the_interp.gc_threshold = t < 0 ? 0 : t;
    return V_NONE;
}

static const MethodDef gc_functions[] = {
    { "collect", gcmod_collect, 0 },
    { "enable", gcmod_enable, 0 },
    { "disable", gcmod_disable, 0 },
    { "isenabled", gcmod_isenabled, 0 },
    { "get_count", gcmod_get_count, 0 },
    { "get_threshold", gcmod_get_threshold, 0 },
    { "set_threshold", gcmod_set_threshold, 0 },
    { NULL, NULL, 0 },
};

const NativeModule gcmod_module_def = { "gc", gc_functions, NULL };
