/* exc.c — exception types and instances, raising and matching, tracebacks and
 * their printing in CPython 3.11's layout. */
#include "exc.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "state.h"
#include "code.h"
#include "args.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#define EXC(v) ((Exc *)(v).as.o)
#define TB_LIMIT 1000          /* sys.tracebacklimit default */
#define TB_RECURSIVE_CUTOFF 3  /* identical lines printed before collapsing */

/* ---- helpers ---- */

/* The name of a type as a C string (heap types included). */
static const char *tname(Type *t)
{
    return t->name_obj ? STR_DATA(t->name_obj) : t->name;
}

/* The args tuple of an exception (never NULL after construction). */
static Tuple *exc_args(Exc *e)
{
    return (Tuple *)(e->args ? e->args : tuple_empty());
}

/* Borrowed attribute from an exception's dict, V_NULL if absent. */
static Value exc_dict_get(Exc *e, const char *key)
{
    if (!e->dict) return V_NULL;
    return dict_get_cstr(e->dict, key);
}

/* Sets an attribute in an exception's dict, creating it. */
static void exc_dict_set(Exc *e, const char *key, Value v)
{
    if (!e->dict) e->dict = dict_new();
    dict_set_cstr(e->dict, key, v);
}

/* Whether an exception type takes keyword arguments name/path (ImportError family). */
static bool is_import_error(Type *t)
{
    return type_is_subtype(t, &T_ImportError);
}

/* Stores args into an exception, applying the type-specific rules (OSError, ImportError). */
static int exc_store_args(ThreadState *ts, Exc *e, Value *args, int nargs, Obj *kwnames)
{
    Type *t = e->hdr.type;
    int nkw = kwnames ? (int)((Tuple *)kwnames)->len : 0;
    if (nkw) {
        if (!is_import_error(t))
            return exc_raise(ts, &T_TypeError, "%s() takes no keyword arguments", tname(t)), -1;
        for (int i = 0; i < nkw; i++) {
            Obj *k = AS_OBJ(((Tuple *)kwnames)->items[i]);
            if (!str_eq_cstr(k, "name") && !str_eq_cstr(k, "path"))
                return exc_raise(ts, &T_TypeError, "'%s' is an invalid keyword argument for %s()",
                                 STR_DATA(k), tname(t)), -1;
            exc_dict_set(e, STR_DATA(k), args[nargs + i]);
        }
    }
    int keep = nargs;
    if (type_is_subtype(t, &T_OSError) && nargs >= 2 && nargs <= 5) {
        keep = 2;
        if (nargs >= 3) exc_dict_set(e, "filename", args[2]);
    }
    Obj *old = e->args;
    e->args = tuple_from_array(args, keep);
    o_xdecref(old);
    return 0;
}

/* The OSError subclass for an errno value. */
static Type *errno_type(int64_t err)
{
    switch (err) {
    case ENOENT: return &T_FileNotFoundError;
    case EEXIST: return &T_FileExistsError;
    case EACCES: case EPERM: return &T_PermissionError;
    case EISDIR: return &T_IsADirectoryError;
    case ECHILD: return &T_ChildProcessError;
    case ETIMEDOUT: return &T_TimeoutError;
    case EINTR: return &T_InterruptedError;
    case EPIPE: return &T_BrokenPipeError;
    case ESRCH: return &T_ProcessLookupError;
    case ECONNABORTED: return &T_ConnectionAbortedError;
    case ECONNREFUSED: return &T_ConnectionRefusedError;
    case ECONNRESET: return &T_ConnectionResetError;
    case ENOTDIR: return &T_NotADirectoryError;
    case EAGAIN: case EALREADY: case EINPROGRESS: return &T_BlockingIOError;
    default: return &T_OSError;
    }
}

/* ---- type slots ---- */

/* Whether a class (or a class between it and the built-in base) defines __init__. */
static bool has_heap_init(Type *t)
{
    for (; t && (t->flags & TF_HEAPTYPE); t = t->base)
        if (t->dict && !IS_NULL(dict_get_str(t->dict, NAME(__init__)))) return true;
    return false;
}

static Value exc_type_new(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames)
{
    if (type == &T_OSError && nargs >= 2 && IS_INT(args[0])) type = errno_type(args[0].as.i);
    size_t size = type->basicsize > sizeof(Exc) ? type->basicsize : sizeof(Exc);
    Exc *e = (Exc *)obj_alloc(type, size);
    /* Heap subclasses may take keywords in their own __init__: ignore them here. */
    if (exc_store_args(ts, e, args, nargs, has_heap_init(type) ? NULL : kwnames) < 0) {
        o_decref(&e->hdr);
        return V_NULL;
    }
    return V_OBJ(e);
}

static void exc_dealloc(Obj *self)
{
    Exc *e = (Exc *)self;
    o_xdecref(e->dict);
    o_xdecref(e->args);
    o_xdecref(e->traceback);
    v_decref(e->cause);
    v_decref(e->context);
}

