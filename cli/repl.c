/* repl.c — the interactive prompt: GNU readline (callback interface, so Ctrl-C can
 * cancel a line), history in ~/.tiny_history, tab completion through tiny_complete,
 * and CPython's rules for when an entry is complete: a simple statement runs as soon
 * as it compiles; a compound statement (if/for/def/class/...) runs after an empty line.
 * The static variables below are the CLI's own state for readline's callbacks. */
#define _GNU_SOURCE
#include "repl.h"
#include "api.h"
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>
#include <readline/readline.h>
#include <readline/history.h>

#define HISTORY_FILE ".tiny_history"
#define HISTORY_MAX 1000

static volatile sig_atomic_t at_prompt;      /* waiting in read_line */
static volatile sig_atomic_t prompt_sigint;  /* Ctrl-C while at the prompt */
static char *cb_line;                        /* the line readline handed over */
static int cb_done;                          /* readline finished a line (or EOF) */
static char **comp_list;                     /* tiny_complete's answer being handed out */
static size_t comp_index;

int repl_sigint(void) {
    if (!at_prompt) return 0;
    prompt_sigint = 1;
    return 1;
}

/* ---- reading a line ---- */

static void on_line(char *line) {
    cb_line = line;
    cb_done = 1;
    rl_callback_handler_remove();
}

/* Reads one line from a stdin that is no terminal, the prompt written to stderr. */
static char *read_plain_line(const char *prompt, bool *interrupted) {
    fputs(prompt, stderr);
    fflush(stderr);
    char *line = NULL;
    size_t cap = 0;
    errno = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0) {
        *interrupted = errno == EINTR;
        clearerr(stdin);
        free(line);
        return NULL;
    }
    if (n > 0 && line[n - 1] == '\n') line[n - 1] = '\0';
    return line;
}

/* Reads one line with a prompt: the line (malloc'ed), or NULL at EOF or after Ctrl-C
 * (*interrupted set). */
static char *read_line(const char *prompt, bool *interrupted) {
    *interrupted = false;
    if (!isatty(STDIN_FILENO)) return read_plain_line(prompt, interrupted);
    cb_line = NULL;
    cb_done = 0;
    prompt_sigint = 0;
    sigset_t block, orig;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &orig);
    sigset_t wait_mask = orig;
    sigdelset(&wait_mask, SIGINT);
    at_prompt = 1;
    rl_callback_handler_install(prompt, on_line);
    while (!cb_done) {
        if (prompt_sigint) break;
        int fd = fileno(rl_instream ? rl_instream : stdin);
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(fd, &fds);
        /* SIGINT is only let in while waiting, so a Ctrl-C is never missed. */
        int r = pselect(fd + 1, &fds, NULL, NULL, NULL, &wait_mask);
        if (r < 0) {
            if (errno == EINTR) continue;
            rl_callback_handler_remove();
            cb_done = 1;                      /* treat a broken terminal as EOF */
            break;
        }
        if (r > 0) rl_callback_read_char();
    }
    if (prompt_sigint && !cb_done) {
        /* CPython's sequence for a signal during readline. */
        rl_free_line_state();
        rl_callback_sigcleanup();
        rl_cleanup_after_signal();
        rl_callback_handler_remove();
        *interrupted = true;
        free(cb_line);
        cb_line = NULL;
    }
    at_prompt = 0;
    prompt_sigint = 0;
    sigprocmask(SIG_SETMASK, &orig, NULL);
    return cb_line;
}

/* ---- completion ---- */

static char *comp_generator(const char *text, int state) {
    (void)text;
    if (state == 0) comp_index = 0;
    if (!comp_list) return NULL;
    char *s = comp_list[comp_index];
    if (s) {
        comp_index++;
        return s;                             /* readline frees it */
    }
    free(comp_list);
    comp_list = NULL;
    return NULL;
}

