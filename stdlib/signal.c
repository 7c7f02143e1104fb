/* signal.c — the signal module.
 *
 * signal.signal(n, handler) with a tiny callable installs sig_handler for n: the C handler
 * only sets a per-signal "pending" flag and the main thread's eval breaker. The main thread
 * runs the tiny handlers in signal_run_pending, which the eval breaker check calls (and the
 * blocking calls of time/os/io after an EINTR, through signal_check). Handlers are installed
 * without SA_RESTART, so a signal interrupts a blocking read or wait in the main thread,
 * which then runs the handler and retries the call (PEP 475).
 *
 * The handler table is a List of NSIG entries kept in the module's namespace ("_handlers"):
 * SIG_DFL (0), SIG_IGN (1), None (a C handler tiny did not install) or a callable. SIGINT's
 * default handler is the command line's (it raises KeyboardInterrupt through
 * the_interp.sigint_pending); its sigaction is kept as bytes in "_sigint_action" so that
 * signal(SIGINT, default_int_handler) can put it back. */
#include "builtins.h"
#include "state.h"
#include "signals.h"
#include "objects/str.h"
#include "objects/bytes.h"
#include "objects/containers.h"
#include "exc.h"
#include "objects/func.h"
#include "module.h"
#include "eval.h"
#include "gil/gil.h"
#include "args.h"
#include <signal.h>
#include <pthread.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

/* The pending flags live in the Interp: written by the C handler (in whichever thread the
 * kernel chose) and read by other threads, so every access is atomic (lock-free on int). */
#define SIG_PENDING the_interp.sig_pending
#define SIG_ANY the_interp.sig_any_pending
#define SIG_GET(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define SIG_SET(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

/* The C handler: records the signal and asks the main thread to look. */
static void sig_handler(int signum) {
    int saved = errno;
    if (signum > 0 && signum < NSIG) {
        SIG_SET(SIG_PENDING[signum], 1);
        SIG_SET(SIG_ANY, 1);
        ThreadState *m = the_interp.main_ts;
        if (m) __atomic_fetch_or(&m->eval_breaker, 1, __ATOMIC_RELAXED);
    }
    errno = saved;
}

/* Whether a signal is waiting for its tiny handler. */
int signal_any_pending(void) {
    return SIG_GET(SIG_ANY) != 0;
}

/* In a child after fork: signals that arrived in the parent are the parent's. */
void signal_after_fork_child(void) {
    /* a child forked from a tiny thread inherits that thread's mask, which blocks the
     * asynchronous signals: a new process must receive SIGTERM and Ctrl-C again */
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    SIG_SET(SIG_ANY, 0);
    for (int i = 0; i < NSIG; i++) SIG_SET(SIG_PENDING[i], 0);
}

/* The signal module's namespace (borrowed), or NULL when it is not imported. */
static Obj *module_dict(void) {
    if (!the_interp.modules) return NULL;
    Value m = dict_get_str(the_interp.modules, str_intern("signal"));
    if (!OBJ_IS(m, T_module)) return NULL;
    return MODULE_DICT(AS_OBJ(m));
}

/* The handler table (borrowed List of NSIG entries) of a module namespace, or NULL. */
static Obj *handler_table(Obj *dict) {
    if (!dict) return NULL;
    Value l = dict_get_str(dict, str_intern("_handlers"));
    if (!IS_LIST(l) || AS_LIST(l)->len != NSIG) return NULL;
    return AS_OBJ(l);
}

/* Whether v can be called. */
static bool is_callable(Value v) {
    Type *t = obj_type(v);
    if (t->flags & TF_HEAPTYPE) return !IS_NULL(type_lookup(t, NAME(__call__)));
    return t->call != NULL;
}

int signal_run_pending(ThreadState *ts) {
    if (!SIG_GET(SIG_ANY)) return 0;
    ThreadState *m = the_interp.main_ts;
    if (ts != m) {
        /* Only the main thread runs handlers: make sure it looks. */
        if (m) __atomic_fetch_or(&m->eval_breaker, 1, __ATOMIC_RELAXED);
        return 0;
    }
    SIG_SET(SIG_ANY, 0);
    for (int n = 1; n < NSIG; n++) {
        if (!SIG_GET(SIG_PENDING[n])) continue;
        SIG_SET(SIG_PENDING[n], 0);
        Obj *table = handler_table(module_dict());
        if (!table) continue;
        Value h = AS_LIST(V_OBJ(table))->items[n];
        if (!is_callable(h)) continue;
        v_incref(h);  /* the handler may replace itself */
        Value r = obj_call2(ts, h, V_INT(n), V_NONE);
        v_decref(h);
        if (IS_NULL(r)) {
            /* The others run at the next check. */
            for (int k = n + 1; k < NSIG; k++)
                if (SIG_GET(SIG_PENDING[k])) { SIG_SET(SIG_ANY, 1); __atomic_fetch_or(&ts->eval_breaker, 1, __ATOMIC_RELAXED); break; }
            return -1;
        }
        v_decref(r);
    }
    return 0;
}

