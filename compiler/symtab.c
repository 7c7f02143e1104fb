/* symtab.c — scope analysis (see symtab.h). Errors are CPython 3.11's symtable errors. */
#include "symtab.h"
#include "exc.h"
#include "objects/str.h"
#include "state.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deepest expression/statement nesting the walkers accept. */
#define MAX_DEPTH 2000

/* realloc that aborts when memory runs out. */
static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) { fputs("tiny: out of memory\n", stderr); abort(); }
    return q;
}

int symtab_syntax_error(ThreadState *ts, Obj *filename, const char *src, int64_t srclen,
                        int line, int col, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *text = NULL;
    if (src && line >= 1) {
        int64_t i = 0;
        for (int l = 1; l < line && i < srclen; i++)
            if (src[i] == '\n') l++;
        int64_t j = i;
        while (j < srclen && src[j] != '\n') j++;
        if (i < srclen || line == 1) {
            if (j > i && src[j - 1] == '\r') j--;
            text = malloc((size_t)(j - i) + 1);
            if (text) {
                memcpy(text, src + i, (size_t)(j - i));
                text[j - i] = 0;
            }
        }
    }
    exc_syntax_error(ts, &T_SyntaxError, msg, filename, line, col < 0 ? 0 : col, text);
    free(text);
    return -1;
}

