/* object.c — allocation, type checks and the generic object protocol (obj_*).
 * Tagged values (None, bool, int, float) are handled inline; everything else is
 * dispatched through the type's slots. Heap types (classes) get their dunder
 * methods dispatched by the slot functions of vm/objects/class.c; binary and unary
 * operators on instances are resolved here, where both operands are known. */
#include "object.h"
#include "state.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "objects/num.h"
#include "exc.h"
#include "objects/func.h"
#include "objects/class.h"
#include "gc.h"
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>
#include <malloc.h>

/* ---- allocation ---- */

/* Objects up to 512 bytes are small: they are carved from 256 KB chunks (mmap'ed, so
 * zero and faulted in only when used) and recycled through a free list per 16-byte size
 * class; everything under the GIL, so no locks (CPython's pymalloc, simplified: chunks
 * are never returned to the system). Larger objects use calloc. Under AddressSanitizer
 * every object uses calloc and free, so that use-after-free stays visible. */
#define SMALL_MAX 512
#define CHUNK_SIZE (256 * 1024)
#if defined(__SANITIZE_ADDRESS__)
#define POOLED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOLED 0
#endif
#endif
#ifndef POOLED
#define POOLED 1
#endif

static inline int size_class(size_t size) { return POOLED && size <= SMALL_MAX ? (int)((size + 15) >> 4) - 1 : -1; }

