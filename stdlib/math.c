/* math.c — the math module: CPython's functions and error conventions on C doubles and
 * 64-bit ints. */
#include "builtins.h"
#include "state.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "objects/num.h"
#include "objects/long.h"
#include "exc.h"
#include "module.h"
#include "args.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <float.h>

/* Raises ValueError("math domain error"). */
static Value domain_error(ThreadState *ts) { return exc_raise(ts, &T_ValueError, "math domain error"); }

/* Raises OverflowError("math range error"). */
static Value range_error(ThreadState *ts) { return exc_raise(ts, &T_OverflowError, "math range error"); }

/* Applies a one-argument libm function with CPython's math_1 error checks. */
static Value math_1(ThreadState *ts, const char *qual, Value *args, int nargs, Obj *kwnames,
                    double (*fn)(double), bool can_overflow) {
    if (arg_count(ts, qual, nargs, kwnames, 1, 1) < 0) return V_NULL;
    double x;
    if (bi_to_double(ts, args[0], &x) < 0) return V_NULL;
    double r = fn(x);
    if (isnan(r) && !isnan(x)) return domain_error(ts);
    if (isinf(r) && isfinite(x)) return can_overflow ? range_error(ts) : domain_error(ts);
    return V_FLOAT(r);
}

/* Defines math.NAME as math_1 over the C function FN. */
#define MATH1(name, fn, ovf)                                                              \
    static Value math_##name(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {    \
        return math_1(ts, "math." #name, args, nargs, kwnames, fn, ovf);                 \
    }

/* sqrt that reports negatives as NaN (domain error). */
static double m_sqrt(double x) { return sqrt(x); }
/* log that turns 0 into a domain error (NaN). */
static double m_log(double x) { return x > 0 || isnan(x) || isinf(x) ? log(x) : NAN; }
static double m_log2(double x) { return x > 0 || isnan(x) || isinf(x) ? log2(x) : NAN; }
static double m_log10(double x) { return x > 0 || isnan(x) || isinf(x) ? log10(x) : NAN; }
static double m_log1p(double x) { return x > -1 || isnan(x) || isinf(x) ? log1p(x) : NAN; }
/* gamma with CPython's poles as domain errors. */
static double m_gamma(double x) {
    if (x <= 0 && x == floor(x) && isfinite(x)) return NAN;
    return tgamma(x);
}
static double m_lgamma(double x) {
    if (x <= 0 && x == floor(x) && isfinite(x)) return NAN;
    return lgamma(x);
}
static double m_degrees(double x) { return x * (180.0 / M_PI); }
static double m_radians(double x) { return x * (M_PI / 180.0); }
/* atanh with ±1 as domain errors. */
static double m_atanh(double x) { return fabs(x) >= 1 ? NAN : atanh(x); }

MATH1(sqrt, m_sqrt, false)
MATH1(exp, exp, true)
MATH1(exp2, exp2, true)
MATH1(expm1, expm1, true)
MATH1(log2, m_log2, false)
MATH1(log10, m_log10, false)
MATH1(log1p, m_log1p, false)
MATH1(sin, sin, false)
MATH1(cos, cos, false)
MATH1(tan, tan, false)
MATH1(asin, asin, false)
MATH1(acos, acos, false)
MATH1(atan, atan, false)
MATH1(sinh, sinh, true)
MATH1(cosh, cosh, true)
MATH1(tanh, tanh, false)
MATH1(asinh, asinh, false)
MATH1(acosh, acosh, false)
MATH1(atanh, m_atanh, false)
MATH1(erf, erf, false)
MATH1(erfc, erfc, false)
MATH1(gamma, m_gamma, true)
MATH1(lgamma, m_lgamma, true)
MATH1(fabs, fabs, false)
MATH1(cbrt, cbrt, false)
MATH1(degrees, m_degrees, true)
MATH1(radians, m_radians, false)

/* Converts a float result of floor/ceil/trunc to int with CPython's errors. */
static Value double_to_int(ThreadState *ts, double d) {
    if (isinf(d)) return exc_raise(ts, &T_OverflowError, "cannot convert float infinity to integer");
    if (isnan(d)) return exc_raise(ts, &T_ValueError, "cannot convert float NaN to integer");
    return big_from_double(d);
}

