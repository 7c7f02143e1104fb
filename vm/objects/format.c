/* format.c — text formatting: printf-style % (fmt_percent), the format-spec
 * mini-language (fmt_format) and str.format (fmt_str_format), as CPython 3.11 does. */
#include "objects/format.h"
#include "objects/str.h"
#include "state.h"
#include "exc.h"
#include "objects/num.h"
#include "objects/long.h"
#include "objects/containers.h"
#include "objects/unicode.h"
#include "args.h"
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <math.h>

/* A parsed format spec: [[fill]align][sign][z][#][0][width][,|_][.precision][type]. */
typedef struct Spec {
    char fill[5];      /* UTF-8 of the fill character */
    int filllen;
    bool fill_given;
    char align;        /* 0, '<', '>', '=', '^' */
    char sign;         /* 0, '+', '-', ' ' */
    bool zcoerce, alt, zero;
    int64_t width;     /* -1: none */
    char grouping;     /* 0, ',', '_' */
    int64_t prec;      /* -1: none */
    uint32_t type;     /* 0: none */
} Spec;

/* Raises the invalid-spec ValueError. */
static int bad_spec(ThreadState *ts, const char *spec, int64_t len, const char *tname)
{
    exc_raise(ts, &T_ValueError, "Invalid format specifier '%.*s' for object of type '%s'",
              (int)len, spec, tname);
    return -1;
}

/* Parses a format spec; -1 with ValueError on a malformed one. */
static int parse_spec(ThreadState *ts, const char *s, int64_t n, Spec *sp, const char *tname)
{
    memset(sp, 0, sizeof *sp);
    sp->fill[0] = ' ';
    sp->filllen = 1;
    sp->width = sp->prec = -1;
    int64_t i = 0;
    /* fill and align */
    if (n > 0) {
        int k = 1;
        uint8_t c0 = (uint8_t)s[0];
        if (c0 >= 0x80) k = c0 < 0xE0 ? 2 : c0 < 0xF0 ? 3 : 4;
        if (k < n && strchr("<>=^", s[k]) && s[k]) {
            memcpy(sp->fill, s, (size_t)k);
            sp->filllen = k;
            sp->fill_given = true;
            sp->align = s[k];
            i = k + 1;
        } else if (strchr("<>=^", s[0]) && s[0]) {
            sp->align = s[0];
            i = 1;
        }
    }
    if (i < n && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) sp->sign = s[i++];
    if (i < n && s[i] == 'z') { sp->zcoerce = true; i++; }
    if (i < n && s[i] == '#') { sp->alt = true; i++; }
    if (i < n && s[i] == '0') {
        sp->zero = true;
        if (!sp->fill_given) { sp->fill[0] = '0'; sp->filllen = 1; }
        i++;
    }
    int64_t st = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        int64_t d = s[i++] - '0', cur = sp->width < 0 ? 0 : sp->width;
        if (cur > (INT64_MAX - d) / 10) {
            exc_raise(ts, &T_ValueError, "Too many decimal digits in format string");
            return -1;
        }
        sp->width = cur * 10 + d;
    }
    if (i < n && (s[i] == ',' || s[i] == '_')) sp->grouping = s[i++];
    if (i < n && (s[i] == ',' || s[i] == '_')) {
        exc_raise(ts, &T_ValueError, "Cannot specify both ',' and '_'.");
        return -1;
    }
    if (i < n && s[i] == '.') {
        i++;
        st = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            int64_t d = s[i++] - '0', cur = sp->prec < 0 ? 0 : sp->prec;
            if (cur > (INT64_MAX - d) / 10) {
                exc_raise(ts, &T_ValueError, "Too many decimal digits in format string");
                return -1;
            }
            sp->prec = cur * 10 + d;
        }
        if (i == st) {
            exc_raise(ts, &T_ValueError, "Format specifier missing precision");
            return -1;
        }
    }
    if (n - i > 1) {
        const char *p = s + i;
        uint32_t c = utf8_decode(&p);
        if (p - s < n) return bad_spec(ts, s, n, tname);
        sp->type = c;
    } else if (i < n) {
        sp->type = (uint8_t)s[i];
    }
    if (sp->grouping && sp->type) {
        uint32_t t = sp->type;
        bool ok = t == 'd' || t == 'e' || t == 'E' || t == 'f' || t == 'F' || t == 'g' ||
                  t == 'G' || t == '%' ||
                  (sp->grouping == '_' && (t == 'b' || t == 'o' || t == 'x' || t == 'X'));
        if (!ok) {
            char tb[8];
            int tl = t < 0x80 ? (tb[0] = (char)t, 1) : utf8_encode(t, tb);
            exc_raise(ts, &T_ValueError, "Cannot specify '%c' with '%.*s'.", sp->grouping, tl, tb);
            return -1;
        }
    }
    return 0;
}

/* Raises "Unknown format code 'x' for object of type 'T'". */
static Value unknown_code(ThreadState *ts, uint32_t t, const char *tname)
{
    if (t >= 32 && t < 128)
        return exc_raise(ts, &T_ValueError, "Unknown format code '%c' for object of type '%s'",
                         (char)t, tname);
    return exc_raise(ts, &T_ValueError, "Unknown format code '\\x%x' for object of type '%s'", t,
                     tname);
}

