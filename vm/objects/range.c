/* range.c — range objects and their iterator, slice objects and index
 * resolution (PySlice_GetIndicesEx), and the generic sequence iterator. */
#include "objects/containers.h"
#include "exc.h"
#include "objects/num.h"
#include "objects/long.h"
#include "objects/str.h"
#include "state.h"
#include <string.h>

/* Number of items of range(start, stop, step), or -1 if it exceeds int64. */
static int64_t range_length(int64_t start, int64_t stop, int64_t step)
{
    uint64_t diff, st, n;
    if (step > 0) {
        if (start >= stop)
            return 0;
        diff = (uint64_t)stop - (uint64_t)start;
        st = (uint64_t)step;
    } else {
        if (start <= stop)
            return 0;
        diff = (uint64_t)start - (uint64_t)stop;
        st = 0 - (uint64_t)step;
    }
    n = st == 1 ? diff : (diff - 1) / st + 1;
    return n > (uint64_t)INT64_MAX ? -1 : (int64_t)n;
}

Obj *range_new(int64_t start, int64_t stop, int64_t step)
{
    Range *r = (Range *)obj_alloc(&T_range, sizeof(Range));
    r->start = start;
    r->stop = stop;
    r->step = step;
    r->len = range_length(start, stop, step);
    return &r->hdr;
}

/* An integer argument of range(): ints, bools and objects with __index__. */
static int range_arg(ThreadState *ts, Value v, int64_t *out)
{
    if (IS_INTLIKE(v)) {
        *out = AS_INT(v);
        return 0;
    }
    return obj_as_index(ts, v, out);
}

/* range(stop), range(start, stop[, step]). */
static Value range_new_(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames)
{
    if (kwnames && ((Tuple *)kwnames)->len)
        return exc_raise(ts, &T_TypeError, "range() takes no keyword arguments");
    if (nargs < 1)
        return exc_raise(ts, &T_TypeError, "range expected at least 1 argument, got %d", nargs);
    if (nargs > 3)
        return exc_raise(ts, &T_TypeError, "range expected at most 3 arguments, got %d", nargs);
    int64_t start = 0, stop, step = 1;
    if (nargs == 1) {
        if (range_arg(ts, args[0], &stop) < 0)
            return V_NULL;
    } else {
        if (range_arg(ts, args[0], &start) < 0 || range_arg(ts, args[1], &stop) < 0)
            return V_NULL;
        if (nargs == 3) {
            if (range_arg(ts, args[2], &step) < 0)
                return V_NULL;
            if (step == 0)
                return exc_raise(ts, &T_ValueError, "range() arg 3 must not be zero");
        }
    }
    return V_OBJ(range_new(start, stop, step));
}

/* repr(): "range(0, 5)" or "range(0, 5, 2)". */
static Value range_repr(ThreadState *ts, Value self)
{
    Range *r = (Range *)AS_OBJ(self);
    if (r->step == 1)
        return V_OBJ(str_fmt("range(%lld, %lld)", (long long)r->start, (long long)r->stop));
    return V_OBJ(str_fmt("range(%lld, %lld, %lld)", (long long)r->start, (long long)r->stop,
                         (long long)r->step));
}

/* len(); OverflowError when it does not fit. */
static int64_t range_len(ThreadState *ts, Value self)
{
    Range *r = (Range *)AS_OBJ(self);
    if (r->len < 0) {
        exc_raise(ts, &T_OverflowError, "Python int too large to convert to C ssize_t");
        return -1;
    }
    return r->len;
}

/* bool(). */
static int range_truthy(ThreadState *ts, Value self)
{
    return ((Range *)AS_OBJ(self))->len != 0;
}

/* Converts a subscript to an int: 1 with *out set, 0 if it is not an int, -1 on error. */
static int subscript_index(ThreadState *ts, Value key, int64_t *out)
{
    if (IS_INTLIKE(key)) {
        *out = AS_INT(key);
        return 1;
    }
    if (IS_OBJ(key) && (AS_OBJ(key)->type->flags & TF_HEAPTYPE)) {
        if (type_lookup(AS_OBJ(key)->type, NAME(__index__)).tag == VT_NULL)
            return 0;
        return obj_as_index(ts, key, out) < 0 ? -1 : 1;
    }
    return 0;
}

