// AVX2 + FMA + F16C kernels. Compiled for every x86-64 CPU (function-level target
// attributes) and only called after a runtime CPU check (dispatch.c).
//
// Technique (as ggml, our own code): weights stay in their blocks; nibbles are unpacked
// with AND/shift, u8×i8 products summed pairwise with vpmaddubsw, widened with vpmaddwd
// (by 1s or by the sub-block scales), then one float FMA per block with d_w·d_x.
#include "blocks.h"
#if CK_HAVE_X86
#include <immintrin.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

#include "x86_helpers.h"

/// d_w · d_x of one block, broadcast (both scales are the first half of their blocks).
static inline __m256 dd(const void *w, const void *a) { return _mm256_broadcastss_ps(_mm_mul_ss(h2x(w), h2x(a))); }

/// 16 bytes of nibbles → 32 bytes: low nibbles (elements 0–15), then high nibbles (16–31).
static inline __m256i nibbles32(const uint8_t *p) {
    __m128i t = _mm_loadu_si128((const __m128i *)p);
    __m256i b = _mm256_insertf128_si256(_mm256_castsi128_si256(t), _mm_srli_epi16(t, 4), 1);
    return _mm256_and_si256(b, _mm256_set1_epi8(0x0F));
}

/// 32 bits → 32 bytes, 0xFF where the bit is set.
static inline __m256i bits32(const uint8_t *p) {
    uint32_t x;
    memcpy(&x, p, 4);
    const __m256i pick = _mm256_set_epi64x(0x0303030303030303LL, 0x0202020202020202LL,
                                           0x0101010101010101LL, 0x0000000000000000LL);
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    __m256i b = _mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32((int)x), pick), bit);
    return _mm256_cmpeq_epi8(b, bit);
}

/// Σ pairs of unsigned×signed bytes → 8 float lanes.
static inline __m256 dot_us8(__m256i u, __m256i s) {
    __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
    return _mm256_cvtepi32_ps(p);
}

/// Σ pairs of signed×signed bytes (|x|·sign(y, x) makes the first operand unsigned).
static inline __m256 dot_ss8(__m256i x, __m256i y) {
    return dot_us8(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
}

float ck_dot_q4_0_avx2(int64_t n, const void *vw, const void *va) {
    const blk_q4_0 *w = vw; const blk_q8_0 *a = va;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK; i++) {
        __m256i q = _mm256_sub_epi8(nibbles32(w[i].qs), _mm256_set1_epi8(8));
        __m256i y = _mm256_loadu_si256((const __m256i *)a[i].qs);
        acc = _mm256_fmadd_ps(dd(&w[i].d, &a[i].d), dot_ss8(q, y), acc);
    }
    return hsum8(acc);
}

float ck_dot_q4_1_avx2(int64_t n, const void *vw, const void *va) {
    const blk_q4_1 *w = vw; const blk_q8_1 *a = va;
    __m256 acc = _mm256_setzero_ps();
    __m128 mins = _mm_setzero_ps();
    for (int64_t i = 0; i < n / QK; i++) {
        __m128 p = _mm_mul_ps(h2x(&w[i].d), h2x(&a[i].d)); // [d_w·d_x, m_w·s_x]
        mins = _mm_add_ps(mins, p);
        __m256i y = _mm256_loadu_si256((const __m256i *)a[i].qs);
        acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(p), dot_us8(nibbles32(w[i].qs), y), acc);
    }
    return hsum8(acc) + _mm_cvtss_f32(_mm_movehdup_ps(mins));
}

float ck_dot_q5_0_avx2(int64_t n, const void *vw, const void *va) {
    const blk_q5_0 *w = vw; const blk_q8_0 *a = va;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK; i++) {
        // q − 16 as a signed byte: the nibble when the 5th bit is set, nibble | 0xF0 when not.
        __m256i hi = _mm256_andnot_si256(bits32(w[i].qh), _mm256_set1_epi8((char)0xF0));
        __m256i q = _mm256_or_si256(nibbles32(w[i].qs), hi);
        __m256i y = _mm256_loadu_si256((const __m256i *)a[i].qs);
        acc = _mm256_fmadd_ps(dd(&w[i].d, &a[i].d), dot_ss8(q, y), acc);
    }
    return hsum8(acc);
}