/* Inserts grouping separators every k digits into digits[0..n) (ASCII), appending to out;
 * zero-pads to at least minlen characters first when minlen > 0. */
static int put_grouped(ThreadState *ts, StrBuf *out, const char *digits, int64_t n, char sep, int k,
                       int64_t minlen)
{
    int64_t zeros = 0;
    if (minlen > 0) {
        /* the fewest digits d >= n with d + (d - 1) / k >= minlen, from just below it */
        int64_t d = minlen - minlen / (k + 1) - 2;
        if (d < n) d = n;
        while (d + (d - 1) / k < minlen) d++;
        zeros = d - n;
    }
    int64_t total = n + zeros;
    if (sb_try_reserve(ts, out, total + total / k) < 0) return -1;
    for (int64_t i = 0; i < total; i++) {
        if (i > 0 && (total - i) % k == 0) sb_putc(out, sep);
        sb_putc(out, i < zeros ? '0' : digits[i - zeros]);
    }
    return 0;
}

/* Counts the code points of UTF-8 text. */
static int64_t count_utf8(const char *p, int64_t n)
{
    int64_t c = 0;
    for (int64_t i = 0; i < n; i++) c += ((uint8_t)p[i] & 0xC0) != 0x80;
    return c;
}

/* Pads prefix (sign/0x) + body to the spec's width with the given alignment; V_NULL with
 * MemoryError when the padding cannot be had. */
static Value pad_out(ThreadState *ts, const Spec *sp, char align, const char *pre, int64_t prelen,
                     const char *body, int64_t bodylen)
{
    int64_t nch = sp->width > 0 ? prelen + count_utf8(body, bodylen) : 0;
    int64_t padn = sp->width > nch ? sp->width - nch : 0;
    StrBuf b;
    sb_init(&b);
    if (padn == 0) {
        sb_putn(&b, pre, prelen);
        sb_putn(&b, body, bodylen);
        return V_OBJ(sb_finish(&b));
    }
    int64_t left = 0, right = 0;
    if (align == '<') right = padn;
    else if (align == '^') { left = padn / 2; right = padn - left; }
    else left = padn;
    if ((align != '=' && sb_fill(ts, &b, sp->fill, sp->filllen, left) < 0) ||
        sb_try_reserve(ts, &b, prelen) < 0) {
        sb_free(&b);
        return V_NULL;
    }
    sb_putn(&b, pre, prelen);
    if ((align == '=' && sb_fill(ts, &b, sp->fill, sp->filllen, left) < 0) ||
        sb_try_reserve(ts, &b, bodylen) < 0) {
        sb_free(&b);
        return V_NULL;
    }
    sb_putn(&b, body, bodylen);
    if (sb_fill(ts, &b, sp->fill, sp->filllen, right) < 0) {
        sb_free(&b);
        return V_NULL;
    }
    return V_OBJ(sb_finish(&b));
}

/* The numeric alignment: explicit, or '=' with the 0 flag, else right. */
static char num_align(const Spec *sp)
{
    return sp->align ? sp->align : sp->zero ? '=' : '>';
}

/* Whether zero padding goes into the digits (fill '0' between sign and digits). */
static bool zero_pad(const Spec *sp, char align)
{
    return align == '=' && sp->filllen == 1 && sp->fill[0] == '0' && sp->width > 0;
}

static Value format_double(ThreadState *ts, double x, const Spec *sp, const char *tname);

/* int formatting for types d n b o x X c (and none). */
static Value format_int(ThreadState *ts, Value iv, const Spec *sp, const char *tname)
{
    uint32_t t = sp->type;
    bool big = IS_BIG(iv);
    int64_t v = big ? 0 : AS_INT(iv);
    if (t == 'e' || t == 'E' || t == 'f' || t == 'F' || t == 'g' || t == 'G' || t == '%') {
        double d;
        if (big_to_double(ts, iv, &d) < 0) return V_NULL;
        return format_double(ts, d, sp, tname);
    }
    if (!(t == 0 || t == 'd' || t == 'n' || t == 'b' || t == 'o' || t == 'x' || t == 'X' || t == 'c'))
        return unknown_code(ts, t, tname);
    if (sp->prec >= 0)
        return exc_raise(ts, &T_ValueError, "Precision not allowed in integer format specifier");
    if (sp->zcoerce)
        return exc_raise(ts, &T_ValueError,
                         "Negative zero coercion (z) not allowed in integer format specifier");
    char align = num_align(sp);
    if (t == 'c') {
        if (sp->sign)
            return exc_raise(ts, &T_ValueError, "Sign not allowed with integer format specifier 'c'");
        if (sp->alt)
            return exc_raise(ts, &T_ValueError,
                             "Alternate form (#) not allowed with integer format specifier 'c'");
        if (sp->grouping)
            return exc_raise(ts, &T_ValueError, "Cannot specify '%c' with 'c'.", sp->grouping);
        if (big) return exc_raise(ts, &T_OverflowError, "Python int too large to convert to C long");
        if (v < 0 || v > 0x10ffff)
            return exc_raise(ts, &T_OverflowError, "%%c arg not in range(0x110000)");
        char buf[4];
        int n = utf8_encode((uint32_t)v, buf);
        return pad_out(ts, sp, align, "", 0, buf, n);
    }
    int base = t == 'b' ? 2 : t == 'o' ? 8 : (t == 'x' || t == 'X') ? 16 : 10;
    const char *dig = t == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    char small[72], *digits = small;
    int64_t n = 0;
    if (big) {
        digits = big_digits(ts, iv, base, t == 'X', &n);
        if (!digits) return V_NULL;
        v = mpz_sgn(BIG_Z(iv));
    } else {
        uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        char tmp[72];
        do { tmp[n++] = dig[mag % (uint64_t)base]; mag /= (uint64_t)base; } while (mag);
        for (int64_t i = 0; i < n; i++) digits[i] = tmp[n - 1 - i];
    }
    char pre[8];
    int pl = 0;
    if (v < 0) pre[pl++] = '-';
    else if (sp->sign == '+') pre[pl++] = '+';
    else if (sp->sign == ' ') pre[pl++] = ' ';
    if (sp->alt && base != 10) { pre[pl++] = '0'; pre[pl++] = t == 'b' ? 'b' : t == 'o' ? 'o' : (char)t; }
    StrBuf body;
    sb_init(&body);
    if (sp->grouping && t != 'n') {
        int64_t minlen = zero_pad(sp, align) ? sp->width - pl : 0;
        if (put_grouped(ts, &body, digits, n, sp->grouping, base == 10 ? 3 : 4, minlen) < 0) {
            sb_free(&body);
            return V_NULL;
        }
    } else {
        sb_putn(&body, digits, n);
    }
    if (digits != small) free(digits);
    Value r = pad_out(ts, sp, align, pre, pl, body.data, body.len);
    sb_free(&body);
    return r;
}

