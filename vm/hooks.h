/* hooks.h — the one documented way vm/ reaches the layers above it.
 *
 * Dependencies point down: cli -> stdlib -> vm <- compiler. The VM core knows nothing of
 * the compiler or of particular modules, yet import and the REPL must compile source, the
 * interpreter needs a builtins module, and the eval loop must run signal handlers. The
 * program that embeds the VM (cli/main.c) fills vm_hooks before tiny_init; the VM calls
 * only through it. The built-in module table is the other link upward: the import system
 * looks names up in vm_hooks.modules. */
#ifndef TINY_HOOKS_H
#define TINY_HOOKS_H

#include "object.h"

/* Compile modes. */
enum {
    COMP_FILE,   /* a module: statements */
    COMP_SINGLE  /* one REPL entry: expression statements are echoed with PRINT_EXPR */
};

struct NativeModule;

/* What the layers above give the VM; every field is set before tiny_init. */
typedef struct VmHooks {
    /* Source to a Code object (compiler/compile.h's comp_compile has the contract). */
    Obj *(*compile)(ThreadState *ts, const char *src, int64_t len, Obj *filename, int mode,
                    int *incomplete);
    /* Creates the builtins module; sets the_interp.builtins_module and .builtins. */
    Obj *(*create_builtins)(ThreadState *ts);
    /* Flushes sys.stdout and sys.stderr. */
    void (*flush_std)(ThreadState *ts);
    /* Runs the handlers of signals that arrived (main thread, GIL held); -1 on exception. */
    int (*run_pending_signals)(ThreadState *ts);
    /* The native modules, NULL-terminated. */
    const struct NativeModule *const *modules;
} VmHooks;

/* The hooks in force. */
extern VmHooks vm_hooks;

#endif
