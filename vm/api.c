/* api.c — what the command line calls (vm/api.h): interpreter start-up, running a
 * file, a string or a REPL entry as __main__, turning uncaught exceptions into exit
 * statuses, disassembly, REPL completion and the SIGINT entry point.
 * Keeps no state of its own: __main__ lives in sys.modules, the thread in the_interp. */
#include "api.h"
#include "objects/func.h"
#include "objects/class.h"
#include "state.h"
#include "object.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "exc.h"
#include "eval.h"
#include "code.h"
#include "dis.h"
#include "module.h"
#include "hooks.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>
#if defined(__SANITIZE_ADDRESS__)
#define TINY_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TINY_LSAN 1
#endif
#endif
#ifdef TINY_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* Exit status after an uncaught KeyboardInterrupt (128 + SIGINT, as CPython's shell sees it). */
#define EXIT_SIGINT 130
/* Exit status when the program cannot even be opened (CPython's). */
#define EXIT_NOFILE 2

static ThreadState *main_ts(void) { return the_interp.main_ts; }

/* ---- start-up ---- */

/* Empties a list in place (keeping the object, which sys may already refer to). */
static void list_reset(Obj *l) {
    List *lst = (List *)l;
    while (lst->len > 0) {
        Value v = lst->items[--lst->len];
        v_decref(v);
    }
}

static void list_insert_front(Obj *l, Value v) {
    List *lst = (List *)l;
    list_append(l, v);                       /* grows the array; v incref'd */
    memmove(lst->items + 1, lst->items, (size_t)(lst->len - 1) * sizeof(Value));
    lst->items[0] = v;
}

static void list_append_cstr(Obj *l, const char *s) {
    Obj *o = str_from_cstr(s);
    list_append_steal(l, V_OBJ(o));
}

/* The __main__ module (borrowed), created and registered in sys.modules if missing. */
static Obj *main_module(void) {
    Value m = dict_get_str(the_interp.modules, NAME(__main__));
    if (!IS_NULL(m) && OBJ_IS(m, T_module)) return AS_OBJ(m);
    Obj *mod = module_new(NAME(__main__));
    dict_set_str(MODULE_DICT(mod), NAME(__builtins__), V_OBJ(the_interp.builtins_module));
    dict_set_str(the_interp.modules, NAME(__main__), V_OBJ(mod));
    o_decref(mod);                           /* sys.modules keeps it alive */
    return mod;
}

static Obj *main_globals(void) { return MODULE_DICT(main_module()); }

void tiny_init(int argc, char **argv, const char *script_dir) {
    ThreadState *ts = interp_init();
    the_interp.main_ts = ts;
#ifdef TINY_DEBUG
    the_interp.debug_leaks = 1;
#endif
    if (!the_interp.argv) the_interp.argv = list_new(argc > 0 ? argc : 1);
    list_reset(the_interp.argv);
    for (int i = 0; i < argc; i++) list_append_cstr(the_interp.argv, argv[i]);
    if (argc == 0) list_append_cstr(the_interp.argv, "");

    if (!the_interp.path) the_interp.path = list_new(4);
    Obj *dir = str_from_cstr(script_dir ? script_dir : "");
    if (((List *)the_interp.path)->len == 0) {
        list_append_steal(the_interp.path, V_OBJ(dir));
        /* TINYPATH: extra module directories, ':'-separated, like PYTHONPATH. */
        const char *tp = getenv("TINYPATH");
        while (tp && *tp) {
            const char *colon = strchr(tp, ':');
            int64_t n = colon ? (int64_t)(colon - tp) : (int64_t)strlen(tp);
            if (n > 0) list_append_steal(the_interp.path, V_OBJ(str_new(tp, n)));
            tp = colon ? colon + 1 : NULL;
        }
    } else {
        list_insert_front(the_interp.path, V_OBJ(dir));
        o_decref(dir);
    }
    (void)main_module();
}

/* ---- uncaught exceptions ---- */

/* The status for an uncaught SystemExit (CPython's rules), printing a non-int code. */
static int system_exit_status(ThreadState *ts, Value exc) {
    Value code = obj_getattr_opt(ts, exc, NAME(code));
    if (IS_NULL(code)) {
        exc_clear(ts);
        Exc *e = (Exc *)AS_OBJ(exc);
        Tuple *args = (Tuple *)e->args;
        if (!args || args->len == 0) code = V_NONE;
        else if (args->len == 1) code = v_new(args->items[0]);
        else code = v_new(V_OBJ(e->args));
    }
    int status;
    if (IS_NONE(code)) status = 0;
    else if (IS_INTLIKE(code)) status = (int)AS_INT(code);
    else {
        vm_hooks.flush_std(ts);
        if (obj_print(ts, code, stderr, false) < 0) exc_clear(ts);
        fputc('\n', stderr);
        fflush(stderr);
        status = 1;
    }
    v_decref(code);
    return status;
}

