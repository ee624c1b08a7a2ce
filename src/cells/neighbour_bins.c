/* neighbour_bins.c: a uniform grid of bins over the domain, at least as
 * wide as the longest interaction, rebuilt over the cells at every
 * mechanics step by counting sort (regensim/cells.h). The cells' arrays
 * are reordered by bin, so the force pass reads each bin's cells from
 * contiguous memory; within a bin they are ordered by id, which makes the
 * storage order (and so every sum over neighbours) a function of the
 * positions and ids alone. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/cells.h"
#include "regensim/threads.h"

/* Most bins a grid may have: beyond it the bins are made wider. */
#define MAX_BINS (1u << 26)

void rs_neighbour_bins_destroy(rs_neighbour_bins *b)
{
    if (!b) return;
    free(b->start);
    free(b);
}

rs_status rs_neighbour_bins_create(rs_neighbour_bins **out, int dims, const double size[3],
                                   double reach, rs_error *err)
{
    *out = NULL;
    if (!(reach > 0) || !isfinite(reach))
        return rs_error_set(err, RS_EINVAL, "neighbour bins: reach %g; expected > 0", reach);
    rs_neighbour_bins *b = calloc(1, sizeof *b);
    if (!b) return rs_error_set(err, RS_ENOMEM, "out of memory for neighbour bins");
    b->dims = dims;
    double edge = reach;
    for (;;) {
        size_t nbins = 1;
        for (int d = 0; d < 3; d++) {
            int n = 1;
            if (d < dims) {
                double k = floor(size[d] / edge);
                n = k < 1 ? 1 : k > 1e6 ? 1000000 : (int)k;
            }
            b->nb[d] = n;
            b->edge[d] = d < dims ? size[d] / n : 1.0;
            nbins *= (size_t)n;
        }
        b->nbins = nbins;
        if (nbins <= MAX_BINS) break;
        edge *= 1.25;
    }
    b->start = calloc(b->nbins + 1, sizeof *b->start);
    if (!b->start) {
        rs_neighbour_bins_destroy(b);
        return rs_error_set(err, RS_ENOMEM, "out of memory for neighbour bins");
    }
    *out = b;
    return RS_OK;
}

/* The bin index along one axis, clamped to the grid. */
static inline int axis_bin(double v, double edge, int n)
{
    if (!(v > 0)) return 0; /* (NaN too: never cast to int) */
    if (v / edge >= n) return n - 1;
    int k = (int)(v / edge);
    return k < 0 ? 0 : k >= n ? n - 1 : k;
}

size_t rs_neighbour_bins_of(const rs_neighbour_bins *b, double x, double y, double z)
{
    size_t i = (size_t)axis_bin(x, b->edge[0], b->nb[0]);
    size_t j = (size_t)axis_bin(y, b->edge[1], b->nb[1]);
    size_t k = b->dims == 3 ? (size_t)axis_bin(z, b->edge[2], b->nb[2]) : 0;
    return i + (size_t)b->nb[0] * (j + (size_t)b->nb[1] * k);
}

/* Insertion sort of perm[lo, hi) by the cells' ids: bins hold a few
 * cells, mostly already in order from the previous step. */
static void sort_by_id(uint32_t *perm, size_t lo, size_t hi, const uint64_t *id)
{
    for (size_t i = lo + 1; i < hi; i++) {
        uint32_t p = perm[i];
        uint64_t key = id[p];
        size_t j = i;
        while (j > lo && id[perm[j - 1]] > key) {
            perm[j] = perm[j - 1];
            j--;
        }
        perm[j] = p;
    }
}

void rs_neighbour_bins_build(rs_neighbour_bins *b, rs_cells *c)
{
    const long n = (long)c->n;
    uint32_t *key = c->key, *perm = c->perm, *start = b->start;
#pragma omp parallel for schedule(static) num_threads(rs_threads_team(c->n, c->min_work))
    for (long i = 0; i < n; i++) key[i] = (uint32_t)rs_neighbour_bins_of(b, c->x[i], c->y[i], c->z[i]);
    /* Counting sort: counts, exclusive prefix, stable scatter. */
    memset(start, 0, (b->nbins + 1) * sizeof *start);
    for (long i = 0; i < n; i++) start[key[i] + 1]++;
    for (size_t k = 0; k < b->nbins; k++) start[k + 1] += start[k];
    for (long i = 0; i < n; i++) perm[start[key[i]]++] = (uint32_t)i;
    /* The scatter advanced every start to its bin's end: shift back. */
    for (size_t k = b->nbins; k > 0; k--) start[k] = start[k - 1];
    start[0] = 0;
    /* Each bin's cells by id; and key[i] becomes the bin of cell i in the
     * new order (the force pass reads it), known from start alone. */
    const long nbins = (long)b->nbins;
#pragma omp parallel for schedule(dynamic, 4096) num_threads(rs_threads_team(c->n, c->min_work))
    for (long k = 0; k < nbins; k++) {
        if (start[k + 1] - start[k] > 1) sort_by_id(perm, start[k], start[k + 1], c->id);
        for (uint32_t j = start[k]; j < start[k + 1]; j++) key[j] = (uint32_t)k;
    }
    rs_cells_permute(c, perm);
}
