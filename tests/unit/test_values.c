/* test_values.c — tagged values: tags, int/float round trips, truthiness, hashing. */
#include "unit.h"
#include "objects/num.h"
#include <math.h>

static void test_tags(void **state) {
    (void)state;
    Value zero;
    memset(&zero, 0, sizeof zero);
    assert_int_equal(zero.tag, VT_NULL);
    assert_true(IS_NULL(V_NULL));
    assert_true(IS_NONE(V_NONE));
    assert_true(IS_BOOL(V_TRUE) && AS_BOOL(V_TRUE));
    assert_true(IS_BOOL(V_FALSE) && !AS_BOOL(V_FALSE));
    assert_true(IS_INT(V_INT(3)));
    assert_true(IS_FLOAT(V_FLOAT(3)));
    assert_true(IS_INTLIKE(V_TRUE) && IS_INTLIKE(V_INT(0)) && !IS_INTLIKE(V_FLOAT(0)));
    assert_int_equal(sizeof(Value), 16);
    assert_ptr_equal(obj_type(V_NONE), &T_NoneType);
    assert_ptr_equal(obj_type(V_TRUE), &T_bool);
    assert_ptr_equal(obj_type(V_INT(1)), &T_int);
    assert_ptr_equal(obj_type(V_FLOAT(1)), &T_float);
    assert_true(obj_isinstance(V_TRUE, &T_int));       /* bool is a subclass of int */
}

static void test_int_round_trip(void **state) {
    (void)state;
    int64_t samples[] = { 0, 1, -1, 42, 1LL << 40, INT64_MAX, INT64_MIN, -123456789012345LL };
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        Value v = V_INT(samples[i]);
        assert_int_equal(v.tag, VT_INT);
        assert_true(AS_INT(v) == samples[i]);
    }
}

static void test_float_round_trip(void **state) {
    (void)state;
    double samples[] = { 0.0, -0.0, 0.1, -2.5, 1e300, 5e-324, INFINITY, -INFINITY };
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        Value v = V_FLOAT(samples[i]);
        assert_int_equal(v.tag, VT_FLOAT);
        assert_memory_equal(&v.as.f, &samples[i], sizeof(double));
    }
    Value n = V_FLOAT(NAN);
    assert_true(isnan(AS_FLOAT(n)));
}

static void test_truthiness(void **state) {
    (void)state;
    assert_int_equal(obj_truthy(uts, V_NONE), 0);
    assert_int_equal(obj_truthy(uts, V_FALSE), 0);
    assert_int_equal(obj_truthy(uts, V_TRUE), 1);
    assert_int_equal(obj_truthy(uts, V_INT(0)), 0);
    assert_int_equal(obj_truthy(uts, V_INT(-7)), 1);
    assert_int_equal(obj_truthy(uts, V_FLOAT(0.0)), 0);
    assert_int_equal(obj_truthy(uts, V_FLOAT(-0.0)), 0);
    assert_int_equal(obj_truthy(uts, V_FLOAT(0.25)), 1);
    assert_int_equal(obj_truthy(uts, V_FLOAT(NAN)), 1);

    Obj *empty = str_new("", 0), *s = str_from_cstr("a");
    assert_int_equal(obj_truthy(uts, V_OBJ(empty)), 0);
    assert_int_equal(obj_truthy(uts, V_OBJ(s)), 1);
    Obj *l = list_new(0);
    assert_int_equal(obj_truthy(uts, V_OBJ(l)), 0);
    list_append(l, V_INT(0));
    assert_int_equal(obj_truthy(uts, V_OBJ(l)), 1);
    Obj *d = dict_new();
    assert_int_equal(obj_truthy(uts, V_OBJ(d)), 0);
    dict_set_cstr(d, "k", V_NONE);
    assert_int_equal(obj_truthy(uts, V_OBJ(d)), 1);
    assert_int_equal(obj_truthy(uts, V_OBJ(tuple_empty())), 0);
    Obj *t = tuple_pack(1, V_NONE);
    assert_int_equal(obj_truthy(uts, V_OBJ(t)), 1);
    o_decref(empty); o_decref(s); o_decref(l); o_decref(d); o_decref(t);
    assert_no_exception();
}

static void test_hashes(void **state) {
    (void)state;
    /* Equal numbers hash alike, with CPython's values. */
    assert_true(int_hash(1) == float_hash(1.0));
    assert_true(int_hash(0) == float_hash(0.0));
    assert_true(float_hash(-0.0) == 0);
    assert_true(int_hash(-1) == -2);
    assert_true(int_hash(-2) == -2);
    assert_true(int_hash(12345) == 12345);
    assert_true(int_hash((1LL << 61) - 1) == 0);
    assert_true(int_hash(1LL << 61) == 1);
    assert_true(int_hash(-(1LL << 40)) == float_hash(-(double)(1LL << 40)));
    assert_true(float_hash(0.5) == 1152921504606846976LL);
    assert_true(float_hash(1.5) == 1152921504606846977LL);
    assert_true(float_hash(INFINITY) == 314159);
    assert_true(float_hash(-INFINITY) == -314159);
    assert_true(obj_hash(uts, V_INT(7)) == int_hash(7));
    assert_true(obj_hash(uts, V_TRUE) == 1);
    assert_true(obj_hash(uts, V_FALSE) == 0);
    assert_true(obj_hash(uts, V_FLOAT(2.0)) == obj_hash(uts, V_INT(2)));
    Obj *a = str_from_cstr("spam"), *b = str_new("spam", 4);
    assert_true(obj_hash(uts, V_OBJ(a)) == obj_hash(uts, V_OBJ(b)));
    o_decref(a); o_decref(b);
    /* Unhashable: -1 with TypeError. */
    Obj *l = list_new(0);
    assert_true(obj_hash(uts, V_OBJ(l)) == -1);
    assert_true(exc_matches(uts, &T_TypeError));
    exc_clear(uts);
    o_decref(l);
}

static void test_equality(void **state) {
    (void)state;
    assert_int_equal(obj_eq(uts, V_INT(1), V_FLOAT(1.0)), 1);
    assert_int_equal(obj_eq(uts, V_TRUE, V_INT(1)), 1);
    assert_int_equal(obj_eq(uts, V_INT(1), V_INT(2)), 0);
    assert_int_equal(obj_eq(uts, V_NONE, V_INT(0)), 0);
    assert_no_exception();
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_tags),
    cmocka_unit_test(test_int_round_trip),
    cmocka_unit_test(test_float_round_trip),
    cmocka_unit_test(test_truthiness),
    cmocka_unit_test(test_hashes),
    cmocka_unit_test(test_equality),
};
UNIT_MAIN("values", tests)
