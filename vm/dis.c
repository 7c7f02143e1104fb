/* dis.c — the disassembler: CPython's `dis` layout for tiny's code objects. */
#include "code.h"
#include "dis.h"
#include "objects/str.h"
#include "objects/bytes.h"
#include "objects/num.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Operator spellings, indexed by BINOP_* and CMP_*. */
static const char *const binop_syms[BINOP__COUNT] = {
    "+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "@"
};
static const char *const cmp_syms[6] = { "<", "<=", "==", "!=", ">", ">=" };

/* Appends the repr of a constant (the kinds the compiler makes) without a thread state. */
static void const_repr(StrBuf *b, Value v) {
    switch (v.tag) {
    case VT_NONE: sb_puts(b, "None"); return;
    case VT_BOOL: sb_puts(b, AS_BOOL(v) ? "True" : "False"); return;
    case VT_INT: sb_printf(b, "%" PRId64, AS_INT(v)); return;
    case VT_FLOAT: {
        char buf[64];
        int n = float_repr_buf(AS_FLOAT(v), buf);
        sb_putn(b, buf, n);
        return;
    }
    case VT_OBJ: break;
    default: sb_puts(b, "<NULL>"); return;
    }
    Obj *o = AS_OBJ(v);
    if (o->type == &T_str) {
        Obj *r = str_repr(o);
        sb_putn(b, STR_DATA(r), STR_LEN(r));
        o_decref(r);
    } else if (o->type == &T_bytes) {
        Obj *r = bytes_repr(o);
        sb_putn(b, STR_DATA(r), STR_LEN(r));
        o_decref(r);
    } else if (o->type == &T_tuple) {
        Tuple *t = (Tuple *)o;
        sb_putc(b, '(');
        for (int64_t i = 0; i < t->len; i++) {
            if (i) sb_puts(b, ", ");
            const_repr(b, t->items[i]);
        }
        if (t->len == 1) sb_putc(b, ',');
        sb_putc(b, ')');
    } else if (o->type == &T_code) {
        Code *c = (Code *)o;
        sb_printf(b, "<code object %s at %p, file \"%s\", line %d>",
                  c->name ? STR_DATA(c->name) : "?", (void *)c,
                  c->filename ? STR_DATA(c->filename) : "?", c->firstlineno);
    } else {
        sb_printf(b, "<%s object at %p>", o->type->name, (void *)o);
    }
}

/* Writes one code object's instructions. */
static void dis_one(FILE *out, Code *code) {
    int maxline = 0;
    for (int i = 0; i < code->ncode; i++)
        if (code->lines && code->lines[i] > maxline) maxline = code->lines[i];
    int lw = 3;
    for (int m = 1000; maxline >= m && lw < 10; m *= 10) lw++;
    /* Jump targets get ">>". */
    unsigned char *target = calloc((size_t)code->ncode + 1, 1);
    for (int i = 0; i < code->ncode && target; i++) {
        uint32_t w = code->code[i];
        int op = (int)INSTR_OP(w);
        if (op < OP__COUNT && opcode_argkind[op] == A_JUMP && INSTR_ARG(w) <= (uint32_t)code->ncode)
            target[INSTR_ARG(w)] = 1;
    }
    int lastline = -1;
    StrBuf b;
    sb_init(&b);
    for (int i = 0; i < code->ncode; i++) {
        uint32_t w = code->code[i];
        int op = (int)INSTR_OP(w);
        int arg = (int)INSTR_ARG(w);
        int line = code->lines ? code->lines[i] : 0;
        b.len = 0;
        if (line != lastline) {
            if (i > 0) sb_putc(&b, '\n');
            sb_printf(&b, "%*d", lw, line);
            lastline = line;
        } else {
            sb_printf(&b, "%*s", lw, "");
        }
        sb_puts(&b, "     ");
        sb_puts(&b, target && target[i] ? ">>" : "  ");
        sb_printf(&b, " %4d ", i);
        if (op >= OP__COUNT) {
            sb_printf(&b, "<%d>", op);
        } else {
            int kind = opcode_argkind[op];
            if (kind == A_NONE) {
                sb_puts(&b, opcode_names[op]);
            } else {
                sb_printf(&b, "%-24s %5d", opcode_names[op], arg);
                switch (kind) {
                case A_CONST:
                    sb_puts(&b, " (");
                    if (arg < code->nconsts) const_repr(&b, code->consts[arg]);
                    sb_putc(&b, ')');
                    break;
                case A_NAME:
                    if (arg < code->nnames) sb_printf(&b, " (%s)", STR_DATA(code->names[arg]));
                    break;
                case A_LOCAL:
                    if (arg < code->nlocals) sb_printf(&b, " (%s)", STR_DATA(code->varnames[arg]));
                    break;
                case A_DEREF:
                    if (arg < code->ncellvars)
                        sb_printf(&b, " (%s)", STR_DATA(code->cellvars[arg]));
                    else if (arg - code->ncellvars < code->nfreevars)
                        sb_printf(&b, " (%s)", STR_DATA(code->freevars[arg - code->ncellvars]));
                    break;
                case A_JUMP: sb_printf(&b, " (to %d)", arg); break;
                case A_BINOP:
                    if ((arg & ~BINOP_INPLACE) < BINOP__COUNT)
                        sb_printf(&b, " (%s%s)", binop_syms[arg & ~BINOP_INPLACE],
                                  (arg & BINOP_INPLACE) ? "=" : "");
                    break;
                case A_CMP:
                    if (arg < 6) sb_printf(&b, " (%s)", cmp_syms[arg]);
                    break;
                case A_FLAGS:
                    if (op == OP_MAKE_FUNCTION && arg) {
                        const char *sep = "";
                        sb_puts(&b, " (");
                        if (arg & MF_DEFAULTS) { sb_printf(&b, "%sdefaults", sep); sep = ", "; }
                        if (arg & MF_KWDEFAULTS) { sb_printf(&b, "%skwdefaults", sep); sep = ", "; }
                        if (arg & MF_CLOSURE) { sb_printf(&b, "%sclosure", sep); }
                        sb_putc(&b, ')');
                    } else if (op == OP_FORMAT_VALUE) {
                        static const char *const conv[4] = { "", "str", "repr", "ascii" };
                        if (arg & 3) sb_printf(&b, " (%s%s)", conv[arg & 3], (arg & 4) ? ", with format" : "");
                        else if (arg & 4) sb_puts(&b, " (with format)");
                    }
                    break;
                default: break;
                }
            }
        }
        while (b.len > 0 && b.data[b.len - 1] == ' ') b.len--;
        sb_putc(&b, '\n');
        fwrite(b.data, 1, (size_t)b.len, out);
    }
    sb_free(&b);
    free(target);
}

void dis_code(FILE *out, Code *code) {
    StrBuf b;
    sb_init(&b);
    const_repr(&b, V_OBJ(code));
    fprintf(out, "Disassembly of %.*s:\n", (int)b.len, b.data);
    sb_free(&b);
    dis_one(out, code);
    for (int i = 0; i < code->nconsts; i++) {
        Value v = code->consts[i];
        if (IS_OBJ(v) && AS_OBJ(v)->type == &T_code) {
            fputc('\n', out);
            dis_code(out, (Code *)AS_OBJ(v));
        }
    }
}
