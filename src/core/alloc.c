/* alloc.c: aligned, overflow-checked allocation for field arrays and the
 * memory-availability estimate used to refuse absurd requests up front. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "regensim/alloc.h"

void *rs_alloc_aligned(size_t bytes)
{
    if (bytes == 0) return NULL;
    /* Round up so the size is a multiple of the alignment, as C11's
     * aligned_alloc requires; guard the rounding against overflow. */
    if (bytes > SIZE_MAX - RS_ALIGNMENT) return NULL;
    size_t rounded = (bytes + RS_ALIGNMENT - 1) / RS_ALIGNMENT * RS_ALIGNMENT;
    return aligned_alloc(RS_ALIGNMENT, rounded);
}

void rs_free_aligned(void *p) { free(p); }

rs_status rs_alloc_doubles(double **out, size_t n, rs_error *err)
{
    *out = NULL;
    if (n > SIZE_MAX / sizeof(double) - RS_ALIGNMENT)
        return rs_error_set(err, RS_ETOOBIG,
                            "%zu doubles do not fit in this machine's address space", n);
    double *p = rs_alloc_aligned(n * sizeof(double));
    if (!p)
        return rs_error_set(err, RS_ENOMEM, "could not allocate %zu doubles (%.3g GB)",
                            n, (double)n * sizeof(double) / 1e9);
    memset(p, 0, n * sizeof(double));
    *out = p;
    return RS_OK;
}

double rs_memory_available(void)
{
    double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (double)rl.rlim_cur < phys)
        return (double)rl.rlim_cur;
    return phys > 0 ? phys : 0.0;
}
