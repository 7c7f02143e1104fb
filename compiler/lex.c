/* lex.c — hand-written tokenizer following CPython 3.11's tokenizer.c rules:
 * indentation with tabs to multiples of 8 (and a tabsize-1 consistency check),
 * implicit joining inside brackets, backslash continuation, and its error messages
 * and positions. Tokens go into one growable array. */
#include "lex.h"
#include "exc.h"
#include "objects/str.h"
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#define MAXINDENT 100
#define MAXLEVEL 200

typedef struct Lexer {
    ThreadState *ts;
    Obj *filename;
    const char *src, *end, *p;
    const char *line_start;   /* start of the current physical line */
    int line;
    int inner, line_base, col_base;
    Token *toks; int n, cap;
    int indstack[MAXINDENT], altstack[MAXINDENT], indent;
    char parens[MAXLEVEL]; int parline[MAXLEVEL], parcol[MAXLEVEL], level;
    int atbol;
    int *incomplete;
    LexOut *out;        /* where an error is recorded */
} Lexer;

static const struct { const char *s; int kind; } keywords[] = {
    {"False", TK_FALSE}, {"None", TK_NONE}, {"True", TK_TRUE}, {"and", TK_AND},
    {"as", TK_AS}, {"assert", TK_ASSERT}, {"async", TK_ASYNC}, {"await", TK_AWAIT},
    {"break", TK_BREAK}, {"class", TK_CLASS}, {"continue", TK_CONTINUE}, {"def", TK_DEF},
    {"del", TK_DEL}, {"elif", TK_ELIF}, {"else", TK_ELSE}, {"except", TK_EXCEPT},
    {"finally", TK_FINALLY}, {"for", TK_FOR}, {"from", TK_FROM}, {"global", TK_GLOBAL},
    {"if", TK_IF}, {"import", TK_IMPORT}, {"in", TK_IN}, {"is", TK_IS},
    {"lambda", TK_LAMBDA}, {"nonlocal", TK_NONLOCAL}, {"not", TK_NOT}, {"or", TK_OR},
    {"pass", TK_PASS}, {"raise", TK_RAISE}, {"return", TK_RETURN}, {"try", TK_TRY},
    {"while", TK_WHILE}, {"with", TK_WITH}, {"yield", TK_YIELD},
};

static const char *const kind_names[TK__COUNT] = {
    [TK_ENDMARKER] = "end of input", [TK_NAME] = "name", [TK_NUMBER] = "number",
    [TK_STRING] = "string", [TK_NEWLINE] = "newline", [TK_INDENT] = "indent",
    [TK_DEDENT] = "dedent", [TK_LPAR] = "(", [TK_RPAR] = ")", [TK_LSQB] = "[",
    [TK_RSQB] = "]", [TK_LBRACE] = "{", [TK_RBRACE] = "}", [TK_COLON] = ":",
    [TK_COMMA] = ",", [TK_SEMI] = ";", [TK_PLUS] = "+", [TK_MINUS] = "-", [TK_STAR] = "*",
    [TK_SLASH] = "/", [TK_VBAR] = "|", [TK_AMPER] = "&", [TK_LESS] = "<",
    [TK_GREATER] = ">", [TK_EQUAL] = "=", [TK_DOT] = ".", [TK_PERCENT] = "%",
    [TK_EQEQUAL] = "==", [TK_NOTEQUAL] = "!=", [TK_LESSEQUAL] = "<=",
    [TK_GREATEREQUAL] = ">=", [TK_TILDE] = "~", [TK_CIRCUMFLEX] = "^",
    [TK_LEFTSHIFT] = "<<", [TK_RIGHTSHIFT] = ">>", [TK_DOUBLESTAR] = "**",
    [TK_PLUSEQUAL] = "+=", [TK_MINEQUAL] = "-=", [TK_STAREQUAL] = "*=",
    [TK_SLASHEQUAL] = "/=", [TK_PERCENTEQUAL] = "%=", [TK_AMPEREQUAL] = "&=",
    [TK_VBAREQUAL] = "|=", [TK_CIRCUMFLEXEQUAL] = "^=", [TK_LEFTSHIFTEQUAL] = "<<=",
    [TK_RIGHTSHIFTEQUAL] = ">>=", [TK_DOUBLESTAREQUAL] = "**=", [TK_DOUBLESLASH] = "//",
    [TK_DOUBLESLASHEQUAL] = "//=", [TK_AT] = "@", [TK_ATEQUAL] = "@=", [TK_RARROW] = "->",
    [TK_ELLIPSIS] = "...", [TK_COLONEQUAL] = ":=", [TK_ERRCHAR] = "?", [TK_ERROR] = "error",
    [TK_FALSE] = "False", [TK_NONE] = "None", [TK_TRUE] = "True", [TK_AND] = "and",
    [TK_AS] = "as", [TK_ASSERT] = "assert", [TK_ASYNC] = "async", [TK_AWAIT] = "await",
    [TK_BREAK] = "break", [TK_CLASS] = "class", [TK_CONTINUE] = "continue",
    [TK_DEF] = "def", [TK_DEL] = "del", [TK_ELIF] = "elif", [TK_ELSE] = "else",
    [TK_EXCEPT] = "except", [TK_FINALLY] = "finally", [TK_FOR] = "for",
    [TK_FROM] = "from", [TK_GLOBAL] = "global", [TK_IF] = "if", [TK_IMPORT] = "import",
    [TK_IN] = "in", [TK_IS] = "is", [TK_LAMBDA] = "lambda", [TK_NONLOCAL] = "nonlocal",
    [TK_NOT] = "not", [TK_OR] = "or", [TK_PASS] = "pass", [TK_RAISE] = "raise",
    [TK_RETURN] = "return", [TK_TRY] = "try", [TK_WHILE] = "while", [TK_WITH] = "with",
    [TK_YIELD] = "yield",
};

