/* bytes.c — immutable byte strings: construction, repr, hashing, comparison,
 * indexing, iteration, + and *, the common methods, and UTF-8/ASCII/Latin-1 decoding. */
#define _GNU_SOURCE
#include "objects/str.h"
#include "state.h"
#include "exc.h"
#include "objects/containers.h"
#include "objects/unicode.h"
#include "objects/bytes.h"
#include "args.h"
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#define SELF ((Bytes *)AS_OBJ(args[0]))
#define IS_BYTES(v) OBJ_IS(v, T_bytes)
#define AS_BYTES(v) ((Bytes *)AS_OBJ(v))

/* A new uninitialised bytes of len bytes (NUL-terminated for convenience). */
static Bytes *bytes_alloc(int64_t len)
{
    Bytes *b = (Bytes *)obj_alloc(&T_bytes, sizeof(Bytes) + (size_t)len + 1);
    b->len = len;
    b->hash = -1;
    b->data[len] = 0;
    return b;
}

/* bytes_alloc that raises MemoryError (returning NULL) when the memory cannot be had. */
static Bytes *bytes_try_alloc(ThreadState *ts, int64_t len)
{
    Bytes *b = NULL;
    if (len >= 0 && len <= STR_MAX_BYTES)
        b = (Bytes *)obj_try_alloc(&T_bytes, sizeof(Bytes) + (size_t)len + 1);
    if (!b) {
        str_no_memory(ts);
        return NULL;
    }
    b->len = len;
    b->hash = -1;
    b->data[len] = 0;
    return b;
}

Obj *bytes_append(ThreadState *ts, Obj *ao, Obj *bo)
{
    Bytes *a = (Bytes *)ao, *b = (Bytes *)bo;
    int64_t need = a->len + b->len;
    if (b->len == 0) return ao;
    if ((size_t)need + 1 <= obj_usable_size(ao) - sizeof(Bytes)) {
        memcpy(a->data + a->len, b->data, (size_t)b->len);
        a->data[need] = 0;
        a->len = need;
        a->hash = -1;
        return ao;
    }
    /* room for half as much again, so that a loop of appends copies each byte O(1) times */
    int64_t cap = need <= STR_MAX_BYTES / 3 * 2 ? need + need / 2 : need;
    Bytes *r = bytes_try_alloc(ts, cap);
    if (!r) return NULL;
    memcpy(r->data, a->data, (size_t)a->len);
    memcpy(r->data + a->len, b->data, (size_t)b->len);
    r->data[need] = 0;
    r->len = need;
    o_decref(ao);
    return (Obj *)r;
}

Obj *bytes_new(const void *data, int64_t len)
{
    Bytes *b = bytes_alloc(len);
    if (len) memcpy(b->data, data, (size_t)len);
    return (Obj *)b;
}

Obj *bytes_repr(Obj *o)
{
    Bytes *b = (Bytes *)o;
    bool sq = memchr(b->data, '\'', (size_t)b->len) != NULL;
    bool dq = memchr(b->data, '"', (size_t)b->len) != NULL;
    char q = (sq && !dq) ? '"' : '\'';
    StrBuf sb;
    sb_init(&sb);
    sb_putc(&sb, 'b');
    sb_putc(&sb, q);
    for (int64_t i = 0; i < b->len; i++) {
        uint8_t c = b->data[i];
        if (c == (uint8_t)q || c == '\\') { sb_putc(&sb, '\\'); sb_putc(&sb, (char)c); }
        else if (c == '\n') sb_puts(&sb, "\\n");
        else if (c == '\r') sb_puts(&sb, "\\r");
        else if (c == '\t') sb_puts(&sb, "\\t");
        else if (c < 0x20 || c >= 0x7f) sb_printf(&sb, "\\x%02x", c);
        else sb_putc(&sb, (char)c);
    }
    sb_putc(&sb, q);
    return sb_finish(&sb);
}

/* ---- decoding ---- */

/* Checks the UTF-8 sequence at p: returns its length if valid, else 0 with *bad set to
 * the number of bytes in the invalid prefix and *why to the reason. */
