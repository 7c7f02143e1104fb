/* mp_sem.h — _tinymp.SemLock (stdlib/mp_sem.c): process-shared semaphores. */
#ifndef TINY_MP_SEM_H
#define TINY_MP_SEM_H

#include "object.h"

/* The kinds of SemLock (the module's SEMAPHORE and RECURSIVE_MUTEX). */
enum { SEM_KIND_SEMAPHORE = 0, SEM_KIND_RECURSIVE_MUTEX = 1 };

/* The SemLock type. */
extern Type T_SemLock;

#endif
