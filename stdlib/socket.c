/* socket.c — the _socket module: the fd-level calls that socket.socket (stdlib/lib/
 * socket.tiny) wraps, plus getaddrinfo, gethostname and the constants.
 *
 * Every fd this module makes is non-blocking at the OS level; a call first tries its
 * operation with the GIL held (no wait when data is there), and on EAGAIN waits with
 * poll() in slices with the GIL released, marked as blocked on "accept", "recv", "send"
 * or "connect", running signal handlers between slices. The timeout argument of each
 * call is the socket's: None waits forever, 0 raises BlockingIOError, t > 0 raises
 * TimeoutError('timed out') after t seconds. Addresses are (host, port) for AF_INET,
 * (host, port, flowinfo, scope_id) for AF_INET6 and a str path for AF_UNIX. */
#define _GNU_SOURCE
#include "socket.h"
#include "mp.h"
#include "builtins.h"
#include "state.h"
#include "gil/gil.h"
#include "objects/str.h"
#include "objects/bytes.h"
#include "objects/tuple.h"
#include "objects/dict.h"
#include "objects/containers.h"
#include "exc.h"
#include "signals.h"
#include "args.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <stddef.h>
#include <unistd.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>

/* The _socket module object (its gaierror attribute is set by socket.tiny). */
static Obj *sk_module;

/* A socket address and its length. */
typedef struct SkAddr { struct sockaddr_storage ss; socklen_t len; } SkAddr;

/* Converts an int argument into *out; -1 with an exception. */
static int sk_int(ThreadState *ts, Value v, int *out) {
    int64_t n;
    if (obj_as_index(ts, v, &n) < 0) return -1;
    if (n < INT_MIN || n > INT_MAX) {
        exc_raise(ts, &T_OverflowError, "signed integer is greater than maximum");
        return -1;
    }
    *out = (int)n;
    return 0;
}

/* Raises socket.gaierror(code, message) for a getaddrinfo failure. */
static Value sk_raise_gai(ThreadState *ts, int code) {
    if (code == EAI_SYSTEM) return exc_raise_errno(ts, errno, NULL);
    Value cls = sk_module ? dict_get_cstr(MODULE_DICT(sk_module), "gaierror") : V_NULL;
    if (IS_NULL(cls)) cls = V_OBJ(&T_OSError);
    Value a[2] = { V_INT(code), V_OBJ(str_from_cstr(gai_strerror(code))) };
    Value e = obj_call(ts, cls, a, 2, NULL);
    v_decref(a[1]);
    if (!IS_NULL(e)) exc_set(ts, e);
    return V_NULL;
}

/* Waits until fd has events, until deadline (0: forever), GIL released in slices.
 * 1 ready, 0 timed out, -1 with an exception. */
static int sk_wait(ThreadState *ts, int fd, short events, uint64_t deadline, const char *what) {
    struct pollfd p = { .fd = fd, .events = events, .revents = 0 };
    for (;;) {
        uint64_t slice = mp_slice_ns(deadline);
        if (slice == 0) return 0;
        int ms = (int)((slice + 999999) / 1000000);
        gil_blocking_begin(ts, what);
        int r = poll(&p, 1, ms);
        int e = errno;
        gil_blocking_end(ts);
        if (r > 0) {
            if (p.revents & POLLNVAL) { exc_raise_errno(ts, EBADF, NULL); return -1; }
            return 1;
        }
        if (r < 0 && e != EINTR) { exc_raise_errno(ts, e, NULL); return -1; }
        if (mp_wait_check_signals(ts) < 0) return -1;
    }
}

/* After a call on fd failed with err: 1 to retry (after waiting for events), -1 with
 * an exception (the error, BlockingIOError when timeout is 0, or TimeoutError). */
static int sk_again(ThreadState *ts, int fd, int err, short events, double timeout,
                    uint64_t deadline, const char *what) {
    if (err == EINTR) return signal_check(ts) < 0 ? -1 : 1;
    if ((err != EAGAIN && err != EWOULDBLOCK) || timeout == 0) {
        exc_raise_errno(ts, err, NULL);
        return -1;
    }
    int r = sk_wait(ts, fd, events, deadline, what);
    if (r == 0) { exc_raise(ts, &T_TimeoutError, "timed out"); return -1; }
    return r < 0 ? -1 : 1;
}

