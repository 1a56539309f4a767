/*
 * clgan.h - the public interface of clgan, a GAN and MLP trainer for any OpenCL device.
 *
 * Everything that can fail returns a clgan_status. Objects are opaque, created by *_init and
 * released by *_free (*_free(NULL) does nothing). A context (clgan_ctx) owns one OpenCL device,
 * its queue, its built programs and a one-line message describing the last failure, read with
 * clgan_ctx_last_error(). The library never writes to stdout and never exits; messages go to
 * the callback set with clgan_log_set() (default: warnings and errors to stderr).
 */
#ifndef CLGAN_H
#define CLGAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CLGAN_API __attribute__((visibility("default")))
#else
#define CLGAN_API
#endif

#define CLGAN_VERSION_MAJOR 0
#define CLGAN_VERSION_MINOR 1
#define CLGAN_VERSION_PATCH 0

/* Result of every call that can fail. Errors are negative; INTERRUPTED is a clean stop. */
typedef enum clgan_status {
    CLGAN_STATUS_INTERRUPTED = 1,
    CLGAN_STATUS_OK = 0,
    CLGAN_STATUS_INVALID_ARGUMENT = -1,
    CLGAN_STATUS_OUT_OF_HOST_MEMORY = -2,
    CLGAN_STATUS_OUT_OF_DEVICE_MEMORY = -3,
    CLGAN_STATUS_NO_DEVICE = -4,
    CLGAN_STATUS_OPENCL = -5,
    CLGAN_STATUS_CLBLAST = -6,
    CLGAN_STATUS_KERNEL_BUILD = -7,
    CLGAN_STATUS_IO = -8,
    CLGAN_STATUS_CORRUPT_FILE = -9,
    CLGAN_STATUS_UNSUPPORTED = -10,
    CLGAN_STATUS_NUMERICAL = -11,
} clgan_status;

/* Short constant text for a status; never NULL. */
CLGAN_API const char *clgan_status_str(clgan_status st);

/* Log levels and the log callback. The callback receives one line without newline. */
enum clgan_log_level {
    CLGAN_LOG_DEBUG = 0,
    CLGAN_LOG_INFO = 1,
    CLGAN_LOG_WARN = 2,
    CLGAN_LOG_ERROR = 3,
};
typedef void (*clgan_log_fn)(enum clgan_log_level level, const char *msg, void *user);
/* Replace the log callback (NULL restores the default stderr logger for WARN and above). */
CLGAN_API void clgan_log_set(clgan_log_fn fn, void *user);

/* ---------------------------------------------------------------- devices */

enum clgan_device_kind {
    CLGAN_KIND_DGPU = 0,
    CLGAN_KIND_IGPU = 1,
    CLGAN_KIND_ACCEL = 2,
    CLGAN_KIND_CPU = 3,
    CLGAN_KIND_SIMULATOR = 4,
    CLGAN_KIND_OTHER = 5,
};

/* One OpenCL device as clgan sees it. index is the position in `clgan devices`. */
struct clgan_device_info {
    int index;
    int platform;              /* platform number, as in P:D */
    int device;                /* device number within the platform */
    enum clgan_device_kind kind;
    char platform_name[128];
    char platform_vendor[128];
    char platform_version[128];
    char name[128];
    char vendor[128];
    char version[128];         /* CL_DEVICE_VERSION */
    char driver_version[128];
    char opencl_c_version[64];
    unsigned compute_units;
    unsigned clock_mhz;
    uint64_t global_mem;       /* bytes */
    uint64_t max_alloc;        /* bytes */
    uint64_t local_mem;        /* bytes */
    size_t max_work_group;
    int fp16;
    int fp64;
    int host_unified;          /* shares memory with the host */
};

/* Short text for a device kind ("discrete GPU", "CPU", "simulator", ...). */
CLGAN_API const char *clgan_device_kind_str(enum clgan_device_kind kind);

