/* policy_ticks.c — the GIL policy `ticks`: the old CPython GIL (before 3.2) and
 * MicroPython's. Every interval the holder releases and re-takes a plain lock, with no
 * hand-off. On a multicore machine the releasing thread, still running on its core,
 * usually takes the lock back before the woken waiter is even scheduled: waiters wake for
 * nothing and CPU-bound threads fight (the "GIL battle"). With a time interval, a waiter
 * that waited one interval asks the holder to drop, as under timed, but nothing makes
 * the switch really happen. The statistics count every such offer ("offered") and, as
 * forced switches, only those another thread won. */
#include "gil/gil_internal.h"

/* Takes the plain lock (a time interval makes waiters ask for drops). */
static void ticks_take(ThreadState *ts, bool returning, bool spin) {
    (void)returning, (void)spin;
    gil_lock_take(ts, false);
}

/* Releases and re-takes the lock: whoever gets it first has it. */
static void ticks_yield(ThreadState *ts) {
    uint64_t sw = gil_switch_count(), t = gil_now_ns();
    gil_drop_x(ts, GT_WAITING, 0);
    ticks_take(ts, false, false);
    if (gil_switch_count() != sw) gil_count_forced(ts, t);   /* another thread had it meanwhile */
}

const GilPolicyDef gil_policy_ticks = {
    .name = "ticks",
    .help = "release and re-take a plain lock, no hand-off (CPython < 3.2, MicroPython)",
    .take = ticks_take,
    .ready = gil_lock_ready,
    .release = gil_lock_release,
    .yield = ticks_yield,
};
