/*
 * clgan.h - the public interface of clgan, a GAN and MLP trainer for any OpenCL device.
 *
 * Everything that can fail returns a clgan_status. Objects are opaque, created by *_init and
 * released by *_free (*_free(NULL) does nothing). A context (clgan_ctx) owns one OpenCL device,
 * its queue, its built programs and a one-line message describing the last failure, read with
 * clgan_ctx_last_error(). The library never writes to stdout and never exits; messages go to
 * the callback set with clgan_log_set() (default: warnings and errors to stderr).
 *
 * Settings (device, cache and kernel folders, build options, CLBlast tuning, log level) are
 * context parameters. clgan_ctx_default_params() takes their defaults from the environment
 * (CLGAN_DEVICE, CLGAN_CACHE_DIR, ...), read once per process; nothing else reads it.
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

/* The library's version, "MAJOR.MINOR.PATCH" (the CLGAN_VERSION_* of the header it was built
 * with; a program may compare it with the header it was compiled against). Never NULL. */
CLGAN_API const char *clgan_version(void);

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
/* Replace the log callback (NULL restores the default stderr logger). Messages below the
 * log_level of their context (of the environment's CLGAN_LOG for messages of no context) are
 * dropped before either. */
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
    int platform; /* platform number, as in P:D */
    int device;   /* device number within the platform */
    enum clgan_device_kind kind;
    char platform_name[128];
    char platform_vendor[128];
    char platform_version[128];
    char name[128];
    char vendor[128];
    char version[128]; /* CL_DEVICE_VERSION */
    char driver_version[128];
    char opencl_c_version[64];
    unsigned compute_units;
    unsigned clock_mhz;
    uint64_t global_mem; /* bytes */
    uint64_t max_alloc;  /* bytes */
    uint64_t local_mem;  /* bytes */
    size_t max_work_group;
    int fp16;
    int fp64;
    int host_unified; /* shares memory with the host */
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
    /* the faster of the two on this device, timed on first use and remembered in the disk
     * cache; without measuring (simulators, no cache_dir) own on CPUs, CLBlast elsewhere */
    CLGAN_GEMM_AUTO = 0,
    CLGAN_GEMM_CLBLAST = 1,
    CLGAN_GEMM_OWN = 2,
};

/* How convolutions and transposed convolutions with k = 4, s = 2, p = 1 run, each pass (forward,
 * input gradient, weight gradient): through a column matrix (im2col, a GEMM, col2im), or by
 * phases and tap rows built in local memory, with no column matrix (cl/convp.cl). AUTO times
 * both routes of each of the three kinds of pass once per device and driver on first use and
 * keeps the faster (cached like the GEMM choice); without measuring (simulators, no cache_dir)
 * the phases on CPUs, the columns elsewhere. Under AUTO layers of fewer than 8 output channels
 * (8 input channels for a weight gradient) keep the columns. */
enum clgan_conv_route {
    CLGAN_CONV_ROUTE_AUTO = 0,
    CLGAN_CONV_ROUTE_COLUMNS = 1,
    CLGAN_CONV_ROUTE_PHASES = 2,
};
CLGAN_API const char *clgan_conv_route_str(enum clgan_conv_route r);

typedef struct clgan_ctx clgan_ctx;

/* How to open a context. Start from clgan_ctx_default_params(), which fills every field (the
 * environment variable named gives the default), then change what you need. The context copies
 * the strings: params may go away after clgan_ctx_init. */
struct clgan_ctx_params {
    const char *device; /* device SPEC as for clgan_device_select (NULL: "auto"); $CLGAN_DEVICE */
    int device_index;   /* >= 0: the device of that index in clgan_devices_query's list, device
                           is then ignored; -1 (default): the SPEC decides */
    int profiling;      /* record per-kernel times with OpenCL events (clgan_ctx_profile); 0 */
    enum clgan_gemm_backend gemm; /* CLGAN_GEMM_AUTO */
    enum clgan_conv_route conv;   /* CLGAN_CONV_ROUTE_AUTO; PHASES where the geometry and the
                                     device's local memory allow it, columns elsewhere (and
                                     always under Mesa's compilers, rusticl and Clover) */
    const char *cache_dir;        /* program binary and GEMM-choice cache folder (NULL, "" or "off":
                                     none); $CLGAN_CACHE_DIR, else $XDG_CACHE_HOME/clgan or
                                     ~/.cache/clgan */
    const char *kernel_dir;       /* read <dir>/<family>.cl instead of the built-in kernels (NULL:
                                     built in); $CLGAN_KERNEL_DIR */
    const char *build_options;    /* extra OpenCL build options after -cl-std=CL1.2 (NULL: none);
                                     $CLGAN_BUILD_OPTIONS */
    const char *clblast_tuning;   /* ':'-separated CLBlast tuner result files (JSON), each applied
                                     to the device it names (NULL: none); $CLGAN_CLBLAST_TUNING */
    enum clgan_log_level log_level; /* least severe message of this context that is logged;
                                       $CLGAN_LOG (debug, info, warn, error), else WARN */
};

/* The defaults above. */
CLGAN_API struct clgan_ctx_params clgan_ctx_default_params(void);

/*
 * Open the device named by params (NULL: the defaults), create its context and queue. On
 * failure *out is NULL and msg receives one line (e.g. the unknown SPEC or index and the list of
 * devices).
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

/* The GEMM backend this context uses: AUTO is resolved here if no GEMM has run yet (which may
 * time both backends once, see CLGAN_GEMM_AUTO). */
CLGAN_API enum clgan_gemm_backend clgan_ctx_gemm_backend(const clgan_ctx *ctx);
/* How it was chosen, one line ("auto: measured own 4.1 ms, CLBlast 80.3 ms (cached in DIR)",
 * "chosen by the caller", ...); resolves AUTO like clgan_ctx_gemm_backend. */
CLGAN_API const char *clgan_ctx_gemm_note(const clgan_ctx *ctx);
CLGAN_API const char *clgan_gemm_backend_str(enum clgan_gemm_backend b);
/* How the convolution routes were chosen, one line ("auto: measured up phases 1.10 ms (columns
 * 1.52 ms), down ...", "chosen by the caller", ...); resolves AUTO, which may time both routes
 * once (see CLGAN_CONV_ROUTE_AUTO). */
CLGAN_API const char *clgan_ctx_conv_note(const clgan_ctx *ctx);

/* One kernel's share of a profile: every launch of that name (a CLBlast routine counts as one
 * name) since the context was opened or the profile last reset. */
struct clgan_prof_entry {
    char name[64];
    long calls;
    double ms;    /* device time summed over the calls (OpenCL event start to end) */
    double flops; /* FLOPs counted for the calls (GEMMs); 0 when not counted */
};

