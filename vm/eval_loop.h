/* eval_loop.h — the interpreter loop, included twice by vm/eval.c: as eval_counting
 * (EVAL_COUNTING 1: counts every instruction toward the thread's switch interval and the
 * --gil-stats figures) and as eval_fast (no counting: what a program runs while it has a
 * single thread and no statistics were asked for). eval_fast moves to eval_counting at
 * its next breaker check once a second thread exists (gil_engage sets the breaker). */

/* The instruction counter lives in a register (ticks); ts->ticks_left is brought up to
 * date before any call out of the loop, counting what nested evals used meanwhile. The
 * register is then left at 0, so that the next instruction reloads it (at `tick`): a
 * nested eval may have used up the slice, which must end there and not a slice later. */
#if EVAL_COUNTING
#define TICKS_SYNC() (ts->ticks_left -= ticks_saved - ticks, ticks = ticks_saved = 0)
#define TICKS_RELOAD() (ticks = ticks_saved = ts->ticks_left)
#define SWITCH_TO_COUNTING() ((void)0)
#else
#define TICKS_SYNC() ((void)0)
#define TICKS_RELOAD() ((void)0)
/* a second thread started (or statistics were asked for): continue counting */
#define SWITCH_TO_COUNTING() do { if (gil_engaged || the_interp.gil_stats) { SAVE(); return eval_counting(ts, f, true); } } while (0)
#endif
#define SAVE()    (f->ip = ip, f->sp = sp, TICKS_SYNC())
/* Pushes local idx, moved field by field (a 16-byte reload of two fresh 8-byte stores
 * would stall store forwarding); goes to `unbound` if the local has no value. */
#define PUSH_LOCAL(idx, unbound) do { \
        Value *src_ = &locals[idx]; uint64_t tag_ = src_->tag; \
        if (tag_ == VT_NULL) goto unbound; \
        sp->tag = tag_; sp->as.i = src_->as.i; \
        if (tag_ == VT_OBJ) sp->as.o->refcnt++; \
        sp++; } while (0)
#define LOAD()    (co = f->code, ip = f->ip, sp = f->sp, locals = f->locals, consts = co->consts, names = co->names)

static Value EVAL_FN(ThreadState *ts, Frame *f, bool resume) {
#if USE_COMPUTED_GOTO
    static const void *const targets[OP__COUNT] = {
#define OP_LABEL(name, effect, kind) &&L_##name,
        OPCODES(OP_LABEL)
#undef OP_LABEL
    };
#define TARGET(name) L_##name:
#if EVAL_COUNTING
#define DISPATCH() do { \
        if (__builtin_expect(--ticks < 0, 0)) goto tick; \
        w = *ip++; goto *targets[INSTR_OP(w)]; } while (0)
#else
#define DISPATCH() do { w = *ip++; goto *targets[INSTR_OP(w)]; } while (0)
#endif
#define FETCH() do { w = *ip++; goto *targets[INSTR_OP(w)]; } while (0)
#else
#define TARGET(name) case OP_##name:
#define DISPATCH() goto next_instr
#define FETCH() goto fetch
#endif
    Code *co;
    uint32_t *ip;
    Value *sp, *locals, *consts;
    Obj **names;
    uint32_t w;
    Value retval = V_NULL;
#if EVAL_COUNTING
    int64_t ticks = ts->ticks_left, ticks_saved = ticks;
#endif

    if (!resume) {
        f->prev = ts->frame;
        ts->frame = f;
        ts->depth++;
    }
    LOAD();
    if (f->lasti == -1) f->lasti = 0;
    if (resume) FETCH();

frame_start:
    if (__atomic_load_n(&ts->eval_breaker, __ATOMIC_RELAXED)) {
        SAVE();
        int br = vm_handle_breaker(ts);
        TICKS_RELOAD();
        if (br < 0) goto error;
        SWITCH_TO_COUNTING();
    }

#if USE_COMPUTED_GOTO
    DISPATCH();
#else
next_instr:
#if EVAL_COUNTING
    if (__builtin_expect(--ticks < 0, 0)) goto tick;
