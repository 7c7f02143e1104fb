/* os.c — the os module (process info, environment, files and directories) and os.path. */
#define _GNU_SOURCE  /* pipe2, dup3 */
#include "builtins.h"
#include "state.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "exc.h"
#include "objects/func.h"
#include "module.h"
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <poll.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/random.h>
#include <fcntl.h>
#include <signal.h>
#include "gil/gil.h"
#include "signal_mod.h"

extern char **environ;

/* Requires a str path argument (CPython's message for other types); returns its C string or NULL. */
static const char *path_arg(ThreadState *ts, const char *fname, const char *argname, Value v) {
    if (IS_STR(v)) {
        if ((int64_t)strlen(STR_DATA(AS_OBJ(v))) != AS_STR(v)->len) {
            exc_raise(ts, &T_ValueError, "%s: embedded null character in %s", fname, argname);
            return NULL;
        }
        return STR_DATA(AS_OBJ(v));
    }
    exc_raise(ts, &T_TypeError, "%s: %s should be string, bytes or os.PathLike, not %s", fname, argname,
              obj_type_name(v));
    return NULL;
}

static Value os_getpid(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getpid", nargs, kwnames, 0, 0) < 0) return V_NULL;
    return V_INT(getpid());
}

static Value os_getppid(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getppid", nargs, kwnames, 0, 0) < 0) return V_NULL;
    return V_INT(getppid());
}

static Value os_getcwd(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getcwd", nargs, kwnames, 0, 0) < 0) return V_NULL;
    char *p = getcwd(NULL, 0);
    if (!p) return exc_raise_errno(ts, errno, NULL);
    Value r = V_OBJ(str_from_cstr(p));
    free(p);
    return r;
}

static Value os_chdir(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "chdir", nargs, kwnames, 1, 1) < 0) return V_NULL;
    const char *p = path_arg(ts, "chdir", "path", args[0]);
    if (!p) return V_NULL;
    if (chdir(p) != 0) return exc_raise_errno(ts, errno, p);
    return V_NONE;
}

static Value os_getenv(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "key", "default", NULL };
    Value a[2];
    if (bi_parse_args(ts, "getenv", args, nargs, kwnames, names, 2, 1, a) < 0) return V_NULL;
    if (!IS_STR(a[0])) return exc_raise(ts, &T_TypeError, "str expected, not %s", obj_type_name(a[0]));
    const char *v = getenv(STR_DATA(AS_OBJ(a[0])));
    if (v) return V_OBJ(str_from_cstr(v));
    return IS_NULL(a[1]) ? V_NONE : v_new(a[1]);
}

static Value os_cpu_count(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "cpu_count", nargs, kwnames, 0, 0) < 0) return V_NULL;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? V_NONE : V_INT(n);
}

static Value os_listdir(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "path", NULL };
    Value a[1];
    if (bi_parse_args(ts, "listdir", args, nargs, kwnames, names, 1, 0, a) < 0) return V_NULL;
    const char *p = ".";
    if (!IS_NULL(a[0]) && !IS_NONE(a[0]) && !(p = path_arg(ts, "listdir", "path", a[0]))) return V_NULL;
    DIR *d = opendir(p);
    if (!d) return exc_raise_errno(ts, errno, p);
    Obj *l = list_new(0);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        list_append_steal(l, V_OBJ(str_from_cstr(e->d_name)));
    }
    closedir(d);
    return V_OBJ(l);
}

/* Defines a function of one path argument calling a libc function that returns 0 on success. */
#define PATH_OP(name, call)                                                                   \
    static Value os_##name(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {          \
        if (arg_count(ts, #name, nargs, kwnames, 1, 1) < 0) return V_NULL;                   \
        const char *p = path_arg(ts, #name, "path", args[0]);                                 \
        if (!p) return V_NULL;                                                               \
        if ((call) != 0) return exc_raise_errno(ts, errno, p);                               \
        return V_NONE;                                                                       \
    }

PATH_OP(remove, unlink(p))
PATH_OP(unlink, unlink(p))
PATH_OP(rmdir, rmdir(p))

static Value os_mkdir(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "path", "mode", NULL };
    Value a[2];
    if (bi_parse_args(ts, "mkdir", args, nargs, kwnames, names, 2, 1, a) < 0) return V_NULL;
    const char *p = path_arg(ts, "mkdir", "path", a[0]);
    if (!p) return V_NULL;
    int64_t mode = 0777;
    if (!IS_NULL(a[1]) && obj_as_index(ts, a[1], &mode) < 0) return V_NULL;
    if (mkdir(p, (mode_t)mode) != 0) return exc_raise_errno(ts, errno, p);
    return V_NONE;
}

static Value os_rename(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "rename", nargs, kwnames, 2, 2) < 0) return V_NULL;
    const char *s = path_arg(ts, "rename", "src", args[0]);
    if (!s) return V_NULL;
    const char *d = path_arg(ts, "rename", "dst", args[1]);
    if (!d) return V_NULL;
    if (rename(s, d) != 0) return exc_raise_errno(ts, errno, s);
    return V_NONE;
}