/* Parses fd and timeout arguments. */
static int sk_fd_timeout(ThreadState *ts, Value fdv, Value tv, int *fd, double *timeout) {
    if (sk_int(ts, fdv, fd) < 0) return -1;
    return mp_timeout_arg(ts, tv, timeout);
}

/* Resolves host (str) for family into the address part of out (port left 0). */
static int sk_host(ThreadState *ts, int family, Value host, SkAddr *out) {
    if (!IS_STR(host)) {
        exc_raise(ts, &T_TypeError, "str, bytes or bytearray expected, not %s", obj_type_name(host));
        return -1;
    }
    const char *h = STR_DATA(AS_OBJ(host));
    struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
    memset(out, 0, sizeof *out);
    out->ss.ss_family = (sa_family_t)family;
    out->len = family == AF_INET ? sizeof *sin : sizeof *sin6;
    if (h[0] == '\0') {
        if (family == AF_INET) sin->sin_addr.s_addr = htonl(INADDR_ANY);
        else sin6->sin6_addr = in6addr_any;
        return 0;
    }
    if (family == AF_INET && strcmp(h, "<broadcast>") == 0) {
        sin->sin_addr.s_addr = htonl(INADDR_BROADCAST);
        return 0;
    }
    if (family == AF_INET ? inet_pton(AF_INET, h, &sin->sin_addr) == 1
                          : inet_pton(AF_INET6, h, &sin6->sin6_addr) == 1)
        return 0;
    char *name = strdup(h);
    if (!name) { exc_raise(ts, &T_MemoryError, ""); return -1; }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family;
    gil_blocking_begin(ts, "getaddrinfo");
    int r = getaddrinfo(name, NULL, &hints, &res);
    gil_blocking_end(ts);
    free(name);
    if (r != 0 || !res) {
        if (res) freeaddrinfo(res);
        sk_raise_gai(ts, r ? r : EAI_NONAME);
        return -1;
    }
    memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return 0;
}

/* Converts a Python address for family into out; -1 with an exception. */
static int sk_parse_addr(ThreadState *ts, const char *fname, int family, Value a, SkAddr *out) {
    memset(out, 0, sizeof *out);
    if (family == AF_UNIX) {
        const char *p;
        int64_t n;
        if (IS_STR(a)) { p = STR_DATA(AS_OBJ(a)); n = STR_LEN(AS_OBJ(a)); }
        else if (OBJ_IS(a, T_bytes)) { p = (const char *)((Bytes *)AS_OBJ(a))->data; n = ((Bytes *)AS_OBJ(a))->len; }
        else {
            exc_raise(ts, &T_TypeError, "%s(): a bytes-like object is required, not '%s'", fname, obj_type_name(a));
            return -1;
        }
        struct sockaddr_un *sun = (struct sockaddr_un *)&out->ss;
        if ((size_t)n >= sizeof sun->sun_path) {
            exc_raise(ts, &T_OSError, "AF_UNIX path too long");
            return -1;
        }
        sun->sun_family = AF_UNIX;
        memcpy(sun->sun_path, p, (size_t)n);
        out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + (n && p[0] ? 1 : 0));
        return 0;
    }
    if (family != AF_INET && family != AF_INET6) {
        exc_raise(ts, &T_OSError, "%s(): bad family", fname);
        return -1;
    }
    const char *fam = family == AF_INET ? "AF_INET" : "AF_INET6";
    if (!IS_TUPLE(a)) {
        exc_raise(ts, &T_TypeError, "%s(): %s address must be tuple, not %s", fname, fam, obj_type_name(a));
        return -1;
    }
    Tuple *t = AS_TUPLE(a);
    if (family == AF_INET && t->len != 2) {
        exc_raise(ts, &T_TypeError, "AF_INET address must be a pair (host, port)");
        return -1;
    }
    if (family == AF_INET6 && (t->len < 2 || t->len > 4)) {
        exc_raise(ts, &T_TypeError, "AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])");
        return -1;
    }
    int64_t port;
    if (!IS_INTLIKE(t->items[1])) {
        exc_raise(ts, &T_TypeError, "'%s' object cannot be interpreted as an integer", obj_type_name(t->items[1]));
        return -1;
    }
    if (obj_as_index(ts, t->items[1], &port) < 0) return -1;
    if (port < 0 || port > 65535) {
        exc_raise(ts, &T_OverflowError, "%s(): port must be 0-65535.", fname);
        return -1;
    }
    if (sk_host(ts, family, t->items[0], out) < 0) return -1;
    if (family == AF_INET) {
        ((struct sockaddr_in *)&out->ss)->sin_port = htons((uint16_t)port);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;
        s6->sin6_port = htons((uint16_t)port);
        int64_t v;
        if (t->len > 2) {
            if (obj_as_index(ts, t->items[2], &v) < 0) return -1;
            if (v < 0 || v > 0xfffff) { exc_raise(ts, &T_OverflowError, "%s(): flowinfo must be 0-1048575.", fname); return -1; }
            s6->sin6_flowinfo = htonl((uint32_t)v);
        }
        if (t->len > 3) {
            if (obj_as_index(ts, t->items[3], &v) < 0) return -1;
            s6->sin6_scope_id = (uint32_t)v;
        }
    }
    return 0;
}

