/* mp_shm.c — _tinymp.SharedMemory (see mp.h for the module).
 *
 * - `SharedMemory(nbytes)`: an anonymous MAP_SHARED mapping made before fork, so parent and forked children see the same bytes. Methods: `__len__`, `get(typecode, index)`, `set(typecode, index, value)` for typecodes 'b' 'B' 'h' 'H' 'i' 'I' 'l' 'L' 'q' 'Q' 'f' 'd' 'c' (c: a bytes of length 1), `read(offset, n) -> bytes`, `write(offset, data)`. Out-of-range index -> IndexError.
 *
 * Beyond the contract:
 * - SharedMemory.set wraps integers around as ctypes does (Value('b', 200) holds -56) and
 *   raises TypeError "int expected instead of float" for a float in an integer item;
 *   read/write out of range raise IndexError too. */
#define _GNU_SOURCE
#include "mp_shm.h"
#include "builtins.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "exc.h"
#include "objects/bytes.h"
#include "args.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/mman.h>

typedef struct SharedMem {
    Obj hdr;
    uint8_t *base;     /* the mapping (MAP_SHARED | MAP_ANONYMOUS) */
    int64_t len;       /* bytes usable */
    size_t maplen;     /* bytes mapped (at least 1) */
} SharedMem;
#define SHM(v) ((SharedMem *)AS_OBJ(v))

static Value shm_new(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "nbytes", NULL };
    Value a[1];
    if (bi_parse_args(ts, "SharedMemory", args, nargs, kwnames, names, 1, 1, a) < 0) return V_NULL;
    int64_t n;
    if (obj_as_index(ts, a[0], &n) < 0) return V_NULL;
    if (n < 0) return exc_raise(ts, &T_ValueError, "SharedMemory size must be non-negative");
    size_t maplen = n > 0 ? (size_t)n : 1;
    void *p = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return exc_raise_errno(ts, errno, NULL);
    SharedMem *s = (SharedMem *)obj_alloc(t, sizeof(SharedMem));
    s->base = p;
    s->len = n;
    s->maplen = maplen;
    return V_OBJ(s);
}

static void shm_dealloc(Obj *o) {
    SharedMem *s = (SharedMem *)o;
    if (s->base) munmap(s->base, s->maplen);
    s->base = NULL;
}

static int64_t shm_len(ThreadState *ts, Value self) { return SHM(self)->len; }

/* The size of a typecode's item, or 0 (ValueError raised). */
static int typecode_size(ThreadState *ts, Value v, char *code) {
    if (!IS_STR(v) || AS_STR(v)->len != 1) {
        if (IS_STR(v)) exc_raise(ts, &T_TypeError, "typecode must be a single character, not '%s'", STR_DATA(AS_OBJ(v)));
        else exc_raise(ts, &T_TypeError, "typecode must be a str, not %s", obj_type_name(v));
        return 0;
    }
    char c = AS_STR(v)->data[0];
    *code = c;
    switch (c) {
    case 'b': case 'B': case 'c': return 1;
    case 'h': case 'H': return 2;
    case 'i': case 'I': case 'f': return 4;
    case 'l': case 'L': case 'q': case 'Q': case 'd': return 8;
    default:
        exc_raise(ts, &T_ValueError, "bad typecode (must be b, B, h, H, i, I, l, L, q, Q, f, d or c)");
        return 0;
    }
}

/* The byte offset of item `index` of size sz, or -1 with IndexError. */
static int64_t shm_item(ThreadState *ts, SharedMem *s, Value index, int sz) {
    int64_t i;
    if (obj_as_index(ts, index, &i) < 0) return -1;
    if (i < 0 || i >= s->len / sz) {
        exc_raise(ts, &T_IndexError, "SharedMemory index out of range");
        return -1;
    }
    return i * sz;
}

/* get(typecode, index) */
static Value shm_get(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "get", nargs - 1, kwnames, 2, 2) < 0) return V_NULL;
    SharedMem *s = SHM(args[0]);
    char c;
    int sz = typecode_size(ts, args[1], &c);
    if (!sz) return V_NULL;
    int64_t off = shm_item(ts, s, args[2], sz);
    if (off < 0) return V_NULL;
    const uint8_t *p = s->base + off;
    switch (c) {
    case 'b': return V_INT(*(const int8_t *)p);
    case 'B': return V_INT(*p);
    case 'c': return V_OBJ(bytes_new(p, 1));
    case 'h': { int16_t x; memcpy(&x, p, 2); return V_INT(x); }
    case 'H': { uint16_t x; memcpy(&x, p, 2); return V_INT(x); }
    case 'i': { int32_t x; memcpy(&x, p, 4); return V_INT(x); }
    case 'I': { uint32_t x; memcpy(&x, p, 4); return V_INT(x); }
    case 'f': { float x; memcpy(&x, p, 4); return V_FLOAT(x); }
    case 'd': { double x; memcpy(&x, p, 8); return V_FLOAT(x); }
    case 'l': case 'q': { int64_t x; memcpy(&x, p, 8); return V_INT(x); }
    default: {
        uint64_t x;
        memcpy(&x, p, 8);
        if (x > (uint64_t)INT64_MAX) return exc_raise(ts, &T_OverflowError, "int too large (tiny ints are 64-bit)");
        return V_INT((int64_t)x);
    }
    }
}

