/* sys.c — the sys module: argv, path, modules, the standard streams, exit and limits. */
#include "builtins.h"
#include "state.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "exc.h"
#include "module.h"
#include "gil/gil.h"
#include "objects/num.h"
#include "args.h"
#include "objects/long.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>

static Value sys_exit(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "exit", nargs, kwnames, 0, 1) < 0) return V_NULL;
    Value e = exc_new(ts, &T_SystemExit, args, nargs);
    if (IS_NULL(e)) return V_NULL;
    exc_set(ts, e);
    return V_NULL;
}

static Value sys_getrecursionlimit(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getrecursionlimit", nargs, kwnames, 0, 0) < 0) return V_NULL;
    return V_INT(the_interp.recursion_limit);
}

static Value sys_setrecursionlimit(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "sys.setrecursionlimit", nargs, kwnames, 1, 1) < 0) return V_NULL;
    if (IS_FLOAT(args[0])) return exc_raise(ts, &T_TypeError, "'float' object cannot be interpreted as an integer");
    int64_t n;
    if (obj_as_index(ts, args[0], &n) < 0) return V_NULL;
    if (n < 1) return exc_raise(ts, &T_ValueError, "recursion limit must be greater or equal than 1");
    if (n > INT_MAX) return exc_raise(ts, &T_OverflowError, "Python int too large to convert to C int");
    the_interp.recursion_limit = (int)n;
    return V_NONE;
}

static Value sys_getrefcount(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getrefcount", nargs, kwnames, 1, 1) < 0) return V_NULL;
    if (IS_OBJ(args[0])) {
        int64_t rc = AS_OBJ(args[0])->refcnt;
        if (rc >= IMMORTAL_REFCNT / 2) return V_INT(4294967295LL);
        return V_INT(rc);  /* the caller's stack slot already holds the argument reference */
    }
    return V_INT(4294967295LL);
}

static Value sys_intern(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "intern", nargs, kwnames, 1, 1) < 0) return V_NULL;
    if (!IS_STR(args[0]))
        return exc_raise(ts, &T_TypeError, "intern() argument must be str, not %s", obj_type_name(args[0]));
    return V_OBJ(str_intern_obj(AS_OBJ(args[0])));
}

static Value sys_exc_info(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "exc_info", nargs, kwnames, 0, 0) < 0) return V_NULL;
    Value e = ts->exc_info;
    if (IS_NULL(e) || IS_NONE(e)) return V_OBJ(tuple_pack(3, V_NONE, V_NONE, V_NONE));
    return V_OBJ(tuple_pack(3, V_OBJ(obj_type(e)), e, V_NONE));
}

static Value sys_exception(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "exception", nargs, kwnames, 0, 0) < 0) return V_NULL;
    Value e = ts->exc_info;
    if (IS_NULL(e)) return V_NONE;
    return v_new(e);
}

static Value sys_getdefaultencoding(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getdefaultencoding", nargs, kwnames, 0, 0) < 0) return V_NULL;
    return V_OBJ(str_intern("utf-8"));
}

/* sys.setswitchinterval(seconds): a time-based switch interval, as in CPython. */
static Value sys_setswitchinterval(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "setswitchinterval", nargs, kwnames, 1, 1) < 0) return V_NULL;
    double v;
    if (IS_FLOAT(args[0])) v = AS_FLOAT(args[0]);
    else if (IS_INTLIKE(args[0])) v = (double)AS_INT(args[0]);
    else return exc_raise(ts, &T_TypeError, "must be real number, not %s", obj_type_name(args[0]));
    if (!(v > 0)) return exc_raise(ts, &T_ValueError, "switch interval must be strictly positive");
    if (v > 1e4) return exc_raise(ts, &T_ValueError, "switch interval too large");
    int64_t ns = (int64_t)(v * 1e9);
    if (ns < 1) ns = 1;
    gil_set_interval(0, ns);
    return V_NONE;
}

/* sys.getswitchinterval(): the interval in seconds (an instruction interval is reported
 * as the time it would take at 20 ns an instruction, like CPython's 0.005 default). */
static Value sys_getswitchinterval(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getswitchinterval", nargs, kwnames, 0, 0) < 0) return V_NULL;
    int64_t instr, ns;
    gil_get_interval(&instr, &ns);
    if (ns) return V_FLOAT(ns / 1e9);
    return V_FLOAT(instr * 20e-9);
}

/* sys.setcheckinterval(n): switch every n instructions (Python 2's knob). */
static Value sys_setcheckinterval(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "setcheckinterval", nargs, kwnames, 1, 1) < 0) return V_NULL;
    if (!IS_INTLIKE(args[0]))
        return exc_raise(ts, &T_TypeError, "'%s' object cannot be interpreted as an integer", obj_type_name(args[0]));
    if (AS_INT(args[0]) < 1) return exc_raise(ts, &T_ValueError, "check interval must be at least 1 instruction");
    gil_set_interval(AS_INT(args[0]), 0);
    return V_NONE;
}

/* sys.getcheckinterval(): the instruction interval (0 when the interval is a time). */
static Value sys_getcheckinterval(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getcheckinterval", nargs, kwnames, 0, 0) < 0) return V_NULL;
    int64_t instr, ns;
    gil_get_interval(&instr, &ns);
    return V_INT(instr);
}

/* sys.gilstats(): per-thread GIL statistics as a dict. */
static Value sys_gilstats(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "gilstats", nargs, kwnames, 0, 0) < 0) return V_NULL;
    return gil_stats_dict(ts);
}

/* sys.getgilpolicy(): the name of the GIL policy in force. */
static Value sys_getgilpolicy(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getgilpolicy", nargs, kwnames, 0, 0) < 0) return V_NULL;
    return V_OBJ(str_from_cstr(gil_policy_name()));
}

