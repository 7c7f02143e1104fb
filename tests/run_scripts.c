/* run_scripts.c — the script-test runner: one cmocka test per .tiny file under tests/scripts.
 *
 * A script states what running it must do in comment lines:
 *   # expect: TEXT         the whole expected stdout, one line each (none: empty stdout)
 *   # expect-stderr: TEXT  lines that must appear in stderr, in this order (a subsequence)
 *   # expect-exit: N       the exit status (default 0)
 *   # stdin: TEXT          a line fed to stdin (default: stdin is /dev/null)
 *   # args: A B            extra arguments after the script path (split on spaces)
 *   # tiny-args: --gil=x   options for tiny itself, before the script path
 * A script also fails if any process of its process group is still running after it
 * exits (no stray children).
 * Files under a directory named helpers (modules that tests import) are not tests.
 * One space after the colon is stripped; the rest is taken verbatim.
 *
 * Each script runs as `TINY path args` from the current directory (the repo root),
 * with a timeout; several run at once (in order, ahead of the test being reported).
 * A leak report (a stderr line containing TINY_LEAK_MARK, default "leaked") or a
 * sanitizer report fails the test even when everything else matched.
 *
 * usage: run_scripts [--tiny BIN] [--dir DIR] [--timeout SEC] [--jobs N] [FILTER...]
 * FILTER arguments and TINY_FILTER select alike: substrings of the path, separated by
 * commas or spaces (`make test TESTS=str,dict` is `run_scripts str,dict` or `str dict`).
 * Environment: TINY, TINY_SCRIPTS, TINY_TIMEOUT, TINY_JOBS, TINY_FILTER, TINY_LEAK_MARK. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_OUTPUT (64L << 20)     /* bytes a script may write to stdout or stderr */

/* ---- configuration ---- */

typedef struct Config {
    const char *tiny;
    const char *dir;
    double timeout;
    int jobs;
    const char **filters;
    int nfilters;
    const char *leak_mark;
} Config;

static Config cfg;

/* ---- one script ---- */

typedef struct Lines { char **v; size_t n, cap; } Lines;

enum { ST_PENDING, ST_RUNNING, ST_DONE };

typedef struct Script {
    char *path;
    /* what the script expects */
    Lines expect, expect_err, args, tiny_args;
    int expect_exit;
    bool has_stdin;
    char *stdin_text;
    size_t stdin_len;
    char *parse_error;
    /* the run */
    int state;
    pid_t pid;
    double started;
    int out_fd, err_fd;
    bool timed_out;
    bool left_processes;     /* processes of the script were still running after it exited */
    int wstatus;
    char *spawn_error;
    char *out, *err;
    size_t out_len, err_len;
} Script;

static Script *scripts;
static size_t nscripts;
static size_t next_start;      /* first script not started yet */
static int nrunning;

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) { fputs("run_scripts: out of memory\n", stderr); exit(2); }
    return p;
}

static char *xstrndup(const char *s, size_t n) {
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static char *xasprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) { fputs("run_scripts: out of memory\n", stderr); exit(2); }
    va_end(ap);
    return s;
}

static void lines_push(Lines *l, char *s) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        char **nv = realloc(l->v, l->cap * sizeof(char *));
        if (!nv) { fputs("run_scripts: out of memory\n", stderr); exit(2); }
        l->v = nv;
    }
    l->v[l->n++] = s;
}

static void lines_free(Lines *l) {
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* Splits text into lines (a final newline ends the last line, it does not start one). */
static Lines split_lines(const char *text, size_t len) {
    Lines l = { NULL, 0, 0 };
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            lines_push(&l, xstrndup(text + start, i - start));
            start = i + 1;
        }
    }
    if (start < len) lines_push(&l, xstrndup(text + start, len - start));
    return l;
}

static char *read_fd_all(int fd, size_t *len_out) {
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);
    if (lseek(fd, 0, SEEK_SET) < 0) { buf[0] = '\0'; *len_out = 0; return buf; }
    for (;;) {
        if (cap - len < 2) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) { fputs("run_scripts: out of memory\n", stderr); exit(2); }
            buf = nb;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    *len_out = len;
    return buf;
}

