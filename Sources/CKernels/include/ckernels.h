// Quantized matrix-vector kernels for the engine (ggml's block formats, our own code).
//
// Why C: the integer dot products need AVX2's vpmaddubsw/vpmaddwd, which Swift cannot
// express (its SIMD types have no widening u8×i8 multiply-add); `codeeval bench engine
// --kernels` measures these kernels against the engine's Swift float path. Every AVX2
// kernel has a portable scalar twin computing the same integer sums; tests compare them.
// On CPUs with AVX-512 VNNI, Q5_0, Q8_0, Q4_K and Q6_K weights use vpdpbusd kernels at
// twice the width.
//
// Files: kernels_portable.c, kernels_avx2.c and kernels_avx512.c hold the kernels of one
// level each; dispatch.c picks the level once and holds the one table of what each level runs;
// types.c holds the type table below as data; blocks.h the block structs and kernel signatures.
//
// Model: y = W·x with W in a GGUF block type. x is first quantized once per matmul to the
// weight type's activation format (Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K for
// the K-quants) exactly as llama.cpp does on x86, so our numbers are llama.cpp's numbers.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The GGUF tensor types (ggml's type ids) and their block layout: the one table of them in
/// the project (the Swift `QuantType` reads it through `ck_type_traits_of`). Columns: name, id,
/// elements per block, bytes per block, and the activation format the kernels multiply that
/// weight type with (the type's own id for plain float types; -1 where there are no kernels).
/// A row of n elements of a type takes n / elements blocks of that many bytes.
#define CK_TYPES(X)                          \
    X(F32,      0,   1,   4, CK_F32)         \
    X(F16,      1,   1,   2, CK_F16)         \
    X(Q4_0,     2,  32,  18, CK_Q8_0)        \
    X(Q4_1,     3,  32,  20, CK_Q8_1)        \
    X(Q5_0,     6,  32,  22, CK_Q8_0)        \
    X(Q5_1,     7,  32,  24, CK_Q8_1)        \
    X(Q8_0,     8,  32,  34, CK_Q8_0)        \
    X(Q8_1,     9,  32,  36, -1)             \
    X(Q2_K,    10, 256,  84, -1)             \
    X(Q3_K,    11, 256, 110, -1)             \
    X(Q4_K,    12, 256, 144, CK_Q8_K)        \
    X(Q5_K,    13, 256, 176, CK_Q8_K)        \
    X(Q6_K,    14, 256, 210, CK_Q8_K)        \
    X(Q8_K,    15, 256, 292, -1)             \
    X(IQ2_XXS, 16, 256,  66, -1)             \
    X(IQ2_XS,  17, 256,  74, -1)             \
    X(IQ3_XXS, 18, 256,  98, -1)             \
    X(IQ1_S,   19, 256,  50, -1)             \
    X(IQ4_NL,  20,  32,  18, -1)             \
    X(IQ3_S,   21, 256, 110, -1)             \
    X(IQ2_S,   22, 256,  82, -1)             \
    X(IQ4_XS,  23, 256, 136, -1)             \
    X(I8,      24,   1,   1, -1)             \
    X(I16,     25,   1,   2, -1)             \
    X(I32,     26,   1,   4, -1)             \
    X(I64,     27,   1,   8, -1)             \
    X(F64,     28,   1,   8, -1)             \
    X(IQ1_M,   29, 256,  56, -1)             \
    X(BF16,    30,   1,   2, CK_BF16)        \
    X(TQ1_0,   34, 256,  54, -1)             \
    X(TQ2_0,   35, 256,  66, -1)             \
    X(MXFP4,   39,  32,  17, -1)

#define CK_TYPE_ID(name, id, elements, bytes, dot) CK_##name = id,
/// CK_F32, CK_Q4_0, …: the ids of the table; every id is below CK_TYPE_COUNT.
enum { CK_TYPES(CK_TYPE_ID) CK_TYPE_COUNT = 40 };
#undef CK_TYPE_ID