static void exc_traverse(Obj *self, VisitFn visit, void *arg)
{
    Exc *e = (Exc *)self;
    if (e->dict) visit(V_OBJ(e->dict), arg);
    if (e->args) visit(V_OBJ(e->args), arg);
    if (e->traceback) visit(V_OBJ(e->traceback), arg);
    visit(e->cause, arg);
    visit(e->context, arg);
}

static void exc_clear_slot(Obj *self)
{
    Exc *e = (Exc *)self;
    Obj *d = e->dict, *a = e->args, *tb = e->traceback;
    Value c = e->cause, x = e->context;
    e->dict = e->args = e->traceback = NULL;
    e->cause = e->context = V_NULL;
    o_xdecref(d);
    o_xdecref(a);
    o_xdecref(tb);
    v_decref(c);
    v_decref(x);
}

static Value base_str(ThreadState *ts, Value self)
{
    Tuple *a = exc_args(EXC(self));
    if (a->len == 0) return V_OBJ(str_intern(""));
    if (a->len == 1) return obj_str(ts, a->items[0]);
    return obj_str(ts, V_OBJ(a));
}

static Value keyerror_str(ThreadState *ts, Value self)
{
    Tuple *a = exc_args(EXC(self));
    if (a->len == 1) return obj_repr(ts, a->items[0]);
    return base_str(ts, self);
}

static Value oserror_str(ThreadState *ts, Value self)
{
    Exc *e = EXC(self);
    Tuple *a = exc_args(e);
    Value fn = exc_dict_get(e, "filename");
    if (a->len == 2) {
        StrBuf b;
        sb_init(&b);
        sb_puts(&b, "[Errno ");
        if (sb_put_value(ts, &b, a->items[0], false) < 0) goto fail;
        sb_puts(&b, "] ");
        if (sb_put_value(ts, &b, a->items[1], false) < 0) goto fail;
        if (!IS_NULL(fn) && !IS_NONE(fn)) {
            sb_puts(&b, ": ");
            if (sb_put_value(ts, &b, fn, true) < 0) goto fail;
        }
        return V_OBJ(sb_finish(&b));
    fail:
        sb_free(&b);
        return V_NULL;
    }
    return base_str(ts, self);
}

/* SyntaxError's details tuple (args[1]) when well formed, else NULL. */
static Tuple *syntax_info(Exc *e)
{
    Tuple *a = exc_args(e);
    if (a->len == 2 && IS_TUPLE(a->items[1]) && AS_TUPLE(a->items[1])->len >= 4)
        return AS_TUPLE(a->items[1]);
    return NULL;
}

/* A SyntaxError field: msg, filename, lineno, offset, text, end_lineno, end_offset. */
static Value syntax_field(Exc *e, int idx)
{
    static const char *const names[] = { "msg", "filename", "lineno", "offset", "text",
                                         "end_lineno", "end_offset" };
    Value v = exc_dict_get(e, names[idx]);
    if (!IS_NULL(v)) return v;
    if (idx == 0) {
        Tuple *a = exc_args(e);
        return a->len >= 1 ? a->items[0] : V_NONE;
    }
    Tuple *info = syntax_info(e);
    if (!info || idx - 1 >= info->len) return V_NONE;
    return info->items[idx - 1];
}

static Value syntaxerror_str(ThreadState *ts, Value self)
{
    Exc *e = EXC(self);
    Value msg = syntax_field(e, 0), fn = syntax_field(e, 1), ln = syntax_field(e, 2);
    const char *base = NULL;
    if (IS_STR(fn)) {
        base = strrchr(STR_DATA(fn.as.o), '/');
        base = base ? base + 1 : STR_DATA(fn.as.o);
    }
    bool have_line = IS_INT(ln);
    if (!base && !have_line) return obj_str(ts, msg);
    StrBuf b;
    sb_init(&b);
    if (sb_put_value(ts, &b, msg, false) < 0) { sb_free(&b); return V_NULL; }
    if (base && have_line) sb_printf(&b, " (%s, line %lld)", base, (long long)ln.as.i);
    else if (base) sb_printf(&b, " (%s)", base);
    else sb_printf(&b, " (line %lld)", (long long)ln.as.i);
    return V_OBJ(sb_finish(&b));
}

static Value exc_repr(ThreadState *ts, Value self)
{
    Tuple *a = exc_args(EXC(self));
    StrBuf b;
    sb_init(&b);
    sb_puts(&b, tname(obj_type(self)));
    int r;
    if (a->len == 1) {
        sb_putc(&b, '(');
        r = sb_put_value(ts, &b, a->items[0], true);
        sb_putc(&b, ')');
    } else {
        r = sb_put_value(ts, &b, V_OBJ(a), true);
    }
    if (r < 0) { sb_free(&b); return V_NULL; }
    return V_OBJ(sb_finish(&b));
}

