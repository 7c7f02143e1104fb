/* str.c — str objects: UTF-8 storage, interning, hashing, repr, the string builder,
 * and the str type with its methods. */
#define _GNU_SOURCE
#include "objects/str.h"
#include "objects/bytes.h"
#include "state.h"
#include "exc.h"
#include "objects/containers.h"
#include "objects/format.h"
#include "objects/num.h"
#include "objects/unicode.h"
#include "args.h"
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

Obj *wk_names[NM__COUNT];

/* The empty string and the 128 one-character ASCII strings (index 128: ""); filled
 * once by str_init, like wk_names, and read-only afterwards. */
static Obj *char_strs[129];

/* Spellings of the well-known names. */
static const char *const wk_spellings[NM__COUNT] = {
#define WK_STR(n) #n,
    WELL_KNOWN_NAMES(WK_STR)
#undef WK_STR
};

/* ---- allocation ---- */

/* A new uninitialised str of len bytes (data NUL-terminated, hash unset). */
static Str *str_alloc(int64_t len)
{
    Str *s = (Str *)obj_alloc(&T_str, offsetof(Str, data) + (size_t)len + 1);
    s->len = len;
    s->hash = -1;
    s->data[len] = 0;
    return s;
}

Value str_no_memory(ThreadState *ts)
{
    return exc_raise_obj(ts, V_OBJ((Obj *)&T_MemoryError));
}

Str *str_try_alloc(ThreadState *ts, int64_t len)
{
    Str *s = NULL;
    if (len >= 0 && len <= STR_MAX_BYTES)
        s = (Str *)obj_try_alloc(&T_str, offsetof(Str, data) + (size_t)len + 1);
    if (!s) {
        str_no_memory(ts);
        return NULL;
    }
    s->len = len;
    s->hash = -1;
    s->data[len] = 0;
    return s;
}

/* Byte length of the UTF-8 sequence starting with byte c. */
static inline int seq_len(uint8_t c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Counts the code points of valid UTF-8 text. */
static int64_t count_chars(const char *p, int64_t n)
{
    int64_t c = 0;
    for (int64_t i = 0; i < n; i++) c += ((uint8_t)p[i] & 0xC0) != 0x80;
    return c;
}

/* Whether n bytes are all ASCII. */
static bool all_ascii(const char *p, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ULL) return false;
    }
    for (; i < n; i++) if ((uint8_t)p[i] & 0x80) return false;
    return true;
}

Obj *str_new_valid(const char *utf8, int64_t len, int64_t nchars)
{
    if (len <= 1) {
        if (len == 0 && char_strs[128]) return char_strs[128];
        if (!((uint8_t)utf8[0] & 0x80) && char_strs[(uint8_t)utf8[0]])
            return char_strs[(uint8_t)utf8[0]];
    }
    if (nchars < 0) nchars = count_chars(utf8, len);
    Str *s = str_alloc(len);
    memcpy(s->data, utf8, (size_t)len);
    s->nchars = nchars;
    s->ascii = nchars == len;
    return (Obj *)s;
}

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0 if invalid. */
static int utf8_valid_len(const uint8_t *p, int64_t n)
{
    uint8_t c = p[0];
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) return (n >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3) return 0;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
        if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80) return 0;
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4) return 0;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
        if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        return 4;
    }
    return 0;
}

Obj *str_new(const char *utf8, int64_t len)
{
    if (all_ascii(utf8, len)) return str_new_valid(utf8, len, len);
    /* Validate; count the room needed with U+FFFD (3 bytes) for each bad byte. */
    const uint8_t *p = (const uint8_t *)utf8;
    int64_t out = 0, nch = 0;
    bool bad = false;
    for (int64_t i = 0; i < len;) {
        int k = utf8_valid_len(p + i, len - i);
        if (k == 0) { bad = true; out += 3; i++; }
        else { out += k; i += k; }
        nch++;
    }
    if (!bad) return str_new_valid(utf8, len, nch);
    Str *s = str_alloc(out);
    char *d = s->data;
    for (int64_t i = 0; i < len;) {
        int k = utf8_valid_len(p + i, len - i);
        if (k == 0) { memcpy(d, "\xEF\xBF\xBD", 3); d += 3; i++; }
        else { memcpy(d, p + i, (size_t)k); d += k; i += k; }
    }
    s->nchars = nch;
    s->ascii = 0;
    return (Obj *)s;
}

Obj *str_from_cstr(const char *s)
{
    return str_new(s, (int64_t)strlen(s));
}

Obj *str_vfmt(const char *fmt, va_list ap)
{
    char small[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) { va_end(ap2); return str_new("", 0); }
    if ((size_t)n < sizeof small) { va_end(ap2); return str_new(small, n); }
    char *big = malloc((size_t)n + 1);
    vsnprintf(big, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    Obj *r = str_new(big, n);
    free(big);
    return r;
}

Obj *str_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Obj *r = str_vfmt(fmt, ap);
    va_end(ap);
    return r;
}

/* ---- hashing, equality, interning ---- */

/* FNV-1a over bytes, never -1. */
static int64_t hash_bytes(const char *p, int64_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int64_t i = 0; i < n; i++) {
        h ^= (uint8_t)p[i];
        h *= 0x100000001b3ULL;
    }
    int64_t r = (int64_t)(h >> 1);
    return r == -1 ? -2 : r;
}

int64_t str_hash(Obj *o)
{
    Str *s = (Str *)o;
    if (s->hash != -1) return s->hash;
    return s->hash = hash_bytes(s->data, s->len);
}

bool str_eq(Obj *a, Obj *b)
{
    if (a == b) return true;
    Str *x = (Str *)a, *y = (Str *)b;
    if (x->len != y->len) return false;
    if (x->interned && y->interned) return false;
    if (x->hash != -1 && y->hash != -1 && x->hash != y->hash) return false;
    return memcmp(x->data, y->data, (size_t)x->len) == 0;
}

bool str_eq_cstr(Obj *a, const char *s)
{
    size_t n = strlen(s);
    return (size_t)STR_LEN(a) == n && memcmp(STR_DATA(a), s, n) == 0;
}

/* Finds the slot for text (hash h) in the intern table: its entry or an empty slot. */
static int64_t intern_slot(const char *s, int64_t len, int64_t h)
{
    InternTable *t = &the_interp.interned;
    uint64_t mask = (uint64_t)t->cap - 1, i = (uint64_t)h & mask;
    for (;;) {
        Obj *o = t->slots[i];
        if (!o) return (int64_t)i;
        Str *x = (Str *)o;
        if (x->hash == h && x->len == len && memcmp(x->data, s, (size_t)len) == 0)
            return (int64_t)i;
        i = (i + 1) & mask;
    }
}

/* Doubles the intern table when it is more than half full. */
static void intern_grow(void)
{
    InternTable *t = &the_interp.interned;
    if (t->cap && (t->used + 1) * 2 <= t->cap) return;
    int64_t oldcap = t->cap;
    Obj **old = t->slots;
    t->cap = oldcap ? oldcap * 2 : 1024;
    t->slots = calloc((size_t)t->cap, sizeof(Obj *));
    for (int64_t i = 0; i < oldcap; i++) {
        if (!old[i]) continue;
        Str *x = (Str *)old[i];
        t->slots[intern_slot(x->data, x->len, x->hash)] = old[i];
    }
    free(old);
}

/* Adds a str to the intern table at slot i, making it immortal. */
static void intern_insert(Obj *o)
{
    Str *s = (Str *)o;
    str_hash(o);
    intern_grow();
    int64_t i = intern_slot(s->data, s->len, s->hash);
    the_interp.interned.slots[i] = o;
    the_interp.interned.used++;
    s->interned = 1;
    obj_immortalize(o);
}

Obj *str_intern_n(const char *s, int64_t len)
{
    int64_t h = hash_bytes(s, len);
    InternTable *t = &the_interp.interned;
    if (t->cap) {
        Obj *o = t->slots[intern_slot(s, len, h)];
        if (o) return o;
    }
    Obj *o;
    if (all_ascii(s, len)) {
        Str *x = str_alloc(len);
        memcpy(x->data, s, (size_t)len);
        x->nchars = len;
        x->ascii = 1;
        o = (Obj *)x;
    } else {
        o = str_new(s, len);
        if (((Str *)o)->interned) return o;
    }
    intern_insert(o);
    return o;
}

Obj *str_intern(const char *s)
{
    return str_intern_n(s, (int64_t)strlen(s));
}

Obj *str_intern_obj(Obj *o)
{
    Str *s = (Str *)o;
    if (s->interned) return o;
    int64_t h = str_hash(o);
    InternTable *t = &the_interp.interned;
    if (t->cap) {
        Obj *f = t->slots[intern_slot(s->data, s->len, h)];
        if (f) return f;
    }
    intern_insert(o);
    return o;
}

void str_init(void)
{
    char_strs[128] = NULL;
    for (int c = 0; c < 128; c++) char_strs[c] = NULL;
    Str *e = str_alloc(0);
    e->ascii = 1;
    intern_insert((Obj *)e);
    char_strs[128] = (Obj *)e;
    for (int c = 0; c < 128; c++) {
        Str *x = str_alloc(1);
        x->data[0] = (char)c;
        x->nchars = 1;
        x->ascii = 1;
        intern_insert((Obj *)x);
        char_strs[c] = (Obj *)x;
    }
    for (int i = 0; i < NM__COUNT; i++) wk_names[i] = str_intern(wk_spellings[i]);
}

void str_fini(void)
{
    free(the_interp.interned.slots);
    the_interp.interned.slots = NULL;
    the_interp.interned.cap = the_interp.interned.used = 0;
}

Obj *str_concat(Obj *a, Obj *b)
{
    Str *x = (Str *)a, *y = (Str *)b;
    if (y->len == 0) { o_incref(a); return a; }
    if (x->len == 0) { o_incref(b); return b; }
    Str *s = str_alloc(x->len + y->len);
    memcpy(s->data, x->data, (size_t)x->len);
    memcpy(s->data + x->len, y->data, (size_t)y->len);
    s->nchars = x->nchars + y->nchars;
    s->ascii = x->ascii & y->ascii;
    return (Obj *)s;
}

/* ---- UTF-8 ---- */

