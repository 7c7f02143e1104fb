/* gil.c — the global interpreter lock.
 *
 * WHAT IT PROTECTS
 * tiny runs one pthread per tiny thread. Objects have no locks and refcounts are plain
 * integers, so exactly one thread at a time may run bytecode or touch any object: the
 * one holding the GIL (G.holder). Everything below is about who gets it next, and when.
 * The GIL's state (GilState, vm/gil/gil_internal.h) is private to vm/gil: the rest of
 * tiny goes through the functions of gil.h (taking and dropping, thread start and end,
 * the interval, the policies' names, statistics, the reset after fork).
 *
 * WHEN THE HOLDER LETS GO
 *  1. Around every blocking call (sleep, lock/condition/queue waits, join, reads and
 *     writes of files and pipes, waits for child processes): gil_blocking_begin drops
 *     the GIL, gil_blocking_end takes it back. Parked threads (ts_park) likewise.
 *     These are the "voluntary releases" of --gil-stats. os.read and os.write first
 *     ask poll() whether they would block, and keep the GIL when they would not.
 *  2. When its switch interval is used up ("forced switches"). The interval is either a
 *     number of instructions or a time:
 *     - instructions: the eval loop decrements ts->ticks_left at EVERY instruction (one
 *       decrement and a predictable branch); the counter belongs to the thread, not to a
 *       frame, so a deep recursion is preempted exactly like a loop. (MicroPython keeps
 *       its counter in a local of each call of the interpreter function, so a recursive
 *       function there can starve every other thread; tiny's cannot.) When it runs out
 *       the thread calls gil_yield, which does nothing (no system call) if nobody waits.
 *       A slice is exactly N instructions: a call out of the loop leaves the register at
 *       0, so the next instruction reloads it from ts->ticks_left, which nested evals
 *       count down too; and a breaker does not restart the slice.
 *     - time: as in CPython 3.2+, a waiting thread waits one interval on a condition
 *       variable; if the holder has not changed meanwhile it sets drop_request and the
 *       holder's eval breaker, and the holder drops at its next check (backward jump,
 *       call, or the instruction counter). The holder also looks at the clock itself
 *       every TIME_CHECK_TICKS instructions while someone waits, since a waiter whose
 *       pthread the kernel keeps off the CPU cannot run its timer.
 *
 * THE BOUND
 * The interval bounds how long a waiting thread waits, under every policy that hands the
 * GIL over (fifo, io-priority, timed, lifo): the holder gives the GIL up within N
 * instructions, or within the interval plus one hand-off. That needs the holder to SEE
 * every waiter, however it came to wait: G.nwaiting counts, and G.wanting lists, the
 * threads that want the GIL (want_begin, want_end), and a thread counts from the instant
 * it becomes runnable, not when its pthread gets round to asking: ts_unpark and the start
 * of a thread make the thread a waiter right away (make_ready, the policy's `ready`: the
 * queue policies put it in the queue where their take would), a thread that offers the
 * GIL queues up again in the same step as it hands it over, a thread back from sleep or
 * I/O or spinning for the GIL is in the queue before it spins. ticks keeps its battle
 * (the holder re-takes its own lock), but counts its offers apart from the switches it
 * lost. The statistics show the bound: each thread's longest wait, in time, and in the
 * instructions another thread ran in one hold of the GIL while it waited (hold_end).
 *
 * THE POLICIES (--gil=NAME)
 * Who gets the GIL when it changes hands is up to the policy: a GilPolicyDef
 * (gil_internal.h) of four functions, take, release (as the holder drops), yield (the
 * holder's interval ran out and someone waits) and a hint to the kernel's scheduler, with
 * its name and a line of help. Each policy is one file, vm/gil/policy_NAME.c, whose opening
 * comment describes it; vm/gil/policies.h is the table of them, one row each, which also
 * names the default; --gil, TINY_GIL, --help, sys.getgilpolicy(), sys.getgilpolicies()
 * (and through it scripts/gil-sweep and make bench) all read that table. The policies are
 * built from two pieces of machinery kept here:
 *  - the plain lock (gil_lock_take, gil_lock_release): a holder field, a mutex and a
 *    condition variable; whoever gets the mutex first when the GIL is free takes it
 *    (ticks, timed);
 *  - the ready queue (gil_queue_take, gil_queue_release, gil_queue_yield): the releaser
 *    hands the GIL directly to the head of the queue (the holder field is set to that
 *    thread before it even wakes), so no one can barge in; a policy decides whether a
 *    thread joins at the head or the back and whether it asks the holder to drop (fifo,
 *    io-priority, lifo, and every schedule).
 *
 * THE DEFAULT is the policy marked in vm/gil/policies.h (io-priority) with a 5 ms time
 * interval: CPU-bound threads switch 200 times a second at most (a switch costs a few
 * microseconds, so two CPU-bound threads lose well under 1% to switching), while a thread
 * waking from sleep or I/O preempts a CPU hog immediately (wake-up latency is the cost of
 * one hand-off, not 5 ms). That is what make bench measures against CPython 3.11.
 *
 * WHEN NOTHING IS CONTENDED
 * Until a second thread starts (gil_engaged == 0) the main thread holds the GIL forever
 * and never offers it: the instruction counter is set so far away it never runs out,
 * and no lock is ever taken on the hot path.
 *
 * PARKING AND DEADLOCKS
 * tiny's own blocking primitives (locks, and everything threading and queue build on
 * them) wait with ts_park: each thread has its own mutex and condition variable and is
 * woken by ts_unpark. A thread that parks with no timeout counts as "blocked forever";
 * when every live thread is blocked forever, none can ever proceed, and the thread that
 * notices raises RuntimeError in the main thread with a report naming each thread, what
 * it waits in and where it stands (CPython just hangs). If the main thread is already
 * finishing (waiting for the other threads at exit), the report is printed and tiny
 * exits with status 1.
 *
 * SPINNING
 * Waking a sleeping thread costs the scheduler several microseconds. So a thread about
 * to park on a lock or an event (not a sleep) first spins for a short while (SPIN_NS)
 * watching for the wake-up, and only then sleeps. A thread woken that way by another
 * thread (which is about to block or let go) spins for the GIL too, and under
 * io-priority asks the holder to drop only if no hand-off came during the spin: two
 * threads passing a token back and forth then switch with no sleep and no forced switch
 * (an Event ping-pong round trip costs a few microseconds). At most two threads spin at
 * once, and only while the GIL's holder and the spinners together leave a CPU free (a
 * spinner that has just been handed the GIL counts as done): so while a CPU-bound
 * thread holds the GIL on a two-core machine only one thread spins, and the core a
 * thread back from I/O needs stays free. Threads back from sleep or I/O never spin.
 *
 * TIME SLICES
 * A policy may also talk to the kernel's scheduler (sched_hint) when a thread blocks or is
 * preempted by the interval; io-priority does (vm/gil/policy_io_priority.c), the others
 * leave the scheduler alone.
 *
 * REPRODUCIBLE SCHEDULES (--schedule=deterministic, --schedule=random --seed=S)
 * Under a policy, who runs next depends on time: when a woken pthread reaches the policy's take,
 * when a waiter's interval timer fires, who wins a barging race, when a thread back from
 * I/O asks for the GIL. A schedule takes real time out of every switch between threads
 * that only compute, so a run can be replayed exactly:
 *  - switches happen by instruction count only: the interval is N instructions (default
 *    100; a time given is converted at SCHED_NS_PER_INSTR), never a timer. A thread
 *    waiting for the GIL does not set the holder's eval breaker: at a breaker the eval
 *    loop brings its instruction counter up to date, and a counter left behind by a C
 *    call (a park, a nested eval) would then catch up at a moment that depends on when
 *    the waiter's pthread ran. For the same reason a breaker (a signal) does not restart
 *    the slice, and the eval loop counts from the start (eval_fast would leave a frame
 *    above a C call uncounted until the next breaker, whenever that comes);
 *  - the GIL moves only by explicit hand-off through the fifo ready queue, which only the
 *    holder changes, at points fixed by the program: a thread whose slice ends queues at
 *    the back and hands the GIL to the head; the holder never continues before the chosen
 *    thread had its turn (it waits in the queue like everyone);
 *  - a thread becomes runnable at an instruction of the thread that makes it so, not when
 *    its pthread wakes up, as under every policy (THE BOUND): thread start queues the new
 *    thread before pthread_create (gil_thread_starting), and ts_unpark queues the parked
 *    thread (ts->gil.parked marks one that is parked and not queued yet). Its pthread
 *    then finds itself queued, or already the holder, and just waits for its turn;
 *  - no drop requests, no io-priority front of the queue; sleep(0) is a plain switch to
 *    the next thread; and under a schedule writes to files, terminals, the standard
 *    output and error, and other pipes with room keep the GIL (stdlib/io.c), since letting
 *    go would let the kernel's timing decide where the writer re-enters the queue.
 * deterministic is round robin in the order threads became runnable. random draws each
 * slice uniformly from 1..2N instructions and the next thread uniformly from the queue,
 * from a splitmix64 generator seeded by --seed; only the holder draws, so the draws come
 * in the same order on every run. Spinning changes nothing here (it only watches).
 * What stays real is real time: a sleep that ends, a timeout that expires, I/O that
 * really waits, a signal: where such a thread re-enters the queue depends on when it
 * comes back, so programs that depend on those replay only as far as the timing does.
 *
 * AFTER FORK
 * Only the forking thread lives on in the child: gil_after_fork_child gives it a fresh
 * GIL, as at start-up, with no other thread, no queue, no spinner and no statistics. Its
 * condition variables wait on the monotonic clock like those made at start-up, since
 * every deadline here is monotonic (on the real-time clock, every timed wait in the child
 * would return at once and a sleeping thread would spin).
 *
 * STATISTICS: ONE SET OF BOOKS
 * A thread is always in one of three states, waiting for the GIL, holding it, or blocked
 * with the GIL let go, from its start to its end. set_state is the one place where a
 * thread changes state: it adds the time spent in the old state to the thread's books
 * (GilStats) and records the change on the timeline (vm/gil/gtrace.c) at the same
 * instant. Besides, every thread counts instructions, acquisitions, offers, forced
 * switches, voluntary releases, drop requests and its longest wait. --gil-stats prints
 * them at exit, sys.gilstats() returns them, and the timelines' summaries read the same
 * GilStats: their times add up to each thread's life, and they agree with the spans of
 * --gil-trace (gil_close_books makes the report count up to the trace's end).
 */
