/* num.c — int, bool and float: constructors, arithmetic, comparison, hashing,
 * repr and parsing, all matching CPython 3.11 within 64-bit ints. */
#include "objects/num.h"
#include "objects/long.h"
#include "exc.h"
#include "objects/str.h"
#include "objects/bytes.h"
#include "objects/containers.h"
#include "state.h"
#include "args.h"
#include <math.h>
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include <ctype.h>

#define HASH_BITS 61
#define HASH_MODULUS (((uint64_t)1 << HASH_BITS) - 1)
#define HASH_INF 314159

Value int_overflow(ThreadState *ts)
{
    return exc_raise(ts, &T_OverflowError, "int too large (tiny ints are 64-bit)");
}

/* "00".."99": two decimal digits at a time. */
static const char digit_pairs[201] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Writes the decimal digits of n (with its sign) to end just before end; returns the
 * start of the text. */
static inline char *fmt_dec(char *end, int64_t n)
{
    char *p = end;
    uint64_t u = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
    while (u >= 100) {
        unsigned k = (unsigned)(u % 100) * 2;
        u /= 100;
        p -= 2;
        p[0] = digit_pairs[k];
        p[1] = digit_pairs[k + 1];
    }
    if (u >= 10) {
        p -= 2;
        p[0] = digit_pairs[u * 2];
        p[1] = digit_pairs[u * 2 + 1];
    } else {
        *--p = (char)('0' + u);
    }
    if (n < 0)
        *--p = '-';
    return p;
}

int int_to_cstr(int64_t n, char *buf)
{
    char tmp[24];
    char *end = tmp + sizeof tmp, *p = fmt_dec(end, n);
    int len = (int)(end - p);
    memcpy(buf, p, (size_t)len);
    buf[len] = 0;
    return len;
}

Obj *int_to_str(int64_t n)
{
    char buf[24];
    char *end = buf + sizeof buf, *p = fmt_dec(end, n);
    return str_new_valid(p, end - p, end - p);
}

int64_t int_floordiv(int64_t a, int64_t b)
{
    if (b == -1) return (int64_t)(0 - (uint64_t)a);
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

int64_t int_mod(int64_t a, int64_t b)
{
    if (b == -1) return 0;
    int64_t r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}

int64_t int_hash(int64_t n)
{
    uint64_t m = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    m %= HASH_MODULUS;
    int64_t h = n < 0 ? -(int64_t)m : (int64_t)m;
    return h == -1 ? -2 : h;
}

int64_t float_hash(double v)
{
    if (!isfinite(v)) {
        if (isinf(v)) return v > 0 ? HASH_INF : -HASH_INF;
        return 0;
    }
    int e;
    double m = frexp(v, &e);
    int sign = 1;
    if (m < 0) { sign = -1; m = -m; }
    uint64_t x = 0;
    while (m) {
        x = ((x << 28) & HASH_MODULUS) | x >> (HASH_BITS - 28);
        m *= 268435456.0;
        e -= 28;
        uint64_t y = (uint64_t)m;
        m -= (double)y;
        x += y;
        if (x >= HASH_MODULUS) x -= HASH_MODULUS;
    }
    e = e >= 0 ? e % HASH_BITS : HASH_BITS - 1 - ((-1 - e) % HASH_BITS);
    x = ((x << e) & HASH_MODULUS) | x >> (HASH_BITS - e);
    x = x * (uint64_t)(int64_t)sign;
    if (x == (uint64_t)-1) x = (uint64_t)-2;
    return (int64_t)x;
}

/* ---- float repr ---- */

int float_repr_buf(double x, char *buf)
{
    if (isnan(x)) { strcpy(buf, "nan"); return 3; }
    if (isinf(x)) { strcpy(buf, x > 0 ? "inf" : "-inf"); return x > 0 ? 3 : 4; }
    if (x == 0) {
        if (signbit(x)) { strcpy(buf, "-0.0"); return 4; }
        strcpy(buf, "0.0"); return 3;
    }
    char tmp[48];
    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
        if (strtod(tmp, NULL) == x) break;
    }
    /* tmp: [-]d[.ddd]e(+|-)dd */
    const char *s = tmp;
    char digits[24];
    int nd = 0, neg = 0;
    if (*s == '-') { neg = 1; s++; }
    while (*s && *s != 'e') {
        if (*s >= '0' && *s <= '9' && nd < 20) digits[nd++] = *s;
        s++;
    }
    int e = 0;
    if (*s == 'e') e = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    char *o = buf;
    if (neg) *o++ = '-';
    if (e < -4 || e >= 16) {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        o += sprintf(o, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    } else if (e >= 0) {
        if (nd <= e + 1) {
            memcpy(o, digits, (size_t)nd);
            o += nd;
            for (int i = nd; i < e + 1; i++) *o++ = '0';
            *o++ = '.';
            *o++ = '0';
        } else {
            memcpy(o, digits, (size_t)e + 1);
            o += e + 1;
            *o++ = '.';
            memcpy(o, digits + e + 1, (size_t)(nd - e - 1));
            o += nd - e - 1;
        }
    } else {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -e - 1; i++) *o++ = '0';
        memcpy(o, digits, (size_t)nd);
        o += nd;
    }
    *o = 0;
    return (int)(o - buf);
}

Obj *float_repr(double x)
{
    char buf[48];
    int n = float_repr_buf(x, buf);
    return str_new(buf, n);
}

/* ---- parsing ---- */

/* Whether c is whitespace as str.strip() sees it (ASCII subset). */
static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
           c == '\x1c' || c == '\x1d' || c == '\x1e' || c == '\x1f';
}

