/* gc.h — the cycle collector: trial deletion over three generations of container objects,
 * collected automatically as in CPython (thresholds 700, 10, 10) at the eval loop's safe
 * points. */
#ifndef TINY_GC_H
#define TINY_GC_H

#include "object.h"

/* Eval breaker bit set when a collection is due (vm_handle_breaker runs it). */
#define GC_BREAKER_BIT 2

/* Sets up the generations (empty lists, CPython's thresholds, enabled). */
void gc_init(void);
/* Links a new container into generation 0 (obj_alloc does this for TF_GC types); past the
 * threshold it asks the GIL holder's eval loop to collect at its next safe point. */
void gc_track(Obj *o);
/* Unlinks a container (obj_free does this). */
void gc_untrack(Obj *o);
/* Recomputes the allocation count that triggers a collection (after enable/thresholds). */
void gc_update_trigger(void);
/* Collects generation gen (0..2) and the younger ones; returns how many unreachable objects
 * were found, or -1 when a collection is already running. */
int64_t gc_collect_generation(ThreadState *ts, int gen);
/* Full collection (all generations); returns how many objects were freed. */
int64_t gc_collect(ThreadState *ts);
/* Whether an automatic collection is due (checked at the eval loop's safe points). */
bool gc_due(void);
/* Runs the automatic collection of the oldest generation past its threshold (if due). */
void gc_maybe_collect(ThreadState *ts);
/* Prints "tiny: N objects leaked" and a count per type of tracked survivors (if any leaked). */
void gc_report_leaks(FILE *out);

#endif
