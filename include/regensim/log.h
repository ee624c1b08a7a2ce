/* log.h: the logging hook. The library never prints; components that have
 * something to say call rs_log on a logger their context owns, and the
 * application (the CLI) decides where messages go. */
#ifndef REGENSIM_LOG_H
#define REGENSIM_LOG_H

#include "regensim/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rs_log_level {
    RS_LOG_DEBUG = 0,
    RS_LOG_INFO = 1,
    RS_LOG_WARN = 2,
    RS_LOG_ERROR = 3
} rs_log_level;

typedef void (*rs_log_fn)(void *user, rs_log_level level, const char *msg);

/* A destination for messages: fn(user, level, msg) is called for messages at
 * min_level or above. A zeroed rs_logger discards everything. */
typedef struct rs_logger {
    rs_log_fn fn;
    void *user;
    rs_log_level min_level;
} rs_logger;

/* Formats a message and hands it to lg->fn. lg may be NULL (discarded). */
RS_API void rs_log(const rs_logger *lg, rs_log_level level, const char *fmt, ...)
    RS_PRINTF(3, 4);

/* "debug", "info", "warning" or "error". */
RS_API const char *rs_log_level_name(rs_log_level level);

#ifdef __cplusplus
}
#endif
#endif