/* Raises ValueError with prefix and the repr of text s. */
static Value raise_literal(ThreadState *ts, const char *prefix, const char *s, int64_t len)
{
    Obj *str = str_new(s, len > 200 ? 200 : len);
    Obj *r = str_repr(str);
    o_decref(str);
    exc_raise(ts, &T_ValueError, "%s%s", prefix, STR_DATA(r));
    o_decref(r);
    return V_NULL;
}

/* Value of a digit character in bases up to 36, or 99. */
static int digit_val(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

Value int_from_str(ThreadState *ts, const char *s, int64_t len, int base)
{
    if (base != 0 && (base < 2 || base > 36))
        return exc_raise(ts, &T_ValueError, "int() base must be >= 2 and <= 36, or 0");
    const char *p = s, *end = s + len;
    int obase = base;
    while (p < end && is_space(*p)) p++;
    while (end > p && is_space(end[-1])) end--;
    bool neg = false;
    if (p < end && (*p == '+' || *p == '-')) { neg = *p == '-'; p++; }
    bool prefixed = false;
    if (end - p >= 2 && p[0] == '0') {
        char c = (char)tolower((unsigned char)p[1]);
        int pb = c == 'x' ? 16 : c == 'o' ? 8 : c == 'b' ? 2 : 0;
        if (pb && (base == 0 || base == pb)) { base = pb; p += 2; prefixed = true; }
    }
    if (base == 0) base = 10;
    if (prefixed && p < end && *p == '_') p++;
    if (p >= end) goto bad;
    uint64_t limit = neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
    uint64_t acc = 0;
    bool overflow = false, nonzero = false, prev_us = true;
    int64_t ndigits = 0;
    const char *dstart = p;
    for (; p < end; p++) {
        if (*p == '_') {
            if (prev_us) goto bad;
            prev_us = true;
            continue;
        }
        int d = digit_val(*p);
        if (d >= base) goto bad;
        prev_us = false;
        ndigits++;
        if (d) nonzero = true;
        if (!overflow) {
            if (acc > (limit - (uint64_t)d) / (uint64_t)base) overflow = true;
            else acc = acc * (uint64_t)base + (uint64_t)d;
        }
    }
    if (prev_us || ndigits == 0) goto bad;
    /* base 0: a decimal literal may not have leading zeros (except all zeros) */
    if (obase == 0 && !prefixed && nonzero) {
        const char *q = s;
        while (is_space(*q)) q++;
        if (*q == '+' || *q == '-') q++;
        if (*q == '0') goto bad;
    }
    if ((base & (base - 1)) && big_max_str_digits > 0 && ndigits > big_max_str_digits)
        return big_str_limit_error(ts, ndigits);
    if (overflow) {
        char *buf = malloc((size_t)ndigits + 1), *o = buf;
        if (!buf) return big_nomem(ts);
        for (const char *q = dstart; q < end; q++)
            if (*q != '_') *o++ = *q;
        Value r = big_parse(ts, buf, ndigits, base, neg);
        free(buf);
        return r;
    }
    return V_INT(neg ? (int64_t)(0 - acc) : (int64_t)acc);
bad:;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "invalid literal for int() with base %d: ", obase);
    return raise_literal(ts, prefix, s, len);
}

/* Case-insensitive comparison of [p, end) with a lower-case word. */
static bool word_eq(const char *p, const char *end, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(end - p) != n) return false;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)p[i]) != w[i]) return false;
    return true;
}

/* Copies a run of digits with single underscores between them; returns count or -1. */
static int copy_digits(const char **pp, const char *end, char **out)
{
    const char *p = *pp;
    int n = 0;
    bool prev_us = false;
    while (p < end && ((*p >= '0' && *p <= '9') || *p == '_')) {
        if (*p == '_') {
            if (n == 0 || prev_us) return -1;
            prev_us = true;
        } else {
            *(*out)++ = *p;
            n++;
            prev_us = false;
        }
        p++;
    }
    if (prev_us) return -1;
    *pp = p;
    return n;
}

Value float_from_str(ThreadState *ts, const char *s, int64_t len)
{
    const char *p = s, *end = s + len;
    while (p < end && is_space(*p)) p++;
    while (end > p && is_space(end[-1])) end--;
    double sign = 1.0;
    const char *q = p;
    if (q < end && (*q == '+' || *q == '-')) { if (*q == '-') sign = -1.0; q++; }
    if (word_eq(q, end, "inf") || word_eq(q, end, "infinity")) return V_FLOAT(sign * INFINITY);
    if (word_eq(q, end, "nan")) return V_FLOAT(sign * NAN);
    char *buf = malloc((size_t)(end - p) + 2);
    if (!buf) return exc_raise(ts, &T_MemoryError, "out of memory");
    char *o = buf;
    if (q > p) *o++ = *p;
    int n1 = copy_digits(&q, end, &o), n2 = 0;
    if (n1 < 0) goto bad;
    if (q < end && *q == '.') {
        *o++ = *q++;
        n2 = copy_digits(&q, end, &o);
        if (n2 < 0) goto bad;
    }
    if (n1 + n2 == 0) goto bad;
    if (q < end && (*q == 'e' || *q == 'E')) {
        *o++ = *q++;
        if (q < end && (*q == '+' || *q == '-')) *o++ = *q++;
        if (copy_digits(&q, end, &o) <= 0) goto bad;
    }
    if (q != end) goto bad;
    *o = 0;
    double d = strtod(buf, NULL);
    free(buf);
    return V_FLOAT(d);
bad:
    free(buf);
    return raise_literal(ts, "could not convert string to float: ", s, len);
}

/* ---- arithmetic ---- */