static Value exc_getattr(ThreadState *ts, Value self, Obj *name)
{
    Exc *e = EXC(self);
    Type *t = obj_type(self);
    const char *n = STR_DATA(name);
    if (n[0] == '_' && n[1] == '_') {
        if (name == NAME(__cause__) || str_eq_cstr(name, "__cause__"))
            return IS_NULL(e->cause) ? V_NONE : v_new(e->cause);
        if (name == NAME(__context__) || str_eq_cstr(name, "__context__"))
            return IS_NULL(e->context) ? V_NONE : v_new(e->context);
        if (name == NAME(__suppress_context__) || str_eq_cstr(name, "__suppress_context__"))
            return V_BOOL(e->suppress_context);
        if (name == NAME(__traceback__) || str_eq_cstr(name, "__traceback__"))
            return e->traceback ? v_new(V_OBJ(e->traceback)) : V_NONE;
        return obj_generic_getattr(ts, self, name);
    }
    if (name == NAME(args) || str_eq_cstr(name, "args")) return v_new(V_OBJ(exc_args(e)));
    Value own = e->dict ? dict_get_str(e->dict, name) : V_NULL;
    if (!IS_NULL(own)) return v_new(own);
    Tuple *a = exc_args(e);
    if (type_is_subtype(t, &T_StopIteration) && str_eq_cstr(name, "value"))
        return a->len >= 1 ? v_new(a->items[0]) : V_NONE;
    if (type_is_subtype(t, &T_SystemExit) && str_eq_cstr(name, "code"))
        return a->len == 0 ? V_NONE : a->len == 1 ? v_new(a->items[0]) : v_new(V_OBJ(a));
    if (type_is_subtype(t, &T_OSError)) {
        if (str_eq_cstr(name, "errno")) return a->len == 2 ? v_new(a->items[0]) : V_NONE;
        if (str_eq_cstr(name, "strerror")) return a->len == 2 ? v_new(a->items[1]) : V_NONE;
        if (str_eq_cstr(name, "filename") || str_eq_cstr(name, "filename2")) return V_NONE;
    }
    if (type_is_subtype(t, &T_SyntaxError)) {
        static const char *const names[] = { "msg", "filename", "lineno", "offset", "text",
                                             "end_lineno", "end_offset", "print_file_and_line" };
        for (int i = 0; i < 8; i++)
            if (str_eq_cstr(name, names[i])) return i == 7 ? V_NONE : v_new(syntax_field(e, i));
    }
    if (type_is_subtype(t, &T_ImportError)) {
        if (str_eq_cstr(name, "msg")) return a->len == 1 ? v_new(a->items[0]) : V_NONE;
        if (str_eq_cstr(name, "name") || str_eq_cstr(name, "path")) return V_NONE;
    }
    return obj_generic_getattr(ts, self, name);
}

static int exc_setattr(ThreadState *ts, Value self, Obj *name, Value v)
{
    Exc *e = EXC(self);
    if (name == NAME(args) || str_eq_cstr(name, "args")) {
        if (IS_NULL(v)) return exc_raise(ts, &T_TypeError, "args may not be deleted"), -1;
        Value t = obj_to_tuple(ts, v);
        if (IS_NULL(t)) return -1;
        Obj *old = e->args;
        e->args = t.as.o;
        o_xdecref(old);
        return 0;
    }
    bool is_cause = name == NAME(__cause__) || str_eq_cstr(name, "__cause__");
    if (is_cause || name == NAME(__context__) || str_eq_cstr(name, "__context__")) {
        if (IS_NULL(v)) return exc_raise(ts, &T_TypeError, "%s may not be deleted", STR_DATA(name)), -1;
        if (!IS_NONE(v) && !obj_isinstance(v, &T_BaseException))
            return exc_raise(ts, &T_TypeError, "exception %s must be None or derive from BaseException",
                             is_cause ? "cause" : "context"), -1;
        v_incref(v);
        if (is_cause) {
            v_set(&e->cause, IS_NONE(v) ? V_NULL : v);
            e->suppress_context = 1;
        } else {
            v_set(&e->context, IS_NONE(v) ? V_NULL : v);
        }
        return 0;
    }
    if (name == NAME(__suppress_context__) || str_eq_cstr(name, "__suppress_context__")) {
        int t = IS_NULL(v) ? 0 : obj_truthy(ts, v);
        if (t < 0) return -1;
        e->suppress_context = (uint8_t)t;
        return 0;
    }
    if (name == NAME(__traceback__) || str_eq_cstr(name, "__traceback__")) {
        if (IS_NULL(v)) return exc_raise(ts, &T_TypeError, "__traceback__ may not be deleted"), -1;
        if (!IS_NONE(v) && !OBJ_IS(v, T_traceback))
            return exc_raise(ts, &T_TypeError, "__traceback__ must be a traceback or None"), -1;
        Obj *old = e->traceback;
        e->traceback = IS_NONE(v) ? NULL : v.as.o;
        if (e->traceback) o_incref(e->traceback);
        o_xdecref(old);
        return 0;
    }
    if (!e->dict) e->dict = dict_new();
    return obj_generic_setattr(ts, self, name, v);
}

/* ---- methods ---- */

/* The nearest static (built-in) type in v's ancestry. */
static Type *static_base(Value v)
{
    Type *t = obj_type(v);
    while (t && (t->flags & TF_HEAPTYPE)) t = t->base;
    return t ? t : &T_BaseException;
}

