/* io.c — file objects over C streams (open(), sys.stdin/stdout/stderr): text mode reads and
 * writes str, binary mode ('b') bytes. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* F_GETPIPE_SZ */
#endif
#include "builtins.h"
#include "state.h"
#include "objects/str.h"
#include "objects/bytes.h"
#include "objects/containers.h"
#include "exc.h"
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>
#include <stdio_ext.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include "gil/gil.h"
#include "signals.h"
#include "args.h"


/* A file: the stream, its name (str or int fd) and mode, and flags. busy counts the
 * operations in progress with the GIL released (each holds a reference to the file); a
 * close() meanwhile marks the file closed at once and leaves the fclose to the last of
 * them (close_pending). */
typedef struct TextFile {
    Obj hdr;
    FILE *fp;
    Value name;
    Obj *mode;
    uint8_t readable, writable, binary, closed, owned, std;
    uint8_t close_pending;
    int32_t busy;
} TextFile;

#define TF(v) ((TextFile *)AS_OBJ(v))

static void file_dealloc(Obj *o) {
    TextFile *f = (TextFile *)o;
    if (!f->closed && f->fp) {
        if (f->owned) fclose(f->fp);
        else fflush(f->fp);
    }
    f->fp = NULL;
    v_decref(f->name);
    o_xdecref(f->mode);
}

/* Validates self for a file method: a TextFile that is open; -1 with an exception otherwise. */
static int file_check(ThreadState *ts, Value self, const char *meth) {
    if (!OBJ_IS(self, T_TextFile)) {
        exc_raise(ts, &T_TypeError, "descriptor '%s' requires a file object but received a '%s'", meth,
                  obj_type_name(self));
        return -1;
    }
    if (TF(self)->closed) {
        exc_raise(ts, &T_ValueError, "I/O operation on closed file.");
        return -1;
    }
    return 0;
}

/* file_check plus the readable check. */
static int file_check_read(ThreadState *ts, Value self, const char *meth) {
    if (file_check(ts, self, meth) < 0) return -1;
    if (!TF(self)->readable) {
        exc_raise(ts, &T_OSError, "not readable");
        return -1;
    }
    return 0;
}

/* file_check plus the writable check. */
static int file_check_write(ThreadState *ts, Value self, const char *meth) {
    if (file_check(ts, self, meth) < 0) return -1;
    if (!TF(self)->writable) {
        exc_raise(ts, &T_OSError, "not writable");
        return -1;
    }
    return 0;
}

int io_check_stream(ThreadState *ts, FILE *fp) {
    if (!ferror(fp)) return 0;
    int e = errno;
    clearerr(fp);
    exc_raise_errno(ts, e ? e : EIO, NULL);
    return -1;
}

FILE *io_text_stream(Value f) {
    if (!OBJ_IS(f, T_TextFile)) return NULL;
    TextFile *t = TF(f);
    if (t->closed || !t->writable || t->binary) return NULL;
    return t->fp;
}

/* ---- blocking: the GIL is released around whatever may wait for the kernel ----
 * Between gil_blocking_begin and gil_blocking_end only C memory is touched (the FILE, a
 * StrBuf, the bytes of a str/bytes object pinned by a reference taken before). */

/* Pins f for an operation with the GIL released. */
static void file_pin(TextFile *f) {
    o_incref(&f->hdr);
    f->busy++;
}

/* Ends a pinned operation (GIL held): does a close() that came meanwhile; may free f. */
static void file_unpin(TextFile *f) {
    if (--f->busy == 0 && f->close_pending) {
        f->close_pending = 0;
        if (f->fp) {
            if (f->owned) fclose(f->fp);
            else if (f->writable) { fflush(f->fp); clearerr(f->fp); }
        }
        f->fp = NULL;
    }
    o_decref(&f->hdr);
}

/* Whether fwrite(data, len) on fp (locked) would go to the kernel now: the buffer would fill
 * up, a line-buffered stream sees a newline, or the stream is unbuffered (or has no buffer yet). */
