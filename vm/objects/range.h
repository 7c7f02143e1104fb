/* range.h — range and slice objects. */
#ifndef TINY_RANGE_H
#define TINY_RANGE_H

#include "object.h"

/* A new range (step != 0). */
Obj *range_new(int64_t start, int64_t stop, int64_t step);
/* A new slice of the three values (incref'd; None where absent). */
Obj *slice_new(Value start, Value stop, Value step);
/* A slice's raw start, stop and step (calling __index__; defaults per the step's sign). */
int slice_unpack(ThreadState *ts, Obj *slice, int64_t *start, int64_t *stop, int64_t *step);
/* Clips unpacked bounds to a length; returns the slice length. A mutable sequence adjusts
 * after unpacking, since __index__ may have changed its length. */
int64_t slice_adjust(int64_t length, int64_t *start, int64_t *stop, int64_t step);
/* Resolves a slice against a sequence length (CPython's PySlice_GetIndicesEx); -1 on error. */
int slice_indices(ThreadState *ts, Obj *slice, int64_t length,
                  int64_t *start, int64_t *stop, int64_t *step, int64_t *slicelength);
/* The range iterator (the eval loop reads it directly in FOR_ITER). */
typedef struct RangeIter { Obj hdr; int64_t next, step, remaining; } RangeIter;

#endif
