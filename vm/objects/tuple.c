/* tuple.c — the tuple type: construction, hashing (CPython 3.11's xxHash-based
 * tuplehash), comparison, indexing and slicing, concatenation, and its iterator. */
#include "objects/containers.h"
#include "exc.h"
#include "objects/str.h"
#include "state.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Largest number of items a repeated or concatenated tuple may have. */
#define TUPLE_MAX_ITEMS ((int64_t)1 << 29)

/* The empty tuple: a static immortal singleton. */
static Tuple empty_tuple = { .hdr = { .refcnt = IMMORTAL_REFCNT, .type = &T_tuple }, .len = 0 };

Obj *tuple_empty(void)
{
    return &empty_tuple.hdr;
}

Obj *tuple_new(int64_t n)
{
    if (n <= 0) {
        o_incref(&empty_tuple.hdr);
        return &empty_tuple.hdr;
    }
    Tuple *t = (Tuple *)obj_alloc(&T_tuple, sizeof(Tuple) + (size_t)n * sizeof(Value));
    t->len = n;
    return &t->hdr;
}

Obj *tuple_pack(int64_t n, ...)
{
    Obj *o = tuple_new(n);
    Tuple *t = (Tuple *)o;
    va_list ap;
    va_start(ap, n);
    for (int64_t i = 0; i < n; i++)
        t->items[i] = v_new(va_arg(ap, Value));
    va_end(ap);
    return o;
}

Obj *tuple_from_array(const Value *items, int64_t n)
{
    Obj *o = tuple_new(n);
    Tuple *t = (Tuple *)o;
    for (int64_t i = 0; i < n; i++)
        t->items[i] = v_new(items[i]);
    return o;
}

/* Raises MemoryError (no message, as CPython); returns V_NULL. */
static Value raise_memory(ThreadState *ts)
{
    return exc_raise_obj(ts, V_OBJ(&T_MemoryError.hdr));
}

/* Drops the items of a tuple. */
static void tuple_dealloc(Obj *self)
{
    Tuple *t = (Tuple *)self;
    for (int64_t i = 0; i < t->len; i++)
        v_decref(t->items[i]);
}

/* GC: visits the items. */
static void tuple_traverse(Obj *self, VisitFn visit, void *arg)
{
    Tuple *t = (Tuple *)self;
    for (int64_t i = 0; i < t->len; i++)
        if (IS_OBJ(t->items[i]))
            visit(t->items[i], arg);
}

/* GC: drops the items, leaving V_NULL slots. */
static void tuple_clear(Obj *self)
{
    Tuple *t = (Tuple *)self;
    for (int64_t i = 0; i < t->len; i++) {
        Value v = t->items[i];
        t->items[i] = V_NULL;
        v_decref(v);
    }
}

/* repr(): "(1, 2)", "(1,)", "()". */
static Value tuple_repr(ThreadState *ts, Value self)
{
    Tuple *t = AS_TUPLE(self);
    if (t->len == 0)
        return V_OBJ(str_from_cstr("()"));
    if (obj_repr_enter(ts, &t->hdr))
        return V_OBJ(str_from_cstr("(...)"));
    StrBuf b;
    sb_init(&b);
    sb_putc(&b, '(');
    for (int64_t i = 0; i < t->len; i++) {
        if (i)
            sb_puts(&b, ", ");
        if (sb_put_value(ts, &b, t->items[i], true) < 0) {
            sb_free(&b);
            obj_repr_leave(ts, &t->hdr);
            return V_NULL;
        }
    }
    if (t->len == 1)
        sb_putc(&b, ',');
    sb_putc(&b, ')');
    obj_repr_leave(ts, &t->hdr);
    return V_OBJ(sb_finish(&b));
}

