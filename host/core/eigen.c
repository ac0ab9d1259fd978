/* SPDX-License-Identifier: MIT */
/* eigen.c: eigenvalues of small real nonsymmetric matrices (eigen.h). */
#include <float.h>
#include <math.h>
#include <stddef.h>

#include "metaplast/private/eigen.h"

#define H(i, j) A[(size_t)(i) * (size_t)n + (size_t)(j)]
#define ITERATIONS 30 /* times max(n, 10) per eigenvalue, as dlahqr */

/* Parlett & Reinsch: D^-1 A D with D diagonal powers of 2 (exact), each
 * row and its column brought to similar norms.  The eigenvalues do not
 * change; the norm the QR's rounding errors scale with drops (a cascade's
 * probabilities span 2^-31 to 1). */
static void balance(long double *A, int n)
{
    int done = 0, i, j;
    while (!done) {
        done = 1;
        for (i = 0; i < n; i++) {
            long double c = 0.0L, r = 0.0L, cf2, f = 1.0L;
            for (j = 0; j < n; j++)
                if (j != i) {
                    c += fabsl(H(j, i));
                    r += fabsl(H(i, j));
                }
            if (c == 0.0L || r == 0.0L)
                continue;
            /* cf2 = c f^2: the column's norm c f against the row's r / f. */
            for (cf2 = c; cf2 < r / 2.0L; cf2 *= 4.0L)
                f *= 2.0L;
            for (; cf2 >= 2.0L * r; cf2 /= 4.0L)
                f /= 2.0L;
            if ((cf2 + r) / f >= 0.95L * (c + r))
                continue;
            done = 0;
            for (j = 0; j < n; j++) {
                H(i, j) /= f;
                H(j, i) *= f;
            }
        }
    }
}

/* Householder reduction to upper Hessenberg form, A <- P A P; the
 * reflector of column k is kept below its subdiagonal until applied. */
static void hessenberg(long double *A, int n)
{
    int i, j, k;
    for (k = 0; k + 2 < n; k++) {
        long double scale = 0.0L, h = 0.0L, g;
        for (i = k + 1; i < n; i++)
            scale += fabsl(H(i, k));
        if (scale == 0.0L)
            continue;
        for (i = k + 1; i < n; i++) {
            H(i, k) /= scale;
            h += H(i, k) * H(i, k);
        }
        /* v = x - g e1 with g = -sign(x1) |x|; P = I - v v^T / h. */
        g = -copysignl(sqrtl(h), H(k + 1, k));
        h -= H(k + 1, k) * g;
        H(k + 1, k) -= g;
        for (j = k + 1; j < n; j++) {
            long double f = 0.0L;
            for (i = k + 1; i < n; i++)
                f += H(i, k) * H(i, j);
            for (f /= h, i = k + 1; i < n; i++)
                H(i, j) -= f * H(i, k);
        }
        for (i = 0; i < n; i++) {
            long double f = 0.0L;
            for (j = k + 1; j < n; j++)
                f += H(i, j) * H(j, k);
            for (f /= h, j = k + 1; j < n; j++)
                H(i, j) -= f * H(j, k);
        }
        H(k + 1, k) = scale * g;
        for (i = k + 2; i < n; i++)
            H(i, k) = 0.0L;
    }
}

/* I - beta v v^T with v = (1, v1, v2) maps (x, y, z) to (alpha, 0, 0).
 * Returns 0 (no reflector) if x = y = z = 0. */
static int reflector(long double x, long double y, long double z,
                     long double v[3], long double *beta, long double *alpha)
{
    const long double s = fabsl(x) + fabsl(y) + fabsl(z);
    long double a;
    if (s == 0.0L)
        return 0;
    x /= s;
    y /= s;
    z /= s;
    a = -copysignl(sqrtl(x * x + y * y + z * z), x);
    v[0] = 1.0L;
    v[1] = y / (x - a); /* |x - a| = |x| + |a| > 0 */
    v[2] = z / (x - a);
    *beta = (a - x) / a;
    *alpha = a * s;
    return 1;
}

/* The reflector on rows r..r+m-1 (m = 2 or 3), columns c0..c1, from the
 * left; then on those columns, rows c0'..c1', from the right. */
static void reflect(long double *A, int n, int r, int m, const int cols[2],
                    const int rows[2], const long double v[3], long double beta)
{
    const long double v2 = m == 3 ? v[2] : 0.0L;
    int i, j;
    for (j = cols[0]; j <= cols[1]; j++) {
        long double t = H(r, j) + v[1] * H(r + 1, j);
        if (m == 3)
            t += v2 * H(r + 2, j);
        t *= beta;
        H(r, j) -= t;
        H(r + 1, j) -= t * v[1];
        if (m == 3)
            H(r + 2, j) -= t * v2;
    }
    for (i = rows[0]; i <= rows[1]; i++) {
        long double t = H(i, r) + v[1] * H(i, r + 1);
        if (m == 3)
            t += v2 * H(i, r + 2);
        t *= beta;
        H(i, r) -= t;
        H(i, r + 1) -= t * v[1];
        if (m == 3)
            H(i, r + 2) -= t * v2;
    }
}

