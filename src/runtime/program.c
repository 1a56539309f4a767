/*
 * program.c - kernel programs: source (embedded or the context's kernel_dir), the device prelude,
 * build through the disk cache, kernel lookup by name, launches and profiling events.
 *
 * A program is prelude + cl/common.cl + cl/<family>.cl. Kernel "<family>_<rest>" lives in the
 * program of <family>.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/hash.h"
#include "io/file.h"
#include "runtime/fault.h"
#include "runtime/rt.h"

#define BUILD_OPTIONS "-cl-std=CL1.2"
/* the largest kernel source read from CLGAN_KERNEL_DIR (ours are tens of kilobytes) */
#define KERNEL_SOURCE_MAX ((size_t)16 << 20)

/* Read a family's source into a malloc'ed NUL-terminated string. */
static clgan_status family_source(clgan_ctx *ctx, const char *family, char **out)
{
    const char *dir = ctx->kernel_dir;
    *out = NULL;
    if (dir) {
        /* read with a size limit through the checked reader: a FIFO, folder or huge file in
         * the kernel folder is an error naming it, not a hang or an allocation of its size */
        size_t plen = strlen(dir) + strlen(family) + 5;
        char *path = malloc(plen), err[1024] = "";
        size_t len = 0;
        if (!path)
            return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        snprintf(path, plen, "%s/%s.cl", dir, family);
        clgan_status st = clgan_io_read_file(path, KERNEL_SOURCE_MAX, out, &len, err, sizeof(err));
        if (st != CLGAN_STATUS_OK)
            st =
                clgan_rt_fail(ctx, st, "cannot read kernel source %s (kernel folder %s)", err, dir);
        else
            clgan_rt_log(ctx, CLGAN_LOG_DEBUG, "kernel source %s from %s", family, path);
        free(path);
        return st;
    }
    for (size_t i = 0; i < clgan_cl_n_sources; i++) {
        if (!strcmp(clgan_cl_sources[i].name, family)) {
            *out = strdup((const char *)clgan_cl_sources[i].data);
            return *out ? CLGAN_STATUS_OK : CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        }
    }
    return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "no kernel family '%s' (cl/%s.cl)",
                         family, family);
}

/* The full cache key text: everything that can change the binary. */
static char *cache_key(clgan_ctx *ctx, const char *family, const char *src, const char *opts)
{
    size_t n = strlen(src);
    uint64_t h1 = clgan_hash64(src, n, CLGAN_HASH_SEED);
    uint64_t h2 = clgan_hash64(src, n, 0x9e3779b97f4a7c15ull);
    char *key = malloc(4096);
    if (!key)
        return NULL;
    snprintf(key, 4096,
             "clgan-program-cache 1\nfamily=%s\nsource=%016llx%016llx/%zu\noptions=%s\n"
             "platform=%s|%s\ndevice=%s|%s|%s\ndriver=%s\n",
             family, (unsigned long long)h1, (unsigned long long)h2, n, opts,
             ctx->info.platform_name, ctx->info.platform_version, ctx->info.name, ctx->info.vendor,
             ctx->info.version, ctx->info.driver_version);
    return key;
}

/*
 * 1 when every option of opts that takes an argument (-D, -I) has one. Drivers parse
 * CLGAN_BUILD_OPTIONS themselves and some crash on a bare "-I" (PoCL does), so that is refused
 * before the driver sees it.
 */
static int options_complete(const char *opts)
{
    const char *p = opts;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *t = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (p - t == 2 && t[0] == '-' && (t[1] == 'I' || t[1] == 'D')) {
            const char *a = p;
            while (*a == ' ' || *a == '\t')
                a++;
            if (!*a || *a == '-')
                return 0;
        }
    }
    return 1;
}

/*
 * A driver parses CLGAN_BUILD_OPTIONS itself, and some crash on options they do not expect. While
 * a build with the user's options runs, a crash signal prints one line naming the options and the
 * device and exits 1 instead of dumping core with no word of the cause; the previous handlers come
 * back after the call. Only the message's bytes are prepared in advance: the handler calls write
 * and _exit alone, both async-signal-safe.
 */
