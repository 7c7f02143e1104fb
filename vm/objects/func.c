/* func.c — functions, native functions, bound methods, cells, staticmethod,
 * classmethod and property. Calling a Func goes to the eval loop (vm/eval.c). */
#include "objects/func.h"
#include "state.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "exc.h"
#include "eval.h"
#include "code.h"
#include "args.h"
#include <stdlib.h>
#include <string.h>

/* ---- function ---- */

Obj *func_new(Obj *code, Obj *globals) {
    Func *f = (Func *)obj_alloc(&T_function, sizeof(Func));
    Code *c = (Code *)code;
    o_incref(code);
    f->code = code;
    o_incref(globals);
    f->globals = globals;
    f->name = c->name;
    o_incref(f->name);
    f->qualname = c->qualname ? c->qualname : c->name;
    o_incref(f->qualname);
    Value mod = dict_get_str(globals, NAME(__name__));
    if (IS_STR(mod)) { f->module = AS_OBJ(mod); o_incref(f->module); }
    return (Obj *)f;
}

static void func_dealloc(Obj *o) {
    Func *f = (Func *)o;
    o_xdecref(f->code); o_xdecref(f->globals); o_xdecref(f->defaults);
    o_xdecref(f->kwdefaults); o_xdecref(f->closure); o_xdecref(f->name);
    o_xdecref(f->qualname); o_xdecref(f->dict); o_xdecref(f->module);
}

static void func_traverse(Obj *o, VisitFn visit, void *arg) {
    Func *f = (Func *)o;
    Obj *refs[] = { f->code, f->globals, f->defaults, f->kwdefaults, f->closure, f->dict };
    for (size_t i = 0; i < sizeof refs / sizeof *refs; i++)
        if (refs[i]) visit(V_OBJ(refs[i]), arg);
}

static void func_clear(Obj *o) {
    Func *f = (Func *)o;
    Obj *g = f->globals, *d = f->defaults, *k = f->kwdefaults, *c = f->closure, *dd = f->dict;
    f->globals = dict_new();
    f->defaults = f->kwdefaults = f->closure = f->dict = NULL;
    o_xdecref(g); o_xdecref(d); o_xdecref(k); o_xdecref(c); o_xdecref(dd);
}

static Value func_call(ThreadState *ts, Value self, Value *args, int nargs, Obj *kwnames) {
    return vm_call_function(ts, AS_OBJ(self), args, nargs, kwnames);
}

static Value func_repr(ThreadState *ts, Value self) {
    Func *f = (Func *)AS_OBJ(self);
    return V_OBJ(str_fmt("<function %s at %p>", STR_DATA(f->qualname), (void *)f));
}

static Value func_getattr(ThreadState *ts, Value self, Obj *name) {
    Func *f = (Func *)AS_OBJ(self);
    if (name == NAME(__name__)) return v_new(V_OBJ(f->name));
    if (name == NAME(__qualname__)) return v_new(V_OBJ(f->qualname));
    if (name == NAME(__module__)) return f->module ? v_new(V_OBJ(f->module)) : V_NONE;
    if (name == NAME(__doc__)) return V_NONE;
    if (name == NAME(__code__)) return v_new(V_OBJ(f->code));
    if (name == NAME(__globals__)) return v_new(V_OBJ(f->globals));
    if (name == NAME(__defaults__)) return f->defaults ? v_new(V_OBJ(f->defaults)) : V_NONE;
    if (name == NAME(__closure__)) return f->closure ? v_new(V_OBJ(f->closure)) : V_NONE;
    if (name == NAME(__dict__)) {
        if (!f->dict) f->dict = dict_new();
        return v_new(V_OBJ(f->dict));
    }
    if (f->dict) {
        Value v = dict_get_str(f->dict, name);
        if (!IS_NULL(v)) return v_new(v);
    }
    return obj_generic_getattr(ts, self, name);
}

