/* state.c — the interpreter and thread states: startup and teardown. */
#include "state.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "exc.h"
#include "gc.h"
#include "objects/func.h"
#include "objects/class.h"
#include "module.h"
#include "eval.h"
#include "hooks.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/syscall.h>

Interp the_interp;
VmHooks vm_hooks;

/* Frame arena per thread: virtual memory, touched only as deep as calls go; room for a
 * million frames, so sys.setrecursionlimit(10**6) is reached as in CPython. */
#define ARENA_SIZE ((size_t)256 << 20)
/* C stack kept free below the recursion check for C code called from tiny code. */
#define C_STACK_MARGIN ((uintptr_t)256 << 10)

/* Every static type, readied at startup. */
static Type *const core_types[] = {
    &T_object, &T_type, &T_NoneType, &T_bool, &T_int, &T_float, &T_str, &T_bytes, &T_tuple,
    &T_list, &T_dict, &T_set, &T_range, &T_slice, &T_cell, &T_function, &T_builtin, &T_method,
    &T_staticmethod, &T_classmethod, &T_property, &T_module, &T_code, &T_generator,
    &T_NotImplementedType, &T_Ellipsis, &T_super,
    &T_list_iterator, &T_tuple_iterator, &T_range_iterator, &T_dict_keyiterator,
    &T_dict_valueiterator, &T_dict_itemiterator, &T_set_iterator, &T_str_iterator,
    &T_seq_iterator, &T_dict_keys, &T_dict_values, &T_dict_items, &T_bytes_iterator,
    NULL };

ThreadState *ts_new(void) {
    Interp *in = &the_interp;
    ThreadState *ts = calloc(1, sizeof(ThreadState));
    void *a = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (a == MAP_FAILED) { fputs("tiny: cannot allocate a frame arena\n", stderr); abort(); }
    ts->arena = ts->arena_top = a;
    ts->arena_end = (char *)a + ARENA_SIZE;
    ts->next = in->threads;
    in->threads = ts;
    gil_thread_init(ts);
    return ts;
}

/* Unlinks a thread state from the interpreter's list (GIL held). A thread that ends calls
 * it before dropping the GIL; the ts_free that follows then leaves the list alone. */
void ts_unlink(ThreadState *ts) {
    for (ThreadState **p = &the_interp.threads; *p; p = &(*p)->next)
        if (*p == ts) { *p = ts->next; break; }
    ts->next = ts;  /* marks it unlinked */
}

void ts_free(ThreadState *ts) {
    Interp *in = &the_interp;
    if (ts->next != ts)
        for (ThreadState **p = &in->threads; *p; p = &(*p)->next)
            if (*p == ts) { *p = ts->next; break; }
    gil_thread_discard(ts);  /* it never ran */
    v_decref(ts->exc);
    v_decref(ts->exc_info);
    o_xdecref(ts->repr_active);
    munmap(ts->arena, ARENA_SIZE);
    o_xdecref(ts->name);
    o_xdecref(ts->local_dicts);
    v_decref(ts->pending_exc);
    free(ts);
}

/* Sets the C stack limit of the calling thread, given its stack size. */
static void set_stack_limit(ThreadState *ts, size_t stack_size) {
    char here;
    uintptr_t top = (uintptr_t)&here;
    ts->c_stack_limit = stack_size > C_STACK_MARGIN * 2 ? top - (stack_size - C_STACK_MARGIN) : top - stack_size / 2;
}

