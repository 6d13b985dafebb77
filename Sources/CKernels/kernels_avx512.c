// AVX-512 VNNI kernels for the Q8_0-activation weight types that dominate prompt
// processing, batched decoding and the output head (Q5_0: 62 % of Qwen2.5-Coder-0.5B's
// weights; Q8_0: every tied embedding, 63 % of Gemma 3 270M's weights), and the K-quants
// Q4_K/Q6_K. Compiled for every x86-64 CPU with function-level target attributes and only
// called after a runtime check (dispatch.c, level 2).
//
// Why a second x86 family: vpdpbusd does AVX2's vpmaddubsw + vpmaddwd in one instruction
// on twice the width, and sums exactly (no int16 saturation). Weights are made unsigned
// (Q5_0: q + 16, Q8_0: q + 128) and the offset is taken back with the activation's sums.
//
// Q5_0/Q8_0 summation order, the same for every token count: per (row, token), with s_b the
// exact integer dot product of block b and d_b = d_weight(b) · d_activation(b),
//     acc = 0;  for b = 0, 1, …: acc = fma(d_b, (float)s_b, acc)
// Integer sums are exact whichever way they are formed, so three layouts can share it:
//   - token lanes (several tokens): lane k of one register is token k; a weight block's
//     dwords are broadcast and multiplied against 16 tokens' activations at once, which an
//     interleaved copy of the activations (tl_pack) makes contiguous. Per block and 16
//     tokens: 8 vpdpbusd and 3 float operations, against 32 per-token float-heavy steps;
//   - row lanes (one token): lane r is row r; 16 rows' block sums are transposed into one
//     register (rows16), so the float step stays vectorised for decode;
//   - one row, one token (ck_dot_*_avx512): the same chain in scalar code.
// Q4_K/Q6_K follow the same scheme per 256-element super-block (below). Logits differ from the
// AVX2 level at float rounding, never between batch sizes on one machine (QuantKernelTests).
#include "blocks.h"
#if CK_HAVE_X86
#include <immintrin.h>
#include <math.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c"))), apply_to = function)
#include "x86_helpers.h"

#define CK_ROW(k) ((const uint8_t *)act + (size_t)(k) * act_row_bytes)

/// Block b of a token-lane group: quants [dword i][token k] (512 B), the 16 tokens' scales as
/// floats (64 B), and −Σy of each token's block (int32, 64 B). Missing tokens are zeros.
#define TL_QS 0
#define TL_D 512
#define TL_NSUM 576

static inline __m256i q5_0_unsigned(const blk_q5_0 *b) {
    __m128i qs = _mm_loadu_si128((const __m128i *)b->qs);
    __m256i x = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(qs, 4), qs), _mm256_set1_epi8(0x0F));
    uint32_t h;
    memcpy(&h, b->qh, 4);
    return _mm256_mask_add_epi8(x, (__mmask32)h, x, _mm256_set1_epi8(16));
}

static inline __m256i q8_0_unsigned(const blk_q8_0 *b) {
    return _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)b->qs), _mm256_set1_epi8((char)0x80));
}

void ck_tl_pack_q8_0(const void *act, size_t act_row_bytes, int64_t tokens, int64_t n, void *grp) {
    uint8_t *g = grp;
    for (int64_t b = 0; b < n / QK; b++, g += CK_TL_BLOCK_BYTES) {
        memset(g, 0, CK_TL_BLOCK_BYTES);
        for (int64_t k = 0; k < tokens; k++) {
            const blk_q8_0 *blk = (const blk_q8_0 *)CK_ROW(k) + b;
            for (int i = 0; i < 8; i++) memcpy(g + TL_QS + 64 * i + 4 * k, blk->qs + 4 * i, 4);
            __m256i y = _mm256_loadu_si256((const __m256i *)blk->qs);
            __m256i s16 = _mm256_maddubs_epi16(_mm256_set1_epi8(1), y);
            int32_t neg = -hsum_i32(_mm256_madd_epi16(s16, _mm256_set1_epi16(1)));
            float d = _cvtsh_ss(blk->d);
            memcpy(g + TL_D + 4 * k, &d, 4);
            memcpy(g + TL_NSUM + 4 * k, &neg, 4);
        }
    }
}

