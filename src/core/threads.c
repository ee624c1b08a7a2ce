/* threads.c: team sizes for kernels (regensim/threads.h). */
#include <errno.h>
#include <omp.h>
#include <stdlib.h>

#include "regensim/threads.h"

rs_status rs_threads_min_work(long fallback, const char *unit, long *out, rs_error *err)
{
    *out = fallback;
    const char *e = getenv("REGENSIM_MIN_WORK_PER_THREAD");
    if (!e || !*e) return RS_OK;
    char *end;
    errno = 0;
    long v = strtol(e, &end, 10);
    if (*e < '0' || *e > '9' || *end != '\0' || errno == ERANGE || v < 0)
        return rs_error_set(err, RS_EINVAL, "REGENSIM_MIN_WORK_PER_THREAD=%.40s: expected "
                            "a whole number of %s per thread >= 1 (0 or unset: %ld)", e, unit,
                            fallback);
    if (v > 0) *out = v;
    return RS_OK;
}

int rs_threads_team(size_t work, long min_work)
{
    int t = omp_get_max_threads();
    size_t most = min_work > 0 ? work / (size_t)min_work : work;
    if (most < (size_t)t) t = (int)most;
    return t < 1 ? 1 : t;
}