/* Formats |x| (finite) as C would with mode e/f/g and precision into a malloc'ed string. */
static char *c_format(double ax, char mode, int64_t prec, bool alt)
{
    if (prec > 100000) prec = 100000;
    size_t cap = (size_t)prec + 400;
    char *buf = malloc(cap);
    char f[16];
    snprintf(f, sizeof f, "%%%s.*%c", alt ? "#" : "", mode);
    snprintf(buf, cap, f, (int)prec, ax);
    return buf;
}

/* float formatting for types e E f F g G n % and none. */
static Value format_double(ThreadState *ts, double x, const Spec *sp, const char *tname)
{
    uint32_t t = sp->type;
    if (!(t == 0 || t == 'e' || t == 'E' || t == 'f' || t == 'F' || t == 'g' || t == 'G' ||
          t == 'n' || t == '%'))
        return unknown_code(ts, t, tname);
    if (sp->prec > INT32_MAX) return exc_raise(ts, &T_ValueError, "precision too big");
    char align = num_align(sp);
    bool neg = signbit(x) && !isnan(x);
    double ax = fabs(x);
    char mode;
    bool dot0 = false, upper = t == 'E' || t == 'F' || t == 'G';
    int64_t prec = sp->prec;
    if (t == 0) {
        if (prec < 0) mode = 'r';
        else { mode = 'g'; dot0 = true; }
    } else if (t == 'n') mode = 'g';
    else if (t == '%') { mode = 'f'; ax *= 100; }
    else mode = (char)(t | 0x20);
    if (prec < 0) prec = 6;
    StrBuf body;
    sb_init(&body);
    if (isinf(ax) || isnan(ax)) {
        if (isnan(ax)) sb_puts(&body, upper ? "NAN" : "nan");
        else sb_puts(&body, upper ? "INF" : "inf");
        if (t == '%') sb_putc(&body, '%');
    } else {
        char *s;
        if (mode == 'r') {
            s = malloc(40);
            float_repr_buf(ax, s);
        } else {
            s = c_format(ax, mode, prec, sp->alt);
            if (upper) for (char *q = s; *q; q++) if (*q == 'e') *q = 'E';
        }
        if (dot0 && !strpbrk(s, ".eE")) {
            size_t l = strlen(s);
            s = realloc(s, l + 3);
            memcpy(s + l, ".0", 3);
        }
        if (sp->zcoerce && neg && strtod(s, NULL) == 0.0) neg = false;
        int64_t sl = (int64_t)strlen(s);
        char pre[2];
        int pl = 0;
        if (neg) pre[pl++] = '-';
        else if (sp->sign == '+') pre[pl++] = '+';
        else if (sp->sign == ' ') pre[pl++] = ' ';
        if (sp->grouping) {
            int64_t nd = 0;
            while (nd < sl && s[nd] >= '0' && s[nd] <= '9') nd++;
            int64_t rest = sl - nd + (t == '%');
            int64_t minlen = zero_pad(sp, align) ? sp->width - pl - rest : 0;
            if (put_grouped(ts, &body, s, nd, sp->grouping, 3, minlen) < 0) {
                free(s);
                sb_free(&body);
                return V_NULL;
            }
            sb_putn(&body, s + nd, sl - nd);
        } else {
            sb_putn(&body, s, sl);
        }
        free(s);
        if (t == '%') sb_putc(&body, '%');
        Value r = pad_out(ts, sp, align, pre, pl, body.data, body.len);
        sb_free(&body);
        return r;
    }
    char pre[2];
    int pl = 0;
    if (neg) pre[pl++] = '-';
    else if (sp->sign == '+') pre[pl++] = '+';
    else if (sp->sign == ' ') pre[pl++] = ' ';
    Value r = pad_out(ts, sp, align, pre, pl, body.data, body.len);
    sb_free(&body);
    return r;
}