/* FNV-1a hash of a C string. */
static uint32_t name_hash(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

Symbol *symtab_lookup(Scope *s, const char *name) {
    if (!s->capindex) return NULL;
    uint32_t mask = (uint32_t)s->capindex - 1;
    for (uint32_t i = name_hash(name) & mask;; i = (i + 1) & mask) {
        int k = s->index[i];
        if (!k) return NULL;
        if (strcmp(s->syms[k - 1].name, name) == 0) return &s->syms[k - 1];
    }
}

/* Rebuilds the hash index at a new capacity. */
static void reindex(Scope *s, int cap) {
    free(s->index);
    s->index = calloc((size_t)cap, sizeof(int));
    if (!s->index) { fputs("tiny: out of memory\n", stderr); abort(); }
    s->capindex = cap;
    uint32_t mask = (uint32_t)cap - 1;
    for (int k = 0; k < s->nsyms; k++) {
        uint32_t i = name_hash(s->syms[k].name) & mask;
        while (s->index[i]) i = (i + 1) & mask;
        s->index[i] = k + 1;
    }
}

/* The symbol for name, created (with no flags) if missing. */
static Symbol *get_sym(Scope *s, const char *name) {
    Symbol *sym = symtab_lookup(s, name);
    if (sym) return sym;
    if (s->nsyms == s->capsyms) {
        s->capsyms = s->capsyms ? s->capsyms * 2 : 8;
        s->syms = xrealloc(s->syms, (size_t)s->capsyms * sizeof(Symbol));
    }
    sym = &s->syms[s->nsyms++];
    memset(sym, 0, sizeof *sym);
    sym->name = name;
    sym->slot = sym->deref = -1;
    if (s->nsyms * 2 > s->capindex) reindex(s, s->capindex ? s->capindex * 2 : 16);
    else {
        uint32_t mask = (uint32_t)s->capindex - 1;
        uint32_t i = name_hash(name) & mask;
        while (s->index[i]) i = (i + 1) & mask;
        s->index[i] = s->nsyms;
    }
    return sym;
}

/* A new scope, linked under parent. */
static Scope *new_scope(Scope *parent, ScopeKind kind, const char *name, Node *node) {
    Scope *s = calloc(1, sizeof(Scope));
    if (!s) { fputs("tiny: out of memory\n", stderr); abort(); }
    s->kind = kind;
    s->name = name;
    s->node = node;
    s->parent = parent;
    if (parent) {
        if (parent->nchildren == parent->capchildren) {
            parent->capchildren = parent->capchildren ? parent->capchildren * 2 : 4;
            parent->children = xrealloc(parent->children, (size_t)parent->capchildren * sizeof(Scope *));
        }
        parent->children[parent->nchildren++] = s;
    }
    return s;
}

/* Frees a scope and its children. */
static void free_scope(Scope *s) {
    for (int i = 0; i < s->nchildren; i++) free_scope(s->children[i]);
    free(s->children);
    free(s->syms);
    free(s->index);
    free(s->params);
    free(s);
}

void symtab_free(SymTable *st) {
    if (!st) return;
    if (st->top) free_scope(st->top);
    for (int i = 0; i < st->nstrs; i++) free(st->strs[i]);
    free(st->strs);
    free(st);
}

Scope *symtab_child(Scope *s, const Node *n) {
    for (int i = 0; i < s->nchildren; i++)
        if (s->children[i]->node == n) return s->children[i];
    return NULL;
}

/* ---- collection ---- */

/* A copy of n bytes of s owned by the table. */
static const char *st_strndup(SymTable *st, const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (!p) { fputs("tiny: out of memory\n", stderr); abort(); }
    memcpy(p, s, n);
    p[n] = 0;
    st->strs = xrealloc(st->strs, (size_t)(st->nstrs + 1) * sizeof(char *));
    st->strs[st->nstrs++] = p;
    return p;
}

/* Walker state: the table and the scope being filled. */
typedef struct Walk { SymTable *st; Scope *cur; int in_comp_iter; } Walk;

static int error_at(Walk *w, int line, int col, const char *fmt, const char *name) {
    return symtab_syntax_error(w->st->ts, w->st->filename, w->st->src, w->st->srclen,
                               line, col, fmt, name);
}

/* Records a use of name with flags in the current scope. */
static void add_def(Walk *w, const char *name, int flags) {
    Symbol *s = get_sym(w->cur, name);
    s->flags |= flags;
}

/* Adds a parameter (duplicate check as CPython). */
static int add_param(Walk *w, const Arg *a) {
    Symbol *s = symtab_lookup(w->cur, a->name);
    if (s && (s->flags & SYM_PARAM))
        return error_at(w, a->line, a->col, "duplicate argument '%s' in function definition", a->name);
    add_def(w, a->name, SYM_PARAM);
    Scope *c = w->cur;
    c->params = xrealloc(c->params, (size_t)(c->nparams + 1) * sizeof(char *));
    c->params[c->nparams++] = a->name;
    return 0;
}

static int walk_expr(Walk *w, Node *n);
static int walk_stmts(Walk *w, const NodeList *l);

/* Walks a list of expressions (NULL entries skipped). */
static int walk_exprs(Walk *w, const NodeList *l) {
    for (int i = 0; i < l->n; i++)
        if (l->items[i] && walk_expr(w, l->items[i]) < 0) return -1;
    return 0;
}

/* Walks the defaults of a parameter list (evaluated in the enclosing scope). */
static int walk_defaults(Walk *w, const Arguments *a) {
    if (!a) return 0;
    for (int i = 0; i < a->ndefaults; i++)
        if (a->defaults[i] && walk_expr(w, a->defaults[i]) < 0) return -1;
    for (int i = 0; i < a->nkwonly; i++)
        if (a->kw_defaults && a->kw_defaults[i] && walk_expr(w, a->kw_defaults[i]) < 0) return -1;
    return 0;
}

/* Declares the parameters of a function scope in locals order. */
static int walk_params(Walk *w, const Arguments *a) {
    if (!a) return 0;
    for (int i = 0; i < a->nargs; i++)
        if (add_param(w, &a->args[i]) < 0) return -1;
    for (int i = 0; i < a->nkwonly; i++)
        if (add_param(w, &a->kwonly[i]) < 0) return -1;
    if (a->vararg && add_param(w, a->vararg) < 0) return -1;
    if (a->kwarg && add_param(w, a->kwarg) < 0) return -1;
    return 0;
}

/* Walks a comprehension: outermost iterable here, the rest in a new function scope. */
/* Flags the names bound by a comprehension's for target as its iteration variables. */
static void mark_comp_iter(Walk *w, Node *t) {
    if (t->kind == E_NAME) add_def(w, t->id, SYM_COMP_ITER);
    else if (t->kind == E_STARRED) mark_comp_iter(w, t->a);
    else if (t->kind == E_TUPLE || t->kind == E_LIST)
        for (int i = 0; i < t->elts.n; i++) mark_comp_iter(w, t->elts.items[i]);
}

/* a := b: binds a in the current scope or, inside comprehensions, in the nearest
 * enclosing function (nonlocal) or module (global), as CPython does. */
static int walk_namedexpr(Walk *w, Node *n) {
    if (w->in_comp_iter)
        return error_at(w, n->line, n->col, "%s", "assignment expression cannot be used in a comprehension iterable expression");
    if (walk_expr(w, n->b) < 0) return -1;
    const char *name = n->a->id;
    Scope *s = w->cur;
    if (!s->comprehension) { add_def(w, name, SYM_ASSIGNED); return 0; }
    for (; s->comprehension; s = s->parent) {
        Symbol *sym = symtab_lookup(s, name);
        if (sym && (sym->flags & SYM_COMP_ITER))
            return error_at(w, n->line, n->col, "assignment expression cannot rebind comprehension iteration variable '%s'", name);
    }
    if (s->kind == SCOPE_CLASS)
        return error_at(w, n->line, n->col, "%s", "assignment expression within a comprehension cannot be used in a class body");
    int how = s->kind == SCOPE_MODULE ? SYM_GLOBAL : SYM_NONLOCAL;
    for (Scope *c = w->cur; c != s; c = c->parent) {
        Symbol *sym = get_sym(c, name);
        sym->flags |= SYM_ASSIGNED | how;
        sym->line = n->line;
        sym->col = n->col;
    }
    get_sym(s, name)->flags |= SYM_ASSIGNED;
    return 0;
}

static int walk_comprehension(Walk *w, Node *n, const char *name) {
    if (n->generators.n == 0) return 0;
    Node *g0 = n->generators.items[0];
    w->in_comp_iter++;
    int ri = walk_expr(w, g0->b);
    w->in_comp_iter--;
    if (ri < 0) return -1;
    Scope *saved = w->cur;
    Scope *s = new_scope(saved, SCOPE_FUNCTION, name, n);
    s->comprehension = true;
    if (n->kind == E_GENEXP) s->generator = true;
    w->cur = s;
    static const Arg dot0 = { ".0", 0, 0 };
    int r = add_param(w, &dot0);
    add_def(w, ".0", SYM_USED);
    for (int i = 0; r == 0 && i < n->generators.n; i++) {
        Node *g = n->generators.items[i];
        if (i > 0) {
            w->in_comp_iter++;
            r = walk_expr(w, g->b);
            w->in_comp_iter--;
        }
        if (r < 0) break;
        if (walk_expr(w, g->a) < 0) { r = -1; break; }
        mark_comp_iter(w, g->a);
        if (walk_exprs(w, &g->ifs) < 0) r = -1;
    }
    if (r == 0 && n->a && walk_expr(w, n->a) < 0) r = -1;
    if (r == 0 && n->kind == E_DICTCOMP && n->b && walk_expr(w, n->b) < 0) r = -1;
    w->cur = saved;
    return r;
}

static int walk_expr(Walk *w, Node *n) {
    if (!n) return 0;
    if (++w->st->depth > MAX_DEPTH) {
        exc_raise(w->st->ts, &T_RecursionError, "maximum recursion depth exceeded during compilation");
        return -1;
    }
    int r = 0;
    switch (n->kind) {
    case E_NAME:
        if (n->ctx == CTX_LOAD) {
            add_def(w, n->id, SYM_USED);
            if (w->cur->kind == SCOPE_FUNCTION && strcmp(n->id, "super") == 0)
                add_def(w, "__class__", SYM_USED);
        } else {
            add_def(w, n->id, SYM_ASSIGNED);
        }
        break;
    case E_CONST: break;
    case E_JOINEDSTR: case E_TUPLE: case E_LIST: case E_SET: case E_BOOLOP:
        r = walk_exprs(w, &n->elts);
        break;
    case E_FORMATTED:
        if (walk_expr(w, n->a) < 0 || walk_expr(w, n->b) < 0) r = -1;
        break;
    case E_DICT:
        for (int i = 0; r == 0 && i < n->elts.n; i++) {
            if (i < n->keys.n && n->keys.items[i] && walk_expr(w, n->keys.items[i]) < 0) r = -1;
            else if (walk_expr(w, n->elts.items[i]) < 0) r = -1;
        }
        break;
    case E_BINOP:
        if (walk_expr(w, n->a) < 0 || walk_expr(w, n->b) < 0) r = -1;
        break;
    case E_UNARYOP: case E_STARRED: case E_ATTRIBUTE: case E_KEYWORD:
        r = walk_expr(w, n->a);
        break;
    case E_COMPARE:
        if (walk_expr(w, n->a) < 0 || walk_exprs(w, &n->comparators) < 0) r = -1;
        break;
    case E_CALL:
        if (walk_expr(w, n->a) < 0 || walk_exprs(w, &n->args) < 0 || walk_exprs(w, &n->keywords) < 0) r = -1;
        break;
    case E_SUBSCRIPT:
        if (walk_expr(w, n->a) < 0 || walk_expr(w, n->b) < 0) r = -1;
        break;
    case E_SLICE: case E_IFEXP:
        if (walk_expr(w, n->a) < 0 || walk_expr(w, n->b) < 0 || walk_expr(w, n->c) < 0) r = -1;
        break;
    case E_LAMBDA: {
        if (walk_defaults(w, n->arguments) < 0) { r = -1; break; }
        Scope *saved = w->cur;
        w->cur = new_scope(saved, SCOPE_FUNCTION, "<lambda>", n);
        if (walk_params(w, n->arguments) < 0 || walk_expr(w, n->a) < 0) r = -1;
        w->cur = saved;
        break;
    }
    case E_LISTCOMP: r = walk_comprehension(w, n, "<listcomp>"); break;
    case E_SETCOMP: r = walk_comprehension(w, n, "<setcomp>"); break;
    case E_DICTCOMP: r = walk_comprehension(w, n, "<dictcomp>"); break;
    case E_GENEXP: r = walk_comprehension(w, n, "<genexpr>"); break;
    case E_NAMEDEXPR: r = walk_namedexpr(w, n); break;
    case E_YIELD: {
        Scope *c = w->cur;
        if (c->kind != SCOPE_FUNCTION) {
            r = error_at(w, n->line, n->col, "%s", "'yield' outside function");
            break;
        }
        if (c->comprehension) {
            const char *what = strcmp(c->name, "<listcomp>") == 0 ? "list comprehension"
                             : strcmp(c->name, "<setcomp>") == 0 ? "set comprehension"
                             : strcmp(c->name, "<dictcomp>") == 0 ? "dict comprehension"
                             : "generator expression";
            r = error_at(w, n->line, n->col, "'yield' inside %s", what);
            break;
        }
        c->generator = true;
        r = walk_expr(w, n->a);
        break;
    }
    default: break;
    }
    w->st->depth--;
    return r;
}

/* Handles a global or nonlocal statement. */
static int walk_decl(Walk *w, Node *n, bool is_global) {
    const char *kw = is_global ? "global" : "nonlocal";
    if (!is_global && w->cur->kind == SCOPE_MODULE)
        return error_at(w, n->line, n->col, "%s", "nonlocal declaration not allowed at module level");
    for (int i = 0; i < n->nnames; i++) {
        const char *name = n->names[i];
        Symbol *s = symtab_lookup(w->cur, name);
        int f = s ? s->flags : 0;
        char fmt[96];
        if (f & (SYM_PARAM | SYM_ASSIGNED | SYM_USED)) {
            if (f & SYM_PARAM) snprintf(fmt, sizeof fmt, "name '%%s' is parameter and %s", kw);
            else if (f & SYM_USED) snprintf(fmt, sizeof fmt, "name '%%s' is used prior to %s declaration", kw);
            else snprintf(fmt, sizeof fmt, "name '%%s' is assigned to before %s declaration", kw);
            return error_at(w, n->line, n->col, fmt, name);
        }
        if ((is_global && (f & SYM_NONLOCAL)) || (!is_global && (f & SYM_GLOBAL)))
            return error_at(w, s->line, s->col, "name '%s' is nonlocal and global", name);
        s = get_sym(w->cur, name);
        s->flags |= is_global ? SYM_GLOBAL : SYM_NONLOCAL;
        s->line = n->line;
        s->col = n->col;
    }
    return 0;
}

/* Walks one statement. */
static int walk_stmt(Walk *w, Node *n) {
    if (++w->st->depth > MAX_DEPTH) {
        exc_raise(w->st->ts, &T_RecursionError, "maximum recursion depth exceeded during compilation");
        return -1;
    }
    int r = 0;
    switch (n->kind) {
    case S_EXPR: r = walk_expr(w, n->a); break;
    case S_ASSIGN:
        if (walk_expr(w, n->a) < 0 || walk_exprs(w, &n->targets) < 0) r = -1;
        break;
    case S_AUGASSIGN:
        /* the target is both read and written */
        if (n->a && n->a->kind == E_NAME) add_def(w, n->a->id, SYM_USED | SYM_ASSIGNED);
        else if (walk_expr(w, n->a) < 0) { r = -1; break; }
        r = walk_expr(w, n->b);
        break;
    case S_IF: case S_WHILE:
        if (walk_expr(w, n->a) < 0 || walk_stmts(w, &n->body) < 0 || walk_stmts(w, &n->orelse) < 0) r = -1;
        break;
    case S_FOR:
        if (walk_expr(w, n->b) < 0 || walk_expr(w, n->a) < 0 || walk_stmts(w, &n->body) < 0 ||
            walk_stmts(w, &n->orelse) < 0) r = -1;
        break;
    case S_RETURN: r = walk_expr(w, n->a); break;
    case S_FUNCDEF: {
        if (walk_exprs(w, &n->decorators) < 0 || walk_defaults(w, n->arguments) < 0) { r = -1; break; }
        add_def(w, n->id, SYM_ASSIGNED);
        Scope *saved = w->cur;
        w->cur = new_scope(saved, SCOPE_FUNCTION, n->id, n);
        if (walk_params(w, n->arguments) < 0 || walk_stmts(w, &n->body) < 0) r = -1;
        w->cur = saved;
        break;
    }
    case S_CLASSDEF: {
        if (walk_exprs(w, &n->decorators) < 0 || walk_exprs(w, &n->args) < 0 ||
            walk_exprs(w, &n->keywords) < 0) { r = -1; break; }
        add_def(w, n->id, SYM_ASSIGNED);
        Scope *saved = w->cur;
        w->cur = new_scope(saved, SCOPE_CLASS, n->id, n);
        r = walk_stmts(w, &n->body);
        w->cur = saved;
        break;
    }
    case S_TRY:
        if (walk_stmts(w, &n->body) < 0 || walk_stmts(w, &n->handlers) < 0 ||
            walk_stmts(w, &n->orelse) < 0 || walk_stmts(w, &n->finalbody) < 0) r = -1;
        break;
    case S_HANDLER:
        if (walk_expr(w, n->a) < 0) { r = -1; break; }
        if (n->id) add_def(w, n->id, SYM_ASSIGNED);
        r = walk_stmts(w, &n->body);
        break;
    case S_RAISE:
        if (walk_expr(w, n->a) < 0 || walk_expr(w, n->b) < 0) r = -1;
        break;
    case S_WITH:
        for (int i = 0; r == 0 && i < n->items.n; i++) {
            Node *it = n->items.items[i];
            if (walk_expr(w, it->a) < 0 || walk_expr(w, it->b) < 0) r = -1;
        }
        if (r == 0) r = walk_stmts(w, &n->body);
        break;
    case S_ASSERT:
        if (walk_expr(w, n->a) < 0 || walk_expr(w, n->b) < 0) r = -1;
        break;
    case S_DELETE: r = walk_exprs(w, &n->targets); break;
    case S_GLOBAL: r = walk_decl(w, n, true); break;
    case S_NONLOCAL: r = walk_decl(w, n, false); break;
    case S_IMPORT:
        for (int i = 0; i < n->aliases.n; i++) {
            Node *al = n->aliases.items[i];
            if (al->asname) add_def(w, al->asname, SYM_ASSIGNED);
            else {
                const char *dot = strchr(al->id, '.');
                if (dot) add_def(w, st_strndup(w->st, al->id, (size_t)(dot - al->id)), SYM_ASSIGNED);
                else add_def(w, al->id, SYM_ASSIGNED);
            }
        }
        break;
    case S_IMPORTFROM:
        for (int i = 0; i < n->aliases.n; i++) {
            Node *al = n->aliases.items[i];
            if (strcmp(al->id, "*") == 0) {
                if (w->cur->kind != SCOPE_MODULE)
                    return error_at(w, al->line, al->col, "%s", "import * only allowed at module level");
                continue;
            }
            add_def(w, al->asname ? al->asname : al->id, SYM_ASSIGNED);
        }
        break;
    default: break;
    }
    w->st->depth--;
    return r;
}

static int walk_stmts(Walk *w, const NodeList *l) {
    for (int i = 0; i < l->n; i++)
        if (walk_stmt(w, l->items[i]) < 0) return -1;
    return 0;
}

/* ---- analysis ---- */

/* Whether a symbol binds its name locally in a function scope. */
static bool binds_locally(const Symbol *s) {
    return (s->flags & (SYM_ASSIGNED | SYM_PARAM)) && !(s->flags & (SYM_GLOBAL | SYM_NONLOCAL));
}

/* Marks name as passing through scope s (between a use and its binding). */
static void mark_passthrough(Scope *s, const char *name) {
    Symbol *sym = get_sym(s, name);
    if (s->kind == SCOPE_CLASS) {
        if (sym->scope == SC_FREE) return;
        if (sym->flags & (SYM_ASSIGNED | SYM_GLOBAL)) { sym->flags |= SYM_FREE_CLASS; return; }
    }
    sym->scope = SC_FREE;
}

/* Resolves a name not bound in s by walking outward: 1 found (and marked), 0 global. */
static int resolve_free(Scope *s, const char *name) {
    bool is_class_name = strcmp(name, "__class__") == 0;
    for (Scope *p = s->parent; p; p = p->parent) {
        if (p->kind == SCOPE_MODULE) return 0;
        if (p->kind == SCOPE_CLASS) {
            if (is_class_name) {
                p->class_cell = true;
                Symbol *cs = get_sym(p, name);
                if (cs->scope != SC_FREE) cs->scope = SC_CELL;
                for (Scope *q = s->parent; q != p; q = q->parent) mark_passthrough(q, name);
                return 1;
            }
            continue;
        }
        Symbol *sym = symtab_lookup(p, name);
        if (!sym || sym->flags == 0) continue;
        if (sym->flags & SYM_GLOBAL) return 0;
        if (sym->flags & SYM_NONLOCAL) continue;
        if (binds_locally(sym)) {
            sym->scope = SC_CELL;
            for (Scope *q = s->parent; q != p; q = q->parent) mark_passthrough(q, name);
            return 1;
        }
    }
    return 0;
}

/* Resolves every name of a scope, then its children (outer scopes first). */
static int analyze(SymTable *st, Scope *s) {
    for (int i = 0; i < s->nsyms; i++) {
        Symbol *sym = &s->syms[i];
        if (sym->flags == 0 || sym->flags == SYM_FREE_CLASS) continue; /* added by a child */
        if (s->kind == SCOPE_MODULE) {
            sym->scope = (sym->flags & SYM_GLOBAL) ? SC_GLOBAL_EXPLICIT : SC_GLOBAL_IMPLICIT;
            continue;
        }
        if (sym->flags & SYM_GLOBAL) {
            sym->scope = SC_GLOBAL_EXPLICIT;
        } else if (sym->flags & SYM_NONLOCAL) {
            if (!resolve_free(s, sym->name) || strcmp(sym->name, "__class__") == 0) {
                return symtab_syntax_error(st->ts, st->filename, st->src, st->srclen, sym->line,
                                           sym->col, "no binding for nonlocal '%s' found", sym->name);
            }
            sym->scope = SC_FREE;
        } else if (sym->flags & (SYM_ASSIGNED | SYM_PARAM)) {
            if (sym->scope != SC_CELL) sym->scope = SC_LOCAL;
        } else if (sym->scope == SC_FREE || sym->scope == SC_CELL) {
            /* already marked by an inner scope */
        } else {
            sym->scope = resolve_free(s, sym->name) ? SC_FREE : SC_GLOBAL_IMPLICIT;
        }
    }
    for (int i = 0; i < s->nchildren; i++)
        if (analyze(st, s->children[i]) < 0) return -1;
    return 0;
}

SymTable *symtab_build(ThreadState *ts, const NodeList *body, Obj *filename,
                       const char *src, int64_t srclen) {
    SymTable *st = calloc(1, sizeof(SymTable));
    if (!st) { fputs("tiny: out of memory\n", stderr); abort(); }
    st->ts = ts;
    st->filename = filename;
    st->src = src;
    st->srclen = srclen;
    st->top = new_scope(NULL, SCOPE_MODULE, "top", NULL);
    Walk w = { st, st->top, 0 };
    if (walk_stmts(&w, body) < 0 || analyze(st, st->top) < 0) {
        symtab_free(st);
        return NULL;
    }
    return st;
}
