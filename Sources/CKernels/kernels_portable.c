// Portable kernels, activation quantizers, half conversions and the dispatch table.
// The scalar dot products compute exactly the integer block sums the AVX2 kernels do;
// only the order of the final float additions differs.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "blocks.h"

// MARK: half precision

float ck_fp16_to_fp32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1F, mant = h & 0x3FF, bits;
    if (exp == 0x1F) {
        bits = sign | 0x7F800000 | (mant << 13);
    } else if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { // subnormal: normalise
            int e = -1;
            do { e++; mant <<= 1; } while ((mant & 0x400) == 0);
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((mant & 0x3FF) << 13);
        }
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t ck_fp32_to_fp16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    uint32_t ax = x & 0x7FFFFFFF;
    if (ax >= 0x7F800000) return sign | 0x7C00 | (ax > 0x7F800000 ? 0x200 : 0);
    if (ax >= 0x477FF000) return sign | 0x7C00; // ≥ 65520 rounds to infinity
    if (ax < 0x38800000) {                      // below 2^-14: subnormal half or zero
        uint32_t e = ax >> 23;
        int shift = 126 - (int)e;               // value = m·2^(e−150) = k·2^−24
        if (shift > 24) return sign;
        uint32_t m = (ax & 0x7FFFFF) | 0x800000;
        uint32_t k = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (k & 1))) k++;
        return sign | (uint16_t)k;
    }
    uint32_t h = ((((ax >> 23) - 112) << 10) | ((ax & 0x7FFFFF) >> 13));
    uint32_t rem = ax & 0x1FFF;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++;
    return sign | (uint16_t)h;
}

static inline uint16_t f2bf(float f) { // ggml's rounding: nearest even, quiet NaN
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffff) > 0x7f800000) return (uint16_t)((u >> 16) | 64);
    return (uint16_t)((u + (0x7fff + ((u >> 16) & 1))) >> 16);
}

