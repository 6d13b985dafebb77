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
// blocks.h holds the block structs and kernel signatures.
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

/// ggml type ids (GGUF) the kernels accept as weight types; every ggml id is below CK_TYPE_COUNT.
enum {
    CK_F32 = 0, CK_F16 = 1, CK_Q4_0 = 2, CK_Q4_1 = 3, CK_Q5_0 = 6, CK_Q5_1 = 7, CK_Q8_0 = 8,
    CK_Q8_1 = 9, CK_Q4_K = 12, CK_Q5_K = 13, CK_Q6_K = 14, CK_Q8_K = 15, CK_BF16 = 30, CK_TYPE_COUNT = 40
};

/// The activation format a weight type is multiplied with (CK_F32 for float weights), or -1.
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

#ifdef __cplusplus
}
#endif
#endif
