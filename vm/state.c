/* state.c — the interpreter and thread states: startup and teardown. */
#include "state.h"
#include "str.h"
#include "containers.h"
#include "exc.h"
#include "gc.h"
#include "func.h"
#include "module.h"
#include "eval.h"
#include "../stdlib/builtins.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

Interp the_interp;

/* Frame arena per thread: virtual memory, touched only as deep as calls go. */
#define ARENA_SIZE ((size_t)64 << 20)
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

ThreadState *ts_new(Interp *in) {
    ThreadState *ts = calloc(1, sizeof(ThreadState));
    ts->interp = in;
    void *a = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (a == MAP_FAILED) { fputs("tiny: cannot allocate a frame arena\n", stderr); abort(); }
    ts->arena = ts->arena_top = a;
    ts->arena_end = (char *)a + ARENA_SIZE;
    ts->next = in->threads;
    in->threads = ts;
    return ts;
}

void ts_free(ThreadState *ts) {
    Interp *in = ts->interp;
    for (ThreadState **p = &in->threads; *p; p = &(*p)->next)
        if (*p == ts) { *p = ts->next; break; }
    v_decref(ts->exc);
    v_decref(ts->exc_info);
    o_xdecref(ts->repr_active);
    munmap(ts->arena, ARENA_SIZE);
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
    in->gc_head.gc_next = in->gc_head.gc_prev = &in->gc_head;
    in->recursion_limit = 1000;
    in->gc_threshold = 10000;
    in->gc_enabled = 1;
    str_init();
    for (int i = 0; core_types[i]; i++) type_ready(core_types[i]);
    exc_init();
    ThreadState *ts = ts_new(in);
    in->main_ts = ts;
    struct rlimit rl;
    size_t ss = 8u << 20;
    if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 0) ss = rl.rlim_cur;
    set_stack_limit(ts, ss);
    in->modules = dict_new();
    in->sources = dict_new();
    in->argv = list_new(0);
    in->path = list_new(0);
    in->builtins_module = builtins_create(ts);
    dict_set_cstr(in->modules, "builtins", V_OBJ(in->builtins_module));
    return ts;
}

void interp_fini(ThreadState *ts) {
    Interp *in = &the_interp;
    io_flush_std(ts);
    exc_clear(ts);
#ifndef TINY_DEBUG
    if (!in->debug_leaks) return;
#endif
    /* tear everything down so the leak count means something */
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
