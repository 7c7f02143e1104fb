/* dict.c — CPython's compact ordered dict: an index table (int32 slots, int64 for
 * huge tables) probed with perturbation, pointing into a dense insertion-ordered
 * entries array; deleted entries are tombstones compacted on resize. Also the dict
 * views (keys/values/items) and their iterators. */
#include "objects/containers.h"
#include "exc.h"
#include "objects/num.h"
#include "objects/str.h"
#include "state.h"
#include "objects/hash.h"
#include "args.h"
#include <stdlib.h>
#include <string.h>

/* Index slot values. */
#define DKIX_EMPTY (-1)
#define DKIX_DUMMY (-2)
/* Result of a lookup that raised. */
#define DKIX_ERROR (-3)
#define PERTURB_SHIFT 5

/* The index table shared by all empty dicts (never written: capacity 0 forces a resize). */
static const int32_t empty_indices[8] = { -1, -1, -1, -1, -1, -1, -1, -1 };

/* Aborts on allocation failure of internal buffers (out of memory is fatal). */
static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("tiny: out of memory\n", stderr);
        abort();
    }
    return p;
}

/* Tables of the smallest size (8 index slots, 5 entries: a new instance's attributes)
 * are kept for reuse in a list in the_interp, up to this many. */
#define SMALL_LOG2 3
#define SMALL_TABLES_MAX 64

/* A block for the tables of a dict with 2^log2 index slots (bytes long). */
static char *table_alloc(uint8_t log2, size_t bytes)
{
    void *t = the_interp.dict_small_tables;
    if (log2 == SMALL_LOG2 && t) {
        the_interp.dict_small_tables = *(void **)t;
        the_interp.dict_nsmall_tables--;
        return t;
    }
    return xmalloc(bytes);
}

/* Frees the block of a dict's tables (2^log2 index slots); the shared empty table stays. */
static void table_free(void *indices, uint8_t log2)
{
    if (indices == (const void *)empty_indices)
        return;
    if (log2 == SMALL_LOG2 && the_interp.dict_nsmall_tables < SMALL_TABLES_MAX) {
        *(void **)indices = the_interp.dict_small_tables;
        the_interp.dict_small_tables = indices;
        the_interp.dict_nsmall_tables++;
        return;
    }
    free(indices);
}

/* Entries usable in an index table of size n (2/3 load). */
static inline int64_t usable_fraction(int64_t n)
{
    return (n << 1) / 3;
}

/* Reads index slot i. */
static inline int64_t ix_get(const Dict *d, size_t i)
{
    if (d->log2size < 31)
        return ((const int32_t *)d->indices)[i];
    return ((const int64_t *)d->indices)[i];
}

/* Writes index slot i. */
static inline void ix_set(Dict *d, size_t i, int64_t ix)
{
    if (d->log2size < 31)
        ((int32_t *)d->indices)[i] = (int32_t)ix;
    else
        ((int64_t *)d->indices)[i] = ix;
}

/* Finds key: returns its entry index (>= 0) with *slotp its index slot, DKIX_EMPTY
 * with *slotp the empty slot where it would go, or DKIX_ERROR. */
static int64_t dict_find(ThreadState *ts, Dict *d, Value key, int64_t hash, size_t *slotp)
{
restart:;
    size_t mask = ((size_t)1 << d->log2size) - 1;
    size_t i = (size_t)hash & mask, perturb = (size_t)hash;
    for (;;) {
        int64_t ix = ix_get(d, i);
        if (ix == DKIX_EMPTY) {
            *slotp = i;
            return DKIX_EMPTY;
        }
        if (ix >= 0) {
            DictEntry *e = &d->entries[ix];
            if (e->hash == hash) {
                int r = key_eq_fast(e->key, key);
                if (r == 1) {
                    *slotp = i;
                    return ix;
                }
                if (r == 2) {
                    /* __eq__ may change the dict: start over only if it moved the
                     * table or replaced this entry's key (as CPython does) */
                    DictEntry *entries = d->entries;
                    uint8_t log2size = d->log2size;
                    Value sk = v_new(e->key);
                    int c = obj_eq(ts, sk, key);
                    bool same = d->entries == entries && d->log2size == log2size && ix < d->nentries &&
                                d->entries[ix].key.tag == sk.tag && d->entries[ix].key.as.o == sk.as.o;
                    v_decref(sk);
                    if (c < 0)
                        return DKIX_ERROR;
                    if (!same)
                        goto restart;
                    if (c) {
                        *slotp = i;
                        return ix;
                    }
                }
            }
        }
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + perturb + 1) & mask;
    }
}

/* Equality of n bytes at a and b: short runs compared inline, in (overlapping) words. */
static inline bool bytes_eq(const char *a, const char *b, int64_t n)
{
    if (n >= 8 && n <= 16) {
        uint64_t x0, y0, x1, y1;
        memcpy(&x0, a, 8);
        memcpy(&y0, b, 8);
        memcpy(&x1, a + n - 8, 8);
        memcpy(&y1, b + n - 8, 8);
        return ((x0 ^ y0) | (x1 ^ y1)) == 0;
    }
    if (n >= 4 && n < 8) {
        uint32_t x0, y0, x1, y1;
        memcpy(&x0, a, 4);
        memcpy(&y0, b, 4);
        memcpy(&x1, a + n - 4, 4);
        memcpy(&y1, b + n - 4, 4);
        return ((x0 ^ y0) | (x1 ^ y1)) == 0;
    }
    if (n < 4) {
        for (int64_t i = 0; i < n; i++)
            if (a[i] != b[i])
                return false;
        return true;
    }
    return memcmp(a, b, (size_t)n) == 0;
}

/* Equality of str key a with str b of the same hash. */
static inline bool str_key_eq(const Str *a, const Str *b)
{
    return a == b || (a->len == b->len && bytes_eq(a->data, b->data, a->len));
}

/* dict_find for a str key with its hash: entry keys that are strs are compared inline;
 * any other key of the same hash sends the search to dict_find (which may call out). */
