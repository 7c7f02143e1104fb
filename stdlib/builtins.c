/* builtins.c — the builtins module: built-in functions, the iterator types behind
 * enumerate/zip/map/filter/reversed/iter(f, sentinel), and builtins_create. */
#include "builtins.h"
#include "state.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "objects/num.h"
#include "objects/long.h"
#include "exc.h"
#include "objects/func.h"
#include "objects/class.h"
#include "module.h"
#include "objects/format.h"
#include "eval.h"
#include "objects/gen.h"
#include "args.h"
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <inttypes.h>

/* ---- argument helpers ---- */

/* The C string of keyword i of a call. */
static const char *kw_name(Obj *kwnames, int i) {
    return STR_DATA(AS_OBJ(((Tuple *)kwnames)->items[i]));
}

int bi_parse_args(ThreadState *ts, const char *fname, Value *args, int nargs, Obj *kwnames,
                  const char *const *names, int maxpos, int nreq, Value *out) {
    int n = 0;
    while (names[n]) n++;
    for (int i = 0; i < n; i++) out[i] = V_NULL;
    if (nargs > maxpos) {
        if (maxpos == nreq)
            exc_raise(ts, &T_TypeError, "%s() takes exactly %d argument%s (%d given)", fname, maxpos,
                      maxpos == 1 ? "" : "s", nargs);
        else
            exc_raise(ts, &T_TypeError, "%s() takes at most %d argument%s (%d given)", fname, maxpos,
                      maxpos == 1 ? "" : "s", nargs);
        return -1;
    }
    for (int i = 0; i < nargs; i++) out[i] = args[i];
    int nkw = arg_nkw(kwnames);
    for (int k = 0; k < nkw; k++) {
        const char *kn = kw_name(kwnames, k);
        int j;
        for (j = 0; j < n; j++)
            if (strcmp(names[j], kn) == 0) break;
        if (j == n) {
            exc_raise(ts, &T_TypeError, "%s() got an unexpected keyword argument '%s'", fname, kn);
            return -1;
        }
        if (!IS_NULL(out[j])) {
            exc_raise(ts, &T_TypeError, "argument for %s() given by name ('%s') and position (%d)",
                      fname, kn, j + 1);
            return -1;
        }
        out[j] = args[nargs + k];
    }
    for (int i = 0; i < nreq; i++) {
        if (IS_NULL(out[i])) {
            exc_raise(ts, &T_TypeError, "%s() missing required argument '%s' (pos %d)", fname, names[i], i + 1);
            return -1;
        }
    }
    return 0;
}

/* Checks keywords against a NULL-terminated list with the "'x' is an invalid keyword
 * argument for f()" message; fills out[] (borrowed, V_NULL when absent). */
static int parse_kwonly(ThreadState *ts, const char *fname, Value *args, int nargs, Obj *kwnames,
                        const char *const *names, Value *out) {
    int n = 0;
    while (names[n]) out[n++] = V_NULL;
    int nkw = arg_nkw(kwnames);
    for (int k = 0; k < nkw; k++) {
        const char *kn = kw_name(kwnames, k);
        int j;
        for (j = 0; j < n; j++)
            if (strcmp(names[j], kn) == 0) break;
        if (j == n) {
            exc_raise(ts, &T_TypeError, "'%s' is an invalid keyword argument for %s()", kn, fname);
            return -1;
        }
        out[j] = args[nargs + k];
    }
    return 0;
}

int bi_to_double(ThreadState *ts, Value v, double *out) {
    if (IS_FLOAT(v)) { *out = AS_FLOAT(v); return 0; }
    if (IS_ANYINT(v)) return big_to_double(ts, v, out);
    Type *t = obj_type(v);
    if (t->flags & TF_HEAPTYPE) {
        Value f = type_lookup(t, NAME(__float__));
        if (!IS_NULL(f)) {
            Value r = obj_call1(ts, f, v);
            if (IS_NULL(r)) return -1;
            if (!IS_FLOAT(r)) {
                exc_raise(ts, &T_TypeError, "%s.__float__ returned non-float (type %s)", t->name,
                          obj_type_name(r));
                v_decref(r);
                return -1;
            }
            *out = AS_FLOAT(r);
            return 0;
        }
        f = type_lookup(t, NAME(__index__));
        if (!IS_NULL(f)) {
            int64_t i;
            if (obj_as_index(ts, v, &i) < 0) return -1;
            *out = (double)i;
            return 0;
        }
    }
    exc_raise(ts, &T_TypeError, "must be real number, not %s", t->name);
    return -1;
}

Value bi_sys_attr(Obj *name) {
    if (!the_interp.modules) return V_NULL;
    Value m = dict_get_str(the_interp.modules, str_intern("sys"));
    if (!OBJ_IS(m, T_module)) return V_NULL;
    return dict_get_str(MODULE_DICT(AS_OBJ(m)), name);
}

/* Whether the pending-exception slot is set. */
static inline bool exc_pending(ThreadState *ts) { return !IS_NULL(ts->exc); }

/* ---- print ---- */

/* Writes a str through file.write (the slow path of print). */
static int write_via(ThreadState *ts, Value file, Value s) {
    Value r = obj_call_method(ts, file, NAME(write), &s, 1);
    if (IS_NULL(r)) return -1;
    v_decref(r);
    return 0;
}

static Value bi_print(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const kws[] = { "sep", "end", "file", "flush", NULL };
    Value kv[4];
    if (kwnames && parse_kwonly(ts, "print", args, nargs, kwnames, kws, kv) < 0) return V_NULL;
    if (!kwnames) kv[0] = kv[1] = kv[2] = kv[3] = V_NULL;
    Value sep = kv[0], end = kv[1], file = kv[2], flush = kv[3];
    if (IS_NONE(sep)) sep = V_NULL;
    if (IS_NONE(end)) end = V_NULL;
    if (!IS_NULL(sep) && !IS_STR(sep))
        return exc_raise(ts, &T_TypeError, "sep must be None or a string, not %s", obj_type_name(sep));
    if (!IS_NULL(end) && !IS_STR(end))
        return exc_raise(ts, &T_TypeError, "end must be None or a string, not %s", obj_type_name(end));
    FILE *fp = NULL;
    if (IS_NULL(file) || IS_NONE(file)) {
        file = bi_sys_attr(NAME(stdout));
        if (IS_NULL(file)) fp = stdout;
        else if (IS_NONE(file)) return V_NONE;
    }
    if (!fp) fp = io_text_stream(file);
    if (fp) {
        for (int i = 0; i < nargs; i++) {
            if (i > 0) {
                if (IS_NULL(sep)) putc(' ', fp);
                else fwrite(AS_STR(sep)->data, 1, (size_t)AS_STR(sep)->len, fp);
            }
            Value a = args[i];
            if (IS_STR(a)) fwrite(AS_STR(a)->data, 1, (size_t)AS_STR(a)->len, fp);
            else if (IS_INT(a)) {
                char buf[24];
                fwrite(buf, 1, (size_t)int_to_cstr(AS_INT(a), buf), fp);
            }
            else if (obj_print(ts, a, fp, false) < 0) return V_NULL;
        }
        if (IS_NULL(end)) putc('\n', fp);
        else fwrite(AS_STR(end)->data, 1, (size_t)AS_STR(end)->len, fp);
        if (!IS_NULL(flush)) {
            int t = obj_truthy(ts, flush);
            if (t < 0) return V_NULL;
            if (t) fflush(fp);
        }
        if (io_check_stream(ts, fp) < 0) return V_NULL;
        return V_NONE;
    }
    for (int i = 0; i < nargs; i++) {
        if (i > 0) {
            Value s = IS_NULL(sep) ? V_OBJ(str_intern(" ")) : sep;
            if (write_via(ts, file, s) < 0) return V_NULL;
        }
        Value s = obj_str(ts, args[i]);
        if (IS_NULL(s)) return V_NULL;
        int r = write_via(ts, file, s);
        v_decref(s);
        if (r < 0) return V_NULL;
    }
    if (write_via(ts, file, IS_NULL(end) ? V_OBJ(str_intern("\n")) : end) < 0) return V_NULL;
    if (!IS_NULL(flush)) {
        int t = obj_truthy(ts, flush);
        if (t < 0) return V_NULL;
        if (t) {
            Value r = obj_call_method(ts, file, NAME(flush), NULL, 0);
            if (IS_NULL(r)) return V_NULL;
            v_decref(r);
        }
    }
    return V_NONE;
}