/* str formatting: type s or none; precision truncates. */
static Value format_str(ThreadState *ts, Str *s, const Spec *sp)
{
    if (sp->type != 0 && sp->type != 's') return unknown_code(ts, sp->type, "str");
    if (sp->sign) return exc_raise(ts, &T_ValueError, "Sign not allowed in string format specifier");
    if (sp->alt)
        return exc_raise(ts, &T_ValueError, "Alternate form (#) not allowed in string format specifier");
    if (sp->zcoerce)
        return exc_raise(ts, &T_ValueError,
                         "Negative zero coercion (z) not allowed in format specifier");
    if (sp->align == '=')
        return exc_raise(ts, &T_ValueError, "'=' alignment not allowed in string format specifier");
    if (sp->grouping) return exc_raise(ts, &T_ValueError, "Cannot specify '%c' with 's'.", sp->grouping);
    int64_t len = s->len;
    if (sp->prec >= 0 && sp->prec < s->nchars) len = str_offset(s, sp->prec);
    if (len == s->len && sp->width <= s->nchars) { o_incref((Obj *)s); return V_OBJ(s); }
    return pad_out(ts, sp, sp->align ? sp->align : '<', "", 0, s->data, len);
}

Value fmt_format(ThreadState *ts, Value v, Obj *spec)
{
    const char *s = spec ? STR_DATA(spec) : "";
    int64_t n = spec ? STR_LEN(spec) : 0;
    Spec sp;
    if (IS_STR(v)) {
        if (n == 0) return v_new(v);
        if (parse_spec(ts, s, n, &sp, "str") < 0) return V_NULL;
        return format_str(ts, AS_STR(v), &sp);
    }
    if (IS_ANYINT(v)) {
        if (n == 0) return obj_str(ts, v);
        if (parse_spec(ts, s, n, &sp, "int") < 0) return V_NULL;
        return format_int(ts, v, &sp, "int");
    }
    if (IS_FLOAT(v)) {
        if (n == 0) return obj_str(ts, v);
        if (parse_spec(ts, s, n, &sp, "float") < 0) return V_NULL;
        return format_double(ts, AS_FLOAT(v), &sp, "float");
    }
    Type *t = obj_type(v);
    for (Type *k = t; k && (k->flags & TF_HEAPTYPE); k = k->base) {
        if (k->dict && !IS_NULL(dict_get_str(k->dict, NAME(__format__)))) {
            Value arg = spec ? V_OBJ(spec) : V_OBJ(str_new("", 0));
            Value r = obj_call_method(ts, v, NAME(__format__), &arg, 1);
            if (!spec) v_decref(arg);
            if (IS_NULL(r)) return V_NULL;
            if (!IS_STR(r)) {
                exc_raise(ts, &T_TypeError, "__format__ must return a str, not %s", obj_type_name(r));
                v_decref(r);
                return V_NULL;
            }
            return r;
        }
    }
    if (n == 0) return obj_str(ts, v);
    return exc_raise(ts, &T_TypeError, "unsupported format string passed to %s.__format__",
                     obj_type_name(v));
}

/* ascii(v): repr with non-ASCII characters escaped. */
static Value ascii_of(ThreadState *ts, Value v)
{
    Value r = obj_repr(ts, v);
    if (IS_NULL(r) || AS_STR(r)->ascii) return r;
    Str *s = AS_STR(r);
    StrBuf b;
    sb_init(&b);
    const char *p = s->data, *end = p + s->len;
    while (p < end) {
        const char *st = p;
        uint32_t c = utf8_decode(&p);
        if (c < 0x80) sb_putn(&b, st, p - st);
        else if (c < 0x100) sb_printf(&b, "\\x%02x", c);
        else if (c < 0x10000) sb_printf(&b, "\\u%04x", c);
        else sb_printf(&b, "\\U%08x", c);
    }
    v_decref(r);
    return V_OBJ(sb_finish(&b));
}

/* ---- str.format ---- */

/* Shared state of one str.format call (auto-numbering is shared with nested specs). */
typedef struct FmtState {
    Value *args;
    int nargs;
    Obj *kwnames;
    int64_t auto_idx;
    int mode;          /* 0 unknown, 1 automatic, 2 manual */
} FmtState;

