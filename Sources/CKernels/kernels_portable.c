// Portable kernels: half conversions, activation quantizers, dot products and f16 rows.
// The scalar dot products compute exactly the integer block sums the AVX2 kernels do;
// only the order of the final float additions differs.
#include <math.h>
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

/// The pair extras after a quantized Q8_0 row (layout in blocks.h), whichever quantizer filled its blocks.
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

void ck_fp32_to_bf16_row_portable(const float *x, uint16_t *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = f2bf(x[i]);
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

// MARK: f16 rows (attention)

void ck_fp32_to_fp16_row_portable(const float *x, uint16_t *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = ck_fp32_to_fp16(x[i]);
}

float ck_dot_f16_row_portable(int64_t n, const uint16_t *a, const uint16_t *b) {
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += h2f(a[i]) * h2f(b[i]);
    return s;
}

void ck_round_fp16_row_portable(float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] = h2f(ck_fp32_to_fp16(x[i]));
}

void ck_axpy_f16_portable(int64_t n, float a, const uint16_t *x, float *y) {
    for (int64_t i = 0; i < n; i++) y[i] += a * h2f(x[i]);
}

void ck_attn_scores_f16_portable(int64_t hd, const uint16_t *q, const uint16_t *keys, int64_t stride, int64_t lo,
                                 int64_t hi, float scale, float *scores) {
    for (int64_t p = lo; p <= hi; p++) scores[p] = ck_dot_f16_row_portable(hd, q, keys + p * stride) * scale;
}

void ck_attn_values_f16_portable(int64_t hd, const float *w, const uint16_t *values, int64_t stride, int64_t lo,
                                 int64_t hi, float *out) {
    for (int64_t p = lo; p <= hi; p++)
        if (w[p] != 0) ck_axpy_f16_portable(hd, w[p], values + p * stride, out);
}