/* ---- simple functions ---- */

/* Calls type(v).<name>(v) for a dunder defined on a class; V_NULL without exception if absent. */
static Value call_dunder_opt(ThreadState *ts, Value v, const char *name) {
    Value f = type_lookup(obj_type(v), str_intern(name));
    if (IS_NULL(f)) return V_NULL;
    return obj_call1(ts, f, v);
}

static Value bi_abs(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "abs", nargs, kwnames, 1, 1) < 0) return V_NULL;
    Value v = args[0];
    if (IS_INTLIKE(v)) {
        int64_t n = AS_INT(v);
        if (n == INT64_MIN) return big_abs(ts, v);
        return V_INT(n < 0 ? -n : n);
    }
    if (IS_BIG(v)) return big_abs(ts, v);
    if (IS_FLOAT(v)) return V_FLOAT(fabs(AS_FLOAT(v)));
    Value r = call_dunder_opt(ts, v, "__abs__");
    if (!IS_NULL(r) || exc_pending(ts)) return r;
    return exc_raise(ts, &T_TypeError, "bad operand type for abs(): '%s'", obj_type_name(v));
}

/* all() when want is 0 / any() when want is 1. */
static Value all_any(ThreadState *ts, Value *args, int nargs, Obj *kwnames, const char *name, int want) {
    if (arg_count(ts, name, nargs, kwnames, 1, 1) < 0) return V_NULL;
    Value it = obj_iter(ts, args[0]);
    if (IS_NULL(it)) return V_NULL;
    for (;;) {
        Value x = obj_next(ts, it);
        if (IS_NULL(x)) break;
        int t = obj_truthy(ts, x);
        v_decref(x);
        if (t < 0) { v_decref(it); return V_NULL; }
        if (t == want) { v_decref(it); return V_BOOL(want); }
    }
    v_decref(it);
    if (exc_pending(ts)) return V_NULL;
    return V_BOOL(!want);
}

static Value bi_all(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return all_any(ts, args, nargs, kwnames, "all", 0);
}

static Value bi_any(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return all_any(ts, args, nargs, kwnames, "any", 1);
}

/* bin/oct/hex: formats an integer in base 2/8/16 with its prefix. */
static Value int_to_base(ThreadState *ts, Value *args, int nargs, Obj *kwnames, const char *name,
                         int shift, const char *prefix) {
    if (arg_count(ts, name, nargs, kwnames, 1, 1) < 0) return V_NULL;
    if (IS_BIG(args[0])) return big_to_base(ts, args[0], 1 << shift, true);
    int64_t n;
    if (obj_as_index(ts, args[0], &n) < 0) return V_NULL;
    uint64_t u = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    char buf[80];
    int pos = 79;
    buf[pos] = 0;
    unsigned mask = (1u << shift) - 1;
    do {
        buf[--pos] = "0123456789abcdef"[u & mask];
        u >>= shift;
    } while (u);
    pos -= 2;
    memcpy(buf + pos, prefix, 2);
    if (n < 0) buf[--pos] = '-';
    return V_OBJ(str_new(buf + pos, 79 - pos));
}

static Value bi_bin(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return int_to_base(ts, args, nargs, kwnames, "bin", 1, "0b");
}

static Value bi_oct(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return int_to_base(ts, args, nargs, kwnames, "oct", 3, "0o");
}

static Value bi_hex(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return int_to_base(ts, args, nargs, kwnames, "hex", 4, "0x");
}

/* Whether v can be called. */
static bool is_callable(Value v) {
    Type *t = obj_type(v);
    if (t->flags & TF_HEAPTYPE) return !IS_NULL(type_lookup(t, NAME(__call__)));
    return t->call != NULL;
}

static Value bi_callable(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "callable", nargs, kwnames, 1, 1) < 0) return V_NULL;
    return V_BOOL(is_callable(args[0]));
}

static Value bi_chr(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "chr", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int64_t n;
    if (obj_as_index(ts, args[0], &n) < 0) return V_NULL;
    if (n < 0 || n >= 0x110000) return exc_raise(ts, &T_ValueError, "chr() arg not in range(0x110000)");
    return V_OBJ(str_from_codepoint((uint32_t)n));
}

static Value bi_ord(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "ord", nargs, kwnames, 1, 1) < 0) return V_NULL;
    Value v = args[0];
    if (IS_STR(v)) {
        Str *s = AS_STR(v);
        if (s->nchars != 1)
            return exc_raise(ts, &T_TypeError, "ord() expected a character, but string of length %" PRId64 " found",
                             s->nchars);
        const char *p = s->data;
        return V_INT(utf8_decode(&p));
    }
    if (OBJ_IS(v, T_bytes)) {
        Bytes *b = (Bytes *)AS_OBJ(v);
        if (b->len != 1)
            return exc_raise(ts, &T_TypeError, "ord() expected a character, but string of length %" PRId64 " found",
                             b->len);
        return V_INT(b->data[0]);
    }
    return exc_raise(ts, &T_TypeError, "ord() expected string of length 1, but %s found", obj_type_name(v));
}

/* Python's float divmod. */
static void float_divmod(double vx, double wx, double *pdiv, double *pmod) {
    double mod = fmod(vx, wx);
    double div = (vx - mod) / wx;
    if (mod) {
        if ((wx < 0) != (mod < 0)) { mod += wx; div -= 1.0; }
    } else {
        mod = copysign(0.0, wx);
    }
    double floordiv;
    if (div) {
        floordiv = floor(div);
        if (div - floordiv > 0.5) floordiv += 1.0;
    } else {
        floordiv = copysign(0.0, vx / wx);
    }
    *pdiv = floordiv;
    *pmod = mod;
}

static Value bi_divmod(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "divmod", nargs, kwnames, 2, 2) < 0) return V_NULL;
    Value a = args[0], b = args[1];
    if (IS_ANYINT(a) && IS_ANYINT(b) && (IS_BIG(a) || IS_BIG(b) || (AS_INT(a) == INT64_MIN && AS_INT(b) == -1))) {
        Value q = big_binop(ts, a, b, BINOP_FLOORDIV);
        if (IS_NULL(q)) return V_NULL;
        Value r = big_binop(ts, a, b, BINOP_MOD);
        Obj *t = tuple_new(2);
        ((Tuple *)t)->items[0] = q;
        ((Tuple *)t)->items[1] = r;
        return V_OBJ(t);
    }
    if (IS_INTLIKE(a) && IS_INTLIKE(b)) {
        int64_t x = AS_INT(a), y = AS_INT(b);
        if (y == 0) return exc_raise(ts, &T_ZeroDivisionError, "integer division or modulo by zero");
        Obj *t = tuple_new(2);
        ((Tuple *)t)->items[0] = V_INT(int_floordiv(x, y));
        ((Tuple *)t)->items[1] = V_INT(int_mod(x, y));
        return V_OBJ(t);
    }
    if ((IS_ANYINT(a) || IS_FLOAT(a)) && (IS_ANYINT(b) || IS_FLOAT(b))) {
        double x, y;
        if (bi_to_double(ts, a, &x) < 0 || bi_to_double(ts, b, &y) < 0) return V_NULL;
        if (y == 0.0) return exc_raise(ts, &T_ZeroDivisionError, "float divmod()");
        double d, m;
        float_divmod(x, y, &d, &m);
        Obj *t = tuple_new(2);
        ((Tuple *)t)->items[0] = V_FLOAT(d);
        ((Tuple *)t)->items[1] = V_FLOAT(m);
        return V_OBJ(t);
    }
    Value f = type_lookup(obj_type(a), str_intern("__divmod__"));
    if (!IS_NULL(f)) {
        Value r = obj_call2(ts, f, a, b);
        if (IS_NULL(r) || !IS_NOTIMPL(r)) return r;
    }
    f = type_lookup(obj_type(b), str_intern("__rdivmod__"));
    if (!IS_NULL(f)) {
        Value r = obj_call2(ts, f, b, a);
        if (IS_NULL(r) || !IS_NOTIMPL(r)) return r;
    }
    return exc_raise(ts, &T_TypeError, "unsupported operand type(s) for divmod(): '%s' and '%s'",
                     obj_type_name(a), obj_type_name(b));
}

/* Checks that an attribute name is a str. */
static int check_attr_name(ThreadState *ts, Value name) {
    if (IS_STR(name) || obj_isinstance(name, &T_str)) return 0;
    exc_raise(ts, &T_TypeError, "attribute name must be string, not '%s'", obj_type_name(name));
    return -1;
}

