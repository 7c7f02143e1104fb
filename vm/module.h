/* module.h — module objects, native modules and the import system. */
#ifndef TINY_MODULE_H
#define TINY_MODULE_H

#include "object.h"

/* A native module: its functions and an init hook that adds constants and types. */
typedef struct NativeModule {
    const char *name;
    const MethodDef *functions;          /* may be NULL */
    int (*init)(ThreadState *ts, Obj *module); /* may be NULL; -1 on error */
} NativeModule;

/* A new module with __name__ set. */
Obj *module_new(Obj *name);
/* The module's namespace dict. */
#define MODULE_DICT(m) (((Module *)(m))->dict)
/* Imports a module by (dotted) name: sys.modules, native modules, embedded tiny-source
 * modules, then NAME.tiny or NAME/__init__.tiny on sys.path (a submodule: on its
 * package's __path__). An embedded module is a package when other embedded modules are
 * named after it ("a" for "a.b"). Returns the module (new reference). */
Value module_import(ThreadState *ts, Obj *name);
/* Imports a relative name (one leading dot per level, then the dotted rest, maybe empty)
 * from the package of the module whose namespace is globals (its __package__, else its
 * __name__ and __path__), as `from ..a import b` does. Returns the module (new ref). */
Value module_import_relative(ThreadState *ts, Obj *name, Obj *globals);
/* Sets module attribute name = v (incref'd). */
void module_add(Obj *module, const char *name, Value v);
/* An int constant of a native module, for tables ended by a NULL name. */
typedef struct ModuleConst { const char *name; int64_t value; } ModuleConst;
/* Adds every constant of a NULL-name-terminated table to a module. */
void module_add_consts(Obj *module, const ModuleConst *consts);
/* Registers the source of a module written in tiny and embedded in the binary. */
typedef struct EmbeddedModule { const char *name; const char *source; } EmbeddedModule;
extern const EmbeddedModule embedded_modules[];  /* { NULL, NULL } terminated */

#endif
