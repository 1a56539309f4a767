/* ctx.c - context lifetime, error recording, device memory with limit checks, buffers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clblast_c.h>

#include "runtime/fault.h"
#include "runtime/rt.h"

clgan_status clgan_rt_enumerate(struct clgan_device_info **out, cl_platform_id **pids,
                                cl_device_id **dids, int *count, char *msg, size_t msg_len);

clgan_status clgan_rt_fail(clgan_ctx *ctx, clgan_status st, const char *fmt, ...)
{
    if (ctx) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->err, sizeof(ctx->err), fmt, ap);
        va_end(ap);
        clgan_rt_log(ctx, CLGAN_LOG_DEBUG, "error: %s", ctx->err);
    }
    return st;
}

clgan_status clgan_rt_check(clgan_ctx *ctx, cl_int err, const char *call, const char *file,
                            int line)
{
    if (err == CL_SUCCESS)
        return CLGAN_STATUS_OK;
    char name[64];
    size_t i = 0;
    while (call[i] && call[i] != '(' && i + 1 < sizeof(name)) {
        name[i] = call[i];
        i++;
    }
    name[i] = 0;
    clgan_status st = CLGAN_STATUS_OPENCL;
    if (err == CL_MEM_OBJECT_ALLOCATION_FAILURE || err == CL_OUT_OF_RESOURCES)
        st = CLGAN_STATUS_OUT_OF_DEVICE_MEMORY;
    else if (err == CL_OUT_OF_HOST_MEMORY)
        st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    return clgan_rt_fail(ctx, st, "%s failed: %s (%d) on %s (%s:%d)", name, clgan_cl_errname(err),
                         (int)err, ctx ? ctx->info.name : "?", file, line);
}

struct clgan_ctx_params clgan_ctx_default_params(void)
{
    const struct clgan_env_settings *env = clgan_env_defaults();
    struct clgan_ctx_params p;
    memset(&p, 0, sizeof(p));
    p.device = env->device;
    p.device_index = -1;
    p.gemm = CLGAN_GEMM_AUTO;
    p.cache_dir = env->cache_dir;
    p.kernel_dir = env->kernel_dir;
    p.build_options = env->build_options;
    p.clblast_tuning = env->clblast_tuning;
    p.log_level = env->log_level;
    return p;
}

/* A copy of a setting string: NULL for NULL or "" (and for "off" when off_means_none). */
static int copy_setting(const char *s, int off_means_none, char **out)
{
    *out = NULL;
    if (!s || !*s || (off_means_none && !strcmp(s, "off")))
        return 1;
    *out = strdup(s);
    return *out != NULL;
}

/* Copy the settings of params into ctx; 0 when out of host memory. */
static int copy_settings(clgan_ctx *ctx, const struct clgan_ctx_params *params)
{
    ctx->log_level = params->log_level;
    ctx->oclgrind_checks = clgan_env_defaults()->oclgrind_checks;
    return copy_setting(params->cache_dir, 1, &ctx->cache_dir) &&
           copy_setting(params->kernel_dir, 0, &ctx->kernel_dir) &&
           copy_setting(params->build_options, 0, &ctx->build_options) &&
           copy_setting(params->clblast_tuning, 0, &ctx->clblast_tuning);
}

