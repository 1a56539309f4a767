/*
 * rt.h - internal runtime: the context struct, OpenCL error checking, kernel lookup and launch,
 * device buffers. Every layer above (ops, nn, train) reaches OpenCL through these helpers.
 *
 * Kernels are named <family>_<rest>; the family is the file cl/<family>.cl that holds them, so a
 * kernel name alone is enough to find, build (through the disk cache) and launch it.
 */
#ifndef CLGAN_RT_H
#define CLGAN_RT_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdarg.h>
#include <stddef.h>

#include "clgan.h"

#define RT_MAX_PROGRAMS 32
#define RT_MAX_KERNELS  256
#define RT_MAX_PROF     256

struct rt_program {
    char family[32];
    cl_program prog;
};

/* Kernel IDs: one per kernel of the cl/ sources (kernels.def). Launches take an ID and index
 * the context's table of kernel handles; nothing is looked up by name. */
enum clgan_kid {
#define CLGAN_KERNEL(family, name) CLGAN_K_##name,
#include "runtime/kernels.def"
#undef CLGAN_KERNEL
    CLGAN_K_COUNT
};
#define CLGAN_K(name) CLGAN_K_##name

/* Name and family (cl/<family>.cl) of a kernel ID. */
const char *clgan_rt_kernel_name(enum clgan_kid id);
const char *clgan_rt_kernel_family(enum clgan_kid id);

struct rt_kernel {
    char name[64];
    cl_kernel k;
};

/* An event waiting to be read into the profile. */
struct rt_pending {
    cl_event ev;
    int entry;
};

struct clgan_ctx {
    struct clgan_device_info info;
    cl_platform_id platform;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
    int profiling;
    enum clgan_gemm_backend gemm; /* AUTO until the first GEMM resolves it (ops/gemm_auto.c) */
    char gemm_note[1300];         /* how the backend was chosen */
    int clblast_tuned;            /* clblast_tuning applied (clblast_tuning.c) */

    /* settings, copied from the parameters at init: the library reads them only here */
    char *cache_dir;      /* NULL: no disk cache */
    char *kernel_dir;     /* NULL: the embedded kernel sources */
    char *build_options;  /* NULL: none beyond ours */
    char *clblast_tuning; /* NULL: none */
    enum clgan_log_level log_level;

    char err[2048];
    char prelude[1024];

    struct rt_program progs[RT_MAX_PROGRAMS];
    int n_progs;
    cl_kernel kern[CLGAN_K_COUNT]; /* by ID, created by clgan_rt_kernels_prepare or first use */
    int kern_prof[CLGAN_K_COUNT];  /* profile entry + 1 of each ID (0: none yet) */
    int kernels_ready;             /* every kernel created */
    /* Mesa's compilers (rusticl, Clover) lower wide vector accumulators into scalars and take
     * minutes over gemm_tile_16x16_pb (sixteen float16s): that kernel is left out there, and
     * narrow packed products take gemm_tile_8x32_pb; the prelude's CLGAN_NO_WIDE_TILES also
     * keeps the 8 x 32 tile's aligned copy out of their compile (cl/gemm.cl) */
    int no_wide_tiles;
    enum clgan_conv_route conv;   /* as asked in the params (ops/conv_auto.c resolves AUTO) */
    int conv_resolved;            /* under AUTO: conv_phases and conv_note are set */
    unsigned char conv_phases[3]; /* under AUTO, per phase pass (conv_internal.h): phases */
    char conv_note[320];          /* how the routes were chosen */
    struct rt_kernel kernels[RT_MAX_KERNELS]; /* kernels outside the table, by name (tests) */
    int n_kernels;

    uint64_t mem_in_use;
    uint64_t mem_peak;
    /* device buffers allocated, and programs and kernels created, since init (a training
     * step must change neither) */
    uint64_t n_allocs, n_created;

