/* value.h — the tagged value every slot of the VM holds.
 * A Value is 16 bytes: a tag and a payload. None, bools, ints and floats live in
 * the payload and never allocate; everything else is a pointer to a refcounted Obj.
 * VT_NULL is "no value": an unbound local, a missing dict entry, or (returned from
 * a function) an error, with the exception pending in the thread state. */
#ifndef TINY_VALUE_H
#define TINY_VALUE_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

/* Tags; VT_NULL is zero so zeroed memory is a row of unbound slots. */
typedef enum { VT_NULL = 0, VT_NONE, VT_BOOL, VT_INT, VT_FLOAT, VT_OBJ } VTag;

struct Obj;

/* A VM value: tag plus payload. */
typedef struct Value {
    uint64_t tag;
    union { int64_t i; double f; struct Obj *o; } as;
} Value;

#define V_NULL        ((Value){ .tag = VT_NULL, .as.i = 0 })
#define V_NONE        ((Value){ .tag = VT_NONE, .as.i = 0 })
#define V_TRUE        ((Value){ .tag = VT_BOOL, .as.i = 1 })
#define V_FALSE       ((Value){ .tag = VT_BOOL, .as.i = 0 })
#define V_BOOL(b)     ((Value){ .tag = VT_BOOL, .as.i = (b) ? 1 : 0 })
#define V_INT(n)      ((Value){ .tag = VT_INT, .as.i = (int64_t)(n) })
#define V_FLOAT(x)    ((Value){ .tag = VT_FLOAT, .as.f = (double)(x) })
#define V_OBJ(p)      ((Value){ .tag = VT_OBJ, .as.o = (struct Obj *)(p) })

#define IS_NULL(v)    ((v).tag == VT_NULL)
#define IS_NONE(v)    ((v).tag == VT_NONE)
#define IS_BOOL(v)    ((v).tag == VT_BOOL)
#define IS_INT(v)     ((v).tag == VT_INT)
#define IS_FLOAT(v)   ((v).tag == VT_FLOAT)
#define IS_OBJ(v)     ((v).tag == VT_OBJ)
/* True for int and bool (bool is a subclass of int). */
#define IS_INTLIKE(v) ((v).tag == VT_INT || (v).tag == VT_BOOL)

#define AS_INT(v)     ((v).as.i)
#define AS_BOOL(v)    ((v).as.i != 0)
#define AS_FLOAT(v)   ((v).as.f)
#define AS_OBJ(v)     ((v).as.o)

#endif