static inline float bf2f(uint16_t b) {
    uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

// MARK: activation quantizers (x86 llama.cpp behaviour: round half to even, id = 127/max)

static float block_absmax(const float *x, int n) {
    float m = 0;
    for (int j = 0; j < n; j++) { float a = fabsf(x[j]); if (a > m) m = a; }
    return m;
}

void ck_quantize_q8_0_portable(const float *x, void *vy, int64_t n) {
    blk_q8_0 *y = vy;
    for (int64_t i = 0; i < n / QK; i++, x += QK) {
        float amax = block_absmax(x, QK);
        float d = amax / 127.f, id = amax != 0.0f ? 127.f / amax : 0.0f;
        y[i].d = ck_fp32_to_fp16(d);
        for (int j = 0; j < QK; j++) y[i].qs[j] = (int8_t)lrintf(x[j] * id);
    }
}

void ck_quantize_q8_1_portable(const float *x, void *vy, int64_t n) {
    blk_q8_1 *y = vy;
    for (int64_t i = 0; i < n / QK; i++, x += QK) {
        float amax = block_absmax(x, QK);
        float d = amax / 127.f, id = amax != 0.0f ? 127.f / amax : 0.0f;
        int sum = 0;
        for (int j = 0; j < QK; j++) { int q = (int)lrintf(x[j] * id); y[i].qs[j] = (int8_t)q; sum += q; }
        y[i].d = ck_fp32_to_fp16(d);
        y[i].s = ck_fp32_to_fp16(d * (float)sum);
    }
}

// Q8_K: llama.cpp uses its reference quantizer on x86 too (scale from the signed maximum).
void ck_quantize_q8_K(const float *x, void *vy, int64_t n) {
    blk_q8_K *y = vy;
    for (int64_t i = 0; i < n / QKK; i++, x += QKK) {
        float max = 0, amax = 0;
        for (int j = 0; j < QKK; j++) { float a = fabsf(x[j]); if (a > amax) { amax = a; max = x[j]; } }
        if (amax == 0) { memset(&y[i], 0, sizeof y[i]); continue; }
        const float iscale = -127.f / max;
        for (int j = 0; j < QKK; j++) { long v = lrintf(iscale * x[j]); y[i].qs[j] = (int8_t)(v > 127 ? 127 : v); }
        for (int g = 0; g < 16; g++) {
            int s = 0;
            for (int j = 0; j < 16; j++) s += y[i].qs[g * 16 + j];
            y[i].bsums[g] = (int16_t)s;
        }
        y[i].d = 1 / iscale;
    }
}

// MARK: portable dot products

float ck_dot_q4_0_portable(int64_t n, const void *vw, const void *va) {
    const blk_q4_0 *w = vw; const blk_q8_0 *a = va;
    float s = 0;
    for (int64_t i = 0; i < n / QK; i++) {
        int si = 0;
        for (int j = 0; j < 16; j++)
            si += ((w[i].qs[j] & 0xF) - 8) * a[i].qs[j] + ((w[i].qs[j] >> 4) - 8) * a[i].qs[j + 16];
        s += (float)si * (h2f(w[i].d) * h2f(a[i].d));
    }
    return s;
}

float ck_dot_q4_1_portable(int64_t n, const void *vw, const void *va) {
    const blk_q4_1 *w = vw; const blk_q8_1 *a = va;
    float s = 0;
    for (int64_t i = 0; i < n / QK; i++) {
        int si = 0;
        for (int j = 0; j < 16; j++) si += (w[i].qs[j] & 0xF) * a[i].qs[j] + (w[i].qs[j] >> 4) * a[i].qs[j + 16];
        s += (float)si * (h2f(w[i].d) * h2f(a[i].d)) + h2f(w[i].m) * h2f(a[i].s);
    }
    return s;
}

float ck_dot_q5_0_portable(int64_t n, const void *vw, const void *va) {
    const blk_q5_0 *w = vw; const blk_q8_0 *a = va;
    float s = 0;
    for (int64_t i = 0; i < n / QK; i++) {
        uint32_t qh; memcpy(&qh, w[i].qh, 4);
        int si = 0;
        for (int j = 0; j < 16; j++) {
            int lo = (w[i].qs[j] & 0xF) | (int)(((qh >> j) & 1) << 4);
            int hi = (w[i].qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
            si += (lo - 16) * a[i].qs[j] + (hi - 16) * a[i].qs[j + 16];
        }
        s += (float)si * (h2f(w[i].d) * h2f(a[i].d));
    }
    return s;
}

float ck_dot_q5_1_portable(int64_t n, const void *vw, const void *va) {
    const blk_q5_1 *w = vw; const blk_q8_1 *a = va;
    float s = 0;
    for (int64_t i = 0; i < n / QK; i++) {
        uint32_t qh; memcpy(&qh, w[i].qh, 4);
        int si = 0;
        for (int j = 0; j < 16; j++) {
            int lo = (w[i].qs[j] & 0xF) | (int)(((qh >> j) & 1) << 4);
            int hi = (w[i].qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
            si += lo * a[i].qs[j] + hi * a[i].qs[j + 16];
        }
        s += (float)si * (h2f(w[i].d) * h2f(a[i].d)) + h2f(w[i].m) * h2f(a[i].s);
    }
    return s;
}

float ck_dot_q8_0_portable(int64_t n, const void *vw, const void *va) {
    const blk_q8_0 *w = vw; const blk_q8_0 *a = va;
    float s = 0;
    for (int64_t i = 0; i < n / QK; i++) {
        int si = 0;
        for (int j = 0; j < QK; j++) si += w[i].qs[j] * a[i].qs[j];
        s += (float)si * (h2f(w[i].d) * h2f(a[i].d));
    }
    return s;
}

float ck_dot_q4_K_portable(int64_t n, const void *vw, const void *va) {
    const blk_q4_K *w = vw; const blk_q8_K *a = va;
    float s = 0;
    for (int64_t i = 0; i < n / QKK; i++) {
        int total = 0, mins = 0;
        for (int c = 0; c < 4; c++) {
            uint8_t sc0, m0, sc1, m1;
            k_scale_min(2 * c, w[i].scales, &sc0, &m0);
            k_scale_min(2 * c + 1, w[i].scales, &sc1, &m1);
            const uint8_t *q = w[i].qs + 32 * c;
            const int8_t *y = a[i].qs + 64 * c;
            int s0 = 0, s1 = 0;
            for (int l = 0; l < 32; l++) { s0 += (q[l] & 0xF) * y[l]; s1 += (q[l] >> 4) * y[l + 32]; }
            total += sc0 * s0 + sc1 * s1;
            mins += m0 * (a[i].bsums[4 * c] + a[i].bsums[4 * c + 1]) + m1 * (a[i].bsums[4 * c + 2] + a[i].bsums[4 * c + 3]);
        }
        s += a[i].d * h2f(w[i].d) * (float)total - a[i].d * h2f(w[i].dmin) * (float)mins;
    }
    return s;
}

float ck_dot_q5_K_portable(int64_t n, const void *vw, const void *va) {
    const blk_q5_K *w = vw; const blk_q8_K *a = va;
    float s = 0;
    for (int64_t i = 0; i < n / QKK; i++) {
        int total = 0, mins = 0;
        for (int c = 0; c < 4; c++) {
            uint8_t sc0, m0, sc1, m1;
            k_scale_min(2 * c, w[i].scales, &sc0, &m0);
            k_scale_min(2 * c + 1, w[i].scales, &sc1, &m1);
            const uint8_t *q = w[i].qs + 32 * c;
            const int8_t *y = a[i].qs + 64 * c;
            int s0 = 0, s1 = 0;
            for (int l = 0; l < 32; l++) {
                int lo = (q[l] & 0xF) | (((w[i].qh[l] >> (2 * c)) & 1) << 4);
                int hi = (q[l] >> 4) | (((w[i].qh[l] >> (2 * c + 1)) & 1) << 4);
                s0 += lo * y[l]; s1 += hi * y[l + 32];
            }
            total += sc0 * s0 + sc1 * s1;
            mins += m0 * (a[i].bsums[4 * c] + a[i].bsums[4 * c + 1]) + m1 * (a[i].bsums[4 * c + 2] + a[i].bsums[4 * c + 3]);
        }
        s += a[i].d * h2f(w[i].d) * (float)total - a[i].d * h2f(w[i].dmin) * (float)mins;
    }
    return s;
}

float ck_dot_q6_K_portable(int64_t n, const void *vw, const void *va) {
    const blk_q6_K *w = vw; const blk_q8_K *a = va;
    float s = 0;
    for (int64_t i = 0; i < n / QKK; i++) {
        int total = 0;
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = w[i].ql + 64 * h, *qh = w[i].qh + 32 * h;
            const int8_t *sc = w[i].scales + 8 * h, *y = a[i].qs + 128 * h;
            int g[8] = {0};
            for (int l = 0; l < 32; l++) {
                int e0 = ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
                int e1 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                int e2 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                int e3 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                int k = l / 16;
                g[k] += e0 * y[l]; g[k + 2] += e1 * y[l + 32]; g[k + 4] += e2 * y[l + 64]; g[k + 6] += e3 * y[l + 96];
            }
            for (int k = 0; k < 8; k++) total += sc[k] * g[k];
        }
        s += a[i].d * h2f(w[i].d) * (float)total;
    }
    return s;
}

float ck_dot_f32_portable(int64_t n, const void *vw, const void *va) {
    const float *w = vw, *a = va;
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += (double)(w[i] * a[i]);
    return (float)s;
}

float ck_dot_f16_portable(int64_t n, const void *vw, const void *va) {
    const uint16_t *w = vw, *a = va;
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += (double)(h2f(w[i]) * h2f(a[i]));
    return (float)s;
}

float ck_dot_bf16_portable(int64_t n, const void *vw, const void *va) {
    const uint16_t *w = vw, *a = va;
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += (double)(bf2f(w[i]) * bf2f(a[i]));
    return (float)s;
}

// MARK: dispatch

// Kernel levels: 0 portable, 1 AVX2/FMA/F16C, 2 AVX-512 VNNI (Q5_0/Q8_0 dots; AVX2 for the
// rest). The level in use is the CPU's, capped by CODEEVAL_KERNELS=portable|avx2|avx512
// (reproducing another machine's numbers) and by ck_force_portable.
static int force_portable = 0;

#if CK_HAVE_X86
static int cpu_level(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        int level = 0;
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) {
            level = 1;
            if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni"))
                level = 2;
        }
        const char *cap = getenv("CODEEVAL_KERNELS");
        if (cap && strcmp(cap, "portable") == 0) level = 0;
        else if (cap && strcmp(cap, "avx2") == 0 && level > 1) level = 1;
        cached = level;
    }
    return cached;
}
#endif

