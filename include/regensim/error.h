/* error.h: status codes and the error record that every fallible call in
 * libregensim fills. The library never prints, exits or aborts on bad input:
 * it returns a negative rs_status and explains itself in an rs_error. */
#ifndef REGENSIM_ERROR_H
#define REGENSIM_ERROR_H

#include "regensim/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rs_status {
    RS_OK = 0,
    RS_EINVAL = -1,       /* a bad argument or input value */
    RS_ENOMEM = -2,       /* an allocation failed */
    RS_EIO = -3,          /* a file could not be read or written */
    RS_EUNSTABLE = -4,    /* a time step above a scheme's stability limit */
    RS_EUNSUPPORTED = -5, /* a valid request this component cannot serve */
    RS_ETOOBIG = -6,      /* a request larger than the machine can hold */
    RS_ENONFINITE = -7    /* a field became NaN or infinite (a blow-up) */
} rs_status;

/* What went wrong: the code, a sentence naming the offending value and what
 * was expected, and for model files the file:line:column (line 0 if none). */
typedef struct rs_error {
    rs_status code;
    char msg[512];
    char file[256];
    int line, col;
} rs_error;

/* A short static description of a status code ("invalid argument", ...). */
RS_API const char *rs_strerror(rs_status s);

/* Resets err to RS_OK with empty message and no position. NULL is allowed. */
RS_API void rs_error_clear(rs_error *err);

/* Fills err (if not NULL) with code and a printf-style message, and returns
 * code so callers can write `return rs_error_set(err, RS_EINVAL, ...)`. */
RS_API rs_status rs_error_set(rs_error *err, rs_status code, const char *fmt, ...)
    RS_PRINTF(3, 4);

/* As rs_error_set, with a file position (line and column count from 1). */
RS_API rs_status rs_error_set_at(rs_error *err, rs_status code, const char *file,
                                 int line, int col, const char *fmt, ...)
    RS_PRINTF(6, 7);

/* Writes "file:line:col: message" (or just the message) into buf. */
RS_API void rs_error_format(const rs_error *err, char *buf, unsigned long size);

/* Several errors at once (a model file reports all its mistakes, not just
 * the first): up to RS_ERRORS_MAX records; further ones are counted in
 * `dropped`. The list is a plain value: no allocation, nothing to free. */
#define RS_ERRORS_MAX 20

typedef struct rs_errors {
    int count;   /* records in item[] */
    int dropped; /* errors beyond RS_ERRORS_MAX, counted but not kept */
    rs_error item[RS_ERRORS_MAX];
} rs_errors;

/* Empties the list. NULL is allowed. */
RS_API void rs_errors_clear(rs_errors *errs);

/* Appends a copy of err (or counts it as dropped when the list is full) and
 * returns err->code. errs may be NULL. */
RS_API rs_status rs_errors_add(rs_errors *errs, const rs_error *err);

/* Appends an error with a file position (line and column from 1; line 0
 * for none) and a printf-style message; returns code. errs may be NULL. */
RS_API rs_status rs_errors_add_at(rs_errors *errs, rs_status code, const char *file,
                                  int line, int col, const char *fmt, ...)
    RS_PRINTF(6, 7);

#ifdef __cplusplus
}
#endif
#endif
