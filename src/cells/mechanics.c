/* mechanics.c: centre-based pair potentials and overdamped motion
 * (regensim/cells.h; equations in docs/cells.md, "Mechanics").
 *
 * Two cells i, j at distance d repel with speed c_r (1 - d/R)^2 while they
 * overlap (d < R = r_i + r_j) and attract with speed c_a (1 - d/A)^2
 * within the adhesion reach A = a_i r_i + a_j r_j, where c_r and c_a are
 * the geometric means of the two types' constants. Motion is overdamped:
 * a cell's velocity is the sum of its pair speeds along the unit vectors
 * from its neighbours, plus its motility, integrated by explicit Euler
 * over dt.mechanics. Each cell sums its own neighbours (the bins are
 * visited in a fixed order and hold their cells by id), so there are no
 * shared writes and the sums are the same for any thread count.
 *
 * The force pass goes bin by bin, each thread through the bins of an equal
 * share of the cells. The 27 bins around a bin (9 in 2D) are 9 runs of
 * three consecutive bins, so 9 ranges of cells: they are gathered into
 * contiguous arrays once for all the bin's cells. For each cell, loops
 * without branches (which the compiler vectorises) drop the candidates
 * farther than a bound on any pair's reach and evaluate the pair speeds of
 * the rest; the velocity is then summed in the neighbourhood's order. The
 * result is that of a plain loop over the 27 bins, bit for bit: the same
 * operations on the same values, added in the same order
 * (tests/test_cell_forces.c checks it). */
#include <math.h>
#include <stddef.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "regensim/cells.h"
#include "regensim/threads.h"

void rs_cell_pair_constants(const rs_cell_mechanics *a, const rs_cell_mechanics *b,
                            double *repulsion, double *adhesion)
{
    *repulsion = sqrt(a->repulsion * b->repulsion);
    *adhesion = sqrt(a->adhesion * b->adhesion);
}

double rs_cell_pair_equilibrium(double R, double A, double cr, double ca)
{
    /* sqrt(cr) (1 - d/R) = sqrt(ca) (1 - d/A) for d < R, else R. */
    if (!(ca > 0) || !(cr > 0)) return R;
    double sr = sqrt(cr), sa = sqrt(ca);
    double denom = sr / R - sa / A;
    if (!(denom > 0)) return 0; /* adhesion wins everywhere: cells collapse */
    double d = (sr - sa) / denom;
    return d < 0 ? 0 : d > R ? R : d;
}

double rs_cell_mechanics_reach(const rs_cell_mechanics *types, const double *radii, int ntypes)
{
    double reach = 0;
    for (int t = 0; t < ntypes; t++) {
        double a = types[t].adhesion_range > 1 ? types[t].adhesion_range : 1;
        reach = fmax(reach, a * radii[t]);
    }
    return 2 * reach;
}

/* What the force pass reads, hoisted out of its loops: the arrays, the
 * per-type tables and the bins' shape. */
typedef struct force_ctx {
    const double *x, *y, *z, *radius;
    const int32_t *type;
    const uint64_t *id;
    const uint32_t *start;
    int nb[3], nz;
    int ntypes;
    const double *arange;  /* per type: adhesion range */
    const double *cr, *ca; /* per ordered pair of types */
    double reach_max;      /* the largest max(adhesion range, 1) * radius of any cell */
} force_ctx;

/* Most candidates gathered at once: a neighbourhood of more (a pile-up
 * of cells) is visited in pieces of this many. */
enum { CHUNK = 256 };
/* The hits' arrays are padded to a multiple of this (a vector's lanes). */
enum { HIT_PAD = 8 };
/* Cells gathered as one block (past a range's end, within the cells). */
enum { BLOCK = 8 };

/* A piece of a neighbourhood, gathered into contiguous arrays in visiting
 * order (bin order), and the work space of one cell's pass over it. */
typedef struct chunk {
    int n;
    double x[CHUNK + BLOCK], y[CHUNK + BLOCK], z[CHUNK + BLOCK];
    uint32_t j[CHUNK + BLOCK]; /* the cells' indices */
    double d2[CHUNK];       /* squared distance to the current cell */
    uint32_t hit[CHUNK];    /* candidates within the bound, in order */
    /* per hit: squared distance, radius, adhesion reach (range x radius),
     * pair constants; pair speed / distance (0: out of reach), overlap */
    double hd2[CHUNK + HIT_PAD], hr[CHUNK + HIT_PAD], har[CHUNK + HIT_PAD];
    double hcr[CHUNK + HIT_PAD], hca[CHUNK + HIT_PAD];
    double s[CHUNK + HIT_PAD];
    int touch[CHUNK + HIT_PAD];
} chunk;

