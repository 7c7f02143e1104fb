/* gcmodule.c — the gc module: control of the cycle collector (vm/gc.c), with CPython
 * 3.11's signatures, messages and return values. */
#include "builtins.h"
#include "state.h"
#include "objects/containers.h"
#include "exc.h"
#include "args.h"
#include "gc.h"
#include "module.h"
#include "objects/str.h"

/* Converts v to a C int as CPython's "i" argument format does; -1 with an exception. */
static int gcmod_as_cint(ThreadState *ts, Value v, int64_t *out) {
    if (obj_as_index(ts, v, out) < 0) return -1;
    if (*out > INT32_MAX) { exc_raise(ts, &T_OverflowError, "signed integer is greater than maximum"); return -1; }
    if (*out < INT32_MIN) { exc_raise(ts, &T_OverflowError, "signed integer is less than minimum"); return -1; }
    return 0;
}

static Value gcmod_collect(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    int nkw = arg_nkw(kwnames);
    if (nargs + nkw > 1) {
        if (nkw > 1) return exc_raise(ts, &T_TypeError, "collect() takes at most 1 keyword argument (%d given)", nkw);
        return exc_raise(ts, &T_TypeError, "collect() takes at most 1 argument (%d given)", nargs + nkw);
    }
    int64_t g = GC_NGENS - 1;
    if (nkw) {
        Obj *k = AS_OBJ(((Tuple *)kwnames)->items[0]);
        if (!str_eq_cstr(k, "generation"))
            return exc_raise(ts, &T_TypeError, "'%s' is an invalid keyword argument for collect()", STR_DATA(k));
    }
    if (nargs + nkw == 1) {
        if (obj_as_index(ts, args[0], &g) < 0) return V_NULL;
        if (g > INT32_MAX || g < INT32_MIN)
            return exc_raise(ts, &T_OverflowError, "Python int too large to convert to C int");
        if (g < 0 || g >= GC_NGENS) return exc_raise(ts, &T_ValueError, "invalid generation");
    }
    int64_t n = gc_collect_generation(ts, (int)g);
    if (!IS_NULL(ts->exc)) return V_NULL;
    return V_INT(n < 0 ? 0 : n);
}

static Value gcmod_enable(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "gc.enable", nargs, kwnames, 0, 0) < 0) return V_NULL;
    the_interp.gc_enabled = 1;
    gc_update_trigger();
    return V_NONE;
}

static Value gcmod_disable(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "gc.disable", nargs, kwnames, 0, 0) < 0) return V_NULL;
    the_interp.gc_enabled = 0;
    gc_update_trigger();
    return V_NONE;
}

static Value gcmod_isenabled(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "gc.isenabled", nargs, kwnames, 0, 0) < 0) return V_NULL;
    return V_BOOL(the_interp.gc_enabled);
}

static Value gcmod_get_count(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "gc.get_count", nargs, kwnames, 0, 0) < 0) return V_NULL;
    Value v[GC_NGENS];
    for (int i = 0; i < GC_NGENS; i++) v[i] = V_INT(the_interp.gc_gens[i].count);
    return V_OBJ(tuple_from_array(v, GC_NGENS));
}

static Value gcmod_get_threshold(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "gc.get_threshold", nargs, kwnames, 0, 0) < 0) return V_NULL;
    Value v[GC_NGENS];
    for (int i = 0; i < GC_NGENS; i++) v[i] = V_INT(the_interp.gc_gens[i].threshold);
    return V_OBJ(tuple_from_array(v, GC_NGENS));
}

/* set_threshold(threshold0[, threshold1[, threshold2]]): each is stored as soon as it is
 * converted, so an error leaves the earlier ones set (as in CPython). */
static Value gcmod_set_threshold(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_nkw(kwnames)) return exc_raise(ts, &T_TypeError, "set_threshold() takes no keyword arguments");
    if (nargs < 1) return exc_raise(ts, &T_TypeError, "set_threshold() takes at least 1 argument (%d given)", nargs);
    if (nargs > GC_NGENS)
        return exc_raise(ts, &T_TypeError, "set_threshold() takes at most %d arguments (%d given)", GC_NGENS, nargs);
    for (int i = 0; i < nargs; i++) {
        int64_t t;
        if (gcmod_as_cint(ts, args[i], &t) < 0) { gc_update_trigger(); return V_NULL; }
        the_interp.gc_gens[i].threshold = t;
    }
    gc_update_trigger();
    return V_NONE;
}

static Value gcmod_get_stats(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "gc.get_stats", nargs, kwnames, 0, 0) < 0) return V_NULL;
    Obj *l = list_new(GC_NGENS);
    for (int i = 0; i < GC_NGENS; i++) {
        Obj *d = dict_new();
        dict_set_cstr(d, "collections", V_INT(the_interp.gc_gens[i].collections));
        dict_set_cstr(d, "collected", V_INT(the_interp.gc_gens[i].collected));
        dict_set_cstr(d, "uncollectable", V_INT(0));
        list_append_steal(l, V_OBJ(d));
    }
    return V_OBJ(l);
}

static const MethodDef gc_functions[] = {
    { "collect", gcmod_collect, 0 },
    { "enable", gcmod_enable, 0 },
    { "disable", gcmod_disable, 0 },
    { "isenabled", gcmod_isenabled, 0 },
    { "get_count", gcmod_get_count, 0 },
    { "get_threshold", gcmod_get_threshold, 0 },
    { "set_threshold", gcmod_set_threshold, 0 },
    { "get_stats", gcmod_get_stats, 0 },
    { NULL, NULL, 0 },
};

const NativeModule gcmod_module_def = { "gc", gc_functions, NULL };
