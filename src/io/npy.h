/*
 * npy.h - noise vectors in files: NumPy's .npy format (1.0 and 2.0, little-endian float32, C
 * order) and raw float32, read and written for `clgan sample --noise/--save-noise`
 * (clgan_noise_load and clgan_noise_save in clgan.h are the public face of these).
 *
 * An NPY file is the magic "\x93NUMPY", a version (1 0 or 2 0), the length of the header (2
 * bytes little-endian in 1.0, 4 in 2.0), the header: a Python dict literal
 * {'descr': '<f4', 'fortran_order': False, 'shape': (n, nz, 1, 1), } padded with spaces and
 * ended by '\n', then the data. The parser reads exactly that: each key once, nothing else,
 * every number checked against what the caller accepts before anything is allocated.
 */
#ifndef CLGAN_IO_NPY_H
#define CLGAN_IO_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "clgan.h"
#include "io/file.h"

/* Largest NPY header read (numbers and a few keys need far less). */
#define CLGAN_NPY_MAX_HEADER 65536

/*
 * Noise vectors of nz floats (at most max_n of them) from the bytes of a file; name is used in
 * messages. An NPY file (starts with the magic, or npy set: a name ending in .npy must be one)
 * has shape (n, nz) or (n, nz, 1, 1); anything else is raw little-endian float32, n * nz values,
 * n inferred. *z (malloc'ed) and *n on success. CORRUPT_FILE for a malformed file or a value that
 * is not finite, INVALID_ARGUMENT for a well-formed file that does not fit (another nz, no
 * vectors, more than max_n), each with one line in err naming the file.
 */
clgan_status clgan_io_noise_parse(const uint8_t *data, size_t len, const char *name, int npy,
                                  int nz, int max_n, float **z, int *n, char *err, size_t err_len);

/* Append the .npy encoding (format 1.0, '<f4', shape (n, nz, 1, 1)) of n x nz floats to out. */
void clgan_io_npy_encode(const float *z, int n, int nz, struct clgan_io_buf *out);

#endif /* CLGAN_IO_NPY_H */
