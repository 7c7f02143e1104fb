/* main.c — the tiny command: option parsing (one table), then a file, -c code, stdin
 * or the REPL run as __main__. Exit statuses: the program's (0, 1 on an uncaught
 * exception or syntax error, n for SystemExit(n), 130 after KeyboardInterrupt),
 * 2 for command-line misuse or a file that cannot be opened. */
#include "api.h"
#include "repl.h"
#include "gil/gil.h"
#include "state.h"
#include "hooks.h"
#include "compile.h"
#include "builtins.h"
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_USAGE 2

/* Set by the SIGINT handler (the CLI's own small state; the VM's is in the_interp). */
static volatile sig_atomic_t got_sigint;

static void on_sigint(int sig) {
    (void)sig;
    if (repl_sigint()) return;        /* at the REPL prompt: cancels the line */
    got_sigint = 1;
    tiny_interrupt();
}

static void install_signals(void) {
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;                  /* no SA_RESTART: blocking reads return EINTR */
    sigaction(SIGINT, &sa, NULL);
}

/* ---- options: every option of the command is in this one table ---- */

enum OptId { OPT_CMD, OPT_DIS, OPT_HELP, OPT_VERSION, OPT_SWITCH, OPT_GIL, OPT_GIL_STATS, OPT_GIL_TRACE,
             OPT_GIL_TIMELINE, OPT_SCHEDULE, OPT_SEED, OPT_UNBUF, OPT_INSPECT, OPT_NOPYC, OPT_IGNORE_ENV,
             OPT_ISOLATE, OPT_OPTIMIZE, OPT_QUIET, OPT_WARN, OPT_XOPT };

typedef struct CliOption {
    const char *short_name;   /* "-c" or NULL */
    const char *long_name;    /* "--dis" or NULL */
    const char *argname;      /* name of the required argument, NULL for a flag */
    enum OptId id;
    const char *help;
} CliOption;

static const CliOption cli_options[] = {
    { "-c", NULL, "CODE", OPT_CMD, "run CODE as the program (ends the options: what follows goes to sys.argv)" },
    { NULL, "--dis", "FILE", OPT_DIS, "print the bytecode of FILE (every code object) and exit" },
    { "-h", "--help", NULL, OPT_HELP, "print this help and exit" },
    { "-V", "--version", NULL, OPT_VERSION, "print tiny's version (and the Python it runs) and exit" },
    { "-u", NULL, NULL, OPT_UNBUF, "unbuffered sys.stdout and sys.stderr" },
    { "-i", NULL, NULL, OPT_INSPECT, "start the interactive prompt after the program (even if stdin is no terminal)" },
    { "-q", NULL, NULL, OPT_QUIET, "no version line when the interactive prompt starts" },
    { "-E", NULL, NULL, OPT_IGNORE_ENV, "ignore the TINY* and PYTHON* environment variables" },
    { "-I", NULL, NULL, OPT_ISOLATE, "isolated: -E, and the script's directory is not put in sys.path" },
    { "-O", NULL, NULL, OPT_OPTIMIZE, "leave out assert statements" },
    { "-B", NULL, NULL, OPT_NOPYC, "write no .pyc files (accepted: tiny never writes any)" },
    { "-W", NULL, "ARG", OPT_WARN, "warning control (accepted for CPython's sake: tiny issues no warnings)" },
    { "-X", NULL, "OPT", OPT_XOPT, "implementation-specific option (accepted; tiny has none)" },
    { NULL, "--switch-interval", "N|TIME", OPT_SWITCH,
      "offer the GIL every N instructions, or after TIME (5ms, 200us, 1s); env TINY_SWITCH_INTERVAL" },
    { NULL, "--gil", "POLICY", OPT_GIL, "GIL policy (see GIL policies below); env TINY_GIL" },
    { NULL, "--gil-stats", NULL, OPT_GIL_STATS, "print per-thread GIL statistics at exit (stderr)" },
    { NULL, "--gil-trace", "FILE", OPT_GIL_TRACE,
      "at exit, write each thread's GIL timeline to FILE (Chrome Trace Event JSON, for Perfetto)" },
    { NULL, "--gil-timeline", "FILE", OPT_GIL_TIMELINE, "at exit, draw that timeline as an SVG picture in FILE" },
    { NULL, "--schedule", "NAME", OPT_SCHEDULE,
      "reproducible switching: deterministic, or random (replaces --gil); env TINY_SCHEDULE" },
    { NULL, "--seed", "N", OPT_SEED, "seed of the random schedule (default: drawn, --gil-stats shows it); env TINY_SEED" },
};
#define N_OPTIONS (sizeof cli_options / sizeof cli_options[0])

