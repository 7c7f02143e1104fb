/* mp_conn.c — the fd and socket functions of _tinymp (see mp.h for the module).
 *
 * - `poll(fd, timeout=None) -> bool`: readable within timeout (None = forever).
 * - `listen(host, port, backlog=16) -> (fd, port)` (port 0 picks a free one), `accept(fd) -> (fd, host, port)`, `connect(host, port) -> fd`: TCP helpers with the GIL released while blocking; errors are OSError subclasses (ConnectionRefusedError etc. via exc_raise_errno).
 * - `sendall(fd, data)` and `recv_exact(fd, n) -> bytes` (b'' on EOF before any byte; EOFError "connection closed mid-message" on a partial message) helpers for length-prefixed messages, GIL released while blocked.
 * - `wait(fds, timeout=None) -> list`: the fds of the list readable (or at end of file)
 *   within timeout, [] when it passes (multiprocessing.connection.wait).
 *
 * Beyond the contract:
 * - errno errors are OSError(errno, strerror) through exc_raise_errno: tiny has no
 *   ConnectionRefusedError / ConnectionResetError classes yet, so ECONNREFUSED is a plain
 *   OSError with errno 111 until vm/exc.c maps it. Name lookup failures are OSError(-2,
 *   'Name or service not known') (CPython: socket.gaierror). */
#define _GNU_SOURCE
#include "mp_conn.h"
#include "mp.h"
#include "builtins.h"
#include "state.h"
#include "gil/gil.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "exc.h"
#include "signals.h"
#include "objects/bytes.h"
#include "args.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>

/* Converts an fd argument; ValueError for a negative one. */
static int fd_arg(ThreadState *ts, Value v, int *out) {
    int64_t n;
    if (obj_as_index(ts, v, &n) < 0) return -1;
    if (n < 0) {
        exc_raise(ts, &T_ValueError, "file descriptor cannot be a negative integer (%lld)", (long long)n);
        return -1;
    }
    if (n > INT_MAX) {
        exc_raise(ts, &T_OverflowError, "fd is greater than maximum");
        return -1;
    }
    *out = (int)n;
    return 0;
}

/* Waits until fd is ready for `events` (POLLIN / POLLOUT) within timeout seconds (< 0:
 * forever), GIL released, in slices. 1 ready, 0 timed out, -1 with an exception. */
static int wait_fd(ThreadState *ts, int fd, short events, double timeout, const char *what) {
    struct pollfd pfd = { .fd = fd, .events = events, .revents = 0 };
    if (timeout == 0) {
        int r;
        do r = poll(&pfd, 1, 0); while (r < 0 && errno == EINTR);
        if (r < 0) { exc_raise_errno(ts, errno, NULL); return -1; }
        if (r > 0 && (pfd.revents & POLLNVAL)) { exc_raise_errno(ts, EBADF, NULL); return -1; }
        return r > 0;
    }
    uint64_t deadline = mp_deadline_of(timeout);
    for (;;) {
        uint64_t slice = mp_slice_ns(deadline);
        if (slice == 0) return 0;
        int ms = (int)((slice + 999999) / 1000000);
        gil_blocking_begin(ts, what);
        int r = poll(&pfd, 1, ms);
        int e = errno;
        gil_blocking_end(ts);
        if (r > 0) {
            if (pfd.revents & POLLNVAL) { exc_raise_errno(ts, EBADF, NULL); return -1; }
            return 1;
        }
        if (r < 0 && e != EINTR) { exc_raise_errno(ts, e, NULL); return -1; }
        if (mp_wait_check_signals(ts) < 0) return -1;
    }
}

/* poll(fd, timeout=None) -> bool: whether fd is readable (or at EOF) within timeout. */
Value mp_poll(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "fd", "timeout", NULL };
    Value a[2];
    if (bi_parse_args(ts, "poll", args, nargs, kwnames, names, 2, 1, a) < 0) return V_NULL;
    int fd;
    double timeout;
    if (fd_arg(ts, a[0], &fd) < 0 || mp_timeout_arg(ts, a[1], &timeout) < 0) return V_NULL;
    int r = wait_fd(ts, fd, POLLIN, timeout, "poll");
    return r < 0 ? V_NULL : V_BOOL(r);
}

