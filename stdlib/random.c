/* random.c — the random module: CPython's Mersenne Twister (MT19937) with its seeding
 * (ints, strs via SHA-512, None from urandom) and its algorithms for randbelow, randrange,
 * choice, shuffle, sample and gauss, so seeded sequences match CPython. The generator
 * state lives in an object stored in the module (attribute _state). */
#include "builtins.h"
#include "state.h"
#include "objects/str.h"
#include "objects/containers.h"
#include "objects/num.h"
#include "exc.h"
#include "module.h"
#include "args.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define MT_N 624
#define MT_M 397

/* The generator state object. */
typedef struct RandState {
    Obj hdr;
    uint32_t mt[MT_N];
    int mti;
    bool has_gauss;
    double gauss_next;
} RandState;

/* The type of the state object. */
static Type T_RandState = { .name = "random_state", .basicsize = sizeof(RandState) };

static void init_genrand(RandState *r, uint32_t s) {
    r->mt[0] = s;
    for (int i = 1; i < MT_N; i++)
        r->mt[i] = 1812433253U * (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) + (uint32_t)i;
    r->mti = MT_N;
}

static void init_by_array(RandState *r, const uint32_t *key, size_t len) {
    init_genrand(r, 19650218U);
    size_t i = 1, j = 0, k = MT_N > len ? MT_N : len;
    uint32_t *mt = r->mt;
    for (; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525U)) + key[j] + (uint32_t)j;
        i++; j++;
        if (i >= MT_N) { mt[0] = mt[MT_N - 1]; i = 1; }
        if (j >= len) j = 0;
    }
    for (k = MT_N - 1; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941U)) - (uint32_t)i;
        i++;
        if (i >= MT_N) { mt[0] = mt[MT_N - 1]; i = 1; }
    }
    mt[0] = 0x80000000U;
}