static bool write_hits_kernel(FILE *fp, const char *data, size_t len) {
    size_t size = __fbufsize(fp);
    if (size <= 1) return true;
    if (__fpending(fp) + len >= size) return true;
    return __flbf(fp) && memchr(data, '\n', len) != NULL;
}

/* Under a schedule (--schedule), whether `total` bytes go to fp's descriptor with the GIL
 * kept, because no thread of ours is needed for the write to end: a regular file or a
 * character device (a terminal, /dev/null); the standard output and error whatever they
 * are (a pipe there is read by another process: a full one holds everyone up until that
 * process reads); another pipe when it surely has room for all of it. Letting the GIL go
 * around the write would let the kernel's timing decide where the thread re-enters the
 * rotation (vm/gil/gil.c, REPRODUCIBLE SCHEDULES). */
static bool sched_keeps_gil(FILE *fp, size_t total) {
    if (!gil_schedule()) return false;
    int fd = fileno(fp), used = 0;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) return false;
    if (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode) || fd == STDOUT_FILENO || fd == STDERR_FILENO) return true;
    int cap = S_ISFIFO(st.st_mode) ? fcntl(fd, F_GETPIPE_SZ) : -1;
    if (cap <= 0 || ioctl(fd, FIONREAD, &used) != 0) return false;
    /* a pipe holds cap/4096 pages, and each unread byte may sit on a page of its own */
    int64_t pages = cap / 4096, free_pages = pages - (used < pages ? used : pages);
    return (int64_t)(total / 4096) + 2 <= free_pages;
}

/* Writes len bytes to fp, releasing the GIL if that goes to the kernel (or another thread is
 * using the stream), retrying after a signal whose handler did not raise. pin: the object
 * holding data (kept alive meanwhile). -1 with an exception on error. */
static int stream_write(ThreadState *ts, TextFile *f, FILE *fp, Value pin, const char *data, size_t len) {
    if (ftrylockfile(fp) == 0) {
        /* into the buffer, or a write nothing can hold up under a schedule: no need to let go */
        if (!write_hits_kernel(fp, data, len) || sched_keeps_gil(fp, __fpending(fp) + len)) {
            fwrite_unlocked(data, 1, len, fp);
            funlockfile(fp);
            return io_check_stream(ts, fp);
        }
        funlockfile(fp);
    }
    if (f) file_pin(f);
    v_incref(pin);
    int r = 0;
    for (;;) {
        gil_blocking_begin(ts, "write");
        size_t n = fwrite(data, 1, len, fp);
        int e = errno;
        bool failed = n < len && ferror(fp);
        gil_blocking_end(ts);
        if (failed && e == EINTR) {
            clearerr(fp);
            data += n;
            len -= n;
            if (signal_check(ts) < 0) { r = -1; break; }
            continue;
        }
        errno = e;
        r = io_check_stream(ts, fp);
        if (r == 0) r = signal_poll(ts);
        break;
    }
    v_decref(pin);
    if (f) file_unpin(f);
    return r;
}

/* Flushes fp, releasing the GIL when there is something to write (or another thread is using
 * the stream); retries after a signal whose handler did not raise. -1 with an exception
 * (OSError) on error; without a thread state (ts NULL) just flushes. */
static int stream_flush(ThreadState *ts, TextFile *f, FILE *fp) {
    if (!ts || ftrylockfile(fp) == 0) {
        int res = 0;
        bool done = false;
        if (!ts) {
            res = fflush(fp);
            done = true;
        } else {
            if (__fpending(fp) == 0 || sched_keeps_gil(fp, __fpending(fp))) {
                res = fflush_unlocked(fp);
                done = true;
            }
            funlockfile(fp);
        }
        if (done) {
            if (res == 0) return 0;
            int e = errno;
            clearerr(fp);
            if (ts) exc_raise_errno(ts, e ? e : EIO, NULL);
            return -1;
        }
    }
    if (f) file_pin(f);
    int r = 0;
    for (;;) {
        gil_blocking_begin(ts, "flush");
        int res = fflush(fp);
        int e = errno;
        gil_blocking_end(ts);
        if (res == 0) { r = signal_poll(ts); break; }
        clearerr(fp);
        if (e == EINTR) {
            if (signal_check(ts) < 0) { r = -1; break; }
            continue;
        }
        exc_raise_errno(ts, e ? e : EIO, NULL);
        r = -1;
        break;
    }
    if (f) file_unpin(f);
    return r;
}

