/* unicode.c — character classes and case mapping for the common Unicode ranges
 * (ASCII, Latin-1, Latin Extended-A/B, Greek, Cyrillic, Armenian, fullwidth forms),
 * and argument-checking helpers for the str and bytes methods. */
#include "objects/unicode.h"
#include <string.h>
#include "objects/str.h"
#include "exc.h"
#include "state.h"

/* A closed range of code points. */
typedef struct URange { uint32_t lo, hi; } URange;

/* Whether c lies in one of n sorted ranges (binary search). */
static bool in_ranges(const URange *r, int n, uint32_t c)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (c < r[mid].lo) hi = mid - 1;
        else if (c > r[mid].hi) lo = mid + 1;
        else return true;
    }
    return false;
}

#define NR(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Letters outside ASCII (approximation of categories L*). */
static const URange alpha_ranges[] = {
    {0xaa, 0xaa}, {0xb5, 0xb5}, {0xba, 0xba}, {0xc0, 0xd6}, {0xd8, 0xf6}, {0xf8, 0x2c1},
    {0x2c6, 0x2d1}, {0x2e0, 0x2e4}, {0x2ec, 0x2ec}, {0x2ee, 0x2ee}, {0x370, 0x374},
    {0x376, 0x377}, {0x37a, 0x37d}, {0x37f, 0x37f}, {0x386, 0x386}, {0x388, 0x38a},
    {0x38c, 0x38c}, {0x38e, 0x3a1}, {0x3a3, 0x3f5}, {0x3f7, 0x481}, {0x48a, 0x52f},
    {0x531, 0x556}, {0x559, 0x559}, {0x560, 0x588}, {0x5d0, 0x5ea}, {0x5ef, 0x5f2},
    {0x620, 0x64a}, {0x66e, 0x66f}, {0x671, 0x6d3}, {0x904, 0x939}, {0x93d, 0x93d},
    {0x950, 0x950}, {0x958, 0x961}, {0xe01, 0xe30}, {0x10a0, 0x10c5}, {0x10d0, 0x10fa},
    {0x1100, 0x1248}, {0x1e00, 0x1f15}, {0x1f18, 0x1f1d}, {0x1f20, 0x1f45},
    {0x1f48, 0x1f4d}, {0x1f50, 0x1f57}, {0x1f59, 0x1f59}, {0x1f5b, 0x1f5b},
    {0x1f5d, 0x1f5d}, {0x1f5f, 0x1f7d}, {0x1f80, 0x1fb4}, {0x1fb6, 0x1fbc},
    {0x1fc2, 0x1fc4}, {0x1fc6, 0x1fcc}, {0x1fd0, 0x1fd3}, {0x1fd6, 0x1fdb},
    {0x1fe0, 0x1fec}, {0x1ff2, 0x1ff4}, {0x1ff6, 0x1ffc}, {0x2071, 0x2071},
    {0x207f, 0x207f}, {0x2090, 0x209c}, {0x2102, 0x2102}, {0x2107, 0x2107},
    {0x210a, 0x2113}, {0x2115, 0x2115}, {0x2119, 0x211d}, {0x2124, 0x2124},
    {0x2126, 0x2126}, {0x2128, 0x2128}, {0x212a, 0x212d}, {0x212f, 0x2139},
    {0x2c00, 0x2ce4}, {0x3005, 0x3006}, {0x3041, 0x3096}, {0x309d, 0x309f},
    {0x30a1, 0x30fa}, {0x30fc, 0x30ff}, {0x3105, 0x312f}, {0x3131, 0x318e},
    {0x3400, 0x4dbf}, {0x4e00, 0x9fff}, {0xa000, 0xa48c}, {0xac00, 0xd7a3},
    {0xf900, 0xfa6d}, {0xfb00, 0xfb06}, {0xff21, 0xff3a}, {0xff41, 0xff5a},
    {0xff66, 0xffbe}, {0x10400, 0x1044f}, {0x1d400, 0x1d6a5}, {0x20000, 0x2a6df},
};

