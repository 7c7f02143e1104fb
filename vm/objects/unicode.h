/* unicode.h — internal helpers shared by str.c, bytes.c and format.c: character
 * classification and case mapping for the common Unicode ranges, and argument checks
 * with CPython's messages. */
#ifndef TINY_UNICODE_H
#define TINY_UNICODE_H

#include "object.h"

/* Whether c is whitespace as str.isspace()/str.split() see it. */
bool uni_isspace(uint32_t c);
/* Whether c is a letter (str.isalpha). */
bool uni_isalpha(uint32_t c);
/* Whether c is a decimal digit (str.isdecimal). */
bool uni_isdecimal(uint32_t c);
/* Whether c is a digit (str.isdigit). */
bool uni_isdigit(uint32_t c);
/* Whether c is numeric (str.isnumeric). */
bool uni_isnumeric(uint32_t c);
/* Whether c is an uppercase letter. */
bool uni_isupper(uint32_t c);
/* Whether c is a lowercase letter. */
bool uni_islower(uint32_t c);
/* Whether c is a titlecase letter (Dž and friends). */
bool uni_istitle(uint32_t c);
/* Whether c has case (upper, lower or title). */
bool uni_iscased(uint32_t c);
/* Whether c is printable (repr keeps it as is). */
bool uni_isprintable(uint32_t c);
/* Whether c is a line boundary for str.splitlines. */
bool uni_islinebreak(uint32_t c);
/* Simple one-to-one case mappings. */
uint32_t uni_tolower(uint32_t c);
uint32_t uni_toupper(uint32_t c);
/* Full case mappings (ß -> SS): write up to 3 code points to out, return the count. */
int uni_upper_full(uint32_t c, uint32_t *out);
int uni_lower_full(uint32_t c, uint32_t *out);
int uni_title_full(uint32_t c, uint32_t *out);
int uni_fold_full(uint32_t c, uint32_t *out);

/* Number of keyword arguments of a call. */
int uarg_nkw(Obj *kwnames);
/* "NAME() takes no arguments (N given)" unless n == 0 and no keywords; qual is "str.upper". */
int uarg_none(ThreadState *ts, const char *qual, int n, Obj *kwnames);
/* "NAME() takes exactly one argument (N given)" unless n == 1 and no keywords. */
int uarg_one(ThreadState *ts, const char *qual, int n, Obj *kwnames);
/* Positional-only range check with the "NAME expected at least 1 argument, got 0" style
 * (style 0) or "NAME() takes at least 1 argument (0 given)" (style 1); keywords rejected
 * as "QUAL() takes no keyword arguments". */
int uarg_range(ThreadState *ts, const char *name, const char *qual, int n, Obj *kwnames,
               int lo, int hi, int style);
/* Maps positional args (args[0..n)) and keywords onto the NULL-terminated names; out[i]
 * V_NULL when absent (borrowed). CPython's keyword-argument messages. */
int uarg_parse(ThreadState *ts, const char *fname, Value *args, int n, Obj *kwnames,
               int nkwstart, const char *const *names, Value *out);
/* An int argument (int, bool or __index__); -1 with an exception on error. */
int uarg_index(ThreadState *ts, Value v, int64_t *out);
/* Slice-style optional bound (None allowed) for find/count/startswith. */
int uarg_slice_bound(ThreadState *ts, Value v, int64_t *out);
/* Normalises [start, end) against a length like CPython's ADJUST_INDICES. */
void uarg_adjust(int64_t *start, int64_t *end, int64_t len);

#endif
