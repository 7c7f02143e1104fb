/* class.c — `type`, `object`, `super`, classes made by class statements, and the
 * slot functions that dispatch a class's dunder methods (__repr__, __eq__, ...).
 * A class is a heap Type: single inheritance, its namespace in t->dict; each slot is
 * either inherited from the base or, when the class (or a class above it) defines the
 * matching dunder, a slot_* function below that looks the dunder up and calls it. */
#include "objects/func.h"
#include "objects/class.h"
#include "state.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "exc.h"
#include "objects/format.h"
#include "args.h"
#include <stdlib.h>
#include <string.h>

/* Looks a name up in the heap classes of t's chain only (user-defined dunders). */
static Value heap_lookup(Type *t, Obj *name) {
    for (; t && (t->flags & TF_HEAPTYPE); t = t->base) {
        Value v = dict_get_str(t->dict, name);
        if (!IS_NULL(v)) return v;
    }
    return V_NULL;
}

/* Calls the class's dunder `name` with self and n extra arguments. */
static Value call_dunder(ThreadState *ts, Value self, Obj *name, Value *args, int n) {
    Type *t = obj_type(self);
    Value f = type_lookup(t, name);
    if (IS_NULL(f))
        return exc_raise(ts, &T_AttributeError, "'%s' object has no attribute '%s'", t->name, STR_DATA(name));
    Value buf[4];
    buf[0] = self;
    for (int i = 0; i < n; i++) buf[i + 1] = args[i];
    if (OBJ_IS(f, T_function) || OBJ_IS(f, T_builtin)) return obj_call(ts, f, buf, n + 1, NULL);
    Value bound = obj_getattr(ts, self, name);
    if (IS_NULL(bound)) return V_NULL;
    Value r = obj_call(ts, bound, args, n, NULL);
    v_decref(bound);
    return r;
}

static Value slot_repr(ThreadState *ts, Value self) { return call_dunder(ts, self, NAME(__repr__), NULL, 0); }
static Value slot_str(ThreadState *ts, Value self) { return call_dunder(ts, self, NAME(__str__), NULL, 0); }

static int64_t slot_hash(ThreadState *ts, Value self) {
    Value r = call_dunder(ts, self, NAME(__hash__), NULL, 0);
    if (IS_NULL(r)) return -1;
    if (!IS_INTLIKE(r)) {
        exc_raise(ts, &T_TypeError, "__hash__ method should return an integer");
        v_decref(r);
        return -1;
    }
    int64_t h = AS_INT(r);
    return h == -1 ? -2 : h;
}

static int64_t slot_unhashable(ThreadState *ts, Value self) {
    exc_raise(ts, &T_TypeError, "unhashable type: '%s'", obj_type_name(self));
    return -1;
}

static const int cmp_names[] = { NM___lt__, NM___le__, NM___eq__, NM___ne__, NM___gt__, NM___ge__ };

static Value slot_richcmp(ThreadState *ts, Value a, Value b, int op) {
    Type *t = obj_type(a);
    Value f = heap_lookup(t, wk_names[cmp_names[op]]);
    if (IS_NULL(f) && op == CMP_NE) {
        /* default __ne__ inverts __eq__ */
        if (IS_NULL(heap_lookup(t, NAME(__eq__)))) return V_NOTIMPL;
        Value r = call_dunder(ts, a, NAME(__eq__), &b, 1);
        if (IS_NULL(r) || IS_NOTIMPL(r)) return r;
        int tr = obj_truthy(ts, r);
        v_decref(r);
        return tr < 0 ? V_NULL : V_BOOL(!tr);
    }
    if (IS_NULL(f)) {
        Type *b0 = t;
        while (b0 && (b0->flags & TF_HEAPTYPE)) b0 = b0->base;
        if (b0 && b0->richcmp) return b0->richcmp(ts, a, b, op);
        return V_NOTIMPL;
    }
    return call_dunder(ts, a, wk_names[cmp_names[op]], &b, 1);
}

/* The getattr of the nearest class above t that does not use slot_getattr. */
static Value slot_getattr(ThreadState *ts, Value self, Obj *name);
static Value base_getattr(ThreadState *ts, Value self, Obj *name) {
    Type *b = obj_type(self);
    while (b && b->getattr == slot_getattr) b = b->base;
    return b && b->getattr ? b->getattr(ts, self, name) : obj_generic_getattr(ts, self, name);
}

