/* args.c — argument checks of native functions and methods (vm/args.h). */
#include "args.h"
#include "objects/tuple.h"
#include "objects/str.h"
#include "objects/long.h"
#include "exc.h"
#include "state.h"
#include <string.h>

int arg_nkw(Obj *kwnames)
{
    return kwnames ? (int)((Tuple *)kwnames)->len : 0;
}

int arg_none(ThreadState *ts, const char *qual, int n, Obj *kwnames)
{
    if (arg_nkw(kwnames)) {
        exc_raise(ts, &T_TypeError, "%s() takes no keyword arguments", qual);
        return -1;
    }
    if (n != 0) {
        exc_raise(ts, &T_TypeError, "%s() takes no arguments (%d given)", qual, n);
        return -1;
    }
    return 0;
}

int arg_one(ThreadState *ts, const char *qual, int n, Obj *kwnames)
{
    if (arg_nkw(kwnames)) {
        exc_raise(ts, &T_TypeError, "%s() takes no keyword arguments", qual);
        return -1;
    }
    if (n != 1) {
        exc_raise(ts, &T_TypeError, "%s() takes exactly one argument (%d given)", qual, n);
        return -1;
    }
    return 0;
}

int arg_range(ThreadState *ts, const char *name, const char *qual, int n, Obj *kwnames,
               int lo, int hi, int style)
{
    if (arg_nkw(kwnames)) {
        exc_raise(ts, &T_TypeError, "%s() takes no keyword arguments", qual);
        return -1;
    }
    if (n < lo) {
        if (style)
            exc_raise(ts, &T_TypeError, "%s() takes at least %d argument%s (%d given)", name,
                      lo, lo == 1 ? "" : "s", n);
        else
            exc_raise(ts, &T_TypeError, "%s expected at least %d argument%s, got %d", name, lo,
                      lo == 1 ? "" : "s", n);
        return -1;
    }
    if (n > hi) {
        if (style)
            exc_raise(ts, &T_TypeError, "%s() takes at most %d argument%s (%d given)", name,
                      hi, hi == 1 ? "" : "s", n);
        else
            exc_raise(ts, &T_TypeError, "%s expected at most %d argument%s, got %d", name, hi,
                      hi == 1 ? "" : "s", n);
        return -1;
    }
    return 0;
}

int arg_parse(ThreadState *ts, const char *fname, Value *args, int n, Obj *kwnames,
               int nkwstart, const char *const *names, Value *out)
{
    int nnames = 0;
    while (names[nnames]) nnames++;
    for (int i = 0; i < nnames; i++) out[i] = V_NULL;
    int nkw = arg_nkw(kwnames);
    if (n + nkw > nnames) {
        exc_raise(ts, &T_TypeError, "%s() takes at most %d argument%s (%d given)", fname,
                  nnames, nnames == 1 ? "" : "s", n + nkw);
        return -1;
    }
    if (n > nnames) n = nnames;
    for (int i = 0; i < n; i++) out[i] = args[i];
    for (int k = 0; k < nkw; k++) {
        Obj *kn = AS_OBJ(((Tuple *)kwnames)->items[k]);
        int found = -1;
        for (int i = nkwstart; i < nnames; i++)
            if (str_eq_cstr(kn, names[i])) { found = i; break; }
        if (found < 0) {
            exc_raise(ts, &T_TypeError, "'%s' is an invalid keyword argument for %s()",
                      STR_DATA(kn), fname);
            return -1;
        }
        if (found < n) {
            exc_raise(ts, &T_TypeError, "argument for %s() given by name ('%s') and position (%d)",
                      fname, names[found], found + 1);
            return -1;
        }
        out[found] = args[n + k];
    }
    return 0;
}

int arg_index(ThreadState *ts, Value v, int64_t *out)
{
    if (IS_INTLIKE(v)) { *out = AS_INT(v); return 0; }
    if (obj_as_index(ts, v, out) < 0 && !IS_NULL(ts->exc)) return -1;
    return 0;
}

int arg_slice_bound(ThreadState *ts, Value v, int64_t *out)
{
    if (IS_NULL(v) || IS_NONE(v)) return 0;
    if (IS_INTLIKE(v)) { *out = AS_INT(v); return 0; }
    if (IS_BIG(v)) { *out = mpz_sgn(BIG_Z(v)) > 0 ? INT64_MAX : INT64_MIN; return 0; }
    if (v.tag == VT_OBJ && !IS_NULL(type_lookup(obj_type(v), NAME(__index__))))
        return arg_index(ts, v, out);
    exc_raise(ts, &T_TypeError,
              "slice indices must be integers or None or have an __index__ method");
    return -1;
}

