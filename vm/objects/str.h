/* str.h — str objects (UTF-8), interning, well-known names and a string builder. */
#ifndef TINY_STR_H
#define TINY_STR_H

#include "object.h"
#include <stdarg.h>

/* Names the VM looks up often, interned once at startup: NAME(__init__). */
#define WELL_KNOWN_NAMES(X) \
    X(__init__) X(__new__) X(__repr__) X(__str__) X(__format__) X(__hash__) X(__bool__) \
    X(__len__) X(__eq__) X(__ne__) X(__lt__) X(__le__) X(__gt__) X(__ge__) \
    X(__getitem__) X(__setitem__) X(__delitem__) X(__contains__) X(__iter__) X(__next__) \
    X(__enter__) X(__exit__) X(__call__) X(__getattr__) X(__setattr__) X(__delattr__) \
    X(__add__) X(__sub__) X(__mul__) X(__truediv__) X(__floordiv__) X(__mod__) X(__pow__) \
    X(__lshift__) X(__rshift__) X(__and__) X(__or__) X(__xor__) X(__matmul__) \
    X(__radd__) X(__rsub__) X(__rmul__) X(__rtruediv__) X(__rfloordiv__) X(__rmod__) X(__rpow__) \
    X(__rlshift__) X(__rrshift__) X(__rand__) X(__ror__) X(__rxor__) X(__rmatmul__) \
    X(__iadd__) X(__isub__) X(__imul__) X(__itruediv__) X(__ifloordiv__) X(__imod__) X(__ipow__) \
    X(__ilshift__) X(__irshift__) X(__iand__) X(__ior__) X(__ixor__) X(__imatmul__) \
    X(__neg__) X(__pos__) X(__invert__) X(__abs__) X(__index__) X(__int__) X(__float__) \
    X(__round__) X(__reversed__) X(__name__) X(__qualname__) X(__module__) X(__doc__) \
    X(__class__) X(__dict__) X(__main__) X(__builtins__) X(__file__) X(__all__) \
    X(__cause__) X(__context__) X(__traceback__) X(__suppress_context__) X(__mro__) \
    X(__bases__) X(__base__) X(__self__) X(__func__) X(__defaults__) X(__code__) \
    X(__wrapped__) X(__closure__) X(__globals__) X(__set_name__) X(__init_subclass__) \
    X(args) X(send) X(close) X(throw) X(keys) X(items) X(values) X(write) X(flush) \
    X(read) X(readline) X(fileno) X(name) X(code) X(value) X(msg) X(filename) X(lineno) \
    X(offset) X(text) X(errno) X(strerror) X(stdout) X(stderr) X(stdin) X(_) \
    X(super) X(self) X(get) X(append) X(start) X(stop) X(step) X(real) X(imag)

/* Indexes of the well-known names. */
typedef enum {
#define WK_ENUM(n) NM_##n,
    WELL_KNOWN_NAMES(WK_ENUM)
#undef WK_ENUM
    NM__COUNT
} NameId;

/* The interned well-known names, set by str_init. */
extern Obj *wk_names[NM__COUNT];
#define NAME(n) (wk_names[NM_##n])