int ck_kernel_level(void) {
#if CK_HAVE_X86
    return force_portable ? 0 : cpu_level();
#else
    return 0;
#endif
}

int ck_using_avx2(void) { return ck_kernel_level() >= 1; }

static int cpu_level_or_zero(void) {
#if CK_HAVE_X86
    return cpu_level();
#else
    return 0;
#endif
}

void ck_force_portable(int on) { force_portable = on; }

/// The kernels of one weight type at one level: one token, and (AVX2) four tokens sharing one
/// unpacking of each weight block, or (AVX-512) row and token lanes. All give the same bits per
/// (row, token).
typedef struct {
    ck_dot_fn one;
    ck_dotn_fn four;
#if CK_HAVE_X86
    // Level 2 (kernels_avx512.c): instead of four. rows16 is Q5_0/Q8_0 only.
    ck_rows16_fn rows16;
    ck_tl16_fn tl16, tl8; // tl8: the same per lane on a group's first 8 tokens (K-quants)
    ck_tl_pack_fn tl_pack;
    int64_t tl_block_elems, tl_block_bytes;
#endif
} kernel_set;

static kernel_set kernels_for(int type, int64_t n, int level) {
    kernel_set k;
    memset(&k, 0, sizeof k);
    if (level > cpu_level_or_zero()) level = cpu_level_or_zero();
#if CK_HAVE_X86
#define CK_AVX512(T) do { k.one = ck_dot_##T##_avx512; k.rows16 = ck_rows16_##T##_avx512; k.tl16 = ck_tl16_##T##_avx512; \
                          k.tl_pack = ck_tl_pack_q8_0; k.tl_block_elems = QK; k.tl_block_bytes = CK_TL_BLOCK_BYTES; \
                          return k; } while (0)
