/* builtins.h — the builtins module and the file objects behind print/open/sys.stdout. */
#ifndef TINY_BUILTINS_H
#define TINY_BUILTINS_H

#include "object.h"

/* Creates the builtins module: functions, types and exception classes. Sets
 * the_interp.builtins_module (the returned reference) and the_interp.builtins (its dict, borrowed). */
Obj *builtins_create(ThreadState *ts);
/* Wraps a C stream as a text file object (sys.stdout, sys.stderr, sys.stdin). */
Obj *io_file_from_stream(FILE *fp, const char *name, const char *mode);
/* Flushes sys.stdout and sys.stderr (at exit, before input()). */
void io_flush_std(ThreadState *ts);
/* The file object types. */
extern Type T_TextFile;

/* open(file, mode='r', encoding=None, ...): the builtin (stdlib/io.c). */
Value io_open(ThreadState *ts, Value *args, int nargs, Obj *kwnames);
/* The FILE* behind f when f is an open, writable, text-mode TextFile; else NULL (print's fast path). */
FILE *io_text_stream(Value f);
/* Raises OSError (BrokenPipeError for EPIPE) if fp has its error flag set; -1 then, else 0. */
int io_check_stream(ThreadState *ts, FILE *fp);
/* Reads one line from a TextFile (newline kept; "" at EOF); V_NULL with an exception on error. */
Value io_readline(ThreadState *ts, Value f);

/* sys.<name> through the sys module in the_interp.modules (borrowed; V_NULL if absent). */
Value bi_sys_attr(Obj *name);
/* Binds positional and keyword arguments onto the NULL-terminated names (CPython's
 * argument-clinic messages): at most maxpos positionally, the first nreq required;
 * out[i] is V_NULL (borrowed) when absent. -1 with an exception on error. */
int bi_parse_args(ThreadState *ts, const char *fname, Value *args, int nargs, Obj *kwnames,
                  const char *const *names, int maxpos, int nreq, Value *out);
/* Converts an int, bool or float (or an object with __float__) to a double; -1 with
 * TypeError "must be real number, not X" otherwise. */
int bi_to_double(ThreadState *ts, Value v, double *out);

/* The native modules (stdlib/modules.c lists them). */
struct NativeModule;
extern const struct NativeModule sys_module_def, time_module_def, math_module_def, random_module_def,
    os_module_def, os_path_module_def, gcmod_module_def, thread_module_def;
/* The table the import system consults (vm_hooks.modules), NULL-terminated. */
extern const struct NativeModule *const native_modules[];
/* Fills the hooks the standard library provides (all of vm/hooks.h but the compiler). */
struct VmHooks;
void stdlib_hooks(struct VmHooks *h);

#endif
