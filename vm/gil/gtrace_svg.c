/* gtrace_svg.c — the GIL timeline drawn as one SVG picture (--gil-timeline FILE.svg): one
 * row per thread on a time axis, a legend and a summary. Spans narrower than a pixel are
 * merged into groups two pixels wide, drawn as faded stacks whose heights are the shares
 * of time in each state, so a drawing of millions of switches keeps about one rectangle
 * per pixel of each row at most. The recorder is vm/gil/gtrace.c. */
#include "gil/gtrace_write.h"
#include <math.h>
#include <stdbool.h>
#include <string.h>

/* Characters in a UTF-8 string (invalid bytes count one each). */
static int utf8_count(const char *s) {
    int count = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; count++) {
        int n;
        gtrace_utf8_next(p, &n);
        p += n;
    }
    return count;
}

/* Writes s as XML text, at most max characters (a longer s is cut, ending in an ellipsis). */
static void xml_str(FILE *f, const char *s, int max) {
    int keep = utf8_count(s) > max ? max - 1 : max, count = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; count++) {
        if (count == keep) { fputs("\xe2\x80\xa6", f); return; }
        int n;
        int32_t cp = gtrace_utf8_next(p, &n);
        if (cp < 0) fputs("\xef\xbf\xbd", f);
        else if (cp == '&') fputs("&amp;", f);
        else if (cp == '<') fputs("&lt;", f);
        else if (cp == '>') fputs("&gt;", f);
        else if (cp == '"') fputs("&quot;", f);
        else if (cp == '\'') fputs("&apos;", f);
        else if (cp < 0x20) fputc(' ', f);
        else fwrite(p, 1, (size_t)n, f);
        p += n;
    }
}

/* ---- the SVG timeline ---- */

#define SVG_W 1200        /* width of the drawing */
#define ROW_H 24          /* height of a thread's row */
#define BAR_H 16          /* height of its bar */
#define MIN_PX 1.0        /* spans narrower than this are merged */
#define GROUP_PX 2.0      /* merged spans are drawn in groups this wide */
#define TOP 96            /* y of the first row */

/* Colours of the states (presentation attributes, not CSS: every renderer knows them). */
static const char *const state_fill[GT_NSTATES] = { "#e8553e", "#2e9e44", "#8fb8de", "#c8c8c8" };
/* The order of the states in a merged group's stack, top down. */
static const int stack_order[GT_NSTATES] = { GT_RUNNING, GT_WAITING, GT_BLOCKED, GT_UNTRACED };

/* A segment to draw: one span, or a group of short spans merged, drawn faded as a stack
 * whose heights are the shares of time in each state. Adjacent segments that look the
 * same become one. */
typedef struct Seg {
    double x0, x1;
    uint64_t t0, t1;
    int state, merged;
    uint64_t nspans;
    uint64_t tin[GT_NSTATES];   /* time in each state */
    uint32_t label;             /* a single blocked span's label (UINT32_MAX: several) */
    int h[GT_NSTATES];          /* a merged group: pixels of the bar per state */
} Seg;

/* What drawing one row needs. */
typedef struct Row {
    FILE *f;
    const Trace *tr;
    const Track *k;
    double px0, scale, y;
    Seg g, c;                   /* the group being merged; the segment being drawn */
    int have_g, have_c;
    uint64_t merged;            /* spans merged so far (all rows) */
} Row;

static double xt(const Row *r, uint64_t t) { return r->px0 + (double)(t - r->tr->base) * r->scale; }