enum Mode { MODE_DEFAULT, MODE_FILE, MODE_CMD, MODE_STDIN, MODE_DIS };

typedef struct Settings {
    const char *switch_interval;  /* --switch-interval or NULL */
    const char *gil;              /* --gil or NULL */
    const char *schedule;         /* --schedule or NULL */
    const char *seed;             /* --seed or NULL */
    int gil_stats;
    const char *gil_trace;        /* --gil-trace or NULL */
    const char *gil_timeline;     /* --gil-timeline or NULL */
    int unbuffered, inspect, quiet, ignore_env, isolate, optimize;  /* -u -i -q -E -I -O */
    enum Mode mode;
    const char *code;         /* -c */
    const char *file;         /* the script, or the --dis file */
    int rest;                 /* index in argv of the first argument for sys.argv[1:] */
} Settings;

static void print_usage(FILE *out) {
    fprintf(out, "usage: tiny [option] ... [-c code | file | -] [arg] ...\n");
}

/* The first column of an option's help line ("-c CODE", "-h, --help"). */
static void option_names(const CliOption *o, char *names, size_t size) {
    snprintf(names, size, "%s%s%s%s%s", o->short_name ? o->short_name : "",
             o->short_name && o->long_name ? ", " : "", o->long_name ? o->long_name : "",
             o->argname ? " " : "", o->argname ? o->argname : "");
}

static void print_help(FILE *out) {
    /* one width for the first column of every section: the widest name, policy or variable */
    static const char *const extra[][2] = {
        { "file", "run the program in file (sys.argv[0] is file)" },
        { "-", "read the program from stdin (sys.argv[0] is '-')" },
        { "arg ...", "the program's arguments, in sys.argv[1:]" },
        { "TINYPATH", "':'-separated directories added to sys.path" },
        { "TINY_GIL_TRACE_LIMIT", "the most events --gil-trace/--gil-timeline record (default 1000000)" },
    };
    int w = 0;
    char names[64];
    for (size_t i = 0; i < N_OPTIONS; i++) {
        option_names(&cli_options[i], names, sizeof names);
        if ((int)strlen(names) > w) w = (int)strlen(names);
    }
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        if ((int)strlen(extra[i][0]) > w) w = (int)strlen(extra[i][0]);
    for (int i = 0; i < gil_policy_count(); i++) {
        const char *help, *name = gil_policy_at(i, &help);
        if ((int)strlen(name) > w) w = (int)strlen(name);
    }
    fprintf(out, "%s\n", TINY_VERSION_LINE);
    print_usage(out);
    fprintf(out, "\nOptions:\n");
    for (size_t i = 0; i < N_OPTIONS; i++) {
        option_names(&cli_options[i], names, sizeof names);
        fprintf(out, "  %-*s  %s\n", w, names, cli_options[i].help);
    }
    fprintf(out, "\nArguments:\n");
    for (int i = 0; i < 3; i++) fprintf(out, "  %-*s  %s\n", w, extra[i][0], extra[i][1]);
    fprintf(out,
            "\nWith no file, tiny starts the interactive prompt when stdin is a terminal,\n"
            "and otherwise runs stdin as a program. Single-letter flags combine (-uq).\n");
    fprintf(out, "\nGIL policies (--gil, TINY_GIL):\n");
    for (int i = 0; i < gil_policy_count(); i++) {
        const char *help, *name = gil_policy_at(i, &help);
        fprintf(out, "  %-*s  %s%s\n", w, name, help, i == gil_policy_default() ? " (default)" : "");
    }
    fprintf(out, "\nEnvironment (ignored with -E and -I):\n");
    for (int i = 3; i < 5; i++) fprintf(out, "  %-*s  %s\n", w, extra[i][0], extra[i][1]);
}

