/* xdmf.c: run.xmf and run-xdmf.h5, the sidecars that let ParaView open
 * run.h5's grid series as a time series with File > Open and its default
 * reader. run.h5 keeps each series as one [T, nz, ny, nx] dataset (for
 * h5py and xarray); ParaView's default Xdmf3 reader cannot read hyperslabs
 * of it, so run-xdmf.h5 holds, per series and snapshot, an HDF5 virtual
 * dataset mapping that snapshot's [nz, ny, nx] slab of run.h5 (no data
 * copied, about 1.5 kB each), and run.xmf points at those as plain HDF
 * items, which both ParaView readers read. Each snapshot of run.xmf is a
 * uniform grid (3DCoRectMesh, nodes at the voxel centres; "1 ny nx" for
 * 2D). Both files are rewritten atomically after each snapshot, the
 * virtual datasets first, so run.xmf never names one that is missing.
 * A section's per-snapshot table with positions (the cells) is a second
 * temporal collection beside the fields: points per snapshot, its
 * columns as attributes, naming run.h5's own datasets (already one per
 * snapshot). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regensim/text.h"
#include "io/io_impl.h"

/* Writes path.tmp with one virtual dataset SECTION/NAME/K per grid series
 * and counted snapshot, mapping run.h5:/SECTION/NAME[K], then renames it
 * over path. 0 or -1. */
