/* mp_pickle.c — tiny's pickle: _tinymp.dumps and _tinymp.loads (see mp.h for the module).
 *
 * - `dumps(obj) -> bytes`, `loads(data) -> obj`: tiny's pickle. Handles None, bool, int, float, str, bytes, tuple, list, dict, set, exceptions (class by reference + args), functions and classes defined at module level (by reference: module name + qualname, looked up in sys.modules on load — children are forked, so __main__ is there too), instances of such classes (class by reference + a copy of __dict__), objects whose class defines `__reduce__()` returning `(callable, args_tuple)` (callable by reference, or any picklable callable), with shared references and cycles preserved (a memo table). Anything else raises `TypeError("cannot pickle 'X' object")` with X the type name as CPython spells it (e.g. '_thread.lock', '_io.TextIOWrapper' for open files, 'Thread' instances are instances whose __dict__ contains a lock → naturally fails on the lock; generators 'generator', modules 'module').
 *
 * The pickle format. One tag byte per value, then its payload. Integers are zigzag
 * varints, floats 8 raw bytes (both ends are the same machine: children are forked),
 * lengths and counts unsigned varints. Bit 0x80 of a tag asks the loader to remember the
 * value in the memo (an array; the n-th remembered value has id n) and P_REF id refers
 * back to one. The dumper only remembers objects whose refcount is above 1: an object
 * with a single reference can be met only once, so most fresh objects cost no memo work.
 * Short interned strings (names) skip the memo too: the loader interns them again, which
 * keeps their identity.
 * The memo (a pointer hash table on the dumping side) holds a reference to every object
 * it names, so no address is reused while dumps runs.
 * An object is remembered at the moment it exists on the loading side: containers
 * (list, dict, set) and instances before their contents (so cycles through them work),
 * everything else (tuples, strings, globals, exceptions, reduce results) after. A tuple
 * that was met again while its items were being written (a cycle through a mutable
 * container) is followed by P_REPLACE id: the loader drops the copy it built and uses
 * the remembered one (CPython's pickle does the same with POP_MARK + GET).
 *
 * ## Beyond and beside the contract
 * - dumps also follows CPython's pickle where the contract is silent: `__reduce_ex__`,
 *   `__reduce__` tuples of 2 to 5 items (state, listitems, dictitems), `__getstate__` /
 *   `__setstate__`, bound methods (getattr(self, name) on loading), range, slice, Ellipsis,
 *   NotImplemented, native functions by reference; an exception's __dict__ (OSError's
 *   filename, user attributes) travels with its args.
 * - The TypeError names the type as CPython 3.11 does: '_io.TextIOWrapper' for open files
 *   (the contract's 'TextIOWrapper' is tiny's own type name).
 * - A function or class that cannot be found again by name raises what CPython raises:
 *   AttributeError "Can't pickle local object 'f.<locals>.g'" for nested ones, and
 *   _tinymp.PicklingError (printed as _pickle.PicklingError, a PickleError, not a
 *   TypeError) "Can't pickle <function <lambda> at 0x...>: attribute lookup <lambda> on
 *   __main__ failed" when the lookup fails or finds another object. Bad data given to
 *   loads raises _tinymp.UnpicklingError ("pickle data was truncated", "invalid load key,
 *   'x'.", ...), EOFError "Ran out of input" for b''. */
#define _GNU_SOURCE
#include "mp_pickle.h"
#include "builtins.h"
#include "state.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "exc.h"
#include "module.h"
#include "objects/func.h"
#include "objects/bytes.h"
#include "objects/class.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>

/* The module's namespace (borrowed), or NULL when _tinymp is not in sys.modules. */
static Obj *mp_dict(void) {
    if (!the_interp.modules) return NULL;
    Value m = dict_get_str(the_interp.modules, str_intern("_tinymp"));
    return OBJ_IS(m, T_module) ? MODULE_DICT(AS_OBJ(m)) : NULL;
}

/* One of the module's exception classes (PicklingError, UnpicklingError), else fallback. */
static Type *mp_exc_type(const char *name, Type *fallback) {
    Obj *d = mp_dict();
    Value t = d ? dict_get_str(d, str_intern(name)) : V_NULL;
    return IS_TYPE(t) ? AS_TYPE(t) : fallback;
}

/* A type's name as CPython's tp_name spells it in "cannot pickle 'X' object". */
static const char *cpy_type_name(Type *t, char *buf, size_t n) {
    if (t->flags & TF_HEAPTYPE) return t->name;
    if (t == &T_TextFile) return "_io.TextIOWrapper";
    if (t->module && !str_eq_cstr(t->module, "builtins")) {
        snprintf(buf, n, "%s.%s", STR_DATA(t->module), t->name);
        return buf;
    }
    return t->name;
}

/* ---- pickle: the format ---- */

enum {
    P_NONE = 1, P_FALSE, P_TRUE, P_INT, P_FLOAT, P_STR, P_ISTR, P_BYTES, P_TUPLE, P_LIST, P_DICT,
    P_SET, P_REF, P_GLOBAL, P_INST, P_EXC, P_REDUCE, P_METHOD, P_RANGE, P_SLICE, P_ELLIPSIS,
    P_NOTIMPL, P_REPLACE,
};
#define P_MEMO 0x80
/* P_REDUCE flags: which of state, listitems, dictitems follow. */
enum { RF_STATE = 1, RF_LIST = 2, RF_DICT = 4 };

/* ---- pickle: dumping ---- */

typedef struct MemoEnt { Obj *key; int64_t id; } MemoEnt;

typedef struct Enc {
    ThreadState *ts;
    uint8_t *buf;
    size_t len, cap;
    MemoEnt *tab;       /* open addressing, key NULL = empty */
    size_t mask;        /* table size - 1 */
    int64_t nmemo;
    int depth;
    int limit;          /* nesting allowed */
    Obj *n_reduce_ex, *n_reduce, *n_getstate;  /* interned names, looked up once */
    uint8_t sbuf[512];
    MemoEnt stab[16];
} Enc;