/*
 * The per-kernel profile of a context opened with profiling: waits for queued work, copies up to
 * max entries (in first-launch order) into out (NULL when max is 0) and sets *n to the number of
 * entries there are (may exceed max). Without profiling, *n is 0. Returns the status of the wait.
 */
CLGAN_API clgan_status clgan_ctx_profile(clgan_ctx *ctx, struct clgan_prof_entry *out, int max,
                                         int *n);
/* Wait for queued work and empty the profile. */
CLGAN_API void clgan_ctx_profile_reset(clgan_ctx *ctx);

/* ---------------------------------------------------------------- buffers */

/* A float32 device buffer (NCHW tensors live in these). */
typedef struct clgan_buffer clgan_buffer;

/* Allocate n floats. Refuses sizes over the device's limits with both sizes in the message. */
CLGAN_API clgan_status clgan_buffer_init(clgan_ctx *ctx, size_t n, clgan_buffer **out);
CLGAN_API void clgan_buffer_free(clgan_buffer *buf);
CLGAN_API size_t clgan_buffer_size(const clgan_buffer *buf);
/* Copy n floats between host and device, starting at float offset off. Blocking. */
CLGAN_API clgan_status clgan_buffer_write(clgan_buffer *buf, size_t off, size_t n,
                                          const float *src);
CLGAN_API clgan_status clgan_buffer_read(clgan_buffer *buf, size_t off, size_t n, float *dst);

/* ---------------------------------------------------------------- GAN training */

/* Everything `clgan train` can be told. clgan_gan_default_params() gives PyTorch's DCGAN
 * example defaults (Adam 2e-4, betas 0.5/0.999, batch 64, nz 100, ngf = ndf = 64). */
struct clgan_gan_params {
    /* the networks: a DCGAN preset "dcgan<N>" (N a power of two from 16: dcgan32, dcgan64, ...;
     * NULL: dcgan32, or what the checkpoint holds when resuming), the preset at image_size
     * (0: the model's), or a JSON architecture file (arch, as `clgan arch` prints; then model,
     * image_size, nz, ngf and ndf are not used). A checkpoint stores the architecture, so a
     * resumed run needs none of these; if given, they must match it. */
    const char *model;
    int image_size;
    const char *arch;
    /* class-conditional DCGAN preset: G reads z and an embedding of the class, D is a projection
     * discriminator; the classes come from the data set's labels. (An architecture file with a
     * label input is conditional by itself.) */
    int cond;
    int nz, ngf, ndf;
    int channels; /* 0: from the data (1 for Fashion-MNIST) */
    int batch;
    double lr, beta1, beta2;
    int d_steps;        /* D updates per G update */
    const char *g_loss; /* "ns" (non-saturating) or "minimax" */
    double real_label;  /* target for real images (1; < 1 for label smoothing) */
    uint64_t seed;
    int epochs;
    long long iters;      /* cap on training steps (0: none) */
    long long max_images; /* use only the first N images of the data set (0: all) */
    const char *data;     /* "fashion-mnist", "mnist:DIR", "idx:FILE", "folder:DIR" (a folder of
                             class folders is labelled by them, as torchvision's ImageFolder) */
    const char *labels;   /* IDX label file for idx:FILE data (NULL: unlabelled) */
    long long per_class;  /* keep only the first N images of each class, after max_images (0:
                             all); a class with fewer is an error */
    const char *out_dir;
    int log_every, sample_every, ckpt_every, keep_ckpts;
    /* also log each logged step as a line of JSON to this file (NULL: none): a run's first
     * line is {"config": {...}} with every setting, then {"step": ..., "epoch": ..., the
     * scalars, "images_per_s", "elapsed_s", "time"} per logged step. A new run starts the file
     * (one that holds a log is refused unless overwrite); a resumed run appends a new config
     * line and its steps. Only rank 0 of a distributed run writes it. */
    const char *log_jsonl;
    /* clgan_gan_train's callback also reports about every refresh_s seconds between logged
     * steps (after as many steps as the device did in that time, with their scalars read back;
     * 0: only logged steps and epoch ends). Not with dist: every rank must read back the same
     * steps. */
    double refresh_s;
    const char *resume; /* run folder or checkpoint file to continue from */
    /* a new run's starting weights (and BN statistics) for G and for D, as PyTorch's example's
     * --netG/--netD: a clgan checkpoint (its netG./netD. tensors), a generator file (G), or a
     * PyTorch state_dict saved as safetensors under the example's names (main.<i>.weight, ...).
     * NULL: random initialisation. Each tensor must have the network's shape. */
    const char *init_g, *init_d;
    /* Data-parallel training over the processes of an MPI job (NULL: this process alone; see
     * clgan_dist_init). batch is then the global batch, a multiple of the job's size: each rank
     * takes its slice of every global batch and of its noise; rank 0's weights are broadcast at
     * init and every model's gradients are summed over the ranks (then divided by their count)
     * before each optimizer step. Only rank 0 writes files. */
    struct clgan_dist *dist;
    /* With dist: batch norms reduce their per-channel sums across the ranks, so that they see
     * the statistics of the global batch (default: each rank its own slice's, as PyTorch's
     * DDP). */
    int sync_bn;
    /* With dist: every sum across ranks is taken in rank order, so two runs with the same seed
     * give the same bits. */
    int deterministic;
    /* a new run into an out_dir that holds a run (a checkpoint, metrics rows) removes that
     * run's files; 0: such a run is refused. Another process's run is always refused. */
    int overwrite;
    /* (a new field is also named in the table of clgan_gan_params_set, train/gan_params.c) */
};

CLGAN_API struct clgan_gan_params clgan_gan_default_params(void);

/*
 * The parameters by name, for programs that do not mirror the struct above (bindings from other
 * languages): clgan_gan_params_new gives a heap copy of the defaults (NULL: out of memory),
 * clgan_gan_params_set one field of it by its name in the struct ("batch", "lr", "data", ...;
 * every field but dist) from text, clgan_gan_params_free releases it. Numbers must be whole
 * texts within their field's type (int, 64-bit, unsigned 64-bit seed, finite double; flags are
 * 0 or 1 as ints); what they mean is checked by clgan_gan_init. Strings are copied and owned by
 * p (value NULL sets NULL). Only for p from clgan_gan_params_new. INVALID_ARGUMENT with one line
 * in msg naming the parameter for an unknown name or a bad number.
 */
CLGAN_API struct clgan_gan_params *clgan_gan_params_new(void);
CLGAN_API clgan_status clgan_gan_params_set(struct clgan_gan_params *p, const char *name,
                                            const char *value, char *msg, size_t msg_len);
CLGAN_API void clgan_gan_params_free(struct clgan_gan_params *p);

typedef struct clgan_gan clgan_gan;

