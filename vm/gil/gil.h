/* gil.h — the global interpreter lock, thread parking, and GIL statistics.
 * The design is described at the top of vm/gil/gil.c, each policy in its vm/gil/policy_NAME.c. */
#ifndef TINY_GIL_H
#define TINY_GIL_H

#include "object.h"
#include <pthread.h>
#include <stdint.h>

/* Reproducible schedules (--schedule=NAME, TINY_SCHEDULE); NONE leaves switching to the policy. */
typedef enum { GIL_SCHED_NONE, GIL_SCHED_DETERMINISTIC, GIL_SCHED_RANDOM } GilSchedule;

/* A thread's states, one at a time from its start to its end: waiting for the GIL, holding
 * it (the timeline's `running`), blocked with the GIL let go (vm/gil/gtrace.h draws them). */
enum { GIL_WAITING, GIL_RUNNING, GIL_BLOCKED, GIL_NSTATES };

/* Per-thread GIL statistics (--gil-stats, sys.gilstats(), the timelines' summaries): one
 * set of books, kept where the thread changes state. Times in nanoseconds. */
typedef struct GilStats {
    uint64_t instructions;     /* bytecode instructions executed */
    uint64_t acquisitions;     /* times the thread took the GIL (entered GIL_RUNNING) */
    uint64_t offers;           /* times it offered the GIL: interval used up, or a drop asked for, while another thread waited */
    uint64_t forced;           /* offers that lost it the GIL (switches forced on it) */
    uint64_t voluntary;        /* releases around blocking calls */
    uint64_t drop_requests;    /* drops it asked a holder for while it waited */
    uint64_t state_ns[GIL_NSTATES]; /* time spent in each state before `since` */
    uint64_t since;            /* when the current state began */
    int state;                 /* the current state (GIL_WAITING at the start) */
    uint64_t longest_wait_ns;  /* the longest stretch it waited for the GIL */
    uint64_t longest_wait_instr; /* the most instructions another thread ran in one hold of the GIL while it waited */
    uint64_t start_ns, end_ns; /* life of the thread (end 0 while alive) */
} GilStats;

/* The time s spent in each state up to t (t >= its current state's start): its books closed at t. */
void gil_stats_upto(const GilStats *s, uint64_t t, uint64_t out[GIL_NSTATES]);

/* Per-thread GIL and parking state, embedded in ThreadState. */
typedef struct GilThread {
    pthread_mutex_t mu;        /* protects the park flag */
    pthread_cond_t cv;         /* the thread waits here: for the GIL (fifo policies) or when parked */
    int unparked;              /* set by ts_unpark */
    int in_queue;              /* waiting in the GIL ready queue */
    int wanting;               /* counted in the GIL's waiters (from wait_start_ns on) */
    struct ThreadState *wnext, *wprev; /* the list of waiters (G.wanting) */
    struct ThreadState *qnext; /* ready-queue link */
    uint64_t wait_start_ns;    /* when its current wait for the GIL began */
    uint64_t wait_instr0;      /* the GIL's count of executed instructions then */
    GilStats stats;
    const char *blocked_on;    /* what the thread is blocked in (NULL: running or waiting for the GIL) */
    int blocked_forever;       /* blocked with no timeout on a tiny primitive (deadlock candidate) */
    int64_t ticks_base;        /* ticks_left at the start of the current slice */
    int slack_set;             /* the thread's timer slack was lowered */
    int parked;                /* parked, and not yet made a GIL waiter by a ts_unpark */
    int sched_mode;            /* 0 as started, 1 short time slices, 2 SCHED_BATCH; -1: cannot */
    struct GtThread *trace;    /* its timeline buffer (--gil-trace, --gil-timeline), or NULL */
    uint32_t trace_tid;        /* its track number in the timeline (0: none) */
} GilThread;

/* Sets the policy (an index into the table of vm/gil/policies.h; -1: the default) and
 * the interval; interval_ns > 0 is a time interval, else interval_instr instructions.
 * Called once at start-up, before any thread starts (after gil_set_schedule). */