static void enc_init(Enc *e, ThreadState *ts) {
    e->ts = ts;
    e->buf = e->sbuf;
    e->len = 0;
    e->cap = sizeof e->sbuf;
    e->tab = e->stab;
    e->mask = sizeof e->stab / sizeof e->stab[0] - 1;
    e->nmemo = 0;  /* stab is cleared by the first memo_add */
    e->depth = 0;
    e->limit = the_interp.recursion_limit - ts->depth;
    e->n_reduce_ex = e->n_reduce = e->n_getstate = NULL;
}

static void enc_fini(Enc *e) {
    for (size_t i = 0; e->nmemo && i <= e->mask; i++)
        if (e->tab[i].key) o_decref(e->tab[i].key);
    if (e->tab != e->stab) free(e->tab);
    if (e->buf != e->sbuf) free(e->buf);
}

/* Makes room for n more bytes. */
static inline void enc_reserve(Enc *e, size_t n) {
    if (e->len + n <= e->cap) return;
    size_t cap = e->cap * 2;
    while (cap < e->len + n) cap *= 2;
    if (e->buf == e->sbuf) {
        uint8_t *b = malloc(cap);
        if (!b) abort();
        memcpy(b, e->sbuf, e->len);
        e->buf = b;
    } else {
        uint8_t *b = realloc(e->buf, cap);
        if (!b) abort();
        e->buf = b;
    }
    e->cap = cap;
}

static inline void put_byte(Enc *e, uint8_t c) {
    enc_reserve(e, 1);
    e->buf[e->len++] = c;
}

