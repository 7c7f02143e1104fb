/* policy_timed.c — the GIL policy `timed`: CPython 3.2 to 3.11. Waiters time out after
 * one interval (5 ms when the interval counts instructions) and set a drop request; the
 * holder drops and then waits until another thread has taken the GIL (FORCE_SWITCHING),
 * so the hand-off really happens. A thread returning from I/O queues like anyone else and
 * waits up to a whole interval behind a CPU-bound thread: the convoy effect (bpo-7946). */
#include "gil/gil_internal.h"

/* Takes the plain lock, asking for a drop after each interval of waiting; then tells a
 * holder waiting in timed_yield that the switch happened. */
static void timed_take(ThreadState *ts, bool returning, bool spin) {
    (void)returning, (void)spin;
    gil_lock_take(ts, true);
    pthread_cond_broadcast(&G.switch_cv);
}

/* Drops, waits until someone else has taken the GIL, and takes it again. */
static void timed_yield(ThreadState *ts) {
    pthread_mutex_lock(&G.mu);
    uint64_t sw = G.switch_number;
    pthread_mutex_unlock(&G.mu);
    gil_count_forced(ts, gil_now_ns());
    gil_drop_x(ts, GT_WAITING, 0);
    /* FORCE_SWITCHING: wait until someone else has taken the GIL */
    pthread_mutex_lock(&G.mu);
    while (G.switch_number == sw && G.nwaiting > 0) pthread_cond_wait(&G.switch_cv, &G.mu);
    pthread_mutex_unlock(&G.mu);
    timed_take(ts, false, false);
}

const GilPolicyDef gil_policy_timed = {
    .name = "timed",
    .help = "a waiter asks for a drop after an interval (CPython 3.2 to 3.11)",
    .take = timed_take,
    .ready = gil_lock_ready,
    .release = gil_lock_release,
    .yield = timed_yield,
};