/* sendall(fd, data): writes all of data. */
Value mp_sendall(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "sendall", nargs, kwnames, 2, 2) < 0) return V_NULL;
    int fd;
    if (fd_arg(ts, args[0], &fd) < 0) return V_NULL;
    Value data = args[1];
    if (!OBJ_IS(data, T_bytes))
        return exc_raise(ts, &T_TypeError, "a bytes-like object is required, not '%s'", obj_type_name(data));
    Bytes *b = (Bytes *)AS_OBJ(data);
    v_incref(data);  /* its bytes are read with the GIL released */
    size_t off = 0, len = (size_t)b->len;
    Value res = V_NONE;
    while (off < len) {
        gil_blocking_begin(ts, "sendall");
        ssize_t w = write(fd, b->data + off, len - off);
        int e = errno;
        gil_blocking_end(ts);
        if (w >= 0) { off += (size_t)w; continue; }
        if (e != EINTR) { res = exc_raise_errno(ts, e, NULL); break; }
        if (signal_check(ts) < 0) { res = V_NULL; break; }
    }
    v_decref(data);
    return res;
}

/* Whether fd can be read or written without blocking (a zero-timeout poll). */
static bool fd_ready_now(int fd, short events) {
    struct pollfd p = { .fd = fd, .events = events, .revents = 0 };
    return poll(&p, 1, 0) == 1 && (p.revents & (events | POLLHUP | POLLERR));
}

/* Reads exactly n bytes (the GIL released only when the read would block). Returns 0,
 * 1 at end of file (*got says how far it came), -1 with an exception set. */
static int read_full(ThreadState *ts, int fd, uint8_t *buf, size_t n, size_t *got) {
    *got = 0;
    while (*got < n) {
        bool release = !fd_ready_now(fd, POLLIN);
        if (release) gil_blocking_begin(ts, "recv");
        ssize_t r = read(fd, buf + *got, n - *got);
        int e = errno;
        if (release) gil_blocking_end(ts);
        if (r > 0) { *got += (size_t)r; continue; }
        if (r == 0) return 1;
        if (e != EINTR) { exc_raise_errno(ts, e, NULL); return -1; }
        if (signal_check(ts) < 0) return -1;
    }
    return 0;
}

/* Writes all n bytes (the GIL released only when the write would block); -1 on error. */
static int write_full(ThreadState *ts, int fd, const uint8_t *buf, size_t n) {
    size_t off = 0;
    while (off < n) {
        bool release = n - off > 4096 || !fd_ready_now(fd, POLLOUT);
        if (release) gil_blocking_begin(ts, "send");
        ssize_t w = write(fd, buf + off, n - off);
        int e = errno;
        if (release) gil_blocking_end(ts);
        if (w >= 0) { off += (size_t)w; continue; }
        if (e != EINTR) { exc_raise_errno(ts, e, NULL); return -1; }
        if (signal_check(ts) < 0) return -1;
    }
    return 0;
}

/* send_frame(fd, data): one message as Connection.send_bytes frames it (a 4-byte
 * big-endian length, or 0xffffffff and 8 bytes for huge ones), in one write when small. */
Value mp_send_frame(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "send_frame", nargs, kwnames, 2, 2) < 0) return V_NULL;
    int fd;
    if (fd_arg(ts, args[0], &fd) < 0) return V_NULL;
    Value data = args[1];
    if (!OBJ_IS(data, T_bytes))
        return exc_raise(ts, &T_TypeError, "a bytes-like object is required, not '%s'", obj_type_name(data));
    Bytes *b = (Bytes *)AS_OBJ(data);
    uint64_t n = (uint64_t)b->len;
    uint8_t head[12];
    size_t hl;
    if (n >= 0x7fffffffu) {
        memset(head, 0xff, 4);
        for (int i = 0; i < 8; i++) head[4 + i] = (uint8_t)(n >> (56 - 8 * i));
        hl = 12;
    } else {
        for (int i = 0; i < 4; i++) head[i] = (uint8_t)(n >> (24 - 8 * i));
        hl = 4;
    }
    v_incref(data);   /* its bytes may be written with the GIL released */
    int r;
    if (n <= 16384) {
        uint8_t sbuf[16384 + 12];
        memcpy(sbuf, head, hl);
        memcpy(sbuf + hl, b->data, (size_t)n);
        r = write_full(ts, fd, sbuf, hl + (size_t)n);
    } else {
        r = write_full(ts, fd, head, hl);
        if (r == 0) r = write_full(ts, fd, b->data, (size_t)n);
    }
    v_decref(data);
    return r < 0 ? V_NULL : V_NONE;
}