#endif
fetch:
    w = *ip++;
    switch (INSTR_OP(w)) {
#endif

    TARGET(NOP) DISPATCH();

    TARGET(POP_TOP) { Value v = POP(); v_decref(v); DISPATCH(); }
    TARGET(ROT_TWO) { Value a = sp[-1]; sp[-1] = sp[-2]; sp[-2] = a; DISPATCH(); }
    TARGET(ROT_THREE) { Value a = sp[-1]; sp[-1] = sp[-2]; sp[-2] = sp[-3]; sp[-3] = a; DISPATCH(); }
    TARGET(ROT_FOUR) { Value a = sp[-1]; sp[-1] = sp[-2]; sp[-2] = sp[-3]; sp[-3] = sp[-4]; sp[-4] = a; DISPATCH(); }
    TARGET(DUP_TOP) { Value v = TOP(); v_incref(v); PUSH(v); DISPATCH(); }
    TARGET(DUP_TOP_TWO) {
        Value a = sp[-2], b = sp[-1];
        v_incref(a); v_incref(b);
        PUSH(a); PUSH(b);
        DISPATCH();
    }

    TARGET(LOAD_CONST) { Value v = consts[ARG]; v_incref(v); PUSH(v); DISPATCH(); }

    TARGET(LOAD_FAST) { PUSH_LOCAL(ARG, unbound_local); DISPATCH(); }
    TARGET(LOAD_FAST_LOAD_FAST) {
        PUSH_LOCAL(ARG, unbound_local);
        w = *ip;
        PUSH_LOCAL(ARG, dispatch);   /* unbound: the plain LOAD_FAST that follows raises */
        ip++;
        DISPATCH();
    }
    TARGET(STORE_FAST_LOAD_FAST) {
        Value *dst = &locals[ARG];
        Value old = *dst;
        sp--;
        dst->tag = sp->tag;
        dst->as.i = sp->as.i;
        v_decref(old);
        w = *ip;
        PUSH_LOCAL(ARG, dispatch);
        ip++;
        DISPATCH();
    }
    /* The int and float cases here and in BINARY_OP are written out, each ending in its
     * own dispatch: funnelling them through one helper and one dispatch point costs the
     * loop benchmark 14% (the indirect jump after each case predicts far better). */
    TARGET(LOAD_CONST_BINARY_OP) {
        Value b = consts[ARG], a = TOP();
        int op = (int)INSTR_ARG(*ip) & ~BINOP_INPLACE;
        if (a.tag == VT_INT && b.tag == VT_INT) {
            int64_t x = a.as.i, y = b.as.i, z;
            switch (op) {
            case BINOP_ADD: if (__builtin_add_overflow(x, y, &z)) break; sp[-1] = V_INT(z); ip++; DISPATCH();
            case BINOP_SUB: if (__builtin_sub_overflow(x, y, &z)) break; sp[-1] = V_INT(z); ip++; DISPATCH();
            case BINOP_MUL: if (__builtin_mul_overflow(x, y, &z)) break; sp[-1] = V_INT(z); ip++; DISPATCH();
            case BINOP_MOD: if (y > 0 && x >= 0) { sp[-1] = V_INT(x % y); ip++; DISPATCH(); } break;
            case BINOP_FLOORDIV: if (y > 0 && x >= 0) { sp[-1] = V_INT(x / y); ip++; DISPATCH(); } break;
            case BINOP_AND: sp[-1] = V_INT(x & y); ip++; DISPATCH();
            default: break;
            }
        } else if (a.tag == VT_FLOAT && (b.tag == VT_FLOAT || b.tag == VT_INT)) {
            double x = a.as.f, y = b.tag == VT_FLOAT ? b.as.f : (double)b.as.i;
            switch (op) {
            case BINOP_ADD: sp[-1] = V_FLOAT(x + y); ip++; DISPATCH();
            case BINOP_SUB: sp[-1] = V_FLOAT(x - y); ip++; DISPATCH();
            case BINOP_MUL: sp[-1] = V_FLOAT(x * y); ip++; DISPATCH();
            case BINOP_TRUEDIV: if (y != 0.0) { sp[-1] = V_FLOAT(x / y); ip++; DISPATCH(); } break;
            default: break;
            }
        }
        v_incref(b);
        PUSH(b);
        DISPATCH();
    }
    TARGET(COMPARE_AND_BRANCH) {
        Value b = sp[-1], a = sp[-2];
        int r = -1;
        if (a.tag == VT_INT && b.tag == VT_INT) {
            r = cmp_int(ARG, a.as.i, b.as.i);
        } else if (a.tag == VT_FLOAT && b.tag == VT_FLOAT) {
            r = cmp_float(ARG, a.as.f, b.as.f);
        }
        if (r >= 0) {
            uint32_t j = *ip++;
            sp -= 2;
            if ((INSTR_OP(j) == OP_POP_JUMP_IF_FALSE) == !r) ip = co->code + INSTR_ARG(j);
            DISPATCH();
        }
        SAVE();
        Value res = obj_richcmp(ts, a, b, ARG);
        if (IS_NULL(res)) goto error;
        sp--;
        sp[-1] = res;
        v_decref(a);
        v_decref(b);
        DISPATCH();
    }
    TARGET(STORE_FAST) {
        /* moved field by field: a 16-byte reload of two fresh 8-byte stores would stall */
        Value *dst = &locals[ARG];
        Value old = *dst;
        sp--;
        dst->tag = sp->tag;
        dst->as.i = sp->as.i;
        v_decref(old);
        DISPATCH();
    }
    TARGET(DELETE_FAST) {
        Value v = locals[ARG];
        if (IS_NULL(v)) {
            exc_raise(ts, &T_UnboundLocalError, "cannot access local variable '%s' where it is not associated with a value",
                      STR_DATA(co->varnames[ARG]));
            goto error;
        }
        locals[ARG] = V_NULL;
        v_decref(v);
        DISPATCH();
    }

    TARGET(LOAD_DEREF) {
        Cell *c = (Cell *)AS_OBJ(locals[co->nlocals + ARG]);
        Value v = c->v;
        if (IS_NULL(v)) {
            if (ARG < co->ncellvars)
                exc_raise(ts, &T_UnboundLocalError, "cannot access local variable '%s' where it is not associated with a value",
                          STR_DATA(co->cellvars[ARG]));
            else
                exc_raise(ts, &T_NameError, "cannot access free variable '%s' where it is not associated with a value in enclosing scope",
                          STR_DATA(co->freevars[ARG - co->ncellvars]));
            goto error;
        }
        v_incref(v);
        PUSH(v);
        DISPATCH();
    }
    TARGET(STORE_DEREF) {
        Cell *c = (Cell *)AS_OBJ(locals[co->nlocals + ARG]);
        Value old = c->v;
        c->v = POP();
        v_decref(old);
        DISPATCH();
    }
    TARGET(DELETE_DEREF) {
        Cell *c = (Cell *)AS_OBJ(locals[co->nlocals + ARG]);
        if (IS_NULL(c->v)) {
            exc_raise(ts, &T_UnboundLocalError, "cannot access local variable '%s' where it is not associated with a value",
                      STR_DATA(ARG < co->ncellvars ? co->cellvars[ARG] : co->freevars[ARG - co->ncellvars]));
            goto error;
        }
        Value old = c->v;
        c->v = V_NULL;
        v_decref(old);
        DISPATCH();
    }
    TARGET(LOAD_CLOSURE) { Value v = locals[co->nlocals + ARG]; v_incref(v); PUSH(v); DISPATCH(); }
    TARGET(LOAD_CLASSDEREF) {
        Obj *name = ARG < co->ncellvars ? co->cellvars[ARG] : co->freevars[ARG - co->ncellvars];
        if (f->locals_dict) {
            Value v = dict_get_str(f->locals_dict, name);
            if (!IS_NULL(v)) { v_incref(v); PUSH(v); DISPATCH(); }
        }
        Cell *c = (Cell *)AS_OBJ(locals[co->nlocals + ARG]);
        if (IS_NULL(c->v)) {
            exc_raise(ts, &T_NameError, "cannot access free variable '%s' where it is not associated with a value in enclosing scope",
                      STR_DATA(name));
            goto error;
        }
        v_incref(c->v);
        PUSH(c->v);
        DISPATCH();
    }

    TARGET(LOAD_GLOBAL) {
        Obj *name = names[ARG];
        uint64_t gver = ((Dict *)f->globals)->version, bver = ((Dict *)the_interp.builtins)->version;
        GlobalCache *gc = co->gcache ? co->gcache + ARG : NULL;
        if (gc && gc->gver == gver && gc->bver == bver) {
            v_incref(gc->v);
            PUSH(gc->v);
            DISPATCH();
        }
        Value v = dict_get_str(f->globals, name);
        if (IS_NULL(v)) {
            v = dict_get_str(the_interp.builtins, name);
            if (IS_NULL(v)) {
                exc_raise(ts, &T_NameError, "name '%s' is not defined", STR_DATA(name));
                goto error;
            }
        }
        if (!co->gcache) co->gcache = calloc((size_t)co->nnames, sizeof(GlobalCache));
        gc = &co->gcache[ARG];
        gc->gver = gver ? gver : ~(uint64_t)0;   /* a version-0 dict is never cached */
        gc->bver = bver;
        gc->v = v;
        v_incref(v);
        PUSH(v);
        DISPATCH();
    }
    TARGET(STORE_GLOBAL) {
        Value v = POP();
        dict_set_str(f->globals, names[ARG], v);
        v_decref(v);
        DISPATCH();
    }
    TARGET(DELETE_GLOBAL) {
        int r = dict_del(ts, f->globals, V_OBJ(names[ARG]));
        if (r <= 0) {
            if (r == 0) exc_raise(ts, &T_NameError, "name '%s' is not defined", STR_DATA(names[ARG]));
            goto error;
        }
        DISPATCH();
    }
    TARGET(LOAD_NAME) {
        Obj *name = names[ARG];
        Value v = V_NULL;
        if (f->locals_dict) v = dict_get_str(f->locals_dict, name);
        if (IS_NULL(v)) v = dict_get_str(f->globals, name);
        if (IS_NULL(v)) v = dict_get_str(the_interp.builtins, name);
        if (IS_NULL(v)) {
            exc_raise(ts, &T_NameError, "name '%s' is not defined", STR_DATA(name));
            goto error;
        }
        v_incref(v);
        PUSH(v);
        DISPATCH();
    }
    TARGET(STORE_NAME) {
        Value v = POP();
        dict_set_str(f->locals_dict ? f->locals_dict : f->globals, names[ARG], v);
        v_decref(v);
        DISPATCH();
    }
    TARGET(DELETE_NAME) {
        int r = dict_del(ts, f->locals_dict ? f->locals_dict : f->globals, V_OBJ(names[ARG]));
        if (r <= 0) {
            if (r == 0) exc_raise(ts, &T_NameError, "name '%s' is not defined", STR_DATA(names[ARG]));
            goto error;
        }
        DISPATCH();
    }

    TARGET(LOAD_ATTR) {
        Value obj = TOP();
        Obj *name = names[ARG];
        if (obj.tag == VT_OBJ && plain_instance_type(obj.as.o->type)) {
            AttrCache *c = attr_cache(co, ip);
            Type *t = obj.as.o->type;
            if (c->type != t || c->epoch != the_interp.type_epoch) {
                c->type = t;
                c->epoch = the_interp.type_epoch;
                c->kind = IS_NULL(type_lookup(t, name)) ? 1 : 0;
                c->islot = -1;
                c->hint = 0;
            }
            if (c->kind == 1) {
                Dict *d = (Dict *)((Instance *)obj.as.o)->dict;
                if (!d && (t->flags & TF_INLINE)) {
                    InlineInstance *ii = (InlineInstance *)obj.as.o;
                    int32_t i = c->islot;
                    if (i < 0) c->islot = (int16_t)(i = instance_key_index(t, name));
                    if (i >= 0 && (uint32_t)i < ii->nset) {
                        Value r = ii->vals[i];
                        v_incref(r);
                        sp[-1] = r;
                        v_decref(obj);
                        DISPATCH();
                    }
                } else if (d) {
                    Value r;
                    if (c->hint < d->nentries && d->entries[c->hint].key.tag == VT_OBJ &&
                        d->entries[c->hint].key.as.o == name) {
                        r = d->entries[c->hint].value;
                    } else {
                        r = dict_get_str((Obj *)d, name);
                        int32_t h = IS_NULL(r) ? -1 : dict_entry_index(d, name);
                        if (h >= 0) c->hint = h;
                    }
                    if (!IS_NULL(r)) {
                        v_incref(r);
                        sp[-1] = r;
                        v_decref(obj);
                        DISPATCH();
                    }
                }
            }
        }
        SAVE();
        Value r = obj_getattr(ts, obj, name);
        if (IS_NULL(r)) goto error;
        sp[-1] = r;
        v_decref(obj);
        DISPATCH();
    }
    TARGET(STORE_ATTR) {
        Value obj = sp[-1], v = sp[-2];
        Obj *name = names[ARG];
        if (obj.tag == VT_OBJ && plain_instance_type(obj.as.o->type)) {
            AttrCache *c = attr_cache(co, ip);
            Type *t = obj.as.o->type;
            if (c->type != t || c->epoch != the_interp.type_epoch) {
                c->type = t;
                c->epoch = the_interp.type_epoch;
                Value a = type_lookup(t, name);
                c->kind = IS_NULL(a) || !obj_is_data_descr(a) ? 1 : 0;
                c->islot = -1;
                c->hint = 0;
            }
            if (c->kind == 1) {
                Instance *in = (Instance *)obj.as.o;
                if (!in->dict && (t->flags & TF_INLINE)) {
                    InlineInstance *ii = (InlineInstance *)in;
                    uint32_t i = (uint32_t)c->islot;   /* -1: never below nset or cap */
                    if (i < ii->nset) {
                        Value old = ii->vals[i];
                        ii->vals[i] = v;
                        v_decref(old);
                        sp -= 2;
                        v_decref(obj);
                        DISPATCH();
                    }
                    if (i == ii->nset && i < ii->cap) {
                        ii->vals[i] = v;
                        ii->nset++;
                        sp -= 2;
                        v_decref(obj);
                        DISPATCH();
                    }
                    if (instance_store_inline(&in->hdr, name, v)) {
                        c->islot = (int16_t)instance_key_index(t, name);
                        sp -= 2;
                        v_decref(obj);
                        v_decref(v);
                        DISPATCH();
                    }
                }
                Dict *d = (Dict *)instance_dict(&in->hdr, true);
                if (c->hint < d->nentries && d->entries[c->hint].key.tag == VT_OBJ &&
                    d->entries[c->hint].key.as.o == name) {
                    Value old = d->entries[c->hint].value;
                    d->entries[c->hint].value = v;
                    d->version = ++the_interp.dict_version;
                    v_decref(old);
                } else {
                    dict_set_str((Obj *)d, name, v);
                    v_decref(v);
                    int32_t h = dict_entry_index(d, name);
                    if (h >= 0) c->hint = h;
                }
                sp -= 2;
                v_decref(obj);
                DISPATCH();
            }
        }
        SAVE();
        int r = obj_setattr(ts, obj, name, v);
        if (r < 0) goto error;
        sp -= 2;
        v_decref(obj);
        v_decref(v);
        DISPATCH();
    }
    TARGET(DELETE_ATTR) {
        Value obj = TOP();
        SAVE();
        if (obj_setattr(ts, obj, names[ARG], V_NULL) < 0) goto error;
        sp--;
        v_decref(obj);
        DISPATCH();
    }
    TARGET(LOAD_METHOD) {
        Value obj = TOP();
        Obj *name = names[ARG];
        Value meth;
        if (obj.tag == VT_OBJ && plain_instance_type(obj.as.o->type)) {
            AttrCache *c = attr_cache(co, ip);
            Type *t = obj.as.o->type;
            if (c->type != t || c->epoch != the_interp.type_epoch) {
                c->type = t;
                c->epoch = the_interp.type_epoch;
                Value a = type_lookup(t, name);
                c->kind = OBJ_IS(a, T_function) ? 2 : 0;
                c->method = c->kind ? AS_OBJ(a) : NULL;
                c->islot = (int16_t)instance_key_index(t, name);
                c->hint = (int32_t)t->nikeys;
            }
            if (c->kind == 2) {
                Dict *d = (Dict *)((Instance *)obj.as.o)->dict;
                if (!d && c->hint != (int32_t)t->nikeys) {
                    c->islot = (int16_t)instance_key_index(t, name);
                    c->hint = (int32_t)t->nikeys;
                }
                if (!d ? c->islot < 0 || (uint32_t)c->islot >= ((InlineInstance *)obj.as.o)->nset
                       : d->used == 0 || IS_NULL(dict_get_str((Obj *)d, name))) {
                    o_incref(c->method);
                    sp[-1] = V_OBJ(c->method);
                    PUSH(obj);
                    DISPATCH();
                }
            }
        } else if (obj.tag == VT_OBJ && !obj.as.o->type->getattr && !(obj.as.o->type->flags & TF_HAS_DICT)) {
            /* a built-in type's method: no instance dict can shadow it */
            AttrCache *c = attr_cache(co, ip);
            Type *t = obj.as.o->type;
            if (c->type != t || c->epoch != the_interp.type_epoch) {
                c->type = t;
                c->epoch = the_interp.type_epoch;
                Value a = type_lookup(t, name);
                c->kind = OBJ_IS(a, T_function) ||
                          (OBJ_IS(a, T_builtin) && IS_NULL(((CFunc *)AS_OBJ(a))->self)) ? 2 : 0;
                c->method = c->kind ? AS_OBJ(a) : NULL;
            }
            if (c->kind == 2) {
                o_incref(c->method);
                sp[-1] = V_OBJ(c->method);
                PUSH(obj);
                DISPATCH();
            }
        }
        SAVE();
        int r = obj_get_method(ts, obj, name, &meth);
        if (r < 0) goto error;
        if (r == 1) {
            sp[-1] = meth;
            PUSH(obj);
        } else {
            sp[-1] = V_NULL;
            PUSH(meth);
            v_decref(obj);
        }
        DISPATCH();
    }

    TARGET(BINARY_SUBSCR) {
        Value key = sp[-1], obj = sp[-2];
        Value r;
        if (IS_LIST(obj) && IS_INT(key)) {
            List *l = AS_LIST(obj);
            int64_t i = AS_INT(key);
            if (i < 0) i += l->len;
            if ((uint64_t)i < (uint64_t)l->len) {
                r = l->items[i];
                v_incref(r);
                sp--;
                sp[-1] = r;
                v_decref(obj);
                DISPATCH();
            }
        }
        SAVE();
        if (IS_DICT(obj)) {
            int found = dict_lookup(ts, AS_OBJ(obj), key, &r);
            if (found > 0) {
                v_incref(r);
                sp--;
                sp[-1] = r;
                v_decref(key);
                v_decref(obj);
                DISPATCH();
            }
            if (found < 0) goto error;
        }
        r = obj_getitem(ts, obj, key);
        if (IS_NULL(r)) goto error;
        sp--;
        sp[-1] = r;
        v_decref(key);
        v_decref(obj);
        DISPATCH();
    }
    TARGET(STORE_SUBSCR) {
        Value key = sp[-1], obj = sp[-2], v = sp[-3];
        if (IS_LIST(obj) && IS_INT(key)) {
            List *l = AS_LIST(obj);
            int64_t i = AS_INT(key);
            if (i < 0) i += l->len;
            if ((uint64_t)i < (uint64_t)l->len) {
                Value old = l->items[i];
                l->items[i] = v;
                sp -= 3;
                v_decref(old);
                v_decref(obj);
                DISPATCH();
            }
        }
        SAVE();
        if (IS_DICT(obj) ? dict_set(ts, AS_OBJ(obj), key, v) < 0 : obj_setitem(ts, obj, key, v) < 0) goto error;
        sp -= 3;
        v_decref(key); v_decref(obj); v_decref(v);
        DISPATCH();
    }
    TARGET(DELETE_SUBSCR) {
        Value key = sp[-1], obj = sp[-2];
        SAVE();
        if (obj_setitem(ts, obj, key, V_NULL) < 0) goto error;
        sp -= 2;
        v_decref(key); v_decref(obj);
        DISPATCH();
    }
    TARGET(BUILD_SLICE) {
        Value step = ARG == 3 ? POP() : V_NONE;
        Value stop = POP(), start = POP();
        Obj *s = slice_new(start, stop, step);
        v_decref(start); v_decref(stop); v_decref(step);
        PUSH(V_OBJ(s));
        DISPATCH();
    }

    TARGET(BINARY_OP) {
        Value b = sp[-1], a = sp[-2];
        int op = ARG & ~BINOP_INPLACE;
        if (a.tag == VT_INT && b.tag == VT_INT) {
            int64_t x = a.as.i, y = b.as.i, z;
            switch (op) {
            case BINOP_ADD: if (__builtin_add_overflow(x, y, &z)) break; sp--; sp[-1] = V_INT(z); DISPATCH();
            case BINOP_SUB: if (__builtin_sub_overflow(x, y, &z)) break; sp--; sp[-1] = V_INT(z); DISPATCH();
            case BINOP_MUL: if (__builtin_mul_overflow(x, y, &z)) break; sp--; sp[-1] = V_INT(z); DISPATCH();
            case BINOP_MOD:
                if (y > 0 && x >= 0) { sp--; sp[-1] = V_INT(x % y); DISPATCH(); }
                break;
            case BINOP_FLOORDIV:
                if (y > 0 && x >= 0) { sp--; sp[-1] = V_INT(x / y); DISPATCH(); }
                break;
            case BINOP_AND: sp--; sp[-1] = V_INT(x & y); DISPATCH();
            case BINOP_OR: sp--; sp[-1] = V_INT(x | y); DISPATCH();
            case BINOP_XOR: sp--; sp[-1] = V_INT(x ^ y); DISPATCH();
            default: break;
            }
        } else if (a.tag == VT_FLOAT && b.tag == VT_FLOAT) {
            double x = a.as.f, y = b.as.f;
            switch (op) {
            case BINOP_ADD: sp--; sp[-1] = V_FLOAT(x + y); DISPATCH();
            case BINOP_SUB: sp--; sp[-1] = V_FLOAT(x - y); DISPATCH();
            case BINOP_MUL: sp--; sp[-1] = V_FLOAT(x * y); DISPATCH();
            case BINOP_TRUEDIV: if (y != 0.0) { sp--; sp[-1] = V_FLOAT(x / y); DISPATCH(); } break;
            default: break;
            }
        }
        if (op == BINOP_ADD && a.tag == VT_OBJ && b.tag == VT_OBJ && a.as.o->type == b.as.o->type &&
            (a.as.o->type == &T_str || a.as.o->type == &T_bytes)) {
            Obj *ao = AS_OBJ(a), *r;
            bool is_str = ao->type == &T_str;
            /* s += x and s = s + x: the local being assigned lets go of s first, so that
             * a str nothing else holds grows in place (CPython does the same) */
            if (ao->refcnt == 2) {
                uint32_t nx = *ip;
                Value *dst = &locals[INSTR_ARG(nx)];
                if ((INSTR_OP(nx) == OP_STORE_FAST || INSTR_OP(nx) == OP_STORE_FAST_LOAD_FAST) &&
                    dst->tag == VT_OBJ && dst->as.o == ao) {
                    *dst = V_NULL;
                    ao->refcnt--;
                }
            }
            if (ao->refcnt == 1) {
                SAVE();
                r = is_str ? str_append(ts, ao, AS_OBJ(b)) : bytes_append(ts, ao, AS_OBJ(b));
                if (!r) goto error;
            } else if (is_str) {
                r = str_concat(ao, AS_OBJ(b));
                v_decref(a);
            } else {
                SAVE();
                Value rv = obj_binop(ts, a, b, ARG);
                if (IS_NULL(rv)) goto error;
                r = AS_OBJ(rv);
                v_decref(a);
            }
            sp--;
            sp[-1] = V_OBJ(r);
            v_decref(b);
            DISPATCH();
        }
        SAVE();
        Value r = (a.tag >= VT_BOOL && a.tag <= VT_FLOAT && b.tag >= VT_BOOL && b.tag <= VT_FLOAT)
                      ? num_binop(ts, a, b, ARG) : obj_binop(ts, a, b, ARG);
        if (IS_NULL(r)) goto error;
        sp--;
        sp[-1] = r;
        v_decref(a);
        v_decref(b);
        DISPATCH();
    }

    TARGET(UNARY_NEG) {
        Value a = TOP();
        if (a.tag == VT_INT && a.as.i != INT64_MIN) { sp[-1] = V_INT(-a.as.i); DISPATCH(); }
        if (a.tag == VT_FLOAT) { sp[-1] = V_FLOAT(-a.as.f); DISPATCH(); }
        SAVE();
        Value r = obj_unop(ts, a, UNOP_NEG);
        if (IS_NULL(r)) goto error;
        sp[-1] = r;
        v_decref(a);
        DISPATCH();
    }
    TARGET(UNARY_POS) {
        Value a = TOP();
        SAVE();
        Value r = obj_unop(ts, a, UNOP_POS);
        if (IS_NULL(r)) goto error;
        sp[-1] = r;
        v_decref(a);
        DISPATCH();
    }
    TARGET(UNARY_INVERT) {
        Value a = TOP();
        SAVE();
        Value r = obj_unop(ts, a, UNOP_INVERT);
        if (IS_NULL(r)) goto error;
        sp[-1] = r;
        v_decref(a);
        DISPATCH();
    }
    TARGET(UNARY_NOT) {
        Value a = TOP();
        int t;
        if (a.tag == VT_BOOL) t = AS_BOOL(a);
        else {
            SAVE();
            t = obj_truthy(ts, a);
            if (t < 0) goto error;
            v_decref(a);
        }
        sp[-1] = V_BOOL(!t);
        DISPATCH();
    }

    TARGET(COMPARE_OP) {
        Value b = sp[-1], a = sp[-2];
        if (a.tag == VT_INT && b.tag == VT_INT) {
            bool r = cmp_int(ARG, a.as.i, b.as.i);
            sp--;
            sp[-1] = V_BOOL(r);
            DISPATCH();
        }
        if (a.tag == VT_FLOAT && b.tag == VT_FLOAT) {
            bool r = cmp_float(ARG, a.as.f, b.as.f);
            sp--;
            sp[-1] = V_BOOL(r);
            DISPATCH();
        }
        SAVE();
        Value r = obj_richcmp(ts, a, b, ARG);
        if (IS_NULL(r)) goto error;
        sp--;
        sp[-1] = r;
        v_decref(a);
        v_decref(b);
        DISPATCH();
    }
    TARGET(IS_OP) {
        Value b = sp[-1], a = sp[-2];
        bool same = a.tag == b.tag && (a.tag == VT_NONE || a.as.i == b.as.i);
        sp--;
        sp[-1] = V_BOOL(same != (ARG == 1));
        v_decref(a);
        v_decref(b);
        DISPATCH();
    }
    TARGET(CONTAINS_OP) {
        Value b = sp[-1], a = sp[-2];
        SAVE();
        int r;
        if (IS_DICT(b)) {
            Value unused;
            r = dict_lookup(ts, AS_OBJ(b), a, &unused);
        } else {
            r = obj_contains(ts, b, a);
        }
        if (r < 0) goto error;
        sp--;
        sp[-1] = V_BOOL(r != (ARG == 1));
        v_decref(a);
        v_decref(b);
        DISPATCH();
    }

    TARGET(JUMP_FORWARD) { ip = co->code + ARG; DISPATCH(); }
    TARGET(JUMP_BACKWARD) {
        ip = co->code + ARG;
        if (__atomic_load_n(&ts->eval_breaker, __ATOMIC_RELAXED)) {
            SAVE();
            int br = vm_handle_breaker(ts);
            TICKS_RELOAD();
            if (br < 0) goto error;
            SWITCH_TO_COUNTING();
        }
        DISPATCH();
    }
    TARGET(POP_JUMP_IF_FALSE) {
        Value v = POP();
        if (v.tag == VT_BOOL) { if (!v.as.i) ip = co->code + ARG; DISPATCH(); }
        SAVE();
        int t = obj_truthy(ts, v);
        v_decref(v);
        if (t < 0) goto error;
        if (!t) ip = co->code + ARG;
        DISPATCH();
    }
    TARGET(POP_JUMP_IF_TRUE) {
        Value v = POP();
        if (v.tag == VT_BOOL) { if (v.as.i) ip = co->code + ARG; DISPATCH(); }
        SAVE();
        int t = obj_truthy(ts, v);
        v_decref(v);
        if (t < 0) goto error;
        if (t) ip = co->code + ARG;
        DISPATCH();
    }
    TARGET(JUMP_IF_FALSE_OR_POP) {
        Value v = TOP();
        SAVE();
        int t = obj_truthy(ts, v);
        if (t < 0) goto error;
        if (!t) ip = co->code + ARG;
        else { sp--; v_decref(v); }
        DISPATCH();
    }
    TARGET(JUMP_IF_TRUE_OR_POP) {
        Value v = TOP();
        SAVE();
        int t = obj_truthy(ts, v);
        if (t < 0) goto error;
        if (t) ip = co->code + ARG;
        else { sp--; v_decref(v); }
        DISPATCH();
    }

    TARGET(GET_ITER) {
        Value v = TOP();
        SAVE();
        Value it = obj_iter(ts, v);
        if (IS_NULL(it)) goto error;
        sp[-1] = it;
        v_decref(v);
        DISPATCH();
    }
    TARGET(FOR_ITER) {
        Value it = TOP();
        Obj *o = AS_OBJ(it);
        if (o->type == &T_range_iterator) {
            RangeIter *r = (RangeIter *)o;
            if (r->remaining > 0) {
                PUSH(V_INT(r->next));
                r->next += r->step;
                r->remaining--;
                DISPATCH();
            }
        } else if (o->type == &T_list_iterator) {
            SeqIter *s = (SeqIter *)o;
            if (!IS_NULL(s->seq)) {
                List *l = AS_LIST(s->seq);
                if (s->index < l->len) {
                    Value v = l->items[s->index++];
                    v_incref(v);
                    PUSH(v);
                    DISPATCH();
                }
                Value seq = s->seq;
                s->seq = V_NULL;
                v_decref(seq);
            }
        } else {
            SAVE();
            Value v = obj_next(ts, it);
            if (!IS_NULL(v)) { PUSH(v); DISPATCH(); }
            if (!IS_NULL(ts->exc)) goto error;
        }
        sp--;
        v_decref(it);
        ip = co->code + ARG;
        DISPATCH();
    }

    TARGET(BUILD_TUPLE) {
        int n = ARG;
        Obj *t = tuple_new(n);
        sp -= n;
        memcpy(((Tuple *)t)->items, sp, sizeof(Value) * (size_t)n);
        PUSH(V_OBJ(t));
        DISPATCH();
    }
    TARGET(BUILD_LIST) {
        int n = ARG;
        Obj *l = list_new(n);
        sp -= n;
        for (int i = 0; i < n; i++) list_append_steal(l, sp[i]);
        PUSH(V_OBJ(l));
        DISPATCH();
    }
    TARGET(BUILD_SET) {
        int n = ARG;
        Obj *s = set_new();
        SAVE();
        int err = 0;
        for (int i = n; i > 0; i--)
            if (!err && set_add(ts, s, sp[-i]) < 0) err = 1;
        for (int i = 0; i < n; i++) { Value v = POP(); v_decref(v); }
        if (err) { o_decref(s); goto error; }
        PUSH(V_OBJ(s));
        DISPATCH();
    }
    TARGET(BUILD_MAP) {
        int n = ARG;
        Obj *d = dict_new();
        SAVE();
        int err = 0;
        for (int i = n; i > 0; i--)
            if (!err && dict_set(ts, d, sp[-2 * i], sp[-2 * i + 1]) < 0) err = 1;
        for (int i = 0; i < 2 * n; i++) { Value v = POP(); v_decref(v); }
        if (err) { o_decref(d); goto error; }
        PUSH(V_OBJ(d));
        DISPATCH();
    }
    TARGET(BUILD_STRING) {
        int n = ARG;
        StrBuf b;
        sb_init(&b);
        for (int i = n; i > 0; i--) sb_putn(&b, STR_DATA(AS_OBJ(sp[-i])), STR_LEN(AS_OBJ(sp[-i])));
        for (int i = 0; i < n; i++) { Value v = POP(); v_decref(v); }
        PUSH(V_OBJ(sb_finish(&b)));
        DISPATCH();
    }
    TARGET(LIST_APPEND) {
        Value v = POP();
        list_append_steal(AS_OBJ(PEEK(ARG)), v);
        DISPATCH();
    }
    TARGET(SET_ADD) {
        Value v = POP();
        SAVE();
        int r = set_add(ts, AS_OBJ(PEEK(ARG)), v);
        v_decref(v);
        if (r < 0) goto error;
        DISPATCH();
    }
    TARGET(MAP_ADD) {
        Value v = POP(), k = POP();
        SAVE();
        int r = dict_set(ts, AS_OBJ(PEEK(ARG)), k, v);
        v_decref(k);
        v_decref(v);
        if (r < 0) goto error;
        DISPATCH();
    }
    TARGET(LIST_EXTEND) {
        Value it = POP();
        SAVE();
        int r = list_extend(ts, AS_OBJ(PEEK(ARG)), it);
        if (r < 0) {
            if (exc_matches(ts, &T_TypeError) && !obj_type(it)->iter && !obj_type(it)->getitem) {
                exc_clear(ts);
                exc_raise(ts, &T_TypeError, "Value after * must be an iterable, not %s", obj_type_name(it));
            }
            v_decref(it);
            goto error;
        }
        v_decref(it);
        DISPATCH();
    }
    TARGET(SET_UPDATE) {
        Value it = POP();
        SAVE();
        int r = set_update(ts, AS_OBJ(PEEK(ARG)), it);
        v_decref(it);
        if (r < 0) goto error;
        DISPATCH();
    }
    TARGET(DICT_UPDATE) {
        Value m = POP();
        SAVE();
        int r = dict_update(ts, AS_OBJ(PEEK(ARG)), m);
        if (r < 0) {
            if (exc_matches(ts, &T_TypeError) && !IS_DICT(m)) {
                exc_clear(ts);
                exc_raise(ts, &T_TypeError, "'%s' object is not a mapping", obj_type_name(m));
            }
            v_decref(m);
            goto error;
        }
        v_decref(m);
        DISPATCH();
    }
    TARGET(DICT_MERGE) {
        Value m = POP();
        Obj *d = AS_OBJ(PEEK(ARG));
        SAVE();
        if (!IS_DICT(m)) {
            Obj *fs = call_func_str(ts, PEEK(ARG + 2));
            exc_raise(ts, &T_TypeError, "%s argument after ** must be a mapping, not %s", STR_DATA(fs), obj_type_name(m));
            o_decref(fs);
            v_decref(m);
            goto error;
        }
        int64_t pos = 0;
        Value k, v;
        while (dict_next(AS_OBJ(m), &pos, &k, &v)) {
            Value old;
            int found = dict_lookup(ts, d, k, &old);
            if (found > 0) {
                if (IS_STR(k)) {
                    Obj *fs = call_func_str(ts, PEEK(ARG + 2));
                    exc_raise(ts, &T_TypeError, "%s got multiple values for keyword argument '%s'", STR_DATA(fs), STR_DATA(AS_OBJ(k)));
                    o_decref(fs);
                }
                else exc_raise(ts, &T_TypeError, "keywords must be strings");
                found = -1;
            }
            if (found < 0 || dict_set(ts, d, k, v) < 0) { v_decref(m); goto error; }
        }
        v_decref(m);
        DISPATCH();
    }
    TARGET(LIST_TO_TUPLE) {
        Value l = TOP();
        sp[-1] = V_OBJ(tuple_from_array(AS_LIST(l)->items, AS_LIST(l)->len));
        v_decref(l);
        DISPATCH();
    }
    TARGET(UNPACK_SEQUENCE) {
        int n = ARG;
        Value seq = TOP();
        Value buf[16];
        Value *out = n <= 16 ? buf : malloc(sizeof(Value) * (size_t)n);
        SAVE();
        if (unpack_iterable(ts, seq, n, 0, false, out) < 0) { if (out != buf) free(out); goto error; }
        sp--;
        v_decref(seq);
        for (int i = n - 1; i >= 0; i--) PUSH(out[i]);
        if (out != buf) free(out);
        DISPATCH();
    }
    TARGET(UNPACK_EX) {
        int before = ARG & 0xff, after = ARG >> 8, n = before + 1 + after;
        Value seq = TOP();
        Value *out = malloc(sizeof(Value) * (size_t)n);
        SAVE();
        if (unpack_iterable(ts, seq, before, after, true, out) < 0) { free(out); goto error; }
        sp--;
        v_decref(seq);
        for (int i = n - 1; i >= 0; i--) PUSH(out[i]);
        free(out);
        DISPATCH();
    }

    /* Calls. The call's slots are base[0..nslots): [callable, args...] for CALL and
     * CALL_KW, [meth|NULL, self|callable, args...] for the method forms. A tiny
     * function called from here runs in a new frame of this same loop. */
    {
        Value *base, *args;
        Value callable;
        int nargs, nslots;
        Obj *kwnames;
        Obj *call_init;      /* the instance when the call is a class's inline __init__ */

    TARGET(CALL)
        kwnames = NULL;
        nslots = ARG + 1;
        base = sp - nslots;
        callable = base[0];
        args = base + 1;
        nargs = ARG;
        goto do_call;
    TARGET(CALL_KW)
        kwnames = AS_OBJ(POP());
        nslots = ARG + 1;
        base = sp - nslots;
        callable = base[0];
        args = base + 1;
        nargs = ARG - (int)((Tuple *)kwnames)->len;
        goto do_call;
    TARGET(CALL_METHOD)
        kwnames = NULL;
        nslots = ARG + 2;
        base = sp - nslots;
        nargs = ARG;
        goto do_method;
    TARGET(CALL_METHOD_KW)
        kwnames = AS_OBJ(POP());
        nslots = ARG + 2;
        base = sp - nslots;
        nargs = ARG - (int)((Tuple *)kwnames)->len;
    do_method:
        if (IS_NULL(base[0])) {
            callable = base[1];
            args = base + 2;
            if (callable.tag == VT_OBJ && callable.as.o->type == &T_method) {
                /* unpack a bound method into the free slot */
                BoundMethod *bm = (BoundMethod *)callable.as.o;
                base[0] = v_new(bm->func);
                base[1] = v_new(bm->self);
                v_decref(callable);
                callable = base[0];
                args = base + 1;
                nargs++;
            }
        } else {
            callable = base[0];
            args = base + 1;
            nargs++;
        }
    do_call:
        call_init = NULL;
        if (callable.tag == VT_OBJ && callable.as.o->type == &T_function &&
            !(((Code *)((Func *)callable.as.o)->code)->flags & CO_GENERATOR)) {
            args[-1] = V_NULL;   /* the callable's reference is ours: the frame takes it */
        call_function:;
            Func *fn = (Func *)callable.as.o;
            Code *nco = (Code *)fn->code;
            SAVE();
            Frame *nf = ts->depth >= the_interp.recursion_limit ? NULL
                        : frame_new_x(ts, nco, (Obj *)fn, fn->globals, NULL, false, true);
            if (!nf) {
                if (IS_NULL(ts->exc)) exc_raise(ts, &T_RecursionError, "maximum recursion depth exceeded");
                v_decref(callable);
                if (call_init) o_decref(call_init);
                goto call_fail;
            }
            nf->init_obj = call_init;
            if (simple_call(nco, nargs, kwnames)) {
                /* the arguments move into the new frame; nothing else on the call's slots
                 * holds a reference (the callable was taken, a method call's NULL is empty) */
                for (int i = 0; i < nargs; i++) nf->locals[i] = args[i];
            } else {
                if (bind_args(ts, nf, fn, args, nargs, kwnames) < 0) {
                    frame_clear(nf);
                    frame_release(ts, nf);
                    goto call_fail;
                }
                init_cells(nf, fn);
                for (Value *p = base; p < base + nslots; p++) v_decref(*p);
            }
            if (kwnames) o_decref(kwnames);
            f->sp = base;
            nf->prev = f;
            f = nf;
            ts->frame = f;
            ts->depth++;
            /* not LOAD(): reading back the fields just stored would stall on store forwarding */
            co = nco; ip = nco->code; sp = nf->stack; locals = (Value *)(nf + 1);
            consts = nco->consts; names = nco->names;
            goto frame_start;
        }
        if (callable.tag == VT_OBJ && callable.as.o->type == &T_type &&
            (((Type *)callable.as.o)->flags & TF_HEAPTYPE) && ((Type *)callable.as.o)->new_ == T_object.new_) {
            /* a class whose __init__ is tiny code: allocate the instance, then run __init__
             * as a tiny call whose frame returns the instance */
            Type *cls = (Type *)callable.as.o;
            Value init = type_lookup(cls, NAME(__init__));
            if (OBJ_IS(init, T_function) && !(((Code *)((Func *)AS_OBJ(init))->code)->flags & CO_GENERATOR)) {
                call_init = instance_alloc(cls);             /* keeps the class alive */
                args[-1] = V_OBJ(call_init);                  /* self takes the class's slot */
                o_incref(call_init);
                v_decref(callable);
                callable = init;
                v_incref(callable);                           /* ours: the frame takes it */
                args--;
                nargs++;
                goto call_function;
            }
        }
        if (callable.tag == VT_OBJ && callable.as.o == &T_str.hdr && nargs == 1 && !kwnames) {
            /* str(x): the most common conversion (CPython 3.11 specializes it too) */
            SAVE();
            Value r = obj_str(ts, args[0]);
            for (Value *p = base; p < base + nslots; p++) v_decref(*p);
            sp = base;
            if (IS_NULL(r)) goto error;
            PUSH(r);
            DISPATCH();
        }
        {
            SAVE();
            Value r;
            if (callable.tag == VT_OBJ && callable.as.o->type == &T_builtin &&
                IS_NULL(((CFunc *)callable.as.o)->self) && (!((CFunc *)callable.as.o)->owner ||
                (nargs > 0 && obj_type(args[0]) == ((CFunc *)callable.as.o)->owner &&
                 !(((CFunc *)callable.as.o)->def->flags & (METH_CLASS | METH_STATIC)))))
                r = ((CFunc *)callable.as.o)->def->fn(ts, args, nargs, kwnames);
            else
                r = obj_call(ts, callable, args, nargs, kwnames);
            for (Value *p = base; p < base + nslots; p++) v_decref(*p);
            sp = base;
            if (kwnames) o_decref(kwnames);
            if (IS_NULL(r)) goto error;
            PUSH(r);
            DISPATCH();
        }
    call_fail:
        for (Value *p = base; p < base + nslots; p++) v_decref(*p);
        sp = base;
        if (kwnames) o_decref(kwnames);
        goto error;
    }

    TARGET(CALL_EX) {
        Value kwargs = (ARG & 1) ? POP() : V_NULL;
        Value args = POP();
        Value callable = POP();
        SAVE();
        f->lasti = (int)(ip - co->code) - 1;
        Value r = call_ex(ts, callable, args, kwargs);
        v_decref(kwargs);
        v_decref(args);
        v_decref(callable);
        if (IS_NULL(r)) goto error;
        PUSH(r);
        DISPATCH();
    }

    TARGET(MAKE_FUNCTION) {
        Value code = POP();
        Value closure = (ARG & MF_CLOSURE) ? POP() : V_NULL;
        Value kwdefaults = (ARG & MF_KWDEFAULTS) ? POP() : V_NULL;
        Value defaults = (ARG & MF_DEFAULTS) ? POP() : V_NULL;
        Func *fn = (Func *)func_new(AS_OBJ(code), f->globals);
        v_decref(code);
        if (!IS_NULL(closure)) fn->closure = AS_OBJ(closure);
        if (!IS_NULL(kwdefaults)) fn->kwdefaults = AS_OBJ(kwdefaults);
        if (!IS_NULL(defaults)) fn->defaults = AS_OBJ(defaults);
        PUSH(V_OBJ(fn));
        DISPATCH();
    }

    TARGET(RETURN_VALUE) {
        retval = POP();
        if (!(f->entry | f->is_gen) && !f->init_obj && !f->locals_dict && f->func) {
            /* the common case: a tiny function returning to tiny code in this loop */
            Frame *done = f;
            int nslots = co->nlocals + co->ncellvars + co->nfreevars;
            for (int i = 0; i < nslots; i++) v_decref(done->locals[i]);
            while (sp > done->stack) { Value v = *--sp; v_decref(v); }
            Obj *fn = done->func;
            f = done->prev;
            ts->frame = f;
            ts->depth--;
            ts->arena_top = (char *)done;
            o_decref(fn);
            LOAD();
            PUSH(retval);
            DISPATCH();
        }
        goto do_return;
    }

    TARGET(YIELD_VALUE) {
        retval = POP();
        TICKS_SYNC();
        f->ip = ip;
        f->sp = sp;
        f->lasti = (int)(ip - co->code) - 1;
        ts->frame = f->prev;
        ts->depth--;
        return retval;
    }

    TARGET(YIELD_FROM) {
        Value v = POP();
        Value recv = TOP();
        SAVE();
        Value out;
        GenStatus st = gen_delegate_send(ts, recv, v, &out);
        v_decref(v);
        if (st == GEN_YIELD) {
            /* suspend here: resuming pushes the sent value and runs YIELD_FROM again */
            f->ip = ip - 1;
            f->lasti = (int)(ip - co->code) - 1;
            ts->frame = f->prev;
            ts->depth--;
            return out;
        }
        if (st == GEN_ERROR) goto error;
        sp[-1] = out;
        v_decref(recv);
        DISPATCH();
    }

    TARGET(RAISE_VARARGS) {
        SAVE();
        if (ARG == 0) {
            if (IS_NULL(ts->exc_info)) {
                exc_raise(ts, &T_RuntimeError, "No active exception to reraise");
                goto error;
            }
            exc_set(ts, v_new(ts->exc_info));
            goto exception_unwind;
        }
        Value cause = ARG == 2 ? POP() : V_NULL;
        Value exc = POP();
        bool valid = obj_isinstance(exc, &T_BaseException) ||
                     (IS_TYPE(exc) && type_is_subtype(AS_TYPE(exc), &T_BaseException));
        exc_raise_obj(ts, exc);
        v_decref(exc);
        if (!IS_NULL(cause) && valid && !IS_NULL(ts->exc)) {
            Value c = V_NULL;
            if (IS_TYPE(cause) && type_is_subtype(AS_TYPE(cause), &T_BaseException)) {
                Value saved = exc_fetch(ts);
                c = exc_new(ts, AS_TYPE(cause), NULL, 0);
                exc_set(ts, saved);
            } else if (obj_isinstance(cause, &T_BaseException)) {
                c = v_new(cause);
            } else if (!IS_NONE(cause)) {
                v_decref(cause);
                exc_clear(ts);
                exc_raise(ts, &T_TypeError, "exception causes must derive from BaseException");
                goto error;
            }
            if (!IS_NULL(c) || IS_NONE(cause)) {
                Exc *e = (Exc *)AS_OBJ(ts->exc);
                v_set(&e->cause, c);
                e->suppress_context = 1;
            }
        }
        v_decref(cause);
        goto error;
    }

    TARGET(SETUP_FINALLY) {
        Block *b = &f->blocks[f->nblocks++];
        b->type = BLOCK_FINALLY;
        b->handler = ARG;
        b->level = (int)(sp - f->stack);
        DISPATCH();
    }
    TARGET(SETUP_WITH) {
        Value mgr = TOP();
        SAVE();
        Value enter = obj_getattr_opt(ts, mgr, NAME(__enter__));
        if (IS_NULL(enter)) {
            if (IS_NULL(ts->exc))
                exc_raise(ts, &T_TypeError, "'%s' object does not support the context manager protocol", obj_type_name(mgr));
            goto error;
        }
        Value exit = obj_getattr_opt(ts, mgr, NAME(__exit__));
        if (IS_NULL(exit)) {
            v_decref(enter);
            if (IS_NULL(ts->exc))
                exc_raise(ts, &T_TypeError, "'%s' object does not support the context manager protocol (missed __exit__ method)",
                          obj_type_name(mgr));
            goto error;
        }
        sp[-1] = exit;
        v_decref(mgr);
        Value res = obj_call0(ts, enter);
        v_decref(enter);
        if (IS_NULL(res)) goto error;
        Block *b = &f->blocks[f->nblocks++];
        b->type = BLOCK_FINALLY;
        b->handler = ARG;
        b->level = (int)(sp - f->stack);
        PUSH(res);
        DISPATCH();
    }
    TARGET(POP_BLOCK) { f->nblocks--; DISPATCH(); }
    TARGET(POP_EXCEPT) {
        f->nblocks--;
        Value prev = POP();
        Value old = ts->exc_info;
        ts->exc_info = IS_NONE(prev) ? V_NULL : prev;
        v_decref(old);
        DISPATCH();
    }
    TARGET(RERAISE) {
        Value exc = POP();
        exc_set(ts, exc);
        SAVE();
        goto exception_unwind;
    }
    TARGET(CHECK_EXC_MATCH) {
        Value type = POP();
        SAVE();
        int r = exc_match_spec(ts, TOP(), type);
        v_decref(type);
        if (r < 0) goto error;
        PUSH(V_BOOL(r));
        DISPATCH();
    }
    TARGET(WITH_EXCEPT_START) {
        Value exc = sp[-1];
        Value exit = sp[-3];
        SAVE();
        Value tb = obj_getattr_opt(ts, exc, NAME(__traceback__));
        if (IS_NULL(tb)) tb = V_NONE;
        Value r = obj_call3(ts, exit, V_OBJ(obj_type(exc)), exc, tb);
        v_decref(tb);
        if (IS_NULL(r)) goto error;
        PUSH(r);
        DISPATCH();
    }
    TARGET(LOAD_ASSERTION_ERROR) { PUSH(V_OBJ(&T_AssertionError)); DISPATCH(); }

    TARGET(IMPORT_NAME) {
        Value fromlist = TOP();
        Obj *name = names[ARG];
        SAVE();
        Value m = STR_DATA(name)[0] == '.' ? module_import_relative(ts, name, f->globals)
                                           : module_import(ts, name);
        if (IS_NULL(m)) goto error;
        if (IS_NONE(fromlist) && memchr(STR_DATA(name), '.', (size_t)STR_LEN(name))) {
            const char *s = STR_DATA(name);
            Obj *top = str_intern_n(s, (int64_t)(strchr(s, '.') - s));
            Value t = module_import(ts, top);
            v_decref(m);
            if (IS_NULL(t)) goto error;
            m = t;
        }
        sp[-1] = m;
        v_decref(fromlist);
        DISPATCH();
    }
    TARGET(IMPORT_FROM) {
        Value mod = TOP();
        Obj *name = names[ARG];
        SAVE();
        Value v = obj_getattr(ts, mod, name);
        if (IS_NULL(v)) {
            if (!exc_matches(ts, &T_AttributeError)) goto error;
            exc_clear(ts);
            Value mname = OBJ_IS(mod, T_module) ? dict_get_str(MODULE_DICT(AS_OBJ(mod)), NAME(__name__)) : V_NULL;
            if (IS_STR(mname)) {
                Obj *full = str_fmt("%s.%s", STR_DATA(AS_OBJ(mname)), STR_DATA(name));
                v = module_import(ts, full);
                o_decref(full);
                if (IS_NULL(v)) {
                    exc_clear(ts);
                    exc_raise(ts, &T_ImportError, "cannot import name '%s' from '%s' (unknown location)",
                              STR_DATA(name), STR_DATA(AS_OBJ(mname)));
                    goto error;
                }
            } else {
                exc_raise(ts, &T_ImportError, "cannot import name '%s'", STR_DATA(name));
                goto error;
            }
        }
        PUSH(v);
        DISPATCH();
    }
    TARGET(IMPORT_STAR) {
        Value mod = POP();
        Obj *dst = f->locals_dict ? f->locals_dict : f->globals;
        if (OBJ_IS(mod, T_module)) {
            Obj *d = MODULE_DICT(AS_OBJ(mod));
            Value all = dict_get_str(d, NAME(__all__));
            if (IS_LIST(all) || IS_TUPLE(all)) {
                Value *items = IS_LIST(all) ? AS_LIST(all)->items : AS_TUPLE(all)->items;
                int64_t n = IS_LIST(all) ? AS_LIST(all)->len : AS_TUPLE(all)->len;
                for (int64_t i = 0; i < n; i++) {
                    if (!IS_STR(items[i])) continue;
                    Value v = dict_get_str(d, AS_OBJ(items[i]));
                    if (!IS_NULL(v)) dict_set_str(dst, str_intern_obj(AS_OBJ(items[i])), v);
                }
            } else {
                int64_t pos = 0;
                Value k, v;
                while (dict_next(d, &pos, &k, &v))
                    if (IS_STR(k) && STR_DATA(AS_OBJ(k))[0] != '_') dict_set_str(dst, AS_OBJ(k), v);
            }
        }
        v_decref(mod);
        DISPATCH();
    }

    TARGET(BUILD_CLASS) {
        Value kw = ARG ? POP() : V_NULL;
        Value bases = POP();
        Value name = POP();
        Value body = POP();
        SAVE();
        f->lasti = (int)(ip - co->code) - 1;
        Value meta;
        Value nsv = class_prepare(ts, AS_OBJ(name), AS_OBJ(bases), IS_NULL(kw) ? NULL : AS_OBJ(kw), &meta);
        Value cls = V_NULL;
        if (!IS_NULL(nsv)) {
            Obj *ns = AS_OBJ(nsv);
            Value modname = dict_get_str(f->globals, NAME(__name__));
            if (!IS_NULL(modname)) dict_set_str(ns, NAME(__module__), modname);
            Func *bf = (Func *)AS_OBJ(body);
            dict_set_str(ns, NAME(__qualname__), V_OBJ(((Code *)bf->code)->qualname));
            Value r = run_class_body(ts, bf, ns);
            if (!IS_NULL(r)) {
                cls = class_finish(ts, meta, AS_OBJ(name), AS_OBJ(bases), ns, IS_NULL(kw) ? NULL : AS_OBJ(kw));
                if (!IS_NULL(cls) && OBJ_IS(r, T_cell)) v_set(&((Cell *)AS_OBJ(r))->v, v_new(cls));
                v_decref(r);
            }
            o_decref(ns);
            v_decref(meta);
        }
        v_decref(kw); v_decref(bases); v_decref(name); v_decref(body);
        if (IS_NULL(cls)) goto error;
        PUSH(cls);
        DISPATCH();
    }

    TARGET(FORMAT_VALUE) {
        Value spec = (ARG & 4) ? POP() : V_NULL;
        Value v = POP();
        int conv = ARG & 3;
        SAVE();
        Value s = v;
        if (conv == 1) s = obj_str(ts, v);
        else if (conv == 2 || conv == 3) s = obj_repr(ts, v);
        else v_incref(s);
        v_decref(v);
        if (IS_NULL(s)) { v_decref(spec); goto error; }
        if (!IS_NULL(spec) || !IS_STR(s)) {
            Value r = fmt_format(ts, s, IS_NULL(spec) ? NULL : AS_OBJ(spec));
            v_decref(s);
            v_decref(spec);
            if (IS_NULL(r)) goto error;
            s = r;
        }
        PUSH(s);
        DISPATCH();
    }

    TARGET(PRINT_EXPR) {
        Value v = POP();
        SAVE();
        if (!IS_NONE(v)) {
            Value r = obj_repr(ts, v);
            if (IS_NULL(r)) { v_decref(v); goto error; }
            Value sysmod = dict_get_cstr(the_interp.modules, "sys");
            Value so = IS_NULL(sysmod) ? V_NULL : obj_getattr_opt(ts, sysmod, NAME(stdout));
            if (!IS_NULL(so)) {
                Value line = V_OBJ(str_concat(AS_OBJ(r), str_intern("\n")));
                Value wr = obj_call_method(ts, so, NAME(write), &line, 1);
                v_decref(line);
                v_decref(so);
                if (IS_NULL(wr)) { v_decref(r); v_decref(v); goto error; }
                v_decref(wr);
            } else {
                fwrite(STR_DATA(AS_OBJ(r)), 1, (size_t)STR_LEN(AS_OBJ(r)), stdout);
                fputc('\n', stdout);
            }
            v_decref(r);
            dict_set_str(the_interp.builtins, NAME(_), v);
        }
        v_decref(v);
        DISPATCH();
    }

#if !USE_COMPUTED_GOTO
    default:
        exc_raise(ts, &T_RuntimeError, "bad opcode %d", (int)INSTR_OP(w));
        goto error;
    }