static char crash_msg[1536];
static size_t crash_len;
static const int CRASH_SIGNALS[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
#define N_CRASH_SIGNALS (int)(sizeof(CRASH_SIGNALS) / sizeof(CRASH_SIGNALS[0]))

static void on_driver_crash(int sig)
{
    (void)sig;
    ssize_t w = write(STDERR_FILENO, crash_msg, crash_len);
    (void)w;
    _exit(1);
}

static cl_int build_guarded(clgan_ctx *ctx, cl_program prog, const char *family, const char *opts)
{
    if (!ctx->build_options)
        return clBuildProgram(prog, 1, &ctx->device, opts, NULL, NULL);
    int n = snprintf(crash_msg, sizeof(crash_msg),
                     "clgan: error: the OpenCL driver of %s crashed building cl/%s.cl with "
                     "CLGAN_BUILD_OPTIONS='%s'; unset it or remove the option it cannot take\n",
                     ctx->info.name, family, ctx->build_options);
    crash_len = n < 0 ? 0 : (size_t)n < sizeof(crash_msg) ? (size_t)n : sizeof(crash_msg) - 1;
    struct sigaction sa, old[N_CRASH_SIGNALS];
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_driver_crash;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < N_CRASH_SIGNALS; i++)
        sigaction(CRASH_SIGNALS[i], &sa, &old[i]);
    if (clgan_fault_hit(CLGAN_FAULT_CRASH))
        raise(SIGSEGV);
    cl_int err = clBuildProgram(prog, 1, &ctx->device, opts, NULL, NULL);
    for (int i = 0; i < N_CRASH_SIGNALS; i++)
        sigaction(CRASH_SIGNALS[i], &old[i], NULL);
    return err;
}

static clgan_status build_failed(clgan_ctx *ctx, cl_program prog, const char *family, cl_int err)
{
    size_t n = 0;
    clGetProgramBuildInfo(prog, ctx->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &n);
    char *log = malloc(n + 1);
    if (log) {
        log[0] = 0;
        clGetProgramBuildInfo(prog, ctx->device, CL_PROGRAM_BUILD_LOG, n, log, NULL);
        log[n] = 0;
        for (size_t i = strlen(log); i > 0 && (log[i - 1] == '\n' || log[i - 1] == ' '); i--)
            log[i - 1] = 0; /* the message ends the line */
    }
    clgan_status st;
    if (err == CL_INVALID_BUILD_OPTIONS && ctx->build_options) /* the user's, most likely */
        st = clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                           "the OpenCL driver of %s rejects the build options (CL_INVALID_BUILD_"
                           "OPTIONS) with CLGAN_BUILD_OPTIONS='%s'%s%s",
                           ctx->info.name, ctx->build_options, log && log[0] ? ": " : "",
                           log ? log : "");
    else
        st = clgan_rt_fail(ctx, CLGAN_STATUS_KERNEL_BUILD,
                           "building cl/%s.cl for %s failed (%s): %s", family, ctx->info.name,
                           clgan_cl_errname(err), log ? log : "");
    free(log);
    return st;
}

