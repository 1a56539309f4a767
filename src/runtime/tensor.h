/*
 * tensor.h - a tensor view: a device buffer, an offset into it counted in elements of the
 * view's dtype, the dtype and an NCHW shape. Views own nothing; the buffer belongs to whoever
 * allocated it (a model's flat buffers, a trainer's batch buffers). Sizes in bytes always come
 * from the dtype, never from sizeof(float), so that half-precision storage can be added as a
 * dtype without touching the ops that only pass views along.
 */
#ifndef CLGAN_TENSOR_H
#define CLGAN_TENSOR_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stddef.h>

/* Element types a view can have. F32 is the storage type of every float tensor today; I32
 * holds class labels. */
enum clgan_dtype {
    CLGAN_DTYPE_F32 = 0,
    CLGAN_DTYPE_I32 = 1,
};

struct clgan_tensor {
    cl_mem mem;
    size_t off; /* elements of dtype from the start of mem */
    enum clgan_dtype dtype;
    int n, c, h, w; /* NCHW; a vector of length L per sample is c = L, h = w = 1 */
};

static inline size_t clgan_dtype_size(enum clgan_dtype t)
{
    switch (t) {
    case CLGAN_DTYPE_F32:
    case CLGAN_DTYPE_I32:
        return 4;
    }
    return 4;
}

static inline const char *clgan_dtype_name(enum clgan_dtype t)
{
    switch (t) {
    case CLGAN_DTYPE_F32:
        return "float32";
    case CLGAN_DTYPE_I32:
        return "int32";
    }
    return "?";
}

/* A view of n x c x h x w elements of type t at element offset off of mem. */
static inline struct clgan_tensor clgan_tensor_view(cl_mem mem, size_t off, enum clgan_dtype t,
                                                    int n, int c, int h, int w)
{
    struct clgan_tensor v = {mem, off, t, n, c, h, w};
    return v;
}

/* Elements per sample and in the whole view. */
static inline size_t clgan_tensor_sample(const struct clgan_tensor *v)
{
    return (size_t)v->c * (size_t)v->h * (size_t)v->w;
}

static inline size_t clgan_tensor_numel(const struct clgan_tensor *v)
{
    return (size_t)v->n * clgan_tensor_sample(v);
}

/* Byte offset and byte size of the view. */
static inline size_t clgan_tensor_byte_off(const struct clgan_tensor *v)
{
    return v->off * clgan_dtype_size(v->dtype);
}

static inline size_t clgan_tensor_bytes(const struct clgan_tensor *v)
{
    return clgan_tensor_numel(v) * clgan_dtype_size(v->dtype);
}

/* The same buffer and dtype, moved by k samples (a slice of the batch). */
static inline struct clgan_tensor clgan_tensor_skip(struct clgan_tensor v, int k)
{
    v.off += (size_t)k * clgan_tensor_sample(&v);
    v.n -= k;
    return v;
}

#endif /* CLGAN_TENSOR_H */
