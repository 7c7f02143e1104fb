/* mp_conn.h — the fd and socket functions of _tinymp (stdlib/mp_conn.c): waiting,
 * framed messages, TCP listen/accept/connect. Each blocks with the GIL released. */
#ifndef TINY_MP_CONN_H
#define TINY_MP_CONN_H

#include "object.h"

/* poll(fd, timeout=None) -> bool. */
Value mp_poll(ThreadState *ts, Value *args, int nargs, Obj *kwnames);
/* wait(fds, timeout=None) -> list of the readable fds. */
Value mp_wait(ThreadState *ts, Value *args, int nargs, Obj *kwnames);
/* sendall(fd, data). */
Value mp_sendall(ThreadState *ts, Value *args, int nargs, Obj *kwnames);
/* send_frame(fd, data): one length-prefixed message. */
Value mp_send_frame(ThreadState *ts, Value *args, int nargs, Obj *kwnames);
/* recv_frame(fd) -> bytes: one length-prefixed message. */
Value mp_recv_frame(ThreadState *ts, Value *args, int nargs, Obj *kwnames);
/* recv_exact(fd, n) -> bytes. */
Value mp_recv_exact(ThreadState *ts, Value *args, int nargs, Obj *kwnames);
/* listen(host, port, backlog=16) -> (fd, port). */
Value mp_listen(ThreadState *ts, Value *args, int nargs, Obj *kwnames);
/* accept(fd) -> (fd, host, port). */
Value mp_accept(ThreadState *ts, Value *args, int nargs, Obj *kwnames);
/* connect(host, port) -> fd. */
Value mp_connect(ThreadState *ts, Value *args, int nargs, Obj *kwnames);

#endif
