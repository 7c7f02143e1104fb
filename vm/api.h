/* api.h — what the command line needs from the VM. Every function runs on the main
 * thread state; errors are printed (traceback on stderr) and turned into exit codes. */
#ifndef TINY_API_H
#define TINY_API_H

#include <stdbool.h>

/* Starts the interpreter with sys.argv = argv[0..argc). script_dir is put first on
 * sys.path (NULL: the current directory). */
void tiny_init(int argc, char **argv, const char *script_dir);
/* Runs a file as __main__; returns the exit status (0, 1 on an uncaught exception, n for SystemExit(n)). */
int tiny_run_file(const char *path);
/* Runs source text as __main__ under a file name such as "<string>" or "<stdin>". */
int tiny_run_source(const char *src, const char *filename);
/* REPL: compiles and runs one entry (echoing expression values). Returns 0 when done,
 * 1 after printing an error; sets *incomplete (and runs nothing) when more lines are
 * needed; sets *exit_code >= 0 when the entry raised SystemExit. */
int tiny_repl_exec(const char *src, bool *incomplete, int *exit_code);
/* Disassembles a file (every code object); returns the exit status. */
int tiny_dis_file(const char *path);
/* Completion for the REPL: a NULL-terminated malloc'ed array of malloc'ed strings
 * that start with text: keywords, names of __main__ and builtins, or for "a.b" the
 * attributes of a that start with b (as "a.attr"). */
char **tiny_complete(const char *text);
/* Called from a SIGINT handler: raise KeyboardInterrupt in the main thread at its next check. */
void tiny_interrupt(void);
/* Finishes: flushes output, clears modules, reports leaks in debug builds; returns status. */
int tiny_fini(int status);

#endif