// SHIFT: log2 of the weight offset (Q5_0: 16, Q8_0: 128). Two integer chains per block (the
// sums are exact, so their split is free) halve vpdpbusd's dependency latency.
#define CK_TOKEN_LANES(T, SHIFT)                                                                                    \
    void ck_tl16_##T##_avx512(int64_t n, const void *vw, const void *grp, float *out) {                            \
        const blk_##T *w = vw;                                                                                      \
        __m512 acc = _mm512_setzero_ps();                                                                           \
        for (int64_t b = 0; b < n / QK; b++) {                                                                      \
            uint32_t u[8] __attribute__((aligned(32)));                                                             \
            _mm256_store_si256((__m256i *)u, T##_unsigned(w + b));                                                  \
            const uint8_t *g = (const uint8_t *)grp + (size_t)b * CK_TL_BLOCK_BYTES;                                \
            __m512i s0 = _mm512_slli_epi32(_mm512_load_si512(g + TL_NSUM), SHIFT), s1 = _mm512_setzero_si512();     \
            for (int i = 0; i < 8; i += 2) {                                                                        \
                s0 = _mm512_dpbusd_epi32(s0, _mm512_set1_epi32((int)u[i]), _mm512_load_si512(g + TL_QS + 64 * i));  \
                s1 = _mm512_dpbusd_epi32(s1, _mm512_set1_epi32((int)u[i + 1]),                                      \
                                         _mm512_load_si512(g + TL_QS + 64 * (i + 1)));                              \
            }                                                                                                       \
            __m512 d = _mm512_mul_ps(_mm512_set1_ps(_cvtsh_ss(w[b].d)), _mm512_load_ps(g + TL_D));                  \
            acc = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(_mm512_add_epi32(s0, s1)), acc);                            \
        }                                                                                                           \
        _mm512_storeu_ps(out, acc);                                                                                 \
    }

CK_TOKEN_LANES(q5_0, 4)
CK_TOKEN_LANES(q8_0, 7)

/// 64 unsigned 5-bit values (q + 16) of two Q5_0 blocks, element j of block h in byte 32h + j:
/// both blocks' nibble bytes in 128-bit lanes [qs0 | qs0 | qs1 | qs1], the odd lanes shifted to
/// their high nibbles, and 16 added where the block's fifth bit is set (5 operations, against 9
/// for two q5_0_unsigned: this is the decode path).
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

static inline __m512i q8_0_pair_unsigned(const blk_q8_0 *b) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(q8_0_unsigned(b)), q8_0_unsigned(b + 1), 1);
}

