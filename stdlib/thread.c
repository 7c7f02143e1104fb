/* thread.c — the _thread module: threads, lock, RLock and thread-local data (_local).
 *
 * Every tiny thread is one pthread with its own ThreadState. Only the thread holding the
 * GIL touches objects or refcounts. Lock state lives in the lock object and is protected
 * by the GIL itself: a lock has no mutex of its own. A thread that must wait for a lock
 * queues itself (a node on its own C stack) in the lock's FIFO waiter list and parks
 * (ts_park releases the GIL while parked and takes it back before returning); release()
 * marks the lock free and unparks the first waiter, which takes the lock if it is still
 * free when it runs again (a running thread may take a free lock first, as in CPython).
 *
 * _local: each thread keeps the set of _local objects it has a dict in
 * (ts->local_dicts: id(local) -> None); the dicts themselves belong to the local object
 * (Local.per_thread: thread key -> attribute dict), so the cycle collector sees them and
 * a local that refers to itself can be collected. A thread that ends drops its dicts from
 * every local it used; a local that dies removes itself from every thread's set. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "api.h"
#include "builtins.h"
#include "state.h"
#include "gil/gil.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "exc.h"
#include "module.h"
#include "objects/func.h"
#include "args.h"
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <math.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Default stack of a new thread (stack_size() == 0). */
#define DEFAULT_STACK_SIZE ((size_t)8 << 20)
/* The smallest size stack_size() accepts (CPython's THREAD_STACK_MIN). */
#define STACK_SIZE_MIN ((int64_t)32 << 10)
/* The smallest stack a thread is really given: the C stack check needs room below it. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define STACK_FLOOR ((size_t)2 << 20)   /* sanitizers make C frames several times larger */
#else
#define STACK_FLOOR ((size_t)256 << 10)
#endif
/* C stack kept free below the recursion check (as vm/state.c does for the main thread). */
#define STACK_MARGIN ((uintptr_t)256 << 10)
/* The "timeout not given" value of acquire(), in nanoseconds (-1 second). */
#define TIMEOUT_UNSET ((int64_t)-1000000000)
/* CPython's PY_TIMEOUT_MAX, in microseconds, and TIMEOUT_MAX in seconds. */
#define PY_TIMEOUT_MAX_US (INT64_MAX / 1000)
#define TIMEOUT_MAX_SECONDS 9223372036.0

/* ---- small helpers ---- */

/* The calling thread's identifier (pthread_self as an int). */
static int64_t thread_ident(ThreadState *ts) {
    return ts->ident ? ts->ident : (int64_t)(uintptr_t)pthread_self();
}

/* The kernel's id of the calling thread. */
static int64_t native_thread_id(void) { return (int64_t)syscall(SYS_gettid); }

/* The stack size configured by stack_size() (0: default). It is kept in the module's
 * namespace so the interpreter needs no global of its own for it. */
static Obj *stack_size_key(void) { return str_intern("__tiny_stack_size__"); }
static Obj *thread_module_dict(void) {
    if (!the_interp.modules) return NULL;
    Value m = dict_get_cstr(the_interp.modules, "_thread");
    return OBJ_IS(m, T_module) ? MODULE_DICT(AS_OBJ(m)) : NULL;
}
static int64_t configured_stack_size(void) {
    Obj *d = thread_module_dict();
    Value v = d ? dict_get_str(d, stack_size_key()) : V_NULL;
    return IS_INT(v) ? AS_INT(v) : 0;
}

/* A type's name as CPython's tp_name spells it: module-qualified for our static types. */
static const char *tp_name(Type *t);

/* Raises AttributeError "'T' object has no attribute 'x'". */
static Value no_attribute(ThreadState *ts, Value self, Obj *name) {
    return exc_raise(ts, &T_AttributeError, "'%s' object has no attribute '%s'", tp_name(obj_type(self)),
                     STR_DATA(name));
}

/* ---- lock core: the state and waiter queue shared by lock and RLock ---- */

/* A thread waiting for a lock; lives on the waiting thread's C stack. */
typedef struct Waiter { ThreadState *ts; struct Waiter *prev, *next; int linked; } Waiter;

typedef struct LockCore {
    int locked;
    Waiter *head, *tail;  /* FIFO of parked waiters */
} LockCore;

/* Acquires: timeout_ns < 0 waits forever, 0 only tries, > 0 waits at most that long.
 * Returns 1 acquired, 0 timed out, -1 with an exception pending. */
static void waiter_append(LockCore *c, Waiter *w) {
    w->prev = c->tail;
    w->next = NULL;
    if (c->tail) c->tail->next = w; else c->head = w;
    c->tail = w;
    w->linked = 1;
}

static void waiter_remove(LockCore *c, Waiter *w) {
    if (!w->linked) return;
    if (w->prev) w->prev->next = w->next; else c->head = w->next;
    if (w->next) w->next->prev = w->prev; else c->tail = w->prev;
    w->linked = 0;
}

/* Forgets every waiter (_at_fork_reinit: in a child after fork they are gone). A waiter
 * still alive puts itself back in the queue the next time it wakes. */
static void waiters_forget(LockCore *c) {
    for (Waiter *w = c->head, *next; w; w = next) {
        next = w->next;
        w->linked = 0;
    }
    c->head = c->tail = NULL;
}

static int core_acquire(ThreadState *ts, LockCore *c, int64_t timeout_ns, const char *what) {
    if (!c->locked) { c->locked = 1; return 1; }
    if (timeout_ns == 0) return 0;
    Waiter w = { ts, NULL, NULL, 0 };
    waiter_append(c, &w);
    uint64_t deadline = timeout_ns > 0 ? gil_now_ns() + (uint64_t)timeout_ns : 0;
    int result;
    for (;;) {
        double secs = -1;
        if (timeout_ns > 0) {
            uint64_t now = gil_now_ns();
            if (now >= deadline) { result = c->locked ? 0 : 1; break; }
            secs = (double)(deadline - now) * 1e-9;
        }
        int r = ts_park(ts, secs, what);
        if (r < 0) { result = -1; break; }
        if (!c->locked) { result = 1; break; }
        /* woken but the lock was taken again (or a stale wake-up): wait again */
        if (!w.linked) waiter_append(c, &w);
    }
    if (result == 1) c->locked = 1;
    waiter_remove(c, &w);
    /* this thread may have been the one woken for a free lock it now leaves: pass it on */
    if (result != 1 && !c->locked && c->head) ts_unpark(c->head->ts);
    return result;
}

