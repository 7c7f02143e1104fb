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
#include "eval.h"
#include <stdlib.h>
#include <string.h>

/* The interned name s, made once. */
#define CNAME(var, s) (var ? var : (var = str_intern(s)))
static Obj *nm_class_getitem, *nm_prepare, *nm_metaclass, *nm_getattribute, *nm_slots;

/* Looks a name up in the heap classes of t's MRO only (user-defined dunders). */
static Value heap_lookup(Type *t, Obj *name) {
    int64_t i = 0;
    for (Type *b = t; b; b = type_mro_next(t, b, &i)) {
        if (!(b->flags & TF_HEAPTYPE)) {
            if (!t->mro) break;
            continue;
        }
        Value v = dict_get_str(b->dict, name);
        if (!IS_NULL(v)) return v;
    }
    return V_NULL;
}

/* Wraps a dict's list of kw into args + kwnames for a call: args holds pre[0..npre) then
 * the values; *kwnames gets a new Tuple (or NULL). The caller frees the result. */
static Value *kw_spread(Value *pre, int npre, Obj *kw, Obj **kwnames) {
    int64_t nkw = kw ? ((Dict *)kw)->used : 0;
    Value *a = malloc(sizeof(Value) * (size_t)(npre + nkw + 1));
    if (npre) memcpy(a, pre, sizeof(Value) * (size_t)npre);
    *kwnames = NULL;
    if (nkw) {
        Obj *names = tuple_new(nkw);
        int64_t pos = 0, i = 0;
        Value k, v;
        while (dict_next(kw, &pos, &k, &v)) {
            ((Tuple *)names)->items[i] = V_OBJ(str_intern_obj(AS_OBJ(k)));
            a[npre + i++] = v;
        }
        *kwnames = names;
    }
    return a;
}

