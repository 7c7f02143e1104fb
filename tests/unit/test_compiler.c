/* test_compiler.c — comp_compile: small sources compile to the expected opcodes (as
 * the disassembler shows them); syntax errors raise SyntaxError at the right line;
 * the REPL mode reports incomplete input. */
#include "unit.h"
#include "code.h"
#include "dis.h"
#include "compile.h"
#include <stdlib.h>

/* Compiles src; returns the disassembly (malloc'ed) or NULL on error. */
static char *compile_dis(const char *src, int mode) {
    Obj *fname = str_from_cstr("<unit>");
    int incomplete = 0;
    Obj *code = comp_compile(uts, src, (int64_t)strlen(src), fname, mode, &incomplete);
    o_decref(fname);
    if (!code) return NULL;
    assert_ptr_equal(code->type, &T_code);
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    assert_non_null(fp);
    dis_code(fp, (Code *)code);
    fclose(fp);
    o_decref(code);
    return buf;
}

static void assert_has(const char *dis, const char *what) {
    if (!strstr(dis, what)) fail_msg("%s not in the disassembly:\n%s", what, dis);
}

/* Module-level names may compile to *_NAME or (globals being the namespace) *_GLOBAL. */
static void assert_has_either(const char *dis, const char *a, const char *b) {
    if (!strstr(dis, a) && !strstr(dis, b)) fail_msg("neither %s nor %s in the disassembly:\n%s", a, b, dis);
}

static void test_module_code(void **state) {
    (void)state;
    char *d = compile_dis("x = a + b\nprint(x)\n", COMP_FILE);
    assert_no_exception();
    assert_non_null(d);
    assert_has_either(d, "LOAD_NAME", "LOAD_GLOBAL");
    assert_has(d, "BINARY_OP");
    assert_has_either(d, "STORE_NAME", "STORE_GLOBAL");
    assert_has(d, "RETURN_VALUE");
    free(d);
}

static void test_function_and_loop(void **state) {
    (void)state;
    char *d = compile_dis("def f(a):\n    t = 0\n    for i in a:\n        t += i\n    return t\n",
                          COMP_FILE);
    assert_no_exception();
    assert_non_null(d);
    assert_has(d, "MAKE_FUNCTION");
    assert_has(d, "LOAD_FAST");
    assert_has(d, "STORE_FAST");
    assert_has(d, "GET_ITER");
    assert_has(d, "FOR_ITER");
    assert_has(d, "JUMP_BACKWARD");
    free(d);
}

static void test_closure_class_try(void **state) {
    (void)state;
    char *d = compile_dis(
        "def outer():\n    n = 0\n    def inner():\n        nonlocal n\n        n += 1\n"
        "        return n\n    return inner\n"
        "class C:\n    def m(self):\n        return self\n"
        "try:\n    pass\nexcept ValueError as e:\n    pass\n", COMP_FILE);
    assert_no_exception();
    assert_non_null(d);
    assert_has(d, "LOAD_DEREF");
    assert_has(d, "STORE_DEREF");
    assert_has(d, "LOAD_CLOSURE");
    assert_has(d, "BUILD_CLASS");
    assert_has(d, "SETUP_FINALLY");
    assert_has(d, "CHECK_EXC_MATCH");
    free(d);
}

static void test_single_mode_echo(void **state) {
    (void)state;
    char *d = compile_dis("1 + x\n", COMP_SINGLE);
    assert_no_exception();
    assert_non_null(d);
    assert_has(d, "PRINT_EXPR");
    free(d);
    d = compile_dis("1 + x\n", COMP_FILE);
    assert_non_null(d);
    if (strstr(d, "PRINT_EXPR")) fail_msg("file mode must not echo:\n%s", d);
    free(d);
}

/* Compiles bad source; checks the exception type and its lineno. */
static void check_error(const char *src, Type *type, int64_t line) {
    Obj *fname = str_from_cstr("<unit>");
    int incomplete = 0;
    Obj *code = comp_compile(uts, src, (int64_t)strlen(src), fname, COMP_FILE, &incomplete);
    o_decref(fname);
    if (code) { o_decref(code); fail_msg("compiled, but should not: %s", src); }
    assert_false(IS_NULL(uts->exc));
    if (!exc_matches(uts, type)) {
        exc_print(uts, uts->exc, stderr);
        fail_msg("wrong exception type for: %s", src);
    }
    Value ln = obj_getattr(uts, uts->exc, NAME(lineno));
    assert_false(IS_NULL(ln));
    if (!IS_INT(ln) || AS_INT(ln) != line) {
        exc_print(uts, uts->exc, stderr);
        fail_msg("wrong lineno for: %s", src);
    }
    exc_clear(uts);
}

static void test_syntax_errors(void **state) {
    (void)state;
    check_error("x = = 1\n", &T_SyntaxError, 1);
    check_error("a = 1\nb = (2,\nc = 3\n", &T_SyntaxError, 2);
    check_error("a = 1\n\nf() = 2\n", &T_SyntaxError, 3);
    check_error("def f():\nreturn 1\n", &T_IndentationError, 2);
    check_error("if x:\n    a = 1\n      b = 2\n", &T_IndentationError, 3);
    check_error("return 5\n", &T_SyntaxError, 1);
    check_error("s = 'abc\n", &T_SyntaxError, 1);
    check_error("x = 1\ny = )\n", &T_SyntaxError, 2);
    assert_true(type_is_subtype(&T_IndentationError, &T_SyntaxError));
}

static void check_incomplete(const char *src, int want) {
    Obj *fname = str_from_cstr("<stdin>");
    int incomplete = 0;
    Obj *code = comp_compile(uts, src, (int64_t)strlen(src), fname, COMP_SINGLE, &incomplete);
    o_decref(fname);
    if (code) o_decref(code);
    if (incomplete != want) fail_msg("incomplete should be %d for: %s", want, src);
    exc_clear(uts);
}

static void test_incomplete_input(void **state) {
    (void)state;
    check_incomplete("x = (1,\n", 1);
    check_incomplete("if x:\n", 1);
    check_incomplete("s = '''abc\n", 1);
    check_incomplete("y = 1 + \\\n", 1);
    check_incomplete("x = )\n", 0);
    check_incomplete("x = 1\n", 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_module_code),
    cmocka_unit_test(test_function_and_loop),
    cmocka_unit_test(test_closure_class_try),
    cmocka_unit_test(test_single_mode_echo),
    cmocka_unit_test(test_syntax_errors),
    cmocka_unit_test(test_incomplete_input),
};
UNIT_MAIN("compiler", tests)