static void core_release(LockCore *c) {
    c->locked = 0;
    if (c->head) ts_unpark(c->head->ts);
}

/* Parses acquire(blocking=True, timeout=-1) (args without self) into a timeout for
 * core_acquire: -1 forever, 0 try once, else nanoseconds. -1 with an exception on error. */
static int parse_acquire(ThreadState *ts, Value *args, int nargs, Obj *kwnames, int64_t *out) {
    static const char *const names[] = { "blocking", "timeout" };
    int nkw = arg_nkw(kwnames);
    if (nargs + nkw > 2) {
        exc_raise(ts, &T_TypeError, "acquire() takes at most 2 %sarguments (%d given)", nargs == 0 ? "keyword " : "",
                  nargs + nkw);
        return -1;
    }
    Value v[2] = { V_NULL, V_NULL };
    int used = 0;
    for (int i = 0; i < 2; i++) {
        if (i < nargs) v[i] = args[i];
        for (int k = 0; k < nkw; k++) {
            Obj *kn = AS_OBJ(((Tuple *)kwnames)->items[k]);
            if (!str_eq_cstr(kn, names[i])) continue;
            if (i < nargs) {
                exc_raise(ts, &T_TypeError, "argument for acquire() given by name ('%s') and position (%d)", names[i],
                          i + 1);
                return -1;
            }
            v[i] = args[nargs + k];
            used++;
        }
    }
    if (used < nkw) {
        for (int k = 0; k < nkw; k++) {
            Obj *kn = AS_OBJ(((Tuple *)kwnames)->items[k]);
            if (!str_eq_cstr(kn, names[0]) && !str_eq_cstr(kn, names[1])) {
                exc_raise(ts, &T_TypeError, "'%s' is an invalid keyword argument for acquire()", STR_DATA(kn));
                return -1;
            }
        }
    }
    int64_t blocking = 1;
    if (!IS_NULL(v[0]) && obj_as_index(ts, v[0], &blocking) < 0) return -1;
    int64_t timeout = TIMEOUT_UNSET;
    if (!IS_NULL(v[1])) {
        if (IS_FLOAT(v[1])) {
            double d = AS_FLOAT(v[1]);
            if (isnan(d)) { exc_raise(ts, &T_ValueError, "Invalid value NaN (not a number)"); return -1; }
            d *= 1e9;
            d = d >= 0 ? ceil(d) : floor(d);
            if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) {
                exc_raise(ts, &T_OverflowError, "timestamp out of range for platform time_t");
                return -1;
            }
            timeout = (int64_t)d;
        } else {
            int64_t secs;
            if (obj_as_index(ts, v[1], &secs) < 0) return -1;
            if (secs > INT64_MAX / 1000000000 || secs < INT64_MIN / 1000000000) {
                exc_raise(ts, &T_OverflowError, "timestamp out of range for platform time_t");
                return -1;
            }
            timeout = secs * 1000000000;
        }
    }
    if (!blocking && timeout != TIMEOUT_UNSET) {
        exc_raise(ts, &T_ValueError, "can't specify a timeout for a non-blocking call");
        return -1;
    }
    if (timeout < 0 && timeout != TIMEOUT_UNSET) {
        exc_raise(ts, &T_ValueError, "timeout value must be positive");
        return -1;
    }
    if (!blocking) { *out = 0; return 0; }
    if (timeout == TIMEOUT_UNSET) { *out = -1; return 0; }
    if (timeout / 1000 + (timeout % 1000 != 0) > PY_TIMEOUT_MAX_US) {
        exc_raise(ts, &T_OverflowError, "timeout value is too large");
        return -1;
    }
    *out = timeout;
    return 0;
}

/* ---- lock ---- */

typedef struct Lock { Obj hdr; LockCore core; } Lock;
extern Type T_lock;
#define LOCK(v) ((Lock *)AS_OBJ(v))

static Obj *lock_alloc(void) {
    type_ready(&T_lock);
    return obj_alloc(&T_lock, sizeof(Lock));
}

static Value lock_new(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kwnames) {
    return exc_raise(ts, &T_TypeError, "cannot create '_thread.lock' instances");
}

static Value lock_acquire(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    int64_t timeout;
    if (parse_acquire(ts, args + 1, nargs - 1, kwnames, &timeout) < 0) return V_NULL;
    int r = core_acquire(ts, &LOCK(args[0])->core, timeout, "Lock.acquire");
    return r < 0 ? V_NULL : V_BOOL(r);
}

static Value lock_release(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "lock.release", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    Lock *l = LOCK(args[0]);
    if (!l->core.locked) return exc_raise(ts, &T_RuntimeError, "release unlocked lock");
    core_release(&l->core);
    return V_NONE;
}

static Value lock_exit(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    Lock *l = LOCK(args[0]);
    if (!l->core.locked) return exc_raise(ts, &T_RuntimeError, "release unlocked lock");
    core_release(&l->core);
    return V_NONE;
}

static Value lock_locked(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "lock.locked", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    return V_BOOL(LOCK(args[0])->core.locked);
}

static Value lock_at_fork_reinit(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "lock._at_fork_reinit", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    LockCore *c = &LOCK(args[0])->core;
    c->locked = 0;
    waiters_forget(c);
    return V_NONE;
}