#include "gil/gil_internal.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "exc.h"
#include "eval.h"
#include "code.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sched.h>

volatile int gil_engaged;
int gil_scheduled;

/* A finished thread's statistics, kept for the report. */
typedef struct FinishedThread { char name[64]; GilStats st; } FinishedThread;

GilState gil_state;

ThreadState *gil_holder(void)
{
    return __atomic_load_n(&G.holder, __ATOMIC_ACQUIRE);
}

/* The table of policies (vm/gil/policies.h), and the index of the default one. */
static const GilPolicyDef *const policies[] = {
#define GIL_POLICY(id, is_default) &gil_policy_##id,
#include "gil/policies.h"
#undef GIL_POLICY
};
#define NPOLICIES ((int)(sizeof policies / sizeof policies[0]))
enum {
#define GIL_POLICY(id, is_default) POLICY_INDEX_##id,
#include "gil/policies.h"
#undef GIL_POLICY
};
static const int default_policy = 0
#define GIL_POLICY(id, is_default) + (is_default ? POLICY_INDEX_##id : 0)
#include "gil/policies.h"
#undef GIL_POLICY
    ;
_Static_assert(0
#define GIL_POLICY(id, is_default) + (is_default)
#include "gil/policies.h"
#undef GIL_POLICY
               == 1, "vm/gil/policies.h must mark exactly one policy as the default");
/* The default time interval. */
#define DEFAULT_INTERVAL_NS 5000000
#define SPIN_NS 50000u
#define TICKS_FAR ((int64_t)1 << 62)
/* Under a time interval the holder looks at the clock every this many instructions
 * (when someone waits): a waiter whose pthread the kernel keeps waiting cannot run its
 * timer, and the holder must let go all the same. */
#define TIME_CHECK_TICKS 1000

/* Schedules never look at the clock: a time interval becomes instructions at this rate
 * (the one sys.getswitchinterval uses to report an instruction interval). */
#define SCHED_NS_PER_INSTR 20

static const char *const schedule_names[] = { "none", "deterministic", "random" };

uint64_t gil_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void deadline_ts(struct timespec *out, uint64_t ns_from_now) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    uint64_t t = (uint64_t)now.tv_nsec + ns_from_now % 1000000000u;
    out->tv_sec = now.tv_sec + (time_t)(ns_from_now / 1000000000u) + (time_t)(t / 1000000000u);
    out->tv_nsec = (long)(t % 1000000000u);
}

static void cond_init_mono(pthread_cond_t *cv) {
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
}

/* Number of CPUs (spinning only helps with more than one). */
static inline int sysconf_ncpu(void) { return G.ncpu; }

/* A spin-wait hint to the CPU. */
static inline void __builtin_ia32_pause_compat(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause");
#endif
}

/* The timeline label of a blocking call (defined with the deadlock reports). */
static uint32_t trace_label(ThreadState *ts, const char *what);

/* ---- configuration ---- */

int gil_policy_count(void) { return NPOLICIES; }

const char *gil_policy_at(int i, const char **help) {
    if (help) *help = policies[i]->help;
    return policies[i]->name;
}

int gil_policy_default(void) { return default_policy; }

int gil_policy_from_name(const char *name) {
    for (int i = 0; i < NPOLICIES; i++)
        if (strcmp(name, policies[i]->name) == 0) return i;
    return -1;
}

void gil_policy_list(char *buf, size_t n, const char *last_sep) {
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < NPOLICIES && k < n; i++) {
        const char *sep = i == 0 ? "" : i == NPOLICIES - 1 ? last_sep : ", ";
        int w = snprintf(buf + k, n - k, "%s%s", sep, policies[i]->name);
        if (w < 0) break;
        k += (size_t)w;
    }
}

const char *gil_policy_name(void) { return G.schedule ? schedule_names[G.schedule] : G.policy->name; }

int gil_schedule_from_name(const char *name) {
    for (int i = GIL_SCHED_DETERMINISTIC; i <= GIL_SCHED_RANDOM; i++)
        if (strcmp(name, schedule_names[i]) == 0) return i;
    return -1;
}

void gil_set_schedule(GilSchedule sched, uint64_t seed) {
    G.schedule = sched;
    gil_scheduled = sched != GIL_SCHED_NONE;
    G.seed = G.rng = seed;
}

GilSchedule gil_schedule(void) { return G.schedule; }