/* Resolves a field name (arg_name ('.' attr | '[' key ']')*) to a new reference. */
static Value resolve_field(ThreadState *ts, FmtState *st, const char *s, int64_t n)
{
    int64_t k = 0;
    while (k < n && s[k] != '.' && s[k] != '[') k++;
    Value v;
    bool digits = k > 0;
    for (int64_t i = 0; i < k; i++) if (s[i] < '0' || s[i] > '9') digits = false;
    if (k == 0 || digits) {
        int64_t idx;
        if (k == 0) {
            if (st->mode == 2)
                return exc_raise(ts, &T_ValueError,
                                 "cannot switch from manual field specification to automatic field numbering");
            st->mode = 1;
            idx = st->auto_idx++;
        } else {
            if (st->mode == 1)
                return exc_raise(ts, &T_ValueError,
                                 "cannot switch from automatic field numbering to manual field specification");
            st->mode = 2;
            if (k > 18) return exc_raise(ts, &T_ValueError, "Too many decimal digits in format string");
            idx = 0;
            for (int64_t i = 0; i < k; i++) idx = idx * 10 + (s[i] - '0');
        }
        if (idx >= st->nargs)
            return exc_raise(ts, &T_IndexError,
                             "Replacement index %lld out of range for positional args tuple",
                             (long long)idx);
        v = v_new(st->args[idx]);
    } else {
        v = V_NULL;
        int nkw = arg_nkw(st->kwnames);
        for (int i = 0; i < nkw; i++) {
            Obj *kn = AS_OBJ(((Tuple *)st->kwnames)->items[i]);
            if (STR_LEN(kn) == k && memcmp(STR_DATA(kn), s, (size_t)k) == 0) {
                v = v_new(st->args[st->nargs + i]);
                break;
            }
        }
        if (IS_NULL(v)) {
            Obj *key = str_new(s, k);
            exc_raise_value(ts, &T_KeyError, V_OBJ(key));
            o_decref(key);
            return V_NULL;
        }
    }
    while (k < n) {
        if (s[k] == '.') {
            int64_t a = ++k;
            while (k < n && s[k] != '.' && s[k] != '[') k++;
            if (k == a) {
                v_decref(v);
                return exc_raise(ts, &T_ValueError, "Empty attribute in format string");
            }
            Obj *name = str_new(s + a, k - a);
            Value r = obj_getattr(ts, v, name);
            o_decref(name);
            v_decref(v);
            if (IS_NULL(r)) return V_NULL;
            v = r;
        } else if (s[k] == '[') {
            int64_t a = ++k;
            while (k < n && s[k] != ']') k++;
            if (k >= n) {
                v_decref(v);
                return exc_raise(ts, &T_ValueError, "Missing ']' in format string");
            }
            if (k == a) {
                v_decref(v);
                return exc_raise(ts, &T_ValueError, "Empty attribute in format string");
            }
            bool dig = true;
            for (int64_t i = a; i < k; i++) if (s[i] < '0' || s[i] > '9') dig = false;
            Value key;
            if (dig && k - a <= 18) {
                int64_t x = 0;
                for (int64_t i = a; i < k; i++) x = x * 10 + (s[i] - '0');
                key = V_INT(x);
            } else {
                key = V_OBJ(str_new(s + a, k - a));
            }
            Value r = obj_getitem(ts, v, key);
            v_decref(key);
            v_decref(v);
            if (IS_NULL(r)) return V_NULL;
            v = r;
            k++;
            if (k < n && s[k] != '.' && s[k] != '[') {
                v_decref(v);
                return exc_raise(ts, &T_ValueError,
                                 "Only '.' or '[' may follow ']' in format field specifier");
            }
        } else {
            break;
        }
    }
    return v;
}

static int render(ThreadState *ts, FmtState *st, const char *s, int64_t n, StrBuf *out, int depth);

/* Formats one replacement field (the text between the braces) into out. */
static int do_field(ThreadState *ts, FmtState *st, const char *f, int64_t n, StrBuf *out, int depth)
{
    int64_t k = 0;
    while (k < n && f[k] != '!' && f[k] != ':') {
        if (f[k] == '[') { while (k < n && f[k] != ']') k++; if (k >= n) break; }
        k++;
    }
    if (k > n) k = n;
    char conv = 0;
    const char *spec = "";
    int64_t speclen = 0;
    int64_t namelen = k;
    if (k < n && f[k] == '!') {
        if (k + 1 >= n) {
            exc_raise(ts, &T_ValueError, "end of string while looking for conversion specifier");
            return -1;
        }
        conv = f[k + 1];
        k += 2;
        if (k < n && f[k] != ':') {
            exc_raise(ts, &T_ValueError, "expected ':' after conversion specifier");
            return -1;
        }
    }
    if (k < n && f[k] == ':') { spec = f + k + 1; speclen = n - k - 1; }
    Value v = resolve_field(ts, st, f, namelen);
    if (IS_NULL(v)) return -1;
    if (conv) {
        Value c;
        if (conv == 'r') c = obj_repr(ts, v);
        else if (conv == 's') c = obj_str(ts, v);
        else if (conv == 'a') c = ascii_of(ts, v);
        else {
            v_decref(v);
            exc_raise(ts, &T_ValueError, "Unknown conversion specifier %c", conv);
            return -1;
        }
        v_decref(v);
        if (IS_NULL(c)) return -1;
        v = c;
    }
    Obj *specobj;
    if (memchr(spec, '{', (size_t)speclen)) {
        StrBuf sb;
        sb_init(&sb);
        if (render(ts, st, spec, speclen, &sb, depth - 1) < 0) {
            sb_free(&sb);
            v_decref(v);
            return -1;
        }
        specobj = sb_finish(&sb);
    } else {
        specobj = str_new(spec, speclen);
    }
    Value r;
    if (speclen == 0 && IS_STR(v)) r = v_new(v);
    else r = fmt_format(ts, v, specobj);
    o_decref(specobj);
    v_decref(v);
    if (IS_NULL(r)) return -1;
    sb_putn(out, AS_STR(r)->data, AS_STR(r)->len);
    v_decref(r);
    return 0;
}