/* The scalars of one step (read back only when asked for). */
struct clgan_gan_stats {
    long long step; /* steps done, this one included */
    int epoch;      /* the epoch this step belongs to, from 1 (the last step of the first epoch
                       is in epoch 1) */
    double loss_d, loss_g;
    double d_x;    /* mean D(x) on the real batch */
    double d_g_z1; /* mean D(G(z)) in the D step (before the G update) */
    double d_g_z2; /* mean D(G(z)) in the G step (after the D update) */
};

/*
 * Build G on g_ctx and D on d_ctx (the same context, or two: the fake batch and its gradient
 * then cross between the devices), load the data set, initialise or resume. Returns
 * INVALID_ARGUMENT, IO or CORRUPT_FILE with a one-line message in msg for bad parameters or
 * files.
 */
CLGAN_API clgan_status clgan_gan_init(clgan_ctx *g_ctx, clgan_ctx *d_ctx,
                                      const struct clgan_gan_params *params, clgan_gan **out,
                                      char *msg, size_t msg_len);
CLGAN_API void clgan_gan_free(clgan_gan *gan);

/*
 * The configuration a run's checkpoint holds, for continuing it (resume: a run folder or a
 * checkpoint file). Sets in *p: data, labels, max_images, per_class, batch, lr, beta1, beta2,
 * d_steps, g_loss, real_label, seed, epochs, iters, log_every, sample_every, ckpt_every,
 * keep_ckpts, cond, nz, ngf, ndf and model (the last five for comparing
 * with what a user asks: with none of model, image_size and arch set, clgan_gan_init takes the
 * networks from the checkpoint), resume, and out_dir: the run folder (resume itself, or the
 * folder above the file's checkpoints/ folder; NULL for a file elsewhere). Fields a checkpoint
 * written by an older clgan lacks keep p's values; the rest of p is left as it is. The strings
 * live in *store (free() it). Every value is range-checked: CORRUPT_FILE naming the field.
 */
CLGAN_API clgan_status clgan_gan_resume_params(const char *resume, struct clgan_gan_params *p,
                                               char **store, char *msg, size_t msg_len);

/* One training step (k D updates, one G update). stats may be NULL (no read-back). */
CLGAN_API clgan_status clgan_gan_step(clgan_gan *gan, struct clgan_gan_stats *stats);

/* Steps per epoch, steps done, and the step count the run stops at. */
CLGAN_API void clgan_gan_progress(const clgan_gan *gan, long long *per_epoch, long long *done,
                                  long long *total);

/* What a GAN trains on, as loaded (after max_images and per_class). */
struct clgan_gan_info {
    const char *data;            /* the data set ("fashion-mnist", "folder:DIR", ...) */
    const char *model;           /* the preset's name, or the architecture file's */
    size_t images;               /* images in the set */
    int width, height, channels; /* of the images as stored */
    int classes;                 /* classes of the set's labels (0: unlabelled) */
    int image_size;              /* the networks' images (size x size): the data are centred */
};
CLGAN_API void clgan_gan_get_info(const clgan_gan *gan, struct clgan_gan_info *info);

/* Floating-point operations of one training step, counted from the layer shapes. */
CLGAN_API double clgan_gan_flops_per_step(const clgan_gan *gan);

/* Write n samples of G (in [-1, 1], NCHW) from noise of this seed into out. A conditional G
 * draws sample i of class (i / 8) mod classes: rows of 8 per class, as the run's grids. */
CLGAN_API clgan_status clgan_gan_sample(clgan_gan *gan, uint64_t seed, int n, float *out);

/* Write an 8x8 PNG grid of samples from the run's fixed noise (the grids of `clgan train`). */
CLGAN_API clgan_status clgan_gan_write_grid(clgan_gan *gan, const char *path);

/* Save / load the whole training state (G, D, optimizers, step, RNG, shuffle, configuration)
 * as a safetensors file, atomically. */
CLGAN_API clgan_status clgan_gan_save(clgan_gan *gan, const char *path);

/* The last error message of this GAN (names the device, file or step). */
CLGAN_API const char *clgan_gan_last_error(const clgan_gan *gan);

/* One report of clgan_gan_train to its callback: after a logged step, after the last step of
 * an epoch, and about every refresh_s seconds in between. */
struct clgan_gan_report {
    const struct clgan_gan_stats *stats; /* the step's scalars */
    int logged;                          /* a logged step (log_every, the run's last): its row is
                                            in metrics.csv */
    int epoch_end;                       /* the step ended an epoch */
    long long step_in_epoch;             /* 1 .. per_epoch */
    long long per_epoch, total;          /* steps per epoch; the step the run stops at */
    int epochs;                          /* the epoch the run ends in */
    int images_per_step;                 /* real images a step takes (batch x D steps) */
    double images_per_s;                 /* since the previous report */
    double elapsed_s;                    /* since clgan_gan_train started */
    double eta_s;                        /* to the end of the run, at the rate so far */
};

/*
 * Run the whole training loop of `clgan train`: a real_samples.png grid of the first batch (a
 * fresh run), steps, progress (through the callback, may be NULL), metrics.csv, sample grids,
 * checkpoints, the curves picture. *stop (may be NULL) is polled after each step: when it
 * becomes non-zero a checkpoint is written and INTERRUPTED is returned. A non-finite logged
 * scalar stops with NUMERICAL, keeping the last good checkpoint.
 */
typedef void (*clgan_progress_fn)(const struct clgan_gan_report *report, void *user);
CLGAN_API clgan_status clgan_gan_train(clgan_gan *gan, volatile int *stop, clgan_progress_fn fn,
                                       void *user);

/*
 * The architecture of a DCGAN preset ("dcgan32", "dcgan64", or "dcgan<N>"; image_size, when not
 * 0, overrides N) as the JSON text that `clgan train --arch` reads: both networks, every layer.
 * classes > 0 gives the class-conditional pair. *json is malloc'ed (free() it). On failure msg
 * gets one line.
 */
CLGAN_API clgan_status clgan_arch_preset_json(const char *model, int image_size, int nz, int ngf,
                                              int ndf, int channels, int classes, char **json,
                                              char *msg, size_t msg_len);
/* Check an architecture text (as read from a file): OK, or one line naming the network, the
 * layer and the key in msg. */
CLGAN_API clgan_status clgan_arch_check_json(const char *json, char *msg, size_t msg_len);

/* ---------------------------------------------------------------- many processes (MPI) */

/* A process's place in an MPI job (mpirun -np N clgan ...). */
typedef struct clgan_dist clgan_dist;

/* 1 when the library was built with MPI support, else 0. */
CLGAN_API int clgan_dist_compiled(void);

/* 1 when this process was started by an MPI launcher (Open MPI's mpirun, or a PMI/PMIx one). */
CLGAN_API int clgan_dist_launched(void);

