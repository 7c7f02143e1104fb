/* set.h — sets and frozensets. */
#ifndef TINY_SET_H
#define TINY_SET_H

#include "object.h"

/* A new empty set. */
Obj *set_new(void);
/* Adds v; -1 on error (unhashable). */
int set_add(ThreadState *ts, Obj *s, Value v);
/* 1 present, 0 absent, -1 error. */
int set_contains(ThreadState *ts, Obj *s, Value v);
/* 1 removed, 0 absent, -1 error. */
int set_discard(ThreadState *ts, Obj *s, Value v);
/* Iterates: start with *pos = 0; returns false at the end. key borrowed. */
bool set_next(Obj *s, int64_t *pos, Value *key);
/* Adds every item of an iterable; -1 on error. */
int set_update(ThreadState *ts, Obj *s, Value iterable);

#endif