float ck_dot_q5_1_avx2(int64_t n, const void *vw, const void *va) {
    const blk_q5_1 *w = vw; const blk_q8_1 *a = va;
    __m256 acc = _mm256_setzero_ps();
    __m128 mins = _mm_setzero_ps();
    for (int64_t i = 0; i < n / QK; i++) {
        __m128 p = _mm_mul_ps(h2x(&w[i].d), h2x(&a[i].d)); // [d_w·d_x, m_w·s_x]
        mins = _mm_add_ps(mins, p);
        __m256i hi = _mm256_and_si256(bits32(w[i].qh), _mm256_set1_epi8(0x10));
        __m256i q = _mm256_or_si256(nibbles32(w[i].qs), hi);
        __m256i y = _mm256_loadu_si256((const __m256i *)a[i].qs);
        acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(p), dot_us8(q, y), acc);
    }
    return hsum8(acc) + _mm_cvtss_f32(_mm_movehdup_ps(mins));
}

float ck_dot_q8_0_avx2(int64_t n, const void *vw, const void *va) {
    const blk_q8_0 *w = vw; const blk_q8_0 *a = va;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK; i++) {
        __m256i q = _mm256_loadu_si256((const __m256i *)w[i].qs);
        __m256i y = _mm256_loadu_si256((const __m256i *)a[i].qs);
        acc = _mm256_fmadd_ps(dd(&w[i].d, &a[i].d), dot_ss8(q, y), acc);
    }
    return hsum8(acc);
}

float ck_dot_q4_K_avx2(int64_t n, const void *vw, const void *va) {
    const blk_q4_K *w = vw; const blk_q8_K *a = va;
    __m256 acc = _mm256_setzero_ps();
    float mins = 0;
    for (int64_t i = 0; i < n / QKK; i++) {
        uint8_t sc[8], m[8];
        k_scales_mins(w[i].scales, sc, m);
        __m128 ds = _mm_mul_ps(h2x(&w[i].d), _mm_set1_ps(a[i].d)); // [d·d_x, dmin·d_x]
        mins += _mm_cvtss_f32(_mm_movehdup_ps(ds)) * (float)k_mins_dot(a[i].bsums, m);
        __m256i sumi = q4_K_block_sumi(w + i, a + i, sc);
        acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(ds), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum8(acc) - mins;
}

float ck_dot_q5_K_avx2(int64_t n, const void *vw, const void *va) {
    const blk_q5_K *w = vw; const blk_q8_K *a = va;
    const __m256i m4 = _mm256_set1_epi8(0x0F), m1 = _mm256_set1_epi8(1);
    __m256 acc = _mm256_setzero_ps();
    float mins = 0;
    for (int64_t i = 0; i < n / QKK; i++) {
        uint8_t sc[8], m[8];
        k_scales_mins(w[i].scales, sc, m);
        __m128 ds = _mm_mul_ps(h2x(&w[i].d), _mm_set1_ps(a[i].d)); // [d·d_x, dmin·d_x]
        mins += _mm_cvtss_f32(_mm_movehdup_ps(ds)) * (float)k_mins_dot(a[i].bsums, m);
        const __m256i hb = _mm256_loadu_si256((const __m256i *)w[i].qh);
        __m256i sumi = _mm256_setzero_si256();
        for (int c = 0; c < 4; c++) {
            __m256i q = _mm256_loadu_si256((const __m256i *)(w[i].qs + 32 * c));
            __m256i h0 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * c), m1), 4);
            __m256i h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * c + 1), m1), 4);
            __m256i lo = _mm256_or_si256(_mm256_and_si256(q, m4), h0);
            __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4), h1);
            __m256i y0 = _mm256_loadu_si256((const __m256i *)(a[i].qs + 64 * c));
            __m256i y1 = _mm256_loadu_si256((const __m256i *)(a[i].qs + 64 * c + 32));
            __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, y0), _mm256_set1_epi16(sc[2 * c]));
            __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, y1), _mm256_set1_epi16(sc[2 * c + 1]));
            sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(p0, p1));
        }
        acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(ds), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum8(acc) - mins;
}