clgan_status clgan_rt_program(clgan_ctx *ctx, const char *family, cl_program *out)
{
    for (int i = 0; i < ctx->n_progs; i++)
        if (!strcmp(ctx->progs[i].family, family)) {
            *out = ctx->progs[i].prog;
            return CLGAN_STATUS_OK;
        }
    if (ctx->n_progs == RT_MAX_PROGRAMS)
        return clgan_rt_fail(ctx, CLGAN_STATUS_UNSUPPORTED, "too many kernel programs");
    if (strlen(family) >= sizeof(ctx->progs[0].family))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "kernel family name too long");

    char *common = NULL, *fam = NULL, *src = NULL, *key = NULL;
    unsigned char *bin = NULL;
    size_t bin_len = 0;
    cl_program prog = NULL;
    cl_int err = CL_SUCCESS;
    clgan_status st = family_source(ctx, "common", &common);
    if (st == CLGAN_STATUS_OK)
        st = family_source(ctx, family, &fam);
    if (st != CLGAN_STATUS_OK)
        goto out;
    size_t n = strlen(ctx->prelude) + strlen(common) + strlen(fam) + 64;
    src = malloc(n);
    if (!src) {
        st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        goto out;
    }
    snprintf(src, n, "%s\n%s\n#line 1\n%s", ctx->prelude, common, fam);

    char opts[1024];
    const char *extra = ctx->build_options;
    if ((size_t)snprintf(opts, sizeof(opts), "%s%s%s", BUILD_OPTIONS, extra ? " " : "",
                         extra ? extra : "") >= sizeof(opts)) {
        st = clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                           "CLGAN_BUILD_OPTIONS is %zu characters long; at most %zu are taken",
                           strlen(extra), sizeof(opts) - sizeof(BUILD_OPTIONS) - 1);
        goto out;
    }
    if (extra && !options_complete(extra)) {
        st = clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                           "CLGAN_BUILD_OPTIONS='%s': -D and -I need an argument", extra);
        goto out;
    }
    key = cache_key(ctx, family, src, opts);
    if (!key) {
        st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        goto out;
    }
    if (clgan_fault_hit(CLGAN_FAULT_BUILD)) {
        st = clgan_rt_fail(ctx, CLGAN_STATUS_KERNEL_BUILD,
                           "building cl/%s.cl for %s failed: injected fault", family,
                           ctx->info.name);
        goto out;
    }
    /* Cached binary first; any failure falls back to building from source. */
    if (clgan_cache_load(ctx, key, &bin, &bin_len) == CLGAN_STATUS_OK) {
        const unsigned char *bp = bin;
        cl_int bst = CL_SUCCESS;
        prog = clCreateProgramWithBinary(ctx->context, 1, &ctx->device, &bin_len, &bp, &bst, &err);
        if (err == CL_SUCCESS && bst == CL_SUCCESS)
            err = build_guarded(ctx, prog, family, opts);
        if (err != CL_SUCCESS || bst != CL_SUCCESS) {
            clgan_rt_log(ctx, CLGAN_LOG_INFO, "cached binary of %s rejected (%s); rebuilding",
                         family, clgan_cl_errname(err != CL_SUCCESS ? err : bst));
            clgan_cache_remove(ctx, key); /* a miss; the rebuild stores a good entry */
            if (prog)
                clReleaseProgram(prog);
            prog = NULL;
        }
    }
    if (!prog) {
        const char *sp = src;
        prog = clCreateProgramWithSource(ctx->context, 1, &sp, NULL, &err);
        if ((st = CLG_CL(ctx, err)) != CLGAN_STATUS_OK)
            goto out;
        err = build_guarded(ctx, prog, family, opts);
        if (err != CL_SUCCESS) {
            st = build_failed(ctx, prog, family, err);
            clReleaseProgram(prog);
            prog = NULL;
            goto out;
        }
        size_t len = 0;
        if (clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof(len), &len, NULL) ==
                CL_SUCCESS &&
            len > 0) {
            unsigned char *b = malloc(len);
            if (b && clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof(b), &b, NULL) == CL_SUCCESS)
                clgan_cache_store(ctx, key, b, len);
            free(b);
        }
    }
    struct rt_program *p = &ctx->progs[ctx->n_progs++];
    ctx->n_created++;
    snprintf(p->family, sizeof(p->family), "%s", family);
    p->prog = prog;
    *out = prog;
out:
    free(common);
    free(fam);
    free(src);
    free(key);
    free(bin);
    return st;
}

static const struct {
    const char *family, *name;
} KTABLE[CLGAN_K_COUNT] = {
#define CLGAN_KERNEL(family, name) {#family, #name},
#include "runtime/kernels.def"
#undef CLGAN_KERNEL
};

