/* policy_lifo.c — the GIL policy `lifo`, an instructive bad one: the ready queue used as a
 * stack. A thread that wants the GIL joins at the head of the queue, so the newest waiter
 * gets the GIL first; a holder whose interval runs out hands the GIL to the head and, in
 * the same step, becomes the head itself. Two CPU-bound threads then pass the GIL back and
 * forth while every thread that queued before them waits until one of them blocks or
 * ends: starvation, which fifo's order (and the queues of CPython's and Ruby's GILs)
 * prevent. Nobody is asked to drop early: a waiter asks only when it has waited a whole
 * time interval. */
#include "gil/gil_internal.h"

/* Joins the head of the queue. */
static void lifo_take(ThreadState *ts, bool returning, bool spin) {
    (void)returning;
    gil_queue_take(ts, true, false, spin);
}

/* Woken or created: the head of the queue too. */
static void lifo_ready(ThreadState *ts, bool returning) {
    (void)returning;
    gil_queue_ready(ts, true);
}

/* Swaps places with the head of the queue. */
static void lifo_yield(ThreadState *ts) {
    __atomic_store_n(&G.drop_request, 0, __ATOMIC_RELAXED);
    if (!gil_queue_switch(ts, true, true)) ts->gil.stats.offers--;
}

const GilPolicyDef gil_policy_lifo = {
    .name = "lifo",
    .help = "the newest waiter gets the GIL first: older waiters starve (a lesson)",
    .take = lifo_take,
    .ready = lifo_ready,
    .release = gil_queue_release,
    .yield = lifo_yield,
};
