/* mp_sem.c — _tinymp.SemLock, process-shared semaphores (see mp.h for the module).
 *
 * - `SemLock(kind, value, maxvalue)`: a process-shared semaphore living in its own shared mapping (sem_init with pshared=1). kind 0 = counting semaphore (maxvalue enforced by release: ValueError "semaphore or lock released too many times"), kind 1 = recursive mutex (owner = (pid, thread ident), count; release by a non-owner: AssertionError "attempt to release recursive lock not owned by thread"). Methods: `acquire(block=True, timeout=None) -> bool` (waits with the GIL released, in slices so Ctrl-C is noticed), `release()`, `_count()` (recursion count of the calling thread), `_is_mine()`, `_get_value()`, `__enter__`/`__exit__`, `_after_fork()` (no-op hook).
 *
 * SemLock. The semaphore (sem_t, pshared) lives in its own MAP_SHARED anonymous mapping,
 * inherited by forked children. The owner and recursion count are per process (as in
 * CPython): each SemLock remembers the pid they belong to and forgets them when it finds
 * itself in another process (the process is told by the kernel id of the main thread,
 * which a forked child sets afresh: no system call), so _after_fork() has nothing to do.
 *
 * Beyond the contract:
 * - SemLock(kind, value, maxvalue[, name, unlink]) (the last two ignored, as CPython's
 *   signature has them); attributes kind, maxvalue, handle, name (None); _is_zero().
 *   Module constants SEMAPHORE (0), RECURSIVE_MUTEX (1), SEM_VALUE_MAX. */
#define _GNU_SOURCE
#include "mp_sem.h"
#include "mp.h"
#include "builtins.h"
#include "state.h"
#include "gil/gil.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "exc.h"
#include "args.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>
#include <pthread.h>
#include <semaphore.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/types.h>

/* The calling thread's identifier (as _thread.get_ident() gives it). */
static int64_t thread_ident(ThreadState *ts) {
    return ts->ident ? ts->ident : (int64_t)(uintptr_t)pthread_self();
}

typedef struct SemLock {
    Obj hdr;
    sem_t *sem;        /* in its own shared mapping */
    int kind;
    int64_t maxvalue;
    /* per process (reset when the object finds itself in another process) */
    pid_t pid;
    int64_t count;     /* acquisitions held by this process (recursion count for kind 1) */
    int64_t last_tid;  /* thread that acquired last */
} SemLock;
#define SEML(v) ((SemLock *)AS_OBJ(v))

/* An id of the calling process without a system call: the kernel id of the main thread,
 * which interp_after_fork_child sets afresh in a child (there it equals the child's pid). */
static inline pid_t process_stamp(void) {
    ThreadState *m = the_interp.main_ts;
    return m && m->native_id ? (pid_t)m->native_id : getpid();
}

