// AVX-512 VNNI kernels for the Q8_0-activation weight types that dominate prompt
// processing (Q5_0: 62 % of Qwen2.5-Coder-0.5B's weights, 24 % of Gemma 3 270M's; Q8_0).
// Compiled for every x86-64 CPU with function-level target attributes and only called
// after a runtime check (kernels_portable.c, level 2).
//
// Why a second x86 family: vpdpbusd does AVX2's vpmaddubsw + vpmaddwd in one instruction
// on twice the width, and sums exactly (no int16 saturation). Weights are made unsigned
// (Q5_0: q + 16, Q8_0: q + 128) and the offset is taken back with the activation's
// per-lane sums, precomputed once per activation row (the "extras" of the Q8_0 activation
// layout, ck_q8_0_extras: per pair of blocks, their 64 quants contiguous, the scales and −16·Σy
// per lane, so one pointer per token reaches everything): vpdpbusd starts from −offset·Σy, so the integer sum of every
// 4-element lane is exactly AVX2's. Two blocks share one 512-bit register (lanes 0–7 block
// 2p, 8–15 block 2p+1), so the float accumulation order differs from the AVX2 kernels:
// logits differ at float rounding between an AVX2 and an AVX-512 machine, but on one
// machine the 1-, 4- and 8-token kernels below run the same operations per (row, token),
// so batching never changes a logit (QuantKernelTests).
#include "blocks.h"
#if CK_HAVE_X86
#include <immintrin.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c"))), apply_to = function)
#include "x86_helpers.h"

/// [d0 ×8, d1 ×8]: the scales of two blocks, one per 256-bit half (one f16 conversion for both).
static inline __m512 pair_scale(const uint16_t *d0, const uint16_t *d1) {
    __m256i h = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_set1_epi16((short)*d0)), _mm_set1_epi16((short)*d1), 1);
    return _mm512_cvtph_ps(h);
}

/// 64 unsigned 5-bit values (q + 16) of two Q5_0 blocks, element j of block h in byte 32h + j:
/// both blocks' nibble bytes in 128-bit lanes [qs0 | qs0 | qs1 | qs1], the odd lanes shifted to
/// their high nibbles, and 16 added where the block's fifth bit is set.
static inline __m512i q5_0_pair_unsigned(const blk_q5_0 *b) {
    __m512i x = _mm512_inserti32x4(_mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)b[0].qs)),
                                   _mm_loadu_si128((const __m128i *)b[1].qs), 2);
    x = _mm512_shuffle_i64x2(x, x, _MM_SHUFFLE(2, 2, 0, 0));
    x = _mm512_and_si512(_mm512_mask_srli_epi16(x, (__mmask32)0xFF00FF00u, x, 4), _mm512_set1_epi8(0x0F));
    uint32_t h0, h1;
    memcpy(&h0, b[0].qh, 4);
    memcpy(&h1, b[1].qh, 4);
    return _mm512_mask_add_epi8(x, ((__mmask64)h1 << 32) | h0, x, _mm512_set1_epi8(16));
}

/// Blocks 2p and 2p+1 of a Q8_0 row (weights; activations have a contiguous copy in their extras).
static inline __m512i act_pair(const blk_q8_0 *a, int64_t p) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)a[2 * p].qs)),
                              _mm256_loadu_si256((const __m256i *)a[2 * p + 1].qs), 1);
}

#define CK_ROW(k) ((const uint8_t *)act + (size_t)(k) * act_row_bytes)

