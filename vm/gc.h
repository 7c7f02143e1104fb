/* gc.h — the cycle collector: trial deletion over the list of container objects. */
#ifndef TINY_GC_H
#define TINY_GC_H

#include "object.h"

/* Links a new container into the GC list (obj_alloc does this for TF_GC types). */
void gc_track(Obj *o);
/* Unlinks a container (obj_free does this). */
void gc_untrack(Obj *o);
/* Frees unreachable cycles; returns how many objects were freed. */
int64_t gc_collect(ThreadState *ts);
/* Called on each container allocation: collects when the threshold is passed. */
void gc_maybe_collect(ThreadState *ts);
/* Prints "tiny: N objects leaked" and a count per type of tracked survivors (if any leaked). */
void gc_report_leaks(FILE *out);

#endif