static char **comp_attempt(const char *text, int start, int end) {
    (void)end;
    rl_attempted_completion_over = 1;         /* never fall back to file names */
    rl_completion_append_character = '\0';
    if (text[0] == '\0') {
        bool blank = true;
        for (int i = 0; i < start; i++)
            if (!isspace((unsigned char)rl_line_buffer[i])) blank = false;
        if (blank) {                          /* TAB at the start of a line indents */
            rl_insert_text("    ");
            return NULL;
        }
    }
    if (comp_list) {
        for (size_t i = comp_index; comp_list[i]; i++) free(comp_list[i]);
        free(comp_list);
    }
    comp_list = tiny_complete(text);
    comp_index = 0;
    return rl_completion_matches(text, comp_generator);
}

/* ---- deciding when an entry is complete ---- */

/* Whether the text ends inside a bracket, a triple-quoted string, or after a
 * backslash continuation: then more lines are needed whatever they hold. */
static bool scan_open(const char *s) {
    int depth = 0;
    char quote = 0;          /* in a string: its quote character */
    bool triple = false;
    bool backslash_end = false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (quote) {
            if (c == '\\' && p[1]) { p++; continue; }
            if (triple) {
                if (c == quote && p[1] == quote && p[2] == quote) { quote = 0; p += 2; }
            } else if (c == quote || c == '\n') {
                quote = 0;
            }
            continue;
        }
        backslash_end = false;
        switch (c) {
        case '#':
            while (p[1] && p[1] != '\n') p++;
            break;
        case '\'': case '"':
            quote = c;
            triple = p[1] == c && p[2] == c;
            if (triple) p += 2;
            break;
        case '(': case '[': case '{': depth++; break;
        case ')': case ']': case '}': if (depth > 0) depth--; break;
        case '\\':
            if (p[1] == '\n' && p[2] == '\0') backslash_end = true;
            break;
        default: break;
        }
    }
    return depth > 0 || (quote && triple) || backslash_end;
}

/* Whether an entry starts with a compound statement (which needs an empty line). */
static bool is_compound(const char *s) {
    static const char *const heads[] = {
        "if", "while", "for", "try", "with", "def", "class", "async", NULL
    };
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '@') return true;
    size_t n = 0;
    while (isalnum((unsigned char)s[n]) || s[n] == '_') n++;
    for (int i = 0; heads[i]; i++)
        if (strlen(heads[i]) == n && strncmp(s, heads[i], n) == 0) return true;
    return false;
}

static bool is_blank(const char *s) {
    for (; *s; s++)
        if (!isspace((unsigned char)*s)) return false;
    return true;
}

/* ---- history ---- */

static char *history_path(void) {
    const char *home = getenv("HOME");
    if (!home || !*home) return NULL;
    size_t n = strlen(home) + sizeof(HISTORY_FILE) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", home, HISTORY_FILE);
    return p;
}

static void save_history(const char *path, int added) {
    if (!path || added <= 0) return;
    if (added > history_length) added = history_length;
    if (access(path, F_OK) == 0) append_history(added, path);
    else write_history(path);
    history_truncate_file(path, HISTORY_MAX);
}

/* ---- the loop ---- */

typedef struct Entry { char *text; size_t len, cap; } Entry;

static void entry_add(Entry *e, const char *line) {
    size_t n = strlen(line);
    if (e->len + n + 2 > e->cap) {
        size_t cap = e->cap ? e->cap : 256;
        while (cap < e->len + n + 2) cap *= 2;
        char *nt = realloc(e->text, cap);
        if (!nt) { fputs("tiny: out of memory\n", stderr); exit(1); }
        e->text = nt;
        e->cap = cap;
    }
    memcpy(e->text + e->len, line, n);
    e->len += n;
    e->text[e->len++] = '\n';
    e->text[e->len] = '\0';
}

static void entry_reset(Entry *e) {
    e->len = 0;
    if (e->text) e->text[0] = '\0';
}