/* Draws the current segment. */
static void draw_cur(Row *r) {
    if (!r->have_c) return;
    Seg *s = &r->c;
    char d[32], at[32];
    gtrace_fmt_dur(d, sizeof d, s->t1 - s->t0);
    gtrace_fmt_dur(at, sizeof at, s->t0 - r->tr->base);
    double w = s->x1 - s->x0, y = r->y + (ROW_H - BAR_H) / 2.0;
    if (w < 0.05) w = 0.05;
    r->have_c = 0;
    if (!s->merged) {
        fprintf(r->f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"%s\"><title>", s->x0, y, w,
                BAR_H, state_fill[s->state]);
        if (s->state == GT_BLOCKED && s->label != UINT32_MAX) {
            fputs("blocked: ", r->f);
            xml_str(r->f, gtrace_label_text(r->k, s->label), 80);
        } else {
            fputs(gtrace_state_names[s->state], r->f);
        }
        fprintf(r->f, ", %s at %s</title></rect>\n", d, at);
        return;
    }
    fprintf(r->f, "<g fill-opacity=\"0.6\"><title>%llu short spans, %s at %s:", (unsigned long long)s->nspans, d, at);
    uint64_t tot = s->t1 - s->t0 ? s->t1 - s->t0 : 1;
    const char *sep = " ";
    for (int j = 0; j < GT_NSTATES; j++) {
        int st = stack_order[j];
        if (!s->tin[st]) continue;
        fprintf(r->f, "%s%s %.0f%%", sep, gtrace_state_names[st], 100.0 * (double)s->tin[st] / (double)tot);
        sep = ", ";
    }
    fputs("</title>", r->f);
    for (int j = 0; j < GT_NSTATES; j++) {
        int st = stack_order[j];
        if (!s->h[st]) continue;
        fprintf(r->f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"%s\"/>", s->x0, y, w, s->h[st],
                state_fill[st]);
        y += s->h[st];
    }
    fputs("</g>\n", r->f);
}

/* Whether two segments look the same (one state, or the same stack). */
static bool same_look(const Seg *a, const Seg *b) {
    if (a->merged != b->merged) return false;
    if (!a->merged) return a->state == b->state;
    return memcmp(a->h, b->h, sizeof a->h) == 0;
}

/* Adds a segment, joining it to the current one when they look the same. */
static void put_seg(Row *r, const Seg *s) {
    Seg *c = &r->c;
    if (r->have_c && same_look(c, s) && s->x0 - c->x1 < 0.01) {
        c->x1 = s->x1;
        c->t1 = s->t1;
        c->nspans += s->nspans;
        for (int i = 0; i < GT_NSTATES; i++) c->tin[i] += s->tin[i];
        if (c->label != s->label) c->label = UINT32_MAX;
        return;
    }
    draw_cur(r);
    *c = *s;
    r->have_c = 1;
}

/* Shares the bar's height among the states by their time (largest remainders). */
static void stack_heights(Seg *g) {
    uint64_t tot = 0;
    for (int i = 0; i < GT_NSTATES; i++) tot += g->tin[i];
    if (!tot) tot = 1;
    double rem[GT_NSTATES];
    int left = BAR_H;
    for (int i = 0; i < GT_NSTATES; i++) {
        double exact = (double)g->tin[i] * BAR_H / (double)tot;
        g->h[i] = (int)exact;
        rem[i] = exact - g->h[i];
        left -= g->h[i];
    }
    while (left-- > 0) {
        int best = 0;
        for (int i = 1; i < GT_NSTATES; i++) if (rem[i] > rem[best]) best = i;
        g->h[best]++;
        rem[best] = -1;
    }
}

/* Ends the group of short spans: one span stays itself; several are merged. */
static void flush_group(Row *r) {
    if (!r->have_g) return;
    Seg *g = &r->g;
    if (g->nspans > 1) {
        g->merged = 1;
        stack_heights(g);
        r->merged += g->nspans;
    }
    put_seg(r, g);
    r->have_g = 0;
}

/* Draws one thread's row of spans. */
static void draw_row(Row *r) {
    const Track *k = r->k;
    for (size_t i = 0; i < k->nspans; i++) {
        const Span *sp = &k->spans[i];
        Seg s = { xt(r, sp->t0), xt(r, sp->t1), sp->t0, sp->t1, (int)sp->state, 0, 1, { 0 }, sp->label, { 0 } };
        s.tin[sp->state] = sp->t1 - sp->t0;
        if (s.x1 - s.x0 >= MIN_PX) {
            flush_group(r);
            put_seg(r, &s);
            continue;
        }
        if (!r->have_g) {
            r->g = s;
            r->have_g = 1;
        } else {
            Seg *g = &r->g;
            g->x1 = s.x1;
            g->t1 = s.t1;
            g->nspans++;
            g->tin[s.state] += s.tin[s.state];
            if (g->label != s.label || g->state != s.state) g->label = UINT32_MAX;
        }
        if (r->g.x1 - r->g.x0 >= GROUP_PX) flush_group(r);
    }
    flush_group(r);
    draw_cur(r);
}

