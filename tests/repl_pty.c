/* repl_pty.c — tests of the interactive prompt: tiny runs under a pseudo-terminal
 * (forkpty) with HOME set to a fresh temporary directory, and the test types at it.
 * Also checks that with stdin not a terminal tiny runs stdin as a program.
 * usage: repl_pty [TINY]   (default ./tiny, or $TINY) */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const char *tiny = "./tiny";
static double wait_seconds = 10.0;

typedef struct Session {
    pid_t pid;
    int fd;                 /* pty master */
    char home[256];
    char *out;              /* everything read so far */
    size_t len, cap;
    size_t mark;            /* searches start here */
} Session;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Reads what is available (waiting at most ms); returns false at EOF. */
static bool pump(Session *s, int ms) {
    struct pollfd p = { s->fd, POLLIN, 0 };
    int r = poll(&p, 1, ms);
    if (r <= 0) return true;
    if (s->len + 4096 + 1 > s->cap) {
        s->cap = s->cap ? s->cap * 2 : 65536;
        while (s->cap < s->len + 4096 + 1) s->cap *= 2;
        s->out = realloc(s->out, s->cap);
        assert_non_null(s->out);
    }
    ssize_t n = read(s->fd, s->out + s->len, 4096);
    if (n <= 0) return errno == EINTR || errno == EAGAIN;
    s->len += (size_t)n;
    s->out[s->len] = '\0';
    return true;
}

/* Waits until needle appears after the mark; moves the mark past it. */
static bool expect_text(Session *s, const char *needle) {
    double end = now() + wait_seconds;
    for (;;) {
        if (s->out) {
            char *hit = memmem(s->out + s->mark, s->len - s->mark, needle, strlen(needle));
            if (hit) {
                s->mark = (size_t)(hit - s->out) + strlen(needle);
                return true;
            }
        }
        if (now() > end) break;
        if (!pump(s, 50)) {
            pump(s, 0);
            if (s->out && memmem(s->out + s->mark, s->len - s->mark, needle, strlen(needle))) continue;
            break;
        }
    }
    fflush(stdout);
    fprintf(stderr, "expected %s in the REPL's output; it printed:\n---\n%s\n---\n", needle,
                s->out ? s->out + s->mark : "");
    return false;
}

static void type(Session *s, const char *text) {
    size_t n = strlen(text);
    while (n > 0) {
        ssize_t w = write(s->fd, text, n);
        if (w < 0 && errno == EINTR) continue;
        assert_true(w > 0);
        text += w;
        n -= (size_t)w;
    }
}