static int func_setattr(ThreadState *ts, Value self, Obj *name, Value v) {
    Func *f = (Func *)AS_OBJ(self);
    if (name == NAME(__name__) || name == NAME(__qualname__)) {
        if (!IS_STR(v)) { exc_raise(ts, &T_TypeError, "%s must be set to a string object", STR_DATA(name)); return -1; }
        Obj **slot = name == NAME(__name__) ? &f->name : &f->qualname;
        o_incref(AS_OBJ(v));
        o_decref(*slot);
        *slot = AS_OBJ(v);
        return 0;
    }
    if (!f->dict) f->dict = dict_new();
    if (IS_NULL(v)) {
        int r = dict_del(ts, f->dict, V_OBJ(name));
        if (r == 0) exc_raise(ts, &T_AttributeError, "'function' object has no attribute '%s'", STR_DATA(name));
        return r <= 0 ? -1 : 0;
    }
    dict_set_str(f->dict, name, v);
    return 0;
}

/* function(code, globals, name=None, argdefs=None, closure=None) (types.FunctionType). */
static Value function_new_t(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kw) {
    static const char *const names[] = { "code", "globals", "name", "argdefs", "closure", NULL };
    Value a[5];
    if (arg_bind(ts, "function", args, nargs, kw, names, 2, a) < 0) return V_NULL;
    if (!OBJ_IS(a[0], T_code))
        return exc_raise(ts, &T_TypeError, "function() argument 'code' must be code, not %s", arg_type_name(a[0]));
    if (!IS_DICT(a[1]))
        return exc_raise(ts, &T_TypeError, "function() argument 'globals' must be dict, not %s", arg_type_name(a[1]));
    for (int i = 2; i < 5; i++) if (IS_NONE(a[i])) a[i] = V_NULL;
    if (!IS_NULL(a[2]) && !IS_STR(a[2])) return exc_raise(ts, &T_TypeError, "arg 3 (name) must be None or string");
    if (!IS_NULL(a[3]) && !IS_TUPLE(a[3])) return exc_raise(ts, &T_TypeError, "arg 4 (defaults) must be None or tuple");
    Code *co = (Code *)AS_OBJ(a[0]);
    int64_t nclosure = 0;
    if (!IS_NULL(a[4])) {
        if (!IS_TUPLE(a[4])) return exc_raise(ts, &T_TypeError, "arg 5 (closure) must be tuple");
        nclosure = AS_TUPLE(a[4])->len;
    } else if (co->nfreevars) {
        return exc_raise(ts, &T_TypeError, "arg 5 (closure) must be tuple");
    }
    if (nclosure != co->nfreevars)
        return exc_raise(ts, &T_ValueError, "%s requires closure of length %d, not %lld",
                         STR_DATA(co->name), co->nfreevars, (long long)nclosure);
    for (int64_t i = 0; i < nclosure; i++)
        if (!OBJ_IS(AS_TUPLE(a[4])->items[i], T_cell))
            return exc_raise(ts, &T_TypeError, "arg 5 (closure) expected cell, found %s",
                             obj_type_name(AS_TUPLE(a[4])->items[i]));
    Func *f = (Func *)func_new(&co->hdr, AS_OBJ(a[1]));
    if (!IS_NULL(a[2])) { o_incref(AS_OBJ(a[2])); o_decref(f->name); f->name = AS_OBJ(a[2]); }
    if (!IS_NULL(a[3])) { o_incref(AS_OBJ(a[3])); f->defaults = AS_OBJ(a[3]); }
    if (nclosure) { o_incref(AS_OBJ(a[4])); f->closure = AS_OBJ(a[4]); }
    return V_OBJ(f);
}

Type T_function = { .name = "function", .basicsize = sizeof(Func), .flags = TF_GC, .new_ = function_new_t,
    .dealloc = func_dealloc, .traverse = func_traverse, .clear = func_clear,
    .call = func_call, .repr = func_repr, .getattr = func_getattr, .setattr = func_setattr };

/* ---- native function ---- */