/* floor/ceil/trunc: ints unchanged, floats rounded, else the dunder. */
static Value round_int(ThreadState *ts, Value *args, int nargs, Obj *kwnames, const char *qual,
                       const char *dunder, double (*fn)(double)) {
    if (arg_count(ts, qual, nargs, kwnames, 1, 1) < 0) return V_NULL;
    Value v = args[0];
    if (IS_INTLIKE(v)) return V_INT(AS_INT(v));
    if (IS_BIG(v)) return v_new(v);
    if (IS_FLOAT(v)) return double_to_int(ts, fn(AS_FLOAT(v)));
    Value f = type_lookup(obj_type(v), str_intern(dunder));
    if (!IS_NULL(f)) return obj_call1(ts, f, v);
    if (fn == trunc)
        return exc_raise(ts, &T_TypeError, "type %s doesn't define __trunc__ method", obj_type_name(v));
    double d;
    if (bi_to_double(ts, v, &d) < 0) return V_NULL;
    return double_to_int(ts, fn(d));
}

static Value math_floor(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return round_int(ts, args, nargs, kwnames, "math.floor", "__floor__", floor);
}

static Value math_ceil(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return round_int(ts, args, nargs, kwnames, "math.ceil", "__ceil__", ceil);
}

static Value math_trunc(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return round_int(ts, args, nargs, kwnames, "math.trunc", "__trunc__", trunc);
}

/* Reads two float arguments. */
static int two_doubles(ThreadState *ts, const char *name, Value *args, int nargs, Obj *kwnames,
                       double *x, double *y) {
    if (arg_count(ts, name, nargs, kwnames, 2, 2) < 0) return -1;
    if (bi_to_double(ts, args[0], x) < 0 || bi_to_double(ts, args[1], y) < 0) return -1;
    return 0;
}

static Value math_log(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "log", nargs, kwnames, 1, 2) < 0) return V_NULL;
    double x;
    if (bi_to_double(ts, args[0], &x) < 0) return V_NULL;
    double num = m_log(x);
    if (isnan(num) && !isnan(x)) return domain_error(ts);
    if (nargs == 1) return V_FLOAT(num);
    double b;
    if (bi_to_double(ts, args[1], &b) < 0) return V_NULL;
    double den = m_log(b);
    if (isnan(den) && !isnan(b)) return domain_error(ts);
    if (den == 0) return exc_raise(ts, &T_ZeroDivisionError, "float division by zero");
    return V_FLOAT(num / den);
}

static Value math_pow(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    double x, y;
    if (two_doubles(ts, "pow", args, nargs, kwnames, &x, &y) < 0) return V_NULL;
    if (!isfinite(x) || !isfinite(y)) {
        if (isnan(x)) return V_FLOAT(y == 0.0 ? 1.0 : x);
        if (isnan(y)) return V_FLOAT(x == 1.0 ? 1.0 : y);
        return V_FLOAT(pow(x, y));
    }
    if (x == 0.0 && y < 0) return domain_error(ts);
    if (x < 0 && y != floor(y)) return domain_error(ts);
    double r = pow(x, y);
    if (isinf(r)) return range_error(ts);
    return V_FLOAT(r);
}

static Value math_atan2(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    double y, x;
    if (two_doubles(ts, "atan2", args, nargs, kwnames, &y, &x) < 0) return V_NULL;
    return V_FLOAT(atan2(y, x));
}

static Value math_copysign(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    double x, y;
    if (two_doubles(ts, "copysign", args, nargs, kwnames, &x, &y) < 0) return V_NULL;
    return V_FLOAT(copysign(x, y));
}

static Value math_fmod(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    double x, y;
    if (two_doubles(ts, "fmod", args, nargs, kwnames, &x, &y) < 0) return V_NULL;
    if (isinf(y) && isfinite(x)) return V_FLOAT(x);
    double r = fmod(x, y);
    if (isnan(r) && !isnan(x) && !isnan(y)) return domain_error(ts);
    return V_FLOAT(r);
}

static Value math_remainder(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    double x, y;
    if (two_doubles(ts, "remainder", args, nargs, kwnames, &x, &y) < 0) return V_NULL;
    if (isnan(x) || isnan(y)) return V_FLOAT(NAN);
    if (isinf(x) || y == 0.0) return domain_error(ts);
    if (isinf(y)) return V_FLOAT(x);
    return V_FLOAT(remainder(x, y));
}