static char *read_file(const char *path, size_t *len_out) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return NULL;
    char *s = read_fd_all(fd, len_out);
    close(fd);
    return s;
}

/* The value of a "# key: value" line, with one space after the colon stripped. */
static const char *directive(const char *line, const char *key) {
    size_t n = strlen(key);
    if (strncmp(line, key, n) != 0) return NULL;
    const char *v = line + n;
    if (*v == ' ') v++;
    return v;
}

static void parse_script(Script *s) {
    size_t len;
    char *text = read_file(s->path, &len);
    s->expect_exit = 0;
    if (!text) {
        s->parse_error = xasprintf("cannot read %s: %s", s->path, strerror(errno));
        return;
    }
    Lines lines = split_lines(text, len);
    free(text);
    size_t stdin_cap = 0;
    for (size_t i = 0; i < lines.n; i++) {
        char *line = lines.v[i];
        size_t ll = strlen(line);
        if (ll > 0 && line[ll - 1] == '\r') line[--ll] = '\0';
        const char *v;
        if ((v = directive(line, "# expect:"))) {
            lines_push(&s->expect, strdup(v));
        } else if ((v = directive(line, "# expect-stderr:"))) {
            lines_push(&s->expect_err, strdup(v));
        } else if ((v = directive(line, "# expect-exit:"))) {
            char *end;
            long n = strtol(v, &end, 10);
            while (*end == ' ' || *end == '\t') end++;
            if (end == v || *end) s->parse_error = xasprintf("line %zu: bad expect-exit '%s'", i + 1, v);
            else s->expect_exit = (int)n;
        } else if ((v = directive(line, "# stdin:"))) {
            size_t n = strlen(v);
            if (s->stdin_len + n + 2 > stdin_cap) {
                stdin_cap = (s->stdin_len + n + 2) * 2;
                char *nb = realloc(s->stdin_text, stdin_cap);
                if (!nb) { fputs("run_scripts: out of memory\n", stderr); exit(2); }
                s->stdin_text = nb;
            }
            memcpy(s->stdin_text + s->stdin_len, v, n);
            s->stdin_len += n;
            s->stdin_text[s->stdin_len++] = '\n';
            s->has_stdin = true;
        } else if ((v = directive(line, "# args:")) || (v = directive(line, "# tiny-args:"))) {
            Lines *dst = line[2] == 't' ? &s->tiny_args : &s->args;
            const char *p = v;
            while (*p) {
                while (*p == ' ') p++;
                const char *q = p;
                while (*q && *q != ' ') q++;
                if (q > p) lines_push(dst, xstrndup(p, (size_t)(q - p)));
                p = q;
            }
        } else if (strncmp(line, "# expect-", 9) == 0) {
            const char *p = line + 9;
            while (*p && *p != ':' && *p != ' ') p++;
            if (*p == ':')
                s->parse_error = xasprintf("line %zu: unknown directive '%.*s'", i + 1,
                                           (int)(p - line), line);
        }
    }
    lines_free(&lines);
}