static int write_vds(const rs_io_run *w, const char *path)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    const rs_grid *g = &w->grid;
    hsize_t src_dims[4] = {(hsize_t)w->nsnap, (hsize_t)g->nz, (hsize_t)g->ny, (hsize_t)g->nx};
    hsize_t src_max[4] = {H5S_UNLIMITED, src_dims[1], src_dims[2], src_dims[3]};
    hsize_t count[4] = {1, src_dims[1], src_dims[2], src_dims[3]};
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t vspace = H5Screate_simple(3, src_dims + 1, NULL);
    hid_t sspace = H5Screate_simple(4, src_dims, src_max);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    int bad = f < 0 || vspace < 0 || sspace < 0 || lcpl < 0 ||
              H5Pset_create_intermediate_group(lcpl, 1) < 0;
    for (const rs_io_section *sec = w->sections; !bad && sec; sec = sec->next)
        for (int i = 0; !bad && i < sec->nseries; i++)
            for (int k = 0; !bad && k < w->nsnap; k++) {
                hsize_t start[4] = {(hsize_t)k, 0, 0, 0};
                char name[600], src[600];
                snprintf(name, sizeof name, "%s/%d", sec->series[i].path, k);
                snprintf(src, sizeof src, "/%s", sec->series[i].path);
                hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
                hid_t d = -1;
                if (dcpl >= 0 &&
                    H5Sselect_hyperslab(sspace, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
                    H5Pset_virtual(dcpl, vspace, "run.h5", src, sspace) >= 0)
                    d = H5Dcreate2(f, name, w->fmt.float32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE,
                                   vspace, lcpl, dcpl, H5P_DEFAULT);
                if (d < 0) bad = 1;
                else H5Dclose(d);
                if (dcpl >= 0) H5Pclose(dcpl);
            }
    if (lcpl >= 0) H5Pclose(lcpl);
    if (sspace >= 0) H5Sclose(sspace);
    if (vspace >= 0) H5Sclose(vspace);
    if (f < 0) return -1;
    int e = errno;
    if (rs_io_close_or_drop(f, tmp) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    /* not fsynced: a view, rewritten at every snapshot (rs_io_write_atomic) */
    if (bad || rename(tmp, path) != 0) {
        if (!bad) e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

/* The XDMF number type and precision of a table column as stored. */
static void column_number(const rs_io_table_column *c, int float32, const char **type,
                          int *precision)
{
    *type = c->kind == RS_IO_COLUMN_UINT64 ? "UInt" : c->kind == RS_IO_COLUMN_INT32 ? "Int"
                                                                                    : "Float";
    *precision = c->kind == RS_IO_COLUMN_INT32 || (c->kind == RS_IO_COLUMN_REAL && float32) ? 4
                                                                                           : 8;
}

/* A section's table as a temporal collection of point sets beside the
 * fields: per counted snapshot with rows, a Polyvertex grid at the
 * positions' column with every other column as an attribute, read
 * straight from run.h5:/SECTION/<k>/<column> (plain datasets). A snapshot
 * without rows has no grid there: both ParaView readers then show no
 * points at that time (an empty data item crashes the default reader). */
static void append_points(rs_strbuf *b, const rs_io_run *w, const rs_io_section *sec)
{
    const rs_io_table *t = sec->table;
    const rs_io_table_column *pc = &t->cols[t->points];
    const char *type;
    int prec;
    rs_strbuf_appendf(b, "  <Grid Name=\"%s\" GridType=\"Collection\" "
                         "CollectionType=\"Temporal\">\n", sec->name);
    for (int k = 0; k < w->nsnap; k++) {
        const long long n = (long long)t->rows[k];
        if (n <= 0) continue;
        rs_strbuf_appendf(b, "   <Grid Name=\"%s %d\" GridType=\"Uniform\">\n", sec->name, k);
        rs_strbuf_appendf(b, "    <Time Value=\"%.17g\"/>\n", w->times[k]);
        rs_strbuf_appendf(b, "    <Topology TopologyType=\"Polyvertex\" NumberOfElements=\"%lld\" "
                             "NodesPerElement=\"1\"/>\n", n);
        column_number(pc, w->fmt.float32, &type, &prec);
        rs_strbuf_appendf(b,
                          "    <Geometry GeometryType=\"XYZ\">\n"
                          "     <DataItem Dimensions=\"%lld 3\" NumberType=\"%s\" "
                          "Precision=\"%d\" Format=\"HDF\">run.h5:/%s/%d/%s</DataItem>\n"
                          "    </Geometry>\n",
                          n, type, prec, sec->name, k, pc->name);
        for (int i = 0; i < t->ncols; i++) {
            const rs_io_table_column *c = &t->cols[i];
            if (i == t->points || (c->width != 1 && c->width != 3)) continue;
            column_number(c, w->fmt.float32, &type, &prec);
            char dims[48];
            if (c->width == 1) snprintf(dims, sizeof dims, "%lld", n);
            else snprintf(dims, sizeof dims, "%lld 3", n);
            rs_strbuf_appendf(b,
                              "    <Attribute Name=\"%s\" AttributeType=\"%s\" "
                              "Center=\"Node\">\n"
                              "     <DataItem Dimensions=\"%s\" NumberType=\"%s\" "
                              "Precision=\"%d\" Format=\"HDF\">run.h5:/%s/%d/%s</DataItem>\n"
                              "    </Attribute>\n",
                              c->name, c->width == 1 ? "Scalar" : "Vector", dims, type, prec,
                              sec->name, k, c->name);
        }
        rs_strbuf_appendf(b, "   </Grid>\n");
    }
    rs_strbuf_appendf(b, "  </Grid>\n");
}

rs_status rs_io_xdmf_write(const rs_io_run *w, rs_error *err)
{
    const char *dir = w->dir;
    const rs_grid *g = &w->grid;
    const int nsnap = w->nsnap;
    const double *times = w->times;
    char path[4096], vds[4096];
    if (rs_io_path(path, sizeof path, dir, "run.xmf") != 0 ||
        rs_io_path(vds, sizeof vds, dir, "run-xdmf.h5") != 0)
        return rs_error_set(err, RS_EINVAL, "output path too long: %s", dir);
    errno = 0;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    int vbad = write_vds(w, vds);
    rs_io_quiet_end(&q);
    if (vbad) return rs_error_set(err, RS_EIO, "cannot write %s: %s", vds, rs_io_reason());
    rs_strbuf b;
    rs_strbuf_init(&b);
    double h = g->dx / 2;
    rs_strbuf_appendf(&b,
                      "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
                        "<!-- regensim run.xmf: File > Open in ParaView (either XDMF reader);"
                      " the items are virtual datasets in run-xdmf.h5 mapping run.h5;"
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
                    "     <DataItem Dimensions=\"%d %d %d\" NumberType=\"Float\" "
                    "Precision=\"%d\" Format=\"HDF\">run-xdmf.h5:/%s/%d</DataItem>\n"
                    "    </Attribute>\n",
                    ser->name, g->nz, g->ny, g->nx, w->fmt.float32 ? 4 : 8, ser->path, k);
            }
        rs_strbuf_appendf(&b, "   </Grid>\n");
    }
    rs_strbuf_appendf(&b, "  </Grid>\n");
    for (const rs_io_section *sec = w->sections; sec; sec = sec->next)
        if (sec->table && sec->table->points >= 0) append_points(&b, w, sec);
    rs_strbuf_appendf(&b, " </Domain>\n</Xdmf>\n");
    rs_status s;
    if (b.failed)
        s = rs_error_set(err, RS_ENOMEM, "out of memory writing %s", path);
    else
        s = rs_io_write_atomic(path, b.s, b.len, err);
    rs_strbuf_free(&b);
    return s;
}