/* The neighbourhood of a bin: nr ranges of cells [from[r], to[r]),
 * `total` cells in all; range r starts at candidate off[r], and range
 * `home` holds the bin's own cells. */
typedef struct hood {
    uint32_t from[9], to[9], off[9];
    int nr, home;
    size_t total;
} hood;

/* Gathers candidates [skip, skip + CHUNK) of the neighbourhood into ch. */
static void gather(const force_ctx *f, const hood *h, size_t skip, chunk *ch)
{
    int n = 0;
    for (int r = 0; r < h->nr && n < CHUNK; r++) {
        const uint32_t len = h->to[r] - h->from[r];
        if (skip >= len) {
            skip -= len;
            continue;
        }
        for (uint32_t j = h->from[r] + (uint32_t)skip; j < h->to[r] && n < CHUNK; j++, n++) {
            ch->x[n] = f->x[j];
            ch->y[n] = f->y[j];
            ch->z[n] = f->z[j];
            ch->j[n] = j;
        }
        skip = 0;
    }
    ch->n = n;
}

/* Gathers the whole neighbourhood (h->total <= CHUNK) of n cells into
 * ch: each range by blocks of BLOCK cells, of fixed size (the excess
 * past a range's end is overwritten by the next range or ignored), as
 * long as they lie within the cells. */
static void gather_whole(const force_ctx *f, const hood *h, uint32_t ncells, chunk *ch)
{
    const double *restrict x = f->x, *restrict y = f->y, *restrict z = f->z;
    double *restrict cx = ch->x, *restrict cy = ch->y, *restrict cz = ch->z;
    uint32_t *restrict cj = ch->j;
    int n = 0;
    for (int r = 0; r < h->nr; r++) {
        const uint32_t to = h->to[r];
        for (uint32_t j = h->from[r]; j < to;) {
            const uint32_t len = to - j < BLOCK ? to - j : BLOCK;
            if (j + BLOCK <= ncells) {
                for (uint32_t q = 0; q < BLOCK; q++) {
                    cx[n + q] = x[j + q];
                    cy[n + q] = y[j + q];
                    cz[n + q] = z[j + q];
                    cj[n + q] = j + q;
                }
            } else {
                for (uint32_t q = 0; q < len; q++) {
                    cx[n + q] = x[j + q];
                    cy[n + q] = y[j + q];
                    cz[n + q] = z[j + q];
                    cj[n + q] = j + q;
                }
            }
            n += (int)len;
            j += len;
        }
    }
    ch->n = n;
}

/* Adds the pair velocities on cell i from the gathered candidates to v
 * and the cells touching it to *touching, in the candidates' order (so
 * the sums are those of a plain loop over the neighbourhood). Candidates
 * farther than a bound on any pair's reach (cell i's own plus the largest
 * of any cell) are dropped on their positions alone; the others get their
 * pair's exact test. The loops over candidates and hits have no branches
 * (the compiler vectorises them); the sum stays sequential. */
