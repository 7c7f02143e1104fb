/* parse.c — recursive-descent parser for tiny's Python 3.11 subset.
 *
 * Design: lex.c tokenizes the whole source first into one token array; a tokenizer
 * error ends the array with TK_ERROR and is raised when the parser reaches it, or
 * earlier in place of a parser error when CPython would let it win (its "tokenize the
 * rest of the file" check). The parser walks the array with one token of lookahead
 * (a few rules peek further or do a silent trial parse) and builds nodes in an arena
 * (ast.c). Generic "invalid syntax" is reported at the furthest token examined, as
 * CPython's PEG parser does; the specific messages mirror CPython's invalid_* rules.
 * Targets are parsed as expressions and then validated (setting ctx) with CPython's
 * messages. f-strings are split here: literal parts are decoded, each {field} is
 * tokenized and parsed as an expression with a nested parser state.
 * Limits: no async/await, no match, no complex literals,
 * ints are 64-bit. `...` becomes the name Ellipsis (a bare `...` statement is a pass). */
#include "parse.h"
#include "lex.h"
#include "exc.h"
#include "objects/str.h"
#include "objects/bytes.h"
#include "objects/num.h"
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <stdarg.h>
#include <errno.h>

typedef struct Parser {
    ThreadState *ts;
    Obj *filename;
    const char *src; int64_t len;
    Token *t; int n, pos, maxpos;
    LexOut lx;
    AstArena *A;
    int *incomplete;
    int fstring;            /* nonzero while parsing an f-string field */
    const char *fsrc; int64_t fsrclen; int fdelta; /* its "(expr)" text, line shift */
    int fcolbase;           /* column shift of the field's first line */
    int failed;             /* an error has been raised */
    int depth;              /* recursion depth of the expression parser */
} Parser;

/* Nesting limit of unary operators, lambdas and conditional expressions (C stack guard). */
#define MAX_DEPTH 400

/* The id used for `...`: the name Ellipsis, recognisable by pointer. */
static const char ellipsis_id[] = "Ellipsis";

/* ---------- tokens ---------- */

static void raise_lex_error(Parser *p);

static inline Token *cur(Parser *p)
{
    if (p->pos > p->maxpos) p->maxpos = p->pos;
    if (p->t[p->pos].kind == TK_ERROR) raise_lex_error(p);
    return &p->t[p->pos];
}
static inline int kind(Parser *p) { return cur(p)->kind; }
static inline int at(Parser *p, int k) { return cur(p)->kind == k; }
static inline int peek_kind(Parser *p, int k)
{
    int i = p->pos + k < p->n ? p->pos + k : p->n - 1;
    if (i > p->maxpos) p->maxpos = i;
    if (p->t[i].kind == TK_ERROR) raise_lex_error(p);
    return p->t[i].kind;
}
static inline Token *advance(Parser *p)
{
    Token *t = cur(p);
    if (p->pos < p->n - 1) p->pos++;
    return t;
}
static inline int accept(Parser *p, int k)
{
    if (at(p, k)) { advance(p); return 1; }
    return 0;
}
static inline Token *prev(Parser *p) { return &p->t[p->pos > 0 ? p->pos - 1 : 0]; }

/* ---------- errors ---------- */

static int tok_at_eof(Parser *p, const Token *t)
{
    for (int i = (int)(t - p->t); i < p->n; i++)
        if (p->t[i].kind != TK_DEDENT && p->t[i].kind != TK_ENDMARKER) return 0;
    return 1;
}

/* Raises the tokenizer's error (the parser reached the point where it stopped). */
static void raise_lex_error(Parser *p)
{
    if (p->failed) return;
    p->failed = 1;
    if (p->fstring)
        lex_raise(p->ts, &p->lx, p->filename, p->fsrc, p->fsrclen, p->fdelta, NULL);
    else
        lex_raise(p->ts, &p->lx, p->filename, p->src, p->len, 0, p->incomplete);
}

/* Raises type with msg at line/col (0-based byte column), with CPython's priorities:
 * a later tokenizer error wins over a parser error (except "unexpected indent"), and
 * an unclosed bracket on an earlier line is reported instead; sets *incomplete for
 * errors at EOF. */
static void raise_at(Parser *p, Type *type, int line, int col, int at_eof, const char *msg)
{
    if (p->failed) return;
    int indent_tok = type == &T_IndentationError && !strcmp(msg, "unexpected indent");
    if (!indent_tok && p->lx.has_err && p->lx.err_direct) { raise_lex_error(p); return; }
    p->failed = 1;
    char buf[256];
    if (p->fstring) {
        if (strncmp(msg, "f-string", 8) != 0) {
            snprintf(buf, sizeof buf, "f-string: %s", msg);
            msg = buf;
        }
        if (line == p->fdelta + 1) col -= p->fcolbase;
        lex_error_at(p->ts, type, p->filename, p->fsrc, p->fsrclen, line - p->fdelta, col,
                     p->fdelta, msg);
        return;
    }
    if (!indent_tok && (p->lx.eof_in_paren || (p->lx.has_err && p->lx.err_level > 0))) {
        Token *far = &p->t[p->maxpos];
        if (far->kind == TK_ENDMARKER || far->line > p->lx.paren_line) {
            snprintf(buf, sizeof buf, "'%c' was never closed", p->lx.paren_ch);
            msg = buf; type = &T_SyntaxError;
            line = p->lx.paren_line; col = p->lx.paren_col;
            at_eof = 1;
        }
    }
    if (at_eof && p->incomplete) *p->incomplete = 1;
    lex_error_at(p->ts, type, p->filename, p->src, p->len, line, col, 0, msg);
}

static void *err_tok(Parser *p, const Token *t, Type *type, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    raise_at(p, type, t->line, t->col < 0 ? 0 : t->col, tok_at_eof(p, t), msg);
    return NULL;
}

/* Errors decoding a literal: reported at the end of the token, as CPython does. */
static void *err_end(Parser *p, const Token *t, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    raise_at(p, &T_SyntaxError, t->end_line, t->end_col, 0, msg);
    return NULL;
}

/* Errors of the f-string splitter itself: reported at the end of the string token. */
static void *err_fstr(Parser *p, const Token *t, const char *msg)
{
    raise_at(p, &T_SyntaxError, t->end_line, t->end_col, 0, msg);
    return NULL;
}

static void *err_node(Parser *p, const Node *n, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    raise_at(p, &T_SyntaxError, n->line, n->col, 0, msg);
    return NULL;
}

/* Generic "invalid syntax" at the furthest token examined. */
static void *err_syntax(Parser *p)
{
    return err_tok(p, &p->t[p->maxpos], &T_SyntaxError, "invalid syntax");
}

/* Expects token k, else "invalid syntax". */
static int expect(Parser *p, int k)
{
    if (accept(p, k)) return 0;
    err_syntax(p);
    return -1;
}

/* ---------- node helpers ---------- */

static Node *mk(Parser *p, NodeKind k, const Token *t)
{
    return ast_node(p->A, k, t->line, t->col);
}
static Node *mkn(Parser *p, NodeKind k, const Node *start)
{
    return ast_node(p->A, k, start->line, start->col);
}
/* Sets a node's end to the end of the last consumed token. */
static Node *fin(Parser *p, Node *n)
{
    Token *t = prev(p);
    n->end_line = t->end_line;
    n->end_col = t->end_col;
    return n;
}
static void push(Parser *p, NodeList *l, Node *n) { ast_list_push(p->A, l, n); }
static const char *tokstr(Parser *p, const Token *t) { return ast_strdup(p->A, t->s, (size_t)t->len); }

static Node *mkconst(Parser *p, const Token *t, Value v)
{
    Node *n = mk(p, E_CONST, t);
    n->value = v;
    ast_keep(p->A, v);
    return n;
}

/* A small growable byte buffer (malloc'd; for literal decoding). */
typedef struct Buf { char *d; size_t n, cap; } Buf;
static void buf_putn(Buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->n + n + 1) cap *= 2;
        char *d = realloc(b->d, cap);
        if (!d) { fprintf(stderr, "tiny: out of memory\n"); abort(); }
        b->d = d; b->cap = cap;
    }
    memcpy(b->d + b->n, s, n);
    b->n += n;
}
static void buf_putc(Buf *b, char c) { buf_putn(b, &c, 1); }
static void buf_putcp(Buf *b, uint32_t c)
{
    char s[4]; size_t n;
    if (c < 0x80) { s[0] = (char)c; n = 1; }
    else if (c < 0x800) { s[0] = (char)(0xC0 | (c >> 6)); s[1] = (char)(0x80 | (c & 0x3F)); n = 2; }
    else if (c < 0x10000) { s[0] = (char)(0xE0 | (c >> 12)); s[1] = (char)(0x80 | ((c >> 6) & 0x3F)); s[2] = (char)(0x80 | (c & 0x3F)); n = 3; }
    else { s[0] = (char)(0xF0 | (c >> 18)); s[1] = (char)(0x80 | ((c >> 12) & 0x3F)); s[2] = (char)(0x80 | ((c >> 6) & 0x3F)); s[3] = (char)(0x80 | (c & 0x3F)); n = 4; }
    buf_putn(b, s, n);
}

/* ---------- expression names (for target errors) ---------- */

static const char *expr_name(const Node *e)
{
    switch (e->kind) {
    case E_ATTRIBUTE: return "attribute";
    case E_SUBSCRIPT: return "subscript";
    case E_STARRED: return "starred";
    case E_NAME: return e->id == ellipsis_id ? "ellipsis" : "name";
    case E_LIST: return "list";
    case E_TUPLE: return "tuple";
    case E_LAMBDA: return "lambda";
    case E_CALL: return "function call";
    case E_BOOLOP: case E_BINOP: case E_UNARYOP: return "expression";
    case E_GENEXP: return "generator expression";
    case E_YIELD: return "yield expression";
    case E_LISTCOMP: return "list comprehension";
    case E_SETCOMP: return "set comprehension";
    case E_DICTCOMP: return "dict comprehension";
    case E_DICT: return "dict literal";
    case E_SET: return "set display";
    case E_JOINEDSTR: case E_FORMATTED: return "f-string expression";
    case E_CONST:
        if (IS_NONE(e->value)) return "None";
        if (IS_BOOL(e->value)) return AS_BOOL(e->value) ? "True" : "False";
        return "literal";
    case E_COMPARE: return "comparison";
    case E_IFEXP: return "conditional expression";
    default: return "expression";
    }
}

/* Whether a node is a parenthesized tuple (its position includes the parenthesis). */
static int tuple_parenthesized(const Node *e)
{
    if (e->kind != E_TUPLE) return 0;
    if (e->elts.n == 0) return 1;
    return e->line != e->elts.items[0]->line || e->col != e->elts.items[0]->col;
}