static int utf8_check(const uint8_t *p, int64_t n, int64_t *bad, const char **why)
{
    uint8_t c = p[0];
    if (c < 0x80) return 1;
    int need;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) need = 2;
    else if (c >= 0xE0 && c <= 0xEF) { need = 3; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
    else if (c >= 0xF0 && c <= 0xF4) { need = 4; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
    else { *bad = 1; *why = "invalid start byte"; return 0; }
    for (int i = 1; i < need; i++) {
        if (i >= n) { *bad = n; *why = "unexpected end of data"; return 0; }
        uint8_t l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
        if (p[i] < l || p[i] > h) { *bad = i; *why = "invalid continuation byte"; return 0; }
    }
    return need;
}

Value bytes_decode(ThreadState *ts, const uint8_t *data, int64_t len, const char *encoding,
                   const char *errors)
{
    int id = uni_codec(encoding);
    if (id < 0) return exc_raise(ts, &T_LookupError, "unknown encoding: %s", encoding);
    StrBuf b;
    sb_init(&b);
    int64_t i = 0;
    bool clean = true;
    while (i < len) {
        uint8_t c = data[i];
        int64_t badn = 1;
        const char *why = "ordinal not in range(128)";
        int k;
        if (c < 0x80) k = 1;
        else if (id == 2) {
            char buf[4];
            sb_putn(&b, buf, utf8_encode(c, buf));
            clean = false;
            i++;
            continue;
        } else if (id == 1) k = 0;
        else k = utf8_check(data + i, len - i, &badn, &why);
        if (k) {
            sb_putn(&b, (const char *)data + i, k);
            i += k;
            continue;
        }
        clean = false;
        if (!strcmp(errors, "strict")) {
            sb_free(&b);
            const char *cname = id == 1 ? "ascii" : "utf-8";
            if (badn <= 1)
                return exc_raise(ts, &T_UnicodeDecodeError,
                                 "'%s' codec can't decode byte 0x%02x in position %lld: %s", cname,
                                 c, (long long)i, why);
            return exc_raise(ts, &T_UnicodeDecodeError,
                             "'%s' codec can't decode bytes in position %lld-%lld: %s", cname,
                             (long long)i, (long long)(i + badn - 1), why);
        } else if (!strcmp(errors, "ignore")) {
        } else if (!strcmp(errors, "replace")) {
            sb_puts(&b, "\xEF\xBF\xBD");
        } else if (!strcmp(errors, "backslashreplace")) {
            for (int64_t j = 0; j < badn; j++) sb_printf(&b, "\\x%02x", data[i + j]);
        } else if (!strcmp(errors, "surrogateescape")) {
            sb_puts(&b, "\xEF\xBF\xBD");
            badn = 1;
        } else {
            sb_free(&b);
            return exc_raise(ts, &T_LookupError, "unknown error handler name '%s'", errors);
        }
        i += badn;
    }
    (void)clean;
    Obj *r = str_new_valid(b.data ? b.data : "", b.len, -1);
    sb_free(&b);
    return V_OBJ(r);
}

/* ---- slots ---- */

/* Appends the items of an iterable of ints in range(256) to a buffer; -1 on error. */
static int bytes_from_iterable(ThreadState *ts, StrBuf *sb, Value src)
{
    Value it = obj_iter(ts, src);
    if (IS_NULL(it)) {
        if (exc_matches(ts, &T_TypeError)) {
            exc_clear(ts);
            exc_raise(ts, &T_TypeError, "cannot convert '%s' object to bytes", obj_type_name(src));
        }
        return -1;
    }
    for (;;) {
        Value x = obj_next(ts, it);
        if (IS_NULL(x)) break;
        int64_t n;
        int r = arg_index(ts, x, &n);
        v_decref(x);
        if (r < 0) { v_decref(it); return -1; }
        if (n < 0 || n > 255) {
            v_decref(it);
            exc_raise(ts, &T_ValueError, "bytes must be in range(0, 256)");
            return -1;
        }
        sb_putc(sb, (char)n);
    }
    v_decref(it);
    return IS_NULL(ts->exc) ? 0 : -1;
}

static Value bytes_new_slot(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames)
{
    static const char *const names[] = {"source", "encoding", "errors", NULL};
    Value a[3];
    if (arg_parse(ts, "bytes", args, nargs, kwnames, 0, names, a) < 0) return V_NULL;
    const char *enc = NULL, *errs = NULL;
    if (!IS_NULL(a[1])) {
        if (!IS_STR(a[1]))
            return exc_raise(ts, &T_TypeError, "bytes() argument 'encoding' must be str, not %s",
                             obj_type_name(a[1]));
        enc = AS_STR(a[1])->data;
    }
    if (!IS_NULL(a[2])) {
        if (!IS_STR(a[2]))
            return exc_raise(ts, &T_TypeError, "bytes() argument 'errors' must be str, not %s",
                             obj_type_name(a[2]));
        errs = AS_STR(a[2])->data;
    }
    Value src = a[0];
    if (IS_NULL(src)) {
        if (enc || errs)
            return exc_raise(ts, &T_TypeError, enc ? "encoding without a string argument"
                                                   : "errors without a string argument");
        return V_OBJ(bytes_new("", 0));
    }
    if (IS_STR(src)) {
        if (!enc) return exc_raise(ts, &T_TypeError, "string argument without an encoding");
        return str_encode(ts, AS_OBJ(src), enc, errs ? errs : "strict");
    }
    if (enc || errs)
        return exc_raise(ts, &T_TypeError, enc ? "encoding without a string argument"
                                               : "errors without a string argument");
    if (IS_BYTES(src)) return v_new(src);
    if (IS_INTLIKE(src)) {
        if (AS_INT(src) < 0) return exc_raise(ts, &T_ValueError, "negative count");
        Bytes *b = bytes_try_alloc(ts, AS_INT(src));
        if (!b) return V_NULL;
        memset(b->data, 0, (size_t)b->len);
        return V_OBJ(b);
    }
    if (IS_FLOAT(src) || IS_NONE(src) || IS_BOOL(src))
        return exc_raise(ts, &T_TypeError, "cannot convert '%s' object to bytes", obj_type_name(src));
    StrBuf sb;
    sb_init(&sb);
    if (bytes_from_iterable(ts, &sb, src) < 0) { sb_free(&sb); return V_NULL; }
    Obj *r = bytes_new(sb.data ? sb.data : "", sb.len);
    sb_free(&sb);
    return V_OBJ(r);
}

static Value bytes_repr_slot(ThreadState *ts, Value self) { return V_OBJ(bytes_repr(AS_OBJ(self))); }

static int64_t bytes_hash(ThreadState *ts, Value self)
{
    Bytes *b = AS_BYTES(self);
    if (b->hash != -1) return b->hash;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int64_t i = 0; i < b->len; i++) { h ^= b->data[i]; h *= 0x100000001b3ULL; }
    int64_t r = (int64_t)(h >> 1);
    return b->hash = (r == -1 ? -2 : r);
}