Obj *cfunc_new(const MethodDef *def, Obj *module_name) {
    CFunc *f = (CFunc *)obj_alloc(&T_builtin, sizeof(CFunc));
    f->def = def;
    if (module_name) { o_incref(module_name); f->module = module_name; }
    return (Obj *)f;
}

void func_add_methods(Obj *dict, const MethodDef *defs, Obj *module_name) {
    for (const MethodDef *m = defs; m && m->name; m++) {
        Obj *f = cfunc_new(m, module_name);
        dict_set_str(dict, str_intern(m->name), V_OBJ(f));
        o_decref(f);
    }
}

static void cfunc_dealloc(Obj *o) {
    CFunc *f = (CFunc *)o;
    v_decref(f->self);
    o_xdecref(f->module);
}

static void cfunc_traverse(Obj *o, VisitFn visit, void *arg) {
    CFunc *f = (CFunc *)o;
    if (f->self.tag == VT_OBJ) visit(f->self, arg);
}

static Value cfunc_call(ThreadState *ts, Value self, Value *args, int nargs, Obj *kwnames) {
    CFunc *f = (CFunc *)AS_OBJ(self);
    if (!IS_NULL(f->self)) {
        int nkw = kwnames ? (int)((Tuple *)kwnames)->len : 0;
        Value buf[9];
        Value *a = nargs + nkw + 1 <= 9 ? buf : malloc(sizeof(Value) * (size_t)(nargs + nkw + 1));
        a[0] = f->self;
        memcpy(a + 1, args, sizeof(Value) * (size_t)(nargs + nkw));
        Value r = f->def->fn(ts, a, nargs + 1, kwnames);
        if (a != buf) free(a);
        return r;
    }
    if (f->owner && !(f->def->flags & (METH_CLASS | METH_STATIC))) {
        if (nargs == 0)
            return exc_raise(ts, &T_TypeError, "unbound method %s.%s() needs an argument",
                             f->owner->name, f->def->name);
        if (!obj_isinstance(args[0], f->owner))
            return exc_raise(ts, &T_TypeError, "descriptor '%s' for '%s' objects doesn't apply to a '%s' object",
                             f->def->name, f->owner->name, obj_type_name(args[0]));
    }
    return f->def->fn(ts, args, nargs, kwnames);
}

static Value cfunc_repr(ThreadState *ts, Value self) {
    CFunc *f = (CFunc *)AS_OBJ(self);
    if (!IS_NULL(f->self))
        return V_OBJ(str_fmt("<built-in method %s of %s object at %p>", f->def->name,
                             obj_type_name(f->self), (void *)AS_OBJ(self)));
    if (f->owner)
        return V_OBJ(str_fmt("<method '%s' of '%s' objects>", f->def->name, f->owner->name));
    return V_OBJ(str_fmt("<built-in function %s>", f->def->name));
}

static Value cfunc_getattr(ThreadState *ts, Value self, Obj *name) {
    CFunc *f = (CFunc *)AS_OBJ(self);
    if (name == NAME(__name__) || name == NAME(__qualname__)) return V_OBJ(str_from_cstr(f->def->name));
    if (name == NAME(__module__)) return f->module ? v_new(V_OBJ(f->module)) : V_NONE;
    if (name == NAME(__doc__)) return V_NONE;
    if (name == NAME(__self__)) return IS_NULL(f->self) ? V_NONE : v_new(f->self);
    return obj_generic_getattr(ts, self, name);
}

Type T_builtin = { .name = "builtin_function_or_method", .basicsize = sizeof(CFunc), .flags = TF_GC,
    .dealloc = cfunc_dealloc, .traverse = cfunc_traverse, .call = cfunc_call,
    .repr = cfunc_repr, .getattr = cfunc_getattr };

/* ---- bound method ---- */

Obj *method_new(Value func, Value self) {
    BoundMethod *m = (BoundMethod *)obj_alloc(&T_method, sizeof(BoundMethod));
    m->func = v_new(func);
    m->self = v_new(self);
    return (Obj *)m;
}

static void method_dealloc(Obj *o) {
    BoundMethod *m = (BoundMethod *)o;
    v_decref(m->func);
    v_decref(m->self);
}