float ck_dot_q6_K_avx2(int64_t n, const void *vw, const void *va) {
    const blk_q6_K *w = vw; const blk_q8_K *a = va;
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3), m32 = _mm256_set1_epi8(32);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QKK; i++) {
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = w[i].ql + 64 * h, *qh = w[i].qh + 32 * h;
            const int8_t *sc = w[i].scales + 8 * h, *y = a[i].qs + 128 * h;
            __m256i l0 = _mm256_loadu_si256((const __m256i *)ql);
            __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            __m256i hb = _mm256_loadu_si256((const __m256i *)qh);
            __m256i q[4];
            q[0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(hb, m3), 4));
            q[1] = _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), m3), 4));
            q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), m3), 4));
            q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), m3), 4));
            for (int k = 0; k < 4; k++) {
                __m256i yk = _mm256_loadu_si256((const __m256i *)(y + 32 * k));
                // (e − 32)·y = e·y − 32·y: keeps the unsigned×signed instruction.
                __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(q[k], yk), _mm256_maddubs_epi16(m32, yk));
                __m256i s = _mm256_set_m128i(_mm_set1_epi16(sc[2 * k + 1]), _mm_set1_epi16(sc[2 * k]));
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, s));
            }
        }
        // d is the block's last half: load it with the two scale bytes before it (lane 1).
        __m128 d = _mm_movehdup_ps(h2x(w[i].scales + 14));
        acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(_mm_mul_ss(d, _mm_set_ss(a[i].d))), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum8(acc);
}

float ck_dot_f32_avx2(int64_t n, const void *vw, const void *va) {
    const float *w = vw, *a = va;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(a + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(a + i + 8), s1);
    }
    float s = hsum8(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += w[i] * a[i];
    return s;
}

/// One Q8_0/Q8_1 block: 32 floats → 32 bytes, d = max|x|/127, q = rint(x·127/max|x|).
static inline void q8_block(const float *x, int8_t *qs, float *d_out, int *sum_out) {
    __m256 v[4];
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 mx = _mm256_setzero_ps();
    for (int k = 0; k < 4; k++) { v[k] = _mm256_loadu_ps(x + 8 * k); mx = _mm256_max_ps(mx, _mm256_andnot_ps(sign, v[k])); }
    __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(mx, 1), _mm256_castps256_ps128(mx));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float amax = _mm_cvtss_f32(m4);
    *d_out = amax / 127.f;
    const __m256 id = _mm256_set1_ps(amax != 0.0f ? 127.f / amax : 0.0f);
    __m256i q[4];
    for (int k = 0; k < 4; k++)
        q[k] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[k], id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    *sum_out = hsum_i32(_mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3])));
    __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
    p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)); // undo the per-lane packing order
    _mm256_storeu_si256((__m256i *)qs, p);
}

void ck_quantize_q8_0_avx2(const float *x, void *vy, int64_t n) {
    blk_q8_0 *y = vy;
    for (int64_t i = 0; i < n / QK; i++) {
        float d; int sum;
        q8_block(x + QK * i, y[i].qs, &d, &sum);
        y[i].d = _cvtss_sh(d, 0);
    }
}

void ck_quantize_q8_1_avx2(const float *x, void *vy, int64_t n) {
    blk_q8_1 *y = vy;
    for (int64_t i = 0; i < n / QK; i++) {
        float d; int sum;
        q8_block(x + QK * i, y[i].qs, &d, &sum);
        y[i].d = _cvtss_sh(d, 0);
        y[i].s = _cvtss_sh(d * (float)sum, 0);
    }
}

void ck_fp32_to_fp16_row_avx2(const float *x, uint16_t *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) y[i] = _cvtss_sh(x[i], 0);
}

