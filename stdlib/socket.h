/* socket.h — the _socket module (stdlib/socket.c): fd-level socket calls that the socket
 * class of stdlib/lib/socket.tiny wraps. Every wait releases the GIL. */
#ifndef TINY_SOCKET_H
#define TINY_SOCKET_H

#include "module.h"

/* The _socket module. */
extern const NativeModule socket_module_def;

#endif
