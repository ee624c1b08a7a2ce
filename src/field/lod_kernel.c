/* lod_kernel.c: the hot loops of the lod solver (see lod_kernel.h). An x
 * line carries a serial dependency from cell to cell, so the x kernels
 * advance LOD_GROUP lines together for instruction-level parallelism (the
 * hardware prefetcher keeps up with these streams); the y and z sweeps run
 * along rows of contiguous values and vectorise across them, and the z
 * sweep, whose rows lie a plane apart, prefetches rows ahead. */
#include "field/lod_kernel.h"
#include "field/source_kernel.h"

/* Lines swept together by the x kernels. */
#define LOD_GROUP 8
/* Rows ahead of the current one that the row sweeps prefetch. */
#define LOD_PREFETCH_ROWS 2

#if defined(__GNUC__)
#define LOD_PREFETCH(p) __builtin_prefetch((p), 1, 3)
#else
#define LOD_PREFETCH(p) ((void)(p))
#endif

/* Back substitution x_i = y_i + up_i x_{i+1} of L lines whose forward
 * sweep left y in c and the last y in yl. */
static inline void lines_back(double *restrict c, size_t stride, const int L, int n,
                              const double *restrict up, double *restrict yl)
{
    for (int i = n - 2; i >= 0; i--) {
        const double u = up[i];
        for (int l = 0; l < L; l++) {
            yl[l] = c[l * stride + i] + u * yl[l];
            c[l * stride + i] = yl[l];
        }
    }
}

/* Backward-Euler x sweep of L lines (L is a constant after inlining, so the
 * per-line carries stay in registers). */
static inline void lines_be(double *restrict c, size_t stride, const int L,
                            const rs_lod_dir *x)
{
    const int n = x->n;
    const double *restrict inv = x->inv, *restrict up = x->up;
    double y[LOD_GROUP];
    if (n == 1) {
        for (int l = 0; l < L; l++)
            c[l * stride] = (c[l * stride] + (x->k_lo + x->k_hi)) * inv[0];
        return;
    }
    for (int l = 0; l < L; l++) {
        y[l] = (c[l * stride] + x->k_lo) * inv[0];
        c[l * stride] = y[l];
    }
    for (int i = 1; i < n - 1; i++) {
        const double iv = inv[i], u = up[i];
        for (int l = 0; l < L; l++) {
            y[l] = c[l * stride + i] * iv + u * y[l];
            c[l * stride + i] = y[l];
        }
    }
    for (int l = 0; l < L; l++) {
        y[l] = (c[l * stride + n - 1] + x->k_hi) * inv[n - 1] + up[n - 1] * y[l];
        c[l * stride + n - 1] = y[l];
    }
    lines_back(c, stride, L, n, up, y);
}

/* Crank-Nicolson x sweep of L lines: the explicit half is formed on the fly
 * from the old values (cm: the old value left of the current cell). */
static inline void lines_cn(double *restrict c, size_t stride, const int L,
                            const rs_lod_dir *x)
{
    const int n = x->n;
    const double r = x->r, w = x->w_mid;
    const double *restrict inv = x->inv, *restrict up = x->up;
    double y[LOD_GROUP], cm[LOD_GROUP];
    if (n == 1) {
        for (int l = 0; l < L; l++)
            c[l * stride] = (x->w_lo * c[l * stride] + (x->k_lo + x->k_hi)) * inv[0];
        return;
    }
    for (int l = 0; l < L; l++) {
        cm[l] = c[l * stride];
        y[l] = ((x->w_lo * cm[l] + r * c[l * stride + 1]) + x->k_lo) * inv[0];
        c[l * stride] = y[l];
    }
    for (int i = 1; i < n - 1; i++) {
        const double iv = inv[i], u = up[i];
        for (int l = 0; l < L; l++) {
            const double old = c[l * stride + i];
            const double e = w * old + r * (cm[l] + c[l * stride + i + 1]);
            y[l] = e * iv + u * y[l];
            c[l * stride + i] = y[l];
            cm[l] = old;
        }
    }
    for (int l = 0; l < L; l++) {
        const double e = (x->w_hi * c[l * stride + n - 1] + r * cm[l]) + x->k_hi;
        y[l] = e * inv[n - 1] + up[n - 1] * y[l];
        c[l * stride + n - 1] = y[l];
    }
    lines_back(c, stride, L, n, up, y);
}