/* The Python form of an address (new reference). */
static Value sk_make_addr(const struct sockaddr *sa, socklen_t len) {
    char host[INET6_ADDRSTRLEN];
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s->sin_addr, host, sizeof host);
        Value h = V_OBJ(str_from_cstr(host));
        Obj *t = tuple_pack(2, h, V_INT(ntohs(s->sin_port)));
        v_decref(h);
        return V_OBJ(t);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof host);
        Value h = V_OBJ(str_from_cstr(host));
        Obj *t = tuple_pack(4, h, V_INT(ntohs(s->sin6_port)), V_INT(ntohl(s->sin6_flowinfo)), V_INT(s->sin6_scope_id));
        v_decref(h);
        return V_OBJ(t);
    }
    if (sa->sa_family == AF_UNIX) {
        const struct sockaddr_un *s = (const struct sockaddr_un *)sa;
        size_t off = offsetof(struct sockaddr_un, sun_path);
        if (len <= off) return V_OBJ(str_from_cstr(""));
        size_t n = len - off;
        if (s->sun_path[0] == '\0') return V_OBJ(bytes_new(s->sun_path, (int64_t)n));
        return V_OBJ(str_new(s->sun_path, (int64_t)strnlen(s->sun_path, n)));
    }
    Value empty = V_OBJ(bytes_new("", 0));
    Obj *t = tuple_pack(2, V_INT(sa->sa_family), empty);
    v_decref(empty);
    return V_OBJ(t);
}

/* Makes fd non-blocking and close-on-exec. */
static void sk_prepare(int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && !(fl & O_NONBLOCK)) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* socket(family, type, proto) -> fd */
static Value sk_socket(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "socket", nargs, kwnames, 3, 3) < 0) return V_NULL;
    int fam, type, proto;
    if (sk_int(ts, args[0], &fam) < 0 || sk_int(ts, args[1], &type) < 0 || sk_int(ts, args[2], &proto) < 0) return V_NULL;
    int fd = socket(fam, type | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
    if (fd < 0) return exc_raise_errno(ts, errno, NULL);
    return V_INT(fd);
}

/* prepare(fd) -> family: makes an adopted fd non-blocking; OSError if it is no socket. */
static Value sk_prepare_fn(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "prepare", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int fd;
    if (sk_int(ts, args[0], &fd) < 0) return V_NULL;
    SkAddr a;
    memset(&a, 0, sizeof a);
    a.len = sizeof a.ss;
    if (getsockname(fd, (struct sockaddr *)&a.ss, &a.len) != 0) return exc_raise_errno(ts, errno, NULL);
    sk_prepare(fd);
    return V_INT(a.ss.ss_family);
}

/* socketpair(family, type, proto) -> (fd, fd) */
static Value sk_socketpair(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "socketpair", nargs, kwnames, 3, 3) < 0) return V_NULL;
    int fam, type, proto, sv[2];
    if (sk_int(ts, args[0], &fam) < 0 || sk_int(ts, args[1], &type) < 0 || sk_int(ts, args[2], &proto) < 0) return V_NULL;
    if (socketpair(fam, type | SOCK_CLOEXEC | SOCK_NONBLOCK, proto, sv) != 0) return exc_raise_errno(ts, errno, NULL);
    return V_OBJ(tuple_pack(2, V_INT(sv[0]), V_INT(sv[1])));
}

