/* select.c — the _select module: the waits under select.select, select.poll and
 * select.epoll (stdlib/lib/select.tiny), which turn objects into fds and keep the
 * registrations.
 *
 * - `poll(fds, events, timeout) -> [(index, revents)]`: poll(2) on the fds of a list with
 *   the events of a parallel list; timeout in seconds, None forever.
 * - `epoll_create() -> fd`, `epoll_ctl(epfd, op, fd, events)`,
 *   `epoll_wait(epfd, timeout, maxevents) -> [(fd, events)]`.
 * Waits release the GIL (marked "select", "poll" or "epoll") in slices, running signal
 * handlers in between; EINTR never escapes. */
#define _GNU_SOURCE
#include "select.h"
#include "mp.h"
#include "builtins.h"
#include "state.h"
#include "gil/gil.h"
#include "objects/tuple.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "exc.h"
#include "signals.h"
#include "args.h"
#include <errno.h>
#include <stdlib.h>
#include <limits.h>
#include <poll.h>
#include <unistd.h>
#include <sys/epoll.h>

/* An int argument; -1 with an exception. */
static int sel_int(ThreadState *ts, Value v, int *out) {
    int64_t n;
    if (obj_as_index(ts, v, &n) < 0) return -1;
    if (n < INT_MIN || n > INT_MAX) {
        exc_raise(ts, &T_OverflowError, "signed integer is greater than maximum");
        return -1;
    }
    *out = (int)n;
    return 0;
}

/* The milliseconds of the next slice of a wait; -2 when the deadline has passed. */
static int sel_slice_ms(double timeout, uint64_t deadline) {
    if (timeout == 0) return 0;
    uint64_t slice = mp_slice_ns(deadline);
    if (slice == 0) return -2;
    return (int)((slice + 999999) / 1000000);
}

/* One system-call wait of ms milliseconds (0: do not block) for sel_wait; errno kept. */
typedef int (*SelWaitFn)(void *ctx, int ms);

/* Waits with once in slices, the GIL released while blocking, running signal handlers
 * between slices: the number ready (0 when the timeout passed), or -1 with an exception. */
static int sel_wait(ThreadState *ts, const char *what, double timeout, SelWaitFn once, void *ctx) {
    uint64_t deadline = mp_deadline_of(timeout);
    for (;;) {
        int ms = sel_slice_ms(timeout, deadline);
        if (ms == -2) return 0;
        bool release = ms != 0;
        if (release) gil_blocking_begin(ts, what);
        int r = once(ctx, ms);
        int e = errno;
        if (release) gil_blocking_end(ts);
        if (r > 0) return r;
        if (r < 0 && e != EINTR) { exc_raise_errno(ts, e, NULL); return -1; }
        if (r == 0 && timeout == 0) return 0;
        if (mp_wait_check_signals(ts) < 0) return -1;
    }
}

/* The fds of a poll wait. */
typedef struct PollWait { struct pollfd *p; nfds_t n; } PollWait;

static int poll_once(void *ctx, int ms) {
    PollWait *w = ctx;
    return poll(w->p, w->n, ms);
}

/* The epoll instance and event buffer of an epoll wait. */
typedef struct EpollWait { int epfd; struct epoll_event *evs; int maxev; } EpollWait;

static int epoll_once(void *ctx, int ms) {
    EpollWait *w = ctx;
    return epoll_wait(w->epfd, w->evs, w->maxev, ms);
}

/* poll(fds, events, timeout) -> list of (index, revents) */
static Value sel_poll(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "poll", nargs, kwnames, 4, 4) < 0) return V_NULL;
    if (!IS_LIST(args[0]) || !IS_LIST(args[1]))
        return exc_raise(ts, &T_TypeError, "poll() expects two lists");
    double timeout;
    if (mp_timeout_arg(ts, args[2], &timeout) < 0) return V_NULL;
    const char *what = IS_STR(args[3]) && str_eq_cstr(AS_OBJ(args[3]), "select") ? "select" : "poll";
    int64_t n = AS_LIST(args[0])->len;
    if (AS_LIST(args[1])->len != n) return exc_raise(ts, &T_ValueError, "poll(): lists differ in length");
    if ((uint64_t)n > (uint64_t)INT_MAX / sizeof(struct pollfd))
        return exc_raise(ts, &T_ValueError, "too many file descriptors");
    struct pollfd *p = malloc((size_t)(n ? n : 1) * sizeof *p);
    if (!p) return exc_raise(ts, &T_MemoryError, "");
    for (int64_t i = 0; i < n; i++) {
        int fd, ev;
        if (i >= AS_LIST(args[0])->len || i >= AS_LIST(args[1])->len) { n = i; break; }
        if (sel_int(ts, AS_LIST(args[0])->items[i], &fd) < 0 || sel_int(ts, AS_LIST(args[1])->items[i], &ev) < 0) {
            free(p);
            return V_NULL;
        }
        p[i] = (struct pollfd){ .fd = fd, .events = (short)ev, .revents = 0 };
    }
    PollWait pw = { p, (nfds_t)n };
    int r = sel_wait(ts, what, timeout, poll_once, &pw);
    if (r < 0) { free(p); return V_NULL; }
    Obj *out = list_new(0);
    for (int64_t i = 0; r > 0 && i < n; i++)
        if (p[i].revents) list_append_steal(out, V_OBJ(tuple_pack(2, V_INT(i), V_INT((uint16_t)p[i].revents))));
    free(p);
    return V_OBJ(out);
}

