/* list.c — the list type: a growable array of Values with indexing, slicing
 * (including extended-slice assignment and deletion), comparison, a stable merge
 * sort, its methods, and the list_iterator the eval loop iterates directly. */
#include "objects/containers.h"
#include "exc.h"
#include "objects/str.h"
#include "state.h"
#include "args.h"
#include <stdlib.h>
#include <string.h>

/* Largest number of items a list may be grown to by repetition or concatenation. */
#define LIST_MAX_ITEMS ((int64_t)1 << 29)

/* Aborts on allocation failure of internal buffers (out of memory is fatal). */
static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("tiny: out of memory\n", stderr);
        abort();
    }
    return q;
}

/* Raises MemoryError (no message, as CPython); returns V_NULL. */
static Value raise_memory(ThreadState *ts)
{
    return exc_raise_obj(ts, V_OBJ(&T_MemoryError.hdr));
}

/* Makes room for at least n items. */
static void list_reserve(List *l, int64_t n)
{
    if (n <= l->cap)
        return;
    int64_t cap = l->cap < 8 ? 8 : l->cap + (l->cap >> 1);
    if (cap < n)
        cap = n;
    l->items = xrealloc(l->items, (size_t)cap * sizeof(Value));
    l->cap = cap;
}

Obj *list_new(int64_t cap)
{
    List *l = (List *)obj_alloc(&T_list, sizeof(List));
    l->len = 0;
    l->cap = 0;
    l->items = NULL;
    if (cap > 0)
        list_reserve(l, cap);
    return &l->hdr;
}

Obj *list_from_array(const Value *items, int64_t n)
{
    Obj *o = list_new(n);
    List *l = (List *)o;
    for (int64_t i = 0; i < n; i++)
        l->items[i] = v_new(items[i]);
    l->len = n;
    return o;
}

void list_append_steal(Obj *o, Value v)
{
    List *l = (List *)o;
    if (l->len == l->cap)
        list_reserve(l, l->len + 1);
    l->items[l->len++] = v;
}

void list_append(Obj *o, Value v)
{
    v_incref(v);
    list_append_steal(o, v);
}

/* Whether a value could be iterated (has an iter or getitem slot). */
static bool maybe_iterable(Value v)
{
    Type *t = obj_type(v);
    return t->iter || t->getitem;
}

int list_extend(ThreadState *ts, Obj *o, Value iterable)
{
    List *l = (List *)o;
    if (IS_LIST(iterable) || IS_TUPLE(iterable)) {
        int64_t n = IS_LIST(iterable) ? AS_LIST(iterable)->len : AS_TUPLE(iterable)->len;
        list_reserve(l, l->len + n);
        /* Re-read the source after reserving: it may be l itself. */
        const Value *src = IS_LIST(iterable) ? AS_LIST(iterable)->items : AS_TUPLE(iterable)->items;
        for (int64_t i = 0; i < n; i++)
            l->items[l->len + i] = v_new(src[i]);
        l->len += n;
        return 0;
    }
    if (OBJ_IS(iterable, T_range) && ((Range *)AS_OBJ(iterable))->len > LIST_MAX_ITEMS - l->len) {
        raise_memory(ts);  /* as CPython, which presizes from the length */
        return -1;
    }
    Value it = obj_iter(ts, iterable);
    if (IS_NULL(it))
        return -1;
    for (;;) {
        Value v = obj_next(ts, it);
        if (IS_NULL(v))
            break;
        if (l->len >= LIST_MAX_ITEMS) {
            v_decref(v);
            raise_memory(ts);
            break;
        }
        list_append_steal(o, v);
    }
    v_decref(it);
    return IS_NULL(ts->exc) ? 0 : -1;
}