/* Read requests, done with the FILE locked (getc_unlocked). */
typedef struct ReadReq {
    int kind;          /* RD_LINE: up to '\n' (or limit); RD_CHARS: limit chars; RD_ALL: to EOF (limit: bytes) */
    int64_t limit;     /* chars (text) or bytes (binary); < 0 none */
    bool binary;
    int64_t count;     /* chars/bytes read so far */
    int state;         /* RD_LINE/RD_CHARS: UTF-8 continuation bytes still to copy */
    bool done;
} ReadReq;
enum { RD_LINE, RD_CHARS, RD_ALL };

/* Reads per req into b from a locked fp; returns 0 (done or EOF) or the errno of an error. */
static int read_some(FILE *fp, ReadReq *q, StrBuf *b) {
    int c;
    if (q->kind == RD_ALL) {
        char chunk[8192];
        for (;;) {
            size_t want = sizeof chunk;
            if (q->limit >= 0 && (int64_t)want > q->limit - q->count) want = (size_t)(q->limit - q->count);
            if (want == 0) break;
            size_t n = fread_unlocked(chunk, 1, want, fp);
            if (n > 0) { sb_putn(b, chunk, (int64_t)n); q->count += (int64_t)n; }
            if (n < want) {
                if (ferror_unlocked(fp)) return errno ? errno : EIO;
                break;
            }
        }
        q->done = true;
        return 0;
    }
    for (;;) {
        if (q->state > 0) {
            /* the rest of a UTF-8 sequence */
            c = getc_unlocked(fp);
            if (c == EOF) break;
            if ((c & 0xC0) != 0x80) { ungetc(c, fp); q->state = 0; continue; }
            sb_putc(b, (char)c);
            q->state--;
            continue;
        }
        if (q->limit >= 0 && q->count >= q->limit) {
            if (q->kind == RD_LINE && !q->binary) q->state = -1;  /* finish a partial sequence */
            else { q->done = true; return 0; }
        }
        if (q->state < 0) {
            c = getc_unlocked(fp);
            if (c == EOF) break;
            if ((c & 0xC0) != 0x80) { ungetc(c, fp); q->done = true; return 0; }
            sb_putc(b, (char)c);
            continue;
        }
        c = getc_unlocked(fp);
        if (c == EOF) break;
        sb_putc(b, (char)c);
        if (q->binary) q->count++;
        else if (q->kind == RD_CHARS) {
            q->count++;
            q->state = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        } else if ((c & 0xC0) != 0x80) q->count++;
        if (q->kind == RD_LINE && c == '\n') { q->done = true; return 0; }
    }
    if (ferror_unlocked(fp)) return errno ? errno : EIO;
    q->done = true;
    return 0;
}

#ifdef __GLIBC__
/* Whether a request can be served from fp's buffer alone (fp locked; glibc's FILE). */
static bool read_buffered(FILE *fp, const ReadReq *q) {
    if (q->kind == RD_ALL && q->limit < 0) return false;
    if (fp->_IO_read_ptr >= fp->_IO_read_end) return false;
    size_t avail = (size_t)(fp->_IO_read_end - fp->_IO_read_ptr);
    /* enough bytes for limit chars (up to 4 bytes each, and the rest of a sequence) */
    if (q->limit >= 0 && (q->binary ? (uint64_t)q->limit < avail : (uint64_t)q->limit + 1 < avail / 4))
        return true;
    return q->kind == RD_LINE && memchr(fp->_IO_read_ptr, '\n', avail) != NULL;
}
#endif

/* Runs a read request on f: from the buffer with the GIL held when possible, else with the
 * GIL released; retries after a signal whose handler did not raise. Returns the str/bytes. */