/* Appends an unsigned varint (room for it must be reserved: 10 bytes). */
static inline void put_uvar_raw(Enc *e, uint64_t u) {
    while (u >= 0x80) {
        e->buf[e->len++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    e->buf[e->len++] = (uint8_t)u;
}

static inline uint64_t zigzag(int64_t n) { return ((uint64_t)n << 1) ^ (uint64_t)(n >> 63); }
static inline int64_t unzigzag(uint64_t u) { return (int64_t)((u >> 1) ^ (~(u & 1) + 1)); }

/* A tag, a length, then n bytes. */
static inline void put_blob(Enc *e, uint8_t tag, const void *p, size_t n) {
    enc_reserve(e, 11 + n);
    e->buf[e->len++] = tag;
    put_uvar_raw(e, n);
    memcpy(e->buf + e->len, p, n);
    e->len += n;
}

static inline size_t memo_slot(Enc *e, Obj *o) {
    uint64_t h = (uint64_t)(uintptr_t)o * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 29) & e->mask;
}

/* The memo id of o, or -1. */
static int64_t memo_find(Enc *e, Obj *o) {
    if (!e->nmemo) return -1;
    for (size_t i = memo_slot(e, o);; i = (i + 1) & e->mask) {
        if (e->tab[i].key == o) return e->tab[i].id;
        if (!e->tab[i].key) return -1;
    }
}

static void memo_insert_raw(Enc *e, Obj *o, int64_t id) {
    size_t i = memo_slot(e, o);
    while (e->tab[i].key) i = (i + 1) & e->mask;
    e->tab[i].key = o;
    e->tab[i].id = id;
}

/* Remembers o under the next id (holds a reference to it). */
static void memo_add(Enc *e, Obj *o) {
    if (!e->nmemo && e->tab == e->stab) memset(e->stab, 0, sizeof e->stab);
    if ((size_t)(e->nmemo + 1) * 3 > (e->mask + 1) * 2) {
        MemoEnt *old = e->tab;
        size_t oldn = e->mask + 1;
        size_t n = oldn * 2;
        e->tab = calloc(n, sizeof(MemoEnt));
        if (!e->tab) abort();
        e->mask = n - 1;
        for (size_t i = 0; i < oldn; i++)
            if (old[i].key) memo_insert_raw(e, old[i].key, old[i].id);
        if (old != e->stab) free(old);
    }
    o_incref(o);
    memo_insert_raw(e, o, e->nmemo++);
}

static int dump(Enc *e, Value v);
static int dump_obj(Enc *e, Obj *o);

static int pickling_error(Enc *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int pickling_error(Enc *e, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    Obj *msg = str_vfmt(fmt, ap);
    va_end(ap);
    exc_raise(e->ts, mp_exc_type("PicklingError", &T_TypeError), "%s", STR_DATA(msg));
    o_decref(msg);
    return -1;
}

static int cannot_pickle(Enc *e, Type *t) {
    char buf[200];
    exc_raise(e->ts, &T_TypeError, "cannot pickle '%s' object", cpy_type_name(t, buf, sizeof buf));
    return -1;
}

/* The module object named modname (new reference), importing it if needed. */
static Value find_module(ThreadState *ts, Obj *modname) {
    if (str_eq_cstr(modname, "builtins") && the_interp.builtins_module)
        return v_new(V_OBJ(the_interp.builtins_module));
    Value m = the_interp.modules ? dict_get_str(the_interp.modules, modname) : V_NULL;
    if (OBJ_IS(m, T_module)) return v_new(m);
    return module_import(ts, modname);
}

/* Looks a dotted qualname up from an object (new reference). */
static Value walk_qualname(ThreadState *ts, Value from, Obj *qualname) {
    const char *s = STR_DATA(qualname), *end = s + STR_LEN(qualname);
    Value cur = v_new(from);
    while (s <= end) {
        const char *dot = memchr(s, '.', (size_t)(end - s));
        if (!dot) dot = end;
        Obj *part = str_intern_n(s, dot - s);
        Value next = obj_getattr(ts, cur, part);
        v_decref(cur);
        if (IS_NULL(next)) return V_NULL;
        cur = next;
        s = dot + 1;
    }
    return cur;
}

/* Writes o as a reference by name (module + qualname) after checking that the name
 * leads back to o, as CPython's save_global does. */
static int save_global(Enc *e, Obj *o, Obj *modname, Obj *qualname, bool memo) {
    ThreadState *ts = e->ts;
    if (strstr(STR_DATA(qualname), "<locals>")) {
        exc_raise(ts, &T_AttributeError, "Can't pickle local object '%s'", STR_DATA(qualname));
        return -1;
    }
    const char *why = NULL;
    Value mod = find_module(ts, modname);
    if (IS_NULL(mod)) {
        exc_clear(ts);
        why = "import";
    } else {
        Value found = walk_qualname(ts, mod, qualname);
        v_decref(mod);
        if (IS_NULL(found)) {
            exc_clear(ts);
            why = "lookup";
        } else {
            if (!IS_OBJ(found) || AS_OBJ(found) != o) why = "same";
            v_decref(found);
        }
    }
    if (why) {
        Value rep = obj_repr(ts, V_OBJ(o));
        if (IS_NULL(rep)) return -1;
        const char *r = STR_DATA(AS_OBJ(rep));
        if (why[0] == 'i')
            pickling_error(e, "Can't pickle %s: import of module '%s' failed", r, STR_DATA(modname));
        else if (why[0] == 'l')
            pickling_error(e, "Can't pickle %s: attribute lookup %s on %s failed", r, STR_DATA(qualname),
                           STR_DATA(modname));
        else
            pickling_error(e, "Can't pickle %s: it's not the same object as %s.%s", r, STR_DATA(modname),
                           STR_DATA(qualname));
        v_decref(rep);
        return -1;
    }
    put_byte(e, P_GLOBAL | (memo ? P_MEMO : 0));
    if (dump_obj(e, modname) < 0 || dump_obj(e, qualname) < 0) return -1;
    if (memo) memo_add(e, o);
    return 0;
}

/* A module name Str for an object whose __module__ is unknown. */
static Obj *module_or_main(Obj *m) { return m ? m : NAME(__main__); }

/* A class by reference. */
static int save_type(Enc *e, Type *t, bool memo) {
    if (t->flags & TF_HEAPTYPE)
        return save_global(e, &t->hdr, module_or_main(t->module), t->qualname ? t->qualname : t->name_obj, memo);
    if (!t->name_obj) type_ready(t);
    return save_global(e, &t->hdr, t->module ? t->module : str_intern("builtins"), t->name_obj, memo);
}

/* Looks a name up in the classes defined in tiny code along t's chain (user dunders). */
static Value heap_find(Type *t, Obj *name) {
    for (; t && (t->flags & TF_HEAPTYPE); t = t->base) {
        Value v = dict_get_str(t->dict, name);
        if (!IS_NULL(v)) return v;
    }
    return V_NULL;
}

/* The first built-in class above a class. */
static Type *static_base(Type *t) {
    while (t && (t->flags & TF_HEAPTYPE)) t = t->base;
    return t;
}

/* The instance dict of an object of a TF_HAS_DICT type (may be NULL). */
static inline Obj *inst_dict(Obj *o) {
    return (o->type->flags & TF_HAS_DICT) ? instance_dict(o, false) : ((Instance *)o)->dict;
}

/* Writes a value that may hold references to user objects: keeps it alive meanwhile. */
static inline int dump_held(Enc *e, Value v) {
    v_incref(v);
    int r = dump(e, v);
    v_decref(v);
    return r;
}

static int dump_tuple(Enc *e, Obj *o, bool memo) {
    Tuple *t = (Tuple *)o;
    enc_reserve(e, 11);
    e->buf[e->len++] = P_TUPLE | (memo ? P_MEMO : 0);
    put_uvar_raw(e, (uint64_t)t->len);
    for (int64_t i = 0; i < t->len; i++)
        if (dump(e, t->items[i]) < 0) return -1;
    if (memo) {
        int64_t id = memo_find(e, o);
        if (id >= 0) {
            /* met again inside its own items: the loader takes the copy it remembered */
            enc_reserve(e, 11);
            e->buf[e->len++] = P_REPLACE;
            put_uvar_raw(e, (uint64_t)id);
        } else {
            memo_add(e, o);
        }
    }
    return 0;
}

static int dump_list(Enc *e, Obj *o, bool memo) {
    List *l = (List *)o;
    int64_t n = l->len;
    enc_reserve(e, 11);
    e->buf[e->len++] = P_LIST | (memo ? P_MEMO : 0);
    put_uvar_raw(e, (uint64_t)n);
    if (memo) memo_add(e, o);
    for (int64_t i = 0; i < n; i++) {
        if (i >= l->len) {
            exc_raise(e->ts, &T_RuntimeError, "list changed size during iteration");
            return -1;
        }
        Value v = l->items[i];
        if (IS_OBJ(v) ? dump_held(e, v) < 0 : dump(e, v) < 0) return -1;
    }
    return 0;
}

static int dump_dict(Enc *e, Obj *o, bool memo) {
    int64_t n = DICT_LEN(o);
    enc_reserve(e, 11);
    e->buf[e->len++] = P_DICT | (memo ? P_MEMO : 0);
    put_uvar_raw(e, (uint64_t)n);
    if (memo) memo_add(e, o);
    int64_t pos = 0, done = 0;
    Value k, v;
    while (done < n && dict_next(o, &pos, &k, &v)) {
        v_incref(k);
        v_incref(v);
        int r = dump(e, k) < 0 || dump(e, v) < 0 ? -1 : 0;
        v_decref(k);
        v_decref(v);
        if (r < 0) return -1;
        done++;
    }
    if (done != n || DICT_LEN(o) != n) {
        exc_raise(e->ts, &T_RuntimeError, "dictionary changed size during iteration");
        return -1;
    }
    return 0;
}

static int dump_set(Enc *e, Obj *o, bool memo) {
    int64_t n = ((Set *)o)->used;
    enc_reserve(e, 11);
    e->buf[e->len++] = P_SET | (memo ? P_MEMO : 0);
    put_uvar_raw(e, (uint64_t)n);
    if (memo) memo_add(e, o);
    int64_t pos = 0, done = 0;
    Value k;
    while (done < n && set_next(o, &pos, &k)) {
        if (dump_held(e, k) < 0) return -1;
        done++;
    }
    if (done != n || ((Set *)o)->used != n) {
        exc_raise(e->ts, &T_RuntimeError, "Set changed size during iteration");
        return -1;
    }
    return 0;
}

/* An exception: its class, its args, then its __dict__ (or None). */
static int dump_exc(Enc *e, Obj *o, bool memo) {
    Exc *x = (Exc *)o;
    put_byte(e, P_EXC | (memo ? P_MEMO : 0));
    if (dump_obj(e, &o->type->hdr) < 0) return -1;
    if (dump_obj(e, x->args ? x->args : tuple_empty()) < 0) return -1;
    if (memo) memo_add(e, o);
    if (x->dict && DICT_LEN(x->dict) > 0) return dump_obj(e, x->dict);
    put_byte(e, P_NONE);
    return 0;
}

/* An instance of a class based on object: its class, then its state (__getstate__() or
 * its __dict__, None when empty). */
static int dump_inst(Enc *e, Obj *o, bool memo) {
    put_byte(e, P_INST | (memo ? P_MEMO : 0));
    if (dump_obj(e, &o->type->hdr) < 0) return -1;
    if (memo) memo_add(e, o);
    if (!e->n_getstate) e->n_getstate = str_intern("__getstate__");
    if (!IS_NULL(heap_find(o->type, e->n_getstate))) {
        Value st = obj_call_method(e->ts, V_OBJ(o), e->n_getstate, NULL, 0);
        if (IS_NULL(st)) return -1;
        int r = dump(e, st);
        v_decref(st);
        return r;
    }
    Obj *d = inst_dict(o);
    if (d && DICT_LEN(d) > 0) return dump_obj(e, d);
    put_byte(e, P_NONE);
    return 0;
}

/* An object through what its class's __reduce__ / __reduce_ex__ returned (rv). */
static int dump_reduce(Enc *e, Obj *o, Value rv, bool memo) {
    ThreadState *ts = e->ts;
    if (IS_STR(rv)) {
        Value m = obj_getattr_opt(ts, V_OBJ(o), NAME(__module__));
        if (IS_NULL(m) && !IS_NULL(ts->exc)) return -1;
        Obj *mod = IS_STR(m) ? AS_OBJ(m) : module_or_main(o->type->module);
        int r = save_global(e, o, mod, AS_OBJ(rv), memo);
        v_decref(m);
        return r;
    }
    if (!IS_TUPLE(rv)) return pickling_error(e, "__reduce__ must return a string or tuple");
    Tuple *t = AS_TUPLE(rv);
    if (t->len < 2 || t->len > 5)
        return pickling_error(e, "tuple returned by __reduce__ must contain 2 through 5 elements");
    Value fn = t->items[0], args = t->items[1];
    Type *ft = obj_type(fn);
    bool callable = (ft->flags & TF_HEAPTYPE) ? !IS_NULL(type_lookup(ft, NAME(__call__))) : ft->call != NULL;
    if (!callable) return pickling_error(e, "first item of the tuple returned by __reduce__ must be callable");
    if (!IS_TUPLE(args)) return pickling_error(e, "second item of the tuple returned by __reduce__ must be a tuple");
    Value state = t->len > 2 ? t->items[2] : V_NONE;
    Value litems = t->len > 3 ? t->items[3] : V_NONE;
    Value ditems = t->len > 4 ? t->items[4] : V_NONE;
    int flags = (IS_NONE(state) ? 0 : RF_STATE) | (IS_NONE(litems) ? 0 : RF_LIST) | (IS_NONE(ditems) ? 0 : RF_DICT);
    enc_reserve(e, 2);
    e->buf[e->len++] = P_REDUCE | (memo ? P_MEMO : 0);
    e->buf[e->len++] = (uint8_t)flags;
    if (dump(e, fn) < 0 || dump(e, args) < 0) return -1;
    if (memo) memo_add(e, o);
    if ((flags & RF_STATE) && dump(e, state) < 0) return -1;
    for (int k = 0; k < 2; k++) {
        Value it = k == 0 ? litems : ditems;
        if (IS_NONE(it)) continue;
        Value l = obj_to_list(ts, it);
        if (IS_NULL(l)) return -1;
        int r = dump(e, l);
        v_decref(l);
        if (r < 0) return -1;
    }
    return 0;
}

/* Objects of classes defined in tiny code. */
static int dump_heap_object(Enc *e, Obj *o, bool memo) {
    Type *t = o->type;
    if (!e->n_reduce_ex) {
        e->n_reduce_ex = str_intern("__reduce_ex__");
        e->n_reduce = str_intern("__reduce__");
    }
    Value rv = V_NULL;
    if (!IS_NULL(heap_find(t, e->n_reduce_ex))) {
        Value proto = V_INT(2);
        rv = obj_call_method(e->ts, V_OBJ(o), e->n_reduce_ex, &proto, 1);
        if (IS_NULL(rv)) return -1;
    } else if (!IS_NULL(heap_find(t, e->n_reduce))) {
        rv = obj_call_method(e->ts, V_OBJ(o), e->n_reduce, NULL, 0);
        if (IS_NULL(rv)) return -1;
    }
    if (!IS_NULL(rv)) {
        int r = dump_reduce(e, o, rv, memo);
        v_decref(rv);
        return r;
    }
    Type *b = static_base(t);
    if (b == &T_object) return dump_inst(e, o, memo);
    if (t->flags & TF_EXCEPTION) return dump_exc(e, o, memo);
    if (b && b->module && str_eq_cstr(b->module, "_thread") && strcmp(b->name, "_Event") == 0) {
        /* CPython's Event keeps a Condition over a lock, and its pickle names the lock */
        exc_raise(e->ts, &T_TypeError, "cannot pickle '_thread.lock' object");
        return -1;
    }
    return cannot_pickle(e, t);
}

/* A bound method: its self, then the function's name (getattr on loading). */
static int dump_method(Enc *e, Obj *o, Value self, Value func, bool memo) {
    Obj *name = NULL;
    Value nv = V_NULL;
    if (OBJ_IS(func, T_function)) name = ((Func *)AS_OBJ(func))->name;
    else if (OBJ_IS(func, T_builtin)) name = str_intern(((CFunc *)AS_OBJ(func))->def->name);
    else {
        nv = obj_getattr(e->ts, func, NAME(__name__));
        if (IS_NULL(nv)) return -1;
        if (!IS_STR(nv)) { v_decref(nv); return cannot_pickle(e, o->type); }
        name = AS_OBJ(nv);
    }
    put_byte(e, P_METHOD | (memo ? P_MEMO : 0));
    int r = dump(e, self) < 0 || dump_obj(e, name) < 0 ? -1 : 0;
    v_decref(nv);
    if (r == 0 && memo) memo_add(e, o);
    return r;
}

/* Everything but str, bytes and the core containers. */
static int dump_other(Enc *e, Obj *o, bool memo) {
    Type *t = o->type;
    if (t->flags & TF_HEAPTYPE) return dump_heap_object(e, o, memo);
    if (t->flags & TF_EXCEPTION) return dump_exc(e, o, memo);
    if (t == &T_type || type_is_subtype(t, &T_type)) return save_type(e, (Type *)o, memo);
    if (t == &T_function) {
        Func *f = (Func *)o;
        return save_global(e, o, module_or_main(f->module), f->qualname, memo);
    }
    if (t == &T_builtin) {
        CFunc *f = (CFunc *)o;
        if (!IS_NULL(f->self)) return dump_method(e, o, f->self, V_OBJ(o), memo);
        if (f->owner) return dump_method(e, o, V_OBJ(f->owner), V_OBJ(o), memo);
        return save_global(e, o, f->module ? f->module : str_intern("builtins"), str_intern(f->def->name), memo);
    }
    if (t == &T_method) {
        BoundMethod *m = (BoundMethod *)o;
        return dump_method(e, o, m->self, m->func, memo);
    }
    if (t == &T_range) {
        Range *r = (Range *)o;
        enc_reserve(e, 31);
        e->buf[e->len++] = P_RANGE | (memo ? P_MEMO : 0);
        put_uvar_raw(e, zigzag(r->start));
        put_uvar_raw(e, zigzag(r->stop));
        put_uvar_raw(e, zigzag(r->step));
        if (memo) memo_add(e, o);
        return 0;
    }
    if (t == &T_slice) {
        Slice *s = (Slice *)o;
        put_byte(e, P_SLICE | (memo ? P_MEMO : 0));
        if (dump(e, s->start) < 0 || dump(e, s->stop) < 0 || dump(e, s->step) < 0) return -1;
        if (memo) memo_add(e, o);
        return 0;
    }
    if (t == &T_Ellipsis) { put_byte(e, P_ELLIPSIS); return 0; }
    if (o == &NotImplemented_obj) { put_byte(e, P_NOTIMPL); return 0; }
    return cannot_pickle(e, t);
}

static int dump_obj(Enc *e, Obj *o) {
    Type *t = o->type;
    /* a short interned str (a name) is interned again by the loader: identity holds
     * without the memo */
    bool memo = o->refcnt > 1 && !(t == &T_str && ((Str *)o)->interned && ((Str *)o)->len <= 16);
    if (memo) {
        int64_t id = memo_find(e, o);
        if (id >= 0) {
            enc_reserve(e, 11);
            e->buf[e->len++] = P_REF;
            put_uvar_raw(e, (uint64_t)id);
            return 0;
        }
    }
    if (t == &T_str) {
        Str *s = (Str *)o;
        put_blob(e, (s->interned ? P_ISTR : P_STR) | (memo ? P_MEMO : 0), s->data, (size_t)s->len);
        if (memo) memo_add(e, o);
        return 0;
    }
    if (t == &T_bytes) {
        Bytes *b = (Bytes *)o;
        put_blob(e, P_BYTES | (memo ? P_MEMO : 0), b->data, (size_t)b->len);
        if (memo) memo_add(e, o);
        return 0;
    }
    char here;
    if (++e->depth > e->limit || (uintptr_t)&here < e->ts->c_stack_limit) {
        e->depth--;
        exc_raise(e->ts, &T_RecursionError, "maximum recursion depth exceeded while pickling an object");
        return -1;
    }
    int r;
    if (t == &T_tuple) r = dump_tuple(e, o, memo);
    else if (t == &T_list) r = dump_list(e, o, memo);
    else if (t == &T_dict) r = dump_dict(e, o, memo);
    else if (t == &T_set) r = dump_set(e, o, memo);
    else r = dump_other(e, o, memo);
    e->depth--;
    return r;
}

static int dump(Enc *e, Value v) {
    switch (v.tag) {
    case VT_NONE: put_byte(e, P_NONE); return 0;
    case VT_BOOL: put_byte(e, AS_BOOL(v) ? P_TRUE : P_FALSE); return 0;
    case VT_INT:
        enc_reserve(e, 11);
        e->buf[e->len++] = P_INT;
        put_uvar_raw(e, zigzag(AS_INT(v)));
        return 0;
    case VT_FLOAT:
        enc_reserve(e, 9);
        e->buf[e->len++] = P_FLOAT;
        memcpy(e->buf + e->len, &v.as.f, 8);
        e->len += 8;
        return 0;
    case VT_OBJ: return dump_obj(e, AS_OBJ(v));
    default:
        exc_raise(e->ts, &T_TypeError, "cannot pickle a missing value");
        return -1;
    }
}

/* dumps(obj, protocol=None) -> bytes */
Value mp_dumps(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "obj", "protocol", NULL };
    Value a[2];
    if (bi_parse_args(ts, "dumps", args, nargs, kwnames, names, 2, 1, a) < 0) return V_NULL;
    Enc e;
    enc_init(&e, ts);
    Value res = V_NULL;
    if (dump(&e, a[0]) == 0) res = V_OBJ(bytes_new(e.buf, (int64_t)e.len));
    enc_fini(&e);
    return res;
}

/* ---- pickle: loading ---- */

typedef struct Dec {
    ThreadState *ts;
    const uint8_t *p, *end;
    Value *memo;
    int64_t nmemo, capmemo;
    Obj *n_setstate;
    Value smemo[32];
} Dec;

static Value load(Dec *d);

static Value unpickling_error(Dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static Value unpickling_error(Dec *d, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    Obj *msg = str_vfmt(fmt, ap);
    va_end(ap);
    exc_raise(d->ts, mp_exc_type("UnpicklingError", &T_ValueError), "%s", STR_DATA(msg));
    o_decref(msg);
    return V_NULL;
}

static Value truncated(Dec *d) { return unpickling_error(d, "pickle data was truncated"); }

/* Reads an unsigned varint; -1 with an exception on bad data. */
static inline int get_uvar(Dec *d, uint64_t *out) {
    uint64_t u = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (d->p >= d->end) { truncated(d); return -1; }
        uint8_t c = *d->p++;
        u |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) { *out = u; return 0; }
    }
    unpickling_error(d, "invalid varint in pickle data");
    return -1;
}

