/* set.c — the set type, following CPython 3.11's setobject.c exactly (an 8-slot
 * smalltable, linear probes of 9, perturbation shift 5, the same resize policy and
 * dummy handling) so that sets iterate and print in CPython's order. An entry is
 * empty when its key is V_NULL with hash 0, a dummy when its key is V_NULL with
 * hash -1, and active otherwise. */
#include "objects/containers.h"
#include "exc.h"
#include "objects/num.h"
#include "objects/str.h"
#include "state.h"
#include "objects/hash.h"
#include "args.h"
#include <stdlib.h>
#include <string.h>

#define SET_MINSIZE 8
#define LINEAR_PROBES 9
#define PERTURB_SHIFT 5

/* Results of set_discard_entry. */
#define DISCARD_NOTFOUND 0
#define DISCARD_FOUND 1

#define AS_SET(v) ((Set *)AS_OBJ(v))
#define IS_SET(v) OBJ_IS(v, T_set)

/* Aborts on allocation failure of internal buffers (out of memory is fatal). */
static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fputs("tiny: out of memory\n", stderr);
        abort();
    }
    return p;
}

/* Whether an entry holds a key. */
static inline bool entry_active(const SetEntry *e)
{
    return e->key.tag != VT_NULL;
}

/* CPython's set_lookkey: the entry holding key, or the unused entry ending the
 * search (key V_NULL); NULL on error. */