static void method_traverse(Obj *o, VisitFn visit, void *arg) {
    BoundMethod *m = (BoundMethod *)o;
    visit(m->func, arg);
    visit(m->self, arg);
}

static void method_clear(Obj *o) {
    BoundMethod *m = (BoundMethod *)o;
    Value f = m->func, s = m->self;
    m->func = m->self = V_NONE;
    v_decref(f);
    v_decref(s);
}

static Value method_call(ThreadState *ts, Value self, Value *args, int nargs, Obj *kwnames) {
    BoundMethod *m = (BoundMethod *)AS_OBJ(self);
    int nkw = kwnames ? (int)((Tuple *)kwnames)->len : 0;
    Value buf[9];
    Value *a = nargs + nkw + 1 <= 9 ? buf : malloc(sizeof(Value) * (size_t)(nargs + nkw + 1));
    a[0] = m->self;
    if (nargs + nkw) memcpy(a + 1, args, sizeof(Value) * (size_t)(nargs + nkw));
    Value r = obj_call(ts, m->func, a, nargs + 1, kwnames);
    if (a != buf) free(a);
    return r;
}

static Value method_repr(ThreadState *ts, Value self) {
    BoundMethod *m = (BoundMethod *)AS_OBJ(self);
    Value qn = obj_getattr_opt(ts, m->func, NAME(__qualname__));
    if (IS_NULL(qn) && ts->exc.tag != VT_NULL) return V_NULL;
    Value sr = obj_repr(ts, m->self);
    if (IS_NULL(sr)) { v_decref(qn); return V_NULL; }
    Obj *r = str_fmt("<bound method %s of %s>", IS_STR(qn) ? STR_DATA(AS_OBJ(qn)) : "?", STR_DATA(AS_OBJ(sr)));
    v_decref(qn);
    v_decref(sr);
    return V_OBJ(r);
}

static Value method_getattr(ThreadState *ts, Value self, Obj *name) {
    BoundMethod *m = (BoundMethod *)AS_OBJ(self);
    if (name == NAME(__self__)) return v_new(m->self);
    if (name == NAME(__func__)) return v_new(m->func);
    return obj_getattr(ts, m->func, name);
}

static Value method_richcmp(ThreadState *ts, Value a, Value b, int op) {
    if ((op != CMP_EQ && op != CMP_NE) || !OBJ_IS(b, T_method)) return V_NOTIMPL;
    BoundMethod *x = (BoundMethod *)AS_OBJ(a), *y = (BoundMethod *)AS_OBJ(b);
    bool eq = x->func.as.o == y->func.as.o && x->self.tag == y->self.tag && x->self.as.i == y->self.as.i;
    return V_BOOL(op == CMP_EQ ? eq : !eq);
}

/* method(function, instance) (types.MethodType). */
static Value method_new_t(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "method", nargs, kw, 2, 2) < 0) return V_NULL;
    if (!obj_type(args[0])->call) return exc_raise(ts, &T_TypeError, "first argument must be callable");
    if (IS_NONE(args[1])) return exc_raise(ts, &T_TypeError, "instance must not be None");
    return V_OBJ(method_new(args[0], args[1]));
}

Type T_method = { .name = "method", .basicsize = sizeof(BoundMethod), .flags = TF_GC, .new_ = method_new_t,
    .dealloc = method_dealloc, .traverse = method_traverse, .clear = method_clear,
    .call = method_call, .repr = method_repr, .getattr = method_getattr, .richcmp = method_richcmp };

/* ---- cell ---- */

Obj *cell_new(Value v) {
    Cell *c = (Cell *)obj_alloc(&T_cell, sizeof(Cell));
    c->v = v_new(v);
    return (Obj *)c;
}

static void cell_dealloc(Obj *o) { v_decref(((Cell *)o)->v); }
static void cell_traverse(Obj *o, VisitFn visit, void *arg) {
    Cell *c = (Cell *)o;
    if (c->v.tag == VT_OBJ) visit(c->v, arg);
}
static void cell_clear(Obj *o) {
    Cell *c = (Cell *)o;
    Value v = c->v;
    c->v = V_NULL;
    v_decref(v);
}