static void start(Session *s) {
    memset(s, 0, sizeof *s);
    const char *tmp = getenv("TMPDIR");
    snprintf(s->home, sizeof s->home, "%s/tiny-repl-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(s->home));
    struct winsize ws = { 24, 100, 0, 0 };
    fflush(stdout);
    fflush(stderr);
    pid_t pid = forkpty(&s->fd, NULL, NULL, &ws);
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("HOME", s->home, 1);
        setenv("TERM", "dumb", 1);
        unsetenv("INPUTRC");
        const char *asan = getenv("ASAN_OPTIONS");
        char opts[512];
        snprintf(opts, sizeof opts, "%s%sdetect_leaks=0", asan ? asan : "", asan && *asan ? ":" : "");
        setenv("ASAN_OPTIONS", opts, 1);
        signal(SIGINT, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        execl(tiny, tiny, (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", tiny, strerror(errno));
        _exit(127);
    }
    s->pid = pid;
}

/* Waits for the process to end; returns its wait status (-1 on timeout). */
static int finish(Session *s) {
    double end = now() + wait_seconds;
    int status = -1;
    while (now() < end) {
        pump(s, 20);
        pid_t r = waitpid(s->pid, &status, WNOHANG);
        if (r == s->pid) { s->pid = 0; return status; }
    }
    return -1;
}

static void stop(Session *s) {
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
    if (s->fd > 0) close(s->fd);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->home);
    if (s->home[0] && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", s->home);
    free(s->out);
    s->out = NULL;
}

static int teardown(void **state) {
    Session *s = *state;
    stop(s);
    free(s);
    return 0;
}

static int setup(void **state) {
    Session *s = calloc(1, sizeof(Session));
    if (!s) return -1;
    start(s);
    *state = s;
    return 0;
}

/* ---- the tests ---- */

static void test_expression_echo(void **state) {
    Session *s = *state;
    assert_true(expect_text(s, ">>> "));
    type(s, "1 + 2\r");
    assert_true(expect_text(s, "\n3\r\n"));
    assert_true(expect_text(s, ">>> "));
    type(s, "'a' * 3\r");
    assert_true(expect_text(s, "'aaa'"));
}

static void test_compound_statement(void **state) {
    Session *s = *state;
    assert_true(expect_text(s, ">>> "));
    type(s, "def f():\r");
    assert_true(expect_text(s, "... "));
    type(s, "    return 5\r");
    assert_true(expect_text(s, "... "));
    type(s, "\r");
    assert_true(expect_text(s, ">>> "));
    type(s, "f()\r");
    assert_true(expect_text(s, "\n5\r\n"));
}

static void test_tab_completion(void **state) {
    Session *s = *state;
    assert_true(expect_text(s, ">>> "));
    type(s, "x = [1]\r");
    assert_true(expect_text(s, ">>> "));
    type(s, "x.ap\t");
    assert_true(expect_text(s, "x.append"));
    pump(s, 200);
    bool paren = s->len > s->mark && s->out[s->mark] == '(';
    type(s, paren ? "2)\r" : "(2)\r");
    assert_true(expect_text(s, ">>> "));
    type(s, "x\r");
    assert_true(expect_text(s, "[1, 2]"));
}

static void test_ctrl_c_cancels_line(void **state) {
    Session *s = *state;
    assert_true(expect_text(s, ">>> "));
    type(s, "abc");
    pump(s, 200);
    type(s, "\x03");
    assert_true(expect_text(s, "KeyboardInterrupt"));
    assert_true(expect_text(s, ">>> "));
    type(s, "6 * 7\r");
    assert_true(expect_text(s, "\n42\r\n"));
}

static void test_ctrl_c_interrupts_code(void **state) {
    Session *s = *state;
    assert_true(expect_text(s, ">>> "));
    type(s, "while True: pass\r");
    assert_true(expect_text(s, "... "));
    type(s, "\r");
    struct timespec d = { 0, 500 * 1000 * 1000 };
    nanosleep(&d, NULL);
    type(s, "\x03");
    assert_true(expect_text(s, "Traceback (most recent call last):"));
    assert_true(expect_text(s, "KeyboardInterrupt"));
    assert_true(expect_text(s, ">>> "));
    type(s, "1 + 1\r");
    assert_true(expect_text(s, "\n2\r\n"));
}

static void test_ctrl_d_exits_and_saves_history(void **state) {
    Session *s = *state;
    assert_true(expect_text(s, ">>> "));
    type(s, "y = 40 + 2\r");
    assert_true(expect_text(s, ">>> "));
    type(s, "\x04");
    int status = finish(s);
    assert_true(status != -1);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char path[400];
    snprintf(path, sizeof path, "%s/.tiny_history", s->home);
    FILE *fp = fopen(path, "r");
    if (!fp) print_error("%s was not written\n", path);
    assert_non_null(fp);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    if (!strstr(buf, "y = 40 + 2")) print_error("history holds:\n%s\n", buf);
    assert_non_null(strstr(buf, "y = 40 + 2"));
}

static void test_exit_status_from_system_exit(void **state) {
    Session *s = *state;
    assert_true(expect_text(s, ">>> "));
    type(s, "raise SystemExit(3)\r");
    int status = finish(s);
    assert_true(status != -1);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 3);
}

/* exit and quit typed alone show CPython's hint and leave the prompt running. */
static void test_exit_and_quit_hint(void **state) {
    Session *s = *state;
    assert_true(expect_text(s, ">>> "));
    type(s, "exit\r");
    assert_true(expect_text(s, "Use exit() or Ctrl-D (i.e. EOF) to exit\r\n"));
    assert_true(expect_text(s, ">>> "));
    type(s, "quit\r");
    assert_true(expect_text(s, "Use quit() or Ctrl-D (i.e. EOF) to exit\r\n"));
    assert_true(expect_text(s, ">>> "));
    type(s, "1 + 1\r");
    assert_true(expect_text(s, "\n2\r\n"));
}

/* Not a terminal: `echo 'print(2*21)' | tiny` runs stdin as a program, no prompts. */
static void test_stdin_not_a_tty(void **state) {
    (void)state;
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execl(tiny, tiny, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    const char *prog = "print(2*21)\nprint('x' + 'y')\n";
    assert_int_equal(write(in[1], prog, strlen(prog)), (ssize_t)strlen(prog));
    close(in[1]);
    char buf[256];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(out[0], buf + len, sizeof buf - 1 - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    close(out[0]);
    int status;
    waitpid(pid, &status, 0);
    assert_string_equal(buf, "42\nxy\n");
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    const char *env = getenv("TINY");
    if (env && *env) tiny = env;
    if (argc > 1) tiny = argv[1];
    if ((env = getenv("TINY_TIMEOUT")) && atof(env) > 0) wait_seconds = atof(env);
    if (access(tiny, X_OK) != 0) {
        fprintf(stderr, "repl_pty: %s is not an executable\n", tiny);
        return 2;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_expression_echo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compound_statement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tab_completion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ctrl_c_cancels_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ctrl_c_interrupts_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ctrl_d_exits_and_saves_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_status_from_system_exit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_and_quit_hint, setup, teardown),
        cmocka_unit_test(test_stdin_not_a_tty),
    };
    return cmocka_run_group_tests_name("repl", tests, NULL, NULL) ? 1 : 0;
}