static Value stream_read(ThreadState *ts, TextFile *f, ReadReq *q) {
    StrBuf b;
    sb_init(&b);
    FILE *fp = f->fp;
    file_pin(f);
    int err = 0;
    while (!q->done) {
        bool fast = false;
#ifdef __GLIBC__
        if (ftrylockfile(fp) == 0) {
            fast = read_buffered(fp, q);
            if (!fast) funlockfile(fp);
        }
#endif
        if (!fast) {
            gil_blocking_begin(ts, "read");
            flockfile(fp);
        }
        err = read_some(fp, q, &b);
        if (err) clearerr_unlocked(fp);
        funlockfile(fp);
        if (!fast) {
            gil_blocking_end(ts);
            if (!err && signal_poll(ts) < 0) { err = -1; break; }
        }
        if (err == EINTR) {
            err = 0;
            if (signal_check(ts) < 0) { err = -1; break; }
            continue;
        }
        break;
    }
    if (err == 0) clearerr(fp);  /* EOF: a terminal may give more later */
    file_unpin(f);  /* f may be gone now */
    if (err) {
        sb_free(&b);
        if (err > 0) exc_raise_errno(ts, err, NULL);
        return V_NULL;
    }
    const char *data = b.data ? b.data : "";
    Value r = q->binary ? V_OBJ(bytes_new(data, b.len)) : V_OBJ(str_new(data, b.len));
    sb_free(&b);
    return r;
}

/* Reads a line (up to limit chars/bytes when limit >= 0) into a str/bytes. */
static Value read_line(ThreadState *ts, TextFile *f, int64_t limit) {
    ReadReq q = { .kind = RD_LINE, .limit = limit, .binary = f->binary };
    return stream_read(ts, f, &q);
}

Value io_readline(ThreadState *ts, Value f) {
    if (file_check_read(ts, f, "readline") < 0) return V_NULL;
    return read_line(ts, TF(f), -1);
}

/* Reads an optional size argument (None or -1: everything). */
static int get_size(ThreadState *ts, const char *fname, Value *args, int nargs, Obj *kwnames, int64_t *size) {
    if (arg_count(ts, fname, nargs - 1, kwnames, 0, 1) < 0) return -1;
    *size = -1;
    if (nargs == 2 && !IS_NONE(args[1]) && obj_as_index(ts, args[1], size) < 0) return -1;
    return 0;
}

static Value file_read(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (file_check_read(ts, args[0], "read") < 0) return V_NULL;
    int64_t size;
    if (get_size(ts, "read", args, nargs, kwnames, &size) < 0) return V_NULL;
    TextFile *f = TF(args[0]);
    ReadReq q = { .kind = size < 0 || f->binary ? RD_ALL : RD_CHARS, .limit = size, .binary = f->binary };
    return stream_read(ts, f, &q);
}

static Value file_readline(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (file_check_read(ts, args[0], "readline") < 0) return V_NULL;
    int64_t size;
    if (get_size(ts, "readline", args, nargs, kwnames, &size) < 0) return V_NULL;
    return read_line(ts, TF(args[0]), size);
}

static Value file_readlines(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (file_check_read(ts, args[0], "readlines") < 0) return V_NULL;
    int64_t hint;
    if (get_size(ts, "readlines", args, nargs, kwnames, &hint) < 0) return V_NULL;
    Obj *l = list_new(0);
    int64_t total = 0;
    for (;;) {
        Value line = read_line(ts, TF(args[0]), -1);
        if (IS_NULL(line)) { o_decref(l); return V_NULL; }
        int64_t n = IS_STR(line) ? AS_STR(line)->len : ((Bytes *)AS_OBJ(line))->len;
        if (n == 0) { v_decref(line); break; }
        list_append_steal(l, line);
        total += n;
        if (hint > 0 && total >= hint) break;
    }
    return V_OBJ(l);
}