static Value os_strerror(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "strerror", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int64_t code;
    if (obj_as_index(ts, args[0], &code) < 0) return V_NULL;
    return V_OBJ(str_from_cstr(strerror((int)code)));
}

static Value os_urandom(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "urandom", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int64_t n;
    if (obj_as_index(ts, args[0], &n) < 0) return V_NULL;
    if (n < 0) return exc_raise(ts, &T_ValueError, "negative argument not allowed");
    uint8_t *buf = malloc((size_t)n + 1);
    int64_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, (size_t)(n - got), 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            free(buf);
            return exc_raise_errno(ts, errno, NULL);
        }
        got += r;
    }
    Value res = V_OBJ(bytes_new(buf, n));
    free(buf);
    return res;
}

static Value os_system(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "system", nargs, kwnames, 1, 1) < 0) return V_NULL;
    const char *cmd = path_arg(ts, "system", "command", args[0]);
    if (!cmd) return V_NULL;
    io_flush_std(ts);
    char *copy = strdup(cmd);  /* the str is not touched with the GIL released */
    if (!copy) return exc_raise(ts, &T_MemoryError, "");
    gil_blocking_begin(ts, "system");
    int r = system(copy);
    gil_blocking_end(ts);
    free(copy);
    return V_INT(r);
}

static Value os_exit_(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "_exit", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int64_t code;
    if (obj_as_index(ts, args[0], &code) < 0) return V_NULL;
    gtrace_finish(ts);  /* the timeline is written even so (a forked child has none) */
    _exit((int)code);
}

/* ---- processes and file descriptors ---- */

/* Converts an int argument to a C int (OverflowError as CPython's converters say). */
static int int_arg(ThreadState *ts, Value v, int *out) {
    int64_t n;
    if (obj_as_index(ts, v, &n) < 0) return -1;
    if (n > INT32_MAX) {
        exc_raise(ts, &T_OverflowError, "signed integer is greater than maximum");
        return -1;
    }
    if (n < INT32_MIN) {
        exc_raise(ts, &T_OverflowError, "signed integer is less than minimum");
        return -1;
    }
    *out = (int)n;
    return 0;
}

/* The os module's hook list `key` (borrowed List; created when create), or NULL. */
static Obj *fork_hooks(const char *key, bool create) {
    if (!the_interp.modules) return NULL;
    Value m = dict_get_str(the_interp.modules, str_intern("os"));
    if (!OBJ_IS(m, T_module)) return NULL;
    Value l = dict_get_cstr(MODULE_DICT(AS_OBJ(m)), key);
    if (IS_LIST(l)) return AS_OBJ(l);
    if (!create) return NULL;
    Obj *nl = list_new(0);
    dict_set_cstr(MODULE_DICT(AS_OBJ(m)), key, V_OBJ(nl));
    o_decref(nl);
    return nl;
}

/* Runs the registered fork hooks `key` (newest first when reverse); their exceptions are
 * reported on stderr and ignored, as CPython's unraisable hook does. */