const char *lex_kind_name(int kind)
{
    return kind >= 0 && kind < TK__COUNT && kind_names[kind] ? kind_names[kind] : "?";
}

/* Finds the text of line `line` (1-based) of src; sets *n to its length without newline. */
static const char *line_text(const char *src, int64_t len, int line, int64_t *n)
{
    const char *p = src, *end = src + len;
    for (int l = 1; l < line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) { p = end; break; }
        p = nl + 1;
    }
    const char *e = p;
    while (e < end && *e != '\n') e++;
    if (e > p && e[-1] == '\r') e--;
    *n = e - p;
    return p;
}

void lex_error_at(ThreadState *ts, Type *t, Obj *filename, const char *src, int64_t len,
                  int line, int col, int line_delta, const char *msg)
{
    int64_t n = 0;
    const char *lt = src ? line_text(src, len, line, &n) : NULL;
    char *text = NULL;
    int ccol = col;
    if (lt) {
        text = malloc((size_t)n + 2);
        if (text) { memcpy(text, lt, (size_t)n); text[n] = '\n'; text[n + 1] = 0; }
        /* convert the byte column to a character column */
        ccol = 0;
        for (int i = 0; i < col; i++)
            if (i >= n || ((unsigned char)lt[i] & 0xC0) != 0x80) ccol++;
    }
    exc_syntax_error(ts, t, msg, filename, line + line_delta, ccol, text);
    free(text);
}

/* Records a tokenizer error at a byte position (raised later by the parser). */
static int lerr(Lexer *L, Type *t, int line, int col, const char *msg)
{
    LexOut *o = L->out;
    o->has_err = 1;
    o->err_direct = 1;
    o->err_type = t;
    o->err_line = line;
    o->err_col = col;
    o->err_level = L->level;
    if (L->level > 0) {
        o->paren_ch = L->parens[L->level - 1];
        o->paren_line = L->parline[L->level - 1] + (L->inner ? L->line_base - 1 : 0);
        o->paren_col = L->parcol[L->level - 1];
    }
    snprintf(o->err_msg, sizeof o->err_msg, "%s", msg);
    return -1;
}

/* Records an error CPython's tokenizer reports through an error code: it does not
 * override an earlier parser error. */
static int lerr_code(Lexer *L, Type *t, int line, int col, const char *msg)
{
    lerr(L, t, line, col, msg);
    L->out->err_direct = 0;
    return -1;
}

void lex_raise(ThreadState *ts, const LexOut *out, Obj *filename, const char *src, int64_t len,
               int line_delta, int *incomplete)
{
    if (out->err_incomplete && incomplete) *incomplete = 1;
    lex_error_at(ts, out->err_type, filename, src, len, out->err_line, out->err_col,
                 line_delta, out->err_msg);
}