static int usage_error(const char *fmt, const char *what) {
    fputs("tiny: ", stderr);
    fprintf(stderr, fmt, what);
    fputc('\n', stderr);
    print_usage(stderr);
    fputs("Try `tiny --help' for more information.\n", stderr);
    return EXIT_USAGE;
}

/* Finds the option an argument names; *inline_arg gets "V" of "--opt=V" or "-cV". */
static const CliOption *find_option(const char *arg, const char **inline_arg) {
    *inline_arg = NULL;
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const CliOption *o = &cli_options[i];
        if ((o->short_name && strcmp(arg, o->short_name) == 0) ||
            (o->long_name && strcmp(arg, o->long_name) == 0))
            return o;
        if (o->long_name) {
            size_t n = strlen(o->long_name);
            if (strncmp(arg, o->long_name, n) == 0 && arg[n] == '=') {
                *inline_arg = arg + n + 1;
                return o;
            }
        }
        if (o->argname && o->short_name && arg[1] != '-' &&
            strncmp(arg, o->short_name, 2) == 0 && arg[2] != '\0') {
            *inline_arg = arg + 2;
            return o;
        }
    }
    return NULL;
}

/* Applies an option without argument; -1 to go on (like parse_args). */
static int apply_flag(const CliOption *o, Settings *st) {
    switch (o->id) {
    case OPT_HELP: print_help(stdout); return 0;
    case OPT_VERSION: printf("%s\n", TINY_VERSION_LINE); return 0;
    case OPT_GIL_STATS: st->gil_stats = 1; break;
    case OPT_UNBUF: st->unbuffered = 1; break;
    case OPT_INSPECT: st->inspect = 1; break;
    case OPT_QUIET: st->quiet = 1; break;
    case OPT_IGNORE_ENV: st->ignore_env = 1; break;
    case OPT_ISOLATE: st->isolate = st->ignore_env = 1; break;
    case OPT_OPTIMIZE: st->optimize++; break;
    default: break;          /* -B: tiny writes no bytecode files */
    }
    return -1;
}

