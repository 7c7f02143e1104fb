/* exc.h — exceptions: raising, matching, tracebacks and their printing. */
#ifndef TINY_EXC_H
#define TINY_EXC_H

#include "object.h"

/* Raises a new exception of type t with a printf-style message; returns V_NULL. */
Value exc_raise(ThreadState *ts, Type *t, const char *fmt, ...);
/* Raises a new exception of type t with one argument (e.g. KeyError(key)); returns V_NULL. */
Value exc_raise_value(ThreadState *ts, Type *t, Value arg);
/* Raises an exception instance or class (instantiated without arguments); sets
 * __context__ from ts->exc_info. Raises TypeError if v is not an exception. Returns V_NULL. */
Value exc_raise_obj(ThreadState *ts, Value v);
/* Sets the pending exception, stealing a reference to the instance. */
void exc_set(ThreadState *ts, Value exc);
/* Takes the pending exception out of the thread state (new reference, V_NULL if none). */
Value exc_fetch(ThreadState *ts);
/* Drops the pending exception. */
void exc_clear(ThreadState *ts);
/* Whether the pending exception is an instance of t. */
bool exc_matches(ThreadState *ts, Type *t);
/* Whether exception value exc matches a type or a tuple of types; -1 if spec is not a class. */
int exc_match_spec(ThreadState *ts, Value exc, Value spec);
/* A new exception instance of type t with these args. */
Value exc_new(ThreadState *ts, Type *t, Value *args, int nargs);
/* Raises OSError (or the subclass matching errno, e.g. FileNotFoundError) from errno,
 * with an optional filename; returns V_NULL. */
Value exc_raise_errno(ThreadState *ts, int err, const char *filename);
/* A traceback entry (CPython's traceback object): a frame's code and line, and the entry
 * of the frame the exception came from (tb_next: one call further in, NULL innermost). */
typedef struct Traceback { Obj hdr; Obj *next; Obj *code; int64_t line; } Traceback;
extern Type T_traceback;
/* Adds a traceback entry (code, line) for a frame the exception is leaving: the new entry
 * becomes the head (outermost) of the exception's chain, in O(1). */
void exc_add_traceback(ThreadState *ts, Value exc, Obj *code, int line);
/* Prints an exception as CPython does for an uncaught one: cause/context chains,
 * "Traceback (most recent call last):", one entry per frame with its source line,
 * then "Type: message". SyntaxError is printed with file, line, the text and a caret. */
void exc_print(ThreadState *ts, Value exc, FILE *out);
/* "Type: message" or "Type" when the message is empty (module.Type for non-builtins). */
Obj *exc_format_only(ThreadState *ts, Value exc);
/* Raises SyntaxError (or IndentationError when indent is set) at a position:
 * line is 1-based, col is 0-based; text is the source line (may be NULL). */
Value exc_syntax_error(ThreadState *ts, Type *t, const char *msg, Obj *filename,
                       int line, int col, const char *text);
/* Registers source text for a file name so tracebacks can show its lines. */
void exc_register_source(Obj *filename, Obj *source);
/* Builds the exception type hierarchy (called once at startup). */
void exc_init(void);

#endif
