/* object.h — the object model: the header every heap object starts with, type objects
 * with their slots, the layouts of the core built-in objects, and the generic object
 * protocol (obj_*). Conventions, as in CPython and QuickJS:
 *  - Functions returning Value return a NEW reference, or V_NULL with an exception
 *    pending in the thread state (ts->exc). Functions returning int return -1 on error
 *    (0/1 for predicates). Arguments are borrowed unless a comment says "steals".
 *  - obj_next returns V_NULL with no exception pending when an iterator is exhausted.
 *  - Refcounts change only while the thread holds the GIL; objects have no locks. */
#ifndef TINY_OBJECT_H
#define TINY_OBJECT_H

#include "value.h"
#include <stdio.h>

typedef struct ThreadState ThreadState;
typedef struct Type Type;

/* Refcount given to immortal objects: never reaches zero. */
#define IMMORTAL_REFCNT ((int64_t)1 << 60)

/* The header of every heap object: 24 bytes. gc_refs is scratch for the cycle collector;
 * alloc_class is the small-object size class of its memory plus one (0: calloc'ed,
 * see obj_alloc), with OBJ_GC_PREFIX set when a GCLink precedes the object: container objects
 * (type flag TF_GC) are allocated with those links, which chain them into the
 * interpreter's GC list; other objects (str, bytes, ...) carry none. */
typedef struct Obj {
    int64_t refcnt;
    Type *type;
    int32_t gc_refs;
    uint32_t alloc_class;
} Obj;

/* The GC list links of a container object, just before its header. */
typedef struct GCLink { struct GCLink *next, *prev; } GCLink;
#define OBJ_GC_PREFIX 0x80000000u
#define GC_LINK(o) ((GCLink *)(o) - 1)
#define GC_OBJ(l)  ((Obj *)((GCLink *)(l) + 1))

/* Frees an object whose refcount reached zero (calls its type's dealloc). */
void obj_free(Obj *o);

static inline void o_incref(Obj *o) { o->refcnt++; }
static inline void o_decref(Obj *o) { if (--o->refcnt == 0) obj_free(o); }
static inline void o_xdecref(Obj *o) { if (o) o_decref(o); }
static inline void v_incref(Value v) { if (v.tag == VT_OBJ) v.as.o->refcnt++; }
static inline void v_decref(Value v) { if (v.tag == VT_OBJ && --v.as.o->refcnt == 0) obj_free(v.as.o); }
/* Returns v with one more reference (for "return v_new(borrowed)"). */
static inline Value v_new(Value v) { v_incref(v); return v; }
/* Replaces *slot with v (steals v) and drops the old value. */
static inline void v_set(Value *slot, Value v) { Value old = *slot; *slot = v; v_decref(old); }

/* Comparison operators (COMPARE_OP operand, richcmp op). */
enum { CMP_LT, CMP_LE, CMP_EQ, CMP_NE, CMP_GT, CMP_GE };
/* x op y for two ints (op a CMP_*). */
static inline bool cmp_int(int op, int64_t x, int64_t y) {
    switch (op) {
    case CMP_LT: return x < y;
    case CMP_LE: return x <= y;
    case CMP_EQ: return x == y;
    case CMP_NE: return x != y;
    case CMP_GT: return x > y;
    default: return x >= y;
    }
}

/* x op y for two floats (op a CMP_*). */
static inline bool cmp_float(int op, double x, double y) {
    switch (op) {
    case CMP_LT: return x < y;
    case CMP_LE: return x <= y;
    case CMP_EQ: return x == y;
    case CMP_NE: return x != y;
    case CMP_GT: return x > y;
    default: return x >= y;
    }
}

/* Binary operators (BINARY_OP operand, binop op); same order as compiler/ast.h BinOp. */
enum { BINOP_ADD, BINOP_SUB, BINOP_MUL, BINOP_TRUEDIV, BINOP_FLOORDIV, BINOP_MOD, BINOP_POW,
       BINOP_LSHIFT, BINOP_RSHIFT, BINOP_AND, BINOP_OR, BINOP_XOR, BINOP_MATMUL, BINOP__COUNT };
/* Flag or'ed into a BINOP_* for augmented assignment (a += b). */
#define BINOP_INPLACE 0x10
/* Unary operators (unop slot). */
enum { UNOP_NEG, UNOP_POS, UNOP_INVERT };

/* Native function: args[0..nargs) positional, then len(kwnames) keyword values;
 * kwnames is a Tuple of interned Str, or NULL. For methods args[0] is self. */
typedef Value (*CFuncPtr)(ThreadState *ts, Value *args, int nargs, Obj *kwnames);