uint32_t utf8_decode(const char **pp)
{
    const uint8_t *p = (const uint8_t *)*pp;
    uint32_t c = p[0];
    if (c < 0x80) { *pp += 1; return c; }
    if (c < 0xE0) { *pp += 2; return ((c & 0x1F) << 6) | (p[1] & 0x3F); }
    if (c < 0xF0) { *pp += 3; return ((c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F); }
    *pp += 4;
    return ((c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) | ((uint32_t)(p[2] & 0x3F) << 6) |
           (p[3] & 0x3F);
}

int utf8_encode(uint32_t cp, char *buf)
{
    uint8_t *b = (uint8_t *)buf;
    if (cp < 0x80) { b[0] = (uint8_t)cp; return 1; }
    if (cp < 0x800) { b[0] = (uint8_t)(0xC0 | (cp >> 6)); b[1] = (uint8_t)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        b[0] = (uint8_t)(0xE0 | (cp >> 12));
        b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    b[0] = (uint8_t)(0xF0 | (cp >> 18));
    b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

Obj *str_from_codepoint(uint32_t cp)
{
    if (cp < 128) return char_strs[cp];
    char buf[4];
    int n = utf8_encode(cp, buf);
    return str_new(buf, n);
}

/* ---- the code point index of non-ASCII strs ---- */

/* Code points between two checkpoints of a StrIndex. */
#define IDX_STRIDE 32

/* Byte offsets of code points 0, IDX_STRIDE, 2*IDX_STRIDE, ... of a non-ASCII str: offs[k]
 * for k < n (a prefix, extended on demand; appending to the str leaves it valid). */
typedef struct StrIndex { int64_t n, cap; int64_t offs[]; } StrIndex;

/* Byte offset n code points after byte offset off (valid UTF-8). */
static inline int64_t skip_chars(const char *data, int64_t off, int64_t n)
{
    const uint8_t *p = (const uint8_t *)data;
    while (n-- > 0) off += seq_len(p[off]);
    return off;
}

/* Extends s's index to checkpoint k (k * IDX_STRIDE < nchars); NULL when out of memory. */
static StrIndex *idx_reach(Str *s, int64_t k)
{
    StrIndex *x = s->index;
    if (x && k < x->n) return x;
    if (!x || k >= x->cap) {
        int64_t cap = s->nchars / IDX_STRIDE + 1;
        if (cap <= k) cap = k + 1;
        StrIndex *nx = realloc(x, sizeof(StrIndex) + sizeof(int64_t) * (size_t)cap);
        if (!nx) return NULL;
        if (!x) { nx->n = 1; nx->offs[0] = 0; }
        nx->cap = cap;
        s->index = x = nx;
    }
    int64_t off = x->offs[x->n - 1];
    while (x->n <= k) {
        off = skip_chars(s->data, off, IDX_STRIDE);
        x->offs[x->n++] = off;
    }
    return x;
}

/* Byte offset n code points before byte offset off (valid UTF-8). */
static inline int64_t back_chars(const char *data, int64_t off, int64_t n)
{
    const uint8_t *p = (const uint8_t *)data;
    while (n-- > 0) {
        off--;
        while ((p[off] & 0xC0) == 0x80) off--;
    }
    return off;
}

int64_t str_offset(Str *s, int64_t i)
{
    if (s->ascii) return i;
    if (i <= 0) return 0;
    if (i >= s->nchars) return s->len;
    /* walk from the nearer of the checkpoints (or ends) around i */
    int64_t k = i / IDX_STRIDE, r = i - k * IDX_STRIDE;
    if (r > IDX_STRIDE / 2) {
        if ((k + 1) * IDX_STRIDE >= s->nchars) return back_chars(s->data, s->len, s->nchars - i);
        StrIndex *x = idx_reach(s, k + 1);
        if (x) return back_chars(s->data, x->offs[k + 1], IDX_STRIDE - r);
    }
    if (k == 0) return skip_chars(s->data, 0, i);
    StrIndex *x = idx_reach(s, k);
    if (!x) return skip_chars(s->data, 0, i);
    return skip_chars(s->data, x->offs[k], r);
}

/* Code point index of byte offset off (at the start of a code point). */
static int64_t char_index(Str *s, int64_t off)
{
    if (s->ascii) return off;
    if (off < IDX_STRIDE) return count_chars(s->data, off);
    if (off >= s->len) return s->nchars;
    /* extend the index past off, then find the last checkpoint at or before it */
    int64_t last = (s->nchars - 1) / IDX_STRIDE;
    if (last == 0) return count_chars(s->data, off);
    StrIndex *x = s->index;
    if (!x || (x->n <= last && x->offs[x->n - 1] <= off)) {
        x = idx_reach(s, x ? x->n : 1);
        while (x && x->n <= last && x->offs[x->n - 1] <= off) x = idx_reach(s, x->n);
        if (!x) return count_chars(s->data, off);
    }
    int64_t lo = 0, hi = x->n - 1;
    while (lo < hi) {
        int64_t mid = (lo + hi + 1) / 2;
        if (x->offs[mid] <= off) lo = mid;
        else hi = mid - 1;
    }
    return lo * IDX_STRIDE + count_chars(s->data + x->offs[lo], off - x->offs[lo]);
}

/* Frees a str's index. */
static void str_dealloc(Obj *o)
{
    Str *s = (Str *)o;
    if (s->index) free(s->index);
}

Obj *str_append(ThreadState *ts, Obj *ao, Obj *bo)
{
    Str *a = (Str *)ao, *b = (Str *)bo;
    int64_t need = a->len + b->len;
    if (b->len == 0) return ao;
    if ((size_t)need + 1 <= obj_usable_size(ao) - offsetof(Str, data) && !a->interned) {
        memcpy(a->data + a->len, b->data, (size_t)b->len);
        a->data[need] = 0;
        a->len = need;
        a->nchars += b->nchars;
        a->ascii &= b->ascii;
        a->hash = -1;
        return ao;
    }
    /* room for half as much again, so that a loop of appends copies each byte O(1) times */
    int64_t cap = need <= STR_MAX_BYTES / 3 * 2 ? need + need / 2 : need;
    Str *r = str_try_alloc(ts, cap);
    if (!r) return NULL;
    memcpy(r->data, a->data, (size_t)a->len);
    memcpy(r->data + a->len, b->data, (size_t)b->len);
    r->data[need] = 0;
    r->len = need;
    r->nchars = a->nchars + b->nchars;
    r->ascii = a->ascii & b->ascii;
    if (!a->interned) { r->index = a->index; a->index = NULL; }
    o_decref(ao);
    return (Obj *)r;
}

/* ---- repr ---- */

/* Appends the escape of a non-printable code point. */
static void put_escape(StrBuf *b, uint32_t c)
{
    if (c < 0x100) sb_printf(b, "\\x%02x", c);
    else if (c < 0x10000) sb_printf(b, "\\u%04x", c);
    else sb_printf(b, "\\U%08x", c);
}

Obj *str_repr(Obj *o)
{
    Str *s = (Str *)o;
    bool sq = memchr(s->data, '\'', (size_t)s->len) != NULL;
    bool dq = memchr(s->data, '"', (size_t)s->len) != NULL;
    char q = (sq && !dq) ? '"' : '\'';
    StrBuf b;
    sb_init(&b);
    sb_putc(&b, q);
    const char *p = s->data, *end = s->data + s->len;
    while (p < end) {
        uint8_t c = (uint8_t)*p;
        if (c < 0x80) {
            p++;
            if (c == (uint8_t)q || c == '\\') { sb_putc(&b, '\\'); sb_putc(&b, (char)c); }
            else if (c == '\n') sb_puts(&b, "\\n");
            else if (c == '\r') sb_puts(&b, "\\r");
            else if (c == '\t') sb_puts(&b, "\\t");
            else if (c < 0x20 || c == 0x7f) sb_printf(&b, "\\x%02x", c);
            else sb_putc(&b, (char)c);
        } else {
            const char *st = p;
            uint32_t cp = utf8_decode(&p);
            if (uni_isprintable(cp)) sb_putn(&b, st, p - st);
            else put_escape(&b, cp);
        }
    }
    sb_putc(&b, q);
    return sb_finish(&b);
}

/* ---- StrBuf ---- */

void sb_init(StrBuf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

/* The capacity to grow a buffer of cap bytes to for need bytes: doubling; 0 if too large. */
static int64_t grown_cap(int64_t cap, int64_t need)
{
    if (need > STR_MAX_BYTES) return 0;
    if (cap < 64) cap = 64;
    while (cap < need) cap = cap > STR_MAX_BYTES / 2 ? need : cap * 2;
    return cap;
}

/* Makes room for n more bytes (plus a NUL); out of memory is fatal here (sb_try_reserve
 * raises MemoryError instead). */
static inline void sb_reserve(StrBuf *b, int64_t n)
{
    if (b->len + n + 1 <= b->cap) return;
    int64_t cap = grown_cap(b->cap, b->len + n + 1);
    char *d = cap ? realloc(b->data, (size_t)cap) : NULL;
    if (!d) { fputs("tiny: out of memory\n", stderr); abort(); }
    b->data = d;
    b->cap = cap;
}

int sb_grow(ThreadState *ts, StrBuf *b, int64_t n)
{
    if (n < 0 || n > STR_MAX_BYTES - 1 - b->len) { str_no_memory(ts); return -1; }
    if (b->len + n + 1 <= b->cap) return 0;
    int64_t cap = grown_cap(b->cap, b->len + n + 1);
    char *d = cap ? realloc(b->data, (size_t)cap) : NULL;
    if (!d) { str_no_memory(ts); return -1; }
    b->data = d;
    b->cap = cap;
    return 0;
}

void str_fill(char *dst, const char *fill, int filllen, int64_t n)
{
    if (n <= 0) return;
    if (filllen == 1) { memset(dst, fill[0], (size_t)n); return; }
    int64_t total = n * filllen, done = filllen;
    memcpy(dst, fill, (size_t)filllen);
    while (done < total) {
        int64_t k = done <= total - done ? done : total - done;
        memcpy(dst + done, dst, (size_t)k);
        done += k;
    }
}

int sb_fill_n(ThreadState *ts, StrBuf *b, const char *fill, int filllen, int64_t n)
{
    if (n > STR_MAX_BYTES / filllen) { str_no_memory(ts); return -1; }
    if (sb_try_reserve(ts, b, n * filllen) < 0) return -1;
    str_fill(b->data + b->len, fill, filllen, n);
    b->len += n * filllen;
    return 0;
}

void sb_putc(StrBuf *b, char c)
{
    sb_reserve(b, 1);
    b->data[b->len++] = c;
}

void sb_putn(StrBuf *b, const char *s, int64_t n)
{
    if (n <= 0) return;
    sb_reserve(b, n);
    memcpy(b->data + b->len, s, (size_t)n);
    b->len += n;
}

void sb_puts(StrBuf *b, const char *s)
{
    sb_putn(b, s, (int64_t)strlen(s));
}

void sb_printf(StrBuf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    sb_reserve(b, 64);
    int n = vsnprintf(b->data + b->len, (size_t)(b->cap - b->len), fmt, ap);
    va_end(ap);
    if (n < 0) { va_end(ap2); return; }
    if (b->len + n + 1 > b->cap) {
        sb_reserve(b, n);
        vsnprintf(b->data + b->len, (size_t)(b->cap - b->len), fmt, ap2);
    }
    va_end(ap2);
    b->len += n;
}

int sb_put_value(ThreadState *ts, StrBuf *b, Value v, bool use_repr)
{
    if (!use_repr && IS_STR(v)) {
        sb_putn(b, AS_STR(v)->data, AS_STR(v)->len);
        return 0;
    }
    Value s = use_repr ? obj_repr(ts, v) : obj_str(ts, v);
    if (IS_NULL(s)) return -1;
    sb_putn(b, AS_STR(s)->data, AS_STR(s)->len);
    v_decref(s);
    return 0;
}

Obj *sb_finish(StrBuf *b)
{
    Obj *r = str_new(b->data ? b->data : "", b->len);
    free(b->data);
    sb_init(b);
    return r;
}

void sb_free(StrBuf *b)
{
    free(b->data);
    sb_init(b);
}

/* ---- helpers for the methods ---- */

/* A substring by byte range [b0, b1) of s. */
static Obj *sub_str(Str *s, int64_t b0, int64_t b1)
{
    if (b0 == 0 && b1 == s->len) { o_incref((Obj *)s); return (Obj *)s; }
    return str_new_valid(s->data + b0, b1 - b0, s->ascii ? b1 - b0 : -1);
}

/* Returns v as a Str, or raises TypeError with fmt (one %s: the type name). */
static Str *want_str(ThreadState *ts, Value v, const char *fmt)
{
    if (IS_STR(v)) return AS_STR(v);
    exc_raise(ts, &T_TypeError, fmt, obj_type_name(v));
    return NULL;
}


/* Decodes the code point ending just before byte offset *off (moving *off back). */
static uint32_t decode_back(const char *data, int64_t *off)
{
    int64_t o = *off - 1;
    while (o > 0 && ((uint8_t)data[o] & 0xC0) == 0x80) o--;
    *off = o;
    const char *p = data + o;
    return utf8_decode(&p);
}

/* Appends code point c to a builder. */
static inline void sb_putcp(StrBuf *b, uint32_t c)
{
    if (c < 0x80) { sb_putc(b, (char)c); return; }
    char buf[4];
    sb_putn(b, buf, utf8_encode(c, buf));
}

/* Finds needle in [p, p+n) from the left; returns the offset or -1. */
static int64_t find_fwd(const char *p, int64_t n, const char *nd, int64_t nn)
{
    if (nn == 0) return 0;
    if (nn > n) return -1;
    if (nn == 1) {
        const char *r = memchr(p, nd[0], (size_t)n);
        return r ? r - p : -1;
    }
    const char *r = memmem(p, (size_t)n, nd, (size_t)nn);
    return r ? r - p : -1;
}

/* Finds needle in [p, p+n) from the right; returns the offset or -1. */
static int64_t find_back(const char *p, int64_t n, const char *nd, int64_t nn)
{
    if (nn > n) return -1;
    for (int64_t i = n - nn; i >= 0; i--)
        if (p[i] == nd[0] && memcmp(p + i, nd, (size_t)nn) == 0) return i;
    return -1;
}

/* ---- type slots ---- */

static Value str_new_slot(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames)
{
    static const char *const names[] = {"object", "encoding", "errors", NULL};
    if (nargs == 1 && !kwnames) {
        /* str(x): the common case, without argument parsing. */
        Value v = args[0];
        if (IS_INT(v)) return V_OBJ(int_to_str(AS_INT(v)));
        return obj_str(ts, v);
    }
    Value a[3];
    if (arg_parse(ts, "str", args, nargs, kwnames, 0, names, a) < 0) return V_NULL;
    if (IS_NULL(a[1]) && IS_NULL(a[2])) {
        if (IS_NULL(a[0])) return V_OBJ(char_strs[128]);
        return obj_str(ts, a[0]);
    }
    const char *enc = "utf-8", *errs = "strict";
    if (!IS_NULL(a[1])) {
        if (!IS_STR(a[1]))
            return exc_raise(ts, &T_TypeError, "str() argument 'encoding' must be str, not %s",
                             obj_type_name(a[1]));
        enc = AS_STR(a[1])->data;
    }
    if (!IS_NULL(a[2])) {
        if (!IS_STR(a[2]))
            return exc_raise(ts, &T_TypeError, "str() argument 'errors' must be str, not %s",
                             obj_type_name(a[2]));
        errs = AS_STR(a[2])->data;
    }
    if (IS_NULL(a[0])) return V_OBJ(char_strs[128]);
    if (IS_STR(a[0])) return exc_raise(ts, &T_TypeError, "decoding str is not supported");
    if (!OBJ_IS(a[0], T_bytes))
        return exc_raise(ts, &T_TypeError, "decoding to str: need a bytes-like object, %s found",
                         obj_type_name(a[0]));
    Bytes *b = (Bytes *)AS_OBJ(a[0]);
    return bytes_decode(ts, b->data, b->len, enc, errs);
}

static Value str_repr_slot(ThreadState *ts, Value self) { return V_OBJ(str_repr(AS_OBJ(self))); }

static Value str_str_slot(ThreadState *ts, Value self) { return v_new(self); }

static int64_t str_hash_slot(ThreadState *ts, Value self) { return str_hash(AS_OBJ(self)); }

static Value str_richcmp(ThreadState *ts, Value a, Value b, int op)
{
    if (!IS_STR(a) || !IS_STR(b)) return V_NOTIMPL;
    Str *x = AS_STR(a), *y = AS_STR(b);
    if (op == CMP_EQ) return V_BOOL(str_eq((Obj *)x, (Obj *)y));
    if (op == CMP_NE) return V_BOOL(!str_eq((Obj *)x, (Obj *)y));
    int64_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->data, y->data, (size_t)n);
    if (c == 0) c = x->len < y->len ? -1 : x->len > y->len ? 1 : 0;
    switch (op) {
    case CMP_LT: return V_BOOL(c < 0);
    case CMP_LE: return V_BOOL(c <= 0);
    case CMP_GT: return V_BOOL(c > 0);
    default: return V_BOOL(c >= 0);
    }
}

static int64_t str_len_slot(ThreadState *ts, Value self) { return AS_STR(self)->nchars; }

static int str_truthy(ThreadState *ts, Value self) { return AS_STR(self)->len != 0; }

/* The one-character str at code point index i (already in range). */
static Obj *char_at(Str *s, int64_t i)
{
    if (s->ascii) return char_strs[(uint8_t)s->data[i]];
    int64_t off = str_offset(s, i);
    const char *p = s->data + off;
    return str_new_valid(p, seq_len((uint8_t)*p), 1);
}

static Value str_getitem(ThreadState *ts, Value self, Value key)
{
    Str *s = AS_STR(self);
    int64_t i;
    if (IS_INTLIKE(key)) {
        i = AS_INT(key);
    } else if (OBJ_IS(key, T_slice)) {
        int64_t start, stop, step, n;
        if (slice_indices(ts, AS_OBJ(key), s->nchars, &start, &stop, &step, &n) < 0) return V_NULL;
        if (n <= 0) return V_OBJ(char_strs[128]);
        if (step == 1) {
            int64_t b0 = str_offset(s, start), b1 = s->ascii ? stop : str_offset(s, stop);
            if (s->ascii) return V_OBJ(sub_str(s, start, stop));
            return V_OBJ(str_new_valid(s->data + b0, b1 - b0, n));
        }
        if (s->ascii) {
            Str *r = str_alloc(n);
            for (int64_t k = 0, j = start; k < n; k++, j += step) r->data[k] = s->data[j];
            r->nchars = n;
            r->ascii = 1;
            return V_OBJ(r);
        }
        /* walk from the first character picked, |step| characters at a time */
        StrBuf b;
        sb_init(&b);
        int64_t off = str_offset(s, start);
        for (int64_t k = 0; k < n; k++) {
            int l = seq_len((uint8_t)s->data[off]);
            sb_putn(&b, s->data + off, l);
            if (k + 1 == n) break;
            if (step > 0) off = skip_chars(s->data, off, step);
            else for (int64_t m = step; m < 0; m++) decode_back(s->data, &off);
        }
        Obj *r = str_new_valid(b.data, b.len, n);
        sb_free(&b);
        return V_OBJ(r);
    } else if (IS_OBJ(key) && !IS_NULL(type_lookup(obj_type(key), NAME(__index__)))) {
        if (arg_index(ts, key, &i) < 0) return V_NULL;
    } else {
        return exc_raise(ts, &T_TypeError, "string indices must be integers, not '%s'",
                         obj_type_name(key));
    }
    if (i < 0) i += s->nchars;
    if (i < 0 || i >= s->nchars) return exc_raise(ts, &T_IndexError, "string index out of range");
    return V_OBJ(char_at(s, i));
}

static int str_contains(ThreadState *ts, Value self, Value item)
{
    if (!IS_STR(item)) {
        exc_raise(ts, &T_TypeError, "'in <string>' requires string as left operand, not %s",
                  obj_type_name(item));
        return -1;
    }
    Str *s = AS_STR(self), *t = AS_STR(item);
    return find_fwd(s->data, s->len, t->data, t->len) >= 0;
}

static Value str_iter(ThreadState *ts, Value self)
{
    SeqIter *it = (SeqIter *)obj_alloc(&T_str_iterator, sizeof(SeqIter));
    it->seq = v_new(self);
    it->index = 0;
    return V_OBJ(it);
}

/* str iterator: index is the byte offset of the next character. */
static Value str_iter_next(ThreadState *ts, Value self)
{
    SeqIter *it = (SeqIter *)AS_OBJ(self);
    if (IS_NULL(it->seq)) return V_NULL;
    Str *s = AS_STR(it->seq);
    if (it->index >= s->len) {
        v_set(&it->seq, V_NULL);
        return V_NULL;
    }
    uint8_t c = (uint8_t)s->data[it->index];
    if (c < 0x80) { it->index++; return V_OBJ(char_strs[c]); }
    int k = seq_len(c);
    Obj *r = str_new_valid(s->data + it->index, k, 1);
    it->index += k;
    return V_OBJ(r);
}


static void str_iter_dealloc(Obj *self) { v_decref(((SeqIter *)self)->seq); }

/* s * n for a str (n may be negative). */
static Value str_repeat(ThreadState *ts, Str *s, int64_t n)
{
    if (n <= 0 || s->len == 0) return V_OBJ(char_strs[128]);
    if (n == 1) return v_new(V_OBJ(s));
    /* too many characters is an OverflowError, too many bytes a MemoryError (as CPython) */
    if (s->nchars > INT64_MAX / n) return exc_raise(ts, &T_OverflowError, "repeated string is too long");
    if (s->len > STR_MAX_BYTES / n) return str_no_memory(ts);
    int64_t total = s->len * n;
    Str *r = str_try_alloc(ts, total);
    if (!r) return V_NULL;
    if (s->len == 1) memset(r->data, s->data[0], (size_t)total);
    else {
        memcpy(r->data, s->data, (size_t)s->len);
        int64_t done = s->len;
        while (done < total) {
            int64_t k = done <= total - done ? done : total - done;
            memcpy(r->data + done, r->data, (size_t)k);
            done += k;
        }
    }
    r->nchars = s->nchars * n;
    r->ascii = s->ascii;
    return V_OBJ(r);
}

/* Whether v's type is a class defining the reflected dunder rname. */
static bool has_reflected(Value v, Obj *rname)
{
    if (!IS_OBJ(v)) return false;
    Type *t = obj_type(v);
    return (t->flags & TF_HEAPTYPE) && !IS_NULL(type_lookup(t, rname));
}

static Value str_binop(ThreadState *ts, Value a, Value b, int op)
{
    op &= ~BINOP_INPLACE;
    switch (op) {
    case BINOP_ADD:
        if (!IS_STR(a)) return V_NOTIMPL;
        if (IS_STR(b)) return V_OBJ(str_concat(AS_OBJ(a), AS_OBJ(b)));
        if (has_reflected(b, NAME(__radd__))) return V_NOTIMPL;
        return exc_raise(ts, &T_TypeError, "can only concatenate str (not \"%s\") to str",
                         obj_type_name(b));
    case BINOP_MUL: {
        Value s = IS_STR(a) ? a : b, n = IS_STR(a) ? b : a;
        if (IS_STR(n) && IS_STR(a)) {
            if (has_reflected(n, NAME(__rmul__))) return V_NOTIMPL;
            return exc_raise(ts, &T_TypeError, "can't multiply sequence by non-int of type '%s'",
                             obj_type_name(n));
        }
        int64_t k;
        if (IS_INTLIKE(n)) k = AS_INT(n);
        else {
            if (IS_STR(a) ? has_reflected(n, NAME(__rmul__)) : has_reflected(n, NAME(__mul__)))
                return V_NOTIMPL;
            if (IS_OBJ(n) && !IS_NULL(type_lookup(obj_type(n), NAME(__index__)))) {
                if (arg_index(ts, n, &k) < 0) return V_NULL;
            } else {
                return exc_raise(ts, &T_TypeError, "can't multiply sequence by non-int of type '%s'",
                                 obj_type_name(n));
            }
        }
        return str_repeat(ts, AS_STR(s), k);
    }
    case BINOP_MOD:
        if (!IS_STR(a)) return V_NOTIMPL;
        if (has_reflected(b, NAME(__rmod__))) return V_NOTIMPL;
        return fmt_percent(ts, AS_OBJ(a), b);
    default:
        return V_NOTIMPL;
    }
}

/* ---- methods ---- */

#define SELF (AS_STR(args[0]))

/* Parses the (sub[, start[, end]]) arguments of find/count/index: the needle and the
 * byte range; *empty set when start > end after adjustment; char start in *cstart. */
static int parse_sub_range(ThreadState *ts, const char *name, const char *qual, Value *args,
                           int nargs, Obj *kw, Str **sub, int64_t *b0, int64_t *b1,
                           int64_t *cstart, int64_t *cend, bool *empty)
{
    if (arg_range(ts, name, qual, nargs - 1, kw, 1, 3, 1) < 0) return -1;
    Str *s = SELF;
    *sub = want_str(ts, args[1], "must be str, not %s");
    if (!*sub) return -1;
    int64_t start = 0, end = INT64_MAX;
    if (nargs > 2 && arg_slice_bound(ts, args[2], &start) < 0) return -1;
    if (nargs > 3 && arg_slice_bound(ts, args[3], &end) < 0) return -1;
    arg_adjust(&start, &end, s->nchars);
    *cstart = start;
    *cend = end;
    *empty = start > end;
    if (*empty) { *b0 = *b1 = 0; return 0; }
    *b0 = str_offset(s, start);
    *b1 = s->ascii ? end : str_offset(s, end);
    return 0;
}

/* find/rfind/index/rindex core: returns the char index or -1; -2 on error. */
static int64_t find_impl(ThreadState *ts, Value *args, int nargs, Obj *kw, const char *name,
                         const char *qual, bool back)
{
    Str *sub;
    int64_t b0, b1, c0, c1;
    bool empty;
    if (parse_sub_range(ts, name, qual, args, nargs, kw, &sub, &b0, &b1, &c0, &c1, &empty) < 0)
        return -2;
    if (empty) return -1;
    Str *s = SELF;
    int64_t r = back ? find_back(s->data + b0, b1 - b0, sub->data, sub->len)
                     : find_fwd(s->data + b0, b1 - b0, sub->data, sub->len);
    if (r < 0) return -1;
    return char_index(s, b0 + r);
}

static Value m_find(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    int64_t r = find_impl(ts, args, nargs, kw, "find", "str.find", false);
    return r == -2 ? V_NULL : V_INT(r);
}

static Value m_rfind(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    int64_t r = find_impl(ts, args, nargs, kw, "rfind", "str.rfind", true);
    return r == -2 ? V_NULL : V_INT(r);
}

static Value m_index(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    int64_t r = find_impl(ts, args, nargs, kw, "index", "str.index", false);
    if (r == -2) return V_NULL;
    if (r == -1) return exc_raise(ts, &T_ValueError, "substring not found");
    return V_INT(r);
}

static Value m_rindex(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    int64_t r = find_impl(ts, args, nargs, kw, "rindex", "str.rindex", true);
    if (r == -2) return V_NULL;
    if (r == -1) return exc_raise(ts, &T_ValueError, "substring not found");
    return V_INT(r);
}

static Value m_count(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    Str *sub;
    int64_t b0, b1, c0, c1;
    bool empty;
    if (parse_sub_range(ts, "count", "str.count", args, nargs, kw, &sub, &b0, &b1, &c0, &c1, &empty) < 0)
        return V_NULL;
    if (empty) return V_INT(0);
    if (sub->len == 0) return V_INT(c1 - c0 + 1);
    Str *s = SELF;
    int64_t n = 0, pos = b0;
    for (;;) {
        int64_t r = find_fwd(s->data + pos, b1 - pos, sub->data, sub->len);
        if (r < 0) break;
        n++;
        pos += r + sub->len;
    }
    return V_INT(n);
}

/* Parses (sep=None, maxsplit=-1) for split/rsplit; *sep NULL for whitespace. */
static int parse_split(ThreadState *ts, const char *name, Value *args, int nargs, Obj *kw,
                       Str **sep, int64_t *maxsplit)
{
    static const char *const names[] = {"sep", "maxsplit", NULL};
    Value a[2];
    if (arg_parse(ts, name, args + 1, nargs - 1, kw, 0, names, a) < 0) return -1;
    *sep = NULL;
    *maxsplit = -1;
    if (!IS_NULL(a[0]) && !IS_NONE(a[0])) {
        *sep = want_str(ts, a[0], "must be str or None, not %s");
        if (!*sep) return -1;
        if ((*sep)->len == 0) { exc_raise(ts, &T_ValueError, "empty separator"); return -1; }
    }
    if (!IS_NULL(a[1]) && arg_index(ts, a[1], maxsplit) < 0) return -1;
    if (*maxsplit < 0) *maxsplit = INT64_MAX;
    return 0;
}

/* Length of the whitespace code point at p (0 if none). */
static inline int space_at(const char *p, const char *end)
{
    uint8_t c = (uint8_t)*p;
    if (c < 0x80) return (c == ' ' || (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x1f)) ? 1 : 0;
    if (end - p < seq_len(c)) return 0;
    const char *q = p;
    uint32_t cp = utf8_decode(&q);
    return uni_isspace(cp) ? (int)(q - p) : 0;
}

/* Whether the code point ending just before p (p > start) is whitespace; its length. */
static inline int space_before(const char *start, const char *p)
{
    uint8_t c = (uint8_t)p[-1];
    if (c < 0x80) return (c == ' ' || (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x1f)) ? 1 : 0;
    int64_t off = p - start;
    uint32_t cp = decode_back(start, &off);
    return uni_isspace(cp) ? (int)((p - start) - off) : 0;
}

static Value m_split(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    Str *sep;
    int64_t maxsplit;
    if (parse_split(ts, "split", args, nargs, kw, &sep, &maxsplit) < 0) return V_NULL;
    Str *s = SELF;
    Obj *list = list_new(0);
    const char *d = s->data, *end = d + s->len;
    if (!sep) {
        const char *p = d;
        int64_t n = 0;
        for (;;) {
            int k;
            while (p < end && (k = space_at(p, end))) p += k;
            if (p >= end) break;
            if (n >= maxsplit) {
                const char *e = end;
                while (e > p && (k = space_before(d, e))) e -= k;
                list_append_steal(list, V_OBJ(sub_str(s, p - d, e - d)));
                break;
            }
            const char *q = p;
            while (q < end && !space_at(q, end)) q += seq_len((uint8_t)*q);
            list_append_steal(list, V_OBJ(sub_str(s, p - d, q - d)));
            n++;
            p = q;
        }
        return V_OBJ(list);
    }
    int64_t pos = 0, n = 0;
    while (n < maxsplit) {
        int64_t r = find_fwd(d + pos, s->len - pos, sep->data, sep->len);
        if (r < 0) break;
        list_append_steal(list, V_OBJ(sub_str(s, pos, pos + r)));
        pos += r + sep->len;
        n++;
    }
    list_append_steal(list, V_OBJ(sub_str(s, pos, s->len)));
    return V_OBJ(list);
}

/* Reverses a list in place (rsplit builds right to left). */
static void list_reverse_items(Obj *l)
{
    List *x = (List *)l;
    for (int64_t i = 0, j = x->len - 1; i < j; i++, j--) {
        Value t = x->items[i];
        x->items[i] = x->items[j];
        x->items[j] = t;
    }
}

static Value m_rsplit(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    Str *sep;
    int64_t maxsplit;
    if (parse_split(ts, "rsplit", args, nargs, kw, &sep, &maxsplit) < 0) return V_NULL;
    Str *s = SELF;
    Obj *list = list_new(0);
    const char *d = s->data;
    if (!sep) {
        const char *e = d + s->len;
        int64_t n = 0;
        for (;;) {
            int k;
            while (e > d && (k = space_before(d, e))) e -= k;
            if (e <= d) break;
            if (n >= maxsplit) {
                const char *p = d;
                while (p < e && (k = space_at(p, e))) p += k;
                list_append_steal(list, V_OBJ(sub_str(s, p - d, e - d)));
                break;
            }
            const char *q = e;
            while (q > d && !space_before(d, q)) {
                q--;
                while (q > d && ((uint8_t)*q & 0xC0) == 0x80) q--;
            }
            list_append_steal(list, V_OBJ(sub_str(s, q - d, e - d)));
            n++;
            e = q;
        }
        list_reverse_items(list);
        return V_OBJ(list);
    }
    int64_t end = s->len, n = 0;
    while (n < maxsplit) {
        int64_t r = find_back(d, end, sep->data, sep->len);
        if (r < 0) break;
        list_append_steal(list, V_OBJ(sub_str(s, r + sep->len, end)));
        end = r;
        n++;
    }
    list_append_steal(list, V_OBJ(sub_str(s, 0, end)));
    list_reverse_items(list);
    return V_OBJ(list);
}

static Value m_splitlines(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    static const char *const names[] = {"keepends", NULL};
    Value a[1];
    if (arg_parse(ts, "splitlines", args + 1, nargs - 1, kw, 0, names, a) < 0) return V_NULL;
    int keep = 0;
    if (!IS_NULL(a[0])) {
        if (IS_FLOAT(a[0]))
            return exc_raise(ts, &T_TypeError, "'float' object cannot be interpreted as an integer");
        keep = obj_truthy(ts, a[0]);
        if (keep < 0) return V_NULL;
    }
    Str *s = SELF;
    Obj *list = list_new(0);
    const char *d = s->data, *end = d + s->len, *p = d, *line = d;
    while (p < end) {
        const char *q = p;
        uint32_t c = (uint8_t)*p < 0x80 ? (uint32_t)(uint8_t)*q++ : utf8_decode(&q);
        if (uni_islinebreak(c)) {
            const char *eol = p;
            if (c == '\r' && q < end && *q == '\n') q++;
            list_append_steal(list, V_OBJ(sub_str(s, line - d, (keep ? q : eol) - d)));
            line = q;
        }
        p = q;
    }
    if (line < end) list_append_steal(list, V_OBJ(sub_str(s, line - d, end - d)));
    return V_OBJ(list);
}

static Value m_join(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    if (arg_one(ts, "str.join", nargs - 1, kw) < 0) return V_NULL;
    Str *sep = SELF;
    Value seq = args[1], tmp = V_NULL;
    Value *items;
    int64_t n;
    if (IS_LIST(seq)) { items = AS_LIST(seq)->items; n = AS_LIST(seq)->len; }
    else if (IS_TUPLE(seq)) { items = AS_TUPLE(seq)->items; n = AS_TUPLE(seq)->len; }
    else {
        Value it = obj_iter(ts, seq);
        if (IS_NULL(it)) {
            if (exc_matches(ts, &T_TypeError)) {
                exc_clear(ts);
                exc_raise(ts, &T_TypeError, "can only join an iterable");
            }
            return V_NULL;
        }
        Obj *l = list_new(0);
        for (;;) {
            Value x = obj_next(ts, it);
            if (IS_NULL(x)) break;
            list_append_steal(l, x);
        }
        v_decref(it);
        if (!IS_NULL(ts->exc)) { o_decref(l); return V_NULL; }
        tmp = V_OBJ(l);
        items = ((List *)l)->items;
        n = ((List *)l)->len;
    }
    if (n == 0) { v_decref(tmp); return V_OBJ(char_strs[128]); }
    if (n == 1 && IS_STR(items[0])) {
        Value r = v_new(items[0]);
        v_decref(tmp);
        return r;
    }
    /* too many characters is an OverflowError, too many bytes a MemoryError (as CPython) */
    int64_t total, nch;
    bool too_long = __builtin_mul_overflow(sep->nchars, n - 1, &nch);
    bool too_big = __builtin_mul_overflow(sep->len, n - 1, &total);
    for (int64_t i = 0; i < n; i++) {
        if (!IS_STR(items[i])) {
            exc_raise(ts, &T_TypeError, "sequence item %lld: expected str instance, %s found",
                      (long long)i, obj_type_name(items[i]));
            v_decref(tmp);
            return V_NULL;
        }
        too_big |= __builtin_add_overflow(total, AS_STR(items[i])->len, &total);
        too_long |= __builtin_add_overflow(nch, AS_STR(items[i])->nchars, &nch);
    }
    Str *r = NULL;
    if (too_long) exc_raise(ts, &T_OverflowError, "join() result is too long for a Python string");
    else if (too_big) str_no_memory(ts);
    else r = str_try_alloc(ts, total);
    if (!r) { v_decref(tmp); return V_NULL; }
    char *p = r->data;
    for (int64_t i = 0; i < n; i++) {
        if (i && sep->len) {
            if (sep->len == 1) *p++ = sep->data[0];
            else { memcpy(p, sep->data, (size_t)sep->len); p += sep->len; }
        }
        Str *x = AS_STR(items[i]);
        memcpy(p, x->data, (size_t)x->len);
        p += x->len;
    }
    r->nchars = nch;
    r->ascii = nch == total;
    v_decref(tmp);
    return V_OBJ(r);
}

/* Whether code point c is in the strip set chars (NULL: whitespace). */
static bool in_strip_set(Str *chars, uint32_t c)
{
    if (!chars) return uni_isspace(c);
    if (c < 0x80) return memchr(chars->data, (int)c, (size_t)chars->len) != NULL;
    const char *p = chars->data, *end = p + chars->len;
    while (p < end) if (utf8_decode(&p) == c) return true;
    return false;
}

/* strip core: which 1 left, 2 right, 3 both. */
static Value strip_impl(ThreadState *ts, Value *args, int nargs, Obj *kw, const char *name, int which)
{
    if (arg_range(ts, name, name, nargs - 1, kw, 0, 1, 0) < 0) return V_NULL;
    Str *chars = NULL;
    if (nargs > 1 && !IS_NONE(args[1])) {
        if (!IS_STR(args[1])) return exc_raise(ts, &T_TypeError, "%s arg must be None or str", name);
        chars = AS_STR(args[1]);
    }
    Str *s = SELF;
    const char *d = s->data;
    int64_t b0 = 0, b1 = s->len;
    if (which & 1) {
        while (b0 < b1) {
            const char *p = d + b0;
            uint32_t c = utf8_decode(&p);
            if (!in_strip_set(chars, c)) break;
            b0 = p - d;
        }
    }
    if (which & 2) {
        while (b1 > b0) {
            int64_t o = b1;
            uint32_t c = decode_back(d, &o);
            if (!in_strip_set(chars, c)) break;
            b1 = o;
        }
    }
    return V_OBJ(sub_str(s, b0, b1));
}

static Value m_strip(ThreadState *ts, Value *a, int n, Obj *kw) { return strip_impl(ts, a, n, kw, "strip", 3); }
static Value m_lstrip(ThreadState *ts, Value *a, int n, Obj *kw) { return strip_impl(ts, a, n, kw, "lstrip", 1); }
static Value m_rstrip(ThreadState *ts, Value *a, int n, Obj *kw) { return strip_impl(ts, a, n, kw, "rstrip", 2); }

static Value m_replace(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    if (arg_range(ts, "replace", "str.replace", nargs - 1, kw, 2, 3, 0) < 0) return V_NULL;
    Str *old = want_str(ts, args[1], "replace() argument 1 must be str, not %s");
    if (!old) return V_NULL;
    Str *new_ = want_str(ts, args[2], "replace() argument 2 must be str, not %s");
    if (!new_) return V_NULL;
    int64_t count = -1;
    if (nargs > 3 && arg_index(ts, args[3], &count) < 0) return V_NULL;
    if (count < 0) count = INT64_MAX;
    Str *s = SELF;
    StrBuf b;
    sb_init(&b);
    int64_t k = 0;
    if (new_->len > old->len) {
        /* a growing result is measured first, so a huge one fails at once (as CPython) */
        int64_t n = 0, pos = 0, total, nch;
        if (old->len == 0) n = s->nchars + 1 < count ? s->nchars + 1 : count;
        else {
            while (n < count) {
                int64_t r = find_fwd(s->data + pos, s->len - pos, old->data, old->len);
                if (r < 0) break;
                pos += r + old->len;
                n++;
            }
        }
        if (__builtin_mul_overflow(n, new_->nchars - old->nchars, &nch) ||
            __builtin_add_overflow(nch, s->nchars, &nch))
            return exc_raise(ts, &T_OverflowError, "replace string is too long");
        if (__builtin_mul_overflow(n, new_->len - old->len, &total) ||
            __builtin_add_overflow(total, s->len, &total))
            return str_no_memory(ts);
        if (sb_try_reserve(ts, &b, total) < 0) return V_NULL;
    }
    if (old->len == 0) {
        const char *p = s->data, *end = p + s->len;
        if (count > 0) { sb_putn(&b, new_->data, new_->len); k++; }
        while (p < end) {
            int l = seq_len((uint8_t)*p);
            sb_putn(&b, p, l);
            p += l;
            if (k < count) { sb_putn(&b, new_->data, new_->len); k++; }
        }
    } else {
        int64_t pos = 0;
        while (k < count) {
            int64_t r = find_fwd(s->data + pos, s->len - pos, old->data, old->len);
            if (r < 0) break;
            sb_putn(&b, s->data + pos, r);
            sb_putn(&b, new_->data, new_->len);
            pos += r + old->len;
            k++;
        }
        if (k == 0) { sb_free(&b); return v_new(args[0]); }
        sb_putn(&b, s->data + pos, s->len - pos);
    }
    Obj *r = str_new_valid(b.data ? b.data : "", b.len, s->nchars + k * (new_->nchars - old->nchars));
    sb_free(&b);
    return V_OBJ(r);
}

/* startswith/endswith core. */
static Value tail_impl(ThreadState *ts, Value *args, int nargs, Obj *kw, const char *name, bool end)
{
    if (arg_range(ts, name, name, nargs - 1, kw, 1, 3, 0) < 0) return V_NULL;
    Str *s = SELF;
    int64_t start = 0, stop = INT64_MAX;
    if (nargs > 2 && arg_slice_bound(ts, args[2], &start) < 0) return V_NULL;
    if (nargs > 3 && arg_slice_bound(ts, args[3], &stop) < 0) return V_NULL;
    arg_adjust(&start, &stop, s->nchars);
    Value pre = args[1];
    Value *cands = &pre;
    int64_t nc = 1;
    if (IS_TUPLE(pre)) { cands = AS_TUPLE(pre)->items; nc = AS_TUPLE(pre)->len; }
    else if (!IS_STR(pre))
        return exc_raise(ts, &T_TypeError, "%s first arg must be str or a tuple of str, not %s",
                         name, obj_type_name(pre));
    for (int64_t i = 0; i < nc; i++) {
        if (!IS_STR(cands[i]))
            return exc_raise(ts, &T_TypeError, "tuple for %s must only contain str, not %s", name,
                             obj_type_name(cands[i]));
        Str *p = AS_STR(cands[i]);
        if (stop - start < p->nchars || start > s->nchars) continue;
        if (p->len == 0) return V_TRUE;
        int64_t b0 = str_offset(s, start), b1 = str_offset(s, stop);
        if (b1 - b0 < p->len) continue;
        const char *at = end ? s->data + b1 - p->len : s->data + b0;
        if (memcmp(at, p->data, (size_t)p->len) == 0) return V_TRUE;
    }
    return V_FALSE;
}

static Value m_startswith(ThreadState *ts, Value *a, int n, Obj *kw) { return tail_impl(ts, a, n, kw, "startswith", false); }
static Value m_endswith(ThreadState *ts, Value *a, int n, Obj *kw) { return tail_impl(ts, a, n, kw, "endswith", true); }

/* Case-mapping kinds for case_impl. */
enum { CASE_UPPER, CASE_LOWER, CASE_SWAP, CASE_CAP, CASE_TITLE, CASE_FOLD };

/* Whether the Greek capital sigma at byte offset off of s is word-final. */
static bool final_sigma(Str *s, int64_t off, int64_t next)
{
    if (off == 0) return false;
    int64_t o = off;
    uint32_t prev = decode_back(s->data, &o);
    if (!uni_iscased(prev)) return false;
    if (next >= s->len) return true;
    const char *p = s->data + next;
    return !uni_iscased(utf8_decode(&p));
}

/* upper/lower/swapcase/capitalize/title/casefold. */
static Value case_impl(ThreadState *ts, Value *args, int nargs, Obj *kw, const char *qual, int kind)
{
    if (arg_none(ts, qual, nargs - 1, kw) < 0) return V_NULL;
    Str *s = SELF;
    if (s->ascii) {
        Str *r = str_alloc(s->len);
        bool prev_cased = false;
        for (int64_t i = 0; i < s->len; i++) {
            char c = s->data[i];
            bool up = c >= 'A' && c <= 'Z', lo = c >= 'a' && c <= 'z';
            switch (kind) {
            case CASE_UPPER: if (lo) c -= 32; break;
            case CASE_LOWER: case CASE_FOLD: if (up) c += 32; break;
            case CASE_SWAP: if (lo) c -= 32; else if (up) c += 32; break;
            case CASE_CAP:
                if (i == 0) { if (lo) c -= 32; }
                else if (up) c += 32;
                break;
            case CASE_TITLE:
                if (prev_cased) { if (up) c += 32; }
                else if (lo) c -= 32;
                prev_cased = up || lo;
                break;
            }
            r->data[i] = c;
        }
        r->nchars = s->len;
        r->ascii = 1;
        return V_OBJ(r);
    }
    StrBuf b;
    sb_init(&b);
    const char *p = s->data, *end = p + s->len;
    bool prev_cased = false, first = true;
    while (p < end) {
        int64_t off = p - s->data;
        uint32_t c = utf8_decode(&p), out[3];
        int n = 1;
        out[0] = c;
        switch (kind) {
        case CASE_UPPER: n = uni_upper_full(c, out); break;
        case CASE_LOWER:
            if (c == 0x3a3) out[0] = final_sigma(s, off, p - s->data) ? 0x3c2 : 0x3c3;
            else n = uni_lower_full(c, out);
            break;
        case CASE_FOLD: n = uni_fold_full(c, out); break;
        case CASE_SWAP:
            if (uni_isupper(c)) {
                if (c == 0x3a3) out[0] = final_sigma(s, off, p - s->data) ? 0x3c2 : 0x3c3;
                else n = uni_lower_full(c, out);
            } else if (uni_islower(c)) n = uni_upper_full(c, out);
            break;
        case CASE_CAP:
            if (first) n = uni_title_full(c, out);
            else if (c == 0x3a3) out[0] = final_sigma(s, off, p - s->data) ? 0x3c2 : 0x3c3;
            else n = uni_lower_full(c, out);
            break;
        case CASE_TITLE:
            if (prev_cased) {
                if (c == 0x3a3) out[0] = final_sigma(s, off, p - s->data) ? 0x3c2 : 0x3c3;
                else n = uni_lower_full(c, out);
            } else n = uni_title_full(c, out);
            prev_cased = uni_iscased(c);
            break;
        }
        first = false;
        for (int i = 0; i < n; i++) sb_putcp(&b, out[i]);
    }
    Obj *r = str_new_valid(b.data ? b.data : "", b.len, -1);
    sb_free(&b);
    return V_OBJ(r);
}

static Value m_upper(ThreadState *ts, Value *a, int n, Obj *kw) { return case_impl(ts, a, n, kw, "str.upper", CASE_UPPER); }
static Value m_lower(ThreadState *ts, Value *a, int n, Obj *kw) { return case_impl(ts, a, n, kw, "str.lower", CASE_LOWER); }
static Value m_swapcase(ThreadState *ts, Value *a, int n, Obj *kw) { return case_impl(ts, a, n, kw, "str.swapcase", CASE_SWAP); }
static Value m_capitalize(ThreadState *ts, Value *a, int n, Obj *kw) { return case_impl(ts, a, n, kw, "str.capitalize", CASE_CAP); }
static Value m_title(ThreadState *ts, Value *a, int n, Obj *kw) { return case_impl(ts, a, n, kw, "str.title", CASE_TITLE); }
static Value m_casefold(ThreadState *ts, Value *a, int n, Obj *kw) { return case_impl(ts, a, n, kw, "str.casefold", CASE_FOLD); }

/* Predicate kinds for pred_impl. */
enum { P_DIGIT, P_DECIMAL, P_NUMERIC, P_ALPHA, P_ALNUM, P_SPACE, P_ASCII, P_PRINTABLE };

/* isdigit/isalpha/...: every character satisfies the class (and the str is non-empty). */
static Value pred_impl(ThreadState *ts, Value *args, int nargs, Obj *kw, const char *qual, int kind)
{
    if (arg_none(ts, qual, nargs - 1, kw) < 0) return V_NULL;
    Str *s = SELF;
    if (kind == P_ASCII) return V_BOOL(s->ascii);
    if (s->len == 0) return V_BOOL(kind == P_PRINTABLE);
    const char *p = s->data, *end = p + s->len;
    while (p < end) {
        uint32_t c = utf8_decode(&p);
        bool ok;
        switch (kind) {
        case P_DIGIT: ok = uni_isdigit(c); break;
        case P_DECIMAL: ok = uni_isdecimal(c); break;
        case P_NUMERIC: ok = uni_isnumeric(c); break;
        case P_ALPHA: ok = uni_isalpha(c); break;
        case P_ALNUM: ok = uni_isalpha(c) || uni_isnumeric(c); break;
        case P_SPACE: ok = uni_isspace(c); break;
        default: ok = uni_isprintable(c); break;
        }
        if (!ok) return V_FALSE;
    }
    return V_TRUE;
}

static Value m_isdigit(ThreadState *ts, Value *a, int n, Obj *kw) { return pred_impl(ts, a, n, kw, "str.isdigit", P_DIGIT); }
static Value m_isdecimal(ThreadState *ts, Value *a, int n, Obj *kw) { return pred_impl(ts, a, n, kw, "str.isdecimal", P_DECIMAL); }
static Value m_isnumeric(ThreadState *ts, Value *a, int n, Obj *kw) { return pred_impl(ts, a, n, kw, "str.isnumeric", P_NUMERIC); }
static Value m_isalpha(ThreadState *ts, Value *a, int n, Obj *kw) { return pred_impl(ts, a, n, kw, "str.isalpha", P_ALPHA); }
static Value m_isalnum(ThreadState *ts, Value *a, int n, Obj *kw) { return pred_impl(ts, a, n, kw, "str.isalnum", P_ALNUM); }
static Value m_isspace(ThreadState *ts, Value *a, int n, Obj *kw) { return pred_impl(ts, a, n, kw, "str.isspace", P_SPACE); }
static Value m_isascii(ThreadState *ts, Value *a, int n, Obj *kw) { return pred_impl(ts, a, n, kw, "str.isascii", P_ASCII); }
static Value m_isprintable(ThreadState *ts, Value *a, int n, Obj *kw) { return pred_impl(ts, a, n, kw, "str.isprintable", P_PRINTABLE); }

/* isupper (upper true) / islower (upper false). */
static Value case_pred(ThreadState *ts, Value *args, int nargs, Obj *kw, const char *qual, bool upper)
{
    if (arg_none(ts, qual, nargs - 1, kw) < 0) return V_NULL;
    Str *s = SELF;
    const char *p = s->data, *end = p + s->len;
    bool cased = false;
    while (p < end) {
        uint32_t c = utf8_decode(&p);
        bool u = uni_isupper(c), l = uni_islower(c);
        if (upper ? (l || uni_istitle(c)) : (u || uni_istitle(c))) return V_FALSE;
        if (upper ? u : l) cased = true;
    }
    return V_BOOL(cased);
}

static Value m_isupper(ThreadState *ts, Value *a, int n, Obj *kw) { return case_pred(ts, a, n, kw, "str.isupper", true); }
static Value m_islower(ThreadState *ts, Value *a, int n, Obj *kw) { return case_pred(ts, a, n, kw, "str.islower", false); }

static Value m_istitle(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    if (arg_none(ts, "str.istitle", nargs - 1, kw) < 0) return V_NULL;
    Str *s = SELF;
    const char *p = s->data, *end = p + s->len;
    bool cased = false, prev_cased = false;
    while (p < end) {
        uint32_t c = utf8_decode(&p);
        if (uni_isupper(c) || uni_istitle(c)) {
            if (prev_cased) return V_FALSE;
            prev_cased = cased = true;
        } else if (uni_islower(c)) {
            if (!prev_cased) return V_FALSE;
            prev_cased = cased = true;
        } else prev_cased = false;
    }
    return V_BOOL(cased);
}

static Value m_isidentifier(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    if (arg_none(ts, "str.isidentifier", nargs - 1, kw) < 0) return V_NULL;
    Str *s = SELF;
    if (s->len == 0) return V_FALSE;
    const char *p = s->data, *end = p + s->len;
    bool first = true;
    while (p < end) {
        uint32_t c = utf8_decode(&p);
        bool ok = c == '_' || uni_isalpha(c) || (!first && (uni_isdecimal(c) || uni_isdigit(c)));
        if (!ok && !first && (c == 0xb7 || (c >= 0x300 && c <= 0x36f))) ok = true;
        if (!ok) return V_FALSE;
        first = false;
    }
    return V_TRUE;
}

static Value m_format(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    return fmt_str_format(ts, AS_OBJ(args[0]), args + 1, nargs - 1, kw);
}

static Value m_dunder_format(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    if (arg_range(ts, "__format__", "str.__format__", nargs - 1, kw, 1, 1, 0) < 0) return V_NULL;
    if (!IS_STR(args[1]))
        return exc_raise(ts, &T_TypeError, "__format__() argument must be str, not %s",
                         obj_type_name(args[1]));
    return fmt_format(ts, args[0], AS_OBJ(args[1]));
}

static Value m_encode(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    static const char *const names[] = {"encoding", "errors", NULL};
    Value a[2];
    if (arg_parse(ts, "encode", args + 1, nargs - 1, kw, 0, names, a) < 0) return V_NULL;
    const char *enc = "utf-8", *errs = "strict";
    if (!IS_NULL(a[0])) {
        if (!IS_STR(a[0]))
            return exc_raise(ts, &T_TypeError, "encode() argument 'encoding' must be str, not %s",
                             obj_type_name(a[0]));
        enc = AS_STR(a[0])->data;
    }
    if (!IS_NULL(a[1])) {
        if (!IS_STR(a[1]))
            return exc_raise(ts, &T_TypeError, "encode() argument 'errors' must be str, not %s",
                             obj_type_name(a[1]));
        errs = AS_STR(a[1])->data;
    }
    return str_encode(ts, AS_OBJ(args[0]), enc, errs);
}

Value str_encode(ThreadState *ts, Obj *so, const char *encoding, const char *errors)
{
    Str *s = (Str *)so;
    int id = uni_codec(encoding);
    if (id < 0) return exc_raise(ts, &T_LookupError, "unknown encoding: %s", encoding);
    if (id == 0 || s->ascii) return V_OBJ(bytes_new(s->data, s->len));
    uint32_t limit = id == 1 ? 128 : 256;
    const char *cname = id == 1 ? "ascii" : "latin-1";
    StrBuf b;
    sb_init(&b);
    const char *p = s->data, *end = p + s->len;
    int64_t pos = 0;
    while (p < end) {
        uint32_t c = utf8_decode(&p);
        if (c < limit) sb_putc(&b, (char)c);
        else if (!strcmp(errors, "ignore")) { }
        else if (!strcmp(errors, "replace")) sb_putc(&b, '?');
        else if (!strcmp(errors, "backslashreplace")) {
            if (c < 0x100) sb_printf(&b, "\\x%02x", c);
            else if (c < 0x10000) sb_printf(&b, "\\u%04x", c);
            else sb_printf(&b, "\\U%08x", c);
        } else if (!strcmp(errors, "xmlcharrefreplace")) sb_printf(&b, "&#%u;", c);
        else if (!strcmp(errors, "strict")) {
            /* Find the run of unencodable characters, as CPython reports it. */
            int64_t endpos = pos + 1;
            const char *q = p;
            while (q < end) {
                const char *q0 = q;
                if (utf8_decode(&q) < limit) { q = q0; break; }
                endpos++;
            }
            sb_free(&b);
            char cbuf[16];
            if (c < 0x100) snprintf(cbuf, sizeof cbuf, "\\x%02x", c);
            else if (c < 0x10000) snprintf(cbuf, sizeof cbuf, "\\u%04x", c);
            else snprintf(cbuf, sizeof cbuf, "\\U%08x", c);
            if (endpos - pos == 1)
                return exc_raise(ts, &T_UnicodeEncodeError,
                                 "'%s' codec can't encode character '%s' in position %lld: ordinal not in range(%u)",
                                 cname, cbuf, (long long)pos, limit);
            return exc_raise(ts, &T_UnicodeEncodeError,
                             "'%s' codec can't encode characters in position %lld-%lld: ordinal not in range(%u)",
                             cname, (long long)pos, (long long)endpos - 1, limit);
        } else {
            sb_free(&b);
            return exc_raise(ts, &T_LookupError, "unknown error handler name '%s'", errors);
        }
        pos++;
    }
    Obj *r = bytes_new(b.data ? b.data : "", b.len);
    sb_free(&b);
    return V_OBJ(r);
}

/* Reads a width argument and an optional fill character for center/ljust/rjust. */
static int pad_args(ThreadState *ts, Value *args, int nargs, Obj *kw, const char *name,
                    int64_t *width, const char **fill, int *filllen)
{
    char qual[32];
    snprintf(qual, sizeof qual, "str.%s", name);
    if (arg_range(ts, name, qual, nargs - 1, kw, 1, 2, 0) < 0) return -1;
    if (arg_index(ts, args[1], width) < 0) return -1;
    *fill = " ";
    *filllen = 1;
    if (nargs > 2) {
        if (!IS_STR(args[2])) {
            exc_raise(ts, &T_TypeError, "The fill character must be a unicode character, not %s",
                      obj_type_name(args[2]));
            return -1;
        }
        if (AS_STR(args[2])->nchars != 1) {
            exc_raise(ts, &T_TypeError, "The fill character must be exactly one character long");
            return -1;
        }
        *fill = AS_STR(args[2])->data;
        *filllen = (int)AS_STR(args[2])->len;
    }
    return 0;
}

/* s padded with left and right copies of fill (left + right + s->nchars fits an int64). */
static Value pad(ThreadState *ts, Str *s, int64_t left, int64_t right, const char *fill, int filllen)
{
    int64_t total;
    if (__builtin_mul_overflow(left + right, (int64_t)filllen, &total) ||
        __builtin_add_overflow(total, s->len, &total))
        return str_no_memory(ts);
    Str *r = str_try_alloc(ts, total);
    if (!r) return V_NULL;
    char *p = r->data;
    str_fill(p, fill, filllen, left);
    p += left * filllen;
    memcpy(p, s->data, (size_t)s->len);
    p += s->len;
    str_fill(p, fill, filllen, right);
    r->nchars = s->nchars + left + right;
    r->ascii = r->nchars == total;
    return V_OBJ(r);
}

/* center (0), ljust (1), rjust (2). */
static Value just_impl(ThreadState *ts, Value *args, int nargs, Obj *kw, const char *name, int kind)
{
    int64_t width;
    const char *fill;
    int fl;
    if (pad_args(ts, args, nargs, kw, name, &width, &fill, &fl) < 0) return V_NULL;
    Str *s = SELF;
    if (width <= s->nchars) return v_new(args[0]);
    int64_t marg = width - s->nchars, left;
    if (kind == 0) left = marg / 2 + (marg & width & 1);
    else if (kind == 1) left = 0;
    else left = marg;
    return pad(ts, s, left, marg - left, fill, fl);
}

static Value m_center(ThreadState *ts, Value *a, int n, Obj *kw) { return just_impl(ts, a, n, kw, "center", 0); }
static Value m_ljust(ThreadState *ts, Value *a, int n, Obj *kw) { return just_impl(ts, a, n, kw, "ljust", 1); }
static Value m_rjust(ThreadState *ts, Value *a, int n, Obj *kw) { return just_impl(ts, a, n, kw, "rjust", 2); }

static Value m_zfill(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    if (arg_one(ts, "str.zfill", nargs - 1, kw) < 0) return V_NULL;
    int64_t width;
    if (arg_index(ts, args[1], &width) < 0) return V_NULL;
    Str *s = SELF;
    if (width <= s->nchars) return v_new(args[0]);
    int64_t fill = width - s->nchars;
    if (fill > STR_MAX_BYTES - s->len) return str_no_memory(ts);
    Str *r = str_try_alloc(ts, s->len + fill);
    if (!r) return V_NULL;
    int sign = s->len > 0 && (s->data[0] == '+' || s->data[0] == '-');
    if (sign) r->data[0] = s->data[0];
    memset(r->data + sign, '0', (size_t)fill);
    memcpy(r->data + sign + fill, s->data + sign, (size_t)(s->len - sign));
    r->nchars = s->nchars + fill;
    r->ascii = s->ascii;
    return V_OBJ(r);
}

/* partition (back false) / rpartition. */
static Value part_impl(ThreadState *ts, Value *args, int nargs, Obj *kw, const char *qual, bool back)
{
    if (arg_one(ts, qual, nargs - 1, kw) < 0) return V_NULL;
    Str *sep = want_str(ts, args[1], "must be str, not %s");
    if (!sep) return V_NULL;
    if (sep->len == 0) return exc_raise(ts, &T_ValueError, "empty separator");
    Str *s = SELF;
    int64_t r = back ? find_back(s->data, s->len, sep->data, sep->len)
                     : find_fwd(s->data, s->len, sep->data, sep->len);
    Obj *t = tuple_new(3);
    Tuple *tt = (Tuple *)t;
    if (r < 0) {
        Value e = V_OBJ(char_strs[128]);
        tt->items[back ? 2 : 0] = v_new(args[0]);
        tt->items[1] = e;
        tt->items[back ? 0 : 2] = e;
        return V_OBJ(t);
    }
    tt->items[0] = V_OBJ(sub_str(s, 0, r));
    tt->items[1] = v_new(V_OBJ(sep));
    tt->items[2] = V_OBJ(sub_str(s, r + sep->len, s->len));
    return V_OBJ(t);
}

static Value m_partition(ThreadState *ts, Value *a, int n, Obj *kw) { return part_impl(ts, a, n, kw, "str.partition", false); }
static Value m_rpartition(ThreadState *ts, Value *a, int n, Obj *kw) { return part_impl(ts, a, n, kw, "str.rpartition", true); }

static Value m_expandtabs(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    static const char *const names[] = {"tabsize", NULL};
    Value a[1];
    if (arg_parse(ts, "expandtabs", args + 1, nargs - 1, kw, 0, names, a) < 0) return V_NULL;
    int64_t tab = 8;
    if (!IS_NULL(a[0]) && arg_index(ts, a[0], &tab) < 0) return V_NULL;
    if (tab > INT32_MAX || tab < INT32_MIN)
        return exc_raise(ts, &T_OverflowError, "Python int too large to convert to C int");
    Str *s = SELF;
    if (!memchr(s->data, '\t', (size_t)s->len)) return v_new(args[0]);
    /* measure first (CPython's OverflowError past ssize_t), then fill */
    int64_t col = 0, total = 0;
    const char *p = s->data, *end = p + s->len;
    for (; p < end; p++) {
        char c = *p;
        if (c == '\t') {
            if (tab > 0) {
                int64_t k = tab - col % tab;
                if (__builtin_add_overflow(col, k, &col) || __builtin_add_overflow(total, k, &total))
                    return exc_raise(ts, &T_OverflowError, "result too long");
            }
        } else {
            if (((uint8_t)c & 0xC0) != 0x80) col++;
            if (c == '\n' || c == '\r') col = 0;
            if (__builtin_add_overflow(total, 1, &total))
                return exc_raise(ts, &T_OverflowError, "result too long");
        }
    }
    Str *r = str_try_alloc(ts, total);
    if (!r) return V_NULL;
    char *d = r->data;
    col = 0;
    int64_t nch = 0;
    for (p = s->data; p < end; p++) {
        char c = *p;
        if (c == '\t') {
            if (tab > 0) {
                int64_t k = tab - col % tab;
                memset(d, ' ', (size_t)k);
                d += k;
                col += k;
                nch += k;
            }
        } else {
            *d++ = c;
            if (((uint8_t)c & 0xC0) != 0x80) { col++; nch++; }
            if (c == '\n' || c == '\r') col = 0;
        }
    }
    r->len = d - r->data;
    r->data[r->len] = 0;
    r->nchars = nch;
    r->ascii = nch == r->len;
    return V_OBJ(r);
}

/* removeprefix (suffix false) / removesuffix. */
static Value remove_impl(ThreadState *ts, Value *args, int nargs, Obj *kw, const char *name, bool suffix)
{
    char qual[32];
    snprintf(qual, sizeof qual, "str.%s", name);
    if (arg_one(ts, qual, nargs - 1, kw) < 0) return V_NULL;
    if (!IS_STR(args[1]))
        return exc_raise(ts, &T_TypeError, "%s() argument must be str, not %s", name,
                         obj_type_name(args[1]));
    Str *s = SELF, *a = AS_STR(args[1]);
    if (a->len == 0 || a->len > s->len) return v_new(args[0]);
    if (suffix) {
        if (memcmp(s->data + s->len - a->len, a->data, (size_t)a->len) == 0)
            return V_OBJ(str_new_valid(s->data, s->len - a->len, s->nchars - a->nchars));
    } else if (memcmp(s->data, a->data, (size_t)a->len) == 0) {
        return V_OBJ(str_new_valid(s->data + a->len, s->len - a->len, s->nchars - a->nchars));
    }
    return v_new(args[0]);
}

static Value m_removeprefix(ThreadState *ts, Value *a, int n, Obj *kw) { return remove_impl(ts, a, n, kw, "removeprefix", false); }
static Value m_removesuffix(ThreadState *ts, Value *a, int n, Obj *kw) { return remove_impl(ts, a, n, kw, "removesuffix", true); }

static Value m_translate(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    if (arg_one(ts, "str.translate", nargs - 1, kw) < 0) return V_NULL;
    Str *s = SELF;
    Value table = args[1];
    StrBuf b;
    sb_init(&b);
    const char *p = s->data, *end = p + s->len;
    while (p < end) {
        const char *st = p;
        uint32_t c = utf8_decode(&p);
        Value r = obj_getitem(ts, table, V_INT(c));
        if (IS_NULL(r)) {
            if (exc_matches(ts, &T_LookupError)) {
                exc_clear(ts);
                sb_putn(&b, st, p - st);
                continue;
            }
            sb_free(&b);
            return V_NULL;
        }
        if (IS_NONE(r)) continue;
        if (IS_INTLIKE(r)) {
            if (AS_INT(r) < 0 || AS_INT(r) > 0x10ffff) {
                sb_free(&b);
                return exc_raise(ts, &T_ValueError, "character mapping must be in range(0x110000)");
            }
            sb_putcp(&b, (uint32_t)AS_INT(r));
        } else if (IS_STR(r)) {
            sb_putn(&b, AS_STR(r)->data, AS_STR(r)->len);
        } else {
            v_decref(r);
            sb_free(&b);
            return exc_raise(ts, &T_TypeError, "character mapping must return integer, None or str");
        }
        v_decref(r);
    }
    Obj *r = str_new_valid(b.data ? b.data : "", b.len, -1);
    sb_free(&b);
    return V_OBJ(r);
}

/* The first code point of a one-character str. */
static uint32_t first_cp(Str *s)
{
    const char *p = s->data;
    return utf8_decode(&p);
}

static Value m_maketrans(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    if (arg_range(ts, "maketrans", "str.maketrans", nargs, kw, 1, 3, 0) < 0) return V_NULL;
    Obj *d = dict_new();
    if (nargs == 1) {
        if (!IS_DICT(args[0])) {
            o_decref(d);
            return exc_raise(ts, &T_TypeError, "if you give only one argument to maketrans it must be a dict");
        }
        int64_t pos = 0;
        Value k, v;
        while (dict_next(AS_OBJ(args[0]), &pos, &k, &v)) {
            Value key = k;
            if (IS_STR(k)) {
                if (AS_STR(k)->nchars != 1) {
                    o_decref(d);
                    return exc_raise(ts, &T_ValueError, "string keys in translate table must be of length 1");
                }
                key = V_INT(first_cp(AS_STR(k)));
            } else if (!IS_INTLIKE(k)) {
                o_decref(d);
                return exc_raise(ts, &T_TypeError, "keys in translate table must be strings or integers");
            }
            if (dict_set(ts, d, key, v) < 0) { o_decref(d); return V_NULL; }
        }
        return V_OBJ(d);
    }
    if (!IS_STR(args[0]) || !IS_STR(args[1])) {
        o_decref(d);
        return exc_raise(ts, &T_TypeError, "maketrans() argument %d must be str, not %s",
                         IS_STR(args[0]) ? 2 : 1, obj_type_name(IS_STR(args[0]) ? args[1] : args[0]));
    }
    Str *x = AS_STR(args[0]), *y = AS_STR(args[1]);
    if (x->nchars != y->nchars) {
        o_decref(d);
        return exc_raise(ts, &T_ValueError, "the first two maketrans arguments must have equal length");
    }
    const char *p = x->data, *q = y->data, *end = p + x->len;
    while (p < end) {
        uint32_t a = utf8_decode(&p), b = utf8_decode(&q);
        dict_set(ts, d, V_INT(a), V_INT(b));
    }
    if (nargs > 2) {
        if (!IS_STR(args[2])) {
            o_decref(d);
            return exc_raise(ts, &T_TypeError, "maketrans() argument 3 must be str, not %s",
                             obj_type_name(args[2]));
        }
        Str *z = AS_STR(args[2]);
        p = z->data;
        end = p + z->len;
        while (p < end) dict_set(ts, d, V_INT(utf8_decode(&p)), V_NONE);
    }
    return V_OBJ(d);
}

static Value m_getnewargs(ThreadState *ts, Value *args, int nargs, Obj *kw)
{
    if (arg_none(ts, "str.__getnewargs__", nargs - 1, kw) < 0) return V_NULL;
    return V_OBJ(tuple_pack(1, args[0]));
}

static const MethodDef str_methods[] = {
    {"split", m_split, 0}, {"rsplit", m_rsplit, 0}, {"splitlines", m_splitlines, 0},
    {"join", m_join, 0}, {"strip", m_strip, 0}, {"lstrip", m_lstrip, 0},
    {"rstrip", m_rstrip, 0}, {"replace", m_replace, 0}, {"find", m_find, 0},
    {"rfind", m_rfind, 0}, {"index", m_index, 0}, {"rindex", m_rindex, 0},
    {"count", m_count, 0}, {"startswith", m_startswith, 0}, {"endswith", m_endswith, 0},
    {"upper", m_upper, 0}, {"lower", m_lower, 0}, {"capitalize", m_capitalize, 0},
    {"title", m_title, 0}, {"swapcase", m_swapcase, 0}, {"casefold", m_casefold, 0},
    {"isdigit", m_isdigit, 0}, {"isdecimal", m_isdecimal, 0}, {"isnumeric", m_isnumeric, 0},
    {"isalpha", m_isalpha, 0}, {"isalnum", m_isalnum, 0}, {"isspace", m_isspace, 0},
    {"isupper", m_isupper, 0}, {"islower", m_islower, 0}, {"istitle", m_istitle, 0},
    {"isidentifier", m_isidentifier, 0}, {"isascii", m_isascii, 0},
    {"isprintable", m_isprintable, 0}, {"format", m_format, 0},
    {"__format__", m_dunder_format, 0}, {"encode", m_encode, 0}, {"zfill", m_zfill, 0},
    {"center", m_center, 0}, {"ljust", m_ljust, 0}, {"rjust", m_rjust, 0},
    {"partition", m_partition, 0}, {"rpartition", m_rpartition, 0},
    {"expandtabs", m_expandtabs, 0}, {"removeprefix", m_removeprefix, 0},
    {"removesuffix", m_removesuffix, 0}, {"translate", m_translate, 0},
    {"maketrans", m_maketrans, METH_STATIC}, {"__getnewargs__", m_getnewargs, 0},
    {NULL, NULL, 0}
};

Type T_str = {
    .hdr = { .refcnt = IMMORTAL_REFCNT, .type = &T_type },
    .name = "str",
    .base = &T_object,
    .flags = 0,
    .basicsize = sizeof(Str),
    .methods = str_methods,
    .dealloc = str_dealloc,
    .new_ = str_new_slot,
    .repr = str_repr_slot,
    .str = str_str_slot,
    .hash = str_hash_slot,
    .richcmp = str_richcmp,
    .iter = str_iter,
    .len = str_len_slot,
    .getitem = str_getitem,
    .contains = str_contains,
    .truthy = str_truthy,
    .binop = str_binop,
};

Type T_str_iterator = {
    .hdr = { .refcnt = IMMORTAL_REFCNT, .type = &T_type },
    .name = "str_ascii_iterator",
    .base = &T_object,
    .flags = 0,
    .basicsize = sizeof(SeqIter),
    .dealloc = str_iter_dealloc,
    .iter = obj_iter_self,
    .next = str_iter_next,
};
