/* population.c: the cell store (regensim/cells.h): one array per quantity,
 * grown by doubling, with appends, order-keeping compaction and
 * permutation. The arrays of one population are listed once (the
 * array_list below) so that growing, compacting and permuting cannot miss
 * one when a quantity is added. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/alloc.h"
#include "regensim/cells.h"
#include "regensim/threads.h"

/* Every per-cell array of the state, with its element size. */
typedef struct cell_array {
    void **slot;
    size_t size;
} cell_array;

enum { MAX_ARRAYS = 16 + RS_CELLS_MAX_STATES };

/* Fills list with c's state arrays (not the work space); returns how many. */
static int array_list(rs_cells *c, cell_array *list)
{
    int k = 0;
    list[k++] = (cell_array){(void **)&c->id, sizeof *c->id};
    list[k++] = (cell_array){(void **)&c->type, sizeof *c->type};
    list[k++] = (cell_array){(void **)&c->phase, sizeof *c->phase};
    list[k++] = (cell_array){(void **)&c->x, sizeof(double)};
    list[k++] = (cell_array){(void **)&c->y, sizeof(double)};
    list[k++] = (cell_array){(void **)&c->z, sizeof(double)};
    list[k++] = (cell_array){(void **)&c->ux, sizeof(double)};
    list[k++] = (cell_array){(void **)&c->uy, sizeof(double)};
    list[k++] = (cell_array){(void **)&c->uz, sizeof(double)};
    list[k++] = (cell_array){(void **)&c->radius, sizeof(double)};
    list[k++] = (cell_array){(void **)&c->volume, sizeof(double)};
    list[k++] = (cell_array){(void **)&c->age, sizeof(double)};
    list[k++] = (cell_array){(void **)&c->neighbours, sizeof(double)};
    list[k++] = (cell_array){(void **)&c->pace, sizeof(double)};
    list[k++] = (cell_array){(void **)&c->bias, sizeof(double)};
    for (int s = 0; s < c->nstates; s++)
        list[k++] = (cell_array){(void **)&c->state[s], sizeof(double)};
    return k;
}

/* The kernels' work space, same capacity. */
static int work_list(rs_cells *c, cell_array *list)
{
    int k = 0;
    list[k++] = (cell_array){(void **)&c->vx, sizeof(double)};
    list[k++] = (cell_array){(void **)&c->vy, sizeof(double)};
    list[k++] = (cell_array){(void **)&c->vz, sizeof(double)};
    list[k++] = (cell_array){(void **)&c->key, sizeof(uint32_t)};
    list[k++] = (cell_array){(void **)&c->perm, sizeof(uint32_t)};
    list[k++] = (cell_array){(void **)&c->scratch, 8};
    return k;
}

size_t rs_cells_bytes_per_cell(int nstates)
{
    /* id 8, type 4, phase 4, position 24, direction 24, radius, volume,
     * age, neighbours, pace, bias 48, states; work: velocity 24, key 4,
     * perm 4, scratch 8. */
    return 8 + 4 + 4 + 24 + 24 + 48 + 8 * (size_t)nstates + 24 + 4 + 4 + 8;
}

double rs_cells_volume_of(int dims, double r)
{
    return dims == 2 ? RS_CELLS_PI * r * r : 4.0 / 3.0 * RS_CELLS_PI * r * r * r;
}

double rs_cells_radius_of(int dims, double volume)
{
    return dims == 2 ? sqrt(volume / RS_CELLS_PI) : cbrt(volume * 3.0 / (4.0 * RS_CELLS_PI));
}

/* Frees every array and c. NULL is allowed. */
void rs_cells_destroy(rs_cells *c)
{
    if (!c) return;
    cell_array list[MAX_ARRAYS];
    int n = array_list(c, list);
    for (int i = 0; i < n; i++) rs_free_aligned(*list[i].slot);
    n = work_list(c, list);
    for (int i = 0; i < n; i++) rs_free_aligned(*list[i].slot);
    free(c);
}

rs_status rs_cells_create(rs_cells **out, int dims, int nstates, size_t capacity,
                          rs_error *err)
{
    *out = NULL;
    if (dims != 2 && dims != 3)
        return rs_error_set(err, RS_EINVAL, "cells: %d dimensions; expected 2 or 3", dims);
    if (nstates < 0 || nstates > RS_CELLS_MAX_STATES)
        return rs_error_set(err, RS_EINVAL,
                            "cells: %d state variables per cell; expected 0 to %d", nstates,
                            RS_CELLS_MAX_STATES);
    rs_cells *c = calloc(1, sizeof *c);
    if (!c) return rs_error_set(err, RS_ENOMEM, "out of memory for the cells");
    c->dims = dims;
    c->nstates = nstates;
    rs_status s = rs_threads_min_work(RS_CELLS_WORK_PER_THREAD, "cells", &c->min_work, err);
    if (s == RS_OK) s = rs_cells_reserve(c, capacity > 16 ? capacity : 16, err);
    if (s != RS_OK) {
        rs_cells_destroy(c);
        return s;
    }
    *out = c;
    return RS_OK;
}

/* Moves the first n elements of each listed array into a new allocation of
 * cap elements; on failure frees the new ones and leaves the old. */