/* A native method of a built-in type or a function of a native module. */
typedef struct MethodDef {
    const char *name;
    CFuncPtr fn;
    int flags;           /* 0: instance method (args[0] is self); METH_CLASS; METH_STATIC */
} MethodDef;
enum { METH_CLASS = 1, METH_STATIC = 2 };

/* Type flags. */
enum {
    TF_GC = 1,        /* container: linked into the GC list, has traverse/clear */
    TF_HEAPTYPE = 2,  /* created by a class statement */
    TF_BASETYPE = 4,  /* may be subclassed */
    TF_HAS_DICT = 8,  /* instances start with an Instance layout (a __dict__) */
    TF_EXCEPTION = 16, /* BaseException or a subclass: instances have the Exc layout */
    TF_PLAIN = 32,     /* instances use the generic attribute protocol on their __dict__ */
    TF_INLINE = 64,    /* instances are InlineInstances (attributes in shared-key slots) */
    TF_GETATTRIBUTE = 128 /* a class defining __getattribute__: every lookup goes through getattr */
};

/* Visitor for GC traversal. */
typedef void (*VisitFn)(Value v, void *arg);

/* A type object. Built-in types are static, immortal instances of this struct;
 * classes are heap Types (TF_HEAPTYPE) whose slots dispatch to dunder methods.
 * A NULL slot means "not supported" (the obj_* function raises TypeError) unless
 * noted; slots are inherited from base when a heap type is created. */
struct Type {
    Obj hdr;
    const char *name;            /* e.g. "int", "ValueError", "Foo" */
    Type *base;                  /* layout base (__base__); NULL only for object */
    Obj *mro;                    /* heap types: Tuple, the MRO after the class itself; NULL: the base chain */
    Obj *bases;                  /* heap types: Tuple of the bases (__bases__); NULL: (base,) */
    Obj *slots;                  /* heap types with __slots__ (no __dict__): Tuple of the names instances may set */
    Obj *dict;                   /* Dict: methods and class attributes */
    Obj *name_obj;               /* Str: __name__ (interned) */
    Obj *qualname;               /* Str: __qualname__ (heap types) */
    Obj *module;                 /* Str: __module__ or NULL */
    uint32_t flags;
    size_t basicsize;            /* bytes to allocate for an instance */
    const MethodDef *methods;    /* native methods, installed into dict by type_ready */
    Obj **ikeys;                 /* TF_INLINE: attribute names of the instances' slots (owned) */
    uint32_t nikeys, ikeys_cap;  /* names in ikeys; room in ikeys */

    /* Constructor: type(args). NULL: "cannot create 'X' instances". */
    Value (*new_)(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames);
    /* Drops the references the object holds (not the memory; obj_free frees it). */
    void (*dealloc)(Obj *self);
    /* GC: visits every Value the object holds. */
    void (*traverse)(Obj *self, VisitFn visit, void *arg);
    /* GC: drops the references the object holds, leaving it valid but empty. */
    void (*clear)(Obj *self);

    Value (*repr)(ThreadState *ts, Value self);                /* NULL: <X object at 0x...> */
    Value (*str)(ThreadState *ts, Value self);                 /* NULL: repr */
    int64_t (*hash)(ThreadState *ts, Value self);              /* -1 on error; NULL: identity */
    Value (*richcmp)(ThreadState *ts, Value a, Value b, int op); /* may return NotImplemented; NULL: identity eq */
    Value (*getattr)(ThreadState *ts, Value self, Obj *name);  /* NULL: obj_generic_getattr */
    int (*setattr)(ThreadState *ts, Value self, Obj *name, Value v); /* v NULL deletes; NULL: generic */
    Value (*call)(ThreadState *ts, Value self, Value *args, int nargs, Obj *kwnames);
    Value (*iter)(ThreadState *ts, Value self);
    Value (*next)(ThreadState *ts, Value self);                /* V_NULL, no exception: exhausted */
    int64_t (*len)(ThreadState *ts, Value self);
    Value (*getitem)(ThreadState *ts, Value self, Value key);
    int (*setitem)(ThreadState *ts, Value self, Value key, Value v); /* v NULL deletes */
    int (*contains)(ThreadState *ts, Value self, Value item);  /* NULL: iterate and compare */
    int (*truthy)(ThreadState *ts, Value self);                /* NULL: len if any, else true */
    /* Arithmetic: called with the operands in their original order for a's type, then
     * (if NotImplemented) for b's type; a type checks which side it is on. */
    Value (*binop)(ThreadState *ts, Value a, Value b, int op);
    Value (*unop)(ThreadState *ts, Value a, int op);
};