/* Whether a 128-bit value fits in int64. */
static bool fits64(__int128 v)
{
    return v >= INT64_MIN && v <= INT64_MAX;
}

/* r[i] and r[a:b:c] (a range). */
static Value range_getitem(ThreadState *ts, Value self, Value key)
{
    Range *r = (Range *)AS_OBJ(self);
    int64_t i;
    int k = subscript_index(ts, key, &i);
    if (k < 0)
        return V_NULL;
    if (k) {
        if (r->len < 0)
            return exc_raise(ts, &T_OverflowError, "Python int too large to convert to C ssize_t");
        if (i < 0)
            i += r->len;
        if (i < 0 || i >= r->len)
            return exc_raise(ts, &T_IndexError, "range object index out of range");
        return V_INT((int64_t)((__int128)r->start + (__int128)i * r->step));
    }
    if (OBJ_IS(key, T_slice)) {
        int64_t start, stop, step, n;
        if (r->len < 0)
            return exc_raise(ts, &T_OverflowError, "Python int too large to convert to C ssize_t");
        if (slice_indices(ts, AS_OBJ(key), r->len, &start, &stop, &step, &n) < 0)
            return V_NULL;
        __int128 nstart = (__int128)r->start + (__int128)start * r->step;
        __int128 nstop = (__int128)r->start + (__int128)stop * r->step;
        __int128 nstep = (__int128)r->step * step;
        if (!fits64(nstart) || !fits64(nstop) || !fits64(nstep))
            return int_overflow(ts);
        return V_OBJ(range_new((int64_t)nstart, (int64_t)nstop, (int64_t)nstep));
    }
    return exc_raise(ts, &T_TypeError, "range indices must be integers or slices, not %s",
                     obj_type_name(key));
}

/* Whether the int n is one of the values of r. */
static bool range_has_int(Range *r, int64_t n)
{
    __int128 d;
    if (r->step > 0) {
        if (n < r->start || n >= r->stop)
            return false;
        d = (__int128)n - r->start;
        return d % r->step == 0;
    }
    if (n > r->start || n <= r->stop)
        return false;
    d = (__int128)r->start - n;
    return d % (-(__int128)r->step) == 0;
}

/* x in r: arithmetic for ints, else a scan comparing with ==. */
static int range_contains(ThreadState *ts, Value self, Value item)
{
    Range *r = (Range *)AS_OBJ(self);
    if (IS_INTLIKE(item))
        return range_has_int(r, AS_INT(item));
    int64_t n = r->len < 0 ? INT64_MAX : r->len;
    for (int64_t i = 0; i < n; i++) {
        Value v = V_INT((int64_t)((__int128)r->start + (__int128)i * r->step));
        int k = obj_eq(ts, v, item);
        if (k)
            return k;
    }
    return 0;
}

/* iter(r): a range_iterator. */
static Value range_iter(ThreadState *ts, Value self)
{
    Range *r = (Range *)AS_OBJ(self);
    if (r->len < 0)
        return exc_raise(ts, &T_OverflowError, "Python int too large to convert to C ssize_t");
    RangeIter *it = (RangeIter *)obj_alloc(&T_range_iterator, sizeof(RangeIter));
    it->next = r->start;
    it->step = r->step;
    it->remaining = r->len;
    return V_OBJ(it);
}

/* r == other: ranges are equal when they describe the same sequence. */
static Value range_richcmp(ThreadState *ts, Value a, Value b, int op)
{
    if (!OBJ_IS(a, T_range) || !OBJ_IS(b, T_range) || (op != CMP_EQ && op != CMP_NE))
        return V_NOTIMPL;
    Range *x = (Range *)AS_OBJ(a), *y = (Range *)AS_OBJ(b);
    bool eq;
    if (x == y)
        eq = true;
    else if (x->len != y->len)
        eq = false;
    else if (x->len == 0)
        eq = true;
    else if (x->start != y->start)
        eq = false;
    else if (x->len == 1)
        eq = true;
    else
        eq = x->step == y->step;
    return V_BOOL(eq == (op == CMP_EQ));
}

