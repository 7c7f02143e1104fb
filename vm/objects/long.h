/* long.h — big integers: an int outside the 64-bit range is a heap object of type int
 * holding a GMP mpz_t (refcounted, not GC-tracked). Every result that fits in 64 bits
 * goes back to an unboxed VT_INT, so a BigInt is never in int64 range. */
#ifndef TINY_LONG_H
#define TINY_LONG_H

#include "object.h"
#include <gmp.h>

/* An int beyond 64 bits. */
typedef struct BigInt { Obj hdr; mpz_t z; } BigInt;

/* Whether v is a big int. */
#define IS_BIG(v)    ((v).tag == VT_OBJ && (v).as.o->type == &T_int)
/* Whether v is any int: small, bool or big. */
#define IS_ANYINT(v) (IS_INTLIKE(v) || IS_BIG(v))
/* The mpz of a big int value. */
#define BIG_Z(v)     (((BigInt *)(v).as.o)->z)

/* Largest int (in bits) tiny will build; larger results raise MemoryError. */
#define BIG_MAX_BITS ((uint64_t)1 << 35)

/* sys.set_int_max_str_digits limit (0: none); CPython's default is 4300. */
extern int64_t big_max_str_digits;

/* A read-only mpz view of any int (no allocation): limb is scratch for a small int. */
mpz_srcptr big_view(Value v, mpz_ptr tmp, mp_limb_t *limb);
/* The int whose value is z: a small int when it fits, else a new BigInt. Clears z. */
Value big_from_mpz(mpz_ptr z);
/* a op b for two ints (BINOP_*), any sizes; NotImplemented for an op ints lack. */
Value big_binop(ThreadState *ts, Value a, Value b, int op);
/* -a, +a, ~a for any int. */
Value big_unop(ThreadState *ts, Value a, int op);
/* abs(a) for any int. */
Value big_abs(ThreadState *ts, Value a);
/* Three-way comparison of two ints of any size. */
int big_cmp(Value a, Value b);
/* Three-way comparison of an int with a non-NaN double, exact. */
int big_cmp_double(Value a, double f);
/* hash of a big int (CPython's: value mod 2**61 - 1). */
int64_t big_hash(Value v);
/* float(v) for any int (or a float, as is) correctly rounded; -1 with OverflowError("int too large to convert to float"). */
int big_to_double(ThreadState *ts, Value v, double *out);
/* The int equal to a finite integral double. */
Value big_from_double(double d);
/* str(v) for any int, honouring the max-str-digits limit (ValueError). */
Value big_str(ThreadState *ts, Value v);
/* Digits of v in base 2, 8 or 16 with sign and (if prefix) 0b/0o/0x: a new Str. */
Value big_to_base(ThreadState *ts, Value v, int base, bool prefix);
/* The int of a run of digits (no sign, no underscores, valid for base), negated if neg. */
Value big_parse(ThreadState *ts, const char *digits, int64_t n, int base, bool neg);
/* Raises the ValueError for an int string of ndigits digits over the limit; V_NULL. */
Value big_str_limit_error(ThreadState *ts, int64_t ndigits);
/* pow(a, b, m) for ints of any size. */
Value big_powmod(ThreadState *ts, Value a, Value b, Value m);
/* Number of bits in |v| (int.bit_length()). */
uint64_t big_bit_length(Value v);
/* round(v, n) for any int: v rounded half to even to a multiple of 10**-n. */
Value big_round(ThreadState *ts, Value v, int64_t n);
/* The digits of |v| in base (2..16; upper-case letters if upper) as a malloc'ed string
 * of *n chars; NULL with an exception (base 10 honours the digit limit). */
char *big_digits(ThreadState *ts, Value v, int base, bool upper, int64_t *n);
/* Raises MemoryError (CPython's, no message); returns V_NULL. */
Value big_nomem(ThreadState *ts);

#endif