void gil_configure(int policy, int64_t interval_instr, int64_t interval_ns);
/* Changes the interval (sys.setswitchinterval, sys.setcheckinterval), as gil_configure does. */
void gil_set_interval(int64_t interval_instr, int64_t interval_ns);
/* The interval in force: *instr instructions, or (*instr 0) *ns nanoseconds. */
void gil_get_interval(int64_t *instr, int64_t *ns);
/* The default interval (5 ms; under a schedule 100 instructions), as gil_get_interval gives it. */
void gil_default_interval(int64_t *instr, int64_t *ns);
/* The number of policies in the table. */
int gil_policy_count(void);
/* Policy i's name, and its line of help in *help if help is not NULL (0 <= i < gil_policy_count()). */
const char *gil_policy_at(int i, const char **help);
/* The index of the default policy. */
int gil_policy_default(void);
/* Parses a policy name; its index, -1 if unknown. */
int gil_policy_from_name(const char *name);
/* Writes the policies' names as "a, b, c" + last_sep + "d" into buf (size n). */
void gil_policy_list(char *buf, size_t n, const char *last_sep);
/* Parses an interval: "100" (instructions), "5ms", "200us", "1s"; -1 on a bad value. */
int gil_parse_interval(const char *text, int64_t *instr, int64_t *ns);
/* The current policy's name (the schedule's under --schedule). */
const char *gil_policy_name(void);
/* Parses a schedule name ("deterministic", "random"); -1 if unknown. */
int gil_schedule_from_name(const char *name);
/* Chooses a schedule (before any thread starts, before gil_configure); seed feeds the random one. */
void gil_set_schedule(GilSchedule sched, uint64_t seed);
/* The schedule in force (GIL_SCHED_NONE: the policy decides). */
GilSchedule gil_schedule(void);
/* ts (GIL held) is about to create the thread of nts: counts it among the live threads,
 * engages the GIL and, under a schedule, makes nts runnable from this instruction on. */
void gil_thread_starting(ThreadState *ts, ThreadState *nts);
/* Takes back gil_thread_starting when the thread could not be created. */
void gil_thread_start_failed(ThreadState *nts);
/* Initialises a thread's GIL state (ts_new calls it; the first call sets up the GIL). */
void gil_thread_init(ThreadState *ts);
/* A thread's end (its own thread, GIL held): it no longer counts as live, and if every
 * thread left is parked for good the main thread is woken to find the deadlock. Then
 * records its statistics and frees its park state. */
void gil_thread_fini(ThreadState *ts);
/* A thread state freed without having run: its timeline buffer is left out. */
void gil_thread_discard(ThreadState *ts);
/* The number of live tiny threads, the main one included. */
int gil_live_threads(void);
/* In a child after fork (only ts survives): a fresh GIL held by ts, as at start-up, with
 * no other thread, no statistics and no tracing. */
void gil_after_fork_child(ThreadState *ts);
/* Takes the GIL (blocks until this thread holds it). */
void gil_take(ThreadState *ts);
/* Drops the GIL for good: the thread's end (after gil_thread_fini). */
void gil_drop(ThreadState *ts);
/* Eval loop: the switch interval ran out or a drop was requested: offer the GIL. */
void gil_yield(ThreadState *ts);
/* Eval loop: the instruction counter ran out. */
void gil_tick(ThreadState *ts);
/* Eval breaker: counts the slice and honours a pending drop request. */
void gil_check_drop(ThreadState *ts);
/* Whether a second thread was ever started (switch intervals apply only then). */
extern volatile int gil_engaged;
/* Whether a schedule is in force (set once at start-up; the eval loop then always counts). */
extern int gil_scheduled;

/* Releases the GIL around a blocking call; `what` names it ("sleep", "read", ...). */
void gil_blocking_begin(ThreadState *ts, const char *what);
/* Takes the GIL back after a blocking call (io-priority: at the front of the queue). */
void gil_blocking_end(ThreadState *ts);

/* Parks the calling thread (GIL released while parked) until ts_unpark, the timeout
 * (seconds; < 0 forever), or an interrupt. `what` names the primitive for deadlock
 * reports; forever-parks on tiny primitives take part in deadlock detection.
 * Returns 0 when unparked, 1 on timeout, -1 with an exception pending
 * (KeyboardInterrupt, or RuntimeError for a detected deadlock). */
int ts_park(ThreadState *ts, double timeout, const char *what);
/* Wakes a parked thread (or makes its next park return at once). Call with the GIL held.
 * From this instant the woken thread waits for the GIL (in the ready queue, where the
 * policy puts it), so the holder sees it at its next check, before its pthread even runs. */
void ts_unpark(ThreadState *target);

/* The thread holding the GIL now (NULL when free); read without G.mu, so only a hint to
 * a thread that does not hold it. */
ThreadState *gil_holder(void);

/* Monotonic clock in nanoseconds. */
uint64_t gil_now_ns(void);
/* Closes the books at exit (the timeline's end): later reports count up to then. */
void gil_close_books(uint64_t t);
/* Writes the --gil-stats report. */
void gil_print_stats(FILE *out);
/* sys.gilstats(): the same figures as a dict. */
Value gil_stats_dict(ThreadState *ts);

#endif
