/* hash.h — hashing and key equality shared by dict and set: inline fast paths for the
 * keys programs use most (ints and strs), falling back to __hash__ and __eq__. */
#ifndef TINY_HASH_H
#define TINY_HASH_H

#include "object.h"
#include "objects/str.h"
#include "objects/num.h"

/* Identity of two values (same tag and payload). */
static inline bool v_same(Value a, Value b)
{
    return a.tag == b.tag && a.as.i == b.as.i;
}

/* Hash of a value with inline fast paths for ints and strs; -1 on error. */
static inline int64_t hash_value(ThreadState *ts, Value v)
{
    if (IS_INTLIKE(v)) {
        int64_t n = AS_INT(v);
        const int64_t P = ((int64_t)1 << 61) - 1;
        if (n > -P && n < P)
            return n == -1 ? -2 : n;
        return int_hash(n);
    }
    if (IS_STR(v)) {
        int64_t h = AS_STR(v)->hash;
        return h != -1 ? h : str_hash(AS_OBJ(v));
    }
    return obj_hash(ts, v);
}

/* Equality of two keys with equal hashes without calling out: 1 equal, 0 not, 2 unknown. */
static inline int key_eq_fast(Value a, Value b)
{
    if (a.tag == b.tag) {
        switch (a.tag) {
        case VT_INT:
        case VT_BOOL:
        case VT_NONE:
            return a.as.i == b.as.i;
        case VT_FLOAT:
            return a.as.f == b.as.f;
        case VT_OBJ:
            if (a.as.o == b.as.o)
                return 1;
            if (a.as.o->type == &T_str && b.as.o->type == &T_str)
                return str_eq(a.as.o, b.as.o);
            return 2;
        default:
            return 2;
        }
    }
    return 2;
}

#endif