typedef struct {
    const char *name;        // "Q4_K"
    int32_t block_elements;  // 1 for plain types
    int32_t block_bytes;
    int32_t vec_dot_type;    // -1: the engine cannot multiply with this type
} ck_type_traits;

/// The table row of GGUF type id `type`, or NULL for an id ggml does not define.
const ck_type_traits *ck_type_traits_of(int type);

/// The table's activation format of a weight type, or -1.
int ck_vec_dot_type(int weight_type);
/// Bytes of one activation row of `n` elements in `ck_vec_dot_type(weight_type)`.
size_t ck_activation_row_bytes(int weight_type, int64_t n);
/// Quantizes `n` floats (n a multiple of the block size) into the activation format of
/// `weight_type`. Returns 0, or -1 for an unsupported type or length.
int ck_quantize_activation(int weight_type, const float *x, void *out, int64_t n);

/// y[t * y_stride + r] = dot(W row r, activation row t) for r in [row_begin, row_end),
/// t in [0, tokens). `w` points at row 0; `act` holds `tokens` rows of `act_row_bytes`.
/// Returns -1 for an unsupported weight type.
int ck_matmul_rows(int weight_type, const void *w, size_t w_row_bytes, int64_t n,
                   int64_t row_begin, int64_t row_end,
                   const void *act, size_t act_row_bytes, int64_t tokens,
                   float *y, int64_t y_stride);

/// Quantizes as ck_quantize_activation, with the portable quantizers whatever the CPU (tests
/// compare the two byte for byte).
int ck_quantize_activation_portable(int weight_type, const float *x, void *out, int64_t n);

/// The kernel level in use: 0 portable, 1 AVX2/FMA/F16C, 2 AVX-512 VNNI (Q5_0, Q8_0, Q4_K and
/// Q6_K weights; AVX2 for the others). The CPU's best, capped by the environment variable
/// CODEEVAL_KERNELS=portable|avx2 (to reproduce another machine's numbers). Levels differ in
/// float summation order, so logits differ between levels at rounding level; within one level
/// batching never changes them.
int ck_kernel_level(void);
/// One dot product and ck_matmul_rows at an explicit level (capped by the CPU), so tests and
/// benchmarks can cover every level the machine has without touching the process-wide one.
float ck_vec_dot_at(int level, int weight_type, int64_t n, const void *w, const void *act);
int ck_matmul_rows_at(int level, int weight_type, const void *w, size_t w_row_bytes, int64_t n,
                      int64_t row_begin, int64_t row_end, const void *act, size_t act_row_bytes,
                      int64_t tokens, float *y, int64_t y_stride);

/// A spin-wait hint (x86 `pause`): the engine's worker threads spin between parallel sections.
static inline void ck_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/// IEEE half conversions, round-to-nearest-even (as F16C).
float ck_fp16_to_fp32(uint16_t h);
uint16_t ck_fp32_to_fp16(float f);

/// Rows of halves for the f16 KV cache and attention (as llama.cpp: q and the softmax
/// weights are rounded to f16, products are summed in f32).
void ck_fp32_to_fp16_row(const float *x, uint16_t *y, int64_t n);
float ck_dot_f16_row(int64_t n, const uint16_t *a, const uint16_t *b);
/// x[i] = f16(x[i]) in place (the rounding llama.cpp applies to softmax weights).
void ck_round_fp16_row(float *x, int64_t n);
/// y[i] += a · x[i]
void ck_axpy_f16(int64_t n, float a, const uint16_t *x, float *y);
/// scores[p] = ck_dot_f16_row(hd, q, keys + p·stride) · scale for p in [lo, hi] (bit for bit).
void ck_attn_scores_f16(int64_t hd, const uint16_t *q, const uint16_t *keys, int64_t stride, int64_t lo, int64_t hi,
                        float scale, float *scores);
/// For p in [lo, hi] in order, where w[p] ≠ 0: ck_axpy_f16(hd, w[p], values + p·stride, out) (bit for bit).
void ck_attn_values_f16(int64_t hd, const float *w, const uint16_t *values, int64_t stride, int64_t lo, int64_t hi,
                        float *out);

#ifdef __cplusplus
}
#endif
#endif