static inline int64_t dict_find_strkey(ThreadState *ts, Dict *d, Value key, int64_t hash,
                                       size_t *slotp)
{
    const Str *k = AS_STR(key);
    size_t mask = ((size_t)1 << d->log2size) - 1;
    size_t i = (size_t)hash & mask, perturb = (size_t)hash;
    if (d->log2size >= 31)
        return dict_find(ts, d, key, hash, slotp);
    const int32_t *indices = d->indices;
    const DictEntry *entries = d->entries;
    for (;;) {
        int32_t ix = indices[i];
        if (ix == DKIX_EMPTY) {
            *slotp = i;
            return DKIX_EMPTY;
        }
        if (ix >= 0) {
            const DictEntry *e = &entries[ix];
            if (e->key.tag == VT_OBJ && e->key.as.o == &k->hdr) {
                *slotp = i;
                return ix;
            }
            if (e->hash == hash) {
                if (e->key.tag != VT_OBJ || e->key.as.o->type != &T_str)
                    return dict_find(ts, d, key, hash, slotp);
                if (str_key_eq((const Str *)e->key.as.o, k)) {
                    *slotp = i;
                    return ix;
                }
            }
        }
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + perturb + 1) & mask;
    }
}

/* The hash of a str key (cached in the str). */
static inline int64_t str_key_hash(Value key)
{
    int64_t h = AS_STR(key)->hash;
    return h != -1 ? h : str_hash(AS_OBJ(key));
}

/* Finds a str key without calling out (other key types never match), in a table of
 * int32 (wide false) or int64 index slots. */
static inline __attribute__((always_inline)) int64_t
find_str_in(const Dict *d, const Obj *key, int64_t hash, size_t *slotp, bool wide)
{
    size_t mask = ((size_t)1 << d->log2size) - 1;
    size_t i = (size_t)hash & mask, perturb = (size_t)hash;
    const DictEntry *entries = d->entries;
    for (;;) {
        int64_t ix = wide ? ((const int64_t *)d->indices)[i] : ((const int32_t *)d->indices)[i];
        if (ix >= 0) {
            const DictEntry *e = &entries[ix];
            if (e->key.as.o == key && e->key.tag == VT_OBJ) {
                *slotp = i;
                return ix;
            }
            if (e->hash == hash && e->key.tag == VT_OBJ && e->key.as.o->type == &T_str &&
                str_key_eq((const Str *)e->key.as.o, (const Str *)key)) {
                *slotp = i;
                return ix;
            }
        } else if (ix == DKIX_EMPTY) {
            *slotp = i;
            return DKIX_EMPTY;
        }
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + perturb + 1) & mask;
    }
}

/* The whole search of dict_find_str. */
static __attribute__((noinline)) int64_t dict_find_str_probe(Dict *d, Obj *key, int64_t hash,
                                                            size_t *slotp)
{
    return d->log2size < 31 ? find_str_in(d, key, hash, slotp, false)
                            : find_str_in(d, key, hash, slotp, true);
}

/* The first probe inline (an interned name found by identity, or an empty slot), the
 * rest out of line. */
static inline int64_t dict_find_str(Dict *d, Obj *key, int64_t hash, size_t *slotp)
{
    if (d->log2size < 31) {
        size_t i = (size_t)hash & (((size_t)1 << d->log2size) - 1);
        int32_t ix = ((const int32_t *)d->indices)[i];
        if (ix >= 0) {
            const DictEntry *e = &d->entries[ix];
            if (e->key.as.o == key && e->key.tag == VT_OBJ) {
                *slotp = i;
                return ix;
            }
        } else if (ix == DKIX_EMPTY) {
            *slotp = i;
            return DKIX_EMPTY;
        }
    }
    return dict_find_str_probe(d, key, hash, slotp);
}

/* The first empty index slot for hash (the table has no equal key). */
static size_t find_empty_slot(Dict *d, int64_t hash)
{
    size_t mask = ((size_t)1 << d->log2size) - 1;
    size_t i = (size_t)hash & mask, perturb = (size_t)hash;
    while (ix_get(d, i) != DKIX_EMPTY) {
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + perturb + 1) & mask;
    }
    return i;
}

/* Rebuilds the tables with room for at least minsize live entries per 2/3 load,
 * compacting away deleted entries. */
static void dict_resize(Dict *d, int64_t minsize)
{
    uint8_t log2 = 3;
    while (((int64_t)1 << log2) < minsize)
        log2++;
    int64_t size = (int64_t)1 << log2;
    size_t islot = log2 < 31 ? sizeof(int32_t) : sizeof(int64_t);
    size_t isize = (size_t)size * islot;
    int64_t cap = usable_fraction(size);
    /* One block: the index table, then the entries. */
    char *indices = table_alloc(log2, isize + (size_t)cap * sizeof(DictEntry));
    memset(indices, 0xff, isize);
    DictEntry *entries = (DictEntry *)(indices + isize);
    DictEntry *old = d->entries;
    int64_t n = 0;
    for (int64_t k = 0; k < d->nentries; k++)
        if (!IS_NULL(old[k].key))
            entries[n++] = old[k];
    table_free(d->indices, d->log2size);
    d->indices = indices;
    d->log2size = log2;
    d->entries = entries;
    d->capacity = cap;
    d->nentries = n;
    for (int64_t k = 0; k < n; k++)
        ix_set(d, find_empty_slot(d, entries[k].hash), k);
    d->version = ++the_interp.dict_version;
}

/* Makes room for one more entry. */
static inline void dict_make_room(Dict *d)
{
    if (d->nentries >= d->capacity)
        dict_resize(d, d->used * 3);
}

/* Adds a new entry (key absent; slot is its empty index slot); steals key and value. */
static inline void dict_add_entry(Dict *d, size_t slot, int64_t hash, Value key, Value value)
{
    int64_t ix = d->nentries++;
    DictEntry *e = &d->entries[ix];
    e->hash = hash;
    e->key = key;
    e->value = value;
    ix_set(d, slot, ix);
    d->used++;
    d->version = ++the_interp.dict_version;
}

/* d[key] = value with a known hash (both incref'd); -1 on error. */
static int dict_insert(ThreadState *ts, Dict *d, Value key, int64_t hash, Value value)
{
    size_t slot;
    int64_t ix = IS_STR(key) ? dict_find_strkey(ts, d, key, hash, &slot)
                             : dict_find(ts, d, key, hash, &slot);
    if (ix == DKIX_ERROR)
        return -1;
    if (ix >= 0) {
        Value old = d->entries[ix].value;
        d->entries[ix].value = v_new(value);
        d->version = ++the_interp.dict_version;
        v_decref(old);
        return 0;
    }
    if (d->nentries >= d->capacity) {
        dict_make_room(d);
        slot = find_empty_slot(d, hash);
    }
    dict_add_entry(d, slot, hash, v_new(key), v_new(value));
    return 0;
}

