/* mp.c — the _tinymp module: the foundation of multiprocessing.
 *
 * ## What the module offers (multiprocessing, the managers and concurrent.futures build on it)
 * All blocking waits release the GIL (gil_blocking_begin/gil_blocking_end from vm/gil/gil.h, or ts_park for pure sleeps); nothing touches objects while the GIL is released.
 * The module's parts, each with its header: mp_pickle.c (dumps, loads), mp_shm.c
 * (SharedMemory), mp_sem.c (SemLock), mp_conn.c (poll, wait, sendall, framed messages,
 * listen/accept/connect); this file ties them into one module table and holds the
 * helpers for waiting that mp_sem.c and mp_conn.c share (mp.h).
 * The os module already has fork, wait, waitpid(WNOHANG), W* macros, pipe, read, write, close, kill, _exit, getpid, getppid, cpu_count; signal has the signal numbers.
 *
 * Blocking. Every wait releases the GIL and wakes up at least every MP_WAIT_SLICE_NS to
 * run signal handlers (Ctrl-C raises KeyboardInterrupt in the main thread). */
#define _GNU_SOURCE
#include "mp.h"
#include "mp_pickle.h"
#include "mp_shm.h"
#include "mp_sem.h"
#include "mp_conn.h"
#include "builtins.h"
#include "state.h"
#include "gil/gil.h"
#include "objects/str.h"
#include "exc.h"
#include "signals.h"
#include <limits.h>
#include <math.h>
#include <semaphore.h>

/* ---- waiting: what mp_sem.c and mp_conn.c share ---- */

/* Runs pending signal handlers (and KeyboardInterrupt) between two slices of a wait. */
int mp_wait_check_signals(ThreadState *ts) {
    if (ts->eval_breaker || signal_any_pending() || (ts == the_interp.main_ts && the_interp.sigint_pending))
        return signal_check(ts);
    return 0;
}

/* Parses a timeout: None/absent -> -1 (forever), else seconds (negative -> 0). */
int mp_timeout_arg(ThreadState *ts, Value v, double *out) {
    if (IS_NULL(v) || IS_NONE(v)) { *out = -1; return 0; }
    double d;
    if (bi_to_double(ts, v, &d) < 0) return -1;
    if (isnan(d)) { exc_raise(ts, &T_ValueError, "Invalid value NaN (not a number)"); return -1; }
    *out = d < 0 ? 0 : d;
    return 0;
}

/* The deadline (monotonic ns) of a timeout in seconds; 0 for forever (timeout < 0). */
uint64_t mp_deadline_of(double timeout) {
    if (timeout < 0) return 0;
    double ns = timeout * 1e9;
    if (ns > 1e18) ns = 1e18;
    return gil_now_ns() + (uint64_t)ns;
}

/* The length of the next slice of a wait (ns) given its deadline (0: forever); 0 when the
 * deadline has passed. */
uint64_t mp_slice_ns(uint64_t deadline) {
    if (!deadline) return MP_WAIT_SLICE_NS;
    uint64_t now = gil_now_ns();
    if (now >= deadline) return 0;
    uint64_t left = deadline - now;
    return left < MP_WAIT_SLICE_NS ? left : MP_WAIT_SLICE_NS;
}

/* ---- the module ---- */

static const MethodDef mp_functions[] = {
    { "dumps", mp_dumps, 0 },
    { "loads", mp_loads, 0 },
    { "poll", mp_poll, 0 },
    { "wait", mp_wait, 0 },
    { "sendall", mp_sendall, 0 },
    { "recv_exact", mp_recv_exact, 0 },
    { "send_frame", mp_send_frame, 0 },
    { "recv_frame", mp_recv_frame, 0 },
    { "listen", mp_listen, 0 },
    { "accept", mp_accept, 0 },
    { "connect", mp_connect, 0 },
    { NULL, NULL, 0 },
};

static int mp_init(ThreadState *ts, Obj *m) {
    Obj *modname = str_intern("_tinymp");
    Type *types[] = { &T_SharedMemory, &T_SemLock };
    for (int i = 0; i < 2; i++) {
        type_ready(types[i]);
        types[i]->module = modname;
    }
    module_add(m, "SharedMemory", V_OBJ(&T_SharedMemory));
    module_add(m, "SemLock", V_OBJ(&T_SemLock));
    module_add(m, "SEMAPHORE", V_INT(SEM_KIND_SEMAPHORE));
    module_add(m, "RECURSIVE_MUTEX", V_INT(SEM_KIND_RECURSIVE_MUTEX));
    module_add(m, "SEM_VALUE_MAX", V_INT(SEM_VALUE_MAX));
    return mp_pickle_init(ts, m);
}

const NativeModule mp_module_def = { "_tinymp", mp_functions, mp_init };