int signal_poll(ThreadState *ts) {
    return SIG_GET(SIG_ANY) ? signal_run_pending(ts) : 0;
}

int signal_check(ThreadState *ts) {
    if (vm_handle_breaker(ts) < 0) return -1;
    return signal_run_pending(ts);
}

/* Converts a signal number argument; -1 with ValueError when out of range. */
static int signum_arg(ThreadState *ts, Value v, int *out) {
    int64_t n;
    if (obj_as_index(ts, v, &n) < 0) return -1;
    if (n < 1 || n >= NSIG) {
        exc_raise(ts, &T_ValueError, "signal number out of range");
        return -1;
    }
    *out = (int)n;
    return 0;
}

/* signal.signal(signalnum, handler) -> the previous handler. */
static Value sig_signal(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "signal", nargs, kwnames, 2, 2) < 0) return V_NULL;
    int64_t num;
    if (obj_as_index(ts, args[0], &num) < 0) return V_NULL;
    if (ts != the_interp.main_ts)
        return exc_raise(ts, &T_ValueError, "signal only works in main thread of the main interpreter");
    if (num < 1 || num >= NSIG) return exc_raise(ts, &T_ValueError, "signal number out of range");
    int n = (int)num;
    Obj *dict = module_dict();
    Obj *table = handler_table(dict);
    if (!table) return exc_raise(ts, &T_RuntimeError, "signal: the handler table is gone");
    Value h = args[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  /* no SA_RESTART: blocking calls return EINTR and run the handler */
    Value stored;
    if (IS_INTLIKE(h) && (AS_INT(h) == 0 || AS_INT(h) == 1)) {
        sa.sa_handler = AS_INT(h) ? SIG_IGN : SIG_DFL;
        stored = V_INT(AS_INT(h));
    } else if (is_callable(h)) {
        sa.sa_handler = sig_handler;
        stored = h;
        Value dflt = dict_get_str(dict, str_intern("default_int_handler"));
        Value saved = dict_get_str(dict, str_intern("_sigint_action"));
        if (n == SIGINT && IS_OBJ(h) && IS_OBJ(dflt) && h.as.o == dflt.as.o && OBJ_IS(saved, T_bytes) &&
            ((Bytes *)AS_OBJ(saved))->len == (int64_t)sizeof sa)
            memcpy(&sa, ((Bytes *)AS_OBJ(saved))->data, sizeof sa);  /* the command line's handler */
    } else {
        return exc_raise(ts, &T_TypeError,
                         "signal handler must be signal.SIG_IGN, signal.SIG_DFL, or a callable object");
    }
    if (sigaction(n, &sa, NULL) != 0) return exc_raise_errno(ts, errno, NULL);
    Value *slot = &AS_LIST(V_OBJ(table))->items[n];
    Value old = *slot;
    *slot = v_new(stored);
    return old;  /* the table's reference moves to the caller */
}

/* signal.getsignal(signalnum). */
static Value sig_getsignal(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getsignal", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int n;
    if (signum_arg(ts, args[0], &n) < 0) return V_NULL;
    Obj *table = handler_table(module_dict());
    if (!table) return V_NONE;
    return v_new(AS_LIST(V_OBJ(table))->items[n]);
}

/* signal.default_int_handler(signalnum, frame): raises KeyboardInterrupt. */
static Value sig_default_int_handler(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "default_int_handler", nargs, kwnames, 2, 2) < 0) return V_NULL;
    Value e = exc_new(ts, &T_KeyboardInterrupt, NULL, 0);
    if (IS_NULL(e)) return V_NULL;
    exc_set(ts, e);
    return V_NULL;
}

/* signal.alarm(seconds) -> seconds left of the previous alarm. */
static Value sig_alarm(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "alarm", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int64_t secs;
    if (obj_as_index(ts, args[0], &secs) < 0) return V_NULL;
    return V_INT(alarm((unsigned)secs));
}

/* signal.raise_signal(signalnum). */
static Value sig_raise_signal(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "raise_signal", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int n;
    if (signum_arg(ts, args[0], &n) < 0) return V_NULL;
    if (raise(n) != 0) return exc_raise_errno(ts, errno, NULL);
    if (signal_check(ts) < 0) return V_NULL;
    return V_NONE;
}

/* signal.pause(): waits for a signal (GIL released), then runs its handler. */
static Value sig_pause(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "pause", nargs, kwnames, 0, 0) < 0) return V_NULL;
    gil_blocking_begin(ts, "pause");
    pause();
    gil_blocking_end(ts);
    if (signal_check(ts) < 0) return V_NULL;
    return V_NONE;
}

/* signal.strsignal(signalnum): the system's description, or None. */
static Value sig_strsignal(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "strsignal", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int n;
    if (signum_arg(ts, args[0], &n) < 0) return V_NULL;
    const char *s = strsignal(n);
    if (!s || strstr(s, "Unknown signal")) return V_NONE;
    return V_OBJ(str_from_cstr(s));
}