// One body for every token count: NT is a constant in each wrapper, so the loops unroll,
// and each (row, token) sees the same instruction sequence whatever NT is.
static inline __attribute__((always_inline)) void q5_0_tokens(int64_t n, const void *vw, const void *act,
                                                              size_t act_row_bytes, float *out, const int NT) {
    const blk_q5_0 *w = vw;
    const int64_t np = n / QK / 2;
    const size_t ext = ck_q8_0_extras_offset(n);
    __m512 acc[16];
    for (int k = 0; k < NT; k++) acc[k] = _mm512_setzero_ps();
    for (int64_t p = 0; p < np; p++) {
        __m512i u = q5_0_pair_unsigned(w + 2 * p);
        __m512 dw = pair_scale(&w[2 * p].d, &w[2 * p + 1].d);
        for (int k = 0; k < NT; k++) {
            const uint8_t *e = CK_ROW(k) + ext + p * CK_PAIR_BYTES;
            __m512i s = _mm512_dpbusd_epi32(_mm512_loadu_si512(e + 128), u, _mm512_loadu_si512(e));
            __m512 d = _mm512_mul_ps(dw, _mm512_loadu_ps(e + 64));
            acc[k] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(s), acc[k]);
        }
    }
    for (int k = 0; k < NT; k++) out[k] = _mm512_reduce_add_ps(acc[k]);
}

static inline __attribute__((always_inline)) void q8_0_tokens(int64_t n, const void *vw, const void *act,
                                                              size_t act_row_bytes, float *out, const int NT) {
    const blk_q8_0 *w = vw;
    const int64_t np = n / QK / 2;
    const size_t ext = ck_q8_0_extras_offset(n);
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    __m512 acc[16];
    for (int k = 0; k < NT; k++) acc[k] = _mm512_setzero_ps();
    for (int64_t p = 0; p < np; p++) {
        __m512i u = _mm512_xor_si512(act_pair(w, p), flip); // q + 128 as unsigned bytes
        __m512 dw = pair_scale(&w[2 * p].d, &w[2 * p + 1].d);
        for (int k = 0; k < NT; k++) {
            const uint8_t *e = CK_ROW(k) + ext + p * CK_PAIR_BYTES;
            // −128·Σy = 8 · (−16·Σy), exact in int32.
            __m512i s = _mm512_dpbusd_epi32(_mm512_slli_epi32(_mm512_loadu_si512(e + 128), 3), u, _mm512_loadu_si512(e));
            __m512 d = _mm512_mul_ps(dw, _mm512_loadu_ps(e + 64));
            acc[k] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(s), acc[k]);
        }
    }
    for (int k = 0; k < NT; k++) out[k] = _mm512_reduce_add_ps(acc[k]);
}

// K-quants: sub-block scales are applied to int16 pairs (vpmaddubsw + vpmaddwd, as the AVX2
// kernels) on two sub-blocks per register; the two 256-bit halves are added before the
// float step, which gives exactly the AVX2 kernels' integer lanes and so their exact
// results (tested): only the speed differs.

static inline __m512i halves(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }

static inline __m256i fold(__m512i x) { return _mm256_add_epi32(_mm512_castsi512_si256(x), _mm512_extracti64x4_epi64(x, 1)); }

static inline __attribute__((always_inline)) void q4_K_tokens(int64_t n, const void *vw, const void *act,
                                                              size_t act_row_bytes, float *out, const int NT) {
    const blk_q4_K *w = vw;
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256 acc[16];
    float mins[16];
    for (int k = 0; k < NT; k++) { acc[k] = _mm256_setzero_ps(); mins[k] = 0; }
    for (int64_t i = 0; i < n / QKK; i++) {
        uint8_t sc[8], m[8];
        k_scales_mins(w[i].scales, sc, m);
        const __m128 wds = h2x(&w[i].d); // [d, dmin]
        __m512i wq[4], s16[4];
        for (int c = 0; c < 4; c++) {
            __m256i q = _mm256_loadu_si256((const __m256i *)(w[i].qs + 32 * c));
            wq[c] = halves(_mm256_and_si256(q, m4), _mm256_and_si256(_mm256_srli_epi16(q, 4), m4));
            s16[c] = halves(_mm256_set1_epi16(sc[2 * c]), _mm256_set1_epi16(sc[2 * c + 1]));
        }
        for (int k = 0; k < NT; k++) {
            const blk_q8_K *a = (const blk_q8_K *)((const uint8_t *)act + (size_t)k * act_row_bytes) + i;
            __m512i sumi = _mm512_setzero_si512();
            for (int c = 0; c < 4; c++) {
                __m512i y = _mm512_loadu_si512(a->qs + 64 * c);
                sumi = _mm512_add_epi32(sumi, _mm512_madd_epi16(_mm512_maddubs_epi16(wq[c], y), s16[c]));
            }
            __m128 ds = _mm_mul_ps(wds, _mm_set1_ps(a->d));
            int mi = k_mins_dot(a->bsums, m);
            mins[k] += _mm_cvtss_f32(_mm_movehdup_ps(ds)) * (float)mi;
            acc[k] = _mm256_fmadd_ps(_mm256_broadcastss_ps(ds), _mm256_cvtepi32_ps(fold(sumi)), acc[k]);
        }
    }
    for (int k = 0; k < NT; k++) out[k] = hsum8(acc[k]) - mins[k];
}

