/* repl.h — the interactive prompt (GNU readline) of the tiny command. */
#ifndef TINY_REPL_H
#define TINY_REPL_H

/* Runs the REPL until EOF or SystemExit; returns the exit status. quiet: no version line
 * first. Reads with readline from a terminal, else plain lines (prompts on stderr, as
 * CPython's -i does). tiny_init must have been called. */
int repl_run(int quiet);

/* Called from the SIGINT handler (async-signal-safe): returns 1 when the REPL is
 * waiting for a line and takes the interrupt itself (the line is cancelled), 0 when
 * code is running and the interrupt belongs to the VM. */
int repl_sigint(void);

/* The version line printed by --version and the banner. */
#define TINY_VERSION_LINE "tiny 0.1.0 (Python 3.11 subset)"

#endif