/* Drops the items and frees the array. */
static void list_dealloc(Obj *self)
{
    List *l = (List *)self;
    for (int64_t i = 0; i < l->len; i++)
        v_decref(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->len = l->cap = 0;
}

/* GC: visits the items. */
static void list_traverse(Obj *self, VisitFn visit, void *arg)
{
    List *l = (List *)self;
    for (int64_t i = 0; i < l->len; i++)
        if (IS_OBJ(l->items[i]))
            visit(l->items[i], arg);
}

/* Empties a list, dropping the items only after it is consistent. */
static void list_clear_items(List *l)
{
    Value *items = l->items;
    int64_t n = l->len;
    l->items = NULL;
    l->len = l->cap = 0;
    for (int64_t i = 0; i < n; i++)
        v_decref(items[i]);
    free(items);
}

/* GC: drops the items. */
static void list_gc_clear(Obj *self)
{
    list_clear_items((List *)self);
}

/* repr(): "[1, 2]", "[...]" when recursive. */
static Value list_repr(ThreadState *ts, Value self)
{
    List *l = AS_LIST(self);
    if (l->len == 0)
        return V_OBJ(str_from_cstr("[]"));
    if (obj_repr_enter(ts, &l->hdr))
        return V_OBJ(str_from_cstr("[...]"));
    StrBuf b;
    sb_init(&b);
    sb_putc(&b, '[');
    for (int64_t i = 0; i < l->len; i++) {
        if (i)
            sb_puts(&b, ", ");
        Value v = v_new(l->items[i]);
        int r = sb_put_value(ts, &b, v, true);
        v_decref(v);
        if (r < 0) {
            sb_free(&b);
            obj_repr_leave(ts, &l->hdr);
            return V_NULL;
        }
    }
    sb_putc(&b, ']');
    obj_repr_leave(ts, &l->hdr);
    return V_OBJ(sb_finish(&b));
}

/* Lists are unhashable. */
static int64_t list_hash(ThreadState *ts, Value self)
{
    exc_raise(ts, &T_TypeError, "unhashable type: 'list'");
    return -1;
}

/* a == b with inline fast paths for identical and int values; 1, 0, -1. */
static inline int eq_fast(ThreadState *ts, Value a, Value b)
{
    if (a.tag == b.tag) {
        if (a.as.i == b.as.i)
            return 1;
        if (a.tag == VT_INT)
            return 0;
    }
    return obj_eq(ts, a, b);
}

/* Result of comparing two lengths with op. */
static bool cmp_lengths(int64_t a, int64_t b, int op)
{
    switch (op) {
    case CMP_LT: return a < b;
    case CMP_LE: return a <= b;
    case CMP_EQ: return a == b;
    case CMP_NE: return a != b;
    case CMP_GT: return a > b;
    default: return a >= b;
    }
}

/* Lexicographic comparison of two lists; NotImplemented for other types. */
static Value list_richcmp(ThreadState *ts, Value a, Value b, int op)
{
    if (!IS_LIST(a) || !IS_LIST(b))
        return V_NOTIMPL;
    List *x = AS_LIST(a), *y = AS_LIST(b);
    if ((op == CMP_EQ || op == CMP_NE) && x->len != y->len)
        return V_BOOL(op == CMP_NE);
    int64_t i;
    for (i = 0; i < x->len && i < y->len; i++) {
        Value vx = v_new(x->items[i]), vy = v_new(y->items[i]);
        int k = eq_fast(ts, vx, vy);
        v_decref(vx);
        v_decref(vy);
        if (k < 0)
            return V_NULL;
        if (!k)
            break;
    }
    if (i >= x->len || i >= y->len)
        return V_BOOL(cmp_lengths(x->len, y->len, op));
    if (op == CMP_EQ)
        return V_FALSE;
    if (op == CMP_NE)
        return V_TRUE;
    Value vx = v_new(x->items[i]), vy = v_new(y->items[i]);
    Value r = obj_richcmp(ts, vx, vy, op);
    v_decref(vx);
    v_decref(vy);
    return r;
}

/* len(). */
static int64_t list_len(ThreadState *ts, Value self)
{
    return AS_LIST(self)->len;
}

/* bool(). */
static int list_truthy(ThreadState *ts, Value self)
{
    return AS_LIST(self)->len != 0;
}

/* Converts a subscript to an int: 1 with *out set, 0 if it is not an int, -1 on error. */
static int subscript_index(ThreadState *ts, Value key, int64_t *out)
{
    if (IS_INTLIKE(key)) {
        *out = AS_INT(key);
        return 1;
    }
    if (key.tag == VT_OBJ && key.as.o->type == &T_int) {
        exc_raise(ts, &T_IndexError, "cannot fit 'int' into an index-sized integer");
        return -1;
    }
    if (IS_OBJ(key) && (AS_OBJ(key)->type->flags & TF_HEAPTYPE)) {
        if (type_lookup(AS_OBJ(key)->type, NAME(__index__)).tag == VT_NULL)
            return 0;
        return obj_as_index(ts, key, out) < 0 ? -1 : 1;
    }
    return 0;
}

/* l[i] and l[a:b:c]. */
static Value list_getitem(ThreadState *ts, Value self, Value key)
{
    List *l = AS_LIST(self);
    if (key.tag == VT_INT) {
        int64_t i = AS_INT(key);
        if ((uint64_t)i < (uint64_t)l->len)
            return v_new(l->items[i]);
    }
    int64_t i;
    int r = subscript_index(ts, key, &i);
    if (r < 0)
        return V_NULL;
    if (r) {
        if (i < 0)
            i += l->len;
        if (i < 0 || i >= l->len)
            return exc_raise(ts, &T_IndexError, "list index out of range");
        return v_new(l->items[i]);
    }
    if (OBJ_IS(key, T_slice)) {
        int64_t start, stop, step;
        if (slice_unpack(ts, AS_OBJ(key), &start, &stop, &step) < 0)
            return V_NULL;
        int64_t n = slice_adjust(l->len, &start, &stop, step);
        if (n <= 0)
            return V_OBJ(list_new(0));
        if (step == 1)
            return V_OBJ(list_from_array(l->items + start, n));
        Obj *o = list_new(n);
        List *nl = (List *)o;
        for (int64_t k = 0, cur = start; k < n; k++, cur += step)
            nl->items[k] = v_new(l->items[cur]);
        nl->len = n;
        return V_OBJ(o);
    }
    return exc_raise(ts, &T_TypeError, "list indices must be integers or slices, not %s",
                     obj_type_name(key));
}

/* Collects the right-hand side of a slice assignment into a new array of n
 * references; -1 on error with msg as the TypeError for non-iterables. */
static int slice_source(ThreadState *ts, Value v, const char *msg, Value **out, int64_t *n)
{
    Value seq;
    if (IS_LIST(v) || IS_TUPLE(v))
        seq = v_new(v);
    else {
        if (!maybe_iterable(v)) {
            exc_raise(ts, &T_TypeError, "%s", msg);
            return -1;
        }
        seq = obj_to_list(ts, v);
        if (IS_NULL(seq))
            return -1;
    }
    int64_t len = IS_LIST(seq) ? AS_LIST(seq)->len : AS_TUPLE(seq)->len;
    Value *src = IS_LIST(seq) ? AS_LIST(seq)->items : AS_TUPLE(seq)->items;
    Value *arr = xrealloc(NULL, (size_t)len * sizeof(Value));
    for (int64_t i = 0; i < len; i++)
        arr[i] = v_new(src[i]);
    v_decref(seq);
    *out = arr;
    *n = len;
    return 0;
}

/* l[lo:hi] = v (v V_NULL deletes), for step 1; -1 on error. */
static int list_ass_slice(ThreadState *ts, List *l, int64_t lo, int64_t hi, Value v)
{
    Value *src = NULL;
    int64_t n = 0;
    if (!IS_NULL(v) && slice_source(ts, v, "can only assign an iterable", &src, &n) < 0)
        return -1;
    if (lo < 0)
        lo = 0;
    else if (lo > l->len)
        lo = l->len;
    if (hi < lo)
        hi = lo;
    else if (hi > l->len)
        hi = l->len;
    int64_t norig = hi - lo, d = n - norig;
    if (l->len + d > LIST_MAX_ITEMS) {
        for (int64_t i = 0; i < n; i++)
            v_decref(src[i]);
        free(src);
        raise_memory(ts);
        return -1;
    }
    Value *garbage = NULL;
    if (norig) {
        garbage = xrealloc(NULL, (size_t)norig * sizeof(Value));
        memcpy(garbage, l->items + lo, (size_t)norig * sizeof(Value));
    }
    if (d > 0)
        list_reserve(l, l->len + d);
    if (l->len > hi)
        memmove(l->items + hi + d, l->items + hi, (size_t)(l->len - hi) * sizeof(Value));
    if (n)
        memcpy(l->items + lo, src, (size_t)n * sizeof(Value));
    l->len += d;
    free(src);
    for (int64_t i = 0; i < norig; i++)
        v_decref(garbage[i]);
    free(garbage);
    return 0;
}

/* l[i] = v, del l[i], and the slice forms. */
static int list_setitem(ThreadState *ts, Value self, Value key, Value v)
{
    List *l = AS_LIST(self);
    int64_t i;
    int r = subscript_index(ts, key, &i);
    if (r < 0)
        return -1;
    if (r) {
        if (i < 0)
            i += l->len;
        if (i < 0 || i >= l->len) {
            exc_raise(ts, &T_IndexError, "list assignment index out of range");
            return -1;
        }
        Value old = l->items[i];
        if (IS_NULL(v)) {
            memmove(l->items + i, l->items + i + 1, (size_t)(l->len - i - 1) * sizeof(Value));
            l->len--;
        } else
            l->items[i] = v_new(v);
        v_decref(old);
        return 0;
    }
    if (!OBJ_IS(key, T_slice)) {
        exc_raise(ts, &T_TypeError, "list indices must be integers or slices, not %s",
                  obj_type_name(key));
        return -1;
    }
    int64_t start, stop, step, n;
    if (slice_unpack(ts, AS_OBJ(key), &start, &stop, &step) < 0)
        return -1;
    if (step == 1) {
        /* list_ass_slice clips again once the source is collected (it may change l) */
        slice_adjust(l->len, &start, &stop, step);
        return list_ass_slice(ts, l, start, stop, v);
    }
    if (IS_NULL(v)) {
        n = slice_adjust(l->len, &start, &stop, step);
        if (n <= 0)
            return 0;
        if (step < 0) {
            stop = start + 1;
            start = stop + step * (n - 1) - 1;
            step = -step;
        }
        Value *garbage = xrealloc(NULL, (size_t)n * sizeof(Value));
        int64_t cur, k;
        for (cur = start, k = 0; cur < stop; cur += step, k++) {
            int64_t lim = step - 1;
            garbage[k] = l->items[cur];
            if (cur + step >= l->len)
                lim = l->len - cur - 1;
            memmove(l->items + cur - k, l->items + cur + 1, (size_t)lim * sizeof(Value));
        }
        cur = start + n * step;
        if (cur < l->len)
            memmove(l->items + cur - n, l->items + cur, (size_t)(l->len - cur) * sizeof(Value));
        l->len -= n;
        for (k = 0; k < n; k++)
            v_decref(garbage[k]);
        free(garbage);
        return 0;
    }
    Value *src;
    int64_t m, rawstart = start, rawstop = stop;
    n = slice_adjust(l->len, &start, &stop, step);
    if (slice_source(ts, v, "must assign iterable to extended slice", &src, &m) < 0)
        return -1;
    if (m == n) {  /* collecting the source may have changed l: clip to it again */
        start = rawstart;
        stop = rawstop;
        n = slice_adjust(l->len, &start, &stop, step);
    }
    if (m != n) {
        for (int64_t k = 0; k < m; k++)
            v_decref(src[k]);
        free(src);
        exc_raise(ts, &T_ValueError,
                  "attempt to assign sequence of size %lld to extended slice of size %lld",
                  (long long)m, (long long)(n < 0 ? 0 : n));
        return -1;
    }
    for (int64_t k = 0, cur = start; k < n; k++, cur += step) {
        Value old = l->items[cur];
        l->items[cur] = src[k];
        src[k] = old;
    }
    for (int64_t k = 0; k < n; k++)
        v_decref(src[k]);
    free(src);
    return 0;
}

/* x in l. */
static int list_contains(ThreadState *ts, Value self, Value item)
{
    List *l = AS_LIST(self);
    for (int64_t i = 0; i < l->len; i++) {
        Value v = l->items[i];
        if (v.tag == item.tag) {
            if (v.as.i == item.as.i)
                return 1;
            if (v.tag == VT_INT)
                continue;
        }
        v_incref(v);
        int k = obj_eq(ts, v, item);
        v_decref(v);
        if (k)
            return k;
    }
    return 0;
}

/* iter(l): a list_iterator. */
static Value list_iter(ThreadState *ts, Value self)
{
    return V_OBJ(seqiter_new(&T_list_iterator, self));
}

/* Repeats the items of l n times in place (l *= n); -1 on MemoryError. */
static int list_repeat_inplace(ThreadState *ts, List *l, int64_t n)
{
    if (n <= 0 || l->len == 0) {
        list_clear_items(l);
        return 0;
    }
    if (n == 1)
        return 0;
    if (n > LIST_MAX_ITEMS / l->len) {
        raise_memory(ts);
        return -1;
    }
    int64_t len = l->len;
    list_reserve(l, len * n);
    for (int64_t r = 1; r < n; r++)
        for (int64_t i = 0; i < len; i++)
            l->items[r * len + i] = v_new(l->items[i]);
    l->len = len * n;
    return 0;
}

/* Whether a value is an instance of a class (which may define reflected operators). */
static bool is_heap_instance(Value v)
{
    return IS_OBJ(v) && (AS_OBJ(v)->type->flags & TF_HEAPTYPE);
}

/* l + list, l * int (either side), l += iterable, l *= int. */
static Value list_binop(ThreadState *ts, Value a, Value b, int op)
{
    bool inplace = (op & BINOP_INPLACE) != 0 && IS_LIST(a);
    op &= ~BINOP_INPLACE;
    if (op == BINOP_ADD) {
        if (!IS_LIST(a))
            return V_NOTIMPL;
        if (inplace) {
            if (list_extend(ts, AS_OBJ(a), b) < 0)
                return V_NULL;
            return v_new(a);
        }
        if (!IS_LIST(b)) {
            if (is_heap_instance(b))
                return V_NOTIMPL;
            return exc_raise(ts, &T_TypeError, "can only concatenate list (not \"%s\") to list",
                             obj_type_name(b));
        }
        List *x = AS_LIST(a), *y = AS_LIST(b);
        if (x->len + y->len > LIST_MAX_ITEMS)
            return raise_memory(ts);
        Obj *o = list_new(x->len + y->len);
        List *nl = (List *)o;
        for (int64_t i = 0; i < x->len; i++)
            nl->items[i] = v_new(x->items[i]);
        for (int64_t i = 0; i < y->len; i++)
            nl->items[x->len + i] = v_new(y->items[i]);
        nl->len = x->len + y->len;
        return V_OBJ(o);
    }
    if (op == BINOP_MUL) {
        Value seq = IS_LIST(a) ? a : b, other = IS_LIST(a) ? b : a;
        int64_t n;
        if (other.tag == VT_OBJ && other.as.o->type == &T_int)
            return exc_raise(ts, &T_OverflowError, "cannot fit 'int' into an index-sized integer");
        int r = subscript_index(ts, other, &n);
        if (r < 0)
            return V_NULL;
        if (!r) {
            if (is_heap_instance(other))
                return V_NOTIMPL;
            return exc_raise(ts, &T_TypeError, "can't multiply sequence by non-int of type '%s'",
                             obj_type_name(other));
        }
        if (inplace) {
            if (list_repeat_inplace(ts, AS_LIST(a), n) < 0)
                return V_NULL;
            return v_new(a);
        }
        List *l = AS_LIST(seq);
        if (n <= 0 || l->len == 0)
            return V_OBJ(list_new(0));
        if (n > LIST_MAX_ITEMS / l->len)
            return raise_memory(ts);
        Obj *o = list_new(l->len * n);
        List *nl = (List *)o;
        int64_t k = 0;
        if (l->len == 1) {
            Value v = l->items[0];
            if (IS_OBJ(v))
                AS_OBJ(v)->refcnt += n;
            for (; k < n; k++)
                nl->items[k] = v;
        } else {
            for (int64_t r2 = 0; r2 < n; r2++)
                for (int64_t i = 0; i < l->len; i++)
                    nl->items[k++] = v_new(l->items[i]);
        }
        nl->len = k;
        return V_OBJ(o);
    }
    return V_NOTIMPL;
}

/* list() and list(iterable). */
static Value list_new_(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames)
{
    if (kwnames && ((Tuple *)kwnames)->len)
        return exc_raise(ts, &T_TypeError, "list() takes no keyword arguments");
    if (nargs > 1)
        return exc_raise(ts, &T_TypeError, "list expected at most 1 argument, got %d", nargs);
    Obj *l = list_new(0);
    if (nargs == 1 && list_extend(ts, l, args[0]) < 0) {
        o_decref(l);
        return V_NULL;
    }
    return V_OBJ(l);
}

/* ---- methods ---- */

/* Checks a one-argument method (CPython's METH_O message). */
static int one_arg(ThreadState *ts, const char *name, int nargs, Obj *kwnames)
{
    if (arg_no_kw(ts, "list", name, kwnames) < 0)
        return -1;
    if (nargs != 2) {
        exc_raise(ts, &T_TypeError, "list.%s() takes exactly one argument (%d given)", name,
                  nargs - 1);
        return -1;
    }
    return 0;
}

/* Checks a method without arguments (CPython's METH_NOARGS message). */
static int no_args(ThreadState *ts, const char *name, int nargs, Obj *kwnames)
{
    if (arg_no_kw(ts, "list", name, kwnames) < 0)
        return -1;
    if (nargs != 1) {
        exc_raise(ts, &T_TypeError, "list.%s() takes no arguments (%d given)", name, nargs - 1);
        return -1;
    }
    return 0;
}

/* Checks an Argument Clinic style positional count (self excluded). */
static int range_args(ThreadState *ts, const char *name, int nargs, Obj *kwnames, int lo, int hi)
{
    if (arg_no_kw(ts, "list", name, kwnames) < 0)
        return -1;
    int n = nargs - 1;
    if (lo == hi && n != lo) {
        exc_raise(ts, &T_TypeError, "%s expected %d argument%s, got %d", name, lo,
                  lo == 1 ? "" : "s", n);
        return -1;
    }
    if (n < lo) {
        exc_raise(ts, &T_TypeError, "%s expected at least %d argument%s, got %d", name, lo,
                  lo == 1 ? "" : "s", n);
        return -1;
    }
    if (n > hi) {
        exc_raise(ts, &T_TypeError, "%s expected at most %d argument%s, got %d", name, hi,
                  hi == 1 ? "" : "s", n);
        return -1;
    }
    return 0;
}

/* An int argument (int, bool or __index__); -1 on error. */
static int int_arg(ThreadState *ts, Value v, int64_t *out)
{
    if (IS_INTLIKE(v)) {
        *out = AS_INT(v);
        return 0;
    }
    return obj_as_index(ts, v, out);
}

/* list.append(x). */
static Value m_append(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (one_arg(ts, "append", nargs, kwnames) < 0)
        return V_NULL;
    list_append(AS_OBJ(args[0]), args[1]);
    return V_NONE;
}

/* list.extend(iterable). */
static Value m_extend(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (one_arg(ts, "extend", nargs, kwnames) < 0)
        return V_NULL;
    if (list_extend(ts, AS_OBJ(args[0]), args[1]) < 0)
        return V_NULL;
    return V_NONE;
}

/* list.insert(i, x). */
static Value m_insert(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (range_args(ts, "insert", nargs, kwnames, 2, 2) < 0)
        return V_NULL;
    List *l = AS_LIST(args[0]);
    int64_t i;
    if (int_arg(ts, args[1], &i) < 0)
        return V_NULL;
    if (i < 0) {
        i += l->len;
        if (i < 0)
            i = 0;
    } else if (i > l->len)
        i = l->len;
    list_reserve(l, l->len + 1);
    memmove(l->items + i + 1, l->items + i, (size_t)(l->len - i) * sizeof(Value));
    l->items[i] = v_new(args[2]);
    l->len++;
    return V_NONE;
}

/* list.pop([i]). */
static Value m_pop(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (range_args(ts, "pop", nargs, kwnames, 0, 1) < 0)
        return V_NULL;
    List *l = AS_LIST(args[0]);
    int64_t i = -1;
    if (nargs > 1 && int_arg(ts, args[1], &i) < 0)
        return V_NULL;
    if (l->len == 0)
        return exc_raise(ts, &T_IndexError, "pop from empty list");
    if (i < 0)
        i += l->len;
    if (i < 0 || i >= l->len)
        return exc_raise(ts, &T_IndexError, "pop index out of range");
    Value v = l->items[i];
    memmove(l->items + i, l->items + i + 1, (size_t)(l->len - i - 1) * sizeof(Value));
    l->len--;
    return v;
}

/* list.remove(x). */
static Value m_remove(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (one_arg(ts, "remove", nargs, kwnames) < 0)
        return V_NULL;
    List *l = AS_LIST(args[0]);
    for (int64_t i = 0; i < l->len; i++) {
        Value v = v_new(l->items[i]);
        int k = eq_fast(ts, v, args[1]);
        v_decref(v);
        if (k < 0)
            return V_NULL;
        if (k) {
            if (i >= l->len)
                break;
            Value old = l->items[i];
            memmove(l->items + i, l->items + i + 1, (size_t)(l->len - i - 1) * sizeof(Value));
            l->len--;
            v_decref(old);
            return V_NONE;
        }
    }
    return exc_raise(ts, &T_ValueError, "list.remove(x): x not in list");
}

/* Converts a start/stop bound of index(): ints, or objects with __index__. */
static int bound_index(ThreadState *ts, Value v, int64_t *out)
{
    int64_t i;
    if (IS_INTLIKE(v))
        i = AS_INT(v);
    else if (is_heap_instance(v)) {
        if (obj_as_index(ts, v, &i) < 0)
            return -1;
    } else {
        exc_raise(ts, &T_TypeError, "slice indices must be integers or have an __index__ method");
        return -1;
    }
    *out = i;
    return 0;
}

/* list.index(x[, start[, stop]]). */
static Value m_index(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (range_args(ts, "index", nargs, kwnames, 1, 3) < 0)
        return V_NULL;
    List *l = AS_LIST(args[0]);
    int64_t start = 0, stop = INT64_MAX;
    if (nargs > 2 && bound_index(ts, args[2], &start) < 0)
        return V_NULL;
    if (nargs > 3 && bound_index(ts, args[3], &stop) < 0)
        return V_NULL;
    /* adjusted only now: __index__ may have changed the list */
    if (start < 0 && (start += l->len) < 0)
        start = 0;
    if (stop < 0 && (stop += l->len) < 0)
        stop = 0;
    for (int64_t i = start; i < stop && i < l->len; i++) {
        Value v = v_new(l->items[i]);
        int k = eq_fast(ts, v, args[1]);
        v_decref(v);
        if (k < 0)
            return V_NULL;
        if (k)
            return V_INT(i);
    }
    Value r = obj_repr(ts, args[1]);
    if (IS_NULL(r))
        return V_NULL;
    exc_raise(ts, &T_ValueError, "%s is not in list", STR_DATA(AS_OBJ(r)));
    v_decref(r);
    return V_NULL;
}

/* list.count(x). */
static Value m_count(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (one_arg(ts, "count", nargs, kwnames) < 0)
        return V_NULL;
    List *l = AS_LIST(args[0]);
    int64_t n = 0;
    for (int64_t i = 0; i < l->len; i++) {
        Value v = v_new(l->items[i]);
        int k = eq_fast(ts, v, args[1]);
        v_decref(v);
        if (k < 0)
            return V_NULL;
        n += k;
    }
    return V_INT(n);
}

/* list.reverse(). */
static Value m_reverse(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (no_args(ts, "reverse", nargs, kwnames) < 0)
        return V_NULL;
    List *l = AS_LIST(args[0]);
    for (int64_t i = 0, j = l->len - 1; i < j; i++, j--) {
        Value t = l->items[i];
        l->items[i] = l->items[j];
        l->items[j] = t;
    }
    return V_NONE;
}

/* list.copy(). */
static Value m_copy(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (no_args(ts, "copy", nargs, kwnames) < 0)
        return V_NULL;
    List *l = AS_LIST(args[0]);
    return V_OBJ(list_from_array(l->items, l->len));
}

/* list.clear(). */
static Value m_clear(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (no_args(ts, "clear", nargs, kwnames) < 0)
        return V_NULL;
    list_clear_items(AS_LIST(args[0]));
    return V_NONE;
}

/* list.sort(*, key=None, reverse=False). */
static Value m_sort(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (nargs > 1)
        return exc_raise(ts, &T_TypeError, "sort() takes no positional arguments");
    Value key = V_NULL;
    int64_t reverse = 0;
    int64_t nkw = kwnames ? ((Tuple *)kwnames)->len : 0;
    for (int64_t i = 0; i < nkw; i++) {
        Obj *name = AS_OBJ(((Tuple *)kwnames)->items[i]);
        Value v = args[nargs + i];
        if (str_eq_cstr(name, "key"))
            key = v;
        else if (str_eq_cstr(name, "reverse")) {
            if (int_arg(ts, v, &reverse) < 0)
                return V_NULL;
        } else
            return exc_raise(ts, &T_TypeError, "'%s' is an invalid keyword argument for sort()",
                             STR_DATA(name));
    }
    if (list_sort(ts, AS_OBJ(args[0]), key, reverse != 0) < 0)
        return V_NULL;
    return V_NONE;
}

/* ---- sorting: a stable bottom-up merge sort with binary insertion runs ---- */

/* How items compare: specialised when every key has the same simple type. */
enum { SK_GENERIC, SK_INT, SK_FLOAT, SK_STR };

/* Sort state: keys, the parallel values (NULL when sorting without key=), scratch. */
typedef struct SortCtx {
    ThreadState *ts;
    int kind;
    Value *keys, *vals;
    Value *tmpk, *tmpv;
} SortCtx;

/* keys a < b: 1, 0, or -1 on error. */
static inline int sort_lt(SortCtx *c, Value a, Value b)
{
    switch (c->kind) {
    case SK_INT:
        return a.as.i < b.as.i;
    case SK_FLOAT:
        return a.as.f < b.as.f;
    case SK_STR: {
        Str *x = (Str *)a.as.o, *y = (Str *)b.as.o;
        int64_t n = x->len < y->len ? x->len : y->len;
        int r = memcmp(x->data, y->data, (size_t)n);
        return r < 0 || (r == 0 && x->len < y->len);
    }
    default:
        return obj_cmp(c->ts, a, b, CMP_LT);
    }
}

/* Binary insertion sort of [lo, hi) where [lo, start) is already sorted. */
static int sort_binsert(SortCtx *c, int64_t lo, int64_t hi, int64_t start)
{
    Value *k = c->keys, *v = c->vals;
    for (int64_t i = start; i < hi; i++) {
        Value pk = k[i];
        int64_t l = lo, r = i;
        while (l < r) {
            int64_t m = l + ((r - l) >> 1);
            int lt = sort_lt(c, pk, k[m]);
            if (lt < 0)
                return -1;
            if (lt)
                r = m;
            else
                l = m + 1;
        }
        if (l < i) {
            memmove(k + l + 1, k + l, (size_t)(i - l) * sizeof(Value));
            k[l] = pk;
            if (v) {
                Value pv = v[i];
                memmove(v + l + 1, v + l, (size_t)(i - l) * sizeof(Value));
                v[l] = pv;
            }
        }
    }
    return 0;
}

/* Merges the sorted runs [lo, mid) and [mid, hi); on error the array stays a permutation. */
static int sort_merge(SortCtx *c, int64_t lo, int64_t mid, int64_t hi)
{
    Value *k = c->keys, *v = c->vals;
    int lt = sort_lt(c, k[mid], k[mid - 1]);
    if (lt <= 0)
        return lt;
    int64_t n1 = mid - lo;
    memcpy(c->tmpk, k + lo, (size_t)n1 * sizeof(Value));
    if (v)
        memcpy(c->tmpv, v + lo, (size_t)n1 * sizeof(Value));
    int64_t i = 0, j = mid, d = lo;
    int err = 0;
    while (i < n1 && j < hi) {
        lt = sort_lt(c, k[j], c->tmpk[i]);
        if (lt < 0) {
            err = -1;
            break;
        }
        if (lt) {
            k[d] = k[j];
            if (v)
                v[d] = v[j];
            j++;
        } else {
            k[d] = c->tmpk[i];
            if (v)
                v[d] = c->tmpv[i];
            i++;
        }
        d++;
    }
    memcpy(k + d, c->tmpk + i, (size_t)(n1 - i) * sizeof(Value));
    if (v)
        memcpy(v + d, c->tmpv + i, (size_t)(n1 - i) * sizeof(Value));
    return err;
}

/* Reverses an array in place. */
static void reverse_values(Value *a, int64_t n)
{
    for (int64_t i = 0, j = n - 1; i < j; i++, j--) {
        Value t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

/* CPython's merge_compute_minrun: the run length for n items. */
static int64_t sort_minrun(int64_t n)
{
    int64_t r = 0;
    while (n >= 64) {
        r |= n & 1;
        n >>= 1;
    }
    return n + r;
}

/* CPython's count_run: the length of the run at lo (strictly descending runs are
 * reversed in place); -1 on error. */
static int64_t sort_count_run(SortCtx *c, int64_t lo, int64_t hi)
{
    if (lo + 1 == hi)
        return 1;
    int64_t n = 2;
    int lt = sort_lt(c, c->keys[lo + 1], c->keys[lo]);
    if (lt < 0)
        return -1;
    if (lt) {
        for (int64_t i = lo + 2; i < hi; i++, n++) {
            lt = sort_lt(c, c->keys[i], c->keys[i - 1]);
            if (lt < 0)
                return -1;
            if (!lt)
                break;
        }
        reverse_values(c->keys + lo, n);
        if (c->vals)
            reverse_values(c->vals + lo, n);
    } else {
        for (int64_t i = lo + 2; i < hi; i++, n++) {
            lt = sort_lt(c, c->keys[i], c->keys[i - 1]);
            if (lt < 0)
                return -1;
            if (lt)
                break;
        }
    }
    return n;
}

/* Sorts c->keys[0..n) (and c->vals alongside) as timsort splits it: natural runs
 * extended to minrun by binary insertion, then merged pairwise; -1 on error. */
static int sort_run(SortCtx *c, int64_t n)
{
    int64_t minrun = sort_minrun(n);
    int64_t *bounds = xrealloc(NULL, (size_t)(n / minrun + 3) * sizeof(int64_t));
    int64_t nruns = 0;
    int err = 0;
    for (int64_t lo = 0; lo < n;) {
        int64_t len = sort_count_run(c, lo, n);
        if (len < 0) {
            err = -1;
            break;
        }
        if (len < minrun) {
            int64_t force = n - lo < minrun ? n - lo : minrun;
            if (sort_binsert(c, lo, lo + force, lo + len) < 0) {
                err = -1;
                break;
            }
            len = force;
        }
        bounds[nruns++] = lo;
        lo += len;
    }
    if (!err && nruns > 1) {
        bounds[nruns] = n;
        c->tmpk = xrealloc(NULL, (size_t)n * sizeof(Value));
        c->tmpv = c->vals ? xrealloc(NULL, (size_t)n * sizeof(Value)) : NULL;
        while (nruns > 1 && !err) {
            int64_t k = 0, i;
            for (i = 0; i + 1 < nruns; i += 2) {
                if (sort_merge(c, bounds[i], bounds[i + 1], bounds[i + 2]) < 0) {
                    err = -1;
                    break;
                }
                bounds[k++] = bounds[i];
            }
            if (err)
                break;
            if (i < nruns)
                bounds[k++] = bounds[i];
            bounds[k] = n;
            nruns = k;
        }
        free(c->tmpk);
        free(c->tmpv);
    }
    free(bounds);
    return err;
}

int list_sort(ThreadState *ts, Obj *o, Value key, bool reverse)
{
    List *l = (List *)o;
    int64_t n = l->len, cap = l->cap;
    Value *items = l->items;
    /* Detach the items so mutation during the sort can be detected. */
    l->items = NULL;
    l->len = l->cap = 0;
    int err = 0;
    Value *keys = NULL;
    bool has_key = !IS_NULL(key) && !IS_NONE(key);
    if (has_key && n > 0) {
        keys = xrealloc(NULL, (size_t)n * sizeof(Value));
        for (int64_t i = 0; i < n; i++) {
            keys[i] = obj_call1(ts, key, items[i]);
            if (IS_NULL(keys[i])) {
                for (int64_t j = 0; j < i; j++)
                    v_decref(keys[j]);
                free(keys);
                keys = NULL;
                err = -1;
                break;
            }
        }
    }
    if (!err && n > 1) {
        SortCtx c = { .ts = ts, .kind = SK_GENERIC, .keys = keys ? keys : items,
                      .vals = keys ? items : NULL };
        Value *k = c.keys;
        if (k[0].tag == VT_INT) {
            c.kind = SK_INT;
            for (int64_t i = 1; i < n; i++)
                if (k[i].tag != VT_INT) {
                    c.kind = SK_GENERIC;
                    break;
                }
        } else if (k[0].tag == VT_FLOAT) {
            c.kind = SK_FLOAT;
            for (int64_t i = 1; i < n; i++)
                if (k[i].tag != VT_FLOAT) {
                    c.kind = SK_GENERIC;
                    break;
                }
        } else if (IS_STR(k[0])) {
            c.kind = SK_STR;
            for (int64_t i = 1; i < n; i++)
                if (!IS_STR(k[i])) {
                    c.kind = SK_GENERIC;
                    break;
                }
        }
        if (reverse) {
            reverse_values(c.keys, n);
            if (c.vals)
                reverse_values(c.vals, n);
        }
        err = sort_run(&c, n);
        if (reverse) {
            reverse_values(c.keys, n);
            if (c.vals)
                reverse_values(c.vals, n);
        }
    }
    if (keys) {
        for (int64_t i = 0; i < n; i++)
            v_decref(keys[i]);
        free(keys);
    }
    bool modified = l->items != NULL || l->len != 0;
    Value *final_items = l->items;
    int64_t final_len = l->len;
    l->items = items;
    l->len = n;
    l->cap = cap;
    if (final_items) {
        for (int64_t i = 0; i < final_len; i++)
            v_decref(final_items[i]);
        free(final_items);
    }
    if (modified && !err) {
        exc_raise(ts, &T_ValueError, "list modified during sort");
        err = -1;
    }
    return err;
}

/* The methods of list. */
static const MethodDef list_methods[] = {
    { "append", m_append, 0 },
    { "extend", m_extend, 0 },
    { "insert", m_insert, 0 },
    { "pop", m_pop, 0 },
    { "remove", m_remove, 0 },
    { "index", m_index, 0 },
    { "count", m_count, 0 },
    { "sort", m_sort, 0 },
    { "reverse", m_reverse, 0 },
    { "copy", m_copy, 0 },
    { "clear", m_clear, 0 },
    { NULL, NULL, 0 },
};

Type T_list = {
    .name = "list",
    .base = &T_object,
    .flags = TF_GC,
    .basicsize = sizeof(List),
    .methods = list_methods,
    .new_ = list_new_,
    .dealloc = list_dealloc,
    .traverse = list_traverse,
    .clear = list_gc_clear,
    .repr = list_repr,
    .hash = list_hash,
    .richcmp = list_richcmp,
    .iter = list_iter,
    .len = list_len,
    .getitem = list_getitem,
    .setitem = list_setitem,
    .contains = list_contains,
    .truthy = list_truthy,
    .binop = list_binop,
};