/* Handles the pending exception of a run: SystemExit gives its status (*is_exit set);
 * anything else is printed as a traceback. Returns the exit status. */
static int handle_uncaught(ThreadState *ts, bool *is_exit) {
    Value exc = exc_fetch(ts);
    *is_exit = false;
    if (IS_NULL(exc)) return 1;
    int status;
    if (obj_isinstance(exc, &T_SystemExit)) {
        *is_exit = true;
        status = system_exit_status(ts, exc);
    } else {
        vm_hooks.flush_std(ts);
        exc_print(ts, exc, stderr);
        fflush(stderr);
        status = obj_isinstance(exc, &T_KeyboardInterrupt) ? EXIT_SIGINT : 1;
    }
    v_decref(exc);
    exc_clear(ts);
    return status;
}

/* ---- running code ---- */

/* Compiles and runs src in __main__; returns the exit status. */
static int run_main(ThreadState *ts, const char *src, int64_t len, const char *filename,
                    bool register_source) {
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) { src += 3; len -= 3; }  /* BOM */
    Obj *fname = str_from_cstr(filename);
    if (register_source) {
        Obj *text = str_new(src, len);
        exc_register_source(fname, text);
        o_decref(text);
    }
    int incomplete = 0;
    Obj *code = vm_hooks.compile(ts, src, len, fname, COMP_FILE, &incomplete);
    o_decref(fname);
    bool is_exit;
    if (!code) return handle_uncaught(ts, &is_exit);
    Value r = vm_run_code(ts, (Code *)code, main_globals(), main_globals());
    o_decref(code);
    if (IS_NULL(r)) return handle_uncaught(ts, &is_exit);
    v_decref(r);
    return 0;
}

/* Reads a whole file into a malloc'ed NUL-terminated buffer; NULL with errno set. */
static char *read_file(const char *path, int64_t *len_out) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(fp);
        errno = EISDIR;
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf) { fclose(fp); errno = ENOMEM; return NULL; }
    for (;;) {
        if (cap - len < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) { free(buf); fclose(fp); errno = ENOMEM; return NULL; }
            buf = nb;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, fp);
        len += n;
        if (n == 0) {
            if (ferror(fp)) {
                int err = errno ? errno : EIO;
                free(buf);
                fclose(fp);
                errno = err;
                return NULL;
            }
            break;
        }
    }
    fclose(fp);
    buf[len] = '\0';
    *len_out = (int64_t)len;
    return buf;
}

static int cant_open(const char *path, int err) {
    fflush(stdout);
    fprintf(stderr, "tiny: can't open file '%s': [Errno %d] %s\n", path, err, strerror(err));
    return EXIT_NOFILE;
}

int tiny_run_file(const char *path) {
    ThreadState *ts = main_ts();
    int64_t len = 0;
    char *src = read_file(path, &len);
    if (!src) return cant_open(path, errno);
    Obj *fname = str_from_cstr(path);
    dict_set_str(main_globals(), NAME(__file__), V_OBJ(fname));
    o_decref(fname);
    int status = run_main(ts, src, len, path, true);
    free(src);
    return status;
}

int tiny_run_source(const char *src, const char *filename) {
    ThreadState *ts = main_ts();
    if (strcmp(filename, "<stdin>") == 0) {
        Obj *fname = str_from_cstr(filename);
        dict_set_str(main_globals(), NAME(__file__), V_OBJ(fname));
        o_decref(fname);
    }
    /* Like CPython, tracebacks of "<string>" and "<stdin>" code show no source lines. */
    return run_main(ts, src, (int64_t)strlen(src), filename, false);
}

/* Whether src ends with an empty line (the line that ends a compound REPL entry). */
static bool ends_with_blank_line(const char *src) {
    size_t n = strlen(src);
    while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\t' || src[n - 1] == '\r')) n--;
    if (n == 0 || src[n - 1] != '\n') return n == 0;
    n--;
    while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\t' || src[n - 1] == '\r')) n--;
    return n == 0 || src[n - 1] == '\n';
}

