/* args.h — argument checks of native functions and methods, with CPython's messages:
 * counts, keywords, binding onto names, index arguments and slice bounds. */
#ifndef TINY_ARGS_H
#define TINY_ARGS_H

#include "object.h"

/* Number of keyword arguments of a call. */
int arg_nkw(Obj *kwnames);
/* "NAME() takes no arguments (N given)" unless n == 0 and no keywords; qual is "str.upper". */
int arg_none(ThreadState *ts, const char *qual, int n, Obj *kwnames);
/* "NAME() takes exactly one argument (N given)" unless n == 1 and no keywords. */
int arg_one(ThreadState *ts, const char *qual, int n, Obj *kwnames);
/* Positional-only range check with the "NAME expected at least 1 argument, got 0" style
 * (style 0) or "NAME() takes at least 1 argument (0 given)" (style 1); keywords rejected
 * as "QUAL() takes no keyword arguments". */
int arg_range(ThreadState *ts, const char *name, const char *qual, int n, Obj *kwnames,
               int lo, int hi, int style);
/* Maps positional args (args[0..n)) and keywords onto the NULL-terminated names; out[i]
 * V_NULL when absent (borrowed). CPython's keyword-argument messages. */
int arg_parse(ThreadState *ts, const char *fname, Value *args, int n, Obj *kwnames,
               int nkwstart, const char *const *names, Value *out);
/* An int argument (int, bool or __index__); -1 with an exception on error. */
int arg_index(ThreadState *ts, Value v, int64_t *out);
/* Slice-style optional bound (None allowed) for find/count/startswith. */
int arg_slice_bound(ThreadState *ts, Value v, int64_t *out);
/* Normalises [start, end) against a length like CPython's ADJUST_INDICES. */
void arg_adjust(int64_t *start, int64_t *end, int64_t len);
/* "TYPE.NAME() takes no keyword arguments" if the call has keywords; -1 then, else 0. */
int arg_no_kw(ThreadState *ts, const char *type, const char *name, Obj *kwnames);

/* Raises TypeError unless lo <= nargs <= hi and no keywords were given. */
int arg_count(ThreadState *ts, const char *fname, int nargs, Obj *kwnames, int lo, int hi);
/* Finds keyword `name` among the call's keywords; returns V_NULL if absent (borrowed). */
Value arg_kw(Value *args, int nargs, Obj *kwnames, const char *name);
/* Raises TypeError "f() got an unexpected keyword argument 'x'" if a keyword is not in the
 * NULL-terminated list allowed. */
int arg_check_kw(ThreadState *ts, const char *fname, Obj *kwnames, const char *const *allowed);
/* A value's type name as argument errors spell it ("None" for None). */
const char *arg_type_name(Value v);
/* Binds positional and keyword arguments to the NULL-terminated parameter names (out[i]
 * V_NULL when not given; the first nrequired are required), with CPython's messages. */
int arg_bind(ThreadState *ts, const char *fname, Value *args, int nargs, Obj *kwnames,
             const char *const *names, int nrequired, Value *out);
/* Requires args[i] to be of the given type, else TypeError naming the function. */
int arg_type(ThreadState *ts, const char *fname, Value v, Type *t, int argno);

#endif