static Value bytes_richcmp(ThreadState *ts, Value a, Value b, int op)
{
    if (!IS_BYTES(a) || !IS_BYTES(b)) return V_NOTIMPL;
    Bytes *x = AS_BYTES(a), *y = AS_BYTES(b);
    if ((op == CMP_EQ || op == CMP_NE) && x->len != y->len) return V_BOOL(op == CMP_NE);
    int64_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->data, y->data, (size_t)n) : 0;
    if (c == 0) c = x->len < y->len ? -1 : x->len > y->len ? 1 : 0;
    switch (op) {
    case CMP_EQ: return V_BOOL(c == 0);
    case CMP_NE: return V_BOOL(c != 0);
    case CMP_LT: return V_BOOL(c < 0);
    case CMP_LE: return V_BOOL(c <= 0);
    case CMP_GT: return V_BOOL(c > 0);
    default: return V_BOOL(c >= 0);
    }
}

static int64_t bytes_len(ThreadState *ts, Value self) { return AS_BYTES(self)->len; }

static Value bytes_getitem(ThreadState *ts, Value self, Value key)
{
    Bytes *b = AS_BYTES(self);
    int64_t i;
    if (IS_INTLIKE(key)) i = AS_INT(key);
    else if (OBJ_IS(key, T_slice)) {
        int64_t start, stop, step, n;
        if (slice_indices(ts, AS_OBJ(key), b->len, &start, &stop, &step, &n) < 0) return V_NULL;
        if (n <= 0) return V_OBJ(bytes_new("", 0));
        if (step == 1) return V_OBJ(bytes_new(b->data + start, n));
        Bytes *r = bytes_alloc(n);
        for (int64_t k = 0, j = start; k < n; k++, j += step) r->data[k] = b->data[j];
        return V_OBJ(r);
    } else if (IS_OBJ(key) && !IS_NULL(type_lookup(obj_type(key), NAME(__index__)))) {
        if (arg_index(ts, key, &i) < 0) return V_NULL;
    } else {
        return exc_raise(ts, &T_TypeError, "byte indices must be integers or slices, not %s",
                         obj_type_name(key));
    }
    if (i < 0) i += b->len;
    if (i < 0 || i >= b->len) return exc_raise(ts, &T_IndexError, "index out of range");
    return V_INT(b->data[i]);
}

/* Finds needle in [p, p+n) from the left or right; -1 if absent. */
static int64_t bfind(const uint8_t *p, int64_t n, const uint8_t *nd, int64_t nn, bool back)
{
    if (nn > n) return -1;
    if (nn == 0) return back ? n : 0;
    if (!back) {
        const void *r = memmem(p, (size_t)n, nd, (size_t)nn);
        return r ? (const uint8_t *)r - p : -1;
    }
    for (int64_t i = n - nn; i >= 0; i--)
        if (p[i] == nd[0] && memcmp(p + i, nd, (size_t)nn) == 0) return i;
    return -1;
}

/* Accepts a bytes or an int in range(256) as a needle (find/count/in); -1 on error. */
static int needle_of(ThreadState *ts, Value v, uint8_t *one, const uint8_t **p, int64_t *n,
                     const char *errfmt)
{
    if (IS_BYTES(v)) { *p = AS_BYTES(v)->data; *n = AS_BYTES(v)->len; return 0; }
    if (IS_INTLIKE(v)) {
        if (AS_INT(v) < 0 || AS_INT(v) > 255) {
            exc_raise(ts, &T_ValueError, "byte must be in range(0, 256)");
            return -1;
        }
        *one = (uint8_t)AS_INT(v);
        *p = one;
        *n = 1;
        return 0;
    }
    exc_raise(ts, &T_TypeError, errfmt, obj_type_name(v));
    return -1;
}