/* Reads a count or length that must fit in the data left (each unit takes >= min bytes). */
static inline int get_count(Dec *d, int64_t min, int64_t *out) {
    uint64_t u;
    if (get_uvar(d, &u) < 0) return -1;
    if (u > (uint64_t)(d->end - d->p) / (uint64_t)min) { truncated(d); return -1; }
    *out = (int64_t)u;
    return 0;
}

/* Remembers v (takes a reference of its own). */
static void memo_push(Dec *d, Value v) {
    if (d->nmemo == d->capmemo) {
        int64_t cap = d->capmemo * 2;
        Value *m = malloc(sizeof(Value) * (size_t)cap);
        if (!m) abort();
        memcpy(m, d->memo, sizeof(Value) * (size_t)d->nmemo);
        if (d->memo != d->smemo) free(d->memo);
        d->memo = m;
        d->capmemo = cap;
    }
    d->memo[d->nmemo++] = v_new(v);
}

/* Applies a state to a rebuilt object: __setstate__(state) when its class has one, else
 * the dict's items become attributes. */
static int apply_state(Dec *d, Value obj, Value state) {
    ThreadState *ts = d->ts;
    if (IS_NONE(state)) return 0;
    if (!d->n_setstate) d->n_setstate = str_intern("__setstate__");
    Type *t = obj_type(obj);
    if (!IS_NULL(type_lookup(t, d->n_setstate))) {
        Value r = obj_call_method(ts, obj, d->n_setstate, &state, 1);
        if (IS_NULL(r)) return -1;
        v_decref(r);
        return 0;
    }
    if (!IS_DICT(state)) {
        unpickling_error(d, "state is not a dictionary");
        return -1;
    }
    if (IS_OBJ(obj) && (t->flags & TF_HAS_DICT)) {
        Instance *in = (Instance *)AS_OBJ(obj);
        Obj *cur = instance_dict(&in->hdr, false);
        if (!cur && AS_OBJ(state)->refcnt == 1) {
            /* ours alone: it becomes the __dict__ as it is */
            in->dict = AS_OBJ(state);
            o_incref(in->dict);
            return 0;
        }
        return dict_update(ts, instance_dict(&in->hdr, true), state);
    }
    int64_t pos = 0;
    Value k, v;
    while (dict_next(AS_OBJ(state), &pos, &k, &v)) {
        if (!IS_STR(k)) {
            unpickling_error(d, "attribute name must be a string");
            return -1;
        }
        if (obj_setattr(ts, obj, str_intern_obj(AS_OBJ(k)), v) < 0) return -1;
    }
    return 0;
}