/* x sweeps of lines [l0, l1), in groups of LOD_GROUP and then singly. */
static void lines_range(double *c, size_t stride, int l0, int l1, const rs_lod_dir *x,
                        int cn)
{
    int l = l0;
    for (; l + LOD_GROUP <= l1; l += LOD_GROUP) {
        if (cn)
            lines_cn(c + l * stride, stride, LOD_GROUP, x);
        else
            lines_be(c + l * stride, stride, LOD_GROUP, x);
    }
    for (; l < l1; l++) {
        if (cn)
            lines_cn(c + l * stride, stride, 1, x);
        else
            lines_be(c + l * stride, stride, 1, x);
    }
}

void rs_lod_lines(double *c, size_t stride, int nlines, const rs_lod_dir *x, int cn)
{
    lines_range(c, stride, 0, nlines, x, cn);
}

/* ---- row sweeps (y and z), vectorised across a row ---------------------- */

/* Backward Euler, first row: cur = (cur + k) inv. */
static void row_first_be(double *restrict cur, size_t len, double k, double inv)
{
#pragma omp simd
    for (size_t i = 0; i < len; i++) cur[i] = (cur[i] + k) * inv;
}

/* Backward Euler, forward elimination of an interior row:
 * cur = cur inv + up prv; prefetches pf (may be NULL). */
static void row_fwd_be(double *restrict cur, const double *restrict prv,
                       const double *pf, size_t len, double inv, double up)
{
    size_t i = 0;
    if (pf)
        for (; i + 8 <= len; i += 8) {
            LOD_PREFETCH(pf + i);
#pragma omp simd
            for (size_t q = i; q < i + 8; q++) cur[q] = cur[q] * inv + up * prv[q];
        }
#pragma omp simd
    for (size_t q = i; q < len; q++) cur[q] = cur[q] * inv + up * prv[q];
}

/* Backward Euler, forward elimination of the last row (n > 1):
 * cur = (cur + k) inv + up prv. */
static void row_last_be(double *restrict cur, const double *restrict prv, size_t len,
                        double k, double inv, double up)
{
#pragma omp simd
    for (size_t i = 0; i < len; i++) cur[i] = (cur[i] + k) * inv + up * prv[i];
}

/* Back substitution of a row: cur = cur + up nxt. */
static void row_back(double *restrict cur, const double *restrict nxt, size_t len, double up)
{
#pragma omp simd
    for (size_t i = 0; i < len; i++) cur[i] = cur[i] + up * nxt[i];
}

/* Crank-Nicolson, first row (n > 1): the explicit half from cur and the
 * next row nxt, then cur = e inv; prev receives cur's old values. */
static void row_first_cn(double *restrict cur, const double *restrict nxt,
                         double *restrict prev, size_t len, double w, double r, double k,
                         double inv)
{
#pragma omp simd
    for (size_t i = 0; i < len; i++) {
        const double old = cur[i];
        cur[i] = ((w * old + r * nxt[i]) + k) * inv;
        prev[i] = old;
    }
}

/* Crank-Nicolson, forward elimination of an interior row: the explicit
 * half from cur, the old previous row (prev, then replaced by cur's old
 * values) and the next row nxt; prv is the eliminated previous row. */
static void row_fwd_cn(double *restrict cur, const double *restrict prv,
                       double *restrict prev, const double *restrict nxt, const double *pf,
                       size_t len, double w, double r, double inv, double up)
{
    size_t i = 0;
    if (pf)
        for (; i + 8 <= len; i += 8) {
            LOD_PREFETCH(pf + i);
#pragma omp simd
            for (size_t q = i; q < i + 8; q++) {
                const double old = cur[q];
                const double e = w * old + r * (prev[q] + nxt[q]);
                cur[q] = e * inv + up * prv[q];
                prev[q] = old;
            }
        }
#pragma omp simd
    for (size_t q = i; q < len; q++) {
        const double old = cur[q];
        const double e = w * old + r * (prev[q] + nxt[q]);
        cur[q] = e * inv + up * prv[q];
        prev[q] = old;
    }
}

