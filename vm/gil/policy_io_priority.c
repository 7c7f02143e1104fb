/* policy_io_priority.c — the GIL policy `io-priority`: fifo, plus the cure proposed for
 * the convoy effect and never adopted by CPython. A thread coming back from a blocking
 * call goes to the FRONT of the ready queue and asks the holder to drop at once. I/O-bound
 * threads get the interpreter back within microseconds; CPU-bound threads still share the
 * rest fairly. (A thread woken by a lock or event hand-over spins for the GIL first and
 * asks for the drop only if no hand-off came during the spin: see SPINNING in gil.c.)
 *
 * TIME SLICES
 * Handing the GIL over quickly is worth nothing if the kernel lets the woken thread wait
 * for a CPU. Linux's EEVDF scheduler lets a running thread finish its time slice (a few
 * ms) before a waking thread of equal priority may preempt it, unless the waking thread
 * asked for a shorter slice (sched_setattr's sched_runtime, Linux 6.12+): then it
 * preempts at once. So under io-priority a thread that blocks (sleep, I/O, a lock or an
 * event) asks for a 100 us slice, and a thread that is preempted by the GIL's switch
 * interval (CPU-bound) goes back to the default one and to SCHED_BATCH, under which a
 * woken thread does not preempt the running one: the sleeper beside two CPU-bound
 * threads wakes within microseconds instead of up to a scheduler tick (4 ms) late. Only
 * SCHED_OTHER/SCHED_BATCH threads are touched, their nice value is kept (so their share
 * of the CPU is too), and on kernels without the feature nothing changes. */
#include "gil/gil_internal.h"
#include <string.h>
#include <sched.h>
#include <unistd.h>
#include <sys/syscall.h>

/* Back from a blocking call: the front of the queue, and a drop request. */
static void iop_take(ThreadState *ts, bool returning, bool spin) {
    gil_queue_take(ts, returning, returning, spin);
}

/* Woken from a blocking call (a lock, an event, a join): the front of the queue, but no
 * drop request yet: the waker, which holds the GIL, is often about to block itself (see
 * SPINNING in gil.c); the thread asks for the drop when its pthread runs. */
static void iop_ready(ThreadState *ts, bool returning) {
    gil_queue_ready(ts, returning);
}

/* The kernel's struct sched_attr (glibc has no wrapper). */
typedef struct SchedAttr {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
    uint32_t sched_util_min, sched_util_max;
} SchedAttr;
#define SHORT_SLICE_NS 100000u
#ifndef SCHED_BATCH
#define SCHED_BATCH 3
#endif

/* Tells the kernel how the calling thread (ts) behaves (see TIME SLICES above): blocking,
 * short time slices; CPU-bound, SCHED_BATCH with the default slice. A system call only
 * when the mode changes. */
static void iop_sched_hint(ThreadState *ts, bool blocking) {
    int want = blocking ? 1 : 2;
    if (ts->gil.sched_mode == want || ts->gil.sched_mode < 0) return;
#if defined(SYS_sched_getattr) && defined(SYS_sched_setattr)
    SchedAttr a;
    memset(&a, 0, sizeof a);
    if (syscall(SYS_sched_getattr, 0, &a, sizeof a, 0) == 0 &&
        (a.sched_policy == SCHED_OTHER || a.sched_policy == SCHED_BATCH)) {
        a.size = sizeof a;
        a.sched_flags = 0;
        a.sched_policy = blocking ? SCHED_OTHER : SCHED_BATCH;
        a.sched_runtime = blocking ? SHORT_SLICE_NS : 0;
        if (syscall(SYS_sched_setattr, 0, &a, 0) == 0) {
            ts->gil.sched_mode = want;
            return;
        }
    }
#endif
    ts->gil.sched_mode = -1;
}

const GilPolicyDef gil_policy_io_priority = {
    .name = "io-priority",
    .help = "fifo, but a thread back from a blocking call goes first",
    .take = iop_take,
    .ready = iop_ready,
    .release = gil_queue_release,
    .yield = gil_queue_yield,
    .sched_hint = iop_sched_hint,
};
