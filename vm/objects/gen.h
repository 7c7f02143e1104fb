/* gen.h — generator objects: a suspended frame resumed by next() and send(). */
#ifndef TINY_GEN_H
#define TINY_GEN_H

#include "object.h"

struct Frame;

/* A generator owning its (heap) frame. */
typedef struct Gen {
    Obj hdr;
    struct Frame *frame;   /* NULL once finished */
    Obj *name, *qualname;  /* Str */
    uint8_t running;
    uint8_t started;
} Gen;

/* Wraps a freshly bound heap frame in a generator (steals the frame). */
Obj *gen_new(struct Frame *f, Obj *name, Obj *qualname);
/* Drops everything a frame holds (locals, stack, references) without freeing its memory. */
void frame_clear(struct Frame *f);
/* Clears and frees a generator's heap frame. */
void frame_free_heap(struct Frame *f);

#endif
