/* unit.h — shared set-up of the cmocka unit tests: each test binary links the core
 * (everything but cli/) and runs its tests on one interpreter started in group setup. */
#ifndef TINY_UNIT_H
#define TINY_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "state.h"
#include "object.h"
#include "value.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "exc.h"
#include "hooks.h"
#include "compile.h"
#include "builtins.h"

/* The main thread state, made by unit_setup. */
static ThreadState *uts;

static int unit_setup(void **state) {
    (void)state;
    vm_hooks.compile = comp_compile;
    stdlib_hooks(&vm_hooks);
    uts = interp_init();
    if (!uts) return -1;
    if (!the_interp.main_ts) the_interp.main_ts = uts;
    return 0;
}

static int unit_teardown(void **state) {
    (void)state;
    if (uts && !IS_NULL(uts->exc)) exc_clear(uts);
    interp_fini(uts);
    uts = NULL;
    return 0;
}

/* Fails the test, printing the pending exception, if one is pending. */
#define assert_no_exception() do { \
        if (!IS_NULL(uts->exc)) { exc_print(uts, uts->exc, stderr); fail_msg("unexpected exception"); } \
    } while (0)

/* A Str's text as a C string. */
#define S(o) (STR_DATA(o))

#define UNIT_MAIN(name, tests) \
    int main(void) { \
        setvbuf(stdout, NULL, _IOLBF, 0); \
        return cmocka_run_group_tests_name(name, tests, unit_setup, unit_teardown) ? 1 : 0; \
    }

#endif
