/* modules.c — the table of native modules the import system consults, and the hooks
 * the standard library gives the VM (vm/hooks.h). */
#include "builtins.h"
#include "module.h"
#include "signals.h"
#include "hooks.h"
#include "mp.h"
#include "socket.h"
#include "select.h"

const NativeModule *const native_modules[] = {
    &sys_module_def, &time_module_def, &math_module_def, &random_module_def,
    &os_module_def, &os_path_module_def, &gcmod_module_def, &signal_module_def, &thread_module_def, &mp_module_def,
    &socket_module_def, &select_module_def, NULL,
};

void stdlib_hooks(VmHooks *h) {
    h->create_builtins = builtins_create;
    h->flush_std = io_flush_std;
    h->run_pending_signals = signal_run_pending;
    h->modules = native_modules;
}
