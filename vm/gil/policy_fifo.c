/* policy_fifo.c — the GIL policy `fifo`: Ruby's GVL, a ready queue. When the holder's
 * interval is used up, or it blocks, it hands the GIL directly to the longest waiter (the
 * holder field is set to that thread before it even wakes), so no one can barge in; a
 * thread that wants the GIL, back from a blocking call or not, joins at the back. Every
 * schedule (--schedule) runs on this policy. */
#include "gil/gil_internal.h"

/* Joins the back of the queue. */
static void fifo_take(ThreadState *ts, bool returning, bool spin) {
    (void)returning;
    gil_queue_take(ts, false, false, spin);
}

/* Woken or created: joins the back of the queue too. */
static void fifo_ready(ThreadState *ts, bool returning) {
    (void)returning;
    gil_queue_ready(ts, false);
}

const GilPolicyDef gil_policy_fifo = {
    .name = "fifo",
    .help = "a ready queue: the longest waiter gets the GIL (Ruby's GVL)",
    .take = fifo_take,
    .ready = fifo_ready,
    .release = gil_queue_release,
    .yield = gil_queue_yield,
};