static Value lock_repr(ThreadState *ts, Value self) {
    return V_OBJ(str_fmt("<%s _thread.lock object at %p>", LOCK(self)->core.locked ? "locked" : "unlocked",
                         (void *)AS_OBJ(self)));
}

/* Attributes: methods only; a missing one is reported with CPython's type name. */
static Value fixed_getattr(ThreadState *ts, Value self, Obj *name) {
    if (IS_NULL(type_lookup(obj_type(self), name)) && name != NAME(__class__)) return no_attribute(ts, self, name);
    return obj_generic_getattr(ts, self, name);
}

static int fixed_setattr(ThreadState *ts, Value self, Obj *name, Value v) {
    if (IS_NULL(type_lookup(obj_type(self), name)))
        no_attribute(ts, self, name);
    else
        exc_raise(ts, &T_AttributeError, "'%s' object attribute '%s' is read-only", tp_name(obj_type(self)),
                  STR_DATA(name));
    return -1;
}

static const MethodDef lock_methods[] = {
    { "acquire", lock_acquire, 0 },
    { "acquire_lock", lock_acquire, 0 },
    { "release", lock_release, 0 },
    { "release_lock", lock_release, 0 },
    { "locked", lock_locked, 0 },
    { "locked_lock", lock_locked, 0 },
    { "__enter__", lock_acquire, 0 },
    { "__exit__", lock_exit, 0 },
    { "_at_fork_reinit", lock_at_fork_reinit, 0 },
    { NULL, NULL, 0 },
};

Type T_lock = {
    .name = "lock", .basicsize = sizeof(Lock), .methods = lock_methods, .new_ = lock_new,
    .repr = lock_repr, .getattr = fixed_getattr, .setattr = fixed_setattr,
};

/* ---- RLock ---- */

typedef struct RLock { Obj hdr; LockCore core; int64_t owner; int64_t count; } RLock;
extern Type T_RLock;
#define RLOCK(v) ((RLock *)AS_OBJ(v))

static Value rlock_new(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kwnames) {
    return V_OBJ(obj_alloc(t, sizeof(RLock)));
}

static Value rlock_acquire(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    int64_t timeout;
    if (parse_acquire(ts, args + 1, nargs - 1, kwnames, &timeout) < 0) return V_NULL;
    RLock *l = RLOCK(args[0]);
    int64_t me = thread_ident(ts);
    if (l->count > 0 && l->owner == me) {
        if (l->count == INT64_MAX) return exc_raise(ts, &T_OverflowError, "Internal lock count overflowed");
        l->count++;
        return V_TRUE;
    }
    int r = core_acquire(ts, &l->core, timeout, "RLock.acquire");
    if (r < 0) return V_NULL;
    if (r) { l->owner = me; l->count = 1; }
    return V_BOOL(r);
}

static Value rlock_release_common(ThreadState *ts, RLock *l) {
    if (l->count == 0 || l->owner != thread_ident(ts))
        return exc_raise(ts, &T_RuntimeError, "cannot release un-acquired lock");
    if (--l->count == 0) {
        l->owner = 0;
        core_release(&l->core);
    }
    return V_NONE;
}

static Value rlock_release(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "RLock.release", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    return rlock_release_common(ts, RLOCK(args[0]));
}

static Value rlock_exit(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return rlock_release_common(ts, RLOCK(args[0]));
}

static Value rlock_is_owned(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "RLock._is_owned", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    RLock *l = RLOCK(args[0]);
    return V_BOOL(l->count > 0 && l->owner == thread_ident(ts));
}

static Value rlock_recursion_count(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "RLock._recursion_count", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    RLock *l = RLOCK(args[0]);
    return V_INT(l->count > 0 && l->owner == thread_ident(ts) ? l->count : 0);
}

/* Condition.wait: releases the lock entirely and returns (count, owner). */
static Value rlock_release_save(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "RLock._release_save", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    RLock *l = RLOCK(args[0]);
    if (l->count == 0) return exc_raise(ts, &T_RuntimeError, "cannot release un-acquired lock");
    Obj *state = tuple_pack(2, V_INT(l->count), V_INT(l->owner));
    l->count = 0;
    l->owner = 0;
    core_release(&l->core);
    return V_OBJ(state);
}

/* Condition.wait: takes the lock back with the state _release_save returned. */
static Value rlock_acquire_restore(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "RLock._acquire_restore", nargs - 1, kwnames, 1, 1) < 0) return V_NULL;
    Value st = args[1];
    int64_t count, owner;
    if (!IS_TUPLE(st) || AS_TUPLE(st)->len != 2)
        return exc_raise(ts, &T_TypeError, "_acquire_restore() argument 1 must be a tuple of 2 integers");
    if (obj_as_index(ts, AS_TUPLE(st)->items[0], &count) < 0 || obj_as_index(ts, AS_TUPLE(st)->items[1], &owner) < 0)
        return V_NULL;
    RLock *l = RLOCK(args[0]);
    if (core_acquire(ts, &l->core, -1, "RLock.acquire") < 0) return V_NULL;
    l->owner = owner;
    l->count = count;
    return V_NONE;
}

static Value rlock_at_fork_reinit(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "RLock._at_fork_reinit", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    RLock *l = RLOCK(args[0]);
    l->core.locked = 0;
    waiters_forget(&l->core);
    l->owner = 0;
    l->count = 0;
    return V_NONE;
}

static Value rlock_repr(ThreadState *ts, Value self) {
    RLock *l = RLOCK(self);
    return V_OBJ(str_fmt("<%s %s object owner=%lld count=%lld at %p>", l->core.locked ? "locked" : "unlocked",
                         tp_name(obj_type(self)), (long long)l->owner, (long long)l->count, (void *)AS_OBJ(self)));
}

