/* gen.h — generator objects: a suspended frame resumed by next(), send() and throw(). */
#ifndef TINY_GEN_H
#define TINY_GEN_H

#include "object.h"

struct Frame;

/* A generator owning its (heap) frame. */
typedef struct Gen {
    Obj hdr;
    struct Frame *frame;   /* NULL once finished */
    Obj *name, *qualname;  /* Str */
    Obj *code;             /* Code the frame runs (gi_code, kept after the frame is gone) */
    Value exc_state;       /* the exception its suspended frame is handling, or V_NULL */
    uint8_t running;
    uint8_t started;
} Gen;

/* What resuming a generator (or any delegated-to iterator) did. */
typedef enum { GEN_ERROR = -1, GEN_RETURN = 0, GEN_YIELD = 1 } GenStatus;

/* Wraps a freshly bound heap frame in a generator (steals the frame). */
Obj *gen_new(struct Frame *f, Obj *name, Obj *qualname);
/* Resumes g with v sent in, or with the pending exception raised at its yield when v is
 * V_NULL; *out gets the yielded or returned value (new reference). */
GenStatus gen_send_ex(ThreadState *ts, Obj *g, Value v, Value *out);
/* One step of `yield from`/`await` on receiver recv: send v (next() for None on a plain
 * iterator); GEN_RETURN with *out the StopIteration value once recv is done. */
GenStatus gen_delegate_send(ThreadState *ts, Value recv, Value v, Value *out);
/* next(g) for a generator: the yielded value, or StopIteration carrying the return value. */
Value gen_next_raising(ThreadState *ts, Value g);
/* Drops everything a frame holds (locals, stack, references) without freeing its memory. */
void frame_clear(struct Frame *f);
/* Clears and frees a generator's heap frame. */
void frame_free_heap(struct Frame *f);

#endif
