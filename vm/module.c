/* module.c — module objects and the import system: sys.modules, native modules,
 * embedded tiny-source modules, then NAME.tiny / NAME/__init__.tiny on sys.path (or the
 * package's __path__). Packages: an embedded module is one when embedded modules are
 * named after it ("a" for "a.b"); every loaded module gets __package__, which relative
 * imports (module_import_relative) start from; a submodule becomes an attribute of its
 * package once loaded. */
#include "module.h"
#include "exc.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "objects/func.h"
#include "state.h"
#include "code.h"
#include "eval.h"
#include "hooks.h"
#include "args.h"
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>

/* Modules written in tiny and compiled into the binary: embedded_modules[] is generated
 * from the stdlib/lib/NAME.tiny files by scripts/embed-lib.sh (see the Makefile). */

/* ---- the module type ---- */

Obj *module_new(Obj *name)
{
    Module *m = (Module *)obj_alloc(&T_module, sizeof(Module));
    m->dict = dict_new();
    m->name = name;
    o_incref(name);
    dict_set_str(m->dict, NAME(__name__), V_OBJ(name));
    dict_set_str(m->dict, NAME(__doc__), V_NONE);
    return &m->hdr;
}

void module_add(Obj *module, const char *name, Value v)
{
    dict_set_cstr(MODULE_DICT(module), name, v);
}

void module_add_consts(Obj *module, const ModuleConst *consts) {
    for (const ModuleConst *c = consts; c->name; c++) module_add(module, c->name, V_INT(c->value));
}

/* The module's __name__ as a C string (for messages). */
static const char *module_name_cstr(Module *m)
{
    Value n = m->dict ? dict_get_str(m->dict, NAME(__name__)) : V_NULL;
    if (IS_STR(n)) return STR_DATA(n.as.o);
    return m->name ? STR_DATA(m->name) : "?";
}

static void module_dealloc(Obj *self)
{
    Module *m = (Module *)self;
    o_xdecref(m->dict);
    o_xdecref(m->name);
}

static void module_traverse(Obj *self, VisitFn visit, void *arg)
{
    Module *m = (Module *)self;
    if (m->dict) visit(V_OBJ(m->dict), arg);
}

static void module_clear(Obj *self)
{
    Module *m = (Module *)self;
    Obj *d = m->dict;
    m->dict = NULL;
    o_xdecref(d);
}

static Value module_repr(ThreadState *ts, Value self)
{
    (void)ts;
    Module *m = (Module *)self.as.o;
    Value file = m->dict ? dict_get_str(m->dict, NAME(__file__)) : V_NULL;
    if (IS_STR(file))
        return V_OBJ(str_fmt("<module '%s' from '%s'>", module_name_cstr(m), STR_DATA(file.as.o)));
    Value spec = m->dict ? dict_get_cstr(m->dict, "__spec__") : V_NULL;
    if (IS_NONE(spec)) return V_OBJ(str_fmt("<module '%s'>", module_name_cstr(m)));  /* made by module() */
    return V_OBJ(str_fmt("<module '%s' (built-in)>", module_name_cstr(m)));
}

static Value module_getattr(ThreadState *ts, Value self, Obj *name)
{
    Module *m = (Module *)self.as.o;
    if (m->dict) {
        Value v = dict_get_str(m->dict, name);
        if (!IS_NULL(v)) return v_new(v);
    }
    Value v = obj_generic_getattr(ts, self, name);
    if (!IS_NULL(v) || !exc_matches(ts, &T_AttributeError)) return v;
    exc_clear(ts);
    if (m->dict) {
        Value ga = dict_get_cstr(m->dict, "__getattr__");
        if (!IS_NULL(ga)) return obj_call1(ts, ga, V_OBJ(name));
    }
    return exc_raise(ts, &T_AttributeError, "module '%s' has no attribute '%s'",
                     module_name_cstr(m), STR_DATA(name));
}

static int module_setattr(ThreadState *ts, Value self, Obj *name, Value v)
{
    Module *m = (Module *)self.as.o;
    if (!m->dict) m->dict = dict_new();
    if (IS_NULL(v)) {
        int r = dict_del(ts, m->dict, V_OBJ(name));
        if (r < 0) return -1;
        if (r == 0) {
            exc_raise(ts, &T_AttributeError, "module '%s' has no attribute '%s'",
                      module_name_cstr(m), STR_DATA(name));
            return -1;
        }
        return 0;
    }
    dict_set_str(m->dict, name, v);
    return 0;
}