static void chunk_pairs(const force_ctx *f, size_t i, long self, chunk *restrict ch,
                        double v[3], int *touching)
{
    const double xi = f->x[i], yi = f->y[i], zi = f->z[i], ri = f->radius[i];
    const int ti = f->type[i];
    const double ai = f->arange[ti], ari = ai * ri;
    const double *restrict cr = f->cr + (size_t)ti * (size_t)f->ntypes;
    const double *restrict ca = f->ca + (size_t)ti * (size_t)f->ntypes;
    const double *restrict arange = f->arange, *restrict radius = f->radius;
    const int32_t *restrict type = f->type;
    const double bound = (ai > 1 ? ari : ri) + f->reach_max, bound2 = bound * bound;
    const int n = ch->n;
    const double *restrict cx = ch->x, *restrict cy = ch->y, *restrict cz = ch->z;
    const uint32_t *restrict cj = ch->j;
    double *restrict cd2 = ch->d2, *restrict hs = ch->s;
    uint32_t *restrict hit = ch->hit;
    int *restrict htouch = ch->touch;
    for (int k = 0; k < n; k++) {
        const double dx = xi - cx[k], dy = yi - cy[k], dz = zi - cz[k];
        cd2[k] = dx * dx + dy * dy + dz * dz;
    }
    if (self >= 0 && self < n) cd2[self] = INFINITY; /* not its own neighbour */
    double *restrict hd2 = ch->hd2, *restrict hr = ch->hr, *restrict har = ch->har;
    double *restrict hcr = ch->hcr, *restrict hca = ch->hca;
    int m = 0;
    for (int k = 0; k < n; k++) {
        hit[m] = (uint32_t)k;
        hd2[m] = cd2[k];
        m += !(cd2[k] >= bound2);
    }
    /* The hits' pair data, contiguous, padded to a whole number of
     * vectors with pairs out of reach. */
    const int mpad = (m + HIT_PAD - 1) / HIT_PAD * HIT_PAD;
    for (int h = 0; h < m; h++) {
        const uint32_t j = cj[hit[h]];
        const int tj = type[j];
        hr[h] = radius[j];
        har[h] = arange[tj] * radius[j];
        hcr[h] = cr[tj];
        hca[h] = ca[tj];
    }
    for (int h = m; h < mpad; h++) {
        hd2[h] = 1;
        hr[h] = har[h] = hcr[h] = hca[h] = 0;
    }
    for (int h = 0; h < mpad; h++) {
        const double d2 = hd2[h], rj = hr[h];
        const double A = ari + har[h];
        const double R = ri + rj;
        const int in = !((d2 >= A * A) & (d2 >= R * R));
        const double d = sqrt(d2);
        /* rs_cell_pair_speed(d, R, A, cr, ca), without branches: the same
         * operations on the same values. */
        const double qr = 1 - d / R, qa = 1 - d / A;
        const double vr = d < R ? hcr[h] * qr * qr : 0.0;
        const double va = d < A ? hca[h] * qa * qa : 0.0;
        hs[h] = in ? (vr - va) / d : 0.0;
        htouch[h] = d2 < R * R;
    }
    double v0 = v[0], v1 = v[1], v2 = v[2];
    int t = 0;
    for (int h = 0; h < m; h++) {
        const uint32_t k = hit[h];
        const double s = hs[h];
        t += htouch[h];
        if (cd2[k] > 0) {
            v0 += s * (xi - cx[k]);
            v1 += s * (yi - cy[k]);
            v2 += s * (zi - cz[k]);
        } else {
            /* Coincident centres: the cell with the larger id moves +x,
             * the other -x, at full repulsion. */
            v0 += (f->id[i] > f->id[cj[k]] ? 1.0 : -1.0) * cr[type[cj[k]]];
        }
    }
    v[0] = v0;
    v[1] = v1;
    v[2] = v2;
    *touching += t;
}

/* Sets cell i's velocity (0 when it cannot move) and neighbour count. */
static inline void set_cell(rs_cells *c, const rs_cell_mechanics *types, size_t i,
                            const double v[3], int touching)
{
    c->neighbours[i] = touching;
    const int still = types[c->type[i]].fixed || c->phase[i] != RS_CELL_ALIVE;
    c->vx[i] = still ? 0 : v[0];
    c->vy[i] = still ? 0 : v[1];
    c->vz[i] = still || c->dims == 2 ? 0 : v[2];
}

/* The forces on the cells of bins [lo, hi). The bins of one row (along
 * x) hold their cells contiguously, so the 27 (9 in 2D) bins around a bin
 * are 9 (3) ranges of cells, visited in bin order. */
static void bins_forces(const force_ctx *f, rs_cells *c, const rs_cell_mechanics *types,
                        size_t lo, size_t hi, chunk *ch)
{
    const int n0 = f->nb[0], n1 = f->nb[1], n2 = f->nb[2];
    const uint32_t *start = f->start;
    int bi = (int)(lo % (size_t)n0), bj = (int)(lo / (size_t)n0 % (size_t)n1),
        bk = (int)(lo / ((size_t)n0 * (size_t)n1));
    for (size_t home = lo; home < hi; home++) {
        if (start[home + 1] > start[home]) {
            /* Each neighbouring row's bins bi-1..bi+1, cut to the grid. */
            hood h = {.nr = 0, .home = 0, .total = 0};
            const int ilo = bi > 0 ? bi - 1 : 0, ihi = bi + 1 < n0 ? bi + 1 : n0 - 1;
            for (int k = bk - f->nz; k <= bk + f->nz; k++) {
                if (k < 0 || k >= n2) continue;
                for (int j = bj - 1; j <= bj + 1; j++) {
                    if (j < 0 || j >= n1) continue;
                    const size_t row = (size_t)n0 * ((size_t)j + (size_t)n1 * (size_t)k);
                    if (j == bj && k == bk) h.home = h.nr;
                    h.from[h.nr] = start[row + (size_t)ilo];
                    h.to[h.nr] = start[row + (size_t)ihi + 1];
                    h.off[h.nr] = (uint32_t)h.total;
                    h.total += h.to[h.nr] - h.from[h.nr];
                    h.nr++;
                }
            }
            if (h.total <= CHUNK) gather_whole(f, &h, (uint32_t)c->n, ch);
            for (uint32_t i = start[home]; i < start[home + 1]; i++) {
                double v[3] = {0, 0, 0};
                int touching = 0;
                /* The cell's own place among the candidates. */
                const long self = (long)h.off[h.home] + (long)(i - h.from[h.home]);
                if (h.total <= CHUNK) {
                    chunk_pairs(f, i, self, ch, v, &touching);
                } else {
                    for (size_t skip = 0; skip < h.total; skip += CHUNK) {
                        gather(f, &h, skip, ch);
                        chunk_pairs(f, i, self - (long)skip, ch, v, &touching);
                    }
                }
                set_cell(c, types, i, v, touching);
            }
        }
        if (++bi == n0) {
            bi = 0;
            if (++bj == n1) {
                bj = 0;
                bk++;
            }
        }
    }
}

