/* time.c — the time module: clocks, sleep and simple calendar conversions. */
#include "builtins.h"
#include "state.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "exc.h"
#include "module.h"
#include "eval.h"
#include "gil/gil.h"
#include <time.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <stdlib.h>
#include "signals.h"
#include "args.h"

/* Nanoseconds of a clock. */
static int64_t clock_ns(clockid_t id) {
    struct timespec t;
    clock_gettime(id, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Seconds of a clock as a float. */
static double clock_sec(clockid_t id) {
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Defines a no-argument clock function returning float seconds and one returning int ns. */
#define CLOCK_FUNCS(pyname, id)                                                               \
    static Value time_##pyname(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {      \
        if (arg_count(ts, #pyname, nargs, kwnames, 0, 0) < 0) return V_NULL;                 \
        return V_FLOAT(clock_sec(id));                                                       \
    }                                                                                        \
    static Value time_##pyname##_ns(ThreadState *ts, Value *args, int nargs, Obj *kwnames) { \
        if (arg_count(ts, #pyname "_ns", nargs, kwnames, 0, 0) < 0) return V_NULL;           \
        return V_INT(clock_ns(id));                                                          \
    }

CLOCK_FUNCS(time, CLOCK_REALTIME)
CLOCK_FUNCS(perf_counter, CLOCK_MONOTONIC)
CLOCK_FUNCS(monotonic, CLOCK_MONOTONIC)
CLOCK_FUNCS(process_time, CLOCK_PROCESS_CPUTIME_ID)
CLOCK_FUNCS(thread_time, CLOCK_THREAD_CPUTIME_ID)

static Value time_sleep(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "sleep", nargs, kwnames, 1, 1) < 0) return V_NULL;
    double secs;
    if (IS_FLOAT(args[0])) secs = AS_FLOAT(args[0]);
    else if (IS_INTLIKE(args[0])) secs = (double)AS_INT(args[0]);
    else if (obj_type(args[0])->flags & TF_HEAPTYPE) {
        if (bi_to_double(ts, args[0], &secs) < 0) return V_NULL;
    } else {
        return exc_raise(ts, &T_TypeError, "'%s' object cannot be interpreted as an integer",
                         obj_type_name(args[0]));
    }
    if (isnan(secs)) return exc_raise(ts, &T_ValueError, "Invalid value NaN (not a number)");
    if (secs < 0) return exc_raise(ts, &T_ValueError, "sleep length must be non-negative");
    if (secs > 9.2e9) return exc_raise(ts, &T_OverflowError, "sleep length is too large");
    /* Parked with the GIL released; Ctrl-C ends the park early (-1, KeyboardInterrupt). Other
     * signals' handlers run, and the sleep goes on for what is left (PEP 475). */
    uint64_t deadline = gil_now_ns() + (uint64_t)(secs * 1e9);
    double left = secs;
    for (;;) {
        int r = ts_park(ts, left, "sleep");
        if (r < 0) return V_NULL;
        if (signal_run_pending(ts) < 0) return V_NULL;
        if (r == 1) break;
        uint64_t now = gil_now_ns();
        if (now >= deadline) break;
        left = (double)(deadline - now) * 1e-9;
    }
    return V_NONE;
}

/* Converts a time in seconds (or None: now) into a 9-tuple like struct_time. */
static Value make_tm(ThreadState *ts, Value *args, int nargs, Obj *kwnames, const char *name, bool local) {
    if (arg_count(ts, name, nargs, kwnames, 0, 1) < 0) return V_NULL;
    time_t t;
    if (nargs == 0 || IS_NONE(args[0])) t = time(NULL);
    else {
        double d;
        if (bi_to_double(ts, args[0], &d) < 0) return V_NULL;
        t = (time_t)floor(d);
    }
    struct tm tm;
    if (!(local ? localtime_r(&t, &tm) : gmtime_r(&t, &tm)))
        return exc_raise(ts, &T_OverflowError, "timestamp out of range for platform time_t");
    int wday = (tm.tm_wday + 6) % 7;
    return V_OBJ(tuple_pack(9, V_INT(tm.tm_year + 1900), V_INT(tm.tm_mon + 1), V_INT(tm.tm_mday),
                            V_INT(tm.tm_hour), V_INT(tm.tm_min), V_INT(tm.tm_sec), V_INT(wday),
                            V_INT(tm.tm_yday + 1), V_INT(tm.tm_isdst)));
}

static Value time_localtime(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return make_tm(ts, args, nargs, kwnames, "localtime", true);
}

static Value time_gmtime(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return make_tm(ts, args, nargs, kwnames, "gmtime", false);
}

/* Fills a struct tm from a 9-item sequence; -1 with an exception on error. */
static int tuple_to_tm(ThreadState *ts, Value v, struct tm *tm) {
    Value t = obj_to_tuple(ts, v);
    if (IS_NULL(t)) return -1;
    Tuple *tp = AS_TUPLE(t);
    int64_t f[9];
    if (tp->len != 9) {
        v_decref(t);
        exc_raise(ts, &T_TypeError, "time tuple must have exactly 9 elements");
        return -1;
    }
    for (int i = 0; i < 9; i++)
        if (obj_as_index(ts, tp->items[i], &f[i]) < 0) { v_decref(t); return -1; }
    v_decref(t);
    memset(tm, 0, sizeof *tm);
    tm->tm_year = (int)(f[0] - 1900);
    tm->tm_mon = (int)(f[1] - 1);
    tm->tm_mday = (int)f[2];
    tm->tm_hour = (int)f[3];
    tm->tm_min = (int)f[4];
    tm->tm_sec = (int)f[5];
    tm->tm_wday = (int)((f[6] + 1) % 7);
    tm->tm_yday = (int)(f[7] - 1);
    tm->tm_isdst = (int)f[8];
    return 0;
}

static Value time_strftime(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "strftime", nargs, kwnames, 1, 2) < 0) return V_NULL;
    if (!IS_STR(args[0]))
        return exc_raise(ts, &T_TypeError, "strftime() argument 1 must be str, not %s", obj_type_name(args[0]));
    struct tm tm;
    if (nargs == 2) {
        if (tuple_to_tm(ts, args[1], &tm) < 0) return V_NULL;
    } else {
        time_t t = time(NULL);
        localtime_r(&t, &tm);
    }
    const char *fmt = STR_DATA(AS_OBJ(args[0]));
    if (!*fmt) return V_OBJ(str_intern(""));
    for (size_t cap = 256; cap < (1u << 24); cap *= 4) {
        char *buf = malloc(cap);
        size_t n = strftime(buf, cap, fmt, &tm);
        if (n > 0) {
            Value r = V_OBJ(str_new(buf, (int64_t)n));
            free(buf);
            return r;
        }
        free(buf);
    }
    return V_OBJ(str_intern(""));
}

static Value time_mktime(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "mktime", nargs, kwnames, 1, 1) < 0) return V_NULL;
    struct tm tm;
    if (tuple_to_tm(ts, args[0], &tm) < 0) return V_NULL;
    time_t t = mktime(&tm);
    return V_FLOAT((double)t);
}