#endif

unbound_local:
    exc_raise(ts, &T_UnboundLocalError, "cannot access local variable '%s' where it is not associated with a value",
              STR_DATA(co->varnames[ARG]));
    goto error;

dispatch:
    DISPATCH();

#if EVAL_COUNTING
tick:
    /* the switch interval ran out: offer the GIL, then look at the breaker (or the
     * register was only left at 0 by a call out: reload it) */
    SAVE();
    {
        int br = 0;
        if (ts->ticks_left < 0) {
            gil_tick(ts);
            br = __atomic_load_n(&ts->eval_breaker, __ATOMIC_RELAXED) ? vm_handle_breaker(ts) : 0;
        }
        TICKS_RELOAD();
        if (br < 0) goto error;
    }
    FETCH();
#endif

do_return:
    /* retval holds the result; tear the frame down */
    {
        Frame *done = f;
        f->sp = sp;
        Obj *init_obj = done->init_obj;
        done->init_obj = NULL;
        frame_clear_inline(done);
        if (done->is_gen) done->lasti = -2;
        ts->frame = done->prev;
        ts->depth--;
        if (done->entry) {
            if (!done->is_gen) frame_release(ts, done);
            TICKS_SYNC();
            return retval;
        }
        frame_release(ts, done);
        f = ts->frame;
        LOAD();
        if (init_obj) {
            if (!IS_NONE(retval)) {
                exc_raise(ts, &T_TypeError, "__init__() should return None, not '%s'", obj_type_name(retval));
                v_decref(retval);
                o_decref(init_obj);
                goto error;
            }
            retval = V_OBJ(init_obj);
        }
        PUSH(retval);
        DISPATCH();
    }