/* bind(fd, family, addr) */
static Value sk_bind(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "bind", nargs, kwnames, 3, 3) < 0) return V_NULL;
    int fd, fam;
    SkAddr a;
    if (sk_int(ts, args[0], &fd) < 0 || sk_int(ts, args[1], &fam) < 0) return V_NULL;
    if (sk_parse_addr(ts, "bind", fam, args[2], &a) < 0) return V_NULL;
    if (bind(fd, (struct sockaddr *)&a.ss, a.len) != 0) return exc_raise_errno(ts, errno, NULL);
    return V_NONE;
}

/* listen(fd, backlog) */
static Value sk_listen(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "listen", nargs, kwnames, 2, 2) < 0) return V_NULL;
    int fd, backlog;
    if (sk_int(ts, args[0], &fd) < 0 || sk_int(ts, args[1], &backlog) < 0) return V_NULL;
    if (backlog < 0) backlog = 0;
    if (listen(fd, backlog) != 0) return exc_raise_errno(ts, errno, NULL);
    return V_NONE;
}

/* accept(fd, timeout) -> (fd, addr) */
static Value sk_accept(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "accept", nargs, kwnames, 2, 2) < 0) return V_NULL;
    int fd;
    double timeout;
    if (sk_fd_timeout(ts, args[0], args[1], &fd, &timeout) < 0) return V_NULL;
    uint64_t deadline = mp_deadline_of(timeout);
    for (;;) {
        SkAddr a;
        a.len = sizeof a.ss;
        int nfd = accept4(fd, (struct sockaddr *)&a.ss, &a.len, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (nfd >= 0) {
            Value addr = sk_make_addr((struct sockaddr *)&a.ss, a.len);
            Obj *t = tuple_pack(2, V_INT(nfd), addr);
            v_decref(addr);
            return V_OBJ(t);
        }
        int e = errno;
        if (e == ECONNABORTED) continue;
        if (sk_again(ts, fd, e, POLLIN, timeout, deadline, "accept") < 0) return V_NULL;
    }
}

/* connect(fd, family, addr, timeout) -> errno (0 on success; -1 when timed out) */
static Value sk_connect(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "connect", nargs, kwnames, 4, 4) < 0) return V_NULL;
    int fd, fam;
    double timeout;
    SkAddr a;
    if (sk_int(ts, args[1], &fam) < 0 || sk_fd_timeout(ts, args[0], args[3], &fd, &timeout) < 0) return V_NULL;
    if (sk_parse_addr(ts, "connect", fam, args[2], &a) < 0) return V_NULL;
    if (connect(fd, (struct sockaddr *)&a.ss, a.len) == 0) return V_INT(0);
    int e = errno;
    if (e == EINTR && signal_check(ts) < 0) return V_NULL;
    if (e != EINPROGRESS && e != EINTR && e != EAGAIN) return V_INT(e);
    if (timeout == 0) return V_INT(e == EAGAIN ? EAGAIN : EINPROGRESS);
    int r = sk_wait(ts, fd, POLLOUT, mp_deadline_of(timeout), "connect");
    if (r < 0) return V_NULL;
    if (r == 0) return V_INT(-1);
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return V_INT(errno);
    return V_INT(err);
}

/* The bytes of a data argument (borrowed), or -1 with TypeError. */
static int sk_data(ThreadState *ts, Value v, const uint8_t **p, size_t *n) {
    if (!OBJ_IS(v, T_bytes)) {
        exc_raise(ts, &T_TypeError, "a bytes-like object is required, not '%s'", obj_type_name(v));
        return -1;
    }
    *p = ((Bytes *)AS_OBJ(v))->data;
    *n = (size_t)((Bytes *)AS_OBJ(v))->len;
    return 0;
}