/* A round step for about ten ticks over span nanoseconds. */
static double tick_step(double span) {
    double raw = span / 10, mag = pow(10, floor(log10(raw))), m = raw / mag;
    return mag * (m < 2 ? 1 : m < 5 ? 2 : 5);
}

/* Percentage of part in whole. */
static double pct(uint64_t part, uint64_t whole) { return whole ? 100.0 * (double)part / (double)whole : 0.0; }

void gtrace_write_svg(FILE *f, const Trace *tr) {
    int maxc = 8;
    for (int i = 0; i < tr->n; i++) {
        int c = utf8_count(tr->t[i].name);
        if (c > maxc) maxc = c;
    }
    if (maxc > 40) maxc = 40;
    double label_w = 7.0 * maxc + 24;
    double px0 = label_w + 8, pw = SVG_W - px0 - 24;
    uint64_t total = tr->end > tr->base ? tr->end - tr->base : 1;
    double scale = pw / (double)total;
    int rows_end = TOP + tr->n * ROW_H;
    int legend_y = rows_end + 28;
    int sum_y = legend_y + 40;
    int height = sum_y + 18 * tr->n + 26 + (tr->cut != UINT64_MAX ? 18 : 0) + 14;
    char iv[64], tot[32];
    gtrace_fmt_interval(iv, sizeof iv);
    gtrace_fmt_dur(tot, sizeof tot, total);

    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
            SVG_W, height, SVG_W, height);
    fputs("<title>GIL timeline of ", f);
    xml_str(f, GT.program ? GT.program : "", 200);
    fputs("</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n", f);
    fputs("<text x=\"16\" y=\"26\" font-size=\"16\" font-weight=\"bold\">GIL timeline of ", f);
    xml_str(f, GT.program ? GT.program : "", 100);
    fputs("</text>\n", f);
    fprintf(f, "<text x=\"16\" y=\"46\" fill=\"#555\">policy %s, switch interval %s, %d thread%s, %s; "
               "made by tiny --gil-timeline</text>\n",
            gil_policy_name(), iv, tr->n, tr->n == 1 ? "" : "s", tot);

    /* time axis: grid lines and labels */
    double step = tick_step((double)total);
    double unit = total >= 2000000000u ? 1e9 : total >= 2000000u ? 1e6 : total >= 2000u ? 1e3 : 1;
    const char *uname = unit == 1e9 ? "s" : unit == 1e6 ? "ms" : unit == 1e3 ? "\xc2\xb5s" : "ns";
    for (int i = 0; i * step <= (double)total + 0.5; i++) {
        double x = px0 + i * step * scale;
        fprintf(f, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#ddd\"/>", x, TOP - 4, x, rows_end + 4);
        fprintf(f, "<text x=\"%.2f\" y=\"%d\" fill=\"#555\" font-size=\"11\" text-anchor=\"middle\">%g %s</text>\n", x, TOP - 10,
                i * step / unit, uname);
    }

    /* rows */
    Row r = { 0 };
    r.f = f;
    r.tr = tr;
    r.px0 = px0;
    r.scale = scale;
    for (int i = 0; i < tr->n; i++) {
        const Track *k = &tr->t[i];
        r.k = k;
        r.y = TOP + i * ROW_H;
        if (i % 2) fprintf(f, "<rect x=\"0\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"#f6f6f6\"/>\n", r.y, SVG_W, ROW_H);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", label_w, r.y + ROW_H / 2.0 + 4);
        xml_str(f, k->name, 40);
        fputs("<title>", f);
        xml_str(f, k->name, 1000);
        fputs("</title></text>\n", f);
        draw_row(&r);
    }

    /* legend */
    static const char *const legend[GT_NSTATES] = {
        "waiting (for the GIL)", "running (holds the GIL)", "blocked (sleep, lock, join, queue, I/O...)",
        "untraced (after the cap)" };
    static const int order[GT_NSTATES] = { GT_RUNNING, GT_WAITING, GT_BLOCKED, GT_UNTRACED };
    double lx = 16;
    for (int j = 0; j < GT_NSTATES; j++) {
        int s = order[j];
        if (s == GT_UNTRACED && tr->cut == UINT64_MAX) continue;
        fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>"
                   "<text x=\"%.1f\" y=\"%d\">%s</text>\n",
                lx, legend_y - 11, state_fill[s], lx + 20, legend_y, legend[s]);
        lx += 20 + 7.0 * (double)strlen(legend[s]) + 24;
    }
    if (r.merged) {
        fprintf(f, "<g fill-opacity=\"0.6\"><rect x=\"16\" y=\"%d\" width=\"14\" height=\"5\" fill=\"%s\"/>"
                   "<rect x=\"16\" y=\"%d\" width=\"14\" height=\"9\" fill=\"%s\"/></g>",
                legend_y + 9, state_fill[GT_RUNNING], legend_y + 14, state_fill[GT_WAITING]);
        fprintf(f, "<text x=\"36\" y=\"%d\">faded stacks: %llu short spans merged (narrower than %g px); "
                   "the heights are the shares of time in each state</text>\n",
                legend_y + 20, (unsigned long long)r.merged, MIN_PX);
    }

    /* summary */
    int y = sum_y;
    static const double colx[] = { 0, 80, 160, 240, 330, 460, 580 };
    static const char *const head[] = { "held GIL", "waited", "blocked", "acquired", "forced switches",
                                        "drop requests" };
    double nx = 16 + label_w;
    fprintf(f, "<text x=\"16\" y=\"%d\" font-weight=\"bold\">thread</text>", y);
    for (int j = 0; j < 6; j++)
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-weight=\"bold\" text-anchor=\"end\">%s</text>", nx + colx[j + 1],
                y, head[j]);
    fputc('\n', f);
    uint64_t forced = 0, dropreq = 0;
    for (int i = 0; i < tr->n; i++) {
        const Track *k = &tr->t[i];
        uint64_t life = k->end - k->start;
        y += 18;
        fprintf(f, "<text x=\"16\" y=\"%d\">", y);
        xml_str(f, k->name, 40);
        fputs("</text>", f);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%.1f%%</text>", nx + colx[1], y, pct(k->acc[GT_RUNNING], life));
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%.1f%%</text>", nx + colx[2], y, pct(k->acc[GT_WAITING], life));
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%.1f%%</text>", nx + colx[3], y, pct(k->acc[GT_BLOCKED], life));
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%llu</text>", nx + colx[4], y, (unsigned long long)k->nacq);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%llu</text>", nx + colx[5], y, (unsigned long long)k->nforced);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%llu</text>\n", nx + colx[6], y, (unsigned long long)k->ndropreq);
        forced += k->nforced;
        dropreq += k->ndropreq;
    }
    y += 26;
    fprintf(f, "<text x=\"16\" y=\"%d\">GIL switches: %llu in %s (%llu forced, %llu drop requests); "
               "shares are of each thread's life</text>\n",
            y, (unsigned long long)tr->switches, tot, (unsigned long long)forced, (unsigned long long)dropreq);
    if (tr->cut != UINT64_MAX) {
        char at[32];
        gtrace_fmt_dur(at, sizeof at, tr->cut - tr->base);
        y += 18;
        fprintf(f, "<text x=\"16\" y=\"%d\" fill=\"#b00\">trace truncated at %s: %llu events dropped (cap %lld "
                   "events, TINY_GIL_TRACE_LIMIT); the summary still counts the whole run</text>\n",
                y, at, (unsigned long long)tr->dropped, (long long)GT.limit);
    }
    fputs("</svg>\n", f);
}