static int push(Lexer *L, int kind, const char *s, int len, int line, int col,
                int eline, int ecol)
{
    if (L->n == L->cap) {
        int cap = L->cap ? L->cap * 2 : 256;
        Token *t = realloc(L->toks, (size_t)cap * sizeof(Token));
        if (!t) { exc_raise(L->ts, &T_MemoryError, "out of memory"); return -1; }
        L->toks = t; L->cap = cap;
    }
    if (L->inner) {
        if (line == 1) col += L->col_base;
        if (eline == 1) ecol += L->col_base;
        line += L->line_base - 1; eline += L->line_base - 1;
    }
    L->toks[L->n++] = (Token){ kind, line, col, eline, ecol, s, len };
    return 0;
}

static int col_of(Lexer *L, const char *p) { return (int)(p - L->line_start); }

/* Decodes the code point at p (advancing *p); bad UTF-8 gives 0xFFFD and one byte. */
static uint32_t decode_cp(const char **pp, const char *end)
{
    const unsigned char *p = (const unsigned char *)*pp;
    uint32_t c = p[0];
    int n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (n == 0 || (const char *)p + n > end) { *pp += 1; return 0xFFFD; }
    if (n == 1) { *pp += 1; return c; }
    c &= (n == 2) ? 0x1F : (n == 3) ? 0x0F : 0x07;
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) { *pp += 1; return 0xFFFD; }
        c = (c << 6) | (p[i] & 0x3F);
    }
    *pp += n;
    return c;
}

/* Whether a non-ASCII code point may appear in an identifier (an approximation of
 * XID_Start/XID_Continue without Unicode tables: letters of the common scripts). */
static int cp_is_ident(uint32_t c)
{
    if (c < 0x80) return 0;
    if (c < 0x100)
        return c == 0xAA || c == 0xB5 || c == 0xBA || (c >= 0xC0 && c != 0xD7 && c != 0xF7);
    if (c < 0x2000) return c != 0x37E && c != 0x387;
    if (c >= 0x2070 && c <= 0x209F) return 1;
    if (c >= 0x2100 && c <= 0x218F) return 1;
    if (c >= 0x2C00 && c <= 0x2DFF) return 1;
    if (c >= 0x3040 && c <= 0x9FFF) return !(c >= 0x3000 && c <= 0x303F);
    if (c >= 0xA000 && c <= 0xD7FF) return 1;
    if (c >= 0xF900 && c <= 0xFDFF) return 1;
    if (c >= 0xFE70 && c <= 0xFEFE) return 1;
    if (c >= 0xFF21 && c <= 0xFF3A) return 1;
    if (c >= 0xFF41 && c <= 0xFF5A) return 1;
    if (c >= 0xFF66 && c <= 0xFFDC) return 1;
    if (c >= 0x10000 && c <= 0x10FFFF && c != 0xFFFD) return 1;
    return 0;
}

static int is_id_start(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80; }
static int is_id_char(int c) { return is_id_start(c) || (c >= '0' && c <= '9'); }

/* Reports an invalid character at p. */
static int bad_char(Lexer *L, const char *p)
{
    const char *q = p;
    uint32_t c = decode_cp(&q, L->end);
    char msg[80];
    int printable = !(c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == 0xA0 ||
                      c == 0xAD || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
                      c == 0x205F || c == 0x3000 || c == 0xFEFF);
    if (printable) {
        char buf[8]; int n = 0;
        /* re-encode the character for the message */
        if (c < 0x80) buf[n++] = (char)c;
        else if (c < 0x800) { buf[n++] = (char)(0xC0 | (c >> 6)); buf[n++] = (char)(0x80 | (c & 0x3F)); }
        else if (c < 0x10000) { buf[n++] = (char)(0xE0 | (c >> 12)); buf[n++] = (char)(0x80 | ((c >> 6) & 0x3F)); buf[n++] = (char)(0x80 | (c & 0x3F)); }
        else { buf[n++] = (char)(0xF0 | (c >> 18)); buf[n++] = (char)(0x80 | ((c >> 12) & 0x3F)); buf[n++] = (char)(0x80 | ((c >> 6) & 0x3F)); buf[n++] = (char)(0x80 | (c & 0x3F)); }
        buf[n] = 0;
        snprintf(msg, sizeof msg, "invalid character '%s' (U+%04X)", buf, (unsigned)c);
    } else {
        snprintf(msg, sizeof msg, "invalid non-printable character U+%04X", (unsigned)c);
    }
    return lerr(L, &T_SyntaxError, L->line, col_of(L, p), msg);
}

