/* gtrace.c — the GIL timeline: who held the GIL, who waited for it, who was blocked in
 * what, thread by thread, drawn for --gil-trace FILE.json and --gil-timeline FILE.svg.
 *
 * RECORDING
 * vm/gil/gil.c calls gtrace_record where the GIL statistics are kept: a thread becomes
 * `running` when it takes the GIL, `waiting` when it starts waiting for it (or is forced
 * to hand it over), `blocked` when it drops it around a blocking call or parks (the label
 * names the call, "sleep", "Lock.acquire", "read", and the library function it serves,
 * "Queue.get", "Thread.join": the library function the program called, as deadlock
 * reports say). Instants mark forced switches and drop requests. Nothing is recorded per
 * instruction, only at these changes, which all cost a system call or a clock read anyway.
 *
 * Each thread appends to a buffer of its own (GtThread) without any lock: blocks of
 * events that double in size and never move. A thread publishes its count of events with
 * a release store, so the thread writing the outputs can read the buffers of daemon
 * threads still running at exit. The order of events across threads needs no lock
 * either: a thread stops `running` at a time read before it lets the GIL go, and the next
 * holder starts at a time read after it got it, so no two `running` spans overlap.
 *
 * THE CAP
 * Events are taken from one budget (TINY_GIL_TRACE_LIMIT, default GT_LIMIT), a block at a
 * time. A thread that finds it spent records nothing more. The outputs then stop at the
 * first lost event of any thread: each thread's life after that point is one `untraced`
 * span, and the files say "trace truncated: N events dropped". The per-thread totals of
 * the summary (time held, waited, blocked; acquisitions, forced switches, drop requests)
 * are the GIL statistics themselves (GilStats, kept by gil.c at the very changes it
 * records here): one set of books for --gil-stats, sys.gilstats() and both outputs.
 *
 * OUTPUTS (written by gtrace_finish at exit, the GIL held): the events are merged into
 * one track of spans and instants per thread (Trace, gtrace_write.h), which the writers
 * turn into the JSON trace (vm/gil/gtrace_json.c) and the SVG timeline
 * (vm/gil/gtrace_svg.c); their opening comments describe the formats.
 * A forked child (multiprocessing) stops tracing and never writes the parent's files.
 */
#include "gil/gtrace_write.h"
#include "objects/str.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GT_LIMIT 1000000        /* events recorded at most, by default */
#define FIRST_CHUNK 128         /* events in a thread's first block */
#define MAX_CHUNK 65536         /* the largest block */

/* ---- start-up ---- */

int gtrace_open(int kind, const char *path) {
    FILE *f = fopen(path, "we");
    if (!f) return -1;
    FILE **slot = kind == 'j' ? &GT.json : &GT.svg;
    char **pslot = kind == 'j' ? &GT.json_path : &GT.svg_path;
    if (*slot) fclose(*slot);
    free(*pslot);
    setvbuf(f, NULL, _IOFBF, 1 << 16);
    *slot = f;
    *pslot = strdup(path);
    GT.on = 1;
    if (!GT.limit) GT.limit = GT.budget = GT_LIMIT;
    return 0;
}

int gtrace_set_limit(const char *text) {
    char *end;
    errno = 0;
    long long n = strtoll(text, &end, 10);
    if (end == text || *end || errno || n <= 0) return -1;
    GT.limit = GT.budget = n;
    return 0;
}

void gtrace_set_program(const char *name) {
    free(GT.program);
    GT.program = strdup(name);
}

int gtrace_on(void) { return GT.on; }

/* ---- recording ---- */

GtThread *gtrace_thread_new(ThreadState *ts, uint64_t start_ns) {
    if (!GT.on) return NULL;
    GtThread *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->ts = ts;
    b->tid = ++GT.ntids;
    b->start_ns = start_ns;
    b->state = GT_WAITING;
    b->next = GT.threads;
    GT.threads = b;
    return b;
}

