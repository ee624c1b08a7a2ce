/* lod_kernel.c: placeholder until the LOD kernels land. */
typedef int rs_lod_kernel_placeholder;
