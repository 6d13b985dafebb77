// The type table of ckernels.h as data, and the activation row sizes that follow from it.
#include "blocks.h"

#define CK_TYPE_ROW(name, id, elements, bytes, dot) [id] = { #name, elements, bytes, dot },
static const ck_type_traits type_table[CK_TYPE_COUNT] = { CK_TYPES(CK_TYPE_ROW) };
#undef CK_TYPE_ROW

const ck_type_traits *ck_type_traits_of(int t) {
    return t >= 0 && t < CK_TYPE_COUNT && type_table[t].name ? &type_table[t] : NULL;
}

int ck_vec_dot_type(int t) {
    const ck_type_traits *traits = ck_type_traits_of(t);
    return traits ? traits->vec_dot_type : -1;
}

size_t ck_activation_row_bytes(int t, int64_t n) {
    int dot = ck_vec_dot_type(t);
    if (dot < 0) return 0;
    if (dot == CK_Q8_0 && ck_q8_0_has_extras(n))
        return ck_q8_0_extras_offset(n) + (size_t)(n / QK / 2) * CK_PAIR_BYTES;
    const ck_type_traits *a = &type_table[dot];
    return (size_t)(n / a->block_elements) * (size_t)a->block_bytes;
}
