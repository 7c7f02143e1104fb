/* gil_internal.h — what the files of vm/gil share and nothing else includes: the GIL's
 * state, the interface of a policy, and the holder/hand-off machinery of gil.c that the
 * policies are built from. The design is described at the top of vm/gil/gil.c. */
#ifndef TINY_GIL_INTERNAL_H
#define TINY_GIL_INTERNAL_H

#include "gil/gil.h"
#include "gil/gtrace.h"
#include "state.h"
#include <stdbool.h>

/* A GIL policy: who gets the GIL when, as a row of vm/gil/policies.h. */
typedef struct GilPolicyDef {
    const char *name;          /* --gil=NAME, TINY_GIL, sys.getgilpolicy() */
    const char *help;          /* one line for --help */
    /* Takes the GIL for ts (G.mu not held; returns holding the GIL, G.mu released).
     * returning: back from a blocking call; spin: woken by another thread, which is about
     * to block or let go, so a short spin for a hand-off may pay. */
    void (*take)(ThreadState *ts, bool returning, bool spin);
    /* ts became runnable at this instant but does not run yet (woken by ts_unpark, or just
     * created): it joins the ready queue where take would put it, asking nobody to drop
     * (G.mu held; its counting as a waiter is done by the caller). returning: woken from a
     * blocking call. gil_lock_ready for the policies without a queue. */
    void (*ready)(ThreadState *ts, bool returning);
    /* Lets the GIL go as ts drops it (G.mu held, bookkeeping done; releases G.mu). */
    void (*release)(ThreadState *ts);
    /* The holder's interval ran out or a drop was asked for, and some thread waits (GIL held). */
    void (*yield)(ThreadState *ts);
    /* ts is about to block (true) or was preempted by the interval (false); NULL: nothing. */
    void (*sched_hint)(ThreadState *ts, bool blocking);
} GilPolicyDef;

/* Every policy, declared from the table. */
#define GIL_POLICY(id, is_default) extern const GilPolicyDef gil_policy_##id;
#include "gil/policies.h"
#undef GIL_POLICY

/* Interpreter-wide GIL state; only vm/gil touches it. */
typedef struct GilState {
    pthread_mutex_t mu;         /* protects everything below */
    pthread_cond_t cv;          /* ticks/timed policies: waiters wait here */
    pthread_cond_t switch_cv;   /* timed policy: the dropper waits here for a switch */
    struct ThreadState *holder; /* NULL when free */
    struct ThreadState *qhead, *qtail; /* the ready queue (fifo, io-priority, lifo, schedules) */
    int nwaiting;               /* threads waiting for the GIL */
    volatile int drop_request;  /* the holder must drop (time intervals, io-priority) */
    uint64_t switch_number;     /* bumped at every change of holder */
    uint64_t switch_ns;         /* when the holder last changed (time intervals count from it) */
    struct ThreadState *last;   /* the last thread that held the GIL (a re-take by it is no switch) */
    uint64_t executed;          /* instructions executed by every thread, counted at slice ends (written by the holder) */
    uint64_t hold_instr0;       /* `executed` when the current hold of the GIL began */
    struct ThreadState *wanting; /* the threads waiting for the GIL (GilThread.wnext) */
    uint64_t books_end_ns;      /* gil_close_books: reports count up to then (0: now) */
    const GilPolicyDef *policy; /* the policy in force (fifo under a schedule) */
    int64_t interval_instr;     /* switch interval in instructions (0: time-based) */
    int64_t interval_ns;        /* switch interval in nanoseconds (0: instruction-based) */
    uint64_t switches;          /* total changes of holder */
    uint64_t start_ns;
    int nthreads;               /* live tiny threads (main included) */
    int nparked_forever;        /* threads parked without timeout on tiny primitives */
    struct ThreadState *spinners[2]; /* threads spinning for the GIL or a wake-up (spin_claim) */
    int wakes_in_flight;        /* hand-offs between releasing G.mu and signalling (see unlock_and_wake) */
    int ncpu;                   /* online CPUs (spinning only helps with more than one) */
    GilSchedule schedule;       /* --schedule: who runs next is decided by instruction counts only */
    uint64_t seed, rng;         /* random schedule: the seed, and the generator's state */
    void *finished;             /* statistics of finished threads (gil.c) */
    int nfinished, capfinished;
} GilState;

/* The GIL's state (vm/gil/gil.c). */
extern GilState gil_state;
#define G gil_state

/* Marks ts's eval loop to look at its breaker soon. */
static inline void gil_set_breaker(ThreadState *ts) { __atomic_store_n(&ts->eval_breaker, 1, __ATOMIC_RELAXED); }

/* Timeline (vm/gil/gtrace.c): ts changes state or marks an instant at t, when traced. */
static inline void gil_trace(ThreadState *ts, uint64_t t, int kind, uint32_t arg) {
    if (ts->gil.trace) gtrace_record(ts->gil.trace, t, kind, arg);
}

/* The same, now (the clock is read only when traced). */
static inline void gil_trace_now(ThreadState *ts, int kind, uint32_t arg) {
    if (ts->gil.trace) gtrace_record(ts->gil.trace, gil_now_ns(), kind, arg);
}

/* Takes the GIL under the policy in force (see GilPolicyDef.take). */
void gil_take_x(ThreadState *ts, bool returning, bool spin);
/* Drops the GIL (G.mu not held), ts going to the state `state` (GT_WAITING: it waits for
 * the GIL again from this instant, as a thread that offered it does). */
void gil_drop_x(ThreadState *ts, int state, uint32_t label);

/* A switch forced on ts, which let the GIL go at t: counted, and an instant on its timeline. */
void gil_count_forced(ThreadState *ts, uint64_t t);
/* The number of changes of holder so far (a re-take by the last holder is none). */
uint64_t gil_switch_count(void);

/* The plain lock (ticks, timed): waits until the GIL is free and takes it; timed: a waiter
 * that waited one interval (5 ms if the interval counts instructions) asks for a drop. */
void gil_lock_take(ThreadState *ts, bool timed);
/* The plain lock's release: frees the GIL and wakes one waiter (G.mu held; released). */
void gil_lock_release(ThreadState *ts);
/* The plain lock's ready: nothing to join, counting as a waiter is enough. */
void gil_lock_ready(ThreadState *ts, bool returning);

/* The ready queue: waits in it until the GIL is handed over. front: joins at the head
 * (else the back); ask_drop: asks the holder to drop at once; spin: see GilPolicyDef.take. */
void gil_queue_take(ThreadState *ts, bool front, bool ask_drop, bool spin);
/* Joins the queue at the head (front) or the back, for a policy's ready (G.mu held). */
void gil_queue_ready(ThreadState *ts, bool front);
/* Hands the GIL to the head of the queue, or frees it if nobody waits (G.mu held; released). */
void gil_queue_release(ThreadState *ts);
/* Hands the GIL to the head of the queue and queues up again (as the policy's take does). */
void gil_queue_yield(ThreadState *ts);
/* Hands the GIL to the next thread of the queue and, in the same step, queues ts up again
 * at the head (front) or the back, then waits for its turn; false if nobody waits (GIL
 * held). forced: the interval ran out (a timeline instant). Schedules switch this way. */
bool gil_queue_switch(ThreadState *ts, bool forced, bool front);

#endif