/* Renders a format string into out; depth limits nested specs. */
static int render(ThreadState *ts, FmtState *st, const char *s, int64_t n, StrBuf *out, int depth)
{
    if (depth <= 0) {
        exc_raise(ts, &T_ValueError, "Max string recursion exceeded");
        return -1;
    }
    int64_t i = 0;
    while (i < n) {
        char c = s[i];
        if (c == '{') {
            if (i + 1 < n && s[i + 1] == '{') { sb_putc(out, '{'); i += 2; continue; }
            if (i + 1 >= n) {
                exc_raise(ts, &T_ValueError, "Single '{' encountered in format string");
                return -1;
            }
            int64_t j = i + 1, lvl = 1;
            while (j < n) {
                if (s[j] == '{') lvl++;
                else if (s[j] == '}' && --lvl == 0) break;
                j++;
            }
            if (j >= n) {
                exc_raise(ts, &T_ValueError, "expected '}' before end of string");
                return -1;
            }
            if (do_field(ts, st, s + i + 1, j - i - 1, out, depth) < 0) return -1;
            i = j + 1;
        } else if (c == '}') {
            if (i + 1 < n && s[i + 1] == '}') { sb_putc(out, '}'); i += 2; continue; }
            exc_raise(ts, &T_ValueError, "Single '}' encountered in format string");
            return -1;
        } else {
            int64_t j = i;
            while (j < n && s[j] != '{' && s[j] != '}') j++;
            sb_putn(out, s + i, j - i);
            i = j;
        }
    }
    return 0;
}

Value fmt_str_format(ThreadState *ts, Obj *fmt, Value *args, int nargs, Obj *kwnames)
{
    FmtState st = { args, nargs, kwnames, 0, 0 };
    StrBuf out;
    sb_init(&out);
    if (render(ts, &st, STR_DATA(fmt), STR_LEN(fmt), &out, 2) < 0) {
        sb_free(&out);
        return V_NULL;
    }
    return V_OBJ(sb_finish(&out));
}

/* ---- printf-style % ---- */

/* Appends pre+body padded to width (left-justified, or zero-filled after pre); -1 with
 * MemoryError when the padding cannot be had. */
static int pct_pad(ThreadState *ts, StrBuf *out, const char *pre, int prelen, const char *body,
                   int64_t blen, int64_t width, bool left, bool zero)
{
    int64_t nch = width > 0 ? prelen + count_utf8(body, blen) : 0;
    int64_t padn = width > nch ? width - nch : 0;
    if (padn == 0) {
        sb_putn(out, pre, prelen);
        sb_putn(out, body, blen);
        return 0;
    }
    if (padn > STR_MAX_BYTES - prelen - blen) { str_no_memory(ts); return -1; }
    if (sb_try_reserve(ts, out, padn + prelen + blen) < 0) return -1;
    if (left) {
        sb_putn(out, pre, prelen);
        sb_putn(out, body, blen);
        sb_fill(ts, out, " ", 1, padn);
    } else if (zero) {
        sb_putn(out, pre, prelen);
        sb_fill(ts, out, "0", 1, padn);
        sb_putn(out, body, blen);
    } else {
        sb_fill(ts, out, " ", 1, padn);
        sb_putn(out, pre, prelen);
        sb_putn(out, body, blen);
    }
    return 0;
}

/* Whether v is an instance of a class that defines the dunder name. */
static bool heap_has(Value v, Obj *name)
{
    if (!IS_OBJ(v)) return false;
    Type *t = obj_type(v);
    return (t->flags & TF_HEAPTYPE) && !IS_NULL(type_lookup(t, name));
}

/* Converts a %d/%x argument to int64: -1 with an exception on error. */
static int pct_int(ThreadState *ts, Value v, char c, int64_t *out)
{
    if (IS_INTLIKE(v)) { *out = AS_INT(v); return 0; }
    if (IS_FLOAT(v) && (c == 'd' || c == 'i' || c == 'u')) {
        double x = AS_FLOAT(v);
        if (isnan(x)) { exc_raise(ts, &T_ValueError, "cannot convert float NaN to integer"); return -1; }
        if (isinf(x)) { exc_raise(ts, &T_OverflowError, "cannot convert float infinity to integer"); return -1; }
        double t = trunc(x);
        if (t >= 9223372036854775808.0 || t < -9223372036854775808.0) { int_overflow(ts); return -1; }
        *out = (int64_t)t;
        return 0;
    }
    if (heap_has(v, NAME(__index__))) return obj_as_index(ts, v, out) < 0 && !IS_NULL(ts->exc) ? -1 : 0;
    if ((c == 'd' || c == 'i' || c == 'u') && heap_has(v, NAME(__int__))) {
        Value r = obj_call_method(ts, v, NAME(__int__), NULL, 0);
        if (IS_NULL(r)) return -1;
        if (!IS_INTLIKE(r)) {
            exc_raise(ts, &T_TypeError, "__int__ returned non-int (type %s)", obj_type_name(r));
            v_decref(r);
            return -1;
        }
        *out = AS_INT(r);
        return 0;
    }
    if (c == 'd' || c == 'i' || c == 'u')
        exc_raise(ts, &T_TypeError, "%%%c format: a real number is required, not %s", c, obj_type_name(v));
    else
        exc_raise(ts, &T_TypeError, "%%%c format: an integer is required, not %s", c, obj_type_name(v));
    return -1;
}