/* Writes one str/bytes value; returns the count written (chars or bytes) or -1. */
static int64_t write_value(ThreadState *ts, TextFile *f, Value v) {
    if (f->binary) {
        if (!OBJ_IS(v, T_bytes)) {
            exc_raise(ts, &T_TypeError, "a bytes-like object is required, not '%s'", obj_type_name(v));
            return -1;
        }
        Bytes *b = (Bytes *)AS_OBJ(v);
        if (stream_write(ts, f, f->fp, v, (const char *)b->data, (size_t)b->len) < 0) return -1;
        return b->len;
    }
    if (!IS_STR(v) && !obj_isinstance(v, &T_str)) {
        exc_raise(ts, &T_TypeError, "write() argument must be str, not %s", obj_type_name(v));
        return -1;
    }
    Str *s = AS_STR(v);
    if (stream_write(ts, f, f->fp, v, s->data, (size_t)s->len) < 0) return -1;
    return s->nchars;
}

static Value file_write(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (file_check_write(ts, args[0], "write") < 0) return V_NULL;
    if (arg_count(ts, "write", nargs - 1, kwnames, 1, 1) < 0) return V_NULL;
    int64_t n = write_value(ts, TF(args[0]), args[1]);
    if (n < 0) return V_NULL;
    return V_INT(n);
}

static Value file_writelines(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (file_check_write(ts, args[0], "writelines") < 0) return V_NULL;
    if (arg_count(ts, "writelines", nargs - 1, kwnames, 1, 1) < 0) return V_NULL;
    Value it = obj_iter(ts, args[1]);
    if (IS_NULL(it)) return V_NULL;
    for (;;) {
        Value x = obj_next(ts, it);
        if (IS_NULL(x)) break;
        int64_t n = TF(args[0])->closed ? (exc_raise(ts, &T_ValueError, "I/O operation on closed file."), -1)
                                        : write_value(ts, TF(args[0]), x);
        v_decref(x);
        if (n < 0) { v_decref(it); return V_NULL; }
    }
    v_decref(it);
    if (!IS_NULL(ts->exc)) return V_NULL;
    return V_NONE;
}