static Value time_ctime(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "ctime", nargs, kwnames, 0, 1) < 0) return V_NULL;
    time_t t;
    if (nargs == 0 || IS_NONE(args[0])) t = time(NULL);
    else {
        double d;
        if (bi_to_double(ts, args[0], &d) < 0) return V_NULL;
        t = (time_t)floor(d);
    }
    struct tm tm;
    localtime_r(&t, &tm);
    char buf[64];
    size_t n = strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
    return V_OBJ(str_new(buf, (int64_t)n));
}

static const MethodDef time_functions[] = {
    { "time", time_time, 0 },
    { "time_ns", time_time_ns, 0 },
    { "perf_counter", time_perf_counter, 0 },
    { "perf_counter_ns", time_perf_counter_ns, 0 },
    { "monotonic", time_monotonic, 0 },
    { "monotonic_ns", time_monotonic_ns, 0 },
    { "process_time", time_process_time, 0 },
    { "process_time_ns", time_process_time_ns, 0 },
    { "thread_time", time_thread_time, 0 },
    { "thread_time_ns", time_thread_time_ns, 0 },
    { "sleep", time_sleep, 0 },
    { "localtime", time_localtime, 0 },
    { "gmtime", time_gmtime, 0 },
    { "strftime", time_strftime, 0 },
    { "mktime", time_mktime, 0 },
    { "ctime", time_ctime, 0 },
    { NULL, NULL, 0 },
};

/* Adds the time module's constants. */
static int time_init(ThreadState *ts, Obj *m) {
    tzset();
    module_add(m, "timezone", V_INT((int64_t)timezone));
    module_add(m, "altzone", V_INT((int64_t)timezone - 3600));
    module_add(m, "daylight", V_INT(daylight));
    return 0;
}

const NativeModule time_module_def = { "time", time_functions, time_init };
