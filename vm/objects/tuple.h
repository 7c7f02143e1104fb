/* tuple.h — tuples. */
#ifndef TINY_TUPLE_H
#define TINY_TUPLE_H

#include "object.h"

/* A tuple of n items, all V_NULL: fill items[] by stealing references. */
Obj *tuple_new(int64_t n);
/* A tuple of n values (each incref'd). */
Obj *tuple_pack(int64_t n, ...);
/* A tuple copying n values (each incref'd). */
Obj *tuple_from_array(const Value *items, int64_t n);
/* The empty tuple (immortal; no decref needed). */
Obj *tuple_empty(void);

#endif
