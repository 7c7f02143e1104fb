/* mp_pickle.h — tiny's pickle (stdlib/mp_pickle.c): _tinymp.dumps and _tinymp.loads. */
#ifndef TINY_MP_PICKLE_H
#define TINY_MP_PICKLE_H

#include "object.h"

/* dumps(obj) -> bytes. */
Value mp_dumps(ThreadState *ts, Value *args, int nargs, Obj *kwnames);
/* loads(data) -> obj. */
Value mp_loads(ThreadState *ts, Value *args, int nargs, Obj *kwnames);
/* Adds PickleError, PicklingError and UnpicklingError to module m; -1 on error. */
int mp_pickle_init(ThreadState *ts, Obj *m);

#endif