/* ---- Layouts of the core objects ---- */

/* str: UTF-8 bytes, NUL-terminated; nchars code points; hash -1 until computed. */
typedef struct Str {
    Obj hdr;
    int64_t len;       /* bytes */
    int64_t nchars;    /* code points */
    int64_t hash;
    struct StrIndex *index; /* non-ASCII: offsets of every 32nd code point, built on demand */
    uint8_t ascii;     /* len == nchars */
    uint8_t interned;
    char data[];
} Str;

/* bytes. */
typedef struct Bytes { Obj hdr; int64_t len; int64_t hash; uint8_t data[]; } Bytes;

/* tuple. */
typedef struct Tuple { Obj hdr; int64_t len; Value items[]; } Tuple;

/* list. */
typedef struct List { Obj hdr; int64_t len, cap; Value *items; } List;

/* One dict entry; key VT_NULL marks a deleted entry. */
typedef struct DictEntry { int64_t hash; Value key; Value value; } DictEntry;

/* dict: compact, insertion-ordered (CPython's layout): an index table of
 * 2^log2size slots pointing into a dense entries array. */
typedef struct Dict {
    Obj hdr;
    int64_t used;        /* live entries */
    int64_t nentries;    /* entries used, deleted included */
    int64_t capacity;    /* entries allocated */
    uint8_t log2size;    /* index table size */
    void *indices;       /* int32_t (or int64_t for huge dicts) slots; -1 empty, -2 dummy */
    DictEntry *entries;
    uint64_t version;    /* bumped on every change (for iteration checks and caches) */
} Dict;

/* One set slot; key VT_NULL empty, dummy marked by hash == -1 with key VT_NONE... see set.c. */
typedef struct SetEntry { Value key; int64_t hash; } SetEntry;

/* set (CPython's open addressing algorithm, so small-int sets print in CPython's order). */
typedef struct Set {
    Obj hdr;
    int64_t fill, used, mask, finger;
    SetEntry *table;
    SetEntry smalltable[8];
} Set;

/* range. */
typedef struct Range { Obj hdr; int64_t start, stop, step, len; } Range;

/* slice. */
typedef struct Slice { Obj hdr; Value start, stop, step; } Slice;

/* A closure cell. */
typedef struct Cell { Obj hdr; Value v; } Cell;

/* A function defined in tiny code. */
typedef struct Func {
    Obj hdr;
    Obj *code;        /* Code */
    Obj *globals;     /* Dict */
    Obj *defaults;    /* Tuple or NULL */
    Obj *kwdefaults;  /* Dict or NULL */
    Obj *closure;     /* Tuple of Cell or NULL */
    Obj *name;        /* Str */
    Obj *qualname;    /* Str */
    Obj *dict;        /* Dict of function attributes, or NULL */
    Obj *module;      /* Str __module__ or NULL */
} Func;

/* A native function or an unbound native method (self NULL), or one bound to self. */
typedef struct CFunc {
    Obj hdr;
    const MethodDef *def;
    Value self;        /* V_NULL when unbound */
    Type *owner;       /* the type a method belongs to, or NULL */
    Obj *module;       /* Str module name, or NULL */
} CFunc;

/* A bound method: func with self as its first argument. */
typedef struct BoundMethod { Obj hdr; Value func; Value self; } BoundMethod;

/* staticmethod / classmethod wrappers. */
typedef struct Wrapper { Obj hdr; Value func; } Wrapper;

/* property. */
typedef struct Property { Obj hdr; Value fget, fset, fdel; } Property;

/* An instance of a class: attributes in a dict. Any type with TF_HAS_DICT starts so. */
typedef struct Instance { Obj hdr; Obj *dict; } Instance;

/* An instance of a TF_INLINE class (CPython 3.11's "inline values"). While dict is NULL
 * its attributes live in vals, slot i holding the attribute named type->ikeys[i]: the
 * class's shared key list, names in the order its instances first set them. The first
 * nset slots are set, in this instance's insertion order. Setting an attribute out of
 * that order, deleting one, or asking for __dict__ moves them into a dict for good. */
typedef struct InlineInstance { Instance in; uint32_t cap, nset; Value vals[]; } InlineInstance;

/* An exception instance (BaseException and subclasses, user ones included). */
typedef struct Exc {
    Obj hdr;
    Obj *dict;        /* Dict (attributes), created lazily */
    Obj *args;        /* Tuple */
    Obj *traceback;   /* Traceback chain (exc.h), outermost first, or NULL */
    Value cause;      /* __cause__ or V_NULL */
    Value context;    /* __context__ or V_NULL */
    uint8_t suppress_context;
} Exc;