/* Removes the entry ix found at index slot; drops its references last. */
static void dict_remove_entry(Dict *d, size_t slot, int64_t ix)
{
    DictEntry *e = &d->entries[ix];
    Value k = e->key, v = e->value;
    e->key = V_NULL;
    e->value = V_NULL;
    ix_set(d, slot, DKIX_DUMMY);
    d->used--;
    d->version = ++the_interp.dict_version;
    v_decref(k);
    v_decref(v);
}

/* Initializes an empty dict body. */
static void dict_init_empty(Dict *d)
{
    d->used = d->nentries = d->capacity = 0;
    d->log2size = 3;
    d->indices = (void *)empty_indices;
    d->entries = NULL;
}

Obj *dict_new(void)
{
    Dict *d = (Dict *)obj_alloc(&T_dict, sizeof(Dict));
    dict_init_empty(d);
    return &d->hdr;
}

int dict_lookup(ThreadState *ts, Obj *o, Value key, Value *out)
{
    Dict *d = (Dict *)o;
    if (IS_STR(key)) {
        size_t slot;
        int64_t ix = dict_find_strkey(ts, d, key, str_key_hash(key), &slot);
        if (ix < 0)
            return ix == DKIX_EMPTY ? 0 : -1;
        *out = d->entries[ix].value;
        return 1;
    }
    int64_t hash = hash_value(ts, key);
    if (hash == -1)
        return -1;
    size_t slot;
    int64_t ix = dict_find(ts, d, key, hash, &slot);
    if (ix == DKIX_ERROR)
        return -1;
    if (ix < 0)
        return 0;
    *out = d->entries[ix].value;
    return 1;
}

Value dict_get_str(Obj *o, Obj *key)
{
    Dict *d = (Dict *)o;
    int64_t hash = ((Str *)key)->hash;
    if (hash == -1)
        hash = str_hash(key);
    size_t slot;
    int64_t ix = dict_find_str(d, key, hash, &slot);
    return ix >= 0 ? d->entries[ix].value : V_NULL;
}

Value dict_get_cstr(Obj *o, const char *key)
{
    Dict *d = (Dict *)o;
    for (int64_t k = 0; k < d->nentries; k++) {
        DictEntry *e = &d->entries[k];
        if (IS_STR(e->key) && str_eq_cstr(AS_OBJ(e->key), key))
            return e->value;
    }
    return V_NULL;
}

int dict_set(ThreadState *ts, Obj *o, Value key, Value v)
{
    int64_t hash = hash_value(ts, key);
    if (hash == -1)
        return -1;
    return dict_insert(ts, (Dict *)o, key, hash, v);
}

void dict_set_str(Obj *o, Obj *key, Value v)
{
    Dict *d = (Dict *)o;
    int64_t hash = str_hash(key);
    size_t slot;
    if (d->used == 0) {
        /* nothing to find (a new instance's first attribute, say) */
        dict_make_room(d);
        slot = find_empty_slot(d, hash);
        o_incref(key);
        dict_add_entry(d, slot, hash, V_OBJ(key), v_new(v));
        return;
    }
    int64_t ix = dict_find_str(d, key, hash, &slot);
    if (ix >= 0) {
        Value old = d->entries[ix].value;
        d->entries[ix].value = v_new(v);
        d->version = ++the_interp.dict_version;
        v_decref(old);
        return;
    }
    if (d->nentries >= d->capacity) {
        dict_make_room(d);
        slot = find_empty_slot(d, hash);
    }
    o_incref(key);
    dict_add_entry(d, slot, hash, V_OBJ(key), v_new(v));
}

void dict_set_cstr(Obj *d, const char *key, Value v)
{
    dict_set_str(d, str_intern(key), v);
}

int dict_del(ThreadState *ts, Obj *o, Value key)
{
    Dict *d = (Dict *)o;
    int64_t hash = hash_value(ts, key);
    if (hash == -1)
        return -1;
    size_t slot;
    int64_t ix = dict_find(ts, d, key, hash, &slot);
    if (ix == DKIX_ERROR)
        return -1;
    if (ix < 0)
        return 0;
    dict_remove_entry(d, slot, ix);
    return 1;
}

bool dict_next(Obj *o, int64_t *pos, Value *key, Value *value)
{
    Dict *d = (Dict *)o;
    int64_t i = *pos;
    while (i < d->nentries && IS_NULL(d->entries[i].key))
        i++;
    if (i >= d->nentries)
        return false;
    *pos = i + 1;
    if (key)
        *key = d->entries[i].key;
    if (value)
        *value = d->entries[i].value;
    return true;
}

void dict_clear(Obj *o)
{
    Dict *d = (Dict *)o;
    DictEntry *entries = d->entries;
    int64_t n = d->nentries;
    void *block = d->indices;
    uint8_t log2 = d->log2size;
    dict_init_empty(d);
    d->version = ++the_interp.dict_version;
    for (int64_t k = 0; k < n; k++) {
        v_decref(entries[k].key);
        v_decref(entries[k].value);
    }
    table_free(block, log2);
}

Obj *dict_copy(Obj *o)
{
    Dict *src = (Dict *)o;
    Dict *d = (Dict *)dict_new();
    if (src->used == 0)
        return &d->hdr;
    if (src->used == src->nentries) {
        size_t islot = src->log2size < 31 ? sizeof(int32_t) : sizeof(int64_t);
        size_t isize = ((size_t)1 << src->log2size) * islot;
        d->indices = table_alloc(src->log2size, isize + (size_t)src->capacity * sizeof(DictEntry));
        memcpy(d->indices, src->indices, isize);
        d->log2size = src->log2size;
        d->capacity = src->capacity;
        d->entries = (DictEntry *)((char *)d->indices + isize);
        memcpy(d->entries, src->entries, (size_t)src->nentries * sizeof(DictEntry));
        d->nentries = d->used = src->used;
        for (int64_t k = 0; k < d->nentries; k++) {
            v_incref(d->entries[k].key);
            v_incref(d->entries[k].value);
        }
        return &d->hdr;
    }
    dict_resize(d, (src->used * 3 + 1) / 2);
    for (int64_t k = 0; k < src->nentries; k++) {
        DictEntry *e = &src->entries[k];
        if (IS_NULL(e->key))
            continue;
        dict_add_entry(d, find_empty_slot(d, e->hash), e->hash, v_new(e->key), v_new(e->value));
    }
    return &d->hdr;
}