static void run_fork_hooks(ThreadState *ts, const char *key, bool reverse) {
    Obj *l = fork_hooks(key, false);
    if (!l || AS_LIST(V_OBJ(l))->len == 0) return;
    Obj *snap = list_from_array(AS_LIST(V_OBJ(l))->items, AS_LIST(V_OBJ(l))->len);
    int64_t n = AS_LIST(V_OBJ(snap))->len;
    for (int64_t k = 0; k < n; k++) {
        Value f = AS_LIST(V_OBJ(snap))->items[reverse ? n - 1 - k : k];
        Value r = obj_call0(ts, f);
        if (!IS_NULL(r)) { v_decref(r); continue; }
        Value exc = exc_fetch(ts);
        Value fr = obj_repr(ts, f);
        fflush(stdout);
        fprintf(stderr, "Exception ignored in: %s\n", IS_NULL(fr) ? "<hook>" : STR_DATA(AS_OBJ(fr)));
        if (IS_NULL(fr)) exc_clear(ts);
        v_decref(fr);
        exc_print(ts, exc, stderr);
        v_decref(exc);
    }
    o_decref(snap);
}

/* os.register_at_fork(*, before=None, after_in_child=None, after_in_parent=None). */
static Value os_register_at_fork(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "before", "after_in_child", "after_in_parent", NULL };
    static const char *const keys[] = { "_at_fork_before", "_at_fork_child", "_at_fork_parent" };
    if (nargs > 0) return exc_raise(ts, &T_TypeError, "register_at_fork() takes no positional arguments");
    if (kwnames) {
        Tuple *kw = (Tuple *)kwnames;
        for (int64_t i = 0; i < kw->len; i++) {
            const char *k = STR_DATA(AS_OBJ(kw->items[i]));
            bool ok = false;
            for (int j = 0; names[j]; j++) ok = ok || strcmp(k, names[j]) == 0;
            if (!ok)
                return exc_raise(ts, &T_TypeError, "'%s' is an invalid keyword argument for register_at_fork()", k);
        }
    }
    Value a[3];
    bool any = false;
    for (int j = 0; j < 3; j++) {
        a[j] = arg_kw(args, nargs, kwnames, names[j]);
        if (IS_NULL(a[j]) || IS_NONE(a[j])) { a[j] = V_NULL; continue; }
        Type *t = obj_type(a[j]);
        bool callable = (t->flags & TF_HEAPTYPE) ? !IS_NULL(type_lookup(t, NAME(__call__))) : t->call != NULL;
        if (!callable)
            return exc_raise(ts, &T_TypeError, "'%s' must be callable, not %s", names[j], obj_type_name(a[j]));
        any = true;
    }
    if (!any) return exc_raise(ts, &T_TypeError, "At least one argument is required.");
    for (int j = 0; j < 3; j++) {
        if (IS_NULL(a[j])) continue;
        Obj *l = fork_hooks(keys[j], true);
        if (!l) return exc_raise(ts, &T_RuntimeError, "register_at_fork(): the os module is not imported");
        list_append(l, a[j]);
    }
    return V_NONE;
}

static Value os_fork(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "fork", nargs, kwnames, 0, 0) < 0) return V_NULL;
    run_fork_hooks(ts, "_at_fork_before", true);
    pid_t pid = fork();
    int e = errno;
    if (pid == 0) {
        interp_after_fork_child(ts);
        signal_after_fork_child();
        run_fork_hooks(ts, "_at_fork_child", false);
    } else {
        run_fork_hooks(ts, "_at_fork_parent", false);
    }
    if (pid < 0) return exc_raise_errno(ts, e, NULL);
    return V_INT(pid);
}

/* A (pid, status) tuple. */
static Value pid_status(pid_t pid, int status) {
    return V_OBJ(tuple_pack(2, V_INT(pid), V_INT(status)));
}

static Value os_wait(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "wait", nargs, kwnames, 0, 0) < 0) return V_NULL;
    for (;;) {
        int status = 0;
        gil_blocking_begin(ts, "wait");
        pid_t pid = wait(&status);
        int e = errno;
        gil_blocking_end(ts);
        if (pid >= 0) return signal_poll(ts) < 0 ? V_NULL : pid_status(pid, status);
        if (e != EINTR) return exc_raise_errno(ts, e, NULL);
        if (signal_check(ts) < 0) return V_NULL;
    }
}

static Value os_waitpid(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "waitpid", nargs, kwnames, 2, 2) < 0) return V_NULL;
    int pid, options;
    if (int_arg(ts, args[0], &pid) < 0 || int_arg(ts, args[1], &options) < 0) return V_NULL;
    for (;;) {
        int status = 0;
        pid_t r;
        if (options & WNOHANG) {
            r = waitpid(pid, &status, options);  /* does not wait */
        } else {
            gil_blocking_begin(ts, "waitpid");
            r = waitpid(pid, &status, options);
            int e = errno;
            gil_blocking_end(ts);
            errno = e;
        }
        if (r >= 0) return signal_poll(ts) < 0 ? V_NULL : pid_status(r, status);
        int e = errno;
        if (e != EINTR) return exc_raise_errno(ts, e, NULL);
        if (signal_check(ts) < 0) return V_NULL;
    }
}

