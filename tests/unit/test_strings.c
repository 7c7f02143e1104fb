/* test_strings.c — str objects: construction, UTF-8 lengths, interning, repr, StrBuf. */
#include "unit.h"

static void test_new_and_lengths(void **state) {
    (void)state;
    Obj *a = str_new("abc", 3);
    Str *s = (Str *)a;
    assert_int_equal(s->len, 3);
    assert_int_equal(s->nchars, 3);
    assert_true(s->ascii);
    assert_string_equal(S(a), "abc");
    assert_ptr_equal(a->type, &T_str);

    Obj *u = str_from_cstr("h\xc3\xa9llo \xe2\x82\xac");   /* "héllo €" */
    Str *su = (Str *)u;
    assert_int_equal(su->len, 10);
    assert_int_equal(su->nchars, 7);
    assert_false(su->ascii);
    assert_int_equal(str_offset(su, 2), 3);

    Obj *bad = str_new("\xff", 1);                          /* invalid UTF-8 -> U+FFFD */
    assert_int_equal(((Str *)bad)->nchars, 1);
    assert_string_equal(S(bad), "\xef\xbf\xbd");

    Obj *e = str_new("", 0);
    assert_int_equal(STR_LEN(e), 0);
    assert_string_equal(S(e), "");
    o_decref(a); o_decref(u); o_decref(bad); o_decref(e);
}

static void test_interning(void **state) {
    (void)state;
    Obj *a = str_intern("tiny_unit_name");
    Obj *b = str_intern("tiny_unit_name");
    assert_ptr_equal(a, b);
    assert_ptr_equal(str_intern_n("tiny_unit_name_and_more", 14), a);
    Obj *fresh = str_new("tiny_unit_name", 14);
    assert_ptr_not_equal(fresh, a);
    assert_ptr_equal(str_intern_obj(fresh), a);
    assert_true(((Str *)a)->interned);
    o_decref(fresh);
    assert_ptr_equal(NAME(__init__), str_intern("__init__"));
}

static void test_equality_and_concat(void **state) {
    (void)state;
    Obj *a = str_from_cstr("foo"), *b = str_new("foobar", 3);
    assert_true(str_eq(a, b));
    assert_true(str_eq_cstr(a, "foo"));
    assert_false(str_eq_cstr(a, "fo"));
    assert_true(str_hash(a) == str_hash(b));
    Obj *c = str_concat(a, b);
    assert_string_equal(S(c), "foofoo");
    assert_int_equal(((Str *)c)->nchars, 6);
    Obj *f = str_fmt("%d-%s-%c", 42, "x", 'y');
    assert_string_equal(S(f), "42-x-y");
    Obj *cp = str_from_codepoint(0x20ac);
    assert_string_equal(S(cp), "\xe2\x82\xac");
    assert_int_equal(((Str *)cp)->nchars, 1);
    o_decref(a); o_decref(b); o_decref(c); o_decref(f); o_decref(cp);
}

static void check_repr(const char *in, const char *want) {
    Obj *s = str_from_cstr(in);
    Obj *r = str_repr(s);
    assert_string_equal(S(r), want);
    o_decref(s);
    o_decref(r);
}

static void test_repr_quoting(void **state) {
    (void)state;
    check_repr("abc", "'abc'");
    check_repr("", "''");
    check_repr("it's", "\"it's\"");
    check_repr("say \"hi\"", "'say \"hi\"'");
    check_repr("both ' and \"", "'both \\' and \"'");
    check_repr("tab\there\nnl\\", "'tab\\there\\nnl\\\\'");
    check_repr("\x01", "'\\x01'");
    check_repr("caf\xc3\xa9", "'caf\xc3\xa9'");              /* printable non-ASCII kept */
}

static void test_strbuf(void **state) {
    (void)state;
    StrBuf b;
    sb_init(&b);
    sb_puts(&b, "x=");
    sb_printf(&b, "%d", 12);
    sb_putc(&b, ',');
    sb_putn(&b, "yzzz", 2);
    assert_int_equal(sb_put_value(uts, &b, V_INT(-5), false), 0);
    Obj *q = str_from_cstr("q");
    assert_int_equal(sb_put_value(uts, &b, V_OBJ(q), true), 0);
    assert_int_equal(sb_put_value(uts, &b, V_OBJ(q), false), 0);
    o_decref(q);
    Obj *s = sb_finish(&b);
    assert_string_equal(S(s), "x=12,yz-5'q'q");
    assert_int_equal(((Str *)s)->nchars, 13);
    o_decref(s);

    StrBuf big;
    sb_init(&big);
    for (int i = 0; i < 10000; i++) sb_putc(&big, 'a' + i % 26);
    assert_int_equal(big.len, 10000);
    Obj *bs = sb_finish(&big);
    assert_int_equal(STR_LEN(bs), 10000);
    assert_int_equal(S(bs)[9999], 'a' + 9999 % 26);
    o_decref(bs);

    StrBuf dropped;
    sb_init(&dropped);
    sb_puts(&dropped, "never used");
    sb_free(&dropped);
    assert_no_exception();
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_new_and_lengths),
    cmocka_unit_test(test_interning),
    cmocka_unit_test(test_equality_and_concat),
    cmocka_unit_test(test_repr_quoting),
    cmocka_unit_test(test_strbuf),
};
UNIT_MAIN("strings", tests)
