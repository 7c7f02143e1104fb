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
 * span, and the files say "trace truncated: N events dropped". Per-thread totals (time
 * held, waited, blocked; acquisitions, forced switches) are kept apart from the events,
 * so the summary stays exact.
 *
 * OUTPUTS (written by gtrace_finish at exit, the GIL held)
 * - JSON: the Chrome Trace Event format (Perfetto, chrome://tracing). One track (tid) per
 *   thread named by a thread_name metadata event, "X" spans named running, waiting,
 *   "blocked: WHAT" and "untraced", "i" instants for thread start and end, forced
 *   switches and drop requests. Times are microseconds from interpreter start, exact to
 *   the nanosecond. Each thread's spans tile its life.
 * - SVG: one row per thread on a time axis, a legend and a summary. Spans narrower than
 *   a pixel are merged into groups two pixels wide, drawn as faded stacks whose heights
 *   are the shares of time in each state, so a drawing of millions of switches keeps
 *   about one rectangle per pixel of each row at most.
 * A forked child (multiprocessing) stops tracing and never writes the parent's files.
 */
#include "gil/gil_internal.h"
#include "objects/str.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GT (the_interp.gtrace)
#define GT_LIMIT 1000000        /* events recorded at most, by default */
#define FIRST_CHUNK 128         /* events in a thread's first block */
#define MAX_CHUNK 65536         /* the largest block */

/* Relaxed atomic access to fields a running thread writes and the exit code reads. */
#define LD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define ST(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

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
    b->start_ns = b->since = start_ns;
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
        ST(b->acc[b->state], b->acc[b->state] + (t - b->since));
        ST(b->state, kind);
        ST(b->since, t);
        if (kind == GT_RUNNING) ST(b->nacq, b->nacq + 1);
    } else if (kind == GT_FORCED) {
        ST(b->nforced, b->nforced + 1);
    } else {
        ST(b->ndropreq, b->ndropreq + 1);
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

void gtrace_thread_end(ThreadState *ts, uint64_t end_ns) {
    GtThread *b = ts->gil.trace;
    if (!b) return;
    ST(b->acc[b->state], b->acc[b->state] + (end_ns - b->since));
    ST(b->since, end_ns);
    b->name = strdup(ts_name(ts));
    b->end_ns = end_ns;
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

typedef struct Span { uint64_t t0, t1; uint32_t state, label; } Span;

/* One thread's track, built from its buffer at exit. */
typedef struct Track {
    GtThread *b;
    const char *name;
    uint64_t start, end;    /* life (end: exit time for a thread still alive) */
    int alive;
    Span *spans;
    size_t nspans, capspans;
    GtEvent *inst;          /* instants (forced switches, drop requests) */
    size_t ninst, capinst;
    uint64_t acc[GT_NSTATES];
    uint64_t nacq, nforced, ndropreq;
} Track;

/* Everything the writers need. */
typedef struct Trace {
    Track *t;
    int n;
    uint64_t base, end;     /* interpreter start; time of the exit */
    uint64_t cut;           /* the outputs stop here (UINT64_MAX: not truncated) */
    uint64_t dropped;       /* events lost or cut off */
    uint64_t switches;
    int pid;
} Trace;

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
    tr->cut = UINT64_MAX;
    tr->pid = (int)getpid();
    pthread_mutex_lock(&G.mu);
    tr->switches = G.switches;
    pthread_mutex_unlock(&G.mu);
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
        for (int s = 0; s < GT_NSTATES; s++) k->acc[s] = LD(b->acc[s]);
        if (k->alive) {
            uint64_t since = LD(b->since);
            if (since < tr->end) k->acc[LD(b->state)] += tr->end - since;
        }
        k->nacq = LD(b->nacq);
        k->nforced = LD(b->nforced);
        k->ndropreq = LD(b->ndropreq);
        uint64_t tn = LD(b->trunc_ns);
        if (tn && tn < tr->cut) tr->cut = tn;
        tr->dropped += LD(b->dropped);
    }
    tr->n = n;
    for (i = 0; i < n; i++) build_track(tr, &tr->t[i]);
}