/// Sixteen rows' pair sums v[r] (lanes 0–7: block 2p's partial sums, 8–15: block 2p+1's) →
/// lane r of *a = row r's whole block-2p sum, of *b = its block-2p+1 sum.
static inline void rows16_transpose_sum(const __m512i v[16], __m512i *a, __m512i *b) {
    __m512i x[8], z[4];
    for (int j = 0; j < 8; j++) // per 128-bit lane: [r: e0+e2, r+1: e0+e2, r: e1+e3, r+1: e1+e3]
        x[j] = _mm512_add_epi32(_mm512_unpacklo_epi32(v[2 * j], v[2 * j + 1]), _mm512_unpackhi_epi32(v[2 * j], v[2 * j + 1]));
    for (int m = 0; m < 4; m++) // per 128-bit lane q: the sums of lane q of rows 4m … 4m+3
        z[m] = _mm512_add_epi32(_mm512_unpacklo_epi64(x[2 * m], x[2 * m + 1]), _mm512_unpackhi_epi64(x[2 * m], x[2 * m + 1]));
    // 128-bit lanes 0 and 1 hold block 2p, 2 and 3 block 2p+1: add them, rows 0–7 then 8–15.
    __m512i w01 = _mm512_add_epi32(_mm512_shuffle_i32x4(z[0], z[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm512_shuffle_i32x4(z[0], z[1], _MM_SHUFFLE(3, 1, 3, 1)));
    __m512i w23 = _mm512_add_epi32(_mm512_shuffle_i32x4(z[2], z[3], _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm512_shuffle_i32x4(z[2], z[3], _MM_SHUFFLE(3, 1, 3, 1)));
    *a = _mm512_shuffle_i32x4(w01, w23, _MM_SHUFFLE(2, 0, 2, 0));
    *b = _mm512_shuffle_i32x4(w01, w23, _MM_SHUFFLE(3, 1, 3, 1));
}

// One token against 16 consecutive rows, through the activation's pair extras (contiguous
// quants, −16·Σy per 4-element lane). SHIFT3: Q8_0's offset is 8 × Q5_0's.
#define CK_ROW_LANES(T, SHIFT3)                                                                                     \
    void ck_rows16_##T##_avx512(int64_t n, const void *w0, size_t w_row_bytes, const void *act, float *out) {       \
        const blk_q8_0 *a = act;                                                                                    \
        const uint8_t *e = (const uint8_t *)act + ck_q8_0_extras_offset(n);                                         \
        /* The 16 rows' block scales, block-major: plain loads, because vpgatherdd is microcoded */                 \
        /* slowly on CPUs with the gather-data-sampling mitigation. */                                              \
        uint16_t dsc[n / QK][16] __attribute__((aligned(32)));                                                      \
        for (int r = 0; r < 16; r++) {                                                                              \
            const blk_##T *wr = (const blk_##T *)((const uint8_t *)w0 + (size_t)r * w_row_bytes);                   \
            for (int64_t b = 0; b < n / QK; b++) dsc[b][r] = wr[b].d;                                               \
        }                                                                                                           \
        __m512 acc = _mm512_setzero_ps();                                                                           \
        const size_t group_bytes = 16 * w_row_bytes, pairs = (size_t)(n / QK / 2);                                  \
        for (int64_t p = 0; p < n / QK / 2; p++, e += CK_PAIR_BYTES) {                                              \
            const __m512i y = _mm512_loadu_si512(e);                                                                \
            __m512i init = _mm512_loadu_si512(e + 128);                                                             \
            if (SHIFT3) init = _mm512_slli_epi32(init, 3);                                                          \
            __m512i v[16], sa, sb;                                                                                  \
            /* The 16 rows are one contiguous run of memory: prefetch it linearly, CK_PREFETCH_BYTES ahead, */      \
            /* a slice per pair step so the requests are spread between the arithmetic (see ck_prefetch_l2). */     \
            for (size_t o = group_bytes * p / pairs; o < group_bytes * (p + 1) / pairs; o += 64)                    \
                ck_prefetch_l2((const char *)w0 + CK_PREFETCH_BYTES + o);                                           \
            for (int r = 0; r < 16; r++) {                                                                          \
                const blk_##T *wr = (const blk_##T *)((const uint8_t *)w0 + (size_t)r * w_row_bytes) + 2 * p;       \
                v[r] = _mm512_dpbusd_epi32(init, T##_pair_unsigned(wr), y);                                         \
            }                                                                                                       \
            rows16_transpose_sum(v, &sa, &sb);                                                                      \
            __m512 dwa = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)dsc[2 * p]));                          \
            __m512 dwb = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)dsc[2 * p + 1]));                      \
            acc = _mm512_fmadd_ps(_mm512_mul_ps(dwa, _mm512_set1_ps(_cvtsh_ss(a[2 * p].d))), _mm512_cvtepi32_ps(sa), acc); \
            acc = _mm512_fmadd_ps(_mm512_mul_ps(dwb, _mm512_set1_ps(_cvtsh_ss(a[2 * p + 1].d))), _mm512_cvtepi32_ps(sb), acc); \
        }                                                                                                           \
        _mm512_storeu_ps(out, acc);                                                                                 \
    }                                                                                                               \
    float ck_dot_##T##_avx512(int64_t n, const void *vw, const void *act) {                                         \
        const blk_##T *w = vw;                                                                                      \
        const blk_q8_0 *a = act;                                                                                    \
        const uint8_t *e = (const uint8_t *)act + ck_q8_0_extras_offset(n);                                         \
        float acc = 0;                                                                                              \
        for (int64_t p = 0; p < n / QK / 2; p++, e += CK_PAIR_BYTES) {                                              \
            __m512i init = _mm512_loadu_si512(e + 128);                                                             \
            if (SHIFT3) init = _mm512_slli_epi32(init, 3);                                                          \
            __m512i v = _mm512_dpbusd_epi32(init, T##_pair_unsigned(w + 2 * p), _mm512_loadu_si512(e));             \
            int sa = hsum_i32(_mm512_castsi512_si256(v)), sb = hsum_i32(_mm512_extracti64x4_epi64(v, 1));           \
            acc = fmaf(_cvtsh_ss(w[2 * p].d) * _cvtsh_ss(a[2 * p].d), (float)sa, acc);                              \
            acc = fmaf(_cvtsh_ss(w[2 * p + 1].d) * _cvtsh_ss(a[2 * p + 1].d), (float)sb, acc);                      \
        }                                                                                                           \
        return acc;                                                                                                 \
    }