static Value bi_getattr(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getattr", nargs, kwnames, 2, 3) < 0) return V_NULL;
    if (check_attr_name(ts, args[1]) < 0) return V_NULL;
    if (nargs == 2) return obj_getattr(ts, args[0], str_intern_obj(AS_OBJ(args[1])));
    Value r = obj_getattr_opt(ts, args[0], str_intern_obj(AS_OBJ(args[1])));
    if (IS_NULL(r) && !exc_pending(ts)) return v_new(args[2]);
    return r;
}

static Value bi_setattr(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "setattr", nargs, kwnames, 3, 3) < 0) return V_NULL;
    if (check_attr_name(ts, args[1]) < 0) return V_NULL;
    if (obj_setattr(ts, args[0], str_intern_obj(AS_OBJ(args[1])), args[2]) < 0) return V_NULL;
    return V_NONE;
}

static Value bi_delattr(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "delattr", nargs, kwnames, 2, 2) < 0) return V_NULL;
    if (check_attr_name(ts, args[1]) < 0) return V_NULL;
    if (obj_setattr(ts, args[0], str_intern_obj(AS_OBJ(args[1])), V_NULL) < 0) return V_NULL;
    return V_NONE;
}

static Value bi_hasattr(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "hasattr", nargs, kwnames, 2, 2) < 0) return V_NULL;
    if (check_attr_name(ts, args[1]) < 0) return V_NULL;
    Value r = obj_getattr_opt(ts, args[0], str_intern_obj(AS_OBJ(args[1])));
    if (IS_NULL(r)) return exc_pending(ts) ? V_NULL : V_FALSE;
    v_decref(r);
    return V_TRUE;
}

static Value bi_globals(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "globals", nargs, kwnames, 0, 0) < 0) return V_NULL;
    if (!ts->frame || !ts->frame->globals) return V_OBJ(dict_new());
    o_incref(ts->frame->globals);
    return V_OBJ(ts->frame->globals);
}

/* A dict of the current frame's local variables (new reference). */
static Value frame_locals(ThreadState *ts) {
    Frame *f = ts->frame;
    if (!f) return V_OBJ(dict_new());
    if (f->locals_dict) { o_incref(f->locals_dict); return V_OBJ(f->locals_dict); }
    Obj *d = dict_new();
    Code *c = f->code;
    for (int i = 0; i < c->nlocals; i++)
        if (!IS_NULL(f->locals[i])) dict_set_str(d, c->varnames[i], f->locals[i]);
    for (int i = 0; i < c->ncellvars + c->nfreevars; i++) {
        Value cv = f->locals[c->nlocals + i];
        if (!OBJ_IS(cv, T_cell)) continue;
        Value v = ((Cell *)AS_OBJ(cv))->v;
        if (IS_NULL(v)) continue;
        Obj *name = i < c->ncellvars ? c->cellvars[i] : c->freevars[i - c->ncellvars];
        dict_set_str(d, name, v);
    }
    return V_OBJ(d);
}

static Value bi_locals(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "locals", nargs, kwnames, 0, 0) < 0) return V_NULL;
    return frame_locals(ts);
}

static Value bi_vars(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "vars", nargs, kwnames, 0, 1) < 0) return V_NULL;
    if (nargs == 0) return frame_locals(ts);
    Value r = obj_getattr_opt(ts, args[0], NAME(__dict__));
    if (IS_NULL(r) && !exc_pending(ts))
        return exc_raise(ts, &T_TypeError, "vars() argument must have __dict__ attribute");
    return r;
}

static Value bi_hash(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "hash", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int64_t h = obj_hash(ts, args[0]);
    if (h == -1 && exc_pending(ts)) return V_NULL;
    return V_INT(h);
}

static Value bi_id(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "id", nargs, kwnames, 1, 1) < 0) return V_NULL;
    Value v = args[0];
    if (IS_OBJ(v)) return V_INT((int64_t)(uintptr_t)AS_OBJ(v));
    /* Tagged values: a stable odd number derived from tag and payload (never an address). */
    uint64_t u = ((uint64_t)v.as.i << 4) | ((uint64_t)v.tag << 1) | 1;
    return V_INT((int64_t)(u & (uint64_t)INT64_MAX));
}

static Value bi_input(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "input", nargs, kwnames, 0, 1) < 0) return V_NULL;
    Value out = bi_sys_attr(NAME(stdout));
    if (nargs == 1) {
        Value s = obj_str(ts, args[0]);
        if (IS_NULL(s)) return V_NULL;
        FILE *fp = IS_NULL(out) ? stdout : io_text_stream(out);
        int r = 0;
        if (fp) {
            fwrite(AS_STR(s)->data, 1, (size_t)AS_STR(s)->len, fp);
            r = io_check_stream(ts, fp);
        } else if (!IS_NONE(out)) {
            r = write_via(ts, out, s);
        }
        v_decref(s);
        if (r < 0) return V_NULL;
    }
    if (!IS_NULL(out) && !IS_NONE(out) && !io_text_stream(out)) {
        Value r = obj_call_method(ts, out, NAME(flush), NULL, 0);
        if (IS_NULL(r)) return V_NULL;
        v_decref(r);
    }
    io_flush_std(ts);
    Value in = bi_sys_attr(NAME(stdin));
    Value line;
    if (IS_NULL(in)) {
        char *buf = NULL;
        size_t cap = 0;
        gil_blocking_begin(ts, "input");
        ssize_t n = getline(&buf, &cap, stdin);
        gil_blocking_end(ts);
        line = V_OBJ(n < 0 ? str_intern("") : str_new(buf, n));
        free(buf);
    } else if (OBJ_IS(in, T_TextFile)) {
        line = io_readline(ts, in);
    } else if (IS_NONE(in)) {
        return exc_raise(ts, &T_RuntimeError, "input(): lost sys.stdin");
    } else {
        line = obj_call_method(ts, in, NAME(readline), NULL, 0);
    }
    if (IS_NULL(line)) return V_NULL;
    if (!IS_STR(line)) {
        v_decref(line);
        return exc_raise(ts, &T_TypeError, "object.readline() returned non-string");
    }
    Str *s = AS_STR(line);
    if (s->len == 0) {
        v_decref(line);
        return exc_raise(ts, &T_EOFError, "EOF when reading a line");
    }
    if (s->data[s->len - 1] == '\n') {
        Value r = V_OBJ(str_new(s->data, s->len - 1));
        v_decref(line);
        return r;
    }
    return line;
}

/* isinstance / issubclass against a type or a (nested) tuple of types; -1 on a bad spec. */
static int check_class_spec(ThreadState *ts, Type *t, Value spec, int depth) {
    if (IS_TYPE(spec)) return type_is_subtype(t, AS_TYPE(spec));
    if (IS_TUPLE(spec) && depth < 100) {
        Tuple *tp = AS_TUPLE(spec);
        for (int64_t i = 0; i < tp->len; i++) {
            int r = check_class_spec(ts, t, tp->items[i], depth + 1);
            if (r != 0) return r;
        }
        return 0;
    }
    return -1;
}

static Value bi_isinstance(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (nargs != 2 || kwnames) {
        if (arg_count(ts, "isinstance", nargs, kwnames, 2, 2) < 0) return V_NULL;
    }
    Value spec = args[1];
    if (IS_TYPE(spec)) return V_BOOL(obj_isinstance(args[0], AS_TYPE(spec)));
    int r = check_class_spec(ts, obj_type(args[0]), spec, 0);
    if (r < 0)
        return exc_raise(ts, &T_TypeError, "isinstance() arg 2 must be a type, a tuple of types, or a union");
    return V_BOOL(r);
}

static Value bi_issubclass(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "issubclass", nargs, kwnames, 2, 2) < 0) return V_NULL;
    if (!IS_TYPE(args[0])) return exc_raise(ts, &T_TypeError, "issubclass() arg 1 must be a class");
    int r = check_class_spec(ts, AS_TYPE(args[0]), args[1], 0);
    if (r < 0)
        return exc_raise(ts, &T_TypeError,
                         "issubclass() arg 2 must be a class, a tuple of classes, or a union");
    return V_BOOL(r);
}

/* ---- iter(callable, sentinel) ---- */

/* The iterator of iter(callable, sentinel). */
typedef struct CallIter { Obj hdr; Value func, sentinel; } CallIter;

