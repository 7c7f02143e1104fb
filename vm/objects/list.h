/* list.h — lists. */
#ifndef TINY_LIST_H
#define TINY_LIST_H

#include "object.h"

/* An empty list with room for cap items. */
Obj *list_new(int64_t cap);
/* A list copying n values (each incref'd). */
Obj *list_from_array(const Value *items, int64_t n);
/* Appends v (incref'd). */
void list_append(Obj *l, Value v);
/* Appends v, stealing the reference. */
void list_append_steal(Obj *l, Value v);
/* Extends a list with any iterable; -1 on error. */
int list_extend(ThreadState *ts, Obj *l, Value iterable);
/* Sorts in place (stable), with an optional key function and reverse; -1 on error. */
int list_sort(ThreadState *ts, Obj *l, Value key, bool reverse);

#endif