static Value load_str(Dec *d, int tag) {
    int64_t n;
    if (get_count(d, 1, &n) < 0) return V_NULL;
    const char *s = (const char *)d->p;
    d->p += n;
    if (tag == P_STR) return V_OBJ(str_new(s, n));
    /* interned on the other side (a name): interned here too (immortal, no reference) */
    bool ascii = true;
    for (int64_t i = 0; i < n; i++)
        if ((uint8_t)s[i] & 0x80) { ascii = false; break; }
    if (ascii) return V_OBJ(str_intern_n(s, n));
    /* str_intern_n looks raw bytes up: text that is not valid UTF-8 would be interned
     * again at every load; interning the decoded str finds its twin */
    Obj *o = str_new(s, n);
    Obj *in = str_intern_obj(o);
    if (in != o) o_decref(o);
    return V_OBJ(in);
}

static Value load_tuple(Dec *d, int mf) {
    int64_t n;
    if (get_count(d, 1, &n) < 0) return V_NULL;
    Value res;
    if (n == 0) {
        res = V_OBJ(tuple_empty());
    } else {
        Tuple *t = (Tuple *)tuple_new(n);
        for (int64_t i = 0; i < n; i++) {
            Value v = load(d);
            if (IS_NULL(v)) { o_decref(&t->hdr); return V_NULL; }
            t->items[i] = v;
        }
        res = V_OBJ(t);
    }
    if (mf) {
        if (d->p < d->end && *d->p == P_REPLACE) {
            d->p++;
            uint64_t id;
            if (get_uvar(d, &id) < 0) { v_decref(res); return V_NULL; }
            v_decref(res);
            if (id >= (uint64_t)d->nmemo) return unpickling_error(d, "Memo value not found at index %llu", (unsigned long long)id);
            return v_new(d->memo[id]);
        }
        memo_push(d, res);
    }
    return res;
}