static Value semlock_new(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "kind", "value", "maxvalue", "name", "unlink", NULL };
    Value a[5];
    if (bi_parse_args(ts, "SemLock", args, nargs, kwnames, names, 5, 3, a) < 0) return V_NULL;
    int64_t kind, value, maxvalue;
    if (obj_as_index(ts, a[0], &kind) < 0 || obj_as_index(ts, a[1], &value) < 0 ||
        obj_as_index(ts, a[2], &maxvalue) < 0)
        return V_NULL;
    if (kind != SEM_KIND_SEMAPHORE && kind != SEM_KIND_RECURSIVE_MUTEX)
        return exc_raise(ts, &T_ValueError, "unrecognized kind");
    if (value < 0 || value > SEM_VALUE_MAX) return exc_raise(ts, &T_ValueError, "invalid value");
    if (maxvalue < 1) return exc_raise(ts, &T_ValueError, "invalid maxvalue");
    void *p = mmap(NULL, sizeof(sem_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return exc_raise_errno(ts, errno, NULL);
    if (sem_init((sem_t *)p, 1, (unsigned)value) != 0) {
        int e = errno;
        munmap(p, sizeof(sem_t));
        return exc_raise_errno(ts, e, NULL);
    }
    SemLock *s = (SemLock *)obj_alloc(t, sizeof(SemLock));
    s->sem = p;
    s->kind = (int)kind;
    s->maxvalue = maxvalue;
    s->pid = process_stamp();
    return V_OBJ(s);
}

static void semlock_dealloc(Obj *o) {
    SemLock *s = (SemLock *)o;
    /* no sem_destroy: other processes may still use it; the mapping goes with the last one */
    if (s->sem) munmap(s->sem, sizeof(sem_t));
    s->sem = NULL;
}

/* Forgets the owner and count the object had in the process it was forked from. */
static inline void semlock_here(SemLock *s) {
    pid_t p = process_stamp();
    if (s->pid != p) {
        s->pid = p;
        s->count = 0;
        s->last_tid = 0;
    }
}

static inline bool semlock_mine(SemLock *s, ThreadState *ts) {
    return s->count > 0 && s->last_tid == thread_ident(ts);
}

/* Waits for the semaphore: timeout < 0 forever, 0 only tries. 1 acquired, 0 timed out,
 * -1 with an exception pending. */
static int sem_acquire_gil(ThreadState *ts, sem_t *sem, double timeout) {
    for (;;) {
        if (sem_trywait(sem) == 0) return 1;
        if (errno == EINTR) continue;
        if (errno != EAGAIN) { exc_raise_errno(ts, errno, NULL); return -1; }
        break;
    }
    if (timeout == 0) return 0;
    uint64_t deadline = mp_deadline_of(timeout);
    for (;;) {
        uint64_t slice = mp_slice_ns(deadline);
        if (slice == 0) return 0;
        uint64_t until = gil_now_ns() + slice;
        struct timespec abs = { .tv_sec = (time_t)(until / 1000000000u), .tv_nsec = (long)(until % 1000000000u) };
        gil_blocking_begin(ts, "SemLock.acquire");
        int r = sem_clockwait(sem, CLOCK_MONOTONIC, &abs);
        int e = errno;
        gil_blocking_end(ts);
        if (r == 0) return 1;
        if (e != ETIMEDOUT && e != EINTR) { exc_raise_errno(ts, e, NULL); return -1; }
        if (mp_wait_check_signals(ts) < 0) return -1;
    }
}

/* acquire(block=True, timeout=None) -> bool */
static Value semlock_acquire(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "block", "timeout", NULL };
    Value a[2];
    if (bi_parse_args(ts, "acquire", args + 1, nargs - 1, kwnames, names, 2, 0, a) < 0) return V_NULL;
    SemLock *s = SEML(args[0]);
    int block = 1;
    if (!IS_NULL(a[0]) && (block = obj_truthy(ts, a[0])) < 0) return V_NULL;
    double timeout = -1;
    if (block && mp_timeout_arg(ts, a[1], &timeout) < 0) return V_NULL;
    if (!block) timeout = 0;
    semlock_here(s);
    int64_t me = thread_ident(ts);
    if (s->kind == SEM_KIND_RECURSIVE_MUTEX && semlock_mine(s, ts)) {
        s->count++;
        return V_TRUE;
    }
    int r = sem_acquire_gil(ts, s->sem, timeout);
    if (r < 0) return V_NULL;
    if (r == 0) return V_FALSE;
    semlock_here(s);
    s->count++;
    s->last_tid = me;
    return V_TRUE;
}