static void calliter_clear(Obj *o) {
    CallIter *c = (CallIter *)o;
    Value f = c->func, s = c->sentinel;
    c->func = c->sentinel = V_NULL;
    v_decref(f);
    v_decref(s);
}

static void calliter_traverse(Obj *o, VisitFn visit, void *arg) {
    CallIter *c = (CallIter *)o;
    if (!IS_NULL(c->func)) visit(c->func, arg);
    if (!IS_NULL(c->sentinel)) visit(c->sentinel, arg);
}


/* it.__next__(): the next item or StopIteration. */
static Value iter_next_method(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "__next__", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    Value r = obj_next(ts, args[0]);
    if (IS_NULL(r) && !exc_pending(ts)) {
        Value e = exc_new(ts, &T_StopIteration, NULL, 0);
        if (!IS_NULL(e)) exc_set(ts, e);
    }
    return r;
}

/* it.__iter__(): the iterator itself. */
static Value iter_iter_method(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "__iter__", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    return v_new(args[0]);
}

/* The methods of the iterator types defined here. */
static const MethodDef iter_methods[] = {
    { "__next__", iter_next_method, 0 },
    { "__iter__", iter_iter_method, 0 },
    { NULL, NULL, 0 },
};

static Value calliter_next(ThreadState *ts, Value self) {
    CallIter *c = (CallIter *)AS_OBJ(self);
    if (IS_NULL(c->func)) return V_NULL;
    Value r = obj_call0(ts, c->func);
    if (IS_NULL(r)) {
        if (exc_matches(ts, &T_StopIteration)) {
            exc_clear(ts);
            calliter_clear(&c->hdr);
        }
        return V_NULL;
    }
    int eq = obj_eq(ts, r, c->sentinel);
    if (eq != 0) {
        v_decref(r);
        if (eq > 0) calliter_clear(&c->hdr);
        return V_NULL;
    }
    return r;
}

/* The type of iter(callable, sentinel) iterators. */
Type T_callable_iterator = {
    .name = "callable_iterator", .basicsize = sizeof(CallIter), .flags = TF_GC, .methods = iter_methods,
    .dealloc = calliter_clear, .traverse = calliter_traverse, .clear = calliter_clear,
    .iter = obj_iter_self, .next = calliter_next,
};

static Value bi_iter(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (nargs != 1 || kwnames) {
        if (arg_count(ts, "iter", nargs, kwnames, 1, 2) < 0) return V_NULL;
    }
    if (nargs == 1) return obj_iter(ts, args[0]);
    if (!is_callable(args[0])) return exc_raise(ts, &T_TypeError, "iter(v, w): v must be callable");
    CallIter *c = (CallIter *)obj_alloc(&T_callable_iterator, sizeof(CallIter));
    c->func = v_new(args[0]);
    c->sentinel = v_new(args[1]);
    return V_OBJ(c);
}

static Value bi_len(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (nargs != 1 || kwnames) {
        arg_count(ts, "len", nargs, kwnames, 1, 1);
        return V_NULL;
    }
    Value v = args[0];
    if (IS_OBJ(v)) {
        Obj *o = AS_OBJ(v);
        if (o->type == &T_str) return V_INT(((Str *)o)->nchars);
        if (o->type == &T_list) return V_INT(((List *)o)->len);
        if (o->type == &T_tuple) return V_INT(((Tuple *)o)->len);
        if (o->type == &T_dict) return V_INT(((Dict *)o)->used);
    }
    int64_t n = obj_len(ts, v);
    if (n < 0) return V_NULL;
    return V_INT(n);
}

/* max() (op CMP_GT) and min() (op CMP_LT). */
static Value min_max(ThreadState *ts, Value *args, int nargs, Obj *kwnames, const char *name, int op) {
    static const char *const kws[] = { "key", "default", NULL };
    Value kv[2] = { V_NULL, V_NULL };
    if (nargs == 0) {
        exc_raise(ts, &T_TypeError, "%s expected at least 1 argument, got 0", name);
        return V_NULL;
    }
    if (kwnames && parse_kwonly(ts, name, args, nargs, kwnames, kws, kv) < 0) return V_NULL;
    Value key = IS_NONE(kv[0]) ? V_NULL : kv[0], dflt = kv[1];
    if (nargs > 1 && !IS_NULL(dflt))
        return exc_raise(ts, &T_TypeError,
                         "Cannot specify a default for %s() with multiple positional arguments", name);
    Value it = V_NULL;
    if (nargs == 1) {
        it = obj_iter(ts, args[0]);
        if (IS_NULL(it)) return V_NULL;
    }
    Value best = V_NULL, bestkey = V_NULL;
    int i = 0;
    for (;;) {
        Value x;
        if (nargs == 1) {
            x = obj_next(ts, it);
            if (IS_NULL(x)) {
                if (exc_pending(ts)) goto fail;
                break;
            }
        } else {
            if (i >= nargs) break;
            x = v_new(args[i++]);
        }
        Value k = x;
        if (!IS_NULL(key)) {
            k = obj_call1(ts, key, x);
            if (IS_NULL(k)) { v_decref(x); goto fail; }
        } else {
            v_incref(k);
        }
        if (IS_NULL(best)) {
            best = x;
            bestkey = k;
            continue;
        }
        int c = obj_cmp(ts, k, bestkey, op);
        if (c < 0) { v_decref(x); v_decref(k); goto fail; }
        if (c) {
            v_decref(best);
            v_decref(bestkey);
            best = x;
            bestkey = k;
        } else {
            v_decref(x);
            v_decref(k);
        }
    }
    v_decref(it);
    v_decref(bestkey);
    if (IS_NULL(best)) {
        if (!IS_NULL(dflt)) return v_new(dflt);
        return exc_raise(ts, &T_ValueError, "%s() arg is an empty sequence", name);
    }
    return best;
fail:
    v_decref(it);
    v_decref(best);
    v_decref(bestkey);
    return V_NULL;
}

static Value bi_max(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return min_max(ts, args, nargs, kwnames, "max", CMP_GT);
}

static Value bi_min(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return min_max(ts, args, nargs, kwnames, "min", CMP_LT);
}

/* Whether v's type can be advanced with next(). */
static bool is_iterator(Value v) {
    Type *t = obj_type(v);
    if (t->flags & TF_HEAPTYPE) return !IS_NULL(type_lookup(t, NAME(__next__)));
    return t->next != NULL;
}

static Value bi_next(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (nargs != 1 || kwnames) {
        if (arg_count(ts, "next", nargs, kwnames, 1, 2) < 0) return V_NULL;
    }
    if (!is_iterator(args[0]))
        return exc_raise(ts, &T_TypeError, "'%s' object is not an iterator", obj_type_name(args[0]));
    /* a generator's return value travels in the StopIteration */
    Value r = OBJ_IS(args[0], T_generator) ? gen_next_raising(ts, args[0]) : obj_next(ts, args[0]);
    if (!IS_NULL(r)) return r;
    if (exc_pending(ts)) {
        if (nargs == 2 && exc_matches(ts, &T_StopIteration)) {
            exc_clear(ts);
            return v_new(args[1]);
        }
        return V_NULL;
    }
    if (nargs == 2) return v_new(args[1]);
    Value e = exc_new(ts, &T_StopIteration, NULL, 0);
    if (IS_NULL(e)) return V_NULL;
    exc_set(ts, e);
    return V_NULL;
}

/* (a * b) % m for 0 <= a, b < m. */
static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m) {
    return (uint64_t)(((unsigned __int128)a * b) % m);
}

/* Modular inverse of a mod m (m > 0); returns false if not invertible. */
static bool modinv(int64_t a, int64_t m, int64_t *out) {
    __int128 t = 0, newt = 1, r = m, newr = ((a % m) + m) % m;
    while (newr != 0) {
        __int128 q = r / newr, tmp;
        tmp = t - q * newt; t = newt; newt = tmp;
        tmp = r - q * newr; r = newr; newr = tmp;
    }
    if (r != 1) return false;
    if (t < 0) t += m;
    *out = (int64_t)t;
    return true;
}

