/* long.c — big integers on GMP: promotion from 64-bit ints, arithmetic, conversions,
 * hashing and text, with CPython 3.11's results and messages. Sizes are checked before
 * GMP is called, so a result too large for memory raises MemoryError. */
#include "objects/long.h"
#include "objects/str.h"
#include "exc.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(GMP_LIMB_BITS == 64, "big_view needs 64-bit limbs");

#define HASH_MODULUS (((uint64_t)1 << 61) - 1)

int64_t big_max_str_digits = 4300;

/* GMP cannot report a failed allocation; sizes are checked before every call, so one
 * failing here is reported and ends the process rather than corrupting it. */
static void gmp_oom(size_t n)
{
    fprintf(stderr, "tiny: out of memory (big integer of %zu bytes)\n", n);
    abort();
}

/* GMP's allocator: malloc that never returns NULL. */
static void *gmp_alloc(size_t n)
{
    void *p = malloc(n);
    if (!p) gmp_oom(n);
    return p;
}

/* GMP's reallocator. */
static void *gmp_realloc(void *p, size_t old, size_t n)
{
    (void)old;
    void *q = realloc(p, n);
    if (!q) gmp_oom(n);
    return q;
}

/* GMP's free. */
static void gmp_free(void *p, size_t n)
{
    (void)n;
    free(p);
}

/* Installs the allocators before any GMP call. */
__attribute__((constructor)) static void big_init(void)
{
    mp_set_memory_functions(gmp_alloc, gmp_realloc, gmp_free);
}

Value big_nomem(ThreadState *ts)
{
    return exc_raise_obj(ts, V_OBJ(&T_MemoryError.hdr));
}

mpz_srcptr big_view(Value v, mpz_ptr tmp, mp_limb_t *limb)
{
    if (v.tag == VT_OBJ) return BIG_Z(v);
    int64_t x = v.as.i;
    *limb = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
    return mpz_roinit_n(tmp, limb, x < 0 ? -1 : x > 0 ? 1 : 0);
}

Value big_from_mpz(mpz_ptr z)
{
    if (mpz_fits_slong_p(z)) {
        long x = mpz_get_si(z);
        mpz_clear(z);
        return V_INT(x);
    }
    BigInt *b = (BigInt *)obj_alloc(&T_int, sizeof(BigInt));
    memcpy(b->z, z, sizeof(mpz_t));
    return V_OBJ(b);
}

/* Bits in |z| (0 for zero). */
static uint64_t nbits(mpz_srcptr z)
{
    return mpz_sgn(z) ? mpz_sizeinbase(z, 2) : 0;
}

uint64_t big_bit_length(Value v)
{
    mpz_t t;
    mp_limb_t l;
    return nbits(big_view(v, t, &l));
}

/* Rounds |z| (more than 64 bits) to a double; *e receives the power of two to apply. */
static double top_bits(mpz_srcptr z, uint64_t n, int64_t *e)
{
    mpz_t t;
    mpz_init(t);
    mpz_tdiv_q_2exp(t, z, n - 64);
    uint64_t top = mpz_getlimbn(t, 0);
    mpz_clear(t);
    if (mpz_scan1(z, 0) < n - 64) top |= 1;   /* sticky: a lost bit was set */
    *e = (int64_t)(n - 64);
    return (double)top;
}

int big_to_double(ThreadState *ts, Value v, double *out)
{
    if (IS_FLOAT(v)) { *out = v.as.f; return 0; }
    if (!IS_BIG(v)) { *out = (double)v.as.i; return 0; }
    mpz_srcptr z = BIG_Z(v);
    uint64_t n = nbits(z);
    if (n > 1024) goto overflow;
    int64_t e;
    double top = top_bits(z, n, &e), d = ldexp(top, (int)e);
    if (isinf(d)) goto overflow;
    *out = mpz_sgn(z) < 0 ? -d : d;
    return 0;
overflow:
    exc_raise(ts, &T_OverflowError, "int too large to convert to float");
    return -1;
}

Value big_from_double(double d)
{
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) return V_INT((int64_t)d);
    mpz_t z;
    mpz_init_set_d(z, d);
    return big_from_mpz(z);
}

int big_cmp(Value a, Value b)
{
    mpz_t ta, tb;
    mp_limb_t la, lb;
    int c = mpz_cmp(big_view(a, ta, &la), big_view(b, tb, &lb));
    return c < 0 ? -1 : c > 0;
}