/* Decimal digits (category Nd) beyond ASCII. */
static const URange decimal_ranges[] = {
    {0x30, 0x39}, {0x660, 0x669}, {0x6f0, 0x6f9}, {0x7c0, 0x7c9}, {0x966, 0x96f},
    {0x9e6, 0x9ef}, {0xa66, 0xa6f}, {0xae6, 0xaef}, {0xb66, 0xb6f}, {0xbe6, 0xbef},
    {0xc66, 0xc6f}, {0xce6, 0xcef}, {0xd66, 0xd6f}, {0xe50, 0xe59}, {0xed0, 0xed9},
    {0xf20, 0xf29}, {0x1040, 0x1049}, {0x17e0, 0x17e9}, {0x1810, 0x1819},
    {0xff10, 0xff19}, {0x1d7ce, 0x1d7ff},
};

/* Digits that are not decimal (superscripts, circled digits). */
static const URange digit_ranges[] = {
    {0xb2, 0xb3}, {0xb9, 0xb9}, {0x1369, 0x1371}, {0x2070, 0x2070}, {0x2074, 0x2079},
    {0x2080, 0x2089}, {0x2460, 0x2468}, {0x2474, 0x247c}, {0x2488, 0x2490},
    {0x24ea, 0x24ea}, {0x24f5, 0x24fd}, {0x24ff, 0x24ff}, {0x2776, 0x277e},
    {0x2780, 0x2788}, {0x278a, 0x2792},
};

/* Numeric characters that are not digits (fractions, roman numerals, CJK numerals). */
static const URange numeric_ranges[] = {
    {0xbc, 0xbe}, {0x2150, 0x2182}, {0x2185, 0x2189}, {0x2469, 0x2473},
    {0x247d, 0x2487}, {0x2491, 0x249b}, {0x24eb, 0x24f4}, {0x24fe, 0x24fe},
    {0x277f, 0x277f}, {0x2789, 0x2789}, {0x2793, 0x2793}, {0x3007, 0x3007},
    {0x3021, 0x3029}, {0x4e00, 0x4e00}, {0x4e03, 0x4e03}, {0x4e07, 0x4e07},
    {0x4e09, 0x4e09}, {0x4e5d, 0x4e5d}, {0x4e8c, 0x4e8c}, {0x4e94, 0x4e94},
    {0x5104, 0x5104}, {0x516b, 0x516b}, {0x516d, 0x516d}, {0x5341, 0x5341},
    {0x5343, 0x5343}, {0x56db, 0x56db}, {0x767e, 0x767e}, {0x96f6, 0x96f6},
};

/* Characters that repr() escapes (control, format, separators, private use...). */
static const URange unprintable_ranges[] = {
    {0x0, 0x1f}, {0x7f, 0xa0}, {0xad, 0xad}, {0x378, 0x379}, {0x380, 0x383},
    {0x38b, 0x38b}, {0x38d, 0x38d}, {0x3a2, 0x3a2}, {0x530, 0x530}, {0x557, 0x558},
    {0x600, 0x605}, {0x61c, 0x61c}, {0x6dd, 0x6dd}, {0x70f, 0x70f}, {0x1680, 0x1680},
    {0x180e, 0x180e}, {0x2000, 0x200f}, {0x2028, 0x202f}, {0x205f, 0x2064},
    {0x2066, 0x206f}, {0x3000, 0x3000}, {0xd800, 0xf8ff}, {0xfeff, 0xfeff},
    {0xfff0, 0xfffb}, {0xfffe, 0xffff}, {0xe0000, 0xe0fff}, {0xf0000, 0x10ffff},
};

