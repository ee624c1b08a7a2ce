/* xdmf.c: run.xmf, the XDMF 2 sidecar that lets ParaView open run.h5's
 * fields as a time series. Each snapshot is a uniform grid (3DCoRectMesh,
 * nodes at the voxel centres; "1 ny nx" for 2D) whose attributes are
 * HyperSlab items selecting snapshot k of each grid series [T, nz, ny, nx]
 * (/fields/<name>, and whatever other sections declare).
 * ParaView's legacy "XDMF Reader" reads these; the default Xdmf3 reader
 * does not (docs/output.md). Rewritten atomically after each snapshot. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/text.h"
#include "io/io_impl.h"

rs_status rs_io_xdmf_write(const rs_io_run *w, rs_error *err)
{
    const char *dir = w->dir;
    const rs_grid *g = &w->grid;
    const int nsnap = w->nsnap;
    const double *times = w->times;
    char path[4096];
    if (rs_io_path(path, sizeof path, dir, "run.xmf") != 0)
        return rs_error_set(err, RS_EINVAL, "output path too long: %s", dir);
    rs_strbuf b;
    rs_strbuf_init(&b);
    double h = g->dx / 2;
    rs_strbuf_appendf(&b,
                      "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
                      "<!-- regensim run.xmf: open with ParaView's \"XDMF Reader\" (legacy);"
                      " see docs/output.md -->\n"
                      "<Xdmf Version=\"2.0\">\n <Domain>\n"
                      "  <Grid Name=\"fields\" GridType=\"Collection\" "
                      "CollectionType=\"Temporal\">\n");
    for (int k = 0; k < nsnap; k++) {
        rs_strbuf_appendf(&b, "   <Grid Name=\"snapshot %d\" GridType=\"Uniform\">\n", k);
        rs_strbuf_appendf(&b, "    <Time Value=\"%.17g\"/>\n", times[k]);
        rs_strbuf_appendf(&b,
                          "    <Topology TopologyType=\"3DCoRectMesh\" "
                          "Dimensions=\"%d %d %d\"/>\n",
                          g->nz, g->ny, g->nx);
        rs_strbuf_appendf(&b,
                          "    <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n"
                          "     <DataItem Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" "
                          "Format=\"XML\">%.17g %.17g %.17g</DataItem>\n"
                          "     <DataItem Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" "
                          "Format=\"XML\">%.17g %.17g %.17g</DataItem>\n    </Geometry>\n",
                          h, h, h, g->dx, g->dx, g->dx);
        for (const rs_io_section *sec = w->sections; sec; sec = sec->next)
            for (int f = 0; f < sec->nseries; f++) {
                const rs_io_series *ser = &sec->series[f];
                rs_strbuf_appendf(
                    &b,
                    "    <Attribute Name=\"%s\" AttributeType=\"Scalar\" Center=\"Node\">\n"
                    "     <DataItem ItemType=\"HyperSlab\" Dimensions=\"%d %d %d\" "
                    "Type=\"HyperSlab\">\n"
                    "      <DataItem Dimensions=\"3 4\" Format=\"XML\">"
                    "%d 0 0 0 1 1 1 1 1 %d %d %d</DataItem>\n"
                    "      <DataItem Dimensions=\"%d %d %d %d\" NumberType=\"Float\" "
                    "Precision=\"8\" Format=\"HDF\">run.h5:/%s</DataItem>\n"
                    "     </DataItem>\n    </Attribute>\n",
                    ser->name, g->nz, g->ny, g->nx, k, g->nz, g->ny, g->nx, nsnap, g->nz, g->ny,
                    g->nx, ser->path);
            }
        rs_strbuf_appendf(&b, "   </Grid>\n");
    }
    rs_strbuf_appendf(&b, "  </Grid>\n </Domain>\n</Xdmf>\n");
    rs_status s;
    if (b.failed)
        s = rs_error_set(err, RS_ENOMEM, "out of memory writing %s", path);
    else
        s = rs_io_write_atomic(path, b.s, b.len, err);
    rs_strbuf_free(&b);
    return s;
}