static Value slot_getattr(ThreadState *ts, Value self, Obj *name) {
    Value r = base_getattr(ts, self, name);
    if (!IS_NULL(r) || !exc_matches(ts, &T_AttributeError)) return r;
    Value f = heap_lookup(obj_type(self), NAME(__getattr__));
    if (IS_NULL(f)) return V_NULL;
    exc_clear(ts);
    Value n = V_OBJ(name);
    return call_dunder(ts, self, NAME(__getattr__), &n, 1);
}

static int slot_setattr(ThreadState *ts, Value self, Obj *name, Value v) {
    Value args[2] = { V_OBJ(name), v };
    Value r = IS_NULL(v) ? call_dunder(ts, self, NAME(__delattr__), args, 1)
                         : call_dunder(ts, self, NAME(__setattr__), args, 2);
    if (IS_NULL(r)) return -1;
    v_decref(r);
    return 0;
}

static Value slot_call(ThreadState *ts, Value self, Value *args, int nargs, Obj *kwnames) {
    Value f = type_lookup(obj_type(self), NAME(__call__));
    int nkw = kwnames ? (int)((Tuple *)kwnames)->len : 0;
    Value *a = malloc(sizeof(Value) * (size_t)(nargs + nkw + 1));
    a[0] = self;
    if (nargs + nkw) memcpy(a + 1, args, sizeof(Value) * (size_t)(nargs + nkw));
    Value r;
    if (OBJ_IS(f, T_function) || OBJ_IS(f, T_builtin)) {
        r = obj_call(ts, f, a, nargs + 1, kwnames);
    } else {
        Value bound = obj_getattr(ts, self, NAME(__call__));
        r = IS_NULL(bound) ? V_NULL : obj_call(ts, bound, args, nargs, kwnames);
        v_decref(bound);
    }
    free(a);
    return r;
}

static Value slot_iter(ThreadState *ts, Value self) { return call_dunder(ts, self, NAME(__iter__), NULL, 0); }

static Value slot_next(ThreadState *ts, Value self) {
    Value r = call_dunder(ts, self, NAME(__next__), NULL, 0);
    if (IS_NULL(r) && exc_matches(ts, &T_StopIteration)) exc_clear(ts);
    return r;
}

static int64_t slot_len(ThreadState *ts, Value self) {
    Value r = call_dunder(ts, self, NAME(__len__), NULL, 0);
    if (IS_NULL(r)) return -1;
    if (!IS_INTLIKE(r)) {
        exc_raise(ts, &T_TypeError, "'%s' object cannot be interpreted as an integer", obj_type_name(r));
        v_decref(r);
        return -1;
    }
    if (AS_INT(r) < 0) { exc_raise(ts, &T_ValueError, "__len__() should return >= 0"); return -1; }
    return AS_INT(r);
}

static Value slot_getitem(ThreadState *ts, Value self, Value key) {
    return call_dunder(ts, self, NAME(__getitem__), &key, 1);
}

static int slot_setitem(ThreadState *ts, Value self, Value key, Value v) {
    Value args[2] = { key, v };
    Value r = IS_NULL(v) ? call_dunder(ts, self, NAME(__delitem__), args, 1)
                         : call_dunder(ts, self, NAME(__setitem__), args, 2);
    if (IS_NULL(r)) return -1;
    v_decref(r);
    return 0;
}

static int slot_contains(ThreadState *ts, Value self, Value item) {
    Value r = call_dunder(ts, self, NAME(__contains__), &item, 1);
    if (IS_NULL(r)) return -1;
    int t = obj_truthy(ts, r);
    v_decref(r);
    return t;
}

static int slot_truthy(ThreadState *ts, Value self) {
    Type *t = obj_type(self);
    if (!IS_NULL(heap_lookup(t, NAME(__bool__)))) {
        Value r = call_dunder(ts, self, NAME(__bool__), NULL, 0);
        if (IS_NULL(r)) return -1;
        if (!IS_BOOL(r)) {
            exc_raise(ts, &T_TypeError, "__bool__ should return bool, returned %s", obj_type_name(r));
            v_decref(r);
            return -1;
        }
        return AS_BOOL(r);
    }
    int64_t n = slot_len(ts, self);
    return n < 0 ? -1 : n > 0;
}

