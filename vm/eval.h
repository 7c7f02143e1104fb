/* eval.h — frames and the interpreter loop. */
#ifndef TINY_EVAL_H
#define TINY_EVAL_H

#include "object.h"
#include "code.h"

/* One entry of a frame's block stack. */
typedef struct Block { int type; int handler; int level; } Block;
enum { BLOCK_FINALLY, BLOCK_EXCEPT_HANDLER };

/* An activation record. Normal calls take frames from the thread's arena; a
 * generator's frame is malloc'ed and owned by the generator. */
typedef struct Frame {
    struct Frame *prev;
    Code *code;
    Obj *func;            /* Func or NULL */
    Obj *globals;         /* Dict */
    Obj *locals_dict;     /* Dict for module and class bodies, else NULL */
    Value *locals;        /* nlocals + ncellvars + nfreevars slots */
    Value *stack;         /* base of the value stack */
    Value *sp;            /* saved stack top while not running */
    uint32_t *ip;         /* saved next instruction */
    Block *blocks; int nblocks;
    uint8_t is_gen;       /* owned by a generator */
    uint8_t entry;        /* return from the eval loop when this frame returns */
    uint8_t owns_code;    /* holds its own references to code and globals (no func) */
    int lasti;            /* index of the instruction being executed (tracebacks) */
    Obj *init_obj;        /* an __init__ frame run for a class call: the call's result */
} Frame;

/* Runs a code object as a module or class body with these namespaces. */
Value vm_run_code(ThreadState *ts, Code *code, Obj *globals, Obj *locals);
/* Calls a tiny function (obj_call dispatches here for Func). */
Value vm_call_function(ThreadState *ts, Obj *func, Value *args, int nargs, Obj *kwnames);
/* Resumes a generator's frame with a sent value; sets *done when it returned. */
Value vm_resume(ThreadState *ts, Frame *f, Value sent, bool *done);
/* The current line of a frame. */
int frame_line(Frame *f);
/* Checks signals and requests flagged in the eval breaker; -1 with an exception set. */
int vm_handle_breaker(ThreadState *ts);

#endif
