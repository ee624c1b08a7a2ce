/* log.c: formats messages for a caller-supplied logger (see regensim/log.h).
 * There is no default destination: without a logger, messages vanish. */
#include <stdarg.h>
#include <stdio.h>

#include "regensim/log.h"

void rs_log(const rs_logger *lg, rs_log_level level, const char *fmt, ...)
{
    if (!lg || !lg->fn || level < lg->min_level) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    lg->fn(lg->user, level, msg);
}

const char *rs_log_level_name(rs_log_level level)
{
    switch (level) {
    case RS_LOG_DEBUG: return "debug";
    case RS_LOG_INFO: return "info";
    case RS_LOG_WARN: return "warning";
    case RS_LOG_ERROR: return "error";
    }
    return "unknown";
}