/* recv_frame(fd) -> bytes: one message framed as send_frame writes it; EOFError at end
 * of file before a message, OSError at end of file inside one. */
Value mp_recv_frame(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "recv_frame", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int fd;
    if (fd_arg(ts, args[0], &fd) < 0) return V_NULL;
    uint8_t head[8];
    size_t got;
    int r = read_full(ts, fd, head, 4, &got);
    if (r < 0) return V_NULL;
    if (r == 1) {
        if (got == 0) return exc_raise(ts, &T_EOFError, "");
        return exc_raise(ts, &T_OSError, "got end of file during message");
    }
    uint64_t n = ((uint64_t)head[0] << 24) | ((uint64_t)head[1] << 16) | ((uint64_t)head[2] << 8) | head[3];
    if (n == 0xffffffffu) {
        r = read_full(ts, fd, head, 8, &got);
        if (r < 0) return V_NULL;
        if (r == 1) return exc_raise(ts, &T_OSError, "got end of file during message");
        n = 0;
        for (int i = 0; i < 8; i++) n = (n << 8) | head[i];
    }
    if (n > ((uint64_t)1 << 40)) return exc_raise(ts, &T_MemoryError, "");
    uint8_t sbuf[4096];
    uint8_t *buf = n <= sizeof sbuf ? sbuf : malloc((size_t)n);
    if (!buf) return exc_raise(ts, &T_MemoryError, "");
    r = read_full(ts, fd, buf, (size_t)n, &got);
    Value res = V_NULL;
    if (r == 0) res = V_OBJ(bytes_new(buf, (int64_t)n));
    else if (r == 1) exc_raise(ts, &T_OSError, "got end of file during message");
    if (buf != sbuf) free(buf);
    return res;
}

/* recv_exact(fd, n) -> bytes: exactly n bytes; b'' at EOF before the first one. */
Value mp_recv_exact(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "recv_exact", nargs, kwnames, 2, 2) < 0) return V_NULL;
    int fd;
    int64_t n;
    if (fd_arg(ts, args[0], &fd) < 0 || obj_as_index(ts, args[1], &n) < 0) return V_NULL;
    if (n < 0) return exc_raise(ts, &T_ValueError, "negative count");
    if (n == 0) return V_OBJ(bytes_new("", 0));
    uint8_t sbuf[4096];
    uint8_t *buf = sbuf;
    if (n > (int64_t)sizeof sbuf) {
        buf = malloc((size_t)n);
        if (!buf) return exc_raise(ts, &T_MemoryError, "");
    }
    int64_t got = 0;
    Value res = V_NULL;
    while (got < n) {
        gil_blocking_begin(ts, "recv");
        ssize_t r = read(fd, buf + got, (size_t)(n - got));
        int e = errno;
        gil_blocking_end(ts);
        if (r > 0) { got += r; continue; }
        if (r == 0) {
            if (got == 0) res = V_OBJ(bytes_new("", 0));
            else exc_raise(ts, &T_EOFError, "connection closed mid-message");
            goto out;
        }
        if (e != EINTR) { exc_raise_errno(ts, e, NULL); goto out; }
        if (signal_check(ts) < 0) goto out;
    }
    res = V_OBJ(bytes_new(buf, n));
out:
    if (buf != sbuf) free(buf);
    return res;
}

typedef struct Addr { struct sockaddr_storage ss; socklen_t len; } Addr;

/* Converts (host, port) into an address: a numeric IPv4/IPv6 address, '' (any, for
 * listen), or a name looked up with getaddrinfo (GIL released). -1 with an exception. */