/* ---- instances of classes based on object ---- */

/* Slots an inline instance gets beyond its class's known keys, and the most keys a class
 * shares (an instance needing more keeps a dict). */
#define INLINE_MIN 4
#define INLINE_MAX 32

Obj *instance_alloc(Type *t) {
    if (!(t->flags & TF_INLINE)) return obj_alloc(t, t->basicsize);
    uint32_t cap = t->nikeys < INLINE_MIN ? INLINE_MIN : t->nikeys;
    InlineInstance *ii = (InlineInstance *)obj_alloc(t, sizeof(InlineInstance) + cap * sizeof(Value));
    ii->cap = cap;
    return &ii->in.hdr;
}

int32_t instance_key_index(Type *t, Obj *name) {
    for (uint32_t i = 0; i < t->nikeys; i++)
        if (t->ikeys[i] == name) return (int32_t)i;
    if (!((Str *)name)->interned)
        for (uint32_t i = 0; i < t->nikeys; i++)
            if (str_eq(t->ikeys[i], name)) return (int32_t)i;
    return -1;
}

int instance_store_inline(Obj *o, Obj *name, Value v) {
    InlineInstance *ii = (InlineInstance *)o;
    Type *t = o->type;
    if (ii->in.dict || !(t->flags & TF_INLINE)) return 0;
    int32_t i = instance_key_index(t, name);
    if (i < 0) {
        /* a new name joins the shared keys only after every key this instance has */
        if (ii->nset != t->nikeys || !((Str *)name)->interned || t->nikeys >= INLINE_MAX) return 0;
        if (t->nikeys == t->ikeys_cap) {
            t->ikeys_cap = t->ikeys_cap ? t->ikeys_cap * 2 : 4;
            Obj **k = realloc(t->ikeys, t->ikeys_cap * sizeof(Obj *));
            if (!k) { fputs("tiny: out of memory\n", stderr); abort(); }
            t->ikeys = k;
        }
        i = (int32_t)t->nikeys++;
        t->ikeys[i] = name;   /* interned: immortal */
    }
    if ((uint32_t)i < ii->nset) {
        v_set(&ii->vals[i], v_new(v));
        return 1;
    }
    if ((uint32_t)i == ii->nset && (uint32_t)i < ii->cap) {
        ii->vals[i] = v_new(v);
        ii->nset++;
        return 1;
    }
    return 0;
}

Obj *instance_dict(Obj *o, bool create) {
    Instance *in = (Instance *)o;
    if (in->dict) return in->dict;
    InlineInstance *ii = (InlineInstance *)o;
    bool inl = o->type->flags & TF_INLINE;
    if (!create && (!inl || ii->nset == 0)) return NULL;
    Obj *d = dict_new();
    if (inl) {
        for (uint32_t i = 0; i < ii->nset; i++) {
            dict_set_str(d, o->type->ikeys[i], ii->vals[i]);
            v_decref(ii->vals[i]);
            ii->vals[i] = V_NULL;
        }
        ii->nset = ii->cap = 0;
    }
    in->dict = d;
    return d;
}

/* Drops an inline instance's slot values. */
static void inline_clear(Obj *o) {
    if (!(o->type->flags & TF_INLINE)) return;
    InlineInstance *ii = (InlineInstance *)o;
    uint32_t n = ii->nset;
    ii->nset = 0;
    for (uint32_t i = 0; i < n; i++) {
        Value v = ii->vals[i];
        ii->vals[i] = V_NULL;
        v_decref(v);
    }
}

static void instance_dealloc(Obj *o) {
    inline_clear(o);
    o_xdecref(((Instance *)o)->dict);
}
static void instance_traverse(Obj *o, VisitFn visit, void *arg) {
    Instance *in = (Instance *)o;
    if (in->dict) visit(V_OBJ(in->dict), arg);
    if (o->type->flags & TF_INLINE) {
        InlineInstance *ii = (InlineInstance *)o;
        for (uint32_t i = 0; i < ii->nset; i++) visit(ii->vals[i], arg);
    }
    if (o->type->flags & TF_HEAPTYPE) visit(V_OBJ(o->type), arg);
}
static void instance_clear(Obj *o) {
    Instance *in = (Instance *)o;
    inline_clear(o);
    Obj *d = in->dict;
    in->dict = NULL;
    o_xdecref(d);
}

