/* chunk_deflate.h: the snapshot writer's compression kernel. A field's
 * chunks are packed, byte-shuffled and deflated here, several at once on
 * OpenMP threads, exactly as HDF5's shuffle + deflate filter pipeline would,
 * and then handed to H5Dwrite_chunk: readers decode them with the filters
 * the dataset declares. No HDF5 calls and no allocation here. */
#ifndef RS_IO_CHUNK_DEFLATE_H
#define RS_IO_CHUNK_DEFLATE_H

#include <stddef.h>
#include <stdint.h>

#include "regensim/grid.h"

/* Work space for one thread: a packed chunk (doubles, or floats), its
 * shuffled bytes, and the compressed output (capacity out_cap, at least a
 * chunk of doubles). */
typedef struct rs_io_deflate_buf {
    double *packed;
    unsigned char *shuffled;
    unsigned char *out;
    size_t out_cap;
    size_t out_len; /* bytes of out in use after rs_io_chunk_deflate; 0 on failure */
} rs_io_deflate_buf;

/* Bytes one thread's work space needs for chunks of `chunk_values` doubles
 * (the three buffers, packed and shuffled of chunk size, out of zlib's
 * bound). */
size_t rs_io_deflate_out_cap(size_t chunk_values);

/* Packs the chunk of `field` (the grid's nz*ny*nx values) whose first voxel
 * is (z0, y0, x0) and whose extent is cz x cy x cx (values beyond the grid
 * are padded with 0, as HDF5 edge chunks hold the full chunk), rounds it to
 * floats when float32, shuffles its bytes (all first bytes, then all
 * second bytes, ...: HDF5's shuffle for 8- or 4-byte elements) and
 * deflates it at `level` into b->out, setting b->out_len (0 on failure);
 * level 0: no shuffle, no deflate, the chunk's bytes as they are, packed
 * straight into b->out (for an unfiltered dataset). */
void rs_io_chunk_deflate(const double *field, const rs_grid *g, size_t z0, size_t y0,
                         size_t x0, size_t cz, size_t cy, size_t cx, int level, int float32,
                         rs_io_deflate_buf *b);

#endif