/* ---- running scripts, several at a time ---- */

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int temp_fd(void) {
    const char *tmp = getenv("TMPDIR");
    char *path = xasprintf("%s/tiny-run-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd >= 0) unlink(path);
    free(path);
    return fd;
}

static void start_script(Script *s) {
    s->state = ST_RUNNING;
    s->out_fd = s->err_fd = -1;
    if (s->parse_error) { s->state = ST_DONE; return; }
    int in_fd = -1;
    if (s->has_stdin) {
        in_fd = temp_fd();
        if (in_fd >= 0) {
            size_t off = 0;
            while (off < s->stdin_len) {
                ssize_t n = write(in_fd, s->stdin_text + off, s->stdin_len - off);
                if (n <= 0) break;
                off += (size_t)n;
            }
            lseek(in_fd, 0, SEEK_SET);
        }
    } else {
        in_fd = open("/dev/null", O_RDONLY);
    }
    s->out_fd = temp_fd();
    s->err_fd = temp_fd();
    if (in_fd < 0 || s->out_fd < 0 || s->err_fd < 0) {
        s->spawn_error = xasprintf("cannot make temporary files: %s", strerror(errno));
        if (in_fd >= 0) close(in_fd);
        if (s->out_fd >= 0) close(s->out_fd);
        if (s->err_fd >= 0) close(s->err_fd);
        s->state = ST_DONE;
        return;
    }
    char **argv = xmalloc((s->tiny_args.n + s->args.n + 3) * sizeof(char *));
    size_t k = 0;
    argv[k++] = (char *)cfg.tiny;
    for (size_t i = 0; i < s->tiny_args.n; i++) argv[k++] = s->tiny_args.v[i];
    argv[k++] = s->path;
    for (size_t i = 0; i < s->args.n; i++) argv[k++] = s->args.v[i];
    argv[k] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        dup2(in_fd, 0);
        dup2(s->out_fd, 1);
        dup2(s->err_fd, 2);
        for (int sig = 1; sig < NSIG; sig++)
            if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        struct rlimit rl = { (rlim_t)MAX_OUTPUT, (rlim_t)MAX_OUTPUT };
        setrlimit(RLIMIT_FSIZE, &rl);
        execv(cfg.tiny, argv);
        dprintf(2, "run_scripts: cannot run %s: %s\n", cfg.tiny, strerror(errno));
        _exit(127);
    }
    free(argv);
    close(in_fd);
    if (pid < 0) {
        s->spawn_error = xasprintf("fork failed: %s", strerror(errno));
        close(s->out_fd);
        close(s->err_fd);
        s->state = ST_DONE;
        return;
    }
    setpgid(pid, pid);
    s->pid = pid;
    s->started = now();
    nrunning++;
}

static void finish_script(Script *s, int wstatus) {
    s->wstatus = wstatus;
    /* tiny reaps or terminates its children before it exits: anything of the script's
     * process group still running a moment later was left behind */
    if (!s->timed_out) {
        for (int i = 0; i < 50 && kill(-s->pid, 0) == 0; i++) {
            struct timespec d = { 0, 2 * 1000 * 1000 };
            nanosleep(&d, NULL);
        }
        s->left_processes = kill(-s->pid, 0) == 0;
    }
    kill(-s->pid, SIGKILL);        /* whatever the script left running in its group */
    s->out = read_fd_all(s->out_fd, &s->out_len);
    s->err = read_fd_all(s->err_fd, &s->err_len);
    close(s->out_fd);
    close(s->err_fd);
    s->out_fd = s->err_fd = -1;
    s->state = ST_DONE;
    nrunning--;
}

/* Runs scripts (keeping cfg.jobs busy) until s is done. */
static void wait_for(Script *s) {
    while (s->state != ST_DONE) {
        while (nrunning < cfg.jobs && next_start < nscripts) start_script(&scripts[next_start++]);
        if (s->state == ST_PENDING) continue;    /* cannot happen: started in order */
        bool progress = false;
        double t = now();
        for (size_t i = 0; i < next_start; i++) {
            Script *r = &scripts[i];
            if (r->state != ST_RUNNING) continue;
            int ws;
            pid_t p = waitpid(r->pid, &ws, WNOHANG);
            if (p == r->pid) {
                finish_script(r, ws);
                progress = true;
            } else if (t - r->started > cfg.timeout) {
                r->timed_out = true;
                kill(-r->pid, SIGKILL);
                kill(r->pid, SIGKILL);
                while (waitpid(r->pid, &ws, 0) < 0 && errno == EINTR) {}
                finish_script(r, ws);
                progress = true;
            }
        }
        if (!progress) {
            struct timespec d = { 0, 2 * 1000 * 1000 };
            nanosleep(&d, NULL);
        }
    }
}

/* ---- checking ---- */