/* set(typecode, index, value): integers wrap around as ctypes does. */
static Value shm_set(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "set", nargs - 1, kwnames, 3, 3) < 0) return V_NULL;
    SharedMem *s = SHM(args[0]);
    char c;
    int sz = typecode_size(ts, args[1], &c);
    if (!sz) return V_NULL;
    int64_t off = shm_item(ts, s, args[2], sz);
    if (off < 0) return V_NULL;
    Value v = args[3];
    uint8_t *p = s->base + off;
    if (c == 'f' || c == 'd') {
        double x;
        if (bi_to_double(ts, v, &x) < 0) return V_NULL;
        if (c == 'f') { float f = (float)x; memcpy(p, &f, 4); }
        else memcpy(p, &x, 8);
        return V_NONE;
    }
    int64_t n;
    if (c == 'c') {
        if (OBJ_IS(v, T_bytes) && ((Bytes *)AS_OBJ(v))->len == 1) {
            *p = ((Bytes *)AS_OBJ(v))->data[0];
            return V_NONE;
        }
        if (!IS_INTLIKE(v))
            return exc_raise(ts, &T_TypeError, "one character bytes, bytearray or integer expected");
        n = AS_INT(v);
        if (n < 0 || n > 255) return exc_raise(ts, &T_TypeError, "one character bytes, bytearray or integer expected");
        *p = (uint8_t)n;
        return V_NONE;
    }
    if (!IS_INTLIKE(v)) return exc_raise(ts, &T_TypeError, "int expected instead of %s", obj_type_name(v));
    n = AS_INT(v);
    uint64_t u = (uint64_t)n;
    switch (sz) {
    case 1: *p = (uint8_t)u; break;
    case 2: { uint16_t x = (uint16_t)u; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)u; memcpy(p, &x, 4); break; }
    default: memcpy(p, &u, 8); break;
    }
    return V_NONE;
}

/* Checks offset/n against the mapping; -1 with IndexError. */
static int shm_range(ThreadState *ts, SharedMem *s, Value off_v, int64_t n, int64_t *off) {
    if (obj_as_index(ts, off_v, off) < 0) return -1;
    if (*off < 0 || n < 0 || *off > s->len || n > s->len - *off) {
        exc_raise(ts, &T_IndexError, "SharedMemory range out of bounds");
        return -1;
    }
    return 0;
}

/* read(offset, n) -> bytes */
static Value shm_read(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "read", nargs - 1, kwnames, 2, 2) < 0) return V_NULL;
    SharedMem *s = SHM(args[0]);
    int64_t n, off;
    if (obj_as_index(ts, args[2], &n) < 0 || shm_range(ts, s, args[1], n, &off) < 0) return V_NULL;
    return V_OBJ(bytes_new(s->base + off, n));
}

/* write(offset, data) */
static Value shm_write(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "write", nargs - 1, kwnames, 2, 2) < 0) return V_NULL;
    SharedMem *s = SHM(args[0]);
    if (!OBJ_IS(args[2], T_bytes))
        return exc_raise(ts, &T_TypeError, "a bytes-like object is required, not '%s'", obj_type_name(args[2]));
    Bytes *b = (Bytes *)AS_OBJ(args[2]);
    int64_t off;
    if (shm_range(ts, s, args[1], b->len, &off) < 0) return V_NULL;
    if (b->len) memcpy(s->base + off, b->data, (size_t)b->len);
    return V_NONE;
}

static Value shm_repr(ThreadState *ts, Value self) {
    return V_OBJ(str_fmt("<_tinymp.SharedMemory size=%lld at %p>", (long long)SHM(self)->len, (void *)AS_OBJ(self)));
}

static const MethodDef shm_methods[] = {
    { "get", shm_get, 0 },
    { "set", shm_set, 0 },
    { "read", shm_read, 0 },
    { "write", shm_write, 0 },
    { NULL, NULL, 0 },
};

Type T_SharedMemory = {
    .name = "SharedMemory", .basicsize = sizeof(SharedMem), .methods = shm_methods, .new_ = shm_new,
    .dealloc = shm_dealloc, .len = shm_len, .repr = shm_repr,
};
