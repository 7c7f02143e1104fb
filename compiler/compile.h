/* compile.h — source text to code objects: the compiler's one entry point.
 * The compiler knows nothing of threads or of particular modules. */
#ifndef TINY_COMPILE_H
#define TINY_COMPILE_H

#include "object.h"
#include "hooks.h"  /* the compile modes */

/* Compiles source (len bytes) into a Code object (new reference). On error returns
 * NULL with SyntaxError/IndentationError pending on ts. In COMP_SINGLE mode, when the
 * error is only that the input ends too early (unclosed bracket, block header without
 * body, unterminated triple-quoted string, trailing backslash), sets *incomplete = 1. */
Obj *comp_compile(ThreadState *ts, const char *src, int64_t len, Obj *filename, int mode,
                  int *incomplete);

/* The optimisation level of the command's -O (1: assert statements compile to nothing). */
extern int comp_optimize;

#endif