void arg_adjust(int64_t *start, int64_t *end, int64_t len)
{
    if (*end > len) *end = len;
    else if (*end < 0) { *end += len; if (*end < 0) *end = 0; }
    if (*start < 0) { *start += len; if (*start < 0) *start = 0; }
}

int arg_no_kw(ThreadState *ts, const char *type, const char *name, Obj *kwnames)
{
    if (kwnames && ((Tuple *)kwnames)->len) {
        exc_raise(ts, &T_TypeError, "%s.%s() takes no keyword arguments", type, name);
        return -1;
    }
    return 0;
}


int arg_count(ThreadState *ts, const char *fname, int nargs, Obj *kwnames, int lo, int hi) {
    if (kwnames && ((Tuple *)kwnames)->len > 0) {
        exc_raise(ts, &T_TypeError, "%s() takes no keyword arguments", fname);
        return -1;
    }
    if (nargs >= lo && nargs <= hi) return 0;
    if (lo == hi) {
        if (lo == 0) exc_raise(ts, &T_TypeError, "%s() takes no arguments (%d given)", fname, nargs);
        else if (lo == 1) exc_raise(ts, &T_TypeError, "%s() takes exactly one argument (%d given)", fname, nargs);
        else exc_raise(ts, &T_TypeError, "%s expected %d arguments, got %d", fname, lo, nargs);
    } else if (nargs < lo) {
        exc_raise(ts, &T_TypeError, "%s expected at least %d argument%s, got %d", fname, lo, lo == 1 ? "" : "s", nargs);
    } else {
        exc_raise(ts, &T_TypeError, "%s expected at most %d argument%s, got %d", fname, hi, hi == 1 ? "" : "s", nargs);
    }
    return -1;
}

Value arg_kw(Value *args, int nargs, Obj *kwnames, const char *name) {
    if (!kwnames) return V_NULL;
    Tuple *kw = (Tuple *)kwnames;
    for (int64_t i = 0; i < kw->len; i++)
        if (str_eq_cstr(AS_OBJ(kw->items[i]), name)) return args[nargs + i];
    return V_NULL;
}

int arg_check_kw(ThreadState *ts, const char *fname, Obj *kwnames, const char *const *allowed) {
    if (!kwnames) return 0;
    Tuple *kw = (Tuple *)kwnames;
    for (int64_t i = 0; i < kw->len; i++) {
        const char *k = STR_DATA(AS_OBJ(kw->items[i]));
        bool ok = false;
        for (const char *const *a = allowed; a && *a; a++)
            if (strcmp(*a, k) == 0) { ok = true; break; }
        if (!ok) {
            exc_raise(ts, &T_TypeError, "%s() got an unexpected keyword argument '%s'", fname, k);
            return -1;
        }
    }
    return 0;
}

const char *arg_type_name(Value v) { return IS_NONE(v) ? "None" : obj_type_name(v); }

int arg_bind(ThreadState *ts, const char *fname, Value *args, int nargs, Obj *kwnames,
             const char *const *names, int nrequired, Value *out) {
    int n = 0;
    while (names[n]) n++;
    int nkw = kwnames ? (int)((Tuple *)kwnames)->len : 0;
    if (nargs + nkw > n) {
        if (nkw == 0)
            exc_raise(ts, &T_TypeError, "%s() takes at most %d argument%s (%d given)", fname, n, n == 1 ? "" : "s", nargs);
        else
            exc_raise(ts, &T_TypeError, "%s() takes at most %d keyword argument%s (%d given)", fname, n, n == 1 ? "" : "s", nargs + nkw);
        return -1;
    }
    for (int i = 0; i < n; i++) out[i] = i < nargs ? args[i] : V_NULL;
    for (int k = 0; k < nkw; k++) {
        const char *kn = STR_DATA(AS_OBJ(((Tuple *)kwnames)->items[k]));
        int i = 0;
        while (i < n && strcmp(names[i], kn) != 0) i++;
        if (i == n) {
            exc_raise(ts, &T_TypeError, "'%s' is an invalid keyword argument for %s()", kn, fname);
            return -1;
        }
        if (i < nargs) {
            exc_raise(ts, &T_TypeError, "argument for %s() given by name ('%s') and position (%d)", fname, kn, i + 1);
            return -1;
        }
        out[i] = args[nargs + k];
    }
    for (int i = 0; i < nrequired; i++)
        if (IS_NULL(out[i])) {
            exc_raise(ts, &T_TypeError, "%s() missing required argument '%s' (pos %d)", fname, names[i], i + 1);
            return -1;
        }
    return 0;
}

int arg_type(ThreadState *ts, const char *fname, Value v, Type *t, int argno) {
    if (obj_isinstance(v, t)) return 0;
    exc_raise(ts, &T_TypeError, "%s() argument %d must be %s, not %s", fname, argno, t->name, obj_type_name(v));
    return -1;
}