/* Converts a %f argument to double; -1 with an exception on error. */
static int pct_float(ThreadState *ts, Value v, double *out)
{
    if (IS_FLOAT(v)) { *out = AS_FLOAT(v); return 0; }
    if (IS_ANYINT(v)) return big_to_double(ts, v, out);
    if (heap_has(v, NAME(__float__))) {
        Value r = obj_call_method(ts, v, NAME(__float__), NULL, 0);
        if (IS_NULL(r)) return -1;
        if (!IS_FLOAT(r)) {
            exc_raise(ts, &T_TypeError, "%s.__float__ returned non-float (type %s)", obj_type_name(v),
                      obj_type_name(r));
            v_decref(r);
            return -1;
        }
        *out = AS_FLOAT(r);
        return 0;
    }
    exc_raise(ts, &T_TypeError, "must be real number, not %s", obj_type_name(v));
    return -1;
}

/* Formats one conversion of % into out; -1 on error. */
static int pct_one(ThreadState *ts, StrBuf *out, Value arg, char c, int64_t width, int64_t prec,
                   bool left, bool zero, bool alt, char sign)
{
    switch (c) {
    case 's': case 'r': case 'a': {
        Value s = c == 's' ? (IS_STR(arg) ? v_new(arg) : obj_str(ts, arg))
                : c == 'r' ? obj_repr(ts, arg) : ascii_of(ts, arg);
        if (IS_NULL(s)) return -1;
        Str *x = AS_STR(s);
        int64_t len = x->len;
        if (prec >= 0 && prec < x->nchars) len = str_offset(x, prec);
        int r = pct_pad(ts, out, "", 0, x->data, len, width, left, false);
        v_decref(s);
        return r;
    }
    case 'c': {
        char buf[4];
        int n;
        if (IS_STR(arg)) {
            if (AS_STR(arg)->nchars != 1) {
                exc_raise(ts, &T_TypeError, "%%c requires int or char");
                return -1;
            }
            return pct_pad(ts, out, "", 0, AS_STR(arg)->data, AS_STR(arg)->len, width, left, false);
        }
        if (!IS_INTLIKE(arg) && !heap_has(arg, NAME(__index__))) {
            exc_raise(ts, &T_TypeError, "%%c requires int or char");
            return -1;
        }
        int64_t v;
        if (pct_int(ts, arg, 'x', &v) < 0) return -1;
        if (v < 0 || v > 0x10ffff) {
            exc_raise(ts, &T_OverflowError, "%%c arg not in range(0x110000)");
            return -1;
        }
        n = utf8_encode((uint32_t)v, buf);
        return pct_pad(ts, out, "", 0, buf, n, width, left, false);
    }
    case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': {
        int64_t v = 0;
        int base = c == 'o' ? 8 : (c == 'x' || c == 'X') ? 16 : 10;
        const char *dig = c == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
        char tmp[72], *bigd = NULL;
        int64_t n = 0;
        Value big = IS_BIG(arg) ? v_new(arg) : V_NULL;
        if (IS_NULL(big) && IS_FLOAT(arg) && base == 10 && isfinite(AS_FLOAT(arg)) &&
            fabs(trunc(AS_FLOAT(arg))) >= 9223372036854775808.0)
            big = big_from_double(trunc(AS_FLOAT(arg)));
        if (!IS_NULL(big)) {
            /* an int beyond 64 bits: its digits from GMP */
            bigd = big_digits(ts, big, base, c == 'X', &n);
            v = mpz_sgn(BIG_Z(big));
            v_decref(big);
            if (!bigd) return -1;
        } else {
            if (pct_int(ts, arg, c, &v) < 0) return -1;
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            do { tmp[n++] = dig[mag % (uint64_t)base]; mag /= (uint64_t)base; } while (mag);
        }
        StrBuf body;
        sb_init(&body);
        if (sb_fill(ts, &body, "0", 1, prec - n) < 0) { free(bigd); return -1; }
        if (bigd) {
            sb_putn(&body, bigd, n);
            free(bigd);
        } else {
            for (int64_t i = n - 1; i >= 0; i--) sb_putc(&body, tmp[i]);
        }
        char pre[4];
        int pl = 0;
        if (v < 0) pre[pl++] = '-';
        else if (sign) pre[pl++] = sign;
        if (alt && base != 10) { pre[pl++] = '0'; pre[pl++] = c == 'o' ? 'o' : c; }
        int r = pct_pad(ts, out, pre, pl, body.data, body.len, width, left, zero);
        sb_free(&body);
        return r;
    }
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': {
        double x;
        if (pct_float(ts, arg, &x) < 0) return -1;
        bool neg = signbit(x) && !isnan(x), upper = c == 'E' || c == 'F' || c == 'G';
        double ax = fabs(x);
        char *s;
        if (isnan(ax) || isinf(ax)) {
            s = malloc(4);
            strcpy(s, isnan(ax) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf"));
        } else {
            s = c_format(ax, (char)(c | 0x20), prec < 0 ? 6 : prec, alt);
            if (upper) for (char *q = s; *q; q++) if (*q == 'e') *q = 'E';
        }
        char pre[2];
        int pl = 0;
        if (neg) pre[pl++] = '-';
        else if (sign) pre[pl++] = sign;
        int r = pct_pad(ts, out, pre, pl, s, (int64_t)strlen(s), width, left, zero);
        free(s);
        return r;
    }
    default:
        return -2;
    }
}

