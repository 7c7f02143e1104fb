/* ast.c — the AST arena: bump allocation in large chunks, one free for a whole tree,
 * plus the list of constants it owns; and a debugging dump. */
#include "ast.h"
#include "object.h"
#include "objects/str.h"
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#define CHUNK 65536

typedef struct Chunk { struct Chunk *next; size_t used, size; max_align_t data[]; } Chunk;

struct AstArena {
    Chunk *chunks;
    Value *kept; int nkept, capkept;
};

AstArena *ast_arena_new(void)
{
    return calloc(1, sizeof(AstArena));
}

void *ast_alloc(AstArena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    Chunk *c = a->chunks;
    if (!c || c->used + size > c->size) {
        size_t sz = size > CHUNK / 4 ? size : CHUNK;
        Chunk *n = malloc(sizeof(Chunk) + sz);
        if (!n) { fprintf(stderr, "tiny: out of memory\n"); abort(); }
        n->used = 0; n->size = sz;
        if (size > CHUNK / 4 && c) {
            /* a big block: link it behind the current chunk so that one keeps filling */
            n->next = c->next; c->next = n;
        } else {
            n->next = c; a->chunks = n;
        }
        c = n;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

const char *ast_strdup(AstArena *a, const char *s, size_t len)
{
    char *p = ast_alloc(a, len + 1);
    memcpy(p, s, len);
    p[len] = 0;
    return p;
}

Node *ast_node(AstArena *a, NodeKind kind, int line, int col)
{
    Node *n = ast_alloc(a, sizeof(Node));
    n->kind = kind;
    n->line = n->end_line = line;
    n->col = n->end_col = col;
    return n;
}

void ast_list_push(AstArena *a, NodeList *l, Node *n)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 4;
        Node **items = ast_alloc(a, (size_t)cap * sizeof(Node *));
        if (l->n) memcpy(items, l->items, (size_t)l->n * sizeof(Node *));
        l->items = items; l->cap = cap;
    }
    l->items[l->n++] = n;
}

void ast_keep(AstArena *a, Value v)
{
    if (!IS_OBJ(v)) return;
    if (a->nkept == a->capkept) {
        int cap = a->capkept ? a->capkept * 2 : 16;
        Value *k = realloc(a->kept, (size_t)cap * sizeof(Value));
        if (!k) { fprintf(stderr, "tiny: out of memory\n"); abort(); }
        a->kept = k; a->capkept = cap;
    }
    a->kept[a->nkept++] = v;
}

void ast_free(AstArena *a)
{
    if (!a) return;
    for (int i = 0; i < a->nkept; i++) v_decref(a->kept[i]);
    free(a->kept);
    Chunk *c = a->chunks;
    while (c) { Chunk *n = c->next; free(c); c = n; }
    free(a);
}