int big_cmp_double(Value a, double f)
{
    mpz_t t;
    mp_limb_t l;
    int c = mpz_cmp_d(big_view(a, t, &l), f);
    return c < 0 ? -1 : c > 0;
}

int64_t big_hash(Value v)
{
    mpz_srcptr z = BIG_Z(v);
    uint64_t m = mpz_tdiv_ui(z, HASH_MODULUS);
    int64_t h = mpz_sgn(z) < 0 ? -(int64_t)m : (int64_t)m;
    return h == -1 ? -2 : h;
}

/* a / b correctly rounded (b nonzero). */
static Value big_truediv(ThreadState *ts, mpz_srcptr x, mpz_srcptr y)
{
    int neg = mpz_sgn(x) * mpz_sgn(y) < 0;
    if (!mpz_sgn(x)) return V_FLOAT(mpz_sgn(y) < 0 ? -0.0 : 0.0);
    int64_t na = (int64_t)nbits(x), nb = (int64_t)nbits(y), diff = na - nb;
    if (diff > 1025) goto overflow;
    if (diff < -1100) return V_FLOAT(neg ? -0.0 : 0.0);
    /* scale so the quotient has 55 or 56 bits: 53, a guard bit and a sticky bit */
    int64_t shift = 55 - diff;
    mpz_t num, den, q, r;
    mpz_inits(num, den, q, r, NULL);
    mpz_abs(num, x);
    mpz_abs(den, y);
    if (shift >= 0) mpz_mul_2exp(num, num, (mp_bitcnt_t)shift);
    else mpz_mul_2exp(den, den, (mp_bitcnt_t)-shift);
    mpz_tdiv_qr(q, r, num, den);
    uint64_t qu = mpz_getlimbn(q, 0);
    if (mpz_sgn(r)) qu |= 1;
    mpz_clears(num, den, q, r, NULL);
    double d = ldexp((double)qu, (int)-shift);
    if (isinf(d)) goto overflow;
    return V_FLOAT(neg ? -d : d);
overflow:
    return exc_raise(ts, &T_OverflowError, "integer division result too large for a float");
}

/* x ** y for y >= 0. */
static Value big_pow(ThreadState *ts, mpz_srcptr x, mpz_srcptr y)
{
    if (!mpz_sgn(y)) return V_INT(1);
    if (!mpz_sgn(x)) return V_INT(0);
    if (mpz_cmpabs_ui(x, 1) == 0) return V_INT(mpz_sgn(x) < 0 && mpz_odd_p(y) ? -1 : 1);
    uint64_t bx = nbits(x) - 1;
    if (!mpz_fits_ulong_p(y)) return big_nomem(ts);
    uint64_t e = mpz_get_ui(y);
    if (bx && e > BIG_MAX_BITS / bx) return big_nomem(ts);
    mpz_t r;
    mpz_init(r);
    mpz_pow_ui(r, x, e);
    return big_from_mpz(r);
}

