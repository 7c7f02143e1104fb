/* test_dicts.c — dict: insert, lookup, delete, insertion order, resizing, dict_next. */
#include "unit.h"

#define N 10000

static void test_insert_lookup_10k(void **state) {
    (void)state;
    Obj *d = dict_new();
    for (int64_t i = 0; i < N; i++)
        assert_int_equal(dict_set(uts, d, V_INT(i * 7), V_INT(i)), 0);
    assert_int_equal(DICT_LEN(d), N);
    for (int64_t i = 0; i < N; i++) {
        Value out = V_NULL;
        assert_int_equal(dict_lookup(uts, d, V_INT(i * 7), &out), 1);
        assert_true(IS_INT(out) && AS_INT(out) == i);
    }
    Value out = V_NULL;
    assert_int_equal(dict_lookup(uts, d, V_INT(3), &out), 0);
    /* overwrite keeps the length and the position */
    assert_int_equal(dict_set(uts, d, V_INT(0), V_INT(-1)), 0);
    assert_int_equal(DICT_LEN(d), N);
    int64_t pos = 0;
    Value k, v;
    assert_true(dict_next(d, &pos, &k, &v));
    assert_true(AS_INT(k) == 0 && AS_INT(v) == -1);
    o_decref(d);
    assert_no_exception();
}

static void test_delete_and_order(void **state) {
    (void)state;
    Obj *d = dict_new();
    for (int64_t i = 0; i < N; i++) dict_set(uts, d, V_INT(i), V_INT(i * i));
    for (int64_t i = 0; i < N; i += 2) assert_int_equal(dict_del(uts, d, V_INT(i)), 1);
    assert_int_equal(dict_del(uts, d, V_INT(0)), 0);        /* already gone, no exception */
    assert_no_exception();
    assert_int_equal(DICT_LEN(d), N / 2);
    for (int64_t i = 0; i < N; i++) {
        Value out;
        assert_int_equal(dict_lookup(uts, d, V_INT(i), &out), i % 2);
    }
    /* iteration: the odd keys, in insertion order */
    int64_t pos = 0, expect = 1, count = 0;
    Value k, v;
    while (dict_next(d, &pos, &k, &v)) {
        assert_true(AS_INT(k) == expect);
        assert_true(AS_INT(v) == expect * expect);
        expect += 2;
        count++;
    }
    assert_int_equal(count, N / 2);
    /* re-inserting a deleted key puts it at the end */
    dict_set(uts, d, V_INT(0), V_NONE);
    Value last = V_NULL;
    pos = 0;
    while (dict_next(d, &pos, &k, &v)) last = k;
    assert_true(IS_INT(last) && AS_INT(last) == 0);
    /* insert/delete churn does not grow the dict without bound */
    for (int round = 0; round < 50000; round++) {
        dict_set(uts, d, V_INT(-1), V_INT(round));
        dict_del(uts, d, V_INT(-1));
    }
    assert_int_equal(DICT_LEN(d), N / 2 + 1);
    dict_clear(d);
    assert_int_equal(DICT_LEN(d), 0);
    pos = 0;
    assert_false(dict_next(d, &pos, &k, &v));
    o_decref(d);
}

static void test_str_keys_and_numeric_equality(void **state) {
    (void)state;
    Obj *d = dict_new();
    dict_set_cstr(d, "alpha", V_INT(1));
    Obj *beta = str_from_cstr("beta");
    dict_set_str(d, beta, V_INT(2));
    assert_true(AS_INT(dict_get_cstr(d, "alpha")) == 1);
    assert_true(AS_INT(dict_get_str(d, str_intern("beta"))) == 2);
    assert_true(IS_NULL(dict_get_cstr(d, "gamma")));
    /* 1, 1.0 and True are one key */
    dict_set(uts, d, V_INT(1), V_INT(10));
    dict_set(uts, d, V_FLOAT(1.0), V_INT(11));
    dict_set(uts, d, V_TRUE, V_INT(12));
    assert_int_equal(DICT_LEN(d), 3);
    Value out;
    assert_int_equal(dict_lookup(uts, d, V_INT(1), &out), 1);
    assert_true(AS_INT(out) == 12);
    /* unhashable keys raise TypeError */
    Obj *l = list_new(0);
    assert_int_equal(dict_set(uts, d, V_OBJ(l), V_NONE), -1);
    assert_true(exc_matches(uts, &T_TypeError));
    exc_clear(uts);
    assert_int_equal(dict_lookup(uts, d, V_OBJ(l), &out), -1);
    exc_clear(uts);
    /* copy is shallow and independent */
    Obj *c = dict_copy(d);
    dict_set_cstr(c, "only_in_copy", V_NONE);
    assert_int_equal(DICT_LEN(c), DICT_LEN(d) + 1);
    o_decref(c); o_decref(l); o_decref(beta); o_decref(d);
}

static void test_values_are_referenced(void **state) {
    (void)state;
    Obj *d = dict_new();
    Obj *k = str_from_cstr("key"), *v = str_from_cstr("value");
    dict_set(uts, d, V_OBJ(k), V_OBJ(v));
    assert_int_equal(k->refcnt, 2);
    assert_int_equal(v->refcnt, 2);
    dict_del(uts, d, V_OBJ(k));
    assert_int_equal(k->refcnt, 1);
    assert_int_equal(v->refcnt, 1);
    dict_set(uts, d, V_OBJ(k), V_OBJ(v));
    o_decref(d);
    assert_int_equal(k->refcnt, 1);
    assert_int_equal(v->refcnt, 1);
    o_decref(k); o_decref(v);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_insert_lookup_10k),
    cmocka_unit_test(test_delete_and_order),
    cmocka_unit_test(test_str_keys_and_numeric_equality),
    cmocka_unit_test(test_values_are_referenced),
};
UNIT_MAIN("dicts", tests)