/*
 * Join the MPI job this process belongs to (MPI_Init; a process started without a launcher is a
 * job of one). One per process; clgan_dist_free leaves the job. UNSUPPORTED with "MPI support is
 * not compiled in" when built without MPI, IO when MPI fails to start.
 */
CLGAN_API clgan_status clgan_dist_init(clgan_dist **out, char *msg, size_t msg_len);
/* Leave the job (MPI_Finalize). NULL does nothing. */
CLGAN_API void clgan_dist_free(clgan_dist *d);

/* This process's rank, the job's size, the rank among the processes of this host, and the
 * host's name. */
CLGAN_API int clgan_dist_rank(const clgan_dist *d);
CLGAN_API int clgan_dist_size(const clgan_dist *d);
CLGAN_API int clgan_dist_local_rank(const clgan_dist *d);
CLGAN_API const char *clgan_dist_host(const clgan_dist *d);

/*
 * The device of this rank among devs: the local rank's entry of per_rank ("SPEC,SPEC,...", one
 * per process of a host; NULL or empty: not given), else the local rank's index among the
 * devices spec matches (a type or name matches several; "auto" the best kind present; an index
 * or P:D one), wrapping around when ranks outnumber them. INVALID_ARGUMENT with one line in msg
 * for a bad SPEC or a list too short.
 */
CLGAN_API clgan_status clgan_dist_pick_device(const clgan_dist *d, const char *spec,
                                              const char *per_rank,
                                              const struct clgan_device_info *devs, int count,
                                              int *index, char *msg, size_t msg_len);

/* Collect each rank's text on rank 0 in rank order: *all (rank 0 only; malloc'ed, free() it)
 * holds them one after another; other ranks get NULL. A collective: every rank calls it. */
CLGAN_API clgan_status clgan_dist_gather_text(clgan_dist *d, const char *text, char **all);

/* 1 when flag is non-zero on any rank (a collective: every rank calls it). */
CLGAN_API int clgan_dist_any(clgan_dist *d, int flag);

/* End the whole job with this exit code (MPI_Abort): for a command whose rank failed, after it
 * has printed its message, so that no rank is left waiting in a collective. Does not return. */
CLGAN_API void clgan_dist_abort(clgan_dist *d, int code);

/* Where a distributed run's time goes, summed over its steps on this rank. */
struct clgan_gan_dist_stats {
    long long steps;          /* training steps */
    long long allreduces;     /* gradient all-reduces (one per model update) */
    double step_s;            /* wall time of the steps */
    double allreduce_s;       /* of which in the all-reduces (queue finished before timing) */
    double bn_sync_s;         /* of which in batch-norm sums (--sync-bn) */
    unsigned long long bytes; /* gradient bytes each rank contributed */
};
/* Whether every rank holds the same bits in G's and D's parameters (*same 1; a collective: every
 * rank calls it). A run of one process: 1. */
CLGAN_API clgan_status clgan_gan_dist_replicas_same(clgan_gan *gan, int *same);
/* This rank's timings (zero for a run of one process). */
CLGAN_API void clgan_gan_dist_get_stats(const clgan_gan *gan, struct clgan_gan_dist_stats *out);

/* ---------------------------------------------------------------- generators */

typedef struct clgan_generator clgan_generator;

/* Load G from a training checkpoint or a generator.safetensors file, for batches up to
 * max_batch. */
CLGAN_API clgan_status clgan_generator_load(clgan_ctx *ctx, const char *path, int max_batch,
                                            clgan_generator **out, char *msg, size_t msg_len);
/* The same, for a file without clgan's metadata (a PyTorch state_dict under the names of its
 * DCGAN example): arch_file (as `clgan arch` prints, or G's spec alone) gives the architecture;
 * NULL infers a DCGAN preset from the tensors' names and shapes. Given for a clgan file too,
 * arch_file is the architecture its tensors must fit. */
CLGAN_API clgan_status clgan_generator_load_arch(clgan_ctx *ctx, const char *path,
                                                 const char *arch_file, int max_batch,
                                                 clgan_generator **out, char *msg, size_t msg_len);
CLGAN_API void clgan_generator_free(clgan_generator *gen);
/* Noise size, channels and image size. */
CLGAN_API void clgan_generator_shape(const clgan_generator *gen, int *nz, int *nc, int *size);
/* How G's batch norms normalise in clgan_generator_forward. */
enum clgan_bn_mode {
    /* the statistics of the batch being drawn (G in training mode, as the sample grids of
     * PyTorch's DCGAN example): the default. Samples are drawn in batches of max_batch, so an
     * image depends on the other noise vectors of its batch. */
    CLGAN_BN_BATCH = 0,
    /* the running statistics kept during training (PyTorch's G.eval()): each image depends on
     * its own noise vector (and label) alone: image i is the same bits whatever n is. */
    CLGAN_BN_EVAL = 1,
};
/* Set the batch-norm mode of later forward calls (CLGAN_BN_BATCH after load). INVALID_ARGUMENT
 * for a value outside the enum. */
CLGAN_API clgan_status clgan_generator_set_bn(clgan_generator *gen, enum clgan_bn_mode mode);
/* out (n x nc x size x size, in [-1, 1]) = G(z) for z (n x nz), batch norms as set by
 * clgan_generator_set_bn. A conditional G needs labels: use clgan_generator_forward_labels. */
CLGAN_API clgan_status clgan_generator_forward(clgan_generator *gen, const float *z, int n,
                                               float *out);
/* Classes of a conditional G (0: unconditional) and the name of class k (the data set's, e.g.
 * Fashion-MNIST's "Sneaker", or "k" when the checkpoint has none; NULL out of range). */
CLGAN_API int clgan_generator_classes(const clgan_generator *gen);
CLGAN_API const char *clgan_generator_class_name(const clgan_generator *gen, int k);
/* The data set spec G was trained on, as the file records it ("fashion-mnist", "mnist:DIR",
 * ...), or NULL when it records none (generator files of older runs). */
CLGAN_API const char *clgan_generator_data(const clgan_generator *gen);
/* The same with a class label per sample (labels[i] in 0..classes-1; ignored when G is not
 * conditional). */
CLGAN_API clgan_status clgan_generator_forward_labels(clgan_generator *gen, const float *z,
                                                      const int32_t *labels, int n, float *out);
/* The last error message of this generator (names the device or the bad argument). */
CLGAN_API const char *clgan_generator_last_error(const clgan_generator *gen);
/* n standard-normal noise vectors from the device RNG (the same on every device). */
CLGAN_API clgan_status clgan_generator_noise(clgan_generator *gen, uint64_t seed, int n, float *z);