static const MethodDef rlock_methods[] = {
    { "acquire", rlock_acquire, 0 },
    { "release", rlock_release, 0 },
    { "__enter__", rlock_acquire, 0 },
    { "__exit__", rlock_exit, 0 },
    { "_is_owned", rlock_is_owned, 0 },
    { "_recursion_count", rlock_recursion_count, 0 },
    { "_release_save", rlock_release_save, 0 },
    { "_acquire_restore", rlock_acquire_restore, 0 },
    { "_at_fork_reinit", rlock_at_fork_reinit, 0 },
    { NULL, NULL, 0 },
};

Type T_RLock = {
    .name = "RLock", .basicsize = sizeof(RLock), .methods = rlock_methods, .new_ = rlock_new,
    .repr = rlock_repr, .getattr = fixed_getattr, .setattr = fixed_setattr,
};

/* ---- _local ---- */

/* Starts with the Instance layout (TF_HAS_DICT, so classes can derive from it); the
 * instance dict stays unused: attributes live in the calling thread's dict. */
typedef struct Local {
    Obj hdr;
    Obj *dict;        /* Instance.dict: unused (NULL) */
    Obj *args;        /* Tuple: the constructor's arguments (positional, then keyword values), or NULL */
    Obj *kwnames;     /* Tuple of the keyword names, or NULL */
    int nargs;        /* positional arguments in args */
    Obj *per_thread;  /* Dict: thread key -> attribute dict, or NULL */
} Local;
extern Type T_local;

/* The key of a thread in Local.per_thread. */
static Value thread_key(ThreadState *ts) { return V_INT((int64_t)(uintptr_t)ts); }
/* The key of a local in ThreadState.local_dicts. */
static Value local_key(Local *l) { return V_INT((int64_t)(uintptr_t)l); }

/* Whether type t has an __init__ of its own (not object's). */
static bool has_own_init(Type *t) {
    Value init = type_lookup(t, NAME(__init__));
    Value base = type_lookup(&T_object, NAME(__init__));
    return !IS_NULL(init) && !(IS_OBJ(init) && IS_OBJ(base) && AS_OBJ(init) == AS_OBJ(base));
}

/* Creates the calling thread's dict of l (borrowed; owned by l->per_thread). */
static Obj *local_create_dict(ThreadState *ts, Local *l) {
    if (!l->per_thread) l->per_thread = dict_new();
    Obj *d = dict_new();
    dict_set(ts, l->per_thread, thread_key(ts), V_OBJ(d));
    o_decref(d);
    if (!ts->local_dicts) ts->local_dicts = dict_new();
    dict_set(ts, ts->local_dicts, local_key(l), V_NONE);
    return d;
}

/* Forgets the calling thread's dict of l. */
static void local_drop_dict(ThreadState *ts, Local *l) {
    if (ts->local_dicts) dict_del(ts, ts->local_dicts, local_key(l));
    if (l->per_thread) dict_del(ts, l->per_thread, thread_key(ts));
}

/* The calling thread's dict of l (borrowed), created on first use; for a subclass with
 * __init__, a thread's first use runs __init__ with the constructor's arguments, as
 * CPython does. NULL with an exception pending if that fails. */
static Obj *local_dict(ThreadState *ts, Local *l) {
    if (l->per_thread) {
        Value d;
        if (dict_lookup(ts, l->per_thread, thread_key(ts), &d) > 0) return AS_OBJ(d);
    }
    Obj *d = local_create_dict(ts, l);
    Type *t = l->hdr.type;
    if (!l->args || !has_own_init(t)) return d;
    o_incref(&l->hdr);
    Value init = type_lookup(t, NAME(__init__));
    int n = l->nargs + arg_nkw(l->kwnames);
    Value *a = malloc(sizeof(Value) * (size_t)(n + 1));
    a[0] = V_OBJ(l);
    memcpy(a + 1, ((Tuple *)l->args)->items, sizeof(Value) * (size_t)n);
    Value r;
    if (OBJ_IS(init, T_function) || OBJ_IS(init, T_builtin)) {
        r = obj_call(ts, init, a, l->nargs + 1, l->kwnames);
    } else {
        Value bound = obj_generic_getattr(ts, V_OBJ(l), NAME(__init__));
        r = IS_NULL(bound) ? V_NULL : obj_call(ts, bound, a + 1, l->nargs, l->kwnames);
        v_decref(bound);
    }
    free(a);
    if (!IS_NULL(r) && !IS_NONE(r)) {
        exc_raise(ts, &T_TypeError, "__init__() should return None, not '%s'", obj_type_name(r));
        v_decref(r);
        r = V_NULL;
    }
    d = NULL;
    if (IS_NULL(r)) {
        local_drop_dict(ts, l);
    } else {
        Value dv;
        if (l->per_thread && dict_lookup(ts, l->per_thread, thread_key(ts), &dv) > 0) d = AS_OBJ(dv);
        else d = local_create_dict(ts, l);
    }
    o_decref(&l->hdr);
    return d;
}

static Value local_new(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kwnames) {
    int nkw = arg_nkw(kwnames);
    bool own_init = has_own_init(t);
    if ((nargs || nkw) && !own_init) return exc_raise(ts, &T_TypeError, "Initialization arguments are not supported");
    Local *l = (Local *)obj_alloc(t, t->basicsize > sizeof(Local) ? t->basicsize : sizeof(Local));
    if (own_init) {
        l->args = tuple_from_array(args, nargs + nkw);
        l->nargs = nargs;
        if (kwnames && nkw) { l->kwnames = kwnames; o_incref(kwnames); }
    }
    local_create_dict(ts, l);  /* this thread's __init__ runs through the normal type call */
    return V_OBJ(l);
}

/* Drops l's dicts from every thread's set (the dicts themselves go with l->per_thread). */
static void local_forget(Local *l) {
    for (ThreadState *t = the_interp.threads; t; t = t->next) {
        if (!t->local_dicts) continue;
        dict_del(t, t->local_dicts, local_key(l));
        if (DICT_LEN(t->local_dicts) == 0) {
            Obj *d = t->local_dicts;
            t->local_dicts = NULL;
            o_decref(d);
        }
    }
}