ThreadState *interp_init(void) {
    Interp *in = &the_interp;
    /* no fast bins: freeing a million small objects then costs no consolidation pass */
    mallopt(M_MXFAST, 0);
    gc_init();
    in->recursion_limit = 1000;
    str_init();
    for (int i = 0; core_types[i]; i++) type_ready(core_types[i]);
    exc_init();
    ThreadState *ts = ts_new();
    in->main_ts = ts;
    ts->ident = (int64_t)pthread_self();
    ts->native_id = (int64_t)syscall(SYS_gettid);
    ts->alive = 1;
    gil_take(ts);
    struct rlimit rl;
    size_t ss = 8u << 20;
    if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 0) ss = rl.rlim_cur;
    set_stack_limit(ts, ss);
    in->modules = dict_new();
    in->sources = dict_new();
    in->argv = list_new(0);
    in->path = list_new(0);
    in->builtins_module = vm_hooks.create_builtins(ts);
    dict_set_cstr(in->modules, "builtins", V_OBJ(in->builtins_module));
    return ts;
}

/* At exit: let the threading module join the non-daemon threads (threading._shutdown). */
static void shutdown_threads(ThreadState *ts) {
    Value mod = dict_get_cstr(the_interp.modules, "threading");
    if (IS_NULL(mod)) return;
    the_interp.finalizing = 1;
    Value fn = obj_getattr_opt(ts, mod, str_intern("_shutdown"));
    if (IS_NULL(fn)) { exc_clear(ts); return; }
    Value r = obj_call0(ts, fn);
    v_decref(fn);
    if (IS_NULL(r)) {
        Value e = exc_fetch(ts);
        if (!obj_isinstance(e, &T_SystemExit)) exc_print(ts, e, stderr);
        v_decref(e);
    }
    v_decref(r);
}

void interp_after_fork_child(ThreadState *ts) {
    Interp *in = &the_interp;
    /* only the forking thread survives: forget the others (their memory is left alone,
     * so the leak count would be meaningless in this child) */
    if (in->threads != ts || ts->next) in->debug_leaks = -1;
    in->threads = ts;
    ts->next = NULL;
    in->main_ts = ts;
    ts->ident = (int64_t)pthread_self();
    ts->native_id = (int64_t)syscall(SYS_gettid);
    gil_after_fork_child(ts);
    Value mod = dict_get_cstr(in->modules, "threading");
    if (!IS_NULL(mod)) {
        Value fn = obj_getattr_opt(ts, mod, str_intern("_after_fork"));
        if (!IS_NULL(fn)) {
            Value r = obj_call0(ts, fn);
            if (IS_NULL(r)) exc_clear(ts);
            v_decref(r);
            v_decref(fn);
        } else {
            exc_clear(ts);
        }
    }
}

void interp_fini(ThreadState *ts) {
    Interp *in = &the_interp;
    shutdown_threads(ts);
    vm_hooks.flush_std(ts);
    exc_clear(ts);
    gtrace_finish(ts);
    if (in->gil_stats) gil_print_stats(stderr);
#ifndef TINY_DEBUG
    if (!in->debug_leaks) return;
#endif
    if (in->debug_leaks < 0) return;
    /* tear everything down so the leak count means something; threads still running
     * (daemons) hold objects of their own, so the count is meaningless then */
    for (ThreadState *t = in->threads; t; t = t->next)
        if (t != ts && t->alive) return;
    o_xdecref(ts->name);
    ts->name = NULL;
    o_xdecref(ts->local_dicts);
    ts->local_dicts = NULL;
    int64_t pos = 0;
    Value k, m;
    while (dict_next(in->modules, &pos, &k, &m))
        if (OBJ_IS(m, T_module) && MODULE_DICT(AS_OBJ(m))) dict_clear(MODULE_DICT(AS_OBJ(m)));
    dict_clear(in->modules);
    v_set(&ts->exc_info, V_NULL);
    if (ts->repr_active) { o_decref(ts->repr_active); ts->repr_active = NULL; }
    gc_collect(ts);
    if (in->builtins) dict_clear(in->builtins);
    o_xdecref(in->builtins_module); in->builtins_module = NULL;
    o_xdecref(in->modules); in->modules = NULL;
    o_xdecref(in->sources); in->sources = NULL;
    o_xdecref(in->argv); in->argv = NULL;
    o_xdecref(in->path); in->path = NULL;
    gc_collect(ts);
    gc_report_leaks(stderr);
}