#define CK_AVX512_K(T) do { k.one = ck_dot_##T##_avx512; k.tl16 = ck_tl16_##T##_avx512; k.tl8 = ck_tl8_##T##_avx512; \
                            k.tl_pack = ck_tl_pack_q8_K; \
                            k.tl_block_elems = QKK; k.tl_block_bytes = CK_TLK_BLOCK_BYTES; return k; } while (0)
    if (level >= 2) {
        switch (type) {
        case CK_Q5_0: if (ck_q8_0_has_extras(n)) CK_AVX512(q5_0); break;
        case CK_Q8_0: if (ck_q8_0_has_extras(n)) CK_AVX512(q8_0); break;
        case CK_Q4_K: CK_AVX512_K(q4_K);
        case CK_Q6_K: CK_AVX512_K(q6_K);
        default: break;
        }
    }
#undef CK_AVX512
#undef CK_AVX512_K
    if (level >= 1) {
        switch (type) {
        case CK_Q4_0: k.one = ck_dot_q4_0_avx2; k.four = ck_dot4_q4_0_avx2; return k;
        case CK_Q4_1: k.one = ck_dot_q4_1_avx2; k.four = ck_dot4_q4_1_avx2; return k;
        case CK_Q5_0: k.one = ck_dot_q5_0_avx2; k.four = ck_dot4_q5_0_avx2; return k;
        case CK_Q5_1: k.one = ck_dot_q5_1_avx2; return k;
        case CK_Q8_0: k.one = ck_dot_q8_0_avx2; k.four = ck_dot4_q8_0_avx2; return k;
        case CK_Q4_K: k.one = ck_dot_q4_K_avx2; k.four = ck_dot4_q4_K_avx2; return k;
        case CK_Q5_K: k.one = ck_dot_q5_K_avx2; return k;
        case CK_Q6_K: k.one = ck_dot_q6_K_avx2; k.four = ck_dot4_q6_K_avx2; return k;
        case CK_F32: k.one = ck_dot_f32_avx2; return k;
        default: break;
        }
    }