static void local_clear(Obj *o) {
    Local *l = (Local *)o;
    Obj *pt = l->per_thread, *args = l->args, *kw = l->kwnames, *d = l->dict;
    l->per_thread = l->args = l->kwnames = l->dict = NULL;
    o_xdecref(pt);
    o_xdecref(args);
    o_xdecref(kw);
    o_xdecref(d);
}

static void local_dealloc(Obj *o) {
    local_forget((Local *)o);
    local_clear(o);
}

static void local_traverse(Obj *o, VisitFn visit, void *arg) {
    Local *l = (Local *)o;
    if (l->per_thread) visit(V_OBJ(l->per_thread), arg);
    if (l->args) visit(V_OBJ(l->args), arg);
    if (l->dict) visit(V_OBJ(l->dict), arg);
    if (o->type->flags & TF_HEAPTYPE) visit(V_OBJ(o->type), arg);
}

static Value local_getattr(ThreadState *ts, Value self, Obj *name) {
    Local *l = (Local *)AS_OBJ(self);
    Obj *d = local_dict(ts, l);
    if (!d) return V_NULL;
    if (name == NAME(__dict__)) return v_new(V_OBJ(d));
    Value attr = type_lookup(obj_type(self), name);
    if (!IS_NULL(attr) && OBJ_IS(attr, T_property)) return obj_generic_getattr(ts, self, name);
    Value v = dict_get_str(d, name);
    if (!IS_NULL(v)) return v_new(v);
    if (!IS_NULL(attr) || name == NAME(__class__)) return obj_generic_getattr(ts, self, name);
    return no_attribute(ts, self, name);
}

static int local_setattr(ThreadState *ts, Value self, Obj *name, Value v) {
    Local *l = (Local *)AS_OBJ(self);
    Obj *d = local_dict(ts, l);
    if (!d) return -1;
    if (name == NAME(__dict__)) {
        exc_raise(ts, &T_AttributeError, "'%s' object attribute '__dict__' is read-only", tp_name(obj_type(self)));
        return -1;
    }
    Value attr = type_lookup(obj_type(self), name);
    if (!IS_NULL(attr) && OBJ_IS(attr, T_property)) return obj_generic_setattr(ts, self, name, v);
    if (IS_NULL(v)) {
        int r = dict_del(ts, d, V_OBJ(name));
        if (r == 0) no_attribute(ts, self, name);
        return r > 0 ? 0 : -1;
    }
    dict_set_str(d, name, v);
    return 0;
}

/* __getattribute__ / __setattr__ / __delattr__, so super() calls in subclasses work. */
static int attr_name(ThreadState *ts, Value v, Obj **out) {
    if (!IS_STR(v)) {
        exc_raise(ts, &T_TypeError, "attribute name must be string, not '%s'", obj_type_name(v));
        return -1;
    }
    *out = str_intern_obj(AS_OBJ(v));
    return 0;
}

static Value local_getattribute_m(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    Obj *name;
    if (arg_count(ts, "__getattribute__", nargs, kwnames, 2, 2) < 0 || attr_name(ts, args[1], &name) < 0) return V_NULL;
    return local_getattr(ts, args[0], name);
}

static Value local_setattr_m(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    Obj *name;
    if (arg_count(ts, "__setattr__", nargs, kwnames, 3, 3) < 0 || attr_name(ts, args[1], &name) < 0) return V_NULL;
    return local_setattr(ts, args[0], name, args[2]) < 0 ? V_NULL : V_NONE;
}

static Value local_delattr_m(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    Obj *name;
    if (arg_count(ts, "__delattr__", nargs, kwnames, 2, 2) < 0 || attr_name(ts, args[1], &name) < 0) return V_NULL;
    return local_setattr(ts, args[0], name, V_NULL) < 0 ? V_NULL : V_NONE;
}

static const MethodDef local_methods[] = {
    { "__getattribute__", local_getattribute_m, 0 },
    { "__setattr__", local_setattr_m, 0 },
    { "__delattr__", local_delattr_m, 0 },
    { NULL, NULL, 0 },
};

Type T_local = {
    .name = "_local", .basicsize = sizeof(Local), .flags = TF_GC | TF_BASETYPE | TF_HAS_DICT,
    .methods = local_methods, .new_ = local_new, .dealloc = local_dealloc, .traverse = local_traverse,
    .clear = local_clear, .getattr = local_getattr, .setattr = local_setattr,
};

/* ---- _Event: the core of threading.Event ---- */

/* A flag and the threads parked until it is set. Starts with the Instance layout
 * (TF_HAS_DICT) so that threading.Event derives from it. Waiting and waking go straight
 * through ts_park/ts_unpark: one hand-off per wake-up, no Condition and lock in between. */
typedef struct EventCore {
    Obj hdr;
    Obj *dict;        /* Instance.dict */
    int flag;
    LockCore core;    /* its waiter list (core.locked is unused) */
} EventCore;
extern Type T_Event;
#define EVENT(v) ((EventCore *)AS_OBJ(v))

static Value event_new(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kwnames) {
    return V_OBJ(obj_alloc(t, t->basicsize > sizeof(EventCore) ? t->basicsize : sizeof(EventCore)));
}

static void event_clear_refs(Obj *o) {
    Obj *d = ((EventCore *)o)->dict;
    ((EventCore *)o)->dict = NULL;
    o_xdecref(d);
}

static void event_traverse(Obj *o, VisitFn visit, void *arg) {
    if (((EventCore *)o)->dict) visit(V_OBJ(((EventCore *)o)->dict), arg);
    if (o->type->flags & TF_HEAPTYPE) visit(V_OBJ(o->type), arg);
}

static Value event_is_set(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "is_set", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    return V_BOOL(EVENT(args[0])->flag);
}

static Value event_set(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "set", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    EventCore *e = EVENT(args[0]);
    e->flag = 1;
    while (e->core.head) {
        Waiter *w = e->core.head;
        waiter_remove(&e->core, w);   /* unlinked: the waiter knows it was set */
        ts_unpark(w->ts);
    }
    return V_NONE;
}