static int bytes_contains(ThreadState *ts, Value self, Value item)
{
    uint8_t one;
    const uint8_t *p;
    int64_t n;
    if (needle_of(ts, item, &one, &p, &n, "a bytes-like object is required, not '%s'") < 0) return -1;
    Bytes *b = AS_BYTES(self);
    return bfind(b->data, b->len, p, n, false) >= 0;
}

static Value bytes_iter(ThreadState *ts, Value self)
{
    SeqIter *it = (SeqIter *)obj_alloc(&T_bytes_iterator, sizeof(SeqIter));
    it->seq = v_new(self);
    it->index = 0;
    return V_OBJ(it);
}

static Value bytes_iter_next(ThreadState *ts, Value self)
{
    SeqIter *it = (SeqIter *)AS_OBJ(self);
    if (IS_NULL(it->seq)) return V_NULL;
    Bytes *b = AS_BYTES(it->seq);
    if (it->index >= b->len) { v_set(&it->seq, V_NULL); return V_NULL; }
    return V_INT(b->data[it->index++]);
}

static Value iter_self(ThreadState *ts, Value self) { return v_new(self); }

static void bytes_iter_dealloc(Obj *self) { v_decref(((SeqIter *)self)->seq); }

static void bytes_dealloc(Obj *self) { (void)self; }

static Value bytes_binop(ThreadState *ts, Value a, Value b, int op)
{
    op &= ~BINOP_INPLACE;
    if (op == BINOP_ADD) {
        if (!IS_BYTES(a)) return V_NOTIMPL;
        if (!IS_BYTES(b)) {
            if (IS_OBJ(b) && (obj_type(b)->flags & TF_HEAPTYPE)) return V_NOTIMPL;
            return exc_raise(ts, &T_TypeError, "can't concat %s to bytes", obj_type_name(b));
        }
        Bytes *x = AS_BYTES(a), *y = AS_BYTES(b);
        if (y->len == 0) return v_new(a);
        if (x->len == 0) return v_new(b);
        Bytes *r = bytes_try_alloc(ts, x->len + y->len);
        if (!r) return V_NULL;
        memcpy(r->data, x->data, (size_t)x->len);
        memcpy(r->data + x->len, y->data, (size_t)y->len);
        return V_OBJ(r);
    }
    if (op == BINOP_MUL) {
        Value s = IS_BYTES(a) ? a : b, n = IS_BYTES(a) ? b : a;
        int64_t k;
        if (IS_INTLIKE(n)) k = AS_INT(n);
        else if (IS_OBJ(n) && (obj_type(n)->flags & TF_HEAPTYPE)) return V_NOTIMPL;
        else
            return exc_raise(ts, &T_TypeError, "can't multiply sequence by non-int of type '%s'",
                             obj_type_name(n));
        Bytes *x = AS_BYTES(s);
        if (k <= 0 || x->len == 0) return V_OBJ(bytes_new("", 0));
        if (x->len > INT64_MAX / k) return exc_raise(ts, &T_OverflowError, "repeated bytes are too long");
        Bytes *r = bytes_try_alloc(ts, x->len * k);
        if (!r) return V_NULL;
        int64_t total = x->len * k, done = x->len;
        memcpy(r->data, x->data, (size_t)x->len);
        while (done < total) {
            int64_t m = done <= total - done ? done : total - done;
            memcpy(r->data + done, r->data, (size_t)m);
            done += m;
        }
        return V_OBJ(r);
    }
    return V_NOTIMPL;
}

static int bytes_truthy(ThreadState *ts, Value self) { return AS_BYTES(self)->len != 0; }

/* ---- methods ---- */

static Value mb_decode(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    static const char *const names[] = {"encoding", "errors", NULL};
    Value a[2];
    if (arg_parse(ts, "decode", args + 1, nargs - 1, kw, 0, names, a) < 0) return V_NULL;
    const char *enc = "utf-8", *errs = "strict";
    if (!IS_NULL(a[0])) {
        if (!IS_STR(a[0]))
            return exc_raise(ts, &T_TypeError, "decode() argument 'encoding' must be str, not %s",
                             obj_type_name(a[0]));
        enc = AS_STR(a[0])->data;
    }
    if (!IS_NULL(a[1])) {
        if (!IS_STR(a[1]))
            return exc_raise(ts, &T_TypeError, "decode() argument 'errors' must be str, not %s",
                             obj_type_name(a[1]));
        errs = AS_STR(a[1])->data;
    }
    return bytes_decode(ts, SELF->data, SELF->len, enc, errs);
}