/* CPython's float_pow on two doubles. */
static Value float_pow(ThreadState *ts, double iv, double iw)
{
    if (iw == 0) return V_FLOAT(1.0);
    if (isnan(iv)) return V_FLOAT(iv);
    if (isnan(iw)) return V_FLOAT(iv == 1.0 ? 1.0 : iw);
    if (isinf(iw)) {
        iv = fabs(iv);
        if (iv == 1.0) return V_FLOAT(1.0);
        if ((iw > 0.0) == (iv > 1.0)) return V_FLOAT(fabs(iw));
        return V_FLOAT(0.0);
    }
    if (iv > 0.0 && iv != 1.0 && !isinf(iv)) {
        /* the common case: a finite positive base */
        double ix = pow(iv, iw);
        if (!isinf(ix)) return V_FLOAT(ix);
    }
    bool iw_is_odd = fmod(fabs(iw), 2.0) == 1.0;
    if (isinf(iv)) {
        if (iw > 0.0) return V_FLOAT(iw_is_odd ? iv : fabs(iv));
        return V_FLOAT(iw_is_odd ? copysign(0.0, iv) : 0.0);
    }
    if (iv == 0.0) {
        if (iw < 0.0)
            return exc_raise(ts, &T_ZeroDivisionError, "0.0 cannot be raised to a negative power");
        return V_FLOAT(iw_is_odd ? iv : 0.0);
    }
    bool negate = false;
    if (iv < 0.0) {
        if (iw != floor(iw)) return exc_raise(ts, &T_ValueError, "tiny has no complex numbers");
        iv = -iv;
        negate = iw_is_odd;
    }
    if (iv == 1.0) return V_FLOAT(negate ? -1.0 : 1.0);
    double ix = pow(iv, iw);
    if (negate) ix = -ix;
    if (isinf(ix)) {
        Value args[2] = { V_INT(ERANGE), V_OBJ(str_from_cstr(strerror(ERANGE))) };
        Value e = exc_new(ts, &T_OverflowError, args, 2);
        v_decref(args[1]);
        if (IS_NULL(e)) return V_NULL;
        exc_raise_obj(ts, e);
        v_decref(e);
        return V_NULL;
    }
    return V_FLOAT(ix);
}

/* a op b for two doubles. */
static Value float_binop(ThreadState *ts, double x, double y, int op)
{
    switch (op) {
    case BINOP_ADD: return V_FLOAT(x + y);
    case BINOP_SUB: return V_FLOAT(x - y);
    case BINOP_MUL: return V_FLOAT(x * y);
    case BINOP_TRUEDIV:
        if (y == 0) return exc_raise(ts, &T_ZeroDivisionError, "float division by zero");
        return V_FLOAT(x / y);
    case BINOP_FLOORDIV:
    case BINOP_MOD: {
        if (y == 0)
            return exc_raise(ts, &T_ZeroDivisionError,
                             op == BINOP_MOD ? "float modulo" : "float floor division by zero");
        double mod = fmod(x, y);
        double div = (x - mod) / y;
        if (mod) {
            if ((y < 0) != (mod < 0)) { mod += y; div -= 1.0; }
        } else {
            mod = copysign(0.0, y);
        }
        if (op == BINOP_MOD) return V_FLOAT(mod);
        double fd;
        if (div) {
            fd = floor(div);
            if (div - fd > 0.5) fd += 1.0;
        } else {
            fd = copysign(0.0, x / y);
        }
        return V_FLOAT(fd);
    }
    case BINOP_POW: return float_pow(ts, x, y);
    default: return V_NOTIMPL;
    }
}

/* a ** b for ints, b >= 0, into *out; false when it overflows 64 bits. */
static bool int_pow(int64_t a, int64_t b, int64_t *out)
{
    int64_t r = 1, base = a;
    while (b > 0) {
        if (b & 1) {
            if (__builtin_mul_overflow(r, base, &r)) return false;
        }
        b >>= 1;
        if (b > 0 && __builtin_mul_overflow(base, base, &base)) return false;
    }
    *out = r;
    return true;
}

/* a / b for ints, correctly rounded for values beyond 2**53 as far as long double allows. */
static double int_truediv(int64_t a, int64_t b)
{
    const int64_t lim = (int64_t)1 << 53;
    if (a >= -lim && a <= lim && b >= -lim && b <= lim) return (double)a / (double)b;
    return (double)((long double)a / (long double)b);
}