/* CPython 3.11's tuplehash (xxHash-based), over obj_hash of the items. */
static int64_t tuple_hash(ThreadState *ts, Value self)
{
    Tuple *t = AS_TUPLE(self);
    const uint64_t P1 = 11400714785074694791ULL, P2 = 14029467366897019727ULL,
                   P5 = 2870177450012600261ULL;
    uint64_t acc = P5;
    for (int64_t i = 0; i < t->len; i++) {
        int64_t h = obj_hash(ts, t->items[i]);
        if (h == -1)
            return -1;
        acc += (uint64_t)h * P2;
        acc = (acc << 31) | (acc >> 33);
        acc *= P1;
    }
    acc += (uint64_t)t->len ^ (P5 ^ 3527539UL);
    if (acc == (uint64_t)-1)
        return 1546275796;
    return (int64_t)acc;
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

/* Lexicographic comparison of two tuples; NotImplemented for other types. */
static Value tuple_richcmp(ThreadState *ts, Value a, Value b, int op)
{
    if (!IS_TUPLE(a) || !IS_TUPLE(b))
        return V_NOTIMPL;
    Tuple *x = AS_TUPLE(a), *y = AS_TUPLE(b);
    if ((op == CMP_EQ || op == CMP_NE) && x->len != y->len)
        return V_BOOL(op == CMP_NE);
    int64_t n = x->len < y->len ? x->len : y->len, i;
    for (i = 0; i < n; i++) {
        int k = obj_eq(ts, x->items[i], y->items[i]);
        if (k < 0)
            return V_NULL;
        if (!k)
            break;
    }
    if (i >= n)
        return V_BOOL(cmp_lengths(x->len, y->len, op));
    if (op == CMP_EQ)
        return V_FALSE;
    if (op == CMP_NE)
        return V_TRUE;
    return obj_richcmp(ts, x->items[i], y->items[i], op);
}

/* len(). */
static int64_t tuple_len(ThreadState *ts, Value self)
{
    return AS_TUPLE(self)->len;
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

/* t[i] and t[a:b:c]. */
static Value tuple_getitem(ThreadState *ts, Value self, Value key)
{
    Tuple *t = AS_TUPLE(self);
    int64_t i;
    int r = subscript_index(ts, key, &i);
    if (r < 0)
        return V_NULL;
    if (r) {
        if (i < 0)
            i += t->len;
        if (i < 0 || i >= t->len)
            return exc_raise(ts, &T_IndexError, "tuple index out of range");
        return v_new(t->items[i]);
    }
    if (OBJ_IS(key, T_slice)) {
        int64_t start, stop, step, n;
        if (slice_indices(ts, AS_OBJ(key), t->len, &start, &stop, &step, &n) < 0)
            return V_NULL;
        if (step == 1 && n == t->len)
            return v_new(self);
        if (n <= 0)
            return V_OBJ(tuple_new(0));
        Obj *o = tuple_new(n);
        Tuple *nt = (Tuple *)o;
        for (int64_t k = 0, cur = start; k < n; k++, cur += step)
            nt->items[k] = v_new(t->items[cur]);
        return V_OBJ(o);
    }
    return exc_raise(ts, &T_TypeError, "tuple indices must be integers or slices, not %s",
                     obj_type_name(key));
}

/* x in t. */
static int tuple_contains(ThreadState *ts, Value self, Value item)
{
    Tuple *t = AS_TUPLE(self);
    for (int64_t i = 0; i < t->len; i++) {
        Value v = t->items[i];
        if (v.tag == item.tag && v.as.i == item.as.i)
            return 1;
        int k = obj_eq(ts, v, item);
        if (k)
            return k;
    }
    return 0;
}

/* iter(t): a tuple_iterator. */
static Value tuple_iter(ThreadState *ts, Value self)
{
    return V_OBJ(seqiter_new(&T_tuple_iterator, self));
}

/* n copies of the items of t. */
static Value tuple_repeat(ThreadState *ts, Tuple *t, int64_t n)
{
    if (n <= 0 || t->len == 0)
        return V_OBJ(tuple_new(0));
    if (n == 1)
        return v_new(V_OBJ(t));
    if (n > TUPLE_MAX_ITEMS / t->len)
        return raise_memory(ts);
    Obj *o = tuple_new(n * t->len);
    Tuple *nt = (Tuple *)o;
    int64_t k = 0;
    for (int64_t r = 0; r < n; r++)
        for (int64_t i = 0; i < t->len; i++)
            nt->items[k++] = v_new(t->items[i]);
    return V_OBJ(o);
}

/* Whether a value is an instance of a class (which may define reflected operators). */
static bool is_heap_instance(Value v)
{
    return IS_OBJ(v) && (AS_OBJ(v)->type->flags & TF_HEAPTYPE);
}

/* t + tuple and t * int (either side). */
static Value tuple_binop(ThreadState *ts, Value a, Value b, int op)
{
    op &= ~BINOP_INPLACE;
    if (op == BINOP_ADD) {
        if (!IS_TUPLE(a))
            return V_NOTIMPL;
        if (!IS_TUPLE(b)) {
            if (is_heap_instance(b))
                return V_NOTIMPL;
            return exc_raise(ts, &T_TypeError, "can only concatenate tuple (not \"%s\") to tuple",
                             obj_type_name(b));
        }
        Tuple *x = AS_TUPLE(a), *y = AS_TUPLE(b);
        if (y->len == 0)
            return v_new(a);
        if (x->len == 0)
            return v_new(b);
        if (x->len + y->len > TUPLE_MAX_ITEMS)
            return raise_memory(ts);
        Obj *o = tuple_new(x->len + y->len);
        Tuple *nt = (Tuple *)o;
        for (int64_t i = 0; i < x->len; i++)
            nt->items[i] = v_new(x->items[i]);
        for (int64_t i = 0; i < y->len; i++)
            nt->items[x->len + i] = v_new(y->items[i]);
        return V_OBJ(o);
    }
    if (op == BINOP_MUL) {
        Value seq = IS_TUPLE(a) ? a : b, other = IS_TUPLE(a) ? b : a;
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
        return tuple_repeat(ts, AS_TUPLE(seq), n);
    }
    return V_NOTIMPL;
}

/* tuple() and tuple(iterable). */
static Value tuple_new_(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames)
{
    if (kwnames && ((Tuple *)kwnames)->len)
        return exc_raise(ts, &T_TypeError, "tuple() takes no keyword arguments");
    if (nargs > 1)
        return exc_raise(ts, &T_TypeError, "tuple expected at most 1 argument, got %d", nargs);
    if (nargs == 0)
        return V_OBJ(tuple_new(0));
    return obj_to_tuple(ts, args[0]);
}

/* Checks a method's positional count (self excluded): "name expected ..." messages. */
static int method_args(ThreadState *ts, const char *name, int nargs, Obj *kwnames, int lo, int hi)
{
    if (kwnames && ((Tuple *)kwnames)->len) {
        exc_raise(ts, &T_TypeError, "tuple.%s() takes no keyword arguments", name);
        return -1;
    }
    int n = nargs - 1;
    if (lo == hi && lo == 1 && n != 1) {
        exc_raise(ts, &T_TypeError, "tuple.%s() takes exactly one argument (%d given)", name, n);
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

/* Converts a start/stop bound of index(): ints, or objects with __index__. */
static int bound_index(ThreadState *ts, Value v, int64_t len, int64_t *out)
{
    int64_t i;
    if (IS_INTLIKE(v))
        i = AS_INT(v);
    else if (IS_OBJ(v) && (AS_OBJ(v)->type->flags & TF_HEAPTYPE)) {
        if (obj_as_index(ts, v, &i) < 0)
            return -1;
    } else {
        exc_raise(ts, &T_TypeError, "slice indices must be integers or have an __index__ method");
        return -1;
    }
    if (i < 0) {
        i += len;
        if (i < 0)
            i = 0;
    }
    *out = i;
    return 0;
}

/* tuple.index(x[, start[, stop]]). */
static Value tuple_index(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (method_args(ts, "index", nargs, kwnames, 1, 3) < 0)
        return V_NULL;
    Tuple *t = AS_TUPLE(args[0]);
    int64_t start = 0, stop = t->len;
    if (nargs > 2 && bound_index(ts, args[2], t->len, &start) < 0)
        return V_NULL;
    if (nargs > 3 && bound_index(ts, args[3], t->len, &stop) < 0)
        return V_NULL;
    for (int64_t i = start; i < stop && i < t->len; i++) {
        int k = obj_eq(ts, t->items[i], args[1]);
        if (k < 0)
            return V_NULL;
        if (k)
            return V_INT(i);
    }
    return exc_raise(ts, &T_ValueError, "tuple.index(x): x not in tuple");
}

/* tuple.count(x). */
static Value tuple_count(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (method_args(ts, "count", nargs, kwnames, 1, 1) < 0)
        return V_NULL;
    Tuple *t = AS_TUPLE(args[0]);
    int64_t n = 0;
    for (int64_t i = 0; i < t->len; i++) {
        int k = obj_eq(ts, t->items[i], args[1]);
        if (k < 0)
            return V_NULL;
        n += k;
    }
    return V_INT(n);
}

/* The methods of tuple. */
static const MethodDef tuple_methods[] = {
    { "index", tuple_index, 0 },
    { "count", tuple_count, 0 },
    { NULL, NULL, 0 },
};

Type T_tuple = {
    .name = "tuple",
    .base = &T_object,
    .flags = TF_GC,
    .basicsize = sizeof(Tuple),
    .methods = tuple_methods,
    .new_ = tuple_new_,
    .dealloc = tuple_dealloc,
    .traverse = tuple_traverse,
    .clear = tuple_clear,
    .repr = tuple_repr,
    .hash = tuple_hash,
    .richcmp = tuple_richcmp,
    .iter = tuple_iter,
    .len = tuple_len,
    .getitem = tuple_getitem,
    .contains = tuple_contains,
    .binop = tuple_binop,
};