static bool contains_ci(const char *hay, const char *needle) {
    return needle && *needle && strcasestr(hay, needle) != NULL;
}

static bool expected_in_stderr(const Script *s, const char *needle) {
    for (size_t i = 0; i < s->expect_err.n; i++)
        if (contains_ci(s->expect_err.v[i], needle)) return true;
    return false;
}

/* Appends a printf-formatted piece to a report. */
static void rep(char **r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *piece = NULL;
    if (vasprintf(&piece, fmt, ap) < 0) piece = NULL;
    va_end(ap);
    if (!piece) return;
    char *joined = xasprintf("%s%s", *r ? *r : "", piece);
    free(*r);
    free(piece);
    *r = joined;
}

static void rep_tail(char **r, const char *title, const Lines *l, size_t max) {
    size_t from = l->n > max ? l->n - max : 0;
    rep(r, "  %s%s:%s\n", title, from ? " (last lines)" : "", l->n ? "" : " (empty)");
    for (size_t i = from; i < l->n; i++) rep(r, "    | %s\n", l->v[i]);
}

static const char *const sanitizer_marks[] = {
    "ERROR: AddressSanitizer", "WARNING: ThreadSanitizer", "ERROR: LeakSanitizer", "SUMMARY: UndefinedBehaviorSanitizer",
    ": runtime error: ", NULL
};

/* Checks a finished script; returns a malloc'ed report of what is wrong, or NULL. */
static char *check_script(Script *s) {
    char *r = NULL;
    if (s->parse_error) { rep(&r, "  bad test file: %s\n", s->parse_error); return r; }
    if (s->spawn_error) { rep(&r, "  %s\n", s->spawn_error); return r; }
    Lines out = split_lines(s->out, s->out_len);
    Lines err = split_lines(s->err, s->err_len);
    int code = -1;
    char status[96];
    if (s->timed_out) {
        snprintf(status, sizeof status, "timed out after %gs (killed)", cfg.timeout);
    } else if (WIFEXITED(s->wstatus)) {
        code = WEXITSTATUS(s->wstatus);
        snprintf(status, sizeof status, "exit status %d", code);
    } else if (WIFSIGNALED(s->wstatus)) {
        int sig = WTERMSIG(s->wstatus);
        code = 128 + sig;
        snprintf(status, sizeof status, "killed by signal %d (%s)", sig, strsignal(sig));
    } else {
        snprintf(status, sizeof status, "unknown wait status %d", s->wstatus);
    }
    bool bad = false;
    if (s->left_processes) {
        rep(&r, "  left processes running after it exited (its process group was not empty)\n");
        bad = true;
    }
    if (s->timed_out) {
        rep(&r, "  %s\n", status);
        bad = true;
    } else if (code != s->expect_exit) {
        rep(&r, "  %s, expected %d\n", status, s->expect_exit);
        bad = true;
    }
    /* stdout: exactly the expect lines */
    size_t n = out.n > s->expect.n ? out.n : s->expect.n;
    for (size_t i = 0; i < n; i++) {
        const char *e = i < s->expect.n ? s->expect.v[i] : NULL;
        const char *g = i < out.n ? out.v[i] : NULL;
        if (e && g && strcmp(e, g) == 0) continue;
        rep(&r, "  stdout differs at line %zu (expected %zu lines, got %zu):\n", i + 1,
            s->expect.n, out.n);
        if (e) rep(&r, "    expected: %s\n", e); else rep(&r, "    expected: <end of output>\n");
        if (g) rep(&r, "    got:      %s\n", g); else rep(&r, "    got:      <end of output>\n");
        bad = true;
        break;
    }
    /* stderr: the expect-stderr lines as a subsequence */
    size_t j = 0;
    for (size_t i = 0; i < err.n && j < s->expect_err.n; i++)
        if (strcmp(err.v[i], s->expect_err.v[j]) == 0) j++;
    if (j < s->expect_err.n) {
        rep(&r, "  stderr lacks (in order) expect-stderr line %zu: %s\n", j + 1, s->expect_err.v[j]);
        bad = true;
    }
    /* leak and sanitizer reports */
    size_t san_line = (size_t)-1;
    for (size_t i = 0; i < err.n && san_line == (size_t)-1; i++) {
        if (contains_ci(err.v[i], cfg.leak_mark) && !expected_in_stderr(s, cfg.leak_mark)) {
            rep(&r, "  leak report on stderr: %s\n", err.v[i]);
            bad = true;
            break;
        }
        for (int k = 0; sanitizer_marks[k]; k++) {
            if (strstr(err.v[i], sanitizer_marks[k]) && !expected_in_stderr(s, sanitizer_marks[k])) {
                rep(&r, "  sanitizer report on stderr: %s\n", err.v[i]);
                bad = true;
                san_line = i;
                break;
            }
        }
    }
    if (bad) {
        if (!s->timed_out && code == s->expect_exit) rep(&r, "  %s\n", status);
        if (san_line != (size_t)-1) {
            rep(&r, "  stderr from the report on:\n");
            for (size_t i = san_line; i < err.n && i < san_line + 16; i++) rep(&r, "    | %s\n", err.v[i]);
        } else {
            rep_tail(&r, "stderr", &err, 12);
        }
        if (out.n > 0 && s->expect.n == 0) rep_tail(&r, "stdout", &out, 6);
        rep(&r, "  rerun: %s", cfg.tiny);
        for (size_t i = 0; i < s->tiny_args.n; i++) rep(&r, " %s", s->tiny_args.v[i]);
        rep(&r, " %s", s->path);
        for (size_t i = 0; i < s->args.n; i++) rep(&r, " %s", s->args.v[i]);
        if (s->has_stdin) rep(&r, " < (the # stdin: lines)");
        rep(&r, "\n");
    }
    lines_free(&out);
    lines_free(&err);
    return r;
}