/* f(pre..., **kw); kw a Dict of str keys or NULL. */
static Value call_kwdict(ThreadState *ts, Value f, Value *pre, int npre, Obj *kw) {
    Obj *kwnames;
    Value *a = kw_spread(pre, npre, kw, &kwnames);
    Value r = obj_call(ts, f, a, npre, kwnames);
    free(a);
    o_xdecref(kwnames);
    return r;
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

/* getattr of a class defining __getattribute__ (then __getattr__ on AttributeError). */
static Value slot_getattribute(ThreadState *ts, Value self, Obj *name) {
    Value n = V_OBJ(name);
    Value r = call_dunder(ts, self, CNAME(nm_getattribute, "__getattribute__"), &n, 1);
    if (!IS_NULL(r) || !exc_matches(ts, &T_AttributeError)) return r;
    if (IS_NULL(heap_lookup(obj_type(self), NAME(__getattr__)))) return V_NULL;
    exc_clear(ts);
    return call_dunder(ts, self, NAME(__getattr__), &n, 1);
}

/* setattr of a class with __slots__: only the declared names (or class descriptors). */
static int slots_setattr(ThreadState *ts, Value self, Obj *name, Value v) {
    Type *t = obj_type(self);
    Tuple *sl = (Tuple *)t->slots;
    bool ok = false;
    for (int64_t i = 0; i < sl->len && !ok; i++) ok = str_eq(AS_OBJ(sl->items[i]), name);
    if (!ok) {
        Value a = type_lookup(t, name);
        if (IS_NULL(a) || !obj_is_data_descr(a)) {
            if (IS_NULL(a) || IS_NULL(v))
                exc_raise(ts, &T_AttributeError, "'%s' object has no attribute '%s'", t->name, STR_DATA(name));
            else
                exc_raise(ts, &T_AttributeError, "'%s' object attribute '%s' is read-only", t->name, STR_DATA(name));
            return -1;
        }
    }
    return obj_generic_setattr(ts, self, name, v);
}

/* Reads __slots__ of a new class into t->slots (with its bases'); 0, or -1 on error. */
static int class_slots(ThreadState *ts, Type *t) {
    Value sv = dict_get_str(t->dict, CNAME(nm_slots, "__slots__"));
    if (IS_NULL(sv)) return 0;
    Obj *names = list_new(0);
    if (IS_STR(sv)) list_append(names, sv);
    else {
        Value l = obj_to_list(ts, sv);
        if (IS_NULL(l)) { o_decref(names); return -1; }
        for (int64_t i = 0; i < AS_LIST(l)->len; i++) list_append(names, AS_LIST(l)->items[i]);
        v_decref(l);
    }
    bool has_dict = false;
    for (int64_t i = 0; i < ((List *)names)->len; i++) {
        Value n = ((List *)names)->items[i];
        if (!IS_STR(n)) {
            exc_raise(ts, &T_TypeError, "__slots__ items must be strings, not '%s'", obj_type_name(n));
            o_decref(names);
            return -1;
        }
        if (str_eq_cstr(AS_OBJ(n), "__dict__")) { has_dict = true; continue; }
        if (!IS_NULL(dict_get_str(t->dict, AS_OBJ(n)))) {
            exc_raise(ts, &T_ValueError, "'%s' in __slots__ conflicts with class variable", STR_DATA(AS_OBJ(n)));
            o_decref(names);
            return -1;
        }
    }
    /* instances keep a free __dict__ when a base class has one (any class without __slots__) */
    int64_t i = 0;
    for (Type *b = type_mro_next(t, t, &i); b; b = type_mro_next(t, b, &i))
        if ((b->flags & TF_HEAPTYPE) && !b->slots) has_dict = true;
    if (!has_dict) {
        i = 0;
        for (Type *b = type_mro_next(t, t, &i); b; b = type_mro_next(t, b, &i))
            if (b->slots)
                for (int64_t k = 0; k < ((Tuple *)b->slots)->len; k++) list_append(names, ((Tuple *)b->slots)->items[k]);
        t->slots = tuple_from_array(((List *)names)->items, ((List *)names)->len);
        t->setattr = slots_setattr;
        t->flags &= ~(uint32_t)TF_PLAIN;
    }
    o_decref(names);
    return 0;
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

/* new_ of a class defining __new__: calls __new__(cls, args...). */
static Value slot_new(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kwnames) {
    Value f = type_lookup(t, NAME(__new__));
    if (OBJ_IS(f, T_staticmethod)) f = ((Wrapper *)AS_OBJ(f))->func;
    int nkw = kwnames ? (int)((Tuple *)kwnames)->len : 0;
    Value buf[8];
    Value *a = nargs + nkw + 1 <= 8 ? buf : malloc(sizeof(Value) * (size_t)(nargs + nkw + 1));
    a[0] = V_OBJ(t);
    if (nargs + nkw) memcpy(a + 1, args, sizeof(Value) * (size_t)(nargs + nkw));
    Value r = obj_call(ts, f, a, nargs + 1, kwnames);
    if (a != buf) free(a);
    return r;
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

static Value object_init_subclass_m(ThreadState *ts, Value *args, int nargs, Obj *kw);

static Value object_new(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kw) {
    if (t == &T_object && (nargs || (kw && ((Tuple *)kw)->len)))
        return exc_raise(ts, &T_TypeError, "object() takes no arguments");
    return V_OBJ(instance_alloc(t));
}

static Value object_init(ThreadState *ts, Value *args, int nargs, Obj *kw) { return V_NONE; }

/* object.__new__(cls, ...): a bare instance of cls. */
static Value object_new_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (nargs < 1) return exc_raise(ts, &T_TypeError, "object.__new__(): not enough arguments");
    if (!IS_TYPE(args[0]))
        return exc_raise(ts, &T_TypeError, "object.__new__(X): X is not a type object (%s)", obj_type_name(args[0]));
    Type *t = AS_TYPE(args[0]);
    Type *sb = t;
    while (sb->flags & TF_HEAPTYPE) sb = sb->base;
    if (sb != &T_object)
        return exc_raise(ts, &T_TypeError, "object.__new__(%s) is not safe, use %s.__new__()", t->name, sb->name);
    if (nargs > 1 || (kw && ((Tuple *)kw)->len)) {
        Value init = type_lookup(t, NAME(__init__));
        bool own_init = !(OBJ_IS(init, T_builtin) && ((CFunc *)AS_OBJ(init))->owner == &T_object);
        if (t->new_ != slot_new && own_init) { /* __init__ overridden, __new__ not: extra args go there */ }
        else if (t->new_ == slot_new)
            return exc_raise(ts, &T_TypeError, "object.__new__() takes exactly one argument (the type to instantiate)");
        else
            return exc_raise(ts, &T_TypeError, "%s() takes no arguments", t->name);
    }
    return V_OBJ(instance_alloc(t));
}
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
    { "__new__", object_new_m, METH_STATIC }, { "__init_subclass__", object_init_subclass_m, METH_CLASS },
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
    if (t == &T_type && nargs == 1 && nkw == 0) return v_new(V_OBJ(obj_type(args[0])));
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
    if (name == NAME(__bases__)) {
        if (t->bases) return v_new(V_OBJ(t->bases));
        return V_OBJ(t->base ? tuple_pack(1, V_OBJ(t->base)) : tuple_empty());
    }
    if (name == NAME(__mro__)) return V_OBJ(type_mro_tuple(t));
    if (name == NAME(__dict__)) return v_new(V_OBJ(t->dict));
    if (name == NAME(__class__)) return v_new(V_OBJ(obj_type(self)));
    Value attr = type_lookup(t, name);
    if (!IS_NULL(attr)) {
        if (attr.tag == VT_OBJ && (attr.as.o->type->flags & TF_HEAPTYPE)) return obj_descr_get(ts, attr, V_NONE, self);
        if (OBJ_IS(attr, T_staticmethod)) return v_new(((Wrapper *)AS_OBJ(attr))->func);
        if (OBJ_IS(attr, T_classmethod)) return V_OBJ(method_new(((Wrapper *)AS_OBJ(attr))->func, self));
        return v_new(attr);
    }
    if (name == NAME(__doc__)) return V_NONE;
    /* attributes of the metaclass (type itself: mro), bound to the class */
    attr = type_lookup(obj_type(self), name);
    if (!IS_NULL(attr)) {
        if (OBJ_IS(attr, T_function) || (OBJ_IS(attr, T_builtin) && IS_NULL(((CFunc *)AS_OBJ(attr))->self)))
            return V_OBJ(method_new(attr, self));
        if (OBJ_IS(attr, T_staticmethod)) return v_new(((Wrapper *)AS_OBJ(attr))->func);
        if (OBJ_IS(attr, T_classmethod))
            return V_OBJ(method_new(((Wrapper *)AS_OBJ(attr))->func, V_OBJ(obj_type(self))));
        if (OBJ_IS(attr, T_property)) {
            Property *p = (Property *)AS_OBJ(attr);
            if (IS_NULL(p->fget) || IS_NONE(p->fget))
                return exc_raise(ts, &T_AttributeError, "property object has no getter");
            return obj_call1(ts, p->fget, self);
        }
        return v_new(attr);
    }
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
    o_xdecref(t->mro);
    o_xdecref(t->bases);
    o_xdecref(t->slots);
    if (t->base && (t->base->flags & TF_HEAPTYPE)) o_decref(&t->base->hdr);
}

static void type_traverse(Obj *o, VisitFn visit, void *arg) {
    Type *t = (Type *)o;
    if (t->dict) visit(V_OBJ(t->dict), arg);
    if (t->base && (t->base->flags & TF_HEAPTYPE)) visit(V_OBJ(t->base), arg);
    if (t->mro) visit(V_OBJ(t->mro), arg);
    if (t->bases) visit(V_OBJ(t->bases), arg);
    if (o->type->flags & TF_HEAPTYPE) visit(V_OBJ(o->type), arg);
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

/* Class[key]: the class's __class_getitem__(key). */
static Value type_getitem(ThreadState *ts, Value self, Value key) {
    Type *t = AS_TYPE(self);
    Value f = type_lookup(t, CNAME(nm_class_getitem, "__class_getitem__"));
    if (OBJ_IS(f, T_classmethod)) return obj_call2(ts, ((Wrapper *)AS_OBJ(f))->func, self, key);
    if (OBJ_IS(f, T_staticmethod)) return obj_call1(ts, ((Wrapper *)AS_OBJ(f))->func, key);
    if (!IS_NULL(f)) return obj_call1(ts, f, key);
    return exc_raise(ts, &T_TypeError, "type '%s' is not subscriptable", t->name);
}

static int64_t type_hash(ThreadState *ts, Value self) { return (int64_t)((uintptr_t)AS_OBJ(self) >> 4); }

static Value type_mro_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "mro", nargs, kw, 1, 1) < 0) return V_NULL;
    if (!IS_TYPE(args[0]))
        return exc_raise(ts, &T_TypeError, "descriptor 'mro' requires a 'type' object but received a '%s'",
                         obj_type_name(args[0]));
    Obj *m = type_mro_tuple(AS_TYPE(args[0]));
    Obj *l = list_new(0);
    for (int64_t i = 0; i < ((Tuple *)m)->len; i++) list_append(l, ((Tuple *)m)->items[i]);
    o_decref(m);
    return V_OBJ(l);
}

