/* mp.h — the _tinymp module (stdlib/mp.c), the foundation of multiprocessing, and the
 * helpers for waiting that its parts share. The parts: mp_pickle.c (dumps/loads),
 * mp_shm.c (SharedMemory), mp_sem.c (SemLock), mp_conn.c (fds and sockets). */
#ifndef TINY_MP_H
#define TINY_MP_H

#include "module.h"
#include <stdint.h>

/* The _tinymp module. */
extern const NativeModule mp_module_def;

/* Longest uninterrupted wait with the GIL released: signals are looked at in between. */
#define MP_WAIT_SLICE_NS ((uint64_t)50 * 1000000)

/* Runs pending signal handlers (and KeyboardInterrupt) between two slices of a wait;
 * -1 with an exception. */
int mp_wait_check_signals(ThreadState *ts);
/* Parses a timeout: None/absent -> -1 (forever), else seconds (negative -> 0). */
int mp_timeout_arg(ThreadState *ts, Value v, double *out);
/* The deadline (monotonic ns) of a timeout in seconds; 0 for forever (timeout < 0). */
uint64_t mp_deadline_of(double timeout);
/* The length of the next slice of a wait (ns) given its deadline (0: forever); 0 when
 * the deadline has passed. */
uint64_t mp_slice_ns(uint64_t deadline);

#endif