static Value load_list(Dec *d, int mf) {
    int64_t n;
    if (get_count(d, 1, &n) < 0) return V_NULL;
    Obj *l = list_new(n);
    if (mf) memo_push(d, V_OBJ(l));
    for (int64_t i = 0; i < n; i++) {
        Value v = load(d);
        if (IS_NULL(v)) { o_decref(l); return V_NULL; }
        list_append_steal(l, v);
    }
    return V_OBJ(l);
}

static Value load_dict(Dec *d, int mf) {
    int64_t n;
    if (get_count(d, 2, &n) < 0) return V_NULL;
    Obj *o = dict_new();
    if (mf) memo_push(d, V_OBJ(o));
    for (int64_t i = 0; i < n; i++) {
        Value k = load(d);
        if (IS_NULL(k)) { o_decref(o); return V_NULL; }
        Value v = load(d);
        if (IS_NULL(v)) { v_decref(k); o_decref(o); return V_NULL; }
        int r = dict_set(d->ts, o, k, v);
        v_decref(k);
        v_decref(v);
        if (r < 0) { o_decref(o); return V_NULL; }
    }
    return V_OBJ(o);
}

static Value load_set(Dec *d, int mf) {
    int64_t n;
    if (get_count(d, 1, &n) < 0) return V_NULL;
    Obj *o = set_new();
    if (mf) memo_push(d, V_OBJ(o));
    for (int64_t i = 0; i < n; i++) {
        Value k = load(d);
        if (IS_NULL(k)) { o_decref(o); return V_NULL; }
        int r = set_add(d->ts, o, k);
        v_decref(k);
        if (r < 0) { o_decref(o); return V_NULL; }
    }
    return V_OBJ(o);
}

