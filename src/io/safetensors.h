/*
 * safetensors.h - checkpoints in the safetensors format.
 *
 * File layout: u64 little-endian N; N bytes of JSON header
 *   {"__metadata__": {"key": "value", ...},
 *    "name": {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}, ...}
 * then the raw little-endian tensor data; offsets are relative to the first byte after the
 * header. The writer pads the header with spaces so the data start at a multiple of 8, lays
 * tensors out in the order they were added, and writes atomically (io/file.h).
 *
 * The reader validates everything before handing out a tensor: N against the file size and a
 * 100 MB cap, a JSON object with no duplicate or empty names, each entry with exactly dtype,
 * shape and data_offsets, a known dtype, a shape of at most CLGAN_ST_MAX_DIMS non-negative
 * integers whose element count (overflow-checked) times the dtype size equals end - begin,
 * begin <= end, offsets within the data, no two tensors overlapping, no gap between them or
 * after the last (as the reference implementation requires), and string metadata values.
 * Any failure is CORRUPT_FILE with the path and what is wrong.
 */
#ifndef CLGAN_IO_SAFETENSORS_H
#define CLGAN_IO_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "clgan.h"

#define CLGAN_ST_MAX_DIMS   8
#define CLGAN_ST_MAX_HEADER (100u * 1000u * 1000u)

enum clgan_st_dtype {
    CLGAN_ST_F32 = 0,
    CLGAN_ST_F64,
    CLGAN_ST_F16,
    CLGAN_ST_BF16,
    CLGAN_ST_I64,
    CLGAN_ST_I32,
    CLGAN_ST_I16,
    CLGAN_ST_I8,
    CLGAN_ST_U64,
    CLGAN_ST_U32,
    CLGAN_ST_U16,
    CLGAN_ST_U8,
    CLGAN_ST_BOOL,
    CLGAN_ST_N_DTYPES
};

/* The format's name of a dtype ("F32") and its size in bytes. */
const char *clgan_io_st_dtype_name(enum clgan_st_dtype dt);
size_t clgan_io_st_dtype_size(enum clgan_st_dtype dt);

/* ---------------------------------------------------------------- writer */

typedef struct clgan_st_writer clgan_st_writer;

clgan_status clgan_io_st_writer_init(clgan_st_writer **out, char *err, size_t err_len);
void clgan_io_st_writer_free(clgan_st_writer *w);

/*
 * Add a tensor: data (element count = product of shape, 1 for ndim 0) is copied in. Names must
 * be non-empty, unique and not "__metadata__". INVALID_ARGUMENT otherwise.
 */
clgan_status clgan_io_st_writer_add(clgan_st_writer *w, const char *name, enum clgan_st_dtype dt,
                                    int ndim, const int64_t *shape, const void *data, char *err,
                                    size_t err_len);
/* Set a metadata entry (replaces an earlier value of the same key). */
clgan_status clgan_io_st_writer_meta(clgan_st_writer *w, const char *key, const char *value,
                                     char *err, size_t err_len);
/* Write everything added so far to path, atomically. The writer stays usable. */
clgan_status clgan_io_st_writer_save(clgan_st_writer *w, const char *path, char *err,
                                     size_t err_len);

/* ---------------------------------------------------------------- reader */

typedef struct clgan_st_file clgan_st_file;

/* One tensor of a loaded file; data points into the file's buffer (not necessarily aligned). */
struct clgan_st_tensor {
    const char *name;
    enum clgan_st_dtype dtype;
    int ndim;
    int64_t shape[CLGAN_ST_MAX_DIMS];
    size_t numel;
    const void *data;
    size_t nbytes;
};

/* Read and validate a whole file (see the top of this file). */
clgan_status clgan_io_st_load(const char *path, clgan_st_file **out, char *err, size_t err_len);
/* The same from memory; name is used in messages. The bytes are copied. */
clgan_status clgan_io_st_load_mem(const void *data, size_t len, const char *name,
                                  clgan_st_file **out, char *err, size_t err_len);
void clgan_io_st_free(clgan_st_file *f);

/* Tensors in file order of data (by begin offset). */
int clgan_io_st_count(const clgan_st_file *f);
const struct clgan_st_tensor *clgan_io_st_at(const clgan_st_file *f, int i);
/* NULL when absent. */
const struct clgan_st_tensor *clgan_io_st_find(const clgan_st_file *f, const char *name);

/*
 * Look a tensor up and check it: INVALID_ARGUMENT with the path, the name and both shapes when
 * it is absent or its dtype or shape differ from what is expected (shape NULL: any shape).
 */
clgan_status clgan_io_st_get(const clgan_st_file *f, const char *name, enum clgan_st_dtype dt,
                             int ndim, const int64_t *shape, const struct clgan_st_tensor **out,
                             char *err, size_t err_len);
/* clgan_io_st_get for F32, then copy the values into dst (numel floats); CORRUPT_FILE naming
 * the tensor when a value is NaN or infinite. */
clgan_status clgan_io_st_read_f32(const clgan_st_file *f, const char *name, int ndim,
                                  const int64_t *shape, float *dst, char *err, size_t err_len);

/* Metadata value of key, NULL when absent. */
const char *clgan_io_st_meta(const clgan_st_file *f, const char *key);
int clgan_io_st_meta_count(const clgan_st_file *f);
/* The i-th metadata entry, in header order. */
void clgan_io_st_meta_at(const clgan_st_file *f, int i, const char **key, const char **value);

/* 2^53: the largest count a decimal written from a double holds exactly */
#define CLGAN_ST_META_INT_MAX 9007199254740992.0

/*
 * Numbers in metadata, which is input: a whole number in lo..hi, or an unsigned 64-bit value
 * (decimal digits only). A missing, malformed, fractional, non-finite or out-of-range value is
 * CORRUPT_FILE with a message naming the file, the key, the value and the range, before any
 * cast.
 */
clgan_status clgan_io_st_meta_int(const clgan_st_file *f, const char *file, const char *key,
                                  double lo, double hi, long long *out, char *err, size_t err_len);
clgan_status clgan_io_st_meta_u64(const clgan_st_file *f, const char *file, const char *key,
                                  uint64_t *out, char *err, size_t err_len);
/* A finite real number in lo..hi (the same rules, fractions allowed). */
clgan_status clgan_io_st_meta_real(const clgan_st_file *f, const char *file, const char *key,
                                   double lo, double hi, double *out, char *err, size_t err_len);

#endif /* CLGAN_IO_SAFETENSORS_H */