/* One Francis double-shift step on the unreduced window l..h (h - l >= 2)
 * with shifts sr[k] + i si[k] (a conjugate pair or two reals): chases
 * the bulge down.  The first column of (H - s1)(H - s2) is formed from
 * H(l,l) - s, scaled, as LAPACK's dlahqr does: shifts that are close to
 * eigenvalues do not cancel it away. */
static void francis(long double *A, int n, int l, int h,
                    const long double sr[2], const long double si[2])
{
    long double x, y, z, v[3], beta, alpha, h21, s;
    int k;
    h21 = H(l + 1, l);
    s = fabsl(H(l, l) - sr[1]) + fabsl(si[1]) + fabsl(h21);
    h21 /= s;
    x = h21 * H(l, l + 1) + (H(l, l) - sr[0]) * ((H(l, l) - sr[1]) / s) -
        si[0] * (si[1] / s);
    y = h21 * (H(l, l) + H(l + 1, l + 1) - sr[0] - sr[1]);
    z = h21 * H(l + 2, l + 1);
    for (k = l; k <= h - 2; k++) {
        if (reflector(x, y, z, v, &beta, &alpha)) {
            const int cols[2] = {k > l ? k - 1 : l, h};
            const int rows[2] = {l, k + 3 < h ? k + 3 : h};
            reflect(A, n, k, 3, cols, rows, v, beta);
            if (k > l) {
                H(k, k - 1) = alpha;
                H(k + 1, k - 1) = 0.0L;
                H(k + 2, k - 1) = 0.0L;
            }
        }
        x = H(k + 1, k);
        y = H(k + 2, k);
        z = k + 3 <= h ? H(k + 3, k) : 0.0L;
    }
    if (reflector(x, y, 0.0L, v, &beta, &alpha)) {
        const int cols[2] = {h - 2, h}, rows[2] = {l, h};
        reflect(A, n, h - 1, 2, cols, rows, v, beta);
        H(h - 1, h - 2) = alpha;
        H(h, h - 2) = 0.0L;
    }
}

/* The eigenvalues of [[a, b], [c, d]], the larger imaginary part first. */
static void pair(long double a, long double b, long double c, long double d,
                 long double *re, long double *im)
{
    const long double p = 0.5L * (a - d), q = p * p + b * c;
    if (q >= 0.0L) {
        const long double z = p + copysignl(sqrtl(q), p);
        re[0] = d + z;
        re[1] = z != 0.0L ? d - b * c / z : d + z; /* no cancellation */
        im[0] = im[1] = 0.0L;
    } else {
        re[0] = re[1] = d + p;
        im[0] = sqrtl(-q);
        im[1] = -im[0];
    }
}

/* The start l of the unreduced window ending at h: a subdiagonal entry
 * below eps times its diagonal neighbours is set to 0. */
static int window(long double *A, int n, int h, long double norm)
{
    int k;
    for (k = h; k > 0; k--) {
        long double s = fabsl(H(k - 1, k - 1)) + fabsl(H(k, k));
        if (s == 0.0L)
            s = norm;
        if (fabsl(H(k, k - 1)) <= LDBL_EPSILON * s) {
            H(k, k - 1) = 0.0L;
            return k;
        }
    }
    return 0;
}

/* The shifts of the its-th step on the window l..h: the eigenvalues of
 * the trailing 2 x 2 block, a real pair replaced by twice the one nearer
 * to H(h,h); at steps 10 and 20 (of every 30) an exceptional pair from
 * the top or the bottom subdiagonal, which breaks cycles (as dlahqr). */
static void shifts(long double *A, int n, int l, int h, int its,
                   long double sr[2], long double si[2])
{
    if (its % 30 == 10 || its % 30 == 20) {
        const int top = its % 30 == 10;
        const long double s = top ? fabsl(H(l + 1, l)) + fabsl(H(l + 2, l + 1))
                                  : fabsl(H(h, h - 1)) + fabsl(H(h - 1, h - 2));
        sr[0] = sr[1] = 0.75L * s + (top ? H(l, l) : H(h, h));
        si[0] = s * sqrtl(0.4375L);
        si[1] = -si[0];
        return;
    }
    pair(H(h - 1, h - 1), H(h - 1, h), H(h, h - 1), H(h, h), sr, si);
    if (si[0] == 0.0L) {
        const int k = fabsl(sr[0] - H(h, h)) <= fabsl(sr[1] - H(h, h)) ? 0 : 1;
        sr[0] = sr[1] = sr[k];
    }
}

int mp__eigen(long double *A, uint32_t size, long double *re, long double *im)
{
    const int n = (int)size;
    const int limit = ITERATIONS * (n > 10 ? n : 10);
    long double norm = 0.0L, sr[2], si[2];
    int h = n - 1, its = 0, i;
    balance(A, n);
    hessenberg(A, n);
    for (i = 0; i < n * n; i++)
        norm += fabsl(A[i]);
    while (h >= 0) {
        const int l = window(A, n, h, norm);
        if (l == h) {
            re[h] = H(h, h);
            im[h] = 0.0L;
            h--;
            its = 0;
        } else if (l == h - 1) {
            pair(H(h - 1, h - 1), H(h - 1, h), H(h, h - 1), H(h, h),
                 re + h - 1, im + h - 1);
            h -= 2;
            its = 0;
        } else if (++its > limit) {
            return -1;
        } else {
            shifts(A, n, l, h, its, sr, si);
            francis(A, n, l, h, sr, si);
        }
    }
    return 0;
}
