/* error.c: the error record (see regensim/error.h). Every fallible call fills
 * one of these instead of printing; the CLI decides how to show it. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "regensim/error.h"

const char *rs_strerror(rs_status s)
{
    switch (s) {
    case RS_OK: return "success";
    case RS_EINVAL: return "invalid argument";
    case RS_ENOMEM: return "out of memory";
    case RS_EIO: return "input/output error";
    case RS_EUNSTABLE: return "unstable time step";
    case RS_EUNSUPPORTED: return "not supported";
    case RS_ETOOBIG: return "request too large";
    case RS_ENONFINITE: return "not a finite number (numerical blow-up)";
    }
    return "unknown status";
}

void rs_error_clear(rs_error *err)
{
    if (!err) return;
    err->code = RS_OK;
    err->msg[0] = '\0';
    err->file[0] = '\0';
    err->line = err->col = 0;
}

/* Shared body of rs_error_set and rs_error_set_at. */
static void error_vset(rs_error *err, rs_status code, const char *file, int line,
                       int col, const char *fmt, va_list ap)
{
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    if (file) {
        snprintf(err->file, sizeof err->file, "%s", file);
    } else {
        err->file[0] = '\0';
    }
    err->line = line;
    err->col = col;
}

rs_status rs_error_set(rs_error *err, rs_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        error_vset(err, code, NULL, 0, 0, fmt, ap);
        va_end(ap);
    }
    return code;
}

rs_status rs_error_set_at(rs_error *err, rs_status code, const char *file, int line,
                          int col, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        error_vset(err, code, file, line, col, fmt, ap);
        va_end(ap);
    }
    return code;
}

void rs_error_format(const rs_error *err, char *buf, unsigned long size)
{
    if (!buf || size == 0) return;
    if (!err) {
        snprintf(buf, size, "(no error record)");
    } else if (err->file[0] && err->line > 0) {
        snprintf(buf, size, "%s:%d:%d: %s", err->file, err->line, err->col, err->msg);
    } else if (err->file[0]) {
        snprintf(buf, size, "%s: %s", err->file, err->msg);
    } else {
        snprintf(buf, size, "%s", err->msg[0] ? err->msg : rs_strerror(err->code));
    }
}

void rs_errors_clear(rs_errors *errs)
{
    if (!errs) return;
    errs->count = 0;
    errs->dropped = 0;
}

rs_status rs_errors_add(rs_errors *errs, const rs_error *err)
{
    if (!errs) return err->code;
    if (errs->count < RS_ERRORS_MAX) {
        errs->item[errs->count++] = *err;
    } else {
        errs->dropped++;
    }
    return err->code;
}

rs_status rs_errors_add_at(rs_errors *errs, rs_status code, const char *file, int line,
                           int col, const char *fmt, ...)
{
    if (!errs) return code;
    if (errs->count >= RS_ERRORS_MAX) {
        errs->dropped++;
        return code;
    }
    va_list ap;
    va_start(ap, fmt);
    error_vset(&errs->item[errs->count++], code, file, line, col, fmt, ap);
    va_end(ap);
    return code;
}
