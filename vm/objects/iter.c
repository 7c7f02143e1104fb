/* iter.c — the sequence iterator, written once: an index into a sequence, shared by the
 * list and tuple iterators (which read the items directly) and the generic iterator of
 * objects that only have __getitem__. */
#include "objects/iter.h"
#include "objects/list.h"
#include "objects/tuple.h"
#include "exc.h"

Obj *seqiter_new(Type *type, Value seq)
{
    SeqIter *it = (SeqIter *)obj_alloc(type, sizeof(SeqIter));
    it->seq = v_new(seq);
    it->index = 0;
    return &it->hdr;
}

/* Drops the sequence. */
static void seqiter_dealloc(Obj *self)
{
    v_decref(((SeqIter *)self)->seq);
}

/* GC: visits the sequence. */
static void seqiter_traverse(Obj *self, VisitFn visit, void *arg)
{
    SeqIter *it = (SeqIter *)self;
    if (IS_OBJ(it->seq))
        visit(it->seq, arg);
}

/* GC: drops the sequence; also how an exhausted iterator lets it go. */
static void seqiter_clear(Obj *self)
{
    SeqIter *it = (SeqIter *)self;
    Value v = it->seq;
    it->seq = V_NULL;
    v_decref(v);
}

/* The next of n items, or the end (letting go of the sequence). */
static Value items_next(SeqIter *it, const Value *items, int64_t n)
{
    if (it->index < n)
        return v_new(items[it->index++]);
    seqiter_clear(&it->hdr);
    return V_NULL;
}

/* next(it) over a list (sees appends made during the iteration). */
static Value listiter_next(ThreadState *ts, Value self)
{
    SeqIter *it = (SeqIter *)AS_OBJ(self);
    if (IS_NULL(it->seq))
        return V_NULL;
    return items_next(it, AS_LIST(it->seq)->items, AS_LIST(it->seq)->len);
}

/* next(it) over a tuple. */
static Value tupleiter_next(ThreadState *ts, Value self)
{
    SeqIter *it = (SeqIter *)AS_OBJ(self);
    if (IS_NULL(it->seq))
        return V_NULL;
    return items_next(it, AS_TUPLE(it->seq)->items, AS_TUPLE(it->seq)->len);
}

/* next(it): seq[index], ending at IndexError or StopIteration. */
static Value seqiter_next(ThreadState *ts, Value self)
{
    SeqIter *it = (SeqIter *)AS_OBJ(self);
    if (IS_NULL(it->seq))
        return V_NULL;
    Value v = obj_getitem(ts, it->seq, V_INT(it->index));
    if (IS_NULL(v)) {
        if (exc_matches(ts, &T_IndexError) || exc_matches(ts, &T_StopIteration)) {
            exc_clear(ts);
            seqiter_clear(&it->hdr);
        }
        return V_NULL;
    }
    it->index++;
    return v;
}

/* The three iterator types share the SeqIter layout and machinery; they differ in name and next. */
#define SEQITER_TYPE(var, pyname, nextfn)                                                   \
    Type var = { .name = pyname, .base = &T_object, .flags = TF_GC, .basicsize = sizeof(SeqIter), \
                 .dealloc = seqiter_dealloc, .traverse = seqiter_traverse, .clear = seqiter_clear, \
                 .iter = obj_iter_self, .next = nextfn }

SEQITER_TYPE(T_seq_iterator, "iterator", seqiter_next);
SEQITER_TYPE(T_list_iterator, "list_iterator", listiter_next);
SEQITER_TYPE(T_tuple_iterator, "tuple_iterator", tupleiter_next);