static Value file_flush(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (file_check(ts, args[0], "flush") < 0) return V_NULL;
    if (arg_count(ts, "flush", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    TextFile *f = TF(args[0]);
    if (f->writable && stream_flush(ts, f, f->fp) < 0) return V_NULL;
    return V_NONE;
}

/* Closes a file object; -1 with an exception if flushing failed. */
static int file_do_close(ThreadState *ts, TextFile *f) {
    if (f->closed) return 0;
    f->closed = 1;
    if (f->busy > 0) {  /* another thread is in a read or write: it closes when done */
        f->close_pending = 1;
        return 0;
    }
    if (f->writable && f->fp && stream_flush(ts, f, f->fp) < 0) {
        if (f->owned) fclose(f->fp);
        f->fp = NULL;
        return -1;
    }
    int r;
    if (f->owned) r = fclose(f->fp);
    else r = f->writable ? fflush(f->fp) : 0;
    int e = errno;
    if (!f->owned) clearerr(f->fp);
    if (r != 0 && f->writable) {
        exc_raise_errno(ts, e ? e : EIO, NULL);
        return -1;
    }
    return 0;
}

static Value file_close(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (!OBJ_IS(args[0], T_TextFile)) return exc_raise(ts, &T_TypeError, "close() requires a file object");
    if (arg_count(ts, "close", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    if (file_do_close(ts, TF(args[0])) < 0) return V_NULL;
    return V_NONE;
}

static Value file_fileno(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (file_check(ts, args[0], "fileno") < 0) return V_NULL;
    if (arg_count(ts, "fileno", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    return V_INT(fileno(TF(args[0])->fp));
}

static Value file_isatty(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (file_check(ts, args[0], "isatty") < 0) return V_NULL;
    if (arg_count(ts, "isatty", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    return V_BOOL(isatty(fileno(TF(args[0])->fp)));
}

static Value file_readable(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (file_check(ts, args[0], "readable") < 0) return V_NULL;
    return V_BOOL(TF(args[0])->readable);
}

static Value file_writable(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (file_check(ts, args[0], "writable") < 0) return V_NULL;
    return V_BOOL(TF(args[0])->writable);
}

static Value file_seekable(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (file_check(ts, args[0], "seekable") < 0) return V_NULL;
    return V_BOOL(ftell(TF(args[0])->fp) >= 0);
}

static Value file_seek(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (file_check(ts, args[0], "seek") < 0) return V_NULL;
    if (arg_count(ts, "seek", nargs - 1, kwnames, 1, 2) < 0) return V_NULL;
    int64_t off, whence = 0;
    if (obj_as_index(ts, args[1], &off) < 0) return V_NULL;
    if (nargs == 3 && obj_as_index(ts, args[2], &whence) < 0) return V_NULL;
    if (whence < 0 || whence > 2) return exc_raise(ts, &T_ValueError, "invalid whence (%d, should be 0, 1 or 2)", (int)whence);
    TextFile *f = TF(args[0]);
    if (fseek(f->fp, (long)off, (int)whence) != 0) return exc_raise_errno(ts, errno, NULL);
    long pos = ftell(f->fp);
    if (pos < 0) return exc_raise_errno(ts, errno, NULL);
    return V_INT(pos);
}

static Value file_tell(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (file_check(ts, args[0], "tell") < 0) return V_NULL;
    if (arg_count(ts, "tell", nargs - 1, kwnames, 0, 0) < 0) return V_NULL;
    long pos = ftell(TF(args[0])->fp);
    if (pos < 0) return exc_raise_errno(ts, errno, NULL);
    return V_INT(pos);
}

static Value file_enter(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (file_check(ts, args[0], "__enter__") < 0) return V_NULL;
    return v_new(args[0]);
}

static Value file_exit(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (!OBJ_IS(args[0], T_TextFile)) return exc_raise(ts, &T_TypeError, "__exit__() requires a file object");
    if (file_do_close(ts, TF(args[0])) < 0) return V_NULL;
    return V_NONE;
}

static Value file_iter(ThreadState *ts, Value self) {
    if (file_check(ts, self, "__iter__") < 0) return V_NULL;
    return v_new(self);
}

static Value file_next(ThreadState *ts, Value self) {
    if (file_check_read(ts, self, "__next__") < 0) return V_NULL;
    Value line = read_line(ts, TF(self), -1);
    if (IS_NULL(line)) return V_NULL;
    int64_t n = IS_STR(line) ? AS_STR(line)->len : ((Bytes *)AS_OBJ(line))->len;
    if (n == 0) { v_decref(line); return V_NULL; }
    return line;
}

/* f.__next__(): the next line or StopIteration. */
static Value file_next_method(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    Value r = file_next(ts, args[0]);
    if (IS_NULL(r) && IS_NULL(ts->exc)) {
        Value e = exc_new(ts, &T_StopIteration, NULL, 0);
        if (!IS_NULL(e)) exc_set(ts, e);
    }
    return r;
}

/* f.__iter__(): the file itself. */
static Value file_iter_method(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    return file_iter(ts, args[0]);
}

static Value file_repr(ThreadState *ts, Value self) {
    TextFile *f = TF(self);
    Value nr = obj_repr(ts, f->name);
    if (IS_NULL(nr)) return V_NULL;
    Obj *mr = str_repr(f->mode);
    Obj *r;
    if (f->binary)
        r = str_fmt("<_io.%s name=%s>", f->readable && !f->writable ? "BufferedReader"
                                        : f->writable && !f->readable ? "BufferedWriter" : "BufferedRandom",
                    STR_DATA(AS_OBJ(nr)));
    else
        r = str_fmt("<_io.TextIOWrapper name=%s mode=%s encoding='%s'>", STR_DATA(AS_OBJ(nr)), STR_DATA(mr),
                    f->std ? "utf-8" : "UTF-8");
    v_decref(nr);
    o_decref(mr);
    return V_OBJ(r);
}

static Value file_getattr(ThreadState *ts, Value self, Obj *name) {
    TextFile *f = TF(self);
    const char *n = STR_DATA(name);
    if (n[0] != '_') {
        if (strcmp(n, "name") == 0) return v_new(f->name);
        if (strcmp(n, "mode") == 0) { o_incref(f->mode); return V_OBJ(f->mode); }
        if (strcmp(n, "closed") == 0) return V_BOOL(f->closed);
        if (strcmp(n, "encoding") == 0 && !f->binary) return V_OBJ(str_intern(f->std ? "utf-8" : "UTF-8"));
    }
    return obj_generic_getattr(ts, self, name);
}

static const MethodDef file_methods[] = {
    { "read", file_read, 0 },
    { "readline", file_readline, 0 },
    { "readlines", file_readlines, 0 },
    { "write", file_write, 0 },
    { "writelines", file_writelines, 0 },
    { "flush", file_flush, 0 },
    { "close", file_close, 0 },
    { "fileno", file_fileno, 0 },
    { "isatty", file_isatty, 0 },
    { "readable", file_readable, 0 },
    { "writable", file_writable, 0 },
    { "seekable", file_seekable, 0 },
    { "seek", file_seek, 0 },
    { "tell", file_tell, 0 },
    { "__enter__", file_enter, 0 },
    { "__exit__", file_exit, 0 },
    { "__iter__", file_iter_method, 0 },
    { "__next__", file_next_method, 0 },
    { NULL, NULL, 0 },
};

Type T_TextFile = {
    .name = "TextIOWrapper", .basicsize = sizeof(TextFile), .methods = file_methods,
    .dealloc = file_dealloc, .repr = file_repr, .getattr = file_getattr,
    .iter = file_iter, .next = file_next,
};

/* Allocates a file object over fp (steals nothing; name incref'd). */
static Obj *file_new(FILE *fp, Value name, const char *mode, bool owned) {
    type_ready(&T_TextFile);
    TextFile *f = (TextFile *)obj_alloc(&T_TextFile, sizeof(TextFile));
    f->fp = fp;
    f->name = v_new(name);
    f->mode = str_from_cstr(mode);
    f->readable = strchr(mode, 'r') != NULL || strchr(mode, '+') != NULL;
    f->writable = strchr(mode, 'w') || strchr(mode, 'a') || strchr(mode, 'x') || strchr(mode, '+');
    f->binary = strchr(mode, 'b') != NULL;
    f->owned = owned;
    return &f->hdr;
}

Obj *io_file_from_stream(FILE *fp, const char *name, const char *mode) {
    Obj *n = str_from_cstr(name);
    Obj *f = file_new(fp, V_OBJ(n), mode, false);
    o_decref(n);
    ((TextFile *)f)->std = 1;
    return f;
}

void io_flush_std(ThreadState *ts) {
    Value pending = ts ? exc_fetch(ts) : V_NULL;  /* errors are ignored; a pending exception stays */
    if (stream_flush(ts, NULL, stdout) < 0 && ts) exc_clear(ts);
    if (stream_flush(ts, NULL, stderr) < 0 && ts) exc_clear(ts);
    if (!IS_NULL(pending)) exc_set(ts, pending);
}

/* The stream behind a print-style target: a TextFile (checked open and writable) or, for
 * V_NULL, the C stdout. NULL with an exception otherwise. */
static FILE *target_stream(ThreadState *ts, Value file, TextFile **tf) {
    *tf = NULL;
    if (IS_NULL(file)) return stdout;
    if (file_check_write(ts, file, "write") < 0) return NULL;
    *tf = TF(file);
    return (*tf)->fp;
}

/* For print's fast path: writes len bytes of data (kept alive by the object pin, e.g. the
 * str they belong to) to file, a TextFile, or to the C stdout when file is V_NULL. The GIL
 * is released only if the write goes to the kernel; the file is checked open at each call
 * (another thread may close it meanwhile). -1 with an exception on error. */
int io_write_stream(ThreadState *ts, Value file, Value pin, const char *data, size_t len) {
    TextFile *tf;
    FILE *fp = target_stream(ts, file, &tf);
    if (!fp) return -1;
    return stream_write(ts, tf, fp, pin, data, len);
}

/* Flushes file (a TextFile, or the C stdout for V_NULL), releasing the GIL while it writes;
 * -1 with an exception on error. */
int io_flush_stream(ThreadState *ts, Value file) {
    TextFile *tf;
    FILE *fp = target_stream(ts, file, &tf);
    if (!fp) return -1;
    return stream_flush(ts, tf, fp);
}

Value io_open(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "file", "mode", "buffering", "encoding", "errors", "newline",
                                         "closefd", NULL };
    Value a[7];
    if (bi_parse_args(ts, "open", args, nargs, kwnames, names, 7, 1, a) < 0) return V_NULL;
    Value file = a[0];
    const char *mode = "r";
    if (!IS_NULL(a[1])) {
        if (!IS_STR(a[1]))
            return exc_raise(ts, &T_TypeError, "open() argument 'mode' must be str, not %s", obj_type_name(a[1]));
        mode = STR_DATA(AS_OBJ(a[1]));
    }
    /* Validate the mode as CPython does. */
    int nr = 0, nw = 0, na = 0, nx = 0, nb = 0, nt = 0, np = 0;
    bool bad = !IS_NULL(a[1]) && (int64_t)strlen(mode) != AS_STR(a[1])->len;
    for (const char *p = mode; *p; p++) {
        switch (*p) {
        case 'r': nr++; break;
        case 'w': nw++; break;
        case 'a': na++; break;
        case 'x': nx++; break;
        case 'b': nb++; break;
        case 't': nt++; break;
        case '+': np++; break;
        default: bad = true;
        }
    }
    if (bad || nr > 1 || nw > 1 || na > 1 || nx > 1 || nb > 1 || nt > 1 || np > 1)
        return exc_raise(ts, &T_ValueError, "invalid mode: '%s'", mode);
    if (nb && nt) return exc_raise(ts, &T_ValueError, "can't have text and binary mode at once");
    if (nr + nw + na + nx != 1)
        return exc_raise(ts, &T_ValueError, "must have exactly one of create/read/write/append mode");
    if (nb && !IS_NULL(a[3]) && !IS_NONE(a[3]))
        return exc_raise(ts, &T_ValueError, "binary mode doesn't take an encoding argument");
    if (!IS_NULL(a[3]) && !IS_NONE(a[3]) && !IS_STR(a[3]))
        return exc_raise(ts, &T_TypeError, "open() argument 'encoding' must be str or None, not %s",
                         obj_type_name(a[3]));
    char cmode[8];
    int k = 0;
    cmode[k++] = nr ? 'r' : na ? 'a' : 'w';
    if (np) cmode[k++] = '+';
    if (nx) cmode[k++] = 'x';
    cmode[k++] = 'e';  /* O_CLOEXEC */
    cmode[k] = 0;
    /* The mode attribute as CPython reports it. */
    char amode[8];
    k = 0;
    amode[k++] = nr ? 'r' : nw ? 'w' : na ? 'a' : 'x';
    if (nb) amode[k++] = 'b';
    if (np) amode[k++] = '+';
    amode[k] = 0;
    FILE *fp;
    bool owned = true;
    if (IS_STR(file)) {
        const char *path = STR_DATA(AS_OBJ(file));
        if ((int64_t)strlen(path) != AS_STR(file)->len)
            return exc_raise(ts, &T_ValueError, "embedded null byte");
        fp = fopen(path, cmode);
        if (!fp) return exc_raise_errno(ts, errno, path);
        struct stat st;
        if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
            fclose(fp);
            return exc_raise_errno(ts, EISDIR, path);
        }
    } else if (IS_INTLIKE(file)) {
        if (!IS_NULL(a[6])) {
            int t = obj_truthy(ts, a[6]);
            if (t < 0) return V_NULL;
            owned = t;
        }
        int fd = (int)AS_INT(file);
        if (fd < 0) return exc_raise(ts, &T_ValueError, "negative file descriptor");
        cmode[strlen(cmode) - 1] = 0;  /* no 'e' for fdopen */
        if (nx) cmode[strlen(cmode) - 1] = 0;
        fp = fdopen(owned ? fd : dup(fd), cmode);
        if (!fp) return exc_raise_errno(ts, errno, NULL);
        owned = true;
    } else {
        return exc_raise(ts, &T_TypeError, "expected str, bytes or os.PathLike object, not %s", obj_type_name(file));
    }
    const char *shown = nb ? amode : mode;
    return V_OBJ(file_new(fp, file, shown, owned));
}