/* Loads a value that must be a str (new reference). */
static Value load_name(Dec *d) {
    Value v = load(d);
    if (IS_NULL(v) || IS_STR(v)) return v;
    v_decref(v);
    return unpickling_error(d, "a name in pickle data is not a string");
}

static Value load_global(Dec *d, int mf) {
    Value mod = load_name(d);
    if (IS_NULL(mod)) return V_NULL;
    Value qn = load_name(d);
    if (IS_NULL(qn)) { v_decref(mod); return V_NULL; }
    Value m = find_module(d->ts, AS_OBJ(mod));
    Value r = IS_NULL(m) ? V_NULL : walk_qualname(d->ts, m, AS_OBJ(qn));
    if (IS_NULL(r) && !IS_NULL(m) && exc_matches(d->ts, &T_AttributeError)) {
        exc_clear(d->ts);
        Value rep = obj_repr(d->ts, m);
        if (!IS_NULL(rep)) {
            exc_raise(d->ts, &T_AttributeError, "Can't get attribute '%s' on %s", STR_DATA(AS_OBJ(qn)),
                      STR_DATA(AS_OBJ(rep)));
            v_decref(rep);
        }
    }
    v_decref(m);
    v_decref(mod);
    v_decref(qn);
    if (!IS_NULL(r) && mf) memo_push(d, r);
    return r;
}

/* Remembers a freshly built object (when the pickle asked), then loads its state and
 * applies it; steals obj, returns it or V_NULL. */
static Value load_state_into(Dec *d, Value obj, int mf) {
    if (mf) memo_push(d, obj);
    Value st = load(d);
    if (IS_NULL(st)) { v_decref(obj); return V_NULL; }
    int r = apply_state(d, obj, st);
    v_decref(st);
    if (r < 0) { v_decref(obj); return V_NULL; }
    return obj;
}

static Value load_inst(Dec *d, int mf) {
    Value cls = load(d);
    if (IS_NULL(cls)) return V_NULL;
    if (!IS_TYPE(cls) || !(AS_TYPE(cls)->flags & TF_HEAPTYPE) || static_base(AS_TYPE(cls)) != &T_object ||
        !AS_TYPE(cls)->new_) {
        v_decref(cls);
        return unpickling_error(d, "instance data names something that is not a class");
    }
    Type *t = AS_TYPE(cls);
    Value obj = t->new_(d->ts, t, NULL, 0, NULL);
    v_decref(cls);
    if (IS_NULL(obj)) return V_NULL;
    return load_state_into(d, obj, mf);
}

static Value load_exc(Dec *d, int mf) {
    Value cls = load(d);
    if (IS_NULL(cls)) return V_NULL;
    if (!IS_TYPE(cls) || !(AS_TYPE(cls)->flags & TF_EXCEPTION)) {
        v_decref(cls);
        return unpickling_error(d, "exception data names something that is not an exception class");
    }
    Value args = load(d);
    if (IS_NULL(args)) { v_decref(cls); return V_NULL; }
    if (!IS_TUPLE(args)) {
        v_decref(cls);
        v_decref(args);
        return unpickling_error(d, "exception arguments are not a tuple");
    }
    Value obj = obj_call(d->ts, cls, AS_TUPLE(args)->items, (int)AS_TUPLE(args)->len, NULL);
    v_decref(cls);
    v_decref(args);
    if (IS_NULL(obj)) return V_NULL;
    return load_state_into(d, obj, mf);
}

static Value load_reduce(Dec *d, int mf) {
    if (d->p >= d->end) return truncated(d);
    int flags = *d->p++;
    Value fn = load(d);
    if (IS_NULL(fn)) return V_NULL;
    Value args = load(d);
    if (IS_NULL(args)) { v_decref(fn); return V_NULL; }
    if (!IS_TUPLE(args)) {
        v_decref(fn);
        v_decref(args);
        return unpickling_error(d, "reduce arguments are not a tuple");
    }
    Value obj = obj_call(d->ts, fn, AS_TUPLE(args)->items, (int)AS_TUPLE(args)->len, NULL);
    v_decref(fn);
    v_decref(args);
    if (IS_NULL(obj)) return V_NULL;
    if (mf) memo_push(d, obj);
    if (flags & RF_STATE) {
        Value st = load(d);
        if (IS_NULL(st)) goto fail;
        int r = apply_state(d, obj, st);
        v_decref(st);
        if (r < 0) goto fail;
    }
    for (int k = 0; k < 2; k++) {
        if (!(flags & (k == 0 ? RF_LIST : RF_DICT))) continue;
        Value l = load(d);
        if (IS_NULL(l)) goto fail;
        if (!IS_LIST(l)) {
            v_decref(l);
            unpickling_error(d, "reduce items are not a list");
            goto fail;
        }
        int r = 0;
        for (int64_t i = 0; r == 0 && i < AS_LIST(l)->len; i++) {
            Value it = AS_LIST(l)->items[i];
            if (k == 0) {
                if (IS_LIST(obj)) { list_append(AS_OBJ(obj), it); continue; }
                Value x = obj_call_method(d->ts, obj, NAME(append), &it, 1);
                if (IS_NULL(x)) r = -1; else v_decref(x);
            } else {
                if (!IS_TUPLE(it) || AS_TUPLE(it)->len != 2) {
                    unpickling_error(d, "reduce dict items are not pairs");
                    r = -1;
                } else {
                    r = obj_setitem(d->ts, obj, AS_TUPLE(it)->items[0], AS_TUPLE(it)->items[1]);
                }
            }
        }
        v_decref(l);
        if (r < 0) goto fail;
    }
    return obj;
fail:
    v_decref(obj);
    return V_NULL;
}