/* hash(r): CPython's hash((len, start, step)) with None for irrelevant parts. */
static int64_t range_hash(ThreadState *ts, Value self)
{
    Range *r = (Range *)AS_OBJ(self);
    Value t3[3] = { V_INT(r->len), V_NONE, V_NONE };
    if (r->len > 0) {
        t3[1] = V_INT(r->start);
        if (r->len > 1)
            t3[2] = V_INT(r->step);
    }
    Obj *t = tuple_from_array(t3, 3);
    int64_t h = obj_hash(ts, V_OBJ(t));
    o_decref(t);
    return h;
}

/* Whether a Str name equals a C string. */
static bool name_is(Obj *name, Obj *wk, const char *s)
{
    return name == wk || str_eq_cstr(name, s);
}

/* r.start, r.stop, r.step, else the generic lookup. */
static Value range_getattr(ThreadState *ts, Value self, Obj *name)
{
    Range *r = (Range *)AS_OBJ(self);
    if (name_is(name, NAME(start), "start"))
        return V_INT(r->start);
    if (name_is(name, NAME(stop), "stop"))
        return V_INT(r->stop);
    if (name_is(name, NAME(step), "step"))
        return V_INT(r->step);
    return obj_generic_getattr(ts, self, name);
}

/* range.index(x). */
static Value range_index(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if ((kwnames && ((Tuple *)kwnames)->len) || nargs != 2)
        return exc_raise(ts, &T_TypeError, "range.index() takes exactly one argument (%d given)",
                         nargs - 1);
    Range *r = (Range *)AS_OBJ(args[0]);
    Value x = args[1];
    if (IS_INTLIKE(x)) {
        if (range_has_int(r, AS_INT(x)))
            return V_INT((int64_t)(((__int128)AS_INT(x) - r->start) / r->step));
    } else {
        int64_t n = r->len < 0 ? INT64_MAX : r->len;
        for (int64_t i = 0; i < n; i++) {
            Value v = V_INT((int64_t)((__int128)r->start + (__int128)i * r->step));
            int k = obj_eq(ts, v, x);
            if (k < 0)
                return V_NULL;
            if (k)
                return V_INT(i);
        }
    }
    Value rep = obj_repr(ts, x);
    if (IS_NULL(rep))
        return V_NULL;
    exc_raise(ts, &T_ValueError, "%s is not in range", STR_DATA(AS_OBJ(rep)));
    v_decref(rep);
    return V_NULL;
}

/* range.count(x). */
static Value range_count(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if ((kwnames && ((Tuple *)kwnames)->len) || nargs != 2)
        return exc_raise(ts, &T_TypeError, "range.count() takes exactly one argument (%d given)",
                         nargs - 1);
    Range *r = (Range *)AS_OBJ(args[0]);
    if (IS_INTLIKE(args[1]))
        return V_INT(range_has_int(r, AS_INT(args[1])) ? 1 : 0);
    int64_t n = r->len < 0 ? INT64_MAX : r->len, c = 0;
    for (int64_t i = 0; i < n; i++) {
        Value v = V_INT((int64_t)((__int128)r->start + (__int128)i * r->step));
        int k = obj_eq(ts, v, args[1]);
        if (k < 0)
            return V_NULL;
        c += k;
    }
    return V_INT(c);
}

/* The methods of range. */
static const MethodDef range_methods[] = {
    { "index", range_index, 0 },
    { "count", range_count, 0 },
    { NULL, NULL, 0 },
};

Type T_range = {
    .name = "range",
    .base = &T_object,
    .flags = 0,
    .basicsize = sizeof(Range),
    .methods = range_methods,
    .new_ = range_new_,
    .repr = range_repr,
    .hash = range_hash,
    .richcmp = range_richcmp,
    .getattr = range_getattr,
    .iter = range_iter,
    .len = range_len,
    .getitem = range_getitem,
    .contains = range_contains,
    .truthy = range_truthy,
};

/* ---- range_iterator ---- */


/* next(it) over a range. */
static Value rangeiter_next(ThreadState *ts, Value self)
{
    RangeIter *it = (RangeIter *)AS_OBJ(self);
    if (it->remaining <= 0)
        return V_NULL;
    int64_t v = it->next;
    it->next = (int64_t)((uint64_t)it->next + (uint64_t)it->step);
    it->remaining--;
    return V_INT(v);
}

Type T_range_iterator = {
    .name = "range_iterator",
    .base = &T_object,
    .flags = 0,
    .basicsize = sizeof(RangeIter),
    .iter = obj_iter_self,
    .next = rangeiter_next,
};

/* ---- slice ---- */