/* Sends data once (to addr when given); the count sent, or -1 with an exception. */
static ssize_t sk_send_once(ThreadState *ts, int fd, const uint8_t *p, size_t n, int flags,
                            const SkAddr *to, double timeout, uint64_t deadline) {
    for (;;) {
        ssize_t w = to ? sendto(fd, p, n, flags | MSG_NOSIGNAL, (const struct sockaddr *)&to->ss, to->len)
                       : send(fd, p, n, flags | MSG_NOSIGNAL);
        if (w >= 0) return w;
        if (sk_again(ts, fd, errno, POLLOUT, timeout, deadline, "send") < 0) return -1;
    }
}

/* The arguments of send and sendall: (fd, data, flags, timeout); -1 with an exception. */
static int sk_send_args(ThreadState *ts, const char *name, Value *args, int nargs, Obj *kwnames,
                        int *fd, const uint8_t **p, size_t *n, int *flags, double *timeout) {
    if (arg_count(ts, name, nargs, kwnames, 4, 4) < 0) return -1;
    if (sk_fd_timeout(ts, args[0], args[3], fd, timeout) < 0 || sk_data(ts, args[1], p, n) < 0
        || sk_int(ts, args[2], flags) < 0) return -1;
    return 0;
}

/* send(fd, data, flags, timeout) -> n */
static Value sk_send(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    int fd, flags;
    double timeout;
    const uint8_t *p;
    size_t n;
    if (sk_send_args(ts, "send", args, nargs, kwnames, &fd, &p, &n, &flags, &timeout) < 0) return V_NULL;
    Value data = args[1];
    v_incref(data);
    ssize_t w = sk_send_once(ts, fd, p, n, flags, NULL, timeout, mp_deadline_of(timeout));
    v_decref(data);
    return w < 0 ? V_NULL : V_INT(w);
}

/* sendall(fd, data, flags, timeout) */
static Value sk_sendall(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    int fd, flags;
    double timeout;
    const uint8_t *p;
    size_t n;
    if (sk_send_args(ts, "sendall", args, nargs, kwnames, &fd, &p, &n, &flags, &timeout) < 0) return V_NULL;
    Value data = args[1];
    v_incref(data);
    uint64_t deadline = mp_deadline_of(timeout);
    size_t off = 0;
    Value res = V_NONE;
    do {
        ssize_t w = sk_send_once(ts, fd, p + off, n - off, flags, NULL, timeout, deadline);
        if (w < 0) { res = V_NULL; break; }
        off += (size_t)w;
    } while (off < n);
    v_decref(data);
    return res;
}

/* sendto(fd, data, flags, family, addr, timeout) -> n */
static Value sk_sendto(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "sendto", nargs, kwnames, 6, 6) < 0) return V_NULL;
    int fd, flags, fam;
    double timeout;
    const uint8_t *p;
    size_t n;
    SkAddr to;
    if (sk_fd_timeout(ts, args[0], args[5], &fd, &timeout) < 0 || sk_data(ts, args[1], &p, &n) < 0
        || sk_int(ts, args[2], &flags) < 0 || sk_int(ts, args[3], &fam) < 0) return V_NULL;
    if (sk_parse_addr(ts, "sendto", fam, args[4], &to) < 0) return V_NULL;
    Value data = args[1];
    v_incref(data);
    ssize_t w = sk_send_once(ts, fd, p, n, flags, &to, timeout, mp_deadline_of(timeout));
    v_decref(data);
    return w < 0 ? V_NULL : V_INT(w);
}