/* ---- object ---- */

static Value object_new(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kw) {
    if (t == &T_object && (nargs || (kw && ((Tuple *)kw)->len)))
        return exc_raise(ts, &T_TypeError, "object() takes no arguments");
    return V_OBJ(instance_alloc(t));
}

static Value object_init(ThreadState *ts, Value *args, int nargs, Obj *kw) { return V_NONE; }
static Value object_repr_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    Type *t = obj_type(args[0]);
    if (t->module && !str_eq_cstr(t->module, "builtins"))
        return V_OBJ(str_fmt("<%s.%s object at %p>", STR_DATA(t->module),
                             STR_DATA(t->qualname ? t->qualname : t->name_obj), (void *)AS_OBJ(args[0])));
    return V_OBJ(str_fmt("<%s object at %p>", t->name, (void *)AS_OBJ(args[0])));
}
static Value object_str_m(ThreadState *ts, Value *args, int nargs, Obj *kw) { return obj_repr(ts, args[0]); }
static Value object_eq_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "__eq__", nargs, kw, 2, 2) < 0) return V_NULL;
    if (args[0].tag == args[1].tag && args[0].as.i == args[1].as.i) return V_TRUE;
    return V_NOTIMPL;
}
static Value object_ne_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "__ne__", nargs, kw, 2, 2) < 0) return V_NULL;
    Value r = obj_richcmp(ts, args[0], args[1], CMP_EQ);
    if (IS_NULL(r) || IS_NOTIMPL(r)) return r;
    int t = obj_truthy(ts, r);
    v_decref(r);
    return t < 0 ? V_NULL : V_BOOL(!t);
}
static Value object_hash_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    int64_t h = (int64_t)((uintptr_t)AS_OBJ(args[0]) >> 4);
    return V_INT(h);
}
static Value object_setattr_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "__setattr__", nargs, kw, 3, 3) < 0) return V_NULL;
    if (!IS_STR(args[1])) return exc_raise(ts, &T_TypeError, "attribute name must be string, not '%s'", obj_type_name(args[1]));
    if (obj_generic_setattr(ts, args[0], str_intern_obj(AS_OBJ(args[1])), args[2]) < 0) return V_NULL;
    return V_NONE;
}
static Value object_delattr_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "__delattr__", nargs, kw, 2, 2) < 0) return V_NULL;
    if (!IS_STR(args[1])) return exc_raise(ts, &T_TypeError, "attribute name must be string, not '%s'", obj_type_name(args[1]));
    if (obj_generic_setattr(ts, args[0], str_intern_obj(AS_OBJ(args[1])), V_NULL) < 0) return V_NULL;
    return V_NONE;
}
static Value object_getattribute_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "__getattribute__", nargs, kw, 2, 2) < 0) return V_NULL;
    if (!IS_STR(args[1])) return exc_raise(ts, &T_TypeError, "attribute name must be string, not '%s'", obj_type_name(args[1]));
    return obj_generic_getattr(ts, args[0], str_intern_obj(AS_OBJ(args[1])));
}
static Value object_format_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "__format__", nargs, kw, 2, 2) < 0) return V_NULL;
    if (IS_STR(args[1]) && AS_STR(args[1])->len == 0) return obj_str(ts, args[0]);
    return exc_raise(ts, &T_TypeError, "unsupported format string passed to %s.__format__", obj_type_name(args[0]));
}

static const MethodDef object_methods[] = {
    { "__init__", object_init, 0 }, { "__repr__", object_repr_m, 0 }, { "__str__", object_str_m, 0 },
    { "__eq__", object_eq_m, 0 }, { "__ne__", object_ne_m, 0 }, { "__hash__", object_hash_m, 0 },
    { "__setattr__", object_setattr_m, 0 }, { "__delattr__", object_delattr_m, 0 },
    { "__getattribute__", object_getattribute_m, 0 }, { "__format__", object_format_m, 0 },
    { NULL, NULL, 0 } };

Type T_object = { .name = "object", .basicsize = sizeof(Obj), .flags = TF_BASETYPE,
    .new_ = object_new, .methods = object_methods };