static void trace_free(Trace *tr) {
    for (int i = 0; i < tr->n; i++) { free(tr->t[i].spans); free(tr->t[i].inst); }
    free(tr->t);
}

/* ---- text helpers ---- */

/* Decodes one UTF-8 character of s (length in *len); -1 if the bytes are not valid UTF-8. */
static int32_t utf8_next(const unsigned char *s, int *len) {
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

/* Writes the characters of s escaped for a JSON string (invalid UTF-8 becomes U+FFFD). */
static void json_chars(FILE *f, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n;
        int32_t cp = utf8_next(p, &n);
        if (cp < 0) fputs("\\ufffd", f);
        else if (cp == '"' || cp == '\\') { fputc('\\', f); fputc((int)cp, f); }
        else if (cp < 0x20) fprintf(f, "\\u%04x", (unsigned)cp);
        else fwrite(p, 1, (size_t)n, f);
        p += n;
    }
}

/* Writes s as a JSON string. */
static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    json_chars(f, s);
    fputc('"', f);
}

/* Characters in a UTF-8 string (invalid bytes count one each). */
static int utf8_count(const char *s) {
    int count = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; count++) {
        int n;
        utf8_next(p, &n);
        p += n;
    }
    return count;
}

/* Writes s as XML text, at most max characters (a longer s is cut, ending in an ellipsis). */
static void xml_str(FILE *f, const char *s, int max) {
    int keep = utf8_count(s) > max ? max - 1 : max, count = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; count++) {
        if (count == keep) { fputs("\xe2\x80\xa6", f); return; }
        int n;
        int32_t cp = utf8_next(p, &n);
        if (cp < 0) fputs("\xef\xbf\xbd", f);
        else if (cp == '&') fputs("&amp;", f);
        else if (cp == '<') fputs("&lt;", f);
        else if (cp == '>') fputs("&gt;", f);
        else if (cp == '"') fputs("&quot;", f);
        else if (cp == '\'') fputs("&apos;", f);
        else if (cp < 0x20) fputc(' ', f);
        else fwrite(p, 1, (size_t)n, f);
        p += n;
    }
}

/* Microseconds with three decimals: exact nanoseconds. */
static void put_us(FILE *f, uint64_t ns) {
    fprintf(f, "%llu.%03llu", (unsigned long long)(ns / 1000), (unsigned long long)(ns % 1000));
}

/* A duration for people: "12.3 ms", "850 us", "1.25 s". */
static void fmt_dur(char *out, size_t n, uint64_t ns) {
    if (ns >= 1000000000u) snprintf(out, n, "%.3g s", ns / 1e9);
    else if (ns >= 1000000u) snprintf(out, n, "%.3g ms", ns / 1e6);
    else if (ns >= 1000u) snprintf(out, n, "%.3g \xc2\xb5s", ns / 1e3);
    else snprintf(out, n, "%llu ns", (unsigned long long)ns);
}

/* The switch interval as text. */
static void fmt_interval(char *out, size_t n) {
    if (G.interval_instr) snprintf(out, n, "%lld instructions", (long long)G.interval_instr);
    else fmt_dur(out, n, (uint64_t)G.interval_ns);
}

static const char *const state_names[GT_NSTATES] = { "waiting", "running", "blocked", "untraced" };

/* The label's text: the library function if any, else the call. */
static const char *label_text(const Track *k, uint32_t label) {
    if (label >= k->b->nlabels) return "?";
    GtLabel *l = &k->b->labels[label];
    return l->api ? l->api : l->what;
}

/* The track of a tid, or NULL. */
static const Track *track_of(const Trace *tr, uint32_t tid) {
    for (int i = 0; i < tr->n; i++) if (tr->t[i].b->tid == tid) return &tr->t[i];
    return NULL;
}