/* Receives up to n bytes; with from, also the sender's address. */
static Value sk_recv_common(ThreadState *ts, Value *args, const char *fname, bool from) {
    int fd, flags;
    double timeout;
    int64_t n;
    if (sk_fd_timeout(ts, args[0], args[3], &fd, &timeout) < 0 || obj_as_index(ts, args[1], &n) < 0
        || sk_int(ts, args[2], &flags) < 0) return V_NULL;
    if (n < 0) return exc_raise(ts, &T_ValueError, "negative buffersize in %s", fname);
    uint8_t sbuf[4096];
    uint8_t *buf = (size_t)n <= sizeof sbuf ? sbuf : malloc((size_t)n);
    if (!buf) return exc_raise(ts, &T_MemoryError, "");
    uint64_t deadline = mp_deadline_of(timeout);
    SkAddr a;
    ssize_t r;
    for (;;) {
        a.len = sizeof a.ss;
        r = from ? recvfrom(fd, buf, (size_t)n, flags, (struct sockaddr *)&a.ss, &a.len)
                 : recv(fd, buf, (size_t)n, flags);
        if (r >= 0) break;
        if (sk_again(ts, fd, errno, POLLIN, timeout, deadline, "recv") < 0) {
            if (buf != sbuf) free(buf);
            return V_NULL;
        }
    }
    Value data = V_OBJ(bytes_new(buf, r));
    if (buf != sbuf) free(buf);
    if (!from) return data;
    Value addr = a.len ? sk_make_addr((struct sockaddr *)&a.ss, a.len) : V_NONE;
    Obj *t = tuple_pack(2, data, addr);
    v_decref(data);
    v_decref(addr);
    return V_OBJ(t);
}

/* recv(fd, n, flags, timeout) -> bytes */
static Value sk_recv(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "recv", nargs, kwnames, 4, 4) < 0) return V_NULL;
    return sk_recv_common(ts, args, "recv", false);
}

/* recvfrom(fd, n, flags, timeout) -> (bytes, addr) */
static Value sk_recvfrom(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "recvfrom", nargs, kwnames, 4, 4) < 0) return V_NULL;
    return sk_recv_common(ts, args, "recvfrom", true);
}

/* shutdown(fd, how) */
static Value sk_shutdown(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "shutdown", nargs, kwnames, 2, 2) < 0) return V_NULL;
    int fd, how;
    if (sk_int(ts, args[0], &fd) < 0 || sk_int(ts, args[1], &how) < 0) return V_NULL;
    if (shutdown(fd, how) != 0) return exc_raise_errno(ts, errno, NULL);
    return V_NONE;
}

/* close(fd); ECONNRESET is ignored as CPython does. */
static Value sk_close(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "close", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int fd;
    if (sk_int(ts, args[0], &fd) < 0) return V_NULL;
    if (close(fd) != 0 && errno != ECONNRESET && errno != EINTR) return exc_raise_errno(ts, errno, NULL);
    return V_NONE;
}

/* setsockopt(fd, level, opt, value): value an int or bytes. */
static Value sk_setsockopt(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "setsockopt", nargs, kwnames, 4, 4) < 0) return V_NULL;
    int fd, level, opt, iv;
    if (sk_int(ts, args[0], &fd) < 0 || sk_int(ts, args[1], &level) < 0 || sk_int(ts, args[2], &opt) < 0) return V_NULL;
    int r;
    if (OBJ_IS(args[3], T_bytes)) {
        Bytes *b = (Bytes *)AS_OBJ(args[3]);
        r = setsockopt(fd, level, opt, b->data, (socklen_t)b->len);
    } else {
        if (sk_int(ts, args[3], &iv) < 0) return V_NULL;
        r = setsockopt(fd, level, opt, &iv, sizeof iv);
    }
    if (r != 0) return exc_raise_errno(ts, errno, NULL);
    return V_NONE;
}

/* getsockopt(fd, level, opt, buflen=None) -> int or bytes */
static Value sk_getsockopt(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getsockopt", nargs, kwnames, 4, 4) < 0) return V_NULL;
    int fd, level, opt, buflen;
    if (sk_int(ts, args[0], &fd) < 0 || sk_int(ts, args[1], &level) < 0 || sk_int(ts, args[2], &opt) < 0) return V_NULL;
    if (IS_NONE(args[3])) {
        int v = 0;
        socklen_t len = sizeof v;
        if (getsockopt(fd, level, opt, &v, &len) != 0) return exc_raise_errno(ts, errno, NULL);
        return V_INT(v);
    }
    if (sk_int(ts, args[3], &buflen) < 0) return V_NULL;
    if (buflen <= 0 || buflen > 1024) return exc_raise(ts, &T_OSError, "getsockopt buflen out of range");
    uint8_t buf[1024];
    socklen_t len = (socklen_t)buflen;
    if (getsockopt(fd, level, opt, buf, &len) != 0) return exc_raise_errno(ts, errno, NULL);
    return V_OBJ(bytes_new(buf, len));
}