static inline float dot_f16_row(int64_t n, const uint16_t *a, const uint16_t *b) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a + i))),
                             _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(b + i))), s0);
        s1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a + i + 8))),
                             _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(b + i + 8))), s1);
    }
    float s = hsum8(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += _cvtsh_ss(a[i]) * _cvtsh_ss(b[i]);
    return s;
}

float ck_dot_f16_row_avx2(int64_t n, const uint16_t *a, const uint16_t *b) { return dot_f16_row(n, a, b); }

void ck_round_fp16_row_avx2(float *x, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT)));
    for (; i < n; i++) x[i] = _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtps_ph(_mm_set_ss(x[i]), _MM_FROUND_TO_NEAREST_INT)));
}

static inline void axpy_f16(int64_t n, float a, const uint16_t *x, float *y) {
    const __m256 va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 xv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i)));
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, xv, _mm256_loadu_ps(y + i)));
    }
    for (; i < n; i++) y[i] += a * _cvtsh_ss(x[i]);
}
void ck_axpy_f16_avx2(int64_t n, float a, const uint16_t *x, float *y) { axpy_f16(n, a, x, y); }

// Attention's two loops over cached positions. Each position's arithmetic is exactly the row functions above (so
// the bits are those of calling them per position): the score is dot_f16_row's two-chain sum and horizontal add,
// with q converted once instead of per position (the conversion is exact); the value sum keeps each 64-element
// slice of the output in registers across positions, applying the same fma per element in position order that
// axpy_f16 applies through memory (which chained every position to the previous one's store).
void ck_attn_scores_f16_avx2(int64_t hd, const uint16_t *q, const uint16_t *keys, int64_t stride, int64_t lo,
                             int64_t hi, float scale, float *scores) {
    if (hd % 16 != 0 || hd > 512) {
        for (int64_t p = lo; p <= hi; p++) scores[p] = dot_f16_row(hd, q, keys + p * stride) * scale;
        return;
    }
    float qf[512] __attribute__((aligned(32)));
    for (int64_t i = 0; i < hd; i += 8) _mm256_store_ps(qf + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(q + i))));
    for (int64_t p = lo; p <= hi; p++) {
        const uint16_t *k = keys + p * stride;
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
        for (int64_t i = 0; i < hd; i += 16) {
            s0 = _mm256_fmadd_ps(_mm256_load_ps(qf + i), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(k + i))), s0);
            s1 = _mm256_fmadd_ps(_mm256_load_ps(qf + i + 8), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(k + i + 8))), s1);
        }
        scores[p] = hsum8(_mm256_add_ps(s0, s1)) * scale;
    }
}

void ck_attn_values_f16_avx2(int64_t hd, const float *w, const uint16_t *values, int64_t stride, int64_t lo,
                             int64_t hi, float *out) {
    if (hd % 64 != 0) {
        for (int64_t p = lo; p <= hi; p++)
            if (w[p] != 0) axpy_f16(hd, w[p], values + p * stride, out);
        return;
    }
    for (int64_t c = 0; c < hd; c += 64) {
        __m256 y[8];
        for (int j = 0; j < 8; j++) y[j] = _mm256_loadu_ps(out + c + 8 * j);
        for (int64_t p = lo; p <= hi; p++) {
            if (w[p] == 0) continue;
            const __m256 va = _mm256_set1_ps(w[p]);
            const uint16_t *v = values + p * stride + c;
            for (int j = 0; j < 8; j++)
                y[j] = _mm256_fmadd_ps(va, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v + 8 * j))), y[j]);
        }
        for (int j = 0; j < 8; j++) _mm256_storeu_ps(out + c + 8 * j, y[j]);
    }
}


// MARK: four activation rows at once (prompt, batched decode)
// The weight block is unpacked once and multiplied with four rows of activations: the
// unpacking (nibbles, high bits, signs, scales) is a third to half of a single-row kernel.

#define ACT(k) ((const void *)((const char *)act + (size_t)(k) * act_row_bytes))

