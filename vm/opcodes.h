/* opcodes.h — every bytecode instruction, as one X-macro.
 * An instruction is a 32-bit word: opcode in the low 8 bits, operand in the high 24
 * (INSTR_OP / INSTR_ARG). Jump operands are absolute instruction indexes.
 * OP(name, stack effect, operand kind): the effect is the net change in stack depth
 * (VAR where it depends on the operand; see code_stack_effect). The comment on each
 * line gives the stack before -> after, top of stack on the right.
 *
 * Blocks: SETUP_FINALLY and SETUP_WITH push a handler block {handler, level}; POP_BLOCK
 * pops it. When an exception is raised, the VM pops blocks from the frame's block stack:
 *  - a handler block (level L): truncate the stack to L, push an EXCEPT_HANDLER block of
 *    level L, push the exception being handled so far (ts->exc_info, or None), push the
 *    new exception, set ts->exc_info to it, and jump to the handler. So a handler starts
 *    with [.. L items .., prev_exc_info, exc].
 *  - an EXCEPT_HANDLER block (level L): truncate to L + 1, pop prev_exc_info into
 *    ts->exc_info, and go on unwinding.
 * With no block left, the frame is popped (its traceback entry is added) and the
 * exception goes on in the caller. */
#ifndef TINY_OPCODES_H
#define TINY_OPCODES_H

#define VAR 99   /* stack effect depends on the operand */

/* Operand kinds, used by the disassembler. */
enum { A_NONE, A_INT, A_CONST, A_NAME, A_LOCAL, A_DEREF, A_JUMP, A_BINOP, A_CMP, A_FLAGS };