/* Parses the command line; returns -1 to go on, else an exit status. */
static int parse_args(int argc, char **argv, Settings *st) {
    memset(st, 0, sizeof *st);
    st->mode = MODE_DEFAULT;
    int i = 1;
    while (i < argc) {
        const char *a = argv[i];
        if (strcmp(a, "-") == 0) {
            st->mode = MODE_STDIN;
            st->rest = i + 1;
            return -1;
        }
        if (strcmp(a, "--") == 0) { i++; break; }
        if (a[0] != '-') break;
        const char *val;
        const CliOption *o = find_option(a, &val);
        if (!o && a[1] != '-' && a[1] && a[2]) {
            /* single-letter flags together (-uqB), as CPython takes them; the last may
             * take an argument (-uc CODE) */
            char one[3] = { '-', a[1], '\0' };
            const CliOption *first = find_option(one, &val);
            if (first && !first->argname) {
                if (a[1] == 'V') {    /* -VV: CPython's longer version; tiny has one line */
                    printf("%s\n", TINY_VERSION_LINE);
                    return 0;
                }
                memmove(argv[i] + 1, argv[i] + 2, strlen(argv[i] + 2) + 1);
                int r = apply_flag(first, st);
                if (r >= 0) return r;
                continue;
            }
        }
        if (!o) return usage_error("unknown option %s", a);
        if (o->argname && !val) {
            if (i + 1 >= argc) return usage_error("option %s requires an argument", a);
            val = argv[++i];
        } else if (!o->argname && val) {
            return usage_error("option %s takes no argument", o->long_name ? o->long_name : a);
        }
        i++;
        if (!o->argname) {
            int r = apply_flag(o, st);
            if (r >= 0) return r;
            continue;
        }
        switch (o->id) {
        case OPT_CMD:
            st->mode = MODE_CMD;
            st->code = val;
            st->rest = i;
            return -1;
        case OPT_DIS:
            st->mode = MODE_DIS;
            st->file = val;
            st->rest = i;
            break;
        case OPT_SWITCH:
            st->switch_interval = val;
            break;
        case OPT_GIL:
            st->gil = val;
            break;
        case OPT_GIL_TRACE:
            st->gil_trace = val;
            break;
        case OPT_GIL_TIMELINE:
            st->gil_timeline = val;
            break;
        case OPT_SCHEDULE:
            st->schedule = val;
            break;
        case OPT_SEED:
            st->seed = val;
            break;
        default:                  /* -W ARG, -X OPT: accepted; tiny has no use for them */
            break;
        }
    }
    if (st->mode == MODE_DIS) {
        if (i < argc) return usage_error("unexpected argument %s after --dis FILE", argv[i]);
        return -1;
    }
    if (i < argc) {
        st->mode = MODE_FILE;
        st->file = argv[i];
        st->rest = i + 1;
    } else {
        st->rest = argc;
    }
    return -1;
}

/* ---- running ---- */

/* The directory of a script as given (sys.path[0]), malloc'ed. */
static char *script_dir(const char *file) {
    char *copy = strdup(file);
    if (!copy) return NULL;
    char *slash = strrchr(copy, '/');
    const char *dir;
    if (!slash) dir = ".";
    else if (slash == copy) dir = "/";
    else { *slash = '\0'; dir = copy; }
    char *d = strdup(dir);
    free(copy);
    return d;
}

/* Reads all of stdin; NULL after an error or Ctrl-C (*interrupted set). */
static char *read_stdin(size_t *len_out, int *interrupted) {
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap);
    *interrupted = 0;
    if (!buf) return NULL;
    for (;;) {
        if (cap - len < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) { free(buf); return NULL; }
            buf = nb;
            cap *= 2;
        }
        ssize_t n = read(STDIN_FILENO, buf + len, cap - len - 1);
        if (n < 0) {
            if (errno == EINTR) {
                if (got_sigint) { *interrupted = 1; free(buf); return NULL; }
                continue;
            }
            free(buf);
            return NULL;
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    *len_out = len;
    return buf;
}

/* sys.argv for -c / - / the REPL: first, then argv[rest..]. */
static char **make_argv(const char *first, int argc, char **argv, int rest, int *n_out) {
    int n = 1 + (argc - rest);
    char **v = malloc(sizeof(char *) * (size_t)(n + 1));
    if (!v) return NULL;
    v[0] = (char *)first;
    for (int k = rest; k < argc; k++) v[1 + k - rest] = argv[k];
    v[n] = NULL;
    *n_out = n;
    return v;
}

static int run_stdin_program(void) {
    size_t len = 0;
    int interrupted = 0;
    char *src = read_stdin(&len, &interrupted);
    if (!src) {
        if (interrupted) {
            fputs("KeyboardInterrupt\n", stderr);
            return 130;
        }
        fprintf(stderr, "tiny: can't read stdin: %s\n", strerror(errno));
        return 1;
    }
    int status;
    if (memchr(src, '\0', len)) {
        fputs("SyntaxError: source code cannot contain null bytes\n", stderr);
        status = 1;
    } else {
        status = tiny_run_source(src, "<stdin>");
    }
    free(src);
    return status;
}

