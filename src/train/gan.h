/*
 * gan.h - the GAN trainer's private state and the functions its files share:
 *   gan_setup.c  parameters, networks, memory check, data, buffers, init and free
 *   gan_step.c   the step core (k D updates, one G update) with its two hooks, sampling
 *   gan_ckpt.c   checkpoints: save, resume, the generator file, pruning
 *   gan_run.c    the run loop: logging, metrics.csv, grids, curves, checkpoint cadence
 *   gan_log.c    the JSON-lines log: the configuration, then one object per logged step
 */
#ifndef CLGAN_TRAIN_GAN_H
#define CLGAN_TRAIN_GAN_H

#include "clgan.h"
#include "data/data.h"
#include "io/csvlog.h"
#include "io/file.h"
#include "io/jsonl.h"
#include "io/plot.h"
#include "io/png.h"
#include "nn/nn.h"
#include "ops/elt.h"
#include "ops/loss.h"
#include "ops/rng.h"
#include "train/ckpt.h"

/* Scalar slots on D's device. */
enum { S_LOSS_REAL, S_LOSS_FAKE, S_DX, S_DGZ1, S_LOSS_G, S_DGZ2, S_FINITE, S_N };

#define GRID           64
#define NOISE_SEED_MIX 0x6e6f697365ull /* "noise" */
#define FIXED_SEED_MIX 0x6669786564ull /* "fixed" */

struct hist_row {
    double step, loss_d, loss_g, d_x, d_gz1, d_gz2;
};

/*
 * The step core's hooks. gather puts the next batch's inputs on D's device (g->real, and
 * labels where the networks take them); the default draws them from the shuffled data set.
 * grads_ready runs after a model's gradients are complete and before its optimizer update
 * (NULL: nothing), e.g. to all-reduce the flat gradient buffer across processes.
 */
struct clgan_gan_hooks {
    clgan_status (*gather)(clgan_gan *g, void *user);
    clgan_status (*grads_ready)(clgan_gan *g, struct clgan_model *m, void *user);
    void *user;
};

struct clgan_gan {
    struct clgan_gan_params p;
    char model[32], g_loss[16], data[1024], out_dir[1024];
    char labels[1024];  /* the --labels file of idx: data ("": none) */
    uint64_t data_hash; /* fingerprint of the data set as trained on: its pixels and labels */
    int minimax;        /* g_loss resolved once */
    struct clgan_net_spec gnet, dnet;
    clgan_ctx *gctx, *dctx;
    struct clgan_model *G, *D;
    int size, nc, nz, batch;
    struct clgan_dataset ds;
    size_t img; /* floats per image */
    struct clgan_gan_hooks hooks;
    /* class-conditional: both networks read a label input of this many classes (0: none) */
    int classes;
    int cond_preset;    /* the conditional preset: its classes follow the data set's labels */
    char **class_names; /* classes names, from the data set (NULL: none known) */
    cl_mem labels_u8;   /* D's device: the data set's labels (resident mode) */
    cl_mem y;           /* D's device: the batch's labels, int32 */
    cl_mem y_g;         /* G's device: labels of sampled grids (and of the batch, two devices) */
    int32_t *y_host;    /* host staging for labels: streamed batches, grids, two devices */

    cl_mem data_u8; /* whole data set on D's device (resident mode) */
    size_t data_bytes;
    int streaming; /* data set too large: batches stream from host memory */
    cl_mem stream_u8[2];
    uint8_t *stream_host[2];
    int stream_i;
    cl_mem perm; /* int32 permutation of the epoch on D's device */
    int32_t *perm_host;
    cl_mem real, dlogit, scal, sumws; /* D's device */
    size_t n_sumws;
    cl_mem z;       /* G's device: batch (or GRID) x nz */
    cl_mem fake_d;  /* D's device copy of the fake batch (two devices) */
    cl_mem dfake_g; /* G's device copy of its gradient (two devices) */
    cl_mem flag_g;  /* G's device: the finite-check flag */
    float *xfer;    /* host staging for crossing devices */
    /* views the step core passes to the models, resolved at init */
    struct clgan_tensor v_z, v_real, v_dlogit;
    struct clgan_tensor in_g[CLGAN_MAX_INPUTS], in_d[CLGAN_MAX_INPUTS]; /* G's, D's on real */

    /* data-parallel training (gan_dist.c): batch is this rank's slice of the global batch
     * gbatch, starting at sample slice0; the noise of the slice starts z_lead floats into its
     * first Philox block, z_block0 blocks after the global batch's. One process: gbatch = batch,
     * the rest 0. */
    int gbatch, slice0;
    size_t z_lead;
    uint64_t z_block0;
    struct clgan_gan_dist *dist; /* NULL: one process */

    long long step, per_epoch, total;
    int epoch;
    long long batch_in_epoch; /* real batches consumed in this epoch */
    uint64_t shuffle_state;   /* state that produced this epoch's permutation */
    uint64_t shuffle_next;    /* state after it */
    uint64_t noise_counter;

    struct hist_row *hist;
    size_t n_hist, cap_hist;
    int lock_fd;        /* the run folder's lock (-1: none) */
    clgan_jsonl *jsonl; /* log_jsonl (NULL: none, or a rank that writes no files) */
    int preset_widths;  /* the networks are the preset built from ngf, ndf (not a file's) */
    char last_ckpt[1400];
    long long last_ckpt_step;
    char err[2048];
};

/* N of a preset name "dcgan<N>" (a power of two from 16 to 4096), else 0. */
int clgan_gan_preset_size(const char *model);