bool uni_isspace(uint32_t c)
{
    if (c < 128) return c == ' ' || (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x1f);
    return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
           c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

bool uni_islinebreak(uint32_t c)
{
    return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d ||
           c == 0x1e || c == 0x85 || c == 0x2028 || c == 0x2029;
}

bool uni_isalpha(uint32_t c)
{
    if (c < 128) return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    return in_ranges(alpha_ranges, NR(alpha_ranges), c);
}

bool uni_isdecimal(uint32_t c)
{
    if (c < 128) return c >= '0' && c <= '9';
    return in_ranges(decimal_ranges, NR(decimal_ranges), c);
}

bool uni_isdigit(uint32_t c)
{
    return uni_isdecimal(c) || (c >= 128 && in_ranges(digit_ranges, NR(digit_ranges), c));
}

bool uni_isnumeric(uint32_t c)
{
    return uni_isdigit(c) || (c >= 128 && in_ranges(numeric_ranges, NR(numeric_ranges), c));
}

bool uni_isprintable(uint32_t c)
{
    if (c < 128) return c >= 0x20 && c < 0x7f;
    return !in_ranges(unprintable_ranges, NR(unprintable_ranges), c);
}

/* Ranges where case pairs alternate: (even upper, odd lower) when parity == 0. */
typedef struct PairRange { uint32_t lo, hi; int parity; } PairRange;
static const PairRange pair_ranges[] = {
    {0x100, 0x12f, 0}, {0x132, 0x137, 0}, {0x139, 0x148, 1}, {0x14a, 0x177, 0},
    {0x179, 0x17e, 1}, {0x182, 0x185, 0}, {0x187, 0x188, 1}, {0x18b, 0x18c, 1},
    {0x191, 0x192, 1}, {0x198, 0x199, 0}, {0x1a0, 0x1a5, 0}, {0x1a7, 0x1a8, 1},
    {0x1ac, 0x1ad, 0}, {0x1af, 0x1b0, 1}, {0x1b3, 0x1b6, 1}, {0x1b8, 0x1b9, 0},
    {0x1bc, 0x1bd, 0}, {0x1cd, 0x1dc, 1}, {0x1de, 0x1ef, 0}, {0x1f4, 0x1f5, 0},
    {0x1f8, 0x21f, 0}, {0x222, 0x233, 0}, {0x246, 0x24f, 0}, {0x370, 0x373, 0},
    {0x376, 0x377, 0}, {0x3d8, 0x3ef, 0}, {0x460, 0x481, 0}, {0x48a, 0x4bf, 0},
    {0x4c1, 0x4ce, 1}, {0x4d0, 0x52f, 0}, {0x1e00, 0x1e95, 0}, {0x1ea0, 0x1eff, 0},
    {0x2c80, 0x2ce3, 0},
};

/* Ranges mapping upper [lo, hi] to lower by adding delta. */
typedef struct DeltaRange { uint32_t lo, hi; int32_t delta; } DeltaRange;
static const DeltaRange upper_to_lower[] = {
    {0x41, 0x5a, 32}, {0xc0, 0xd6, 32}, {0xd8, 0xde, 32}, {0x386, 0x386, 38},
    {0x388, 0x38a, 37}, {0x38c, 0x38c, 64}, {0x38e, 0x38f, 63}, {0x391, 0x3a1, 32},
    {0x3a3, 0x3ab, 32}, {0x400, 0x40f, 80}, {0x410, 0x42f, 32}, {0x4c0, 0x4c0, 15},
    {0x531, 0x556, 48}, {0x10a0, 0x10c5, 7264}, {0x1e9e, 0x1e9e, -7615},
    {0x1f08, 0x1f0f, -8}, {0x1f18, 0x1f1d, -8}, {0x1f28, 0x1f2f, -8}, {0x1f38, 0x1f3f, -8},
    {0x1f48, 0x1f4d, -8}, {0x1f68, 0x1f6f, -8}, {0x2160, 0x216f, 16}, {0x24b6, 0x24cf, 26},
    {0x2c00, 0x2c2f, 48}, {0xff21, 0xff3a, 32}, {0x10400, 0x10427, 40},
};
static const DeltaRange lower_to_upper[] = {
    {0x61, 0x7a, -32}, {0xb5, 0xb5, 743}, {0xe0, 0xf6, -32}, {0xf8, 0xfe, -32},
    {0xff, 0xff, 121}, {0x131, 0x131, -232}, {0x17f, 0x17f, -300}, {0x3ac, 0x3ac, -38},
    {0x3ad, 0x3af, -37}, {0x3b1, 0x3c1, -32}, {0x3c2, 0x3c2, -31}, {0x3c3, 0x3cb, -32},
    {0x3cc, 0x3cc, -64}, {0x3cd, 0x3ce, -63}, {0x430, 0x44f, -32}, {0x450, 0x45f, -80},
    {0x4cf, 0x4cf, -15}, {0x561, 0x586, -48}, {0x1f00, 0x1f07, 8}, {0x1f10, 0x1f15, 8},
    {0x1f20, 0x1f27, 8}, {0x1f30, 0x1f37, 8}, {0x1f40, 0x1f45, 8}, {0x1f60, 0x1f67, 8},
    {0x2170, 0x217f, -16}, {0x24d0, 0x24e9, -26}, {0x2c30, 0x2c5f, -48},
    {0xff41, 0xff5a, -32}, {0x10428, 0x1044f, -40},
};

/* Finds c in a delta table; returns c unchanged if absent. */
static uint32_t delta_map(const DeltaRange *t, int n, uint32_t c, bool *hit)
{
    for (int i = 0; i < n; i++)
        if (c >= t[i].lo && c <= t[i].hi) { *hit = true; return (uint32_t)((int32_t)c + t[i].delta); }
    *hit = false;
    return c;
}

/* Looks c up in the alternating-pair ranges: 1 upper, 2 lower, 0 none. */
static int pair_kind(uint32_t c)
{
    for (int i = 0; i < NR(pair_ranges); i++)
        if (c >= pair_ranges[i].lo && c <= pair_ranges[i].hi)
            return ((c & 1) == (uint32_t)pair_ranges[i].parity) ? 1 : 2;
    return 0;
}

uint32_t uni_tolower(uint32_t c)
{
    if (c < 128) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    bool hit;
    uint32_t r = delta_map(upper_to_lower, NR(upper_to_lower), c, &hit);
    if (hit) return r;
    if (c == 0x130) return 'i';
    if (c == 0x178) return 0xff;
    if (c == 0x1c4 || c == 0x1c7 || c == 0x1ca || c == 0x1f1) return c + 2;
    if (c == 0x1c5 || c == 0x1c8 || c == 0x1cb || c == 0x1f2) return c + 1;
    if (pair_kind(c) == 1) return c + 1;
    return c;
}

uint32_t uni_toupper(uint32_t c)
{
    if (c < 128) return (c >= 'a' && c <= 'z') ? c - 32 : c;
    bool hit;
    uint32_t r = delta_map(lower_to_upper, NR(lower_to_upper), c, &hit);
    if (hit) return r;
    if (c == 0x1c6 || c == 0x1c9 || c == 0x1cc || c == 0x1f3) return c - 2;
    if (c == 0x1c5 || c == 0x1c8 || c == 0x1cb || c == 0x1f2) return c - 1;
    if (pair_kind(c) == 2) return c - 1;
    return c;
}

bool uni_istitle(uint32_t c)
{
    return c == 0x1c5 || c == 0x1c8 || c == 0x1cb || c == 0x1f2 ||
           (c >= 0x1f88 && c <= 0x1f8f) || (c >= 0x1f98 && c <= 0x1f9f) ||
           (c >= 0x1fa8 && c <= 0x1faf) || c == 0x1fbc || c == 0x1fcc || c == 0x1ffc;
}

bool uni_isupper(uint32_t c)
{
    if (c < 128) return c >= 'A' && c <= 'Z';
    if (uni_istitle(c)) return false;
    if (c >= 0x2160 && c <= 0x216f) return true;
    if (c >= 0x24b6 && c <= 0x24cf) return true;
    return uni_tolower(c) != c || c == 0x3d2 || c == 0x3d3 || c == 0x3d4 ||
           (c >= 0x1d400 && c <= 0x1d419);
}

bool uni_islower(uint32_t c)
{
    if (c < 128) return c >= 'a' && c <= 'z';
    if (uni_istitle(c)) return false;
    if (c == 0xaa || c == 0xba || c == 0xdf || c == 0x138 || c == 0x149 ||
        (c >= 0x250 && c <= 0x2af) || (c >= 0x2b0 && c <= 0x2b8) || c == 0x1d00)
        return true;
    return uni_toupper(c) != c;
}

bool uni_iscased(uint32_t c)
{
    return uni_isupper(c) || uni_islower(c) || uni_istitle(c);
}

int uni_upper_full(uint32_t c, uint32_t *out)
{
    switch (c) {
    case 0xdf: out[0] = 'S'; out[1] = 'S'; return 2;
    case 0x149: out[0] = 0x2bc; out[1] = 'N'; return 2;
    case 0x1f0: out[0] = 'J'; out[1] = 0x30c; return 2;
    case 0xfb00: out[0] = 'F'; out[1] = 'F'; return 2;
    case 0xfb01: out[0] = 'F'; out[1] = 'I'; return 2;
    case 0xfb02: out[0] = 'F'; out[1] = 'L'; return 2;
    default: out[0] = uni_toupper(c); return 1;
    }
}

int uni_lower_full(uint32_t c, uint32_t *out)
{
    if (c == 0x130) { out[0] = 'i'; out[1] = 0x307; return 2; }
    out[0] = uni_tolower(c);
    return 1;
}

int uni_title_full(uint32_t c, uint32_t *out)
{
    switch (c) {
    case 0xdf: out[0] = 'S'; out[1] = 's'; return 2;
    case 0x149: out[0] = 0x2bc; out[1] = 'N'; return 2;
    case 0xfb00: out[0] = 'F'; out[1] = 'f'; return 2;
    case 0xfb01: out[0] = 'F'; out[1] = 'i'; return 2;
    case 0xfb02: out[0] = 'F'; out[1] = 'l'; return 2;
    case 0x1c4: case 0x1c5: case 0x1c6: out[0] = 0x1c5; return 1;
    case 0x1c7: case 0x1c8: case 0x1c9: out[0] = 0x1c8; return 1;
    case 0x1ca: case 0x1cb: case 0x1cc: out[0] = 0x1cb; return 1;
    case 0x1f1: case 0x1f2: case 0x1f3: out[0] = 0x1f2; return 1;
    default: return uni_upper_full(c, out);
    }
}

int uni_fold_full(uint32_t c, uint32_t *out)
{
    switch (c) {
    case 0xdf: out[0] = 's'; out[1] = 's'; return 2;
    case 0x1e9e: out[0] = 's'; out[1] = 's'; return 2;
    case 0x149: out[0] = 0x2bc; out[1] = 'n'; return 2;
    case 0x17f: out[0] = 's'; return 1;
    case 0x3c2: out[0] = 0x3c3; return 1;
    case 0xb5: out[0] = 0x3bc; return 1;
    case 0xfb00: out[0] = 'f'; out[1] = 'f'; return 2;
    case 0xfb01: out[0] = 'f'; out[1] = 'i'; return 2;
    case 0xfb02: out[0] = 'f'; out[1] = 'l'; return 2;
    default: return uni_lower_full(c, out);
    }
}

int uni_codec(const char *enc)
{
    char buf[32];
    size_t n = strlen(enc);
    if (n >= sizeof buf) return -1;
    for (size_t i = 0; i <= n; i++) {
        char c = enc[i];
        if (c >= 'A' && c <= 'Z') c += 32;
        if (c == '_' || c == ' ') c = '-';
        buf[i] = c;
    }
    if (!strcmp(buf, "utf-8") || !strcmp(buf, "utf8") || !strcmp(buf, "u8")) return 0;
    if (!strcmp(buf, "ascii") || !strcmp(buf, "us-ascii") || !strcmp(buf, "646")) return 1;
    if (!strcmp(buf, "latin-1") || !strcmp(buf, "latin1") || !strcmp(buf, "iso-8859-1") ||
        !strcmp(buf, "iso8859-1") || !strcmp(buf, "l1") || !strcmp(buf, "8859") ||
        !strcmp(buf, "cp819") || !strcmp(buf, "latin"))
        return 2;
    return -1;
}