/* Checks that args[0] is an exception (method self). */
static int check_self(ThreadState *ts, const char *fname, Value *args, int nargs)
{
    if (nargs < 1 || !obj_isinstance(args[0], &T_BaseException))
        return exc_raise(ts, &T_TypeError, "descriptor '%s' requires a 'BaseException' object", fname), -1;
    return 0;
}

static Value m_init(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (check_self(ts, "__init__", args, nargs) < 0) return V_NULL;
    if (exc_store_args(ts, EXC(args[0]), args + 1, nargs - 1, kwnames) < 0) return V_NULL;
    return V_NONE;
}

static Value m_str(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (check_self(ts, "__str__", args, nargs) < 0) return V_NULL;
    if (arg_count(ts, "__str__", nargs, kwnames, 1, 1) < 0) return V_NULL;
    Type *t = static_base(args[0]);
    return t->str ? t->str(ts, args[0]) : base_str(ts, args[0]);
}

static Value m_repr(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (check_self(ts, "__repr__", args, nargs) < 0) return V_NULL;
    if (arg_count(ts, "__repr__", nargs, kwnames, 1, 1) < 0) return V_NULL;
    return exc_repr(ts, args[0]);
}

static Value m_with_traceback(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (check_self(ts, "with_traceback", args, nargs) < 0) return V_NULL;
    if (arg_count(ts, "with_traceback", nargs, kwnames, 2, 2) < 0) return V_NULL;
    if (exc_setattr(ts, args[0], NAME(__traceback__), args[1]) < 0) return V_NULL;
    return v_new(args[0]);
}

static const MethodDef exc_methods[] = {
    { "__init__", m_init, 0 },
    { "__str__", m_str, 0 },
    { "__repr__", m_repr, 0 },
    { "with_traceback", m_with_traceback, 0 },
    { NULL, NULL, 0 }
};

/* ---- the types ---- */

#define EXC_TYPE(NAME, BASE, STR, METHODS) \
    Type T_##NAME = { \
        .name = #NAME, .base = BASE, \
        .flags = TF_EXCEPTION | TF_BASETYPE | TF_HAS_DICT | TF_GC, \
        .basicsize = sizeof(Exc), .methods = METHODS, \
        .new_ = exc_type_new, .dealloc = exc_dealloc, .traverse = exc_traverse, \
        .clear = exc_clear_slot, .repr = exc_repr, .str = STR, \
        .getattr = exc_getattr, .setattr = exc_setattr, \
    };

EXC_TYPE(BaseException, &T_object, base_str, exc_methods)
EXC_TYPE(SystemExit, &T_BaseException, base_str, NULL)
EXC_TYPE(KeyboardInterrupt, &T_BaseException, base_str, NULL)
EXC_TYPE(GeneratorExit, &T_BaseException, base_str, NULL)
EXC_TYPE(Exception, &T_BaseException, base_str, NULL)
EXC_TYPE(StopIteration, &T_Exception, base_str, NULL)
EXC_TYPE(ArithmeticError, &T_Exception, base_str, NULL)
EXC_TYPE(ZeroDivisionError, &T_ArithmeticError, base_str, NULL)
EXC_TYPE(OverflowError, &T_ArithmeticError, base_str, NULL)
EXC_TYPE(AssertionError, &T_Exception, base_str, NULL)
EXC_TYPE(AttributeError, &T_Exception, base_str, NULL)
EXC_TYPE(LookupError, &T_Exception, base_str, NULL)
EXC_TYPE(IndexError, &T_LookupError, base_str, NULL)
EXC_TYPE(KeyError, &T_LookupError, keyerror_str, NULL)
EXC_TYPE(NameError, &T_Exception, base_str, NULL)
EXC_TYPE(UnboundLocalError, &T_NameError, base_str, NULL)
EXC_TYPE(TypeError, &T_Exception, base_str, NULL)
EXC_TYPE(ValueError, &T_Exception, base_str, NULL)
EXC_TYPE(UnicodeError, &T_ValueError, base_str, NULL)
EXC_TYPE(RuntimeError, &T_Exception, base_str, NULL)
EXC_TYPE(RecursionError, &T_RuntimeError, base_str, NULL)
EXC_TYPE(NotImplementedError, &T_RuntimeError, base_str, NULL)
EXC_TYPE(ImportError, &T_Exception, base_str, NULL)
EXC_TYPE(ModuleNotFoundError, &T_ImportError, base_str, NULL)
EXC_TYPE(MemoryError, &T_Exception, base_str, NULL)
EXC_TYPE(OSError, &T_Exception, oserror_str, NULL)
EXC_TYPE(FileNotFoundError, &T_OSError, oserror_str, NULL)
EXC_TYPE(FileExistsError, &T_OSError, oserror_str, NULL)
EXC_TYPE(PermissionError, &T_OSError, oserror_str, NULL)
EXC_TYPE(IsADirectoryError, &T_OSError, oserror_str, NULL)
EXC_TYPE(ChildProcessError, &T_OSError, oserror_str, NULL)
EXC_TYPE(TimeoutError, &T_OSError, oserror_str, NULL)
EXC_TYPE(InterruptedError, &T_OSError, oserror_str, NULL)
EXC_TYPE(ConnectionError, &T_OSError, oserror_str, NULL)
EXC_TYPE(BrokenPipeError, &T_ConnectionError, oserror_str, NULL)
EXC_TYPE(ConnectionAbortedError, &T_ConnectionError, oserror_str, NULL)
EXC_TYPE(ConnectionRefusedError, &T_ConnectionError, oserror_str, NULL)
EXC_TYPE(ConnectionResetError, &T_ConnectionError, oserror_str, NULL)
EXC_TYPE(ProcessLookupError, &T_OSError, oserror_str, NULL)
EXC_TYPE(NotADirectoryError, &T_OSError, oserror_str, NULL)
EXC_TYPE(BlockingIOError, &T_OSError, oserror_str, NULL)
EXC_TYPE(UnicodeEncodeError, &T_UnicodeError, base_str, NULL)
EXC_TYPE(UnicodeDecodeError, &T_UnicodeError, base_str, NULL)
EXC_TYPE(UnicodeTranslateError, &T_UnicodeError, base_str, NULL)
EXC_TYPE(EOFError, &T_Exception, base_str, NULL)
EXC_TYPE(SyntaxError, &T_Exception, syntaxerror_str, NULL)
EXC_TYPE(IndentationError, &T_SyntaxError, syntaxerror_str, NULL)
EXC_TYPE(TabError, &T_IndentationError, syntaxerror_str, NULL)
EXC_TYPE(BufferError, &T_Exception, base_str, NULL)
EXC_TYPE(Warning, &T_Exception, base_str, NULL)