static Value type_new_slot(ThreadState *ts, Type *meta, Value *args, int nargs, Obj *kwnames);

/* type.__new__(meta, name, bases, ns, **kw). */
static Value type_new_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (nargs < 1) return exc_raise(ts, &T_TypeError, "type.__new__(): not enough arguments");
    if (!IS_TYPE(args[0]))
        return exc_raise(ts, &T_TypeError, "type.__new__(X): X is not a type object (%s)", obj_type_name(args[0]));
    if (!type_is_subtype(AS_TYPE(args[0]), &T_type))
        return exc_raise(ts, &T_TypeError, "type.__new__(%s): %s is not a subtype of type",
                         AS_TYPE(args[0])->name, AS_TYPE(args[0])->name);
    return type_new_slot(ts, AS_TYPE(args[0]), args + 1, nargs - 1, kw);
}

/* type.__init__(cls, ...): checks the argument count only. */
static Value type_init_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (nargs != 2 && nargs != 4)
        return exc_raise(ts, &T_TypeError, "type.__init__() takes 1 or 3 arguments");
    return V_NONE;
}

/* type.__call__(cls, ...): creates and initialises an instance. */
static Value type_call_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (nargs < 1 || !IS_TYPE(args[0]))
        return exc_raise(ts, &T_TypeError, "descriptor '__call__' requires a 'type' object");
    return type_call(ts, args[0], args + 1, nargs - 1, kw);
}

