/* num.h — int, bool and float: arithmetic with overflow checks, hashing compatible
 * with CPython (equal numbers hash alike), repr, and parsing. */
#ifndef TINY_NUM_H
#define TINY_NUM_H

#include "object.h"

/* a op b for int/bool/float operands (any mix, big ints included); NotImplemented for
 * other types. A 64-bit int result that overflows becomes a big int (objects/long.h). */
Value num_binop(ThreadState *ts, Value a, Value b, int op);
/* Compares two numbers (int/bool/float mixes exact, as CPython); NotImplemented otherwise. */
Value num_richcmp(ThreadState *ts, Value a, Value b, int op);
/* Hash of an int (CPython's: n mod (2**61 - 1), with -1 mapped to -2). */
int64_t int_hash(int64_t n);
/* Hash of a float (CPython's _Py_HashDouble, so hash(1.0) == hash(1)). */
int64_t float_hash(double x);
/* repr of a float, CPython's shortest round-trip form ('0.1', '1e+16', 'inf', 'nan'). */
Obj *float_repr(double x);
/* Writes float repr into buf (at least 32 bytes); returns its length. */
int float_repr_buf(double x, char *buf);
/* Parses an int literal or int(str, base) text (underscores, sign, whitespace, 0x/0o/0b
 * prefixes with base 0); raises ValueError("invalid literal for int() with base 10: 'x'"). */
Value int_from_str(ThreadState *ts, const char *s, int64_t len, int base);
/* Parses float(str) text ('1.5', ' -2e3 ', 'inf', 'nan'); ValueError on bad input. */
Value float_from_str(ThreadState *ts, const char *s, int64_t len);
/* Writes the decimal text of n into buf (at least 21 bytes, NUL-terminated); returns
 * its length. */
int int_to_cstr(int64_t n, char *buf);
/* str(n) for an int: a new str (or a cached one-character str). */
Obj *int_to_str(int64_t n);
/* Python floor division and modulo helpers (ZeroDivisionError raised by callers). */
int64_t int_floordiv(int64_t a, int64_t b);
int64_t int_mod(int64_t a, int64_t b);
/* Raises OverflowError for a value a 64-bit C quantity cannot hold; returns V_NULL. */
Value int_overflow(ThreadState *ts);

#endif
