// The block structs of ggml's quantized types and the per-arch kernel declarations. Internal
// to CKernels. Block sizes are the type table's (include/ckernels.h), checked here.
#ifndef CKERNELS_BLOCKS_H
#define CKERNELS_BLOCKS_H
#include <stdint.h>
#include <string.h>
#include "ckernels.h"

#define CK_TYPE_SIZES(name, id, elements, bytes, dot) CK_ELEMENTS_##name = elements, CK_BYTES_##name = bytes,
enum { CK_TYPES(CK_TYPE_SIZES) };
#undef CK_TYPE_SIZES

#define QK CK_ELEMENTS_Q8_0
#define QKK CK_ELEMENTS_Q8_K

typedef struct { uint16_t d; uint8_t qs[16]; } blk_q4_0;
typedef struct { uint16_t d, m; uint8_t qs[16]; } blk_q4_1;
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[16]; } blk_q5_0;
typedef struct { uint16_t d, m; uint8_t qh[4]; uint8_t qs[16]; } blk_q5_1;
typedef struct { uint16_t d; int8_t qs[32]; } blk_q8_0;
typedef struct { uint16_t d, s; int8_t qs[32]; } blk_q8_1;
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[128]; } blk_q4_K;
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; } blk_q5_K;
typedef struct { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; uint16_t d; } blk_q6_K;
typedef struct { float d; int8_t qs[256]; int16_t bsums[16]; } blk_q8_K;