/* The device params name: by index when device_index >= 0, else by SPEC. */
static clgan_status pick_device(const struct clgan_ctx_params *params,
                                const struct clgan_device_info *devs, int n, int *idx, char *msg,
                                size_t msg_len)
{
    if (params->device_index < 0)
        return clgan_device_select(params->device, devs, n, idx, msg, msg_len);
    if (params->device_index >= n) {
        if (msg && msg_len) {
            snprintf(msg, msg_len, "no device of index %d; devices: ", params->device_index);
            clgan_rt_list_devices(msg, msg_len, devs, n);
        }
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    *idx = params->device_index;
    return CLGAN_STATUS_OK;
}

static void make_prelude(clgan_ctx *ctx)
{
    const struct clgan_device_info *d = &ctx->info;
    snprintf(ctx->prelude, sizeof(ctx->prelude),
             "/* clgan device prelude */\n"
             "#define CLGAN_FP16 %d\n#define CLGAN_FP64 %d\n#define CLGAN_DEVICE_CPU %d\n"
             "#define CLGAN_DEVICE_GPU %d\n#define CLGAN_SIMULATOR %d\n"
             "#define CLGAN_NO_WIDE_TILES %d\n",
             d->fp16, d->fp64, d->kind == CLGAN_KIND_CPU,
             d->kind == CLGAN_KIND_DGPU || d->kind == CLGAN_KIND_IGPU,
             d->kind == CLGAN_KIND_SIMULATOR, ctx->no_wide_tiles);
}

clgan_status clgan_ctx_init(const struct clgan_ctx_params *params, clgan_ctx **out, char *msg,
                            size_t msg_len)
{
    struct clgan_ctx_params def = clgan_ctx_default_params();
    if (!params)
        params = &def;
    *out = NULL;
    struct clgan_device_info *devs = NULL;
    cl_platform_id *ps = NULL;
    cl_device_id *ds = NULL;
    int n = 0, idx = 0;
    clgan_status st = clgan_rt_enumerate(&devs, &ps, &ds, &n, msg, msg_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    st = pick_device(params, devs, n, &idx, msg, msg_len);
    if (st != CLGAN_STATUS_OK)
        goto out;
    clgan_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx || !copy_settings(ctx, params)) {
        if (msg && msg_len)
            snprintf(msg, msg_len, "out of host memory opening device %d", idx);
        clgan_ctx_free(ctx);
        st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        goto out;
    }
    ctx->info = devs[idx];
    ctx->no_wide_tiles = strstr(ctx->info.platform_name, "rusticl") != NULL ||
                         strstr(ctx->info.platform_name, "Clover") != NULL;
    ctx->platform = ps[idx];
    ctx->device = ds[idx];
    ctx->profiling = params->profiling;
    cl_int err = CL_SUCCESS;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)ctx->platform, 0};
    ctx->context = clCreateContext(props, 1, &ctx->device, NULL, NULL, &err);
    if (err == CL_SUCCESS) {
        cl_command_queue_properties qp = params->profiling ? CL_QUEUE_PROFILING_ENABLE : 0;
        ctx->queue = clCreateCommandQueue(ctx->context, ctx->device, qp, &err);
    }
    if (err != CL_SUCCESS) {
        snprintf(msg, msg_len, "cannot open device %d (%s): %s", idx, ctx->info.name,
                 clgan_cl_errname(err));
        clgan_ctx_free(ctx);
        st = CLGAN_STATUS_OPENCL;
        goto out;
    }
    make_prelude(ctx);
    /* AUTO is resolved on first use, by measurement (ops/gemm_auto.c) */
    ctx->gemm = params->gemm;
    ctx->conv = params->conv;
    snprintf(ctx->conv_note, sizeof(ctx->conv_note), "%s",
             ctx->conv == CLGAN_CONV_ROUTE_AUTO ? "auto: not resolved yet"
                                                : "chosen by the caller");
    snprintf(ctx->gemm_note, sizeof(ctx->gemm_note), "%s",
             ctx->gemm == CLGAN_GEMM_AUTO ? "auto: not resolved yet" : "chosen by the caller");
    clgan_rt_log(ctx, CLGAN_LOG_INFO, "device %d:%d %s (%s), GEMM %s", ctx->info.platform,
                 ctx->info.device, ctx->info.name, ctx->info.platform_name,
                 clgan_gemm_backend_str(ctx->gemm));
    *out = ctx;
out:
    free(devs);
    free(ps);
    free(ds);
    return st;
}

