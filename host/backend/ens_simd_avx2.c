/* SPDX-License-Identifier: MIT */
/* ens_simd_avx2.c: the vector ensemble step for AVX2, compiled for it
 * alone (CMakeLists.txt); run only where the processor has it. */
#define MP_SIMD_W 32
#include "ens_simd_body.h"