/* Merges the entries of dict b into a (override existing keys); -1 on error. */
static int dict_merge(ThreadState *ts, Dict *a, Dict *b)
{
    if (a == b || b->used == 0)
        return 0;
    if (a->used == 0 && b->used == b->nentries) {
        /* Fast path: a is empty, copy b's layout. */
        Dict *c = (Dict *)dict_copy(&b->hdr);
        table_free(a->indices, a->log2size);
        a->indices = c->indices;
        a->log2size = c->log2size;
        a->entries = c->entries;
        a->capacity = c->capacity;
        a->nentries = c->nentries;
        a->used = c->used;
        a->version = ++the_interp.dict_version;
        dict_init_empty(c);
        o_decref(&c->hdr);
        return 0;
    }
    if (a->nentries + b->used > a->capacity)
        dict_resize(a, (a->used + b->used) * 3 / 2 + 1);
    for (int64_t k = 0; k < b->nentries; k++) {
        DictEntry *e = &b->entries[k];
        if (IS_NULL(e->key))
            continue;
        Value key = v_new(e->key), val = v_new(e->value);
        int r = dict_insert(ts, a, key, e->hash, val);
        v_decref(key);
        v_decref(val);
        if (r < 0)
            return -1;
    }
    return 0;
}

/* Whether a value could be iterated (has an iter or getitem slot). */
static bool maybe_iterable(Value v)
{
    Type *t = obj_type(v);
    return t->iter || t->getitem;
}

/* Updates d from an iterable of key/value pairs; -1 on error. */
static int dict_merge_pairs(ThreadState *ts, Obj *d, Value iterable)
{
    Value it = obj_iter(ts, iterable);
    if (IS_NULL(it))
        return -1;
    for (int64_t n = 0;; n++) {
        Value item = obj_next(ts, it);
        if (IS_NULL(item))
            break;
        Value seq;
        if (IS_TUPLE(item) || IS_LIST(item))
            seq = v_new(item);
        else if (!maybe_iterable(item)) {
            v_decref(item);
            exc_raise(ts, &T_TypeError,
                      "cannot convert dictionary update sequence element #%lld to a sequence",
                      (long long)n);
            goto fail;
        } else {
            seq = obj_to_tuple(ts, item);
            if (IS_NULL(seq)) {
                v_decref(item);
                goto fail;
            }
        }
        v_decref(item);
        int64_t len = IS_TUPLE(seq) ? AS_TUPLE(seq)->len : AS_LIST(seq)->len;
        if (len != 2) {
            v_decref(seq);
            exc_raise(ts, &T_ValueError,
                      "dictionary update sequence element #%lld has length %lld; 2 is required",
                      (long long)n, (long long)len);
            goto fail;
        }
        Value *kv = IS_TUPLE(seq) ? AS_TUPLE(seq)->items : AS_LIST(seq)->items;
        Value k = v_new(kv[0]), v = v_new(kv[1]);
        v_decref(seq);
        int r = dict_set(ts, d, k, v);
        v_decref(k);
        v_decref(v);
        if (r < 0)
            goto fail;
    }
    v_decref(it);
    return IS_NULL(ts->exc) ? 0 : -1;
fail:
    v_decref(it);
    return -1;
}

/* Updates d from a mapping with keys() and __getitem__; -1 on error. */
static int dict_merge_mapping(ThreadState *ts, Obj *d, Value m)
{
    Value keys = obj_call_method(ts, m, NAME(keys), NULL, 0);
    if (IS_NULL(keys))
        return -1;
    Value it = obj_iter(ts, keys);
    v_decref(keys);
    if (IS_NULL(it))
        return -1;
    for (;;) {
        Value k = obj_next(ts, it);
        if (IS_NULL(k))
            break;
        Value v = obj_getitem(ts, m, k);
        if (IS_NULL(v)) {
            v_decref(k);
            v_decref(it);
            return -1;
        }
        int r = dict_set(ts, d, k, v);
        v_decref(k);
        v_decref(v);
        if (r < 0) {
            v_decref(it);
            return -1;
        }
    }
    v_decref(it);
    return IS_NULL(ts->exc) ? 0 : -1;
}

int dict_update(ThreadState *ts, Obj *d, Value other)
{
    if (IS_DICT(other))
        return dict_merge(ts, (Dict *)d, AS_DICT(other));
    Value keys = obj_getattr_opt(ts, other, NAME(keys));
    if (IS_NULL(keys)) {
        if (!IS_NULL(ts->exc))
            return -1;
        return dict_merge_pairs(ts, d, other);
    }
    v_decref(keys);
    return dict_merge_mapping(ts, d, other);
}

/* Adds the keyword arguments of a call to d. */
static void dict_add_kwargs(Obj *d, Value *kwvalues, Obj *kwnames)
{
    if (!kwnames)
        return;
    Tuple *names = (Tuple *)kwnames;
    for (int64_t i = 0; i < names->len; i++)
        dict_set_str(d, AS_OBJ(names->items[i]), kwvalues[i]);
}

/* ---- type slots ---- */

/* Drops every key and value and frees the tables. */
static void dict_dealloc(Obj *self)
{
    dict_clear(self);
}

/* GC: visits keys and values. */
static void dict_traverse(Obj *self, VisitFn visit, void *arg)
{
    Dict *d = (Dict *)self;
    for (int64_t k = 0; k < d->nentries; k++) {
        DictEntry *e = &d->entries[k];
        if (IS_OBJ(e->key))
            visit(e->key, arg);
        if (IS_OBJ(e->value))
            visit(e->value, arg);
    }
}

/* GC: empties the dict. */
static void dict_gc_clear(Obj *self)
{
    dict_clear(self);
}

/* repr(): "{'a': 1}", "{...}" when recursive. */
static Value dict_repr(ThreadState *ts, Value self)
{
    Dict *d = AS_DICT(self);
    if (d->used == 0)
        return V_OBJ(str_from_cstr("{}"));
    if (obj_repr_enter(ts, &d->hdr))
        return V_OBJ(str_from_cstr("{...}"));
    StrBuf b;
    sb_init(&b);
    sb_putc(&b, '{');
    bool first = true;
    for (int64_t k = 0; k < d->nentries; k++) {
        DictEntry *e = &d->entries[k];
        if (IS_NULL(e->key))
            continue;
        if (!first)
            sb_puts(&b, ", ");
        first = false;
        Value key = v_new(e->key), val = v_new(e->value);
        int r = sb_put_value(ts, &b, key, true);
        if (r == 0) {
            sb_puts(&b, ": ");
            r = sb_put_value(ts, &b, val, true);
        }
        v_decref(key);
        v_decref(val);
        if (r < 0) {
            sb_free(&b);
            obj_repr_leave(ts, &d->hdr);
            return V_NULL;
        }
    }
    sb_putc(&b, '}');
    obj_repr_leave(ts, &d->hdr);
    return V_OBJ(sb_finish(&b));
}