Value big_binop(ThreadState *ts, Value a, Value b, int op)
{
    mpz_t ta, tb, r;
    mp_limb_t la, lb;
    mpz_srcptr x = big_view(a, ta, &la), y = big_view(b, tb, &lb);
    uint64_t bx = nbits(x), by = nbits(y);
    switch (op) {
    case BINOP_ADD:
    case BINOP_SUB:
        if ((bx > by ? bx : by) + 1 > BIG_MAX_BITS) return big_nomem(ts);
        mpz_init(r);
        if (op == BINOP_ADD) mpz_add(r, x, y);
        else mpz_sub(r, x, y);
        break;
    case BINOP_MUL:
        if (bx + by > BIG_MAX_BITS) return big_nomem(ts);
        mpz_init(r);
        mpz_mul(r, x, y);
        break;
    case BINOP_TRUEDIV:
        if (!mpz_sgn(y)) return exc_raise(ts, &T_ZeroDivisionError, "division by zero");
        return big_truediv(ts, x, y);
    case BINOP_FLOORDIV:
        if (!mpz_sgn(y)) return exc_raise(ts, &T_ZeroDivisionError, "integer division or modulo by zero");
        mpz_init(r);
        mpz_fdiv_q(r, x, y);
        break;
    case BINOP_MOD:
        if (!mpz_sgn(y)) return exc_raise(ts, &T_ZeroDivisionError, "integer modulo by zero");
        mpz_init(r);
        mpz_fdiv_r(r, x, y);
        break;
    case BINOP_POW:
        return big_pow(ts, x, y);
    case BINOP_LSHIFT:
        if (mpz_sgn(y) < 0) return exc_raise(ts, &T_ValueError, "negative shift count");
        if (!bx) return V_INT(0);
        if (!mpz_fits_ulong_p(y) || mpz_get_ui(y) + bx > BIG_MAX_BITS) {
            /* CPython counts a shift in 30-bit digits: past 2**63 of them, OverflowError */
            mpz_t w;
            mpz_init(w);
            mpz_fdiv_q_ui(w, y, 30);
            bool over = mpz_cmp_ui(w, (unsigned long)INT64_MAX) > 0;
            mpz_clear(w);
            if (over) return exc_raise(ts, &T_OverflowError, "too many digits in integer");
            return big_nomem(ts);
        }
        mpz_init(r);
        mpz_mul_2exp(r, x, mpz_get_ui(y));
        break;
    case BINOP_RSHIFT:
        if (mpz_sgn(y) < 0) return exc_raise(ts, &T_ValueError, "negative shift count");
        if (!mpz_fits_ulong_p(y) || mpz_get_ui(y) >= bx) return V_INT(mpz_sgn(x) < 0 ? -1 : 0);
        mpz_init(r);
        mpz_fdiv_q_2exp(r, x, mpz_get_ui(y));
        break;
    case BINOP_AND: mpz_init(r); mpz_and(r, x, y); break;
    case BINOP_OR: mpz_init(r); mpz_ior(r, x, y); break;
    case BINOP_XOR: mpz_init(r); mpz_xor(r, x, y); break;
    default: return V_NOTIMPL;
    }
    return big_from_mpz(r);
}

Value big_unop(ThreadState *ts, Value a, int op)
{
    (void)ts;
    if (op == UNOP_POS) return IS_BIG(a) ? v_new(a) : V_INT(a.as.i);
    mpz_t t, r;
    mp_limb_t l;
    mpz_srcptr x = big_view(a, t, &l);
    mpz_init(r);
    if (op == UNOP_NEG) mpz_neg(r, x);
    else mpz_com(r, x);
    return big_from_mpz(r);
}

Value big_abs(ThreadState *ts, Value a)
{
    (void)ts;
    mpz_t t, r;
    mp_limb_t l;
    mpz_srcptr x = big_view(a, t, &l);
    if (mpz_sgn(x) >= 0) return IS_BIG(a) ? v_new(a) : V_INT(a.as.i);
    mpz_init(r);
    mpz_neg(r, x);
    return big_from_mpz(r);
}

Value big_str_limit_error(ThreadState *ts, int64_t ndigits)
{
    return exc_raise(ts, &T_ValueError,
                     "Exceeds the limit (%lld digits) for integer string conversion: value has "
                     "%lld digits; use sys.set_int_max_str_digits() to increase the limit",
                     (long long)big_max_str_digits, (long long)ndigits);
}

/* The ValueError of str() over the digit limit; V_NULL. */
static Value str_limit_error(ThreadState *ts)
{
    return exc_raise(ts, &T_ValueError,
                     "Exceeds the limit (%lld digits) for integer string conversion; use "
                     "sys.set_int_max_str_digits() to increase the limit",
                     (long long)big_max_str_digits);
}

Value big_str(ThreadState *ts, Value v)
{
    mpz_t t;
    mp_limb_t l;
    mpz_srcptr z = big_view(v, t, &l);
    size_t est = mpz_sizeinbase(z, 10);
    int64_t lim = big_max_str_digits;
    if (lim > 0 && (int64_t)est - 1 > lim) return str_limit_error(ts);
    char *buf = malloc(est + 2);
    if (!buf) return big_nomem(ts);
    mpz_get_str(buf, 10, z);
    size_t len = strlen(buf);
    if (lim > 0 && (int64_t)(len - (buf[0] == '-')) > lim) {
        free(buf);
        return str_limit_error(ts);
    }
    Obj *s = str_new_valid(buf, (int64_t)len, (int64_t)len);
    free(buf);
    return V_OBJ(s);
}