/* Adds a block to b from the budget; 0 when the budget is spent. */
static int grow(GtThread *b) {
    uint32_t want = b->tail ? b->tail->cap * 2 : FIRST_CHUNK;
    if (want > MAX_CHUNK) want = MAX_CHUNK;
    int64_t left = __atomic_load_n(&GT.budget, __ATOMIC_RELAXED), take;
    do {
        if (left <= 0) return 0;
        take = left < want ? left : want;
    } while (!__atomic_compare_exchange_n(&GT.budget, &left, left - take, true, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    GtChunk *c = malloc(sizeof *c + (size_t)take * sizeof(GtEvent));
    if (!c) {
        __atomic_add_fetch(&GT.budget, take, __ATOMIC_RELAXED);
        return 0;
    }
    c->next = NULL;
    c->cap = (uint32_t)take;
    if (b->tail) b->tail->next = c; else b->head = c;
    b->tail = c;
    b->used = 0;
    return 1;
}

void gtrace_record(GtThread *b, uint64_t t, int kind, uint32_t arg) {
    if (kind < GT_NSTATES) {
        if (kind == b->state) return;
        b->state = kind;
    }
    if (b->full || ((!b->tail || b->used == b->tail->cap) && !grow(b))) {
        if (!b->full) ST(b->trunc_ns, t);
        b->full = 1;
        ST(b->dropped, b->dropped + 1);
        return;
    }
    GtEvent *e = &b->tail->ev[b->used++];
    e->t = t;
    e->kind = (uint32_t)kind;
    e->arg = arg;
    __atomic_store_n(&b->nev, b->nev + 1, __ATOMIC_RELEASE);
}

uint32_t gtrace_label(GtThread *b, const char *what, const char *api) {
    for (uint32_t k = 0; k < b->nlabels; k++) {
        uint32_t i = (b->lastlabel + k) % b->nlabels;
        GtLabel *l = &b->labels[i];
        if (strcmp(l->what, what) == 0 && (api ? l->api && strcmp(l->api, api) == 0 : !l->api)) {
            b->lastlabel = i;
            return i;
        }
    }
    if (b->nlabels == b->caplabels) {
        uint32_t cap = b->caplabels ? b->caplabels * 2 : 8;
        GtLabel *nl = realloc(b->labels, cap * sizeof *nl);
        if (!nl) return 0;
        b->labels = nl;
        b->caplabels = cap;
    }
    GtLabel *l = &b->labels[b->nlabels];
    l->what = strdup(what);
    l->api = api ? strdup(api) : NULL;
    b->lastlabel = b->nlabels;
    return b->nlabels++;
}

/* The name reports give a thread (GIL held). */
static const char *ts_name(ThreadState *ts) {
    return ts->name ? STR_DATA(ts->name) : ts == the_interp.main_ts ? "MainThread" : "Thread";
}

void gtrace_thread_end(ThreadState *ts) {
    GtThread *b = ts->gil.trace;
    if (!b) return;
    b->st = ts->gil.stats;
    b->name = strdup(ts_name(ts));
    b->end_ns = ts->gil.stats.end_ns;
    b->ts = NULL;
    if (b->tail && !b->full) {
        /* give the rest of the block back to the others */
        __atomic_add_fetch(&GT.budget, (int64_t)(b->tail->cap - b->used), __ATOMIC_RELAXED);
        b->tail->cap = b->used;
    }
    ts->gil.trace = NULL;
}

void gtrace_thread_discard(GtThread *b) {
    b->discarded = 1;
    b->ts = NULL;
}

/* Frees a buffer (its thread has ended or is gone). */
static void buf_free(GtThread *b) {
    for (GtChunk *c = b->head, *n; c; c = n) { n = c->next; free(c); }
    for (uint32_t i = 0; i < b->nlabels; i++) { free(b->labels[i].what); free(b->labels[i].api); }
    free(b->labels);
    free(b->name);
    free(b);
}

/* Closes the outputs and forgets the paths. */
static void close_outputs(void) {
    if (GT.json) fclose(GT.json);
    if (GT.svg) fclose(GT.svg);
    GT.json = GT.svg = NULL;
    free(GT.json_path); free(GT.svg_path); free(GT.program);
    GT.json_path = GT.svg_path = GT.program = NULL;
}

void gtrace_after_fork_child(ThreadState *ts) {
    if (!GT.on && !GT.threads) return;
    GT.on = 0;
    __atomic_store_n(&GT.budget, 0, __ATOMIC_RELAXED);
    /* the parent writes its files; this child only lets go of its copies (nothing is buffered) */
    close_outputs();
    for (GtThread *b = GT.threads, *n; b; b = n) { n = b->next; buf_free(b); }
    GT.threads = NULL;
    ts->gil.trace = NULL;
}


/* ---- merging: tracks of spans and instants ---- */


static void add_span(Track *k, uint64_t t0, uint64_t t1, uint32_t state, uint32_t label) {
    if (t1 <= t0) return;
    if (k->nspans == k->capspans) {
        k->capspans = k->capspans ? k->capspans * 2 : 64;
        k->spans = realloc(k->spans, k->capspans * sizeof *k->spans);
    }
    k->spans[k->nspans++] = (Span){ t0, t1, state, label };
}

static void add_inst(Track *k, const GtEvent *e) {
    if (k->ninst == k->capinst) {
        k->capinst = k->capinst ? k->capinst * 2 : 64;
        k->inst = realloc(k->inst, k->capinst * sizeof *k->inst);
    }
    k->inst[k->ninst++] = *e;
}

/* Turns a buffer's events into spans that tile [start, end), stopping at the cut. */
static void build_track(Trace *tr, Track *k) {
    GtThread *b = k->b;
    uint64_t n = __atomic_load_n(&b->nev, __ATOMIC_ACQUIRE);
    uint64_t stop = tr->cut < k->end ? tr->cut : k->end;
    if (stop < k->start) stop = k->start;
    uint32_t state = GT_WAITING, label = 0;
    uint64_t from = k->start, i = 0;
    for (GtChunk *c = b->head; c && i < n; c = c->next) {
        for (uint32_t j = 0; j < c->cap && i < n; j++, i++) {
            GtEvent *e = &c->ev[j];
            if (e->t >= stop) {
                if (e->t < k->end) tr->dropped++;   /* recorded, but after the cut */
                continue;
            }
            if (e->kind < GT_NSTATES) {
                add_span(k, from, e->t, state, label);
                state = e->kind;
                label = e->arg;
                from = e->t;
            } else {
                add_inst(k, e);
            }
        }
    }
    add_span(k, from, stop, state, label);
    add_span(k, stop, k->end, GT_UNTRACED, 0);
}

/* Collects every thread's track (GIL held by the caller, which is running). */
static void collect(Trace *tr) {
    memset(tr, 0, sizeof *tr);
    tr->base = G.start_ns;
    tr->end = gil_now_ns();
    gil_close_books(tr->end);   /* --gil-stats, printed next, counts up to the same instant */
    tr->cut = UINT64_MAX;
    tr->pid = (int)getpid();
    /* G.mu: a daemon thread coming back from a blocking call changes its books under it */
    pthread_mutex_lock(&G.mu);
    tr->switches = G.switches;
    int n = 0;
    for (GtThread *b = GT.threads; b; b = b->next) if (!b->discarded) n++;
    tr->t = calloc((size_t)n + 1, sizeof(Track));
    int i = n;
    for (GtThread *b = GT.threads; b; b = b->next) {
        if (b->discarded) continue;
        Track *k = &tr->t[--i];   /* the list is newest first: tracks go in start order */
        k->b = b;
        k->alive = b->ts != NULL;
        k->name = k->alive ? ts_name(b->ts) : b->name ? b->name : "Thread";
        k->start = b->start_ns;
        k->end = k->alive ? tr->end : b->end_ns;
        /* the statistics' books: the thread's own while it lives (it waits or is blocked,
         * since this thread holds the GIL), closed at the end of the trace */
        const GilStats *st = k->alive ? &b->ts->gil.stats : &b->st;
        gil_stats_upto(st, k->alive ? tr->end : k->end, k->acc);
        k->nacq = st->acquisitions;
        k->nforced = st->forced;
        k->ndropreq = st->drop_requests;
        uint64_t tn = LD(b->trunc_ns);
        if (tn && tn < tr->cut) tr->cut = tn;
        tr->dropped += LD(b->dropped);
    }
    pthread_mutex_unlock(&G.mu);
    tr->n = n;
    for (i = 0; i < n; i++) build_track(tr, &tr->t[i]);
}

static void trace_free(Trace *tr) {
    for (int i = 0; i < tr->n; i++) { free(tr->t[i].spans); free(tr->t[i].inst); }
    free(tr->t);
}
/* ---- text helpers of the writers ---- */

/* Decodes one UTF-8 character of s (length in *len); -1 if the bytes are not valid UTF-8. */
int32_t gtrace_utf8_next(const unsigned char *s, int *len) {
    unsigned c = s[0];
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    *len = 1;
    if (!n) return -1;
    int32_t cp = n == 1 ? (int32_t)c : (int32_t)(c & (0x7f >> n));
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return -1;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    static const int32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return -1;
    *len = n;
    return cp;
}

/* A duration for people: "12.3 ms", "850 us", "1.25 s". */
void gtrace_fmt_dur(char *out, size_t n, uint64_t ns) {
    if (ns >= 1000000000u) snprintf(out, n, "%.3g s", ns / 1e9);
    else if (ns >= 1000000u) snprintf(out, n, "%.3g ms", ns / 1e6);
    else if (ns >= 1000u) snprintf(out, n, "%.3g \xc2\xb5s", ns / 1e3);
    else snprintf(out, n, "%llu ns", (unsigned long long)ns);
}

/* The switch interval as text. */
void gtrace_fmt_interval(char *out, size_t n) {
    if (G.interval_instr) snprintf(out, n, "%lld instructions", (long long)G.interval_instr);
    else gtrace_fmt_dur(out, n, (uint64_t)G.interval_ns);
}

const char *const gtrace_state_names[GT_NSTATES] = { "waiting", "running", "blocked", "untraced" };

/* The label's text: the library function if any, else the call. */
const char *gtrace_label_text(const Track *k, uint32_t label) {
    if (label >= k->b->nlabels) return "?";
    GtLabel *l = &k->b->labels[label];
    return l->api ? l->api : l->what;
}

/* The track of a tid, or NULL. */
const Track *gtrace_track_of(const Trace *tr, uint32_t tid) {
    for (int i = 0; i < tr->n; i++) if (tr->t[i].b->tid == tid) return &tr->t[i];
    return NULL;
}

/* ---- exit ---- */

/* Flushes and closes an output; says so on stderr if it could not be written. */
static void close_checked(FILE **f, const char *path) {
    if (!*f) return;
    int bad = ferror(*f);
    if (fclose(*f) != 0) bad = 1;
    *f = NULL;
    if (bad) fprintf(stderr, "tiny: could not write %s: %s\n", path, strerror(errno ? errno : EIO));
}

void gtrace_finish(ThreadState *ts) {
    if (!GT.on) return;
    GT.on = 0;
    __atomic_store_n(&GT.budget, 0, __ATOMIC_RELAXED);
    Trace tr;
    collect(&tr);
    if (GT.json) {
        gtrace_write_json(GT.json, &tr);
        close_checked(&GT.json, GT.json_path);
    }
    if (GT.svg) {
        gtrace_write_svg(GT.svg, &tr);
        close_checked(&GT.svg, GT.svg_path);
    }
    trace_free(&tr);
    /* buffers of threads still running at exit stay (they may still write to them) */
    ts->gil.trace = NULL;
    for (GtThread **p = &GT.threads; *p;) {
        GtThread *b = *p;
        if (!b->ts || b->ts == ts || b->discarded) { *p = b->next; buf_free(b); }
        else p = &b->next;
    }
    close_outputs();
}
