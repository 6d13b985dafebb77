// Kernel dispatch, in ggml's manner: the level is chosen once per process (CPUID, capped by
// CODEEVAL_KERNELS), and one table says what each level runs per weight type. The entry points
// of ckernels.h look a kernel up once per call and never inside a loop; the kernels themselves
// live in the per-arch files (kernels_portable.c, kernels_avx2.c, kernels_avx512.c).
#include <stdlib.h>
#include <string.h>
#include "blocks.h"

// MARK: the table

/// The kernels of one weight type at one level: one token, and (AVX2) four tokens sharing one
/// unpacking of each weight block, or (AVX-512) row and token lanes. All give the same bits per
/// (row, token).
typedef struct {
    ck_dot_fn one;
    ck_dotn_fn four;
    // Level 2 (kernels_avx512.c), instead of four.
    ck_rows16_fn rows16;  // Q5_0/Q8_0 only
    ck_tl16_fn tl16, tl8; // tl8: the same per lane on a group's first 8 tokens (K-quants)
    ck_tl_pack_fn tl_pack;
    int64_t tl_block_elems, tl_block_bytes;
    // Reads the Q8_0 pair extras, which exist for an even block count only; else the level below runs.
    int needs_pairs;
} kernel_set;

/// What one level runs. A type without kernels at a level (one == NULL) takes the level below's.
typedef struct {
    kernel_set types[CK_TYPE_COUNT];
    ck_quantize_fn quantize_q8_0, quantize_q8_1;
    void (*fp32_to_fp16_row)(const float *x, uint16_t *y, int64_t n);
    float (*dot_f16_row)(int64_t n, const uint16_t *a, const uint16_t *b);
    void (*round_fp16_row)(float *x, int64_t n);
    void (*axpy_f16)(int64_t n, float a, const uint16_t *x, float *y);
    void (*attn_scores_f16)(int64_t hd, const uint16_t *q, const uint16_t *keys, int64_t stride, int64_t lo, int64_t hi,
                            float scale, float *scores);
    void (*attn_values_f16)(int64_t hd, const float *w, const uint16_t *values, int64_t stride, int64_t lo, int64_t hi,
                            float *out);
} level_table;

#define CK_ROW_OPS(ARCH)                                                                                 \
    .quantize_q8_0 = ck_quantize_q8_0_##ARCH, .quantize_q8_1 = ck_quantize_q8_1_##ARCH,                  \
    .fp32_to_fp16_row = ck_fp32_to_fp16_row_##ARCH, .dot_f16_row = ck_dot_f16_row_##ARCH,                \
    .round_fp16_row = ck_round_fp16_row_##ARCH, .axpy_f16 = ck_axpy_f16_##ARCH,                          \
    .attn_scores_f16 = ck_attn_scores_f16_##ARCH, .attn_values_f16 = ck_attn_values_f16_##ARCH