/*
 * Noise vectors from a file, for clgan_generator_forward: a NumPy .npy file (format 1.0 or 2.0,
 * dtype '<f4', C order, shape (n, nz) or (n, nz, 1, 1)), or raw little-endian float32 values
 * (numpy's z.astype('<f4').tofile()), n * nz of them with n inferred from the size. A path ending
 * in .npy must be an NPY file. At most max_n vectors; every value must be finite. *z is
 * malloc'ed (free() it), *n the vector count. CORRUPT_FILE for a malformed file (the field at
 * fault named), INVALID_ARGUMENT for one that does not fit (another nz, no vectors, more than
 * max_n), IO; one line in msg naming the file.
 */
CLGAN_API clgan_status clgan_noise_load(const char *path, int nz, int max_n, float **z, int *n,
                                        char *msg, size_t msg_len);
/* Write n noise vectors of nz values as .npy (format 1.0, '<f4', shape (n, nz, 1, 1): the input
 * shape of PyTorch's DCGAN generator), atomically. */
CLGAN_API clgan_status clgan_noise_save(const char *path, const float *z, int n, int nz, char *msg,
                                        size_t msg_len);

/* ---------------------------------------------------------------- pictures */

/*
 * Write images (n x c x h x w floats, c = 1 gray or 3 RGB, values in [-1, 1] as the generator's
 * tanh gives them) as a PNG grid of rows x cols cells, row-major, with a 2-pixel black border
 * around every cell. rows or cols <= 0 picks them (cols = ceil(sqrt(n)), rows = ceil(n / cols)).
 * The file is written atomically. INVALID_ARGUMENT for bad sizes, IO for write failures, with
 * one line in msg.
 */
CLGAN_API clgan_status clgan_png_write_grid(const char *path, const float *images, int n, int c,
                                            int h, int w, int rows, int cols, char *msg,
                                            size_t msg_len);
/* Write one image (c x h x w, as above) as a PNG file. */
CLGAN_API clgan_status clgan_png_write_image(const char *path, const float *image, int c, int h,
                                             int w, char *msg, size_t msg_len);

/*
 * Write an SVG horizontal bar chart: one bar per label with its value (and unit, NULL for none)
 * after it; title may be NULL. A non-finite value shows "n/a". Written atomically.
 * INVALID_ARGUMENT for no bars, IO for write failures, with one line in msg.
 */
CLGAN_API clgan_status clgan_svg_write_bars(const char *path, const char *title, const char *unit,
                                            const char *const *labels, const double *values, int n,
                                            char *msg, size_t msg_len);

/*
 * Write a gzip-compressed IDX file of unsigned bytes (the MNIST format, magic 0x0000 08 ndim):
 * ndim (1..4) big-endian dims, then the dims[0] x ... x dims[ndim-1] bytes of data; images are
 * ndim 3 (n x h x w), labels ndim 1. The same data give the same bytes (no time or name in the
 * gzip header). Written atomically. INVALID_ARGUMENT, OUT_OF_HOST_MEMORY, IO; one line in msg.
 */
CLGAN_API clgan_status clgan_idx_write_gz(const char *path, const uint8_t *data,
                                          const uint32_t *dims, int ndim, char *msg,
                                          size_t msg_len);

/* ---------------------------------------------------------------- MLP classifiers */

/*
 * Multilayer perceptrons on CSV tables, trained as RSNNS's mlp() trains them with SNNS: the rows
 * shuffled with the seed, the first floor(n (1 - test_ratio)) for training and the last ones for
 * testing; every input column z-scored with the training rows' mean and sample standard
 * deviation (n - 1; a constant column is only centred); one-hot 0/1 targets, classes numbered
 * in sorted label order; fully connected logistic hidden and output units with a bias each
 * (softmax outputs with the cross-entropy loss); weights and biases uniform in [-r, r); the class
 * of a row is the output unit with the largest value, a tie leaves the row unclassified. The whole
 * epoch runs on the device; the errors are read back once per epoch.
 */

/* Learning rules and their parameters (defaults in brackets). */
enum clgan_mlp_learn {
    CLGAN_MLP_QUICKPROP = 0,    /* SNNS batch Quickprop: eta, mu, decay, dmax [0.1, 2, 1e-4, 0.1] */
    CLGAN_MLP_STD_BACKPROP = 1, /* SNNS online backprop, one update per pattern: eta, dmax
                                   [0.2, 0] */
    CLGAN_MLP_SGD = 2,          /* PyTorch SGD on mini-batches: lr, momentum, weight decay
                                   [1e-3, 0, 0] */
    CLGAN_MLP_ADAM = 3,         /* PyTorch Adam on mini-batches: lr, beta1, beta2, eps, weight
                                   decay [1e-3, 0.9, 0.999, 1e-8, 0] */
};

/* The error a network learns. */
enum clgan_mlp_loss {
    CLGAN_MLP_LOSS_SSE = 0, /* logistic outputs, SNNS's squared error sum d^2 (dead zone dmax) */
    CLGAN_MLP_LOSS_CE = 1,  /* softmax outputs, cross-entropy (summed over the rows when logged) */
};

#define CLGAN_MLP_MAX_HIDDEN       8
#define CLGAN_MLP_MAX_LEARN_PARAMS 5

struct clgan_mlp_params {
    int hidden[CLGAN_MLP_MAX_HIDDEN]; /* hidden layer widths */
    int n_hidden;                     /* 0: no hidden layer */
    enum clgan_mlp_learn learn;
    double learn_params[CLGAN_MLP_MAX_LEARN_PARAMS];
    int n_learn_params; /* the first n replace the rule's defaults */
    enum clgan_mlp_loss loss;
    int maxit;                /* epochs clgan_mlp_train runs */
    int batch;                /* SGD and Adam: rows per update (0: all training rows) */
    double test_ratio;        /* in [0, 1): share of the rows held out */
    double init_range;        /* r: initial weights uniform in [-r, r) */
    uint64_t seed;            /* row shuffle, weights, per-epoch pattern order */
    const char *class_column; /* NULL or "": the last column */
};

/* RSNNS's example: one hidden layer of 5, Quickprop with its defaults, 100 epochs, test ratio
 * 0.15, SSE, r = 0.3, batch 1 for SGD and Adam (PyTorch's DataLoader default), seed 1. */
CLGAN_API struct clgan_mlp_params clgan_mlp_default_params(void);

/* "quickprop", "std-backprop", "sgd", "adam"; the number of parameters a rule takes and their
 * defaults (into defaults[CLGAN_MLP_MAX_LEARN_PARAMS]); -1 for an unknown rule. */
CLGAN_API const char *clgan_mlp_learn_str(enum clgan_mlp_learn learn);
CLGAN_API int clgan_mlp_learn_defaults(enum clgan_mlp_learn learn, double *defaults);

typedef struct clgan_mlp clgan_mlp;

/*
 * Read a CSV table (header row, numeric feature columns, one class column), split and
 * normalise it, build the network on ctx and initialise it. On failure *out is NULL and msg gets
 * one line (the file, line and column of bad data; which parameter is wrong). Statuses:
 * INVALID_ARGUMENT, IO, CORRUPT_FILE, and device errors.
 */