static Value bi_pow(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "base", "exp", "mod", NULL };
    Value a[3];
    if (bi_parse_args(ts, "pow", args, nargs, kwnames, names, 3, 2, a) < 0) return V_NULL;
    if (IS_NULL(a[2]) || IS_NONE(a[2])) return obj_binop(ts, a[0], a[1], BINOP_POW);
    if (!IS_INTLIKE(a[0]) || !IS_INTLIKE(a[1]) || !IS_INTLIKE(a[2])) {
        Value f = type_lookup(obj_type(a[0]), NAME(__pow__));
        if (!IS_NULL(f) && (obj_type(a[0])->flags & TF_HEAPTYPE)) return obj_call3(ts, f, a[0], a[1], a[2]);
        if (!IS_ANYINT(a[0]) || !IS_ANYINT(a[1]) || !IS_ANYINT(a[2]))
            return exc_raise(ts, &T_TypeError, "pow() 3rd argument not allowed unless all arguments are integers");
        return big_powmod(ts, a[0], a[1], a[2]);
    }
    int64_t base = AS_INT(a[0]), e = AS_INT(a[1]), m = AS_INT(a[2]);
    if (m == 0) return exc_raise(ts, &T_ValueError, "pow() 3rd argument cannot be 0");
    if (m == INT64_MIN) return big_powmod(ts, a[0], a[1], a[2]);
    uint64_t um = (uint64_t)(m < 0 ? -m : m);
    if (e < 0) {
        int64_t inv;
        if (!modinv(base, (int64_t)um, &inv))
            return exc_raise(ts, &T_ValueError, "base is not invertible for the given modulus");
        base = inv;
        e = e == INT64_MIN ? INT64_MAX : -e;  /* INT64_MIN: close enough is not allowed below */
        if (AS_INT(a[1]) == INT64_MIN) {
            /* inv^(2^63) = (inv^(2^63-1)) * inv */
            uint64_t r = 1 % um, b = (uint64_t)base % um;
            uint64_t ex = (uint64_t)INT64_MAX;
            while (ex) { if (ex & 1) r = mulmod(r, b, um); b = mulmod(b, b, um); ex >>= 1; }
            r = mulmod(r, (uint64_t)base % um, um);
            int64_t res = (int64_t)r;
            if (m < 0 && res != 0) res -= (int64_t)um;
            return V_INT(res);
        }
    }
    int64_t bm = base % (int64_t)um;
    if (bm < 0) bm += (int64_t)um;
    uint64_t r = 1 % um, b = (uint64_t)bm;
    uint64_t ex = (uint64_t)e;
    while (ex) {
        if (ex & 1) r = mulmod(r, b, um);
        b = mulmod(b, b, um);
        ex >>= 1;
    }
    int64_t res = (int64_t)r;
    if (m < 0 && res != 0) res -= (int64_t)um;
    return V_INT(res);
}

static Value bi_repr(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "repr", nargs, kwnames, 1, 1) < 0) return V_NULL;
    return obj_repr(ts, args[0]);
}

static Value bi_ascii(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "ascii", nargs, kwnames, 1, 1) < 0) return V_NULL;
    Value r = obj_repr(ts, args[0]);
    if (IS_NULL(r)) return V_NULL;
    Str *s = AS_STR(r);
    if (s->ascii) return r;
    StrBuf b;
    sb_init(&b);
    const char *p = s->data, *end = s->data + s->len;
    while (p < end) {
        uint32_t c = utf8_decode(&p);
        if (c < 0x80) sb_putc(&b, (char)c);
        else if (c < 0x100) sb_printf(&b, "\\x%02x", c);
        else if (c < 0x10000) sb_printf(&b, "\\u%04x", c);
        else sb_printf(&b, "\\U%08x", c);
    }
    v_decref(r);
    return V_OBJ(sb_finish(&b));
}

/* ---- round ---- */

/* Rounds a finite nonzero double to ndigits decimal places (CPython's correctly rounded result). */
static Value round_double(ThreadState *ts, double x, int64_t nd) {
    if (!isfinite(x) || x == 0.0) return V_FLOAT(x);
    if (nd > 323) return V_FLOAT(x);
    if (nd < -308) return V_FLOAT(0.0 * x);
    double r;
    if (nd >= 0) {
        char buf[800];
        snprintf(buf, sizeof buf, "%.*f", (int)nd, x);
        r = strtod(buf, NULL);
    } else {
        /* Round the exact integer part in decimal, half to even, with a sticky fraction bit. */
        double ip = trunc(x);
        bool sticky = ip != x;
        char digits[400];
        int len = snprintf(digits, sizeof digits, "%.0f", fabs(ip));
        int k = (int)-nd;
        char out[420];
        int olen;
        if (len < k) {
            olen = 0;
        } else {
            int keep = len - k;
            memcpy(out, digits, (size_t)keep);
            olen = keep;
            int first = digits[keep] - '0';
            bool rest = sticky;
            for (int i = keep + 1; i < len && !rest; i++)
                if (digits[i] != '0') rest = true;
            bool up = first > 5 || (first == 5 && (rest || (keep > 0 && (digits[keep - 1] - '0') % 2 == 1)));
            if (up) {
                int i = olen - 1;
                while (i >= 0 && out[i] == '9') out[i--] = '0';
                if (i >= 0) out[i]++;
                else { memmove(out + 1, out, (size_t)olen); out[0] = '1'; olen++; }
            }
        }
        if (olen == 0) return V_FLOAT(0.0 * x);
        char buf[440];
        snprintf(buf, sizeof buf, "%s%.*se%d", x < 0 ? "-" : "", olen, out, k);
        r = strtod(buf, NULL);
    }
    if (isinf(r)) return exc_raise(ts, &T_OverflowError, "rounded value too large to represent");
    return V_FLOAT(r);
}

/* Converts a float to int for round()/int(): OverflowError/ValueError for inf/nan. */
static Value float_to_int(ThreadState *ts, double d) {
    if (isinf(d)) return exc_raise(ts, &T_OverflowError, "cannot convert float infinity to integer");
    if (isnan(d)) return exc_raise(ts, &T_ValueError, "cannot convert float NaN to integer");
    return big_from_double(d);
}

static Value bi_round(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "number", "ndigits", NULL };
    Value a[2];
    if (bi_parse_args(ts, "round", args, nargs, kwnames, names, 2, 1, a) < 0) return V_NULL;
    Value x = a[0], nd = IS_NONE(a[1]) ? V_NULL : a[1];
    if (IS_FLOAT(x)) {
        if (IS_NULL(nd)) return float_to_int(ts, nearbyint(AS_FLOAT(x)));
        int64_t n;
        if (obj_as_index(ts, nd, &n) < 0) return V_NULL;
        return round_double(ts, AS_FLOAT(x), n);
    }
    if (IS_INTLIKE(x)) {
        int64_t v = AS_INT(x);
        if (IS_NULL(nd)) return V_INT(v);
        int64_t n;
        if (obj_as_index(ts, nd, &n) < 0) return V_NULL;
        if (n >= 0) return V_INT(v);
        if (n < -19) return V_INT(0);
        __int128 p = 1;
        for (int64_t i = 0; i < -n; i++) p *= 10;
        __int128 q = v / p, r = v % p;
        if (r < 0) { r += p; q -= 1; }
        /* Half to even. */
        if (2 * r > p || (2 * r == p && (q & 1))) q += 1;
        __int128 res = q * p;
        if (res > INT64_MAX || res < INT64_MIN) return big_round(ts, x, n);
        return V_INT((int64_t)res);
    }
    if (IS_BIG(x)) {
        if (IS_NULL(nd)) return v_new(x);
        int64_t n;
        if (obj_as_index(ts, nd, &n) < 0) return V_NULL;
        return big_round(ts, x, n);
    }
    Value f = type_lookup(obj_type(x), NAME(__round__));
    if (IS_NULL(f))
        return exc_raise(ts, &T_TypeError, "type %s doesn't define __round__ method", obj_type_name(x));
    if (IS_NULL(nd)) return obj_call1(ts, f, x);
    return obj_call2(ts, f, x, nd);
}

/* ---- sorted, sum ---- */

static Value bi_sorted(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const kws[] = { "key", "reverse", NULL };
    if (nargs != 1) return exc_raise(ts, &T_TypeError, "sorted expected 1 argument, got %d", nargs);
    Value kv[2] = { V_NULL, V_NULL };
    if (kwnames && parse_kwonly(ts, "sort", args, nargs, kwnames, kws, kv) < 0) return V_NULL;
    bool rev = false;
    if (!IS_NULL(kv[1])) {
        int t = obj_truthy(ts, kv[1]);
        if (t < 0) return V_NULL;
        rev = t;
    }
    Value key = IS_NONE(kv[0]) ? V_NULL : kv[0];
    Value l = IS_LIST(args[0]) ? V_OBJ(list_from_array(AS_LIST(args[0])->items, AS_LIST(args[0])->len))
                               : obj_to_list(ts, args[0]);
    if (IS_NULL(l)) return V_NULL;
    if (list_sort(ts, AS_OBJ(l), key, rev) < 0) { v_decref(l); return V_NULL; }
    return l;
}