static uint32_t genrand_uint32(RandState *r) {
    static const uint32_t mag01[2] = { 0x0U, 0x9908b0dfU };
    uint32_t y;
    uint32_t *mt = r->mt;
    if (r->mti >= MT_N) {
        int kk;
        for (kk = 0; kk < MT_N - MT_M; kk++) {
            y = (mt[kk] & 0x80000000U) | (mt[kk + 1] & 0x7fffffffU);
            mt[kk] = mt[kk + MT_M] ^ (y >> 1) ^ mag01[y & 0x1U];
        }
        for (; kk < MT_N - 1; kk++) {
            y = (mt[kk] & 0x80000000U) | (mt[kk + 1] & 0x7fffffffU);
            mt[kk] = mt[kk + (MT_M - MT_N)] ^ (y >> 1) ^ mag01[y & 0x1U];
        }
        y = (mt[MT_N - 1] & 0x80000000U) | (mt[0] & 0x7fffffffU);
        mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ mag01[y & 0x1U];
        r->mti = 0;
    }
    y = mt[r->mti++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    return y;
}

/* random(): a double in [0, 1) with 53 random bits. */
static double gen_random(RandState *r) {
    uint32_t a = genrand_uint32(r) >> 5, b = genrand_uint32(r) >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

/* getrandbits(k) for 0 < k <= 64. */
static uint64_t getrandbits(RandState *r, int k) {
    if (k <= 32) return genrand_uint32(r) >> (32 - k);
    uint64_t lo = genrand_uint32(r);
    uint64_t hi = genrand_uint32(r) >> (64 - k);
    return lo | (hi << 32);
}

/* A uniform integer in [0, n) (CPython's _randbelow_with_getrandbits); n > 0. */
static uint64_t randbelow(RandState *r, uint64_t n) {
    int k = 64 - __builtin_clzll(n);
    uint64_t x = getrandbits(r, k);
    while (x >= n) x = getrandbits(r, k);
    return x;
}

static const uint64_t sha512_k[80] = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
    0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
    0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
    0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
    0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
    0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
    0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
    0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
    0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
    0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
    0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
    0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
    0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
    0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
    0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
    0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
    0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
    0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
    0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};
static const uint64_t sha512_h0[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

/* Rotates right. */
static inline uint64_t ror64(uint64_t x, int n) { return (x >> n) | (x << (64 - n)); }

/* SHA-512 of data into out[64]. */
static void sha512(const uint8_t *data, size_t len, uint8_t *out) {
    uint64_t h[8];
    memcpy(h, sha512_h0, sizeof h);
    size_t total = ((len + 17 + 127) / 128) * 128;
    uint8_t *msg = calloc(1, total);
    memcpy(msg, data, len);
    msg[len] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++) msg[total - 1 - i] = (uint8_t)(bits >> (8 * i));
    for (size_t off = 0; off < total; off += 128) {
        uint64_t w[80];
        for (int i = 0; i < 16; i++) {
            uint64_t v = 0;
            for (int j = 0; j < 8; j++) v = (v << 8) | msg[off + (size_t)i * 8 + (size_t)j];
            w[i] = v;
        }
        for (int i = 16; i < 80; i++) {
            uint64_t s0 = ror64(w[i - 15], 1) ^ ror64(w[i - 15], 8) ^ (w[i - 15] >> 7);
            uint64_t s1 = ror64(w[i - 2], 19) ^ ror64(w[i - 2], 61) ^ (w[i - 2] >> 6);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint64_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int i = 0; i < 80; i++) {
            uint64_t S1 = ror64(e, 14) ^ ror64(e, 18) ^ ror64(e, 41);
            uint64_t ch = (e & f) ^ (~e & g);
            uint64_t t1 = hh + S1 + ch + sha512_k[i] + w[i];
            uint64_t S0 = ror64(a, 28) ^ ror64(a, 34) ^ ror64(a, 39);
            uint64_t maj = (a & b) ^ (a & c) ^ (b & c);
            uint64_t t2 = S0 + maj;
            hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }
    free(msg);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++) out[i * 8 + j] = (uint8_t)(h[i] >> (56 - 8 * j));
}

/* Seeds from a big-endian byte string read as an unsigned integer (CPython's key words). */
static void seed_from_be_bytes(RandState *r, const uint8_t *b, size_t len) {
    while (len > 0 && b[0] == 0) { b++; len--; }
    size_t nwords = len == 0 ? 1 : (len + 3) / 4;
    uint32_t *key = calloc(nwords, sizeof(uint32_t));
    for (size_t i = 0; i < len; i++) {
        size_t pos = len - 1 - i;  /* byte significance */
        key[pos / 4] |= (uint32_t)b[i] << (8 * (pos % 4));
    }
    init_by_array(r, key, nwords);
    free(key);
}

/* Seeds from an unsigned 64-bit magnitude. */
static void seed_u64(RandState *r, uint64_t n) {
    uint32_t key[2] = { (uint32_t)n, (uint32_t)(n >> 32) };
    init_by_array(r, key, key[1] ? 2 : 1);
}

/* Seeds from the OS entropy source. */
static void seed_urandom(RandState *r) {
    uint32_t key[MT_N];
    size_t got = 0;
    while (got < sizeof key) {
        ssize_t n = getrandom((char *)key + got, sizeof key - got, 0);
        if (n <= 0) break;
        got += (size_t)n;
    }
    if (got < sizeof key) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        key[0] ^= (uint32_t)t.tv_nsec;
        key[1] ^= (uint32_t)t.tv_sec;
    }
    init_by_array(r, key, MT_N);
}

/* Seeds the generator from a Python value (None, int, float, str, bytes). */
static int do_seed(ThreadState *ts, RandState *r, Value a) {
    r->has_gauss = false;
    if (IS_NULL(a) || IS_NONE(a)) { seed_urandom(r); return 0; }
    if (IS_INTLIKE(a)) {
        int64_t n = AS_INT(a);
        seed_u64(r, n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n);
        return 0;
    }
    if (IS_STR(a) || OBJ_IS(a, T_bytes)) {
        const uint8_t *d;
        size_t len;
        if (IS_STR(a)) { d = (const uint8_t *)AS_STR(a)->data; len = (size_t)AS_STR(a)->len; }
        else { d = ((Bytes *)AS_OBJ(a))->data; len = (size_t)((Bytes *)AS_OBJ(a))->len; }
        uint8_t *buf = malloc(len + 64);
        memcpy(buf, d, len);
        sha512(d, len, buf + len);
        seed_from_be_bytes(r, buf, len + 64);
        free(buf);
        return 0;
    }
    int64_t h = obj_hash(ts, a);
    if (h == -1 && !IS_NULL(ts->exc)) return -1;
    seed_u64(r, h < 0 ? (uint64_t)0 - (uint64_t)h : (uint64_t)h);
    return 0;
}