/* epoll_create() -> fd */
static Value sel_epoll_create(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    (void)args;
    if (arg_count(ts, "epoll_create", nargs, kwnames, 0, 0) < 0) return V_NULL;
    int fd = epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) return exc_raise_errno(ts, errno, NULL);
    return V_INT(fd);
}

/* epoll_ctl(epfd, op, fd, events) */
static Value sel_epoll_ctl(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "epoll_ctl", nargs, kwnames, 4, 4) < 0) return V_NULL;
    int epfd, op, fd;
    int64_t ev;
    if (sel_int(ts, args[0], &epfd) < 0 || sel_int(ts, args[1], &op) < 0 || sel_int(ts, args[2], &fd) < 0
        || obj_as_index(ts, args[3], &ev) < 0) return V_NULL;
    struct epoll_event e = { .events = (uint32_t)ev, .data.fd = fd };
    if (epoll_ctl(epfd, op, fd, &e) != 0) return exc_raise_errno(ts, errno, NULL);
    return V_NONE;
}

/* epoll_wait(epfd, timeout, maxevents) -> list of (fd, events) */
static Value sel_epoll_wait(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "epoll_wait", nargs, kwnames, 3, 3) < 0) return V_NULL;
    int epfd, maxev;
    double timeout;
    if (sel_int(ts, args[0], &epfd) < 0 || mp_timeout_arg(ts, args[1], &timeout) < 0
        || sel_int(ts, args[2], &maxev) < 0) return V_NULL;
    if (maxev <= 0 || maxev > 1 << 20) return exc_raise(ts, &T_ValueError, "maxevents must be greater than 0, got %d", maxev);
    struct epoll_event *evs = malloc((size_t)maxev * sizeof *evs);
    if (!evs) return exc_raise(ts, &T_MemoryError, "");
    EpollWait ew = { epfd, evs, maxev };
    int r = sel_wait(ts, "epoll", timeout, epoll_once, &ew);
    if (r < 0) { free(evs); return V_NULL; }
    Obj *out = list_new(0);
    for (int i = 0; i < r; i++)
        list_append_steal(out, V_OBJ(tuple_pack(2, V_INT(evs[i].data.fd), V_INT(evs[i].events))));
    free(evs);
    return V_OBJ(out);
}

static const MethodDef sel_functions[] = {
    { "poll", sel_poll, 0 },
    { "epoll_create", sel_epoll_create, 0 },
    { "epoll_ctl", sel_epoll_ctl, 0 },
    { "epoll_wait", sel_epoll_wait, 0 },
    { NULL, NULL, 0 },
};

/* The module's constants. */
static const ModuleConst sel_consts[] = {
    { "POLLIN", POLLIN }, { "POLLPRI", POLLPRI }, { "POLLOUT", POLLOUT }, { "POLLERR", POLLERR },
    { "POLLHUP", POLLHUP }, { "POLLNVAL", POLLNVAL }, { "POLLRDNORM", POLLRDNORM },
    { "POLLRDBAND", POLLRDBAND }, { "POLLWRNORM", POLLWRNORM }, { "POLLWRBAND", POLLWRBAND },
    { "POLLMSG", POLLMSG }, { "POLLRDHUP", POLLRDHUP },
    { "EPOLLIN", EPOLLIN }, { "EPOLLOUT", EPOLLOUT }, { "EPOLLPRI", EPOLLPRI }, { "EPOLLERR", EPOLLERR },
    { "EPOLLHUP", EPOLLHUP }, { "EPOLLET", (int64_t)(uint32_t)EPOLLET }, { "EPOLLONESHOT", EPOLLONESHOT },
    { "EPOLLEXCLUSIVE", EPOLLEXCLUSIVE }, { "EPOLLRDHUP", EPOLLRDHUP }, { "EPOLLRDNORM", EPOLLRDNORM },
    { "EPOLLRDBAND", EPOLLRDBAND }, { "EPOLLWRNORM", EPOLLWRNORM }, { "EPOLLWRBAND", EPOLLWRBAND },
    { "EPOLLMSG", EPOLLMSG }, { "EPOLL_CLOEXEC", EPOLL_CLOEXEC },
    { "EPOLL_CTL_ADD", EPOLL_CTL_ADD }, { "EPOLL_CTL_MOD", EPOLL_CTL_MOD }, { "EPOLL_CTL_DEL", EPOLL_CTL_DEL },
    { NULL, 0 },
};

static int sel_init(ThreadState *ts, Obj *m) {
    (void)ts;
    module_add_consts(m, sel_consts);
    return 0;
}

const NativeModule select_module_def = { "_select", sel_functions, sel_init };
