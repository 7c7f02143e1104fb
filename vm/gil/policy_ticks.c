/* policy_ticks.c — the GIL policy `ticks`: the old CPython GIL (before 3.2) and
 * MicroPython's. Every interval the holder releases and re-takes a plain lock, with no
 * hand-off. On a multicore machine the releasing thread, still running on its core,
 * usually takes the lock back before the woken waiter is even scheduled: waiters wake for
 * nothing and CPU-bound threads fight (the "GIL battle"). With a time interval, a waiter
 * that waited one interval asks the holder to drop, as under timed, but nothing makes
 * the switch really happen. */
#include "gil/gil_internal.h"

/* Takes the plain lock (a time interval makes waiters ask for drops). */
static void ticks_take(ThreadState *ts, bool returning, bool spin) {
    (void)returning, (void)spin;
    gil_lock_take(ts, false);
}

/* Releases and re-takes the lock: whoever gets it first has it. */
static void ticks_yield(ThreadState *ts) {
    gil_trace_now(ts, GT_FORCED, 0);
    gil_drop_x(ts, GT_WAITING, 0);
    ticks_take(ts, false, false);
}

const GilPolicyDef gil_policy_ticks = {
    .name = "ticks",
    .help = "release and re-take a plain lock, no hand-off (CPython < 3.2, MicroPython)",
    .take = ticks_take,
    .release = gil_lock_release,
    .yield = ticks_yield,
};