static int resolve(ThreadState *ts, Value host, Value port_v, bool passive, Addr *out) {
    if (!IS_STR(host)) {
        exc_raise(ts, &T_TypeError, "host must be str, not %s", obj_type_name(host));
        return -1;
    }
    int64_t port;
    if (obj_as_index(ts, port_v, &port) < 0) return -1;
    if (port < 0 || port > 65535) {
        exc_raise(ts, &T_OverflowError, "port must be 0-65535.");
        return -1;
    }
    const char *h = STR_DATA(AS_OBJ(host));
    memset(out, 0, sizeof *out);
    struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
    if (h[0] == '\0' && passive) {
        sin->sin_family = AF_INET;
        sin->sin_addr.s_addr = htonl(INADDR_ANY);
    } else if (inet_pton(AF_INET, h, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
    } else if (inet_pton(AF_INET6, h, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
    } else {
        char *name = strdup(h);
        if (!name) { exc_raise(ts, &T_MemoryError, ""); return -1; }
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        gil_blocking_begin(ts, "getaddrinfo");
        int r = getaddrinfo(name, NULL, &hints, &res);
        gil_blocking_end(ts);
        free(name);
        if (r != 0 || !res) {
            Value a[2] = { V_INT(r), V_OBJ(str_from_cstr(gai_strerror(r))) };
            Value e = obj_call(ts, V_OBJ(&T_OSError), a, 2, NULL);
            v_decref(a[1]);
            if (!IS_NULL(e)) exc_set(ts, e);
            if (res) freeaddrinfo(res);
            return -1;
        }
        memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
        freeaddrinfo(res);
    }
    if (out->ss.ss_family == AF_INET6) {
        sin6->sin6_port = htons((uint16_t)port);
        out->len = sizeof(struct sockaddr_in6);
    } else {
        sin->sin_port = htons((uint16_t)port);
        out->len = sizeof(struct sockaddr_in);
    }
    return 0;
}

/* The host text and port of an address. */
static void addr_text(const Addr *a, char *host, size_t n, int *port) {
    host[0] = '\0';
    *port = 0;
    if (a->ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&a->ss;
        inet_ntop(AF_INET6, &s->sin6_addr, host, (socklen_t)n);
        *port = ntohs(s->sin6_port);
    } else if (a->ss.ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)&a->ss;
        inet_ntop(AF_INET, &s->sin_addr, host, (socklen_t)n);
        *port = ntohs(s->sin_port);
    }
}

static void set_nodelay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Closes fd and raises OSError for err. */
static Value close_and_raise(ThreadState *ts, int fd, int err) {
    close(fd);
    return exc_raise_errno(ts, err, NULL);
}

/* listen(host, port, backlog=16) -> (fd, port) */
Value mp_listen(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "host", "port", "backlog", NULL };
    Value a[3];
    if (bi_parse_args(ts, "listen", args, nargs, kwnames, names, 3, 2, a) < 0) return V_NULL;
    int64_t backlog = 16;
    if (!IS_NULL(a[2]) && obj_as_index(ts, a[2], &backlog) < 0) return V_NULL;
    if (backlog < 0) backlog = 0;
    if (backlog > SOMAXCONN) backlog = SOMAXCONN;
    Addr addr;
    if (resolve(ts, a[0], a[1], true, &addr) < 0) return V_NULL;
    int fd = socket(addr.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return exc_raise_errno(ts, errno, NULL);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&addr.ss, addr.len) != 0) return close_and_raise(ts, fd, errno);
    if (listen(fd, (int)backlog) != 0) return close_and_raise(ts, fd, errno);
    Addr bound;
    bound.len = sizeof bound.ss;
    if (getsockname(fd, (struct sockaddr *)&bound.ss, &bound.len) != 0) return close_and_raise(ts, fd, errno);
    char host[INET6_ADDRSTRLEN];
    int port;
    addr_text(&bound, host, sizeof host, &port);
    return V_OBJ(tuple_pack(2, V_INT(fd), V_INT(port)));
}

/* accept(fd) -> (fd, host, port) */
Value mp_accept(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "accept", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int lfd;
    if (fd_arg(ts, args[0], &lfd) < 0) return V_NULL;
    for (;;) {
        int r = wait_fd(ts, lfd, POLLIN, -1, "accept");
        if (r < 0) return V_NULL;
        Addr peer;
        peer.len = sizeof peer.ss;
        gil_blocking_begin(ts, "accept");
        int fd = accept4(lfd, (struct sockaddr *)&peer.ss, &peer.len, SOCK_CLOEXEC);
        int e = errno;
        gil_blocking_end(ts);
        if (fd >= 0) {
            set_nodelay(fd);
            char host[INET6_ADDRSTRLEN];
            int port;
            addr_text(&peer, host, sizeof host, &port);
            Value h = V_OBJ(str_from_cstr(host));
            Obj *t = tuple_pack(3, V_INT(fd), h, V_INT(port));
            v_decref(h);
            return V_OBJ(t);
        }
        if (e == EAGAIN || e == EWOULDBLOCK || e == ECONNABORTED) continue;
        if (e != EINTR) return exc_raise_errno(ts, e, NULL);
        if (signal_check(ts) < 0) return V_NULL;
    }
}