/* ---- type ---- */

static Value type_repr(ThreadState *ts, Value self) {
    Type *t = AS_TYPE(self);
    if (t->module && !str_eq_cstr(t->module, "builtins"))
        return V_OBJ(str_fmt("<class '%s.%s'>", STR_DATA(t->module), STR_DATA(t->qualname ? t->qualname : t->name_obj)));
    return V_OBJ(str_fmt("<class '%s'>", t->name));
}

static Value type_call(ThreadState *ts, Value self, Value *args, int nargs, Obj *kwnames) {
    Type *t = AS_TYPE(self);
    int nkw = kwnames ? (int)((Tuple *)kwnames)->len : 0;
    if (t == &T_type) {
        if (nargs == 1 && nkw == 0) return v_new(V_OBJ(obj_type(args[0])));
        if (nargs == 3 && nkw == 0) {
            if (!IS_STR(args[0]) || !IS_TUPLE(args[1]) || !IS_DICT(args[2]))
                return exc_raise(ts, &T_TypeError, "type.__new__() argument types must be (str, tuple, dict)");
            Tuple *bases = AS_TUPLE(args[1]);
            if (bases->len > 1) return exc_raise(ts, &T_TypeError, "tiny supports a single base class");
            Type *base = NULL;
            if (bases->len == 1) {
                if (!IS_TYPE(bases->items[0])) return exc_raise(ts, &T_TypeError, "bases must be types");
                base = AS_TYPE(bases->items[0]);
            }
            return class_new(ts, AS_OBJ(args[0]), base, AS_OBJ(args[2]));
        }
        return exc_raise(ts, &T_TypeError, "type() takes 1 or 3 arguments");
    }
    if (!t->new_) return exc_raise(ts, &T_TypeError, "cannot create '%s' instances", t->name);
    Value obj = t->new_(ts, t, args, nargs, kwnames);
    if (IS_NULL(obj) || !(t->flags & TF_HEAPTYPE)) return obj;
    if (!obj_isinstance(obj, t)) return obj;
    Value init = type_lookup(t, NAME(__init__));
    if (OBJ_IS(init, T_builtin) && ((CFunc *)AS_OBJ(init))->owner == &T_object) init = V_NULL;
    if (IS_NULL(init)) {
        if ((nargs || nkw) && t->new_ == object_new) {
            v_decref(obj);
            return exc_raise(ts, &T_TypeError, "%s() takes no arguments", t->name);
        }
        return obj;
    }
    Value buf[8];
    Value *a = nargs + nkw + 1 <= 8 ? buf : malloc(sizeof(Value) * (size_t)(nargs + nkw + 1));
    a[0] = obj;
    if (nargs + nkw) memcpy(a + 1, args, sizeof(Value) * (size_t)(nargs + nkw));
    Value r;
    if (OBJ_IS(init, T_function) || OBJ_IS(init, T_builtin)) {
        r = obj_call(ts, init, a, nargs + 1, kwnames);
    } else {
        Value bound = obj_getattr(ts, obj, NAME(__init__));
        r = IS_NULL(bound) ? V_NULL : obj_call(ts, bound, args, nargs, kwnames);
        v_decref(bound);
    }
    if (a != buf) free(a);
    if (IS_NULL(r)) { v_decref(obj); return V_NULL; }
    if (!IS_NONE(r)) {
        exc_raise(ts, &T_TypeError, "__init__() should return None, not '%s'", obj_type_name(r));
        v_decref(r);
        v_decref(obj);
        return V_NULL;
    }
    return obj;
}