void ck_dot4_q8_0_avx2(int64_t n, const void *vw, const void *act, size_t act_row_bytes, float *out) {
    const blk_q8_0 *w = vw;
    const blk_q8_0 *a[4] = { ACT(0), ACT(1), ACT(2), ACT(3) };
    __m256 acc[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
    for (int64_t i = 0; i < n / QK; i++) {
        __m256i q = _mm256_loadu_si256((const __m256i *)w[i].qs);
        __m256i aq = _mm256_sign_epi8(q, q);
        __m128 wd = h2x(&w[i].d);
        for (int k = 0; k < 4; k++) {
            __m256i y = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)a[k][i].qs), q);
            __m256 d = _mm256_broadcastss_ps(_mm_mul_ss(wd, h2x(&a[k][i].d)));
            acc[k] = _mm256_fmadd_ps(d, dot_us8(aq, y), acc[k]);
        }
    }
    for (int k = 0; k < 4; k++) out[k] = hsum8(acc[k]);
}

void ck_dot4_q4_0_avx2(int64_t n, const void *vw, const void *act, size_t act_row_bytes, float *out) {
    const blk_q4_0 *w = vw;
    const blk_q8_0 *a[4] = { ACT(0), ACT(1), ACT(2), ACT(3) };
    __m256 acc[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
    for (int64_t i = 0; i < n / QK; i++) {
        __m256i q = _mm256_sub_epi8(nibbles32(w[i].qs), _mm256_set1_epi8(8));
        __m256i aq = _mm256_sign_epi8(q, q);
        __m128 wd = h2x(&w[i].d);
        for (int k = 0; k < 4; k++) {
            __m256i y = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)a[k][i].qs), q);
            __m256 d = _mm256_broadcastss_ps(_mm_mul_ss(wd, h2x(&a[k][i].d)));
            acc[k] = _mm256_fmadd_ps(d, dot_us8(aq, y), acc[k]);
        }
    }
    for (int k = 0; k < 4; k++) out[k] = hsum8(acc[k]);
}

void ck_dot4_q5_0_avx2(int64_t n, const void *vw, const void *act, size_t act_row_bytes, float *out) {
    const blk_q5_0 *w = vw;
    const blk_q8_0 *a[4] = { ACT(0), ACT(1), ACT(2), ACT(3) };
    __m256 acc[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
    for (int64_t i = 0; i < n / QK; i++) {
        __m256i hi = _mm256_andnot_si256(bits32(w[i].qh), _mm256_set1_epi8((char)0xF0));
        __m256i q = _mm256_or_si256(nibbles32(w[i].qs), hi);
        __m256i aq = _mm256_sign_epi8(q, q);
        __m128 wd = h2x(&w[i].d);
        for (int k = 0; k < 4; k++) {
            __m256i y = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)a[k][i].qs), q);
            __m256 d = _mm256_broadcastss_ps(_mm_mul_ss(wd, h2x(&a[k][i].d)));
            acc[k] = _mm256_fmadd_ps(d, dot_us8(aq, y), acc[k]);
        }
    }
    for (int k = 0; k < 4; k++) out[k] = hsum8(acc[k]);
}

