/* gtrace.h — the GIL timeline: --gil-trace (a Chrome Trace Event file) and
 * --gil-timeline (an SVG drawing). The design is described at the top of vm/gil/gtrace.c. */
#ifndef TINY_GTRACE_H
#define TINY_GTRACE_H

#include "gil/gil.h"
#include <stdint.h>
#include <stdio.h>

struct ThreadState;

/* A thread's states (the spans of its track: the GIL's states, gil.h); GT_UNTRACED only
 * appears in the output. */
enum { GT_WAITING = GIL_WAITING, GT_RUNNING = GIL_RUNNING, GT_BLOCKED = GIL_BLOCKED, GT_UNTRACED, GT_NSTATES };
/* Instants: a switch forced on the holder (arg 0), a drop request made by a waiter (arg: the holder's tid). */
enum { GT_FORCED = 8, GT_DROPREQ };

/* One recorded event: a change of state or an instant, at t (monotonic nanoseconds). */
typedef struct GtEvent { uint64_t t; uint32_t kind, arg; } GtEvent;

/* A block of events; blocks are never moved, so events can be read while more are added. */
typedef struct GtChunk { struct GtChunk *next; uint32_t cap; GtEvent ev[]; } GtChunk;

/* A blocked state's label: the blocking call, and the library function it serves (or NULL). */
typedef struct GtLabel { char *what, *api; } GtLabel;

/* One thread's buffer, written only by its thread (no lock); read at exit. */
typedef struct GtThread {
    struct GtThread *next;     /* every buffer, newest first (changed with the GIL held) */
    struct ThreadState *ts;    /* the thread while it lives (for its name), then NULL */
    uint32_t tid;              /* track number: 1 for the main thread, then in start order */
    int discarded;             /* the thread never ran (its start failed) */
    char *name;                /* the thread's name, copied when it ends */
    uint64_t start_ns, end_ns; /* its life (end_ns 0 while alive) */
    GtChunk *head, *tail;
    uint32_t used;             /* events in the tail block */
    int full;                  /* the cap was hit: records nothing more */
    uint64_t nev;              /* events published (release store: read while the thread runs) */
    uint64_t dropped;          /* events lost to the cap */
    uint64_t trunc_ns;         /* time of its first lost event (0: none) */
    int state;                 /* current state (a change to the same state is not recorded) */
    GilStats st;               /* the thread's statistics when it ended (while alive: ts's own) */
    GtLabel *labels;           /* labels of its blocked states (arg of GT_BLOCKED) */
    uint32_t nlabels, caplabels, lastlabel;
} GtThread;

/* Interpreter-wide tracing state (the_interp.gtrace). */
typedef struct GtState {
    FILE *json, *svg;          /* the outputs asked for (NULL: not asked for) */
    char *json_path, *svg_path;
    char *program;             /* the program's name, for titles */
    int on;                    /* recording: new threads get a buffer */
    int64_t limit;             /* the cap on events */
    int64_t budget;            /* events left to hand out (atomic) */
    uint32_t ntids;            /* tids given so far */
    GtThread *threads;         /* every buffer, newest first (GIL held) */
} GtState;

/* Opens an output at start-up (kind 'j': the JSON trace, 's': the SVG timeline);
 * -1 with errno set when the file cannot be written. */
int gtrace_open(int kind, const char *path);
/* Sets the cap on recorded events from text (TINY_GIL_TRACE_LIMIT); -1 if it is not a number > 0. */
int gtrace_set_limit(const char *text);
/* Names the program in the outputs' titles. */
void gtrace_set_program(const char *name);
/* Whether an output is open and the trace still recording. */
int gtrace_on(void);
/* A new thread's buffer, alive from start_ns and waiting for the GIL (GIL held or at start-up); NULL when off. */
GtThread *gtrace_thread_new(struct ThreadState *ts, uint64_t start_ns);
/* The thread ends (its own thread, GIL held, its statistics closed at their end_ns): the
 * buffer keeps its name and statistics and leaves ts. */
void gtrace_thread_end(struct ThreadState *ts);
/* The thread never ran: its buffer is left out of the outputs. */
void gtrace_thread_discard(GtThread *b);
/* Records a change of state or an instant at t; called by the buffer's thread only. */
void gtrace_record(GtThread *b, uint64_t t, int kind, uint32_t arg);
/* The label number of a blocked state (the buffer's thread, GIL held). */
uint32_t gtrace_label(GtThread *b, const char *what, const char *api);
/* Writes the outputs (the caller holds the GIL and is running); later calls do nothing. */
void gtrace_finish(struct ThreadState *ts);
/* In a child after fork: tracing off, buffers freed, files closed without a write. */
void gtrace_after_fork_child(struct ThreadState *ts);

#endif