/* The module's generator state (borrowed), or NULL with RuntimeError. */
static RandState *get_state(ThreadState *ts) {
    Value m = the_interp.modules ? dict_get_str(the_interp.modules, str_intern("random")) : V_NULL;
    Value s = OBJ_IS(m, T_module) ? dict_get_str(MODULE_DICT(AS_OBJ(m)), str_intern("_state")) : V_NULL;
    if (!OBJ_IS(s, T_RandState)) {
        exc_raise(ts, &T_RuntimeError, "random module state is missing");
        return NULL;
    }
    return (RandState *)AS_OBJ(s);
}

static Value random_seed(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "a", "version", NULL };
    Value a[2];
    if (bi_parse_args(ts, "seed", args, nargs, kwnames, names, 2, 0, a) < 0) return V_NULL;
    RandState *r = get_state(ts);
    if (!r) return V_NULL;
    if (do_seed(ts, r, a[0]) < 0) return V_NULL;
    return V_NONE;
}

static Value random_random(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "random", nargs, kwnames, 0, 0) < 0) return V_NULL;
    RandState *r = get_state(ts);
    if (!r) return V_NULL;
    return V_FLOAT(gen_random(r));
}

static Value random_getrandbits(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "getrandbits", nargs, kwnames, 1, 1) < 0) return V_NULL;
    int64_t k;
    if (obj_as_index(ts, args[0], &k) < 0) return V_NULL;
    if (k < 0) return exc_raise(ts, &T_ValueError, "number of bits must be non-negative");
    RandState *r = get_state(ts);
    if (!r) return V_NULL;
    if (k == 0) return V_INT(0);
    if (k > 64) return int_overflow(ts);
    uint64_t v = getrandbits(r, (int)k);
    if (v > (uint64_t)INT64_MAX) return int_overflow(ts);
    return V_INT((int64_t)v);
}

/* randrange(start, stop, step) core with CPython 3.11's messages. */
static Value do_randrange(ThreadState *ts, RandState *r, Value vstart, Value vstop, Value vstep) {
    int64_t start, stop, step = 1;
    if (obj_as_index(ts, vstart, &start) < 0) return V_NULL;
    if (IS_NULL(vstop) || IS_NONE(vstop)) {
        if (!IS_NULL(vstep) && !(IS_INTLIKE(vstep) && AS_INT(vstep) == 1))
            return exc_raise(ts, &T_TypeError, "Missing a non-None stop argument");
        if (start > 0) return V_INT((int64_t)randbelow(r, (uint64_t)start));
        return exc_raise(ts, &T_ValueError, "empty range for randrange()");
    }
    if (obj_as_index(ts, vstop, &stop) < 0) return V_NULL;
    if (!IS_NULL(vstep) && obj_as_index(ts, vstep, &step) < 0) return V_NULL;
    __int128 width = (__int128)stop - start;
    if (step == 1) {
        if (width > 0) return V_INT((int64_t)((__int128)start + randbelow(r, (uint64_t)width)));
        return exc_raise(ts, &T_ValueError, "empty range for randrange() (%lld, %lld, %lld)", (long long)start,
                         (long long)stop, (long long)width);
    }
    __int128 n;
    if (step > 0) n = (width + step - 1) / step;
    else if (step < 0) n = (width + step + 1) / step;
    else return exc_raise(ts, &T_ValueError, "zero step for randrange()");
    /* Python floor division for the n computation. */
    if (step > 0 && (width + step - 1) % step != 0 && (width + step - 1) < 0) n -= 1;
    if (step < 0 && (width + step + 1) % step != 0 && (width + step + 1) > 0) n -= 1;
    if (n <= 0) return exc_raise(ts, &T_ValueError, "empty range for randrange()");
    __int128 res = (__int128)start + (__int128)step * (__int128)randbelow(r, (uint64_t)n);
    return V_INT((int64_t)res);
}