/* Every exception type, bases before subclasses. */
static Type *const all_exc_types[] = {
    &T_BaseException, &T_SystemExit, &T_KeyboardInterrupt, &T_GeneratorExit, &T_Exception,
    &T_StopIteration, &T_ArithmeticError, &T_ZeroDivisionError, &T_OverflowError,
    &T_AssertionError, &T_AttributeError, &T_LookupError, &T_IndexError, &T_KeyError,
    &T_NameError, &T_UnboundLocalError, &T_TypeError, &T_ValueError, &T_UnicodeError,
    &T_RuntimeError, &T_RecursionError, &T_NotImplementedError, &T_ImportError,
    &T_ModuleNotFoundError, &T_MemoryError, &T_OSError, &T_FileNotFoundError,
    &T_FileExistsError, &T_PermissionError, &T_IsADirectoryError, &T_ChildProcessError,
    &T_TimeoutError, &T_InterruptedError, &T_ConnectionError, &T_BrokenPipeError,
    &T_ConnectionAbortedError, &T_ConnectionRefusedError, &T_ConnectionResetError,
    &T_ProcessLookupError, &T_NotADirectoryError, &T_BlockingIOError, &T_UnicodeEncodeError,
    &T_UnicodeDecodeError, &T_UnicodeTranslateError, &T_EOFError, &T_SyntaxError,
    &T_IndentationError, &T_TabError, &T_BufferError, &T_Warning, NULL
};

void exc_init(void)
{
    for (int i = 0; all_exc_types[i]; i++) type_ready(all_exc_types[i]);
    type_ready(&T_traceback);
}

/* ---- raising ---- */

/* Sets exc.__context__ to the exception being handled (breaking cycles), as CPython. */
static void set_context(ThreadState *ts, Value exc)
{
    Value info = ts->exc_info;
    if (!IS_OBJ(info) || !IS_OBJ(exc) || info.as.o == exc.as.o) return;
    if (!obj_isinstance(info, &T_BaseException) || !obj_isinstance(exc, &T_BaseException)) return;
    /* Avoid a cycle: cut exc out of info's context chain. */
    Exc *o = EXC(info);
    for (int guard = 0; guard < 10000; guard++) {
        Value c = o->context;
        if (!IS_OBJ(c)) break;
        if (c.as.o == exc.as.o) {
            o->context = V_NULL;
            v_decref(c);
            break;
        }
        o = EXC(c);
    }
    v_set(&EXC(exc)->context, v_new(info));
}

void exc_set(ThreadState *ts, Value exc)
{
    Value old = ts->exc;
    ts->exc = exc;
    v_decref(old);
}

Value exc_fetch(ThreadState *ts)
{
    Value v = ts->exc;
    ts->exc = V_NULL;
    return v;
}

void exc_clear(ThreadState *ts)
{
    exc_set(ts, V_NULL);
}

bool exc_matches(ThreadState *ts, Type *t)
{
    return !IS_NULL(ts->exc) && obj_isinstance(ts->exc, t);
}

/* Whether spec is an exception class (for except clauses). */
static bool is_exc_class(Value spec)
{
    return IS_TYPE(spec) && type_is_subtype(AS_TYPE(spec), &T_BaseException);
}

