/* bytes.h — bytes objects: construction, repr and decoding. */
#ifndef TINY_BYTES_H
#define TINY_BYTES_H

#include "object.h"

/* A new bytes object (copied). */
Obj *bytes_new(const void *data, int64_t len);
/* a + b for bytes where the caller holds the only reference to a (as str_append). */
Obj *bytes_append(ThreadState *ts, Obj *a, Obj *b);
/* repr() of bytes: b'...'. */
Obj *bytes_repr(Obj *b);
/* Decodes bytes to a str (codecs utf-8, ascii, latin-1; errors strict, ignore, replace,
 * backslashreplace) raising UnicodeError/LookupError with CPython's messages. */
Value bytes_decode(ThreadState *ts, const uint8_t *data, int64_t len, const char *encoding,
                   const char *errors);

#endif