/* The random schedule's generator (splitmix64); only the GIL holder draws from it. */
static uint64_t rng_next(void) {
    uint64_t z = (G.rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* A number drawn uniformly from 0..n-1 (n > 0; the modulo bias is below 2^-40 here). */
static uint64_t rng_below(uint64_t n) { return rng_next() % n; }

int gil_parse_interval(const char *text, int64_t *instr, int64_t *ns) {
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || errno || v <= 0 || v != v) return -1;
    double mult;
    if (*end == '\0') {
        if (v != (double)(int64_t)v || v > 1e15) return -1;
        *instr = (int64_t)v;
        *ns = 0;
        return 0;
    }
    if (strcmp(end, "s") == 0) mult = 1e9;
    else if (strcmp(end, "ms") == 0) mult = 1e6;
    else if (strcmp(end, "us") == 0) mult = 1e3;
    else if (strcmp(end, "ns") == 0) mult = 1;
    else return -1;
    double n = v * mult;
    if (n < 1 || n > 1e13) return -1;
    *instr = 0;
    *ns = (int64_t)n;
    return 0;
}

/* Sets the interval fields (G.mu held once threads may wait: waiters read them). */
static void set_interval(int64_t interval_instr, int64_t interval_ns) {
    if (G.schedule && !interval_instr)
        /* a schedule counts instructions only */
        interval_instr = interval_ns >= 2 * SCHED_NS_PER_INSTR ? interval_ns / SCHED_NS_PER_INSTR : 1;
    G.interval_instr = interval_instr;
    G.interval_ns = interval_instr ? 0 : interval_ns;
}

void gil_set_interval(int64_t interval_instr, int64_t interval_ns) {
    pthread_mutex_lock(&G.mu);
    set_interval(interval_instr, interval_ns);
    pthread_mutex_unlock(&G.mu);
}

void gil_configure(int policy, int64_t interval_instr, int64_t interval_ns) {
    /* a schedule hands the GIL over through the fifo queue, at instruction counts only */
    G.policy = G.schedule ? &gil_policy_fifo : policies[policy < 0 ? default_policy : policy];
    set_interval(interval_instr, interval_ns);
}

void gil_get_interval(int64_t *instr, int64_t *ns) {
    *instr = G.interval_instr;
    *ns = G.interval_ns;
}

void gil_default_interval(int64_t *instr, int64_t *ns) {
    *instr = G.schedule ? 100 : 0;
    *ns = G.schedule ? 0 : DEFAULT_INTERVAL_NS;
}

/* The counter's start for a slice of the instructions a thread may run before it offers
 * the GIL (random schedule: 1 to 2N): one less, as the eval loop runs the instruction
 * that brings it to 0 and offers before the one that would take it below. */
static inline int64_t slice_ticks(void) {
    if (!gil_engaged) return TICKS_FAR;
    if (!G.interval_instr) return TIME_CHECK_TICKS - 1;
    if (G.schedule == GIL_SCHED_RANDOM) return (int64_t)rng_below(2 * (uint64_t)G.interval_instr);
    return G.interval_instr - 1;
}

/* Counts n more instructions run by ts, the holder (or a thread not started yet: n is 0). */
static inline void count_executed(ThreadState *ts, uint64_t n) {
    ts->gil.stats.instructions += n;
    if (n) __atomic_store_n(&G.executed, __atomic_load_n(&G.executed, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

/* Adds the instructions run so far to the stats, leaving the slice running. */
static inline void slice_account(ThreadState *ts) {
    count_executed(ts, (uint64_t)(ts->gil.ticks_base - ts->ticks_left));
    ts->gil.ticks_base = ts->ticks_left;
}

/* Adds the instructions of the current slice to the stats and starts a new slice. */
static inline void slice_reset(ThreadState *ts) {
    count_executed(ts, (uint64_t)(ts->gil.ticks_base - ts->ticks_left));
    ts->gil.ticks_base = ts->ticks_left = slice_ticks();
}

/* ---- the books: every change of a thread's state, for the statistics and the timeline ---- */

void gil_stats_upto(const GilStats *s, uint64_t t, uint64_t out[GIL_NSTATES]) {
    for (int i = 0; i < GIL_NSTATES; i++) out[i] = s->state_ns[i];
    if (t > s->since) out[s->state] += t - s->since;
}

/* ts goes to state at t (G.mu held, or ts holds the GIL and changes only its own books);
 * label: what it blocks in (GT_BLOCKED). */
static void set_state(ThreadState *ts, uint64_t t, int state, uint32_t label) {
    GilStats *s = &ts->gil.stats;
    if (state == s->state) return;
    if (t < s->since) t = s->since;
    s->state_ns[s->state] += t - s->since;
    s->since = t;
    s->state = state;
    if (state == GIL_RUNNING) s->acquisitions++;
    gil_trace(ts, t, state, label);
}

void gil_count_forced(ThreadState *ts, uint64_t t) {
    ts->gil.stats.forced++;
    gil_trace(ts, t, GT_FORCED, 0);
}

/* ts starts waiting for the GIL at t, unless it waits already (G.mu held): it counts among
 * the waiters, which the holder looks at when its interval runs out. */
static void want_begin(ThreadState *ts, uint64_t t) {
    if (ts->gil.wanting) return;
    ts->gil.wanting = 1;
    set_state(ts, t, GIL_WAITING, 0);
    /* a wait that began as the thread let the GIL go counts from then */
    ts->gil.wait_start_ns = ts->gil.stats.since;
    ts->gil.wait_instr0 = __atomic_load_n(&G.executed, __ATOMIC_RELAXED);
    ts->gil.wprev = NULL;
    ts->gil.wnext = G.wanting;
    if (G.wanting) G.wanting->gil.wprev = ts;
    G.wanting = ts;
    __atomic_add_fetch(&G.nwaiting, 1, __ATOMIC_RELAXED);
    if (G.holder && G.holder != ts && !G.schedule) gil_set_breaker(G.holder);
}

/* ts stops waiting (it got the GIL, or never will: its start failed) (G.mu held). */
static void want_end(ThreadState *ts, uint64_t t) {
    if (!ts->gil.wanting) return;
    ts->gil.wanting = 0;
    if (ts->gil.wprev) ts->gil.wprev->gil.wnext = ts->gil.wnext; else G.wanting = ts->gil.wnext;
    if (ts->gil.wnext) ts->gil.wnext->gil.wprev = ts->gil.wprev;
    ts->gil.wnext = ts->gil.wprev = NULL;
    __atomic_sub_fetch(&G.nwaiting, 1, __ATOMIC_RELAXED);
    GilStats *s = &ts->gil.stats;
    uint64_t w = t > ts->gil.wait_start_ns ? t - ts->gil.wait_start_ns : 0;
    if (w > s->longest_wait_ns) s->longest_wait_ns = w;
}

/* The holder lets the GIL go (G.mu held, its instructions counted): each waiter notes how
 * many instructions it ran in this hold while the waiter waited (the bound an instruction
 * interval sets, whatever the number of threads). */
static void hold_end(void) {
    uint64_t now = __atomic_load_n(&G.executed, __ATOMIC_RELAXED);
    for (ThreadState *w = G.wanting; w; w = w->gil.wnext) {
        uint64_t from = w->gil.wait_instr0 > G.hold_instr0 ? w->gil.wait_instr0 : G.hold_instr0;
        uint64_t n = now - from;
        if (n > w->gil.stats.longest_wait_instr) w->gil.stats.longest_wait_instr = n;
    }
}

/* A new hold of the GIL begins (G.mu held). */
static inline void hold_begin(void) {
    G.switch_ns = gil_now_ns();
    G.hold_instr0 = __atomic_load_n(&G.executed, __ATOMIC_RELAXED);
}

void gil_thread_init(ThreadState *ts) {
    if (!G.start_ns) {
        pthread_mutex_init(&G.mu, NULL);
        cond_init_mono(&G.cv);
        cond_init_mono(&G.switch_cv);
        G.start_ns = gil_now_ns();
        G.ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
        G.nthreads = 1;   /* the main thread */
        if (!G.policy) gil_configure(-1, 0, DEFAULT_INTERVAL_NS);
    }
    pthread_mutex_init(&ts->gil.mu, NULL);
    cond_init_mono(&ts->gil.cv);
    ts->gil.stats.start_ns = ts->gil.stats.since = gil_now_ns();
    ts->gil.stats.state = GIL_WAITING;
    ts->gil.ticks_base = ts->ticks_left = slice_ticks();
    ts->gil.trace = gtrace_thread_new(ts, ts->gil.stats.start_ns);
    ts->gil.trace_tid = ts->gil.trace ? ts->gil.trace->tid : 0;
}

/* Marks the GIL engaged (GIL held, before starting a second thread). */
static void engage(ThreadState *ts) {
    gil_engaged = 1;
    slice_reset(ts);
    gil_set_breaker(ts);   /* its eval loop moves to the counting variant at the next check */
}

void gil_thread_fini(ThreadState *ts) {
    pthread_mutex_lock(&G.mu);
    G.nthreads--;
    pthread_mutex_unlock(&G.mu);
    /* if every thread left is parked for good, wake the main thread: parking again, it
     * finds the deadlock and reports it */
    ThreadState *main = the_interp.main_ts;
    if (G.nthreads > 0 && G.nparked_forever >= G.nthreads && main && main->gil.blocked_forever) ts_unpark(main);
    slice_reset(ts);
    pthread_mutex_lock(&G.mu);
    /* it still holds the GIL: its books close here (the drop after this is not recorded) */
    GilStats *st = &ts->gil.stats;
    st->end_ns = gil_now_ns();
    gil_stats_upto(st, st->end_ns, st->state_ns);
    st->since = st->end_ns;
    gtrace_thread_end(ts);
    FinishedThread **arr = (FinishedThread **)&G.finished;
    if (G.nfinished == G.capfinished) {
        G.capfinished = G.capfinished ? G.capfinished * 2 : 16;
        *arr = realloc(*arr, sizeof(FinishedThread) * (size_t)G.capfinished);
    }
    FinishedThread *ft = &(*arr)[G.nfinished++];
    snprintf(ft->name, sizeof ft->name, "%s", ts->name ? STR_DATA(ts->name) : "Thread");
    ft->st = ts->gil.stats;
    pthread_mutex_unlock(&G.mu);
    while (__atomic_load_n(&G.wakes_in_flight, __ATOMIC_ACQUIRE)) sched_yield();
    pthread_mutex_destroy(&ts->gil.mu);
    pthread_cond_destroy(&ts->gil.cv);
}

void gil_thread_discard(ThreadState *ts) {
    if (ts->gil.trace) gtrace_thread_discard(ts->gil.trace);
    ts->gil.trace = NULL;
}

int gil_live_threads(void) {
    pthread_mutex_lock(&G.mu);
    int n = G.nthreads;
    pthread_mutex_unlock(&G.mu);
    return n;
}

void gil_after_fork_child(ThreadState *ts) {
    /* the other threads are gone, and with them whatever they held or were doing: the
     * locks, the queue, spinners, hand-offs in flight. The condition variables wait on the
     * monotonic clock, as at start-up (deadline_ts computes monotonic deadlines) */
    memset(&G.mu, 0, sizeof G.mu);
    pthread_mutex_init(&G.mu, NULL);
    cond_init_mono(&G.cv);
    cond_init_mono(&G.switch_cv);
    pthread_mutex_init(&ts->gil.mu, NULL);
    cond_init_mono(&ts->gil.cv);
    G.holder = G.last = ts;
    G.executed = G.hold_instr0 = 0;
    G.books_end_ns = 0;
    G.wanting = NULL;
    G.qhead = G.qtail = NULL;
    G.nwaiting = 0;
    G.drop_request = 0;
    G.nthreads = 1;
    G.nparked_forever = 0;
    G.nfinished = 0;
    G.spinners[0] = G.spinners[1] = NULL;
    G.wakes_in_flight = 0;
    ts->gil.in_queue = 0;
    ts->gil.wanting = 0;
    ts->gil.wnext = ts->gil.wprev = NULL;
    ts->gil.qnext = NULL;
    ts->gil.parked = 0;
    ts->gil.unparked = 0;
    ts->gil.blocked_forever = 0;
    gil_engaged = 0;
    ts->ticks_left = ts->gil.ticks_base = TICKS_FAR;
    memset(&ts->gil.stats, 0, sizeof ts->gil.stats);
    gtrace_after_fork_child(ts);
    ts->gil.stats.start_ns = ts->gil.stats.since = gil_now_ns();
    ts->gil.stats.state = GIL_RUNNING;
    G.start_ns = G.switch_ns = ts->gil.stats.start_ns;
    G.switches = 0;
}

/* ---- the ready queue (fifo, io-priority, lifo, schedules) ---- */

static void q_push_back(ThreadState *ts) {
    ts->gil.qnext = NULL;
    if (G.qtail) G.qtail->gil.qnext = ts; else G.qhead = ts;
    G.qtail = ts;
    ts->gil.in_queue = 1;
}

static void q_push_front(ThreadState *ts) {
    ts->gil.qnext = G.qhead;
    G.qhead = ts;
    if (!G.qtail) G.qtail = ts;
    ts->gil.in_queue = 1;
}

static ThreadState *q_pop(void) {
    ThreadState *ts = G.qhead;
    if (!ts) return NULL;
    G.qhead = ts->gil.qnext;
    if (!G.qhead) G.qtail = NULL;
    ts->gil.qnext = NULL;
    ts->gil.in_queue = 0;
    return ts;
}

/* Unlinks ts from anywhere in the queue. */
static void q_remove(ThreadState *ts) {
    ThreadState **p = &G.qhead, *prev = NULL;
    while (*p && *p != ts) { prev = *p; p = &prev->gil.qnext; }
    if (!*p) return;
    *p = ts->gil.qnext;
    if (G.qtail == ts) G.qtail = prev;
    ts->gil.qnext = NULL;
    ts->gil.in_queue = 0;
}

/* Takes the next thread to run off the queue: the head, or under the random schedule any one. */
static ThreadState *q_next(void) {
    if (G.schedule != GIL_SCHED_RANDOM || !G.qhead || !G.qhead->gil.qnext) return q_pop();
    uint64_t n = 0;
    for (ThreadState *t = G.qhead; t; t = t->gil.qnext) n++;
    ThreadState *t = G.qhead;
    for (uint64_t k = rng_below(n); k; k--) t = t->gil.qnext;
    q_remove(t);
    return t;
}

/* ts now holds the GIL (G.mu held): it stops waiting and starts running. */
static void acquired(ThreadState *ts) {
    uint64_t now = gil_now_ns();
    want_end(ts, now);
    set_state(ts, now, GIL_RUNNING, 0);
}

/* Makes ts the holder (G.mu held); a re-take by the last holder is no switch. */
static void became_holder(ThreadState *ts) {
    __atomic_store_n(&G.holder, ts, __ATOMIC_RELEASE);
    if (G.last != ts) {
        G.switch_number++;
        G.switches++;
        G.last = ts;
    }
    hold_begin();
    acquired(ts);
}

uint64_t gil_switch_count(void) {
    pthread_mutex_lock(&G.mu);
    uint64_t n = G.switches;
    pthread_mutex_unlock(&G.mu);
    return n;
}

/* Tells the policy that ts is about to block (true) or was preempted (false). */
static inline void sched_hint(ThreadState *ts, bool blocking) {
    if (G.policy->sched_hint) G.policy->sched_hint(ts, blocking);
}

/* Claims one of the two spinning slots, if a spinner would not take a CPU that others
 * need: the GIL's holder and the threads really spinning (a spinner that has just been
 * handed the GIL has stopped; it just has not said so yet) must leave a CPU free. */
static bool spin_claim(ThreadState *ts) {
    if (sysconf_ncpu() < 2) return false;
    ThreadState *h = __atomic_load_n(&G.holder, __ATOMIC_ACQUIRE);
    int busy = h != NULL, free_slot = -1;
    for (int i = 0; i < 2; i++) {
        ThreadState *s = __atomic_load_n(&G.spinners[i], __ATOMIC_ACQUIRE);
        if (!s) free_slot = i;
        else if (s != h) busy++;
    }
    if (free_slot < 0 || busy >= sysconf_ncpu()) return false;
    ThreadState *none = NULL;
    return __atomic_compare_exchange_n(&G.spinners[free_slot], &none, ts, false, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE);
}

/* Gives ts's spinning slot back. */
static void spin_release(ThreadState *ts) {
    for (int i = 0; i < 2; i++) {
        ThreadState *s = ts;
        __atomic_compare_exchange_n(&G.spinners[i], &s, NULL, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
    }
}

/* ts asks the holder to drop the GIL at its next check (G.mu held). */
static void request_drop(ThreadState *ts) {
    __atomic_store_n(&G.drop_request, 1, __ATOMIC_RELAXED);
    if (G.holder) {
        gil_set_breaker(G.holder);
        ts->gil.stats.drop_requests++;
        gil_trace_now(ts, GT_DROPREQ, G.holder->gil.trace_tid);
    }
}

/* Under a time interval, a waiter that ts is (the head of the queue, or any waiter of the
 * plain lock) asks the holder to drop once the holder has held the GIL, and ts waited, one
 * interval (iv); else it waits on cv until then or until woken. *asked: the switch it
 * asked in (one request per holder). G.mu held. */
static void timed_wait(ThreadState *ts, pthread_cond_t *cv, uint64_t iv, uint64_t *asked) {
    uint64_t from = ts->gil.wait_start_ns > G.switch_ns ? ts->gil.wait_start_ns : G.switch_ns;
    uint64_t deadline = from + iv, now = gil_now_ns();
    if (now < deadline) {
        struct timespec d;
        deadline_ts(&d, deadline - now);
        pthread_cond_timedwait(cv, &G.mu, &d);
        return;
    }
    if (*asked != G.switch_number) {
        *asked = G.switch_number;
        request_drop(ts);
    }
    pthread_cond_wait(cv, &G.mu);
}

void gil_take_x(ThreadState *ts, bool returning, bool spin) { G.policy->take(ts, returning, spin); }

/* Takes the GIL without spinning for it. */
static inline void take(ThreadState *ts, bool returning) { G.policy->take(ts, returning, false); }

void gil_queue_ready(ThreadState *ts, bool front) {
    if (ts->gil.in_queue) return;
    if (front) q_push_front(ts); else q_push_back(ts);
}

void gil_lock_ready(ThreadState *ts, bool returning) { (void)ts, (void)returning; }

/* ts became runnable at this instant (woken, or created) without running yet: a waiter
 * from now on, where its policy puts it (G.mu held). */
static void make_ready(ThreadState *ts, bool returning) {
    ts->gil.parked = 0;
    G.policy->ready(ts, returning);
    want_begin(ts, gil_now_ns());
}

/* With spin (a thread woken by another one, which is about to block or let go) the thread
 * first spins for a hand-off, and asks for the drop only if none came meanwhile: so a
 * ping-pong between two threads runs without forced switches or sleeps. A thread made
 * ready by ts_unpark or its start is in the queue already (maybe even the holder). */
void gil_queue_take(ThreadState *ts, bool front, bool ask_drop, bool spin) {
    pthread_mutex_lock(&G.mu);
    if (G.holder != ts) {
        if (!ts->gil.in_queue) {
            ts->gil.parked = 0;
            if (!G.holder && !G.qhead) {
                became_holder(ts);
                pthread_mutex_unlock(&G.mu);
                return;
            }
            if (front) q_push_front(ts); else q_push_back(ts);
        }
        want_begin(ts, gil_now_ns());
        spin = spin && spin_claim(ts);
        if (ask_drop && !spin && G.holder) request_drop(ts);
        if (spin) {
            /* spin briefly for the hand-off before sleeping */
            pthread_mutex_unlock(&G.mu);
            uint64_t until = gil_now_ns() + SPIN_NS;
            while (__atomic_load_n(&G.holder, __ATOMIC_ACQUIRE) != ts && gil_now_ns() < until)
                __builtin_ia32_pause_compat();
            spin_release(ts);
            pthread_mutex_lock(&G.mu);
            if (ask_drop && G.holder != ts) request_drop(ts);
        }
        uint64_t asked = UINT64_MAX;
        while (G.holder != ts) {
            if (G.interval_ns && G.qhead == ts && G.holder) timed_wait(ts, &ts->gil.cv, (uint64_t)G.interval_ns, &asked);
            else pthread_cond_wait(&ts->gil.cv, &G.mu);
        }
    }
    /* the releaser made us holder; finish the bookkeeping */
    acquired(ts);
    pthread_mutex_unlock(&G.mu);
}

void gil_lock_take(ThreadState *ts, bool timed) {
    pthread_mutex_lock(&G.mu);
    ts->gil.parked = 0;
    if (G.holder) want_begin(ts, gil_now_ns());
    uint64_t asked = UINT64_MAX;
    while (G.holder) {
        if (timed || G.interval_ns)
            timed_wait(ts, &G.cv, (uint64_t)(G.interval_ns ? G.interval_ns : DEFAULT_INTERVAL_NS), &asked);
        else
            pthread_cond_wait(&G.cv, &G.mu);
    }
    became_holder(ts);
    pthread_mutex_unlock(&G.mu);
}

/* The threads a hand-off wakes once G.mu is released: the new holder, and the new head
 * of the queue (NULL if none). */
typedef struct Wake { ThreadState *next, *head; } Wake;

/* Hands the GIL to the head of the ready queue (G.mu held, queue not empty); the caller
 * then calls unlock_and_wake(w). */
static void hand_to_head(Wake *w) {
    hold_end();
    ThreadState *next = q_next();
    __atomic_store_n(&G.holder, next, __ATOMIC_RELEASE);
    w->next = next;
    w->head = G.qhead;   /* the new head starts its interval timer */
    G.switch_number++;
    G.switches++;
    G.last = next;
    hold_begin();
    __atomic_add_fetch(&G.wakes_in_flight, 1, __ATOMIC_ACQ_REL);
}

/* Releases G.mu, then wakes the threads hand_to_head chose. Woken before the unlock, a
 * thread would find G.mu still held and sleep again on it, so the unlock would have to
 * wake it a second time, and that second wake-up can cost the unlocking thread its CPU
 * until the next scheduler tick (a sleeper going back to sleep was seen stuck for up to
 * 4 ms in pthread_mutex_unlock). A thread cannot end while a wake-up of it is in flight:
 * gil_thread_fini waits for wakes_in_flight to drop to zero. */
static void unlock_and_wake(Wake *w) {
    pthread_mutex_unlock(&G.mu);
    pthread_cond_signal(&w->next->gil.cv);
    if (w->head) pthread_cond_signal(&w->head->gil.cv);
    __atomic_sub_fetch(&G.wakes_in_flight, 1, __ATOMIC_ACQ_REL);
}

void gil_lock_release(ThreadState *ts) {
    (void)ts;
    hold_end();
    __atomic_store_n(&G.holder, NULL, __ATOMIC_RELEASE);
    if (G.nwaiting) pthread_cond_signal(&G.cv);
    pthread_mutex_unlock(&G.mu);
}

void gil_queue_release(ThreadState *ts) {
    if (!G.qhead) {
        gil_lock_release(ts);
        return;
    }
    Wake w;
    hand_to_head(&w);
    unlock_and_wake(&w);
}

void gil_drop_x(ThreadState *ts, int state, uint32_t label) {
    pthread_mutex_lock(&G.mu);
    uint64_t now = gil_now_ns();
    if (state == GT_WAITING) want_begin(ts, now);
    else set_state(ts, now, state, label);
    __atomic_store_n(&G.drop_request, 0, __ATOMIC_RELAXED);
    G.policy->release(ts);
}

/* Drops the GIL, ts going to state. */
static inline void drop(ThreadState *ts, int state, uint32_t label) { gil_drop_x(ts, state, label); }

bool gil_queue_switch(ThreadState *ts, bool forced, bool front) {
    pthread_mutex_lock(&G.mu);
    if (!G.qhead) {
        pthread_mutex_unlock(&G.mu);
        return false;
    }
    uint64_t now = gil_now_ns();
    if (forced) gil_count_forced(ts, now);
    want_begin(ts, now);
    Wake w;
    hand_to_head(&w);
    if (front) {
        q_push_front(ts);
        w.head = NULL;   /* the head is ts itself; the one behind it stays behind */
    } else {
        q_push_back(ts);
    }
    unlock_and_wake(&w);
    take(ts, false);
    return true;
}

/* Schedules: hands the GIL to the next runnable thread, if there is one, and waits in the
 * queue for its turn again; returns whether it switched (GIL held). forced: the slice ran out. */
static inline bool sched_switch(ThreadState *ts, bool forced) { return gil_queue_switch(ts, forced, false); }

void gil_thread_starting(ThreadState *ts, ThreadState *nts) {
    pthread_mutex_lock(&G.mu);
    G.nthreads++;
    pthread_mutex_unlock(&G.mu);
    engage(ts);
    /* runnable from this very instruction on: a waiter the holder sees, before its pthread runs */
    pthread_mutex_lock(&G.mu);
    make_ready(nts, false);
    pthread_mutex_unlock(&G.mu);
}

void gil_thread_start_failed(ThreadState *nts) {
    pthread_mutex_lock(&G.mu);
    if (nts->gil.in_queue) q_remove(nts);
    want_end(nts, gil_now_ns());
    G.nthreads--;
    pthread_mutex_unlock(&G.mu);
}

void gil_take(ThreadState *ts) {
    if (!ts->gil.slack_set) {
        /* Linux lets timers of ordinary threads fire up to 50 us late (timer slack);
         * a thread waking from sleep wants its interpreter back sooner than that */
        prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
        ts->gil.slack_set = 1;
    }
    take(ts, false);
    slice_reset(ts);
}

void gil_drop(ThreadState *ts) {
    slice_reset(ts);
    pthread_mutex_lock(&G.mu);
    __atomic_store_n(&G.drop_request, 0, __ATOMIC_RELAXED);
    G.policy->release(ts);
}

void gil_yield(ThreadState *ts) {
    if (G.schedule) {
        if (sched_switch(ts, true)) ts->gil.stats.offers++;
        return;
    }
    if (__atomic_load_n(&G.nwaiting, __ATOMIC_RELAXED) == 0) {
        __atomic_store_n(&G.drop_request, 0, __ATOMIC_RELAXED);
        return;
    }
    ts->gil.stats.offers++;
    sched_hint(ts, false);
    G.policy->yield(ts);
}

void gil_queue_yield(ThreadState *ts) {
    /* hand off to the head of the queue and queue up again at the back, in one step: a
     * thread waiting for the GIL is always in the queue, where the holder can hand it over */
    __atomic_store_n(&G.drop_request, 0, __ATOMIC_RELAXED);
    if (!gil_queue_switch(ts, true, false)) ts->gil.stats.offers--;
}

void gil_tick(ThreadState *ts) {
    slice_reset(ts);
    if (!gil_engaged) return;
    if (!G.interval_instr) {
        /* a time interval: offer once the GIL has been held that long and someone waits */
        if (!__atomic_load_n(&G.nwaiting, __ATOMIC_RELAXED) || gil_now_ns() - G.switch_ns < (uint64_t)G.interval_ns)
            return;
    }
    gil_yield(ts);
    slice_reset(ts);
}

void gil_check_drop(ThreadState *ts) {
    if (!gil_engaged) return;
    if (G.schedule) {
        /* the breaker may have been set at any moment: a schedule keeps counting the slice */
        slice_account(ts);
        return;
    }
    /* a breaker does not restart the slice (a waiter's arrival sets it: the holder still
     * offers the GIL at the end of the slice it is in), unless the slice is longer than
     * the interval (it began under a time interval, or before the GIL was engaged) */
    if (G.interval_instr && ts->ticks_left >= G.interval_instr) slice_reset(ts);
    else slice_account(ts);
    if (__atomic_load_n(&G.drop_request, __ATOMIC_RELAXED)) {
        gil_yield(ts);
        slice_reset(ts);
    }
}

void gil_blocking_begin(ThreadState *ts, const char *what) {
    ts->gil.blocked_on = what;
    ts->gil.stats.voluntary++;
    sched_hint(ts, true);
    slice_reset(ts);
    drop(ts, GT_BLOCKED, ts->gil.trace ? trace_label(ts, what) : 0);
}

void gil_blocking_end(ThreadState *ts) {
    take(ts, true);
    ts->gil.blocked_on = NULL;
    slice_reset(ts);
}

/* ---- parking and deadlock detection ---- */

/* Whether a frame belongs to a module embedded in tiny (its file name is "<frozen NAME>"). */
static bool lib_frame(Frame *f) {
    return f->code && f->code->filename && strncmp(STR_DATA(f->code->filename), "<frozen ", 8) == 0;
}

/* The library function a thread is in, called from user code (its outermost frame of the
 * innermost run of library frames), or NULL; *user gets the user frame that called it. */
static Frame *api_frame(ThreadState *t, Frame **user) {
    Frame *api = NULL, *f = t->frame;
    for (; f && lib_frame(f); f = f->prev) api = f;
    if (user) *user = f;
    return api;
}

/* Whether a frame is threading's start of a thread (the frames below a thread's target). */
static bool thread_entry_frame(Frame *f) {
    static const char *const names[] = { "Thread._bootstrap", "Thread._bootstrap_inner", "Thread.run" };
    if (!f->code->qualname) return false;
    for (int i = 0; i < 3; i++)
        if (strcmp(STR_DATA(f->code->qualname), names[i]) == 0) return true;
    return false;
}

/* Timeline label of a blocking call: the call, and the library function it serves. */
static uint32_t trace_label(ThreadState *ts, const char *what) {
    Frame *user, *api = api_frame(ts, &user);
    if (api && !user) {
        /* library code only (a thread whose target is a library function): the function
         * called by threading's start of the thread */
        api = NULL;
        for (Frame *f = ts->frame; f && !thread_entry_frame(f); f = f->prev) api = f;
    }
    return gtrace_label(ts->gil.trace, what, api && api->code->qualname ? STR_DATA(api->code->qualname) : NULL);
}

/* Describes where a thread stands: what it waits in and its innermost user frame. */
static void describe_thread(StrBuf *b, ThreadState *t) {
    const char *name = t->name ? STR_DATA(t->name) : (t == the_interp.main_ts ? "MainThread" : "Thread");
    Frame *user, *api = api_frame(t, &user);
    sb_printf(b, "\n  %s: waiting in ", name);
    if (api && api->code->qualname) sb_printf(b, "%s()", STR_DATA(api->code->qualname));
    else sb_printf(b, "%s", t->gil.blocked_on ? t->gil.blocked_on : "?");
    if (user) sb_printf(b, " at %s, line %d", STR_DATA(user->code->filename), frame_line(user));
}

/* Builds the deadlock report (GIL held, every other thread parked). */
static Obj *deadlock_report(void) {
    StrBuf b;
    sb_init(&b);
    sb_puts(&b, "deadlock: every thread is blocked and none can proceed");
    /* main thread first, then the others in start order */
    describe_thread(&b, the_interp.main_ts);
    ThreadState *list[4096];
    int n = 0;
    for (ThreadState *t = the_interp.threads; t && n < 4096; t = t->next)
        if (t != the_interp.main_ts && t->alive) list[n++] = t;
    for (int i = n - 1; i >= 0; i--) describe_thread(&b, list[i]);
    return sb_finish(&b);
}

/* Schedules: a park with a zero timeout (sleep(0)) is a switch to the next runnable thread,
 * so that it stays reproducible; returns as ts_park does (1: timed out). */
static int sched_park_zero(ThreadState *ts, const char *what) {
    ts->gil.blocked_on = what;
    ts->gil.stats.voluntary++;
    slice_reset(ts);
    sched_switch(ts, false);
    slice_reset(ts);
    ts->gil.blocked_on = NULL;
    if (!IS_NULL(ts->pending_exc)) {
        exc_set(ts, ts->pending_exc);
        ts->pending_exc = V_NULL;
        return -1;
    }
    if (ts == the_interp.main_ts && (the_interp.sigint_pending || the_interp.sig_any_pending) &&
        vm_handle_breaker(ts) < 0)
        return -1;
    return 1;
}

int ts_park(ThreadState *ts, double timeout, const char *what) {
    bool forever = timeout < 0;
    if (!IS_NULL(ts->pending_exc)) {
        exc_set(ts, ts->pending_exc);
        ts->pending_exc = V_NULL;
        return -1;
    }
    if (G.schedule) {
        /* a wake-up left over from when the thread was queued already must not end this
         * park: whether it came before its pthread looked is a matter of timing */
        pthread_mutex_lock(&ts->gil.mu);
        __atomic_store_n(&ts->gil.unparked, 0, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&ts->gil.mu);
        if (timeout == 0) return sched_park_zero(ts, what);
    }
    if (forever) {
        G.nparked_forever++;
        ts->gil.blocked_on = what;
        ts->gil.blocked_forever = 1;
        if (G.nparked_forever >= G.nthreads && G.nthreads > 0) {
            /* nobody left to wake anybody */
            Obj *report = deadlock_report();
            G.nparked_forever--;
            ts->gil.blocked_forever = 0;
            ts->gil.blocked_on = NULL;
            if (the_interp.finalizing) {
                gtrace_finish(ts);
                fflush(stdout);
                fprintf(stderr, "RuntimeError: %s\n", STR_DATA(report));
                fflush(stderr);
                _exit(1);
            }
            Value msg = V_OBJ(report);
            Value exc = exc_new(ts, &T_RuntimeError, &msg, 1);
            o_decref(report);
            ThreadState *main = the_interp.main_ts;
            if (ts == main || !main->alive) {
                exc_set(ts, exc);
                return -1;
            }
            v_set(&main->pending_exc, exc);
            ts_unpark(main);
            G.nparked_forever++;
            ts->gil.blocked_forever = 1;
            ts->gil.blocked_on = what;
        }
    } else {
        ts->gil.blocked_on = what;
    }
    ts->gil.stats.voluntary++;
    sched_hint(ts, true);
    slice_reset(ts);
    /* parked: a ts_unpark makes it a GIL waiter at once (G.mu: its pthread may be timing out) */
    pthread_mutex_lock(&G.mu);
    ts->gil.parked = 1;
    pthread_mutex_unlock(&G.mu);
    drop(ts, GT_BLOCKED, ts->gil.trace ? trace_label(ts, what) : 0);
    if (timeout != 0 && strcmp(what, "sleep") != 0 && spin_claim(ts)) {
        /* spin briefly for the wake-up before sleeping */
        uint64_t until = gil_now_ns() + SPIN_NS;
        if (!forever && timeout * 1e9 < SPIN_NS) until = gil_now_ns() + (uint64_t)(timeout * 1e9);
        while (!__atomic_load_n(&ts->gil.unparked, __ATOMIC_ACQUIRE) && gil_now_ns() < until)
            __builtin_ia32_pause_compat();
        spin_release(ts);
    }
    int result = 1;
    bool is_main = ts == the_interp.main_ts;
    /* seen while spinning: the waker may still hold ts->gil.mu, so taking it now would
     * put this thread to sleep on it after all */
    if (__atomic_exchange_n(&ts->gil.unparked, 0, __ATOMIC_ACQ_REL)) {
        result = 0;
        goto woken;
    }
    pthread_mutex_lock(&ts->gil.mu);
    uint64_t start = gil_now_ns();
    uint64_t limit = forever ? UINT64_MAX : start + (uint64_t)(timeout * 1e9);
    for (;;) {
        if (ts->gil.unparked) { result = 0; break; }
        if (is_main && (the_interp.sigint_pending || the_interp.sig_any_pending)) { result = -1; break; }
        uint64_t now = gil_now_ns();
        if (now >= limit) { result = 1; break; }
        uint64_t wait = limit - now;
        if (is_main && wait > 20000000u) wait = 20000000u;  /* poll for Ctrl-C */
        struct timespec d;
        deadline_ts(&d, wait);
        pthread_cond_timedwait(&ts->gil.cv, &ts->gil.mu, &d);
    }
    __atomic_store_n(&ts->gil.unparked, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&ts->gil.mu);
woken:
    /* woken by another thread (a lock hand-over, not a sleep): that thread is about to
     * block or let go, so the GIL is worth a short spin */
    gil_take_x(ts, true, result == 0 && strcmp(what, "sleep") != 0);
    slice_reset(ts);
    if (forever && ts->gil.blocked_forever) {
        G.nparked_forever--;
        ts->gil.blocked_forever = 0;
    }
    ts->gil.blocked_on = NULL;
    if (!IS_NULL(ts->pending_exc)) {
        exc_set(ts, ts->pending_exc);
        ts->pending_exc = V_NULL;
        return -1;
    }
    if (result == -1 || (is_main && (the_interp.sigint_pending || the_interp.sig_any_pending))) {
        if (vm_handle_breaker(ts) < 0) return -1;
        if (result == -1) result = 0;
    }
    return result;
}

void ts_unpark(ThreadState *target) {
    /* it can proceed now: it no longer counts as blocked forever (GIL held here) */
    if (target->gil.blocked_forever) {
        target->gil.blocked_forever = 0;
        G.nparked_forever--;
    }
    /* runnable from this very instruction on: a GIL waiter now, not when its pthread wakes
     * (the holder sees it at its next check; under a schedule its turn is fixed here) */
    pthread_mutex_lock(&G.mu);
    if (target->gil.parked) make_ready(target, true);
    pthread_mutex_unlock(&G.mu);
    pthread_mutex_lock(&target->gil.mu);
    __atomic_store_n(&target->gil.unparked, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&target->gil.mu);
    /* signalled after the unlock, so that it does not wake only to wait for the mutex; it
     * cannot have ended meanwhile: it needs the GIL, which this thread holds */
    pthread_cond_signal(&target->gil.cv);
}

/* ---- statistics ---- */

typedef struct StatRow { const char *name; GilStats st; uint64_t life, ns[GIL_NSTATES]; } StatRow;

void gil_close_books(uint64_t t) {
    pthread_mutex_lock(&G.mu);
    G.books_end_ns = t;
    pthread_mutex_unlock(&G.mu);
}

/* Collects rows for every thread, finished or alive (GIL held), their books closed at
 * *now (the time gil_close_books gave, else the present). */
static int stat_rows(StatRow **out, uint64_t *now) {
    int n = G.nfinished;
    for (ThreadState *t = the_interp.threads; t; t = t->next) n++;
    StatRow *rows = calloc((size_t)n + 1, sizeof(StatRow));
    int k = 0;
    /* G.mu: a thread coming back from a blocking call changes its books under it */
    pthread_mutex_lock(&G.mu);
    *now = G.books_end_ns ? G.books_end_ns : gil_now_ns();
    /* live threads: main first */
    for (ThreadState *t = the_interp.threads; t; t = t->next) {
        StatRow *r = &rows[k];
        r->name = t->name ? STR_DATA(t->name) : (t == the_interp.main_ts ? "MainThread" : "Thread");
        r->st = t->gil.stats;
        if (t == the_interp.main_ts) {
            r->st.instructions += (uint64_t)(t->gil.ticks_base - t->ticks_left);
            StatRow tmp = rows[0]; rows[0] = *r; *r = tmp;
        }
        k++;
    }
    FinishedThread *fin = G.finished;
    for (int i = 0; i < G.nfinished; i++, k++) { rows[k].name = fin[i].name; rows[k].st = fin[i].st; }
    pthread_mutex_unlock(&G.mu);
    for (int i = 0; i < k; i++) {
        GilStats *s = &rows[i].st;
        uint64_t end = s->end_ns ? s->end_ns : *now;
        gil_stats_upto(s, end, rows[i].ns);
        rows[i].life = end > s->start_ns ? end - s->start_ns : 0;
    }
    *out = rows;
    return k;
}

/* A share of a life (0 for a life of no length). */
static double share(uint64_t part, uint64_t life) { return life ? (double)part / (double)life : 0.0; }

void gil_print_stats(FILE *out) {
    StatRow *rows;
    uint64_t now;
    int n = stat_rows(&rows, &now);
    fprintf(out, "\nGIL statistics (%s %s, ", G.schedule ? "schedule" : "policy", gil_policy_name());
    if (G.schedule == GIL_SCHED_RANDOM) fprintf(out, "seed %llu, ", (unsigned long long)G.seed);
    fprintf(out, "interval ");
    if (G.interval_instr) fprintf(out, "%lld instructions)\n", (long long)G.interval_instr);
    else fprintf(out, "%.3g ms)\n", G.interval_ns / 1e6);
    fprintf(out, "%-24s %14s %9s %8s %9s %15s %15s %15s %8s %12s %12s\n", "thread", "instructions", "acquired",
            "forced", "voluntary", "held ms", "waited ms", "blocked ms", "offered", "longest ms", "longest instr");
    uint64_t ti = 0, ta = 0, tf = 0, tv = 0, th = 0, tw = 0, tb = 0, to = 0;
    for (int i = 0; i < n; i++) {
        GilStats *s = &rows[i].st;
        uint64_t *ns = rows[i].ns, life = rows[i].life;
        fprintf(out, "%-24.24s %14llu %9llu %8llu %9llu %8.1f %5.1f%% %8.1f %5.1f%% %8.1f %5.1f%% %8llu %12.2f %12llu\n",
                rows[i].name, (unsigned long long)s->instructions, (unsigned long long)s->acquisitions,
                (unsigned long long)s->forced, (unsigned long long)s->voluntary,
                ns[GIL_RUNNING] / 1e6, 100 * share(ns[GIL_RUNNING], life),
                ns[GIL_WAITING] / 1e6, 100 * share(ns[GIL_WAITING], life),
                ns[GIL_BLOCKED] / 1e6, 100 * share(ns[GIL_BLOCKED], life),
                (unsigned long long)s->offers, s->longest_wait_ns / 1e6, (unsigned long long)s->longest_wait_instr);
        ti += s->instructions; ta += s->acquisitions; tf += s->forced; tv += s->voluntary; to += s->offers;
        th += ns[GIL_RUNNING]; tw += ns[GIL_WAITING]; tb += ns[GIL_BLOCKED];
    }
    double secs = (now - G.start_ns) / 1e9;
    fprintf(out, "%-24s %14llu %9llu %8llu %9llu %8.1f        %8.1f        %8.1f        %8llu\n", "total",
            (unsigned long long)ti, (unsigned long long)ta, (unsigned long long)tf, (unsigned long long)tv,
            th / 1e6, tw / 1e6, tb / 1e6, (unsigned long long)to);
    fprintf(out, "switches: %llu in %.3f s (%.1f per second)\n", (unsigned long long)G.switches, secs,
            secs > 0 ? (double)G.switches / secs : 0.0);
    free(rows);
}

Value gil_stats_dict(ThreadState *ts) {
    StatRow *rows;
    uint64_t now;
    int n = stat_rows(&rows, &now);
    Obj *threads = list_new(n);
    for (int i = 0; i < n; i++) {
        GilStats *s = &rows[i].st;
        uint64_t *ns = rows[i].ns, life = rows[i].life;
        Obj *d = dict_new();
        dict_set_cstr(d, "name", V_OBJ(str_from_cstr(rows[i].name)));
        o_decref(AS_OBJ(dict_get_cstr(d, "name")));
        dict_set_cstr(d, "instructions", V_INT((int64_t)s->instructions));
        dict_set_cstr(d, "acquisitions", V_INT((int64_t)s->acquisitions));
        dict_set_cstr(d, "offers", V_INT((int64_t)s->offers));
        dict_set_cstr(d, "forced_switches", V_INT((int64_t)s->forced));
        dict_set_cstr(d, "voluntary_releases", V_INT((int64_t)s->voluntary));
        dict_set_cstr(d, "drop_requests", V_INT((int64_t)s->drop_requests));
        dict_set_cstr(d, "life_ms", V_FLOAT(life / 1e6));
        dict_set_cstr(d, "hold_ms", V_FLOAT(ns[GIL_RUNNING] / 1e6));
        dict_set_cstr(d, "wait_ms", V_FLOAT(ns[GIL_WAITING] / 1e6));
        dict_set_cstr(d, "blocked_ms", V_FLOAT(ns[GIL_BLOCKED] / 1e6));
        dict_set_cstr(d, "hold_share", V_FLOAT(share(ns[GIL_RUNNING], life)));
        dict_set_cstr(d, "wait_share", V_FLOAT(share(ns[GIL_WAITING], life)));
        dict_set_cstr(d, "blocked_share", V_FLOAT(share(ns[GIL_BLOCKED], life)));
        dict_set_cstr(d, "longest_wait_ms", V_FLOAT(s->longest_wait_ns / 1e6));
        dict_set_cstr(d, "longest_wait_instructions", V_INT((int64_t)s->longest_wait_instr));
        dict_set_cstr(d, "alive", V_BOOL(s->end_ns == 0));
        list_append_steal(threads, V_OBJ(d));
    }
    free(rows);
    Obj *r = dict_new();
    dict_set_cstr(r, "threads", V_OBJ(threads));
    o_decref(threads);
    double secs = (now - G.start_ns) / 1e9;
    dict_set_cstr(r, "switches", V_INT((int64_t)G.switches));
    dict_set_cstr(r, "switches_per_sec", V_FLOAT(secs > 0 ? (double)G.switches / secs : 0.0));
    Obj *pn = str_from_cstr(gil_policy_name());
    dict_set_cstr(r, "policy", V_OBJ(pn));
    o_decref(pn);
    if (G.schedule == GIL_SCHED_RANDOM) dict_set_cstr(r, "seed", V_INT((int64_t)G.seed));
    dict_set_cstr(r, "waiting", V_INT(__atomic_load_n(&G.nwaiting, __ATOMIC_RELAXED)));
    if (G.interval_instr) dict_set_cstr(r, "interval_instructions", V_INT(G.interval_instr));
    else dict_set_cstr(r, "interval_s", V_FLOAT(G.interval_ns / 1e9));
    return V_OBJ(r);
}