static Value mb_hex(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    static const char *const names[] = {"sep", "bytes_per_sep", NULL};
    Value a[2];
    if (arg_parse(ts, "hex", args + 1, nargs - 1, kw, 0, names, a) < 0) return V_NULL;
    Bytes *b = SELF;
    const char *sep = NULL;
    int64_t per = 1;
    if (!IS_NULL(a[0])) {
        if (IS_STR(a[0])) {
            if (AS_STR(a[0])->nchars != 1) return exc_raise(ts, &T_ValueError, "sep must be length 1.");
            sep = AS_STR(a[0])->data;
        } else if (IS_BYTES(a[0])) {
            if (AS_BYTES(a[0])->len != 1) return exc_raise(ts, &T_ValueError, "sep must be length 1.");
            sep = (const char *)AS_BYTES(a[0])->data;
        } else {
            return exc_raise(ts, &T_TypeError, "sep must be str or bytes.");
        }
    }
    if (!IS_NULL(a[1]) && arg_index(ts, a[1], &per) < 0) return V_NULL;
    static const char hx[] = "0123456789abcdef";
    StrBuf sb;
    sb_init(&sb);
    int64_t ap = per < 0 ? -per : per;
    for (int64_t i = 0; i < b->len; i++) {
        if (sep && i > 0 && ap > 0) {
            /* Positive per: groups counted from the right; negative: from the left. */
            int64_t k = per > 0 ? (b->len - i) % ap : i % ap;
            if (k == 0) sb_putn(&sb, sep, 1);
        }
        sb_putc(&sb, hx[b->data[i] >> 4]);
        sb_putc(&sb, hx[b->data[i] & 15]);
    }
    Obj *r = sb_finish(&sb);
    return V_OBJ(r);
}

/* Code point index of byte offset off in UTF-8 text d. */
static int64_t count_pos(const char *d, int64_t off)
{
    int64_t c = 0;
    for (int64_t i = 0; i < off; i++) c += ((uint8_t)d[i] & 0xC0) != 0x80;
    return c;
}

static Value mb_fromhex(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    if (arg_one(ts, "bytes.fromhex", nargs - 1, kw) < 0) return V_NULL;
    if (!IS_STR(args[1]))
        return exc_raise(ts, &T_TypeError, "fromhex() argument must be str, not %s",
                         obj_type_name(args[1]));
    Str *s = AS_STR(args[1]);
    StrBuf sb;
    sb_init(&sb);
    int64_t i = 0, n = s->len;
    const char *d = s->data;
    while (i < n) {
        if (uni_isspace((uint8_t)d[i]) && (uint8_t)d[i] < 0x80) { i++; continue; }
        int hv[2];
        for (int k = 0; k < 2; k++) {
            char c = i + k < n ? d[i + k] : 0;
            hv[k] = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                  : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
            if (hv[k] < 0) {
                sb_free(&sb);
                return exc_raise(ts, &T_ValueError,
                                 "non-hexadecimal number found in fromhex() arg at position %lld",
                                 (long long)count_pos(d, i + k));
            }
        }
        sb_putc(&sb, (char)(hv[0] * 16 + hv[1]));
        i += 2;
    }
    Obj *r = bytes_new(sb.data ? sb.data : "", sb.len);
    sb_free(&sb);
    return V_OBJ(r);
}

static Value mb_join(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    if (arg_one(ts, "bytes.join", nargs - 1, kw) < 0) return V_NULL;
    Value l = obj_to_list(ts, args[1]);
    if (IS_NULL(l)) {
        if (exc_matches(ts, &T_TypeError)) {
            exc_clear(ts);
            exc_raise(ts, &T_TypeError, "can only join an iterable");
        }
        return V_NULL;
    }
    List *x = AS_LIST(l);
    Bytes *sep = SELF;
    StrBuf sb;
    sb_init(&sb);
    for (int64_t i = 0; i < x->len; i++) {
        if (!IS_BYTES(x->items[i])) {
            exc_raise(ts, &T_TypeError, "sequence item %lld: expected a bytes-like object, %s found",
                      (long long)i, obj_type_name(x->items[i]));
            sb_free(&sb);
            v_decref(l);
            return V_NULL;
        }
        if (i) sb_putn(&sb, (const char *)sep->data, sep->len);
        sb_putn(&sb, (const char *)AS_BYTES(x->items[i])->data, AS_BYTES(x->items[i])->len);
    }
    v_decref(l);
    Obj *r = bytes_new(sb.data ? sb.data : "", sb.len);
    sb_free(&sb);
    return V_OBJ(r);
}

/* Whether byte c is ASCII whitespace (bytes.split/strip). */
static inline bool bspace(uint8_t c)
{
    return c == ' ' || (c >= 9 && c <= 13);
}

