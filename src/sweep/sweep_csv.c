/* sweep_csv.c: the summary row in CSV (RFC 4180), written for the journal
 * and summary.csv and read back from the journal by a resume (sweep_dir.c).
 * Columns: index, replicate, seed, each parameter, each summary value,
 * status, message, wall_s. Numbers are written with 17 significant digits,
 * so a resumed summary holds bitwise the values first recorded. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sweep/sweep_impl.h"

/* A field, quoted when it holds a comma, a quote or a space at an end. */
static void put_text(rs_strbuf *b, const char *t)
{
    int quote = strpbrk(t, ",\"\n\r") != NULL || (t[0] && (t[0] == ' ' || t[strlen(t) - 1] == ' '));
    if (!quote) {
        rs_strbuf_append(b, t);
        return;
    }
    rs_strbuf_append(b, "\"");
    for (const char *p = t; *p; p++) {
        if (*p == '"')
            rs_strbuf_append(b, "\"\"");
        else if (*p == '\n' || *p == '\r')
            rs_strbuf_append(b, " ");
        else
            rs_strbuf_appendf(b, "%c", *p);
    }
    rs_strbuf_append(b, "\"");
}

void rs_sweep_csv_header(const rs_sweep *s, rs_strbuf *b)
{
    rs_strbuf_append(b, "index,replicate,seed");
    for (int i = 0; i < s->nparameters; i++) {
        rs_strbuf_append(b, ",");
        put_text(b, s->parameters[i].path);
    }
    for (int i = 0; i < s->noutputs; i++) {
        rs_strbuf_append(b, ",");
        put_text(b, s->outputs[i].name);
    }
    rs_strbuf_append(b, ",status,message,wall_s\n");
}

void rs_sweep_csv_row(const rs_sweep *s, const rs_sweep_result *r, rs_strbuf *b)
{
    size_t index = r->run / s->replicates;
    rs_strbuf_appendf(b, "%zu,%zu,%llu", index, r->run % s->replicates,
                      (unsigned long long)rs_sweep_run_seed(s, r->run));
    const double *x = s->points + index * (size_t)s->nparameters;
    for (int i = 0; i < s->nparameters; i++) rs_strbuf_appendf(b, ",%.17g", x[i]);
    for (int i = 0; i < s->noutputs; i++) {
        if (isfinite(r->values[i]))
            rs_strbuf_appendf(b, ",%.17g", r->values[i]);
        else
            rs_strbuf_append(b, isnan(r->values[i]) ? "," : (r->values[i] > 0 ? ",inf" : ",-inf"));
    }
    rs_strbuf_append(b, r->failed ? ",failed," : ",completed,");
    put_text(b, r->failed ? r->message : "");
    rs_strbuf_appendf(b, ",%.6f\n", r->wall);
}