/* Scans an identifier (or keyword) starting at p. */
static int scan_name(Lexer *L, const char *p)
{
    const char *s = p;
    while (p < L->end && is_id_char((unsigned char)*p)) {
        if ((unsigned char)*p >= 0x80) {
            const char *q = p;
            uint32_t c = decode_cp(&q, L->end);
            if (!cp_is_ident(c)) {
                if (p == s) return bad_char(L, p);
                break;
            }
            p = q;
        } else {
            p++;
        }
    }
    int len = (int)(p - s), kind = TK_NAME;
    if (len >= 2 && len <= 8 && *s >= 'F' && *s <= 'y') {
        for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
            if ((int)strlen(keywords[i].s) == len && !memcmp(keywords[i].s, s, (size_t)len)) {
                kind = keywords[i].kind;
                break;
            }
    }
    L->p = p;
    return push(L, kind, s, len, L->line, col_of(L, s), L->line, col_of(L, p));
}

/* After a number: a following identifier character is an error unless it starts a keyword
 * that may legally follow (as in `1if x else y`). */
static int verify_end(Lexer *L, const char *start, const char *p, const char *kind)
{
    if (p >= L->end || !is_id_char((unsigned char)*p)) return 0;
    static const char *const kws[] = { "and", "else", "for", "if", "in", "is", "not", "or" };
    for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++) {
        size_t n = strlen(kws[i]);
        if ((size_t)(L->end - p) >= n && !memcmp(p, kws[i], n)) return 0;
    }
    char msg[64];
    snprintf(msg, sizeof msg, "invalid %s literal", kind);
    (void)start;
    return lerr(L, &T_SyntaxError, L->line, col_of(L, p) - 1, msg);
}

/* Scans digits with single underscores between them; returns -1 on error (already raised),
 * with the "invalid decimal literal" error pointing at the underscore. */
static int scan_digits(Lexer *L, const char **pp, int (*ok)(int), const char *kind)
{
    const char *p = *pp;
    for (;;) {
        while (p < L->end && ok((unsigned char)*p)) p++;
        if (p < L->end && *p == '_') {
            if (p + 1 < L->end && ok((unsigned char)p[1])) { p++; continue; }
            char msg[64];
            snprintf(msg, sizeof msg, "invalid %s literal", kind);
            return lerr(L, &T_SyntaxError, L->line, col_of(L, p), msg);
        }
        break;
    }
    *pp = p;
    return 0;
}