Obj *slice_new(Value start, Value stop, Value step)
{
    Slice *s = (Slice *)obj_alloc(&T_slice, sizeof(Slice));
    s->start = IS_NULL(start) ? V_NONE : v_new(start);
    s->stop = IS_NULL(stop) ? V_NONE : v_new(stop);
    s->step = IS_NULL(step) ? V_NONE : v_new(step);
    return &s->hdr;
}

/* slice(stop), slice(start, stop[, step]). */
static Value slice_new_(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames)
{
    if (kwnames && ((Tuple *)kwnames)->len)
        return exc_raise(ts, &T_TypeError, "slice() takes no keyword arguments");
    if (nargs < 1)
        return exc_raise(ts, &T_TypeError, "slice expected at least 1 argument, got %d", nargs);
    if (nargs > 3)
        return exc_raise(ts, &T_TypeError, "slice expected at most 3 arguments, got %d", nargs);
    if (nargs == 1)
        return V_OBJ(slice_new(V_NONE, args[0], V_NONE));
    return V_OBJ(slice_new(args[0], args[1], nargs == 3 ? args[2] : V_NONE));
}

/* Drops start, stop and step. */
static void slice_dealloc(Obj *self)
{
    Slice *s = (Slice *)self;
    v_decref(s->start);
    v_decref(s->stop);
    v_decref(s->step);
}

/* GC: visits start, stop and step. */
static void slice_traverse(Obj *self, VisitFn visit, void *arg)
{
    Slice *s = (Slice *)self;
    if (IS_OBJ(s->start))
        visit(s->start, arg);
    if (IS_OBJ(s->stop))
        visit(s->stop, arg);
    if (IS_OBJ(s->step))
        visit(s->step, arg);
}

/* GC: replaces start, stop and step by None. */
static void slice_clear(Obj *self)
{
    Slice *s = (Slice *)self;
    Value a = s->start, b = s->stop, c = s->step;
    s->start = s->stop = s->step = V_NONE;
    v_decref(a);
    v_decref(b);
    v_decref(c);
}

/* repr(): "slice(1, 2, None)". */
static Value slice_repr(ThreadState *ts, Value self)
{
    Slice *s = (Slice *)AS_OBJ(self);
    StrBuf b;
    sb_init(&b);
    sb_puts(&b, "slice(");
    if (sb_put_value(ts, &b, s->start, true) < 0)
        goto fail;
    sb_puts(&b, ", ");
    if (sb_put_value(ts, &b, s->stop, true) < 0)
        goto fail;
    sb_puts(&b, ", ");
    if (sb_put_value(ts, &b, s->step, true) < 0)
        goto fail;
    sb_putc(&b, ')');
    return V_OBJ(sb_finish(&b));
fail:
    sb_free(&b);
    return V_NULL;
}

/* Slices are unhashable in 3.11. */
static int64_t slice_hash(ThreadState *ts, Value self)
{
    exc_raise(ts, &T_TypeError, "unhashable type: 'slice'");
    return -1;
}

/* Compares slices as (start, stop, step) tuples. */
static Value slice_richcmp(ThreadState *ts, Value a, Value b, int op)
{
    if (!OBJ_IS(a, T_slice) || !OBJ_IS(b, T_slice))
        return V_NOTIMPL;
    Slice *x = (Slice *)AS_OBJ(a), *y = (Slice *)AS_OBJ(b);
    Obj *tx = tuple_pack(3, x->start, x->stop, x->step);
    Obj *ty = tuple_pack(3, y->start, y->stop, y->step);
    Value r = obj_richcmp(ts, V_OBJ(tx), V_OBJ(ty), op);
    o_decref(tx);
    o_decref(ty);
    return r;
}

/* s.start, s.stop, s.step, else the generic lookup. */
static Value slice_getattr(ThreadState *ts, Value self, Obj *name)
{
    Slice *s = (Slice *)AS_OBJ(self);
    if (name_is(name, NAME(start), "start"))
        return v_new(s->start);
    if (name_is(name, NAME(stop), "stop"))
        return v_new(s->stop);
    if (name_is(name, NAME(step), "step"))
        return v_new(s->step);
    return obj_generic_getattr(ts, self, name);
}