/* A zeroed block of size class c. */
static void *small_alloc(int c) {
    Interp *in = &the_interp;
    size_t sz = (size_t)(c + 1) << 4;
    char *mem = in->freelist[c];
    if (mem) {
        in->freelist[c] = *(void **)mem;
        memset(mem, 0, sz);
        return mem;
    }
    if ((size_t)(in->pool_end - in->pool_next) < sz) {
        char *chunk = mmap(NULL, CHUNK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (chunk == MAP_FAILED) { fputs("tiny: out of memory\n", stderr); abort(); }
        in->pool_next = chunk;
        in->pool_end = chunk + CHUNK_SIZE;
    }
    mem = in->pool_next;
    in->pool_next += sz;
    return mem;
}

/* A new object of size bytes; NULL when the memory cannot be had, or abort if fatal. */
static inline __attribute__((always_inline)) Obj *alloc_obj(Type *type, size_t size, bool fatal) {
    bool gc = type->flags & TF_GC;
    size_t pre = gc ? sizeof(GCLink) : 0;
    size_t total = size + pre;
    char *mem;
    int c = size_class(total);
    if (c >= 0) {
        mem = small_alloc(c);
    } else {
        mem = total < size ? NULL : calloc(1, total);
        if (!mem) {
            if (fatal) { fputs("tiny: out of memory\n", stderr); abort(); }
            return NULL;
        }
    }
    Obj *o = (Obj *)(mem + pre);
    o->refcnt = 1;
    o->type = type;
    o->alloc_class = (uint32_t)(c + 1) | (gc ? OBJ_GC_PREFIX : 0);
    if (type->flags & TF_HEAPTYPE) o_incref(&type->hdr);
    if (gc) gc_track(o);
    the_interp.live_objects++;
    return o;
}

Obj *obj_alloc(Type *type, size_t size) { return alloc_obj(type, size, true); }

Obj *obj_try_alloc(Type *type, size_t size) { return alloc_obj(type, size, false); }

size_t obj_usable_size(Obj *o) {
    size_t pre = (o->alloc_class & OBJ_GC_PREFIX) ? sizeof(GCLink) : 0;
    int c = (int)(o->alloc_class & ~OBJ_GC_PREFIX) - 1;
    if (c >= 0) return ((size_t)(c + 1) << 4) - pre;
    return malloc_usable_size((char *)o - pre) - pre;
}

size_t obj_alloc_limit(void) {
    static size_t limit;
    if (!limit) {
        /* the machine's RAM and swap: no single object can be larger */
        long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
        size_t ram = pages > 0 && psize > 0 ? (size_t)pages * (size_t)psize : (size_t)1 << 40;
        struct sysinfo si;
        if (sysinfo(&si) == 0) ram += (size_t)si.totalswap * si.mem_unit;
        limit = ram;
    }
    return limit;
}

Obj *obj_alloc_var(ThreadState *ts, Type *type, size_t size) {
    Obj *o = size <= obj_alloc_limit() ? alloc_obj(type, size, false) : NULL;
    if (!o) exc_raise_obj(ts, V_OBJ(&T_MemoryError.hdr));
    return o;
}

/* Deallocation nesting beyond which objects are queued instead of freed at once, so
 * freeing a deeply nested structure never exhausts the C stack (CPython's trashcan). */
#define FREE_DEPTH_MAX 200

static void obj_free_now(Obj *o);

void obj_free(Obj *o) {
    Interp *in = &the_interp;
    if (in->free_depth >= FREE_DEPTH_MAX) {
        if (in->nfree_pending == in->capfree_pending) {
            in->capfree_pending = in->capfree_pending ? in->capfree_pending * 2 : 256;
            in->free_pending = realloc(in->free_pending, sizeof(Obj *) * (size_t)in->capfree_pending);
            if (!in->free_pending) { fputs("tiny: out of memory\n", stderr); abort(); }
        }
        in->free_pending[in->nfree_pending++] = o;
        return;
    }
    in->free_depth++;
    obj_free_now(o);
    in->free_depth--;
    if (in->free_depth == 0) {
        /* drain what was deferred; freeing it may defer more, drained in turn */
        in->free_depth++;
        while (in->nfree_pending > 0) obj_free_now(in->free_pending[--in->nfree_pending]);
        in->free_depth--;
    }
}

static void obj_free_now(Obj *o) {
    Type *t = o->type;
    bool gc = o->alloc_class & OBJ_GC_PREFIX;
    if (gc) gc_untrack(o);
    if (t->dealloc) t->dealloc(o);
    the_interp.live_objects--;
    char *mem = (char *)o - (gc ? sizeof(GCLink) : 0);
    int c = (int)(o->alloc_class & ~OBJ_GC_PREFIX) - 1;
    if (c >= 0) {
        *(void **)mem = the_interp.freelist[c];
        the_interp.freelist[c] = mem;
    } else {
        free(mem);
    }
    if (t->flags & TF_HEAPTYPE) o_decref(&t->hdr);
}

void obj_immortalize(Obj *o) {
    if (o->refcnt < IMMORTAL_REFCNT / 2) {
        o->refcnt = IMMORTAL_REFCNT;
        the_interp.live_objects--;
    }
}

/* ---- types ---- */

Type *obj_type(Value v) {
    switch (v.tag) {
    case VT_NONE: return &T_NoneType;
    case VT_BOOL: return &T_bool;
    case VT_INT: return &T_int;
    case VT_FLOAT: return &T_float;
    case VT_OBJ: return v.as.o->type;
    default: return &T_NoneType;
    }
}

bool type_is_subtype(Type *a, Type *b) {
    if (a == b) return true;
    if (!a || !b) return false;
    if (a->mro) {
        Tuple *m = (Tuple *)a->mro;
        for (int64_t i = 0; i < m->len; i++)
            if (m->items[i].as.o == &b->hdr) return true;
        return false;
    }
    for (a = a->base; a; a = a->base)
        if (a == b) return true;
    return false;
}

Type *type_mro_next(Type *t, Type *cur, int64_t *i) {
    if (!t->mro) return cur->base;
    Tuple *m = (Tuple *)t->mro;
    return *i < m->len ? (Type *)m->items[(*i)++].as.o : NULL;
}

bool obj_isinstance(Value v, Type *t) { return type_is_subtype(obj_type(v), t); }

Value type_lookup(Type *t, Obj *name) {
    uintptr_t h = (((uintptr_t)t >> 4) ^ ((uintptr_t)name >> 3)) & (TYPE_CACHE_SIZE - 1);
    TypeCacheEntry *e = &the_interp.type_cache[h];
    bool cacheable = ((Str *)name)->interned;
    if (cacheable && e->type == t && e->name == name && e->epoch == the_interp.type_epoch) return e->value;
    Value r = V_NULL;
    if (t->mro) {
        if (t->dict) r = dict_get_str(t->dict, name);
        Tuple *m = (Tuple *)t->mro;
        for (int64_t i = 0; IS_NULL(r) && i < m->len; i++) {
            Type *b = (Type *)m->items[i].as.o;
            if (b->dict) r = dict_get_str(b->dict, name);
        }
    } else {
        for (Type *b = t; b; b = b->base) {
            if (b->dict) {
                Value v = dict_get_str(b->dict, name);
                if (!IS_NULL(v)) { r = v; break; }
            }
        }
    }
    if (cacheable) {
        e->type = t;
        e->name = name;
        e->epoch = the_interp.type_epoch;
        e->value = r;
    }
    return r;
}

void type_modified(void) { the_interp.type_epoch++; }

const char *type_name(Type *t) { return t->name; }
const char *obj_type_name(Value v) { return obj_type(v)->name; }

#define INHERIT(slot) if (!t->slot) t->slot = b->slot

void type_ready(Type *t) {
    if (t->dict) return;  /* already ready */
    t->hdr.type = &T_type;
    t->hdr.refcnt = IMMORTAL_REFCNT;
    if (!t->base && t != &T_object) t->base = &T_object;
    Type *b = t->base;
    if (b) {
        type_ready(b);
        /* an internal type does not inherit object's constructor: calling it raises
         * "cannot create 'X' instances" instead of making a zero-filled object */
        if (!t->new_ && (b != &T_object || (t->flags & TF_BASETYPE))) t->new_ = b->new_;
        INHERIT(dealloc); INHERIT(traverse); INHERIT(clear);
        INHERIT(repr); INHERIT(str); INHERIT(hash); INHERIT(richcmp);
        INHERIT(getattr); INHERIT(setattr); INHERIT(call); INHERIT(iter); INHERIT(next);
        INHERIT(len); INHERIT(getitem); INHERIT(setitem); INHERIT(contains);
        INHERIT(truthy); INHERIT(binop); INHERIT(unop);
        if (!t->basicsize) t->basicsize = b->basicsize;
        t->flags |= b->flags & (TF_GC | TF_HAS_DICT | TF_EXCEPTION);
    }
    if (!t->name_obj) t->name_obj = str_intern(t->name);
    if (!t->dict) {
        t->dict = dict_new();
        obj_immortalize(t->dict);
    }
    for (const MethodDef *m = t->methods; m && m->name; m++) {
        CFunc *f = (CFunc *)obj_alloc(&T_builtin, sizeof(CFunc));
        f->def = m;
        f->owner = t;
        Value fv = V_OBJ(f);
        if (m->flags & (METH_CLASS | METH_STATIC)) {
            Wrapper *w = (Wrapper *)obj_alloc((m->flags & METH_CLASS) ? &T_classmethod : &T_staticmethod,
                                              sizeof(Wrapper));
            w->func = fv;
            fv = V_OBJ(w);
        }
        obj_immortalize(&f->hdr);
        if (fv.as.o != &f->hdr) obj_immortalize(fv.as.o);
        dict_set_str(t->dict, str_intern(m->name), fv);
    }
}

/* ---- C recursion guard (CPython's Py_EnterRecursiveCall) ---- */

/* Counts one level of C recursion through the object protocol; RecursionError when the
 * recursion limit or the C stack runs out. */
static inline int enter_rec(ThreadState *ts, const char *where) {
    char here;
    if (ts->depth + 1 > the_interp.recursion_limit || (uintptr_t)&here < ts->c_stack_limit) {
        exc_raise(ts, &T_RecursionError, "maximum recursion depth exceeded%s", where);
        return -1;
    }
    ts->depth++;
    return 0;
}
#define leave_rec(ts) ((ts)->depth--)

/* ---- repr / str / hash ---- */

static Value default_repr(ThreadState *ts, Value v) {
    Type *t = obj_type(v);
    if (t->module && !str_eq_cstr(t->module, "builtins"))
        return V_OBJ(str_fmt("<%s.%s object at %p>", STR_DATA(t->module),
                             STR_DATA(t->qualname ? t->qualname : t->name_obj), (void *)AS_OBJ(v)));
    return V_OBJ(str_fmt("<%s object at %p>", t->name, (void *)AS_OBJ(v)));
}

static Value check_str_result(ThreadState *ts, Value r, const char *what) {
    if (IS_NULL(r) || IS_STR(r)) return r;
    exc_raise(ts, &T_TypeError, "%s returned non-string (type %s)", what, obj_type_name(r));
    v_decref(r);
    return V_NULL;
}

Value obj_repr(ThreadState *ts, Value v) {
    char buf[40];
    switch (v.tag) {
    case VT_NONE: return V_OBJ(str_intern("None"));
    case VT_BOOL: return V_OBJ(str_intern(AS_BOOL(v) ? "True" : "False"));
    case VT_INT:
        (void)buf;
        return V_OBJ(int_to_str(AS_INT(v)));
    case VT_FLOAT: return V_OBJ(float_repr(AS_FLOAT(v)));
    case VT_OBJ: {
        Type *t = AS_OBJ(v)->type;
        if (!t->repr) return default_repr(ts, v);
        if (t == &T_str) return check_str_result(ts, t->repr(ts, v), "__repr__");
        if (enter_rec(ts, " while getting the repr of an object") < 0) return V_NULL;
        Value r = check_str_result(ts, t->repr(ts, v), "__repr__");
        leave_rec(ts);
        return r;
    }
    default: return V_OBJ(str_intern("<NULL>"));
    }
}

Value obj_str(ThreadState *ts, Value v) {
    if (v.tag == VT_OBJ) {
        Type *t = AS_OBJ(v)->type;
        if (t == &T_str) return v_new(v);
        if (t->str) {
            if (enter_rec(ts, " while getting the str of an object") < 0) return V_NULL;
            Value r = check_str_result(ts, t->str(ts, v), "__str__");
            leave_rec(ts);
            return r;
        }
    }
    return obj_repr(ts, v);
}

int64_t obj_hash(ThreadState *ts, Value v) {
    switch (v.tag) {
    case VT_NONE: return 0x5f3759df;
    case VT_BOOL: case VT_INT: return int_hash(AS_INT(v));
    case VT_FLOAT: return float_hash(AS_FLOAT(v));
    case VT_OBJ: {
        Obj *o = AS_OBJ(v);
        if (o->type == &T_str) return str_hash(o);
        if (o->type->hash) {
            if (enter_rec(ts, " while calling a Python object") < 0) return -1;
            int64_t h = o->type->hash(ts, v);
            leave_rec(ts);
            return h;
        }
        int64_t h = (int64_t)((uintptr_t)o >> 4);
        return h == -1 ? -2 : h;
    }
    default: return 0;
    }
}

/* ---- comparison ---- */

static const char *const cmp_sym[] = { "<", "<=", "==", "!=", ">", ">=" };
static const int cmp_swap[] = { CMP_GT, CMP_GE, CMP_EQ, CMP_NE, CMP_LT, CMP_LE };

static bool is_number(Value v) { return v.tag == VT_INT || v.tag == VT_BOOL || v.tag == VT_FLOAT; }

static Value richcmp_inner(ThreadState *ts, Value a, Value b, int op);

Value obj_richcmp(ThreadState *ts, Value a, Value b, int op) {
    if (is_number(a) && is_number(b)) return num_richcmp(ts, a, b, op);
    if (enter_rec(ts, " in comparison") < 0) return V_NULL;
    Value r = richcmp_inner(ts, a, b, op);
    leave_rec(ts);
    return r;
}

static Value richcmp_inner(ThreadState *ts, Value a, Value b, int op) {
    Type *ta = obj_type(a), *tb = obj_type(b);
    bool swapped_first = ta != tb && type_is_subtype(tb, ta) && tb->richcmp && (tb->flags & TF_HEAPTYPE);
    Value r;
    if (swapped_first) {
        r = tb->richcmp(ts, b, a, cmp_swap[op]);
        if (IS_NULL(r) || !IS_NOTIMPL(r)) return r;
    }
    if (ta->richcmp) {
        r = ta->richcmp(ts, a, b, op);
        if (IS_NULL(r) || !IS_NOTIMPL(r)) return r;
    }
    if (!swapped_first && tb->richcmp) {
        r = tb->richcmp(ts, b, a, cmp_swap[op]);
        if (IS_NULL(r) || !IS_NOTIMPL(r)) return r;
    }
    bool same = a.tag == b.tag && a.as.i == b.as.i;
    if (op == CMP_EQ) return V_BOOL(same);
    if (op == CMP_NE) return V_BOOL(!same);
    return exc_raise(ts, &T_TypeError, "'%s' not supported between instances of '%s' and '%s'",
                     cmp_sym[op], ta->name, tb->name);
}

int obj_cmp(ThreadState *ts, Value a, Value b, int op) {
    if (a.tag == VT_INT && b.tag == VT_INT) return cmp_int(op, AS_INT(a), AS_INT(b));
    if (op == CMP_EQ) return obj_eq(ts, a, b);
    if (IS_STR(a) && IS_STR(b) && (op == CMP_LT || op == CMP_GT)) {
        Str *x = AS_STR(a), *y = AS_STR(b);
        int64_t n = x->len < y->len ? x->len : y->len;
        int c = memcmp(x->data, y->data, (size_t)n);
        if (c == 0) c = (x->len > y->len) - (x->len < y->len);
        return op == CMP_LT ? c < 0 : c > 0;
    }
    Value r = obj_richcmp(ts, a, b, op);
    if (IS_NULL(r)) return -1;
    if (r.tag == VT_BOOL) return AS_BOOL(r);
    int t = obj_truthy(ts, r);
    v_decref(r);
    return t;
}

int obj_eq(ThreadState *ts, Value a, Value b) {
    if (a.tag == b.tag) {
        switch (a.tag) {
        case VT_NONE: return 1;
        case VT_BOOL: case VT_INT: return a.as.i == b.as.i;
        case VT_FLOAT: return a.as.f == b.as.f;
        case VT_OBJ:
            if (a.as.o == b.as.o) return 1;
            if (a.as.o->type == &T_str && b.as.o->type == &T_str) return str_eq(a.as.o, b.as.o);
            break;
        default: break;
        }
    }
    Value r = obj_richcmp(ts, a, b, CMP_EQ);
    if (IS_NULL(r)) return -1;
    if (r.tag == VT_BOOL) return AS_BOOL(r);
    int t = obj_truthy(ts, r);
    v_decref(r);
    return t;
}

int obj_truthy(ThreadState *ts, Value v) {
    switch (v.tag) {
    case VT_NONE: return 0;
    case VT_BOOL: case VT_INT: return v.as.i != 0;
    case VT_FLOAT: return v.as.f != 0.0;
    case VT_OBJ: {
        Type *t = v.as.o->type;
        if (t->truthy) return t->truthy(ts, v);
        if (t->len) {
            int64_t n = t->len(ts, v);
            return n < 0 ? -1 : n > 0;
        }
        return 1;
    }
    default: return 0;
    }
}

/* ---- attributes ---- */

static Value attr_error(ThreadState *ts, Value v, Obj *name) {
    if (IS_TYPE(v))
        return exc_raise(ts, &T_AttributeError, "type object '%s' has no attribute '%s'",
                         AS_TYPE(v)->name, STR_DATA(name));
    return exc_raise(ts, &T_AttributeError, "'%s' object has no attribute '%s'",
                     obj_type_name(v), STR_DATA(name));
}

/* The instance dict of v, or NULL; create makes it on demand. */
static Obj *value_dict(Value v, bool create) {
    if (v.tag != VT_OBJ || !(v.as.o->type->flags & TF_HAS_DICT)) return NULL;
    return instance_dict(v.as.o, create);
}

/* v's own attribute name (its slots or its __dict__), borrowed, or V_NULL. */
static Value own_attr(Value v, Type *t, Obj *name) {
    if ((t->flags & TF_INLINE) && !((Instance *)v.as.o)->dict) {
        InlineInstance *ii = (InlineInstance *)v.as.o;
        int32_t i = instance_key_index(t, name);
        return i >= 0 && (uint32_t)i < ii->nset ? ii->vals[i] : V_NULL;
    }
    Obj *d = value_dict(v, false);
    return d ? dict_get_str(d, name) : V_NULL;
}

static Obj *nm_get, *nm_set, *nm_delete;
/* The interned names of the descriptor protocol, made once. */
static void descr_names(void) {
    if (nm_get) return;
    nm_get = str_intern("__get__");
    nm_set = str_intern("__set__");
    nm_delete = str_intern("__delete__");
}

Value obj_descr_method(Value attr, int which) {
    if (attr.tag != VT_OBJ || !(attr.as.o->type->flags & TF_HEAPTYPE)) return V_NULL;
    descr_names();
    return type_lookup(attr.as.o->type, which == 0 ? nm_get : which == 1 ? nm_set : nm_delete);
}

bool obj_is_data_descr(Value attr) {
    if (OBJ_IS(attr, T_property)) return true;
    return !IS_NULL(obj_descr_method(attr, 1)) || !IS_NULL(obj_descr_method(attr, 2));
}

Value obj_descr_get(ThreadState *ts, Value attr, Value obj, Value type) {
    Value g = obj_descr_method(attr, 0);
    if (IS_NULL(g)) return v_new(attr);
    Value args[3] = { attr, obj, type };
    if (OBJ_IS(g, T_function) || OBJ_IS(g, T_builtin)) return obj_call(ts, g, args, 3, NULL);
    return obj_call_method(ts, attr, nm_get, args + 1, 2);
}

/* Binds an attribute found on a type to an instance (descriptors). */
static Value bind_attr(ThreadState *ts, Value attr, Value self, Type *t) {
    if (attr.tag == VT_OBJ) {
        Type *at = attr.as.o->type;
        if (at->flags & TF_HEAPTYPE) return obj_descr_get(ts, attr, self, V_OBJ(t));
        if (at == &T_function) return V_OBJ(method_new(attr, self));
        if (at == &T_builtin && IS_NULL(((CFunc *)attr.as.o)->self)) return V_OBJ(method_new(attr, self));
        if (at == &T_staticmethod) return v_new(((Wrapper *)attr.as.o)->func);
        if (at == &T_classmethod) return V_OBJ(method_new(((Wrapper *)attr.as.o)->func, V_OBJ(t)));
        if (at == &T_property) {
            Property *p = (Property *)attr.as.o;
            if (IS_NULL(p->fget) || IS_NONE(p->fget))
                return exc_raise(ts, &T_AttributeError, "property object has no getter");
            return obj_call1(ts, p->fget, self);
        }
    }
    return v_new(attr);
}

Value obj_generic_getattr(ThreadState *ts, Value v, Obj *name) {
    Type *t = obj_type(v);
    Value attr = type_lookup(t, name);
    if (!IS_NULL(attr) && obj_is_data_descr(attr) && (OBJ_IS(attr, T_property) || !IS_NULL(obj_descr_method(attr, 0))))
        return bind_attr(ts, attr, v, t);
    Value own = own_attr(v, t, name);
    if (!IS_NULL(own)) return v_new(own);
    if (!IS_NULL(attr)) return bind_attr(ts, attr, v, t);
    if (name == NAME(__class__)) return v_new(V_OBJ(t));
    if (name == NAME(__dict__) && v.tag == VT_OBJ && (t->flags & TF_HAS_DICT))
        return v_new(V_OBJ(value_dict(v, true)));
    return attr_error(ts, v, name);
}

int obj_generic_setattr(ThreadState *ts, Value v, Obj *name, Value val) {
    Type *t = obj_type(v);
    Value attr = type_lookup(t, name);
    if (!IS_NULL(attr) && OBJ_IS(attr, T_property)) {
        Property *p = (Property *)attr.as.o;
        Value fn = IS_NULL(val) ? p->fdel : p->fset;
        if (IS_NULL(fn) || IS_NONE(fn)) {
            exc_raise(ts, &T_AttributeError, "property '%s' of '%s' object has no %s", STR_DATA(name),
                      t->name, IS_NULL(val) ? "deleter" : "setter");
            return -1;
        }
        Value r = IS_NULL(val) ? obj_call1(ts, fn, v) : obj_call2(ts, fn, v, val);
        if (IS_NULL(r)) return -1;
        v_decref(r);
        return 0;
    }
    if (!IS_NULL(attr) && attr.tag == VT_OBJ && (attr.as.o->type->flags & TF_HEAPTYPE) && obj_is_data_descr(attr)) {
        int which = IS_NULL(val) ? 2 : 1;
        if (IS_NULL(obj_descr_method(attr, which))) {
            exc_raise(ts, &T_AttributeError, "%s", which == 2 ? "__delete__" : "__set__");
            return -1;
        }
        Value args[2] = { v, val };
        Value r = obj_call_method(ts, attr, which == 2 ? nm_delete : nm_set, args, which == 2 ? 1 : 2);
        if (IS_NULL(r)) return -1;
        v_decref(r);
        return 0;
    }
    if (!IS_NULL(val) && (t->flags & TF_INLINE) && instance_store_inline(v.as.o, name, val)) return 0;
    Obj *d = value_dict(v, true);
    if (!d) {
        if (IS_NULL(attr))
            exc_raise(ts, &T_AttributeError, "'%s' object has no attribute '%s'", t->name, STR_DATA(name));
        else
            exc_raise(ts, &T_AttributeError, "'%s' object attribute '%s' is read-only", t->name, STR_DATA(name));
        return -1;
    }
    if (IS_NULL(val)) {
        int r = dict_del(ts, d, V_OBJ(name));
        if (r == 0) { attr_error(ts, v, name); return -1; }
        return r < 0 ? -1 : 0;
    }
    dict_set_str(d, name, val);
    return 0;
}

Value obj_getattr(ThreadState *ts, Value v, Obj *name) {
    Type *t = obj_type(v);
    if (t->getattr) return t->getattr(ts, v, name);
    return obj_generic_getattr(ts, v, name);
}

Value obj_getattr_opt(ThreadState *ts, Value v, Obj *name) {
    Value r = obj_getattr(ts, v, name);
    if (IS_NULL(r) && exc_matches(ts, &T_AttributeError)) exc_clear(ts);
    return r;
}

int obj_setattr(ThreadState *ts, Value v, Obj *name, Value val) {
    Type *t = obj_type(v);
    if (t->setattr) return t->setattr(ts, v, name, val);
    return obj_generic_setattr(ts, v, name, val);
}

int obj_get_method(ThreadState *ts, Value v, Obj *name, Value *meth) {
    Type *t = obj_type(v);
    if (!t->getattr || (t->flags & (TF_HEAPTYPE | TF_GETATTRIBUTE)) == TF_HEAPTYPE) {
        Value attr = type_lookup(t, name);
        if (attr.tag == VT_OBJ && (attr.as.o->type == &T_function ||
            (attr.as.o->type == &T_builtin && IS_NULL(((CFunc *)attr.as.o)->self)))) {
            if (IS_NULL(own_attr(v, t, name))) {
                *meth = v_new(attr);
                return 1;
            }
        }
    }
    *meth = obj_getattr(ts, v, name);
    return IS_NULL(*meth) ? -1 : 0;
}

/* ---- calls ---- */

Value obj_call(ThreadState *ts, Value f, Value *args, int nargs, Obj *kwnames) {
    Type *t = obj_type(f);
    if (t->call) {
        /* callables wrapping callables (method(method(...)), staticmethod) nest in C */
        char here;
        if ((uintptr_t)&here < ts->c_stack_limit)
            return exc_raise(ts, &T_RecursionError, "maximum recursion depth exceeded");
        return t->call(ts, f, args, nargs, kwnames);
    }
    return exc_raise(ts, &T_TypeError, "'%s' object is not callable", t->name);
}

Value obj_call_method(ThreadState *ts, Value v, Obj *name, Value *args, int nargs) {
    Value meth;
    int r = obj_get_method(ts, v, name, &meth);
    if (r < 0) return V_NULL;
    Value res;
    if (r == 1) {
        Value buf[8];
        Value *a = nargs + 1 <= 8 ? buf : malloc(sizeof(Value) * (size_t)(nargs + 1));
        a[0] = v;
        for (int i = 0; i < nargs; i++) a[i + 1] = args[i];
        res = obj_call(ts, meth, a, nargs + 1, NULL);
        if (a != buf) free(a);
    } else {
        res = obj_call(ts, meth, args, nargs, NULL);
    }
    v_decref(meth);
    return res;
}

Value obj_call0(ThreadState *ts, Value f) { return obj_call(ts, f, NULL, 0, NULL); }
Value obj_call1(ThreadState *ts, Value f, Value a) { return obj_call(ts, f, &a, 1, NULL); }
Value obj_call2(ThreadState *ts, Value f, Value a, Value b) {
    Value args[2] = { a, b };
    return obj_call(ts, f, args, 2, NULL);
}
Value obj_call3(ThreadState *ts, Value f, Value a, Value b, Value c) {
    Value args[3] = { a, b, c };
    return obj_call(ts, f, args, 3, NULL);
}

/* ---- the recursive-repr guard ---- */

/* Enters the repr recursion guard: 1 if o is already being repr'd, else 0 (the list,
 * dict, set and tuple reprs print "[...]" and the like for the inner occurrence). */
int obj_repr_enter(ThreadState *ts, Obj *o) {
    if (!ts->repr_active)
        ts->repr_active = list_new(8);
    List *l = (List *)ts->repr_active;
    for (int64_t i = 0; i < l->len; i++)
        if (IS_OBJ(l->items[i]) && AS_OBJ(l->items[i]) == o)
            return 1;
    list_append(ts->repr_active, V_OBJ(o));
    return 0;
}

void obj_repr_leave(ThreadState *ts, Obj *o) {
    List *l = (List *)ts->repr_active;
    if (!l)
        return;
    for (int64_t i = l->len - 1; i >= 0; i--) {
        if (IS_OBJ(l->items[i]) && AS_OBJ(l->items[i]) == o) {
            Value v = l->items[i];
            memmove(&l->items[i], &l->items[i + 1], (size_t)(l->len - i - 1) * sizeof(Value));
            l->len--;
            v_decref(v);
            return;
        }
    }
}

/* ---- iteration, length, items ---- */

Value obj_iter_self(ThreadState *ts, Value self) { return v_new(self); }

Value obj_iter(ThreadState *ts, Value v) {
    Type *t = obj_type(v);
    if (t->iter) {
        Value it = t->iter(ts, v);
        if (IS_NULL(it) || obj_type(it)->next) return it;
        exc_raise(ts, &T_TypeError, "iter() returned non-iterator of type '%s'", obj_type_name(it));
        v_decref(it);
        return V_NULL;
    }
    if (t->getitem && t != &T_dict) {
        return V_OBJ(seqiter_new(&T_seq_iterator, v));
    }
    return exc_raise(ts, &T_TypeError, "'%s' object is not iterable", t->name);
}

Value obj_next(ThreadState *ts, Value it) {
    Type *t = obj_type(it);
    if (t->next) {
        /* iterators over iterators (map(f, map(...))) nest in C: bounded by the C stack */
        char here;
        if ((uintptr_t)&here < ts->c_stack_limit)
            return exc_raise(ts, &T_RecursionError, "maximum recursion depth exceeded");
        return t->next(ts, it);
    }
    return exc_raise(ts, &T_TypeError, "'%s' object is not an iterator", t->name);
}

int64_t obj_len(ThreadState *ts, Value v) {
    Type *t = obj_type(v);
    if (t->len) return t->len(ts, v);
    exc_raise(ts, &T_TypeError, "object of type '%s' has no len()", t->name);
    return -1;
}

Value obj_getitem(ThreadState *ts, Value v, Value key) {
    Type *t = obj_type(v);
    if (t->getitem) return t->getitem(ts, v, key);
    if (t == &T_type) return exc_raise(ts, &T_TypeError, "type '%s' is not subscriptable", AS_TYPE(v)->name);
    return exc_raise(ts, &T_TypeError, "'%s' object is not subscriptable", t->name);
}

int obj_setitem(ThreadState *ts, Value v, Value key, Value val) {
    Type *t = obj_type(v);
    if (t->setitem) return t->setitem(ts, v, key, val);
    if (IS_NULL(val))
        exc_raise(ts, &T_TypeError, "'%s' object doesn't support item deletion", t->name);
    else
        exc_raise(ts, &T_TypeError, "'%s' object does not support item assignment", t->name);
    return -1;
}

int obj_contains(ThreadState *ts, Value container, Value item) {
    Type *t = obj_type(container);
    if (t->contains) return t->contains(ts, container, item);
    if (!t->iter && !t->getitem) {
        exc_raise(ts, &T_TypeError, "argument of type '%s' is not iterable", t->name);
        return -1;
    }
    Value it = obj_iter(ts, container);
    if (IS_NULL(it)) {
        if (exc_matches(ts, &T_TypeError)) {
            exc_clear(ts);
            exc_raise(ts, &T_TypeError, "argument of type '%s' is not iterable", t->name);
        }
        return -1;
    }
    int found = 0;
    for (;;) {
        Value x = obj_next(ts, it);
        if (IS_NULL(x)) { if (ts->exc.tag != VT_NULL) found = -1; break; }
        int eq = obj_eq(ts, x, item);
        v_decref(x);
        if (eq != 0) { found = eq; break; }
    }
    v_decref(it);
    return found;
}

/* ---- operators ---- */

static const char *const binop_sym[] = { "+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "@" };
static const int binop_name[] = { NM___add__, NM___sub__, NM___mul__, NM___truediv__, NM___floordiv__,
    NM___mod__, NM___pow__, NM___lshift__, NM___rshift__, NM___and__, NM___or__, NM___xor__, NM___matmul__ };
static const int binop_rname[] = { NM___radd__, NM___rsub__, NM___rmul__, NM___rtruediv__, NM___rfloordiv__,
    NM___rmod__, NM___rpow__, NM___rlshift__, NM___rrshift__, NM___rand__, NM___ror__, NM___rxor__, NM___rmatmul__ };
static const int binop_iname[] = { NM___iadd__, NM___isub__, NM___imul__, NM___itruediv__, NM___ifloordiv__,
    NM___imod__, NM___ipow__, NM___ilshift__, NM___irshift__, NM___iand__, NM___ior__, NM___ixor__, NM___imatmul__ };

/* Calls dunder `name` on self's type with one argument, or returns NotImplemented if absent. */
static Value call_dunder1(ThreadState *ts, Value self, Obj *name, Value arg) {
    Value f = type_lookup(obj_type(self), name);
    if (IS_NULL(f) || IS_NONE(f)) return V_NOTIMPL;
    Value args[2] = { self, arg };
    if (OBJ_IS(f, T_function) || OBJ_IS(f, T_builtin)) return obj_call(ts, f, args, 2, NULL);
    Value bound = bind_attr(ts, f, self, obj_type(self));
    if (IS_NULL(bound)) return V_NULL;
    Value r = obj_call1(ts, bound, arg);
    v_decref(bound);
    return r;
}

Value obj_binop(ThreadState *ts, Value a, Value b, int op) {
    bool inplace = op & BINOP_INPLACE;
    op &= ~BINOP_INPLACE;
    if (is_number(a) && is_number(b)) return num_binop(ts, a, b, op);
    Type *ta = obj_type(a), *tb = obj_type(b);
    Value r;
    if (inplace) {
        if (ta->flags & TF_HEAPTYPE) {
            r = call_dunder1(ts, a, wk_names[binop_iname[op]], b);
            if (IS_NULL(r) || !IS_NOTIMPL(r)) return r;
        } else if (ta->binop) {
            r = ta->binop(ts, a, b, op | BINOP_INPLACE);
            if (IS_NULL(r) || !IS_NOTIMPL(r)) return r;
        }
    }
    bool rfirst = ta != tb && (tb->flags & TF_HEAPTYPE) && type_is_subtype(tb, ta);
    if (rfirst) {
        r = call_dunder1(ts, b, wk_names[binop_rname[op]], a);
        if (IS_NULL(r) || !IS_NOTIMPL(r)) return r;
    }
    if (ta->flags & TF_HEAPTYPE) {
        r = call_dunder1(ts, a, wk_names[binop_name[op]], b);
        if (IS_NULL(r) || !IS_NOTIMPL(r)) return r;
    }
    if (ta->binop) {
        r = ta->binop(ts, a, b, op);
        if (IS_NULL(r) || !IS_NOTIMPL(r)) return r;
    }
    if (tb != ta && !rfirst) {
        if (tb->flags & TF_HEAPTYPE) {
            r = call_dunder1(ts, b, wk_names[binop_rname[op]], a);
            if (IS_NULL(r) || !IS_NOTIMPL(r)) return r;
        }
        if (tb->binop) {
            r = tb->binop(ts, a, b, op);
            if (IS_NULL(r) || !IS_NOTIMPL(r)) return r;
        }
    }
    if (op == BINOP_ADD && ta == &T_str)
        return exc_raise(ts, &T_TypeError, "can only concatenate str (not \"%s\") to str", tb->name);
    if (op == BINOP_ADD && ta == &T_list && !inplace)
        return exc_raise(ts, &T_TypeError, "can only concatenate list (not \"%s\") to list", tb->name);
    if (op == BINOP_ADD && ta == &T_tuple)
        return exc_raise(ts, &T_TypeError, "can only concatenate tuple (not \"%s\") to tuple", tb->name);
    if (op == BINOP_POW)
        return exc_raise(ts, &T_TypeError, "unsupported operand type(s) for ** or pow(): '%s' and '%s'",
                         ta->name, tb->name);
    return exc_raise(ts, &T_TypeError, "unsupported operand type(s) for %s%s: '%s' and '%s'",
                     binop_sym[op], inplace ? "=" : "", ta->name, tb->name);
}

Value obj_unop(ThreadState *ts, Value a, int op) {
    static const char *const sym[] = { "unary -", "unary +", "unary ~" };
    static const int names[] = { NM___neg__, NM___pos__, NM___invert__ };
    Type *t = obj_type(a);
    if (t->flags & TF_HEAPTYPE) {
        Value f = type_lookup(t, wk_names[names[op]]);
        if (!IS_NULL(f)) return obj_call1(ts, f, a);
    }
    if (t->unop) {
        Value r = t->unop(ts, a, op);
        if (IS_NULL(r) || !IS_NOTIMPL(r)) return r;
    }
    return exc_raise(ts, &T_TypeError, "bad operand type for %s: '%s'", sym[op], t->name);
}

/* ---- conversions ---- */

Value obj_to_list(ThreadState *ts, Value iterable) {
    Obj *l = list_new(0);
    if (list_extend(ts, l, iterable) < 0) { o_decref(l); return V_NULL; }
    return V_OBJ(l);
}

Value obj_to_tuple(ThreadState *ts, Value iterable) {
    if (IS_TUPLE(iterable)) return v_new(iterable);
    if (IS_LIST(iterable)) {
        List *l = AS_LIST(iterable);
        return V_OBJ(tuple_from_array(l->items, l->len));
    }
    Value l = obj_to_list(ts, iterable);
    if (IS_NULL(l)) return V_NULL;
    Value t = V_OBJ(tuple_from_array(AS_LIST(l)->items, AS_LIST(l)->len));
    v_decref(l);
    return t;
}

int obj_as_index(ThreadState *ts, Value v, int64_t *out) {
    if (IS_INTLIKE(v)) { *out = AS_INT(v); return 0; }
    Type *t = obj_type(v);
    if (t == &T_int) {
        exc_raise(ts, &T_OverflowError, "cannot fit 'int' into an index-sized integer");
        return -1;
    }
    if (t->flags & TF_HEAPTYPE) {
        Value f = type_lookup(t, NAME(__index__));
        if (!IS_NULL(f)) {
            Value r = obj_call1(ts, f, v);
            if (IS_NULL(r)) return -1;
            if (!IS_INTLIKE(r)) {
                if (obj_type(r) == &T_int)
                    exc_raise(ts, &T_OverflowError, "cannot fit 'int' into an index-sized integer");
                else
                    exc_raise(ts, &T_TypeError, "__index__ returned non-int (type %s)", obj_type_name(r));
                v_decref(r);
                return -1;
            }
            *out = AS_INT(r);
            return 0;
        }
    }
    exc_raise(ts, &T_TypeError, "'%s' object cannot be interpreted as an integer", t->name);
    return -1;
}

int obj_print(ThreadState *ts, Value v, FILE *fp, bool use_repr) {
    Value s = use_repr ? obj_repr(ts, v) : obj_str(ts, v);
    if (IS_NULL(s)) return -1;
    fwrite(AS_STR(s)->data, 1, (size_t)AS_STR(s)->len, fp);
    v_decref(s);
    return 0;
}

/* ---- None, NotImplemented, Ellipsis ---- */

static Value none_repr(ThreadState *ts, Value v) { return V_OBJ(str_intern("None")); }
static int none_truthy(ThreadState *ts, Value v) { return 0; }
/* NoneType() and the other singletons' types return their singleton. */
static Value none_new(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kw) {
    if (nargs || (kw && ((Tuple *)kw)->len))
        return exc_raise(ts, &T_TypeError, "%s takes no arguments", t == &T_Ellipsis ? "EllipsisType" : t->name);
    if (t == &T_NotImplementedType) return V_NOTIMPL;
    if (t == &T_Ellipsis) return v_new(V_OBJ(&Ellipsis_obj));
    return V_NONE;
}
Type T_NoneType = { .name = "NoneType", .basicsize = sizeof(Obj), .repr = none_repr,
                    .truthy = none_truthy, .new_ = none_new };

static Value notimpl_repr(ThreadState *ts, Value v) { return V_OBJ(str_intern("NotImplemented")); }
Type T_NotImplementedType = { .name = "NotImplementedType", .basicsize = sizeof(Obj), .repr = notimpl_repr,
                              .new_ = none_new };
Obj NotImplemented_obj = { .refcnt = IMMORTAL_REFCNT, .type = &T_NotImplementedType };

static Value ellipsis_repr(ThreadState *ts, Value v) { return V_OBJ(str_intern("Ellipsis")); }
Type T_Ellipsis = { .name = "ellipsis", .basicsize = sizeof(Obj), .repr = ellipsis_repr, .new_ = none_new };
Obj Ellipsis_obj = { .refcnt = IMMORTAL_REFCNT, .type = &T_Ellipsis };