static const level_table levels[3] = {
    [0] = {
        .types = {
            [CK_Q4_0] = { .one = ck_dot_q4_0_portable },
            [CK_Q4_1] = { .one = ck_dot_q4_1_portable },
            [CK_Q5_0] = { .one = ck_dot_q5_0_portable },
            [CK_Q5_1] = { .one = ck_dot_q5_1_portable },
            [CK_Q8_0] = { .one = ck_dot_q8_0_portable },
            [CK_Q4_K] = { .one = ck_dot_q4_K_portable },
            [CK_Q5_K] = { .one = ck_dot_q5_K_portable },
            [CK_Q6_K] = { .one = ck_dot_q6_K_portable },
            [CK_F32] = { .one = ck_dot_f32_portable },
            [CK_F16] = { .one = ck_dot_f16_portable },
            [CK_BF16] = { .one = ck_dot_bf16_portable },
        },
        CK_ROW_OPS(portable),
    },
#if CK_HAVE_X86
    [1] = {
        .types = {
            [CK_Q4_0] = { .one = ck_dot_q4_0_avx2, .four = ck_dot4_q4_0_avx2 },
            [CK_Q4_1] = { .one = ck_dot_q4_1_avx2, .four = ck_dot4_q4_1_avx2 },
            [CK_Q5_0] = { .one = ck_dot_q5_0_avx2, .four = ck_dot4_q5_0_avx2 },
            [CK_Q5_1] = { .one = ck_dot_q5_1_avx2 },
            [CK_Q8_0] = { .one = ck_dot_q8_0_avx2, .four = ck_dot4_q8_0_avx2 },
            [CK_Q4_K] = { .one = ck_dot_q4_K_avx2, .four = ck_dot4_q4_K_avx2 },
            [CK_Q5_K] = { .one = ck_dot_q5_K_avx2 },
            [CK_Q6_K] = { .one = ck_dot_q6_K_avx2, .four = ck_dot4_q6_K_avx2 },
            [CK_F32] = { .one = ck_dot_f32_avx2 },
        },
        CK_ROW_OPS(avx2),
    },
#define CK_PAIRS(T) { .one = ck_dot_##T##_avx512, .rows16 = ck_rows16_##T##_avx512, .tl16 = ck_tl16_##T##_avx512, \
                      .tl_pack = ck_tl_pack_q8_0, .tl_block_elems = QK, .tl_block_bytes = CK_TL_BLOCK_BYTES,        \
                      .needs_pairs = 1 }
#define CK_SUPER(T) { .one = ck_dot_##T##_avx512, .tl16 = ck_tl16_##T##_avx512, .tl8 = ck_tl8_##T##_avx512,        \
                      .tl_pack = ck_tl_pack_q8_K, .tl_block_elems = QKK, .tl_block_bytes = CK_TLK_BLOCK_BYTES }
    [2] = {
        .types = {
            [CK_Q5_0] = CK_PAIRS(q5_0),
            [CK_Q8_0] = CK_PAIRS(q8_0),
            [CK_Q4_K] = CK_SUPER(q4_K),
            [CK_Q6_K] = CK_SUPER(q6_K),
        },
        CK_ROW_OPS(avx2), // the AVX2 quantizers and f16 rows: AVX-512 adds nothing there
    },
#undef CK_PAIRS
#undef CK_SUPER
#endif
};
#undef CK_ROW_OPS

// MARK: the level

/// The CPU's best level (0 portable, 1 AVX2/FMA/F16C, 2 AVX-512 F/BW/VL/VNNI), capped by
/// CODEEVAL_KERNELS=portable|avx2; determined on first use.
static int process_level(void) {
    static int cached = -1;
    if (cached < 0) {
        int level = 0;
#if CK_HAVE_X86
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) {
            level = 1;
            if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni"))
                level = 2;
        }
#endif
        const char *cap = getenv("CODEEVAL_KERNELS");
        if (cap && strcmp(cap, "portable") == 0) level = 0;
        else if (cap && strcmp(cap, "avx2") == 0 && level > 1) level = 1;
        cached = level;
    }
    return cached;
}

int ck_kernel_level(void) { return process_level(); }

static const level_table *active_level(void) { return &levels[process_level()]; }

/// The kernels for `type` and rows of `n` elements at `level` (capped by the process's level),
/// or NULL when no level has them.
static const kernel_set *kernels_for(int type, int64_t n, int level) {
    if (type < 0 || type >= CK_TYPE_COUNT) return NULL;
    if (level > process_level()) level = process_level();
    for (; level >= 0; level--) {
        const kernel_set *k = &levels[level].types[type];
        if (k->one && (!k->needs_pairs || ck_q8_0_has_extras(n))) return k;
    }
    return NULL;
}

// MARK: activations

