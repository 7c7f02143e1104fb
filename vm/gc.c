/* gc.c — the cycle collector (CPython's trial deletion) over three generations of container
 * objects, its automatic trigger, and the debug leak report.
 *
 * New containers join generation 0; a collection of generation g takes the younger ones
 * with it, and what survives moves on to generation g+1 (the oldest keeps its own). The
 * trigger is CPython's: gen0's count is container allocations minus deallocations; past
 * threshold0 the allocating thread (the GIL holder) gets GC_BREAKER_BIT in its eval
 * breaker and collects at its next safe point (backward jump, frame entry, GIL offer),
 * never inside a half-built object. Every threshold1 gen0 collections gen1 is collected,
 * every threshold2 gen1 collections gen2, the latter only when the objects moved into gen2
 * since the last full collection reach a quarter of those it kept (no quadratic cost
 * for programs building large structures).
 *
 * gc_refs, the scratch word of each object, is 0 outside a collection. During one, an
 * object being collected holds 1 + the references to it not yet explained by other
 * objects being collected, or GC_REACHABLE once found reachable from outside; objects
 * of other generations and non-containers keep 0 and are never touched. */
#include "gc.h"
#include "state.h"
#include "objects/str.h"
#include <stdlib.h>
#include <string.h>

#define GC_REACHABLE (-1)   /* gc_refs mark: reachable from outside the collected objects */
#ifndef TINY_GC_THRESHOLD0
#define TINY_GC_THRESHOLD0 700 /* gen0's default threshold (a stress build sets a tiny one) */
#endif

/* Makes a list sentinel point at itself. */
static inline void list_init(GCLink *h) { h->next = h->prev = h; }

/* Moves every element of from to the end of to, leaving from empty. */
static void list_splice(GCLink *to, GCLink *from)
{
    if (from->next == from) return;
    GCLink *first = from->next, *last = from->prev;
    first->prev = to->prev;
    to->prev->next = first;
    last->next = to;
    to->prev = last;
    list_init(from);
}

void gc_init(void)
{
    static const int64_t thresholds[GC_NGENS] = { TINY_GC_THRESHOLD0, 10, 10 };
    for (int i = 0; i < GC_NGENS; i++) {
        list_init(&the_interp.gc_gens[i].head);
        the_interp.gc_gens[i].threshold = thresholds[i];
    }
    the_interp.gc_enabled = 1;
    gc_update_trigger();
}

void gc_update_trigger(void)
{
    int64_t t = the_interp.gc_gens[0].threshold;
    the_interp.gc_trigger = the_interp.gc_enabled && t != 0 ? t : INT64_MAX;
}

/* Asks the thread holding the GIL (the one allocating) to collect at its next safe point. */
static void __attribute__((noinline)) gc_request(void)
{
    if (the_interp.gc_collecting) return;
    ThreadState *h = gil_holder();
    if (h) __atomic_fetch_or(&h->eval_breaker, GC_BREAKER_BIT, __ATOMIC_RELAXED);
}

void gc_track(Obj *o)
{
    GCGen *g = &the_interp.gc_gens[0];
    GCLink *h = &g->head, *l = GC_LINK(o);
    l->prev = h->prev;
    l->next = h;
    h->prev->next = l;
    h->prev = l;
    if (__builtin_expect(++g->count > the_interp.gc_trigger, 0)) gc_request();
}

void gc_untrack(Obj *o)
{
    GCLink *l = GC_LINK(o);
    if (!l->next) return;
    l->prev->next = l->next;
    l->next->prev = l->prev;
    l->next = l->prev = NULL;
    if (the_interp.gc_gens[0].count > 0) the_interp.gc_gens[0].count--;
}

/* Visitor: a reference from inside the collected set explains one of the referent's. */
static void visit_decref(Value v, void *arg)
{
    (void)arg;
    if (v.tag == VT_OBJ && v.as.o->gc_refs > 1) v.as.o->gc_refs--;
}

/* A growable stack of objects for the mark phase. */
typedef struct ObjStack { Obj **items; int64_t len, cap; } ObjStack;

/* Makes room in s for one more object (the slow path of stack_push). */
static void __attribute__((noinline)) stack_grow(ObjStack *s)
{
    s->cap = s->cap ? s->cap * 2 : 256;
    Obj **n = realloc(s->items, sizeof(Obj *) * (size_t)s->cap);
    if (!n) { fputs("tiny: out of memory\n", stderr); abort(); }
    s->items = n;
}

static inline void stack_push(ObjStack *s, Obj *o)
{
    if (__builtin_expect(s->len == s->cap, 0)) stack_grow(s);
    s->items[s->len++] = o;
}