/* type.__prepare__(name, bases, **kw): a new dict. */
static Value type_prepare_m(ThreadState *ts, Value *args, int nargs, Obj *kw) { return V_OBJ(dict_new()); }

/* type.__subclasses__ is not kept; __instancecheck__/__subclasscheck__ along the MRO. */
static Value type_instancecheck_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "__instancecheck__", nargs, kw, 2, 2) < 0) return V_NULL;
    return V_BOOL(obj_isinstance(args[1], AS_TYPE(args[0])));
}
static Value type_subclasscheck_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "__subclasscheck__", nargs, kw, 2, 2) < 0) return V_NULL;
    if (!IS_TYPE(args[1])) return exc_raise(ts, &T_TypeError, "issubclass() arg 1 must be a class");
    return V_BOOL(type_is_subtype(AS_TYPE(args[1]), AS_TYPE(args[0])));
}

/* type.__setattr__ / __delattr__ (for metaclasses that override them). */
static int type_setattr(ThreadState *ts, Value self, Obj *name, Value v);
static Value type_setattr_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "__setattr__", nargs, kw, 3, 3) < 0) return V_NULL;
    if (!IS_STR(args[1])) return exc_raise(ts, &T_TypeError, "attribute name must be string, not '%s'", obj_type_name(args[1]));
    if (!IS_TYPE(args[0])) return exc_raise(ts, &T_TypeError, "descriptor '__setattr__' requires a 'type' object");
    if (type_setattr(ts, args[0], str_intern_obj(AS_OBJ(args[1])), args[2]) < 0) return V_NULL;
    return V_NONE;
}
static Value type_delattr_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "__delattr__", nargs, kw, 2, 2) < 0) return V_NULL;
    if (!IS_STR(args[1])) return exc_raise(ts, &T_TypeError, "attribute name must be string, not '%s'", obj_type_name(args[1]));
    if (!IS_TYPE(args[0])) return exc_raise(ts, &T_TypeError, "descriptor '__delattr__' requires a 'type' object");
    if (type_setattr(ts, args[0], str_intern_obj(AS_OBJ(args[1])), V_NULL) < 0) return V_NULL;
    return V_NONE;
}
static Value type_getattribute_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "__getattribute__", nargs, kw, 2, 2) < 0) return V_NULL;
    if (!IS_STR(args[1])) return exc_raise(ts, &T_TypeError, "attribute name must be string, not '%s'", obj_type_name(args[1]));
    if (!IS_TYPE(args[0])) return exc_raise(ts, &T_TypeError, "descriptor '__getattribute__' requires a 'type' object");
    return type_getattr(ts, args[0], str_intern_obj(AS_OBJ(args[1])));
}

static Value type_subclasscheck_unused(ThreadState *ts, Value *args, int nargs, Obj *kw) { return V_NONE; }

static const MethodDef type_methods[] = {
    { "mro", type_mro_m, 0 }, { "__subclasshook__", type_subclasscheck_unused, METH_STATIC },
    { "__new__", type_new_m, METH_STATIC }, { "__init__", type_init_m, 0 }, { "__call__", type_call_m, 0 },
    { "__prepare__", type_prepare_m, METH_CLASS }, { "__instancecheck__", type_instancecheck_m, 0 },
    { "__subclasscheck__", type_subclasscheck_m, 0 }, { "__setattr__", type_setattr_m, 0 },
    { "__delattr__", type_delattr_m, 0 }, { "__getattribute__", type_getattribute_m, 0 }, { NULL, NULL, 0 } };

Type T_type = { .name = "type", .basicsize = sizeof(Type), .flags = TF_GC | TF_BASETYPE,
    .new_ = type_new_slot, .call = type_call, .repr = type_repr, .getattr = type_getattr, .setattr = type_setattr,
    .dealloc = type_dealloc, .traverse = type_traverse, .clear = type_clear,
    .richcmp = type_richcmp, .hash = type_hash, .getitem = type_getitem, .methods = type_methods };

/* ---- class statement ---- */

Obj *type_mro_tuple(Type *t) {
    if (t->mro) {
        Tuple *m = (Tuple *)t->mro;
        Obj *r = tuple_new(m->len + 1);
        ((Tuple *)r)->items[0] = v_new(V_OBJ(t));
        for (int64_t i = 0; i < m->len; i++) ((Tuple *)r)->items[i + 1] = v_new(m->items[i]);
        return r;
    }
    int64_t n = 0;
    for (Type *b = t; b; b = b->base) n++;
    Obj *r = tuple_new(n);
    int64_t i = 0;
    for (Type *b = t; b; b = b->base) ((Tuple *)r)->items[i++] = v_new(V_OBJ(b));
    return r;
}