#define CK_CHECK_BLOCK(T, NAME)                                                                \
    _Static_assert(sizeof(blk_##T) == CK_BYTES_##NAME, #T ": the struct and the type table differ")
CK_CHECK_BLOCK(q4_0, Q4_0);
CK_CHECK_BLOCK(q4_1, Q4_1);
CK_CHECK_BLOCK(q5_0, Q5_0);
CK_CHECK_BLOCK(q5_1, Q5_1);
CK_CHECK_BLOCK(q8_0, Q8_0);
CK_CHECK_BLOCK(q8_1, Q8_1);
CK_CHECK_BLOCK(q4_K, Q4_K);
CK_CHECK_BLOCK(q5_K, Q5_K);
CK_CHECK_BLOCK(q6_K, Q6_K);
CK_CHECK_BLOCK(q8_K, Q8_K);
#undef CK_CHECK_BLOCK
_Static_assert(QK == CK_ELEMENTS_Q4_0 && QK == CK_ELEMENTS_Q5_0 && QK == CK_ELEMENTS_Q4_1 && QK == CK_ELEMENTS_Q5_1 &&
               QK == CK_ELEMENTS_Q8_1 && QKK == CK_ELEMENTS_Q4_K && QKK == CK_ELEMENTS_Q5_K && QKK == CK_ELEMENTS_Q6_K,
               "the kernels assume 32-element blocks and 256-element super-blocks");

static inline float h2f(uint16_t h) { return ck_fp16_to_fp32(h); }

// Decode (one token) reads every weight once, so the kernels are limited by how many cache lines
// are in flight, not by arithmetic. The hardware prefetchers stop at 4 KiB boundaries, and a
// prefetch into L1 (T0) holds one of the core's few line-fill buffers until its line arrives, so
// a kernel issuing them throttles itself. Weights are therefore prefetched with locality 1
// (prefetcht2: into the L2, whose miss queue is deeper), 32 KiB ahead of the stream: far enough to
// cover DRAM latency at full bandwidth, well inside any x86-64 L2 (docs/benchmarks-log.md has the
// distances and hints compared).
#define CK_PREFETCH_BYTES 32768
static inline void ck_prefetch_l2(const char *p) { __builtin_prefetch(p, 0, 1); }

/// The 6-bit scale and min of sub-block j of a Q4_K/Q5_K super-block.
static inline void k_scale_min(int j, const uint8_t *q, uint8_t *sc, uint8_t *m) {
    if (j < 4) {
        *sc = q[j] & 63; *m = q[j + 4] & 63;
    } else {
        *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

/// All 8 scales and 8 mins of a Q4_K/Q5_K super-block at once, with word operations on the
/// 12 packed bytes (the same values as k_scale_min for j = 0…7).
static inline void k_scales_mins(const uint8_t *q, uint8_t sc[8], uint8_t m[8]) {
    uint32_t u[3];
    memcpy(u, q, 12);
    const uint32_t low6 = 0x3f3f3f3fu, low4 = 0x0f0f0f0fu, low2 = 0x03030303u;
    uint32_t s_lo = u[0] & low6, m_lo = u[1] & low6;
    uint32_t s_hi = (u[2] & low4) | (((u[0] >> 6) & low2) << 4);
    uint32_t m_hi = ((u[2] >> 4) & low4) | (((u[1] >> 6) & low2) << 4);
    memcpy(sc, &s_lo, 4);
    memcpy(sc + 4, &s_hi, 4);
    memcpy(m, &m_lo, 4);
    memcpy(m + 4, &m_hi, 4);
}

// Kernel signatures (the dispatch table in dispatch.c holds pointers to them).
/// One weight row · one activation row.
typedef float (*ck_dot_fn)(int64_t n, const void *w, const void *act);
/// One weight row · four activation rows `act_row_bytes` apart.
typedef void (*ck_dotn_fn)(int64_t n, const void *w, const void *act, size_t act_row_bytes, float *out);
/// Sixteen weight rows · one activation row (row lanes).
typedef void (*ck_rows16_fn)(int64_t n, const void *w, size_t w_row_bytes, const void *act, float *out);
/// One weight row · a group of up to sixteen activation rows packed by a ck_tl_pack_fn (token lanes).
typedef void (*ck_tl16_fn)(int64_t n, const void *w, const void *grp, float *out);
typedef void (*ck_tl_pack_fn)(const void *act, size_t act_row_bytes, int64_t tokens, int64_t n, void *grp);
typedef void (*ck_quantize_fn)(const float *x, void *y, int64_t n);

// The Q8_0 activation row: its blocks, then (for an even block count, from a 64-byte
// boundary) CK_PAIR_BYTES per pair of blocks for the AVX-512 kernels: the pair's 64 quants
// contiguous, the scales [d(2p) ×8, d(2p+1) ×8] as floats, and −16·Σy of every 4-element
// lane (int32 ×16). Filled by both quantizers; the other kernels ignore it.
#define CK_PAIR_BYTES 192
static inline int ck_q8_0_has_extras(int64_t n) { return (n / QK) % 2 == 0; }
static inline size_t ck_q8_0_extras_offset(int64_t n) {
    return ((size_t)(n / QK) * sizeof(blk_q8_0) + 63) & ~(size_t)63;
}
void ck_q8_0_extras(void *row, int64_t n);

// Portable kernels (kernels_portable.c).
float ck_dot_q4_0_portable(int64_t n, const void *w, const void *a);
float ck_dot_q4_1_portable(int64_t n, const void *w, const void *a);
float ck_dot_q5_0_portable(int64_t n, const void *w, const void *a);
float ck_dot_q5_1_portable(int64_t n, const void *w, const void *a);
float ck_dot_q8_0_portable(int64_t n, const void *w, const void *a);
float ck_dot_q4_K_portable(int64_t n, const void *w, const void *a);
float ck_dot_q5_K_portable(int64_t n, const void *w, const void *a);
float ck_dot_q6_K_portable(int64_t n, const void *w, const void *a);
float ck_dot_f32_portable(int64_t n, const void *w, const void *a);
float ck_dot_f16_portable(int64_t n, const void *w, const void *a);
float ck_dot_bf16_portable(int64_t n, const void *w, const void *a);
void ck_quantize_q8_0_portable(const float *x, void *y, int64_t n);
void ck_quantize_q8_1_portable(const float *x, void *y, int64_t n);
void ck_quantize_q8_K(const float *x, void *y, int64_t n);
void ck_fp32_to_fp16_row_portable(const float *x, uint16_t *y, int64_t n);
void ck_fp32_to_bf16_row_portable(const float *x, uint16_t *y, int64_t n);
float ck_dot_f16_row_portable(int64_t n, const uint16_t *a, const uint16_t *b);
void ck_round_fp16_row_portable(float *x, int64_t n);
void ck_axpy_f16_portable(int64_t n, float a, const uint16_t *x, float *y);
void ck_attn_scores_f16_portable(int64_t hd, const uint16_t *q, const uint16_t *keys, int64_t stride, int64_t lo,
                                 int64_t hi, float scale, float *scores);
void ck_attn_values_f16_portable(int64_t hd, const float *w, const uint16_t *values, int64_t stride, int64_t lo,
                                 int64_t hi, float *out);

// AVX2 kernels (kernels_avx2.c); only called when the CPU has AVX2, FMA and F16C.
#if defined(__x86_64__) || defined(__i386__)
#define CK_HAVE_X86 1
float ck_dot_q4_0_avx2(int64_t n, const void *w, const void *a);
float ck_dot_q4_1_avx2(int64_t n, const void *w, const void *a);
float ck_dot_q5_0_avx2(int64_t n, const void *w, const void *a);
float ck_dot_q5_1_avx2(int64_t n, const void *w, const void *a);
float ck_dot_q8_0_avx2(int64_t n, const void *w, const void *a);
float ck_dot_q4_K_avx2(int64_t n, const void *w, const void *a);
float ck_dot_q5_K_avx2(int64_t n, const void *w, const void *a);
float ck_dot_q6_K_avx2(int64_t n, const void *w, const void *a);
float ck_dot_f32_avx2(int64_t n, const void *w, const void *a);
void ck_quantize_q8_0_avx2(const float *x, void *y, int64_t n);
void ck_quantize_q8_1_avx2(const float *x, void *y, int64_t n);
void ck_dot4_q8_0_avx2(int64_t n, const void *w, const void *act, size_t act_row_bytes, float *out);
void ck_dot4_q4_0_avx2(int64_t n, const void *w, const void *act, size_t act_row_bytes, float *out);
void ck_dot4_q5_0_avx2(int64_t n, const void *w, const void *act, size_t act_row_bytes, float *out);
void ck_dot4_q4_1_avx2(int64_t n, const void *w, const void *act, size_t act_row_bytes, float *out);
void ck_dot4_q4_K_avx2(int64_t n, const void *w, const void *act, size_t act_row_bytes, float *out);
void ck_dot4_q6_K_avx2(int64_t n, const void *w, const void *act, size_t act_row_bytes, float *out);
void ck_fp32_to_fp16_row_avx2(const float *x, uint16_t *y, int64_t n);
float ck_dot_f16_row_avx2(int64_t n, const uint16_t *a, const uint16_t *b);
void ck_round_fp16_row_avx2(float *x, int64_t n);
void ck_axpy_f16_avx2(int64_t n, float a, const uint16_t *x, float *y);
void ck_attn_scores_f16_avx2(int64_t hd, const uint16_t *q, const uint16_t *keys, int64_t stride, int64_t lo,
                             int64_t hi, float scale, float *scores);
void ck_attn_values_f16_avx2(int64_t hd, const float *w, const uint16_t *values, int64_t stride, int64_t lo,
                             int64_t hi, float *out);

// AVX-512 kernels (kernels_avx512.c), level 2; Q5_0/Q8_0 only for an even number of blocks.
// Q5_0/Q8_0: one row and token, sixteen rows and one token (row lanes), or one row and up to
// sixteen tokens packed by ck_tl_pack_q8_0 (token lanes); all three give the same bits.
#define CK_TL_BLOCK_BYTES 640
void ck_tl_pack_q8_0(const void *act, size_t act_row_bytes, int64_t tokens, int64_t n, void *grp);
float ck_dot_q5_0_avx512(int64_t n, const void *w, const void *a);
void ck_rows16_q5_0_avx512(int64_t n, const void *w, size_t w_row_bytes, const void *act, float *out);
void ck_tl16_q5_0_avx512(int64_t n, const void *w, const void *grp, float *out);
float ck_dot_q8_0_avx512(int64_t n, const void *w, const void *a);
void ck_rows16_q8_0_avx512(int64_t n, const void *w, size_t w_row_bytes, const void *act, float *out);
void ck_tl16_q8_0_avx512(int64_t n, const void *w, const void *grp, float *out);
#define CK_TLK_BLOCK_BYTES 5184
void ck_tl_pack_q8_K(const void *act, size_t act_row_bytes, int64_t tokens, int64_t n, void *grp);
float ck_dot_q4_K_avx512(int64_t n, const void *w, const void *a);
void ck_tl16_q4_K_avx512(int64_t n, const void *w, const void *grp, float *out);
void ck_tl8_q4_K_avx512(int64_t n, const void *w, const void *grp, float *out);
float ck_dot_q6_K_avx512(int64_t n, const void *w, const void *a);
void ck_tl16_q6_K_avx512(int64_t n, const void *w, const void *grp, float *out);
void ck_tl8_q6_K_avx512(int64_t n, const void *w, const void *grp, float *out);
#endif

#endif