clgan_status clgan_rt_kernel(clgan_ctx *ctx, const char *name, cl_kernel *out)
{
    for (int i = 0; i < CLGAN_K_COUNT; i++)
        if (!strcmp(KTABLE[i].name, name))
            return clgan_rt_kernel_get(ctx, (enum clgan_kid)i, out);
    for (int i = 0; i < ctx->n_kernels; i++)
        if (!strcmp(ctx->kernels[i].name, name)) {
            *out = ctx->kernels[i].k;
            return CLGAN_STATUS_OK;
        }
    if (ctx->n_kernels == RT_MAX_KERNELS)
        return clgan_rt_fail(ctx, CLGAN_STATUS_UNSUPPORTED, "too many kernels");
    char family[32];
    const char *us = strchr(name, '_');
    size_t fl = us ? (size_t)(us - name) : strlen(name);
    if (fl == 0 || fl >= sizeof(family) || strlen(name) >= sizeof(ctx->kernels[0].name))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "bad kernel name '%s'", name);
    memcpy(family, name, fl);
    family[fl] = 0;
    cl_program prog;
    clgan_status st = clgan_rt_program(ctx, family, &prog);
    if (st != CLGAN_STATUS_OK)
        return st;
    cl_int err = CL_SUCCESS;
    cl_kernel k = clCreateKernel(prog, name, &err);
    if (err != CL_SUCCESS)
        return clgan_rt_fail(ctx, CLGAN_STATUS_KERNEL_BUILD,
                             "clCreateKernel(%s) in cl/%s.cl failed: %s", name, family,
                             clgan_cl_errname(err));
    struct rt_kernel *e = &ctx->kernels[ctx->n_kernels++];
    snprintf(e->name, sizeof(e->name), "%s", name);
    e->k = k;
    *out = k;
    return CLGAN_STATUS_OK;
}

const char *clgan_rt_kernel_name(enum clgan_kid id)
{
    return (unsigned)id < CLGAN_K_COUNT ? KTABLE[id].name : "?";
}

const char *clgan_rt_kernel_family(enum clgan_kid id)
{
    return (unsigned)id < CLGAN_K_COUNT ? KTABLE[id].family : "?";
}

clgan_status clgan_rt_kernel_get(clgan_ctx *ctx, enum clgan_kid id, cl_kernel *out)
{
    if (ctx->kern[id]) {
        *out = ctx->kern[id];
        return CLGAN_STATUS_OK;
    }
    cl_program prog;
    clgan_status st = clgan_rt_program(ctx, KTABLE[id].family, &prog);
    if (st != CLGAN_STATUS_OK)
        return st;
    cl_int err = CL_SUCCESS;
    cl_kernel k = clCreateKernel(prog, KTABLE[id].name, &err);
    if (err != CL_SUCCESS)
        return clgan_rt_fail(ctx, CLGAN_STATUS_KERNEL_BUILD,
                             "clCreateKernel(%s) in cl/%s.cl failed: %s", KTABLE[id].name,
                             KTABLE[id].family, clgan_cl_errname(err));
    ctx->kern[id] = k;
    ctx->n_created++;
    *out = k;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_rt_kernels_prepare(clgan_ctx *ctx)
{
    clgan_status st = CLGAN_STATUS_OK;
    for (int i = 0; i < CLGAN_K_COUNT && st == CLGAN_STATUS_OK && !ctx->kernels_ready; i++) {
        cl_kernel k;
        if (ctx->no_wide_tiles &&
            (i == CLGAN_K(gemm_tile_16x16_pb) || i == CLGAN_K(convp_pack_w) ||
             i == CLGAN_K(convp_fwd) || i == CLGAN_K(convp_down) || i == CLGAN_K(convp_wgrad)))
            continue; /* never launched there (rt.h), and not in their source there */
        st = clgan_rt_kernel_get(ctx, (enum clgan_kid)i, &k);
    }
    if (st == CLGAN_STATUS_OK)
        ctx->kernels_ready = 1;
    return st;
}

clgan_status clgan_ctx_build_all(clgan_ctx *ctx)
{
    for (size_t i = 0; i < clgan_cl_n_sources; i++) {
        if (!strcmp(clgan_cl_sources[i].name, "common"))
            continue;
        cl_program p;
        clgan_status st = clgan_rt_program(ctx, clgan_cl_sources[i].name, &p);
        if (st != CLGAN_STATUS_OK)
            return st;
    }
    return CLGAN_STATUS_OK;
}

/* ---------------------------------------------------------------- profiling */

static int prof_entry(clgan_ctx *ctx, const char *name)
{
    for (int i = 0; i < ctx->n_prof; i++)
        if (!strcmp(ctx->prof[i].name, name))
            return i;
    if (ctx->n_prof == RT_MAX_PROF)
        return RT_MAX_PROF - 1;
    struct clgan_prof_entry *e = &ctx->prof[ctx->n_prof];
    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "%s", name);
    return ctx->n_prof++;
}