/* Visitor: marks a collected referent reachable and schedules its traversal. */
static void visit_reach(Value v, void *arg)
{
    if (v.tag != VT_OBJ) return;
    Obj *o = v.as.o;
    if (o->gc_refs < 1) return;
    o->gc_refs = GC_REACHABLE;
    stack_push((ObjStack *)arg, o);
}

int64_t gc_collect_generation(ThreadState *ts, int gen)
{
    (void)ts;
    Interp *in = &the_interp;
    if (in->gc_collecting) return -1;
    in->gc_collecting = 1;
    GCGen *gens = in->gc_gens;
    for (int i = 0; i < gen; i++) list_splice(&gens[gen].head, &gens[i].head);
    if (gen + 1 < GC_NGENS) gens[gen + 1].count++;
    for (int i = 0; i <= gen; i++) gens[i].count = 0;
    GCLink *h = &gens[gen].head;
    /* 1. gc_refs = 1 + refcnt for every collected object; immortal ones are roots. */
    ObjStack st = { NULL, 0, 0 };
    for (GCLink *l = h->next; l != h; l = l->next) {
        Obj *o = GC_OBJ(l);
        if (o->refcnt >= IMMORTAL_REFCNT / 2) {
            o->gc_refs = GC_REACHABLE;
            stack_push(&st, o);
        } else {
            o->gc_refs = o->refcnt >= INT32_MAX - 1 ? INT32_MAX : (int32_t)o->refcnt + 1;
        }
    }
    /* 2. Subtract the references the collected objects hold to each other. */
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
        if (o->gc_refs > 1) {
            o->gc_refs = GC_REACHABLE;
            stack_push(&st, o);
        }
    }
    /* 4. The rest is garbage; everything leaves the collection (gc_refs back to 0) and
     * moves on to the next generation, where the garbage unlinks itself when freed. */
    ObjStack garbage = { NULL, 0, 0 };
    int64_t survivors = 0;
    for (GCLink *l = h->next; l != h; l = l->next) {
        Obj *o = GC_OBJ(l);
        if (o->gc_refs == GC_REACHABLE) survivors++;
        else stack_push(&garbage, o);
        o->gc_refs = 0;
    }
    if (gen + 1 < GC_NGENS) {
        list_splice(&gens[gen + 1].head, h);
        if (gen + 1 == GC_NGENS - 1) in->gc_long_lived_pending += survivors;
    } else {
        in->gc_long_lived_total = survivors;
        in->gc_long_lived_pending = 0;
    }
    for (int64_t i = 0; i < garbage.len; i++) o_incref(garbage.items[i]);
    for (int64_t i = 0; i < garbage.len; i++) {
        Obj *o = garbage.items[i];
        if (o->type->clear) o->type->clear(o);
    }
    for (int64_t i = 0; i < garbage.len; i++) o_decref(garbage.items[i]);
    int64_t n = garbage.len;
    free(st.items);
    free(garbage.items);
    gens[gen].collections++;
    gens[gen].collected += n;
    in->gc_collecting = 0;
    return n;
}

int64_t gc_collect(ThreadState *ts)
{
    int64_t n = gc_collect_generation(ts, GC_NGENS - 1);
    return n < 0 ? 0 : n;
}

bool gc_due(void)
{
    return the_interp.gc_gens[0].count > the_interp.gc_trigger && !the_interp.gc_collecting;
}

void gc_maybe_collect(ThreadState *ts)
{
    if (!gc_due()) return;
    GCGen *gens = the_interp.gc_gens;
    for (int i = GC_NGENS - 1; i >= 0; i--) {
        if (gens[i].count <= gens[i].threshold) continue;
        /* a full collection waits until enough new objects reached the oldest generation */
        if (i == GC_NGENS - 1 && the_interp.gc_long_lived_pending < the_interp.gc_long_lived_total / 4)
            continue;
        gc_collect_generation(ts, i);
        return;
    }
}

/* One row of the leak report. */
typedef struct LeakRow { const char *name; int64_t count; } LeakRow;

void gc_report_leaks(FILE *out)
{
    if (the_interp.live_objects == 0) return;
    fprintf(out, "tiny: %lld objects leaked\n", (long long)the_interp.live_objects);
    LeakRow *rows = NULL;
    int nrows = 0, cap = 0;
    for (int g = 0; g < GC_NGENS; g++) {
        GCLink *h = &the_interp.gc_gens[g].head;
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
                    if (!nr) goto done;
                    rows = nr;
                }
                rows[nrows].name = name;
                rows[nrows].count = 0;
                nrows++;
            }
            rows[i].count++;
        }
    }
done:
    for (int i = 0; i < nrows; i++)
        fprintf(out, "  %s: %lld\n", rows[i].name, (long long)rows[i].count);
    free(rows);
}