int tiny_repl_exec(const char *src, bool *incomplete, int *exit_code) {
    ThreadState *ts = main_ts();
    the_interp.interactive = 1;
    *incomplete = false;
    *exit_code = -1;
    Obj *fname = str_from_cstr("<stdin>");
    int64_t len = (int64_t)strlen(src);
    int inc = 0;
    Obj *code = vm_hooks.compile(ts, src, len, fname, COMP_SINGLE, &inc);
    if (!code && inc && ends_with_blank_line(src)) {
        /* An empty line ends the entry: what is still missing is an error (CPython's
         * "expected an indented block"), which file mode reports precisely. */
        exc_clear(ts);
        int inc2 = 0;
        code = vm_hooks.compile(ts, src, len, fname, COMP_FILE, &inc2);
        if (code) {          /* cannot really happen; run nothing */
            o_decref(code);
            o_decref(fname);
            return 0;
        }
        inc = 0;
    }
    o_decref(fname);
    if (!code) {
        if (inc) {
            exc_clear(ts);
            *incomplete = true;
            return 0;
        }
        bool is_exit;
        handle_uncaught(ts, &is_exit);
        return 1;
    }
    Value r = vm_run_code(ts, (Code *)code, main_globals(), main_globals());
    o_decref(code);
    vm_hooks.flush_std(ts);
    if (IS_NULL(r)) {
        bool is_exit;
        int status = handle_uncaught(ts, &is_exit);
        if (is_exit) *exit_code = status < 0 ? (status & 0xff) : status;
        return 1;
    }
    v_decref(r);
    return 0;
}

int tiny_dis_file(const char *path) {
    ThreadState *ts = main_ts();
    int64_t len = 0;
    char *src = read_file(path, &len);
    if (!src) return cant_open(path, errno);
    const char *s = src;
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) { s += 3; len -= 3; }
    Obj *fname = str_from_cstr(path);
    Obj *text = str_new(s, len);
    exc_register_source(fname, text);
    o_decref(text);
    int incomplete = 0;
    Obj *code = vm_hooks.compile(ts, s, len, fname, COMP_FILE, &incomplete);
    o_decref(fname);
    free(src);
    if (!code) {
        bool is_exit;
        return handle_uncaught(ts, &is_exit);
    }
    dis_code(stdout, (Code *)code);
    fflush(stdout);
    o_decref(code);
    return 0;
}

/* ---- completion ---- */

static const char *const keywords[] = {
    "False", "None", "True", "and", "as", "assert", "break", "class", "continue", "def",
    "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
    "while", "with", "yield", NULL
};

/* A growable array of malloc'ed strings. */
typedef struct Matches { char **items; size_t len, cap; } Matches;

static void matches_add(Matches *m, const char *prefix, size_t plen, const char *name,
                        size_t nlen, bool paren) {
    for (size_t i = 0; i < m->len; i++) {           /* no duplicates */
        const char *it = m->items[i];
        if (strncmp(it, prefix, plen) == 0 && strncmp(it + plen, name, nlen) == 0 &&
            (it[plen + nlen] == '\0' || (it[plen + nlen] == '(' && it[plen + nlen + 1] == '\0')))
            return;
    }
    if (m->len + 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 32;
        char **ni = realloc(m->items, cap * sizeof(char *));
        if (!ni) return;
        m->items = ni;
        m->cap = cap;
    }
    char *s = malloc(plen + nlen + 2);
    if (!s) return;
    memcpy(s, prefix, plen);
    memcpy(s + plen, name, nlen);
    size_t n = plen + nlen;
    if (paren) s[n++] = '(';
    s[n] = '\0';
    m->items[m->len++] = s;
}

/* Whether a value is callable (for the '(' CPython's completer appends). */
static bool is_callable(Value v) {
    if (!IS_OBJ(v)) return false;
    if (OBJ_IS(v, T_classmethod) || OBJ_IS(v, T_staticmethod)) return true;
    return obj_type(v)->call != NULL;
}

/* Whether a name is hidden for this attribute prefix (CPython's rlcompleter rules). */
static bool hidden_name(const char *name, const char *prefix) {
    if (prefix[0] == '\0') return name[0] == '_';
    if (prefix[0] == '_' && prefix[1] == '\0') return name[0] == '_' && name[1] == '_';
    return false;
}

/* Adds the str keys of a dict starting with `start` (as prefix + key). */
static void add_dict_names(Matches *m, Obj *dict, const char *prefix, size_t plen,
                           const char *start, bool attr) {
    if (!dict) return;
    size_t slen = strlen(start);
    int64_t pos = 0;
    Value k, v;
    while (dict_next(dict, &pos, &k, &v)) {
        if (!IS_STR(k)) continue;
        const char *name = STR_DATA(AS_OBJ(k));
        size_t nlen = (size_t)STR_LEN(AS_OBJ(k));
        if (nlen < slen || strncmp(name, start, slen) != 0) continue;
        if (strlen(name) != nlen) continue;            /* embedded NUL */
        if (attr && hidden_name(name, start)) continue;
        matches_add(m, prefix, plen, name, nlen, is_callable(v));
    }
}

