/* parse.h — the parser: tokens (compiler/lex.c) to an AST (compiler/ast.h). */
#ifndef TINY_PARSE_H
#define TINY_PARSE_H

#include "ast.h"
#include "object.h"

/* Parses a whole module. Returns NULL with SyntaxError (or IndentationError) pending on
 * ts, positioned as CPython 3.11 positions it. Sets *incomplete (if not NULL) when the
 * only problem is that the input ended too early (for the REPL's "... " prompt). */
AstModule *parse_module(ThreadState *ts, const char *src, int64_t len, Obj *filename,
                        int *incomplete);

#endif