/* Record a message in g->err and return st. */
clgan_status clgan_gan_fail(clgan_gan *g, clgan_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A device failure: take the context's message. */
clgan_status clgan_gan_dev_fail(clgan_gan *g, clgan_ctx *ctx, clgan_status st);
/* Prefix g->err with the file being written (device errors do not know the file). */
clgan_status clgan_gan_saving_fail(clgan_gan *g, clgan_status st, const char *path);
/* "PATH (step N)" of the last checkpoint written or resumed from, for divergence messages. */
const char *clgan_gan_last_good(clgan_gan *g, char *buf, size_t len);
/* Create a folder and its parents and check that it is writable. */
clgan_status clgan_gan_ensure_dir(clgan_gan *g, const char *dir);

/* Draw this epoch's permutation from shuffle_state and put it on the device. */
clgan_status clgan_gan_new_permutation(clgan_gan *g);
/* The default gather hook: the next shuffled real batch into g->real. */
clgan_status clgan_gan_gather_real(clgan_gan *g, void *user);
/* Grid samples: a conditional run draws rows of 8 per class (16 classes at most), else 8x8. */
int clgan_gan_grid_count(const clgan_gan *g);
/* An 8x8 grid of samples from the fixed noise as a PNG file (a row per class when
 * conditional). */
clgan_status clgan_gan_grid(clgan_gan *g, const char *path);

/* Read a checkpoint's architecture (both specs) when it has one: *found 0 for a checkpoint of
 * before specs were stored (model name and sizes then describe it). */
clgan_status clgan_gan_ckpt_arch(clgan_gan *g, const char *path, struct clgan_net_spec *gnet,
                                 struct clgan_net_spec *dnet, int *found);
/* Create and lock the run folder for the run's lifetime (another run holding it is refused);
 * a resume path too long for the checkpoint buffers is refused; a new run (resume NULL) into a
 * folder that holds a run is refused, or with overwrite the old run's files are removed. */
clgan_status clgan_gan_claim_out(clgan_gan *g, const char *resume, int overwrite);
/* A training checkpoint's position, counters and seed, each parsed and range-checked. */
struct clgan_gan_resume_meta {
    const char *model; /* owned by the file */
    long long step, epoch, batch_in_epoch, adam_t_g, adam_t_d, bn_batches_d;
    uint64_t shuffle_state, noise_counter, seed;
};
/* Read them from a loaded checkpoint: CORRUPT_FILE naming the field, its value and the range
 * when one is missing, malformed, fractional, not finite or out of range (batch_in_epoch at
 * most per_epoch_batches). */
clgan_status clgan_gan_resume_meta(const clgan_st_file *f, const char *file,
                                   long long per_epoch_batches, struct clgan_gan_resume_meta *m,
                                   char *err, size_t err_len);
/* Continue from a checkpoint file or run folder (its checkpoints/latest.safetensors). */
clgan_status clgan_gan_resume(clgan_gan *g, const char *path);
/* latest.safetensors, the epoch's file at an epoch end (pruning older ones), generator file. */
clgan_status clgan_gan_checkpoint(clgan_gan *g, int epoch_end);
/* The checkpoint file a resume path names. */
void clgan_gan_resume_file(const char *path, char *file, size_t len);

/* ---- the JSON-lines log (gan_log.c); each does nothing without log_jsonl */

/* Open it with the run folder (before the slow part): a resumed run appends; a new one starts
 * it, refusing one that holds a log unless overwrite. */
clgan_status clgan_gan_jsonl_open(clgan_gan *g, const char *path, int resuming, int overwrite);
/* The run's configuration line, {"config": {...}} (at the end of init). */
clgan_status clgan_gan_jsonl_config(clgan_gan *g, const struct clgan_gan_params *p);
/* A logged step's line. */
clgan_status clgan_gan_jsonl_step(clgan_gan *g, const struct clgan_gan_stats *s, double ips,
                                  double elapsed_s);

/* ---- data-parallel training (gan_dist.c); every call but setup is for g->dist != NULL */

/* Take this rank's slice of the global batch (before the models are built). */
clgan_status clgan_gan_dist_setup(clgan_gan *g);
/* After init or resume: rank 0's weights to every rank, the gradient hook, synced batch norm. */
clgan_status clgan_gan_dist_start(clgan_gan *g);
void clgan_gan_dist_free(clgan_gan *g);
/* Whether this process writes the run's files (rank 0, or a run of one process). */
int clgan_gan_dist_writer(const clgan_gan *g);
/* Average the step's scalars s[0..S_FINITE) over the ranks (a collective). */
clgan_status clgan_gan_dist_stats(clgan_gan *g, float *s);
/* Whether any rank was asked to stop (a collective, once per step). */
int clgan_gan_dist_stop(clgan_gan *g, volatile int *stop);
/* Whether the next step reads its scalars back: a logged step (*logged: log_every, the run's
 * last) or an epoch's last. Every rank reads the same steps (the read is a collective). */
int clgan_gan_reads_stats(const clgan_gan *g, int *logged);
/* The run loop of a rank that writes nothing: the same steps and collectives as rank 0's. */
clgan_status clgan_gan_dist_follow(clgan_gan *g, volatile int *stop);
/* Time one step (step_s of the statistics). */
void clgan_gan_dist_step_begin(clgan_gan *g);
void clgan_gan_dist_step_end(clgan_gan *g);
/* The job's size (1: one process), as checkpoints record it. */
int clgan_gan_dist_world(const clgan_gan *g);

#endif /* CLGAN_TRAIN_GAN_H */
