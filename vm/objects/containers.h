/* containers.h — tuple, list, dict, set, range and slice: constructors and the
 * operations the VM and the built-ins use directly (the rest are methods). */
#ifndef TINY_CONTAINERS_H
#define TINY_CONTAINERS_H

#include "object.h"

/* ---- tuple (tuple.c) ---- */
/* A tuple of n items, all V_NULL: fill items[] by stealing references. */
Obj *tuple_new(int64_t n);
/* A tuple of n values (each incref'd). */
Obj *tuple_pack(int64_t n, ...);
/* A tuple copying n values (each incref'd). */
Obj *tuple_from_array(const Value *items, int64_t n);
/* The empty tuple (immortal; no decref needed). */
Obj *tuple_empty(void);

/* ---- list (list.c) ---- */
/* An empty list with room for cap items. */
Obj *list_new(int64_t cap);
/* A list copying n values (each incref'd). */
Obj *list_from_array(const Value *items, int64_t n);
/* Appends v (incref'd). */
void list_append(Obj *l, Value v);
/* Appends v, stealing the reference. */
void list_append_steal(Obj *l, Value v);
/* Extends a list with any iterable; -1 on error. */
int list_extend(ThreadState *ts, Obj *l, Value iterable);
/* Sorts in place (stable), with an optional key function and reverse; -1 on error. */
int list_sort(ThreadState *ts, Obj *l, Value key, bool reverse);

/* ---- dict (dict.c) ---- */
Obj *dict_new(void);
/* Looks up key: 1 found (*out borrowed), 0 absent, -1 error. */
int dict_lookup(ThreadState *ts, Obj *d, Value key, Value *out);
/* Borrowed lookup by str key (no error possible); V_NULL if absent. */
Value dict_get_str(Obj *d, Obj *key);
/* Lookup by C string key (slow; for setup code). */
Value dict_get_cstr(Obj *d, const char *key);
/* d[key] = v (both incref'd); -1 on error (unhashable key). */
int dict_set(ThreadState *ts, Obj *d, Value key, Value v);
/* d[key] = v for a str key (no error possible). */
void dict_set_str(Obj *d, Obj *key, Value v);
/* d[key] = v for a C string key (interned). */
void dict_set_cstr(Obj *d, const char *key, Value v);
/* del d[key]: 1 deleted, 0 absent (no exception), -1 error. */
int dict_del(ThreadState *ts, Obj *d, Value key);
/* Iterates: start with *pos = 0; returns false at the end. key/value borrowed. */
bool dict_next(Obj *d, int64_t *pos, Value *key, Value *value);
/* Removes every entry. */
void dict_clear(Obj *d);
/* A shallow copy. */
Obj *dict_copy(Obj *d);
/* Updates d from a mapping or an iterable of pairs; -1 on error. */
int dict_update(ThreadState *ts, Obj *d, Value other);
/* Number of entries. */
#define DICT_LEN(d) (((Dict *)(d))->used)

/* ---- set (set.c) ---- */
Obj *set_new(void);
/* Adds v; -1 on error (unhashable). */
int set_add(ThreadState *ts, Obj *s, Value v);
/* 1 present, 0 absent, -1 error. */
int set_contains(ThreadState *ts, Obj *s, Value v);
/* 1 removed, 0 absent, -1 error. */
int set_discard(ThreadState *ts, Obj *s, Value v);
/* Iterates: start with *pos = 0; returns false at the end. key borrowed. */
bool set_next(Obj *s, int64_t *pos, Value *key);
/* Adds every item of an iterable; -1 on error. */
int set_update(ThreadState *ts, Obj *s, Value iterable);

/* ---- range and slice (range.c) ---- */
Obj *range_new(int64_t start, int64_t stop, int64_t step);
Obj *slice_new(Value start, Value stop, Value step);
/* A slice's raw start, stop and step (calling __index__; defaults per the step's sign). */
int slice_unpack(ThreadState *ts, Obj *slice, int64_t *start, int64_t *stop, int64_t *step);
/* Clips unpacked bounds to a length; returns the slice length. A mutable sequence adjusts
 * after unpacking, since __index__ may have changed its length. */
int64_t slice_adjust(int64_t length, int64_t *start, int64_t *stop, int64_t step);
/* Resolves a slice against a sequence length (CPython's PySlice_GetIndicesEx); -1 on error. */
int slice_indices(ThreadState *ts, Obj *slice, int64_t length,
                  int64_t *start, int64_t *stop, int64_t *step, int64_t *slicelength);

/* Iterator objects whose state the eval loop reads directly (FOR_ITER fast paths). */
typedef struct SeqIter { Obj hdr; Value seq; int64_t index; } SeqIter;      /* list, tuple, str */
typedef struct RangeIter { Obj hdr; int64_t next, step, remaining; } RangeIter;
extern Type T_list_iterator, T_tuple_iterator, T_range_iterator, T_dict_keyiterator,
    T_dict_valueiterator, T_dict_itemiterator, T_set_iterator, T_str_iterator,
    T_seq_iterator, T_dict_keys, T_dict_values, T_dict_items, T_bytes_iterator;

#endif