/* A slice bound: an int or an object with __index__ (CPython's _PyEval_SliceIndex). */
static int slice_bound(ThreadState *ts, Value v, int64_t *out)
{
    if (IS_INTLIKE(v)) {
        *out = AS_INT(v);
        return 0;
    }
    if (IS_BIG(v)) {
        /* clamped, as CPython clamps to the ssize_t range */
        *out = mpz_sgn(BIG_Z(v)) > 0 ? INT64_MAX : INT64_MIN;
        return 0;
    }
    if (IS_OBJ(v) && (AS_OBJ(v)->type->flags & TF_HEAPTYPE) &&
        type_lookup(AS_OBJ(v)->type, NAME(__index__)).tag != VT_NULL)
        return obj_as_index(ts, v, out);
    exc_raise(ts, &T_TypeError, "slice indices must be integers or None or have an __index__ method");
    return -1;
}

int slice_unpack(ThreadState *ts, Obj *slice, int64_t *start, int64_t *stop, int64_t *step)
{
    Slice *s = (Slice *)slice;
    int64_t st = 1, a, b;
    if (!IS_NONE(s->step)) {
        if (slice_bound(ts, s->step, &st) < 0)
            return -1;
        if (st == 0) {
            exc_raise(ts, &T_ValueError, "slice step cannot be zero");
            return -1;
        }
        if (st < -INT64_MAX)
            st = -INT64_MAX;
    }
    if (IS_NONE(s->start))
        a = st < 0 ? INT64_MAX : 0;
    else if (slice_bound(ts, s->start, &a) < 0)
        return -1;
    if (IS_NONE(s->stop))
        b = st < 0 ? INT64_MIN : INT64_MAX;
    else if (slice_bound(ts, s->stop, &b) < 0)
        return -1;
    *start = a;
    *stop = b;
    *step = st;
    return 0;
}

int64_t slice_adjust(int64_t length, int64_t *start, int64_t *stop, int64_t st)
{
    int64_t a = *start, b = *stop;
    if (a < 0) {
        a += length;
        if (a < 0)
            a = st < 0 ? -1 : 0;
    } else if (a >= length)
        a = st < 0 ? length - 1 : length;
    if (b < 0) {
        b += length;
        if (b < 0)
            b = st < 0 ? -1 : 0;
    } else if (b >= length)
        b = st < 0 ? length - 1 : length;
    int64_t n = 0;
    if (st < 0) {
        if (b < a)
            n = (a - b - 1) / (-st) + 1;
    } else if (a < b)
        n = (b - a - 1) / st + 1;
    *start = a;
    *stop = b;
    return n;
}

int slice_indices(ThreadState *ts, Obj *slice, int64_t length,
                  int64_t *start, int64_t *stop, int64_t *step, int64_t *slicelength)
{
    if (slice_unpack(ts, slice, start, stop, step) < 0)
        return -1;
    *slicelength = slice_adjust(length, start, stop, *step);
    return 0;
}

/* slice.indices(length): the resolved (start, stop, step). */
static Value slice_m_indices(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if ((kwnames && ((Tuple *)kwnames)->len) || nargs != 2)
        return exc_raise(ts, &T_TypeError, "slice.indices() takes exactly one argument (%d given)",
                         nargs - 1);
    int64_t len, a, b, c, n;
    if (IS_INTLIKE(args[1]))
        len = AS_INT(args[1]);
    else if (obj_as_index(ts, args[1], &len) < 0)
        return V_NULL;
    if (len < 0)
        return exc_raise(ts, &T_ValueError, "length should not be negative");
    if (slice_indices(ts, AS_OBJ(args[0]), len, &a, &b, &c, &n) < 0)
        return V_NULL;
    return V_OBJ(tuple_pack(3, V_INT(a), V_INT(b), V_INT(c)));
}

/* The methods of slice. */
static const MethodDef slice_methods[] = {
    { "indices", slice_m_indices, 0 },
    { NULL, NULL, 0 },
};

Type T_slice = {
    .name = "slice",
    .base = &T_object,
    .flags = TF_GC,
    .basicsize = sizeof(Slice),
    .methods = slice_methods,
    .new_ = slice_new_,
    .dealloc = slice_dealloc,
    .traverse = slice_traverse,
    .clear = slice_clear,
    .repr = slice_repr,
    .hash = slice_hash,
    .richcmp = slice_richcmp,
    .getattr = slice_getattr,
};
