/* chunk_deflate.c: packing, byte shuffle and deflate of one field chunk
 * (see chunk_deflate.h). The writer in run_h5.c runs this on several chunks
 * at once; each chunk's bytes depend only on its values, so the file is the
 * same whatever the number of threads. */
#include <string.h>
#include <zlib.h>

#include "io/chunk_deflate.h"

size_t rs_io_deflate_out_cap(size_t chunk_values)
{
    return (size_t)compressBound((uLong)(chunk_values * sizeof(double)));
}

/* Gathers the chunk into contiguous z-y-x order, zero-padded at the edges:
 * doubles, or with float32 floats rounded to nearest (as HDF5's conversion
 * does) in the same pass. */
static void pack(const double *field, const rs_grid *g, size_t z0, size_t y0, size_t x0,
                 size_t cz, size_t cy, size_t cx, int float32, void *out)
{
    const size_t nx = (size_t)g->nx, ny = (size_t)g->ny, nz = (size_t)g->nz;
    const size_t esize = float32 ? sizeof(float) : sizeof(double);
    for (size_t k = 0; k < cz; k++)
        for (size_t j = 0; j < cy; j++) {
            unsigned char *row = (unsigned char *)out + (k * cy + j) * cx * esize;
            size_t z = z0 + k, y = y0 + j;
            size_t n = 0;
            if (z < nz && y < ny && x0 < nx) {
                const double *src = field + (z * ny + y) * nx + x0;
                n = nx - x0 < cx ? nx - x0 : cx;
                if (float32) {
                    float *f = (float *)(void *)row;
                    for (size_t i = 0; i < n; i++) f[i] = (float)src[i];
                } else {
                    memcpy(row, src, n * sizeof(double));
                }
            }
            if (n < cx) memset(row + n * esize, 0, (cx - n) * esize);
        }
}

/* HDF5's shuffle for esize-byte elements: byte b of element i goes to
 * out[b * n + i]. (The stored types are little-endian IEEE floats, the
 * native layout on the machines regensim supports.) */
static void shuffle(const void *in, size_t n, size_t esize, unsigned char *restrict out)
{
    const unsigned char *bytes = in;
    for (size_t b = 0; b < esize; b++) {
        unsigned char *dst = out + b * n;
        for (size_t i = 0; i < n; i++) dst[i] = bytes[i * esize + b];
    }
}

void rs_io_chunk_deflate(const double *field, const rs_grid *g, size_t z0, size_t y0,
                         size_t x0, size_t cz, size_t cy, size_t cx, int level, int float32,
                         rs_io_deflate_buf *b)
{
    const size_t n = cz * cy * cx, esize = float32 ? sizeof(float) : sizeof(double);
    if (level == 0) { /* stored as it is: packed straight into out */
        pack(field, g, z0, y0, x0, cz, cy, cx, float32, b->out);
        b->out_len = n * esize;
        return;
    }
    pack(field, g, z0, y0, x0, cz, cy, cx, float32, b->packed);
    shuffle(b->packed, n, esize, b->shuffled);
    uLongf len = (uLongf)b->out_cap;
    if (compress2(b->out, &len, b->shuffled, (uLong)(n * esize), level) == Z_OK)
        b->out_len = (size_t)len;
    else
        b->out_len = 0;
}