/* The built-in type whose instance layout t's instances have (heap classes add only a
 * __dict__, and built-in types of the same size share their base's layout). */
static Type *solid_base(Type *t) {
    while (t->flags & TF_HEAPTYPE) t = t->base;
    while (t->base && t->base->basicsize == t->basicsize && t->base != &T_object) t = t->base;
    return t;
}

/* Whether a Tuple's items from index from on hold o. */
static bool tuple_has_from(Tuple *t, int64_t from, Obj *o) {
    for (int64_t i = from; i < t->len; i++)
        if (t->items[i].as.o == o) return true;
    return false;
}

/* The C3 linearisation of a class with these bases, the class itself left out: a new
 * Tuple, or NULL with TypeError pending when the bases admit no consistent order. */
static Obj *c3_mro(ThreadState *ts, Tuple *bases) {
    int64_t nseq = bases->len + 1;
    Tuple **seq = malloc(sizeof(Tuple *) * (size_t)nseq);
    int64_t *pos = calloc((size_t)nseq, sizeof(int64_t));
    for (int64_t i = 0; i < bases->len; i++) seq[i] = (Tuple *)type_mro_tuple(AS_TYPE(bases->items[i]));
    seq[bases->len] = bases;
    o_incref(&bases->hdr);
    Obj *out = list_new(0), *res = NULL;
    for (;;) {
        Obj *cand = NULL;
        bool any = false;
        for (int64_t i = 0; i < nseq && !cand; i++) {
            if (pos[i] >= seq[i]->len) continue;
            any = true;
            Obj *h = seq[i]->items[pos[i]].as.o;
            bool tail = false;
            for (int64_t j = 0; j < nseq && !tail; j++) tail = tuple_has_from(seq[j], pos[j] + 1, h);
            if (!tail) cand = h;
        }
        if (!any) break;
        if (!cand) {
            StrBuf b;
            sb_init(&b);
            sb_puts(&b, "Cannot create a consistent method resolution\norder (MRO) for bases ");
            Obj *seen = list_new(0);
            for (int64_t i = 0; i < nseq; i++) {
                if (pos[i] >= seq[i]->len) continue;
                Value h = seq[i]->items[pos[i]];
                bool dup = false;
                for (int64_t k = 0; k < ((List *)seen)->len; k++) dup |= ((List *)seen)->items[k].as.o == h.as.o;
                if (dup) continue;
                if (((List *)seen)->len) sb_puts(&b, ", ");
                sb_puts(&b, AS_TYPE(h)->name);
                list_append(seen, h);
            }
            o_decref(seen);
            Obj *msg = sb_finish(&b);
            exc_raise(ts, &T_TypeError, "%s", STR_DATA(msg));
            o_decref(msg);
            goto done;
        }
        list_append(out, V_OBJ(cand));
        for (int64_t i = 0; i < nseq; i++)
            if (pos[i] < seq[i]->len && seq[i]->items[pos[i]].as.o == cand) pos[i]++;
    }
    res = tuple_from_array(((List *)out)->items, ((List *)out)->len);
done:
    for (int64_t i = 0; i < nseq; i++) o_decref(&seq[i]->hdr);
    free(seq);
    free(pos);
    o_decref(out);
    return res;
}


/* Wraps t->dict[name] in a staticmethod/classmethod when it is a plain function. */
static void implicit_wrap(Type *t, Obj *name, Type *wrap) {
    Value f = dict_get_str(t->dict, name);
    if (!OBJ_IS(f, T_function)) return;
    Wrapper *w = (Wrapper *)obj_alloc(wrap, sizeof(Wrapper));
    w->func = v_new(f);
    dict_set_str(t->dict, name, V_OBJ(w));
    o_decref(&w->hdr);
}

/* Creates the class: metaclass meta, bases a Tuple of types (maybe empty), namespace ns
 * (copied). No __set_name__ or __init_subclass__ yet. */