CK_ROW_LANES(q5_0, 0)
CK_ROW_LANES(q8_0, 1)

// K-quants in token lanes. Per (row, token), with S_i and M_i the exact integer sums of
// super-block i (scales applied; Q4_K's mins separately):
//     Q4_K: acc = fma(d·d_x, S_i, acc), macc = fma(dmin·d_x, M_i, macc) for i = 0, 1, …; result acc − macc
//     Q6_K: acc = fma(d·d_x, S_i, acc); result acc
// One token runs the scalar chain (ck_dot_*_avx512) with AVX2 integer sums; several run token lanes: 16
// tokens' sub-block sums by vpdpbusd against an interleaved copy of the Q8_K activations (ck_tl_pack_q8_K),
// times the sub-block scale (vpmulld).

/// Super-block i of a token-lane group: quants [dword i (64)][token k] (4096 B), the 16 tokens' scales
/// (64 B), their 16-element sums [group j (16)][token k] as int32 (1024 B).
#define TLK_QS 0
#define TLK_D 4096
#define TLK_BSUMS 4160

void ck_tl_pack_q8_K(const void *act, size_t act_row_bytes, int64_t tokens, int64_t n, void *grp) {
    uint8_t *g = grp;
    for (int64_t i = 0; i < n / QKK; i++, g += CK_TLK_BLOCK_BYTES) {
        memset(g, 0, CK_TLK_BLOCK_BYTES);
        for (int64_t k = 0; k < tokens; k++) {
            const blk_q8_K *blk = (const blk_q8_K *)CK_ROW(k) + i;
            for (int j = 0; j < 64; j++) memcpy(g + TLK_QS + 64 * j + 4 * k, blk->qs + 4 * j, 4);
            memcpy(g + TLK_D + 4 * k, &blk->d, 4);
            for (int j = 0; j < 16; j++) {
                int32_t s = blk->bsums[j];
                memcpy(g + TLK_BSUMS + 64 * j + 4 * k, &s, 4);
            }
        }
    }
}

// The token-lane K-quant kernels at two widths: 16 lanes (zmm) and 8 (ymm, the same operations per lane on the
// group's first 8 tokens, so 3–8 tokens do not pay for 16). Width-specific operations as small wrappers; one body.
#define TL_OPS(W, VI, VF, PFX, SFX)                                                                                \
    static inline VI W##_zi(void) { return PFX##_setzero_##SFX(); }                                                \
    static inline VF W##_zf(void) { return PFX##_setzero_ps(); }                                                    \
    static inline VI W##_ld(const uint8_t *p) { return PFX##_load_##SFX((const void *)p); }                         \
    static inline VI W##_dp(VI s, uint32_t u, const uint8_t *g) { return PFX##_dpbusd_epi32(s, PFX##_set1_epi32((int)u), W##_ld(g)); } \
    static inline VI W##_add(VI a, VI b) { return PFX##_add_epi32(a, b); }                                           \
    static inline VI W##_mulk(VI a, int k) { return PFX##_mullo_epi32(a, PFX##_set1_epi32(k)); }                     \
    static inline VI W##_neg_shl5(VI a) { return PFX##_sub_epi32(PFX##_setzero_##SFX(), PFX##_slli_epi32(a, 5)); }  \
    static inline VF W##_step(VF acc, float dw, const uint8_t *dx, VI s) {                                          \
        return PFX##_fmadd_ps(PFX##_mul_ps(PFX##_set1_ps(dw), PFX##_load_ps((const void *)dx)), PFX##_cvtepi32_ps(s), acc); \
    }                                                                                                               \
    static inline void W##_store(float *out, VF v) { PFX##_storeu_ps(out, v); }                                     \
    static inline void W##_store_diff(float *out, VF a, VF b) { PFX##_storeu_ps(out, PFX##_sub_ps(a, b)); }

