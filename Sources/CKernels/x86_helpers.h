// Small AVX2 helpers shared by the x86 kernel files. Included inside each file's
// `#pragma clang attribute push(target(...))` region, so they compile for that target.
#ifndef CKERNELS_X86_HELPERS_H
#define CKERNELS_X86_HELPERS_H

static inline float hsum8(__m256 x) {
    __m128 r = _mm_add_ps(_mm256_extractf128_ps(x, 1), _mm256_castps256_ps128(x));
    r = _mm_add_ps(r, _mm_movehl_ps(r, r));
    r = _mm_add_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}

static inline int hsum_i32(__m256i x) {
    __m128i r = _mm_add_epi32(_mm256_extracti128_si256(x, 1), _mm256_castsi256_si128(x));
    r = _mm_add_epi32(r, _mm_shuffle_epi32(r, 0x4E));
    r = _mm_add_epi32(r, _mm_shuffle_epi32(r, 0xB1));
    return _mm_cvtsi128_si32(r);
}

// Block scales are read as two adjacent halves with one zero-extending 32-bit load. A scalar
// _cvtsh_ss is lowered to vpinsrw into a live register: a false dependency that chained
// every block of a dot product to the previous one (the Q4_1 kernel ran 2× slower).
static inline __m128 h2x(const void *p) { return _mm_cvtph_ps(_mm_loadu_si32(p)); }

/// Σ_j m_j·(bsums[2j] + bsums[2j+1]) of a Q8_K block as one vpmaddwd (the same integer as a scalar loop).
static inline int k_mins_dot(const int16_t *bsums, const uint8_t m[8]) {
    __m128i m8 = _mm_loadl_epi64((const __m128i *)m);
    __m256i m16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));
    return hsum_i32(_mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)bsums), m16));
}

/// The integer sum Σ_j sc_j·(sub-block j of a Q4_K super-block · the activations), in 8 int32 lanes
/// (vpmaddubsw cannot saturate here: 4-bit × 8-bit pairs). Shared by the AVX2 and AVX-512 one-token kernels.
static inline __m256i q4_K_block_sumi(const blk_q4_K *w, const blk_q8_K *a, const uint8_t sc[8]) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256i sumi = _mm256_setzero_si256();
    for (int c = 0; c < 4; c++) {
        __m256i q = _mm256_loadu_si256((const __m256i *)(w->qs + 32 * c));
        __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
        __m256i y0 = _mm256_loadu_si256((const __m256i *)(a->qs + 64 * c));
        __m256i y1 = _mm256_loadu_si256((const __m256i *)(a->qs + 64 * c + 32));
        __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, y0), _mm256_set1_epi16(sc[2 * c]));
        __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, y1), _mm256_set1_epi16(sc[2 * c + 1]));
        sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(p0, p1));
    }
    return sumi;
}

#endif
