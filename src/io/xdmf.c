/* xdmf.c: run.xmf, the XDMF 2 sidecar that lets ParaView open run.h5's
 * fields as a time series. Each snapshot is a uniform grid (3DCoRectMesh,
 * nodes at the voxel centres; "1 ny nx" for 2D) whose attributes are
 * HyperSlab items selecting snapshot k of each grid series [T, nz, ny, nx]
 * (/fields/<name>, and whatever other sections declare).
 * ParaView's legacy "XDMF Reader" reads these; the default Xdmf3 reader
 * does not (docs/output.md). Rewritten atomically after each snapshot. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io_impl.h"

/* A growing text buffer; failed stays set after any allocation failure. */
typedef struct textbuf {
    char *s;
    size_t len, cap;
    int failed;
} textbuf;

/* Appends printf-style text to b. */
static void tb_printf(textbuf *b, const char *fmt, ...) RS_PRINTF(2, 3);
static void tb_printf(textbuf *b, const char *fmt, ...)
{
    if (b->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 4096;
        while (cap <= b->len + (size_t)n) cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
}

rs_status rs_io_xdmf_write(const rs_io_run *w, rs_error *err)
{
    const char *dir = w->dir;
    const rs_grid *g = &w->grid;
    const int nsnap = w->nsnap;
    const double *times = w->times;
    char path[4096];
    if (rs_io_path(path, sizeof path, dir, "run.xmf") != 0)
        return rs_error_set(err, RS_EINVAL, "output path too long: %s", dir);
    textbuf b = {0};
    double h = g->dx / 2;
    tb_printf(&b, "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
                  "<!-- regensim run.xmf: open with ParaView's \"XDMF Reader\" (legacy);"
                  " see docs/output.md -->\n"
                  "<Xdmf Version=\"2.0\">\n <Domain>\n"
                  "  <Grid Name=\"fields\" GridType=\"Collection\" "
                  "CollectionType=\"Temporal\">\n");
    for (int k = 0; k < nsnap; k++) {
        tb_printf(&b, "   <Grid Name=\"snapshot %d\" GridType=\"Uniform\">\n", k);
        tb_printf(&b, "    <Time Value=\"%.17g\"/>\n", times[k]);
        tb_printf(&b, "    <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"%d %d %d\"/>\n",
                  g->nz, g->ny, g->nx);
        tb_printf(&b, "    <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n"
                      "     <DataItem Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" "
                      "Format=\"XML\">%.17g %.17g %.17g</DataItem>\n"
                      "     <DataItem Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" "
                      "Format=\"XML\">%.17g %.17g %.17g</DataItem>\n    </Geometry>\n",
                  h, h, h, g->dx, g->dx, g->dx);
        for (const rs_io_section *sec = w->sections; sec; sec = sec->next)
            for (int f = 0; f < sec->nseries; f++) {
                const rs_io_series *ser = &sec->series[f];
                tb_printf(&b,
                          "    <Attribute Name=\"%s\" AttributeType=\"Scalar\" "
                          "Center=\"Node\">\n"
                          "     <DataItem ItemType=\"HyperSlab\" Dimensions=\"%d %d %d\" "
                          "Type=\"HyperSlab\">\n"
                          "      <DataItem Dimensions=\"3 4\" Format=\"XML\">"
                          "%d 0 0 0 1 1 1 1 1 %d %d %d</DataItem>\n"
                          "      <DataItem Dimensions=\"%d %d %d %d\" NumberType=\"Float\" "
                          "Precision=\"8\" Format=\"HDF\">run.h5:/%s</DataItem>\n"
                          "     </DataItem>\n    </Attribute>\n",
                          ser->name, g->nz, g->ny, g->nx, k, g->nz, g->ny, g->nx, nsnap, g->nz,
                          g->ny, g->nx, ser->path);
            }
        tb_printf(&b, "   </Grid>\n");
    }
    tb_printf(&b, "  </Grid>\n </Domain>\n</Xdmf>\n");
    rs_status s;
    if (b.failed)
        s = rs_error_set(err, RS_ENOMEM, "out of memory writing %s", path);
    else
        s = rs_io_write_atomic(path, b.s, b.len, err);
    free(b.s);
    return s;
}