static void script_test(void **state) {
    Script *s = *state;
    wait_for(s);
    char *report = check_script(s);
    free(s->out);
    free(s->err);
    s->out = s->err = NULL;
    if (report) {
        /* not print_error: cmocka cuts its messages at 1 KB */
        fflush(stdout);
        fprintf(stderr, "%s: FAILED\n%s", s->path, report);
        fflush(stderr);
        free(report);
        fail();
    }
}

/* ---- discovery ---- */

/* Name of the directories holding modules that tests import (skipped by discovery). */
#define HELPERS_DIR "helpers"

static char **found;
static size_t nfound, capfound;

static void discover(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char *path = xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0) { free(path); continue; }
        if (S_ISDIR(st.st_mode)) {
            if (strcmp(de->d_name, HELPERS_DIR) != 0) discover(path);
            free(path);
            continue;
        }
        size_t n = strlen(de->d_name);
        if (S_ISREG(st.st_mode) && n > 5 && strcmp(de->d_name + n - 5, ".tiny") == 0) {
            if (nfound == capfound) {
                capfound = capfound ? capfound * 2 : 256;
                char **nf = realloc(found, capfound * sizeof(char *));
                if (!nf) { fputs("run_scripts: out of memory\n", stderr); exit(2); }
                found = nf;
            }
            found[nfound++] = path;
        } else {
            free(path);
        }
    }
    closedir(d);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool selected(const char *path) {
    if (cfg.nfilters == 0) return true;
    for (int i = 0; i < cfg.nfilters; i++)
        if (strstr(path, cfg.filters[i])) return true;
    return false;
}

static void usage(void) {
    fprintf(stderr, "usage: run_scripts [--tiny BIN] [--dir DIR] [--timeout SEC] [--jobs N] [FILTER...]\n"
                    "  FILTER: substrings of script paths, separated by commas or spaces, as in\n"
                    "  `make test TESTS=str,dict` (TINY_FILTER); a script runs if any matches\n");
    exit(2);
}

