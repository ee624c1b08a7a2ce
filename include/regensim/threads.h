/* threads.h: how many OpenMP threads a kernel uses. A parallel region
 * costs start-up and a barrier, so a kernel asks for no more threads than
 * its work keeps busy: at least `min_work` units (voxel-substrates, cells)
 * per thread. The threshold comes from the caller, else from the
 * environment variable REGENSIM_MIN_WORK_PER_THREAD (which tests set low so
 * that small problems really split across threads), else a default. Work
 * is always split so that the result does not depend on the team size. */
#ifndef REGENSIM_THREADS_H
#define REGENSIM_THREADS_H

#include <stddef.h>
#include "regensim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The minimum work per thread: REGENSIM_MIN_WORK_PER_THREAD when set (a
 * whole number >= 1; 0 or empty: unset; anything else is refused with
 * RS_EINVAL naming it), else fallback. `unit` names the work in the
 * message (e.g. "voxel-substrates"). */
RS_API rs_status rs_threads_min_work(long fallback, const char *unit, long *out,
                                     rs_error *err);

/* Threads for `work` units: OpenMP's current limit, capped so each thread
 * has at least min_work units; at least 1. */
RS_API int rs_threads_team(size_t work, long min_work);

#ifdef __cplusplus
}
#endif
#endif