void rs_cell_forces(rs_cells *c, const rs_neighbour_bins *b, const rs_cell_mechanics *types,
                    int ntypes)
{
    /* Per type and per ordered pair of types (small: types^2). */
    enum { MAXT = RS_CELLS_MAX_TYPES };
    double cr[MAXT * MAXT], ca[MAXT * MAXT], arange[MAXT];
    const int nt = ntypes < MAXT ? ntypes : MAXT;
    for (int s = 0; s < nt; s++) {
        arange[s] = types[s].adhesion_range;
        for (int t = 0; t < nt; t++)
            rs_cell_pair_constants(&types[s], &types[t], &cr[s * nt + t], &ca[s * nt + t]);
    }
    const long n = (long)c->n;
    if (n == 0) return;
    force_ctx f = {c->x, c->y, c->z, c->radius, c->type, c->id, b->start,
                   {b->nb[0], b->nb[1], b->nb[2]}, b->dims == 3 ? 1 : 0, nt,
                   arange, cr, ca, 0};
    /* In one parallel region: the largest reach of any cell (a reduction,
     * complete at the loop's barrier), then the forces. Each thread takes
     * the bins of an equal share of the cells: the bins from that of its
     * first cell (c->key: the bin build left each cell's bin there) to
     * that of the next thread's first. */
    double reach_max = 0;
#pragma omp parallel num_threads(rs_threads_team(c->n, c->min_work))
    {
#pragma omp for schedule(static) reduction(max : reach_max)
        for (long i = 0; i < n; i++) {
            const int t = c->type[i];
            const double r = arange[t] > 1 ? arange[t] * c->radius[i] : c->radius[i];
            reach_max = r > reach_max ? r : reach_max;
        }
#ifdef _OPENMP
        const long nth = omp_get_num_threads(), tid = omp_get_thread_num();
#else
        const long nth = 1, tid = 0;
#endif
        const long c0 = n * tid / nth, c1 = n * (tid + 1) / nth;
        const size_t lo = c0 < n ? c->key[c0] : b->nbins;
        const size_t hi = c1 < n ? c->key[c1] : b->nbins;
        force_ctx fc = f;
        fc.reach_max = reach_max;
        chunk ch;
        if (lo < hi) bins_forces(&fc, c, types, lo, hi, &ch);
    }
}

/* Reflects coordinate v into [0, L]; returns -1 when it was reflected
 * (so the caller flips the direction), else 1. */
static inline double reflect(double *v, double L)
{
    double s = 1;
    if (*v < 0) {
        *v = -*v;
        s = -1;
    }
    if (*v > L) {
        *v = 2 * L - *v;
        s = -s;
    }
    if (*v < 0) *v = 0; /* a jump longer than the domain */
    return s;
}

void rs_cell_move(rs_cells *c, const double size[3], double dt)
{
    const long n = (long)c->n;
    const int three = c->dims == 3;
#pragma omp parallel for schedule(static) num_threads(rs_threads_team(c->n, c->min_work))
    for (long i = 0; i < n; i++) {
        c->x[i] += dt * c->vx[i];
        c->y[i] += dt * c->vy[i];
        c->ux[i] *= reflect(&c->x[i], size[0]);
        c->uy[i] *= reflect(&c->y[i], size[1]);
        if (three) {
            c->z[i] += dt * c->vz[i];
            c->uz[i] *= reflect(&c->z[i], size[2]);
        }
    }
}