/* Dicts are unhashable. */
static int64_t dict_hash(ThreadState *ts, Value self)
{
    exc_raise(ts, &T_TypeError, "unhashable type: 'dict'");
    return -1;
}

/* Whether two dicts have the same keys and equal values: 1, 0, -1. */
static int dict_equal(ThreadState *ts, Dict *a, Dict *b)
{
    if (a->used != b->used)
        return 0;
    for (int64_t k = 0; k < a->nentries; k++) {
        DictEntry *e = &a->entries[k];
        if (IS_NULL(e->key))
            continue;
        Value key = v_new(e->key), av = v_new(e->value);
        int64_t hash = e->hash;
        size_t slot;
        int64_t ix = dict_find(ts, b, key, hash, &slot);
        int r;
        if (ix == DKIX_ERROR)
            r = -1;
        else if (ix < 0)
            r = 0;
        else {
            Value bv = v_new(b->entries[ix].value);
            r = v_same(av, bv) ? 1 : obj_eq(ts, av, bv);
            v_decref(bv);
        }
        v_decref(key);
        v_decref(av);
        if (r <= 0)
            return r;
    }
    return 1;
}

/* == and != between dicts; NotImplemented otherwise. */
static Value dict_richcmp(ThreadState *ts, Value a, Value b, int op)
{
    if (!IS_DICT(a) || !IS_DICT(b) || (op != CMP_EQ && op != CMP_NE))
        return V_NOTIMPL;
    int r = dict_equal(ts, AS_DICT(a), AS_DICT(b));
    if (r < 0)
        return V_NULL;
    return V_BOOL((r == 1) == (op == CMP_EQ));
}

/* len(). */
static int64_t dict_len(ThreadState *ts, Value self)
{
    return AS_DICT(self)->used;
}

/* bool(). */
static int dict_truthy(ThreadState *ts, Value self)
{
    return AS_DICT(self)->used != 0;
}

/* d[key]; KeyError(key) when absent. */
static Value dict_getitem(ThreadState *ts, Value self, Value key)
{
    Value v;
    int r = dict_lookup(ts, AS_OBJ(self), key, &v);
    if (r < 0)
        return V_NULL;
    if (r == 0)
        return exc_raise_value(ts, &T_KeyError, key);
    return v_new(v);
}

/* d[key] = v, del d[key]. */
static int dict_setitem(ThreadState *ts, Value self, Value key, Value v)
{
    if (!IS_NULL(v))
        return dict_set(ts, AS_OBJ(self), key, v);
    int r = dict_del(ts, AS_OBJ(self), key);
    if (r == 0) {
        exc_raise_value(ts, &T_KeyError, key);
        return -1;
    }
    return r < 0 ? -1 : 0;
}

/* key in d. */
static int dict_contains(ThreadState *ts, Value self, Value key)
{
    Value v;
    return dict_lookup(ts, AS_OBJ(self), key, &v);
}

/* d | other (both dicts) and d |= other (any mapping or pairs). */
static Value dict_binop(ThreadState *ts, Value a, Value b, int op)
{
    bool inplace = (op & BINOP_INPLACE) != 0 && IS_DICT(a);
    if ((op & ~BINOP_INPLACE) != BINOP_OR)
        return V_NOTIMPL;
    if (inplace) {
        if (dict_update(ts, AS_OBJ(a), b) < 0)
            return V_NULL;
        return v_new(a);
    }
    if (!IS_DICT(a) || !IS_DICT(b))
        return V_NOTIMPL;
    Obj *d = dict_copy(AS_OBJ(a));
    if (dict_merge(ts, (Dict *)d, AS_DICT(b)) < 0) {
        o_decref(d);
        return V_NULL;
    }
    return V_OBJ(d);
}

/* dict(), dict(mapping or pairs), dict(**kwargs). */
static Value dict_new_(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames)
{
    if (nargs > 1)
        return exc_raise(ts, &T_TypeError, "dict expected at most 1 argument, got %d", nargs);
    Obj *d = dict_new();
    if (nargs == 1 && dict_update(ts, d, args[0]) < 0) {
        o_decref(d);
        return V_NULL;
    }
    dict_add_kwargs(d, args + nargs, kwnames);
    return V_OBJ(d);
}

/* ---- iterators ---- */

/* A dict iterator: position, and the size it expects the dict to keep. */
typedef struct DictIter {
    Obj hdr;
    Obj *dict;        /* NULL once exhausted */
    int64_t used;     /* d->used when the iteration started */
    int64_t pos;      /* next entry index */
    int64_t len;      /* items left */
} DictIter;

/* A new iterator of the given type over d. */
static Value dictiter_new(Type *t, Dict *d)
{
    DictIter *it = (DictIter *)obj_alloc(t, sizeof(DictIter));
    o_incref(&d->hdr);
    it->dict = &d->hdr;
    it->used = d->used;
    it->pos = 0;
    it->len = d->used;
    return V_OBJ(it);
}

/* Drops the dict. */
static void dictiter_dealloc(Obj *self)
{
    o_xdecref(((DictIter *)self)->dict);
}

/* GC: visits the dict. */
static void dictiter_traverse(Obj *self, VisitFn visit, void *arg)
{
    DictIter *it = (DictIter *)self;
    if (it->dict)
        visit(V_OBJ(it->dict), arg);
}

/* GC: drops the dict. */
static void dictiter_clear(Obj *self)
{
    DictIter *it = (DictIter *)self;
    Obj *d = it->dict;
    it->dict = NULL;
    o_xdecref(d);
}

/* Advances to the next live entry; NULL at the end or on error (exception set). */
static DictEntry *dictiter_step(ThreadState *ts, DictIter *it)
{
    Dict *d = (Dict *)it->dict;
    if (!d)
        return NULL;
    if (it->used != d->used) {
        exc_raise(ts, &T_RuntimeError, "dictionary changed size during iteration");
        it->used = -1;
        return NULL;
    }
    int64_t i = it->pos;
    while (i < d->nentries && IS_NULL(d->entries[i].key))
        i++;
    if (i >= d->nentries) {
        dictiter_clear(&it->hdr);
        return NULL;
    }
    if (it->len == 0) {
        exc_raise(ts, &T_RuntimeError, "dictionary keys changed during iteration");
        dictiter_clear(&it->hdr);
        return NULL;
    }
    it->pos = i + 1;
    it->len--;
    return &d->entries[i];
}