error:
    /* record where the exception passed through this frame */
    f->ip = ip;
    if (!IS_NULL(ts->exc)) exc_add_traceback(ts, ts->exc, (Obj *)co, frame_line(f));
exception_unwind:
    while (f->nblocks > 0) {
        Block *b = &f->blocks[--f->nblocks];
        if (b->type == BLOCK_EXCEPT_HANDLER) {
            while (sp > f->stack + b->level + 1) { Value v = POP(); v_decref(v); }
            Value prev = POP();
            Value old = ts->exc_info;
            ts->exc_info = IS_NONE(prev) ? V_NULL : prev;
            v_decref(old);
            continue;
        }
        int handler = b->handler;
        while (sp > f->stack + b->level) { Value v = POP(); v_decref(v); }
        Block *h = &f->blocks[f->nblocks++];
        h->type = BLOCK_EXCEPT_HANDLER;
        h->handler = -1;
        h->level = (int)(sp - f->stack);
        PUSH(IS_NULL(ts->exc_info) ? V_NONE : ts->exc_info);
        Value exc = exc_fetch(ts);
        ts->exc_info = v_new(exc);
        PUSH(exc);
        ip = co->code + handler;
        DISPATCH();
    }
    /* no handler here: leave the frame */
    {
        Frame *done = f;
        f->sp = sp;
        frame_clear_inline(done);
        if (done->is_gen) done->lasti = -2;
        ts->frame = done->prev;
        ts->depth--;
        if (done->entry) {
            if (!done->is_gen) frame_release(ts, done);
            TICKS_SYNC();
            return V_NULL;
        }
        frame_release(ts, done);
        f = ts->frame;
        LOAD();
        goto error;
    }
}

#undef PUSH_LOCAL
#undef TICKS_SYNC
#undef TICKS_RELOAD
#undef SWITCH_TO_COUNTING
#undef SAVE
#undef LOAD
#undef TARGET
#undef DISPATCH
#undef FETCH