static Value event_clear(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "clear", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    EVENT(args[0])->flag = 0;
    return V_NONE;
}

/* wait(timeout=None): True once the flag is set (also if it was cleared again before this
 * thread ran), False when the timeout expired; a timeout <= 0 only looks at the flag. */
static Value event_wait(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const kw[] = { "timeout", NULL };
    Value tv = V_NULL;
    if (bi_parse_args(ts, "wait", args + 1, nargs - 1, kwnames, kw, 1, 0, &tv) < 0) return V_NULL;
    EventCore *e = EVENT(args[0]);
    if (e->flag) return V_TRUE;
    double secs = -1;
    if (!IS_NULL(tv) && !IS_NONE(tv)) {
        if (!IS_INT(tv) && !IS_FLOAT(tv) && !IS_BOOL(tv))
            return exc_raise(ts, &T_TypeError, "'>' not supported between instances of '%s' and 'int'",
                             obj_type_name(tv));
        secs = IS_FLOAT(tv) ? AS_FLOAT(tv) : (double)AS_INT(tv);
        if (isnan(secs)) return exc_raise(ts, &T_ValueError, "Invalid value NaN (not a number)");
        if (!(secs > 0)) return V_FALSE;
    }
    Waiter w = { ts, NULL, NULL, 0 };
    waiter_append(&e->core, &w);
    uint64_t deadline = secs > 0 ? gil_now_ns() + (uint64_t)(secs * 1e9) : 0;
    for (;;) {
        double left = -1;
        if (secs > 0) {
            uint64_t now = gil_now_ns();
            if (now >= deadline) break;
            left = (double)(deadline - now) * 1e-9;
        }
        int r = ts_park(ts, left, "Event.wait");
        if (!w.linked) return V_TRUE;       /* set() took it off the list */
        if (r < 0) { waiter_remove(&e->core, &w); return V_NULL; }
    }
    waiter_remove(&e->core, &w);
    return V_FALSE;
}

static Value event_at_fork_reinit(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    waiters_forget(&EVENT(args[0])->core);
    return V_NONE;
}

static const MethodDef event_methods[] = {
    { "is_set", event_is_set, 0 },
    { "set", event_set, 0 },
    { "clear", event_clear, 0 },
    { "wait", event_wait, 0 },
    { "_at_fork_reinit", event_at_fork_reinit, 0 },
    { NULL, NULL, 0 },
};

Type T_Event = {
    .name = "_Event", .basicsize = sizeof(EventCore), .flags = TF_GC | TF_BASETYPE | TF_HAS_DICT,
    .methods = event_methods, .new_ = event_new, .dealloc = event_clear_refs, .traverse = event_traverse,
    .clear = event_clear_refs,
};

/* Frees the calling thread's dicts of every _local it used (the values go with them). */
static void local_thread_exit(ThreadState *ts) {
    while (ts->local_dicts && DICT_LEN(ts->local_dicts) > 0) {
        int64_t pos = 0;
        Value k, unused;
        if (!dict_next(ts->local_dicts, &pos, &k, &unused)) break;
        Local *l = (Local *)(uintptr_t)AS_INT(k);
        o_incref(&l->hdr);
        dict_del(ts, ts->local_dicts, k);
        Value d = V_NULL;
        if (l->per_thread && dict_lookup(ts, l->per_thread, thread_key(ts), &d) > 0) {
            v_incref(d);
            dict_del(ts, l->per_thread, thread_key(ts));
        }
        v_decref(d);            /* may free other locals: they leave ts->local_dicts themselves */
        o_decref(&l->hdr);
    }
    Obj *ld = ts->local_dicts;
    ts->local_dicts = NULL;
    o_xdecref(ld);
}

static const char *tp_name(Type *t) {
    if (t == &T_lock) return "_thread.lock";
    if (t == &T_RLock) return "_thread.RLock";
    if (t == &T_local) return "_thread._local";
    return t->name;
}

/* ---- threads ---- */

/* What a new thread needs to start: the callable and its arguments (references owned). */
typedef struct Boot {
    ThreadState *ts;
    Value func;
    Obj *args;    /* Tuple */
    Obj *kwargs;  /* Dict or NULL */
} Boot;

/* Sets the calling thread's C stack limit from its real stack bounds. */
static void set_thread_stack_limit(ThreadState *ts) {
    pthread_attr_t attr;
    void *lo;
    size_t size;
    char here;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        int r = pthread_attr_getstack(&attr, &lo, &size);
        pthread_attr_destroy(&attr);
        if (r == 0) {
            uintptr_t margin = size > STACK_MARGIN * 2 ? STACK_MARGIN : size / 2;
            ts->c_stack_limit = (uintptr_t)lo + margin;
            return;
        }
    }
    size = DEFAULT_STACK_SIZE;  /* unknown bounds: assume the default below this frame */
    ts->c_stack_limit = (uintptr_t)&here - (size - STACK_MARGIN);
}