/* module(name, doc=None) (types.ModuleType). */
static Value module_new_t(ThreadState *ts, Type *t, Value *args, int nargs, Obj *kw)
{
    static const char *const names[] = { "name", "doc", NULL };
    Value a[2];
    (void)t;
    if (arg_bind(ts, "module", args, nargs, kw, names, 1, a) < 0) return V_NULL;
    if (!IS_STR(a[0]))
        return exc_raise(ts, &T_TypeError, "module() argument 'name' must be str, not %s", arg_type_name(a[0]));
    Obj *m = module_new(AS_OBJ(a[0]));
    dict_set_str(((Module *)m)->dict, NAME(__doc__), IS_NULL(a[1]) ? V_NONE : a[1]);
    dict_set_cstr(((Module *)m)->dict, "__package__", V_NONE);
    dict_set_cstr(((Module *)m)->dict, "__loader__", V_NONE);
    dict_set_cstr(((Module *)m)->dict, "__spec__", V_NONE);
    return V_OBJ(m);
}

Type T_module = {
    .name = "module",
    .new_ = module_new_t,
    .base = &T_object,
    .flags = TF_GC | TF_HAS_DICT,
    .basicsize = sizeof(Module),
    .dealloc = module_dealloc,
    .traverse = module_traverse,
    .clear = module_clear,
    .repr = module_repr,
    .getattr = module_getattr,
    .setattr = module_setattr,
};

/* ---- import ---- */

/* Raises ModuleNotFoundError "No module named 'x'" (with extra text) and sets .name. */
static Value not_found(ThreadState *ts, Obj *name, const char *extra)
{
    exc_raise(ts, &T_ModuleNotFoundError, "No module named '%s'%s", STR_DATA(name), extra);
    if (IS_OBJ(ts->exc)) {
        Exc *e = (Exc *)ts->exc.as.o;
        if (!e->dict) e->dict = dict_new();
        dict_set_str(e->dict, NAME(name), V_OBJ(name));
    }
    return V_NULL;
}

/* sys.modules[name] (new reference) or V_NULL. */
static Value modules_get(Obj *name)
{
    if (!the_interp.modules) the_interp.modules = dict_new();
    return v_new(dict_get_str(the_interp.modules, name));
}

/* Removes name from sys.modules, keeping any pending exception. */
static void modules_remove(ThreadState *ts, Obj *name)
{
    Value saved = exc_fetch(ts);
    if (dict_del(ts, the_interp.modules, V_OBJ(name)) < 0) exc_clear(ts);
    ts->exc = saved;
}

/* Runs code in a new module registered as sys.modules[name]; file may be NULL. A package
 * (pkg_path non-NULL) gets __path__; every module gets __package__: the package's own
 * name, else the name of the package holding the module ('' at the top level). */
static Value run_module_source(ThreadState *ts, Obj *name, const char *src, int64_t len,
                               Obj *filename, Obj *file_attr, Obj *pkg_path)
{
    Obj *code = vm_hooks.compile(ts, src, len, filename, COMP_FILE, NULL);
    if (!code) return V_NULL;
    Obj *mod = module_new(name);
    Obj *d = MODULE_DICT(mod);
    if (file_attr) dict_set_str(d, NAME(__file__), V_OBJ(file_attr));
    if (pkg_path) dict_set_cstr(d, "__path__", V_OBJ(pkg_path));
    if (pkg_path) {
        dict_set_cstr(d, "__package__", V_OBJ(name));
    } else {
        const char *s = STR_DATA(name), *dot = strrchr(s, '.');
        Obj *pkg = str_new(s, dot ? dot - s : 0);
        dict_set_cstr(d, "__package__", V_OBJ(pkg));
        o_decref(pkg);
    }
    if (the_interp.builtins_module) dict_set_str(d, NAME(__builtins__), V_OBJ(the_interp.builtins_module));
    dict_set_str(the_interp.modules, name, V_OBJ(mod));
    Value r = vm_run_code(ts, (Code *)code, d, d);
    o_decref(code);
    if (IS_NULL(r)) {
        modules_remove(ts, name);
        o_decref(mod);
        return V_NULL;
    }
    v_decref(r);
    /* A module may replace itself in sys.modules. */
    Value m = modules_get(name);
    if (IS_NULL(m)) m = V_OBJ(mod);
    else o_decref(mod);
    return m;
}