static Value mb_split(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    static const char *const names[] = {"sep", "maxsplit", NULL};
    Value a[2];
    if (arg_parse(ts, "split", args + 1, nargs - 1, kw, 0, names, a) < 0) return V_NULL;
    int64_t maxsplit = -1;
    if (!IS_NULL(a[1]) && arg_index(ts, a[1], &maxsplit) < 0) return V_NULL;
    if (maxsplit < 0) maxsplit = INT64_MAX;
    Bytes *b = SELF;
    Obj *list = list_new(0);
    if (IS_NULL(a[0]) || IS_NONE(a[0])) {
        int64_t i = 0, n = 0;
        for (;;) {
            while (i < b->len && bspace(b->data[i])) i++;
            if (i >= b->len) break;
            if (n >= maxsplit) {
                int64_t e = b->len;
                while (e > i && bspace(b->data[e - 1])) e--;
                list_append_steal(list, V_OBJ(bytes_new(b->data + i, e - i)));
                break;
            }
            int64_t j = i;
            while (j < b->len && !bspace(b->data[j])) j++;
            list_append_steal(list, V_OBJ(bytes_new(b->data + i, j - i)));
            n++;
            i = j;
        }
        return V_OBJ(list);
    }
    if (!IS_BYTES(a[0])) {
        o_decref(list);
        return exc_raise(ts, &T_TypeError, "a bytes-like object is required, not '%s'", obj_type_name(a[0]));
    }
    Bytes *sep = AS_BYTES(a[0]);
    if (sep->len == 0) { o_decref(list); return exc_raise(ts, &T_ValueError, "empty separator"); }
    int64_t pos = 0, n = 0;
    while (n < maxsplit) {
        int64_t r = bfind(b->data + pos, b->len - pos, sep->data, sep->len, false);
        if (r < 0) break;
        list_append_steal(list, V_OBJ(bytes_new(b->data + pos, r)));
        pos += r + sep->len;
        n++;
    }
    list_append_steal(list, V_OBJ(bytes_new(b->data + pos, b->len - pos)));
    return V_OBJ(list);
}

/* strip/lstrip/rstrip: which 1 left, 2 right, 3 both. */
static Value bstrip(ThreadState *ts, Value *args, int nargs, Obj *kw, const char *name, int which)
{
    if (arg_range(ts, name, name, nargs - 1, kw, 0, 1, 0) < 0) return V_NULL;
    const uint8_t *set = NULL;
    int64_t nset = 0;
    if (nargs > 1 && !IS_NONE(args[1])) {
        if (!IS_BYTES(args[1]))
            return exc_raise(ts, &T_TypeError, "a bytes-like object is required, not '%s'",
                             obj_type_name(args[1]));
        set = AS_BYTES(args[1])->data;
        nset = AS_BYTES(args[1])->len;
    }
    Bytes *b = SELF;
    int64_t i = 0, j = b->len;
#define IN_SET(c) (set ? memchr(set, (c), (size_t)nset) != NULL : bspace(c))
    if (which & 1) while (i < j && IN_SET(b->data[i])) i++;
    if (which & 2) while (j > i && IN_SET(b->data[j - 1])) j--;
#undef IN_SET
    if (i == 0 && j == b->len) return v_new(args[0]);
    return V_OBJ(bytes_new(b->data + i, j - i));
}

static Value mb_strip(ThreadState *ts, Value *a, int n, Obj *kw) { return bstrip(ts, a, n, kw, "strip", 3); }
static Value mb_lstrip(ThreadState *ts, Value *a, int n, Obj *kw) { return bstrip(ts, a, n, kw, "lstrip", 1); }
static Value mb_rstrip(ThreadState *ts, Value *a, int n, Obj *kw) { return bstrip(ts, a, n, kw, "rstrip", 2); }

/* startswith/endswith. */
static Value btail(ThreadState *ts, Value *args, int nargs, Obj *kw, const char *name, bool end)
{
    if (arg_range(ts, name, name, nargs - 1, kw, 1, 3, 0) < 0) return V_NULL;
    Bytes *b = SELF;
    int64_t start = 0, stop = INT64_MAX;
    if (nargs > 2 && arg_slice_bound(ts, args[2], &start) < 0) return V_NULL;
    if (nargs > 3 && arg_slice_bound(ts, args[3], &stop) < 0) return V_NULL;
    arg_adjust(&start, &stop, b->len);
    Value pre = args[1];
    Value *cands = &pre;
    int64_t nc = 1;
    if (IS_TUPLE(pre)) { cands = AS_TUPLE(pre)->items; nc = AS_TUPLE(pre)->len; }
    else if (!IS_BYTES(pre))
        return exc_raise(ts, &T_TypeError, "%s first arg must be bytes or a tuple of bytes, not %s",
                         name, obj_type_name(pre));
    for (int64_t i = 0; i < nc; i++) {
        if (!IS_BYTES(cands[i]))
            return exc_raise(ts, &T_TypeError, "a bytes-like object is required, not '%s'",
                             obj_type_name(cands[i]));
        Bytes *p = AS_BYTES(cands[i]);
        if (stop - start < p->len || start > b->len) continue;
        const uint8_t *at = end ? b->data + stop - p->len : b->data + start;
        if (p->len == 0 || memcmp(at, p->data, (size_t)p->len) == 0) return V_TRUE;
    }
    return V_FALSE;
}

static Value mb_startswith(ThreadState *ts, Value *a, int n, Obj *kw) { return btail(ts, a, n, kw, "startswith", false); }
static Value mb_endswith(ThreadState *ts, Value *a, int n, Obj *kw) { return btail(ts, a, n, kw, "endswith", true); }