static int isdec(int c) { return c >= '0' && c <= '9'; }
static int ishex(int c) { return isdec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static int isoct(int c) { return c >= '0' && c <= '7'; }
static int isbin(int c) { return c == '0' || c == '1'; }

/* Scans the exponent and imaginary suffix of a decimal/float literal. */
static int scan_float_tail(Lexer *L, const char *s, const char **pp)
{
    const char *p = *pp;
    if (p < L->end && (*p == 'e' || *p == 'E')) {
        const char *e = p++;
        if (p < L->end && (*p == '+' || *p == '-')) p++;
        if (p >= L->end || !isdec((unsigned char)*p)) {
            /* "1e" followed by a non-digit: fine before `else`, else an error */
            if (L->end - e >= 4 && !memcmp(e, "else", 4)) { *pp = e; return 0; }
            (void)s;
            return lerr(L, &T_SyntaxError, L->line, col_of(L, e) - 1, "invalid decimal literal");
        }
        if (scan_digits(L, &p, isdec, "decimal") < 0) return -1;
    }
    if (p < L->end && (*p == 'j' || *p == 'J'))
        return lerr(L, &T_SyntaxError, L->line, col_of(L, s),
                    "imaginary literals are not supported (tiny has no complex numbers)");
    *pp = p;
    return 0;
}

/* Scans a number literal starting at p. */
static int scan_number(Lexer *L, const char *p)
{
    const char *s = p;
    if (*p == '0' && p + 1 < L->end && (p[1] == 'x' || p[1] == 'X' || p[1] == 'o' ||
                                        p[1] == 'O' || p[1] == 'b' || p[1] == 'B')) {
        char k = (char)(p[1] | 0x20);
        const char *kind = k == 'x' ? "hexadecimal" : k == 'o' ? "octal" : "binary";
        int (*ok)(int) = k == 'x' ? ishex : k == 'o' ? isoct : isbin;
        p += 2;
        if (p < L->end && *p == '_') p++;
        if (p >= L->end || !ok((unsigned char)*p)) {
            if (p < L->end && isdec((unsigned char)*p) && k != 'x') {
                char msg[64];
                snprintf(msg, sizeof msg, "invalid digit '%c' in %s literal", *p, kind);
                return lerr(L, &T_SyntaxError, L->line, col_of(L, p), msg);
            }
            char msg[64];
            snprintf(msg, sizeof msg, "invalid %s literal", kind);
            return lerr(L, &T_SyntaxError, L->line, col_of(L, p - 1), msg);
        }
        if (scan_digits(L, &p, ok, kind) < 0) return -1;
        if (p < L->end && isdec((unsigned char)*p) && k != 'x') {
            char msg[64];
            snprintf(msg, sizeof msg, "invalid digit '%c' in %s literal", *p, kind);
            return lerr(L, &T_SyntaxError, L->line, col_of(L, p), msg);
        }
        if (verify_end(L, s, p, kind) < 0) return -1;
    } else {
        int isfloat = 0;
        if (*p == '.') {
            isfloat = 1;
            p++;
            if (scan_digits(L, &p, isdec, "decimal") < 0) return -1;
        } else {
            if (scan_digits(L, &p, isdec, "decimal") < 0) return -1;
            if (p < L->end && *p == '.') {
                isfloat = 1;
                p++;
                if (p < L->end && isdec((unsigned char)*p) &&
                    scan_digits(L, &p, isdec, "decimal") < 0) return -1;
            }
        }
        if (p < L->end && (*p == 'e' || *p == 'E' || *p == 'j' || *p == 'J')) isfloat = 1;
        if (isfloat) {
            if (scan_float_tail(L, s, &p) < 0) return -1;
        } else if (*s == '0') {
            /* leading zeros: only 0, 00, 0_0 ... allowed */
            for (const char *q = s; q < p; q++)
                if (*q != '0' && *q != '_')
                    return lerr(L, &T_SyntaxError, L->line, col_of(L, s),
                                "leading zeros in decimal integer literals are not permitted; "
                                "use an 0o prefix for octal integers");
        }
        if (verify_end(L, s, p, "decimal") < 0) return -1;
    }
    L->p = p;
    return push(L, TK_NUMBER, s, (int)(p - s), L->line, col_of(L, s), L->line, col_of(L, p));
}

/* Scans a string literal whose prefix starts at s and quote is at q. */
static int scan_string(Lexer *L, const char *s, const char *q)
{
    char quote = *q;
    int triple = q + 2 < L->end && q[1] == quote && q[2] == quote;
    int sline = L->line, scol = col_of(L, s);
    const char *sls = L->line_start;
    const char *p = q + (triple ? 3 : 1);
    for (;;) {
        if (p >= L->end) {
            char msg[96];
            int last = L->line;
            if (L->end > L->src && L->end[-1] == '\n') {
                /* count the line of the last character */
                last = L->line - (p > L->line_start ? 0 : 1);
                if (last < sline) last = sline;
            }
            if (triple) {
                L->out->err_incomplete = 1;
                snprintf(msg, sizeof msg, "unterminated triple-quoted string literal (detected at line %d)", last);
            } else {
                snprintf(msg, sizeof msg, "unterminated string literal (detected at line %d)", L->line);
            }
            (void)sls;
            return lerr(L, &T_SyntaxError, sline, scol, msg);
        }
        char c = *p;
        if (c == quote) {
            if (!triple) { p++; break; }
            if (p + 2 < L->end && p[1] == quote && p[2] == quote) { p += 3; break; }
            p++;
            continue;
        }
        if (c == '\\') {
            if (p + 1 < L->end) {
                if (p[1] == '\n') { p += 2; L->line++; L->line_start = p; continue; }
                if (p[1] == '\r' && p + 2 < L->end && p[2] == '\n') { p += 3; L->line++; L->line_start = p; continue; }
                p += 2;
                continue;
            }
            p++;
            continue;
        }
        if (c == '\n') {
            if (!triple) {
                char msg[96];
                snprintf(msg, sizeof msg, "unterminated string literal (detected at line %d)", L->line);
                return lerr(L, &T_SyntaxError, sline, scol, msg);
            }
            p++; L->line++; L->line_start = p;
            continue;
        }
        p++;
    }
    L->p = p;
    return push(L, TK_STRING, s, (int)(p - s), sline, scol, L->line, col_of(L, p));
}

static const char open_of[128] = { [')'] = '(', [']'] = '[', ['}'] = '{' };

/* Scans an operator or delimiter at p. */
static int scan_op(Lexer *L, const char *p)
{
    static const struct { const char *s; int kind; } ops3[] = {
        {"**=", TK_DOUBLESTAREQUAL}, {"//=", TK_DOUBLESLASHEQUAL}, {">>=", TK_RIGHTSHIFTEQUAL},
        {"<<=", TK_LEFTSHIFTEQUAL}, {"...", TK_ELLIPSIS},
    };
    static const struct { const char *s; int kind; } ops2[] = {
        {"==", TK_EQEQUAL}, {"!=", TK_NOTEQUAL}, {"<=", TK_LESSEQUAL}, {">=", TK_GREATEREQUAL},
        {"<<", TK_LEFTSHIFT}, {">>", TK_RIGHTSHIFT}, {"**", TK_DOUBLESTAR}, {"+=", TK_PLUSEQUAL},
        {"-=", TK_MINEQUAL}, {"*=", TK_STAREQUAL}, {"/=", TK_SLASHEQUAL}, {"%=", TK_PERCENTEQUAL},
        {"&=", TK_AMPEREQUAL}, {"|=", TK_VBAREQUAL}, {"^=", TK_CIRCUMFLEXEQUAL},
        {"//", TK_DOUBLESLASH}, {"@=", TK_ATEQUAL}, {"->", TK_RARROW}, {":=", TK_COLONEQUAL},
        {"<>", TK_ERRCHAR},
    };
    static const signed char ops1[128] = {
        ['('] = TK_LPAR, [')'] = TK_RPAR, ['['] = TK_LSQB, [']'] = TK_RSQB, ['{'] = TK_LBRACE,
        ['}'] = TK_RBRACE, [':'] = TK_COLON, [','] = TK_COMMA, [';'] = TK_SEMI, ['+'] = TK_PLUS,
        ['-'] = TK_MINUS, ['*'] = TK_STAR, ['/'] = TK_SLASH, ['|'] = TK_VBAR, ['&'] = TK_AMPER,
        ['<'] = TK_LESS, ['>'] = TK_GREATER, ['='] = TK_EQUAL, ['.'] = TK_DOT, ['%'] = TK_PERCENT,
        ['~'] = TK_TILDE, ['^'] = TK_CIRCUMFLEX, ['@'] = TK_AT, ['!'] = TK_ERRCHAR,
        ['$'] = TK_ERRCHAR, ['?'] = TK_ERRCHAR, ['`'] = TK_ERRCHAR,
    };
    int kind = -1, n = 0;
    size_t left = (size_t)(L->end - p);
    for (size_t i = 0; kind < 0 && left >= 3 && i < sizeof ops3 / sizeof ops3[0]; i++)
        if (!memcmp(p, ops3[i].s, 3)) { kind = ops3[i].kind; n = 3; }
    for (size_t i = 0; kind < 0 && left >= 2 && i < sizeof ops2 / sizeof ops2[0]; i++)
        if (!memcmp(p, ops2[i].s, 2)) { kind = ops2[i].kind; n = 2; }
    if (kind == TK_ERRCHAR && n == 2) kind = -1;
    if (kind < 0 && (unsigned char)*p < 128 && ops1[(unsigned char)*p]) { kind = ops1[(unsigned char)*p]; n = 1; }
    if (kind < 0) return bad_char(L, p);
    int col = col_of(L, p);
    if (kind == TK_LPAR || kind == TK_LSQB || kind == TK_LBRACE) {
        if (L->level >= MAXLEVEL)
            return lerr(L, &T_SyntaxError, L->line, col, "too many nested parentheses");
        L->parens[L->level] = *p; L->parline[L->level] = L->line; L->parcol[L->level] = col;
        L->level++;
    } else if (kind == TK_RPAR || kind == TK_RSQB || kind == TK_RBRACE) {
        char msg[128];
        if (L->level == 0) {
            snprintf(msg, sizeof msg, "unmatched '%c'", *p);
            return lerr(L, &T_SyntaxError, L->line, col, msg);
        }
        char o = L->parens[L->level - 1];
        if (o != open_of[(unsigned char)*p]) {
            if (L->parline[L->level - 1] != L->line)
                snprintf(msg, sizeof msg,
                         "closing parenthesis '%c' does not match opening parenthesis '%c' on line %d",
                         *p, o, L->parline[L->level - 1]);
            else
                snprintf(msg, sizeof msg,
                         "closing parenthesis '%c' does not match opening parenthesis '%c'", *p, o);
            return lerr(L, &T_SyntaxError, L->line, col, msg);
        }
        L->level--;
    }
    L->p = p + n;
    return push(L, kind, p, n, L->line, col, L->line, col + n);
}

/* Handles indentation at the beginning of a logical line; returns 1 if the line is blank. */
static int do_indent(Lexer *L)
{
    const char *p = L->p;
    int col = 0, altcol = 0;
    for (; p < L->end; p++) {
        if (*p == ' ') { col++; altcol++; }
        else if (*p == '\t') { col = (col / 8 + 1) * 8; altcol++; }
        else if (*p == '\014') { col = altcol = 0; }
        else break;
    }
    L->p = p;
    if (p >= L->end || *p == '#' || *p == '\n' || (*p == '\r' && p + 1 < L->end && p[1] == '\n'))
        return 1;   /* blank or comment-only line: no indentation change */
    if (col == L->indstack[L->indent]) {
        if (altcol != L->altstack[L->indent]) goto tab_error;
    } else if (col > L->indstack[L->indent]) {
        if (L->indent + 1 >= MAXINDENT)
            return lerr_code(L, &T_IndentationError, L->line, col_of(L, p), "too many levels of indentation");
        if (altcol <= L->altstack[L->indent]) goto tab_error;
        L->indent++;
        L->indstack[L->indent] = col;
        L->altstack[L->indent] = altcol;
        if (push(L, TK_INDENT, p, 0, L->line, col_of(L, p) - 1, L->line, col_of(L, p)) < 0) return -1;
    } else {
        int ind = L->indent;
        while (ind > 0 && col < L->indstack[ind]) ind--;
        if (col != L->indstack[ind]) {
            const char *e = p;
            while (e < L->end && *e != '\n') e++;
            if (e > p && e[-1] == '\r') e--;
            return lerr_code(L, &T_IndentationError, L->line, col_of(L, e),
                        "unindent does not match any outer indentation level");
        }
        while (L->indent > ind) {
            L->indent--;
            if (push(L, TK_DEDENT, p, 0, L->line, col_of(L, p), L->line, col_of(L, p)) < 0) return -1;
        }
        if (altcol != L->altstack[L->indent]) goto tab_error;
    }
    return 0;
tab_error:
    {
        const char *e = p;
        while (e < L->end && *e != '\n') e++;
        (void)e;
        return lerr_code(L, &T_TabError, L->line, 0, "inconsistent use of tabs and spaces in indentation");
    }
}

static int tokenize(Lexer *L)
{
    L->atbol = 1;
    for (;;) {
        if (L->atbol) {
            L->atbol = 0;
            if (L->level == 0) {
                int blank = do_indent(L);
                if (blank < 0) return -1;
                if (blank) {
                    /* skip the blank/comment line entirely */
                    const char *p = L->p;
                    while (p < L->end && *p != '\n') p++;
                    if (p >= L->end) { L->p = p; goto eof; }
                    L->p = p + 1; L->line++; L->line_start = L->p;
                    L->atbol = 1;
                    continue;
                }
            }
        }
        const char *p = L->p;
        while (p < L->end && (*p == ' ' || *p == '\t' || *p == '\014')) p++;
        if (p < L->end && *p == '#') while (p < L->end && *p != '\n') p++;
        if (p < L->end && *p == '\r' && p + 1 < L->end && p[1] == '\n') p++;
        L->p = p;
        if (p >= L->end) goto eof;
        unsigned char c = (unsigned char)*p;
        if (c == '\n') {
            if (L->level == 0 && L->n > 0 && L->toks[L->n - 1].kind != TK_NEWLINE) {
                int col = col_of(L, p);
                if (col > 0 && p[-1] == '\r') col--;
                if (push(L, TK_NEWLINE, p, 1, L->line, col, L->line, col + 1) < 0) return -1;
            }
            L->p = p + 1; L->line++; L->line_start = L->p;
            L->atbol = L->level == 0;
            continue;
        }
        if (c == '\\') {
            const char *q = p + 1, *bsl_line = L->line_start;
            if (q < L->end && *q == '\r' && q + 1 < L->end && q[1] == '\n') q++;
            if (q >= L->end) {
                lerr_code(L, &T_SyntaxError, L->line, col_of(L, p) + 1, "unexpected EOF while parsing");
                L->out->err_incomplete = 1;
                return -1;
            }
            if (*q != '\n')
                return lerr_code(L, &T_SyntaxError, L->line, col_of(L, p) + 1,
                                 "unexpected character after line continuation character");
            L->p = q + 1; L->line++; L->line_start = L->p;
            if (L->p >= L->end) {
                lerr_code(L, &T_SyntaxError, L->line - 1, (int)(p - bsl_line) + 1,
                          "unexpected EOF while parsing");
                L->out->err_incomplete = 1;
                return -1;
            }
            continue;
        }
        if (is_id_start(c)) {
            /* string prefixes */
            const char *q = p;
            int nr = 0, nb = 0, nf = 0, nu = 0, np = 0;
            while (q < L->end && np < 3) {
                char d = (char)(*q | 0x20);
                if (d == 'r') nr++; else if (d == 'b') nb++; else if (d == 'f') nf++;
                else if (d == 'u') nu++; else break;
                q++; np++;
            }
            if (np > 0 && q < L->end && (*q == '\'' || *q == '"') && nr <= 1 && nb <= 1 &&
                nf <= 1 && nu <= 1 && np <= 2 && !(nb && nf) && !(nu && np > 1)) {
                if (scan_string(L, p, q) < 0) return -1;
                continue;
            }
            if (scan_name(L, p) < 0) return -1;
            continue;
        }
        if (isdec(c) || (c == '.' && p + 1 < L->end && isdec((unsigned char)p[1]))) {
            if (scan_number(L, p) < 0) return -1;
            continue;
        }
        if (c == '\'' || c == '"') {
            if (scan_string(L, p, p) < 0) return -1;
            continue;
        }
        if (c < 0x20 && c != '\014' && c != '\t' && c != '\r') {
            if (c == 0) return lerr(L, &T_SyntaxError, L->line, col_of(L, p), "source code cannot contain null bytes");
            return bad_char(L, p);
        }
        if (c == '\r') { L->p = p + 1; continue; }
        if (scan_op(L, p) < 0) return -1;
    }
eof:
    {
        /* the position CPython gives tokens at EOF: the end of the last line */
        int eline = L->line, ecol = col_of(L, L->p);
        if (L->p == L->line_start && L->line > 1) {
            int64_t n;
            eline = L->line - 1;
            line_text(L->src, L->end - L->src, eline, &n);
            ecol = (int)n;
        }
        if (L->level > 0) {
            /* EOF inside brackets: the parser reports "'(' was never closed" */
        } else if (L->n > 0 && L->toks[L->n - 1].kind != TK_NEWLINE) {
            if (push(L, TK_NEWLINE, L->p, 0, eline, ecol, eline, ecol + 1) < 0) return -1;
        }
        while (L->indent > 0) {
            L->indent--;
            if (push(L, TK_DEDENT, L->p, 0, eline, ecol, eline, ecol) < 0) return -1;
        }
        return push(L, TK_ENDMARKER, L->p, 0, eline, ecol, eline, ecol);
    }
}

int lex_tokenize(ThreadState *ts, const char *src, int64_t len, Obj *filename, int inner,
                 int line_base, int col_base, LexOut *out, int *incomplete)
{
    Lexer L;
    memset(&L, 0, sizeof L);
    L.ts = ts; L.filename = filename;
    L.src = src; L.end = src + len; L.p = src; L.line_start = src; L.line = 1;
    L.inner = inner; L.line_base = line_base; L.col_base = col_base;
    L.incomplete = incomplete;
    /* skip a UTF-8 BOM */
    if (len >= 3 && !memcmp(src, "\xEF\xBB\xBF", 3)) { L.p += 3; L.line_start = L.p; }
    memset(out, 0, sizeof *out);
    L.out = out;
    int r = tokenize(&L);
    if (r < 0 && !out->has_err) { free(L.toks); return -1; }
    if (r < 0) {
        int line = out->err_line, col = out->err_col;
        if (push(&L, TK_ERROR, L.p, 0, line, col, line, col) < 0) { free(L.toks); return -1; }
        out->toks = L.toks; out->n = L.n;
        return 0;
    }
    out->toks = L.toks; out->n = L.n;
    if (L.level > 0) {
        out->eof_in_paren = 1;
        out->paren_ch = L.parens[L.level - 1];
        out->paren_line = L.parline[L.level - 1];
        out->paren_col = L.parcol[L.level - 1];
    }
    return 0;
}

void lex_free(LexOut *out)
{
    free(out->toks);
    out->toks = NULL;
    out->n = 0;
}