/* sys.getgilpolicies(): the names of every GIL policy, in the order of the table. */
static Value sys_getgilpolicies(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getgilpolicies", nargs, kwnames, 0, 0) < 0) return V_NULL;
    int n = gil_policy_count();
    Obj *t = tuple_new(n);
    for (int i = 0; i < n; i++) ((Tuple *)t)->items[i] = V_OBJ(str_from_cstr(gil_policy_at(i, NULL)));
    return V_OBJ(t);
}

static Value sys_set_int_max_str_digits(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const allowed[] = { "maxdigits", NULL };
    if (arg_check_kw(ts, "set_int_max_str_digits", kwnames, allowed) < 0) return V_NULL;
    Value v = nargs > 0 ? args[0] : arg_kw(args, nargs, kwnames, "maxdigits");
    if (nargs > 1 || IS_NULL(v))
        return exc_raise(ts, &T_TypeError, "set_int_max_str_digits() takes exactly 1 argument");
    int64_t n;
    if (obj_as_index(ts, v, &n) < 0) return V_NULL;
    if (n != 0 && n < 640) return exc_raise(ts, &T_ValueError, "maxdigits must be 0 or larger than 640");
    big_max_str_digits = n;
    return V_NONE;
}

static Value sys_get_int_max_str_digits(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "get_int_max_str_digits", nargs, kwnames, 0, 0) < 0) return V_NULL;
    return V_INT(big_max_str_digits);
}

static const MethodDef sys_functions[] = {
    { "set_int_max_str_digits", sys_set_int_max_str_digits, 0 },
    { "get_int_max_str_digits", sys_get_int_max_str_digits, 0 },
    { "setswitchinterval", sys_setswitchinterval, 0 },
    { "getswitchinterval", sys_getswitchinterval, 0 },
    { "setcheckinterval", sys_setcheckinterval, 0 },
    { "getcheckinterval", sys_getcheckinterval, 0 },
    { "gilstats", sys_gilstats, 0 },
    { "getgilpolicy", sys_getgilpolicy, 0 },
    { "getgilpolicies", sys_getgilpolicies, 0 },
    { "exit", sys_exit, 0 },
    { "getrecursionlimit", sys_getrecursionlimit, 0 },
    { "setrecursionlimit", sys_setrecursionlimit, 0 },
    { "getrefcount", sys_getrefcount, 0 },
    { "intern", sys_intern, 0 },
    { "exc_info", sys_exc_info, 0 },
    { "exception", sys_exception, 0 },
    { "getdefaultencoding", sys_getdefaultencoding, 0 },
    { NULL, NULL, 0 },
};

/* Adds a new reference value as a module attribute and drops it. */
static void add_steal(Obj *m, const char *name, Obj *o) {
    module_add(m, name, V_OBJ(o));
    o_decref(o);
}

/* Fills in the sys module's data attributes. */
static int sys_init(ThreadState *ts, Obj *m) {
    if (the_interp.argv) module_add(m, "argv", V_OBJ(the_interp.argv));
    else add_steal(m, "argv", list_new(0));
    if (the_interp.path) module_add(m, "path", V_OBJ(the_interp.path));
    if (the_interp.modules) module_add(m, "modules", V_OBJ(the_interp.modules));
    Obj *in = io_file_from_stream(stdin, "<stdin>", "r");
    Obj *out = io_file_from_stream(stdout, "<stdout>", "w");
    Obj *err = io_file_from_stream(stderr, "<stderr>", "w");
    module_add(m, "stdin", V_OBJ(in));
    module_add(m, "stdout", V_OBJ(out));
    module_add(m, "stderr", V_OBJ(err));
    module_add(m, "__stdin__", V_OBJ(in));
    module_add(m, "__stdout__", V_OBJ(out));
    module_add(m, "__stderr__", V_OBJ(err));
    o_decref(in);
    o_decref(out);
    o_decref(err);
    add_steal(m, "version", str_from_cstr("3.11.0 (tiny 0.1)"));
    add_steal(m, "version_info", tuple_pack(5, V_INT(3), V_INT(11), V_INT(0), V_OBJ(str_intern("final")), V_INT(0)));
    module_add(m, "hexversion", V_INT(0x030b00f0));
    module_add(m, "platform", V_OBJ(str_intern("linux")));
    uint16_t probe = 1;
    module_add(m, "byteorder", V_OBJ(str_intern(*(uint8_t *)&probe ? "little" : "big")));
    module_add(m, "maxsize", V_INT(INT64_MAX));
    module_add(m, "maxunicode", V_INT(0x10ffff));
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    add_steal(m, "executable", n > 0 ? str_new(buf, n) : str_from_cstr(""));
    module_add(m, "prefix", V_OBJ(str_intern("/usr/local")));
    module_add(m, "ps1", V_OBJ(str_intern(">>> ")));
    module_add(m, "ps2", V_OBJ(str_intern("... ")));
    module_add(m, "builtin_module_names",
               V_OBJ(tuple_pack(7, V_OBJ(str_intern("builtins")), V_OBJ(str_intern("gc")),
                                V_OBJ(str_intern("math")), V_OBJ(str_intern("os")),
                                V_OBJ(str_intern("random")), V_OBJ(str_intern("sys")),
                                V_OBJ(str_intern("time")))));
    /* tuple_pack incref'd the interned strs; module_add took another reference to the tuple. */
    Value t = dict_get_cstr(MODULE_DICT(m), "builtin_module_names");
    v_decref(t);
    return 0;
}

const NativeModule sys_module_def = { "sys", sys_functions, sys_init };