CLGAN_API clgan_status clgan_mlp_init(clgan_ctx *ctx, const char *csv_path,
                                      const struct clgan_mlp_params *params, clgan_mlp **out,
                                      char *msg, size_t msg_len);
CLGAN_API void clgan_mlp_free(clgan_mlp *mlp);

/* What a network is and what it was trained on. Pointers stay valid while mlp lives. */
struct clgan_mlp_info {
    int n_layers; /* sizes: inputs, hidden widths, outputs */
    int sizes[CLGAN_MLP_MAX_HIDDEN + 2];
    size_t n_params;        /* weights and biases */
    size_t n_train, n_test; /* rows (0 for a loaded model) */
    int epochs;             /* epochs trained */
    enum clgan_mlp_learn learn;
    enum clgan_mlp_loss loss;
    double learn_params[CLGAN_MLP_MAX_LEARN_PARAMS]; /* as used, defaults filled in */
    int n_learn_params;
    uint64_t seed;
    double test_ratio;
    const char *const *class_names;   /* sizes[n_layers - 1] labels, in class order */
    const char *const *feature_names; /* sizes[0] column names, in input order */
    const char *class_column;
};
CLGAN_API void clgan_mlp_get_info(const clgan_mlp *mlp, struct clgan_mlp_info *info);

/* One epoch: one update (Quickprop), one per pattern (std-backprop) or per batch (SGD, Adam).
 * train_error is summed during the epoch, before its update(s); test_error after them (NaN
 * without test rows). Either pointer may be NULL. */
CLGAN_API clgan_status clgan_mlp_epoch(clgan_mlp *mlp, double *train_error, double *test_error);

/* Run epochs until params.maxit are done, calling fn (may be NULL) after each. A non-finite
 * error stops with NUMERICAL. */
typedef void (*clgan_mlp_epoch_fn)(int epoch, double train_error, double test_error, void *user);
CLGAN_API clgan_status clgan_mlp_train(clgan_mlp *mlp, clgan_mlp_epoch_fn fn, void *user);

/* Row sets: every row, or the training or test rows of the split. */
enum clgan_mlp_rows {
    CLGAN_MLP_ROWS_ALL = 0,
    CLGAN_MLP_ROWS_TRAIN = 1,
    CLGAN_MLP_ROWS_TEST = 2,
};

/* Confusion matrix of the training or test rows: conf holds k rows (targets) of k + 1 counts
 * (predicted classes, then unclassified), k = the number of classes. */
CLGAN_API clgan_status clgan_mlp_confusion(clgan_mlp *mlp, enum clgan_mlp_rows rows, int *conf);

/* Classify n rows of raw (not normalised) features x [n x inputs] in the network's feature
 * order: cls[i] a class or -1 (tie); out (may be NULL) n x k outputs (logistic or softmax). */
CLGAN_API clgan_status clgan_mlp_predict(clgan_mlp *mlp, const double *x, size_t n, int *cls,
                                         float *out);

/* Rows of a CSV file classified by clgan_mlp_predict_csv; free with clgan_mlp_pred_free. */
struct clgan_mlp_pred {
    size_t n;
    int *cls;    /* n predicted classes (-1: unclassified) */
    int *target; /* n classes of the file's class column, NULL when it has none */
    float *out;  /* n x k outputs */
    size_t *row; /* n row numbers (0-based data rows of the file) */
};
CLGAN_API void clgan_mlp_pred_free(struct clgan_mlp_pred *p);

/*
 * Classify a CSV file. Feature columns are found by name (any order; other numeric columns are
 * ignored); the class column is optional, and its labels must be classes of the network. rows
 * picks every row or the rows that the network's seed and test ratio put in its training or
 * test set (the file it was trained on gives the same split again).
 */
CLGAN_API clgan_status clgan_mlp_predict_csv(clgan_mlp *mlp, const char *path,
                                             enum clgan_mlp_rows rows, struct clgan_mlp_pred *out);

/* Save the network (weights, sizes, activations, classes, features, normalisation, training
 * settings) as a safetensors file, atomically; load it back for prediction (no data, no
 * further training). */
CLGAN_API clgan_status clgan_mlp_save(clgan_mlp *mlp, const char *path);
CLGAN_API clgan_status clgan_mlp_load(clgan_ctx *ctx, const char *path, clgan_mlp **out, char *msg,
                                      size_t msg_len);

/* The last error message of this network. */
CLGAN_API const char *clgan_mlp_last_error(const clgan_mlp *mlp);

/* ---------------------------------------------------------------- image classifiers */

/*
 * Classifiers on labelled image data sets (the MLP above grown to images): an MLP or a small CNN
 * (or any network file with one image input and one logit per class) trained with softmax
 * cross-entropy and Adam on shuffled mini-batches gathered on the device, optionally mixed with
 * an extra labelled set (e.g. samples of a class-conditional GAN), and evaluated on a test set.
 * Images are scaled to [-1, 1] and centred (padded or cropped) to the network's input size, so a
 * 32x32 generated set mixes with 28x28 data.
 *
 * Data set specs (labels required): fashion-mnist, mnist:DIR, idx:FILE (labels from the file
 * named with labels-idx1 for images-idx3, when present), folder:DIR, or a plain DIR holding
 * images-idx3-ubyte[.gz] and labels-idx1-ubyte[.gz] (what `clgan augment` writes) or the
 * train-* files. The test set of fashion-mnist and mnist:DIR is their t10k-* pair.
 */

struct clgan_classifier_params {
    const char *arch;   /* "cnn", "mlp" or a network file (JSON, as `clgan classify arch`
                           prints: input [C, S, S], output one logit per class) */
    int width;          /* cnn: channels of the first block; mlp: hidden units (0: 32, 256) */
    int image_size;     /* input size S of a preset (0: the training data's) */
    const char *data;   /* training set spec */
    const char *test;   /* test set spec (NULL: the training set's own test files; "none":
                           no test set) */
    long long test_max; /* evaluate on the first N test images (0: all) */
    int per_class;      /* keep only the first N images of each class of the set trained
                           on (the extra set with extra_only; 0: all) */
    const char *extra;  /* extra labelled set (DIR or spec; NULL: none) */
    double extra_ratio; /* share of each batch drawn from the extra set, in [0, 1] */
    int extra_only;     /* train on the extra set alone (Classification Accuracy Score) */
    int epochs, batch;
    double lr, beta1, beta2, weight_decay; /* Adam */
    uint64_t seed;                         /* weights and batch order */
};

/* cnn, the training set's size, fashion-mnist and its test set, no extra set (ratio 0.5 when
 * one is given), 5 epochs, batch 64, Adam 1e-3 (0.9, 0.999), no weight decay, seed 1. */