/* Adds the filters of text (split in place on commas and white space), at most max in all. */
static void add_filters(char *text, int max) {
    char *save = NULL;
    for (char *tok = strtok_r(text, ", \t\n", &save); tok && cfg.nfilters < max;
         tok = strtok_r(NULL, ", \t\n", &save))
        cfg.filters[cfg.nfilters++] = tok;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    const char *env;
    cfg.tiny = (env = getenv("TINY")) && *env ? env : "./tiny";
    cfg.dir = (env = getenv("TINY_SCRIPTS")) && *env ? env : "tests/scripts";
    cfg.timeout = (env = getenv("TINY_TIMEOUT")) && *env ? atof(env) : 10.0;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    cfg.jobs = (env = getenv("TINY_JOBS")) && *env ? atoi(env) : (int)(ncpu > 0 ? ncpu : 1);
    cfg.leak_mark = (env = getenv("TINY_LEAK_MARK")) ? env : "leaked";
    /* every argument and TINY_FILTER are split the same way (commas or spaces) */
    size_t max_filters = 64;
    for (int i = 1; i < argc; i++) max_filters += strlen(argv[i]) / 2 + 1;
    cfg.filters = xmalloc(sizeof(char *) * max_filters);
    static char filter_copy[4096];   /* TINY_FILTER, split in place for the run */
    if ((env = getenv("TINY_FILTER")) && *env) {
        snprintf(filter_copy, sizeof filter_copy, "%s", env);
        add_filters(filter_copy, 64);                 /* copy kept for the run */
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--tiny") == 0 && i + 1 < argc) cfg.tiny = argv[++i];
        else if (strcmp(a, "--dir") == 0 && i + 1 < argc) cfg.dir = argv[++i];
        else if (strcmp(a, "--timeout") == 0 && i + 1 < argc) cfg.timeout = atof(argv[++i]);
        else if (strcmp(a, "--jobs") == 0 && i + 1 < argc) cfg.jobs = atoi(argv[++i]);
        else if (a[0] == '-') usage();
        else add_filters(argv[i], (int)max_filters);
    }
    if (cfg.timeout <= 0) cfg.timeout = 10.0;
    if (cfg.jobs < 1) cfg.jobs = 1;
    if (access(cfg.tiny, X_OK) != 0) {
        fprintf(stderr, "run_scripts: %s is not an executable: %s\n", cfg.tiny, strerror(errno));
        return 2;
    }
    discover(cfg.dir);
    qsort(found, nfound, sizeof(char *), cmp_str);
    scripts = calloc(nfound ? nfound : 1, sizeof(Script));
    if (!scripts) return 2;
    for (size_t i = 0; i < nfound; i++) {
        if (!selected(found[i])) { free(found[i]); continue; }
        Script *s = &scripts[nscripts++];
        s->path = found[i];
        parse_script(s);
    }
    free(found);
    if (nscripts == 0) {
        fprintf(stderr, "run_scripts: no scripts%s under %s\n", cfg.nfilters ? " match the filter" : "", cfg.dir);
        return 2;
    }
    struct CMUnitTest *tests = calloc(nscripts, sizeof(struct CMUnitTest));
    if (!tests) return 2;
    for (size_t i = 0; i < nscripts; i++) {
        tests[i].name = scripts[i].path;
        tests[i].test_func = script_test;
        tests[i].initial_state = &scripts[i];
    }
    int failed = _cmocka_run_group_tests("scripts", tests, nscripts, NULL, NULL);
    for (size_t i = 0; i < next_start; i++)
        if (scripts[i].state == ST_RUNNING) { kill(-scripts[i].pid, SIGKILL); waitpid(scripts[i].pid, NULL, 0); }
    for (size_t i = 0; i < nscripts; i++) {
        Script *s = &scripts[i];
        lines_free(&s->expect);
        lines_free(&s->expect_err);
        lines_free(&s->args);
        lines_free(&s->tiny_args);
        free(s->stdin_text);
        free(s->parse_error);
        free(s->spawn_error);
        free(s->path);
    }
    free(scripts);
    free(tests);
    free(cfg.filters);
    return failed ? 1 : 0;
}
