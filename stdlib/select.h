/* select.h — the _select module (stdlib/select.c): poll() and epoll waits over plain fds,
 * which select.select, select.poll and select.epoll (stdlib/lib/select.tiny) wrap. */
#ifndef TINY_SELECT_H
#define TINY_SELECT_H

#include "module.h"

/* The _select module. */
extern const NativeModule select_module_def;

#endif