TL_OPS(v16, __m512i, __m512, _mm512, si512)
TL_OPS(v8, __m256i, __m256, _mm256, si256)

/// The 256 4-bit values of a Q4_K super-block, element e in byte e.
static inline void q4_K_unpack(const blk_q4_K *b, uint32_t u[64]) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (int c = 0; c < 4; c++) {
        __m256i q = _mm256_loadu_si256((const __m256i *)(b->qs + 32 * c));
        _mm256_store_si256((__m256i *)(u + 16 * c), _mm256_and_si256(q, m4));
        _mm256_store_si256((__m256i *)(u + 16 * c + 8), _mm256_and_si256(_mm256_srli_epi16(q, 4), m4));
    }
}

/// The 256 6-bit values (0–63) of a Q6_K super-block, element e in byte e.
static inline void q6_K_unpack(const blk_q6_K *b, uint32_t u[64]) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3);
    for (int h = 0; h < 2; h++) {
        const uint8_t *ql = b->ql + 64 * h, *qh = b->qh + 32 * h;
        __m256i l0 = _mm256_loadu_si256((const __m256i *)ql), l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
        __m256i hb = _mm256_loadu_si256((const __m256i *)qh);
        __m256i *o = (__m256i *)(u + 32 * h);
        _mm256_store_si256(o, _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(hb, m3), 4)));
        _mm256_store_si256(o + 1, _mm256_or_si256(_mm256_and_si256(l1, m4),
                                                  _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), m3), 4)));
        _mm256_store_si256(o + 2, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                                  _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), m3), 4)));
        _mm256_store_si256(o + 3, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                                  _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), m3), 4)));
    }
}

// Sub-block sums over `dwords` weight dwords from dword `first` (two chains: the sums are exact, their split free).
#define TL_DOT(W, u, g, first, dwords, init)                                                                        \
    ({                                                                                                              \
        __typeof__(init) s0_ = (init), s1_ = W##_zi();                                                              \
        for (int t_ = (first); t_ < (first) + (dwords); t_ += 2) {                                                  \
            s0_ = W##_dp(s0_, (u)[t_], (g) + TLK_QS + 64 * t_);                                                     \
            s1_ = W##_dp(s1_, (u)[t_ + 1], (g) + TLK_QS + 64 * (t_ + 1));                                           \
        }                                                                                                           \
        W##_add(s0_, s1_);                                                                                          \
    })

