/* test_refcounts.c — reference counts go up and down exactly; live objects return to
 * their count after containers are freed; the cycle collector frees cycles. */
#include "unit.h"
#include "gc.h"

static void test_list_holding_str(void **state) {
    (void)state;
    Obj *s = str_from_cstr("held");
    assert_int_equal(s->refcnt, 1);
    Obj *l = list_new(0);
    list_append(l, V_OBJ(s));
    assert_int_equal(s->refcnt, 2);
    list_append(l, V_OBJ(s));
    assert_int_equal(s->refcnt, 3);
    Obj *t = tuple_pack(2, V_OBJ(s), V_OBJ(l));
    assert_int_equal(s->refcnt, 4);
    assert_int_equal(l->refcnt, 2);
    o_decref(t);
    assert_int_equal(s->refcnt, 3);
    assert_int_equal(l->refcnt, 1);
    Value it = obj_getitem(uts, V_OBJ(l), V_INT(0));
    assert_false(IS_NULL(it));
    assert_ptr_equal(AS_OBJ(it), s);
    assert_int_equal(s->refcnt, 4);
    v_decref(it);
    o_decref(l);
    assert_int_equal(s->refcnt, 1);
    o_decref(s);
}

static void test_live_objects_balance(void **state) {
    (void)state;
    int64_t start = the_interp.live_objects;
    Obj *outer = list_new(0);
    for (int i = 0; i < 100; i++) {
        Obj *d = dict_new();
        Obj *key = str_fmt("k%d", i);
        Obj *t = tuple_pack(2, V_INT(i), V_OBJ(key));
        dict_set(uts, d, V_OBJ(key), V_OBJ(t));
        Obj *st = set_new();
        set_add(uts, st, V_OBJ(key));
        dict_set_cstr(d, "set", V_OBJ(st));
        list_append_steal(outer, V_OBJ(d));
        o_decref(key); o_decref(t); o_decref(st);
    }
    assert_no_exception();
    assert_true(the_interp.live_objects > start);
    o_decref(outer);
    assert_int_equal(the_interp.live_objects, start);
}

static void test_cycle_collected(void **state) {
    (void)state;
    gc_collect(uts);
    int64_t start = the_interp.live_objects;
    /* a list that contains itself, and a two-dict cycle */
    Obj *l = list_new(0);
    list_append(l, V_OBJ(l));
    Obj *a = dict_new(), *b = dict_new();
    dict_set_cstr(a, "b", V_OBJ(b));
    dict_set_cstr(b, "a", V_OBJ(a));
    o_decref(l); o_decref(a); o_decref(b);
    assert_int_equal(the_interp.live_objects, start + 3);      /* kept alive by the cycles */
    int64_t freed = gc_collect(uts);
    assert_true(freed >= 3);
    assert_int_equal(the_interp.live_objects, start);
    /* reachable containers survive a collection */
    Obj *keep = list_new(0);
    list_append(keep, V_OBJ(keep));
    gc_collect(uts);
    assert_int_equal(keep->refcnt, 2);
    assert_int_equal(the_interp.live_objects, start + 1);
    List *kl = (List *)keep;
    v_set(&kl->items[0], V_NONE);                               /* break the cycle by hand */
    assert_int_equal(keep->refcnt, 1);
    o_decref(keep);
    assert_int_equal(the_interp.live_objects, start);
}

static void test_immortals(void **state) {
    (void)state;
    Obj *s = str_intern("immortal_in_test");
    int64_t before = s->refcnt;
    o_incref(s);
    o_decref(s);
    assert_true(s->refcnt == before);
    assert_true(s->refcnt >= IMMORTAL_REFCNT / 2);
    Obj *e = tuple_empty();
    assert_true(e->refcnt >= IMMORTAL_REFCNT / 2);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_list_holding_str),
    cmocka_unit_test(test_live_objects_balance),
    cmocka_unit_test(test_cycle_collected),
    cmocka_unit_test(test_immortals),
};
UNIT_MAIN("refcounts", tests)