static Value type_getattr(ThreadState *ts, Value self, Obj *name) {
    Type *t = AS_TYPE(self);
    if (name == NAME(__name__)) return v_new(V_OBJ(t->name_obj));
    if (name == NAME(__qualname__)) return v_new(V_OBJ(t->qualname ? t->qualname : t->name_obj));
    if (name == NAME(__module__)) return t->module ? v_new(V_OBJ(t->module)) : V_OBJ(str_intern("builtins"));
    if (name == NAME(__base__)) return t->base ? v_new(V_OBJ(t->base)) : V_NONE;
    if (name == NAME(__bases__)) return V_OBJ(t->base ? tuple_pack(1, V_OBJ(t->base)) : tuple_empty());
    if (name == NAME(__mro__)) {
        int n = 0;
        for (Type *b = t; b; b = b->base) n++;
        Obj *tup = tuple_new(n);
        int i = 0;
        for (Type *b = t; b; b = b->base) ((Tuple *)tup)->items[i++] = v_new(V_OBJ(b));
        return V_OBJ(tup);
    }
    if (name == NAME(__dict__)) return v_new(V_OBJ(t->dict));
    if (name == NAME(__class__)) return v_new(V_OBJ(obj_type(self)));
    Value attr = type_lookup(t, name);
    if (!IS_NULL(attr)) {
        if (OBJ_IS(attr, T_staticmethod)) return v_new(((Wrapper *)AS_OBJ(attr))->func);
        if (OBJ_IS(attr, T_classmethod)) return V_OBJ(method_new(((Wrapper *)AS_OBJ(attr))->func, self));
        return v_new(attr);
    }
    if (name == NAME(__doc__)) return V_NONE;
    /* methods of type itself (e.g. mro) */
    attr = type_lookup(obj_type(self), name);
    if (!IS_NULL(attr) && !OBJ_IS(attr, T_builtin)) return v_new(attr);
    return exc_raise(ts, &T_AttributeError, "type object '%s' has no attribute '%s'", t->name, STR_DATA(name));
}

static int type_setattr(ThreadState *ts, Value self, Obj *name, Value v) {
    Type *t = AS_TYPE(self);
    if (!(t->flags & TF_HEAPTYPE)) {
        exc_raise(ts, &T_TypeError, "cannot set '%s' attribute of immutable type '%s'", STR_DATA(name), t->name);
        return -1;
    }
    type_modified();
    if ((name == NAME(__name__) || name == NAME(__qualname__)) && !IS_NULL(v)) {
        if (!IS_STR(v)) {
            exc_raise(ts, &T_TypeError, "can only assign string to %s.%s, not '%s'", t->name, STR_DATA(name),
                      obj_type_name(v));
            return -1;
        }
        Obj *s = AS_OBJ(v);
        o_incref(s);
        if (name == NAME(__name__)) {
            o_decref(t->name_obj);
            t->name_obj = s;
            t->name = STR_DATA(s);
        } else {
            o_xdecref(t->qualname);
            t->qualname = s;
        }
        return 0;
    }
    if (IS_NULL(v)) {
        int r = dict_del(ts, t->dict, V_OBJ(name));
        if (r == 0) exc_raise(ts, &T_AttributeError, "type object '%s' has no attribute '%s'", t->name, STR_DATA(name));
        return r <= 0 ? -1 : 0;
    }
    dict_set_str(t->dict, name, v);
    return 0;
}

static void type_dealloc(Obj *o) {
    Type *t = (Type *)o;
    type_modified();
    o_xdecref(t->dict);
    o_xdecref(t->name_obj);
    o_xdecref(t->qualname);
    o_xdecref(t->module);
    free(t->ikeys);
    if (t->base && (t->base->flags & TF_HEAPTYPE)) o_decref(&t->base->hdr);
}

static void type_traverse(Obj *o, VisitFn visit, void *arg) {
    Type *t = (Type *)o;
    if (t->dict) visit(V_OBJ(t->dict), arg);
    if (t->base && (t->base->flags & TF_HEAPTYPE)) visit(V_OBJ(t->base), arg);
}

static void type_clear(Obj *o) {
    Type *t = (Type *)o;
    type_modified();
    if (t->dict) dict_clear(t->dict);
}

static Value type_richcmp(ThreadState *ts, Value a, Value b, int op) {
    if (op != CMP_EQ && op != CMP_NE) return V_NOTIMPL;
    bool eq = b.tag == VT_OBJ && a.as.o == b.as.o;
    return V_BOOL(op == CMP_EQ ? eq : !eq);
}

static int64_t type_hash(ThreadState *ts, Value self) { return (int64_t)((uintptr_t)AS_OBJ(self) >> 4); }

static Value type_mro_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    Obj *l = list_new(0);
    for (Type *b = AS_TYPE(args[0]); b; b = b->base) list_append(l, V_OBJ(b));
    return V_OBJ(l);
}

static Value type_subclasscheck_unused(ThreadState *ts, Value *args, int nargs, Obj *kw) { return V_NONE; }