static Value math_hypot(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_nkw(kwnames)) return exc_raise(ts, &T_TypeError, "hypot() takes no keyword arguments");
    double acc = 0.0, maxv = 0.0;
    bool has_inf = false, has_nan = false;
    double *vals = malloc(sizeof(double) * (size_t)(nargs + 1));
    for (int i = 0; i < nargs; i++) {
        if (bi_to_double(ts, args[i], &vals[i]) < 0) { free(vals); return V_NULL; }
        double a = fabs(vals[i]);
        if (isinf(a)) has_inf = true;
        if (isnan(a)) has_nan = true;
        if (a > maxv) maxv = a;
    }
    if (has_inf) { free(vals); return V_FLOAT(INFINITY); }
    if (has_nan) { free(vals); return V_FLOAT(NAN); }
    if (nargs == 2) { double r = hypot(vals[0], vals[1]); free(vals); return V_FLOAT(r); }
    if (maxv == 0 || nargs <= 1) { free(vals); return V_FLOAT(maxv); }
    long double lacc = 0.0L;
    for (int i = 0; i < nargs; i++) {
        long double q = (long double)vals[i] / (long double)maxv;
        lacc += q * q;
    }
    free(vals);
    (void)acc;
    return V_FLOAT((double)((long double)maxv * sqrtl(lacc)));
}

static Value math_dist(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "dist", nargs, kwnames, 2, 2) < 0) return V_NULL;
    Value p = obj_to_tuple(ts, args[0]);
    if (IS_NULL(p)) return V_NULL;
    Value q = obj_to_tuple(ts, args[1]);
    if (IS_NULL(q)) { v_decref(p); return V_NULL; }
    Value r = V_NULL;
    int64_t n = AS_TUPLE(p)->len;
    if (AS_TUPLE(q)->len != n) {
        exc_raise(ts, &T_ValueError, "both points must have the same number of dimensions");
        goto out;
    }
    Value *diffs = malloc(sizeof(Value) * (size_t)(n + 1));
    for (int64_t i = 0; i < n; i++) {
        double a, b;
        if (bi_to_double(ts, AS_TUPLE(p)->items[i], &a) < 0 || bi_to_double(ts, AS_TUPLE(q)->items[i], &b) < 0) {
            free(diffs);
            goto out;
        }
        diffs[i] = V_FLOAT(a - b);
    }
    r = math_hypot(ts, diffs, (int)n, NULL);
    free(diffs);
out:
    v_decref(p);
    v_decref(q);
    return r;
}

static Value math_ldexp(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "ldexp", nargs, kwnames, 2, 2) < 0) return V_NULL;
    double x;
    int64_t e;
    if (bi_to_double(ts, args[0], &x) < 0) return V_NULL;
    if (IS_FLOAT(args[1])) return exc_raise(ts, &T_TypeError, "Expected an int as second argument to ldexp.");
    if (obj_as_index(ts, args[1], &e) < 0) return V_NULL;
    if (x == 0 || !isfinite(x)) return V_FLOAT(x);
    if (e > 100000) e = 100000;
    if (e < -100000) e = -100000;
    double r = ldexp(x, (int)e);
    if (isinf(r)) return range_error(ts);
    return V_FLOAT(r);
}

static Value math_frexp(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "math.frexp", nargs, kwnames, 1, 1) < 0) return V_NULL;
    double x;
    if (bi_to_double(ts, args[0], &x) < 0) return V_NULL;
    int e = 0;
    double m = (isnan(x) || isinf(x) || x == 0) ? x : frexp(x, &e);
    return V_OBJ(tuple_pack(2, V_FLOAT(m), V_INT(e)));
}

static Value math_modf(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "math.modf", nargs, kwnames, 1, 1) < 0) return V_NULL;
    double x;
    if (bi_to_double(ts, args[0], &x) < 0) return V_NULL;
    if (isinf(x)) return V_OBJ(tuple_pack(2, V_FLOAT(copysign(0.0, x)), V_FLOAT(x)));
    double ip;
    double fp = modf(x, &ip);
    return V_OBJ(tuple_pack(2, V_FLOAT(fp), V_FLOAT(ip)));
}

