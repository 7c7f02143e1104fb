/* signal_mod.h — the signal module (stdlib/signal.c) and what the rest of tiny asks of it:
 * running the Python-level handlers of the signals that arrived. */
#ifndef TINY_SIGNAL_MOD_H
#define TINY_SIGNAL_MOD_H

#include "module.h"

/* The signal module. */
extern const NativeModule signal_module_def;

/* Runs the tiny handlers of the pending signals (in the main thread; another thread only
 * asks the main thread to look). -1 with the exception a handler raised. */
int signal_run_pending(ThreadState *ts);
/* After an EINTR: the eval breaker's work (KeyboardInterrupt...), then the pending
 * handlers. -1 with an exception. */
int signal_check(ThreadState *ts);
/* signal_run_pending when some signal is pending (cheap otherwise). */
int signal_poll(ThreadState *ts);
/* Whether some signal is waiting for its handler. */
int signal_any_pending(void);
/* In a forked child: forgets the signals that were pending in the parent. */
void signal_after_fork_child(void);

#endif