static Value bi_sum(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    Value start = V_NULL;
    if (kwnames) {
        static const char *const kws[] = { "start", NULL };
        if (arg_check_kw(ts, "sum", kwnames, kws) < 0) return V_NULL;
        start = arg_kw(args, nargs, kwnames, "start");
    }
    if (nargs == 0)
        return exc_raise(ts, &T_TypeError, "sum() takes at least 1 positional argument (0 given)");
    if (nargs > 2 || (nargs == 2 && !IS_NULL(start)))
        return exc_raise(ts, &T_TypeError, "sum() takes at most 2 arguments (%d given)",
                         nargs + (IS_NULL(start) ? 0 : 1));
    if (nargs == 2) start = args[1];
    if (IS_NULL(start)) start = V_INT(0);
    if (IS_STR(start)) return exc_raise(ts, &T_TypeError, "sum() can't sum strings [use ''.join(seq) instead]");
    if (OBJ_IS(start, T_bytes))
        return exc_raise(ts, &T_TypeError, "sum() can't sum bytes [use b''.join(seq) instead]");
    Value it = obj_iter(ts, args[0]);
    if (IS_NULL(it)) return V_NULL;
    Value acc = v_new(start);
    for (;;) {
        Value x = obj_next(ts, it);
        if (IS_NULL(x)) break;
        if (IS_INT(acc) && IS_INTLIKE(x)) {
            int64_t r;
            if (!__builtin_add_overflow(AS_INT(acc), AS_INT(x), &r)) { acc = V_INT(r); continue; }
        } else if (IS_FLOAT(acc) && IS_FLOAT(x)) {
            acc = V_FLOAT(AS_FLOAT(acc) + AS_FLOAT(x));
            continue;
        } else if (IS_FLOAT(acc) && IS_INTLIKE(x)) {
            acc = V_FLOAT(AS_FLOAT(acc) + (double)AS_INT(x));
            continue;
        }
        Value r = obj_binop(ts, acc, x, BINOP_ADD);
        v_decref(x);
        v_decref(acc);
        if (IS_NULL(r)) { v_decref(it); return V_NULL; }
        acc = r;
    }
    v_decref(it);
    if (exc_pending(ts)) { v_decref(acc); return V_NULL; }
    return acc;
}

/* ---- dir, format, exit, __import__ ---- */

/* Adds the keys of a dict to a set. */
static int add_keys(ThreadState *ts, Obj *set, Obj *d) {
    int64_t pos = 0;
    Value k, v;
    while (dict_next(d, &pos, &k, &v))
        if (set_add(ts, set, k) < 0) return -1;
    return 0;
}

static Value bi_dir(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "dir", nargs, kwnames, 0, 1) < 0) return V_NULL;
    Obj *names = set_new();
    Value set = V_OBJ(names);
    if (nargs == 0) {
        Value d = frame_locals(ts);
        int r = add_keys(ts, names, AS_OBJ(d));
        v_decref(d);
        if (r < 0) goto fail;
    } else {
        Value v = args[0];
        Value custom = type_lookup(obj_type(v), str_intern("__dir__"));
        if (!IS_NULL(custom) && (obj_type(v)->flags & TF_HEAPTYPE)) {
            Value r = obj_call1(ts, custom, v);
            if (IS_NULL(r)) goto fail;
            int rc = set_update(ts, names, r);
            v_decref(r);
            if (rc < 0) goto fail;
        } else if (OBJ_IS(v, T_module)) {
            if (add_keys(ts, names, MODULE_DICT(AS_OBJ(v))) < 0) goto fail;
        } else {
            Value d = obj_getattr_opt(ts, v, NAME(__dict__));
            if (IS_NULL(d) && exc_pending(ts)) goto fail;
            if (IS_DICT(d) && add_keys(ts, names, AS_OBJ(d)) < 0) { v_decref(d); goto fail; }
            v_decref(d);
            Type *t0 = IS_TYPE(v) ? AS_TYPE(v) : obj_type(v);
            int64_t mi = 0;
            for (Type *t = t0; t; t = type_mro_next(t0, t, &mi))
                if (t->dict && add_keys(ts, names, t->dict) < 0) goto fail;
        }
    }
    Value l = obj_to_list(ts, set);
    v_decref(set);
    if (IS_NULL(l)) return V_NULL;
    if (list_sort(ts, AS_OBJ(l), V_NULL, false) < 0) { v_decref(l); return V_NULL; }
    return l;
fail:
    v_decref(set);
    return V_NULL;
}

static Value bi_format(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "value", "format_spec", NULL };
    Value a[2];
    if (bi_parse_args(ts, "format", args, nargs, kwnames, names, 2, 1, a) < 0) return V_NULL;
    if (!IS_NULL(a[1]) && !IS_STR(a[1]))
        return exc_raise(ts, &T_TypeError, "format() argument 2 must be str, not %s", obj_type_name(a[1]));
    return fmt_format(ts, a[0], IS_NULL(a[1]) ? NULL : AS_OBJ(a[1]));
}

static Value bi_exit(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "exit", nargs, kwnames, 0, 1) < 0) return V_NULL;
    Value e = exc_new(ts, &T_SystemExit, args, nargs);
    if (IS_NULL(e)) return V_NULL;
    exc_set(ts, e);
    return V_NULL;
}

static Value bi_import(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "name", "globals", "locals", "fromlist", "level", NULL };
    Value a[5];
    if (bi_parse_args(ts, "__import__", args, nargs, kwnames, names, 5, 1, a) < 0) return V_NULL;
    if (!IS_STR(a[0]))
        return exc_raise(ts, &T_TypeError, "__import__() argument 1 must be str, not %s", obj_type_name(a[0]));
    return module_import(ts, AS_OBJ(a[0]));
}

/* ---- enumerate ---- */

/* enumerate iterator: the underlying iterator and the next index. */
typedef struct Enumerate { Obj hdr; Value it; Value index; } Enumerate;

/* Drops the single iterator reference of Enumerate/Filter-like objects. */
static void enum_clear(Obj *o) {
    Enumerate *e = (Enumerate *)o;
    Value v = e->it;
    e->it = V_NULL;
    v_decref(v);
}

/* Drops the iterator and the index (an int, big past 64 bits) of an enumerate. */
static void enum_dealloc(Obj *o) {
    Enumerate *e = (Enumerate *)o;
    enum_clear(o);
    v_decref(e->index);
}

static void enum_traverse(Obj *o, VisitFn visit, void *arg) {
    Enumerate *e = (Enumerate *)o;
    if (!IS_NULL(e->it)) visit(e->it, arg);
}

static Value enum_new(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "iterable", "start", NULL };
    Value a[2];
    if (bi_parse_args(ts, "enumerate", args, nargs, kwnames, names, 2, 0, a) < 0) return V_NULL;
    if (IS_NULL(a[0])) return exc_raise(ts, &T_TypeError, "enumerate() missing required argument 'iterable'");
    int64_t start = 0;
    Value big = IS_NULL(a[1]) || !IS_BIG(a[1]) ? V_NULL : a[1];
    if (!IS_NULL(a[1]) && IS_NULL(big) && obj_as_index(ts, a[1], &start) < 0) return V_NULL;
    Value it = obj_iter(ts, a[0]);
    if (IS_NULL(it)) return V_NULL;
    Enumerate *e = (Enumerate *)obj_alloc(type, sizeof(Enumerate));
    e->it = it;
    e->index = IS_NULL(big) ? V_INT(start) : v_new(big);
    return V_OBJ(e);
}

static Value enum_next(ThreadState *ts, Value self) {
    Enumerate *e = (Enumerate *)AS_OBJ(self);
    if (IS_NULL(e->it)) return V_NULL;
    Value x = obj_next(ts, e->it);
    if (IS_NULL(x)) return V_NULL;
    Tuple *t = (Tuple *)tuple_new(2);
    t->items[0] = v_new(e->index);
    t->items[1] = x;
    if (IS_INT(e->index) && e->index.as.i != INT64_MAX) {
        e->index.as.i++;
    } else {
        /* counting on past 64 bits */
        Value n = big_binop(ts, e->index, V_INT(1), BINOP_ADD);
        if (IS_NULL(n)) { v_decref(V_OBJ(t)); return V_NULL; }
        v_set(&e->index, n);
    }
    return V_OBJ(t);
}