static Value class_create(ThreadState *ts, Type *meta, Obj *name, Tuple *bases, Obj *ns) {
    Type *base = NULL, *wsolid = NULL;
    for (int64_t i = 0; i < bases->len; i++) {
        if (!IS_TYPE(bases->items[i])) return exc_raise(ts, &T_TypeError, "bases must be types");
        Type *b = AS_TYPE(bases->items[i]);
        if (!(b->flags & (TF_BASETYPE | TF_HEAPTYPE)) ||
            (!(b->flags & (TF_HAS_DICT | TF_HEAPTYPE)) && b != &T_object && b != &T_type))
            return exc_raise(ts, &T_TypeError, "type '%s' is not an acceptable base type", b->name);
        Type *sb = solid_base(b);
        if (!base) { base = b; wsolid = sb; }
        else if (type_is_subtype(wsolid, sb)) continue;
        else if (type_is_subtype(sb, wsolid)) { base = b; wsolid = sb; }
        else return exc_raise(ts, &T_TypeError, "multiple bases have instance lay-out conflict");
    }
    for (int64_t i = 0; i < bases->len; i++)
        for (int64_t j = 0; j < i; j++)
            if (bases->items[i].as.o == bases->items[j].as.o)
                return exc_raise(ts, &T_TypeError, "duplicate base class %s", AS_TYPE(bases->items[i])->name);
    Value qn0 = dict_get_str(ns, NAME(__qualname__));
    if (!IS_NULL(qn0) && !IS_STR(qn0))
        return exc_raise(ts, &T_TypeError, "type __qualname__ must be a str, not %s", obj_type_name(qn0));
    Obj *btuple;
    if (!base) {
        base = &T_object;
        btuple = tuple_pack(1, V_OBJ(&T_object));
    } else {
        btuple = &bases->hdr;
        o_incref(btuple);
    }
    Obj *mro = c3_mro(ts, (Tuple *)btuple);
    if (!mro) { o_decref(btuple); return V_NULL; }
    Type *t = (Type *)obj_alloc(meta, sizeof(Type));
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
    t->mro = mro;
    t->bases = btuple;
    t->dict = dict_copy(ns);
    if (!IS_NULL(qn)) dict_del(ts, t->dict, V_OBJ(NAME(__qualname__)));
    implicit_wrap(t, NAME(__new__), &T_staticmethod);
    implicit_wrap(t, NAME(__init_subclass__), &T_classmethod);
    implicit_wrap(t, CNAME(nm_class_getitem, "__class_getitem__"), &T_classmethod);
    bool meta_like = type_is_subtype(base, &T_type);
    t->flags = TF_HEAPTYPE | TF_BASETYPE | TF_GC | (meta_like ? 0 : TF_HAS_DICT) | (base->flags & TF_EXCEPTION);
    t->basicsize = base == &T_object ? sizeof(Instance) : base->basicsize;
    /* inherit every slot, then let the class's own dunders take over */
    t->new_ = base->new_; t->dealloc = base->dealloc; t->traverse = base->traverse; t->clear = base->clear;
    /* the other slots come from the first class of the MRO that defines them (does not
     * just inherit them from its own base), as CPython's slot inheritance does */
#define INHERIT(slot) do { \
        int64_t i_ = 0; \
        for (Type *b_ = type_mro_next(t, t, &i_); b_; b_ = type_mro_next(t, b_, &i_)) \
            if (b_->slot && (!b_->base || b_->slot != b_->base->slot)) { t->slot = b_->slot; break; } \
    } while (0)
    INHERIT(repr); INHERIT(str); INHERIT(hash); INHERIT(richcmp); INHERIT(getattr); INHERIT(setattr);
    INHERIT(call); INHERIT(iter); INHERIT(next); INHERIT(len); INHERIT(getitem); INHERIT(setitem);
    INHERIT(contains); INHERIT(truthy); INHERIT(binop); INHERIT(unop);
#undef INHERIT
    if (t->setattr == slots_setattr) t->setattr = NULL;   /* set again below if t has __slots__ */
    if (base == &T_object) {
        t->dealloc = instance_dealloc;
        t->traverse = instance_traverse;
        t->clear = instance_clear;
    }
#define HAS(n) (!IS_NULL(heap_lookup(t, NAME(n))))
    if (HAS(__new__)) t->new_ = slot_new;
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
    if (!IS_NULL(heap_lookup(t, CNAME(nm_getattribute, "__getattribute__")))) {
        t->getattr = slot_getattribute;
        t->flags |= TF_GETATTRIBUTE;
    }
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
    if (!t->setattr && class_slots(ts, t) < 0) { o_decref(&t->hdr); return V_NULL; }
    return V_OBJ(t);
}

Value class_new(ThreadState *ts, Obj *name, Type *base, Obj *ns) {
    Obj *bases = base ? tuple_pack(1, V_OBJ(base)) : tuple_empty();
    Value r = class_create(ts, &T_type, name, (Tuple *)bases, ns);
    o_decref(bases);
    return r;
}

/* Calls __set_name__ of the new class's attributes, then the parent's __init_subclass__
 * with the class keywords kw (a Dict or NULL). */