/* a op b for two int/bool values. */
static Value int_binop(ThreadState *ts, Value av, Value bv, int op)
{
    int64_t a = av.as.i, b = bv.as.i, r;
    switch (op) {
    case BINOP_ADD:
        if (__builtin_add_overflow(a, b, &r)) return big_binop(ts, av, bv, op);
        return V_INT(r);
    case BINOP_SUB:
        if (__builtin_sub_overflow(a, b, &r)) return big_binop(ts, av, bv, op);
        return V_INT(r);
    case BINOP_MUL:
        if (__builtin_mul_overflow(a, b, &r)) return big_binop(ts, av, bv, op);
        return V_INT(r);
    case BINOP_TRUEDIV:
        if (b == 0) return exc_raise(ts, &T_ZeroDivisionError, "division by zero");
        return V_FLOAT(int_truediv(a, b));
    case BINOP_FLOORDIV:
        if (b == 0) return exc_raise(ts, &T_ZeroDivisionError, "integer division or modulo by zero");
        if (b == -1 && a == INT64_MIN) return big_binop(ts, av, bv, op);
        return V_INT(int_floordiv(a, b));
    case BINOP_MOD:
        if (b == 0) return exc_raise(ts, &T_ZeroDivisionError, "integer modulo by zero");
        return V_INT(int_mod(a, b));
    case BINOP_POW:
        if (b < 0) return float_pow(ts, (double)a, (double)b);
        if (!int_pow(a, b, &r)) return big_binop(ts, av, bv, op);
        return V_INT(r);
    case BINOP_LSHIFT:
        if (b < 0) return exc_raise(ts, &T_ValueError, "negative shift count");
        if (a == 0) return V_INT(0);
        if (b >= 64) return big_binop(ts, av, bv, op);
        r = (int64_t)((uint64_t)a << b);
        if ((r >> b) != a) return big_binop(ts, av, bv, op);
        return V_INT(r);
    case BINOP_RSHIFT:
        if (b < 0) return exc_raise(ts, &T_ValueError, "negative shift count");
        if (b >= 64) return V_INT(a < 0 ? -1 : 0);
        return V_INT(a >> b);
    case BINOP_AND:
        if (IS_BOOL(av) && IS_BOOL(bv)) return V_BOOL(a & b);
        return V_INT(a & b);
    case BINOP_OR:
        if (IS_BOOL(av) && IS_BOOL(bv)) return V_BOOL(a | b);
        return V_INT(a | b);
    case BINOP_XOR:
        if (IS_BOOL(av) && IS_BOOL(bv)) return V_BOOL(a ^ b);
        return V_INT(a ^ b);
    default:
        return V_NOTIMPL;
    }
}

/* Operator symbols for TypeError messages, indexed by BINOP_*. */
static const char *const binop_symbols[BINOP__COUNT] = {
    "+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "@"
};

/* NotImplemented, or (when neither operand is an object, so no other type can answer)
 * the TypeError obj_binop would raise. */
static Value binop_unsupported(ThreadState *ts, Value a, Value b, int op)
{
    if (IS_OBJ(a) || IS_OBJ(b) || IS_NULL(a) || IS_NULL(b)) return V_NOTIMPL;
    int base = op & ~BINOP_INPLACE;
    if (base < 0 || base >= BINOP__COUNT) return V_NOTIMPL;
    const char *inpl = (op & BINOP_INPLACE) ? "=" : "";
    return exc_raise(ts, &T_TypeError, "unsupported operand type(s) for %s%s%s: '%s' and '%s'",
                     binop_symbols[base], inpl, base == BINOP_POW && !*inpl ? " or pow()" : "",
                     obj_type_name(a), obj_type_name(b));
}

Value num_binop(ThreadState *ts, Value a, Value b, int op)
{
    int base = op & ~BINOP_INPLACE;
    Value r = V_NOTIMPL;
    if ((IS_FLOAT(a) && (IS_FLOAT(b) || IS_INTLIKE(b))) || (IS_INTLIKE(a) && IS_FLOAT(b))) {
        /* a float on either side: the plain arithmetic inline */
        double x = IS_FLOAT(a) ? a.as.f : (double)a.as.i, y = IS_FLOAT(b) ? b.as.f : (double)b.as.i;
        switch (base) {
        case BINOP_ADD: return V_FLOAT(x + y);
        case BINOP_SUB: return V_FLOAT(x - y);
        case BINOP_MUL: return V_FLOAT(x * y);
        case BINOP_TRUEDIV: if (y != 0) return V_FLOAT(x / y); break;
        default: break;
        }
        r = float_binop(ts, x, y, base);
    } else if (IS_INTLIKE(a) && IS_INTLIKE(b)) {
        r = int_binop(ts, a, b, base);
    } else if (IS_ANYINT(a) && IS_ANYINT(b)) {
        /* a big int on either side */
        if (base == BINOP_POW && (IS_BIG(b) ? mpz_sgn(BIG_Z(b)) < 0 : b.as.i < 0)) {
            double x, y;
            if (big_to_double(ts, a, &x) < 0 || big_to_double(ts, b, &y) < 0) return V_NULL;
            r = float_pow(ts, x, y);
        } else {
            r = big_binop(ts, a, b, base);
        }
    } else if ((IS_FLOAT(a) && IS_BIG(b)) || (IS_BIG(a) && IS_FLOAT(b))) {
        double x, y;
        if (big_to_double(ts, a, &x) < 0 || big_to_double(ts, b, &y) < 0) return V_NULL;
        r = float_binop(ts, x, y, base);
    }
    if (IS_NOTIMPL(r)) return binop_unsupported(ts, a, b, op);
    return r;
}

