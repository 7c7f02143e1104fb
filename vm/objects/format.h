/* format.h — text formatting: printf-style %, format specs (format(), f-strings,
 * str.format) for int, float, str and objects with __format__. */
#ifndef TINY_FORMAT_H
#define TINY_FORMAT_H

#include "object.h"

/* fmt % args (args a tuple, a single value, or a dict for %(name)s). */
Value fmt_percent(ThreadState *ts, Obj *fmt, Value args);
/* format(v, spec): CPython's format-spec mini-language for int, float, str, and
 * __format__ on instances (an empty spec means str(v)). spec may be NULL. */
Value fmt_format(ThreadState *ts, Value v, Obj *spec);
/* str.format(*args, **kwargs) on fmt. */
Value fmt_str_format(ThreadState *ts, Obj *fmt, Value *args, int nargs, Obj *kwnames);

#endif