#endif
    (void)n;
    switch (type) {
    case CK_Q4_0: k.one = ck_dot_q4_0_portable; break;
    case CK_Q4_1: k.one = ck_dot_q4_1_portable; break;
    case CK_Q5_0: k.one = ck_dot_q5_0_portable; break;
    case CK_Q5_1: k.one = ck_dot_q5_1_portable; break;
    case CK_Q8_0: k.one = ck_dot_q8_0_portable; break;
    case CK_Q4_K: k.one = ck_dot_q4_K_portable; break;
    case CK_Q5_K: k.one = ck_dot_q5_K_portable; break;
    case CK_Q6_K: k.one = ck_dot_q6_K_portable; break;
    case CK_F32: k.one = ck_dot_f32_portable; break;
    case CK_F16: k.one = ck_dot_f16_portable; break;
    case CK_BF16: k.one = ck_dot_bf16_portable; break;
    default: break;
    }
    return k;
}

float ck_vec_dot_portable(int t, int64_t n, const void *w, const void *a) { return ck_vec_dot_at(0, t, n, w, a); }

float ck_vec_dot_at(int level, int t, int64_t n, const void *w, const void *a) {
    ck_dot_fn f = kernels_for(t, n, level).one;
    return f ? f(n, w, a) : 0.0f;
}

float ck_vec_dot(int t, int64_t n, const void *w, const void *a) { return ck_vec_dot_at(ck_kernel_level(), t, n, w, a); }

int ck_vec_dot_type(int t) {
    switch (t) {
    case CK_Q4_0: case CK_Q5_0: case CK_Q8_0: return CK_Q8_0;
    case CK_Q4_1: case CK_Q5_1: return CK_Q8_1;
    case CK_Q4_K: case CK_Q5_K: case CK_Q6_K: return CK_Q8_K;
    case CK_F32: return CK_F32;
    case CK_F16: return CK_F16;
    case CK_BF16: return CK_BF16;
    default: return -1;
    }
}

size_t ck_activation_row_bytes(int t, int64_t n) {
    switch (ck_vec_dot_type(t)) {
    case CK_Q8_0:
        return ck_q8_0_has_extras(n) ? ck_q8_0_extras_offset(n) + (size_t)(n / QK / 2) * CK_PAIR_BYTES
                                     : (size_t)(n / QK) * sizeof(blk_q8_0);
    case CK_Q8_1: return (size_t)(n / QK) * sizeof(blk_q8_1);
    case CK_Q8_K: return (size_t)(n / QKK) * sizeof(blk_q8_K);
    case CK_F32: return (size_t)n * 4;
    case CK_F16: case CK_BF16: return (size_t)n * 2;
    default: return 0;
    }
}

void ck_q8_0_extras(void *row, int64_t n) {
    if (!ck_q8_0_has_extras(n)) return;
    const blk_q8_0 *b = row;
    uint8_t *e = (uint8_t *)row + ck_q8_0_extras_offset(n);
    for (int64_t p = 0; p < n / QK / 2; p++, e += CK_PAIR_BYTES) {
        float sc[16];
        int32_t neg[16];
        for (int h = 0; h < 2; h++) {
            const blk_q8_0 *blk = b + 2 * p + h;
            memcpy(e + 32 * h, blk->qs, 32);
            float d = h2f(blk->d);
            for (int lane = 0; lane < 8; lane++) {
                int32_t sum = 0;
                for (int j = 0; j < 4; j++) sum += blk->qs[4 * lane + j];
                sc[8 * h + lane] = d;
                neg[8 * h + lane] = -16 * sum;
            }
        }
        memcpy(e + 64, sc, 64);
        memcpy(e + 128, neg, 64);
    }
}

static int quantize_activation(int t, const float *x, void *out, int64_t n, int fast);

int ck_quantize_activation(int t, const float *x, void *out, int64_t n) {
    return quantize_activation(t, x, out, n, ck_using_avx2());
}

