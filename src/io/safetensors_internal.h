/*
 * safetensors_internal.h - helpers the safetensors reader and writer share (safetensors.c);
 * not for use outside src/io/safetensors*.c.
 */
#ifndef CLGAN_IO_SAFETENSORS_INTERNAL_H
#define CLGAN_IO_SAFETENSORS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* JSON numbers are doubles: integers above 2^53 cannot be represented exactly. */
#define CLGAN_ST_MAX_JSON_INT 9007199254740992.0

/* "[2, 3, 4]" into buf (truncated to len). */
void clgan_io_st_shape_str(int ndim, const int64_t *shape, char *buf, size_t len);
/* Element count of a shape; 0 on overflow of size_t (with *ok cleared). */
size_t clgan_io_st_shape_numel(int ndim, const int64_t *shape, int *ok);

#endif /* CLGAN_IO_SAFETENSORS_INTERNAL_H */
