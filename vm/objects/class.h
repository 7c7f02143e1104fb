/* class.h — classes (heap types), instances and super. */
#ifndef TINY_CLASS_H
#define TINY_CLASS_H

#include "object.h"

/* Creates a class: name, one base (NULL: object), and its namespace dict (copied). */
Value class_new(ThreadState *ts, Obj *name, Type *base, Obj *ns);
/* A new instance of a class (no __init__ run). */
Obj *instance_alloc(Type *t);
/* The __dict__ of an object with the Instance layout: moves inline attributes into a dict
 * first; NULL when it has none and !create (borrowed). */
Obj *instance_dict(Obj *o, bool create);
/* Index of name among t->ikeys, or -1. */
int32_t instance_key_index(Type *t, Obj *name);
/* Stores name = v (borrowed) in an inline instance's slots; 0 when it cannot live there
 * (the caller then uses instance_dict). */
int instance_store_inline(Obj *o, Obj *name, Value v);
/* The MRO of t, t first: a new Tuple. */
Obj *type_mro_tuple(Type *t);
/* The first half of a class statement: finds the metaclass (kw's "metaclass", removed
 * from kw, or the most derived metaclass of the bases Tuple) into *meta_out (new
 * reference) and returns the namespace from its __prepare__ (a Dict); V_NULL on error. */
Value class_prepare(ThreadState *ts, Obj *name, Obj *bases, Obj *kw, Value *meta_out);
/* The second half, after the body filled ns: meta(name, bases, ns, **kw). */
Value class_finish(ThreadState *ts, Value meta, Obj *name, Obj *bases, Obj *ns, Obj *kw);
/* super (class.c). */
extern Type T_super;

#endif