int ck_quantize_activation_portable(int t, const float *x, void *out, int64_t n) {
    return quantize_activation(t, x, out, n, 0);
}

static int quantize_activation(int t, const float *x, void *out, int64_t n, int fast) {
    switch (ck_vec_dot_type(t)) {
    case CK_Q8_0:
        if (n % QK) return -1;
#if CK_HAVE_X86
        if (fast) ck_quantize_q8_0_avx2(x, out, n); else
#endif
        ck_quantize_q8_0_portable(x, out, n);
        ck_q8_0_extras(out, n);
        return 0;
    case CK_Q8_1:
        if (n % QK) return -1;
#if CK_HAVE_X86
        if (fast) { ck_quantize_q8_1_avx2(x, out, n); return 0; }
#endif
        ck_quantize_q8_1_portable(x, out, n); return 0;
    case CK_Q8_K:
        if (n % QKK) return -1;
        ck_quantize_q8_K(x, out, n); return 0;
    case CK_F32: memcpy(out, x, (size_t)n * 4); return 0;
    case CK_F16: { uint16_t *o = out; for (int64_t i = 0; i < n; i++) o[i] = ck_fp32_to_fp16(x[i]); return 0; }
    case CK_BF16: { uint16_t *o = out; for (int64_t i = 0; i < n; i++) o[i] = f2bf(x[i]); return 0; }
    default: return -1;
    }
    (void)fast;
}

// Software prefetch a few KB ahead in the weight stream: the hardware prefetchers stop at every
// 4 KiB page, and in decode (one token) the kernel's compute alone cannot hide DRAM latency.
// Measured: Qwen2.5-Coder-1.5B decode 12.7 -> 17.7 tok/s (BENCHMARKS.md).
#define CK_PREFETCH_BYTES 4096
static inline void prefetch_ahead(const char *cur, size_t bytes, const char *end) {
    const char *pf = cur + CK_PREFETCH_BYTES;
    for (size_t off = 0; off < bytes && pf + off < end; off += 64) __builtin_prefetch(pf + off, 0, 3);
}

#if CK_HAVE_X86
/// The token-lane group buffer of the calling thread (grown on demand, kept for the thread's life:
/// the engine's workers are persistent).
static void *tl_buffer(size_t bytes) {
    static _Thread_local void *buf;
    static _Thread_local size_t cap;
    if (bytes > cap) {
        free(buf);
        cap = (bytes + 4095) & ~(size_t)4095;
        buf = aligned_alloc(64, cap);
        if (!buf) cap = 0;
    }
    return buf;
}

/// Level 2 Q5_0/Q8_0/Q4_K/Q6_K: one or two tokens go row-lane (Q5_0/Q8_0: 16 rows per call) or row by
/// row, more go token-lane (16 tokens per call, packed once per call of this function). Same bits either way.
static int matmul_lanes(kernel_set k, const char *wb, size_t w_row_bytes, int64_t n, int64_t row_begin, int64_t row_end,
                        const char *ab, size_t act_row_bytes, int64_t tokens, float *y, int64_t y_stride) {
    const char *wend = wb + (size_t)row_end * w_row_bytes;
    float o[16];
    if (tokens <= 2) {
        for (int64_t tk = 0; tk < tokens; tk++) {
            const char *a = ab + (size_t)tk * act_row_bytes;
            int64_t r = row_begin;
            for (; k.rows16 && r + 16 <= row_end; r += 16) {
                const char *wr = wb + (size_t)r * w_row_bytes;
                k.rows16(n, wr, w_row_bytes, a, o); // prefetches the next 16 rows itself
                memcpy(y + tk * y_stride + r, o, sizeof o);
            }
            for (; r < row_end; r++) {
                const char *wr = wb + (size_t)r * w_row_bytes;
                prefetch_ahead(wr, w_row_bytes, wend);
                y[tk * y_stride + r] = k.one(n, wr, a);
            }
        }
        return 0;
    }
    void *grp = tl_buffer((size_t)(n / k.tl_block_elems) * (size_t)k.tl_block_bytes);
    if (!grp) return -1;
    for (int64_t t0 = 0; t0 < tokens; t0 += 16) {
        int64_t nt = tokens - t0 < 16 ? tokens - t0 : 16;
        k.tl_pack(ab + (size_t)t0 * act_row_bytes, act_row_bytes, nt, n, grp);
        for (int64_t r = row_begin; r < row_end; r++) {
            const char *wr = wb + (size_t)r * w_row_bytes;
            prefetch_ahead(wr, w_row_bytes, wend);
            (nt <= 8 && k.tl8 ? k.tl8 : k.tl16)(n, wr, grp, o);
            for (int64_t j = 0; j < nt; j++) y[(t0 + j) * y_stride + r] = o[j];
        }
    }
    return 0;
}
#endif