static Value semlock_release_common(ThreadState *ts, SemLock *s) {
    semlock_here(s);
    if (s->kind == SEM_KIND_RECURSIVE_MUTEX) {
        if (!semlock_mine(s, ts))
            return exc_raise(ts, &T_AssertionError, "attempt to release recursive lock not owned by thread");
        if (s->count > 1) {
            s->count--;
            return V_NONE;
        }
    } else if (s->maxvalue == 1) {
        /* a lock: released too many times if it can be taken now */
        if (sem_trywait(s->sem) == 0) {
            sem_post(s->sem);
            return exc_raise(ts, &T_ValueError, "semaphore or lock released too many times");
        }
        if (errno != EAGAIN && errno != EINTR) return exc_raise_errno(ts, errno, NULL);
    } else if (s->maxvalue < SEM_VALUE_MAX) {
        int v;
        if (sem_getvalue(s->sem, &v) != 0) return exc_raise_errno(ts, errno, NULL);
        if (v >= s->maxvalue) return exc_raise(ts, &T_ValueError, "semaphore or lock released too many times");
    }
    if (sem_post(s->sem) != 0) {
        if (errno == EOVERFLOW) return exc_raise(ts, &T_ValueError, "semaphore or lock released too many times");
        return exc_raise_errno(ts, errno, NULL);
    }
    s->count--;
    return V_NONE;
}

static Value semlock_release(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "release", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    return semlock_release_common(ts, SEML(args[0]));
}

static Value semlock_enter(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "__enter__", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    return semlock_acquire(ts, args, 1, NULL);
}

static Value semlock_exit(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return semlock_release_common(ts, SEML(args[0]));
}

static Value semlock_count(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "_count", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    SemLock *s = SEML(args[0]);
    semlock_here(s);
    return V_INT(s->count);
}

static Value semlock_is_mine(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "_is_mine", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    SemLock *s = SEML(args[0]);
    semlock_here(s);
    return V_BOOL(semlock_mine(s, ts));
}

static Value semlock_get_value(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "_get_value", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    int v;
    if (sem_getvalue(SEML(args[0])->sem, &v) != 0) return exc_raise_errno(ts, errno, NULL);
    return V_INT(v < 0 ? 0 : v);
}

static Value semlock_is_zero(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "_is_zero", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    int v;
    if (sem_getvalue(SEML(args[0])->sem, &v) != 0) return exc_raise_errno(ts, errno, NULL);
    return V_BOOL(v <= 0);
}

static Value semlock_after_fork(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "_after_fork", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    semlock_here(SEML(args[0]));
    return V_NONE;
}

static Value semlock_getattr(ThreadState *ts, Value self, Obj *name) {
    SemLock *s = SEML(self);
    if (str_eq_cstr(name, "kind")) return V_INT(s->kind);
    if (str_eq_cstr(name, "maxvalue")) return V_INT(s->maxvalue);
    if (str_eq_cstr(name, "handle")) return V_INT((int64_t)(uintptr_t)s->sem);
    if (str_eq_cstr(name, "name")) return V_NONE;
    return obj_generic_getattr(ts, self, name);
}

static Value semlock_repr(ThreadState *ts, Value self) {
    SemLock *s = SEML(self);
    int v = 0;
    sem_getvalue(s->sem, &v);
    return V_OBJ(str_fmt("<_tinymp.SemLock kind=%d value=%d maxvalue=%lld at %p>", s->kind, v,
                         (long long)s->maxvalue, (void *)s));
}

static const MethodDef semlock_methods[] = {
    { "acquire", semlock_acquire, 0 },
    { "release", semlock_release, 0 },
    { "__enter__", semlock_enter, 0 },
    { "__exit__", semlock_exit, 0 },
    { "_count", semlock_count, 0 },
    { "_is_mine", semlock_is_mine, 0 },
    { "_get_value", semlock_get_value, 0 },
    { "_is_zero", semlock_is_zero, 0 },
    { "_after_fork", semlock_after_fork, 0 },
    { NULL, NULL, 0 },
};

Type T_SemLock = {
    .name = "SemLock", .basicsize = sizeof(SemLock), .methods = semlock_methods, .new_ = semlock_new,
    .dealloc = semlock_dealloc, .getattr = semlock_getattr, .repr = semlock_repr,
};
