/* xdmf.c: run.xmf and run-xdmf.h5, the sidecars that let ParaView open
 * run.h5's grid series as a time series with File > Open and its default
 * reader. run.h5 keeps each series as one [T, nz, ny, nx] dataset (for
 * h5py and xarray); ParaView's default Xdmf3 reader cannot read hyperslabs
 * of it, so run-xdmf.h5 holds, per series and snapshot, an HDF5 virtual
 * dataset mapping that snapshot's [nz, ny, nx] slab of run.h5 (no data
 * copied, about 1.5 kB each), and run.xmf points at those as plain HDF
 * items, which both ParaView readers read. Each snapshot of run.xmf is a
 * uniform grid (3DCoRectMesh, nodes at the voxel centres; "1 ny nx" for
 * 2D). Both files are rewritten whole and atomically (tmp + rename) after
 * each snapshot, the virtual datasets first, so run.xmf never names one
 * that is missing. Both are built in memory and kept between snapshots
 * (run-xdmf.h5 as an HDF5 file in memory, run.xmf as its text), so a
 * snapshot adds only its own datasets and grid: rebuilding them from
 * scratch cost time growing with the snapshot count (50 ms a snapshot
 * after 400 snapshots of two fields). A section's per-snapshot table with
 * positions (the cells) is a second temporal collection beside the
 * fields: points per snapshot, its columns as attributes, naming run.h5's
 * own datasets (already one per snapshot); its grids' text is kept with
 * the table (rs_io_table.xmf) the same way. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io_impl.h"

void rs_io_xdmf_drop(rs_io_run *w)
{
    if (w->xdmf_vds >= 0) H5Fclose(w->xdmf_vds);
    w->xdmf_vds = -1;
    w->xdmf_nsnap = 0;
    rs_strbuf_free(&w->xdmf_text);
    rs_strbuf_free(&w->xdmf_out);
    for (rs_io_section *sec = w->sections; sec; sec = sec->next)
        if (sec->table) rs_strbuf_free(&sec->table->xmf);
}

/* Adds to the in-memory run-xdmf.h5 (created on first use: the core
 * driver, nothing on disk; label names it) one virtual dataset
 * SECTION/NAME/K per grid series for each snapshot K from
 * w->xdmf_nsnap to w->nsnap, mapping run.h5:/SECTION/NAME[K]. 0 or -1. */