/* signal.valid_signals(): the set of signal numbers the platform accepts. */
static Value sig_valid_signals(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "valid_signals", nargs, kwnames, 0, 0) < 0) return V_NULL;
    sigset_t all;
    sigfillset(&all);
    Obj *s = set_new();
    for (int n = 1; n < NSIG; n++)
        if (sigismember(&all, n) == 1 && set_add(ts, s, V_INT(n)) < 0) { o_decref(s); return V_NULL; }
    return V_OBJ(s);
}

static const MethodDef signal_functions[] = {
    { "signal", sig_signal, 0 },
    { "getsignal", sig_getsignal, 0 },
    { "default_int_handler", sig_default_int_handler, 0 },
    { "alarm", sig_alarm, 0 },
    { "raise_signal", sig_raise_signal, 0 },
    { "pause", sig_pause, 0 },
    { "strsignal", sig_strsignal, 0 },
    { "valid_signals", sig_valid_signals, 0 },
    { NULL, NULL, 0 },
};

/* The signal names the module exports. */
static const struct { const char *name; int num; } signal_names[] = {
    { "SIGHUP", SIGHUP }, { "SIGINT", SIGINT }, { "SIGQUIT", SIGQUIT }, { "SIGILL", SIGILL },
    { "SIGTRAP", SIGTRAP }, { "SIGABRT", SIGABRT }, { "SIGIOT", SIGIOT }, { "SIGBUS", SIGBUS },
    { "SIGFPE", SIGFPE }, { "SIGKILL", SIGKILL }, { "SIGUSR1", SIGUSR1 }, { "SIGSEGV", SIGSEGV },
    { "SIGUSR2", SIGUSR2 }, { "SIGPIPE", SIGPIPE }, { "SIGALRM", SIGALRM }, { "SIGTERM", SIGTERM },
    { "SIGCHLD", SIGCHLD }, { "SIGCONT", SIGCONT }, { "SIGSTOP", SIGSTOP }, { "SIGTSTP", SIGTSTP },
    { "SIGTTIN", SIGTTIN }, { "SIGTTOU", SIGTTOU }, { "SIGURG", SIGURG }, { "SIGXCPU", SIGXCPU },
    { "SIGXFSZ", SIGXFSZ }, { "SIGVTALRM", SIGVTALRM }, { "SIGPROF", SIGPROF },
    { "SIGWINCH", SIGWINCH }, { "SIGIO", SIGIO }, { "SIGSYS", SIGSYS },
#ifdef SIGPOLL
    { "SIGPOLL", SIGPOLL },
#endif
#ifdef SIGPWR
    { "SIGPWR", SIGPWR },
#endif
#ifdef SIGSTKFLT
    { "SIGSTKFLT", SIGSTKFLT },
#endif
};

/* Adds the constants and the handler table (what each signal's disposition is now). */
static int signal_init(ThreadState *ts, Obj *m) {
    for (size_t i = 0; i < sizeof signal_names / sizeof signal_names[0]; i++)
        module_add(m, signal_names[i].name, V_INT(signal_names[i].num));
    module_add(m, "SIG_DFL", V_INT(0));
    module_add(m, "SIG_IGN", V_INT(1));
    module_add(m, "NSIG", V_INT(NSIG));
    module_add(m, "SIGRTMIN", V_INT(SIGRTMIN));
    module_add(m, "SIGRTMAX", V_INT(SIGRTMAX));
    module_add(m, "SIG_BLOCK", V_INT(SIG_BLOCK));
    module_add(m, "SIG_UNBLOCK", V_INT(SIG_UNBLOCK));
    module_add(m, "SIG_SETMASK", V_INT(SIG_SETMASK));
    Value dflt = dict_get_str(MODULE_DICT(m), str_intern("default_int_handler"));
    Obj *table = list_new(NSIG);
    for (int n = 0; n < NSIG; n++) {
        struct sigaction sa;
        Value h = V_NONE;
        if (n > 0 && sigaction(n, NULL, &sa) == 0) {
            bool is_func = (sa.sa_flags & SA_SIGINFO) || (sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN);
            if (!is_func) h = V_INT(sa.sa_handler == SIG_IGN ? 1 : 0);
            else if (n == SIGINT && !IS_NULL(dflt)) {
                h = dflt;
                Obj *saved = bytes_new(&sa, (int64_t)sizeof sa);
                module_add(m, "_sigint_action", V_OBJ(saved));
                o_decref(saved);
            } else if (sa.sa_handler == sig_handler) {
                h = V_INT(0);  /* a handler from an earlier import of the module: no tiny handler now */
            }
        }
        list_append(table, h);
    }
    module_add(m, "_handlers", V_OBJ(table));
    o_decref(table);
    return 0;
}

const NativeModule signal_module_def = { "signal", signal_functions, signal_init };