/* Reads a whole regular file into a malloc'ed buffer; NULL if it cannot be read. */
static char *read_whole_file(const char *path, int64_t *len_out)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = malloc(cap);
    if (!buf) { fclose(f); return NULL; }
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) { free(buf); fclose(f); return NULL; }
            buf = nb;
        }
    }
    fclose(f);
    buf[len] = 0;
    *len_out = (int64_t)len;
    return buf;
}

/* Loads a module from a .tiny file; pkg_dir non-NULL for a package's __init__. */
static Value load_file(ThreadState *ts, Obj *name, const char *path, const char *pkg_dir, bool *found)
{
    int64_t len = 0;
    char *src = read_whole_file(path, &len);
    *found = src != NULL;
    if (!src) return V_NULL;
    const char *s = src;
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) { s += 3; len -= 3; }
    Obj *fname = str_from_cstr(path);
    Obj *text = str_new(s, len);
    exc_register_source(fname, text);
    o_decref(text);
    Obj *pkg_path = NULL;
    if (pkg_dir) {
        pkg_path = list_new(1);
        list_append_steal(pkg_path, V_OBJ(str_from_cstr(pkg_dir)));
    }
    Value m = run_module_source(ts, name, s, len, fname, fname, pkg_path);
    free(src);
    o_decref(fname);
    o_xdecref(pkg_path);
    return m;
}

/* Searches a list of directories for NAME.tiny or NAME/__init__.tiny. */
static Value find_in_dirs(ThreadState *ts, Obj *fullname, const char *last, Obj *dirs, bool *found)
{
    *found = false;
    if (!dirs || !IS_LIST(V_OBJ(dirs))) return V_NULL;
    List *l = (List *)dirs;
    for (int64_t i = 0; i < l->len; i++) {
        Value d = l->items[i];
        if (!IS_STR(d)) continue;
        const char *dir = STR_DATA(d.as.o);
        const char *sep = dir[0] && dir[strlen(dir) - 1] != '/' ? "/" : "";
        size_t n = strlen(dir) + strlen(last) + 32;
        char *path = malloc(n), *pkg = malloc(n);
        if (!path || !pkg) abort();
        snprintf(pkg, n, "%s%s%s", dir, sep, last);
        snprintf(path, n, "%s/__init__.tiny", pkg);
        Value m = load_file(ts, fullname, path, pkg, found);
        if (!*found) {
            snprintf(path, n, "%s%s%s.tiny", dir, sep, last);
            m = load_file(ts, fullname, path, NULL, found);
        }
        free(path);
        free(pkg);
        if (*found) return m;
    }
    return V_NULL;
}

/* Whether some embedded module is named NAME.something (NAME is then a package). */
static bool embedded_is_package(const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; embedded_modules[i].name; i++)
        if (strncmp(embedded_modules[i].name, name, n) == 0 && embedded_modules[i].name[n] == '.')
            return true;
    return false;
}

/* Creates a native module: functions, registration, then its init hook. */
static Value load_native(ThreadState *ts, Obj *name, const NativeModule *def)
{
    Obj *mod = module_new(name);
    if (def->functions) func_add_methods(MODULE_DICT(mod), def->functions, name);
    dict_set_str(the_interp.modules, name, V_OBJ(mod));
    if (def->init && def->init(ts, mod) < 0) {
        modules_remove(ts, name);
        o_decref(mod);
        return V_NULL;
    }
    Value m = modules_get(name);
    if (IS_NULL(m)) m = V_OBJ(mod);
    else o_decref(mod);
    return m;
}