/* The enumerate type. */
Type T_enumerate = {
    .name = "enumerate", .basicsize = sizeof(Enumerate), .flags = TF_GC,
    .methods = iter_methods, .new_ = enum_new, .dealloc = enum_dealloc, .traverse = enum_traverse, .clear = enum_clear,
    .iter = obj_iter_self, .next = enum_next,
};

/* ---- filter ---- */

/* filter iterator: predicate (None: truthiness) and the underlying iterator. */
typedef struct Filter { Obj hdr; Value it; Value func; } Filter;

static void filter_clear(Obj *o) {
    Filter *f = (Filter *)o;
    Value a = f->it, b = f->func;
    f->it = f->func = V_NULL;
    v_decref(a);
    v_decref(b);
}

static void filter_traverse(Obj *o, VisitFn visit, void *arg) {
    Filter *f = (Filter *)o;
    if (!IS_NULL(f->it)) visit(f->it, arg);
    if (!IS_NULL(f->func)) visit(f->func, arg);
}

static Value filter_new(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "filter", nargs, kwnames, 2, 2) < 0) return V_NULL;
    Value it = obj_iter(ts, args[1]);
    if (IS_NULL(it)) return V_NULL;
    Filter *f = (Filter *)obj_alloc(type, sizeof(Filter));
    f->it = it;
    f->func = v_new(args[0]);
    return V_OBJ(f);
}

static Value filter_next(ThreadState *ts, Value self) {
    Filter *f = (Filter *)AS_OBJ(self);
    if (IS_NULL(f->it)) return V_NULL;
    for (;;) {
        Value x = obj_next(ts, f->it);
        if (IS_NULL(x)) return V_NULL;
        int t;
        if (IS_NONE(f->func) || (IS_OBJ(f->func) && AS_OBJ(f->func) == &T_bool.hdr)) {
            t = obj_truthy(ts, x);
        } else {
            Value r = obj_call1(ts, f->func, x);
            if (IS_NULL(r)) { v_decref(x); return V_NULL; }
            t = obj_truthy(ts, r);
            v_decref(r);
        }
        if (t < 0) { v_decref(x); return V_NULL; }
        if (t) return x;
        v_decref(x);
    }
}

/* The filter type. */
Type T_filter = {
    .name = "filter", .basicsize = sizeof(Filter), .flags = TF_GC,
    .methods = iter_methods, .new_ = filter_new, .dealloc = filter_clear, .traverse = filter_traverse, .clear = filter_clear,
    .iter = obj_iter_self, .next = filter_next,
};

/* ---- map ---- */

/* map iterator: the function and a tuple of iterators. */
typedef struct Map { Obj hdr; Value func; Obj *iters; } Map;

static void map_clear(Obj *o) {
    Map *m = (Map *)o;
    Value f = m->func;
    Obj *t = m->iters;
    m->func = V_NULL;
    m->iters = NULL;
    v_decref(f);
    o_xdecref(t);
}

static void map_traverse(Obj *o, VisitFn visit, void *arg) {
    Map *m = (Map *)o;
    if (!IS_NULL(m->func)) visit(m->func, arg);
    if (m->iters) visit(V_OBJ(m->iters), arg);
}

/* A tuple of iterators over args[0..n) (new reference) or NULL on error. */
static Obj *make_iters(ThreadState *ts, Value *args, int n) {
    Obj *t = tuple_new(n);
    for (int i = 0; i < n; i++) {
        Value it = obj_iter(ts, args[i]);
        if (IS_NULL(it)) {
            for (int j = i; j < n; j++) ((Tuple *)t)->items[j] = V_NONE;
            o_decref(t);
            return NULL;
        }
        ((Tuple *)t)->items[i] = it;
    }
    return t;
}

static Value map_new(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames) {
    if (arg_nkw(kwnames)) return exc_raise(ts, &T_TypeError, "map() takes no keyword arguments");
    if (nargs < 2) return exc_raise(ts, &T_TypeError, "map() must have at least two arguments.");
    Obj *iters = make_iters(ts, args + 1, nargs - 1);
    if (!iters) return V_NULL;
    Map *m = (Map *)obj_alloc(type, sizeof(Map));
    m->func = v_new(args[0]);
    m->iters = iters;
    return V_OBJ(m);
}

static Value map_next(ThreadState *ts, Value self) {
    Map *m = (Map *)AS_OBJ(self);
    if (!m->iters) return V_NULL;
    Tuple *its = (Tuple *)m->iters;
    int n = (int)its->len;
    Value buf[8];
    Value *items = n <= 8 ? buf : malloc(sizeof(Value) * (size_t)n);
    Value r = V_NULL;
    int got = 0;
    for (; got < n; got++) {
        items[got] = obj_next(ts, its->items[got]);
        if (IS_NULL(items[got])) goto done;
    }
    r = obj_call(ts, m->func, items, n, NULL);
done:
    for (int i = 0; i < got; i++) v_decref(items[i]);
    if (items != buf) free(items);
    return r;
}

/* The map type. */
Type T_map = {
    .name = "map", .basicsize = sizeof(Map), .flags = TF_GC,
    .methods = iter_methods, .new_ = map_new, .dealloc = map_clear, .traverse = map_traverse, .clear = map_clear,
    .iter = obj_iter_self, .next = map_next,
};

/* ---- zip ---- */

/* zip iterator: a tuple of iterators and the strict flag. */
typedef struct Zip { Obj hdr; Obj *iters; bool strict; } Zip;

static void zip_clear(Obj *o) {
    Zip *z = (Zip *)o;
    Obj *t = z->iters;
    z->iters = NULL;
    o_xdecref(t);
}

static void zip_traverse(Obj *o, VisitFn visit, void *arg) {
    Zip *z = (Zip *)o;
    if (z->iters) visit(V_OBJ(z->iters), arg);
}

static Value zip_new(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames) {
    bool strict = false;
    int nkw = arg_nkw(kwnames);
    if (nkw) {
        static const char *const kws[] = { "strict", NULL };
        if (arg_check_kw(ts, "zip", kwnames, kws) < 0) return V_NULL;
        if (nkw > 1)
            return exc_raise(ts, &T_TypeError, "zip() takes at most 1 keyword argument (%d given)", nkw);
        int t = obj_truthy(ts, args[nargs]);
        if (t < 0) return V_NULL;
        strict = t;
    }
    Obj *iters = make_iters(ts, args, nargs);
    if (!iters) return V_NULL;
    Zip *z = (Zip *)obj_alloc(type, sizeof(Zip));
    z->iters = iters;
    z->strict = strict;
    return V_OBJ(z);
}

static Value zip_next(ThreadState *ts, Value self) {
    Zip *z = (Zip *)AS_OBJ(self);
    if (!z->iters) return V_NULL;
    Tuple *its = (Tuple *)z->iters;
    int64_t n = its->len;
    if (n == 0) return V_NULL;
    Tuple *res = (Tuple *)tuple_new(n);
    for (int64_t i = 0; i < n; i++) {
        Value x = obj_next(ts, its->items[i]);
        if (IS_NULL(x)) {
            for (int64_t j = i; j < n; j++) res->items[j] = V_NONE;
            o_decref(&res->hdr);
            if (exc_pending(ts) || !z->strict) return V_NULL;
            if (i > 0) {
                return exc_raise(ts, &T_ValueError, "zip() argument %d is shorter than argument%s%d",
                                 (int)i + 1, i == 1 ? " " : "s 1-", (int)i);
            }
            for (int64_t j = 1; j < n; j++) {
                Value y = obj_next(ts, its->items[j]);
                if (!IS_NULL(y)) {
                    v_decref(y);
                    return exc_raise(ts, &T_ValueError, "zip() argument %d is longer than argument%s%d",
                                     (int)j + 1, j == 1 ? " " : "s 1-", (int)j);
                }
                if (exc_pending(ts)) return V_NULL;
            }
            return V_NULL;
        }
        res->items[i] = x;
    }
    return V_OBJ(res);
}

/* The zip type. */
Type T_zip = {
    .name = "zip", .basicsize = sizeof(Zip), .flags = TF_GC,
    .methods = iter_methods, .new_ = zip_new, .dealloc = zip_clear, .traverse = zip_traverse, .clear = zip_clear,
    .iter = obj_iter_self, .next = zip_next,
};

/* ---- reversed ---- */