/* next() over keys. */
static Value dictiter_next_key(ThreadState *ts, Value self)
{
    DictEntry *e = dictiter_step(ts, (DictIter *)AS_OBJ(self));
    return e ? v_new(e->key) : V_NULL;
}

/* next() over values. */
static Value dictiter_next_value(ThreadState *ts, Value self)
{
    DictEntry *e = dictiter_step(ts, (DictIter *)AS_OBJ(self));
    return e ? v_new(e->value) : V_NULL;
}

/* next() over (key, value) pairs. */
static Value dictiter_next_item(ThreadState *ts, Value self)
{
    DictEntry *e = dictiter_step(ts, (DictIter *)AS_OBJ(self));
    return e ? V_OBJ(tuple_pack(2, e->key, e->value)) : V_NULL;
}


/* iter(d): the keys. */
static Value dict_iter(ThreadState *ts, Value self)
{
    return dictiter_new(&T_dict_keyiterator, AS_DICT(self));
}

Type T_dict_keyiterator = {
    .name = "dict_keyiterator",
    .base = &T_object,
    .flags = TF_GC,
    .basicsize = sizeof(DictIter),
    .dealloc = dictiter_dealloc,
    .traverse = dictiter_traverse,
    .clear = dictiter_clear,
    .iter = obj_iter_self,
    .next = dictiter_next_key,
};

Type T_dict_valueiterator = {
    .name = "dict_valueiterator",
    .base = &T_object,
    .flags = TF_GC,
    .basicsize = sizeof(DictIter),
    .dealloc = dictiter_dealloc,
    .traverse = dictiter_traverse,
    .clear = dictiter_clear,
    .iter = obj_iter_self,
    .next = dictiter_next_value,
};

Type T_dict_itemiterator = {
    .name = "dict_itemiterator",
    .base = &T_object,
    .flags = TF_GC,
    .basicsize = sizeof(DictIter),
    .dealloc = dictiter_dealloc,
    .traverse = dictiter_traverse,
    .clear = dictiter_clear,
    .iter = obj_iter_self,
    .next = dictiter_next_item,
};

/* ---- views ---- */

/* A live view of a dict's keys, values or items. */
typedef struct DictView { Obj hdr; Obj *dict; } DictView;

/* A new view of the given type over d. */
static Value dictview_new(Type *t, Obj *d)
{
    DictView *v = (DictView *)obj_alloc(t, sizeof(DictView));
    o_incref(d);
    v->dict = d;
    return V_OBJ(v);
}

/* Drops the dict. */
static void dictview_dealloc(Obj *self)
{
    o_xdecref(((DictView *)self)->dict);
}

/* GC: visits the dict. */
static void dictview_traverse(Obj *self, VisitFn visit, void *arg)
{
    DictView *v = (DictView *)self;
    if (v->dict)
        visit(V_OBJ(v->dict), arg);
}

/* GC: drops the dict. */
static void dictview_clear(Obj *self)
{
    DictView *v = (DictView *)self;
    Obj *d = v->dict;
    v->dict = NULL;
    o_xdecref(d);
}

/* The dict of a view (an empty dict's worth of nothing if cleared by the GC). */
static Dict *view_dict(Value self)
{
    return (Dict *)((DictView *)AS_OBJ(self))->dict;
}

/* len(view). */
static int64_t dictview_len(ThreadState *ts, Value self)
{
    Dict *d = view_dict(self);
    return d ? d->used : 0;
}

/* iter(d.keys()). */
static Value dictkeys_iter(ThreadState *ts, Value self)
{
    return dictiter_new(&T_dict_keyiterator, view_dict(self));
}

/* iter(d.values()). */
static Value dictvalues_iter(ThreadState *ts, Value self)
{
    return dictiter_new(&T_dict_valueiterator, view_dict(self));
}

/* iter(d.items()). */
static Value dictitems_iter(ThreadState *ts, Value self)
{
    return dictiter_new(&T_dict_itemiterator, view_dict(self));
}

/* x in d.keys(). */
static int dictkeys_contains(ThreadState *ts, Value self, Value key)
{
    Value v;
    return dict_lookup(ts, &view_dict(self)->hdr, key, &v);
}

/* (k, v) in d.items(). */
static int dictitems_contains(ThreadState *ts, Value self, Value item)
{
    if (!IS_TUPLE(item) || AS_TUPLE(item)->len != 2)
        return 0;
    Value v;
    int r = dict_lookup(ts, &view_dict(self)->hdr, AS_TUPLE(item)->items[0], &v);
    if (r <= 0)
        return r;
    v_incref(v);
    r = obj_eq(ts, v, AS_TUPLE(item)->items[1]);
    v_decref(v);
    return r;
}

/* x in d.values(). */
static int dictvalues_contains(ThreadState *ts, Value self, Value x)
{
    Dict *d = view_dict(self);
    for (int64_t k = 0; k < d->nentries; k++) {
        if (IS_NULL(d->entries[k].key))
            continue;
        Value v = v_new(d->entries[k].value);
        int r = obj_eq(ts, v, x);
        v_decref(v);
        if (r)
            return r;
    }
    return 0;
}

/* repr(view): "dict_keys(['a'])". */
static Value dictview_repr(ThreadState *ts, Value self)
{
    Obj *o = AS_OBJ(self);
    if (obj_repr_enter(ts, o))
        return V_OBJ(str_from_cstr("..."));
    Value l = obj_to_list(ts, self);
    if (IS_NULL(l)) {
        obj_repr_leave(ts, o);
        return V_NULL;
    }
    StrBuf b;
    sb_init(&b);
    sb_puts(&b, o->type->name);
    sb_putc(&b, '(');
    int r = sb_put_value(ts, &b, l, true);
    v_decref(l);
    obj_repr_leave(ts, o);
    if (r < 0) {
        sb_free(&b);
        return V_NULL;
    }
    sb_putc(&b, ')');
    return V_OBJ(sb_finish(&b));
}

/* Whether a value is set-like for view operators (a set or a keys/items view). */
static bool is_setlike(Value v)
{
    return OBJ_IS(v, T_set) || OBJ_IS(v, T_dict_keys) || OBJ_IS(v, T_dict_items);
}