CLGAN_API struct clgan_classifier_params clgan_classifier_default_params(void);

typedef struct clgan_classifier clgan_classifier;

/*
 * Load the data sets, build the network on ctx, initialise it, put the training images and
 * labels on the device. On failure *out is NULL and msg gets one line naming the flag or file
 * and the numbers (unknown arch, class counts that differ, a ratio outside [0, 1], a missing test
 * set, --per-class larger than a class). INVALID_ARGUMENT, IO, CORRUPT_FILE, device errors.
 */
CLGAN_API clgan_status clgan_classifier_init(clgan_ctx *ctx,
                                             const struct clgan_classifier_params *params,
                                             clgan_classifier **out, char *msg, size_t msg_len);
CLGAN_API void clgan_classifier_free(clgan_classifier *c);

/* What a classifier is and what it trains on. Pointers stay valid while c lives. */
struct clgan_classifier_info {
    int classes, channels, size; /* logits; input channels and size */
    size_t n_params;
    size_t n_train, n_extra, n_test; /* images (0 for a loaded classifier) */
    int batch_train, batch_extra;    /* images of each set in a full batch */
    long long steps_per_epoch;
    int epochs;   /* epochs trained */
    int features; /* values clgan_classifier_features gives per image (0: none, the last layer
                     is not linear) */
    const char *arch;
    const char *const *class_names;  /* classes names ("T-shirt/top", ..., or "0", "1", ...) */
    const char *data, *test, *extra; /* specs (NULL when not used) */
};
CLGAN_API void clgan_classifier_get_info(const clgan_classifier *c,
                                         struct clgan_classifier_info *info);

/* One epoch over the training set (over the extra set with extra_only): mean loss and
 * accuracy of the training batches (either pointer may be NULL). */
CLGAN_API clgan_status clgan_classifier_epoch(clgan_classifier *c, double *loss, double *acc);

/* Epochs until params.epochs are done, calling fn (may be NULL) after each; a non-finite loss
 * stops with NUMERICAL. */
typedef void (*clgan_classifier_epoch_fn)(int epoch, double loss, double acc, double secs,
                                          void *user);
CLGAN_API clgan_status clgan_classifier_train(clgan_classifier *c, clgan_classifier_epoch_fn fn,
                                              void *user);

/*
 * Progress inside an epoch (clgan_classifier_epoch, clgan_classifier_train): fn gets the epoch
 * being trained (from 1), the steps done of the epoch's, and the mean loss and accuracy of those
 * steps, after the first step and then about every every_s seconds (counted in steps: as many as
 * the device did in that time between the last two reports, as each report waits for the
 * device). fn NULL (the default): no reports.
 */
typedef void (*clgan_classifier_step_fn)(int epoch, long long step, long long steps, double loss,
                                         double acc, void *user);
CLGAN_API void clgan_classifier_set_progress(clgan_classifier *c, clgan_classifier_step_fn fn,
                                             double every_s, void *user);

/* Confusion matrix on the test set, in clgan_mlp_confusion's layout: k rows (targets) of
 * k + 1 counts (predicted classes, then unclassified: a NaN logit). INVALID_ARGUMENT without a
 * test set. */
CLGAN_API clgan_status clgan_classifier_confusion(clgan_classifier *c, int *conf);

/* Classify n uint8 images (n x channels x height x width, the network's channels; any size,
 * centred to the input): cls[i] the class of the largest logit (-1 for NaN), prob (may be NULL)
 * n x k softmax probabilities. */
CLGAN_API clgan_status clgan_classifier_predict(clgan_classifier *c, const uint8_t *images,
                                                size_t n, int channels, int height, int width,
                                                int *cls, float *prob);

/*
 * The penultimate features and the probabilities of n uint8 images (as clgan_classifier_predict
 * takes them), for judging generated images (`clgan eval`): features (may be NULL) gets
 * n x info.features values, the input of the network's last layer, which must be linear, averaged
 * over its positions when it is a feature map (C x H x W with H x W > 1 gives C values, as
 * Inception's pooled features; the cnn preset gives 4 x its width); prob (may be NULL) n x k
 * softmax probabilities. INVALID_ARGUMENT when the last layer is not linear (with features) or
 * the images' channels differ from the classifier's.
 */
CLGAN_API clgan_status clgan_classifier_features(clgan_classifier *c, const uint8_t *images,
                                                 size_t n, int channels, int height, int width,
                                                 float *features, float *prob);

/* Images of a data set classified by clgan_classifier_predict_data; free with
 * clgan_classifier_pred_free. */
struct clgan_classifier_pred {
    size_t n;
    int *cls;    /* predicted classes */
    int *target; /* the set's labels, NULL when it has none */
    float *prob; /* n x k probabilities */
};
CLGAN_API void clgan_classifier_pred_free(struct clgan_classifier_pred *p);

/* Classify a data set (spec as above; test 1: its test files); at most max images (0: all). A
 * label the classifier does not know is an error. */
CLGAN_API clgan_status clgan_classifier_predict_data(clgan_classifier *c, const char *spec,
                                                     int test, long long max,
                                                     struct clgan_classifier_pred *out);

/* An image data set on the host, read by spec as the classifiers read theirs. */
struct clgan_image_set {
    size_t n;
    int channels, height, width;
    uint8_t *pixels;    /* n x channels x height x width */
    uint8_t *labels;    /* n class indices, NULL when the set has none */
    int classes;        /* 1 + the largest label (0 without labels) */
    char **class_names; /* classes names, NULL without labels */
};
/* Read a data set by spec (forms as above): its training files (test 0) or its test split
 * (test 1: the t10k-* pair of fashion-mnist, mnist:DIR and DIR; idx:FILE and folder:DIR have
 * none), gray (channels 1) or RGB (3), folder images at size x size (0: 28), the first max
 * images (0: all); labels where the set has them. On failure *out is zeroed and msg gets one
 * line naming the spec or file. INVALID_ARGUMENT, IO, CORRUPT_FILE, OUT_OF_HOST_MEMORY. */
CLGAN_API clgan_status clgan_image_set_load(const char *spec, int test, int channels, int size,
                                            long long max, struct clgan_image_set *out, char *msg,
                                            size_t msg_len);
/* Free the arrays and zero the struct; NULL does nothing. */
CLGAN_API void clgan_image_set_free(struct clgan_image_set *s);

/* Save the classifier (weights, batch-norm statistics; its network and class names as
 * metadata) as safetensors, atomically; load it back for prediction. */
CLGAN_API clgan_status clgan_classifier_save(clgan_classifier *c, const char *path);
CLGAN_API clgan_status clgan_classifier_load(clgan_ctx *ctx, const char *path,
                                             clgan_classifier **out, char *msg, size_t msg_len);

