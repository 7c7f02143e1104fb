/* signals.h — the signal module's services to the rest of the standard library.
 * (Named signals.h so that it never hides the system's <signal.h>.) */
#ifndef TINY_SIGNALS_H
#define TINY_SIGNALS_H

#include "object.h"

/* Runs the tiny handlers of signals that arrived (main thread only); -1 on exception. */
int signal_run_pending(ThreadState *ts);
/* For a blocking call woken by EINTR: runs pending handlers and honours Ctrl-C; -1 on exception. */
int signal_check(ThreadState *ts);
/* Runs pending handlers if any signal is waiting; -1 on exception. */
int signal_poll(ThreadState *ts);
/* Whether a signal is waiting for its tiny handler. */
int signal_any_pending(void);
/* In a child after fork: forgets the parent's pending signals and unblocks the asynchronous ones. */
void signal_after_fork_child(void);

/* The signal module. */
extern const struct NativeModule signal_module_def;

#endif
