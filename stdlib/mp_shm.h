/* mp_shm.h — _tinymp.SharedMemory (stdlib/mp_shm.c): bytes shared with forked children. */
#ifndef TINY_MP_SHM_H
#define TINY_MP_SHM_H

#include "object.h"

/* The SharedMemory type. */
extern Type T_SharedMemory;

#endif