static int grow_arrays(cell_array *list, int k, size_t n, size_t cap)
{
    void *fresh[MAX_ARRAYS];
    for (int i = 0; i < k; i++) {
        fresh[i] = rs_alloc_aligned(cap * list[i].size);
        if (!fresh[i]) {
            while (i-- > 0) rs_free_aligned(fresh[i]);
            return -1;
        }
    }
    for (int i = 0; i < k; i++) {
        if (n) memcpy(fresh[i], *list[i].slot, n * list[i].size);
        rs_free_aligned(*list[i].slot);
        *list[i].slot = fresh[i];
    }
    return 0;
}

rs_status rs_cells_reserve(rs_cells *c, size_t capacity, rs_error *err)
{
    if (capacity <= c->cap) return RS_OK;
    if (capacity > RS_CELLS_MAX)
        return rs_error_set(err, RS_ETOOBIG, "cells: room for %zu cells asked; at most %zu",
                            capacity, (size_t)RS_CELLS_MAX);
    size_t cap = c->cap ? c->cap : 16;
    while (cap < capacity) cap = cap > RS_CELLS_MAX / 2 ? RS_CELLS_MAX : 2 * cap;
    const double bytes = (double)cap * (double)rs_cells_bytes_per_cell(c->nstates);
    if (bytes > rs_memory_available())
        return rs_error_set(err, RS_ETOOBIG,
                            "cells: %zu cells need %.3g GB; this machine has %.3g GB", cap,
                            bytes / 1e9, rs_memory_available() / 1e9);
    cell_array list[MAX_ARRAYS];
    int k = array_list(c, list);
    k += work_list(c, list + k);
    if (grow_arrays(list, k, c->n, cap) != 0)
        return rs_error_set(err, RS_ENOMEM, "out of memory for %zu cells", cap);
    c->cap = cap;
    return RS_OK;
}

rs_status rs_cells_add(rs_cells *c, int type, double x, double y, double z, double radius,
                       size_t *index, rs_error *err)
{
    if (c->n == c->cap) {
        rs_status s = rs_cells_reserve(c, c->n + 1, err);
        if (s != RS_OK) return s;
    }
    size_t i = c->n++;
    c->id[i] = c->next_id++;
    c->type[i] = type;
    c->phase[i] = RS_CELL_ALIVE;
    c->x[i] = x;
    c->y[i] = y;
    c->z[i] = c->dims == 2 ? 0.0 : z;
    c->ux[i] = c->uy[i] = c->uz[i] = 0;
    c->radius[i] = radius;
    c->volume[i] = rs_cells_volume_of(c->dims, radius);
    c->age[i] = 0;
    c->neighbours[i] = 0;
    c->pace[i] = c->bias[i] = 1;
    for (int s = 0; s < c->nstates; s++) c->state[s][i] = 0;
    if (index) *index = i;
    return RS_OK;
}

size_t rs_cells_compact(rs_cells *c, const unsigned char *keep)
{
    cell_array list[MAX_ARRAYS];
    const int k = array_list(c, list);
    size_t w = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!keep[i]) continue;
        if (w != i)
            for (int a = 0; a < k; a++) {
                char *base = *list[a].slot;
                memcpy(base + w * list[a].size, base + i * list[a].size, list[a].size);
            }
        w++;
    }
    size_t removed = c->n - w;
    c->n = w;
    return removed;
}

/* Gathers one array through perm into scratch and swaps the two, or copies
 * back for elements narrower than the 8-byte scratch. */
static void permute_array(rs_cells *c, cell_array *a, const uint32_t *perm)
{
    const long n = (long)c->n;
    if (a->size == 8) {
        const uint64_t *src = *a->slot;
        uint64_t *dst = c->scratch;
#pragma omp parallel for schedule(static) num_threads(rs_threads_team(c->n, c->min_work))
        for (long i = 0; i < n; i++) dst[i] = src[perm[i]];
        void *t = *a->slot;
        *a->slot = c->scratch;
        c->scratch = t;
    } else {
        const uint32_t *src = *a->slot;
        uint32_t *dst = c->scratch;
#pragma omp parallel for schedule(static) num_threads(rs_threads_team(c->n, c->min_work))
        for (long i = 0; i < n; i++) dst[i] = src[perm[i]];
        memcpy(*a->slot, dst, (size_t)n * sizeof *dst);
    }
}

void rs_cells_permute(rs_cells *c, const uint32_t *perm)
{
    cell_array list[MAX_ARRAYS];
    const int k = array_list(c, list);
    for (int a = 0; a < k; a++) permute_array(c, &list[a], perm);
}

size_t rs_cells_find(const rs_cells *c, uint64_t id)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->id[i] == id) return i;
    return (size_t)-1;
}

/* Merges the sorted runs a[lo, mid) and a[mid, hi) by id into t. */
static void merge_by_id(const uint32_t *a, uint32_t *t, size_t lo, size_t mid, size_t hi,
                        const uint64_t *id)
{
    size_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi) t[k++] = id[a[j]] < id[a[i]] ? a[j++] : a[i++];
    while (i < mid) t[k++] = a[i++];
    while (j < hi) t[k++] = a[j++];
}

void rs_cells_sort_by_id(const rs_cells *c, uint32_t *idx, size_t n, uint32_t *tmp)
{
    /* Bottom-up merge sort (stable, O(n log n), no recursion). */
    uint32_t *a = idx, *t = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            merge_by_id(a, t, lo, mid, hi, c->id);
        }
        uint32_t *s = a;
        a = t;
        t = s;
    }
    if (a != idx) memcpy(idx, a, n * sizeof *idx);
}