int exc_match_spec(ThreadState *ts, Value exc, Value spec)
{
    if (IS_TUPLE(spec)) {
        Tuple *t = AS_TUPLE(spec);
        for (int64_t i = 0; i < t->len; i++)
            if (!is_exc_class(t->items[i])) goto bad;
        for (int64_t i = 0; i < t->len; i++)
            if (obj_isinstance(exc, AS_TYPE(t->items[i]))) return 1;
        return 0;
    }
    if (is_exc_class(spec)) return obj_isinstance(exc, AS_TYPE(spec));
bad:
    exc_raise(ts, &T_TypeError, "catching classes that do not inherit from BaseException is not allowed");
    return -1;
}

Value exc_new(ThreadState *ts, Type *t, Value *args, int nargs)
{
    if (t->flags & TF_HEAPTYPE) return obj_call(ts, V_OBJ(t), args, nargs, NULL);
    return exc_type_new(ts, t, args, nargs, NULL);
}

/* Raises a new exception instance (steals it), setting its context. */
static Value raise_steal(ThreadState *ts, Value exc)
{
    set_context(ts, exc);
    exc_set(ts, exc);
    return V_NULL;
}

Value exc_raise(ThreadState *ts, Type *t, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    Obj *msg;
    if (n < 0) {
        msg = str_from_cstr("");
    } else if ((size_t)n < sizeof small) {
        msg = str_new(small, n);
    } else {
        char *big = malloc((size_t)n + 1);
        if (!big) abort();
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        msg = str_new(big, n);
        free(big);
    }
    Value arg = V_OBJ(msg);
    Value e = exc_new(ts, t, &arg, 1);
    o_decref(msg);
    if (IS_NULL(e)) return V_NULL;
    return raise_steal(ts, e);
}

Value exc_raise_value(ThreadState *ts, Type *t, Value arg)
{
    Value e = exc_new(ts, t, &arg, 1);
    if (IS_NULL(e)) return V_NULL;
    return raise_steal(ts, e);
}

Value exc_raise_obj(ThreadState *ts, Value v)
{
    if (IS_TYPE(v) && type_is_subtype(AS_TYPE(v), &T_BaseException)) {
        Value inst = obj_call0(ts, v);
        if (IS_NULL(inst)) return V_NULL;
        if (!obj_isinstance(inst, &T_BaseException)) {
            exc_raise(ts, &T_TypeError,
                      "calling %s should have returned an instance of BaseException, not %s",
                      tname(AS_TYPE(v)), obj_type_name(inst));
            v_decref(inst);
            return V_NULL;
        }
        return raise_steal(ts, inst);
    }
    if (obj_isinstance(v, &T_BaseException)) return raise_steal(ts, v_new(v));
    return exc_raise(ts, &T_TypeError, "exceptions must derive from BaseException");
}

Value exc_raise_errno(ThreadState *ts, int err, const char *filename)
{
    Value args[3] = { V_INT(err), V_OBJ(str_from_cstr(strerror(err))), V_NONE };
    int n = 2;
    if (filename) { args[2] = V_OBJ(str_from_cstr(filename)); n = 3; }
    Value e = exc_type_new(ts, &T_OSError, args, n, NULL);
    v_decref(args[1]);
    v_decref(args[2]);
    if (IS_NULL(e)) return V_NULL;
    return raise_steal(ts, e);
}

Value exc_syntax_error(ThreadState *ts, Type *t, const char *msg, Obj *filename,
                       int line, int col, const char *text)
{
    Value fn = filename ? V_OBJ(filename) : V_NONE;
    Value tx = text ? V_OBJ(str_from_cstr(text)) : V_NONE;
    Obj *info = tuple_pack(4, fn, V_INT(line), V_INT(col + 1), tx);
    v_decref(tx);
    Value args[2] = { V_OBJ(str_from_cstr(msg)), V_OBJ(info) };
    Value e = exc_new(ts, t ? t : &T_SyntaxError, args, 2);
    v_decref(args[0]);
    v_decref(args[1]);
    if (IS_NULL(e)) return V_NULL;
    return raise_steal(ts, e);
}

/* ---- tracebacks ---- */

void exc_add_traceback(ThreadState *ts, Value exc, Obj *code, int line)
{
    (void)ts;
    if (!obj_isinstance(exc, &T_BaseException)) return;
    Exc *e = EXC(exc);
    Traceback *tb = (Traceback *)obj_alloc(&T_traceback, sizeof(Traceback));
    tb->next = e->traceback;  /* the reference moves to the new head */
    tb->code = code;
    o_incref(code);
    tb->line = line;
    e->traceback = &tb->hdr;
}

static void tb_dealloc(Obj *self)
{
    Traceback *tb = (Traceback *)self;
    o_decref(tb->code);
    o_xdecref(tb->next);
}

static Value tb_getattr(ThreadState *ts, Value self, Obj *name)
{
    Traceback *tb = (Traceback *)AS_OBJ(self);
    if (str_eq_cstr(name, "tb_next")) return tb->next ? v_new(V_OBJ(tb->next)) : V_NONE;
    if (str_eq_cstr(name, "tb_lineno")) return V_INT(tb->line);
    return obj_generic_getattr(ts, self, name);
}