Value module_import(ThreadState *ts, Obj *name)
{
    Value m = modules_get(name);
    if (!IS_NULL(m)) {
        if (IS_NONE(m)) {
            exc_raise(ts, &T_ModuleNotFoundError, "import of %s halted; None in sys.modules", STR_DATA(name));
            return V_NULL;
        }
        return m;
    }
    const char *s = STR_DATA(name);
    if (STR_LEN(name) == 0) return exc_raise(ts, &T_ValueError, "Empty module name");
    const char *dot = strrchr(s, '.');
    Value parent = V_NULL;
    const char *last = s;
    Obj *search = the_interp.path;
    if (dot) {
        Obj *pname = str_new(s, dot - s);
        parent = module_import(ts, pname);
        o_decref(pname);
        if (IS_NULL(parent)) return V_NULL;
        /* Importing the parent may have imported the child. */
        m = modules_get(name);
        if (!IS_NULL(m)) { v_decref(parent); return m; }
        last = dot + 1;
        search = NULL;
        if (OBJ_IS(parent, T_module)) {
            Value p = dict_get_cstr(MODULE_DICT(parent.as.o), "__path__");
            if (IS_LIST(p)) search = p.as.o;
        }
    }
    m = V_NULL;
    bool found = false;
    for (int i = 0; vm_hooks.modules[i]; i++) {
        if (strcmp(vm_hooks.modules[i]->name, s) == 0) {
            found = true;
            m = load_native(ts, name, vm_hooks.modules[i]);
            break;
        }
    }
    if (!found) {
        for (int i = 0; embedded_modules[i].name; i++) {
            if (strcmp(embedded_modules[i].name, s) == 0) {
                found = true;
                Obj *fname = str_fmt("<frozen %s>", s);
                const char *src = embedded_modules[i].source;
                Obj *text = str_from_cstr(src);
                exc_register_source(fname, text);
                o_decref(text);
                /* an embedded package's submodules are embedded too: its __path__ is [] */
                Obj *pkg_path = embedded_is_package(s) ? list_new(0) : NULL;
                m = run_module_source(ts, name, src, (int64_t)strlen(src), fname, NULL, pkg_path);
                o_xdecref(pkg_path);
                o_decref(fname);
                break;
            }
        }
    }
    if (!found) m = find_in_dirs(ts, name, last, search, &found);
    if (!found) {
        if (dot && (!search)) {
            char extra[256];
            snprintf(extra, sizeof extra, "; '%.*s' is not a package", (int)(dot - s), s);
            not_found(ts, name, extra);
        } else {
            not_found(ts, name, "");
        }
    }
    if (!IS_NULL(m) && OBJ_IS(parent, T_module))
        dict_set_str(MODULE_DICT(parent.as.o), str_intern(last), m);
    v_decref(parent);
    return m;
}

/* The package a relative import starts from: globals' __package__ when it is set, else
 * __name__ for a package (it has __path__) or the part of __name__ before its last dot.
 * A new reference, or NULL with an exception. */
static Obj *calc_package(ThreadState *ts, Obj *globals)
{
    Value pkg = dict_get_cstr(globals, "__package__");
    if (!IS_NULL(pkg) && !IS_NONE(pkg)) {
        if (!IS_STR(pkg)) {
            exc_raise(ts, &T_TypeError, "package must be a string");
            return NULL;
        }
        o_incref(AS_OBJ(pkg));
        return AS_OBJ(pkg);
    }
    Value name = dict_get_str(globals, NAME(__name__));
    if (IS_NULL(name)) {
        exc_raise(ts, &T_KeyError, "'__name__' not in globals");
        return NULL;
    }
    if (!IS_STR(name)) {
        exc_raise(ts, &T_TypeError, "__name__ must be a string");
        return NULL;
    }
    const char *s = STR_DATA(AS_OBJ(name));
    if (!IS_NULL(dict_get_cstr(globals, "__path__"))) return str_new(s, STR_LEN(AS_OBJ(name)));
    const char *dot = strrchr(s, '.');
    return str_new(s, dot ? dot - s : 0);
}

Value module_import_relative(ThreadState *ts, Obj *name, Obj *globals)
{
    const char *s = STR_DATA(name);
    int level = 0;
    while (s[level] == '.') level++;
    const char *rest = s + level;
    Obj *pkg = calc_package(ts, globals);
    if (!pkg) return V_NULL;
    if (STR_LEN(pkg) == 0) {
        o_decref(pkg);
        exc_raise(ts, &T_ImportError, "attempted relative import with no known parent package");
        return V_NULL;
    }
    /* each level past the first drops one trailing component of the package */
    const char *p = STR_DATA(pkg);
    int64_t end = STR_LEN(pkg);
    for (int i = 1; i < level; i++) {
        while (end > 0 && p[end - 1] != '.') end--;
        if (end == 0) {
            o_decref(pkg);
            exc_raise(ts, &T_ImportError, "attempted relative import beyond top-level package");
            return V_NULL;
        }
        end--;
    }
    Obj *full = *rest ? str_fmt("%.*s.%s", (int)end, p, rest) : str_new(p, end);
    o_decref(pkg);
    Value m = module_import(ts, full);
    o_decref(full);
    return m;
}