/* Calls the thread's function; reports an uncaught exception as CPython's _thread does. */
static void run_thread_function(ThreadState *ts, Boot *b) {
    Tuple *args = (Tuple *)b->args;
    int64_t nkw = b->kwargs ? DICT_LEN(b->kwargs) : 0;
    Value r = V_NULL;
    if (nkw == 0) {
        r = obj_call(ts, b->func, args->items, (int)args->len, NULL);
    } else {
        Value *a = malloc(sizeof(Value) * (size_t)(args->len + nkw));
        Obj *names = tuple_new(nkw);
        memcpy(a, args->items, sizeof(Value) * (size_t)args->len);
        int64_t pos = 0, i = 0;
        Value k, v;
        bool ok = true;
        while (dict_next(b->kwargs, &pos, &k, &v)) {
            if (!IS_STR(k)) { ok = false; break; }
            ((Tuple *)names)->items[i] = V_OBJ(str_intern_obj(AS_OBJ(k)));
            a[args->len + i] = v;
            i++;
        }
        if (!ok) {
            for (int64_t j = i; j < nkw; j++) ((Tuple *)names)->items[j] = V_NONE;
            exc_raise(ts, &T_TypeError, "keywords must be strings");
        } else {
            r = obj_call(ts, b->func, a, (int)args->len, names);
        }
        o_decref(names);
        free(a);
    }
    if (!IS_NULL(r)) { v_decref(r); return; }
    Value exc = exc_fetch(ts);
    if (!obj_isinstance(exc, &T_SystemExit)) {
        io_flush_std(ts);
        Value rep = obj_repr(ts, b->func);
        if (IS_NULL(rep)) {
            exc_clear(ts);
            fputs("Exception ignored in thread started by: <object repr() failed>\n", stderr);
        } else {
            fprintf(stderr, "Exception ignored in thread started by: %s\n", STR_DATA(AS_OBJ(rep)));
            v_decref(rep);
        }
        exc_print(ts, exc, stderr);
        fflush(stderr);
    }
    v_decref(exc);
    exc_clear(ts);
}

static void *thread_main(void *arg) {
    Boot *b = arg;
    ThreadState *ts = b->ts;
    gil_take(ts);
    ts->native_id = native_thread_id();
    set_thread_stack_limit(ts);
    ts->alive = 1;

    run_thread_function(ts, b);

    /* the end: everything below runs with the GIL held, until gil_drop */
    v_decref(b->func);
    o_decref(b->args);
    o_xdecref(b->kwargs);
    free(b);
    if (ts == the_interp.main_ts) {
        /* the thread called os.fork and this is the child, where it is the main thread: its
         * end is the end of the program (status 0, as when the main program ends) */
        exit(tiny_fini(0));
    }
    exc_clear(ts);
    v_set(&ts->exc_info, V_NULL);
    v_set(&ts->pending_exc, V_NULL);
    local_thread_exit(ts);
    if (ts->repr_active) { Obj *ra = ts->repr_active; ts->repr_active = NULL; o_decref(ra); }
    ts->alive = 0;
    gil_thread_fini(ts);  /* no longer live; records the statistics (with the name), frees the park state */
    if (ts->name) { Obj *n = ts->name; ts->name = NULL; o_decref(n); }
    ts_unlink(ts);
    gil_drop(ts);
    ts_free(ts);  /* nothing left in it that needs the GIL */
    return NULL;
}

static bool is_callable(Value v) {
    Type *t = obj_type(v);
    if (t->flags & TF_HEAPTYPE) return !IS_NULL(type_lookup(t, NAME(__call__)));
    return t->call != NULL;
}

static Value thread_start_new_thread(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "start_new_thread", nargs, kwnames, 2, 3) < 0) return V_NULL;
    if (!is_callable(args[0])) return exc_raise(ts, &T_TypeError, "first arg must be callable");
    if (!IS_TUPLE(args[1])) return exc_raise(ts, &T_TypeError, "2nd arg must be a tuple");
    if (nargs == 3 && !IS_DICT(args[2])) return exc_raise(ts, &T_TypeError, "optional 3rd arg must be a dictionary");

    int64_t requested = configured_stack_size();
    size_t stack = requested > 0 ? (size_t)requested : DEFAULT_STACK_SIZE;
    if (stack < STACK_FLOOR) stack = STACK_FLOOR;
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0) return exc_raise(ts, &T_RuntimeError, "can't start new thread");
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_attr_setstacksize(&attr, stack) != 0) {
        pthread_attr_destroy(&attr);
        return exc_raise(ts, &T_ValueError, "size not valid: %lld bytes", (long long)stack);
    }

    Boot *b = malloc(sizeof(Boot));
    if (!b) { pthread_attr_destroy(&attr); return exc_raise(ts, &T_MemoryError, ""); }
    b->func = v_new(args[0]);
    b->args = AS_OBJ(args[1]);
    o_incref(b->args);
    b->kwargs = nargs == 3 ? AS_OBJ(args[2]) : NULL;
    if (b->kwargs) o_incref(b->kwargs);
    ThreadState *nts = ts_new();
    b->ts = nts;

    /* the new thread leaves asynchronous signals (Ctrl-C) to the main thread */
    sigset_t all, old;
    sigfillset(&all);
    sigdelset(&all, SIGSEGV); sigdelset(&all, SIGBUS); sigdelset(&all, SIGFPE);
    sigdelset(&all, SIGILL); sigdelset(&all, SIGABRT); sigdelset(&all, SIGTRAP); sigdelset(&all, SIGSYS);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_t tid;
    gil_thread_starting(ts, nts);  /* live; under a schedule, runnable from here on */
    int err = pthread_create(&tid, &attr, thread_main, b);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (err != 0) {
        gil_thread_start_failed(nts);
        ts_free(nts);
        v_decref(b->func);
        o_decref(b->args);
        o_xdecref(b->kwargs);
        free(b);
        return exc_raise(ts, &T_RuntimeError, "can't start new thread");
    }
    /* the new thread cannot run tiny code before this thread lets the GIL go */
    nts->ident = (int64_t)(uintptr_t)tid;
    return V_INT(nts->ident);
}

static Value thread_allocate_lock(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "_thread.allocate_lock", nargs, kwnames, 0, 0) < 0) return V_NULL;
    return V_OBJ(lock_alloc());
}

static Value thread_get_ident(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "_thread.get_ident", nargs, kwnames, 0, 0) < 0) return V_NULL;
    return V_INT(thread_ident(ts));
}

static Value thread_get_native_id(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "_thread.get_native_id", nargs, kwnames, 0, 0) < 0) return V_NULL;
    return V_INT(ts->native_id ? ts->native_id : native_thread_id());
}

static Value thread_exit(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "_thread.exit", nargs, kwnames, 0, 0) < 0) return V_NULL;
    exc_set(ts, exc_new(ts, &T_SystemExit, NULL, 0));
    return V_NULL;
}