/* Traceback entries hold only code objects and entries: no cycles, so no GC. */
Type T_traceback = { .name = "traceback", .basicsize = sizeof(Traceback), .dealloc = tb_dealloc,
                     .getattr = tb_getattr };

void exc_register_source(Obj *filename, Obj *source)
{
    if (!the_interp.sources) the_interp.sources = dict_new();
    dict_set_str(the_interp.sources, filename, V_OBJ(source));
}

/* Copies line `lineno` (1-based) of text[0..len) stripped of surrounding whitespace
 * into a malloc'ed string; NULL if there is no such line. */
static char *nth_line(const char *text, int64_t len, int lineno)
{
    const char *p = text, *end = text + len;
    for (int i = 1; i < lineno && p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return NULL;
        p = nl + 1;
    }
    if (p >= end || lineno < 1) return NULL;
    const char *q = memchr(p, '\n', (size_t)(end - p));
    if (!q) q = end;
    while (p < q && (*p == ' ' || *p == '\t' || *p == '\f')) p++;
    while (q > p && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\r' || q[-1] == '\f' || q[-1] == '\n')) q--;
    char *r = malloc((size_t)(q - p) + 1);
    if (!r) return NULL;
    memcpy(r, p, (size_t)(q - p));
    r[q - p] = 0;
    return r;
}

/* The stripped source line of a file (registered source or the file on disk). */
static char *source_line(Obj *filename, int lineno)
{
    if (!filename) return NULL;
    if (the_interp.sources) {
        Value src = dict_get_str(the_interp.sources, filename);
        if (IS_STR(src)) return nth_line(AS_STR(src)->data, AS_STR(src)->len, lineno);
    }
    if (STR_DATA(filename)[0] == '<') return NULL;
    FILE *f = fopen(STR_DATA(filename), "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t cap = 0, len = 0;
    int line = 1;
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (line == lineno) {
            if (len + 2 > cap) {
                cap = cap ? cap * 2 : 128;
                char *nb = realloc(buf, cap);
                if (!nb) break;
                buf = nb;
            }
            buf[len++] = (char)c;
        }
        if (c == '\n' && ++line > lineno) break;
    }
    fclose(f);
    if (!buf) return NULL;
    char *r = nth_line(buf, (int64_t)len, 1);
    free(buf);
    return r;
}

/* Prints "  [Previous line repeated N more times]". */
static void print_repeated(FILE *out, long cnt)
{
    cnt -= TB_RECURSIVE_CUTOFF;
    fprintf(out, "  [Previous line repeated %ld more time%s]\n", cnt, cnt > 1 ? "s" : "");
}

/* Prints the traceback entries of an exception (CPython's tb_printinternal). */
static void print_tb(Traceback *head, FILE *out)
{
    fputs("Traceback (most recent call last):\n", out);
    int64_t n = 0;
    for (Traceback *t = head; t; t = (Traceback *)t->next) n++;
    Traceback *tb = head;
    for (; n > TB_LIMIT; n--) tb = (Traceback *)tb->next;
    Obj *last_file = NULL, *last_name = NULL;
    int64_t last_line = -1;
    long cnt = 0;
    for (; tb; tb = (Traceback *)tb->next) {
        Code *code = (Code *)tb->code;
        int64_t line = tb->line;
        if (!last_file || !str_eq(code->filename, last_file) || last_line == -1 ||
            line != last_line || !last_name || !str_eq(code->name, last_name)) {
            if (cnt > TB_RECURSIVE_CUTOFF) print_repeated(out, cnt);
            last_file = code->filename;
            last_line = line;
            last_name = code->name;
            cnt = 0;
        }
        cnt++;
        if (cnt <= TB_RECURSIVE_CUTOFF) {
            fprintf(out, "  File \"%s\", line %lld, in %s\n", STR_DATA(code->filename),
                    (long long)line, STR_DATA(code->name));
            char *src = source_line(code->filename, (int)line);
            if (src && src[0]) fprintf(out, "    %s\n", src);
            free(src);
        }
    }
    if (cnt > TB_RECURSIVE_CUTOFF) print_repeated(out, cnt);
}

/* CPython's print_error_text: the source line and a caret under the offset. */
static void print_error_text(FILE *out, int64_t offset, int64_t end_offset, const char *text)
{
    int64_t ncarets = end_offset > offset ? end_offset - offset : 1;
    offset--;
    while (*text == ' ' || *text == '\t' || *text == '\f') { text++; offset--; }
    int64_t len = (int64_t)strlen(text);
    if (len > 0 && text[len - 1] == '\n') len--;
    if (offset > len) offset = len;
    for (;;) {
        const char *nl = strchr(text, '\n');
        if (!nl) break;
        int64_t inl = nl - text;
        if (inl >= offset) break;
        inl += 1;
        text += inl;
        len -= inl;
        offset -= inl;
    }
    fputs("    ", out);
    fwrite(text, 1, (size_t)len, out);
    fputc('\n', out);
    if (offset < 0) return;
    fputs("    ", out);
    for (int64_t i = 0; i < offset; i++) fputc(' ', out);
    if (offset + ncarets > len + 1) ncarets = len + 1 - offset;
    if (ncarets < 1) ncarets = 1;
    for (int64_t i = 0; i < ncarets; i++) fputc('^', out);
    fputc('\n', out);
}

/* The printed name of an exception's type: "mod.Qual" unless builtins/__main__. */
static void put_type_name(StrBuf *b, Type *t)
{
    if (t->module && !str_eq_cstr(t->module, "builtins") && !str_eq_cstr(t->module, "__main__")) {
        sb_puts(b, STR_DATA(t->module));
        sb_putc(b, '.');
    }
    sb_puts(b, t->qualname ? STR_DATA(t->qualname) : tname(t));
}

Obj *exc_format_only(ThreadState *ts, Value exc)
{
    StrBuf b;
    sb_init(&b);
    Type *t = obj_type(exc);
    put_type_name(&b, t);
    Value msg;
    if (obj_isinstance(exc, &T_SyntaxError) && IS_INT(syntax_field(EXC(exc), 2)))
        msg = obj_str(ts, syntax_field(EXC(exc), 0));
    else
        msg = obj_str(ts, exc);
    if (IS_NULL(msg)) {
        exc_clear(ts);
        sb_puts(&b, ": <exception str() failed>");
    } else {
        if (IS_STR(msg) && AS_STR(msg)->len > 0) {
            sb_puts(&b, ": ");
            sb_putn(&b, AS_STR(msg)->data, AS_STR(msg)->len);
        }
        v_decref(msg);
    }
    return sb_finish(&b);
}

/* Prints one exception: traceback, SyntaxError details, "Type: message". */
static void print_one(ThreadState *ts, Value exc, FILE *out)
{
    if (!obj_isinstance(exc, &T_BaseException)) {
        fprintf(out, "TypeError: print_exception(): Exception expected for value, %s found\n",
                obj_type_name(exc));
        return;
    }
    Exc *e = EXC(exc);
    if (e->traceback) print_tb((Traceback *)e->traceback, out);
    if (obj_isinstance(exc, &T_SyntaxError)) {
        Value ln = syntax_field(e, 2);
        if (IS_INT(ln)) {
            Value fn = syntax_field(e, 1), off = syntax_field(e, 3), text = syntax_field(e, 4);
            Value eln = syntax_field(e, 5), eoff = syntax_field(e, 6);
            fprintf(out, "  File \"%s\", line %lld\n", IS_STR(fn) ? STR_DATA(fn.as.o) : "<string>",
                    (long long)ln.as.i);
            if (IS_STR(text)) {
                int64_t o = IS_INTLIKE(off) ? off.as.i : 0;
                int64_t eo = (IS_INTLIKE(eoff) && IS_INTLIKE(eln) && eln.as.i == ln.as.i) ? eoff.as.i : -1;
                print_error_text(out, o, eo, STR_DATA(text.as.o));
            }
        }
    }
    Obj *line = exc_format_only(ts, exc);
    fwrite(STR_DATA(line), 1, (size_t)STR_LEN(line), out);
    fputc('\n', out);
    o_decref(line);
}

void exc_print(ThreadState *ts, Value exc, FILE *out)
{
    Value saved = exc_fetch(ts);
    /* Build the chain innermost-last: chain[0] = exc, chain[i+1] = cause/context of chain[i]. */
    int cap = 16, n = 0;
    Obj **chain = malloc(sizeof(Obj *) * (size_t)cap);
    uint8_t *via_cause = malloc((size_t)cap);
    if (!chain || !via_cause) abort();
    Value cur = exc;
    while (IS_OBJ(cur)) {
        if (n == cap) {
            cap *= 2;
            chain = realloc(chain, sizeof(Obj *) * (size_t)cap);
            via_cause = realloc(via_cause, (size_t)cap);
            if (!chain || !via_cause) abort();
        }
        chain[n] = cur.as.o;
        via_cause[n] = 0;
        n++;
        if (!obj_isinstance(cur, &T_BaseException)) break;
        Exc *e = EXC(cur);
        Value next = V_NULL;
        if (IS_OBJ(e->cause)) {
            next = e->cause;
            via_cause[n - 1] = 1;
        } else if (IS_OBJ(e->context) && !e->suppress_context) {
            next = e->context;
        }
        if (!IS_OBJ(next) || !obj_isinstance(next, &T_BaseException)) break;
        bool seen = false;
        for (int i = 0; i < n; i++)
            if (chain[i] == next.as.o) seen = true;
        if (seen) break;
        cur = next;
    }
    for (int i = n - 1; i >= 0; i--) {
        print_one(ts, V_OBJ(chain[i]), out);
        if (i > 0) {
            fputs(via_cause[i - 1]
                      ? "\nThe above exception was the direct cause of the following exception:\n\n"
                      : "\nDuring handling of the above exception, another exception occurred:\n\n",
                  out);
        }
    }
    free(chain);
    free(via_cause);
    fflush(out);
    exc_clear(ts);
    ts->exc = saved;
}