/* cell() or cell(contents) (types.CellType). */
static Value cell_new_t(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "cell", nargs, kw, 0, 1) < 0) return V_NULL;
    return V_OBJ(cell_new(nargs ? args[0] : V_NULL));
}

static Value cell_repr(ThreadState *ts, Value self) {
    Cell *c = (Cell *)AS_OBJ(self);
    if (IS_NULL(c->v)) return V_OBJ(str_fmt("<cell at %p: empty>", (void *)c));
    if (IS_OBJ(c->v)) return V_OBJ(str_fmt("<cell at %p: %s object at %p>", (void *)c, obj_type_name(c->v), (void *)AS_OBJ(c->v)));
    return V_OBJ(str_fmt("<cell at %p: %s object>", (void *)c, obj_type_name(c->v)));
}

static Value cell_getattr(ThreadState *ts, Value self, Obj *name) {
    Cell *c = (Cell *)AS_OBJ(self);
    if (str_eq_cstr(name, "cell_contents")) {
        if (IS_NULL(c->v)) return exc_raise(ts, &T_ValueError, "Cell is empty");
        return v_new(c->v);
    }
    return obj_generic_getattr(ts, self, name);
}

Type T_cell = { .name = "cell", .basicsize = sizeof(Cell), .flags = TF_GC, .new_ = cell_new_t, .repr = cell_repr,
    .getattr = cell_getattr,
    .dealloc = cell_dealloc, .traverse = cell_traverse, .clear = cell_clear };

/* ---- staticmethod / classmethod ---- */

static void wrapper_dealloc(Obj *o) { v_decref(((Wrapper *)o)->func); }
static void wrapper_traverse(Obj *o, VisitFn visit, void *arg) { visit(((Wrapper *)o)->func, arg); }
static void wrapper_clear(Obj *o) {
    Wrapper *w = (Wrapper *)o;
    Value f = w->func;
    w->func = V_NONE;
    v_decref(f);
}

static Value wrapper_new(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kw) {
    if (kw && ((Tuple *)kw)->len) return exc_raise(ts, &T_TypeError, "%s() takes no keyword arguments", t->name);
    if (nargs != 1) return exc_raise(ts, &T_TypeError, "%s expected 1 argument, got %d", t->name, nargs);
    Wrapper *w = (Wrapper *)obj_alloc(t, sizeof(Wrapper));
    w->func = v_new(args[0]);
    return V_OBJ(w);
}

static Value wrapper_repr(ThreadState *ts, Value self) {
    Value r = obj_repr(ts, ((Wrapper *)AS_OBJ(self))->func);
    if (IS_NULL(r)) return r;
    Obj *s = str_fmt("<%s(%s)>", obj_type_name(self), STR_DATA(AS_OBJ(r)));
    v_decref(r);
    return V_OBJ(s);
}

static Value wrapper_getattr(ThreadState *ts, Value self, Obj *name) {
    Wrapper *w = (Wrapper *)AS_OBJ(self);
    if (name == NAME(__func__) || name == NAME(__wrapped__)) return v_new(w->func);
    return obj_generic_getattr(ts, self, name);
}

static Value staticmethod_call(ThreadState *ts, Value self, Value *args, int nargs, Obj *kwnames) {
    return obj_call(ts, ((Wrapper *)AS_OBJ(self))->func, args, nargs, kwnames);
}

Type T_staticmethod = { .name = "staticmethod", .basicsize = sizeof(Wrapper), .flags = TF_GC,
    .new_ = wrapper_new, .dealloc = wrapper_dealloc, .traverse = wrapper_traverse,
    .clear = wrapper_clear, .getattr = wrapper_getattr, .repr = wrapper_repr, .call = staticmethod_call };