static cl_event prof_slot;

cl_event *clgan_rt_prof_event(clgan_ctx *ctx)
{
    if (!ctx->profiling)
        return NULL;
    prof_slot = NULL;
    return &prof_slot;
}

static void prof_push(clgan_ctx *ctx, int e, cl_event ev, double flops);

void clgan_rt_prof_add(clgan_ctx *ctx, const char *name, cl_event ev, double flops)
{
    if (!ctx->profiling || !ev)
        return;
    prof_push(ctx, prof_entry(ctx, name), ev, flops);
}

/* Queue an event for entry e (kernel launches find their entry by ID, once). */
static void prof_push(clgan_ctx *ctx, int e, cl_event ev, double flops)
{
    if (ctx->n_pending == ctx->cap_pending) {
        int cap = ctx->cap_pending ? ctx->cap_pending * 2 : 256;
        void *p = realloc(ctx->pending, cap * sizeof(*ctx->pending));
        if (!p) {
            clReleaseEvent(ev);
            return;
        }
        ctx->pending = p;
        ctx->cap_pending = cap;
    }
    ctx->prof[e].flops += flops;
    ctx->pending[ctx->n_pending].ev = ev;
    ctx->pending[ctx->n_pending].entry = e;
    ctx->n_pending++;
}

clgan_status clgan_rt_prof_collect(clgan_ctx *ctx)
{
    clgan_status st = CLGAN_STATUS_OK;
    if (ctx->n_pending)
        st = CLG_CL(ctx, clFinish(ctx->queue));
    for (int i = 0; i < ctx->n_pending; i++) {
        cl_ulong t0 = 0, t1 = 0;
        cl_event ev = ctx->pending[i].ev;
        if (clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof(t0), &t0, NULL) ==
                CL_SUCCESS &&
            clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof(t1), &t1, NULL) ==
                CL_SUCCESS &&
            t1 >= t0) {
            ctx->prof[ctx->pending[i].entry].ms += (t1 - t0) * 1e-6;
        }
        ctx->prof[ctx->pending[i].entry].calls++;
        clReleaseEvent(ev);
    }
    ctx->n_pending = 0;
    return st;
}

void clgan_rt_prof_reset(clgan_ctx *ctx)
{
    clgan_rt_prof_collect(ctx);
    ctx->n_prof = 0;
    memset(ctx->kern_prof, 0, sizeof(ctx->kern_prof));
}

clgan_status clgan_ctx_profile(clgan_ctx *ctx, struct clgan_prof_entry *out, int max, int *n)
{
    clgan_status st = clgan_rt_prof_collect(ctx);
    for (int i = 0; i < ctx->n_prof && i < max; i++)
        out[i] = ctx->prof[i];
    *n = ctx->n_prof;
    return st;
}

void clgan_ctx_profile_reset(clgan_ctx *ctx)
{
    clgan_rt_prof_reset(ctx);
}

/* ---------------------------------------------------------------- launches */