/* Whether an entry is the bare name exit or quit (CPython's REPL shows a hint for them). */
static const char *quit_name(const char *text) {
    while (*text == ' ' || *text == '\t') text++;
    const char *names[2] = { "exit", "quit" };
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(names[i]);
        if (strncmp(text, names[i], n) != 0) continue;
        const char *rest = text + n;
        while (*rest == ' ' || *rest == '\t' || *rest == '\n' || *rest == '\r') rest++;
        if (!*rest) return names[i];
    }
    return NULL;
}

int repl_run(int quiet) {
    /* readline needs a UTF-8 character type to edit non-ASCII text (only LC_CTYPE:
     * number formatting stays "C"); like CPython, fall back to C.UTF-8. */
    const char *loc = setlocale(LC_CTYPE, "");
    if (!loc || strcmp(loc, "C") == 0 || strcmp(loc, "POSIX") == 0) setlocale(LC_CTYPE, "C.UTF-8");
    rl_readline_name = "tiny";
    rl_catch_signals = 0;                     /* our SIGINT handler, not readline's */
    rl_attempted_completion_function = comp_attempt;
    rl_completer_word_break_characters = " \t\n`~!@#$%^&*()-=+[{]}\\|;:'\",<>/?";
    rl_initialize();
    rl_variable_bind("enable-bracketed-paste", "off");  /* pasted lines arrive one by one */
    using_history();
    stifle_history(HISTORY_MAX);
    char *hpath = history_path();
    if (hpath) read_history(hpath);
    int added = 0;

    if (!quiet) {
        fprintf(stderr, "%s: help() is not available; Ctrl-D exits, Ctrl-C interrupts.\n",
                TINY_VERSION_LINE);
        fflush(stderr);
    }

    Entry e = { NULL, 0, 0 };
    bool cont = false, compound = false;
    int status = 0;
    for (;;) {
        bool interrupted;
        fflush(stdout);
        char *line = read_line(cont ? "... " : ">>> ", &interrupted);
        if (interrupted) {
            fputs("\nKeyboardInterrupt\n", stderr);
            fflush(stderr);
            entry_reset(&e);
            cont = compound = false;
            continue;
        }
        if (!line) {                          /* EOF: run what a compound entry holds, then leave */
            if (cont && compound && e.len > 0 && !scan_open(e.text)) {
                bool inc;
                int ec;
                entry_add(&e, "");
                tiny_repl_exec(e.text, &inc, &ec);
                if (ec >= 0) status = ec;
            }
            /* the newline that ends the prompt line: CPython writes it where the prompt went */
            FILE *out = isatty(STDIN_FILENO) ? stdout : stderr;
            fputc('\n', out);
            fflush(out);
            break;
        }
        bool blank = is_blank(line);
        if (!blank) {
            add_history(line);
            added++;
        }
        if (!cont) {
            if (blank) { free(line); continue; }
            entry_reset(&e);
            compound = is_compound(line);
        }
        entry_add(&e, line);
        free(line);
        if (scan_open(e.text) || (compound && !blank)) {
            cont = true;
            continue;
        }
        bool inc = false;
        int ec = -1;
        const char *qn = quit_name(e.text);
        if (qn) {
            /* CPython's exit and quit show this as their repr; here they are functions, so
             * the REPL says it, unless the name was bound to something else */
            char src[200];
            snprintf(src, sizeof src,
                     "print('Use %s() or Ctrl-D (i.e. EOF) to exit') if %s is __import__('builtins').%s else %s\n",
                     qn, qn, qn, qn);
            tiny_repl_exec(src, &inc, &ec);
        } else {
            tiny_repl_exec(e.text, &inc, &ec);
        }
        if (inc) {
            cont = true;
            continue;
        }
        entry_reset(&e);
        cont = compound = false;
        if (ec >= 0) {
            status = ec;
            break;
        }
    }
    free(e.text);
    save_history(hpath, added);
    free(hpath);
    if (comp_list) {
        for (size_t i = comp_index; comp_list[i]; i++) free(comp_list[i]);
        free(comp_list);
        comp_list = NULL;
    }
    return status;
}