/* Whether every item of a is in b: 1, 0, -1. */
static int all_contained_in(ThreadState *ts, Value a, Value b)
{
    Value it = obj_iter(ts, a);
    if (IS_NULL(it))
        return -1;
    int ok = 1;
    for (;;) {
        Value x = obj_next(ts, it);
        if (IS_NULL(x)) {
            if (!IS_NULL(ts->exc))
                ok = -1;
            break;
        }
        int r = obj_contains(ts, b, x);
        v_decref(x);
        if (r <= 0) {
            ok = r;
            break;
        }
    }
    v_decref(it);
    return ok;
}

/* Set comparisons between keys/items views and set-likes. */
static Value dictview_richcmp(ThreadState *ts, Value a, Value b, int op)
{
    if (!is_setlike(a) || !is_setlike(b))
        return V_NOTIMPL;
    int64_t la = obj_len(ts, a), lb;
    if (la < 0)
        return V_NULL;
    lb = obj_len(ts, b);
    if (lb < 0)
        return V_NULL;
    int r = 0;
    switch (op) {
    case CMP_EQ:
    case CMP_NE:
        r = la == lb ? all_contained_in(ts, a, b) : 0;
        if (r >= 0 && op == CMP_NE)
            r = !r;
        break;
    case CMP_LT:
        r = la < lb ? all_contained_in(ts, a, b) : 0;
        break;
    case CMP_LE:
        r = la <= lb ? all_contained_in(ts, a, b) : 0;
        break;
    case CMP_GT:
        r = la > lb ? all_contained_in(ts, b, a) : 0;
        break;
    case CMP_GE:
        r = la >= lb ? all_contained_in(ts, b, a) : 0;
        break;
    }
    if (r < 0)
        return V_NULL;
    return V_BOOL(r);
}

/* view & | - ^ other: a new set (built from a, then the set operator applied). */
static Value dictview_binop(ThreadState *ts, Value a, Value b, int op)
{
    op &= ~BINOP_INPLACE;
    if (op != BINOP_AND && op != BINOP_OR && op != BINOP_SUB && op != BINOP_XOR)
        return V_NOTIMPL;
    if (!OBJ_IS(a, T_dict_keys) && !OBJ_IS(a, T_dict_items)) {
        /* Reflected: other op view; & | ^ are symmetric, - is not. */
        if (op == BINOP_SUB) {
            Obj *s = set_new();
            if (set_update(ts, s, a) < 0) {
                o_decref(s);
                return V_NULL;
            }
            Value bs = V_OBJ(set_new());
            if (set_update(ts, AS_OBJ(bs), b) < 0) {
                o_decref(s);
                v_decref(bs);
                return V_NULL;
            }
            Value r = obj_binop(ts, V_OBJ(s), bs, BINOP_SUB);
            o_decref(s);
            v_decref(bs);
            return r;
        }
        Value t = a;
        a = b;
        b = t;
    }
    Obj *s = set_new();
    if (set_update(ts, s, a) < 0) {
        o_decref(s);
        return V_NULL;
    }
    Obj *o = set_new();
    if (set_update(ts, o, b) < 0) {
        o_decref(s);
        o_decref(o);
        return V_NULL;
    }
    Value r = obj_binop(ts, V_OBJ(s), V_OBJ(o), op);
    o_decref(s);
    o_decref(o);
    return r;
}

/* Views are unhashable... keys views are in CPython too (no __hash__). */
static int64_t dictview_hash(ThreadState *ts, Value self)
{
    exc_raise(ts, &T_TypeError, "unhashable type: '%s'", obj_type_name(self));
    return -1;
}

Type T_dict_keys = {
    .name = "dict_keys",
    .base = &T_object,
    .flags = TF_GC,
    .basicsize = sizeof(DictView),
    .dealloc = dictview_dealloc,
    .traverse = dictview_traverse,
    .clear = dictview_clear,
    .repr = dictview_repr,
    .hash = dictview_hash,
    .richcmp = dictview_richcmp,
    .iter = dictkeys_iter,
    .len = dictview_len,
    .contains = dictkeys_contains,
    .binop = dictview_binop,
};

Type T_dict_values = {
    .name = "dict_values",
    .base = &T_object,
    .flags = TF_GC,
    .basicsize = sizeof(DictView),
    .dealloc = dictview_dealloc,
    .traverse = dictview_traverse,
    .clear = dictview_clear,
    .repr = dictview_repr,
    .iter = dictvalues_iter,
    .len = dictview_len,
    .contains = dictvalues_contains,
};

Type T_dict_items = {
    .name = "dict_items",
    .base = &T_object,
    .flags = TF_GC,
    .basicsize = sizeof(DictView),
    .dealloc = dictview_dealloc,
    .traverse = dictview_traverse,
    .clear = dictview_clear,
    .repr = dictview_repr,
    .hash = dictview_hash,
    .richcmp = dictview_richcmp,
    .iter = dictitems_iter,
    .len = dictview_len,
    .contains = dictitems_contains,
    .binop = dictview_binop,
};

/* ---- methods ---- */

/* Checks a method without arguments (CPython's METH_NOARGS message). */
static int no_args(ThreadState *ts, const char *name, int nargs, Obj *kwnames)
{
    if (arg_no_kw(ts, "dict", name, kwnames) < 0)
        return -1;
    if (nargs != 1) {
        exc_raise(ts, &T_TypeError, "dict.%s() takes no arguments (%d given)", name, nargs - 1);
        return -1;
    }
    return 0;
}

/* Checks an Argument Clinic style positional count (self excluded). */
static int range_args(ThreadState *ts, const char *name, int nargs, Obj *kwnames, int lo, int hi)
{
    if (arg_no_kw(ts, "dict", name, kwnames) < 0)
        return -1;
    int n = nargs - 1;
    if (n < lo) {
        exc_raise(ts, &T_TypeError, "%s expected at least %d argument%s, got %d", name, lo,
                  lo == 1 ? "" : "s", n);
        return -1;
    }
    if (n > hi) {
        exc_raise(ts, &T_TypeError, "%s expected at most %d argument%s, got %d", name, hi,
                  hi == 1 ? "" : "s", n);
        return -1;
    }
    return 0;
}

/* d.get(key[, default]). */
static Value m_get(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (range_args(ts, "get", nargs, kwnames, 1, 2) < 0)
        return V_NULL;
    Value v;
    int r = dict_lookup(ts, AS_OBJ(args[0]), args[1], &v);
    if (r < 0)
        return V_NULL;
    if (r)
        return v_new(v);
    return nargs > 2 ? v_new(args[2]) : V_NONE;
}