/* Parses a seed (a whole number from 0 to 2^63-1); -1 if bad. */
static int parse_seed(const char *text, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || *end || errno || text[0] == '-' || text[0] == '+' || v > (unsigned long long)INT64_MAX) return -1;
    *out = v;
    return 0;
}

/* An environment variable of tiny's, or NULL under -E and -I. */
static const char *env_get(const Settings *st, const char *name) {
    return st->ignore_env ? NULL : getenv(name);
}

/* Chooses the schedule: --schedule, else TINY_SCHEDULE unless --gil was given; -1 after a
 * usage error. */
static int configure_schedule(const Settings *st) {
    if (st->schedule && st->gil) {
        usage_error("%s", "--gil and --schedule exclude each other (a schedule makes every switch itself)");
        return -1;
    }
    const char *name = st->schedule ? st->schedule : st->gil ? NULL : env_get(st, "TINY_SCHEDULE");
    int sched = GIL_SCHED_NONE;
    if (name && *name) {
        sched = gil_schedule_from_name(name);
        if (sched < 0) {
            usage_error(st->schedule ? "unknown schedule '%s' (choose deterministic or random)"
                                     : "unknown schedule '%s' in TINY_SCHEDULE (choose deterministic or random)", name);
            return -1;
        }
    }
    if (st->seed && sched != GIL_SCHED_RANDOM) {
        usage_error("%s", "--seed is only for --schedule=random");
        return -1;
    }
    const char *seed_text = st->seed ? st->seed : env_get(st, "TINY_SEED");
    uint64_t seed = (gil_now_ns() ^ ((uint64_t)getpid() << 20)) % 1000000000u;
    if (sched == GIL_SCHED_RANDOM && seed_text && *seed_text && parse_seed(seed_text, &seed) < 0) {
        usage_error(st->seed ? "bad seed '%s' (give a whole number from 0 to 9223372036854775807)"
                             : "bad seed '%s' in TINY_SEED (give a whole number from 0 to 9223372036854775807)", seed_text);
        return -1;
    }
    gil_set_schedule((GilSchedule)sched, seed);
    return 0;
}

/* Applies the GIL settings from the options, else the environment; -1 after a usage error. */
static int configure_gil(const Settings *st) {
    if (configure_schedule(st) < 0) return -1;
    const char *pol = st->gil ? st->gil : gil_schedule() ? NULL : env_get(st, "TINY_GIL");
    const char *iv = st->switch_interval ? st->switch_interval : env_get(st, "TINY_SWITCH_INTERVAL");
    int policy = -1;   /* the default */
    if (pol && *pol) {
        policy = gil_policy_from_name(pol);
        if (policy < 0) {
            char names[256], msg[400];
            gil_policy_list(names, sizeof names, " or ");
            snprintf(msg, sizeof msg, "unknown GIL policy '%%s'%s (choose %s)", st->gil ? "" : " in TINY_GIL", names);
            usage_error(msg, pol);
            return -1;
        }
    }
    int64_t instr, ns;
    gil_default_interval(&instr, &ns);
    if (iv && *iv && gil_parse_interval(iv, &instr, &ns) < 0) {
        usage_error(st->switch_interval ? "bad switch interval '%s' (give N instructions, or a time such as 5ms, 200us, 1s)"
                    : "bad switch interval '%s' in TINY_SWITCH_INTERVAL (give N instructions, or a time such as 5ms, 200us, 1s)", iv);
        return -1;
    }
    gil_configure(policy, instr, ns);
    the_interp.gil_stats = st->gil_stats;
    return 0;
}

/* Opens the timeline outputs now, so a path that cannot be written stops tiny before the
 * program runs; -1 after the error message. */