Type T_classmethod = { .name = "classmethod", .basicsize = sizeof(Wrapper), .flags = TF_GC,
    .new_ = wrapper_new, .dealloc = wrapper_dealloc, .traverse = wrapper_traverse,
    .clear = wrapper_clear, .getattr = wrapper_getattr, .repr = wrapper_repr };

/* ---- property ---- */

static void property_dealloc(Obj *o) {
    Property *p = (Property *)o;
    v_decref(p->fget); v_decref(p->fset); v_decref(p->fdel);
}
static void property_traverse(Obj *o, VisitFn visit, void *arg) {
    Property *p = (Property *)o;
    if (p->fget.tag == VT_OBJ) visit(p->fget, arg);
    if (p->fset.tag == VT_OBJ) visit(p->fset, arg);
    if (p->fdel.tag == VT_OBJ) visit(p->fdel, arg);
}
static void property_clear(Obj *o) {
    Property *p = (Property *)o;
    Value a = p->fget, b = p->fset, c = p->fdel;
    p->fget = p->fset = p->fdel = V_NONE;
    v_decref(a); v_decref(b); v_decref(c);
}

static Obj *property_make(Value fget, Value fset, Value fdel) {
    Property *p = (Property *)obj_alloc(&T_property, sizeof(Property));
    p->fget = IS_NULL(fget) ? V_NONE : v_new(fget);
    p->fset = IS_NULL(fset) ? V_NONE : v_new(fset);
    p->fdel = IS_NULL(fdel) ? V_NONE : v_new(fdel);
    return (Obj *)p;
}

static Value property_new(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kw) {
    static const char *const allowed[] = { "fget", "fset", "fdel", "doc", NULL };
    if (arg_check_kw(ts, "property", kw, allowed) < 0) return V_NULL;
    if (nargs > 4) return exc_raise(ts, &T_TypeError, "property() takes at most 4 arguments (%d given)", nargs);
    Value a[3] = { V_NULL, V_NULL, V_NULL };
    for (int i = 0; i < nargs && i < 3; i++) a[i] = args[i];
    const char *names[3] = { "fget", "fset", "fdel" };
    for (int i = 0; i < 3; i++) {
        Value k = arg_kw(args, nargs, kw, names[i]);
        if (!IS_NULL(k)) a[i] = k;
    }
    return V_OBJ(property_make(a[0], a[1], a[2]));
}

static Value property_setter(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "setter", nargs, kw, 2, 2) < 0) return V_NULL;
    Property *p = (Property *)AS_OBJ(args[0]);
    return V_OBJ(property_make(p->fget, args[1], p->fdel));
}
static Value property_getter(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "getter", nargs, kw, 2, 2) < 0) return V_NULL;
    Property *p = (Property *)AS_OBJ(args[0]);
    return V_OBJ(property_make(args[1], p->fset, p->fdel));
}
static Value property_deleter(ThreadState *ts, Value *args, int nargs, Obj *kw) {
    if (arg_count(ts, "deleter", nargs, kw, 2, 2) < 0) return V_NULL;
    Property *p = (Property *)AS_OBJ(args[0]);
    return V_OBJ(property_make(p->fget, p->fset, args[1]));
}

static Value property_getattr(ThreadState *ts, Value self, Obj *name) {
    Property *p = (Property *)AS_OBJ(self);
    const char *n = STR_DATA(name);
    if (strcmp(n, "fget") == 0) return v_new(p->fget);
    if (strcmp(n, "fset") == 0) return v_new(p->fset);
    if (strcmp(n, "fdel") == 0) return v_new(p->fdel);
    return obj_generic_getattr(ts, self, name);
}

static const MethodDef property_methods[] = {
    { "setter", property_setter, 0 }, { "getter", property_getter, 0 }, { "deleter", property_deleter, 0 },
    { NULL, NULL, 0 } };

Type T_property = { .name = "property", .basicsize = sizeof(Property), .flags = TF_GC,
    .new_ = property_new, .dealloc = property_dealloc, .traverse = property_traverse,
    .clear = property_clear, .getattr = property_getattr, .methods = property_methods };