/* d.setdefault(key[, default]). */
static Value m_setdefault(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (range_args(ts, "setdefault", nargs, kwnames, 1, 2) < 0)
        return V_NULL;
    Dict *d = AS_DICT(args[0]);
    Value key = args[1], dflt = nargs > 2 ? args[2] : V_NONE;
    int64_t hash = hash_value(ts, key);
    if (hash == -1)
        return V_NULL;
    size_t slot;
    int64_t ix = dict_find(ts, d, key, hash, &slot);
    if (ix == DKIX_ERROR)
        return V_NULL;
    if (ix >= 0)
        return v_new(d->entries[ix].value);
    if (d->nentries >= d->capacity) {
        dict_make_room(d);
        slot = find_empty_slot(d, hash);
    }
    dict_add_entry(d, slot, hash, v_new(key), v_new(dflt));
    return v_new(dflt);
}

/* d.pop(key[, default]). */
static Value m_pop(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (range_args(ts, "pop", nargs, kwnames, 1, 2) < 0)
        return V_NULL;
    Dict *d = AS_DICT(args[0]);
    Value key = args[1];
    int64_t hash = hash_value(ts, key);
    if (hash == -1)
        return V_NULL;
    size_t slot;
    int64_t ix = dict_find(ts, d, key, hash, &slot);
    if (ix == DKIX_ERROR)
        return V_NULL;
    if (ix < 0) {
        if (nargs > 2)
            return v_new(args[2]);
        return exc_raise_value(ts, &T_KeyError, key);
    }
    Value v = v_new(d->entries[ix].value);
    dict_remove_entry(d, slot, ix);
    return v;
}

/* d.popitem(): the last inserted pair. */
static Value m_popitem(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (no_args(ts, "popitem", nargs, kwnames) < 0)
        return V_NULL;
    Dict *d = AS_DICT(args[0]);
    if (d->used == 0)
        return exc_raise(ts, &T_KeyError, "popitem(): dictionary is empty");
    int64_t ix = d->nentries - 1;
    while (ix >= 0 && IS_NULL(d->entries[ix].key))
        ix--;
    DictEntry *e = &d->entries[ix];
    /* Find its index slot by probing for the entry index. */
    size_t mask = ((size_t)1 << d->log2size) - 1;
    size_t i = (size_t)e->hash & mask, perturb = (size_t)e->hash;
    while (ix_get(d, i) != ix) {
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + perturb + 1) & mask;
    }
    Obj *t = tuple_new(2);
    ((Tuple *)t)->items[0] = e->key;
    ((Tuple *)t)->items[1] = e->value;
    e->key = V_NULL;
    e->value = V_NULL;
    ix_set(d, i, DKIX_DUMMY);
    d->used--;
    d->nentries = ix;
    d->version = ++the_interp.dict_version;
    return V_OBJ(t);
}

/* d.keys(). */
static Value m_keys(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (no_args(ts, "keys", nargs, kwnames) < 0)
        return V_NULL;
    return dictview_new(&T_dict_keys, AS_OBJ(args[0]));
}

/* d.values(). */
static Value m_values(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (no_args(ts, "values", nargs, kwnames) < 0)
        return V_NULL;
    return dictview_new(&T_dict_values, AS_OBJ(args[0]));
}

/* d.items(). */
static Value m_items(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (no_args(ts, "items", nargs, kwnames) < 0)
        return V_NULL;
    return dictview_new(&T_dict_items, AS_OBJ(args[0]));
}

/* d.update([other], **kwargs). */
static Value m_update(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (nargs > 2)
        return exc_raise(ts, &T_TypeError, "update expected at most 1 argument, got %d", nargs - 1);
    Obj *d = AS_OBJ(args[0]);
    if (nargs == 2 && dict_update(ts, d, args[1]) < 0)
        return V_NULL;
    dict_add_kwargs(d, args + nargs, kwnames);
    return V_NONE;
}

/* d.copy(). */
static Value m_copy(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (no_args(ts, "copy", nargs, kwnames) < 0)
        return V_NULL;
    return V_OBJ(dict_copy(AS_OBJ(args[0])));
}

/* d.clear(). */
static Value m_clear(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (no_args(ts, "clear", nargs, kwnames) < 0)
        return V_NULL;
    dict_clear(AS_OBJ(args[0]));
    return V_NONE;
}

/* dict.fromkeys(iterable[, value]) (a class method). */
static Value m_fromkeys(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (range_args(ts, "fromkeys", nargs, kwnames, 1, 2) < 0)
        return V_NULL;
    Value cls = args[0], value = nargs > 2 ? args[2] : V_NONE;
    Value d;
    if (IS_OBJ(cls) && AS_OBJ(cls) == &T_dict.hdr)
        d = V_OBJ(dict_new());
    else {
        d = obj_call0(ts, cls);
        if (IS_NULL(d))
            return V_NULL;
    }
    Value it = obj_iter(ts, args[1]);
    if (IS_NULL(it)) {
        v_decref(d);
        return V_NULL;
    }
    for (;;) {
        Value k = obj_next(ts, it);
        if (IS_NULL(k))
            break;
        int r = IS_DICT(d) ? dict_set(ts, AS_OBJ(d), k, value) : obj_setitem(ts, d, k, value);
        v_decref(k);
        if (r < 0) {
            v_decref(it);
            v_decref(d);
            return V_NULL;
        }
    }
    v_decref(it);
    if (!IS_NULL(ts->exc)) {
        v_decref(d);
        return V_NULL;
    }
    return d;
}

/* The methods of dict. */
static const MethodDef dict_methods[] = {
    { "get", m_get, 0 },
    { "setdefault", m_setdefault, 0 },
    { "pop", m_pop, 0 },
    { "popitem", m_popitem, 0 },
    { "keys", m_keys, 0 },
    { "values", m_values, 0 },
    { "items", m_items, 0 },
    { "update", m_update, 0 },
    { "copy", m_copy, 0 },
    { "clear", m_clear, 0 },
    { "fromkeys", m_fromkeys, METH_CLASS },
    { NULL, NULL, 0 },
};

Type T_dict = {
    .name = "dict",
    .base = &T_object,
    .flags = TF_GC,
    .basicsize = sizeof(Dict),
    .methods = dict_methods,
    .new_ = dict_new_,
    .dealloc = dict_dealloc,
    .traverse = dict_traverse,
    .clear = dict_gc_clear,
    .repr = dict_repr,
    .hash = dict_hash,
    .richcmp = dict_richcmp,
    .iter = dict_iter,
    .len = dict_len,
    .getitem = dict_getitem,
    .setitem = dict_setitem,
    .contains = dict_contains,
    .truthy = dict_truthy,
    .binop = dict_binop,
};