static inline __attribute__((always_inline)) void q6_K_tokens(int64_t n, const void *vw, const void *act,
                                                              size_t act_row_bytes, float *out, const int NT) {
    const blk_q6_K *w = vw;
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3);
    const __m512i m32 = _mm512_set1_epi8(32);
    __m256 acc[16];
    for (int k = 0; k < NT; k++) acc[k] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QKK; i++) {
        __m512i wq[4], s16[4]; // per half h: values 0–63 then 64–127 of the half
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = w[i].ql + 64 * h, *qh = w[i].qh + 32 * h;
            const int8_t *sc = w[i].scales + 8 * h;
            __m256i l0 = _mm256_loadu_si256((const __m256i *)ql), l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            __m256i hb = _mm256_loadu_si256((const __m256i *)qh);
            __m256i q0 = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(hb, m3), 4));
            __m256i q1 = _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), m3), 4));
            __m256i q2 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                         _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), m3), 4));
            __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                         _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), m3), 4));
            __m256i s[4];
            for (int j = 0; j < 4; j++) s[j] = _mm256_set_m128i(_mm_set1_epi16(sc[2 * j + 1]), _mm_set1_epi16(sc[2 * j]));
            wq[2 * h] = halves(q0, q1);
            wq[2 * h + 1] = halves(q2, q3);
            s16[2 * h] = halves(s[0], s[1]);
            s16[2 * h + 1] = halves(s[2], s[3]);
        }
        const __m128 d = _mm_movehdup_ps(h2x(w[i].scales + 14));
        for (int k = 0; k < NT; k++) {
            const blk_q8_K *a = (const blk_q8_K *)((const uint8_t *)act + (size_t)k * act_row_bytes) + i;
            __m512i sumi = _mm512_setzero_si512();
            for (int c = 0; c < 4; c++) {
                __m512i y = _mm512_loadu_si512(a->qs + 64 * c);
                __m512i p = _mm512_sub_epi16(_mm512_maddubs_epi16(wq[c], y), _mm512_maddubs_epi16(m32, y));
                sumi = _mm512_add_epi32(sumi, _mm512_madd_epi16(p, s16[c]));
            }
            acc[k] = _mm256_fmadd_ps(_mm256_broadcastss_ps(_mm_mul_ss(d, _mm_set_ss(a->d))), _mm256_cvtepi32_ps(fold(sumi)), acc[k]);
        }
    }
    for (int k = 0; k < NT; k++) out[k] = hsum8(acc[k]);
}

#define CK_WRAPPERS(T) \
    float ck_dot_##T##_avx512(int64_t n, const void *w, const void *a) { float o; T##_tokens(n, w, a, 0, &o, 1); return o; } \
    void ck_dot4_##T##_avx512(int64_t n, const void *w, const void *act, size_t act_row_bytes, float *out) { \
        T##_tokens(n, w, act, act_row_bytes, out, 4); \
    } \
    void ck_dot8_##T##_avx512(int64_t n, const void *w, const void *act, size_t act_row_bytes, float *out) { \
        T##_tokens(n, w, act, act_row_bytes, out, 8); \
    } \
    void ck_dot16_##T##_avx512(int64_t n, const void *w, const void *act, size_t act_row_bytes, float *out) { \
        T##_tokens(n, w, act, act_row_bytes, out, 16); \
    }

CK_WRAPPERS(q5_0)
CK_WRAPPERS(q8_0)
CK_WRAPPERS(q4_K)
CK_WRAPPERS(q6_K)

#undef CK_ROW
#pragma clang attribute pop
#endif