/* The network of a preset ("cnn", "mlp") as the JSON `--arch FILE` reads. *json is malloc'ed. */
CLGAN_API clgan_status clgan_classifier_preset_json(const char *arch, int channels, int size,
                                                    int classes, int width, char **json, char *msg,
                                                    size_t msg_len);

/* The last error message of this classifier. */
CLGAN_API const char *clgan_classifier_last_error(const clgan_classifier *c);

/* ---------------------------------------------------------------- evaluation statistics */

/*
 * Statistics that judge generated samples through a classifier's features and probabilities
 * (what `clgan eval` prints), on the host in double precision: running moments, a symmetric
 * eigen solver, the Fréchet distance between two Gaussians, the Inception-style score.
 */

typedef struct clgan_moments clgan_moments;

/* Running mean and covariance of d-dimensional samples (1 <= d <= 65536; the covariance takes
 * d x d doubles). INVALID_ARGUMENT, OUT_OF_HOST_MEMORY. */
CLGAN_API clgan_status clgan_moments_init(int d, clgan_moments **out);
CLGAN_API void clgan_moments_free(clgan_moments *m);
/* Add n samples, rows of d floats. NUMERICAL (nothing added) when a value is not finite. */
CLGAN_API clgan_status clgan_moments_add(clgan_moments *m, const float *x, size_t n);
CLGAN_API size_t clgan_moments_count(const clgan_moments *m);
CLGAN_API int clgan_moments_dim(const clgan_moments *m);
/* The mean (d values) and the sample covariance (d x d, row-major, divisor count - 1); either
 * may be NULL. INVALID_ARGUMENT with fewer than 2 samples. */
CLGAN_API clgan_status clgan_moments_get(const clgan_moments *m, double *mean, double *cov);

/* Eigenvalues and eigenvectors of a symmetric d x d matrix a (row-major; destroyed) by cyclic
 * Jacobi rotations (in round-robin order, rounds of disjoint pairs) until the off-diagonal part
 * is below 1e-15 of the whole (O(d^3) a sweep; d = 1024 takes seconds): w gets the d
 * eigenvalues in ascending order, v (may be NULL) the eigenvectors as its columns, so that
 * a = v diag(w) v^T. NUMERICAL for a non-finite entry or no convergence in 100 sweeps;
 * OUT_OF_HOST_MEMORY. */
CLGAN_API clgan_status clgan_stats_eigen_sym(int d, double *a, double *w, double *v);

/* Fréchet distance between the Gaussians N(mu1, s1) and N(mu2, s2) (d x d covariances,
 * symmetric positive semi-definite): |mu1 - mu2|^2 + tr(s1 + s2 - 2 (s1 s2)^{1/2}), where
 * tr (s1 s2)^{1/2} is the sum of the square roots of the eigenvalues of s1^{1/2} s2 s1^{1/2}
 * (eigenvalues that rounding cannot tell from 0, below d x DBL_EPSILON of the largest and the
 * negative ones, count as 0, and so does a total below 0 by less than 1e-6 of the traces).
 * OUT_OF_HOST_MEMORY; NUMERICAL for a non-finite or clearly negative result. */
CLGAN_API clgan_status clgan_stats_frechet(int d, const double *mu1, const double *s1,
                                           const double *mu2, const double *s2, double *fd);
/* The same between the moments of two sample sets of one dimension (INVALID_ARGUMENT when the
 * dimensions differ or a set has fewer than 2 samples). */
CLGAN_API clgan_status clgan_moments_frechet(const clgan_moments *a, const clgan_moments *b,
                                             double *fd);

/* exp(E_x KL(p(y|x) || p(y))) over n rows of k class probabilities, p(y) their mean: 1 when
 * every row is the same, k when each row is certain and the classes are used equally (the
 * Inception Score's formula with any classifier). NaN for no rows or a probability outside
 * [0, 1]. */
CLGAN_API double clgan_stats_inception_score(const float *prob, size_t n, int k);

/* ---------------------------------------------------------------- checking ops */

/*
 * The ops checked one by one on a device against the plain-C reference (what `clgan check`
 * runs): GEMM on both backends, every convolution and batch norm of the dcgan32 and dcgan64
 * presets with the shapes the presets give them, activations, linear layers, losses, the RNG
 * and the optimizers, forward and backward, plus odd sizes; then a whole training step of
 * dcgan32's G and D against a host model built on the same reference.
 */

/* How large the cases are: the presets' full widths; widths / 4 and small batches (software
 * rasterisers such as llvmpipe); widths / 16, batch 1 and no dcgan64 (simulators). */
enum clgan_check_size {
    CLGAN_CHECK_FULL = 0,
    CLGAN_CHECK_REDUCED = 1,
    CLGAN_CHECK_TINY = 2,
};

struct clgan_check_params {
    const char *op; /* only cases whose name starts with this (any case); NULL: all */
    int size;       /* an enum clgan_check_size, or -1: clgan_check_size_of the device */
    uint64_t seed;  /* of the inputs */
};

/* Defaults: every op, size from the device, a fixed seed. */
CLGAN_API struct clgan_check_params clgan_check_default_params(void);
/* The size a device gets: TINY for simulators, REDUCED for llvmpipe and Clover, FULL else. */
CLGAN_API enum clgan_check_size clgan_check_size_of(const struct clgan_device_info *dev);
/* "full", "reduced", "tiny". */
CLGAN_API const char *clgan_check_size_str(enum clgan_check_size size);

/* One compared result: OK when every |got - ref| <= atol + rtol |ref| (NaN and infinities
 * matching), and the NMSE sum (got - ref)^2 / sum ref^2 <= max_nmse. */
struct clgan_check_result {
    const char *name; /* "conv2d_D2_fwd", "bn_G1_bwd_data", ... */
    int ok;
    double max_err; /* largest |got - ref| */
    double max_rel; /* largest |got - ref| / (|ref| + atol) */
    double nmse;
    double atol, rtol, max_nmse; /* the tolerances */
    size_t n, n_bad;             /* elements compared, out of tolerance */
    const char *error; /* NULL, or the message of a failed device call (the numbers are NaN) */
};
/* Called once per result; the pointers in r live until it returns. */
typedef void (*clgan_check_report_fn)(const struct clgan_check_result *r, void *user);

/*
 * Run the checks params selects on ctx, calling fn (may be NULL) for each result, and count
 * them into *passed and *failed (either may be NULL). A failed device call is a failed result,
 * not an error of the run, which returns only INVALID_ARGUMENT (bad params) and
 * OUT_OF_HOST_MEMORY besides OK.
 */
CLGAN_API clgan_status clgan_check_run(clgan_ctx *ctx, const struct clgan_check_params *params,
                                       clgan_check_report_fn fn, void *user, int *passed,
                                       int *failed);

#ifdef __cplusplus
}
#endif

#endif /* CLGAN_H */