static const char *const kind_names[] = {
    "Name", "Const", "JoinedStr", "Formatted", "Tuple", "List", "Set", "Dict", "BinOp",
    "UnaryOp", "BoolOp", "Compare", "Call", "Keyword", "Attribute", "Subscript", "Slice",
    "IfExp", "Lambda", "ListComp", "SetComp", "DictComp", "GenExp", "Comprehension",
    "Yield", "Starred", "Expr", "Assign", "AugAssign", "If", "While", "For", "Break",
    "Continue", "Pass", "Return", "FunctionDef", "ClassDef", "Try", "Handler", "Raise",
    "With", "WithItem", "Assert", "Delete", "Global", "Nonlocal", "Import", "ImportFrom",
    "Alias", "NamedExpr",
};
static const char *const binop_names[] = { "+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "@" };
static const char *const unop_names[] = { "-", "+", "~", "not" };
static const char *const cmp_names[] = { "<", "<=", "==", "!=", ">", ">=", "in", "not in", "is", "is not" };

static void dump_node(const Node *n, int ind, const char *label);

static void dump_list(const NodeList *l, int ind, const char *label)
{
    if (!l->n) return;
    printf("%*s%s:\n", ind, "", label);
    for (int i = 0; i < l->n; i++) dump_node(l->items[i], ind + 2, NULL);
}

static void dump_arg(const Arg *a, int ind, const char *label)
{
    printf("%*s%s %s\n", ind, "", label, a->name);
}

static void dump_node(const Node *n, int ind, const char *label)
{
    printf("%*s", ind, "");
    if (label) printf("%s: ", label);
    if (!n) { printf("<null>\n"); return; }
    printf("%s", (size_t)n->kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[n->kind] : "?");
    printf(" @%d:%d-%d:%d", n->line, n->col, n->end_line, n->end_col);
    if (n->id) printf(" id=%s", n->id);
    if (n->asname) printf(" as=%s", n->asname);
    if (n->ctx == CTX_STORE) printf(" store");
    if (n->ctx == CTX_DEL) printf(" del");
    switch (n->kind) {
    case E_BINOP: case S_AUGASSIGN: printf(" op=%s", binop_names[n->op]); break;
    case E_UNARYOP: printf(" op=%s", unop_names[n->op]); break;
    case E_BOOLOP: printf(" op=%s", n->op == BOOL_AND ? "and" : "or"); break;
    case E_FORMATTED: if (n->conversion) printf(" conv=%c", n->conversion); break;
    case E_COMPARE:
        for (int i = 0; i < n->comparators.n; i++) printf(" %s", cmp_names[n->ops[i]]);
        break;
    case E_CONST: {
        Value v = n->value;
        if (IS_NONE(v)) printf(" None");
        else if (IS_BOOL(v)) printf(" %s", AS_BOOL(v) ? "True" : "False");
        else if (IS_INT(v)) printf(" %lld", (long long)AS_INT(v));
        else if (IS_FLOAT(v)) printf(" %.17g", AS_FLOAT(v));
        else if (IS_STR(v)) printf(" '%.*s'", (int)STR_LEN(AS_OBJ(v)), STR_DATA(AS_OBJ(v)));
        else if (OBJ_IS(v, T_bytes)) printf(" b'%.*s'", (int)((Bytes *)AS_OBJ(v))->len, (const char *)((Bytes *)AS_OBJ(v))->data);
        else printf(" <obj>");
        break;
    }
    case S_GLOBAL: case S_NONLOCAL:
        for (int i = 0; i < n->nnames; i++) printf(" %s", n->names[i]);
        break;
    case S_IMPORTFROM: printf(" level=%d", n->level); break;
    default: break;
    }
    printf("\n");
    ind += 2;
    if (n->a) dump_node(n->a, ind, "a");
    if (n->b) dump_node(n->b, ind, "b");
    if (n->c) dump_node(n->c, ind, "c");
    if (n->arguments) {
        const Arguments *ar = n->arguments;
        printf("%*sargs: posonly=%d\n", ind, "", ar->nposonly);
        for (int i = 0; i < ar->nargs; i++) dump_arg(&ar->args[i], ind + 2, "arg");
        for (int i = 0; i < ar->ndefaults; i++) dump_node(ar->defaults[i], ind + 2, "default");
        if (ar->vararg) dump_arg(ar->vararg, ind + 2, "*");
        for (int i = 0; i < ar->nkwonly; i++) {
            dump_arg(&ar->kwonly[i], ind + 2, "kwonly");
            if (ar->kw_defaults[i]) dump_node(ar->kw_defaults[i], ind + 4, "default");
        }
        if (ar->kwarg) dump_arg(ar->kwarg, ind + 2, "**");
    }
    dump_list(&n->keys, ind, "keys");
    dump_list(&n->elts, ind, "elts");
    dump_list(&n->comparators, ind, "comparators");
    dump_list(&n->args, ind, "args");
    dump_list(&n->keywords, ind, "keywords");
    dump_list(&n->generators, ind, "generators");
    dump_list(&n->ifs, ind, "ifs");
    dump_list(&n->targets, ind, "targets");
    dump_list(&n->items, ind, "items");
    dump_list(&n->decorators, ind, "decorators");
    dump_list(&n->aliases, ind, "aliases");
    dump_list(&n->body, ind, "body");
    dump_list(&n->handlers, ind, "handlers");
    dump_list(&n->orelse, ind, "orelse");
    dump_list(&n->finalbody, ind, "finalbody");
}

void ast_dump(const NodeList *body, int indent)
{
    for (int i = 0; i < body->n; i++) dump_node(body->items[i], indent, NULL);
}