static int class_hooks(ThreadState *ts, Type *t, Obj *kw) {
    Obj *items = list_new(0);
    int64_t pos = 0;
    Value k, v;
    while (dict_next(t->dict, &pos, &k, &v))
        if (v.tag == VT_OBJ && (v.as.o->type->flags & TF_HEAPTYPE) &&
            !IS_NULL(type_lookup(v.as.o->type, NAME(__set_name__)))) {
            list_append(items, k);
            list_append(items, v);
        }
    for (int64_t i = 0; i < ((List *)items)->len; i += 2) {
        Value v2 = ((List *)items)->items[i + 1];
        Value args[2] = { V_OBJ(t), ((List *)items)->items[i] };
        Value r = obj_call_method(ts, v2, NAME(__set_name__), args, 2);
        if (IS_NULL(r)) {
            /* 3.11 wraps the error in a RuntimeError whose __cause__ it is */
            Value cause = exc_fetch(ts);
            exc_raise(ts, &T_RuntimeError, "Error calling __set_name__ on '%s' instance '%s' in '%s'",
                      obj_type_name(v2), STR_DATA(AS_OBJ(((List *)items)->items[i])), t->name);
            Value outer = exc_fetch(ts);
            Exc *e = (Exc *)AS_OBJ(outer);
            v_set(&e->cause, v_new(cause));
            v_set(&e->context, cause);
            e->suppress_context = 1;
            exc_set(ts, outer);
            o_decref(items);
            return -1;
        }
        v_decref(r);
    }
    o_decref(items);
    /* super(t, t).__init_subclass__(**kw) */
    int64_t i = 0;
    Value f = V_NULL;
    for (Type *b = type_mro_next(t, t, &i); b && IS_NULL(f); b = type_mro_next(t, b, &i))
        f = dict_get_str(b->dict, NAME(__init_subclass__));
    if (IS_NULL(f)) return 0;
    Value cls = V_OBJ(t), r;
    if (OBJ_IS(f, T_classmethod)) r = call_kwdict(ts, ((Wrapper *)AS_OBJ(f))->func, &cls, 1, kw);
    else if (OBJ_IS(f, T_staticmethod)) r = call_kwdict(ts, ((Wrapper *)AS_OBJ(f))->func, NULL, 0, kw);
    else r = call_kwdict(ts, f, &cls, 1, kw);
    if (IS_NULL(r)) return -1;
    v_decref(r);
    return 0;
}

/* object.__init_subclass__(cls): takes no keywords. */
static Value object_init_subclass_m(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if ((kw && ((Tuple *)kw)->len) || nargs > 1)
        return exc_raise(ts, &T_TypeError, "%s.__init_subclass__() takes no keyword arguments",
                         nargs && IS_TYPE(args[0]) ? AS_TYPE(args[0])->name : "object");
    return V_NONE;
}

/* The most derived of meta and the metaclasses of bases; NULL with TypeError on a conflict. */
static Type *calc_meta(ThreadState *ts, Type *meta, Tuple *bases) {
    for (int64_t i = 0; i < bases->len; i++) {
        Type *bt = obj_type(bases->items[i]);
        if (type_is_subtype(meta, bt)) continue;
        if (type_is_subtype(bt, meta)) { meta = bt; continue; }
        exc_raise(ts, &T_TypeError, "metaclass conflict: the metaclass of a derived class must be a "
                  "(non-strict) subclass of the metaclasses of all its bases");
        return NULL;
    }
    return meta;
}

/* type(x) and type(name, bases, ns, **kw) for type and its subclasses. */
static Value type_new_slot(ThreadState *ts, Type *meta, Value *args, int nargs, Obj *kwnames) {
    int nkw = kwnames ? (int)((Tuple *)kwnames)->len : 0;
    if (meta == &T_type && nargs == 1 && nkw == 0) return v_new(V_OBJ(obj_type(args[0])));
    if (nargs != 3) {
        if (meta == &T_type) return exc_raise(ts, &T_TypeError, "type() takes 1 or 3 arguments");
        return exc_raise(ts, &T_TypeError, "type.__new__() takes exactly 3 arguments (%d given)", nargs);
    }
    if (!IS_STR(args[0]))
        return exc_raise(ts, &T_TypeError, "type.__new__() argument 1 must be str, not %s", obj_type_name(args[0]));
    if (!IS_TUPLE(args[1]))
        return exc_raise(ts, &T_TypeError, "type.__new__() argument 2 must be tuple, not %s", obj_type_name(args[1]));
    if (!IS_DICT(args[2]))
        return exc_raise(ts, &T_TypeError, "type.__new__() argument 3 must be dict, not %s", obj_type_name(args[2]));
    Tuple *bases = AS_TUPLE(args[1]);
    Type *winner = calc_meta(ts, meta, bases);
    if (!winner) return V_NULL;
    Obj *ns = AS_OBJ(args[2]);
    Obj *own_ns = NULL;
    if (IS_NULL(dict_get_str(ns, NAME(__module__)))) {
        /* type('X', (), {}) takes __module__ from the calling frame's globals */
        Value mn = ts->frame && ts->frame->globals ? dict_get_str(ts->frame->globals, NAME(__name__)) : V_NULL;
        if (!IS_NULL(mn)) {
            own_ns = dict_copy(ns);
            dict_set_str(own_ns, NAME(__module__), mn);
            ns = own_ns;
        }
    }
    Value cls = class_create(ts, winner, AS_OBJ(args[0]), bases, ns);
    o_xdecref(own_ns);
    if (IS_NULL(cls)) return V_NULL;
    Obj *kw = NULL;
    if (nkw) {
        kw = dict_new();
        for (int i = 0; i < nkw; i++) dict_set_str(kw, AS_OBJ(((Tuple *)kwnames)->items[i]), args[nargs + i]);
    }
    int r = class_hooks(ts, AS_TYPE(cls), kw);
    o_xdecref(kw);
    if (r < 0) { v_decref(cls); return V_NULL; }
    return cls;
}