/*
 * Enumerate every device of every OpenCL platform. *out is malloc'ed (free() it) and may be
 * NULL with *count 0 only on error. On failure msg (if not NULL) receives one line.
 * Returns NO_DEVICE when no platform or no device is present.
 */
CLGAN_API clgan_status clgan_devices_query(struct clgan_device_info **out, int *count, char *msg,
                                           size_t msg_len);

/*
 * Resolve a device SPEC ("auto", an index, "P:D", a type gpu/dgpu/igpu/cpu/accel, or a
 * case-insensitive part of the platform name, platform vendor or device name) to an index into
 * devs. "auto" never picks a simulator. Unknown specs give INVALID_ARGUMENT and a message that
 * lists the devices.
 */
CLGAN_API clgan_status clgan_device_select(const char *spec, const struct clgan_device_info *devs,
                                           int count, int *index, char *msg, size_t msg_len);

/* ---------------------------------------------------------------- context */

enum clgan_gemm_backend {
    CLGAN_GEMM_AUTO = 0,    /* own kernel on CPUs, CLBlast elsewhere, unless measured otherwise */
    CLGAN_GEMM_CLBLAST = 1,
    CLGAN_GEMM_OWN = 2,
};

typedef struct clgan_ctx clgan_ctx;

struct clgan_ctx_params {
    const char *device;     /* SPEC; NULL: $CLGAN_DEVICE, else "auto" */
    int profiling;          /* record per-kernel times with OpenCL events */
    enum clgan_gemm_backend gemm;
};

/* Defaults: device NULL, no profiling, GEMM auto. */
CLGAN_API struct clgan_ctx_params clgan_ctx_default_params(void);

/*
 * Open the device named by params, create its context and queue. On failure *out is NULL and
 * msg receives one line (e.g. the unknown SPEC and the list of devices).
 */
CLGAN_API clgan_status clgan_ctx_init(const struct clgan_ctx_params *params, clgan_ctx **out,
                                      char *msg, size_t msg_len);
CLGAN_API void clgan_ctx_free(clgan_ctx *ctx);

/* The device this context runs on. */
CLGAN_API const struct clgan_device_info *clgan_ctx_device(const clgan_ctx *ctx);

/* One line describing the last failure in this context ("" if none). */
CLGAN_API const char *clgan_ctx_last_error(const clgan_ctx *ctx);

/* Wait for all work queued on the context. */
CLGAN_API clgan_status clgan_ctx_finish(clgan_ctx *ctx);

/* Build every kernel program now (normally built on first use), through the disk cache. */
CLGAN_API clgan_status clgan_ctx_build_all(clgan_ctx *ctx);

/* Device memory currently held and the peak since init, in bytes. */
CLGAN_API void clgan_ctx_memory(const clgan_ctx *ctx, uint64_t *in_use, uint64_t *peak);

/* The GEMM backend this context uses (AUTO resolved). */
CLGAN_API enum clgan_gemm_backend clgan_ctx_gemm_backend(const clgan_ctx *ctx);
CLGAN_API const char *clgan_gemm_backend_str(enum clgan_gemm_backend b);

/* ---------------------------------------------------------------- buffers */

/* A float32 device buffer (NCHW tensors live in these). */
typedef struct clgan_buffer clgan_buffer;

/* Allocate n floats. Refuses sizes over the device's limits with both sizes in the message. */
CLGAN_API clgan_status clgan_buffer_init(clgan_ctx *ctx, size_t n, clgan_buffer **out);
CLGAN_API void clgan_buffer_free(clgan_buffer *buf);
CLGAN_API size_t clgan_buffer_size(const clgan_buffer *buf);
/* Copy n floats between host and device, starting at float offset off. Blocking. */
CLGAN_API clgan_status clgan_buffer_write(clgan_buffer *buf, size_t off, size_t n, const float *src);
CLGAN_API clgan_status clgan_buffer_read(clgan_buffer *buf, size_t off, size_t n, float *dst);

#ifdef __cplusplus
}
#endif

#endif /* CLGAN_H */