/* os.waitstatus_to_exitcode(status): the exit code, or -signal for a killed process. */
static Value os_waitstatus_to_exitcode(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "status", NULL };
    Value a[1];
    if (bi_parse_args(ts, "waitstatus_to_exitcode", args, nargs, kwnames, names, 1, 1, a) < 0) return V_NULL;
    int st;
    if (int_arg(ts, a[0], &st) < 0) return V_NULL;
    if (WIFEXITED(st)) return V_INT(WEXITSTATUS(st));
    if (WIFSIGNALED(st)) return V_INT(-WTERMSIG(st));
    return exc_raise(ts, &T_ValueError, "invalid wait status: %d", st);
}

/* Defines os.NAME(status) over a <sys/wait.h> macro; as_bool: the result is a bool. */
#define WAIT_MACRO(name, as_bool)                                                            \
    static Value os_##name(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {         \
        static const char *const names[] = { "status", NULL };                              \
        Value a[1];                                                                         \
        if (bi_parse_args(ts, #name, args, nargs, kwnames, names, 1, 1, a) < 0) return V_NULL; \
        int st;                                                                             \
        if (int_arg(ts, a[0], &st) < 0) return V_NULL;                                      \
        return as_bool ? V_BOOL(name(st)) : V_INT(name(st));                                \
    }

WAIT_MACRO(WIFEXITED, true)
WAIT_MACRO(WEXITSTATUS, false)
WAIT_MACRO(WIFSIGNALED, true)
WAIT_MACRO(WTERMSIG, false)
WAIT_MACRO(WIFSTOPPED, true)
WAIT_MACRO(WSTOPSIG, false)
WAIT_MACRO(WIFCONTINUED, true)
WAIT_MACRO(WCOREDUMP, true)

static Value os_kill(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "kill", nargs, kwnames, 2, 2) < 0) return V_NULL;
    int pid, sig;
    if (int_arg(ts, args[0], &pid) < 0 || int_arg(ts, args[1], &sig) < 0) return V_NULL;
    if (kill(pid, sig) != 0) return exc_raise_errno(ts, errno, NULL);
    /* A signal sent to this process runs its handler now (CPython does the same). */
    if (signal_check(ts) < 0) return V_NULL;
    return V_NONE;
}

static Value os_getpgid(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getpgid", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int pid;
    if (int_arg(ts, args[0], &pid) < 0) return V_NULL;
    pid_t g = getpgid(pid);
    if (g < 0) return exc_raise_errno(ts, errno, NULL);
    return V_INT(g);
}

static Value os_getpgrp(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getpgrp", nargs, kwnames, 0, 0) < 0) return V_NULL;
    return V_INT(getpgrp());
}

static Value os_pipe(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "pipe", nargs, kwnames, 0, 0) < 0) return V_NULL;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return exc_raise_errno(ts, errno, NULL);
    return V_OBJ(tuple_pack(2, V_INT(fds[0]), V_INT(fds[1])));
}

/* Whether fd is ready for events right now (a zero-timeout poll). */
static bool fd_ready(int fd, short events) {
    struct pollfd p = { .fd = fd, .events = events, .revents = 0 };
    return poll(&p, 1, 0) == 1 && (p.revents & (events | POLLHUP | POLLERR));
}

static Value os_read(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "read", nargs, kwnames, 2, 2) < 0) return V_NULL;
    int fd;
    int64_t n;
    if (int_arg(ts, args[0], &fd) < 0 || obj_as_index(ts, args[1], &n) < 0) return V_NULL;
    if (n < 0) return exc_raise_errno(ts, EINVAL, NULL);
    char *buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf) return exc_raise(ts, &T_MemoryError, "");
    for (;;) {
        /* a read that will not block keeps the GIL: no hand-off, no convoy */
        bool release = !fd_ready(fd, POLLIN);
        if (release) gil_blocking_begin(ts, "read");
        ssize_t r = read(fd, buf, (size_t)n);
        int e = errno;
        if (release) gil_blocking_end(ts);
        if (r >= 0) {
            Value res = signal_poll(ts) < 0 ? V_NULL : V_OBJ(bytes_new(buf, r));
            free(buf);
            return res;
        }
        if (e != EINTR || signal_check(ts) < 0) {
            free(buf);
            return e != EINTR ? exc_raise_errno(ts, e, NULL) : V_NULL;
        }
    }
}