/* A module. */
typedef struct Module { Obj hdr; Obj *dict; Obj *name; } Module;

/* ---- Built-in types (static, immortal) ---- */
extern Type T_object, T_type, T_NoneType, T_bool, T_int, T_float, T_str, T_bytes,
    T_tuple, T_list, T_dict, T_set, T_range, T_slice, T_cell, T_function, T_builtin,
    T_method, T_staticmethod, T_classmethod, T_property, T_module, T_code,
    T_generator, T_NotImplementedType, T_Ellipsis;
/* Exception types. */
extern Type T_BaseException, T_Exception, T_SystemExit, T_KeyboardInterrupt,
    T_GeneratorExit, T_StopIteration, T_ArithmeticError, T_ZeroDivisionError,
    T_OverflowError, T_AssertionError, T_AttributeError, T_LookupError, T_IndexError,
    T_KeyError, T_NameError, T_UnboundLocalError, T_TypeError, T_ValueError,
    T_UnicodeError, T_RuntimeError, T_RecursionError, T_NotImplementedError,
    T_ImportError, T_ModuleNotFoundError, T_MemoryError, T_OSError,
    T_FileNotFoundError, T_FileExistsError, T_PermissionError, T_IsADirectoryError,
    T_ChildProcessError, T_TimeoutError, T_InterruptedError, T_BrokenPipeError,
    T_ProcessLookupError, T_ConnectionError, T_ConnectionAbortedError, T_ConnectionRefusedError,
    T_ConnectionResetError, T_NotADirectoryError, T_BlockingIOError, T_UnicodeEncodeError,
    T_UnicodeDecodeError, T_UnicodeTranslateError,
    T_EOFError, T_SyntaxError, T_IndentationError, T_TabError, T_BufferError, T_Warning;

/* The NotImplemented singleton (immortal). */
extern Obj NotImplemented_obj;
#define V_NOTIMPL V_OBJ(&NotImplemented_obj)
#define IS_NOTIMPL(v) ((v).tag == VT_OBJ && (v).as.o == &NotImplemented_obj)
/* The Ellipsis singleton (immortal). */
extern Obj Ellipsis_obj;

/* ---- Allocation and type checks (object.c) ---- */

/* Allocates a zeroed object of size bytes with refcount 1 (links it for GC if TF_GC). */
Obj *obj_alloc(Type *type, size_t size);
/* The same for a variable-size object: NULL with MemoryError pending when size exceeds
 * obj_alloc_limit() or the memory is not there (obj_alloc aborts instead). */
Obj *obj_alloc_var(ThreadState *ts, Type *type, size_t size);
/* The largest size obj_alloc_var tries: the machine's RAM plus swap. */
size_t obj_alloc_limit(void);
/* obj_alloc that returns NULL, aborting nothing, when the memory cannot be had. */
Obj *obj_try_alloc(Type *type, size_t size);
/* Bytes usable from the start of o's header (at least the size it was allocated with). */
size_t obj_usable_size(Obj *o);
/* Makes an object immortal (never freed; not counted as a leak). */
void obj_immortalize(Obj *o);
/* The type of any value. */
Type *obj_type(Value v);
/* Whether a is b or a subclass of b (along its MRO). */
bool type_is_subtype(Type *a, Type *b);
/* Walks t's MRO after cur: start with cur = t, *i = 0; NULL past its end. */
Type *type_mro_next(Type *t, Type *cur, int64_t *i);
/* isinstance(v, t) for one type. */
bool obj_isinstance(Value v, Type *t);
/* Looks a name up in a type and its bases; borrowed, V_NULL if absent. */
Value type_lookup(Type *t, Obj *name);
/* Invalidates the type attribute cache (after a class namespace changed or a class died). */
void type_modified(void);
/* Fills in a static type: inherits slots from base, builds its dict from methods. */
void type_ready(Type *t);
/* A static type's name as a C string (for messages). */
const char *type_name(Type *t);
/* The type name of a value (for messages). */
const char *obj_type_name(Value v);

#define OBJ_IS(v, T)  ((v).tag == VT_OBJ && (v).as.o->type == &(T))
#define IS_STR(v)     OBJ_IS(v, T_str)
#define IS_LIST(v)    OBJ_IS(v, T_list)
#define IS_TUPLE(v)   OBJ_IS(v, T_tuple)
#define IS_DICT(v)    OBJ_IS(v, T_dict)
#define IS_TYPE(v)    ((v).tag == VT_OBJ && type_is_subtype((v).as.o->type, &T_type))
#define AS_STR(v)     ((Str *)(v).as.o)
#define AS_LIST(v)    ((List *)(v).as.o)
#define AS_TUPLE(v)   ((Tuple *)(v).as.o)
#define AS_DICT(v)    ((Dict *)(v).as.o)
#define AS_TYPE(v)    ((Type *)(v).as.o)

