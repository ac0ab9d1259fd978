/* SPDX-License-Identifier: MIT */
/* eigen.h (private): eigenvalues of a small real nonsymmetric matrix. */
#ifndef METAPLAST_PRIVATE_EIGEN_H
#define METAPLAST_PRIVATE_EIGEN_H

#include <stdint.h>

/*
 * The n eigenvalues of the n x n real matrix A (row-major; overwritten),
 * in long double: balancing by powers of 2 (exact), Householder reduction
 * to upper Hessenberg form, then Francis double-shift QR with deflation
 * (Golub & Van Loan, Matrix Computations, sections 7.4-7.5).  Eigenvalue
 * k is re[k] + i im[k]; a complex pair comes out as two consecutive
 * entries with im of opposite signs, the positive first.  The order is
 * otherwise unspecified.  Each eigenvalue has a backward error of a few
 * ulp of long double times the norm of the balanced matrix; its forward
 * error also depends on its condition.  Returns 0, or -1 if an
 * eigenvalue did not converge in 30 max(n, 10) iterations (LAPACK's
 * limit; the caller reports it).
 */
int mp__eigen(long double *A, uint32_t n, long double *re, long double *im);

#endif