static Value os_write(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "write", nargs, kwnames, 2, 2) < 0) return V_NULL;
    int fd;
    if (int_arg(ts, args[0], &fd) < 0) return V_NULL;
    Value data = args[1];
    if (!IS_OBJ(data) || !obj_isinstance(data, &T_bytes))
        return exc_raise(ts, &T_TypeError, "a bytes-like object is required, not '%s'", obj_type_name(data));
    Bytes *b = (Bytes *)AS_OBJ(data);
    const uint8_t *p = b->data;
    size_t len = (size_t)b->len;
    v_incref(data);  /* its bytes are read with the GIL released */
    Value res;
    for (;;) {
        /* a small write to a pipe or socket with room keeps the GIL */
        bool release = len > 4096 || !fd_ready(fd, POLLOUT);
        if (release) gil_blocking_begin(ts, "write");
        ssize_t r = write(fd, p, len);
        int e = errno;
        if (release) gil_blocking_end(ts);
        if (r >= 0) { res = signal_poll(ts) < 0 ? V_NULL : V_INT(r); break; }
        if (e != EINTR) { res = exc_raise_errno(ts, e, NULL); break; }
        if (signal_check(ts) < 0) { res = V_NULL; break; }
    }
    v_decref(data);
    return res;
}

static Value os_close(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "fd", NULL };
    Value a[1];
    if (bi_parse_args(ts, "close", args, nargs, kwnames, names, 1, 1, a) < 0) return V_NULL;
    int fd;
    if (int_arg(ts, a[0], &fd) < 0) return V_NULL;
    gil_blocking_begin(ts, "close");
    int r = close(fd);
    int e = errno;
    gil_blocking_end(ts);
    if (r != 0 && e != EINTR) return exc_raise_errno(ts, e, NULL);  /* EINTR: closed anyway (Linux) */
    return V_NONE;
}

static Value os_dup(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "dup", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int fd;
    if (int_arg(ts, args[0], &fd) < 0) return V_NULL;
    int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);  /* non-inheritable, as CPython's */
    if (r < 0) return exc_raise_errno(ts, errno, NULL);
    return V_INT(r);
}

static Value os_dup2(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "fd", "fd2", "inheritable", NULL };
    Value a[3];
    if (bi_parse_args(ts, "dup2", args, nargs, kwnames, names, 3, 2, a) < 0) return V_NULL;
    int fd, fd2, inheritable = 1;
    if (int_arg(ts, a[0], &fd) < 0 || int_arg(ts, a[1], &fd2) < 0) return V_NULL;
    if (!IS_NULL(a[2]) && (inheritable = obj_truthy(ts, a[2])) < 0) return V_NULL;
    int r;
    if (fd == fd2) {
        r = fcntl(fd, F_GETFD) < 0 ? -1 : fd;  /* dup3 refuses equal fds; dup2 checks fd */
    } else {
        do r = dup3(fd, fd2, inheritable ? 0 : O_CLOEXEC);
        while (r < 0 && errno == EINTR);
    }
    if (r < 0) return exc_raise_errno(ts, errno, NULL);
    return V_INT(r);
}

static Value os_isatty(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "isatty", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int fd;
    if (int_arg(ts, args[0], &fd) < 0) return V_NULL;
    return V_BOOL(isatty(fd));
}