#define TL_KQUANTS(W, LANES)                                                                                        \
    void ck_tl##LANES##_q4_K_avx512(int64_t n, const void *vw, const void *grp, float *out) {                       \
        const blk_q4_K *w = vw;                                                                                     \
        __typeof__(W##_zf()) acc = W##_zf(), macc = W##_zf();                                                       \
        for (int64_t i = 0; i < n / QKK; i++) {                                                                     \
            uint8_t sc[8], m[8];                                                                                    \
            k_scales_mins(w[i].scales, sc, m);                                                                      \
            uint32_t u[64] __attribute__((aligned(64)));                                                            \
            q4_K_unpack(w + i, u);                                                                                  \
            const uint8_t *g = (const uint8_t *)grp + (size_t)i * CK_TLK_BLOCK_BYTES;                               \
            __typeof__(W##_zi()) S = W##_zi(), M = W##_zi();                                                        \
            for (int j = 0; j < 8; j++) {                                                                           \
                S = W##_add(S, W##_mulk(TL_DOT(W, u, g, 8 * j, 8, W##_zi()), sc[j]));                              \
                M = W##_add(M, W##_mulk(W##_add(W##_ld(g + TLK_BSUMS + 128 * j), W##_ld(g + TLK_BSUMS + 128 * j + 64)), m[j])); \
            }                                                                                                       \
            acc = W##_step(acc, _cvtsh_ss(w[i].d), g + TLK_D, S);                                                   \
            macc = W##_step(macc, _cvtsh_ss(w[i].dmin), g + TLK_D, M);                                              \
        }                                                                                                           \
        W##_store_diff(out, acc, macc);                                                                             \
    }                                                                                                               \
    void ck_tl##LANES##_q6_K_avx512(int64_t n, const void *vw, const void *grp, float *out) {                       \
        const blk_q6_K *w = vw;                                                                                     \
        __typeof__(W##_zf()) acc = W##_zf();                                                                        \
        for (int64_t i = 0; i < n / QKK; i++) {                                                                     \
            uint32_t u[64] __attribute__((aligned(64)));                                                            \
            q6_K_unpack(w + i, u);                                                                                  \
            const uint8_t *g = (const uint8_t *)grp + (size_t)i * CK_TLK_BLOCK_BYTES;                               \
            __typeof__(W##_zi()) S = W##_zi();                                                                      \
            for (int j = 0; j < 16; j++) /* (q − 32)·y = q·y − 32·Σy: the sum starts at −32·Σy */                   \
                S = W##_add(S, W##_mulk(TL_DOT(W, u, g, 4 * j, 4, W##_neg_shl5(W##_ld(g + TLK_BSUMS + 64 * j))), w[i].scales[j])); \
            acc = W##_step(acc, _cvtsh_ss(w[i].d), g + TLK_D, S);                                                   \
        }                                                                                                           \
        W##_store(out, acc);                                                                                        \
    }

TL_KQUANTS(v16, 16)
TL_KQUANTS(v8, 8)

// One token: the same chain in scalar code, the integer sums as the AVX2 kernels form them.
float ck_dot_q4_K_avx512(int64_t n, const void *vw, const void *va) {
    const blk_q4_K *w = vw; const blk_q8_K *a = va;
    float acc = 0, macc = 0;
    for (int64_t i = 0; i < n / QKK; i++) {
        uint8_t sc[8], m[8];
        k_scales_mins(w[i].scales, sc, m);
        __m256i sumi = q4_K_block_sumi(w + i, a + i, sc);
        acc = fmaf(_cvtsh_ss(w[i].d) * a[i].d, (float)hsum_i32(sumi), acc);
        macc = fmaf(_cvtsh_ss(w[i].dmin) * a[i].d, (float)k_mins_dot(a[i].bsums, m), macc);
    }
    return acc - macc;
}

float ck_dot_q6_K_avx512(int64_t n, const void *vw, const void *va) {
    const blk_q6_K *w = vw; const blk_q8_K *a = va;
    const __m256i m32 = _mm256_set1_epi8(32);
    float acc = 0;
    for (int64_t i = 0; i < n / QKK; i++) {
        uint32_t u[64] __attribute__((aligned(64)));
        q6_K_unpack(w + i, u);
        __m256i sumi = _mm256_setzero_si256();
        for (int k = 0; k < 8; k++) { // 32 elements: sub-blocks 2k and 2k+1
            __m256i q = _mm256_load_si256((const __m256i *)(u + 8 * k));
            __m256i y = _mm256_loadu_si256((const __m256i *)(a[i].qs + 32 * k));
            __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(q, y), _mm256_maddubs_epi16(m32, y));
            __m256i s = _mm256_set_m128i(_mm_set1_epi16(w[i].scales[2 * k + 1]), _mm_set1_epi16(w[i].scales[2 * k]));
            sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, s));
        }
        acc = fmaf(_cvtsh_ss(w[i].d) * a[i].d, (float)hsum_i32(sumi), acc);
    }
    return acc;
}

#undef CK_ROW
#pragma clang attribute pop
#endif