/* Largest byte length a str may have: its size must fit in a ssize_t. Sanitizer
 * allocators abort, or map lazily and let the first write exhaust memory, where malloc
 * would fail: under them strs past 64 GiB are refused up front with MemoryError. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define STR_MAX_BYTES ((int64_t)1 << 36)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define STR_MAX_BYTES ((int64_t)1 << 36)
#endif
#endif
#ifndef STR_MAX_BYTES
#define STR_MAX_BYTES (INT64_MAX - (int64_t)offsetof(Str, data) - 64)
#endif

#define STR_DATA(o) (((Str *)(o))->data)
#define STR_LEN(o)  (((Str *)(o))->len)

/* Interns the well-known names and the empty and one-character strings. */
void str_init(void);
/* Frees the intern table at exit. */
void str_fini(void);
/* A new str from UTF-8 bytes (copied). Invalid UTF-8 is replaced by U+FFFD. */
Obj *str_new(const char *utf8, int64_t len);
/* A new str from text known to be valid UTF-8 (nothing checked); nchars -1 counts them. */
Obj *str_new_valid(const char *utf8, int64_t len, int64_t nchars);
/* A new str from a C string. */
Obj *str_from_cstr(const char *s);
/* A new str from printf-style arguments. */
Obj *str_fmt(const char *fmt, ...);
Obj *str_vfmt(const char *fmt, va_list ap);
/* The interned (immortal) str with this text; the result needs no decref. */
Obj *str_intern(const char *s);
Obj *str_intern_n(const char *s, int64_t len);
/* Interns an existing str: returns the interned twin (immortal; drops nothing). */
Obj *str_intern_obj(Obj *s);
/* Hash of a str (CPython-compatible length/values not needed; cached in the object). */
int64_t str_hash(Obj *s);
/* Equality of two strs. */
bool str_eq(Obj *a, Obj *b);
/* Whether a str equals a C string. */
bool str_eq_cstr(Obj *a, const char *s);
/* a + b. */
Obj *str_concat(Obj *a, Obj *b);
/* a + b where the caller holds the only reference to a, which it gives up: a grows in
 * place when it has room, else moves to a larger block (half as much again); NULL with
 * MemoryError pending (a untouched and still the caller's) when there is no memory. */
Obj *str_append(ThreadState *ts, Obj *a, Obj *b);
/* Raises MemoryError (no arguments, as CPython's); returns V_NULL. */
Value str_no_memory(ThreadState *ts);
/* A new uninitialised str of len bytes (nchars, ascii unset), or NULL with MemoryError. */
Str *str_try_alloc(ThreadState *ts, int64_t len);
/* repr() of a str, with CPython's choice of quotes and escapes. */
Obj *str_repr(Obj *s);
/* The str of one code point. */
Obj *str_from_codepoint(uint32_t cp);
/* Byte offset of code point index i (O(1) for ASCII). */
int64_t str_offset(Str *s, int64_t i);
/* Decodes one UTF-8 code point at p (advancing it). */
uint32_t utf8_decode(const char **p);
/* Encodes a code point as UTF-8 into buf (4 bytes room); returns the length. */
int utf8_encode(uint32_t cp, char *buf);

/* A growable byte buffer for building strings. */
typedef struct StrBuf { char *data; int64_t len, cap; } StrBuf;
void sb_init(StrBuf *b);
void sb_putc(StrBuf *b, char c);
void sb_putn(StrBuf *b, const char *s, int64_t n);
void sb_puts(StrBuf *b, const char *s);
void sb_printf(StrBuf *b, const char *fmt, ...);
/* The slow paths of sb_try_reserve and sb_fill. */
int sb_grow(ThreadState *ts, StrBuf *b, int64_t n);
int sb_fill_n(ThreadState *ts, StrBuf *b, const char *fill, int filllen, int64_t n);
/* Makes room for n more bytes; -1 with MemoryError when they cannot be had. */
static inline int sb_try_reserve(ThreadState *ts, StrBuf *b, int64_t n)
{
    return n >= 0 && n < b->cap - b->len ? 0 : sb_grow(ts, b, n);
}
/* Appends n copies of fill (filllen bytes); -1 with MemoryError. */
static inline int sb_fill(ThreadState *ts, StrBuf *b, const char *fill, int filllen, int64_t n)
{
    return n <= 0 ? 0 : sb_fill_n(ts, b, fill, filllen, n);
}
/* Writes n copies of fill (filllen bytes) at dst. */
void str_fill(char *dst, const char *fill, int filllen, int64_t n);
/* Appends str(v) (or repr) to the buffer; -1 on error. */
int sb_put_value(ThreadState *ts, StrBuf *b, Value v, bool use_repr);
/* Turns the buffer into a str and resets it. */
Obj *sb_finish(StrBuf *b);
/* Frees the buffer without making a str. */
void sb_free(StrBuf *b);

/* Encodes a str to bytes (utf-8, ascii, latin-1) with CPython's UnicodeError messages. */
Value str_encode(ThreadState *ts, Obj *s, const char *encoding, const char *errors);

#endif