static const MethodDef os_functions[] = {
    { "getpid", os_getpid, 0 },
    { "getppid", os_getppid, 0 },
    { "getcwd", os_getcwd, 0 },
    { "chdir", os_chdir, 0 },
    { "getenv", os_getenv, 0 },
    { "cpu_count", os_cpu_count, 0 },
    { "listdir", os_listdir, 0 },
    { "remove", os_remove, 0 },
    { "unlink", os_unlink, 0 },
    { "rmdir", os_rmdir, 0 },
    { "mkdir", os_mkdir, 0 },
    { "rename", os_rename, 0 },
    { "strerror", os_strerror, 0 },
    { "urandom", os_urandom, 0 },
    { "system", os_system, 0 },
    { "_exit", os_exit_, 0 },
    { "fork", os_fork, 0 },
    { "register_at_fork", os_register_at_fork, 0 },
    { "wait", os_wait, 0 },
    { "waitpid", os_waitpid, 0 },
    { "waitstatus_to_exitcode", os_waitstatus_to_exitcode, 0 },
    { "WIFEXITED", os_WIFEXITED, 0 },
    { "WEXITSTATUS", os_WEXITSTATUS, 0 },
    { "WIFSIGNALED", os_WIFSIGNALED, 0 },
    { "WTERMSIG", os_WTERMSIG, 0 },
    { "WIFSTOPPED", os_WIFSTOPPED, 0 },
    { "WSTOPSIG", os_WSTOPSIG, 0 },
    { "WIFCONTINUED", os_WIFCONTINUED, 0 },
    { "WCOREDUMP", os_WCOREDUMP, 0 },
    { "kill", os_kill, 0 },
    { "getpgid", os_getpgid, 0 },
    { "getpgrp", os_getpgrp, 0 },
    { "pipe", os_pipe, 0 },
    { "read", os_read, 0 },
    { "write", os_write, 0 },
    { "close", os_close, 0 },
    { "dup", os_dup, 0 },
    { "dup2", os_dup2, 0 },
    { "isatty", os_isatty, 0 },
    { NULL, NULL, 0 },
};

/* ---- os.path ---- */

/* Requires a str argument for an os.path function. */
static int ospath_str(ThreadState *ts, const char *fname, Value v) {
    if (IS_STR(v)) return 0;
    exc_raise(ts, &T_TypeError, "expected str, bytes or os.PathLike object, not %s", obj_type_name(v));
    return -1;
}

static Value os_path_join(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (bi_nkw(kwnames)) return exc_raise(ts, &T_TypeError, "join() takes no keyword arguments");
    if (nargs < 1) return exc_raise(ts, &T_TypeError, "join() missing 1 required positional argument: 'a'");
    StrBuf b;
    sb_init(&b);
    for (int i = 0; i < nargs; i++) {
        if (!IS_STR(args[i])) {
            sb_free(&b);
            return exc_raise(ts, &T_TypeError, "join() argument must be str, bytes, or os.PathLike object, not '%s'",
                             obj_type_name(args[i]));
        }
        Str *s = AS_STR(args[i]);
        if (i == 0) { sb_putn(&b, s->data, s->len); continue; }
        if (s->len > 0 && s->data[0] == '/') b.len = 0;
        else if (b.len > 0 && b.data[b.len - 1] != '/') sb_putc(&b, '/');
        sb_putn(&b, s->data, s->len);
    }
    return V_OBJ(sb_finish(&b));
}

/* Splits a path into head and tail as posixpath.split does; lengths via out params. */
static void split_path(const char *p, int64_t len, int64_t *headlen, int64_t *tailstart) {
    int64_t i = len;
    while (i > 0 && p[i - 1] != '/') i--;
    *tailstart = i;
    int64_t h = i;
    bool all_slash = true;
    for (int64_t j = 0; j < h; j++)
        if (p[j] != '/') { all_slash = false; break; }
    if (h > 0 && !all_slash)
        while (h > 0 && p[h - 1] == '/') h--;
    *headlen = h;
}

static Value os_path_split(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "split", nargs, kwnames, 1, 1) < 0 || ospath_str(ts, "split", args[0]) < 0) return V_NULL;
    Str *s = AS_STR(args[0]);
    int64_t hl, ts0;
    split_path(s->data, s->len, &hl, &ts0);
    Obj *h = str_new(s->data, hl), *t = str_new(s->data + ts0, s->len - ts0);
    Obj *r = tuple_pack(2, V_OBJ(h), V_OBJ(t));
    o_decref(h);
    o_decref(t);
    return V_OBJ(r);
}

static Value os_path_basename(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "basename", nargs, kwnames, 1, 1) < 0 || ospath_str(ts, "basename", args[0]) < 0)
        return V_NULL;
    Str *s = AS_STR(args[0]);
    int64_t hl, t;
    split_path(s->data, s->len, &hl, &t);
    return V_OBJ(str_new(s->data + t, s->len - t));
}