Value big_to_base(ThreadState *ts, Value v, int base, bool prefix)
{
    mpz_t t;
    mp_limb_t l;
    mpz_srcptr z = big_view(v, t, &l);
    size_t est = mpz_sizeinbase(z, base);
    char *buf = malloc(est + 5);
    if (!buf) return big_nomem(ts);
    char *p = buf;
    if (mpz_sgn(z) < 0) *p++ = '-';
    if (prefix) {
        *p++ = '0';
        *p++ = base == 16 ? 'x' : base == 8 ? 'o' : 'b';
    }
    mpz_t m;
    mpz_roinit_n(m, mpz_limbs_read(z), (mp_size_t)mpz_size(z));
    mpz_get_str(p, base, m);
    size_t len = strlen(buf);
    Obj *s = str_new_valid(buf, (int64_t)len, (int64_t)len);
    free(buf);
    return V_OBJ(s);
}

Value big_parse(ThreadState *ts, const char *digits, int64_t n, int base, bool neg)
{
    char *buf = malloc((size_t)n + 1);
    if (!buf) return big_nomem(ts);
    memcpy(buf, digits, (size_t)n);
    buf[n] = 0;
    mpz_t z;
    mpz_init(z);
    int rc = mpz_set_str(z, buf, base);
    free(buf);
    if (rc < 0) {
        mpz_clear(z);
        return exc_raise(ts, &T_ValueError, "invalid literal for int() with base %d", base);
    }
    if (neg) mpz_neg(z, z);
    return big_from_mpz(z);
}

Value big_powmod(ThreadState *ts, Value a, Value b, Value m)
{
    mpz_t ta, tb, tm, r, am;
    mp_limb_t la, lb, lm;
    mpz_srcptr x = big_view(a, ta, &la), y = big_view(b, tb, &lb), md = big_view(m, tm, &lm);
    if (!mpz_sgn(md)) return exc_raise(ts, &T_ValueError, "pow() 3rd argument cannot be 0");
    if (mpz_cmpabs_ui(md, 1) == 0) return V_INT(0);
    mpz_init(am);
    mpz_abs(am, md);
    mpz_init(r);
    if (mpz_sgn(y) < 0) {
        if (!mpz_invert(r, x, am)) {
            mpz_clears(r, am, NULL);
            return exc_raise(ts, &T_ValueError, "base is not invertible for the given modulus");
        }
        mpz_t ny;
        mpz_init(ny);
        mpz_neg(ny, y);
        mpz_powm(r, r, ny, am);
        mpz_clear(ny);
    } else {
        mpz_powm(r, x, y, am);
    }
    if (mpz_sgn(md) < 0 && mpz_sgn(r)) mpz_sub(r, r, am);
    mpz_clear(am);
    return big_from_mpz(r);
}

Value big_round(ThreadState *ts, Value v, int64_t n)
{
    if (n >= 0) return IS_BIG(v) ? v_new(v) : V_INT(v.as.i);
    mpz_t t, p, q, r, r2;
    mp_limb_t l;
    mpz_srcptr x = big_view(v, t, &l);
    /* 10**-n beyond twice the digits of x rounds everything to 0 */
    if ((uint64_t)-(n + 1) > mpz_sizeinbase(x, 10)) return V_INT(0);
    mpz_inits(p, q, r, r2, NULL);
    mpz_ui_pow_ui(p, 10, (unsigned long)-n);
    mpz_fdiv_qr(q, r, x, p);
    mpz_mul_2exp(r2, r, 1);
    int c = mpz_cmp(r2, p);
    if (c > 0 || (c == 0 && mpz_odd_p(q))) mpz_add_ui(q, q, 1);
    mpz_mul(q, q, p);
    mpz_clears(p, r, r2, NULL);
    (void)ts;
    return big_from_mpz(q);
}

char *big_digits(ThreadState *ts, Value v, int base, bool upper, int64_t *n)
{
    mpz_t t, m;
    mp_limb_t l;
    mpz_srcptr z = big_view(v, t, &l);
    size_t est = mpz_sizeinbase(z, base);
    int64_t lim = big_max_str_digits;
    if (base == 10 && lim > 0 && (int64_t)est - 1 > lim) {
        str_limit_error(ts);
        return NULL;
    }
    char *buf = malloc(est + 2);
    if (!buf) {
        big_nomem(ts);
        return NULL;
    }
    mpz_roinit_n(m, mpz_limbs_read(z), (mp_size_t)mpz_size(z));
    mpz_get_str(buf, upper ? -base : base, m);
    *n = (int64_t)strlen(buf);
    if (base == 10 && lim > 0 && *n > lim) {
        free(buf);
        str_limit_error(ts);
        return NULL;
    }
    return buf;
}