#define OPCODES(OP) \
    OP(NOP,               0, A_NONE)   /* -> */ \
    OP(POP_TOP,          -1, A_NONE)   /* a -> */ \
    OP(ROT_TWO,           0, A_NONE)   /* a b -> b a */ \
    OP(ROT_THREE,         0, A_NONE)   /* a b c -> c a b */ \
    OP(ROT_FOUR,          0, A_NONE)   /* a b c d -> d a b c */ \
    OP(DUP_TOP,           1, A_NONE)   /* a -> a a */ \
    OP(DUP_TOP_TWO,       2, A_NONE)   /* a b -> a b a b */ \
    OP(LOAD_CONST,        1, A_CONST)  /* -> consts[arg] */ \
    OP(LOAD_FAST,         1, A_LOCAL)  /* -> locals[arg]; UnboundLocalError if unbound */ \
    OP(STORE_FAST,       -1, A_LOCAL)  /* v -> ; locals[arg] = v */ \
    OP(DELETE_FAST,       0, A_LOCAL)  /* -> ; unbinds locals[arg] (UnboundLocalError if unbound) */ \
    OP(LOAD_DEREF,        1, A_DEREF)  /* -> cell contents; cells[arg] indexes cellvars then freevars */ \
    OP(STORE_DEREF,      -1, A_DEREF)  /* v -> ; cell contents = v */ \
    OP(DELETE_DEREF,      0, A_DEREF)  /* -> ; empties the cell */ \
    OP(LOAD_CLOSURE,      1, A_DEREF)  /* -> the cell object itself (to build a closure tuple) */ \
    OP(LOAD_CLASSDEREF,   1, A_DEREF)  /* -> class body: locals dict[name of cell] if present, else cell contents */ \
    OP(LOAD_GLOBAL,       1, A_NAME)   /* -> globals[name] or builtins[name]; NameError */ \
    OP(STORE_GLOBAL,     -1, A_NAME)   /* v -> */ \
    OP(DELETE_GLOBAL,     0, A_NAME)   /* -> */ \
    OP(LOAD_NAME,         1, A_NAME)   /* -> locals dict, then globals, then builtins (class bodies) */ \
    OP(STORE_NAME,       -1, A_NAME)   /* v -> ; locals dict[name] = v */ \
    OP(DELETE_NAME,       0, A_NAME)   /* -> */ \
    OP(LOAD_ATTR,         0, A_NAME)   /* obj -> obj.name */ \
    OP(STORE_ATTR,       -2, A_NAME)   /* v obj -> ; obj.name = v */ \
    OP(DELETE_ATTR,      -1, A_NAME)   /* obj -> */ \
    OP(LOAD_METHOD,       1, A_NAME)   /* obj -> meth obj (unbound method found on the type) | NULL attr */ \
    OP(BINARY_SUBSCR,    -1, A_NONE)   /* obj key -> obj[key] */ \
    OP(STORE_SUBSCR,     -3, A_NONE)   /* v obj key -> ; obj[key] = v */ \
    OP(DELETE_SUBSCR,    -2, A_NONE)   /* obj key -> */ \
    OP(BUILD_SLICE,     VAR, A_INT)    /* start stop [step] -> slice; arg is 2 or 3 */ \
    OP(BINARY_OP,        -1, A_BINOP)  /* a b -> a op b; arg is a BINOP_* (| BINOP_INPLACE for op=) */ \
    OP(UNARY_NEG,         0, A_NONE)   /* a -> -a */ \
    OP(UNARY_POS,         0, A_NONE)   /* a -> +a */ \
    OP(UNARY_INVERT,      0, A_NONE)   /* a -> ~a */ \
    OP(UNARY_NOT,         0, A_NONE)   /* a -> not a */ \
    OP(COMPARE_OP,       -1, A_CMP)    /* a b -> a cmp b; arg is a CMP_* (LT LE EQ NE GT GE) */ \
    OP(IS_OP,            -1, A_INT)    /* a b -> a is b (arg 1: is not) */ \
    OP(CONTAINS_OP,      -1, A_INT)    /* a b -> a in b (arg 1: not in) */ \
    OP(JUMP_FORWARD,      0, A_JUMP)   /* -> ; ip = arg */ \
    OP(JUMP_BACKWARD,     0, A_JUMP)   /* -> ; ip = arg; checks the eval breaker */ \
    OP(POP_JUMP_IF_FALSE,-1, A_JUMP)   /* a -> ; jump if not a */ \
    OP(POP_JUMP_IF_TRUE, -1, A_JUMP)   /* a -> ; jump if a */ \
    OP(JUMP_IF_FALSE_OR_POP, VAR, A_JUMP) /* a -> a (and jump) if not a, else -> */ \
    OP(JUMP_IF_TRUE_OR_POP,  VAR, A_JUMP) /* a -> a (and jump) if a, else -> */ \
    OP(GET_ITER,          0, A_NONE)   /* obj -> iter(obj) */ \
    OP(FOR_ITER,        VAR, A_JUMP)   /* it -> it next(it); when exhausted: it -> and jump */ \
    OP(BUILD_TUPLE,     VAR, A_INT)    /* a1..an -> (a1, .., an) */ \
    OP(BUILD_LIST,      VAR, A_INT)    /* a1..an -> [a1, .., an] */ \
    OP(BUILD_SET,       VAR, A_INT)    /* a1..an -> {a1, .., an} */ \
    OP(BUILD_MAP,       VAR, A_INT)    /* k1 v1 .. kn vn -> {k1: v1, ..} */ \
    OP(BUILD_STRING,    VAR, A_INT)    /* s1..sn -> s1 + .. + sn (all str) */ \
    OP(LIST_APPEND,      -1, A_INT)    /* list(at depth arg after the pop) .. v -> list .. ; list.append(v) */ \
    OP(SET_ADD,          -1, A_INT)    /* same for a set */ \
    OP(MAP_ADD,          -2, A_INT)    /* dict .. k v -> dict .. ; dict[k] = v (dict at depth arg after the pops) */ \
    OP(LIST_EXTEND,      -1, A_INT)    /* list .. it -> list .. ; list.extend(it) */ \
    OP(SET_UPDATE,       -1, A_INT)    /* set .. it -> set .. */ \
    OP(DICT_UPDATE,      -1, A_INT)    /* dict .. m -> dict .. ; dict.update(m) */ \
    OP(DICT_MERGE,       -1, A_INT)    /* as DICT_UPDATE, but a repeated key is a TypeError (f(**a, **b)) */ \
    OP(LIST_TO_TUPLE,     0, A_NONE)   /* list -> tuple(list) */ \
    OP(UNPACK_SEQUENCE, VAR, A_INT)    /* seq -> vn .. v1 (v1 on top); ValueError on a length mismatch */ \
    OP(UNPACK_EX,       VAR, A_INT)    /* seq -> ; arg = before | after << 8: pushes after items, a list, before items (first on top) */ \
    OP(CALL,            VAR, A_INT)    /* f a1..an -> f(a1..an) */ \
    OP(CALL_KW,         VAR, A_INT)    /* f a1..an kwnames -> result; the last len(kwnames) of the n args are keywords */ \
    OP(CALL_EX,         VAR, A_FLAGS)  /* f args_tuple [kwargs_dict if arg & 1] -> f(*args, **kwargs) */ \
    OP(CALL_METHOD,     VAR, A_INT)    /* meth self a1..an -> meth(self, a1..an) | NULL f a1..an -> f(a1..an) */ \
    OP(CALL_METHOD_KW,  VAR, A_INT)    /* as CALL_METHOD with kwnames on top, as CALL_KW */ \
    OP(MAKE_FUNCTION,   VAR, A_FLAGS)  /* [defaults if arg&1] [kwdefaults dict if arg&2] [closure tuple if arg&8] code -> func */ \
    OP(RETURN_VALUE,     -1, A_NONE)   /* v -> ; returns v to the caller */ \
    OP(YIELD_VALUE,       0, A_NONE)   /* v -> sent; suspends the generator, resumes with the sent value (None for next) */ \
    OP(YIELD_FROM,       -1, A_NONE)   /* recv v -> result; sends v to recv (a generator, or next()/send() on an iterator); \
                                          * while recv yields, the frame suspends at this instruction with recv on top and \
                                          * re-runs it with the value sent on resume; result is recv's return value */ \
    OP(RAISE_VARARGS,   VAR, A_INT)    /* arg 0: re-raise ts->exc_info; 1: exc -> ; 2: exc cause -> */ \
    OP(SETUP_FINALLY,     0, A_JUMP)   /* -> ; pushes a handler block {arg, current depth} */ \
    OP(SETUP_WITH,        1, A_JUMP)   /* mgr -> exit enter_result; handler block {arg, depth with exit pushed} */ \
    OP(POP_BLOCK,         0, A_NONE)   /* -> ; pops the top block */ \
    OP(POP_EXCEPT,       -1, A_NONE)   /* prev_exc_info -> ; pops the EXCEPT_HANDLER block, restores ts->exc_info */ \
    OP(RERAISE,          -1, A_NONE)   /* exc -> ; raises exc again, keeping its traceback */ \
    OP(CHECK_EXC_MATCH,   0, A_NONE)   /* exc type -> exc bool (type may be a tuple of types) */ \
    OP(WITH_EXCEPT_START, 1, A_NONE)   /* exit prev exc -> exit prev exc exit(type(exc), exc, None) */ \
    OP(LOAD_ASSERTION_ERROR, 1, A_NONE) /* -> AssertionError */ \
    OP(IMPORT_NAME,       0, A_NAME)   /* fromlist_or_None -> module (top package for "import a.b" when fromlist is None) */ \
    OP(IMPORT_FROM,       1, A_NAME)   /* module -> module module.name (ImportError: cannot import name) */ \
    OP(IMPORT_STAR,      -1, A_NONE)   /* module -> ; binds its public names in the current namespace */ \
    OP(BUILD_CLASS,     VAR, A_INT)    /* body_func name bases [kwargs if arg == 1] -> class */ \
    OP(FORMAT_VALUE,    VAR, A_FLAGS)  /* v [spec if arg & 4] -> str; arg & 3: 0 format, 1 str, 2 repr, 3 ascii */ \
    OP(PRINT_EXPR,       -1, A_NONE)   /* v -> ; REPL: prints repr(v) unless None, binds builtins._ */ \
    /* Superinstructions, made by the compiler's last pass from a pair A B: the fused op  \
     * replaces A, does A and B and skips B, which stays in place (so a jump to B still  \
     * works); where a fast path does not apply it does just A and lets B run. */ \
    OP(LOAD_FAST_LOAD_FAST,   1, A_LOCAL) /* LOAD_FAST a; LOAD_FAST b */ \
    OP(STORE_FAST_LOAD_FAST, -1, A_LOCAL) /* STORE_FAST a; LOAD_FAST b */ \
    OP(LOAD_CONST_BINARY_OP,  1, A_CONST) /* LOAD_CONST k; BINARY_OP op */ \
    OP(COMPARE_AND_BRANCH,   -1, A_CMP)   /* COMPARE_OP c; POP_JUMP_IF_FALSE/TRUE t */

/* Opcode numbers. */
typedef enum {
#define OP_ENUM(name, effect, kind) OP_##name,
    OPCODES(OP_ENUM)
#undef OP_ENUM
    OP__COUNT
} Opcode;

#define INSTR_OP(w)      ((w) & 0xffu)
#define INSTR_ARG(w)     ((w) >> 8)
#define INSTR(op, arg)   ((uint32_t)(op) | ((uint32_t)(arg) << 8))
#define INSTR_ARG_MAX    0xffffffu

/* Opcode names, indexed by opcode (vm/code.c). */
extern const char *const opcode_names[OP__COUNT];
/* Operand kinds, indexed by opcode. */
extern const unsigned char opcode_argkind[OP__COUNT];

/* MAKE_FUNCTION flags. */
enum { MF_DEFAULTS = 1, MF_KWDEFAULTS = 2, MF_CLOSURE = 8 };

#endif