static SetEntry *set_lookkey(ThreadState *ts, Set *so, Value key, int64_t hash)
{
restart:;
    size_t mask = (size_t)so->mask, perturb = (size_t)hash;
    size_t i = (size_t)hash & mask;
    for (;;) {
        SetEntry *entry = &so->table[i];
        int probes = (i + LINEAR_PROBES <= mask) ? LINEAR_PROBES : 0;
        do {
            if (entry->hash == 0 && entry->key.tag == VT_NULL)
                return entry;
            if (entry->hash == hash) {
                Value startkey = entry->key;
                int r = key_eq_fast(startkey, key);
                if (r == 1)
                    return entry;
                if (r == 2) {
                    SetEntry *table = so->table;
                    v_incref(startkey);
                    int cmp = obj_eq(ts, startkey, key);
                    v_decref(startkey);
                    if (cmp < 0)
                        return NULL;
                    if (table != so->table || !v_same(entry->key, startkey))
                        goto restart;
                    if (cmp > 0)
                        return entry;
                    mask = (size_t)so->mask;
                }
            }
            entry++;
        } while (probes--);
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
}

/* CPython's set_insert_clean: adds a key known to be absent to a table without dummies. */
static void set_insert_clean(SetEntry *table, size_t mask, Value key, int64_t hash)
{
    size_t perturb = (size_t)hash;
    size_t i = (size_t)hash & mask;
    SetEntry *entry;
    for (;;) {
        entry = &table[i];
        if (entry->key.tag == VT_NULL)
            goto found_null;
        if (i + LINEAR_PROBES <= mask) {
            for (int j = 0; j < LINEAR_PROBES; j++) {
                entry++;
                if (entry->key.tag == VT_NULL)
                    goto found_null;
            }
        }
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
found_null:
    entry->key = key;
    entry->hash = hash;
}

/* CPython's set_table_resize: a table of the smallest power of two > minused. */
static void set_table_resize(Set *so, int64_t minused)
{
    SetEntry small_copy[SET_MINSIZE];
    SetEntry *oldtable = so->table, *newtable;
    int64_t oldmask = so->mask;
    size_t newsize = SET_MINSIZE;
    while (newsize <= (size_t)minused)
        newsize <<= 1;
    bool old_malloced = oldtable != so->smalltable;
    if (newsize == SET_MINSIZE) {
        newtable = so->smalltable;
        if (newtable == oldtable) {
            if (so->fill == so->used)
                return;
            memcpy(small_copy, oldtable, sizeof(small_copy));
            oldtable = small_copy;
        }
    } else
        newtable = xcalloc(newsize, sizeof(SetEntry));
    memset(newtable, 0, sizeof(SetEntry) * newsize);
    so->mask = (int64_t)newsize - 1;
    so->table = newtable;
    size_t newmask = (size_t)so->mask;
    if (so->fill == so->used) {
        for (SetEntry *e = oldtable; e <= oldtable + oldmask; e++)
            if (entry_active(e))
                set_insert_clean(newtable, newmask, e->key, e->hash);
    } else {
        so->fill = so->used;
        for (SetEntry *e = oldtable; e <= oldtable + oldmask; e++)
            if (entry_active(e))
                set_insert_clean(newtable, newmask, e->key, e->hash);
    }
    if (old_malloced)
        free(oldtable);
}

/* CPython's set_add_entry: adds key (incref'd) with a known hash; -1 on error. */
static int set_add_entry(ThreadState *ts, Set *so, Value key, int64_t hash)
{
    SetEntry *freeslot, *entry;
    size_t perturb, mask, i;
    v_incref(key);
restart:
    mask = (size_t)so->mask;
    i = (size_t)hash & mask;
    freeslot = NULL;
    perturb = (size_t)hash;
    for (;;) {
        entry = &so->table[i];
        int probes = (i + LINEAR_PROBES <= mask) ? LINEAR_PROBES : 0;
        do {
            if (entry->hash == 0 && entry->key.tag == VT_NULL)
                goto found_unused_or_dummy;
            if (entry->hash == hash) {
                Value startkey = entry->key;
                int r = key_eq_fast(startkey, key);
                if (r == 1)
                    goto found_active;
                if (r == 2) {
                    SetEntry *table = so->table;
                    v_incref(startkey);
                    int cmp = obj_eq(ts, startkey, key);
                    v_decref(startkey);
                    if (cmp > 0)
                        goto found_active;
                    if (cmp < 0)
                        goto comparison_error;
                    if (table != so->table || !v_same(entry->key, startkey))
                        goto restart;
                    mask = (size_t)so->mask;
                }
            } else if (entry->hash == -1)
                freeslot = entry;
            entry++;
        } while (probes--);
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
found_unused_or_dummy:
    if (freeslot == NULL)
        goto found_unused;
    so->used++;
    freeslot->key = key;
    freeslot->hash = hash;
    return 0;
found_unused:
    so->fill++;
    so->used++;
    entry->key = key;
    entry->hash = hash;
    if ((size_t)so->fill * 5 < mask * 3)
        return 0;
    set_table_resize(so, so->used > 50000 ? so->used * 2 : so->used * 4);
    return 0;
found_active:
    v_decref(key);
    return 0;
comparison_error:
    v_decref(key);
    return -1;
}

/* 1 if key (with hash) is in so, 0 if not, -1 on error. */
static int set_contains_entry(ThreadState *ts, Set *so, Value key, int64_t hash)
{
    SetEntry *e = set_lookkey(ts, so, key, hash);
    if (!e)
        return -1;
    return entry_active(e);
}

/* Removes key (with hash): DISCARD_FOUND, DISCARD_NOTFOUND, or -1 on error. */
static int set_discard_entry(ThreadState *ts, Set *so, Value key, int64_t hash)
{
    SetEntry *e = set_lookkey(ts, so, key, hash);
    if (!e)
        return -1;
    if (!entry_active(e))
        return DISCARD_NOTFOUND;
    Value old = e->key;
    e->key = V_NULL;
    e->hash = -1;
    so->used--;
    v_decref(old);
    return DISCARD_FOUND;
}

/* Iterates active entries by table position. */
static bool set_next_entry(Set *so, int64_t *pos, SetEntry **out)
{
    int64_t i = *pos;
    while (i <= so->mask && !entry_active(&so->table[i]))
        i++;
    *pos = i + 1;
    if (i > so->mask)
        return false;
    *out = &so->table[i];
    return true;
}

/* Empties a set, dropping the keys once it is consistent. */
static void set_clear_internal(Set *so)
{
    SetEntry small_copy[SET_MINSIZE];
    SetEntry *table = so->table;
    int64_t mask = so->mask, fill = so->fill;
    bool malloced = table != so->smalltable;
    if (!malloced) {
        memcpy(small_copy, table, sizeof(small_copy));
        table = small_copy;
    }
    memset(so->smalltable, 0, sizeof(so->smalltable));
    so->table = so->smalltable;
    so->mask = SET_MINSIZE - 1;
    so->fill = so->used = 0;
    if (fill) {
        for (int64_t i = 0; i <= mask; i++)
            if (entry_active(&table[i]))
                v_decref(table[i].key);
    }
    if (malloced)
        free(table);
}

/* CPython's set_merge: adds every key of other (a set). */
static int set_merge(ThreadState *ts, Set *so, Set *other)
{
    if (other == so || other->used == 0)
        return 0;
    if ((so->fill + other->used) * 5 >= so->mask * 3)
        set_table_resize(so, (so->used + other->used) * 2);
    SetEntry *so_entry = so->table, *other_entry = other->table;
    if (so->fill == 0 && so->mask == other->mask && other->fill == other->used) {
        for (int64_t i = 0; i <= other->mask; i++, so_entry++, other_entry++) {
            if (entry_active(other_entry)) {
                so_entry->key = v_new(other_entry->key);
                so_entry->hash = other_entry->hash;
            }
        }
        so->fill = other->fill;
        so->used = other->used;
        return 0;
    }
    if (so->fill == 0) {
        SetEntry *newtable = so->table;
        size_t newmask = (size_t)so->mask;
        so->fill = other->used;
        so->used = other->used;
        for (int64_t i = other->mask + 1; i > 0; i--, other_entry++)
            if (entry_active(other_entry))
                set_insert_clean(newtable, newmask, v_new(other_entry->key), other_entry->hash);
        return 0;
    }
    for (int64_t i = 0; i <= other->mask; i++) {
        other_entry = &other->table[i];
        if (entry_active(other_entry)) {
            Value key = v_new(other_entry->key);
            int r = set_add_entry(ts, so, key, other_entry->hash);
            v_decref(key);
            if (r < 0)
                return -1;
        }
    }
    return 0;
}

/* CPython's set_update_internal: adds every item of an iterable. */
static int set_update_internal(ThreadState *ts, Set *so, Value other)
{
    if (IS_SET(other))
        return set_merge(ts, so, AS_SET(other));
    if (IS_DICT(other)) {
        Dict *d = AS_DICT(other);
        if ((so->fill + d->used) * 5 >= so->mask * 3)
            set_table_resize(so, (so->used + d->used) * 2);
        for (int64_t k = 0; k < d->nentries; k++) {
            DictEntry *e = &d->entries[k];
            if (IS_NULL(e->key))
                continue;
            Value key = v_new(e->key);
            int r = set_add_entry(ts, so, key, e->hash);
            v_decref(key);
            if (r < 0)
                return -1;
        }
        return 0;
    }
    Value it = obj_iter(ts, other);
    if (IS_NULL(it))
        return -1;
    for (;;) {
        Value key = obj_next(ts, it);
        if (IS_NULL(key))
            break;
        int64_t hash = hash_value(ts, key);
        int r = hash == -1 ? -1 : set_add_entry(ts, so, key, hash);
        v_decref(key);
        if (r < 0) {
            v_decref(it);
            return -1;
        }
    }
    v_decref(it);
    return IS_NULL(ts->exc) ? 0 : -1;
}

/* A new set holding the items of iterable (V_NULL: empty); NULL on error. */
static Set *make_new_set(ThreadState *ts, Value iterable)
{
    Set *so = (Set *)set_new();
    if (!IS_NULL(iterable) && set_update_internal(ts, so, iterable) < 0) {
        o_decref(&so->hdr);
        return NULL;
    }
    return so;
}

/* ---- the API of containers.h ---- */

Obj *set_new(void)
{
    Set *so = (Set *)obj_alloc(&T_set, sizeof(Set));
    so->fill = so->used = 0;
    so->mask = SET_MINSIZE - 1;
    so->finger = 0;
    so->table = so->smalltable;
    memset(so->smalltable, 0, sizeof(so->smalltable));
    return &so->hdr;
}

int set_add(ThreadState *ts, Obj *s, Value v)
{
    int64_t hash = hash_value(ts, v);
    if (hash == -1)
        return -1;
    return set_add_entry(ts, (Set *)s, v, hash);
}

int set_contains(ThreadState *ts, Obj *s, Value v)
{
    int64_t hash = hash_value(ts, v);
    if (hash == -1)
        return -1;
    return set_contains_entry(ts, (Set *)s, v, hash);
}

int set_discard(ThreadState *ts, Obj *s, Value v)
{
    int64_t hash = hash_value(ts, v);
    if (hash == -1)
        return -1;
    return set_discard_entry(ts, (Set *)s, v, hash);
}

bool set_next(Obj *s, int64_t *pos, Value *key)
{
    SetEntry *e;
    if (!set_next_entry((Set *)s, pos, &e))
        return false;
    *key = e->key;
    return true;
}

int set_update(ThreadState *ts, Obj *s, Value iterable)
{
    return set_update_internal(ts, (Set *)s, iterable);
}

/* ---- set algebra (CPython's algorithms, for the same result orders) ---- */

/* A shallow copy. */
static Set *set_copy(ThreadState *ts, Set *so)
{
    return make_new_set(ts, V_OBJ(so));
}

/* so & other (other any iterable); NULL on error. */
static Set *set_intersection(ThreadState *ts, Set *so, Value other)
{
    if (IS_OBJ(other) && AS_OBJ(other) == &so->hdr)
        return set_copy(ts, so);
    Set *result = (Set *)set_new();
    if (IS_SET(other)) {
        Set *a = so, *b = AS_SET(other);
        if (b->used > a->used) {
            Set *t = a;
            a = b;
            b = t;
        }
        int64_t pos = 0;
        SetEntry *e;
        while (set_next_entry(b, &pos, &e)) {
            Value key = v_new(e->key);
            int64_t hash = e->hash;
            int rv = set_contains_entry(ts, a, key, hash);
            if (rv > 0)
                rv = set_add_entry(ts, result, key, hash);
            v_decref(key);
            if (rv < 0) {
                o_decref(&result->hdr);
                return NULL;
            }
        }
        return result;
    }
    Value it = obj_iter(ts, other);
    if (IS_NULL(it)) {
        o_decref(&result->hdr);
        return NULL;
    }
    for (;;) {
        Value key = obj_next(ts, it);
        if (IS_NULL(key))
            break;
        int64_t hash = hash_value(ts, key);
        int rv = hash == -1 ? -1 : set_contains_entry(ts, so, key, hash);
        if (rv > 0) {
            rv = set_add_entry(ts, result, key, hash);
            if (rv == 0 && result->used >= so->used) {
                v_decref(key);
                break;
            }
        }
        v_decref(key);
        if (rv < 0) {
            v_decref(it);
            o_decref(&result->hdr);
            return NULL;
        }
    }
    v_decref(it);
    if (!IS_NULL(ts->exc)) {
        o_decref(&result->hdr);
        return NULL;
    }
    return result;
}

/* Swaps the tables of two sets (for the in-place operations). */
static void set_swap_bodies(Set *a, Set *b)
{
    SetEntry tmp[SET_MINSIZE];
    int64_t t;
    t = a->fill; a->fill = b->fill; b->fill = t;
    t = a->used; a->used = b->used; b->used = t;
    t = a->mask; a->mask = b->mask; b->mask = t;
    SetEntry *ta = a->table == a->smalltable ? NULL : a->table;
    SetEntry *tb = b->table == b->smalltable ? NULL : b->table;
    memcpy(tmp, a->smalltable, sizeof(tmp));
    memcpy(a->smalltable, b->smalltable, sizeof(tmp));
    memcpy(b->smalltable, tmp, sizeof(tmp));
    a->table = tb ? tb : a->smalltable;
    b->table = ta ? ta : b->smalltable;
}

/* so &= other. */
static int set_intersection_update(ThreadState *ts, Set *so, Value other)
{
    Set *tmp = set_intersection(ts, so, other);
    if (!tmp)
        return -1;
    set_swap_bodies(so, tmp);
    o_decref(&tmp->hdr);
    return 0;
}

/* CPython's set_difference_update_internal: removes the items of other. */
static int set_difference_update_internal(ThreadState *ts, Set *so, Value other)
{
    if (IS_OBJ(other) && AS_OBJ(other) == &so->hdr) {
        set_clear_internal(so);
        return 0;
    }
    if (IS_SET(other)) {
        Set *o = AS_SET(other);
        if ((o->used >> 3) > so->used) {
            o = set_intersection(ts, so, other);
            if (!o)
                return -1;
        } else
            o_incref(&o->hdr);
        int64_t pos = 0;
        SetEntry *e;
        while (set_next_entry(o, &pos, &e)) {
            Value key = v_new(e->key);
            int r = set_discard_entry(ts, so, key, e->hash);
            v_decref(key);
            if (r < 0) {
                o_decref(&o->hdr);
                return -1;
            }
        }
        o_decref(&o->hdr);
    } else {
        Value it = obj_iter(ts, other);
        if (IS_NULL(it))
            return -1;
        for (;;) {
            Value key = obj_next(ts, it);
            if (IS_NULL(key))
                break;
            int64_t hash = hash_value(ts, key);
            int r = hash == -1 ? -1 : set_discard_entry(ts, so, key, hash);
            v_decref(key);
            if (r < 0) {
                v_decref(it);
                return -1;
            }
        }
        v_decref(it);
        if (!IS_NULL(ts->exc))
            return -1;
    }
    if ((size_t)(so->fill - so->used) <= (size_t)so->mask / 4)
        return 0;
    set_table_resize(so, so->used > 50000 ? so->used * 2 : so->used * 4);
    return 0;
}

/* CPython's set_copy_and_difference. */
static Set *set_copy_and_difference(ThreadState *ts, Set *so, Value other)
{
    Set *result = set_copy(ts, so);
    if (!result)
        return NULL;
    if (set_difference_update_internal(ts, result, other) < 0) {
        o_decref(&result->hdr);
        return NULL;
    }
    return result;
}

/* so - other (other any iterable); NULL on error. */
static Set *set_difference(ThreadState *ts, Set *so, Value other)
{
    int64_t other_size;
    if (IS_SET(other))
        other_size = AS_SET(other)->used;
    else if (IS_DICT(other))
        other_size = AS_DICT(other)->used;
    else
        return set_copy_and_difference(ts, so, other);
    if ((so->used >> 2) > other_size)
        return set_copy_and_difference(ts, so, other);
    Set *result = (Set *)set_new();
    int64_t pos = 0;
    SetEntry *e;
    while (set_next_entry(so, &pos, &e)) {
        Value key = v_new(e->key);
        int64_t hash = e->hash;
        int rv;
        if (IS_DICT(other)) {
            Value dummy;
            rv = dict_lookup(ts, AS_OBJ(other), key, &dummy);
        } else
            rv = set_contains_entry(ts, AS_SET(other), key, hash);
        if (rv == 0)
            rv = set_add_entry(ts, result, key, hash);
        v_decref(key);
        if (rv < 0) {
            o_decref(&result->hdr);
            return NULL;
        }
    }
    return result;
}

/* CPython's set_symmetric_difference_update. */
static int set_symmetric_difference_update(ThreadState *ts, Set *so, Value other)
{
    if (IS_OBJ(other) && AS_OBJ(other) == &so->hdr) {
        set_clear_internal(so);
        return 0;
    }
    Set *otherset;
    if (IS_SET(other)) {
        otherset = AS_SET(other);
        o_incref(&otherset->hdr);
    } else {
        otherset = make_new_set(ts, other);
        if (!otherset)
            return -1;
    }
    int64_t pos = 0;
    SetEntry *e;
    while (set_next_entry(otherset, &pos, &e)) {
        Value key = v_new(e->key);
        int64_t hash = e->hash;
        int rv = set_discard_entry(ts, so, key, hash);
        if (rv == DISCARD_NOTFOUND)
            rv = set_add_entry(ts, so, key, hash);
        v_decref(key);
        if (rv < 0) {
            o_decref(&otherset->hdr);
            return -1;
        }
    }
    o_decref(&otherset->hdr);
    return 0;
}

/* so ^ other. */
static Set *set_symmetric_difference(ThreadState *ts, Set *so, Value other)
{
    Set *otherset = make_new_set(ts, other);
    if (!otherset)
        return NULL;
    if (set_symmetric_difference_update(ts, otherset, V_OBJ(so)) < 0) {
        o_decref(&otherset->hdr);
        return NULL;
    }
    return otherset;
}

/* so <= other (other any iterable): 1, 0, -1. */
static int set_issubset(ThreadState *ts, Set *so, Value other)
{
    if (!IS_SET(other)) {
        Set *tmp = set_intersection(ts, so, other);
        if (!tmp)
            return -1;
        int r = tmp->used == so->used;
        o_decref(&tmp->hdr);
        return r;
    }
    Set *o = AS_SET(other);
    if (so->used > o->used)
        return 0;
    int64_t pos = 0;
    SetEntry *e;
    while (set_next_entry(so, &pos, &e)) {
        Value key = v_new(e->key);
        int rv = set_contains_entry(ts, o, key, e->hash);
        v_decref(key);
        if (rv <= 0)
            return rv;
    }
    return 1;
}

/* so >= other (other any iterable): 1, 0, -1. */
static int set_issuperset(ThreadState *ts, Set *so, Value other)
{
    if (IS_SET(other))
        return set_issubset(ts, AS_SET(other), V_OBJ(so));
    Value it = obj_iter(ts, other);
    if (IS_NULL(it))
        return -1;
    int result = 1;
    for (;;) {
        Value key = obj_next(ts, it);
        if (IS_NULL(key)) {
            if (!IS_NULL(ts->exc))
                result = -1;
            break;
        }
        int rv = set_contains(ts, &so->hdr, key);
        v_decref(key);
        if (rv <= 0) {
            result = rv;
            break;
        }
    }
    v_decref(it);
    return result;
}

/* Whether so and other share no item: 1, 0, -1. */
static int set_isdisjoint(ThreadState *ts, Set *so, Value other)
{
    if (IS_OBJ(other) && AS_OBJ(other) == &so->hdr)
        return so->used == 0;
    if (IS_SET(other)) {
        Set *a = so, *b = AS_SET(other);
        if (b->used > a->used) {
            Set *t = a;
            a = b;
            b = t;
        }
        int64_t pos = 0;
        SetEntry *e;
        while (set_next_entry(b, &pos, &e)) {
            Value key = v_new(e->key);
            int rv = set_contains_entry(ts, a, key, e->hash);
            v_decref(key);
            if (rv != 0)
                return rv < 0 ? -1 : 0;
        }
        return 1;
    }
    Value it = obj_iter(ts, other);
    if (IS_NULL(it))
        return -1;
    int result = 1;
    for (;;) {
        Value key = obj_next(ts, it);
        if (IS_NULL(key)) {
            if (!IS_NULL(ts->exc))
                result = -1;
            break;
        }
        int rv = set_contains(ts, &so->hdr, key);
        v_decref(key);
        if (rv != 0) {
            result = rv < 0 ? -1 : 0;
            break;
        }
    }
    v_decref(it);
    return result;
}

/* ---- type slots ---- */

/* Drops the keys and frees a malloc'ed table. */
static void set_dealloc(Obj *self)
{
    Set *so = (Set *)self;
    for (int64_t i = 0; i <= so->mask; i++)
        if (entry_active(&so->table[i]))
            v_decref(so->table[i].key);
    if (so->table != so->smalltable)
        free(so->table);
    so->table = so->smalltable;
    so->mask = SET_MINSIZE - 1;
    so->fill = so->used = 0;
    memset(so->smalltable, 0, sizeof(so->smalltable));
}

/* GC: visits the keys. */
static void set_traverse(Obj *self, VisitFn visit, void *arg)
{
    Set *so = (Set *)self;
    for (int64_t i = 0; i <= so->mask; i++)
        if (IS_OBJ(so->table[i].key))
            visit(so->table[i].key, arg);
}

/* GC: empties the set. */
static void set_gc_clear(Obj *self)
{
    set_clear_internal((Set *)self);
}

/* repr(): "{1, 2}", "set()". */
static Value set_repr(ThreadState *ts, Value self)
{
    Set *so = AS_SET(self);
    if (so->used == 0)
        return V_OBJ(str_from_cstr("set()"));
    if (obj_repr_enter(ts, &so->hdr))
        return V_OBJ(str_from_cstr("set(...)"));
    /* Snapshot the keys: repr of an item may mutate the set. */
    Value lst = V_OBJ(list_new(so->used));
    int64_t pos = 0;
    SetEntry *e;
    while (set_next_entry(so, &pos, &e))
        list_append(AS_OBJ(lst), e->key);
    StrBuf b;
    sb_init(&b);
    sb_putc(&b, '{');
    List *l = AS_LIST(lst);
    int r = 0;
    for (int64_t i = 0; i < l->len && r == 0; i++) {
        if (i)
            sb_puts(&b, ", ");
        r = sb_put_value(ts, &b, l->items[i], true);
    }
    v_decref(lst);
    obj_repr_leave(ts, &so->hdr);
    if (r < 0) {
        sb_free(&b);
        return V_NULL;
    }
    sb_putc(&b, '}');
    return V_OBJ(sb_finish(&b));
}

/* Sets are unhashable. */
static int64_t set_hash(ThreadState *ts, Value self)
{
    exc_raise(ts, &T_TypeError, "unhashable type: 'set'");
    return -1;
}

/* Subset comparisons; NotImplemented unless both are sets. */
static Value set_richcmp(ThreadState *ts, Value a, Value b, int op)
{
    if (!IS_SET(a) || !IS_SET(b))
        return V_NOTIMPL;
    Set *v = AS_SET(a), *w = AS_SET(b);
    int r;
    switch (op) {
    case CMP_EQ:
        r = v->used == w->used ? set_issubset(ts, v, b) : 0;
        break;
    case CMP_NE:
        r = v->used == w->used ? set_issubset(ts, v, b) : 0;
        if (r >= 0)
            r = !r;
        break;
    case CMP_LE:
        r = set_issubset(ts, v, b);
        break;
    case CMP_GE:
        r = set_issuperset(ts, v, b);
        break;
    case CMP_LT:
        r = v->used < w->used ? set_issubset(ts, v, b) : 0;
        break;
    default:
        r = v->used > w->used ? set_issuperset(ts, v, b) : 0;
        break;
    }
    if (r < 0)
        return V_NULL;
    return V_BOOL(r);
}

/* len(). */
static int64_t set_len(ThreadState *ts, Value self)
{
    return AS_SET(self)->used;
}

/* bool(). */
static int set_truthy(ThreadState *ts, Value self)
{
    return AS_SET(self)->used != 0;
}

/* x in s. */
static int set_contains_slot(ThreadState *ts, Value self, Value item)
{
    return set_contains(ts, AS_OBJ(self), item);
}

/* Wraps a set result (NULL on error) as a Value. */
static Value set_result(Set *s)
{
    return s ? V_OBJ(s) : V_NULL;
}

/* | & - ^ between sets, and their in-place forms; NotImplemented otherwise. */
static Value set_binop(ThreadState *ts, Value a, Value b, int op)
{
    bool inplace = (op & BINOP_INPLACE) != 0;
    op &= ~BINOP_INPLACE;
    if (op != BINOP_OR && op != BINOP_AND && op != BINOP_SUB && op != BINOP_XOR)
        return V_NOTIMPL;
    if (!IS_SET(a) || !IS_SET(b))
        return V_NOTIMPL;
    Set *so = AS_SET(a);
    if (inplace) {
        int r;
        switch (op) {
        case BINOP_OR: r = set_update_internal(ts, so, b); break;
        case BINOP_AND: r = set_intersection_update(ts, so, b); break;
        case BINOP_SUB: r = set_difference_update_internal(ts, so, b); break;
        default: r = set_symmetric_difference_update(ts, so, b); break;
        }
        return r < 0 ? V_NULL : v_new(a);
    }
    switch (op) {
    case BINOP_OR: {
        Set *result = set_copy(ts, so);
        if (!result)
            return V_NULL;
        if (AS_OBJ(b) == &so->hdr)
            return V_OBJ(result);
        if (set_update_internal(ts, result, b) < 0) {
            o_decref(&result->hdr);
            return V_NULL;
        }
        return V_OBJ(result);
    }
    case BINOP_AND:
        return set_result(set_intersection(ts, so, b));
    case BINOP_SUB:
        return set_result(set_difference(ts, so, b));
    default:
        return set_result(set_symmetric_difference(ts, so, b));
    }
}

/* set() and set(iterable). */
static Value set_new_(ThreadState *ts, Type *type, Value *args, int nargs, Obj *kwnames)
{
    if (kwnames && ((Tuple *)kwnames)->len)
        return exc_raise(ts, &T_TypeError, "set() takes no keyword arguments");
    if (nargs > 1)
        return exc_raise(ts, &T_TypeError, "set expected at most 1 argument, got %d", nargs);
    return set_result(make_new_set(ts, nargs ? args[0] : V_NULL));
}

/* ---- iterator ---- */

/* A set iterator: table position, and the size it expects the set to keep. */
typedef struct SetIter { Obj hdr; Obj *set; int64_t used, pos, len; } SetIter;

/* Drops the set. */
static void setiter_dealloc(Obj *self)
{
    o_xdecref(((SetIter *)self)->set);
}

/* GC: visits the set. */
static void setiter_traverse(Obj *self, VisitFn visit, void *arg)
{
    SetIter *it = (SetIter *)self;
    if (it->set)
        visit(V_OBJ(it->set), arg);
}

/* GC: drops the set. */
static void setiter_clear(Obj *self)
{
    SetIter *it = (SetIter *)self;
    Obj *s = it->set;
    it->set = NULL;
    o_xdecref(s);
}


/* next(it); RuntimeError if the set changed size. */
static Value setiter_next(ThreadState *ts, Value self)
{
    SetIter *it = (SetIter *)AS_OBJ(self);
    Set *so = (Set *)it->set;
    if (!so)
        return V_NULL;
    if (it->used != so->used) {
        exc_raise(ts, &T_RuntimeError, "Set changed size during iteration");
        it->used = -1;
        return V_NULL;
    }
    int64_t i = it->pos;
    while (i <= so->mask && !entry_active(&so->table[i]))
        i++;
    it->pos = i + 1;
    if (i > so->mask) {
        setiter_clear(&it->hdr);
        return V_NULL;
    }
    it->len--;
    return v_new(so->table[i].key);
}

/* iter(s). */
static Value set_iter(ThreadState *ts, Value self)
{
    SetIter *it = (SetIter *)obj_alloc(&T_set_iterator, sizeof(SetIter));
    o_incref(AS_OBJ(self));
    it->set = AS_OBJ(self);
    it->used = AS_SET(self)->used;
    it->pos = 0;
    it->len = it->used;
    return V_OBJ(it);
}

Type T_set_iterator = {
    .name = "set_iterator",
    .base = &T_object,
    .flags = TF_GC,
    .basicsize = sizeof(SetIter),
    .dealloc = setiter_dealloc,
    .traverse = setiter_traverse,
    .clear = setiter_clear,
    .iter = obj_iter_self,
    .next = setiter_next,
};

/* ---- methods ---- */

/* Checks a one-argument method (CPython's METH_O message). */
static int one_arg(ThreadState *ts, const char *name, int nargs, Obj *kwnames)
{
    if (arg_no_kw(ts, "set", name, kwnames) < 0)
        return -1;
    if (nargs != 2) {
        exc_raise(ts, &T_TypeError, "set.%s() takes exactly one argument (%d given)", name,
                  nargs - 1);
        return -1;
    }
    return 0;
}

/* Checks a method without arguments (CPython's METH_NOARGS message). */
static int no_args(ThreadState *ts, const char *name, int nargs, Obj *kwnames)
{
    if (arg_no_kw(ts, "set", name, kwnames) < 0)
        return -1;
    if (nargs != 1) {
        exc_raise(ts, &T_TypeError, "set.%s() takes no arguments (%d given)", name, nargs - 1);
        return -1;
    }
    return 0;
}

/* s.add(x). */
static Value m_add(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (one_arg(ts, "add", nargs, kwnames) < 0 || set_add(ts, AS_OBJ(args[0]), args[1]) < 0)
        return V_NULL;
    return V_NONE;
}

/* s.discard(x). */
static Value m_discard(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (one_arg(ts, "discard", nargs, kwnames) < 0 ||
        set_discard(ts, AS_OBJ(args[0]), args[1]) < 0)
        return V_NULL;
    return V_NONE;
}

/* s.remove(x): KeyError(x) when absent. */
static Value m_remove(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (one_arg(ts, "remove", nargs, kwnames) < 0)
        return V_NULL;
    int r = set_discard(ts, AS_OBJ(args[0]), args[1]);
    if (r < 0)
        return V_NULL;
    if (r == 0)
        return exc_raise_value(ts, &T_KeyError, args[1]);
    return V_NONE;
}

/* s.pop(): an arbitrary item (CPython's finger order). */
static Value m_pop(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (no_args(ts, "pop", nargs, kwnames) < 0)
        return V_NULL;
    Set *so = AS_SET(args[0]);
    if (so->used == 0)
        return exc_raise(ts, &T_KeyError, "pop from an empty set");
    SetEntry *entry = so->table + (so->finger & so->mask);
    SetEntry *limit = so->table + so->mask;
    while (!entry_active(entry)) {
        entry++;
        if (entry > limit)
            entry = so->table;
    }
    Value key = entry->key;
    entry->key = V_NULL;
    entry->hash = -1;
    so->used--;
    so->finger = entry - so->table + 1;
    return key;
}

/* s.clear(). */
static Value m_clear(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (no_args(ts, "clear", nargs, kwnames) < 0)
        return V_NULL;
    set_clear_internal(AS_SET(args[0]));
    return V_NONE;
}

/* s.copy(). */
static Value m_copy(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (no_args(ts, "copy", nargs, kwnames) < 0)
        return V_NULL;
    return set_result(set_copy(ts, AS_SET(args[0])));
}

/* s.update(*others). */
static Value m_update(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (arg_no_kw(ts, "set", "update", kwnames) < 0)
        return V_NULL;
    for (int i = 1; i < nargs; i++)
        if (set_update_internal(ts, AS_SET(args[0]), args[i]) < 0)
            return V_NULL;
    return V_NONE;
}

/* s.union(*others). */
static Value m_union(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (arg_no_kw(ts, "set", "union", kwnames) < 0)
        return V_NULL;
    Set *so = AS_SET(args[0]);
    Set *result = set_copy(ts, so);
    if (!result)
        return V_NULL;
    for (int i = 1; i < nargs; i++) {
        if (IS_OBJ(args[i]) && AS_OBJ(args[i]) == &so->hdr)
            continue;
        if (set_update_internal(ts, result, args[i]) < 0) {
            o_decref(&result->hdr);
            return V_NULL;
        }
    }
    return V_OBJ(result);
}

/* s.intersection(*others), as CPython's set_intersection_multi. */
static Set *intersection_multi(ThreadState *ts, Value *args, int nargs)
{
    Set *so = AS_SET(args[0]);
    if (nargs == 1)
        return set_copy(ts, so);
    o_incref(&so->hdr);
    Set *result = so;
    for (int i = 1; i < nargs; i++) {
        Set *n = set_intersection(ts, result, args[i]);
        o_decref(&result->hdr);
        if (!n)
            return NULL;
        result = n;
    }
    return result;
}

/* s.intersection(*others). */
static Value m_intersection(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (arg_no_kw(ts, "set", "intersection", kwnames) < 0)
        return V_NULL;
    return set_result(intersection_multi(ts, args, nargs));
}

/* s.intersection_update(*others). */
static Value m_intersection_update(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (arg_no_kw(ts, "set", "intersection_update", kwnames) < 0)
        return V_NULL;
    Set *tmp = intersection_multi(ts, args, nargs);
    if (!tmp)
        return V_NULL;
    set_swap_bodies(AS_SET(args[0]), tmp);
    o_decref(&tmp->hdr);
    return V_NONE;
}

/* s.difference(*others). */
static Value m_difference(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (arg_no_kw(ts, "set", "difference", kwnames) < 0)
        return V_NULL;
    Set *so = AS_SET(args[0]);
    if (nargs == 1)
        return set_result(set_copy(ts, so));
    Set *result = set_difference(ts, so, args[1]);
    if (!result)
        return V_NULL;
    for (int i = 2; i < nargs; i++) {
        if (set_difference_update_internal(ts, result, args[i]) < 0) {
            o_decref(&result->hdr);
            return V_NULL;
        }
    }
    return V_OBJ(result);
}

/* s.difference_update(*others). */
static Value m_difference_update(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (arg_no_kw(ts, "set", "difference_update", kwnames) < 0)
        return V_NULL;
    for (int i = 1; i < nargs; i++)
        if (set_difference_update_internal(ts, AS_SET(args[0]), args[i]) < 0)
            return V_NULL;
    return V_NONE;
}

/* s.symmetric_difference(other). */
static Value m_symmetric_difference(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (one_arg(ts, "symmetric_difference", nargs, kwnames) < 0)
        return V_NULL;
    return set_result(set_symmetric_difference(ts, AS_SET(args[0]), args[1]));
}

/* s.symmetric_difference_update(other). */
static Value m_symmetric_difference_update(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (one_arg(ts, "symmetric_difference_update", nargs, kwnames) < 0 ||
        set_symmetric_difference_update(ts, AS_SET(args[0]), args[1]) < 0)
        return V_NULL;
    return V_NONE;
}

/* s.issubset(other). */
static Value m_issubset(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (one_arg(ts, "issubset", nargs, kwnames) < 0)
        return V_NULL;
    int r = set_issubset(ts, AS_SET(args[0]), args[1]);
    return r < 0 ? V_NULL : V_BOOL(r);
}

/* s.issuperset(other). */
static Value m_issuperset(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (one_arg(ts, "issuperset", nargs, kwnames) < 0)
        return V_NULL;
    int r = set_issuperset(ts, AS_SET(args[0]), args[1]);
    return r < 0 ? V_NULL : V_BOOL(r);
}

/* s.isdisjoint(other). */
static Value m_isdisjoint(ThreadState *ts, Value *args, int nargs, Obj *kwnames)
{
    if (one_arg(ts, "isdisjoint", nargs, kwnames) < 0)
        return V_NULL;
    int r = set_isdisjoint(ts, AS_SET(args[0]), args[1]);
    return r < 0 ? V_NULL : V_BOOL(r);
}

/* The methods of set. */
static const MethodDef set_methods[] = {
    { "add", m_add, 0 },
    { "discard", m_discard, 0 },
    { "remove", m_remove, 0 },
    { "pop", m_pop, 0 },
    { "clear", m_clear, 0 },
    { "copy", m_copy, 0 },
    { "update", m_update, 0 },
    { "union", m_union, 0 },
    { "intersection", m_intersection, 0 },
    { "intersection_update", m_intersection_update, 0 },
    { "difference", m_difference, 0 },
    { "difference_update", m_difference_update, 0 },
    { "symmetric_difference", m_symmetric_difference, 0 },
    { "symmetric_difference_update", m_symmetric_difference_update, 0 },
    { "issubset", m_issubset, 0 },
    { "issuperset", m_issuperset, 0 },
    { "isdisjoint", m_isdisjoint, 0 },
    { NULL, NULL, 0 },
};

Type T_set = {
    .name = "set",
    .base = &T_object,
    .flags = TF_GC,
    .basicsize = sizeof(Set),
    .methods = set_methods,
    .new_ = set_new_,
    .dealloc = set_dealloc,
    .traverse = set_traverse,
    .clear = set_gc_clear,
    .repr = set_repr,
    .hash = set_hash,
    .richcmp = set_richcmp,
    .iter = set_iter,
    .len = set_len,
    .contains = set_contains_slot,
    .truthy = set_truthy,
    .binop = set_binop,
};