/* ---- the JSON trace ---- */

static void json_head(FILE *f, const Trace *tr, uint32_t tid, const char *ph) {
    fprintf(f, ",\n{\"ph\":\"%s\",\"pid\":%d,\"tid\":%u", ph, tr->pid, tid);
}

/* Appends the decimal digits of v at p; returns the end (spans are written without
 * printf: a trace has up to millions of them). */
static char *put_u64(char *p, uint64_t v) {
    char tmp[24];
    int n = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

/* Appends nanoseconds as microseconds with three decimals. */
static char *put_us_at(char *p, uint64_t ns) {
    p = put_u64(p, ns / 1000);
    unsigned r = (unsigned)(ns % 1000);
    *p++ = '.';
    *p++ = (char)('0' + r / 100);
    *p++ = (char)('0' + r / 10 % 10);
    *p++ = (char)('0' + r % 10);
    return p;
}

/* Appends a C string. */
static char *put_str(char *p, const char *s) {
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

static void write_json(FILE *f, const Trace *tr) {
    char iv[64];
    fmt_interval(iv, sizeof iv);
    fprintf(f, "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"producer\":\"tiny --gil-trace\",\"program\":");
    json_str(f, GT.program ? GT.program : "");
    fprintf(f, ",\"policy\":\"%s\",\"interval\":\"%s\",\"switches\":%llu,\"events_dropped\":%llu},\n",
            gil_policy_name(), iv, (unsigned long long)tr->switches, (unsigned long long)tr->dropped);
    fprintf(f, "\"traceEvents\":[\n{\"ph\":\"M\",\"pid\":%d,\"tid\":0,\"name\":\"process_name\",\"args\":{\"name\":",
            tr->pid);
    char pname[512];
    snprintf(pname, sizeof pname, "tiny %s", GT.program ? GT.program : "");
    json_str(f, pname);
    fputs("}}", f);
    for (int i = 0; i < tr->n; i++) {
        const Track *k = &tr->t[i];
        uint32_t tid = k->b->tid;
        json_head(f, tr, tid, "M");
        fputs(",\"name\":\"thread_name\",\"args\":{\"name\":", f);
        json_str(f, k->name);
        fputs("}}", f);
        json_head(f, tr, tid, "M");
        fprintf(f, ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%u}}", tid);
        json_head(f, tr, tid, "i");
        fputs(",\"s\":\"t\",\"ts\":", f);
        put_us(f, k->start - tr->base);
        fputs(",\"name\":\"thread start\"}", f);
        char head[96], line[192];
        snprintf(head, sizeof head, ",\n{\"ph\":\"X\",\"pid\":%d,\"tid\":%u,\"ts\":", tr->pid, tid);
        for (size_t j = 0; j < k->nspans; j++) {
            const Span *s = &k->spans[j];
            char *p = put_us_at(put_str(line, head), s->t0 - tr->base);
            p = put_us_at(put_str(p, ",\"dur\":"), s->t1 - s->t0);
            if (s->state == GT_BLOCKED) {
                fwrite(line, 1, (size_t)(p - line), f);
                fputs(",\"name\":\"blocked: ", f);
                json_chars(f, label_text(k, s->label));
                fputs("\",\"args\":{\"call\":", f);
                json_str(f, s->label < k->b->nlabels ? k->b->labels[s->label].what : "?");
                fputs("}}", f);
            } else {
                p = put_str(put_str(put_str(p, ",\"name\":\""), state_names[s->state]), "\"}");
                fwrite(line, 1, (size_t)(p - line), f);
            }
        }
        snprintf(head, sizeof head, ",\n{\"ph\":\"i\",\"pid\":%d,\"tid\":%u,\"s\":\"t\",\"ts\":", tr->pid, tid);
        for (size_t j = 0; j < k->ninst; j++) {
            const GtEvent *e = &k->inst[j];
            char *p = put_us_at(put_str(line, head), e->t - tr->base);
            fwrite(line, 1, (size_t)(p - line), f);
            if (e->kind == GT_FORCED) {
                fputs(",\"name\":\"forced switch\"}", f);
            } else {
                const Track *h = track_of(tr, e->arg);
                fputs(",\"name\":\"drop request\",\"args\":{\"holder\":", f);
                json_str(f, h ? h->name : "?");
                fputs("}}", f);
            }
        }
        json_head(f, tr, tid, "i");
        fputs(",\"s\":\"t\",\"ts\":", f);
        put_us(f, k->end - tr->base);
        fprintf(f, ",\"name\":\"thread end\"%s}", k->alive ? ",\"args\":{\"alive_at_exit\":true}" : "");
    }
    if (tr->cut != UINT64_MAX) {
        json_head(f, tr, 0, "i");
        fputs(",\"s\":\"g\",\"ts\":", f);
        put_us(f, tr->cut - tr->base);
        fprintf(f, ",\"name\":\"trace truncated: %llu events dropped\",\"args\":{\"limit\":%lld}}",
                (unsigned long long)tr->dropped, (long long)GT.limit);
    }
    fputs("\n]}\n", f);
}

/* ---- the SVG timeline ---- */

#define SVG_W 1200        /* width of the drawing */
#define ROW_H 24          /* height of a thread's row */
#define BAR_H 16          /* height of its bar */
#define MIN_PX 1.0        /* spans narrower than this are merged */
#define GROUP_PX 2.0      /* merged spans are drawn in groups this wide */
#define TOP 96            /* y of the first row */

/* Colours of the states (presentation attributes, not CSS: every renderer knows them). */
static const char *const state_fill[GT_NSTATES] = { "#e8553e", "#2e9e44", "#8fb8de", "#c8c8c8" };
/* The order of the states in a merged group's stack, top down. */
static const int stack_order[GT_NSTATES] = { GT_RUNNING, GT_WAITING, GT_BLOCKED, GT_UNTRACED };

/* A segment to draw: one span, or a group of short spans merged, drawn faded as a stack
 * whose heights are the shares of time in each state. Adjacent segments that look the
 * same become one. */
typedef struct Seg {
    double x0, x1;
    uint64_t t0, t1;
    int state, merged;
    uint64_t nspans;
    uint64_t tin[GT_NSTATES];   /* time in each state */
    uint32_t label;             /* a single blocked span's label (UINT32_MAX: several) */
    int h[GT_NSTATES];          /* a merged group: pixels of the bar per state */
} Seg;

/* What drawing one row needs. */
typedef struct Row {
    FILE *f;
    const Trace *tr;
    const Track *k;
    double px0, scale, y;
    Seg g, c;                   /* the group being merged; the segment being drawn */
    int have_g, have_c;
    uint64_t merged;            /* spans merged so far (all rows) */
} Row;

static double xt(const Row *r, uint64_t t) { return r->px0 + (double)(t - r->tr->base) * r->scale; }

/* Draws the current segment. */
static void draw_cur(Row *r) {
    if (!r->have_c) return;
    Seg *s = &r->c;
    char d[32], at[32];
    fmt_dur(d, sizeof d, s->t1 - s->t0);
    fmt_dur(at, sizeof at, s->t0 - r->tr->base);
    double w = s->x1 - s->x0, y = r->y + (ROW_H - BAR_H) / 2.0;
    if (w < 0.05) w = 0.05;
    r->have_c = 0;
    if (!s->merged) {
        fprintf(r->f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"%s\"><title>", s->x0, y, w,
                BAR_H, state_fill[s->state]);
        if (s->state == GT_BLOCKED && s->label != UINT32_MAX) {
            fputs("blocked: ", r->f);
            xml_str(r->f, label_text(r->k, s->label), 80);
        } else {
            fputs(state_names[s->state], r->f);
        }
        fprintf(r->f, ", %s at %s</title></rect>\n", d, at);
        return;
    }
    fprintf(r->f, "<g fill-opacity=\"0.6\"><title>%llu short spans, %s at %s:", (unsigned long long)s->nspans, d, at);
    uint64_t tot = s->t1 - s->t0 ? s->t1 - s->t0 : 1;
    const char *sep = " ";
    for (int j = 0; j < GT_NSTATES; j++) {
        int st = stack_order[j];
        if (!s->tin[st]) continue;
        fprintf(r->f, "%s%s %.0f%%", sep, state_names[st], 100.0 * (double)s->tin[st] / (double)tot);
        sep = ", ";
    }
    fputs("</title>", r->f);
    for (int j = 0; j < GT_NSTATES; j++) {
        int st = stack_order[j];
        if (!s->h[st]) continue;
        fprintf(r->f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"%s\"/>", s->x0, y, w, s->h[st],
                state_fill[st]);
        y += s->h[st];
    }
    fputs("</g>\n", r->f);
}

/* Whether two segments look the same (one state, or the same stack). */
static bool same_look(const Seg *a, const Seg *b) {
    if (a->merged != b->merged) return false;
    if (!a->merged) return a->state == b->state;
    return memcmp(a->h, b->h, sizeof a->h) == 0;
}

/* Adds a segment, joining it to the current one when they look the same. */
static void put_seg(Row *r, const Seg *s) {
    Seg *c = &r->c;
    if (r->have_c && same_look(c, s) && s->x0 - c->x1 < 0.01) {
        c->x1 = s->x1;
        c->t1 = s->t1;
        c->nspans += s->nspans;
        for (int i = 0; i < GT_NSTATES; i++) c->tin[i] += s->tin[i];
        if (c->label != s->label) c->label = UINT32_MAX;
        return;
    }
    draw_cur(r);
    *c = *s;
    r->have_c = 1;
}

/* Shares the bar's height among the states by their time (largest remainders). */
static void stack_heights(Seg *g) {
    uint64_t tot = 0;
    for (int i = 0; i < GT_NSTATES; i++) tot += g->tin[i];
    if (!tot) tot = 1;
    double rem[GT_NSTATES];
    int left = BAR_H;
    for (int i = 0; i < GT_NSTATES; i++) {
        double exact = (double)g->tin[i] * BAR_H / (double)tot;
        g->h[i] = (int)exact;
        rem[i] = exact - g->h[i];
        left -= g->h[i];
    }
    while (left-- > 0) {
        int best = 0;
        for (int i = 1; i < GT_NSTATES; i++) if (rem[i] > rem[best]) best = i;
        g->h[best]++;
        rem[best] = -1;
    }
}

/* Ends the group of short spans: one span stays itself; several are merged. */
static void flush_group(Row *r) {
    if (!r->have_g) return;
    Seg *g = &r->g;
    if (g->nspans > 1) {
        g->merged = 1;
        stack_heights(g);
        r->merged += g->nspans;
    }
    put_seg(r, g);
    r->have_g = 0;
}

/* Draws one thread's row of spans. */
static void draw_row(Row *r) {
    const Track *k = r->k;
    for (size_t i = 0; i < k->nspans; i++) {
        const Span *sp = &k->spans[i];
        Seg s = { xt(r, sp->t0), xt(r, sp->t1), sp->t0, sp->t1, (int)sp->state, 0, 1, { 0 }, sp->label, { 0 } };
        s.tin[sp->state] = sp->t1 - sp->t0;
        if (s.x1 - s.x0 >= MIN_PX) {
            flush_group(r);
            put_seg(r, &s);
            continue;
        }
        if (!r->have_g) {
            r->g = s;
            r->have_g = 1;
        } else {
            Seg *g = &r->g;
            g->x1 = s.x1;
            g->t1 = s.t1;
            g->nspans++;
            g->tin[s.state] += s.tin[s.state];
            if (g->label != s.label || g->state != s.state) g->label = UINT32_MAX;
        }
        if (r->g.x1 - r->g.x0 >= GROUP_PX) flush_group(r);
    }
    flush_group(r);
    draw_cur(r);
}

/* A round step for about ten ticks over span nanoseconds. */
static double tick_step(double span) {
    double raw = span / 10, mag = pow(10, floor(log10(raw))), m = raw / mag;
    return mag * (m < 2 ? 1 : m < 5 ? 2 : 5);
}

/* Percentage of part in whole. */
static double pct(uint64_t part, uint64_t whole) { return whole ? 100.0 * (double)part / (double)whole : 0.0; }

static void write_svg(FILE *f, const Trace *tr) {
    int maxc = 8;
    for (int i = 0; i < tr->n; i++) {
        int c = utf8_count(tr->t[i].name);
        if (c > maxc) maxc = c;
    }
    if (maxc > 40) maxc = 40;
    double label_w = 7.0 * maxc + 24;
    double px0 = label_w + 8, pw = SVG_W - px0 - 24;
    uint64_t total = tr->end > tr->base ? tr->end - tr->base : 1;
    double scale = pw / (double)total;
    int rows_end = TOP + tr->n * ROW_H;
    int legend_y = rows_end + 28;
    int sum_y = legend_y + 40;
    int height = sum_y + 18 * tr->n + 26 + (tr->cut != UINT64_MAX ? 18 : 0) + 14;
    char iv[64], tot[32];
    fmt_interval(iv, sizeof iv);
    fmt_dur(tot, sizeof tot, total);

    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
            SVG_W, height, SVG_W, height);
    fputs("<title>GIL timeline of ", f);
    xml_str(f, GT.program ? GT.program : "", 200);
    fputs("</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n", f);
    fputs("<text x=\"16\" y=\"26\" font-size=\"16\" font-weight=\"bold\">GIL timeline of ", f);
    xml_str(f, GT.program ? GT.program : "", 100);
    fputs("</text>\n", f);
    fprintf(f, "<text x=\"16\" y=\"46\" fill=\"#555\">policy %s, switch interval %s, %d thread%s, %s; "
               "made by tiny --gil-timeline</text>\n",
            gil_policy_name(), iv, tr->n, tr->n == 1 ? "" : "s", tot);

    /* time axis: grid lines and labels */
    double step = tick_step((double)total);
    double unit = total >= 2000000000u ? 1e9 : total >= 2000000u ? 1e6 : total >= 2000u ? 1e3 : 1;
    const char *uname = unit == 1e9 ? "s" : unit == 1e6 ? "ms" : unit == 1e3 ? "\xc2\xb5s" : "ns";
    for (int i = 0; i * step <= (double)total + 0.5; i++) {
        double x = px0 + i * step * scale;
        fprintf(f, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#ddd\"/>", x, TOP - 4, x, rows_end + 4);
        fprintf(f, "<text x=\"%.2f\" y=\"%d\" fill=\"#555\" font-size=\"11\" text-anchor=\"middle\">%g %s</text>\n", x, TOP - 10,
                i * step / unit, uname);
    }

    /* rows */
    Row r = { 0 };
    r.f = f;
    r.tr = tr;
    r.px0 = px0;
    r.scale = scale;
    for (int i = 0; i < tr->n; i++) {
        const Track *k = &tr->t[i];
        r.k = k;
        r.y = TOP + i * ROW_H;
        if (i % 2) fprintf(f, "<rect x=\"0\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"#f6f6f6\"/>\n", r.y, SVG_W, ROW_H);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", label_w, r.y + ROW_H / 2.0 + 4);
        xml_str(f, k->name, 40);
        fputs("<title>", f);
        xml_str(f, k->name, 1000);
        fputs("</title></text>\n", f);
        draw_row(&r);
    }

    /* legend */
    static const char *const legend[GT_NSTATES] = {
        "waiting (for the GIL)", "running (holds the GIL)", "blocked (sleep, lock, join, queue, I/O...)",
        "untraced (after the cap)" };
    static const int order[GT_NSTATES] = { GT_RUNNING, GT_WAITING, GT_BLOCKED, GT_UNTRACED };
    double lx = 16;
    for (int j = 0; j < GT_NSTATES; j++) {
        int s = order[j];
        if (s == GT_UNTRACED && tr->cut == UINT64_MAX) continue;
        fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>"
                   "<text x=\"%.1f\" y=\"%d\">%s</text>\n",
                lx, legend_y - 11, state_fill[s], lx + 20, legend_y, legend[s]);
        lx += 20 + 7.0 * (double)strlen(legend[s]) + 24;
    }
    if (r.merged) {
        fprintf(f, "<g fill-opacity=\"0.6\"><rect x=\"16\" y=\"%d\" width=\"14\" height=\"5\" fill=\"%s\"/>"
                   "<rect x=\"16\" y=\"%d\" width=\"14\" height=\"9\" fill=\"%s\"/></g>",
                legend_y + 9, state_fill[GT_RUNNING], legend_y + 14, state_fill[GT_WAITING]);
        fprintf(f, "<text x=\"36\" y=\"%d\">faded stacks: %llu short spans merged (narrower than %g px); "
                   "the heights are the shares of time in each state</text>\n",
                legend_y + 20, (unsigned long long)r.merged, MIN_PX);
    }

    /* summary */
    int y = sum_y;
    static const double colx[] = { 0, 80, 160, 240, 330, 460, 580 };
    static const char *const head[] = { "held GIL", "waited", "blocked", "acquired", "forced switches",
                                        "drop requests" };
    double nx = 16 + label_w;
    fprintf(f, "<text x=\"16\" y=\"%d\" font-weight=\"bold\">thread</text>", y);
    for (int j = 0; j < 6; j++)
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-weight=\"bold\" text-anchor=\"end\">%s</text>", nx + colx[j + 1],
                y, head[j]);
    fputc('\n', f);
    uint64_t forced = 0, dropreq = 0;
    for (int i = 0; i < tr->n; i++) {
        const Track *k = &tr->t[i];
        uint64_t life = k->end - k->start;
        y += 18;
        fprintf(f, "<text x=\"16\" y=\"%d\">", y);
        xml_str(f, k->name, 40);
        fputs("</text>", f);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%.1f%%</text>", nx + colx[1], y, pct(k->acc[GT_RUNNING], life));
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%.1f%%</text>", nx + colx[2], y, pct(k->acc[GT_WAITING], life));
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%.1f%%</text>", nx + colx[3], y, pct(k->acc[GT_BLOCKED], life));
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%llu</text>", nx + colx[4], y, (unsigned long long)k->nacq);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%llu</text>", nx + colx[5], y, (unsigned long long)k->nforced);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%llu</text>\n", nx + colx[6], y, (unsigned long long)k->ndropreq);
        forced += k->nforced;
        dropreq += k->ndropreq;
    }
    y += 26;
    fprintf(f, "<text x=\"16\" y=\"%d\">GIL switches: %llu in %s (%llu forced, %llu drop requests); "
               "shares are of each thread's life</text>\n",
            y, (unsigned long long)tr->switches, tot, (unsigned long long)forced, (unsigned long long)dropreq);
    if (tr->cut != UINT64_MAX) {
        char at[32];
        fmt_dur(at, sizeof at, tr->cut - tr->base);
        y += 18;
        fprintf(f, "<text x=\"16\" y=\"%d\" fill=\"#b00\">trace truncated at %s: %llu events dropped (cap %lld "
                   "events, TINY_GIL_TRACE_LIMIT); the summary still counts the whole run</text>\n",
                y, at, (unsigned long long)tr->dropped, (long long)GT.limit);
    }
    fputs("</svg>\n", f);
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
        write_json(GT.json, &tr);
        close_checked(&GT.json, GT.json_path);
    }
    if (GT.svg) {
        write_svg(GT.svg, &tr);
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