/* Defines a float predicate math.NAME. */
#define MATH_PRED(name, expr)                                                              \
    static Value math_##name(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {     \
        if (arg_count(ts, "math." #name, nargs, kwnames, 1, 1) < 0) return V_NULL;        \
        double x;                                                                         \
        if (bi_to_double(ts, args[0], &x) < 0) return V_NULL;                             \
        return V_BOOL(expr);                                                              \
    }

MATH_PRED(isnan, isnan(x))
MATH_PRED(isinf, isinf(x))
MATH_PRED(isfinite, isfinite(x))

static Value math_isclose(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "a", "b", "rel_tol", "abs_tol", NULL };
    Value a[4];
    if (nargs > 2) return exc_raise(ts, &T_TypeError, "isclose() takes exactly 2 positional arguments (%d given)", nargs);
    if (bi_parse_args(ts, "isclose", args, nargs, kwnames, names, 2, 2, a) < 0) return V_NULL;
    double x, y, rel = 1e-9, abs_tol = 0.0;
    if (bi_to_double(ts, a[0], &x) < 0 || bi_to_double(ts, a[1], &y) < 0) return V_NULL;
    if (!IS_NULL(a[2]) && bi_to_double(ts, a[2], &rel) < 0) return V_NULL;
    if (!IS_NULL(a[3]) && bi_to_double(ts, a[3], &abs_tol) < 0) return V_NULL;
    if (rel < 0.0 || abs_tol < 0.0) return exc_raise(ts, &T_ValueError, "tolerances must be non-negative");
    if (x == y) return V_TRUE;
    if (isinf(x) || isinf(y)) return V_FALSE;
    double diff = fabs(y - x);
    return V_BOOL((diff <= fabs(rel * y)) || (diff <= fabs(rel * x)) || (diff <= abs_tol));
}

/* An integer argument of any size (an int, or an object with __index__ in 64 bits)
 * as a new reference; V_NULL with TypeError otherwise. */
static Value int_arg(ThreadState *ts, Value v) {
    if (IS_BIG(v)) return v_new(v);
    int64_t n;
    if (obj_as_index(ts, v, &n) < 0) return V_NULL;
    return V_INT(n);
}

/* gcd (lcm when lcm is set) of the arguments, any sizes. */
static Value gcd_lcm(ThreadState *ts, Value *args, int nargs, bool lcm) {
    mpz_t acc, t;
    mp_limb_t l;
    mpz_init_set_ui(acc, lcm ? 1 : 0);
    for (int i = 0; i < nargs; i++) {
        Value v = int_arg(ts, args[i]);
        if (IS_NULL(v)) { mpz_clear(acc); return V_NULL; }
        mpz_srcptr z = big_view(v, t, &l);
        if (lcm) {
            if (mpz_sizeinbase(acc, 2) + mpz_sizeinbase(z, 2) > BIG_MAX_BITS) {
                mpz_clear(acc);
                v_decref(v);
                return big_nomem(ts);
            }
            mpz_lcm(acc, acc, z);
        } else {
            mpz_gcd(acc, acc, z);
        }
        v_decref(v);
    }
    return big_from_mpz(acc);
}

static Value math_gcd(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_nkw(kwnames)) return exc_raise(ts, &T_TypeError, "gcd() takes no keyword arguments");
    return gcd_lcm(ts, args, nargs, false);
}

static Value math_lcm(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_nkw(kwnames)) return exc_raise(ts, &T_TypeError, "lcm() takes no keyword arguments");
    return gcd_lcm(ts, args, nargs, true);
}

/* Whether n! is beyond BIG_MAX_BITS. */
static bool factorial_too_big(uint64_t n) {
    return (double)n * log2((double)(n < 2 ? 2 : n)) > (double)BIG_MAX_BITS;
}

static Value math_factorial(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "math.factorial", nargs, kwnames, 1, 1) < 0) return V_NULL;
    if (IS_BIG(args[0])) {
        if (mpz_sgn(BIG_Z(args[0])) < 0)
            return exc_raise(ts, &T_ValueError, "factorial() not defined for negative values");
        return exc_raise(ts, &T_OverflowError, "factorial() argument should not exceed %lld", (long long)INT64_MAX);
    }
    int64_t n;
    if (obj_as_index(ts, args[0], &n) < 0) return V_NULL;
    if (n < 0) return exc_raise(ts, &T_ValueError, "factorial() not defined for negative values");
    if (factorial_too_big((uint64_t)n)) return big_nomem(ts);
    mpz_t r;
    mpz_init(r);
    mpz_fac_ui(r, (unsigned long)n);
    return big_from_mpz(r);
}