static Value load_method(Dec *d, int mf) {
    Value self = load(d);
    if (IS_NULL(self)) return V_NULL;
    Value name = load_name(d);
    if (IS_NULL(name)) { v_decref(self); return V_NULL; }
    Value r = obj_getattr(d->ts, self, str_intern_obj(AS_OBJ(name)));
    v_decref(self);
    v_decref(name);
    if (!IS_NULL(r) && mf) memo_push(d, r);
    return r;
}

static Value load(Dec *d) {
    if (d->p >= d->end) return truncated(d);
    int tag = *d->p++;
    int mf = tag & P_MEMO;
    tag &= ~P_MEMO;
    switch (tag) {
    case P_NONE: return V_NONE;
    case P_FALSE: return V_FALSE;
    case P_TRUE: return V_TRUE;
    case P_INT: {
        uint64_t u;
        if (get_uvar(d, &u) < 0) return V_NULL;
        return V_INT(unzigzag(u));
    }
    case P_FLOAT: {
        if (d->end - d->p < 8) return truncated(d);
        double x;
        memcpy(&x, d->p, 8);
        d->p += 8;
        return V_FLOAT(x);
    }
    case P_STR: case P_ISTR: case P_BYTES: {
        Value v;
        if (tag == P_BYTES) {
            int64_t n;
            if (get_count(d, 1, &n) < 0) return V_NULL;
            v = V_OBJ(bytes_new(d->p, n));
            d->p += n;
        } else {
            v = load_str(d, tag);
            if (IS_NULL(v)) return v;
        }
        if (mf) memo_push(d, v);
        return v;
    }
    case P_REF: {
        uint64_t id;
        if (get_uvar(d, &id) < 0) return V_NULL;
        if (id >= (uint64_t)d->nmemo) return unpickling_error(d, "Memo value not found at index %llu", (unsigned long long)id);
        return v_new(d->memo[id]);
    }
    case P_ELLIPSIS: {
        Value v = the_interp.builtins ? dict_get_str(the_interp.builtins, str_intern("Ellipsis")) : V_NULL;
        if (IS_NULL(v)) return unpickling_error(d, "Ellipsis is missing");
        return v_new(v);
    }
    case P_NOTIMPL: return V_NOTIMPL;
    case P_RANGE: {
        uint64_t a, b, c;
        if (get_uvar(d, &a) < 0 || get_uvar(d, &b) < 0 || get_uvar(d, &c) < 0) return V_NULL;
        if (unzigzag(c) == 0) return unpickling_error(d, "range step is zero");
        Value v = V_OBJ(range_new(unzigzag(a), unzigzag(b), unzigzag(c)));
        if (mf) memo_push(d, v);
        return v;
    }
    default: break;
    }
    /* the values that nest */
    char here;
    if ((uintptr_t)&here < d->ts->c_stack_limit)
        return exc_raise(d->ts, &T_RecursionError, "maximum recursion depth exceeded while unpickling");
    switch (tag) {
    case P_TUPLE: return load_tuple(d, mf);
    case P_LIST: return load_list(d, mf);
    case P_DICT: return load_dict(d, mf);
    case P_SET: return load_set(d, mf);
    case P_GLOBAL: return load_global(d, mf);
    case P_INST: return load_inst(d, mf);
    case P_EXC: return load_exc(d, mf);
    case P_REDUCE: return load_reduce(d, mf);
    case P_METHOD: return load_method(d, mf);
    case P_SLICE: {
        Value a = load(d);
        if (IS_NULL(a)) return a;
        Value b = load(d);
        if (IS_NULL(b)) { v_decref(a); return b; }
        Value c = load(d);
        if (IS_NULL(c)) { v_decref(a); v_decref(b); return c; }
        Value v = V_OBJ(slice_new(a, b, c));
        v_decref(a);
        v_decref(b);
        v_decref(c);
        if (mf) memo_push(d, v);
        return v;
    }
    default: {
        uint8_t c = d->p[-1];
        if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
            return unpickling_error(d, "invalid load key, '%c'.", c);
        return unpickling_error(d, "invalid load key, '\\x%02x'.", c);
    }
    }
}

/* loads(data) -> object */
Value mp_loads(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "data", NULL };
    Value a[1];
    if (bi_parse_args(ts, "loads", args, nargs, kwnames, names, 1, 1, a) < 0) return V_NULL;
    if (!OBJ_IS(a[0], T_bytes))
        return exc_raise(ts, &T_TypeError, "a bytes-like object is required, not '%s'", obj_type_name(a[0]));
    Bytes *b = (Bytes *)AS_OBJ(a[0]);
    if (b->len == 0) return exc_raise(ts, &T_EOFError, "Ran out of input");
    Dec d;
    d.ts = ts;
    d.p = b->data;
    d.end = b->data + b->len;
    d.memo = d.smemo;
    d.nmemo = 0;
    d.capmemo = sizeof d.smemo / sizeof d.smemo[0];
    d.n_setstate = NULL;
    v_incref(a[0]);  /* user code run while loading must not free the data */
    Value r = load(&d);
    for (int64_t i = 0; i < d.nmemo; i++) v_decref(d.memo[i]);
    if (d.memo != d.smemo) free(d.memo);
    v_decref(a[0]);
    return r;
}

/* An exception class of module _pickle (as CPython names them), kept in our namespace. */
static Type *make_exc(ThreadState *ts, Obj *m, const char *name, Type *base) {
    Obj *ns = dict_new();
    dict_set_str(ns, NAME(__module__), V_OBJ(str_intern("_pickle")));
    Value t = class_new(ts, str_intern(name), base, ns);
    o_decref(ns);
    if (IS_NULL(t)) return NULL;
    module_add(m, name, t);
    v_decref(t);
    return AS_TYPE(t);
}

int mp_pickle_init(ThreadState *ts, Obj *m) {
    Type *pe = make_exc(ts, m, "PickleError", &T_Exception);
    if (!pe || !make_exc(ts, m, "PicklingError", pe) || !make_exc(ts, m, "UnpicklingError", pe)) return -1;
    return 0;
}