static int configure_trace(const Settings *st) {
    const char *paths[2] = { st->gil_trace, st->gil_timeline };
    if (!paths[0] && !paths[1]) return 0;
    const char *lim = env_get(st, "TINY_GIL_TRACE_LIMIT");
    if (lim && *lim && gtrace_set_limit(lim) < 0) {
        usage_error("bad TINY_GIL_TRACE_LIMIT '%s' (give a number of events above 0)", lim);
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        if (!paths[i]) continue;
        if (gtrace_open(i == 0 ? 'j' : 's', paths[i]) < 0) {
            fprintf(stderr, "tiny: cannot write %s '%s': %s\n", i == 0 ? "--gil-trace file" : "--gil-timeline file",
                    paths[i], strerror(errno));
            return -1;
        }
    }
    gtrace_set_program(st->mode == MODE_FILE ? st->file : st->mode == MODE_CMD ? "-c" : "<stdin>");
    return 0;
}

/* -I: sys.path gets no entry for the script's directory (or the current one). */
static void isolate_path(void) {
    List *path = (List *)the_interp.path;
    if (!path || path->len == 0) return;
    v_decref(path->items[0]);
    memmove(path->items, path->items + 1, sizeof(Value) * (size_t)(path->len - 1));
    path->len--;
}

/* Puts back the TINYPATH that -E hid from tiny_init (frees it). */
static void restore_env(char *tinypath) {
    if (!tinypath) return;
    setenv("TINYPATH", tinypath, 1);
    free(tinypath);
}

int main(int argc, char **argv) {
    Settings st;
    int early = parse_args(argc, argv, &st);
    if (early >= 0) return early;
    if (configure_gil(&st) < 0) return 2;
    if (configure_trace(&st) < 0) return 2;
    if (st.unbuffered) {
        setvbuf(stdout, NULL, _IONBF, 0);
        setvbuf(stderr, NULL, _IONBF, 0);
    }
    comp_optimize = st.optimize;
    /* -E/-I: tiny_init must not see TINYPATH; the program's os.environ still does */
    char *tinypath = st.ignore_env && getenv("TINYPATH") ? strdup(getenv("TINYPATH")) : NULL;
    if (tinypath) unsetenv("TINYPATH");
    install_signals();
    vm_hooks.compile = comp_compile;
    stdlib_hooks(&vm_hooks);

    int status = 0;
    switch (st.mode) {
    case MODE_FILE: {
        char *dir = script_dir(st.file);
        tiny_init(argc - (st.rest - 1), argv + (st.rest - 1), dir);
        free(dir);
        if (st.isolate) isolate_path();
        restore_env(tinypath);
        status = tiny_run_file(st.file);
        if (st.inspect) status = repl_run(true);
        break;
    }
    case MODE_DIS: {
        char *dir = script_dir(st.file);
        char *dargv[2] = { (char *)st.file, NULL };
        tiny_init(1, dargv, dir);
        free(dir);
        status = tiny_dis_file(st.file);
        break;
    }
    case MODE_CMD:
    case MODE_STDIN:
    case MODE_DEFAULT: {
        const char *first = st.mode == MODE_CMD ? "-c" : st.mode == MODE_STDIN ? "-" : "";
        int n = 0;
        char **v = make_argv(first, argc, argv, st.rest, &n);
        if (!v) { fputs("tiny: out of memory\n", stderr); return 1; }
        tiny_init(n, v, NULL);
        free(v);
        if (st.isolate) isolate_path();
        restore_env(tinypath);
        if (st.mode == MODE_CMD) {
            status = tiny_run_source(st.code, "<string>");
            if (st.inspect) status = repl_run(true);
        } else if (st.mode == MODE_DEFAULT && (st.inspect || isatty(STDIN_FILENO))) {
            status = repl_run(st.quiet);
        } else {
            status = run_stdin_program();
        }
        break;
    }
    }
    return tiny_fini(status) & 0xff;
}
