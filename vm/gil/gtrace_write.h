/* gtrace_write.h — what the GIL timeline's recorder (vm/gil/gtrace.c) hands its writers
 * (vm/gil/gtrace_json.c, vm/gil/gtrace_svg.c): every thread's track of spans and
 * instants, merged at exit, and the text helpers both use. Only those files include it. */
#ifndef TINY_GTRACE_WRITE_H
#define TINY_GTRACE_WRITE_H

#include "gil/gil_internal.h"
#include <stdio.h>

/* The tracing state. */
#define GT (the_interp.gtrace)

/* Relaxed atomic access to fields a running thread writes and the exit code reads. */
#define LD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define ST(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* A span of one state, [t0, t1), with its label (GT_BLOCKED). */
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

/* Decodes one UTF-8 character of s (length in *len); -1 if the bytes are not valid UTF-8. */
int32_t gtrace_utf8_next(const unsigned char *s, int *len);
/* A duration for people: "12.3 ms", "850 us", "1.25 s". */
void gtrace_fmt_dur(char *out, size_t n, uint64_t ns);
/* The switch interval as text. */
void gtrace_fmt_interval(char *out, size_t n);
/* The states' names. */
extern const char *const gtrace_state_names[GT_NSTATES];
/* A blocked span's label text: the library function if any, else the call. */
const char *gtrace_label_text(const Track *k, uint32_t label);
/* The track of a tid, or NULL. */
const Track *gtrace_track_of(const Trace *tr, uint32_t tid);

/* Writes the Chrome Trace Event file (vm/gil/gtrace_json.c). */
void gtrace_write_json(FILE *f, const Trace *tr);
/* Draws the SVG timeline (vm/gil/gtrace_svg.c). */
void gtrace_write_svg(FILE *f, const Trace *tr);

#endif