static Value random_randrange(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "start", "stop", "step", NULL };
    Value a[3];
    if (bi_parse_args(ts, "randrange", args, nargs, kwnames, names, 3, 1, a) < 0) return V_NULL;
    RandState *r = get_state(ts);
    if (!r) return V_NULL;
    return do_randrange(ts, r, a[0], a[1], a[2]);
}

static Value random_randint(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "a", "b", NULL };
    Value a[2];
    if (bi_parse_args(ts, "randint", args, nargs, kwnames, names, 2, 2, a) < 0) return V_NULL;
    RandState *r = get_state(ts);
    if (!r) return V_NULL;
    int64_t b;
    if (obj_as_index(ts, a[1], &b) < 0) return V_NULL;
    if (b == INT64_MAX) return int_overflow(ts);
    return do_randrange(ts, r, a[0], V_INT(b + 1), V_NULL);
}

static Value random_uniform(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "a", "b", NULL };
    Value a[2];
    if (bi_parse_args(ts, "uniform", args, nargs, kwnames, names, 2, 2, a) < 0) return V_NULL;
    double x, y;
    if (bi_to_double(ts, a[0], &x) < 0 || bi_to_double(ts, a[1], &y) < 0) return V_NULL;
    RandState *r = get_state(ts);
    if (!r) return V_NULL;
    return V_FLOAT(x + (y - x) * gen_random(r));
}

static Value random_choice(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "choice", nargs, kwnames, 1, 1) < 0) return V_NULL;
    RandState *r = get_state(ts);
    if (!r) return V_NULL;
    int64_t n = obj_len(ts, args[0]);
    if (n < 0) return V_NULL;
    if (n == 0) return exc_raise(ts, &T_IndexError, "Cannot choose from an empty sequence");
    int64_t i = (int64_t)randbelow(r, (uint64_t)n);
    if (IS_LIST(args[0]) && i < AS_LIST(args[0])->len) return v_new(AS_LIST(args[0])->items[i]);
    return obj_getitem(ts, args[0], V_INT(i));
}

static Value random_shuffle(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    if (arg_count(ts, "shuffle", nargs, kwnames, 1, 1) < 0) return V_NULL;
    RandState *r = get_state(ts);
    if (!r) return V_NULL;
    Value x = args[0];
    int64_t n = obj_len(ts, x);
    if (n < 0) return V_NULL;
    for (int64_t i = n - 1; i >= 1; i--) {
        int64_t j = (int64_t)randbelow(r, (uint64_t)i + 1);
        if (IS_LIST(x) && AS_LIST(x)->len == n) {
            Value *it = AS_LIST(x)->items;
            Value t = it[i]; it[i] = it[j]; it[j] = t;
            continue;
        }
        Value a = obj_getitem(ts, x, V_INT(i));
        if (IS_NULL(a)) return V_NULL;
        Value b = obj_getitem(ts, x, V_INT(j));
        if (IS_NULL(b)) { v_decref(a); return V_NULL; }
        int rc = obj_setitem(ts, x, V_INT(i), b);
        if (rc == 0) rc = obj_setitem(ts, x, V_INT(j), a);
        v_decref(a);
        v_decref(b);
        if (rc < 0) return V_NULL;
    }
    return V_NONE;
}