/* find/rfind/index/rindex/count: mode 0 find, 1 index, 2 count. */
static Value bsearch_impl(ThreadState *ts, Value *args, int nargs, Obj *kw, const char *name,
                          bool back, int mode)
{
    char qual[32];
    snprintf(qual, sizeof qual, "bytes.%s", name);
    if (arg_range(ts, name, qual, nargs - 1, kw, 1, 3, 1) < 0) return V_NULL;
    uint8_t one;
    const uint8_t *nd;
    int64_t nn;
    if (needle_of(ts, args[1], &one, &nd, &nn,
                  "argument should be integer or bytes-like object, not '%s'") < 0)
        return V_NULL;
    Bytes *b = SELF;
    int64_t start = 0, stop = INT64_MAX;
    if (nargs > 2 && arg_slice_bound(ts, args[2], &start) < 0) return V_NULL;
    if (nargs > 3 && arg_slice_bound(ts, args[3], &stop) < 0) return V_NULL;
    arg_adjust(&start, &stop, b->len);
    if (mode == 2) {
        if (start > stop) return V_INT(0);
        if (nn == 0) return V_INT(stop - start + 1);
        int64_t n = 0, pos = start;
        for (;;) {
            int64_t r = bfind(b->data + pos, stop - pos, nd, nn, false);
            if (r < 0) break;
            n++;
            pos += r + nn;
        }
        return V_INT(n);
    }
    int64_t r = start > stop ? -1 : bfind(b->data + start, stop - start, nd, nn, back);
    if (r >= 0) r += start;
    if (r < 0 && mode == 1) return exc_raise(ts, &T_ValueError, "subsection not found");
    return V_INT(r);
}

static Value mb_find(ThreadState *ts, Value *a, int n, Obj *kw) { return bsearch_impl(ts, a, n, kw, "find", false, 0); }
static Value mb_rfind(ThreadState *ts, Value *a, int n, Obj *kw) { return bsearch_impl(ts, a, n, kw, "rfind", true, 0); }
static Value mb_index(ThreadState *ts, Value *a, int n, Obj *kw) { return bsearch_impl(ts, a, n, kw, "index", false, 1); }
static Value mb_rindex(ThreadState *ts, Value *a, int n, Obj *kw) { return bsearch_impl(ts, a, n, kw, "rindex", true, 1); }
static Value mb_count(ThreadState *ts, Value *a, int n, Obj *kw) { return bsearch_impl(ts, a, n, kw, "count", false, 2); }

static Value mb_replace(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    if (arg_range(ts, "replace", "bytes.replace", nargs - 1, kw, 2, 3, 0) < 0) return V_NULL;
    for (int i = 1; i <= 2; i++)
        if (!IS_BYTES(args[i]))
            return exc_raise(ts, &T_TypeError, "a bytes-like object is required, not '%s'",
                             obj_type_name(args[i]));
    int64_t count = -1;
    if (nargs > 3 && arg_index(ts, args[3], &count) < 0) return V_NULL;
    if (count < 0) count = INT64_MAX;
    Bytes *b = SELF, *old = AS_BYTES(args[1]), *nw = AS_BYTES(args[2]);
    StrBuf sb;
    sb_init(&sb);
    int64_t k = 0;
    if (nw->len > old->len) {
        /* a growing result is measured first, so a huge one fails at once (as CPython) */
        int64_t n = 0, pos = 0, total;
        if (old->len == 0) n = b->len + 1 < count ? b->len + 1 : count;
        else {
            while (n < count) {
                int64_t r = bfind(b->data + pos, b->len - pos, old->data, old->len, false);
                if (r < 0) break;
                pos += r + old->len;
                n++;
            }
        }
        if (__builtin_mul_overflow(n, nw->len - old->len, &total) ||
            __builtin_add_overflow(total, b->len, &total))
            return exc_raise(ts, &T_OverflowError, "replace bytes is too long");
        if (sb_try_reserve(ts, &sb, total) < 0) return V_NULL;
    }
    if (old->len == 0) {
        if (count > 0) { sb_putn(&sb, (const char *)nw->data, nw->len); k++; }
        for (int64_t i = 0; i < b->len; i++) {
            sb_putc(&sb, (char)b->data[i]);
            if (k < count) { sb_putn(&sb, (const char *)nw->data, nw->len); k++; }
        }
    } else {
        int64_t pos = 0;
        while (k < count) {
            int64_t r = bfind(b->data + pos, b->len - pos, old->data, old->len, false);
            if (r < 0) break;
            sb_putn(&sb, (const char *)b->data + pos, r);
            sb_putn(&sb, (const char *)nw->data, nw->len);
            pos += r + old->len;
            k++;
        }
        sb_putn(&sb, (const char *)b->data + pos, b->len - pos);
    }
    Obj *r = bytes_new(sb.data ? sb.data : "", sb.len);
    sb_free(&sb);
    return V_OBJ(r);
}