void clgan_ctx_free(clgan_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->queue)
        clFinish(ctx->queue);
    if (ctx->gemm_state_free)
        ctx->gemm_state_free(ctx);
    /* CLBlast keeps programs of every context in a process-wide cache that is otherwise torn
     * down at exit, after the drivers' own teardown (a crash in Oclgrind): empty it now. */
    CLBlastClearCache();
    for (size_t i = 0; i < ctx->n_kept; i++)
        clReleaseMemObject(ctx->kept[i]);
    free(ctx->kept);
    for (int i = 0; i < ctx->n_pending; i++)
        clReleaseEvent(ctx->pending[i].ev);
    free(ctx->pending);
    for (int i = 0; i < ctx->n_kernels; i++)
        clReleaseKernel(ctx->kernels[i].k);
    for (int i = 0; i < CLGAN_K_COUNT; i++)
        if (ctx->kern[i])
            clReleaseKernel(ctx->kern[i]);
    for (int i = 0; i < ctx->n_progs; i++)
        clReleaseProgram(ctx->progs[i].prog);
    if (ctx->queue)
        clReleaseCommandQueue(ctx->queue);
    if (ctx->context)
        clReleaseContext(ctx->context);
    free(ctx->cache_dir);
    free(ctx->kernel_dir);
    free(ctx->build_options);
    free(ctx->clblast_tuning);
    free(ctx);
}

const struct clgan_device_info *clgan_ctx_device(const clgan_ctx *ctx)
{
    return &ctx->info;
}

const char *clgan_ctx_last_error(const clgan_ctx *ctx)
{
    return ctx ? ctx->err : "";
}

clgan_status clgan_ctx_finish(clgan_ctx *ctx)
{
    return CLG_CL(ctx, clFinish(ctx->queue));
}

void clgan_ctx_memory(const clgan_ctx *ctx, uint64_t *in_use, uint64_t *peak)
{
    if (in_use)
        *in_use = ctx->mem_in_use;
    if (peak)
        *peak = ctx->mem_peak;
}

const char *clgan_gemm_backend_str(enum clgan_gemm_backend b)
{
    switch (b) {
    case CLGAN_GEMM_AUTO:
        return "auto";
    case CLGAN_GEMM_CLBLAST:
        return "clblast";
    case CLGAN_GEMM_OWN:
        return "own";
    }
    return "?";
}

const char *clgan_conv_route_str(enum clgan_conv_route r)
{
    switch (r) {
    case CLGAN_CONV_ROUTE_AUTO:
        return "auto";
    case CLGAN_CONV_ROUTE_COLUMNS:
        return "columns";
    case CLGAN_CONV_ROUTE_PHASES:
        return "phases";
    }
    return "?";
}

void clgan_rt_fmt_bytes(char *buf, size_t len, uint64_t b)
{
    if (b >= (1ull << 30))
        snprintf(buf, len, "%.2f GiB", b / (double)(1ull << 30));
    else if (b >= (1ull << 20))
        snprintf(buf, len, "%.1f MiB", b / (double)(1ull << 20));
    else if (b >= (1ull << 10))
        snprintf(buf, len, "%.1f KiB", b / (double)(1ull << 10));
    else
        snprintf(buf, len, "%llu bytes", (unsigned long long)b);
}

clgan_status clgan_rt_fits(clgan_ctx *ctx, uint64_t total, uint64_t largest,
                           const char *largest_what, const char *who)
{
    char a[32], b[32], c[32];
    if (largest > ctx->info.max_alloc) {
        clgan_rt_fmt_bytes(a, sizeof(a), largest);
        clgan_rt_fmt_bytes(b, sizeof(b), ctx->info.max_alloc);
        return clgan_rt_fail(ctx, CLGAN_STATUS_OUT_OF_DEVICE_MEMORY,
                             "%s needs %s for %s in one buffer but %s allows at most %s per "
                             "allocation",
                             who, a, largest_what, ctx->info.name, b);
    }
    if (total > ctx->info.global_mem || ctx->mem_in_use > ctx->info.global_mem - total) {
        clgan_rt_fmt_bytes(a, sizeof(a), total);
        clgan_rt_fmt_bytes(b, sizeof(b), ctx->info.global_mem);
        clgan_rt_fmt_bytes(c, sizeof(c), ctx->mem_in_use);
        return clgan_rt_fail(ctx, CLGAN_STATUS_OUT_OF_DEVICE_MEMORY,
                             "%s needs %s of device memory but %s has %s%s%s%s", who, a,
                             ctx->info.name, b, ctx->mem_in_use ? " (" : "",
                             ctx->mem_in_use ? c : "", ctx->mem_in_use ? " in use already)" : "");
    }
    return CLGAN_STATUS_OK;
}