static Value random_sample(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "population", "k", "counts", NULL };
    Value a[3];
    if (bi_parse_args(ts, "sample", args, nargs, kwnames, names, 2, 2, a) < 0) return V_NULL;
    if (!IS_NULL(a[2]) && !IS_NONE(a[2]))
        return exc_raise(ts, &T_NotImplementedError, "sample() counts are not supported");
    Value pop = a[0];
    Type *pt = obj_type(pop);
    if (pt == &T_set || pt == &T_dict || !pt->getitem || !pt->len)
        return exc_raise(ts, &T_TypeError, "Population must be a sequence.  For dicts or sets, use sorted(d).");
    RandState *r = get_state(ts);
    if (!r) return V_NULL;
    int64_t n = obj_len(ts, pop), k;
    if (n < 0) return V_NULL;
    if (obj_as_index(ts, a[1], &k) < 0) return V_NULL;
    if (k < 0 || k > n) return exc_raise(ts, &T_ValueError, "Sample larger than population or is negative");
    Obj *result = list_new(k);
    int64_t setsize = 21;
    if (k > 5) {
        /* 4 ** ceil(log(k * 3, 4)) */
        double l = log((double)(k * 3)) / log(4.0);
        setsize += (int64_t)pow(4.0, ceil(l));
    }
    if (n <= setsize) {
        Value pool = obj_to_list(ts, pop);
        if (IS_NULL(pool)) { o_decref(result); return V_NULL; }
        Value *p = AS_LIST(pool)->items;
        for (int64_t i = 0; i < k; i++) {
            int64_t j = (int64_t)randbelow(r, (uint64_t)(n - i));
            list_append(result, p[j]);
            Value t = p[j];
            p[j] = p[n - i - 1];
            p[n - i - 1] = t;
        }
        v_decref(pool);
    } else {
        Obj *selected = set_new();
        for (int64_t i = 0; i < k; i++) {
            int64_t j = (int64_t)randbelow(r, (uint64_t)n);
            while (set_contains(ts, selected, V_INT(j)) == 1) j = (int64_t)randbelow(r, (uint64_t)n);
            set_add(ts, selected, V_INT(j));
            Value x = obj_getitem(ts, pop, V_INT(j));
            if (IS_NULL(x)) { o_decref(selected); o_decref(result); return V_NULL; }
            list_append_steal(result, x);
        }
        o_decref(selected);
    }
    return V_OBJ(result);
}

static Value random_gauss(ThreadState *ts, Value *args, int nargs, Obj *kwnames) {
    static const char *const names[] = { "mu", "sigma", NULL };
    Value a[2];
    if (bi_parse_args(ts, "gauss", args, nargs, kwnames, names, 2, 0, a) < 0) return V_NULL;
    double mu = 0.0, sigma = 1.0;
    if (!IS_NULL(a[0]) && bi_to_double(ts, a[0], &mu) < 0) return V_NULL;
    if (!IS_NULL(a[1]) && bi_to_double(ts, a[1], &sigma) < 0) return V_NULL;
    RandState *r = get_state(ts);
    if (!r) return V_NULL;
    double z;
    if (r->has_gauss) {
        z = r->gauss_next;
        r->has_gauss = false;
    } else {
        double x2pi = gen_random(r) * 2.0 * M_PI;
        double g2rad = sqrt(-2.0 * log(1.0 - gen_random(r)));
        z = cos(x2pi) * g2rad;
        r->gauss_next = sin(x2pi) * g2rad;
        r->has_gauss = true;
    }
    return V_FLOAT(mu + z * sigma);
}

static const MethodDef random_functions[] = {
    { "seed", random_seed, 0 },
    { "random", random_random, 0 },
    { "getrandbits", random_getrandbits, 0 },
    { "randrange", random_randrange, 0 },
    { "randint", random_randint, 0 },
    { "uniform", random_uniform, 0 },
    { "choice", random_choice, 0 },
    { "shuffle", random_shuffle, 0 },
    { "sample", random_sample, 0 },
    { "gauss", random_gauss, 0 },
    { NULL, NULL, 0 },
};

/* Creates the generator state, seeded from urandom. */
static int random_init(ThreadState *ts, Obj *m) {
    type_ready(&T_RandState);
    RandState *r = (RandState *)obj_alloc(&T_RandState, sizeof(RandState));
    seed_urandom(r);
    module_add(m, "_state", V_OBJ(r));
    o_decref(&r->hdr);
    return 0;
}

const NativeModule random_module_def = { "random", random_functions, random_init };