static int quantize_activation(const level_table *L, int t, const float *x, void *out, int64_t n) {
    switch (ck_vec_dot_type(t)) {
    case CK_Q8_0:
        if (n % QK) return -1;
        L->quantize_q8_0(x, out, n);
        ck_q8_0_extras(out, n);
        return 0;
    case CK_Q8_1:
        if (n % QK) return -1;
        L->quantize_q8_1(x, out, n);
        return 0;
    case CK_Q8_K:
        if (n % QKK) return -1;
        ck_quantize_q8_K(x, out, n);
        return 0;
    case CK_F32: memcpy(out, x, (size_t)n * 4); return 0;
    case CK_F16: ck_fp32_to_fp16_row_portable(x, out, n); return 0;
    case CK_BF16: ck_fp32_to_bf16_row_portable(x, out, n); return 0;
    default: return -1;
    }
}

int ck_quantize_activation(int t, const float *x, void *out, int64_t n) {
    return quantize_activation(active_level(), t, x, out, n);
}

int ck_quantize_activation_portable(int t, const float *x, void *out, int64_t n) {
    return quantize_activation(&levels[0], t, x, out, n);
}

// MARK: dot products and matmul

float ck_vec_dot_at(int level, int t, int64_t n, const void *w, const void *a) {
    const kernel_set *k = kernels_for(t, n, level);
    return k ? k->one(n, w, a) : 0.0f;
}

// Software prefetch ahead in the weight stream (blocks.h, ck_prefetch_l2): one row's bytes per row.
static inline void prefetch_ahead(const char *cur, size_t bytes, const char *end) {
    const char *pf = cur + CK_PREFETCH_BYTES;
    for (size_t off = 0; off < bytes && pf + off < end; off += 64) ck_prefetch_l2(pf + off);
}

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
        // The stream's prefetches run CK_PREFETCH_BYTES ahead of the rows being read, so the start of a
        // row range would be read cold: request it first.
        const char *start = wb + (size_t)row_begin * w_row_bytes;
        for (size_t o = 0; o < CK_PREFETCH_BYTES && start + o < wend; o += 64) ck_prefetch_l2(start + o);
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

int ck_matmul_rows_at(int level, int t, const void *w, size_t w_row_bytes, int64_t n, int64_t row_begin, int64_t row_end,
                      const void *act, size_t act_row_bytes, int64_t tokens, float *y, int64_t y_stride) {
    const kernel_set *found = kernels_for(t, n, level);
    if (!found) return -1;
    const kernel_set k = *found;
    const char *wb = w, *ab = act;
    if (k.tl16) return matmul_lanes(k, wb, w_row_bytes, n, row_begin, row_end, ab, act_row_bytes, tokens, y, y_stride);
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
    return ck_matmul_rows_at(process_level(), t, w, w_row_bytes, n, row_begin, row_end, act, act_row_bytes, tokens,
                             y, y_stride);
}

// MARK: f16 rows (attention)

void ck_fp32_to_fp16_row(const float *x, uint16_t *y, int64_t n) { active_level()->fp32_to_fp16_row(x, y, n); }
float ck_dot_f16_row(int64_t n, const uint16_t *a, const uint16_t *b) { return active_level()->dot_f16_row(n, a, b); }
void ck_round_fp16_row(float *x, int64_t n) { active_level()->round_fp16_row(x, n); }
void ck_axpy_f16(int64_t n, float a, const uint16_t *x, float *y) { active_level()->axpy_f16(n, a, x, y); }
void ck_attn_scores_f16(int64_t hd, const uint16_t *q, const uint16_t *keys, int64_t stride, int64_t lo, int64_t hi,
                        float scale, float *scores) {
    active_level()->attn_scores_f16(hd, q, keys, stride, lo, hi, scale, scores);
}
void ck_attn_values_f16(int64_t hd, const float *w, const uint16_t *values, int64_t stride, int64_t lo, int64_t hi,
                        float *out) {
    active_level()->attn_values_f16(hd, w, values, stride, lo, hi, out);
}
