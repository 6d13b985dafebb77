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

#endif