int ck_matmul_rows_at(int level, int t, const void *w, size_t w_row_bytes, int64_t n, int64_t row_begin, int64_t row_end,
                      const void *act, size_t act_row_bytes, int64_t tokens, float *y, int64_t y_stride) {
    kernel_set k = kernels_for(t, n, level);
    if (!k.one) return -1;
    const char *wb = w, *ab = act;
#if CK_HAVE_X86
    if (k.tl16) return matmul_lanes(k, wb, w_row_bytes, n, row_begin, row_end, ab, act_row_bytes, tokens, y, y_stride);
#endif
    // Token blocks keep the activations of a block in L1/L2 while each weight row is reused;
    // within a block, four tokens share one unpacking of each weight block.
    const int64_t TB = 16;
    float o[4];
    for (int64_t t0 = 0; t0 < tokens; t0 += TB) {
        int64_t t1 = t0 + TB < tokens ? t0 + TB : tokens;
        for (int64_t r = row_begin; r < row_end; r++) {
            const void *wr = wb + (size_t)r * w_row_bytes;
            prefetch_ahead(wr, w_row_bytes, wb + (size_t)row_end * w_row_bytes);
            int64_t tk = t0;
            if (k.four)
                for (; tk + 4 <= t1; tk += 4) {
                    k.four(n, wr, ab + (size_t)tk * act_row_bytes, act_row_bytes, o);
                    for (int j = 0; j < 4; j++) y[(tk + j) * y_stride + r] = o[j];
                }
            for (; tk < t1; tk++) y[tk * y_stride + r] = k.one(n, wr, ab + (size_t)tk * act_row_bytes);
        }
    }
    return 0;
}

int ck_matmul_rows(int t, const void *w, size_t w_row_bytes, int64_t n, int64_t row_begin, int64_t row_end,
                   const void *act, size_t act_row_bytes, int64_t tokens, float *y, int64_t y_stride) {
    return ck_matmul_rows_at(ck_kernel_level(), t, w, w_row_bytes, n, row_begin, row_end, act, act_row_bytes, tokens,
                             y, y_stride);
}

// MARK: f16 rows (attention)

void ck_fp32_to_fp16_row(const float *x, uint16_t *y, int64_t n) {
#if CK_HAVE_X86
    if (ck_using_avx2()) { ck_fp32_to_fp16_row_avx2(x, y, n); return; }
#endif
    for (int64_t i = 0; i < n; i++) y[i] = ck_fp32_to_fp16(x[i]);
}

float ck_dot_f16_row(int64_t n, const uint16_t *a, const uint16_t *b) {
#if CK_HAVE_X86
    if (ck_using_avx2()) return ck_dot_f16_row_avx2(n, a, b);
#endif
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += h2f(a[i]) * h2f(b[i]);
    return s;
}

void ck_round_fp16_row(float *x, int64_t n) {
#if CK_HAVE_X86
    if (ck_using_avx2()) { ck_round_fp16_row_avx2(x, n); return; }
#endif
    for (int64_t i = 0; i < n; i++) x[i] = h2f(ck_fp32_to_fp16(x[i]));
}

void ck_axpy_f16(int64_t n, float a, const uint16_t *x, float *y) {
#if CK_HAVE_X86
    if (ck_using_avx2()) { ck_axpy_f16_avx2(n, a, x, y); return; }
#endif
    for (int64_t i = 0; i < n; i++) y[i] += a * h2f(x[i]);
}