static int vds_add(rs_io_run *w, const char *label)
{
    if (w->xdmf_vds < 0) {
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
        if (fapl >= 0 && H5Pset_fapl_core(fapl, (size_t)1 << 16, 0) >= 0)
            w->xdmf_vds = H5Fcreate(label, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
        if (fapl >= 0) H5Pclose(fapl);
        if (w->xdmf_vds < 0) return -1;
    }
    const rs_grid *g = &w->grid;
    hsize_t src_dims[4] = {(hsize_t)w->nsnap, (hsize_t)g->nz, (hsize_t)g->ny, (hsize_t)g->nx};
    hsize_t src_max[4] = {H5S_UNLIMITED, src_dims[1], src_dims[2], src_dims[3]};
    hsize_t count[4] = {1, src_dims[1], src_dims[2], src_dims[3]};
    hid_t vspace = H5Screate_simple(3, src_dims + 1, NULL);
    hid_t sspace = H5Screate_simple(4, src_dims, src_max);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    int bad = vspace < 0 || sspace < 0 || lcpl < 0 ||
              H5Pset_create_intermediate_group(lcpl, 1) < 0;
    for (const rs_io_section *sec = w->sections; !bad && sec; sec = sec->next)
        for (int i = 0; !bad && i < sec->nseries; i++)
            for (int k = w->xdmf_nsnap; !bad && k < w->nsnap; k++) {
                hsize_t start[4] = {(hsize_t)k, 0, 0, 0};
                char name[600], src[600];
                snprintf(name, sizeof name, "%s/%d", sec->series[i].path, k);
                snprintf(src, sizeof src, "/%s", sec->series[i].path);
                hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
                hid_t d = -1;
                if (dcpl >= 0 &&
                    H5Sselect_hyperslab(sspace, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
                    H5Pset_virtual(dcpl, vspace, "run.h5", src, sspace) >= 0)
                    d = H5Dcreate2(w->xdmf_vds, name,
                                   w->fmt.float32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE, vspace,
                                   lcpl, dcpl, H5P_DEFAULT);
                if (d < 0) bad = 1;
                else H5Dclose(d);
                if (dcpl >= 0) H5Pclose(dcpl);
            }
    if (lcpl >= 0) H5Pclose(lcpl);
    if (sspace >= 0) H5Sclose(sspace);
    if (vspace >= 0) H5Sclose(vspace);
    return bad || H5Fflush(w->xdmf_vds, H5F_SCOPE_LOCAL) < 0 ? -1 : 0;
}

/* Writes the in-memory run-xdmf.h5 to path atomically (not fsynced: a
 * view, rewritten at every snapshot; rs_io_write_atomic). */
static rs_status vds_save(const rs_io_run *w, const char *path, rs_error *err)
{
    ssize_t n = H5Fget_file_image(w->xdmf_vds, NULL, 0);
    char *image = n > 0 ? malloc((size_t)n) : NULL;
    rs_status s;
    if (n <= 0 || !image || H5Fget_file_image(w->xdmf_vds, image, (size_t)n) != n)
        s = rs_error_set(err, image || n <= 0 ? RS_EIO : RS_ENOMEM,
                         "cannot make the image of %s", path);
    else
        s = rs_io_write_atomic(path, image, (size_t)n, err);
    free(image);
    return s;
}

/* Appends to w's run.xmf text (its header first, when empty) the grids of
 * snapshots w->xdmf_nsnap to w->nsnap. */
static void xmf_add(rs_io_run *w)
{
    rs_strbuf *b = &w->xdmf_text;
    const rs_grid *g = &w->grid;
    if (b->len == 0)
        rs_strbuf_appendf(b,
                          "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
                          "<!-- regensim run.xmf: File > Open in ParaView (either XDMF reader);"
                          " the items are virtual datasets in run-xdmf.h5 mapping run.h5;"
                          " see docs/output.md -->\n"
                          "<Xdmf Version=\"2.0\">\n <Domain>\n"
                          "  <Grid Name=\"fields\" GridType=\"Collection\" "
                          "CollectionType=\"Temporal\">\n");
    double h = g->dx / 2;
    for (int k = w->xdmf_nsnap; k < w->nsnap; k++) {
        rs_strbuf_appendf(b, "   <Grid Name=\"snapshot %d\" GridType=\"Uniform\">\n", k);
        rs_strbuf_appendf(b, "    <Time Value=\"%.17g\"/>\n", w->times[k]);
        rs_strbuf_appendf(b,
                          "    <Topology TopologyType=\"3DCoRectMesh\" "
                          "Dimensions=\"%d %d %d\"/>\n",
                          g->nz, g->ny, g->nx);
        rs_strbuf_appendf(b,
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
                    b,
                    "    <Attribute Name=\"%s\" AttributeType=\"Scalar\" Center=\"Node\">\n"
                    "     <DataItem Dimensions=\"%d %d %d\" NumberType=\"Float\" "
                    "Precision=\"%d\" Format=\"HDF\">run-xdmf.h5:/%s/%d</DataItem>\n"
                    "    </Attribute>\n",
                    ser->name, g->nz, g->ny, g->nx, w->fmt.float32 ? 4 : 8, ser->path, k);
            }
        rs_strbuf_appendf(b, "   </Grid>\n");
    }
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
 * points at that time (an empty data item crashes the default reader).
 * Appends to b the grids of snapshots w->xdmf_nsnap to w->nsnap (the
 * collection's opening and closing tags are added at save). */
static void points_add(rs_strbuf *b, const rs_io_run *w, const rs_io_section *sec)
{
    const rs_io_table *t = sec->table;
    const rs_io_table_column *pc = &t->cols[t->points];
    const char *type;
    int prec;
    for (int k = w->xdmf_nsnap; k < w->nsnap; k++) {
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
}

/* Writes run.xmf to path atomically: the fields' collection, closed, then
 * one collection of points per section with a table of positions. */
static rs_status xmf_save(rs_io_run *w, const char *path, rs_error *err)
{
    rs_strbuf *out = &w->xdmf_out;
    out->len = 0;
    if (out->s) out->s[0] = '\0';
    rs_strbuf_append(out, w->xdmf_text.s ? w->xdmf_text.s : "");
    rs_strbuf_append(out, "  </Grid>\n");
    for (const rs_io_section *sec = w->sections; sec; sec = sec->next) {
        if (!sec->table || sec->table->points < 0) continue;
        rs_strbuf_appendf(out, "  <Grid Name=\"%s\" GridType=\"Collection\" "
                               "CollectionType=\"Temporal\">\n", sec->name);
        rs_strbuf_append(out, sec->table->xmf.s ? sec->table->xmf.s : "");
        rs_strbuf_append(out, "  </Grid>\n");
    }
    rs_strbuf_append(out, " </Domain>\n</Xdmf>\n");
    if (out->failed || w->xdmf_text.failed)
        return rs_error_set(err, RS_ENOMEM, "out of memory writing %s", path);
    for (const rs_io_section *sec = w->sections; sec; sec = sec->next)
        if (sec->table && sec->table->xmf.failed)
            return rs_error_set(err, RS_ENOMEM, "out of memory writing %s", path);
    return rs_io_write_atomic(path, out->s, out->len, err);
}

rs_status rs_io_xdmf_write(rs_io_run *w, rs_error *err)
{
    char path[4096], vds[4096], label[4200];
    if (rs_io_path(path, sizeof path, w->dir, "run.xmf") != 0 ||
        rs_io_path(vds, sizeof vds, w->dir, "run-xdmf.h5") != 0)
        return rs_error_set(err, RS_EINVAL, "output path too long: %s", w->dir);
    snprintf(label, sizeof label, "%s (in memory)", vds);
    /* Only ever more snapshots within a run; fewer would need a rebuild. */
    if (w->xdmf_nsnap > w->nsnap) rs_io_xdmf_drop(w);
    errno = 0;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    int vbad = vds_add(w, label);
    rs_io_quiet_end(&q);
    rs_status s = vbad ? rs_error_set(err, RS_EIO, "cannot build %s: %s", vds, rs_io_reason())
                       : vds_save(w, vds, err);
    if (s == RS_OK) {
        xmf_add(w);
        for (rs_io_section *sec = w->sections; sec; sec = sec->next)
            if (sec->table && sec->table->points >= 0) points_add(&sec->table->xmf, w, sec);
        s = xmf_save(w, path, err);
    }
    if (s == RS_OK) w->xdmf_nsnap = w->nsnap;
    else rs_io_xdmf_drop(w); /* the next write starts over from nothing */
    return s;
}