    struct clgan_prof_entry prof[RT_MAX_PROF];
    int n_prof;
    struct rt_pending *pending;
    int n_pending, cap_pending;

    /* CLGAN_OCLGRIND_CHECKS: released buffers held until the context is freed (see ctx.c) */
    int oclgrind_checks;
    cl_mem *kept;
    size_t n_kept, cap_kept;

    /* GEMM backends' private state (own kernel's packing workspace, ...) */
    void *gemm_state;
    void (*gemm_state_free)(clgan_ctx *ctx);
};

struct clgan_buffer {
    clgan_ctx *ctx;
    cl_mem mem;
    size_t n; /* floats */
};

/* Record a failure in ctx->err (printf style) and return st. */
clgan_status clgan_rt_fail(clgan_ctx *ctx, clgan_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Name of an OpenCL error code ("CL_OUT_OF_RESOURCES"); never NULL. */
const char *clgan_cl_errname(cl_int err);

/* Check an OpenCL return code: OK, or record "<call> failed: <NAME> (file:line)" and map it. */
clgan_status clgan_rt_check(clgan_ctx *ctx, cl_int err, const char *call, const char *file,
                            int line);
#define CLG_CL(ctx, expr) clgan_rt_check((ctx), (expr), #expr, __FILE__, __LINE__)

/* The environment's settings (env.c), read on the first call and kept for the process. The
 * strings are NULL when unset, except cache_dir ("off" when there is no folder to use). */
struct clgan_env_settings {
    const char *device;         /* CLGAN_DEVICE */
    const char *cache_dir;      /* CLGAN_CACHE_DIR, else $XDG_CACHE_HOME/clgan, ~/.cache/clgan */
    const char *kernel_dir;     /* CLGAN_KERNEL_DIR */
    const char *build_options;  /* CLGAN_BUILD_OPTIONS */
    const char *clblast_tuning; /* CLGAN_CLBLAST_TUNING */
    enum clgan_log_level log_level; /* CLGAN_LOG */
    const char *fault;              /* CLGAN_FAULT (fault.c) */
    int oclgrind_checks;            /* CLGAN_OCLGRIND_CHECKS set (ctx.c) */
};
const struct clgan_env_settings *clgan_env_defaults(void);

/* One variable, NULL when unset or empty: the primitive under clgan_env_defaults, kept for the
 * test programs' own switches. The library reads its settings through the context. */
const char *clgan_env(const char *name);

/* Append ", "-separated "INDEX (P:D PLATFORM / NAME)" of every device to the string in buf. */
void clgan_rt_list_devices(char *buf, size_t len, const struct clgan_device_info *devs, int count);

/* Find (building on first use) the kernel with this name. */
clgan_status clgan_rt_kernel(clgan_ctx *ctx, const char *name, cl_kernel *out);

/* The kernel of an ID, created (its program built through the disk cache) on first use. */
clgan_status clgan_rt_kernel_get(clgan_ctx *ctx, enum clgan_kid id, cl_kernel *out);

/* Create every kernel of the table now, so that no launch builds or creates anything (models
 * call this at init; once per context). */
clgan_status clgan_rt_kernels_prepare(clgan_ctx *ctx);

/* Build the program of a family now (through the disk cache). */
clgan_status clgan_rt_program(clgan_ctx *ctx, const char *family, cl_program *out);

/*
 * Set arguments and enqueue a kernel. fmt has one letter per argument:
 *   m cl_mem, f float (double promoted), i int, u unsigned, l ulong (pass size_t / uint64_t),
 *   L local memory of that many bytes (pass size_t).
 * gsize is rounded up to a multiple of lsize when lsize is given. flops (may be 0) is counted
 * into the kernel's profile entry when profiling.
 */
clgan_status clgan_rt_launch(clgan_ctx *ctx, enum clgan_kid id, cl_uint dims, const size_t *gsize,
                             const size_t *lsize, double flops, const char *fmt, ...);

/* 1-D launch over n items with a work-group size suited to the device. */
clgan_status clgan_rt_launch1d(clgan_ctx *ctx, enum clgan_kid id, size_t n, const char *fmt, ...);

/* Profiling: get an event slot for a call made outside rt_launch (e.g. CLBlast). Returns a
 * pointer to fill (or NULL when not profiling); rt_prof_add registers the filled event. */
cl_event *clgan_rt_prof_event(clgan_ctx *ctx);
void clgan_rt_prof_add(clgan_ctx *ctx, const char *name, cl_event ev, double flops);
/* Wait and fold all pending events into ctx->prof (clgan_ctx_profile reads it). */
clgan_status clgan_rt_prof_collect(clgan_ctx *ctx);
void clgan_rt_prof_reset(clgan_ctx *ctx);

/* Raw device allocation of bytes with limit checks and memory accounting (what names it). */
clgan_status clgan_rt_alloc(clgan_ctx *ctx, size_t bytes, const char *what, cl_mem *out);
void clgan_rt_release(clgan_ctx *ctx, cl_mem mem, size_t bytes);
/* Would buffers of total bytes, the largest of them `largest` bytes (named largest_what), fit
 * next to what is allocated already? OUT_OF_DEVICE_MEMORY with a message naming who (e.g. "the
 * model"), the sizes asked for and the device's limits; allocates nothing. */
clgan_status clgan_rt_fits(clgan_ctx *ctx, uint64_t total, uint64_t largest,
                           const char *largest_what, const char *who);
/* "1.50 GiB", "12.0 MiB" or "512 bytes". */
void clgan_rt_fmt_bytes(char *buf, size_t len, uint64_t bytes);

/* Blocking copies of bytes at byte offsets. */
clgan_status clgan_rt_write(clgan_ctx *ctx, cl_mem mem, size_t off, size_t bytes, const void *src);
clgan_status clgan_rt_read(clgan_ctx *ctx, cl_mem mem, size_t off, size_t bytes, void *dst);

/* Embedded kernel sources (generated at build time). */
struct clgan_cl_source {
    const char *name;          /* family, e.g. "gemm" */
    const unsigned char *data; /* NUL-terminated */
    const size_t *len;         /* bytes before the NUL (a pointer: another file's constant) */
};
extern const struct clgan_cl_source clgan_cl_sources[];
extern const size_t clgan_cl_n_sources;

/* Hand CLBlast the tuned parameters listed in ctx->clblast_tuning that are for this device
 * (once per context, before its first CLBlast call; problems are logged, never fatal). */
void clgan_rt_clblast_tuning(clgan_ctx *ctx);

/* Program binary cache (cache.c) in ctx->cache_dir; nothing is stored without one. */
clgan_status clgan_cache_load(clgan_ctx *ctx, const char *key, unsigned char **bin, size_t *len);
void clgan_cache_store(clgan_ctx *ctx, const char *key, const unsigned char *bin, size_t len);
/* Remove key's entry (a binary the driver refused). */
void clgan_cache_remove(clgan_ctx *ctx, const char *key);
/*
 * Check a cache entry held in memory (size bytes) against key: OK with the binary's offset and
 * length in data when it is well formed, for this key, and its binary matches the stored length
 * and checksum; CORRUPT_FILE otherwise.
 */
clgan_status clgan_cache_parse(const unsigned char *data, size_t size, const char *key,
                               size_t *bin_off, size_t *bin_len);

/* Logging from inside the library: a context's messages below its log_level are dropped, and
 * messages of no context below the environment's level (CLGAN_LOG). */
void clgan_rt_log(const clgan_ctx *ctx, enum clgan_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void clgan_log(enum clgan_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Overflow-checked multiply of sizes; returns 0 on overflow. */
int clgan_mul_ok(size_t a, size_t b, size_t *out);

#endif /* CLGAN_RT_H */