/* upper (up true) / lower: ASCII only. */
static Value bcase(ThreadState *ts, Value *args, int nargs, Obj *kw, const char *qual, bool up)
{
    if (arg_none(ts, qual, nargs - 1, kw) < 0) return V_NULL;
    Bytes *b = SELF;
    Bytes *r = bytes_alloc(b->len);
    for (int64_t i = 0; i < b->len; i++) {
        uint8_t c = b->data[i];
        if (up && c >= 'a' && c <= 'z') c -= 32;
        else if (!up && c >= 'A' && c <= 'Z') c += 32;
        r->data[i] = c;
    }
    return V_OBJ(r);
}

static Value mb_upper(ThreadState *ts, Value *a, int n, Obj *kw) { return bcase(ts, a, n, kw, "bytes.upper", true); }
static Value mb_lower(ThreadState *ts, Value *a, int n, Obj *kw) { return bcase(ts, a, n, kw, "bytes.lower", false); }

/* isdigit/isalpha/isspace/isalnum/isupper/islower over ASCII bytes. */
static Value bpred(ThreadState *ts, Value *args, int nargs, Obj *kw, const char *qual, int kind)
{
    if (arg_none(ts, qual, nargs - 1, kw) < 0) return V_NULL;
    Bytes *b = SELF;
    if (b->len == 0) return V_FALSE;
    bool cased = false;
    for (int64_t i = 0; i < b->len; i++) {
        uint8_t c = b->data[i];
        bool d = c >= '0' && c <= '9', u = c >= 'A' && c <= 'Z', l = c >= 'a' && c <= 'z';
        switch (kind) {
        case 0: if (!d) return V_FALSE; break;
        case 1: if (!u && !l) return V_FALSE; break;
        case 2: if (!bspace(c)) return V_FALSE; break;
        case 3: if (!u && !l && !d) return V_FALSE; break;
        case 4: if (l) return V_FALSE; if (u) cased = true; break;
        default: if (u) return V_FALSE; if (l) cased = true; break;
        }
    }
    return V_BOOL(kind < 4 || cased);
}

static Value mb_isdigit(ThreadState *ts, Value *a, int n, Obj *kw) { return bpred(ts, a, n, kw, "bytes.isdigit", 0); }
static Value mb_isalpha(ThreadState *ts, Value *a, int n, Obj *kw) { return bpred(ts, a, n, kw, "bytes.isalpha", 1); }
static Value mb_isspace(ThreadState *ts, Value *a, int n, Obj *kw) { return bpred(ts, a, n, kw, "bytes.isspace", 2); }
static Value mb_isalnum(ThreadState *ts, Value *a, int n, Obj *kw) { return bpred(ts, a, n, kw, "bytes.isalnum", 3); }
static Value mb_isupper(ThreadState *ts, Value *a, int n, Obj *kw) { return bpred(ts, a, n, kw, "bytes.isupper", 4); }
static Value mb_islower(ThreadState *ts, Value *a, int n, Obj *kw) { return bpred(ts, a, n, kw, "bytes.islower", 5); }

static const MethodDef bytes_methods[] = {
    {"decode", mb_decode, 0}, {"hex", mb_hex, 0}, {"fromhex", mb_fromhex, METH_CLASS},
    {"join", mb_join, 0}, {"split", mb_split, 0}, {"strip", mb_strip, 0},
    {"lstrip", mb_lstrip, 0}, {"rstrip", mb_rstrip, 0}, {"startswith", mb_startswith, 0},
    {"endswith", mb_endswith, 0}, {"find", mb_find, 0}, {"rfind", mb_rfind, 0},
    {"index", mb_index, 0}, {"rindex", mb_rindex, 0}, {"count", mb_count, 0},
    {"replace", mb_replace, 0}, {"upper", mb_upper, 0}, {"lower", mb_lower, 0},
    {"isdigit", mb_isdigit, 0}, {"isalpha", mb_isalpha, 0}, {"isspace", mb_isspace, 0},
    {"isalnum", mb_isalnum, 0}, {"isupper", mb_isupper, 0}, {"islower", mb_islower, 0},
    {NULL, NULL, 0}
};

Type T_bytes = {
    .hdr = { .refcnt = IMMORTAL_REFCNT, .type = &T_type },
    .name = "bytes",
    .base = &T_object,
    .flags = 0,
    .basicsize = sizeof(Bytes),
    .methods = bytes_methods,
    .new_ = bytes_new_slot,
    .dealloc = bytes_dealloc,
    .repr = bytes_repr_slot,
    .hash = bytes_hash,
    .richcmp = bytes_richcmp,
    .iter = bytes_iter,
    .len = bytes_len,
    .getitem = bytes_getitem,
    .contains = bytes_contains,
    .truthy = bytes_truthy,
    .binop = bytes_binop,
};

Type T_bytes_iterator = {
    .hdr = { .refcnt = IMMORTAL_REFCNT, .type = &T_type },
    .name = "bytes_iterator",
    .base = &T_object,
    .flags = 0,
    .basicsize = sizeof(SeqIter),
    .dealloc = bytes_iter_dealloc,
    .iter = iter_self,
    .next = bytes_iter_next,
};