/* ---- The generic object protocol (object.c) ---- */

Value obj_repr(ThreadState *ts, Value v);       /* repr(v): a Str */
Value obj_str(ThreadState *ts, Value v);        /* str(v): a Str */
int64_t obj_hash(ThreadState *ts, Value v);     /* hash(v); -1 on error (TypeError: unhashable type) */
Value obj_richcmp(ThreadState *ts, Value a, Value b, int op); /* a op b, any result */
int obj_cmp(ThreadState *ts, Value a, Value b, int op);       /* bool(a op b): 1, 0, -1 */
int obj_eq(ThreadState *ts, Value a, Value b);  /* a == b: 1, 0, -1 (identity and fast paths first) */
int obj_truthy(ThreadState *ts, Value v);       /* bool(v): 1, 0, -1 */
Value obj_getattr(ThreadState *ts, Value v, Obj *name);  /* name: Str (interned is faster) */
Value obj_getattr_opt(ThreadState *ts, Value v, Obj *name); /* V_NULL without exception if AttributeError */
int obj_setattr(ThreadState *ts, Value v, Obj *name, Value val); /* val V_NULL deletes */
Value obj_generic_getattr(ThreadState *ts, Value v, Obj *name);  /* descriptors, instance dict, type */
int obj_generic_setattr(ThreadState *ts, Value v, Obj *name, Value val);
/* A user descriptor's __get__ (which 0), __set__ (1) or __delete__ (2) from its class; borrowed, V_NULL if none. */
Value obj_descr_method(Value attr, int which);
/* Whether a class attribute is a data descriptor (property, or __set__/__delete__). */
bool obj_is_data_descr(Value attr);
/* attr.__get__(obj, type) when attr's class has __get__, else attr itself (new reference). */
Value obj_descr_get(ThreadState *ts, Value attr, Value obj, Value type);
/* Finds a method for a call without binding: returns 1 with *meth = unbound function
 * (call it with self first), or 0 with *meth = the attribute itself; -1 on error. */
int obj_get_method(ThreadState *ts, Value v, Obj *name, Value *meth);
Value obj_call(ThreadState *ts, Value f, Value *args, int nargs, Obj *kwnames);
/* Calls v.name(args...). */
Value obj_call_method(ThreadState *ts, Value v, Obj *name, Value *args, int nargs);
/* Calls f with 0..3 positional arguments. */
Value obj_call0(ThreadState *ts, Value f);
Value obj_call1(ThreadState *ts, Value f, Value a);
Value obj_call2(ThreadState *ts, Value f, Value a, Value b);
Value obj_call3(ThreadState *ts, Value f, Value a, Value b, Value c);
/* Enters the recursive-repr guard of this thread: 1 if o is already being repr'd. */
int obj_repr_enter(ThreadState *ts, Obj *o);
/* Leaves the recursive-repr guard for o. */
void obj_repr_leave(ThreadState *ts, Obj *o);
/* The iter slot of iterators: iter(it) is it. */
Value obj_iter_self(ThreadState *ts, Value self);
Value obj_iter(ThreadState *ts, Value v);
Value obj_next(ThreadState *ts, Value it);      /* V_NULL and no exception: exhausted */
int64_t obj_len(ThreadState *ts, Value v);      /* -1 on error */
Value obj_getitem(ThreadState *ts, Value v, Value key);
int obj_setitem(ThreadState *ts, Value v, Value key, Value val); /* val V_NULL deletes */
int obj_contains(ThreadState *ts, Value container, Value item);  /* 1, 0, -1 */
Value obj_binop(ThreadState *ts, Value a, Value b, int op);      /* op may carry BINOP_INPLACE */
Value obj_unop(ThreadState *ts, Value a, int op);
/* Collects any iterable into a new List. */
Value obj_to_list(ThreadState *ts, Value iterable);
/* Collects any iterable into a new Tuple (returns the same tuple if it is one). */
Value obj_to_tuple(ThreadState *ts, Value iterable);
/* Converts an int-like (int, bool, or an object with __index__) to int64; -1 with exception set on error (check ts). */
int obj_as_index(ThreadState *ts, Value v, int64_t *out);
/* Writes str(v) to a FILE (used by print fast path and tracebacks); -1 on error. */
int obj_print(ThreadState *ts, Value v, FILE *fp, bool use_repr);

#endif
