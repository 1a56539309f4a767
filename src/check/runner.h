/*
 * runner.h - inside clgan_check_run: the state of a run, the helpers every op family's checks
 * use (inputs from the run's generator, device buffers and host arrays released together at the
 * end of a case, comparison and reporting), and one function per op family.
 *
 * An op family is one row of the table in run.c: the prefix every one of its case names starts
 * with, and its function. Adding a family is a new file with that function and one row.
 */
#ifndef CLGAN_CHECK_RUNNER_H
#define CLGAN_CHECK_RUNNER_H

#include "check/check.h"
#include "clgan.h"
#include "runtime/rt.h"

#define CHK_MAX_HOST 32
#define CHK_MAX_MEM  16

/* What a size class gives each family. */
struct chk_policy {
    int div;        /* preset widths (nz, ngf, ndf) divided by this */
    int conv_batch; /* batch of the convolution cases */
    int bn_batch;   /* batch of the batch-norm and activation cases */
    int dcgan64;    /* run the dcgan64 layers too, at this batch (0: not) */
    size_t elt_n;   /* length of the element-wise cases (activations, optimizers, RNG) */
    size_t gemm_m, gemm_n, gemm_k;
};

struct chk {
    clgan_ctx *ctx;
    enum clgan_check_size size;
    const struct chk_policy *pol;
    const char *filter;
    uint64_t rng;
    clgan_check_report_fn fn;
    void *user;
    int passed, failed;
    /* the current case's memory, released by chk_done */
    void *host[CHK_MAX_HOST];
    int n_host;
    cl_mem mem[CHK_MAX_MEM];
    size_t mem_n[CHK_MAX_MEM];
    int n_mem;
    const char *short_of; /* NULL, or what an allocation of this case failed for */
};

/* A result name passes the --op filter (a case-insensitive prefix). */
int chk_want(const struct chk *c, const char *name);
/* A case whose result names all start with stem may hold a wanted result. */
int chk_want_case(const struct chk *c, const char *stem);

/* Case memory, released by chk_done. NULL on failure, which chk_ready then reports. */
float *chk_rand(struct chk *c, size_t n, float lo, float hi); /* uniform in [lo, hi) */
float *chk_zeros(struct chk *c, size_t n);
cl_mem chk_up(struct chk *c, const float *x, size_t n); /* x NULL: uninitialised */
/* n class labels in [0, classes), the last one a repeat of the first when n > 1 (so that an
 * embedding's gradient sums two samples into one row); case memory as above. */
int32_t *chk_labels(struct chk *c, size_t n, int classes);
cl_mem chk_up_labels(struct chk *c, const int32_t *labels, size_t n);
/* Read n floats back (NULL after a device error, which chk_dev_error reports). */
float *chk_down(struct chk *c, cl_mem m, size_t n);
void chk_done(struct chk *c);
/* 1 when every allocation of the case so far succeeded; else reports name as failed. */
int chk_ready(struct chk *c, const char *name);

/* Compare and report one result. */
void chk_compare(struct chk *c, const char *name, const float *got, const float *ref, size_t n,
                 double atol, double rtol, double max_nmse);
/* Report name as failed with msg, or with the context's last error. */
void chk_fail(struct chk *c, const char *name, const char *msg);
void chk_dev_error(struct chk *c, const char *name);

/* The dcgan presets at the run's widths: which 0 dcgan32, 1 dcgan64; *batch gets the batch of
 * its convolution cases. 0 when the size class leaves it out. */
int chk_dcgan(const struct chk *c, int which, struct clgan_check_dcgan *out, int *batch);

/* The op families (one row each in run.c). */
void clgan_check_gemm(struct chk *c);
void clgan_check_conv(struct chk *c);
void clgan_check_linear(struct chk *c);
void clgan_check_bn(struct chk *c);
void clgan_check_act(struct chk *c);
void clgan_check_loss(struct chk *c);
void clgan_check_rng(struct chk *c);
void clgan_check_opt(struct chk *c);
void clgan_check_join(struct chk *c);
void clgan_check_model(struct chk *c);

#endif /* CLGAN_CHECK_RUNNER_H */