/* interrupt_main(signum=SIGINT): simulates the signal arriving, as CPython does: if a
 * handler is installed for it (the command line's SIGINT handler, or one installed with
 * signal.signal), the signal is sent to the process; tiny threads block signals, so the
 * main thread receives it and runs the handler (KeyboardInterrupt by default). A signal
 * left at SIG_DFL or SIG_IGN is not sent. */
static Value thread_interrupt_main(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "interrupt_main", nargs, kwnames, 0, 1) < 0) return V_NULL;
    int64_t signum = SIGINT;
    if (nargs == 1 && obj_as_index(ts, args[0], &signum) < 0) return V_NULL;
    if (signum < 1 || signum >= NSIG) return exc_raise(ts, &T_ValueError, "signal number out of range");
    struct sigaction sa;
    if (sigaction((int)signum, NULL, &sa) != 0) return V_NONE;
    if (!(sa.sa_flags & SA_SIGINFO) && (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN)) return V_NONE;
    if (kill(getpid(), (int)signum) != 0) return exc_raise_errno(ts, errno, NULL);
    return V_NONE;
}

static Value thread_count(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "_thread._count", nargs, kwnames, 0, 0) < 0) return V_NULL;
    int n = 0;
    for (ThreadState *t = the_interp.threads; t; t = t->next)
        if (t != the_interp.main_ts && t->alive) n++;
    return V_INT(n);
}

static Value thread_threads_alive(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "_thread._threads_alive", nargs, kwnames, 0, 0) < 0) return V_NULL;
    return V_INT(gil_live_threads());
}

static Value thread_stack_size(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "size", NULL };
    if (arg_nkw(kwnames)) return exc_raise(ts, &T_TypeError, "stack_size() takes no keyword arguments");
    Value a[1];
    if (bi_parse_args(ts, "stack_size", args, nargs, kwnames, names, 1, 0, a) < 0) return V_NULL;
    int64_t size = 0;  /* as in CPython, stack_size() alone also resets the size to the default */
    if (!IS_NULL(a[0]) && obj_as_index(ts, a[0], &size) < 0) return V_NULL;
    int64_t old = configured_stack_size();
    if (size < 0) return exc_raise(ts, &T_ValueError, "size must be 0 or a positive value");
    if (size != 0 && size < STACK_SIZE_MIN) return exc_raise(ts, &T_ValueError, "size not valid: %lld bytes", (long long)size);
    if (size != 0) {
        pthread_attr_t attr;
        int bad = pthread_attr_init(&attr) != 0;
        if (!bad) {
            size_t real = (size_t)size < STACK_FLOOR ? STACK_FLOOR : (size_t)size;
            bad = pthread_attr_setstacksize(&attr, real) != 0;
            pthread_attr_destroy(&attr);
        }
        if (bad) return exc_raise(ts, &T_ValueError, "size not valid: %lld bytes", (long long)size);
    }
    Obj *d = thread_module_dict();
    if (d) dict_set_str(d, stack_size_key(), V_INT(size));
    return V_INT(old);
}

static Value thread_set_name(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "_set_name", nargs, kwnames, 1, 1) < 0) return V_NULL;
    if (!IS_STR(args[0]))
        return exc_raise(ts, &T_TypeError, "_set_name() argument must be str, not %s", obj_type_name(args[0]));
    Obj *old = ts->name;
    ts->name = AS_OBJ(args[0]);
    o_incref(ts->name);
    o_xdecref(old);
    return V_NONE;
}

static Value thread_print_exception(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "_print_exception", nargs, kwnames, 2, 2) < 0) return V_NULL;
    if (!obj_isinstance(args[0], &T_BaseException))
        return exc_raise(ts, &T_TypeError, "_print_exception() argument 1 must be an exception, not %s",
                         obj_type_name(args[0]));
    if (!IS_STR(args[1]))
        return exc_raise(ts, &T_TypeError, "_print_exception() argument 2 must be str, not %s", obj_type_name(args[1]));
    io_flush_std(ts);
    fprintf(stderr, "%s\n", STR_DATA(AS_OBJ(args[1])));
    exc_print(ts, args[0], stderr);
    fflush(stderr);
    return V_NONE;
}

static const MethodDef thread_functions[] = {
    { "start_new_thread", thread_start_new_thread, 0 },
    { "start_new", thread_start_new_thread, 0 },
    { "allocate_lock", thread_allocate_lock, 0 },
    { "allocate", thread_allocate_lock, 0 },
    { "get_ident", thread_get_ident, 0 },
    { "get_native_id", thread_get_native_id, 0 },
    { "exit", thread_exit, 0 },
    { "exit_thread", thread_exit, 0 },
    { "interrupt_main", thread_interrupt_main, 0 },
    { "_count", thread_count, 0 },
    { "stack_size", thread_stack_size, 0 },
    { "_set_name", thread_set_name, 0 },
    { "_print_exception", thread_print_exception, 0 },
    { "_threads_alive", thread_threads_alive, 0 },
    { NULL, NULL, 0 },
};

static int thread_init(ThreadState *ts, Obj *m) {
    Obj *modname = str_intern("_thread");
    Type *types[] = { &T_lock, &T_RLock, &T_local, &T_Event };
    for (int i = 0; i < 4; i++) {
        type_ready(types[i]);
        types[i]->module = modname;
    }
    module_add(m, "LockType", V_OBJ(&T_lock));
    module_add(m, "RLock", V_OBJ(&T_RLock));
    module_add(m, "_local", V_OBJ(&T_local));
    module_add(m, "_Event", V_OBJ(&T_Event));
    module_add(m, "error", V_OBJ(&T_RuntimeError));
    module_add(m, "TIMEOUT_MAX", V_FLOAT(TIMEOUT_MAX_SECONDS));
    return 0;
}

const NativeModule thread_module_def = { "_thread", thread_functions, thread_init };