void ck_dot4_q4_1_avx2(int64_t n, const void *vw, const void *act, size_t act_row_bytes, float *out) {
    const blk_q4_1 *w = vw;
    const blk_q8_1 *a[4] = { ACT(0), ACT(1), ACT(2), ACT(3) };
    __m256 acc[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
    __m128 mins[4] = { _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps() };
    for (int64_t i = 0; i < n / QK; i++) {
        __m256i q = nibbles32(w[i].qs);
        __m128 wdm = h2x(&w[i].d);
        for (int k = 0; k < 4; k++) {
            __m128 p = _mm_mul_ps(wdm, h2x(&a[k][i].d));
            mins[k] = _mm_add_ps(mins[k], p);
            __m256i y = _mm256_loadu_si256((const __m256i *)a[k][i].qs);
            acc[k] = _mm256_fmadd_ps(_mm256_broadcastss_ps(p), dot_us8(q, y), acc[k]);
        }
    }
    for (int k = 0; k < 4; k++) out[k] = hsum8(acc[k]) + _mm_cvtss_f32(_mm_movehdup_ps(mins[k]));
}

void ck_dot4_q4_K_avx2(int64_t n, const void *vw, const void *act, size_t act_row_bytes, float *out) {
    const blk_q4_K *w = vw;
    const blk_q8_K *a[4] = { ACT(0), ACT(1), ACT(2), ACT(3) };
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256 acc[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
    float mins[4] = { 0, 0, 0, 0 };
    for (int64_t i = 0; i < n / QKK; i++) {
        uint8_t sc[8], m[8];
        k_scales_mins(w[i].scales, sc, m);
        __m128 wds = h2x(&w[i].d); // [d, dmin]
        __m256i sumi[4] = { _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256() };
        for (int c = 0; c < 4; c++) {
            __m256i q = _mm256_loadu_si256((const __m256i *)(w[i].qs + 32 * c));
            __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
            __m256i s0 = _mm256_set1_epi16(sc[2 * c]), s1 = _mm256_set1_epi16(sc[2 * c + 1]);
            for (int k = 0; k < 4; k++) {
                __m256i y0 = _mm256_loadu_si256((const __m256i *)(a[k][i].qs + 64 * c));
                __m256i y1 = _mm256_loadu_si256((const __m256i *)(a[k][i].qs + 64 * c + 32));
                __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, y0), s0);
                __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, y1), s1);
                sumi[k] = _mm256_add_epi32(sumi[k], _mm256_add_epi32(p0, p1));
            }
        }
        for (int k = 0; k < 4; k++) {
            __m128 ds = _mm_mul_ps(wds, _mm_set1_ps(a[k][i].d));
            mins[k] += _mm_cvtss_f32(_mm_movehdup_ps(ds)) * (float)k_mins_dot(a[k][i].bsums, m);
            acc[k] = _mm256_fmadd_ps(_mm256_broadcastss_ps(ds), _mm256_cvtepi32_ps(sumi[k]), acc[k]);
        }
    }
    for (int k = 0; k < 4; k++) out[k] = hsum8(acc[k]) - mins[k];
}

void ck_dot4_q6_K_avx2(int64_t n, const void *vw, const void *act, size_t act_row_bytes, float *out) {
    const blk_q6_K *w = vw;
    const blk_q8_K *a[4] = { ACT(0), ACT(1), ACT(2), ACT(3) };
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3), m32 = _mm256_set1_epi8(32);
    __m256 acc[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
    for (int64_t i = 0; i < n / QKK; i++) {
        __m256i sumi[4] = { _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256() };
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = w[i].ql + 64 * h, *qh = w[i].qh + 32 * h;
            const int8_t *sc = w[i].scales + 8 * h;
            __m256i l0 = _mm256_loadu_si256((const __m256i *)ql);
            __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            __m256i hb = _mm256_loadu_si256((const __m256i *)qh);
            __m256i q[4], s[4];
            q[0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(hb, m3), 4));
            q[1] = _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), m3), 4));
            q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), m3), 4));
            q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), m3), 4));
            for (int j = 0; j < 4; j++) s[j] = _mm256_set_m128i(_mm_set1_epi16(sc[2 * j + 1]), _mm_set1_epi16(sc[2 * j]));
            for (int k = 0; k < 4; k++) {
                const int8_t *y = a[k][i].qs + 128 * h;
                for (int j = 0; j < 4; j++) {
                    __m256i yj = _mm256_loadu_si256((const __m256i *)(y + 32 * j));
                    __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(q[j], yj), _mm256_maddubs_epi16(m32, yj));
                    sumi[k] = _mm256_add_epi32(sumi[k], _mm256_madd_epi16(p, s[j]));
                }
            }
        }
        __m128 d = _mm_movehdup_ps(h2x(w[i].scales + 14));
        for (int k = 0; k < 4; k++)
            acc[k] = _mm256_fmadd_ps(_mm256_broadcastss_ps(_mm_mul_ss(d, _mm_set_ss(a[k][i].d))), _mm256_cvtepi32_ps(sumi[k]), acc[k]);
    }
    for (int k = 0; k < 4; k++) out[k] = hsum8(acc[k]);
}

#undef ACT

#pragma clang attribute pop
#endif