/* connect(host, port) -> fd */
Value mp_connect(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "host", "port", NULL };
    Value a[2];
    if (bi_parse_args(ts, "connect", args, nargs, kwnames, names, 2, 2, a) < 0) return V_NULL;
    Addr addr;
    if (resolve(ts, a[0], a[1], false, &addr) < 0) return V_NULL;
    int fd = socket(addr.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return exc_raise_errno(ts, errno, NULL);
    gil_blocking_begin(ts, "connect");
    int r = connect(fd, (struct sockaddr *)&addr.ss, addr.len);
    int e = errno;
    gil_blocking_end(ts);
    if (r != 0) {
        if (e != EINTR && e != EINPROGRESS) return close_and_raise(ts, fd, e);
        /* interrupted: the connection goes on; wait for it */
        if (e == EINTR && signal_check(ts) < 0) { close(fd); return V_NULL; }
        if (wait_fd(ts, fd, POLLOUT, -1, "connect") < 0) { close(fd); return V_NULL; }
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return close_and_raise(ts, fd, errno);
        if (err != 0) return close_and_raise(ts, fd, err);
    }
    set_nodelay(fd);
    return V_INT(fd);
}

/* wait(fds, timeout=None) -> list: the fds of the list that are readable (or at end of
 * file) within timeout, in the list's order; [] when the timeout passes. */
Value mp_wait(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "fds", "timeout", NULL };
    Value a[2];
    if (bi_parse_args(ts, "wait", args, nargs, kwnames, names, 2, 1, a) < 0) return V_NULL;
    if (!IS_LIST(a[0]))
        return exc_raise(ts, &T_TypeError, "wait() argument 1 must be list, not %s", obj_type_name(a[0]));
    double timeout;
    if (mp_timeout_arg(ts, a[1], &timeout) < 0) return V_NULL;
    int64_t n = AS_LIST(a[0])->len;
    if ((uint64_t)n > (uint64_t)INT_MAX / sizeof(struct pollfd))
        return exc_raise(ts, &T_ValueError, "too many file descriptors in wait()");
    struct pollfd *pfd = malloc((size_t)(n ? n : 1) * sizeof *pfd);
    if (!pfd) return exc_raise(ts, &T_MemoryError, "");
    for (int64_t i = 0; i < n; i++) {
        int fd;
        /* the list may change while an fd argument is converted: read it again each time */
        if (i >= AS_LIST(a[0])->len) { n = i; break; }
        if (fd_arg(ts, AS_LIST(a[0])->items[i], &fd) < 0) { free(pfd); return V_NULL; }
        pfd[i] = (struct pollfd){ .fd = fd, .events = POLLIN, .revents = 0 };
    }
    uint64_t deadline = timeout > 0 ? mp_deadline_of(timeout) : 0;
    int r;
    for (;;) {
        int ms = 0;
        if (timeout != 0) {
            uint64_t slice = mp_slice_ns(deadline);
            if (slice == 0) { r = 0; break; }
            ms = (int)((slice + 999999) / 1000000);
        }
        gil_blocking_begin(ts, "wait");
        r = poll(pfd, (nfds_t)n, ms);
        int e = errno;
        gil_blocking_end(ts);
        if (r > 0) break;
        if (r < 0 && e != EINTR) { free(pfd); return exc_raise_errno(ts, e, NULL); }
        if (r == 0 && timeout == 0) break;
        if (mp_wait_check_signals(ts) < 0) { free(pfd); return V_NULL; }
    }
    Obj *out = list_new(0);
    for (int64_t i = 0; r > 0 && i < n; i++) {
        if (pfd[i].revents & POLLNVAL) {
            free(pfd);
            o_decref(out);
            return exc_raise_errno(ts, EBADF, NULL);
        }
        if (pfd[i].revents) list_append_steal(out, V_INT(pfd[i].fd));
    }
    free(pfd);
    return V_OBJ(out);
}