static Value os_path_dirname(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "dirname", nargs, kwnames, 1, 1) < 0 || ospath_str(ts, "dirname", args[0]) < 0)
        return V_NULL;
    Str *s = AS_STR(args[0]);
    int64_t hl, t;
    split_path(s->data, s->len, &hl, &t);
    return V_OBJ(str_new(s->data, hl));
}

static Value os_path_splitext(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "splitext", nargs, kwnames, 1, 1) < 0 || ospath_str(ts, "splitext", args[0]) < 0)
        return V_NULL;
    Str *s = AS_STR(args[0]);
    int64_t sep = -1, dot = -1;
    for (int64_t i = 0; i < s->len; i++) {
        if (s->data[i] == '/') sep = i;
        else if (s->data[i] == '.') dot = i;
    }
    int64_t cut = s->len;
    if (dot > sep) {
        for (int64_t f = sep + 1; f < dot; f++)
            if (s->data[f] != '.') { cut = dot; break; }
    }
    Obj *a = str_new(s->data, cut), *b = str_new(s->data + cut, s->len - cut);
    Obj *r = tuple_pack(2, V_OBJ(a), V_OBJ(b));
    o_decref(a);
    o_decref(b);
    return V_OBJ(r);
}

static Value os_path_isabs(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "isabs", nargs, kwnames, 1, 1) < 0 || ospath_str(ts, "isabs", args[0]) < 0) return V_NULL;
    return V_BOOL(AS_STR(args[0])->len > 0 && AS_STR(args[0])->data[0] == '/');
}

/* posixpath.normpath on a C string (new str). */
static Obj *normpath(const char *p, int64_t len) {
    if (len == 0) return str_intern(".");
    int initial = 0;
    if (p[0] == '/') initial = (len >= 2 && p[1] == '/' && !(len >= 3 && p[2] == '/')) ? 2 : 1;
    /* comps as (start, len) pairs */
    int64_t *cs = malloc(sizeof(int64_t) * (size_t)(len + 1)), *cl = malloc(sizeof(int64_t) * (size_t)(len + 1));
    int64_t n = 0;
    for (int64_t i = 0; i <= len;) {
        int64_t j = i;
        while (j < len && p[j] != '/') j++;
        int64_t l = j - i;
        bool dot = l == 1 && p[i] == '.', dotdot = l == 2 && p[i] == '.' && p[i + 1] == '.';
        if (l == 0 || dot) {
        } else if (!dotdot || (!initial && n == 0) || (n > 0 && cl[n - 1] == 2 && p[cs[n - 1]] == '.' &&
                                                       p[cs[n - 1] + 1] == '.')) {
            cs[n] = i; cl[n] = l; n++;
        } else if (n > 0) {
            n--;
        }
        i = j + 1;
    }
    StrBuf b;
    sb_init(&b);
    for (int k = 0; k < initial; k++) sb_putc(&b, '/');
    for (int64_t k = 0; k < n; k++) {
        if (k) sb_putc(&b, '/');
        sb_putn(&b, p + cs[k], cl[k]);
    }
    free(cs);
    free(cl);
    if (b.len == 0) { sb_free(&b); return str_intern("."); }
    return sb_finish(&b);
}

static Value os_path_normpath(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "normpath", nargs, kwnames, 1, 1) < 0 || ospath_str(ts, "normpath", args[0]) < 0)
        return V_NULL;
    return V_OBJ(normpath(AS_STR(args[0])->data, AS_STR(args[0])->len));
}

static Value os_path_abspath(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "abspath", nargs, kwnames, 1, 1) < 0 || ospath_str(ts, "abspath", args[0]) < 0)
        return V_NULL;
    Str *s = AS_STR(args[0]);
    if (s->len > 0 && s->data[0] == '/') return V_OBJ(normpath(s->data, s->len));
    char *cwd = getcwd(NULL, 0);
    if (!cwd) return exc_raise_errno(ts, errno, NULL);
    StrBuf b;
    sb_init(&b);
    sb_puts(&b, cwd);
    free(cwd);
    if (s->len) {
        if (b.len == 0 || b.data[b.len - 1] != '/') sb_putc(&b, '/');
        sb_putn(&b, s->data, s->len);
    }
    Obj *r = normpath(b.data, b.len);
    sb_free(&b);
    return V_OBJ(r);
}