static const MethodDef type_methods[] = {
    { "mro", type_mro_m, 0 }, { "__subclasshook__", type_subclasscheck_unused, METH_STATIC }, { NULL, NULL, 0 } };

Type T_type = { .name = "type", .basicsize = sizeof(Type), .flags = TF_GC | TF_BASETYPE,
    .call = type_call, .repr = type_repr, .getattr = type_getattr, .setattr = type_setattr,
    .dealloc = type_dealloc, .traverse = type_traverse, .clear = type_clear,
    .richcmp = type_richcmp, .hash = type_hash, .methods = type_methods };

/* ---- class statement ---- */

Value class_new(ThreadState *ts, Obj *name, Type *base, Obj *ns) {
    if (!base) base = &T_object;
    if (!(base->flags & (TF_BASETYPE | TF_HEAPTYPE)) || base == &T_type ||
        (!(base->flags & (TF_HAS_DICT | TF_HEAPTYPE)) && base != &T_object))
        return exc_raise(ts, &T_TypeError, "type '%s' is not an acceptable base type", base->name);
    Type *t = (Type *)obj_alloc(&T_type, sizeof(Type));
    o_incref(name);
    t->name_obj = name;
    t->name = STR_DATA(name);
    Value qn = dict_get_str(ns, NAME(__qualname__));
    t->qualname = IS_STR(qn) ? AS_OBJ(qn) : name;
    o_incref(t->qualname);
    Value mod = dict_get_str(ns, NAME(__module__));
    if (IS_STR(mod)) { t->module = AS_OBJ(mod); o_incref(t->module); }
    t->base = base;
    if (base->flags & TF_HEAPTYPE) o_incref(&base->hdr);
    t->dict = dict_copy(ns);
    if (!IS_NULL(qn)) dict_del(ts, t->dict, V_OBJ(NAME(__qualname__)));
    t->flags = TF_HEAPTYPE | TF_BASETYPE | TF_GC | TF_HAS_DICT | (base->flags & TF_EXCEPTION);
    t->basicsize = base == &T_object ? sizeof(Instance) : base->basicsize;
    /* inherit every slot, then let the class's own dunders take over */
    t->new_ = base->new_; t->dealloc = base->dealloc; t->traverse = base->traverse; t->clear = base->clear;
    t->repr = base->repr; t->str = base->str; t->hash = base->hash; t->richcmp = base->richcmp;
    t->getattr = base->getattr; t->setattr = base->setattr; t->call = base->call;
    t->iter = base->iter; t->next = base->next; t->len = base->len; t->getitem = base->getitem;
    t->setitem = base->setitem; t->contains = base->contains; t->truthy = base->truthy;
    t->binop = base->binop; t->unop = base->unop;
    if (base == &T_object) {
        t->dealloc = instance_dealloc;
        t->traverse = instance_traverse;
        t->clear = instance_clear;
    }
#define HAS(n) (!IS_NULL(heap_lookup(t, NAME(n))))
    if (HAS(__repr__)) t->repr = slot_repr;
    if (HAS(__str__)) t->str = slot_str;
    if (HAS(__hash__)) {
        Value h = heap_lookup(t, NAME(__hash__));
        t->hash = IS_NONE(h) ? slot_unhashable : slot_hash;
    } else if (!IS_NULL(dict_get_str(ns, NAME(__eq__)))) {
        t->hash = slot_unhashable;
    }
    if (HAS(__eq__) || HAS(__ne__) || HAS(__lt__) || HAS(__le__) || HAS(__gt__) || HAS(__ge__))
        t->richcmp = slot_richcmp;
    if (HAS(__getattr__)) t->getattr = slot_getattr;
    if (HAS(__setattr__) || HAS(__delattr__)) t->setattr = slot_setattr;
    if (HAS(__call__)) t->call = slot_call;
    if (HAS(__iter__)) t->iter = slot_iter;
    if (HAS(__next__)) t->next = slot_next;
    if (HAS(__len__)) t->len = slot_len;
    if (HAS(__getitem__)) t->getitem = slot_getitem;
    if (HAS(__setitem__) || HAS(__delitem__)) t->setitem = slot_setitem;
    if (HAS(__contains__)) t->contains = slot_contains;
    if (HAS(__bool__) || HAS(__len__)) t->truthy = slot_truthy;
#undef HAS
    if (!t->getattr && !t->setattr && !(t->flags & TF_EXCEPTION)) t->flags |= TF_PLAIN;
    if (t->dealloc == instance_dealloc) t->flags |= TF_INLINE;
    return V_OBJ(t);
}

