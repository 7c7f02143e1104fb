/* gc.c — the cycle collector (CPython's trial deletion) over the interpreter's
 * circular list of container objects, and the debug leak report. */
#include "gc.h"
#include "state.h"
#include "objects/str.h"
#include <stdlib.h>
#include <string.h>

#define GC_REACHABLE (-1)   /* gc_refs mark: reachable from outside the candidates */

/* Makes sure the list sentinel points at itself. */
static void gc_init_head(void)
{
    GCLink *h = &the_interp.gc_head;
    if (!h->next) h->next = h->prev = h;
}

void gc_track(Obj *o)
{
    gc_init_head();
    GCLink *h = &the_interp.gc_head, *l = GC_LINK(o);
    l->prev = h->prev;
    l->next = h;
    h->prev->next = l;
    h->prev = l;
    the_interp.gc_tracked++;
    the_interp.gc_allocs++;
}

void gc_untrack(Obj *o)
{
    GCLink *l = GC_LINK(o);
    if (!l->next) return;
    l->prev->next = l->next;
    l->next->prev = l->prev;
    l->next = l->prev = NULL;
    the_interp.gc_tracked--;
}

/* Whether an object takes part in collection (tracked, not immortal). */
static inline bool gc_candidate(Obj *o)
{
    return (o->alloc_class & OBJ_GC_PREFIX) && GC_LINK(o)->next != NULL && o->refcnt < IMMORTAL_REFCNT / 2;
}

/* Visitor: a reference from inside the candidate set. */
static void visit_decref(Value v, void *arg)
{
    (void)arg;
    if (v.tag != VT_OBJ) return;
    Obj *o = v.as.o;
    if (gc_candidate(o) && o->gc_refs > 0) o->gc_refs--;
}

/* A growable stack of objects for the mark phase. */
typedef struct ObjStack { Obj **items; int64_t len, cap; } ObjStack;

static void stack_push(ObjStack *s, Obj *o)
{
    if (s->len == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        Obj **n = realloc(s->items, sizeof(Obj *) * (size_t)s->cap);
        if (!n) abort();
        s->items = n;
    }
    s->items[s->len++] = o;
}

/* Visitor: marks a referent reachable and schedules it. */
static void visit_reach(Value v, void *arg)
{
    if (v.tag != VT_OBJ) return;
    Obj *o = v.as.o;
    if (!gc_candidate(o) || o->gc_refs == GC_REACHABLE) return;
    o->gc_refs = GC_REACHABLE;
    stack_push((ObjStack *)arg, o);
}

int64_t gc_collect(ThreadState *ts)
{
    (void)ts;
    gc_init_head();
    GCLink *h = &the_interp.gc_head;
    int saved_enabled = the_interp.gc_enabled;
    the_interp.gc_enabled = 0;
    /* 1. gc_refs = refcnt for every candidate; immortal ones are roots. */
    ObjStack st = { NULL, 0, 0 };
    for (GCLink *l = h->next; l != h; l = l->next) {
        Obj *o = GC_OBJ(l);
        if (gc_candidate(o)) {
            o->gc_refs = o->refcnt;
        } else {
            o->gc_refs = GC_REACHABLE;
            stack_push(&st, o);
        }
    }
    /* 2. Subtract internal references. */
    for (GCLink *l = h->next; l != h; l = l->next) {
        Obj *o = GC_OBJ(l);
        if (o->gc_refs != GC_REACHABLE && o->type->traverse) o->type->traverse(o, visit_decref, NULL);
    }
    /* 3. Everything reachable from an object with outside references survives. */
    for (GCLink *l = h->next;; l = l->next) {
        while (st.len > 0) {
            Obj *x = st.items[--st.len];
            if (x->type->traverse) x->type->traverse(x, visit_reach, &st);
        }
        if (l == h) break;
        Obj *o = GC_OBJ(l);
        if (o->gc_refs > 0) {
            o->gc_refs = GC_REACHABLE;
            stack_push(&st, o);
        }
    }
    /* 4. The rest is garbage. */
    ObjStack garbage = { NULL, 0, 0 };
    for (GCLink *l = h->next; l != h; l = l->next)
        if (GC_OBJ(l)->gc_refs != GC_REACHABLE) stack_push(&garbage, GC_OBJ(l));
    for (int64_t i = 0; i < garbage.len; i++) o_incref(garbage.items[i]);
    for (int64_t i = 0; i < garbage.len; i++) {
        Obj *o = garbage.items[i];
        if (o->type->clear) o->type->clear(o);
    }
    for (int64_t i = 0; i < garbage.len; i++) o_decref(garbage.items[i]);
    int64_t n = garbage.len;
    free(st.items);
    free(garbage.items);
    the_interp.gc_allocs = 0;
    the_interp.gc_enabled = saved_enabled;
    return n;
}

void gc_maybe_collect(ThreadState *ts)
{
    if (the_interp.gc_enabled && the_interp.gc_threshold > 0 &&
        the_interp.gc_allocs > the_interp.gc_threshold)
        gc_collect(ts);
}

/* One row of the leak report. */
typedef struct LeakRow { const char *name; int64_t count; } LeakRow;

void gc_report_leaks(FILE *out)
{
    if (the_interp.live_objects == 0) return;
    fprintf(out, "tiny: %lld objects leaked\n", (long long)the_interp.live_objects);
    gc_init_head();
    GCLink *h = &the_interp.gc_head;
    LeakRow *rows = NULL;
    int nrows = 0, cap = 0;
    for (GCLink *l = h->next; l != h; l = l->next) {
        Obj *o = GC_OBJ(l);
        if (o->refcnt >= IMMORTAL_REFCNT / 2) continue;
        const char *name = !o->type ? "?" : o->type->name_obj ? STR_DATA(o->type->name_obj)
                         : o->type->name ? o->type->name : "?";
        int i;
        for (i = 0; i < nrows; i++)
            if (strcmp(rows[i].name, name) == 0) break;
        if (i == nrows) {
            if (nrows == cap) {
                cap = cap ? cap * 2 : 16;
                LeakRow *nr = realloc(rows, sizeof(LeakRow) * (size_t)cap);
                if (!nr) break;
                rows = nr;
            }
            rows[nrows].name = name;
            rows[nrows].count = 0;
            nrows++;
        }
        rows[i].count++;
    }
    for (int i = 0; i < nrows; i++)
        fprintf(out, "  %s: %lld\n", rows[i].name, (long long)rows[i].count);
    free(rows);
}