clgan_status clgan_rt_alloc(clgan_ctx *ctx, size_t bytes, const char *what, cl_mem *out)
{
    char a[32], b[32];
    *out = NULL;
    if (bytes == 0)
        bytes = 4;
    if (bytes > ctx->info.max_alloc) {
        clgan_rt_fmt_bytes(a, sizeof(a), bytes);
        clgan_rt_fmt_bytes(b, sizeof(b), ctx->info.max_alloc);
        return clgan_rt_fail(ctx, CLGAN_STATUS_OUT_OF_DEVICE_MEMORY,
                             "%s needs %s in one buffer but %s allows at most %s per allocation",
                             what, a, ctx->info.name, b);
    }
    if (ctx->mem_in_use + bytes > ctx->info.global_mem) {
        clgan_rt_fmt_bytes(a, sizeof(a), ctx->mem_in_use + bytes);
        clgan_rt_fmt_bytes(b, sizeof(b), ctx->info.global_mem);
        return clgan_rt_fail(ctx, CLGAN_STATUS_OUT_OF_DEVICE_MEMORY,
                             "%s would bring device memory to %s but %s has %s", what, a,
                             ctx->info.name, b);
    }
    if (clgan_fault_hit(CLGAN_FAULT_ALLOC))
        return clgan_rt_fail(ctx, CLGAN_STATUS_OUT_OF_DEVICE_MEMORY,
                             "clCreateBuffer failed for %s: injected fault", what);
    cl_int err = CL_SUCCESS;
    cl_mem m = clCreateBuffer(ctx->context, CL_MEM_READ_WRITE, bytes, NULL, &err);
    if (err != CL_SUCCESS) {
        clgan_rt_fmt_bytes(a, sizeof(a), bytes);
        return clgan_rt_fail(ctx, CLGAN_STATUS_OUT_OF_DEVICE_MEMORY,
                             "clCreateBuffer failed for %s (%s): %s", what, a,
                             clgan_cl_errname(err));
    }
    ctx->mem_in_use += bytes;
    ctx->n_allocs++;
    if (ctx->mem_in_use > ctx->mem_peak)
        ctx->mem_peak = ctx->mem_in_use;
    *out = m;
    return CLGAN_STATUS_OK;
}

/*
 * CLGAN_OCLGRIND_CHECKS (set when running under `oclgrind --uninitialized`) works around two
 * limits of Oclgrind's uninitialised-value tracking, which otherwise reports reads of data that
 * was written:
 *  - it keeps what it learnt about a released buffer (its size included) and applies it to the
 *    next buffer placed at that address: released buffers are kept until the context is freed,
 *    so every address is used once;
 *  - a host write to part of a buffer replaces the tracking of the whole buffer by that of the
 *    part: such writes go to a staging buffer of their own size and from there to the target
 *    with a device copy, which the tracker follows exactly.
 * Results and the memory accounting are unchanged.
 */
static void keep_or_release(clgan_ctx *ctx, cl_mem mem)
{
    if (ctx->oclgrind_checks && ctx->n_kept == ctx->cap_kept) {
        size_t cap = ctx->cap_kept ? ctx->cap_kept * 2 : 64;
        cl_mem *p = realloc(ctx->kept, cap * sizeof(*p));
        if (p) {
            ctx->kept = p;
            ctx->cap_kept = cap;
        }
    }
    if (ctx->oclgrind_checks && ctx->n_kept < ctx->cap_kept)
        ctx->kept[ctx->n_kept++] = mem;
    else
        clReleaseMemObject(mem);
}

void clgan_rt_release(clgan_ctx *ctx, cl_mem mem, size_t bytes)
{
    if (!mem)
        return;
    keep_or_release(ctx, mem);
    if (bytes == 0)
        bytes = 4;
    ctx->mem_in_use -= bytes <= ctx->mem_in_use ? bytes : ctx->mem_in_use;
}