/* getsockname(fd) / getpeername(fd) -> addr */
static Value sk_name(ThreadState *ts, Value *args, int nargs, Obj *kwnames, bool peer) {
    if (arg_count(ts, peer ? "getpeername" : "getsockname", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int fd;
    if (sk_int(ts, args[0], &fd) < 0) return V_NULL;
    SkAddr a;
    memset(&a, 0, sizeof a);
    a.len = sizeof a.ss;
    int r = peer ? getpeername(fd, (struct sockaddr *)&a.ss, &a.len) : getsockname(fd, (struct sockaddr *)&a.ss, &a.len);
    if (r != 0) return exc_raise_errno(ts, errno, NULL);
    return sk_make_addr((struct sockaddr *)&a.ss, a.len);
}

/* getsockname(fd) -> addr */
static Value sk_getsockname(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return sk_name(ts, args, nargs, kwnames, false);
}

/* getpeername(fd) -> addr */
static Value sk_getpeername(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return sk_name(ts, args, nargs, kwnames, true);
}

/* gethostname() -> str */
static Value sk_gethostname(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    (void)args;
    if (arg_count(ts, "gethostname", nargs, kwnames, 0, 0) < 0) return V_NULL;
    char buf[256];
    if (gethostname(buf, sizeof buf) != 0) return exc_raise_errno(ts, errno, NULL);
    buf[sizeof buf - 1] = '\0';
    return V_OBJ(str_from_cstr(buf));
}

/* getaddrinfo(host, port, family, type, proto, flags) -> list of (family, type, proto,
 * canonname, sockaddr); host and port may be None, port an int or a str. */
static Value sk_getaddrinfo(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getaddrinfo", nargs, kwnames, 6, 6) < 0) return V_NULL;
    char portbuf[32];
    const char *port = NULL;
    if (IS_INTLIKE(args[1])) {
        snprintf(portbuf, sizeof portbuf, "%lld", (long long)AS_INT(args[1]));
        port = portbuf;
    } else if (IS_STR(args[1])) port = STR_DATA(AS_OBJ(args[1]));
    else if (!IS_NONE(args[1])) return exc_raise(ts, &T_OSError, "Int or String expected");
    if (!IS_NONE(args[0]) && !IS_STR(args[0]))
        return exc_raise(ts, &T_TypeError, "getaddrinfo() argument 1 must be string or None");
    int fam, type, proto, flags;
    if (sk_int(ts, args[2], &fam) < 0 || sk_int(ts, args[3], &type) < 0 || sk_int(ts, args[4], &proto) < 0
        || sk_int(ts, args[5], &flags) < 0) return V_NULL;
    char *host = IS_NONE(args[0]) ? NULL : strdup(STR_DATA(AS_OBJ(args[0])));
    char *pcopy = port ? strdup(port) : NULL;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = fam;
    hints.ai_socktype = type;
    hints.ai_protocol = proto;
    hints.ai_flags = flags;
    gil_blocking_begin(ts, "getaddrinfo");
    int r = getaddrinfo(host, pcopy, &hints, &res);
    gil_blocking_end(ts);
    free(host);
    free(pcopy);
    if (r != 0) return sk_raise_gai(ts, r);
    Obj *out = list_new(0);
    for (struct addrinfo *p = res; p; p = p->ai_next) {
        Value addr = sk_make_addr(p->ai_addr, p->ai_addrlen);
        Value canon = V_OBJ(str_from_cstr(p->ai_canonname ? p->ai_canonname : ""));
        Obj *t = tuple_pack(5, V_INT(p->ai_family), V_INT(p->ai_socktype), V_INT(p->ai_protocol), canon, addr);
        v_decref(addr);
        v_decref(canon);
        list_append_steal(out, V_OBJ(t));
    }
    freeaddrinfo(res);
    return V_OBJ(out);
}

static const MethodDef sk_functions[] = {
    { "socket", sk_socket, 0 },
    { "prepare", sk_prepare_fn, 0 },
    { "socketpair", sk_socketpair, 0 },
    { "bind", sk_bind, 0 },
    { "listen", sk_listen, 0 },
    { "accept", sk_accept, 0 },
    { "connect", sk_connect, 0 },
    { "send", sk_send, 0 },
    { "sendall", sk_sendall, 0 },
    { "sendto", sk_sendto, 0 },
    { "recv", sk_recv, 0 },
    { "recvfrom", sk_recvfrom, 0 },
    { "shutdown", sk_shutdown, 0 },
    { "close", sk_close, 0 },
    { "setsockopt", sk_setsockopt, 0 },
    { "getsockopt", sk_getsockopt, 0 },
    { "getsockname", sk_getsockname, 0 },
    { "getpeername", sk_getpeername, 0 },
    { "gethostname", sk_gethostname, 0 },
    { "getaddrinfo", sk_getaddrinfo, 0 },
    { NULL, NULL, 0 },
};

/* The module's constants. */
static const ModuleConst sk_consts[] = {
    { "AF_UNSPEC", AF_UNSPEC }, { "AF_INET", AF_INET }, { "AF_INET6", AF_INET6 }, { "AF_UNIX", AF_UNIX },
    { "SOCK_STREAM", SOCK_STREAM }, { "SOCK_DGRAM", SOCK_DGRAM }, { "SOCK_RAW", SOCK_RAW },
    { "SOCK_SEQPACKET", SOCK_SEQPACKET }, { "SOCK_NONBLOCK", SOCK_NONBLOCK }, { "SOCK_CLOEXEC", SOCK_CLOEXEC },
    { "SOL_SOCKET", SOL_SOCKET }, { "SO_REUSEADDR", SO_REUSEADDR }, { "SO_REUSEPORT", SO_REUSEPORT },
    { "SO_KEEPALIVE", SO_KEEPALIVE }, { "SO_BROADCAST", SO_BROADCAST }, { "SO_LINGER", SO_LINGER },
    { "SO_RCVBUF", SO_RCVBUF }, { "SO_SNDBUF", SO_SNDBUF }, { "SO_ERROR", SO_ERROR }, { "SO_TYPE", SO_TYPE },
    { "SO_RCVTIMEO", SO_RCVTIMEO }, { "SO_SNDTIMEO", SO_SNDTIMEO }, { "SO_ACCEPTCONN", SO_ACCEPTCONN },
    { "IPPROTO_IP", IPPROTO_IP }, { "IPPROTO_TCP", IPPROTO_TCP }, { "IPPROTO_UDP", IPPROTO_UDP },
    { "IPPROTO_IPV6", IPPROTO_IPV6 }, { "IPV6_V6ONLY", IPV6_V6ONLY }, { "TCP_NODELAY", TCP_NODELAY },
    { "TCP_KEEPIDLE", TCP_KEEPIDLE }, { "TCP_KEEPINTVL", TCP_KEEPINTVL }, { "TCP_KEEPCNT", TCP_KEEPCNT },
    { "SHUT_RD", SHUT_RD }, { "SHUT_WR", SHUT_WR }, { "SHUT_RDWR", SHUT_RDWR },
    { "MSG_PEEK", MSG_PEEK }, { "MSG_DONTWAIT", MSG_DONTWAIT }, { "MSG_WAITALL", MSG_WAITALL },
    { "MSG_OOB", MSG_OOB }, { "SOMAXCONN", SOMAXCONN },
    { "AI_PASSIVE", AI_PASSIVE }, { "AI_CANONNAME", AI_CANONNAME }, { "AI_NUMERICHOST", AI_NUMERICHOST },
    { "AI_NUMERICSERV", AI_NUMERICSERV }, { "AI_ADDRCONFIG", AI_ADDRCONFIG },
    { "EAI_NONAME", EAI_NONAME }, { "EAI_AGAIN", EAI_AGAIN }, { "EAI_FAIL", EAI_FAIL },
    { "EAI_FAMILY", EAI_FAMILY }, { "EAI_SERVICE", EAI_SERVICE },
    { "INADDR_ANY", INADDR_ANY }, { "INADDR_LOOPBACK", INADDR_LOOPBACK },
    { NULL, 0 },
};

static int sk_init(ThreadState *ts, Obj *m) {
    (void)ts;
    sk_module = m;
    module_add_consts(m, sk_consts);
    module_add(m, "has_ipv6", V_TRUE);
    return 0;
}

const NativeModule socket_module_def = { "_socket", sk_functions, sk_init };