Value fmt_percent(ThreadState *ts, Obj *fmt, Value args)
{
    Str *f = (Str *)fmt;
    Value *items;
    int64_t nitems, argi = 0;
    Value dict = V_NULL;
    if (IS_TUPLE(args)) { items = AS_TUPLE(args)->items; nitems = AS_TUPLE(args)->len; }
    else {
        items = &args;
        nitems = 1;
        if (!IS_STR(args) && IS_OBJ(args) && obj_type(args)->getitem) dict = args;
    }
    bool used_key = false;
    StrBuf out;
    sb_init(&out);
    const char *d = f->data, *p = d, *end = d + f->len;
    while (p < end) {
        const char *q = memchr(p, '%', (size_t)(end - p));
        if (!q) { sb_putn(&out, p, end - p); break; }
        sb_putn(&out, p, q - p);
        p = q + 1;
        Value arg = V_NULL, owned = V_NULL;
        if (p < end && *p == '(') {
            if (IS_NULL(dict)) {
                sb_free(&out);
                return exc_raise(ts, &T_TypeError, "format requires a mapping");
            }
            int depth = 1;
            const char *ks = ++p;
            while (p < end && depth) {
                if (*p == '(') depth++;
                else if (*p == ')') depth--;
                p++;
            }
            if (depth) {
                sb_free(&out);
                return exc_raise(ts, &T_ValueError, "incomplete format key");
            }
            Obj *key = str_new(ks, p - 1 - ks);
            owned = obj_getitem(ts, dict, V_OBJ(key));
            o_decref(key);
            if (IS_NULL(owned)) { sb_free(&out); return V_NULL; }
            arg = owned;
            used_key = true;
        }
        bool left = false, zero = false, alt = false;
        char sign = 0;
        for (; p < end; p++) {
            if (*p == '-') left = true;
            else if (*p == '+') sign = '+';
            else if (*p == ' ') { if (sign != '+') sign = ' '; }
            else if (*p == '#') alt = true;
            else if (*p == '0') zero = true;
            else break;
        }
        int64_t width = -1, prec = -1;
        for (int part = 0; part < 2; part++) {
            int64_t *dst = part ? &prec : &width;
            if (part) {
                if (p < end && *p == '.') { p++; prec = 0; }
                else break;
            }
            if (p < end && *p == '*') {
                p++;
                if (used_key || argi >= nitems) {
                    v_decref(owned);
                    sb_free(&out);
                    return exc_raise(ts, &T_TypeError, "not enough arguments for format string");
                }
                Value w = items[argi++];
                if (!IS_INTLIKE(w)) {
                    v_decref(owned);
                    sb_free(&out);
                    return exc_raise(ts, &T_TypeError, "* wants int");
                }
                *dst = AS_INT(w);
                if (part && (*dst > INT32_MAX || *dst < INT32_MIN)) {
                    v_decref(owned);
                    sb_free(&out);
                    return exc_raise(ts, &T_OverflowError, "Python int too large to convert to C int");
                }
                if (!part && *dst < 0) {
                    left = true;
                    *dst = *dst == INT64_MIN ? INT64_MAX : -*dst;
                }
                if (part && *dst < 0) *dst = 0;
            } else {
                /* the width is a ssize_t, the precision an int, as in CPython */
                int64_t lim = part ? INT32_MAX : INT64_MAX;
                while (p < end && *p >= '0' && *p <= '9') {
                    int64_t d = *p - '0', cur = *dst < 0 ? 0 : *dst;
                    if (cur > (lim - d) / 10) {
                        v_decref(owned);
                        sb_free(&out);
                        return exc_raise(ts, &T_ValueError, part ? "precision too big" : "width too big");
                    }
                    *dst = cur * 10 + d;
                    p++;
                }
            }
        }
        while (p < end && (*p == 'h' || *p == 'l' || *p == 'L')) p++;
        if (p >= end) {
            v_decref(owned);
            sb_free(&out);
            return exc_raise(ts, &T_ValueError, "incomplete format");
        }
        const char *cp = p;
        uint32_t c = utf8_decode(&p);
        if (c == '%') { sb_putc(&out, '%'); v_decref(owned); continue; }
        if (IS_NULL(arg)) {
            if (used_key || argi >= nitems) {
                sb_free(&out);
                return exc_raise(ts, &T_TypeError, "not enough arguments for format string");
            }
            arg = items[argi++];
        }
        int r = c < 0x80 ? pct_one(ts, &out, arg, (char)c, width, prec, left, zero && !left, alt, sign) : -2;
        v_decref(owned);
        if (r == -2) {
            sb_free(&out);
            int64_t idx = count_utf8(d, cp - d);
            if (c >= 32 && c < 127)
                return exc_raise(ts, &T_ValueError, "unsupported format character '%c' (0x%x) at index %lld",
                                 (char)c, c, (long long)idx);
            char buf[4];
            int n = utf8_encode(c, buf);
            return exc_raise(ts, &T_ValueError, "unsupported format character '%.*s' (0x%x) at index %lld",
                             n, buf, c, (long long)idx);
        }
        if (r < 0) { sb_free(&out); return V_NULL; }
    }
    if (argi < nitems && IS_NULL(dict)) {
        sb_free(&out);
        return exc_raise(ts, &T_TypeError, "not all arguments converted during string formatting");
    }
    return V_OBJ(sb_finish(&out));
}