/* reversed iterator over a sequence: the sequence and the next index (counting down). */
typedef struct Reversed { Obj hdr; Value seq; int64_t index; } Reversed;

static Value reversed_new(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames) {
    if (arg_nkw(kwnames)) return exc_raise(ts, &T_TypeError, "reversed() takes no keyword arguments");
    if (nargs != 1) return exc_raise(ts, &T_TypeError, "reversed expected 1 argument, got %d", nargs);
    Value seq = args[0];
    Type *t = obj_type(seq);
    Value seqref;
    if (IS_LIST(seq) || IS_TUPLE(seq) || IS_STR(seq) || OBJ_IS(seq, T_range) || OBJ_IS(seq, T_bytes)) {
        seqref = v_new(seq);
    } else if (IS_DICT(seq)) {
        seqref = obj_to_list(ts, seq);
        if (IS_NULL(seqref)) return V_NULL;
    } else {
        Value f = type_lookup(t, NAME(__reversed__));
        if (!IS_NULL(f)) {
            if (IS_NONE(f))
                return exc_raise(ts, &T_TypeError, "'%s' object is not reversible", t->name);
            return obj_call1(ts, f, seq);
        }
        bool seqlike = t != &T_dict && t != &T_set && t->len && t->getitem;
        if (t->flags & TF_HEAPTYPE)
            seqlike = !IS_NULL(type_lookup(t, NAME(__len__))) && !IS_NULL(type_lookup(t, NAME(__getitem__)));
        if (!seqlike) return exc_raise(ts, &T_TypeError, "'%s' object is not reversible", t->name);
        seqref = v_new(seq);
    }
    int64_t n = obj_len(ts, seqref);
    if (n < 0) { v_decref(seqref); return V_NULL; }
    Reversed *r = (Reversed *)obj_alloc(type, sizeof(Reversed));
    r->seq = seqref;
    r->index = n - 1;
    return V_OBJ(r);
}

static void reversed_clear(Obj *o) {
    Reversed *r = (Reversed *)o;
    Value v = r->seq;
    r->seq = V_NULL;
    v_decref(v);
}

static void reversed_traverse(Obj *o, VisitFn visit, void *arg) {
    Reversed *r = (Reversed *)o;
    if (!IS_NULL(r->seq)) visit(r->seq, arg);
}

static Value reversed_next(ThreadState *ts, Value self) {
    Reversed *r = (Reversed *)AS_OBJ(self);
    if (IS_NULL(r->seq)) return V_NULL;
    if (r->index >= 0) {
        if (IS_LIST(r->seq)) {
            List *l = AS_LIST(r->seq);
            if (r->index < l->len) return v_new(l->items[r->index--]);
        } else {
            Value x = obj_getitem(ts, r->seq, V_INT(r->index));
            r->index--;
            if (!IS_NULL(x)) return x;
            if (!exc_matches(ts, &T_IndexError) && !exc_matches(ts, &T_StopIteration)) return V_NULL;
            exc_clear(ts);
        }
    }
    r->index = -1;
    reversed_clear(&r->hdr);
    return V_NULL;
}

/* The reversed type. */
Type T_reversed = {
    .name = "reversed", .basicsize = sizeof(Reversed), .flags = TF_GC,
    .methods = iter_methods, .new_ = reversed_new, .dealloc = reversed_clear, .traverse = reversed_traverse,
    .clear = reversed_clear, .iter = obj_iter_self, .next = reversed_next,
};

/* ---- the module ---- */

static Value bi_open(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return io_open(ts, args, nargs, kwnames);
}

static const MethodDef builtin_functions[] = {
    { "print", bi_print, 0 },
    { "len", bi_len, 0 },
    { "isinstance", bi_isinstance, 0 },
    { "abs", bi_abs, 0 },
    { "all", bi_all, 0 },
    { "any", bi_any, 0 },
    { "ascii", bi_ascii, 0 },
    { "bin", bi_bin, 0 },
    { "callable", bi_callable, 0 },
    { "chr", bi_chr, 0 },
    { "delattr", bi_delattr, 0 },
    { "dir", bi_dir, 0 },
    { "divmod", bi_divmod, 0 },
    { "exit", bi_exit, 0 },
    { "format", bi_format, 0 },
    { "getattr", bi_getattr, 0 },
    { "globals", bi_globals, 0 },
    { "hasattr", bi_hasattr, 0 },
    { "hash", bi_hash, 0 },
    { "hex", bi_hex, 0 },
    { "id", bi_id, 0 },
    { "input", bi_input, 0 },
    { "issubclass", bi_issubclass, 0 },
    { "iter", bi_iter, 0 },
    { "locals", bi_locals, 0 },
    { "max", bi_max, 0 },
    { "min", bi_min, 0 },
    { "next", bi_next, 0 },
    { "oct", bi_oct, 0 },
    { "open", bi_open, 0 },
    { "ord", bi_ord, 0 },
    { "pow", bi_pow, 0 },
    { "quit", bi_exit, 0 },
    { "repr", bi_repr, 0 },
    { "round", bi_round, 0 },
    { "setattr", bi_setattr, 0 },
    { "sorted", bi_sorted, 0 },
    { "sum", bi_sum, 0 },
    { "vars", bi_vars, 0 },
    { "__import__", bi_import, 0 },
    { NULL, NULL, 0 },
};

/* Types exposed in builtins under their own names. */
static Type *const builtin_types[] = {
    &T_object, &T_type, &T_int, &T_float, &T_bool, &T_str, &T_bytes, &T_list, &T_tuple,
    &T_dict, &T_set, &T_range, &T_slice, &T_staticmethod, &T_classmethod, &T_property,
    &T_super, &T_enumerate, &T_filter, &T_map, &T_zip, &T_reversed,
    &T_BaseException, &T_Exception, &T_SystemExit, &T_KeyboardInterrupt,
    &T_GeneratorExit, &T_StopIteration, &T_ArithmeticError, &T_ZeroDivisionError,
    &T_OverflowError, &T_AssertionError, &T_AttributeError, &T_LookupError, &T_IndexError,
    &T_KeyError, &T_NameError, &T_UnboundLocalError, &T_TypeError, &T_ValueError,
    &T_UnicodeError, &T_RuntimeError, &T_RecursionError, &T_NotImplementedError,
    &T_ImportError, &T_ModuleNotFoundError, &T_MemoryError, &T_OSError,
    &T_FileNotFoundError, &T_FileExistsError, &T_PermissionError, &T_IsADirectoryError,
    &T_ChildProcessError, &T_TimeoutError, &T_InterruptedError, &T_BrokenPipeError,
    &T_ProcessLookupError, &T_ConnectionError, &T_ConnectionAbortedError, &T_ConnectionRefusedError,
    &T_ConnectionResetError, &T_NotADirectoryError, &T_BlockingIOError, &T_UnicodeEncodeError,
    &T_UnicodeDecodeError, &T_UnicodeTranslateError,
    &T_EOFError, &T_SyntaxError, &T_IndentationError, &T_TabError, &T_BufferError, &T_Warning,
    NULL,
};

/* The returned module reference is the one the_interp.builtins_module holds; the_interp.builtins borrows its dict. */
Obj *builtins_create(ThreadState *ts) {
    static Type *const own_types[] = { &T_enumerate, &T_filter, &T_map, &T_zip, &T_reversed,
                                       &T_callable_iterator, NULL };
    for (int i = 0; own_types[i]; i++) type_ready(own_types[i]);
    Obj *name = str_intern("builtins");
    Obj *m = module_new(name);
    Obj *d = MODULE_DICT(m);
    func_add_methods(d, builtin_functions, name);
    for (int i = 0; builtin_types[i]; i++) {
        Type *t = builtin_types[i];
        type_ready(t);
        dict_set_cstr(d, t->name, V_OBJ(t));
    }
    dict_set_cstr(d, "EnvironmentError", V_OBJ(&T_OSError));
    dict_set_cstr(d, "IOError", V_OBJ(&T_OSError));
    dict_set_cstr(d, "NotImplemented", V_NOTIMPL);
    dict_set_cstr(d, "Ellipsis", V_OBJ(&Ellipsis_obj));
    dict_set_cstr(d, "None", V_NONE);
    dict_set_cstr(d, "True", V_TRUE);
    dict_set_cstr(d, "False", V_FALSE);
    dict_set_str(d, NAME(__name__), V_OBJ(name));
    the_interp.builtins = d;  /* borrowed from the module */
    the_interp.builtins_module = m;
    return m;
}