/* A partial write under CLGAN_OCLGRIND_CHECKS: staging buffer, then a device copy (see above). */
static clgan_status write_via_copy(clgan_ctx *ctx, cl_mem mem, size_t off, size_t bytes,
                                   const void *src)
{
    cl_int err = CL_SUCCESS;
    cl_mem tmp = clCreateBuffer(ctx->context, CL_MEM_READ_WRITE, bytes, NULL, &err);
    clgan_status st = CLG_CL(ctx, err);
    if (st != CLGAN_STATUS_OK)
        return st;
    st = CLG_CL(ctx, clEnqueueWriteBuffer(ctx->queue, tmp, CL_TRUE, 0, bytes, src, 0, NULL, NULL));
    if (st == CLGAN_STATUS_OK)
        st = clgan_rt_launch1d(ctx, CLGAN_K(elt_copy_u8), bytes, "lmlml", (uint64_t)bytes, tmp,
                               (uint64_t)0, mem, (uint64_t)off);
    keep_or_release(ctx, tmp);
    return st;
}

clgan_status clgan_rt_write(clgan_ctx *ctx, cl_mem mem, size_t off, size_t bytes, const void *src)
{
    if (!bytes)
        return CLGAN_STATUS_OK;
    if (clgan_fault_hit(CLGAN_FAULT_WRITE))
        return clgan_rt_fail(ctx, CLGAN_STATUS_OPENCL,
                             "clEnqueueWriteBuffer failed: injected fault");
    if (ctx->oclgrind_checks) {
        size_t size = 0;
        if (clGetMemObjectInfo(mem, CL_MEM_SIZE, sizeof(size), &size, NULL) == CL_SUCCESS &&
            (off != 0 || bytes != size))
            return write_via_copy(ctx, mem, off, bytes, src);
    }
    return CLG_CL(ctx,
                  clEnqueueWriteBuffer(ctx->queue, mem, CL_TRUE, off, bytes, src, 0, NULL, NULL));
}

clgan_status clgan_rt_read(clgan_ctx *ctx, cl_mem mem, size_t off, size_t bytes, void *dst)
{
    if (!bytes)
        return CLGAN_STATUS_OK;
    if (clgan_fault_hit(CLGAN_FAULT_READ))
        return clgan_rt_fail(ctx, CLGAN_STATUS_OPENCL,
                             "clEnqueueReadBuffer failed: injected fault");
    return CLG_CL(ctx,
                  clEnqueueReadBuffer(ctx->queue, mem, CL_TRUE, off, bytes, dst, 0, NULL, NULL));
}

/* ---------------------------------------------------------------- public buffers */

clgan_status clgan_buffer_init(clgan_ctx *ctx, size_t n, clgan_buffer **out)
{
    size_t bytes;
    *out = NULL;
    if (!clgan_mul_ok(n, sizeof(float), &bytes))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "buffer of %zu floats overflows size_t", n);
    clgan_buffer *b = calloc(1, sizeof(*b));
    if (!b)
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    clgan_status st = clgan_rt_alloc(ctx, bytes, "buffer", &b->mem);
    if (st != CLGAN_STATUS_OK) {
        free(b);
        return st;
    }
    b->ctx = ctx;
    b->n = n;
    *out = b;
    return CLGAN_STATUS_OK;
}

void clgan_buffer_free(clgan_buffer *buf)
{
    if (!buf)
        return;
    clgan_rt_release(buf->ctx, buf->mem, buf->n * sizeof(float));
    free(buf);
}

size_t clgan_buffer_size(const clgan_buffer *buf)
{
    return buf->n;
}

static clgan_status range_ok(clgan_buffer *buf, size_t off, size_t n)
{
    if (off > buf->n || n > buf->n - off)
        return clgan_rt_fail(buf->ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "buffer access [%zu, %zu) outside its %zu floats", off, off + n,
                             buf->n);
    return CLGAN_STATUS_OK;
}

clgan_status clgan_buffer_write(clgan_buffer *buf, size_t off, size_t n, const float *src)
{
    clgan_status st = range_ok(buf, off, n);
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_rt_write(buf->ctx, buf->mem, off * sizeof(float), n * sizeof(float), src);
}

clgan_status clgan_buffer_read(clgan_buffer *buf, size_t off, size_t n, float *dst)
{
    clgan_status st = range_ok(buf, off, n);
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_rt_read(buf->ctx, buf->mem, off * sizeof(float), n * sizeof(float), dst);
}
