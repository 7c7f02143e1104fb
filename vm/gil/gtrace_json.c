/* gtrace_json.c — the GIL timeline as a Chrome Trace Event file (--gil-trace FILE.json),
 * for Perfetto or chrome://tracing. One track (tid) per thread named by a thread_name
 * metadata event, "X" spans named running, waiting, "blocked: WHAT" and "untraced", "i"
 * instants for thread start and end, forced switches and drop requests. Times are
 * microseconds from interpreter start, exact to the nanosecond. Each thread's spans tile
 * its life. The recorder is vm/gil/gtrace.c. */
#include "gil/gtrace_write.h"
#include <string.h>

/* Writes the characters of s escaped for a JSON string (invalid UTF-8 becomes U+FFFD). */
static void json_chars(FILE *f, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n;
        int32_t cp = gtrace_utf8_next(p, &n);
        if (cp < 0) fputs("\\ufffd", f);
        else if (cp == '"' || cp == '\\') { fputc('\\', f); fputc((int)cp, f); }
        else if (cp < 0x20) fprintf(f, "\\u%04x", (unsigned)cp);
        else fwrite(p, 1, (size_t)n, f);
        p += n;
    }
}

/* Writes s as a JSON string. */
static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    json_chars(f, s);
    fputc('"', f);
}

/* Microseconds with three decimals: exact nanoseconds. */
static void put_us(FILE *f, uint64_t ns) {
    fprintf(f, "%llu.%03llu", (unsigned long long)(ns / 1000), (unsigned long long)(ns % 1000));
}

/* ---- the JSON trace ---- */

static void json_head(FILE *f, const Trace *tr, uint32_t tid, const char *ph) {
    fprintf(f, ",\n{\"ph\":\"%s\",\"pid\":%d,\"tid\":%u", ph, tr->pid, tid);
}

/* Appends the decimal digits of v at p; returns the end (spans are written without
 * printf: a trace has up to millions of them). */
static char *put_u64(char *p, uint64_t v) {
    char tmp[24];
    int n = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

/* Appends nanoseconds as microseconds with three decimals. */
static char *put_us_at(char *p, uint64_t ns) {
    p = put_u64(p, ns / 1000);
    unsigned r = (unsigned)(ns % 1000);
    *p++ = '.';
    *p++ = (char)('0' + r / 100);
    *p++ = (char)('0' + r / 10 % 10);
    *p++ = (char)('0' + r % 10);
    return p;
}

/* Appends a C string. */
static char *put_str(char *p, const char *s) {
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

void gtrace_write_json(FILE *f, const Trace *tr) {
    char iv[64];
    gtrace_fmt_interval(iv, sizeof iv);
    fprintf(f, "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"producer\":\"tiny --gil-trace\",\"program\":");
    json_str(f, GT.program ? GT.program : "");
    fprintf(f, ",\"policy\":\"%s\",\"interval\":\"%s\",\"switches\":%llu,\"events_dropped\":%llu},\n",
            gil_policy_name(), iv, (unsigned long long)tr->switches, (unsigned long long)tr->dropped);
    fprintf(f, "\"traceEvents\":[\n{\"ph\":\"M\",\"pid\":%d,\"tid\":0,\"name\":\"process_name\",\"args\":{\"name\":",
            tr->pid);
    char pname[512];
    snprintf(pname, sizeof pname, "tiny %s", GT.program ? GT.program : "");
    json_str(f, pname);
    fputs("}}", f);
    for (int i = 0; i < tr->n; i++) {
        const Track *k = &tr->t[i];
        uint32_t tid = k->b->tid;
        json_head(f, tr, tid, "M");
        fputs(",\"name\":\"thread_name\",\"args\":{\"name\":", f);
        json_str(f, k->name);
        fputs("}}", f);
        json_head(f, tr, tid, "M");
        fprintf(f, ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%u}}", tid);
        json_head(f, tr, tid, "i");
        fputs(",\"s\":\"t\",\"ts\":", f);
        put_us(f, k->start - tr->base);
        fputs(",\"name\":\"thread start\"}", f);
        char head[96], line[192];
        snprintf(head, sizeof head, ",\n{\"ph\":\"X\",\"pid\":%d,\"tid\":%u,\"ts\":", tr->pid, tid);
        for (size_t j = 0; j < k->nspans; j++) {
            const Span *s = &k->spans[j];
            char *p = put_us_at(put_str(line, head), s->t0 - tr->base);
            p = put_us_at(put_str(p, ",\"dur\":"), s->t1 - s->t0);
            if (s->state == GT_BLOCKED) {
                fwrite(line, 1, (size_t)(p - line), f);
                fputs(",\"name\":\"blocked: ", f);
                json_chars(f, gtrace_label_text(k, s->label));
                fputs("\",\"args\":{\"call\":", f);
                json_str(f, s->label < k->b->nlabels ? k->b->labels[s->label].what : "?");
                fputs("}}", f);
            } else {
                p = put_str(put_str(put_str(p, ",\"name\":\""), gtrace_state_names[s->state]), "\"}");
                fwrite(line, 1, (size_t)(p - line), f);
            }
        }
        snprintf(head, sizeof head, ",\n{\"ph\":\"i\",\"pid\":%d,\"tid\":%u,\"s\":\"t\",\"ts\":", tr->pid, tid);
        for (size_t j = 0; j < k->ninst; j++) {
            const GtEvent *e = &k->inst[j];
            char *p = put_us_at(put_str(line, head), e->t - tr->base);
            fwrite(line, 1, (size_t)(p - line), f);
            if (e->kind == GT_FORCED) {
                fputs(",\"name\":\"forced switch\"}", f);
            } else {
                const Track *h = gtrace_track_of(tr, e->arg);
                fputs(",\"name\":\"drop request\",\"args\":{\"holder\":", f);
                json_str(f, h ? h->name : "?");
                fputs("}}", f);
            }
        }
        json_head(f, tr, tid, "i");
        fputs(",\"s\":\"t\",\"ts\":", f);
        put_us(f, k->end - tr->base);
        fprintf(f, ",\"name\":\"thread end\"%s}", k->alive ? ",\"args\":{\"alive_at_exit\":true}" : "");
    }
    if (tr->cut != UINT64_MAX) {
        json_head(f, tr, 0, "i");
        fputs(",\"s\":\"g\",\"ts\":", f);
        put_us(f, tr->cut - tr->base);
        fprintf(f, ",\"name\":\"trace truncated: %llu events dropped\",\"args\":{\"limit\":%lld}}",
                (unsigned long long)tr->dropped, (long long)GT.limit);
    }
    fputs("\n]}\n", f);
}