/* Crank-Nicolson, forward elimination of the last row (n > 1). */
static void row_last_cn(double *restrict cur, const double *restrict prv,
                        const double *restrict prev, size_t len, double w, double r,
                        double k, double inv, double up)
{
#pragma omp simd
    for (size_t i = 0; i < len; i++) {
        const double e = (w * cur[i] + r * prev[i]) + k;
        cur[i] = e * inv + up * prv[i];
    }
}

/* A single-cell direction: cur = (w cur + k) inv for Crank-Nicolson, with
 * w = 1 for backward Euler written as (cur + k) inv. */
static void row_single(double *restrict cur, size_t len, const rs_lod_dir *d, int cn)
{
    const double k = d->k_lo + d->k_hi, inv = d->inv[0], w = d->w_lo;
    if (cn) {
#pragma omp simd
        for (size_t i = 0; i < len; i++) cur[i] = (w * cur[i] + k) * inv;
    } else {
        row_first_be(cur, len, k, inv);
    }
}

/* Forward elimination of rows [m0, m1) (n > 1; row m0 - 1 already
 * eliminated, and for Crank-Nicolson prev holding its old values and row
 * m1 still old when m1 < n); prefetches rows ahead if asked (rows coming
 * from memory rather than cache). */
static void rows_forward(double *c, size_t stride, size_t len, const rs_lod_dir *d, int cn,
                         double *restrict prev, int m0, int m1, int prefetch)
{
    const int n = d->n;
    for (int m = m0; m < m1; m++) {
        double *cur = c + m * stride;
        const double *prv = cur - stride;
        const double *pf =
            prefetch && m + LOD_PREFETCH_ROWS < n ? cur + LOD_PREFETCH_ROWS * stride : NULL;
        if (cn) {
            if (m == 0)
                row_first_cn(cur, cur + stride, prev, len, d->w_lo, d->r, d->k_lo, d->inv[0]);
            else if (m < n - 1)
                row_fwd_cn(cur, prv, prev, cur + stride, pf, len, d->w_mid, d->r, d->inv[m],
                           d->up[m]);
            else
                row_last_cn(cur, prv, prev, len, d->w_hi, d->r, d->k_hi, d->inv[m], d->up[m]);
        } else {
            if (m == 0)
                row_first_be(cur, len, d->k_lo, d->inv[0]);
            else if (m < n - 1)
                row_fwd_be(cur, prv, pf, len, d->inv[m], d->up[m]);
            else
                row_last_be(cur, prv, len, d->k_hi, d->inv[m], d->up[m]);
        }
    }
}

/* Back substitution of all rows. */
static void rows_backward(double *c, size_t stride, size_t len, const rs_lod_dir *d)
{
    for (int m = d->n - 2; m >= 0; m--)
        row_back(c + m * stride, c + (m + 1) * stride, len, d->up[m]);
}

void rs_lod_rows(double *c, size_t stride, size_t len, const rs_lod_dir *d, int cn,
                 double *restrict prev)
{
    if (d->n == 1) {
        row_single(c, len, d, cn);
        return;
    }
    rows_forward(c, stride, len, d, cn, prev, 0, d->n, 1);
    rows_backward(c, stride, len, d);
}

void rs_lod_plane(double *c, const double *s, const double *u, const rs_source_coef *k,
                  const rs_lod_dir *x, const rs_lod_dir *y, int cn, double *restrict prev)
{
    const size_t nx = (size_t)x->n;
    const int ny = y->n;
    int done = 0; /* rows through the x sweep */
    int next = 0; /* first row not yet y-eliminated */
    while (done < ny) {
        const int rows = ny - done >= LOD_GROUP ? LOD_GROUP : 1;
        const size_t off = (size_t)done * nx;
        if (k)
            rs_source_coef_step(c + off, c + off, s ? s + off : NULL, u ? u + off : NULL,
                                nx * (size_t)rows, k);
        lines_range(c, nx, done, done + rows, x, cn);
        done += rows;
        if (ny > 1) {
            /* Crank-Nicolson's explicit half of row m reads row m + 1. */
            const int upto = cn && done < ny ? done - 1 : done;
            rows_forward(c, nx, nx, y, cn, prev, next, upto, 0);
            next = upto;
        }
    }
    if (ny == 1)
        row_single(c, nx, y, cn);
    else
        rows_backward(c, nx, nx, y);
}