/* Defines an os.path predicate over stat(). */
#define STAT_PRED(name, expr)                                                                 \
    static Value os_path_##name(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {     \
        if (arg_count(ts, #name, nargs, kwnames, 1, 1) < 0) return V_NULL;                   \
        if (!IS_STR(args[0])) return V_FALSE;                                                \
        struct stat st;                                                                      \
        if (stat(STR_DATA(AS_OBJ(args[0])), &st) != 0) return V_FALSE;                        \
        return V_BOOL(expr);                                                                 \
    }

STAT_PRED(exists, true)
STAT_PRED(isfile, S_ISREG(st.st_mode))
STAT_PRED(isdir, S_ISDIR(st.st_mode))

static Value os_path_getsize(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getsize", nargs, kwnames, 1, 1) < 0) return V_NULL;
    const char *p = path_arg(ts, "stat", "path", args[0]);
    if (!p) return V_NULL;
    struct stat st;
    if (stat(p, &st) != 0) return exc_raise_errno(ts, errno, p);
    return V_INT(st.st_size);
}

static const MethodDef os_path_functions[] = {
    { "join", os_path_join, 0 },
    { "split", os_path_split, 0 },
    { "basename", os_path_basename, 0 },
    { "dirname", os_path_dirname, 0 },
    { "splitext", os_path_splitext, 0 },
    { "isabs", os_path_isabs, 0 },
    { "normpath", os_path_normpath, 0 },
    { "abspath", os_path_abspath, 0 },
    { "exists", os_path_exists, 0 },
    { "isfile", os_path_isfile, 0 },
    { "isdir", os_path_isdir, 0 },
    { "getsize", os_path_getsize, 0 },
    { NULL, NULL, 0 },
};

/* Adds os.path's constants. */
static int os_path_init(ThreadState *ts, Obj *m) {
    module_add(m, "sep", V_OBJ(str_intern("/")));
    module_add(m, "curdir", V_OBJ(str_intern(".")));
    module_add(m, "pardir", V_OBJ(str_intern("..")));
    module_add(m, "extsep", V_OBJ(str_intern(".")));
    module_add(m, "pathsep", V_OBJ(str_intern(":")));
    return 0;
}

const NativeModule os_path_module_def = { "os.path", os_path_functions, os_path_init };

/* Adds os's constants, environ and the path submodule (reusing a registered os.path). */
static int os_init(ThreadState *ts, Obj *m) {
    module_add(m, "name", V_OBJ(str_intern("posix")));
    module_add(m, "sep", V_OBJ(str_intern("/")));
    module_add(m, "altsep", V_NONE);
    module_add(m, "linesep", V_OBJ(str_intern("\n")));
    module_add(m, "curdir", V_OBJ(str_intern(".")));
    module_add(m, "pardir", V_OBJ(str_intern("..")));
    module_add(m, "extsep", V_OBJ(str_intern(".")));
    module_add(m, "pathsep", V_OBJ(str_intern(":")));
    module_add(m, "devnull", V_OBJ(str_intern("/dev/null")));
    module_add(m, "WNOHANG", V_INT(WNOHANG));
    module_add(m, "WUNTRACED", V_INT(WUNTRACED));
    module_add(m, "WCONTINUED", V_INT(WCONTINUED));
    Obj *env = dict_new();
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq) continue;
        Obj *k = str_new(*e, eq - *e), *v = str_from_cstr(eq + 1);
        dict_set(ts, env, V_OBJ(k), V_OBJ(v));
        o_decref(k);
        o_decref(v);
    }
    module_add(m, "environ", V_OBJ(env));
    o_decref(env);
    Obj *pname = str_intern("os.path");
    Value existing = the_interp.modules ? dict_get_str(the_interp.modules, pname) : V_NULL;
    if (OBJ_IS(existing, T_module)) {
        module_add(m, "path", existing);
    } else {
        Obj *pm = module_new(pname);
        func_add_methods(MODULE_DICT(pm), os_path_functions, pname);
        if (os_path_init(ts, pm) < 0) { o_decref(pm); return -1; }
        if (the_interp.modules) dict_set_str(the_interp.modules, pname, V_OBJ(pm));
        module_add(m, "path", V_OBJ(pm));
        o_decref(pm);
    }
    return 0;
}

const NativeModule os_module_def = { "os", os_functions, os_init };