static clgan_status set_args(clgan_ctx *ctx, const char *name, cl_kernel k, const char *fmt,
                             va_list ap)
{
    for (cl_uint i = 0; fmt[i]; i++) {
        cl_int err;
        switch (fmt[i]) {
        case 'm': {
            cl_mem m = va_arg(ap, cl_mem);
            err = clSetKernelArg(k, i, sizeof(m), &m);
            break;
        }
        case 'f': {
            float f = (float)va_arg(ap, double);
            err = clSetKernelArg(k, i, sizeof(f), &f);
            break;
        }
        case 'i': {
            cl_int v = va_arg(ap, int);
            err = clSetKernelArg(k, i, sizeof(v), &v);
            break;
        }
        case 'u': {
            cl_uint v = va_arg(ap, unsigned);
            err = clSetKernelArg(k, i, sizeof(v), &v);
            break;
        }
        case 'l': {
            cl_ulong v = va_arg(ap, uint64_t);
            err = clSetKernelArg(k, i, sizeof(v), &v);
            break;
        }
        case 'L': {
            size_t bytes = va_arg(ap, size_t);
            err = clSetKernelArg(k, i, bytes, NULL);
            break;
        }
        default:
            return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                                 "bad argument code '%c' for kernel %s", fmt[i], name);
        }
        if (err != CL_SUCCESS)
            return clgan_rt_fail(ctx, CLGAN_STATUS_OPENCL, "clSetKernelArg(%s, arg %u) failed: %s",
                                 name, i, clgan_cl_errname(err));
    }
    return CLGAN_STATUS_OK;
}

static clgan_status enqueue(clgan_ctx *ctx, enum clgan_kid id, cl_kernel k, cl_uint dims,
                            const size_t *gsize, const size_t *lsize, double flops)
{
    size_t g[3];
    for (cl_uint d = 0; d < dims; d++) {
        g[d] = gsize[d] ? gsize[d] : 1;
        if (lsize && lsize[d])
            g[d] = (g[d] + lsize[d] - 1) / lsize[d] * lsize[d];
    }
    cl_event ev = NULL;
    cl_int err = clEnqueueNDRangeKernel(ctx->queue, k, dims, NULL, g, lsize, 0, NULL,
                                        ctx->profiling ? &ev : NULL);
    if (err != CL_SUCCESS)
        return clgan_rt_fail(ctx,
                             err == CL_OUT_OF_RESOURCES ? CLGAN_STATUS_OUT_OF_DEVICE_MEMORY
                                                        : CLGAN_STATUS_OPENCL,
                             "clEnqueueNDRangeKernel(%s) failed: %s on %s", KTABLE[id].name,
                             clgan_cl_errname(err), ctx->info.name);
    if (ev) {
        if (!ctx->kern_prof[id])
            ctx->kern_prof[id] = prof_entry(ctx, KTABLE[id].name) + 1;
        prof_push(ctx, ctx->kern_prof[id] - 1, ev, flops);
    }
    return CLGAN_STATUS_OK;
}

clgan_status clgan_rt_launch(clgan_ctx *ctx, enum clgan_kid id, cl_uint dims, const size_t *gsize,
                             const size_t *lsize, double flops, const char *fmt, ...)
{
    cl_kernel k = NULL;
    clgan_status st = clgan_rt_kernel_get(ctx, id, &k);
    if (st != CLGAN_STATUS_OK)
        return st;
    va_list ap;
    va_start(ap, fmt);
    st = set_args(ctx, KTABLE[id].name, k, fmt, ap);
    va_end(ap);
    if (st != CLGAN_STATUS_OK)
        return st;
    return enqueue(ctx, id, k, dims, gsize, lsize, flops);
}

clgan_status clgan_rt_launch1d(clgan_ctx *ctx, enum clgan_kid id, size_t n, const char *fmt, ...)
{
    cl_kernel k = NULL;
    if (n == 0)
        return CLGAN_STATUS_OK;
    clgan_status st = clgan_rt_kernel_get(ctx, id, &k);
    if (st != CLGAN_STATUS_OK)
        return st;
    va_list ap;
    va_start(ap, fmt);
    st = set_args(ctx, KTABLE[id].name, k, fmt, ap);
    va_end(ap);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t l = 64;
    if (ctx->info.max_work_group && ctx->info.max_work_group < l)
        l = ctx->info.max_work_group;
    return enqueue(ctx, id, k, 1, &n, &l, 0.0);
}