/* Exact comparison of an int with a non-NaN double: -1, 0 or 1. */
static int cmp_int_double(int64_t i, double f)
{
    const int64_t lim = (int64_t)1 << 53;
    if (i >= -lim && i <= lim) {
        double d = (double)i;
        return d < f ? -1 : d > f ? 1 : 0;
    }
    if (f >= 9223372036854775808.0) return -1;
    if (f < -9223372036854775808.0) return 1;
    double t = trunc(f);
    int64_t ti = (int64_t)t;
    if (i < ti) return -1;
    if (i > ti) return 1;
    double frac = f - t;
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

/* Turns a three-way result into the answer for op. */
static Value cmp_result(int c, int op)
{
    switch (op) {
    case CMP_LT: return V_BOOL(c < 0);
    case CMP_LE: return V_BOOL(c <= 0);
    case CMP_EQ: return V_BOOL(c == 0);
    case CMP_NE: return V_BOOL(c != 0);
    case CMP_GT: return V_BOOL(c > 0);
    default: return V_BOOL(c >= 0);
    }
}

Value num_richcmp(ThreadState *ts, Value a, Value b, int op)
{
    (void)ts;
    if (IS_BIG(a) || IS_BIG(b)) {
        if (IS_ANYINT(a) && IS_ANYINT(b)) return cmp_result(big_cmp(a, b), op);
        if (IS_FLOAT(b) || IS_FLOAT(a)) {
            double f = IS_FLOAT(b) ? b.as.f : a.as.f;
            if (isnan(f)) return V_BOOL(op == CMP_NE);
            return cmp_result(IS_FLOAT(b) ? big_cmp_double(a, f) : -big_cmp_double(b, f), op);
        }
        return V_NOTIMPL;
    }
    if (IS_INTLIKE(a)) {
        if (IS_INTLIKE(b)) {
            int64_t x = a.as.i, y = b.as.i;
            return cmp_result(x < y ? -1 : x > y ? 1 : 0, op);
        }
        if (!IS_FLOAT(b)) return V_NOTIMPL;
        if (isnan(b.as.f)) return V_BOOL(op == CMP_NE);
        return cmp_result(cmp_int_double(a.as.i, b.as.f), op);
    }
    if (!IS_FLOAT(a)) return V_NOTIMPL;
    double x = a.as.f;
    if (IS_FLOAT(b)) {
        double y = b.as.f;
        switch (op) {
        case CMP_LT: return V_BOOL(x < y);
        case CMP_LE: return V_BOOL(x <= y);
        case CMP_EQ: return V_BOOL(x == y);
        case CMP_NE: return V_BOOL(x != y);
        case CMP_GT: return V_BOOL(x > y);
        default: return V_BOOL(x >= y);
        }
    }
    if (!IS_INTLIKE(b)) return V_NOTIMPL;
    if (isnan(x)) return V_BOOL(op == CMP_NE);
    return cmp_result(-cmp_int_double(b.as.i, x), op);
}

/* ---- type slots ---- */

static Value int_repr(ThreadState *ts, Value self)
{
    (void)ts;
    if (IS_BOOL(self)) return V_OBJ(str_intern(AS_BOOL(self) ? "True" : "False"));
    if (IS_BIG(self)) return big_str(ts, self);
    return V_OBJ(int_to_str(self.as.i));
}

static Value float_repr_slot(ThreadState *ts, Value self)
{
    (void)ts;
    return V_OBJ(float_repr(self.as.f));
}

static int64_t num_hash(ThreadState *ts, Value self)
{
    (void)ts;
    if (IS_FLOAT(self)) return float_hash(self.as.f);
    if (IS_BIG(self)) return big_hash(self);
    return int_hash(self.as.i);
}

static int num_truthy(ThreadState *ts, Value self)
{
    (void)ts;
    if (IS_FLOAT(self)) return self.as.f != 0.0;
    if (IS_BIG(self)) return 1;
    return self.as.i != 0;
}

static Value num_unop(ThreadState *ts, Value a, int op)
{
    if (IS_FLOAT(a)) {
        if (op == UNOP_NEG) return V_FLOAT(-a.as.f);
        if (op == UNOP_POS) return a;
        return exc_raise(ts, &T_TypeError, "bad operand type for unary ~: 'float'");
    }
    if (IS_BIG(a)) return big_unop(ts, a, op);
    int64_t x = a.as.i;
    switch (op) {
    case UNOP_NEG:
        if (x == INT64_MIN) return big_unop(ts, a, op);
        return V_INT(-x);
    case UNOP_POS: return V_INT(x);
    default: return V_INT(~x);
    }
}

/* Bits in |z|. */
static uint64_t nbits_of(mpz_srcptr z)
{
    return mpz_sgn(z) ? mpz_sizeinbase(z, 2) : 0;
}

/* Counts keyword arguments. */
static int kw_count(Obj *kwnames)
{
    return kwnames ? (int)((Tuple *)kwnames)->len : 0;
}

/* Converts a str or bytes argument with int_from_str; 0 if v is neither. */
static int text_of(Value v, const char **s, int64_t *len)
{
    if (IS_STR(v)) { *s = AS_STR(v)->data; *len = AS_STR(v)->len; return 1; }
    if (OBJ_IS(v, T_bytes)) { *s = (const char *)((Bytes *)v.as.o)->data; *len = ((Bytes *)v.as.o)->len; return 1; }
    return 0;
}

/* Calls a conversion dunder found on v's type; V_NULL with no exception if absent. */
static Value call_dunder(ThreadState *ts, Value v, Obj *name, bool *found)
{
    Value m = type_lookup(obj_type(v), name);
    *found = !IS_NULL(m);
    if (!*found) return V_NULL;
    return obj_call1(ts, m, v);
}

/* int(x) for a value that is not a str. */
static Value int_from_value(ThreadState *ts, Value x)
{
    if (IS_INT(x)) return x;
    if (IS_BOOL(x)) return V_INT(x.as.i);
    if (IS_BIG(x)) return v_new(x);
    if (IS_FLOAT(x)) {
        double d = x.as.f;
        if (isnan(d)) return exc_raise(ts, &T_ValueError, "cannot convert float NaN to integer");
        if (isinf(d)) return exc_raise(ts, &T_OverflowError, "cannot convert float infinity to integer");
        return big_from_double(trunc(d));
    }
    const char *s;
    int64_t len;
    if (text_of(x, &s, &len)) return int_from_str(ts, s, len, 10);
    static const char *const dunders[] = { "__int__", "__index__", "__trunc__" };
    for (int i = 0; i < 3; i++) {
        bool found;
        Value r = call_dunder(ts, x, str_intern(dunders[i]), &found);
        if (!found) continue;
        if (IS_NULL(r)) return V_NULL;
        if (IS_INTLIKE(r)) return V_INT(r.as.i);
        if (IS_BIG(r)) return r;
        if (i == 2) {
            Value r2 = int_from_value(ts, r);
            v_decref(r);
            return r2;
        }
        exc_raise(ts, &T_TypeError, "%s returned non-int (type %s)", dunders[i], obj_type_name(r));
        v_decref(r);
        return V_NULL;
    }
    return exc_raise(ts, &T_TypeError,
                     "int() argument must be a string, a bytes-like object or a real number, not '%s'",
                     obj_type_name(x));
}

static Value int_new(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames)
{
    (void)type;
    int nkw = kw_count(kwnames);
    Value x = V_NULL, base = V_NULL;
    if (nargs + nkw > 2)
        return exc_raise(ts, &T_TypeError, "int() takes at most 2 arguments (%d given)", nargs + nkw);
    if (nargs >= 1) x = args[0];
    if (nargs >= 2) base = args[1];
    for (int i = 0; i < nkw; i++) {
        Obj *k = AS_OBJ(((Tuple *)kwnames)->items[i]);
        if (str_eq_cstr(k, "base") && IS_NULL(base)) base = args[nargs + i];
        else if (str_eq_cstr(k, "base"))
            return exc_raise(ts, &T_TypeError, "argument for int() given by name ('base') and position (2)");
        else
            return exc_raise(ts, &T_TypeError, "'%s' is an invalid keyword argument for int()", STR_DATA(k));
    }
    if (IS_NULL(x)) {
        if (!IS_NULL(base)) return exc_raise(ts, &T_TypeError, "int() missing string argument");
        return V_INT(0);
    }
    if (IS_NULL(base)) return int_from_value(ts, x);
    int64_t b;
    if (obj_as_index(ts, base, &b) < 0) return V_NULL;
    const char *s;
    int64_t len;
    if (!text_of(x, &s, &len))
        return exc_raise(ts, &T_TypeError, "int() can't convert non-string with explicit base");
    if (b != 0 && (b < 2 || b > 36))
        return exc_raise(ts, &T_ValueError, "int() base must be >= 2 and <= 36, or 0");
    return int_from_str(ts, s, len, (int)b);
}

static Value bool_new(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames)
{
    (void)type;
    if (kw_count(kwnames)) return exc_raise(ts, &T_TypeError, "bool() takes no keyword arguments");
    if (nargs > 1) return exc_raise(ts, &T_TypeError, "bool expected at most 1 argument, got %d", nargs);
    if (nargs == 0) return V_FALSE;
    int t = obj_truthy(ts, args[0]);
    if (t < 0) return V_NULL;
    return V_BOOL(t);
}

static Value float_new(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames)
{
    (void)type;
    if (kw_count(kwnames)) return exc_raise(ts, &T_TypeError, "float() takes no keyword arguments");
    if (nargs > 1) return exc_raise(ts, &T_TypeError, "float expected at most 1 argument, got %d", nargs);
    if (nargs == 0) return V_FLOAT(0.0);
    Value x = args[0];
    if (IS_FLOAT(x)) return x;
    if (IS_ANYINT(x)) {
        double d;
        return big_to_double(ts, x, &d) < 0 ? V_NULL : V_FLOAT(d);
    }
    const char *s;
    int64_t len;
    if (text_of(x, &s, &len)) return float_from_str(ts, s, len);
    bool found;
    Value r = call_dunder(ts, x, NAME(__float__), &found);
    if (found) {
        if (IS_NULL(r) || IS_FLOAT(r)) return r;
        exc_raise(ts, &T_TypeError, "%s.__float__ returned non-float (type %s)",
                  obj_type_name(x), obj_type_name(r));
        v_decref(r);
        return V_NULL;
    }
    r = call_dunder(ts, x, NAME(__index__), &found);
    if (found) {
        if (IS_NULL(r)) return V_NULL;
        if (IS_ANYINT(r)) {
            double d;
            int rc = big_to_double(ts, r, &d);
            v_decref(r);
            return rc < 0 ? V_NULL : V_FLOAT(d);
        }
        exc_raise(ts, &T_TypeError, "__index__ returned non-int (type %s)", obj_type_name(r));
        v_decref(r);
        return V_NULL;
    }
    return exc_raise(ts, &T_TypeError, "float() argument must be a string or a real number, not '%s'",
                     obj_type_name(x));
}

/* Whether name (a Str) is the well-known name n or equals the text. */
static bool name_is(Obj *name, Obj *wk, const char *text)
{
    return name == wk || str_eq_cstr(name, text);
}

static Value int_getattr(ThreadState *ts, Value self, Obj *name)
{
    if (name_is(name, NAME(real), "real") || str_eq_cstr(name, "numerator"))
        return IS_BIG(self) ? v_new(self) : V_INT(self.as.i);
    if (name_is(name, NAME(imag), "imag")) return V_INT(0);
    if (str_eq_cstr(name, "denominator")) return V_INT(1);
    return obj_generic_getattr(ts, self, name);
}

static Value float_getattr(ThreadState *ts, Value self, Obj *name)
{
    if (name_is(name, NAME(real), "real")) return self;
    if (name_is(name, NAME(imag), "imag")) return V_FLOAT(0.0);
    return obj_generic_getattr(ts, self, name);
}

/* ---- methods ---- */

static Value int_bit_length(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (arg_count(ts, "bit_length", nargs, kwnames, 1, 1) < 0) return V_NULL;
    return V_INT((int64_t)big_bit_length(args[0]));
}

static Value int_bit_count(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (arg_count(ts, "bit_count", nargs, kwnames, 1, 1) < 0) return V_NULL;
    Value v = args[0];
    if (!IS_BIG(v)) {
        int64_t x = v.as.i;
        return V_INT(__builtin_popcountll(x < 0 ? 0 - (uint64_t)x : (uint64_t)x));
    }
    mpz_t m;
    mpz_roinit_n(m, mpz_limbs_read(BIG_Z(v)), (mp_size_t)mpz_size(BIG_Z(v)));
    return V_INT((int64_t)mpz_popcount(m));
}

/* The int itself (conjugate, __index__, __int__ ...). */
static Value int_self(Value v)
{
    return IS_BIG(v) ? v_new(v) : V_INT(v.as.i);
}

static Value int_conjugate(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (arg_count(ts, "conjugate", nargs, kwnames, 1, 1) < 0) return V_NULL;
    return int_self(args[0]);
}

static Value int_as_integer_ratio(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (arg_count(ts, "as_integer_ratio", nargs, kwnames, 1, 1) < 0) return V_NULL;
    return V_OBJ(tuple_pack(2, IS_BIG(args[0]) ? args[0] : V_INT(args[0].as.i), V_INT(1)));
}

static Value int_index(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (arg_count(ts, "__index__", nargs, kwnames, 1, 1) < 0) return V_NULL;
    return int_self(args[0]);
}

/* Parses the byteorder argument of to_bytes/from_bytes: 1 little, 0 big, -1 error. */
static int byteorder_arg(ThreadState *ts, const char *fname, Value vorder)
{
    if (IS_NULL(vorder)) return 0;
    if (!IS_STR(vorder)) {
        exc_raise(ts, &T_TypeError, "%s() argument 'byteorder' must be str, not %s", fname, obj_type_name(vorder));
        return -1;
    }
    if (str_eq_cstr(vorder.as.o, "little")) return 1;
    if (str_eq_cstr(vorder.as.o, "big")) return 0;
    exc_raise(ts, &T_ValueError, "byteorder must be either 'little' or 'big'");
    return -1;
}

static Value int_to_bytes(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    static const char *const allowed[] = { "length", "byteorder", "signed", NULL };
    if (arg_check_kw(ts, "to_bytes", kwnames, allowed) < 0) return V_NULL;
    if (nargs > 3) return exc_raise(ts, &T_TypeError, "to_bytes() takes at most 2 positional arguments (%d given)", nargs - 1);
    Value vlen = nargs > 1 ? args[1] : arg_kw(args, nargs, kwnames, "length");
    Value vorder = nargs > 2 ? args[2] : arg_kw(args, nargs, kwnames, "byteorder");
    Value vsigned = arg_kw(args, nargs, kwnames, "signed");
    int64_t length = 1;
    if (!IS_NULL(vlen) && obj_as_index(ts, vlen, &length) < 0) return V_NULL;
    if (length < 0) return exc_raise(ts, &T_ValueError, "length argument must be non-negative");
    int little = byteorder_arg(ts, "to_bytes", vorder);
    if (little < 0) return V_NULL;
    int sgn = 0;
    if (!IS_NULL(vsigned) && (sgn = obj_truthy(ts, vsigned)) < 0) return V_NULL;
    mpz_t t, m;
    mp_limb_t l;
    mpz_srcptr z = big_view(args[0], t, &l);
    if (mpz_sgn(z) < 0 && !sgn) return exc_raise(ts, &T_OverflowError, "can't convert negative int to unsigned");
    /* bits needed: of x, or of ~x for a negative x, plus a sign bit if signed */
    mpz_init(m);
    if (mpz_sgn(z) < 0) mpz_com(m, z);
    else mpz_set(m, z);
    uint64_t bits = nbits_of(m) + (sgn ? 1 : 0);
    if ((int64_t)((bits + 7) / 8) > length) {
        mpz_clear(m);
        return exc_raise(ts, &T_OverflowError, "int too big to convert");
    }
    if (length > ((int64_t)1 << 40)) { mpz_clear(m); return big_nomem(ts); }
    uint8_t *buf = calloc((size_t)length + 1, 1);
    if (!buf) { mpz_clear(m); return big_nomem(ts); }
    /* the magnitude of x (or of ~x, whose bytes are then inverted) */
    size_t cnt = 0;
    if (mpz_sgn(m)) mpz_export(buf, &cnt, -1, 1, 0, 0, m);
    mpz_clear(m);
    if (mpz_sgn(z) < 0)
        for (int64_t i = 0; i < length; i++) buf[i] = (uint8_t)~buf[i];
    if (!little)
        for (int64_t i = 0; i < length / 2; i++) {
            uint8_t c = buf[i];
            buf[i] = buf[length - 1 - i];
            buf[length - 1 - i] = c;
        }
    Obj *b = bytes_new(buf, length);
    free(buf);
    return V_OBJ(b);
}

static Value int_from_bytes(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    static const char *const allowed[] = { "bytes", "byteorder", "signed", NULL };
    if (arg_check_kw(ts, "from_bytes", kwnames, allowed) < 0) return V_NULL;
    if (nargs > 3) return exc_raise(ts, &T_TypeError, "from_bytes() takes at most 2 positional arguments (%d given)", nargs - 1);
    Value vb = nargs > 1 ? args[1] : arg_kw(args, nargs, kwnames, "bytes");
    Value vorder = nargs > 2 ? args[2] : arg_kw(args, nargs, kwnames, "byteorder");
    Value vsigned = arg_kw(args, nargs, kwnames, "signed");
    if (IS_NULL(vb)) return exc_raise(ts, &T_TypeError, "from_bytes() missing required argument 'bytes' (pos 1)");
    int little = byteorder_arg(ts, "from_bytes", vorder);
    if (little < 0) return V_NULL;
    int sgn = 0;
    if (!IS_NULL(vsigned) && (sgn = obj_truthy(ts, vsigned)) < 0) return V_NULL;
    Value owned = V_NULL;
    if (!OBJ_IS(vb, T_bytes)) {
        owned = obj_call1(ts, V_OBJ(&T_bytes.hdr), vb);
        if (IS_NULL(owned)) return V_NULL;
        vb = owned;
    }
    Bytes *b = (Bytes *)vb.as.o;
    mpz_t z;
    mpz_init(z);
    if (b->len) mpz_import(z, (size_t)b->len, little ? -1 : 1, 1, 0, 0, b->data);
    if (sgn && b->len && (b->data[little ? b->len - 1 : 0] & 0x80)) {
        /* negative: subtract 2**(8*len) */
        mpz_t p;
        mpz_init(p);
        mpz_setbit(p, (mp_bitcnt_t)(8 * b->len));
        mpz_sub(z, z, p);
        mpz_clear(p);
    }
    v_decref(owned);
    return big_from_mpz(z);
}

static Value float_is_integer(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (arg_count(ts, "is_integer", nargs, kwnames, 1, 1) < 0) return V_NULL;
    double x = args[0].as.f;
    return V_BOOL(isfinite(x) && floor(x) == x);
}

static Value float_conjugate(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (arg_count(ts, "conjugate", nargs, kwnames, 1, 1) < 0) return V_NULL;
    return args[0];
}

static Value float_as_integer_ratio(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (arg_count(ts, "as_integer_ratio", nargs, kwnames, 1, 1) < 0) return V_NULL;
    double x = args[0].as.f;
    if (isinf(x)) return exc_raise(ts, &T_OverflowError, "cannot convert Infinity to integer ratio");
    if (isnan(x)) return exc_raise(ts, &T_ValueError, "cannot convert NaN to integer ratio");
    int e;
    double m = frexp(x, &e);
    for (int i = 0; i < 300 && m != floor(m); i++) { m *= 2.0; e--; }
    Value num = V_INT((int64_t)m), den = V_INT(1);
    if (e > 0) num = big_binop(ts, num, V_INT(e), BINOP_LSHIFT);
    else if (e < 0) den = big_binop(ts, den, V_INT(-e), BINOP_LSHIFT);
    Value t = V_OBJ(tuple_pack(2, num, den));
    v_decref(num);
    v_decref(den);
    return t;
}

static Value float_hex(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (arg_count(ts, "hex", nargs, kwnames, 1, 1) < 0) return V_NULL;
    double x = args[0].as.f;
    char buf[64];
    if (isnan(x) || isinf(x)) return V_OBJ(float_repr(x));
    if (x == 0) return V_OBJ(str_from_cstr(signbit(x) ? "-0x0.0p+0" : "0x0.0p+0"));
    int e;
    double m = frexp(fabs(x), &e);   /* m in [0.5, 1) */
    m *= 2.0;
    e -= 1;
    if (e < -1022) { m = ldexp(m, e + 1022); e = -1022; }  /* subnormal */
    uint64_t bitsv = (uint64_t)ldexp(m, 52);
    int lead = (int)(bitsv >> 52);
    uint64_t frac = bitsv & (((uint64_t)1 << 52) - 1);
    snprintf(buf, sizeof buf, "%s0x%d.%013llxp%+d", x < 0 ? "-" : "", lead, (unsigned long long)frac, e);
    return V_OBJ(str_from_cstr(buf));
}

static const MethodDef int_methods[] = {
    { "bit_length", int_bit_length, 0 },
    { "conjugate", int_conjugate, 0 },
    { "as_integer_ratio", int_as_integer_ratio, 0 },
    { "to_bytes", int_to_bytes, 0 },
    { "from_bytes", int_from_bytes, METH_CLASS },
    { "bit_count", int_bit_count, 0 },
    { "__index__", int_index, 0 },
    { NULL, NULL, 0 }
};

static const MethodDef float_methods[] = {
    { "is_integer", float_is_integer, 0 },
    { "conjugate", float_conjugate, 0 },
    { "as_integer_ratio", float_as_integer_ratio, 0 },
    { "hex", float_hex, 0 },
    { NULL, NULL, 0 }
};

/* A big int's dealloc (small ints never reach it). */
static void int_dealloc(Obj *self)
{
    mpz_clear(((BigInt *)self)->z);
}

Type T_int = {
    .name = "int",
    .base = &T_object,
    .flags = 0,
    .basicsize = sizeof(Obj),
    .methods = int_methods,
    .new_ = int_new,
    .dealloc = int_dealloc,
    .repr = int_repr,
    .hash = num_hash,
    .richcmp = num_richcmp,
    .getattr = int_getattr,
    .truthy = num_truthy,
    .binop = num_binop,
    .unop = num_unop,
};

Type T_bool = {
    .name = "bool",
    .base = &T_int,
    .flags = 0,
    .basicsize = sizeof(Obj),
    .new_ = bool_new,
    .repr = int_repr,
    .hash = num_hash,
    .richcmp = num_richcmp,
    .getattr = int_getattr,
    .truthy = num_truthy,
    .binop = num_binop,
    .unop = num_unop,
};

Type T_float = {
    .name = "float",
    .base = &T_object,
    .flags = 0,
    .basicsize = sizeof(Obj),
    .methods = float_methods,
    .new_ = float_new,
    .repr = float_repr_slot,
    .hash = num_hash,
    .richcmp = num_richcmp,
    .getattr = float_getattr,
    .truthy = num_truthy,
    .binop = num_binop,
    .unop = num_unop,
};
