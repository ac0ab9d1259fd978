/* SPDX-License-Identifier: MIT */
/* ens_simd_avx512.c: the vector ensemble step for AVX-512 (F and BW),
 * compiled for it alone (CMakeLists.txt); run only where the processor
 * has it. */
#define MP_SIMD_W 64
#include "ens_simd_body.h"