/* The __dict__ of an object, if it has one (borrowed, may be NULL). */
static Obj *value_dict(Value v) {
    if (!IS_OBJ(v)) return NULL;
    Type *t = obj_type(v);
    if (t == &T_module) return MODULE_DICT(AS_OBJ(v));
    if (t->flags & TF_HAS_DICT) return instance_dict(AS_OBJ(v), false);
    if (t->flags & TF_EXCEPTION) return ((Instance *)AS_OBJ(v))->dict;
    if (t == &T_function) return ((Func *)AS_OBJ(v))->dict;
    return NULL;
}

/* Looks an attribute up without running any code: the object's __dict__, then (for a
 * class) its own dicts, then its type's dicts. Borrowed, V_NULL if not found. */
static Value plain_attr(Value v, Obj *name) {
    Obj *d = value_dict(v);
    if (d) {
        Value r = dict_get_str(d, name);
        if (!IS_NULL(r)) return r;
    }
    if (IS_TYPE(v)) {
        Value r = type_lookup(AS_TYPE(v), name);
        if (!IS_NULL(r)) return r;
    }
    Value r = type_lookup(obj_type(v), name);
    /* A descriptor's value would need code to compute: stop there. */
    if (!IS_NULL(r) && (OBJ_IS(r, T_property))) return V_NULL;
    return r;
}

static bool is_ident_char(char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (unsigned char)c >= 0x80;
}

char **tiny_complete(const char *text) {
    Matches m = { NULL, 0, 0 };
    if (!the_interp.main_ts) goto done;
    const char *dot = strrchr(text, '.');
    if (!dot) {
        size_t tlen = strlen(text);
        for (int i = 0; keywords[i]; i++)
            if (strncmp(keywords[i], text, tlen) == 0)
                matches_add(&m, "", 0, keywords[i], strlen(keywords[i]), false);
        add_dict_names(&m, main_globals(), "", 0, text, false);
        add_dict_names(&m, the_interp.builtins, "", 0, text, false);
        goto done;
    }
    /* "a.b.c": resolve the plain dotted name a.b by dictionary lookups only. */
    size_t plen = (size_t)(dot - text) + 1;
    const char *start = dot + 1;
    Value cur = V_NULL;
    const char *p = text;
    while (p < dot) {
        const char *q = p;
        while (q < dot && *q != '.') q++;
        if (q == p) goto done;
        for (const char *c = p; c < q; c++)
            if (!is_ident_char(*c) || (c == p && *c >= '0' && *c <= '9')) goto done;
        Obj *name = str_intern_n(p, (int64_t)(q - p));
        if (IS_NULL(cur)) {
            cur = dict_get_str(main_globals(), name);
            if (IS_NULL(cur)) cur = dict_get_str(the_interp.builtins, name);
        } else {
            cur = plain_attr(cur, name);
        }
        if (IS_NULL(cur)) goto done;
        p = q + 1;
    }
    if (IS_NULL(cur)) goto done;
    add_dict_names(&m, value_dict(cur), text, plen, start, true);
    if (IS_TYPE(cur))
        for (Type *t = AS_TYPE(cur); t; t = t->base) add_dict_names(&m, t->dict, text, plen, start, true);
    for (Type *t = obj_type(cur); t; t = t->base) add_dict_names(&m, t->dict, text, plen, start, true);
done:;
    char **out = malloc((m.len + 1) * sizeof(char *));
    if (!out) {
        for (size_t i = 0; i < m.len; i++) free(m.items[i]);
        free(m.items);
        return NULL;
    }
    for (size_t i = 0; i < m.len; i++) out[i] = m.items[i];
    out[m.len] = NULL;
    free(m.items);
    return out;
}

/* ---- signals and shutdown ---- */

void tiny_interrupt(void) {
    the_interp.sigint_pending = 1;
    ThreadState *ts = the_interp.main_ts;
    if (ts) __atomic_fetch_or(&ts->eval_breaker, 1, __ATOMIC_RELAXED);
}

int tiny_fini(int status) {
    ThreadState *ts = the_interp.main_ts;
    if (ts) {
        vm_hooks.flush_std(ts);
        if (!IS_NULL(ts->exc)) exc_clear(ts);
        interp_fini(ts);
    }
    fflush(stdout);
    fflush(stderr);
#ifdef TINY_LSAN
    /* LeakSanitizer scans the heap, stacks and globals, not the mmap'ed frame arenas: a
     * thread still waiting for the GIL at exit (this thread holds it for good now) keeps
     * objects alive in its frames, which would otherwise be reported as leaked */
    for (ThreadState *t = the_interp.threads; t; t = t->next)
        if (t != ts && t->arena_top > t->arena) __lsan_register_root_region(t->arena, (size_t)(t->arena_top - t->arena));
#endif
    /* A child forked from a process with several threads still holds what those
     * threads owned; they are gone, so no exit-time leak check (LeakSanitizer's
     * included) can judge this process: leave without one. */
    if (the_interp.debug_leaks < 0) _exit(status & 0xff);
    return status;
}