/* ---- super ---- */

typedef struct Super { Obj hdr; Type *type; Value obj; Type *objtype; } Super;

static Value super_new(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kw) {
    if (nargs == 0)
        return exc_raise(ts, &T_RuntimeError, "super(): no arguments");
    if (kw && ((Tuple *)kw)->len) return exc_raise(ts, &T_TypeError, "super() takes no keyword arguments");
    if (nargs > 2) return exc_raise(ts, &T_TypeError, "super() expected at most 2 arguments, got %d", nargs);
    if (!IS_TYPE(args[0]))
        return exc_raise(ts, &T_TypeError, "super() argument 1 must be a type, not %s", obj_type_name(args[0]));
    Type *type = AS_TYPE(args[0]);
    Type *objtype = NULL;
    if (nargs == 2) {
        if (IS_TYPE(args[1]) && type_is_subtype(AS_TYPE(args[1]), type)) objtype = AS_TYPE(args[1]);
        else if (obj_isinstance(args[1], type)) objtype = obj_type(args[1]);
        else return exc_raise(ts, &T_TypeError, "super(type, obj): obj must be an instance or subtype of type");
    }
    Super *s = (Super *)obj_alloc(&T_super, sizeof(Super));
    s->type = type;
    o_incref(&type->hdr);
    s->obj = nargs == 2 ? v_new(args[1]) : V_NULL;
    s->objtype = objtype;
    if (objtype) o_incref(&objtype->hdr);
    return V_OBJ(s);
}

static void super_dealloc(Obj *o) {
    Super *s = (Super *)o;
    o_decref(&s->type->hdr);
    v_decref(s->obj);
    if (s->objtype) o_decref(&s->objtype->hdr);
}

static void super_traverse(Obj *o, VisitFn visit, void *arg) {
    Super *s = (Super *)o;
    if (s->obj.tag == VT_OBJ) visit(s->obj, arg);
}

static Value super_getattr(ThreadState *ts, Value self, Obj *name) {
    Super *s = (Super *)AS_OBJ(self);
    if (s->objtype && name != NAME(__class__)) {
        Type *start = s->objtype;
        while (start && start != s->type) start = start->base;
        Value attr = start ? type_lookup(start->base, name) : V_NULL;
        if (!IS_NULL(attr)) {
            bool objistype = IS_TYPE(s->obj) && s->objtype == AS_TYPE(s->obj);
            if (OBJ_IS(attr, T_staticmethod)) return v_new(((Wrapper *)AS_OBJ(attr))->func);
            if (OBJ_IS(attr, T_classmethod))
                return V_OBJ(method_new(((Wrapper *)AS_OBJ(attr))->func, V_OBJ(s->objtype)));
            if (objistype) return v_new(attr);
            if (OBJ_IS(attr, T_function) || (OBJ_IS(attr, T_builtin) && IS_NULL(((CFunc *)AS_OBJ(attr))->self)))
                return V_OBJ(method_new(attr, s->obj));
            if (OBJ_IS(attr, T_property)) {
                Property *p = (Property *)AS_OBJ(attr);
                return obj_call1(ts, p->fget, s->obj);
            }
            return v_new(attr);
        }
    }
    if (name == NAME(__class__)) return v_new(V_OBJ(&T_super));
    return exc_raise(ts, &T_AttributeError, "'super' object has no attribute '%s'", STR_DATA(name));
}

static Value super_repr(ThreadState *ts, Value self) {
    Super *s = (Super *)AS_OBJ(self);
    return V_OBJ(str_fmt("<super: <class '%s'>, <%s object>>", s->type->name,
                         s->objtype ? s->objtype->name : "NULL"));
}

Type T_super = { .name = "super", .basicsize = sizeof(Super), .flags = TF_GC,
    .new_ = super_new, .dealloc = super_dealloc, .traverse = super_traverse,
    .getattr = super_getattr, .repr = super_repr };