/* comb (perm when perm is set) of n and k, any sizes. */
static Value comb_perm(ThreadState *ts, Value nv, Value kv, bool perm) {
    Value n = int_arg(ts, nv);
    if (IS_NULL(n)) return V_NULL;
    Value k = IS_NULL(kv) ? v_new(n) : int_arg(ts, kv);
    if (IS_NULL(k)) { v_decref(n); return V_NULL; }
    mpz_t tn, tk, r;
    mp_limb_t ln, lk;
    mpz_srcptr zn = big_view(n, tn, &ln), zk = big_view(k, tk, &lk);
    Value res = V_NULL;
    if (mpz_sgn(zn) < 0) { exc_raise(ts, &T_ValueError, "n must be a non-negative integer"); goto done; }
    if (mpz_sgn(zk) < 0) { exc_raise(ts, &T_ValueError, "k must be a non-negative integer"); goto done; }
    if (mpz_cmp(zk, zn) > 0) { res = V_INT(0); goto done; }
    mpz_init(r);
    mpz_sub(r, zn, zk);
    /* comb uses the smaller of k and n - k */
    mpz_srcptr kk = !perm && mpz_cmp(r, zk) < 0 ? r : zk;
    if (!mpz_fits_ulong_p(kk)) {
        mpz_clear(r);
        exc_raise(ts, &T_OverflowError, "min(n - k, k) must not exceed %lld", (long long)INT64_MAX);
        goto done;
    }
    unsigned long ku = mpz_get_ui(kk);
    if ((double)ku * (double)mpz_sizeinbase(zn, 2) > (double)BIG_MAX_BITS) {
        mpz_clear(r);
        res = big_nomem(ts);
        goto done;
    }
    mpz_bin_ui(r, zn, ku);
    if (perm) {
        mpz_t f;
        mpz_init(f);
        mpz_fac_ui(f, ku);
        mpz_mul(r, r, f);
        mpz_clear(f);
    }
    res = big_from_mpz(r);
done:
    v_decref(n);
    v_decref(k);
    return res;
}

static Value math_comb(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "comb", nargs, kwnames, 2, 2) < 0) return V_NULL;
    return comb_perm(ts, args[0], args[1], false);
}

static Value math_perm(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "perm", nargs, kwnames, 1, 2) < 0) return V_NULL;
    return comb_perm(ts, args[0], nargs == 1 || IS_NONE(args[1]) ? V_NULL : args[1], true);
}

static Value math_isqrt(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "math.isqrt", nargs, kwnames, 1, 1) < 0) return V_NULL;
    Value n = int_arg(ts, args[0]);
    if (IS_NULL(n)) return V_NULL;
    mpz_t t, r;
    mp_limb_t l;
    mpz_srcptr z = big_view(n, t, &l);
    if (mpz_sgn(z) < 0) {
        v_decref(n);
        return exc_raise(ts, &T_ValueError, "isqrt() argument must be nonnegative");
    }
    mpz_init(r);
    mpz_sqrt(r, z);
    v_decref(n);
    return big_from_mpz(r);
}

static Value math_prod(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "prod", nargs, NULL, 1, 1) < 0) return V_NULL;
    Value start = V_INT(1);
    if (kwnames) {
        static const char *const kws[] = { "start", NULL };
        if (arg_check_kw(ts, "prod", kwnames, kws) < 0) return V_NULL;
        start = arg_kw(args, nargs, kwnames, "start");
    }
    Value it = obj_iter(ts, args[0]);
    if (IS_NULL(it)) return V_NULL;
    Value acc = v_new(start);
    for (;;) {
        Value x = obj_next(ts, it);
        if (IS_NULL(x)) break;
        Value r = obj_binop(ts, acc, x, BINOP_MUL);
        v_decref(x);
        v_decref(acc);
        if (IS_NULL(r)) { v_decref(it); return V_NULL; }
        acc = r;
    }
    v_decref(it);
    if (!IS_NULL(ts->exc)) { v_decref(acc); return V_NULL; }
    return acc;
}

