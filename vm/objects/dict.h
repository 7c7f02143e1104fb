/* dict.h — dicts. */
#ifndef TINY_DICT_H
#define TINY_DICT_H

#include "object.h"

/* A new empty dict. */
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

#endif
