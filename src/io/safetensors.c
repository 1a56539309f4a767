/*
 * safetensors.c - what the safetensors reader (safetensors_read.c) and writer
 * (safetensors_write.c) share: the dtype table and shape helpers (see safetensors.h).
 */
#include <stdio.h>

#include "io/safetensors.h"
#include "io/safetensors_internal.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data are little-endian; the reader and writer copy them as they are"
#endif

static const struct {
    const char *name;
    size_t size;
} dtypes[CLGAN_ST_N_DTYPES] = {
    [CLGAN_ST_F32] = {"F32", 4},   [CLGAN_ST_F64] = {"F64", 8}, [CLGAN_ST_F16] = {"F16", 2},
    [CLGAN_ST_BF16] = {"BF16", 2}, [CLGAN_ST_I64] = {"I64", 8}, [CLGAN_ST_I32] = {"I32", 4},
    [CLGAN_ST_I16] = {"I16", 2},   [CLGAN_ST_I8] = {"I8", 1},   [CLGAN_ST_U64] = {"U64", 8},
    [CLGAN_ST_U32] = {"U32", 4},   [CLGAN_ST_U16] = {"U16", 2}, [CLGAN_ST_U8] = {"U8", 1},
    [CLGAN_ST_BOOL] = {"BOOL", 1},
};

const char *clgan_io_st_dtype_name(enum clgan_st_dtype dt)
{
    return (unsigned)dt < CLGAN_ST_N_DTYPES ? dtypes[dt].name : "?";
}

size_t clgan_io_st_dtype_size(enum clgan_st_dtype dt)
{
    return (unsigned)dt < CLGAN_ST_N_DTYPES ? dtypes[dt].size : 0;
}

/* "[2, 3, 4]" */
void clgan_io_st_shape_str(int ndim, const int64_t *shape, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < ndim && used < len; i++)
        used +=
            (size_t)snprintf(buf + used, len - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (used < len)
        snprintf(buf + used, len - used, "]");
}

/* Element count of a shape; 0 on overflow of size_t (with *ok cleared). */
size_t clgan_io_st_shape_numel(int ndim, const int64_t *shape, int *ok)
{
    size_t n = 1;
    *ok = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0 || (uint64_t)shape[i] > (uint64_t)((size_t)-1)) {
            *ok = 0;
            return 0;
        }
        size_t d = (size_t)shape[i];
        if (d && n > ((size_t)-1) / d) {
            *ok = 0;
            return 0;
        }
        n *= d;
    }
    return n;
}