static Value math_fsum(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "math.fsum", nargs, kwnames, 1, 1) < 0) return V_NULL;
    Value it = obj_iter(ts, args[0]);
    if (IS_NULL(it)) return V_NULL;
    size_t n = 0, m = 32;
    double *p = malloc(sizeof(double) * m);
    double special_sum = 0.0, inf_sum = 0.0, x, y, t, hi, yr, lo = 0.0;
    Value res = V_NULL;
    for (;;) {
        Value item = obj_next(ts, it);
        if (IS_NULL(item)) {
            if (!IS_NULL(ts->exc)) goto out;
            break;
        }
        int rc = bi_to_double(ts, item, &x);
        v_decref(item);
        if (rc < 0) goto out;
        double xsave = x;
        size_t i = 0;
        for (size_t j = 0; j < n; j++) {
            y = p[j];
            if (fabs(x) < fabs(y)) { t = x; x = y; y = t; }
            hi = x + y;
            yr = hi - x;
            lo = y - yr;
            if (lo != 0.0) p[i++] = lo;
            x = hi;
        }
        n = i;
        if (x != 0.0) {
            if (!isfinite(x)) {
                if (isfinite(xsave)) {
                    exc_raise(ts, &T_OverflowError, "intermediate overflow in fsum");
                    goto out;
                }
                if (isinf(xsave)) inf_sum += xsave;
                special_sum += xsave;
                n = 0;
            } else {
                if (n >= m) { m *= 2; p = realloc(p, sizeof(double) * m); }
                p[n++] = x;
            }
        }
    }
    if (special_sum != 0.0) {
        if (isnan(inf_sum)) exc_raise(ts, &T_ValueError, "-inf + inf in fsum");
        else res = V_FLOAT(special_sum);
        goto out;
    }
    hi = 0.0;
    if (n > 0) {
        hi = p[--n];
        while (n > 0) {
            x = hi;
            y = p[--n];
            hi = x + y;
            yr = hi - x;
            lo = y - yr;
            if (lo != 0.0) break;
        }
        if (n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0))) {
            y = lo * 2.0;
            x = hi + y;
            yr = x - hi;
            if (y == yr) hi = x;
        }
    }
    res = V_FLOAT(hi);
out:
    free(p);
    v_decref(it);
    return res;
}

static const MethodDef math_functions[] = {
    { "sqrt", math_sqrt, 0 }, { "exp", math_exp, 0 }, { "exp2", math_exp2, 0 },
    { "expm1", math_expm1, 0 }, { "log", math_log, 0 }, { "log2", math_log2, 0 },
    { "log10", math_log10, 0 }, { "log1p", math_log1p, 0 }, { "sin", math_sin, 0 },
    { "cos", math_cos, 0 }, { "tan", math_tan, 0 }, { "asin", math_asin, 0 },
    { "acos", math_acos, 0 }, { "atan", math_atan, 0 }, { "atan2", math_atan2, 0 },
    { "sinh", math_sinh, 0 }, { "cosh", math_cosh, 0 }, { "tanh", math_tanh, 0 },
    { "asinh", math_asinh, 0 }, { "acosh", math_acosh, 0 }, { "atanh", math_atanh, 0 },
    { "erf", math_erf, 0 }, { "erfc", math_erfc, 0 }, { "gamma", math_gamma, 0 },
    { "lgamma", math_lgamma, 0 }, { "fabs", math_fabs, 0 }, { "cbrt", math_cbrt, 0 },
    { "degrees", math_degrees, 0 }, { "radians", math_radians, 0 }, { "floor", math_floor, 0 },
    { "ceil", math_ceil, 0 }, { "trunc", math_trunc, 0 }, { "pow", math_pow, 0 },
    { "copysign", math_copysign, 0 }, { "fmod", math_fmod, 0 }, { "remainder", math_remainder, 0 },
    { "hypot", math_hypot, 0 }, { "dist", math_dist, 0 }, { "ldexp", math_ldexp, 0 },
    { "frexp", math_frexp, 0 }, { "modf", math_modf, 0 }, { "isnan", math_isnan, 0 },
    { "isinf", math_isinf, 0 }, { "isfinite", math_isfinite, 0 }, { "isclose", math_isclose, 0 },
    { "gcd", math_gcd, 0 }, { "lcm", math_lcm, 0 }, { "factorial", math_factorial, 0 },
    { "comb", math_comb, 0 }, { "perm", math_perm, 0 }, { "isqrt", math_isqrt, 0 },
    { "prod", math_prod, 0 }, { "fsum", math_fsum, 0 },
    { NULL, NULL, 0 },
};

/* Adds the math constants. */
static int math_init(ThreadState *ts, Obj *m) {
    module_add(m, "pi", V_FLOAT(M_PI));
    module_add(m, "e", V_FLOAT(M_E));
    module_add(m, "tau", V_FLOAT(2 * M_PI));
    module_add(m, "inf", V_FLOAT(INFINITY));
    module_add(m, "nan", V_FLOAT(NAN));
    return 0;
}

const NativeModule math_module_def = { "math", math_functions, math_init };
