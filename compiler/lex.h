/* lex.h — the tokenizer: UTF-8 source to a flat array of tokens (INDENT/DEDENT included).
 * The whole source is tokenized up front (CPython reports tokenizer errors anywhere in
 * the file before parser errors, so this matches its error priority). */
#ifndef TINY_LEX_H
#define TINY_LEX_H

#include "object.h"

/* Token kinds. Keywords get their own kinds; operators one kind each. */
typedef enum {
    TK_ENDMARKER, TK_NAME, TK_NUMBER, TK_STRING, TK_NEWLINE, TK_INDENT, TK_DEDENT,
    /* operators and delimiters */
    TK_LPAR, TK_RPAR, TK_LSQB, TK_RSQB, TK_LBRACE, TK_RBRACE, TK_COLON, TK_COMMA, TK_SEMI,
    TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_VBAR, TK_AMPER, TK_LESS, TK_GREATER, TK_EQUAL,
    TK_DOT, TK_PERCENT, TK_EQEQUAL, TK_NOTEQUAL, TK_LESSEQUAL, TK_GREATEREQUAL, TK_TILDE,
    TK_CIRCUMFLEX, TK_LEFTSHIFT, TK_RIGHTSHIFT, TK_DOUBLESTAR, TK_PLUSEQUAL, TK_MINEQUAL,
    TK_STAREQUAL, TK_SLASHEQUAL, TK_PERCENTEQUAL, TK_AMPEREQUAL, TK_VBAREQUAL,
    TK_CIRCUMFLEXEQUAL, TK_LEFTSHIFTEQUAL, TK_RIGHTSHIFTEQUAL, TK_DOUBLESTAREQUAL,
    TK_DOUBLESLASH, TK_DOUBLESLASHEQUAL, TK_AT, TK_ATEQUAL, TK_RARROW, TK_ELLIPSIS,
    TK_COLONEQUAL, TK_ERRCHAR, /* a stray '!', '$', '?' or '`': always invalid syntax */
    TK_ERROR,      /* where the tokenizer stopped with an error (see LexOut) */
    /* keywords */
    TK_FALSE, TK_NONE, TK_TRUE, TK_AND, TK_AS, TK_ASSERT, TK_ASYNC, TK_AWAIT, TK_BREAK,
    TK_CLASS, TK_CONTINUE, TK_DEF, TK_DEL, TK_ELIF, TK_ELSE, TK_EXCEPT, TK_FINALLY, TK_FOR,
    TK_FROM, TK_GLOBAL, TK_IF, TK_IMPORT, TK_IN, TK_IS, TK_LAMBDA, TK_NONLOCAL, TK_NOT,
    TK_OR, TK_PASS, TK_RAISE, TK_RETURN, TK_TRY, TK_WHILE, TK_WITH, TK_YIELD,
    TK__COUNT
} TokKind;

/* One token; s/len is its text in the source (a string token includes prefix and quotes). */
typedef struct Token {
    int kind;
    int line, col, end_line, end_col;   /* 1-based lines, 0-based byte columns */
    const char *s;
    int len;
} Token;

/* The result of tokenizing a source. */
typedef struct LexOut {
    Token *toks; int n;                 /* ends with TK_ENDMARKER */
    int eof_in_paren;                   /* EOF reached inside brackets */
    char paren_ch; int paren_line, paren_col; /* innermost bracket open at EOF (or error) */
    /* A tokenizer error stops tokenizing: the array then ends with a TK_ERROR token and the
     * parser raises this error when it reaches that token (or earlier, see parse.c). */
    int has_err;
    int err_direct;        /* raised by CPython's tokenizer itself (overrides parser errors) */
    int err_incomplete;    /* the error is only that the input ended */
    int err_level;         /* bracket depth at the error */
    Type *err_type;
    int err_line, err_col; /* err_line relative to the source tokenized */
    char err_msg[160];
} LexOut;

/* Tokenizes src. Returns 0 (a tokenizer error is recorded in out, not raised), or -1
 * with MemoryError pending. When inner is
 * set (f-string expressions, given as "(expr)") token lines are shifted to start at
 * line_base and errors are reported on those lines with the "(expr)" text. Free out->toks with lex_free. */
int lex_tokenize(ThreadState *ts, const char *src, int64_t len, Obj *filename, int inner,
                 int line_base, int col_base, LexOut *out, int *incomplete);
/* Frees the token array. */
void lex_free(LexOut *out);
/* Raises the tokenizer error recorded in out; src/len is the text that was tokenized and
 * line_delta is added to its line numbers. Sets *incomplete if it is an end-of-input error. */
void lex_raise(ThreadState *ts, const LexOut *out, Obj *filename, const char *src, int64_t len,
               int line_delta, int *incomplete);
/* A token kind's spelling for messages ("'('", "NAME"). */
const char *lex_kind_name(int kind);
/* Raises a SyntaxError (or t) at line/col (0-based byte col) with that line of src as the
 * text; the line reported is line + line_delta. */
void lex_error_at(ThreadState *ts, Type *t, Obj *filename, const char *src, int64_t len,
                  int line, int col, int line_delta, const char *msg);

#endif
