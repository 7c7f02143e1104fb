/* state.h — interpreter-wide state and per-thread state.
 * All mutable state of tiny lives in the one Interp (the_interp) and in one
 * ThreadState per thread. Built-in types are static but immutable after startup. */
#ifndef TINY_STATE_H
#define TINY_STATE_H

#include "object.h"
#include <signal.h>
#include "gil/gil.h"
#include "gil/gtrace.h"

struct Frame;

/* Interned-string table (open addressing over Str pointers). */
typedef struct InternTable { Obj **slots; int64_t cap, used; } InternTable;

/* One entry of the type attribute cache: (type, name) -> borrowed value. */
typedef struct TypeCacheEntry { Type *type; Obj *name; uint64_t epoch; Value value; } TypeCacheEntry;
#define TYPE_CACHE_SIZE 1024

/* Number of generations of the cycle collector. */
#define GC_NGENS 3

/* One generation of the cycle collector: a circular list of tracked containers. */
typedef struct GCGen {
    GCLink head;            /* sentinel of the list */
    int64_t count;          /* gen0: container allocations minus deallocations since its last
                             * collection; older: collections of the next younger since its own */
    int64_t threshold;      /* count above which the generation is collected (gc.set_threshold) */
    int64_t collections, collected; /* gc.get_stats() figures */
} GCGen;

/* Interpreter-wide state. */
typedef struct Interp {
    Obj *builtins;          /* Dict: the builtins namespace */
    Obj *builtins_module;   /* Module */
    Obj *modules;           /* Dict: sys.modules */
    Obj *sources;           /* Dict: filename Str -> source Str, for traceback lines */
    Obj *argv;              /* List: sys.argv */
    Obj *path;              /* List: sys.path (script dir, TINYPATH entries) */
    InternTable interned;
    GCGen gc_gens[GC_NGENS]; /* the cycle collector's generations, youngest first (vm/gc.c) */
    int64_t gc_trigger;     /* gen0 count above which a collection is requested (INT64_MAX: never) */
    int64_t gc_long_lived_total;   /* objects in the oldest generation after the last full collection */
    int64_t gc_long_lived_pending; /* objects moved into the oldest generation since then */
    int gc_enabled;         /* gc.isenabled(): automatic collection on */
    int gc_collecting;      /* a collection is running (no nested one) */
    int64_t live_objects;   /* objects alive, immortals excluded (leak check) */
    int recursion_limit;    /* sys.getrecursionlimit() */
    volatile sig_atomic_t sigint_pending; /* set by the SIGINT handler */
    volatile sig_atomic_t sig_pending[65]; /* signal n arrived; its tiny handler has not run */
    volatile sig_atomic_t sig_any_pending;   /* some sig_pending[n] is set */
    struct ThreadState *threads;  /* all thread states */
    struct ThreadState *main_ts;
    int interactive;        /* running the REPL */
    int gil_stats;          /* --gil-stats: print the report at exit */
    GtState gtrace;         /* --gil-trace, --gil-timeline (vm/gil/gtrace.c) */
    int finalizing;         /* the main program has ended: waiting for threads, exiting */
    uint64_t type_epoch;    /* bumped when any class namespace changes: invalidates type_cache */
    uint64_t dict_version;  /* source of dict versions: unique across all dicts */
    void *freelist[32];     /* freed small objects by 16-byte size class (obj_alloc/obj_free) */
    char *pool_next, *pool_end; /* the unused rest of the newest small-object chunk */
    int free_depth;         /* nesting of obj_free (deallocations freeing their contents) */
    Obj **free_pending;     /* objects whose deallocation was deferred (the "trashcan") */
    int64_t nfree_pending, capfree_pending;
    TypeCacheEntry type_cache[TYPE_CACHE_SIZE];
    int debug_leaks;        /* report leaks at exit */
    void *dict_small_tables; /* freed smallest dict tables kept for reuse (vm/objects/dict.c) */
    int dict_nsmall_tables;
} Interp;

/* The interpreter. */
extern Interp the_interp;

/* Per-thread state: what one thread of tiny code needs of its own. */
struct ThreadState {
    Value exc;              /* the pending exception (V_NULL: none) */
    Value exc_info;         /* the exception being handled (bare raise, __context__) */
    struct Frame *frame;    /* the innermost running frame */
    char *arena, *arena_top, *arena_end; /* frame memory (locals, stacks, blocks) */
    int depth;              /* call depth, checked against recursion_limit */
    volatile int eval_breaker; /* nonzero: the eval loop must look at signals / requests */
    int64_t ident;          /* thread identifier (pthread_self as an int) */
    int64_t native_id;      /* the kernel's thread id */
    int64_t ticks_left;     /* instructions left before offering the GIL (gil_engaged only) */
    GilThread gil;          /* GIL queue link, parking, statistics */
    Obj *name;              /* Str: the thread's name for reports (set by threading), or NULL */
    Obj *local_dicts;       /* Dict: per-thread dicts of _thread._local objects, or NULL */
    Value pending_exc;      /* exception to raise at the next check (deadlock), or V_NULL */
    int alive;              /* started and not finished */
    uintptr_t c_stack_limit; /* lowest safe C stack address: deeper raises RecursionError */
    Obj *repr_active;       /* List of containers being repr'd (recursion guard "[...]") */
    struct ThreadState *next;
};

/* Sets up the interpreter and the main thread state. */
ThreadState *interp_init(void);
/* Tears the interpreter down (modules cleared, cycles collected, leak report in debug builds). */
void interp_fini(ThreadState *ts);
/* In a child after fork(): only the calling thread survives, with a fresh GIL. */
void interp_after_fork_child(ThreadState *ts);
/* Creates a thread state linked into the interpreter. */
ThreadState *ts_new(void);
/* Unlinks a finishing thread from the_interp.threads (GIL held); ts_free then skips the list. */
void ts_unlink(ThreadState *ts);
/* Frees a thread state (its frames must be gone). */
void ts_free(ThreadState *ts);

#endif
