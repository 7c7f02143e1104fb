/* func.h — functions, native functions, bound methods, cells, staticmethod,
 * classmethod and property. */
#ifndef TINY_FUNC_H
#define TINY_FUNC_H

#include "object.h"

/* A new function from a code object and its globals. */
Obj *func_new(Obj *code, Obj *globals);
/* A native function not bound to anything (module functions). */
Obj *cfunc_new(const MethodDef *def, Obj *module_name);
/* A bound method. */
Obj *method_new(Value func, Value self);
/* A new empty cell (v may be V_NULL). */
Obj *cell_new(Value v);
/* Adds native functions to a dict (module namespaces). */
void func_add_methods(Obj *dict, const MethodDef *defs, Obj *module_name);

#endif