/* Finds the first node that cannot be a target, setting ctx on the valid ones. */
static Node *invalid_target(Node *e, ExprCtx ctx)
{
    switch (e->kind) {
    case E_NAME:
        if (e->id == ellipsis_id) return e;
        e->ctx = ctx;
        return NULL;
    case E_ATTRIBUTE: case E_SUBSCRIPT:
        e->ctx = ctx;
        return NULL;
    case E_STARRED:
        if (ctx == CTX_DEL) return e;
        e->ctx = ctx;
        return invalid_target(e->a, ctx);
    case E_TUPLE: case E_LIST:
        e->ctx = ctx;
        for (int i = 0; i < e->elts.n; i++) {
            Node *bad = invalid_target(e->elts.items[i], ctx);
            if (bad) return bad;
        }
        return NULL;
    default:
        return e;
    }
}

/* Checks starred usage in an assignment target (CPython's compiler checks). */
static int check_starred(Parser *p, Node *e, int top)
{
    if (e->kind == E_STARRED) {
        if (top) { err_node(p, e, "starred assignment target must be in a list or tuple"); return -1; }
        return check_starred(p, e->a, 0);
    }
    if (e->kind == E_TUPLE || e->kind == E_LIST) {
        int nstar = 0;
        for (int i = 0; i < e->elts.n; i++) {
            Node *x = e->elts.items[i];
            if (x->kind == E_STARRED) {
                if (++nstar > 1) { err_node(p, e, "multiple starred expressions in assignment"); return -1; }
                if (check_starred(p, x->a, 0) < 0) return -1;
            } else if (check_starred(p, x, 0) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

/* Validates a for/with/comprehension target (store context). */
static int set_store(Parser *p, Node *e)
{
    Node *bad = invalid_target(e, CTX_STORE);
    if (bad) {
        if (bad->kind == E_YIELD && !bad->level) err_node(p, bad, "assignment to yield expression not possible");
        else err_node(p, bad, "cannot assign to %s", expr_name(bad));
        return -1;
    }
    return check_starred(p, e, 1);
}

/* ---------- forward declarations ---------- */

static Node *expression(Parser *p);
static Node *star_expressions(Parser *p);
static Node *named_expression(Parser *p);
static Node *star_named_expression(Parser *p);
static Node *disjunction(Parser *p);
static Node *bitwise_or(Parser *p);
static Node *yield_expr(Parser *p);
static Node *atom_strings(Parser *p);
static Node *atom_paren(Parser *p);
static int statement(Parser *p, NodeList *body);
static Arguments *parameters(Parser *p, int lambda);

/* Whether a token can start an expression (for the "forgot a comma" and print hints). */
static int starts_expr(int k)
{
    switch (k) {
    case TK_NAME: case TK_NUMBER: case TK_STRING: case TK_LBRACE: case TK_NONE:
    case TK_TRUE: case TK_FALSE: case TK_ELLIPSIS: case TK_LAMBDA: case TK_NOT:
    case TK_TILDE: case TK_AWAIT:
        return 1;
    default:
        return 0;
    }
}

/* Inside brackets: after element e, if another expression follows directly, raise
 * CPython's "invalid syntax. Perhaps you forgot a comma?"; otherwise generic. */
static void *missing_comma(Parser *p, Node *e, int first_tok)
{
    Token *ft = &p->t[first_tok];
    int soft = ft->kind == TK_NAME && ((ft->len == 1 && ft->s[0] == '_') ||
               (ft->len == 5 && (!memcmp(ft->s, "match", 5))) || (ft->len == 4 && !memcmp(ft->s, "case", 4)));
    if (e && starts_expr(kind(p)) && e->kind != E_IFEXP && e->kind != E_LAMBDA &&
        e->kind != E_STARRED && e->kind != E_YIELD &&
        !(soft || (ft->kind == TK_NAME && p->t[first_tok + 1].kind == TK_STRING))) {
        int save = p->pos, savemax = p->maxpos;
        Node *b = expression(p);
        if (b) return err_node(p, e, "invalid syntax. Perhaps you forgot a comma?");
        exc_clear(p->ts);
        p->failed = 0;
        p->pos = save;
        (void)savemax;
    }
    return err_syntax(p);
}

/* ---------- literals ---------- */

static Node *number(Parser *p)
{
    Token *t = advance(p);
    const char *s = t->s;
    int n = t->len;
    int isfloat = 0;
    if (!(n > 1 && s[0] == '0' && strchr("xXoObB", s[1])))
        for (int i = 0; i < n; i++)
            if (s[i] == '.' || s[i] == 'e' || s[i] == 'E') { isfloat = 1; break; }
    char tmp[128];
    char *big = NULL, *d = tmp;
    if (n >= (int)sizeof tmp) {
        big = d = malloc((size_t)n + 1);
        if (!d) { fprintf(stderr, "tiny: out of memory\n"); abort(); }
    }
    int m = 0;
    for (int i = 0; i < n; i++) if (s[i] != '_') d[m++] = s[i];
    d[m] = 0;
    Node *r;
    if (isfloat) {
        double v = strtod(d, NULL);
        r = mkconst(p, t, V_FLOAT(v));
    } else {
        int base = 10, i = 0;
        if (m > 1 && d[0] == '0' && (d[1] | 0x20) == 'x') { base = 16; i = 2; }
        else if (m > 1 && d[0] == '0' && (d[1] | 0x20) == 'o') { base = 8; i = 2; }
        else if (m > 1 && d[0] == '0' && (d[1] | 0x20) == 'b') { base = 2; i = 2; }
        uint64_t v = 0;
        int over = 0;
        for (; i < m; i++) {
            int c = d[i], dv = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
            if (v > (UINT64_MAX - (uint64_t)dv) / (uint64_t)base) { over = 1; break; }
            v = v * (uint64_t)base + (uint64_t)dv;
        }
        if (over || v > (uint64_t)INT64_MAX) {
            /* a big int constant */
            Value bv = int_from_str(p->ts, d, m, 0);
            free(big);
            if (IS_NULL(bv)) {
                Value e = exc_fetch(p->ts);
                Value msg = obj_str(p->ts, e);
                v_decref(e);
                if (IS_NULL(msg)) return NULL;
                Node *err = err_tok(p, t, &T_SyntaxError, "%s%s", STR_DATA(AS_OBJ(msg)),
                                    base == 10 ? " - Consider hexadecimal for huge integer literals "
                                                 "to avoid decimal conversion limits." : "");
                v_decref(msg);
                return err;
            }
            return fin(p, mkconst(p, t, bv));
        }
        r = mkconst(p, t, V_INT((int64_t)v));
    }
    free(big);
    return fin(p, r);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Decodes the escapes of a literal part into b. Returns -1 after raising. */
static int decode_escapes(Parser *p, const Token *t, const char *s, const char *e, int bytes,
                          int raw, Buf *b)
{
    const char *start = s;
    while (s < e) {
        unsigned char c = (unsigned char)*s;
        if (bytes && c >= 0x80) {
            err_tok(p, t, &T_SyntaxError, "bytes can only contain ASCII literal characters");
            (void)0;
            return -1;
        }
        if (c == '\r' && s + 1 < e && s[1] == '\n') { s++; continue; }   /* CR LF in the source reads as LF */
        if (c != '\\' || raw) {
            if (raw && c == '\\' && s + 1 < e) {
                if (s[1] == '\r' && s + 2 < e && s[2] == '\n') { buf_putn(b, "\\\n", 2); s += 3; continue; }
                buf_putn(b, s, 2); s += 2; continue;
            }
            buf_putc(b, (char)c); s++;
            continue;
        }
        if (s + 1 >= e) { buf_putc(b, '\\'); s++; continue; }
        char x = s[1];
        int pos = (int)(s - start);
        s += 2;
        switch (x) {
        case '\n': break;
        case '\r': if (s < e && *s == '\n') s++; break;
        case '\\': buf_putc(b, '\\'); break;
        case '\'': buf_putc(b, '\''); break;
        case '"': buf_putc(b, '"'); break;
        case 'a': buf_putc(b, '\a'); break;
        case 'b': buf_putc(b, '\b'); break;
        case 'f': buf_putc(b, '\f'); break;
        case 'n': buf_putc(b, '\n'); break;
        case 'r': buf_putc(b, '\r'); break;
        case 't': buf_putc(b, '\t'); break;
        case 'v': buf_putc(b, '\v'); break;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
            uint32_t v = (uint32_t)(x - '0');
            for (int k = 0; k < 2 && s < e && *s >= '0' && *s <= '7'; k++) v = v * 8 + (uint32_t)(*s++ - '0');
            if (bytes) buf_putc(b, (char)(v & 0xFF)); else buf_putcp(b, v);
            break;
        }
        case 'x': case 'u': case 'U': {
            if (bytes && x != 'x') { buf_putc(b, '\\'); buf_putc(b, x); break; }
            int nd = x == 'x' ? 2 : x == 'u' ? 4 : 8;
            uint32_t v = 0;
            int k = 0;
            for (; k < nd && s + k < e && hexval((unsigned char)s[k]) >= 0; k++) v = v * 16 + (uint32_t)hexval((unsigned char)s[k]);
            if (k < nd) {
                if (bytes)
                    err_end(p, t, "(value error) invalid \\x escape at position %d", pos);
                else
                    err_end(p, t,
                            "(unicode error) 'unicodeescape' codec can't decode bytes in position %d-%d: truncated \\%s escape",
                            pos, pos + 1 + k, x == 'x' ? "xXX" : x == 'u' ? "uXXXX" : "UXXXXXXXX");
                return -1;
            }
            s += nd;
            if (v > 0x10FFFF) {
                err_end(p, t,
                        "(unicode error) 'unicodeescape' codec can't decode bytes in position %d-%d: illegal Unicode character",
                        pos, pos + 1 + nd);
                return -1;
            }
            if (bytes) buf_putc(b, (char)v); else buf_putcp(b, v);
            break;
        }
        case 'N':
            if (!bytes) {
                const char *q = s;
                if (q < e && *q == '{') {
                    while (q < e && *q != '}') q++;
                    if (q < e) {
                        err_end(p, t, "(unicode error) 'unicodeescape' codec can't decode bytes in position %d-%d: unknown Unicode character name",
                                pos, pos + 2 + (int)(q - s));
                        return -1;
                    }
                }
                err_end(p, t, "(unicode error) 'unicodeescape' codec can't decode bytes in position %d-%d: malformed \\N character escape",
                        pos, pos + 1 + (int)(q - s));
                return -1;
            }
            /* fall through */
        default:
            buf_putc(b, '\\');
            s--;   /* keep the character after the backslash as it is */
            break;
        }
    }
    return 0;
}

/* Pieces of a joined string being built. */
typedef struct JStr { NodeList values; Buf lit; int fstring; const Token *lit_tok; } JStr;

/* Moves pending literal text into the piece list. */
static void jstr_flush(Parser *p, JStr *j)
{
    if (j->lit.n == 0) return;
    Obj *s = str_new(j->lit.d, (int64_t)j->lit.n);
    Node *n = mkconst(p, j->lit_tok, V_OBJ(s));
    n->end_line = j->lit_tok->end_line;
    n->end_col = j->lit_tok->end_col;
    push(p, &j->values, n);
    j->lit.n = 0;
}

static Node *parse_fstring_body(Parser *p, const Token *t, const char **sp, const char *e,
                                int raw, int depth, JStr *j);

/* Parses one {field} of an f-string; *sp points after the '{'. */
static int fstring_field(Parser *p, const Token *t, const char **sp, const char *e, int raw,
                         int depth, JStr *j)
{
    const char *s = *sp, *xs = s;
    int nest = 0;
    char quote = 0;
    /* find the end of the expression */
    for (; s < e; s++) {
        char c = *s;
        if (quote) {
            if (c == quote) quote = 0;
            continue;
        }
        if (c == '\\') { err_fstr(p, t, "f-string expression part cannot include a backslash"); return -1; }
        if (c == '\'' || c == '"') { quote = c; continue; }
        if (c == '#') { err_fstr(p, t, "f-string expression part cannot include '#'"); return -1; }
        if (c == '(' || c == '[' || c == '{') { nest++; continue; }
        if (c == ')' || c == ']' || (c == '}' && nest > 0)) { nest--; continue; }
        if (nest > 0) continue;
        if (c == '}' || c == ':') break;
        if (c == '!' && s + 1 < e && s[1] != '=') break;
        if (c == '!' ) { s++; continue; }
        if (c == '=' && s + 1 < e && s[1] == '=') { s++; continue; }
        if (c == '=' && s > xs && strchr("<>!=", s[-1])) continue;
        if (c == '=') break;
    }
    if (s >= e) { err_fstr(p, t, "f-string: expecting '}'"); return -1; }
    const char *xe = s;
    int only_ws = 1;
    for (const char *q = xs; q < xe; q++) if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r' && *q != '\f') only_ws = 0;
    if (only_ws) { err_fstr(p, t, "f-string: empty expression not allowed"); return -1; }
    /* parse "(expr)" (as CPython 3.11 does) with a sub-parser over its own tokens */
    int line = t->line, xcol = t->col + (int)(xs - t->s);
    for (const char *q = t->s; q < xs; q++) if (*q == '\n') { line++; xcol = (int)(xs - q - 1); }
    size_t xn = (size_t)(xe - xs);
    char *text = malloc(xn + 3);
    if (!text) { fprintf(stderr, "tiny: out of memory\n"); abort(); }
    text[0] = '(';
    memcpy(text + 1, xs, xn);
    text[xn + 1] = ')';
    text[xn + 2] = 0;
    LexOut lx;
    if (lex_tokenize(p->ts, text, (int64_t)xn + 2, p->filename, 1, line, xcol - 1, &lx, NULL) < 0) {
        free(text);
        p->failed = 1;
        return -1;
    }
    Parser sub = *p;
    sub.t = lx.toks; sub.n = lx.n; sub.pos = 0; sub.maxpos = 0;
    sub.lx = lx;
    sub.lx.eof_in_paren = 0;
    sub.fstring = 1; sub.fsrc = text; sub.fsrclen = (int64_t)xn + 2; sub.fdelta = line - 1; sub.fcolbase = xcol - 1;
    sub.incomplete = NULL;
    Node *x = atom_paren(&sub);
    if (x && !at(&sub, TK_NEWLINE) && !at(&sub, TK_ENDMARKER)) { err_syntax(&sub); x = NULL; }
    lex_free(&lx);
    free(text);
    if (!x) { p->failed = 1; return -1; }
    Node *f = mk(p, E_FORMATTED, t);
    f->a = x;
    int selfdoc = 0;
    if (*s == '=') {
        /* self-documenting: the text up to and including '=' (and spaces after) */
        s++;
        while (s < e && (*s == ' ')) s++;
        buf_putn(&j->lit, xs, (size_t)(s - xs));
        if (!j->lit_tok) j->lit_tok = t;
        selfdoc = 1;
    }
    if (s < e && *s == '!') {
        s++;
        if (s >= e || (*s != 's' && *s != 'r' && *s != 'a')) {
            err_fstr(p, t, "f-string: invalid conversion character: expected 's', 'r', or 'a'");
            return -1;
        }
        f->conversion = *s++;
    }
    if (s < e && *s == ':') {
        s++;
        JStr spec = {0};
        spec.fstring = 1;
        Node *sn = parse_fstring_body(p, t, &s, e, raw, depth + 1, &spec);
        free(spec.lit.d);
        if (!sn) return -1;
        f->b = sn;
    }
    if (s >= e || *s != '}') {
        err_fstr(p, t, "f-string: expecting '}'");
        return -1;
    }
    s++;
    if (selfdoc && !f->conversion && !f->b) f->conversion = 'r';
    f->end_line = t->end_line; f->end_col = t->end_col;
    jstr_flush(p, j);
    push(p, &j->values, f);
    *sp = s;
    return 0;
}

/* Parses f-string text from *sp up to e (or, when depth > 0, up to the '}' ending a
 * format spec, left unconsumed), appending to j. Returns a JOINEDSTR for specs. */
static Node *parse_fstring_body(Parser *p, const Token *t, const char **sp, const char *e,
                                int raw, int depth, JStr *j)
{
    const char *s = *sp;
    if (!j->lit_tok) j->lit_tok = t;
    while (s < e) {
        const char *q = s;
        while (q < e && *q != '{' && *q != '}') {
            if (*q == '\\' && !raw && q + 1 < e) q++;
            q++;
        }
        if (q > e) q = e;
        if (q > s && decode_escapes(p, t, s, q, 0, raw, &j->lit) < 0) return NULL;
        s = q;
        if (s >= e) break;
        if (*s == '{') {
            if (depth == 0 && s + 1 < e && s[1] == '{') { buf_putc(&j->lit, '{'); s += 2; continue; }
            if (depth >= 2) { err_fstr(p, t, "f-string: expressions nested too deeply"); return NULL; }
            s++;
            if (fstring_field(p, t, &s, e, raw, depth, j) < 0) return NULL;
            continue;
        }
        /* '}' */
        if (depth > 0) break;
        if (s + 1 < e && s[1] == '}') { buf_putc(&j->lit, '}'); s += 2; continue; }
        err_fstr(p, t, "f-string: single '}' is not allowed");
        return NULL;
    }
    *sp = s;
    if (depth > 0) {
        jstr_flush(p, j);
        Node *n = mk(p, E_JOINEDSTR, t);
        n->elts = j->values;
        n->end_line = t->end_line; n->end_col = t->end_col;
        return n;
    }
    return (Node *)t;   /* any non-NULL value: success */
}

/* Parses one or more adjacent string literals into an E_CONST or E_JOINEDSTR. */
static Node *atom_strings(Parser *p)
{
    Token *first = cur(p);
    int nbytes = 0, nstr = 0, anyf = 0;
    int i0 = p->pos;
    while (at(p, TK_STRING)) {
        Token *t = advance(p);
        int isb = 0;
        for (int i = 0; i < t->len && t->s[i] != '\'' && t->s[i] != '"'; i++) {
            char c = (char)(t->s[i] | 0x20);
            if (c == 'b') isb = 1;
            if (c == 'f') anyf = 1;
        }
        if (isb) nbytes++; else nstr++;
    }
    int iend = p->pos;
    if (nbytes && nstr) return err_tok(p, cur(p), &T_SyntaxError, "cannot mix bytes and nonbytes literals");
    JStr j = {0};
    j.fstring = anyf;
    for (int i = i0; i < iend; i++) {
        Token *t = &p->t[i];
        int raw = 0, isf = 0, isb = 0, np = 0;
        while (t->s[np] != '\'' && t->s[np] != '"') {
            char c = (char)(t->s[np] | 0x20);
            if (c == 'r') raw = 1; else if (c == 'f') isf = 1; else if (c == 'b') isb = 1;
            np++;
        }
        char q = t->s[np];
        int ql = (t->len - np >= 6 && t->s[np + 1] == q && t->s[np + 2] == q) ? 3 : 1;
        const char *s = t->s + np + ql, *e = t->s + t->len - ql;
        if (!j.lit_tok) j.lit_tok = t;
        if (isf) {
            if (!parse_fstring_body(p, t, &s, e, raw, 0, &j)) { free(j.lit.d); return NULL; }
        } else if (decode_escapes(p, t, s, e, isb, raw, &j.lit) < 0) {
            free(j.lit.d);
            return NULL;
        }
    }
    Node *n;
    if (nbytes) {
        Obj *b = bytes_new(j.lit.d ? j.lit.d : "", (int64_t)j.lit.n);
        n = mkconst(p, first, V_OBJ(b));
    } else if (!anyf) {
        Obj *s = str_new(j.lit.d ? j.lit.d : "", (int64_t)j.lit.n);
        n = mkconst(p, first, V_OBJ(s));
    } else {
        jstr_flush(p, &j);
        n = mk(p, E_JOINEDSTR, first);
        n->elts = j.values;
    }
    free(j.lit.d);
    return fin(p, n);
}

/* ---------- atoms ---------- */

/* Parses the comprehension clauses starting at 'for' into n->generators. */
static int comprehension_clauses(Parser *p, Node *n)
{
    while (at(p, TK_FOR) || at(p, TK_ASYNC)) {
        if (at(p, TK_ASYNC)) { err_syntax(p); return -1; }
        Token *ft = advance(p);
        Node *c = mk(p, E_COMPREHENSION, ft);
        /* targets: star_targets, parsed below comparison level so 'in' is not consumed */
        Token *tt = cur(p);
        Node *first = NULL;
        Node *tgt;
        NodeList elts = {0};
        int comma = 0;
        for (;;) {
            Node *x;
            if (at(p, TK_STAR)) {
                Token *st = advance(p);
                Node *v = bitwise_or(p);
                if (!v) return -1;
                x = mk(p, E_STARRED, st); x->a = v; fin(p, x);
            } else {
                x = bitwise_or(p);
                if (!x) return -1;
            }
            if (!first) first = x;
            push(p, &elts, x);
            if (!accept(p, TK_COMMA)) break;
            comma = 1;
            if (at(p, TK_IN)) break;
        }
        if (comma) { tgt = mk(p, E_TUPLE, tt); tgt->elts = elts; fin(p, tgt); }
        else tgt = first;
        if (!at(p, TK_IN)) {
            err_syntax(p);
            return -1;
        }
        if (set_store(p, tgt) < 0) return -1;
        advance(p);
        c->a = tgt;
        c->b = disjunction(p);
        if (!c->b) return -1;
        while (at(p, TK_IF)) {
            advance(p);
            Node *cond = disjunction(p);
            if (!cond) return -1;
            push(p, &c->ifs, cond);
        }
        fin(p, c);
        push(p, &n->generators, c);
    }
    return 0;
}

/* ( ... ): tuple, parenthesized expression, generator expression, yield. */
static Node *atom_paren(Parser *p)
{
    Token *lp = advance(p);
    if (accept(p, TK_RPAR)) {
        Node *t = mk(p, E_TUPLE, lp);
        return fin(p, t);
    }
    if (at(p, TK_YIELD)) {
        Node *y = yield_expr(p);
        if (!y) return NULL;
        if (expect(p, TK_RPAR) < 0) return NULL;
        y->level = 1;   /* parenthesized: an atom for the assignment-target messages */
        return y;
    }
    int ftok = p->pos;
    Node *e = star_named_expression(p);
    if (!e) return NULL;
    if (at(p, TK_FOR)) {
        if (e->kind == E_STARRED) return err_node(p, e, "iterable unpacking cannot be used in comprehension");
        Node *g = mk(p, E_GENEXP, lp);
        g->a = e;
        if (comprehension_clauses(p, g) < 0) return NULL;
        if (!at(p, TK_RPAR)) return missing_comma(p, NULL, ftok);
        advance(p);
        return fin(p, g);
    }
    if (at(p, TK_RPAR)) {
        if (e->kind == E_STARRED) return err_node(p, e, "cannot use starred expression here");
        advance(p);
        return e;
    }
    if (!at(p, TK_COMMA)) return missing_comma(p, e, ftok);
    Node *t = mk(p, E_TUPLE, lp);
    push(p, &t->elts, e);
    while (accept(p, TK_COMMA)) {
        if (at(p, TK_RPAR)) break;
        ftok = p->pos;
        Node *x = star_named_expression(p);
        if (!x) return NULL;
        push(p, &t->elts, x);
        if (!at(p, TK_COMMA) && !at(p, TK_RPAR)) return missing_comma(p, x, ftok);
    }
    if (expect(p, TK_RPAR) < 0) return NULL;
    return fin(p, t);
}

static Node *atom_list(Parser *p)
{
    Token *lb = advance(p);
    Node *l = mk(p, E_LIST, lb);
    if (accept(p, TK_RSQB)) return fin(p, l);
    int ftok = p->pos;
    Node *e = star_named_expression(p);
    if (!e) return NULL;
    if (at(p, TK_FOR)) {
        if (e->kind == E_STARRED) return err_node(p, e, "iterable unpacking cannot be used in comprehension");
        Node *c = mk(p, E_LISTCOMP, lb);
        c->a = e;
        if (comprehension_clauses(p, c) < 0) return NULL;
        if (!at(p, TK_RSQB)) return missing_comma(p, NULL, ftok);
        advance(p);
        return fin(p, c);
    }
    push(p, &l->elts, e);
    for (;;) {
        if (at(p, TK_RSQB)) break;
        if (at(p, TK_FOR) && l->elts.n > 1)
            return err_node(p, l->elts.items[0], "did you forget parentheses around the comprehension target?");
        if (!at(p, TK_COMMA)) return missing_comma(p, e, ftok);
        advance(p);
        if (at(p, TK_RSQB)) break;
        ftok = p->pos;
        e = star_named_expression(p);
        if (!e) return NULL;
        push(p, &l->elts, e);
    }
    advance(p);
    return fin(p, l);
}

static Node *atom_brace(Parser *p)
{
    Token *lb = advance(p);
    if (accept(p, TK_RBRACE)) return fin(p, mk(p, E_DICT, lb));
    int ftok = p->pos;
    Node *k = NULL, *v = NULL;
    int isdict;
    if (at(p, TK_DOUBLESTAR)) {
        Token *ds = advance(p);
        v = bitwise_or(p);
        if (!v) return NULL;
        if (at(p, TK_FOR)) return err_tok(p, ds, &T_SyntaxError, "dict unpacking cannot be used in dict comprehension");
        isdict = 1;
    } else {
        k = star_named_expression(p);
        if (!k) return NULL;
        isdict = at(p, TK_COLON);
        if (isdict) {
            if (k->kind == E_STARRED) return err_node(p, k, "cannot use a starred expression in a dictionary key");
            advance(p);
            v = expression(p);
            if (!v) return NULL;
        }
    }
    if (isdict) {
        if (k && at(p, TK_FOR)) {
            Node *c = mk(p, E_DICTCOMP, lb);
            c->a = k; c->b = v;
            if (comprehension_clauses(p, c) < 0) return NULL;
            if (expect(p, TK_RBRACE) < 0) return NULL;
            return fin(p, c);
        }
        Node *d = mk(p, E_DICT, lb);
        push(p, &d->keys, k); push(p, &d->elts, v);
        for (;;) {
            if (at(p, TK_RBRACE)) break;
            if (!at(p, TK_COMMA)) return missing_comma(p, v, ftok);
            advance(p);
            if (at(p, TK_RBRACE)) break;
            ftok = p->pos;
            if (accept(p, TK_DOUBLESTAR)) {
                k = NULL;
                v = bitwise_or(p);
                if (!v) return NULL;
            } else {
                k = expression(p);
                if (!k) return NULL;
                if (!at(p, TK_COLON)) {
                    if (at(p, TK_COMMA) || at(p, TK_RBRACE))
                        return err_node(p, k, "':' expected after dictionary key");
                    return missing_comma(p, k, ftok);
                }
                advance(p);
                v = expression(p);
                if (!v) return NULL;
            }
            push(p, &d->keys, k); push(p, &d->elts, v);
        }
        advance(p);
        return fin(p, d);
    }
    if (at(p, TK_FOR)) {
        if (k->kind == E_STARRED) return err_node(p, k, "iterable unpacking cannot be used in comprehension");
        Node *c = mk(p, E_SETCOMP, lb);
        c->a = k;
        if (comprehension_clauses(p, c) < 0) return NULL;
        if (expect(p, TK_RBRACE) < 0) return NULL;
        return fin(p, c);
    }
    Node *s = mk(p, E_SET, lb);
    push(p, &s->elts, k);
    for (;;) {
        if (at(p, TK_RBRACE)) break;
        if (at(p, TK_FOR) && s->elts.n > 1)
            return err_node(p, s->elts.items[0], "did you forget parentheses around the comprehension target?");
        if (!at(p, TK_COMMA)) return missing_comma(p, k, ftok);
        advance(p);
        if (at(p, TK_RBRACE)) break;
        ftok = p->pos;
        k = star_named_expression(p);
        if (!k) return NULL;
        push(p, &s->elts, k);
    }
    advance(p);
    return fin(p, s);
}

static Node *atom(Parser *p)
{
    Token *t = cur(p);
    switch (t->kind) {
    case TK_NAME: {
        advance(p);
        Node *n = mk(p, E_NAME, t);
        n->id = tokstr(p, t);
        return fin(p, n);
    }
    case TK_NUMBER: return number(p);
    case TK_STRING: return atom_strings(p);
    case TK_NONE: advance(p); return fin(p, mkconst(p, t, V_NONE));
    case TK_TRUE: advance(p); return fin(p, mkconst(p, t, V_TRUE));
    case TK_FALSE: advance(p); return fin(p, mkconst(p, t, V_FALSE));
    case TK_ELLIPSIS: {
        advance(p);
        Node *n = mk(p, E_NAME, t);
        n->id = ellipsis_id;
        return fin(p, n);
    }
    case TK_LPAR: return atom_paren(p);
    case TK_LSQB: return atom_list(p);
    case TK_LBRACE: return atom_brace(p);
    default:
        return err_syntax(p);
    }
}

/* ---------- calls, subscripts, attributes ---------- */

/* Parses call arguments after '(' into call->args/keywords, consuming ')'. */
static int call_args(Parser *p, Node *call, int isclass)
{
    Token *lpar = prev(p);
    int seen_kw = 0, seen_dstar = 0;
    const char *pending = NULL;   /* CPython reports these after the whole argument list */
    while (!at(p, TK_RPAR)) {
        Token *t = cur(p);
        int ftok = p->pos;
        Node *last = NULL;
        if (at(p, TK_STAR)) {
            advance(p);
            Node *v = expression(p);
            if (!v) return -1;
            Node *s = mk(p, E_STARRED, t);
            s->a = v; fin(p, s);
            if (seen_dstar) { err_node(p, s, "iterable argument unpacking follows keyword argument unpacking"); return -1; }
            push(p, &call->args, s);
            last = v;
        } else if (at(p, TK_DOUBLESTAR)) {
            advance(p);
            Node *v = expression(p);
            if (!v) return -1;
            Node *k = mk(p, E_KEYWORD, t);
            k->a = v; fin(p, k);
            push(p, &call->keywords, k);
            seen_dstar = 1;
            last = v;
        } else if (t->kind == TK_NAME && peek_kind(p, 1) == TK_EQUAL) {
            advance(p); advance(p);
            Node *v = expression(p);
            if (!v) return -1;
            Node *k = mk(p, E_KEYWORD, t);
            k->id = tokstr(p, t);
            k->a = v; fin(p, k);
            for (int i = 0; i < call->keywords.n; i++) {
                const char *o = call->keywords.items[i]->id;
                if (o && !strcmp(o, k->id)) { err_node(p, k, "keyword argument repeated: %s", k->id); return -1; }
            }
            push(p, &call->keywords, k);
            seen_kw = 1;
            last = v;
        } else {
            Node *v = at(p, TK_YIELD) ? NULL : named_expression(p);
            if (!v) { if (!p->failed) err_syntax(p); return -1; }
            if (at(p, TK_EQUAL)) {
                err_node(p, v, "expression cannot contain assignment, perhaps you meant \"==\"?");
                return -1;
            }
            if (at(p, TK_FOR)) {
                if (isclass) { err_syntax(p); return -1; }
                Node *g = mkn(p, E_GENEXP, v);
                g->a = v;
                if (comprehension_clauses(p, g) < 0) return -1;
                fin(p, g);
                if (call->args.n + call->keywords.n > 0 || !at(p, TK_RPAR)) {
                    err_node(p, g, "Generator expression must be parenthesized");
                    return -1;
                }
                g->line = lpar->line; g->col = lpar->col;
                g->end_line = cur(p)->end_line; g->end_col = cur(p)->end_col;
                v = g;
            }
            if (!pending && seen_kw) pending = "positional argument follows keyword argument";
            if (!pending && seen_dstar) pending = "positional argument follows keyword argument unpacking";
            push(p, &call->args, v);
            last = v;
        }
        if (at(p, TK_RPAR)) break;
        if (!at(p, TK_COMMA)) { missing_comma(p, last, ftok); return -1; }
        advance(p);
    }
    if (pending) { err_tok(p, cur(p), &T_SyntaxError, "%s", pending); return -1; }
    advance(p);
    return 0;
}

/* One slice or index expression inside [ ]. */
static Node *slice_item(Parser *p)
{
    Token *t = cur(p);
    Node *lo = NULL;
    if (!at(p, TK_COLON)) {
        if (at(p, TK_STAR)) return star_named_expression(p);
        lo = named_expression(p);
        if (!lo) return NULL;
        if (!at(p, TK_COLON)) return lo;
    }
    Node *s = mk(p, E_SLICE, t);
    s->a = lo;
    advance(p);
    if (!at(p, TK_COLON) && !at(p, TK_COMMA) && !at(p, TK_RSQB)) {
        s->b = expression(p);
        if (!s->b) return NULL;
    }
    if (accept(p, TK_COLON)) {
        if (!at(p, TK_COMMA) && !at(p, TK_RSQB)) {
            s->c = expression(p);
            if (!s->c) return NULL;
        }
    }
    return fin(p, s);
}

static Node *primary(Parser *p)
{
    if (at(p, TK_AWAIT)) return err_syntax(p);
    Token *st = cur(p);
    Node *e = atom(p);
    if (!e) return NULL;
    for (;;) {
        if (at(p, TK_DOT)) {
            advance(p);
            if (!at(p, TK_NAME)) return err_syntax(p);
            Token *nt = advance(p);
            Node *a = mk(p, E_ATTRIBUTE, st);
            a->a = e; a->id = tokstr(p, nt);
            e = fin(p, a);
        } else if (at(p, TK_LPAR)) {
            advance(p);
            Node *c = mk(p, E_CALL, st);
            c->a = e;
            if (call_args(p, c, 0) < 0) return NULL;
            e = fin(p, c);
        } else if (at(p, TK_LSQB)) {
            advance(p);
            Node *s = mk(p, E_SUBSCRIPT, st);
            s->a = e;
            Token *it = cur(p);
            int ftok = p->pos;
            Node *x = slice_item(p);
            if (!x) return NULL;
            if (at(p, TK_COMMA) || x->kind == E_STARRED) {
                Node *tup = mk(p, E_TUPLE, it);
                push(p, &tup->elts, x);
                while (accept(p, TK_COMMA)) {
                    if (at(p, TK_RSQB)) break;
                    ftok = p->pos;
                    Node *y = slice_item(p);
                    if (!y) return NULL;
                    push(p, &tup->elts, y);
                    x = y;
                }
                x = fin(p, tup);
            }
            if (!at(p, TK_RSQB)) return missing_comma(p, x->kind == E_TUPLE ? x->elts.items[x->elts.n - 1] : x, ftok);
            advance(p);
            s->b = x;
            e = fin(p, s);
        } else {
            return e;
        }
    }
}

/* ---------- operators ---------- */

static Node *factor(Parser *p);

static Node *power(Parser *p)
{
    Token *st = cur(p);
    Node *e = primary(p);
    if (!e) return NULL;
    if (at(p, TK_DOUBLESTAR)) {
        advance(p);
        Node *r = factor(p);
        if (!r) return NULL;
        Node *b = mk(p, E_BINOP, st);
        b->op = OP_POW; b->a = e; b->b = r;
        return fin(p, b);
    }
    return e;
}

static Node *factor_(Parser *p);

static Node *factor(Parser *p)
{
    if (p->depth >= MAX_DEPTH) return err_tok(p, cur(p), &T_SyntaxError, "too many nested expressions");
    p->depth++;
    Node *r = factor_(p);
    p->depth--;
    return r;
}

static Node *factor_(Parser *p)
{
    int op;
    switch (kind(p)) {
    case TK_MINUS: op = UOP_NEG; break;
    case TK_PLUS: op = UOP_POS; break;
    case TK_TILDE: op = UOP_INVERT; break;
    default: return power(p);
    }
    Token *t = advance(p);
    Node *x = factor(p);
    if (!x) return NULL;
    Node *u = mk(p, E_UNARYOP, t);
    u->op = op; u->a = x;
    return fin(p, u);
}

/* Binary-operator levels, lowest first: | ^ & shift arith term. */
static int binop_of(int level, int k)
{
    switch (level) {
    case 0: return k == TK_VBAR ? OP_BITOR : -1;
    case 1: return k == TK_CIRCUMFLEX ? OP_BITXOR : -1;
    case 2: return k == TK_AMPER ? OP_BITAND : -1;
    case 3: return k == TK_LEFTSHIFT ? OP_LSHIFT : k == TK_RIGHTSHIFT ? OP_RSHIFT : -1;
    case 4: return k == TK_PLUS ? OP_ADD : k == TK_MINUS ? OP_SUB : -1;
    default:
        switch (k) {
        case TK_STAR: return OP_MUL;
        case TK_SLASH: return OP_TRUEDIV;
        case TK_DOUBLESLASH: return OP_FLOORDIV;
        case TK_PERCENT: return OP_MOD;
        case TK_AT: return OP_MATMUL;
        default: return -1;
        }
    }
}

static Node *binary(Parser *p, int level)
{
    Token *st = cur(p);
    Node *e = level == 5 ? factor(p) : binary(p, level + 1);
    if (!e) return NULL;
    int op;
    while ((op = binop_of(level, kind(p))) >= 0) {
        advance(p);
        Node *r = level == 5 ? factor(p) : binary(p, level + 1);
        if (!r) return NULL;
        Node *b = mk(p, E_BINOP, st);
        b->op = op; b->a = e; b->b = r;
        e = fin(p, b);
    }
    return e;
}

static Node *bitwise_or(Parser *p) { return binary(p, 0); }

static int cmp_op(Parser *p)
{
    switch (kind(p)) {
    case TK_LESS: return CMP_OP_LT;
    case TK_LESSEQUAL: return CMP_OP_LE;
    case TK_EQEQUAL: return CMP_OP_EQ;
    case TK_NOTEQUAL: return CMP_OP_NE;
    case TK_GREATER: return CMP_OP_GT;
    case TK_GREATEREQUAL: return CMP_OP_GE;
    case TK_IN: return CMP_OP_IN;
    case TK_IS: return peek_kind(p, 1) == TK_NOT ? CMP_OP_IS_NOT : CMP_OP_IS;
    case TK_NOT: return peek_kind(p, 1) == TK_IN ? CMP_OP_NOT_IN : -1;
    default: return -1;
    }
}

static Node *comparison(Parser *p)
{
    Token *st = cur(p);
    Node *e = bitwise_or(p);
    if (!e) return NULL;
    int op = cmp_op(p);
    if (op < 0) return e;
    Node *c = mk(p, E_COMPARE, st);
    c->a = e;
    int n = 0, cap = 0;
    int *ops = NULL;
    while (op >= 0) {
        advance(p);
        if (op == CMP_OP_IS_NOT || op == CMP_OP_NOT_IN) advance(p);
        Node *r = bitwise_or(p);
        if (!r) return NULL;
        if (n == cap) {
            cap = cap ? cap * 2 : 4;
            int *o = ast_alloc(p->A, (size_t)cap * sizeof(int));
            if (n) memcpy(o, ops, (size_t)n * sizeof(int));
            ops = o;
        }
        ops[n++] = op;
        push(p, &c->comparators, r);
        op = cmp_op(p);
    }
    c->ops = ops;
    return fin(p, c);
}

static Node *inversion(Parser *p)
{
    if (at(p, TK_NOT)) {
        Token *t = advance(p);
        if (p->depth >= MAX_DEPTH) return err_tok(p, cur(p), &T_SyntaxError, "too many nested expressions");
        p->depth++;
        Node *x = inversion(p);
        p->depth--;
        if (!x) return NULL;
        Node *u = mk(p, E_UNARYOP, t);
        u->op = UOP_NOT; u->a = x;
        return fin(p, u);
    }
    return comparison(p);
}

static Node *boolop(Parser *p, int isor)
{
    Token *st = cur(p);
    Node *e = isor ? boolop(p, 0) : inversion(p);
    if (!e) return NULL;
    int k = isor ? TK_OR : TK_AND;
    if (!at(p, k)) return e;
    Node *b = mk(p, E_BOOLOP, st);
    b->op = isor ? BOOL_OR : BOOL_AND;
    push(p, &b->elts, e);
    while (accept(p, k)) {
        Node *r = isor ? boolop(p, 0) : inversion(p);
        if (!r) return NULL;
        push(p, &b->elts, r);
    }
    return fin(p, b);
}

static Node *disjunction(Parser *p) { return boolop(p, 1); }

static Node *lambdef(Parser *p)
{
    Token *t = advance(p);
    Node *l = mk(p, E_LAMBDA, t);
    l->arguments = parameters(p, 1);
    if (!l->arguments) return NULL;
    if (expect(p, TK_COLON) < 0) return NULL;
    l->a = expression(p);
    if (!l->a) return NULL;
    return fin(p, l);
}

static Node *expression_(Parser *p);

static Node *expression(Parser *p)
{
    if (p->depth >= MAX_DEPTH) return err_tok(p, cur(p), &T_SyntaxError, "too many nested expressions");
    p->depth++;
    Node *r = expression_(p);
    p->depth--;
    return r;
}

static Node *expression_(Parser *p)
{
    if (at(p, TK_LAMBDA)) return lambdef(p);
    Token *st = cur(p);
    Node *e = disjunction(p);
    if (!e) return NULL;
    if (at(p, TK_IF)) {
        advance(p);
        Node *test = disjunction(p);
        if (!test) return NULL;
        if (!at(p, TK_ELSE)) {
            return err_node(p, e, "expected 'else' after 'if' expression");
        }
        advance(p);
        Node *orelse = expression(p);
        if (!orelse) return NULL;
        Node *c = mk(p, E_IFEXP, st);
        c->a = test; c->b = e; c->c = orelse;
        return fin(p, c);
    }
    return e;
}

static Node *named_expression(Parser *p)
{
    Node *e = expression(p);
    if (e && at(p, TK_COLONEQUAL)) {
        if (e->kind != E_NAME) return err_node(p, e, "cannot use assignment expressions with %s", expr_name(e));
        advance(p);
        Node *v = expression(p);
        if (!v) return NULL;
        Node *n = mkn(p, E_NAMEDEXPR, e);
        e->ctx = CTX_STORE;
        n->a = e; n->b = v;
        return fin(p, n);
    }
    return e;
}

static Node *star_named_expression(Parser *p)
{
    if (at(p, TK_STAR)) {
        Token *t = advance(p);
        Node *v = bitwise_or(p);
        if (!v) return NULL;
        Node *s = mk(p, E_STARRED, t);
        s->a = v;
        return fin(p, s);
    }
    return named_expression(p);
}

static Node *star_expression(Parser *p)
{
    if (at(p, TK_STAR)) {
        Token *t = advance(p);
        Node *v = bitwise_or(p);
        if (!v) return NULL;
        Node *s = mk(p, E_STARRED, t);
        s->a = v;
        return fin(p, s);
    }
    return expression(p);
}

/* Whether the current token can end a star_expressions list after a comma. */
static int ends_exprlist(int k)
{
    return !(starts_expr(k) || k == TK_LPAR || k == TK_LSQB || k == TK_MINUS || k == TK_PLUS ||
             k == TK_STAR);
}

/* expr (',' expr)* [','] — a tuple when there is a comma. */
static Node *star_expressions(Parser *p)
{
    Token *st = cur(p);
    Node *e = star_expression(p);
    if (!e) return NULL;
    if (!at(p, TK_COMMA)) return e;
    Node *t = mk(p, E_TUPLE, st);
    push(p, &t->elts, e);
    while (accept(p, TK_COMMA)) {
        if (ends_exprlist(kind(p))) break;
        Node *x = star_expression(p);
        if (!x) return NULL;
        push(p, &t->elts, x);
    }
    return fin(p, t);
}

static Node *yield_expr(Parser *p)
{
    Token *t = advance(p);
    Node *y = mk(p, E_YIELD, t);
    if (at(p, TK_FROM)) {
        advance(p);
        y->op = 1;
        y->a = expression(p);
        if (!y->a) return NULL;
        return fin(p, y);
    }
    if (!ends_exprlist(kind(p))) {
        y->a = star_expressions(p);
        if (!y->a) return NULL;
    }
    return fin(p, y);
}

/* ---------- parameters ---------- */

typedef struct ArgVec { Arg *v; int n, cap; } ArgVec;
static Arg *argvec_push(Parser *p, ArgVec *a)
{
    if (a->n == a->cap) {
        int cap = a->cap ? a->cap * 2 : 8;
        Arg *v = ast_alloc(p->A, (size_t)cap * sizeof(Arg));
        if (a->n) memcpy(v, a->v, (size_t)a->n * sizeof(Arg));
        a->v = v; a->cap = cap;
    }
    return &a->v[a->n++];
}

/* Checks a new parameter name against those seen so far. */
static int dup_check(Parser *p, Arguments *ar, ArgVec *pos, ArgVec *kw, const Token *t)
{
    const char *name = t->s;
    int len = t->len;
#define SAME(s) ((s) && (int)strlen(s) == len && !memcmp((s), name, (size_t)len))
    int dup = 0;
    for (int i = 0; i < pos->n; i++) dup |= SAME(pos->v[i].name);
    for (int i = 0; i < kw->n; i++) dup |= SAME(kw->v[i].name);
    if (ar->vararg) dup |= SAME(ar->vararg->name);
    if (ar->kwarg) dup |= SAME(ar->kwarg->name);
#undef SAME
    if (dup) {
        err_tok(p, t, &T_SyntaxError, "duplicate argument '%.*s' in function definition", len, name);
        return -1;
    }
    return 0;
}

/* Skips a ': annotation' in a def parameter. */
static int annotation(Parser *p, int lambda)
{
    if (!lambda && accept(p, TK_COLON)) {
        Node *a = expression(p);
        if (!a) return -1;
    }
    return 0;
}

/* Parses a parameter list up to ')' (def) or ':' (lambda), not consuming it. */
static Arguments *parameters(Parser *p, int lambda)
{
    Arguments *ar = ast_alloc(p->A, sizeof(Arguments));
    ArgVec pos = {0}, kw = {0};
    NodeList defs = {0}, kwdefs = {0};
    int end = lambda ? TK_COLON : TK_RPAR;
    int star = 0, slash = 0;
    while (!at(p, end)) {
        Token *t = cur(p);
        if (at(p, TK_SLASH)) {
            if (slash) return err_tok(p, t, &T_SyntaxError, "/ may appear only once");
            if (star) return err_tok(p, t, &T_SyntaxError, "/ must be ahead of *");
            if (pos.n == 0) return err_tok(p, t, &T_SyntaxError, "at least one argument must precede /");
            advance(p);
            slash = 1;
            ar->nposonly = pos.n;
        } else if (at(p, TK_STAR)) {
            if (star) return err_tok(p, t, &T_SyntaxError, "* argument may appear only once");
            advance(p);
            star = 1;
            if (at(p, TK_NAME)) {
                Token *nt = cur(p);
                if (dup_check(p, ar, &pos, &kw, nt) < 0) return NULL;
                advance(p);
                ar->vararg = ast_alloc(p->A, sizeof(Arg));
                *ar->vararg = (Arg){ tokstr(p, nt), nt->line, nt->col };
                if (annotation(p, lambda) < 0) return NULL;
            } else if (at(p, end) || (at(p, TK_COMMA) && (peek_kind(p, 1) == end || peek_kind(p, 1) == TK_DOUBLESTAR))) {
                return err_tok(p, lambda ? cur(p) : t, &T_SyntaxError, "named arguments must follow bare *");
            } else if (!at(p, TK_COMMA)) {
                return err_syntax(p);
            }
        } else if (at(p, TK_DOUBLESTAR)) {
            advance(p);
            if (!at(p, TK_NAME)) return err_syntax(p);
            Token *nt = cur(p);
            if (dup_check(p, ar, &pos, &kw, nt) < 0) return NULL;
            advance(p);
            ar->kwarg = ast_alloc(p->A, sizeof(Arg));
            *ar->kwarg = (Arg){ tokstr(p, nt), nt->line, nt->col };
            if (annotation(p, lambda) < 0) return NULL;
            accept(p, TK_COMMA);
            if (!at(p, end)) {
                if (at(p, TK_NAME) || at(p, TK_STAR) || at(p, TK_DOUBLESTAR) || at(p, TK_SLASH))
                    return err_tok(p, cur(p), &T_SyntaxError, "arguments cannot follow var-keyword argument");
                return err_syntax(p);
            }
            break;
        } else if (at(p, TK_NAME)) {
            if (dup_check(p, ar, &pos, &kw, t) < 0) return NULL;
            advance(p);
            if (annotation(p, lambda) < 0) return NULL;
            Node *def = NULL;
            if (accept(p, TK_EQUAL)) {
                def = expression(p);
                if (!def) return NULL;
            }
            if (star) {
                Arg *a = argvec_push(p, &kw);
                *a = (Arg){ tokstr(p, t), t->line, t->col };
                push(p, &kwdefs, def);
            } else {
                if (!def && defs.n > 0)
                    return err_tok(p, t, &T_SyntaxError, "non-default argument follows default argument");
                Arg *a = argvec_push(p, &pos);
                *a = (Arg){ tokstr(p, t), t->line, t->col };
                if (def) push(p, &defs, def);
            }
        } else {
            return err_syntax(p);
        }
        if (at(p, end)) break;
        if (expect(p, TK_COMMA) < 0) return NULL;
    }
    ar->nargs = pos.n; ar->args = pos.v;
    ar->ndefaults = defs.n; ar->defaults = defs.items;
    ar->nkwonly = kw.n; ar->kwonly = kw.v;
    ar->kw_defaults = kwdefs.items;
    return ar;
}

/* ---------- simple statements ---------- */

static int is_augassign(int k, int *op)
{
    switch (k) {
    case TK_PLUSEQUAL: *op = OP_ADD; return 1;
    case TK_MINEQUAL: *op = OP_SUB; return 1;
    case TK_STAREQUAL: *op = OP_MUL; return 1;
    case TK_SLASHEQUAL: *op = OP_TRUEDIV; return 1;
    case TK_DOUBLESLASHEQUAL: *op = OP_FLOORDIV; return 1;
    case TK_PERCENTEQUAL: *op = OP_MOD; return 1;
    case TK_DOUBLESTAREQUAL: *op = OP_POW; return 1;
    case TK_LEFTSHIFTEQUAL: *op = OP_LSHIFT; return 1;
    case TK_RIGHTSHIFTEQUAL: *op = OP_RSHIFT; return 1;
    case TK_AMPEREQUAL: *op = OP_BITAND; return 1;
    case TK_VBAREQUAL: *op = OP_BITOR; return 1;
    case TK_CIRCUMFLEXEQUAL: *op = OP_BITXOR; return 1;
    case TK_ATEQUAL: *op = OP_MATMUL; return 1;
    default: return 0;
    }
}

/* Whether a node is at bitwise_or level (what CPython's "... here" hint requires). */
static int is_bitor_level(const Node *e)
{
    switch (e->kind) {
    case E_BOOLOP: case E_COMPARE: case E_IFEXP: case E_LAMBDA: case E_STARRED:
        return 0;
    case E_YIELD: return e->level;   /* (yield x) is an atom */
    case E_UNARYOP: return e->op != UOP_NOT;
    default: return 1;
    }
}

/* Validates the targets of an assignment, with CPython's messages. */
static int check_assign_targets(Parser *p, Node *s, int value_first_tok)
{
    int n = s->targets.n;
    for (int i = 0; i < n; i++) {
        Node *t = s->targets.items[i];
        if (t->kind == E_YIELD && !t->level) { err_node(p, t, "assignment to yield expression not possible"); return -1; }
        Node *bad = invalid_target(t, CTX_STORE);
        if (!bad) continue;
        int here = 0;
        if (n == 1 && is_bitor_level(bad) && bad->kind != E_LIST && bad->kind != E_TUPLE &&
            bad->kind != E_GENEXP && !(bad->kind == E_CONST && (IS_NONE(bad->value) || IS_BOOL(bad->value))) &&
            bad->end_line == t->end_line && bad->end_col == t->end_col &&
            (bad == t || (t->kind == E_TUPLE && !tuple_parenthesized(t)))) {
            int vk = p->t[value_first_tok].kind;
            here = vk != TK_NOT && vk != TK_LAMBDA && vk != TK_STAR && vk != TK_YIELD && vk != TK_AWAIT;
        }
        if (bad->kind == E_YIELD && !bad->level) err_node(p, bad, "assignment to yield expression not possible");
        else if (here) err_node(p, bad, "cannot assign to %s here. Maybe you meant '==' instead of '='?", expr_name(bad));
        else err_node(p, bad, "cannot assign to %s", expr_name(bad));
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (check_starred(p, s->targets.items[i], 1) < 0) return -1;
    return 0;
}

/* The right-hand side of an assignment: yield or star_expressions. */
static Node *assign_value(Parser *p)
{
    if (at(p, TK_YIELD)) return yield_expr(p);
    return star_expressions(p);
}

static Node *expr_stmt(Parser *p)
{
    int ftok = p->pos;
    Token *st = cur(p);
    Node *e = at(p, TK_YIELD) ? yield_expr(p) : star_expressions(p);
    if (!e) return NULL;
    int op;
    if (at(p, TK_EQUAL)) {
        Node *s = mk(p, S_ASSIGN, st);
        push(p, &s->targets, e);
        Node *v = NULL;
        int vtok = 0;
        while (accept(p, TK_EQUAL)) {
            vtok = p->pos;
            v = assign_value(p);
            if (!v) return NULL;
            if (at(p, TK_EQUAL)) push(p, &s->targets, v);
        }
        if (check_assign_targets(p, s, vtok) < 0) return NULL;
        s->a = v;
        return fin(p, s);
    }
    if (is_augassign(kind(p), &op)) {
        if (e->kind != E_NAME && e->kind != E_ATTRIBUTE && e->kind != E_SUBSCRIPT)
            return err_node(p, e, "'%s' is an illegal expression for augmented assignment", expr_name(e));
        if (e->kind == E_NAME && e->id == ellipsis_id)
            return err_node(p, e, "'ellipsis' is an illegal expression for augmented assignment");
        advance(p);
        Node *s = mk(p, S_AUGASSIGN, st);
        e->ctx = CTX_STORE;
        s->a = e; s->op = op;
        s->b = assign_value(p);
        if (!s->b) return NULL;
        return fin(p, s);
    }
    if (at(p, TK_COLON)) {
        /* annotated assignment: the annotation is parsed and dropped */
        if (e->kind == E_TUPLE && !tuple_parenthesized(e))
            return err_node(p, e, "only single target (not tuple) can be annotated");
        if (e->kind == E_TUPLE || e->kind == E_LIST)
            return err_node(p, e, "only single target (not %s) can be annotated", expr_name(e));
        if (e->kind != E_NAME && e->kind != E_ATTRIBUTE && e->kind != E_SUBSCRIPT)
            return err_node(p, e, "illegal target for annotation");
        advance(p);
        Node *ann = expression(p);
        if (!ann) return NULL;
        if (accept(p, TK_EQUAL)) {
            Node *v = assign_value(p);
            if (!v) return NULL;
            Node *s = mk(p, S_ASSIGN, st);
            e->ctx = CTX_STORE;
            push(p, &s->targets, e);
            s->a = v;
            return fin(p, s);
        }
        return fin(p, mk(p, S_PASS, st));
    }
    if (!at(p, TK_NEWLINE) && !at(p, TK_SEMI)) {
        if (e->kind == E_NAME && (!strcmp(e->id, "print") || !strcmp(e->id, "exec")) &&
            starts_expr(kind(p)) && !at(p, TK_NOT) && !at(p, TK_LAMBDA)) {
            return err_node(p, e, "Missing parentheses in call to '%s'. Did you mean %s(...)?", e->id, e->id);
        }
        (void)ftok;
        return err_syntax(p);
    }
    if (e->kind == E_NAME && e->id == ellipsis_id) return fin(p, mk(p, S_PASS, st));
    Node *s = mk(p, S_EXPR, st);
    s->a = e;
    return fin(p, s);
}

/* dotted_name: NAME ('.' NAME)* as one arena string. */
static const char *dotted_name(Parser *p)
{
    if (!at(p, TK_NAME)) return err_syntax(p);
    Token *first = advance(p);
    const char *end = first->s + first->len;
    int contiguous = 1;
    while (at(p, TK_DOT) && peek_kind(p, 1) == TK_NAME) {
        Token *d = advance(p);
        Token *n = advance(p);
        if (d->s != end || n->s != d->s + 1) contiguous = 0;
        end = n->s + n->len;
    }
    if (contiguous) return ast_strdup(p->A, first->s, (size_t)(end - first->s));
    /* spaces around the dots: rebuild without them */
    Buf b = {0};
    for (Token *t = first; t <= prev(p); t++) buf_putn(&b, t->s, (size_t)t->len);
    const char *r = ast_strdup(p->A, b.d, b.n);
    free(b.d);
    return r;
}

static Node *import_stmt(Parser *p)
{
    Token *t = advance(p);
    Node *s = mk(p, S_IMPORT, t);
    do {
        Token *at_ = cur(p);
        const char *name = dotted_name(p);
        if (!name) return NULL;
        Node *a = mk(p, E_ALIAS, at_);
        a->id = name;
        if (accept(p, TK_AS)) {
            if (!at(p, TK_NAME)) return err_syntax(p);
            a->asname = tokstr(p, advance(p));
        }
        push(p, &s->aliases, fin(p, a));
    } while (accept(p, TK_COMMA));
    return fin(p, s);
}

static Node *from_stmt(Parser *p)
{
    Token *t = advance(p);
    Node *s = mk(p, S_IMPORTFROM, t);
    int level = 0;
    while (at(p, TK_DOT) || at(p, TK_ELLIPSIS)) level += at(p, TK_DOT) ? 1 : 3, advance(p);
    s->level = level;
    if (at(p, TK_NAME)) {
        s->id = dotted_name(p);
        if (!s->id) return NULL;
    } else if (!level) {
        return err_syntax(p);
    } else {
        s->id = "";
    }
    if (expect(p, TK_IMPORT) < 0) return NULL;
    if (at(p, TK_STAR)) {
        Token *st = advance(p);
        Node *a = mk(p, E_ALIAS, st);
        a->id = "*";
        push(p, &s->aliases, fin(p, a));
        return fin(p, s);
    }
    int paren = accept(p, TK_LPAR);
    for (;;) {
        if (!at(p, TK_NAME)) return err_syntax(p);
        Token *nt = advance(p);
        Node *a = mk(p, E_ALIAS, nt);
        a->id = tokstr(p, nt);
        if (accept(p, TK_AS)) {
            if (!at(p, TK_NAME)) return err_syntax(p);
            a->asname = tokstr(p, advance(p));
        }
        push(p, &s->aliases, fin(p, a));
        if (!accept(p, TK_COMMA)) break;
        if (paren && at(p, TK_RPAR)) break;
        if (!paren && (at(p, TK_NEWLINE) || at(p, TK_SEMI)))
            return err_tok(p, cur(p), &T_SyntaxError, "trailing comma not allowed without surrounding parentheses");
    }
    if (paren && expect(p, TK_RPAR) < 0) return NULL;
    return fin(p, s);
}

static Node *names_stmt(Parser *p, NodeKind k)
{
    Token *t = advance(p);
    Node *s = mk(p, k, t);
    int cap = 0;
    do {
        if (!at(p, TK_NAME)) return err_syntax(p);
        Token *nt = advance(p);
        if (s->nnames == cap) {
            cap = cap ? cap * 2 : 4;
            const char **v = ast_alloc(p->A, (size_t)cap * sizeof(char *));
            if (s->nnames) memcpy(v, s->names, (size_t)s->nnames * sizeof(char *));
            s->names = v;
        }
        s->names[s->nnames++] = tokstr(p, nt);
    } while (accept(p, TK_COMMA));
    return fin(p, s);
}

static Node *del_stmt(Parser *p)
{
    Token *t = advance(p);
    Node *s = mk(p, S_DELETE, t);
    do {
        if (at(p, TK_NEWLINE) || at(p, TK_SEMI)) {
            if (s->targets.n) break;
            return err_syntax(p);
        }
        Node *e = at(p, TK_STAR) ? star_named_expression(p) : expression(p);
        if (!e) return NULL;
        Node *bad = invalid_target(e, CTX_DEL);
        if (bad) return err_node(p, bad, "cannot delete %s", expr_name(bad));
        push(p, &s->targets, e);
    } while (accept(p, TK_COMMA));
    return fin(p, s);
}

static Node *simple_stmt(Parser *p)
{
    Token *t = cur(p);
    Node *s;
    switch (t->kind) {
    case TK_PASS: advance(p); return fin(p, mk(p, S_PASS, t));
    case TK_BREAK: advance(p); return fin(p, mk(p, S_BREAK, t));
    case TK_CONTINUE: advance(p); return fin(p, mk(p, S_CONTINUE, t));
    case TK_RETURN:
        advance(p);
        s = mk(p, S_RETURN, t);
        if (!at(p, TK_NEWLINE) && !at(p, TK_SEMI)) {
            s->a = star_expressions(p);
            if (!s->a) return NULL;
        }
        return fin(p, s);
    case TK_RAISE:
        advance(p);
        s = mk(p, S_RAISE, t);
        if (!at(p, TK_NEWLINE) && !at(p, TK_SEMI)) {
            s->a = expression(p);
            if (!s->a) return NULL;
            if (accept(p, TK_FROM)) {
                s->b = expression(p);
                if (!s->b) return NULL;
            }
        }
        return fin(p, s);
    case TK_GLOBAL: return names_stmt(p, S_GLOBAL);
    case TK_NONLOCAL: return names_stmt(p, S_NONLOCAL);
    case TK_DEL: return del_stmt(p);
    case TK_ASSERT:
        advance(p);
        s = mk(p, S_ASSERT, t);
        s->a = expression(p);
        if (!s->a) return NULL;
        if (accept(p, TK_COMMA)) {
            s->b = expression(p);
            if (!s->b) return NULL;
        }
        return fin(p, s);
    case TK_IMPORT: return import_stmt(p);
    case TK_FROM: return from_stmt(p);
    default:
        return expr_stmt(p);
    }
}

/* simple_stmt (';' simple_stmt)* [';'] NEWLINE */
static int simple_stmts(Parser *p, NodeList *body)
{
    for (;;) {
        Node *s = simple_stmt(p);
        if (!s) return -1;
        push(p, body, s);
        if (accept(p, TK_SEMI)) {
            if (accept(p, TK_NEWLINE)) return 0;
            continue;
        }
        if (accept(p, TK_NEWLINE)) return 0;
        err_syntax(p);
        return -1;
    }
}

/* ---------- compound statements ---------- */

/* Expects ':' after a block header; forced headers report "expected ':'" at any token. */
static int expect_colon(Parser *p, int forced)
{
    if (accept(p, TK_COLON)) return 0;
    if (forced || at(p, TK_NEWLINE)) err_tok(p, cur(p), &T_SyntaxError, "expected ':'");
    else err_syntax(p);
    return -1;
}

/* A suite after ':': an indented block or simple statements on the same line. */
static int block(Parser *p, NodeList *body, const char *what, int line)
{
    if (!at(p, TK_NEWLINE)) return simple_stmts(p, body);
    advance(p);
    if (!at(p, TK_INDENT)) {
        err_tok(p, cur(p), &T_IndentationError, "expected an indented block after %s on line %d", what, line);
        return -1;
    }
    advance(p);
    while (!at(p, TK_DEDENT) && !at(p, TK_ENDMARKER))
        if (statement(p, body) < 0) return -1;
    accept(p, TK_DEDENT);
    return 0;
}

/* The end position of a statement: its last body statement's end. */
static Node *fin_block(Node *s, const NodeList *l)
{
    if (l->n) {
        s->end_line = l->items[l->n - 1]->end_line;
        s->end_col = l->items[l->n - 1]->end_col;
    }
    return s;
}

static Node *if_stmt(Parser *p)
{
    Token *t = advance(p);
    Node *s = mk(p, S_IF, t);
    s->a = named_expression(p);
    if (!s->a) return NULL;
    if (at(p, TK_EQUAL)) {
        if (s->a->kind == E_NAME)
            return err_node(p, s->a, "invalid syntax. Maybe you meant '==' or ':=' instead of '='?");
        if (is_bitor_level(s->a))
            return err_node(p, s->a, "cannot assign to %s here. Maybe you meant '==' instead of '='?", expr_name(s->a));
    }
    if (expect_colon(p, 0) < 0) return NULL;
    if (block(p, &s->body, t->kind == TK_IF ? "'if' statement" : "'elif' statement", t->line) < 0) return NULL;
    fin_block(s, &s->body);
    if (at(p, TK_ELIF)) {
        Node *e = if_stmt(p);
        if (!e) return NULL;
        push(p, &s->orelse, e);
        fin_block(s, &s->orelse);
    } else if (at(p, TK_ELSE)) {
        Token *et = advance(p);
        if (expect_colon(p, 1) < 0) return NULL;
        if (block(p, &s->orelse, "'else' statement", et->line) < 0) return NULL;
        fin_block(s, &s->orelse);
    }
    return s;
}

static int else_block(Parser *p, Node *s)
{
    if (at(p, TK_ELSE)) {
        Token *et = advance(p);
        if (expect_colon(p, 1) < 0) return -1;
        if (block(p, &s->orelse, "'else' statement", et->line) < 0) return -1;
        fin_block(s, &s->orelse);
    }
    return 0;
}

static Node *while_stmt(Parser *p)
{
    Token *t = advance(p);
    Node *s = mk(p, S_WHILE, t);
    s->a = named_expression(p);
    if (!s->a) return NULL;
    if (at(p, TK_EQUAL) && s->a->kind == E_NAME)
        return err_node(p, s->a, "invalid syntax. Maybe you meant '==' or ':=' instead of '='?");
    if (expect_colon(p, 0) < 0) return NULL;
    if (block(p, &s->body, "'while' statement", t->line) < 0) return NULL;
    fin_block(s, &s->body);
    if (else_block(p, s) < 0) return NULL;
    return s;
}

static Node *for_stmt(Parser *p)
{
    Token *t = advance(p);
    Node *s = mk(p, S_FOR, t);
    Token *tt = cur(p);
    NodeList elts = {0};
    int comma = 0;
    for (;;) {
        Node *x;
        if (at(p, TK_STAR)) {
            Token *st = advance(p);
            Node *v = bitwise_or(p);
            if (!v) return NULL;
            x = mk(p, E_STARRED, st); x->a = v; fin(p, x);
        } else {
            x = bitwise_or(p);
            if (!x) return NULL;
        }
        push(p, &elts, x);
        if (!accept(p, TK_COMMA)) break;
        comma = 1;
        if (at(p, TK_IN)) break;
    }
    Node *tgt;
    if (comma) { tgt = mk(p, E_TUPLE, tt); tgt->elts = elts; fin(p, tgt); }
    else tgt = elts.items[0];
    if (!at(p, TK_IN)) {
        /* CPython: invalid_for_target reports a bad target first */
        Node *bad = invalid_target(tgt, CTX_STORE);
        if (bad) return err_node(p, bad, "cannot assign to %s", expr_name(bad));
        return err_syntax(p);
    }
    if (set_store(p, tgt) < 0) return NULL;
    advance(p);
    s->a = tgt;
    s->b = star_expressions(p);
    if (!s->b) return NULL;
    if (expect_colon(p, 0) < 0) return NULL;
    if (block(p, &s->body, "'for' statement", t->line) < 0) return NULL;
    fin_block(s, &s->body);
    if (else_block(p, s) < 0) return NULL;
    return s;
}

/* Finds whether '(' at the current token is closed by ')' followed by ':'. */
static int paren_then_colon(Parser *p)
{
    int depth = 0;
    for (int i = p->pos; i < p->n; i++) {
        int k = p->t[i].kind;
        if (k == TK_LPAR || k == TK_LSQB || k == TK_LBRACE) depth++;
        else if (k == TK_RPAR || k == TK_RSQB || k == TK_RBRACE) {
            if (--depth == 0) return i + 1 < p->n && p->t[i + 1].kind == TK_COLON;
        } else if (k == TK_NEWLINE || k == TK_ENDMARKER) return 0;
    }
    return 0;
}

static int with_item(Parser *p, Node *s, int paren)
{
    Node *it = mk(p, E_WITHITEM, cur(p));
    it->a = expression(p);
    if (!it->a) return -1;
    if (accept(p, TK_AS)) {
        Node *tg;
        if (at(p, TK_STAR)) tg = star_named_expression(p);
        else tg = bitwise_or(p);
        if (!tg) return -1;
        if (!at(p, TK_COMMA) && !at(p, TK_COLON) && !(paren && at(p, TK_RPAR))) {
            if (invalid_target(tg, CTX_STORE)) { /* fall through to the target check */ }
            else { err_syntax(p); return -1; }
        }
        if (set_store(p, tg) < 0) return -1;
        it->b = tg;
    }
    push(p, &s->items, fin(p, it));
    return 0;
}

static Node *with_stmt(Parser *p)
{
    Token *t = advance(p);
    Node *s = mk(p, S_WITH, t);
    if (at(p, TK_LPAR) && paren_then_colon(p)) {
        advance(p);
        for (;;) {
            if (with_item(p, s, 1) < 0) return NULL;
            if (!accept(p, TK_COMMA)) break;
            if (at(p, TK_RPAR)) break;
        }
        if (expect(p, TK_RPAR) < 0) return NULL;
    } else {
        do {
            if (with_item(p, s, 0) < 0) return NULL;
        } while (accept(p, TK_COMMA));
    }
    if (expect_colon(p, 0) < 0) return NULL;
    if (block(p, &s->body, "'with' statement", t->line) < 0) return NULL;
    return fin_block(s, &s->body);
}

static Node *try_stmt(Parser *p)
{
    Token *t = advance(p);
    Node *s = mk(p, S_TRY, t);
    if (expect_colon(p, 1) < 0) return NULL;
    if (block(p, &s->body, "'try' statement", t->line) < 0) return NULL;
    fin_block(s, &s->body);
    Node *bare = NULL;
    while (at(p, TK_EXCEPT)) {
        Token *et = advance(p);
        if (bare) return err_node(p, bare, "default 'except:' must be last");
        Node *h = mk(p, S_HANDLER, et);
        if (at(p, TK_STAR)) return err_syntax(p);
        if (at(p, TK_NEWLINE)) return err_tok(p, cur(p), &T_SyntaxError, "expected ':'");
        if (!at(p, TK_COLON)) {
            h->a = expression(p);
            if (!h->a) return NULL;
            if (at(p, TK_COMMA)) {
                /* except A, B: -> CPython's message */
                return err_node(p, h->a, "multiple exception types must be parenthesized");
            }
            if (accept(p, TK_AS)) {
                if (!at(p, TK_NAME)) {
                    if (at(p, TK_COLON) || at(p, TK_NEWLINE)) return err_syntax(p);
                    Node *x = bitwise_or(p);
                    if (!x) return NULL;
                    return err_node(p, x, "cannot use %s as except target", expr_name(x));
                }
                h->id = tokstr(p, advance(p));
            }
        } else {
            bare = h;
        }
        if (expect_colon(p, 0) < 0) return NULL;
        if (block(p, &h->body, "'except' statement", et->line) < 0) return NULL;
        fin_block(h, &h->body);
        push(p, &s->handlers, h);
        fin_block(s, &h->body);
    }
    if (at(p, TK_ELSE) && s->handlers.n) {
        if (else_block(p, s) < 0) return NULL;
    }
    if (at(p, TK_FINALLY)) {
        Token *ft = advance(p);
        if (expect_colon(p, 1) < 0) return NULL;
        if (block(p, &s->finalbody, "'finally' statement", ft->line) < 0) return NULL;
        fin_block(s, &s->finalbody);
    }
    if (!s->handlers.n && !s->finalbody.n)
        return err_tok(p, cur(p), &T_SyntaxError, "expected 'except' or 'finally' block");
    return s;
}

static Node *funcdef(Parser *p, NodeList *decorators, const Token *first)
{
    Token *t = advance(p);
    if (!at(p, TK_NAME)) return err_syntax(p);
    Token *nt = advance(p);
    Node *s = mk(p, S_FUNCDEF, t);
    s->id = tokstr(p, nt);
    if (decorators) s->decorators = *decorators;
    if (!at(p, TK_LPAR)) return err_tok(p, cur(p), &T_SyntaxError, "expected '('");
    advance(p);
    s->arguments = parameters(p, 0);
    if (!s->arguments) return NULL;
    if (expect(p, TK_RPAR) < 0) return NULL;
    if (accept(p, TK_RARROW)) {
        Node *r = expression(p);
        if (!r) return NULL;
    }
    if (expect_colon(p, 1) < 0) return NULL;
    if (block(p, &s->body, "function definition", t->line) < 0) return NULL;
    return fin_block(s, &s->body);
}

static Node *classdef(Parser *p, NodeList *decorators, const Token *first)
{
    Token *t = advance(p);
    if (!at(p, TK_NAME)) return err_syntax(p);
    Token *nt = advance(p);
    Node *s = mk(p, S_CLASSDEF, t);
    s->id = tokstr(p, nt);
    if (decorators) s->decorators = *decorators;
    if (accept(p, TK_LPAR)) {
        if (call_args(p, s, 1) < 0) return NULL;
    }
    if (expect_colon(p, 0) < 0) return NULL;
    if (block(p, &s->body, "class definition", t->line) < 0) return NULL;
    return fin_block(s, &s->body);
}

static Node *decorated(Parser *p)
{
    NodeList decs = {0};
    Token *first = cur(p);
    while (at(p, TK_AT)) {
        advance(p);
        Node *d = named_expression(p);
        if (!d) return NULL;
        push(p, &decs, d);
        if (expect(p, TK_NEWLINE) < 0) return NULL;
    }
    if (at(p, TK_DEF)) return funcdef(p, &decs, first);
    if (at(p, TK_CLASS)) return classdef(p, &decs, first);
    return err_syntax(p);
}

static int statement(Parser *p, NodeList *body)
{
    Node *s;
    switch (kind(p)) {
    case TK_IF: s = if_stmt(p); break;
    case TK_WHILE: s = while_stmt(p); break;
    case TK_FOR: s = for_stmt(p); break;
    case TK_TRY: s = try_stmt(p); break;
    case TK_WITH: s = with_stmt(p); break;
    case TK_DEF: s = funcdef(p, NULL, NULL); break;
    case TK_CLASS: s = classdef(p, NULL, NULL); break;
    case TK_AT: s = decorated(p); break;
    case TK_INDENT:
        err_tok(p, cur(p), &T_IndentationError, "unexpected indent");
        return -1;
    default:
        return simple_stmts(p, body);
    }
    if (!s) return -1;
    push(p, body, s);
    return 0;
}

/* ---------- entry point ---------- */

AstModule *parse_module(ThreadState *ts, const char *src, int64_t len, Obj *filename,
                        int *incomplete)
{
    if (incomplete) *incomplete = 0;
    Parser P;
    memset(&P, 0, sizeof P);
    P.ts = ts; P.filename = filename; P.src = src; P.len = len;
    P.incomplete = incomplete;
    if (lex_tokenize(ts, src, len, filename, 0, 1, 0, &P.lx, incomplete) < 0) return NULL;
    P.t = P.lx.toks; P.n = P.lx.n;
    P.A = ast_arena_new();
    if (!P.A) { lex_free(&P.lx); exc_raise(ts, &T_MemoryError, "out of memory"); return NULL; }
    AstModule *m = ast_alloc(P.A, sizeof(AstModule));
    m->arena = P.A;
    while (!at(&P, TK_ENDMARKER)) {
        if (at(&P, TK_DEDENT)) { advance(&P); continue; }
        if (statement(&P, &m->body) < 0) {
            lex_free(&P.lx);
            ast_free(P.A);
            return NULL;
        }
    }
    lex_free(&P.lx);
    return m;
}
