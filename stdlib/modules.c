/* modules.c — the table of native modules the import system consults. */
#include "builtins.h"
#include "module.h"
#include "signal_mod.h"
#include "mp.h"

const NativeModule *const native_modules[] = {
    &sys_module_def, &time_module_def, &math_module_def, &random_module_def,
    &os_module_def, &os_path_module_def, &gcmod_module_def, &signal_module_def, &thread_module_def, &mp_module_def, NULL,
};
