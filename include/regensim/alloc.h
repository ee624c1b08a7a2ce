/* alloc.h: 64-byte-aligned allocation for field arrays, with overflow-checked
 * sizes, and the memory-availability query that lets callers refuse absurd
 * requests before allocating anything. */
#ifndef REGENSIM_ALLOC_H
#define REGENSIM_ALLOC_H

#include <stddef.h>
#include "regensim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RS_ALIGNMENT 64

/* Allocates n doubles aligned to RS_ALIGNMENT bytes, zero-filled. Returns
 * RS_OK and *out, or RS_ENOMEM / RS_ETOOBIG (size overflow) with err filled.
 * Free with rs_free_aligned. */
RS_API rs_status rs_alloc_doubles(double **out, size_t n, rs_error *err);

/* Allocates `bytes` bytes aligned to RS_ALIGNMENT (uninitialised); NULL on
 * failure or when bytes is 0. Free with rs_free_aligned. */
RS_API void *rs_alloc_aligned(size_t bytes);

/* Frees memory from rs_alloc_aligned or rs_alloc_doubles. NULL is allowed. */
RS_API void rs_free_aligned(void *p);

/* Bytes of memory this process could reasonably use: the smaller of physical
 * memory and the address-space limit (RLIMIT_AS) if one is set. */
RS_API double rs_memory_available(void);

#ifdef __cplusplus
}
#endif
#endif