Value class_prepare(ThreadState *ts, Obj *name, Obj *bases, Obj *kw, Value *meta_out) {
    *meta_out = V_NULL;
    int64_t kpos = 0;
    Value kk, kv;
    while (kw && dict_next(kw, &kpos, &kk, &kv))
        if (!IS_STR(kk)) return exc_raise(ts, &T_TypeError, "keywords must be strings");
    Value meta = kw ? dict_get_str(kw, CNAME(nm_metaclass, "metaclass")) : V_NULL;
    Tuple *bt = (Tuple *)bases;
    if (IS_NULL(meta)) meta = bt->len ? V_OBJ(obj_type(bt->items[0])) : V_OBJ(&T_type);
    v_incref(meta);
    if (kw && !IS_NULL(dict_get_str(kw, nm_metaclass))) dict_del(ts, kw, V_OBJ(nm_metaclass));
    if (IS_TYPE(meta)) {
        Type *w = calc_meta(ts, AS_TYPE(meta), bt);
        if (!w) { v_decref(meta); return V_NULL; }
        v_set(&meta, v_new(V_OBJ(w)));
    }
    Value prep = obj_getattr_opt(ts, meta, CNAME(nm_prepare, "__prepare__"));
    if (IS_NULL(prep)) {
        if (!IS_NULL(ts->exc)) { v_decref(meta); return V_NULL; }
        *meta_out = meta;
        return V_OBJ(dict_new());
    }
    Value pre[2] = { V_OBJ(name), V_OBJ(bases) };
    Value ns = call_kwdict(ts, prep, pre, 2, kw);
    v_decref(prep);
    if (IS_NULL(ns)) { v_decref(meta); return V_NULL; }
    if (!IS_DICT(ns)) {
        const char *mn = IS_TYPE(meta) ? AS_TYPE(meta)->name : "<metaclass>";
        if (IS_NULL(type_lookup(obj_type(ns), NAME(__getitem__))))
            exc_raise(ts, &T_TypeError, "%s.__prepare__() must return a mapping, not %s", mn, obj_type_name(ns));
        else
            exc_raise(ts, &T_TypeError, "%s.__prepare__() must return a dict in tiny, not %s", mn, obj_type_name(ns));
        v_decref(ns);
        v_decref(meta);
        return V_NULL;
    }
    *meta_out = meta;
    return ns;
}

Value class_finish(ThreadState *ts, Value meta, Obj *name, Obj *bases, Obj *ns, Obj *kw) {
    Value pre[3] = { V_OBJ(name), V_OBJ(bases), V_OBJ(ns) };
    return call_kwdict(ts, meta, pre, 3, kw);
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
        /* the classes after s->type in the MRO of s->objtype */
        Type *ot = s->objtype, *b = ot;
        int64_t i = 0;
        while (b && b != s->type) b = type_mro_next(ot, b, &i);
        Value attr = V_NULL;
        if (b)
            for (b = type_mro_next(ot, b, &i); b && IS_NULL(attr); b = type_mro_next(ot, b, &i))
                if (b->dict) attr = dict_get_str(b->dict, name);
        if (!IS_NULL(attr)) {
            bool objistype = IS_TYPE(s->obj) && s->objtype == AS_TYPE(s->obj);
            if (attr.tag == VT_OBJ && (attr.as.o->type->flags & TF_HEAPTYPE))
                return obj_descr_get(ts, attr, objistype ? V_NONE : s->obj, V_OBJ(s->objtype));
            if (OBJ_IS(attr, T_staticmethod)) return v_new(((Wrapper *)AS_OBJ(attr))->func);
            if (OBJ_IS(attr, T_classmethod))
                return V_OBJ(method_new(((Wrapper *)AS_OBJ(attr))->func, V_OBJ(s->objtype)));
            if (objistype) return v_new(attr);
            if (OBJ_IS(attr, T_function) || (OBJ_IS(attr, T_builtin) && IS_NULL(((CFunc *)AS_OBJ(attr))->self)))
                return V_OBJ(method_new(attr, s->obj));
            if (OBJ_IS(attr, T_property)) {
                Property *p = (Property *)AS_OBJ(attr);
                if (IS_NULL(p->fget) || IS_NONE(p->fget))
                    return exc_raise(ts, &T_AttributeError, "property object has no getter");
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
