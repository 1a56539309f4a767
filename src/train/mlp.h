/*
 * mlp.h - the host side of the MLP classifiers (clgan.h, "MLP classifiers") that tests reach
 * directly: the split and normalisation of a table, the initial weights, the class decision.
 * Below those, the network's struct and the helpers its files share (mlp.c: the network;
 * mlp_data.c: split and normalisation; mlp_train.c: learning rules and epochs; mlp_eval.c:
 * confusion and prediction; mlp_file.c: save and load). Nothing outside src/train/ and the
 * tests should use that part.
 */
#ifndef CLGAN_TRAIN_MLP_H
#define CLGAN_TRAIN_MLP_H

#include <stddef.h>
#include <stdint.h>

#include "clgan.h"
#include "data/csv.h"
#include "nn/nn.h"

/* A table split into training and test rows, normalised, with one-hot targets. */
struct clgan_mlp_split {
    size_t n_train, n_test;  /* rows */
    size_t d;                /* features */
    int k;                   /* classes */
    float *x_train, *x_test; /* rows x d, z-scored */
    float *t_train, *t_test; /* rows x k, one-hot 0/1 */
    int32_t *y_train, *y_test;
    int32_t *perm;      /* perm[i]: the table row of split row i (training rows first) */
    double *mean, *std; /* d each, from the training rows (std 1 for a constant column) */
};

/*
 * Shuffle the rows of t (clgan_data_shuffle from state seed), keep the first
 * floor(n (1 - test_ratio)) for training and the rest for testing, z-score both with the
 * training rows' mean and sample standard deviation. CORRUPT_FILE when the table has too few
 * rows for the split (2 training rows, and 1 test row when test_ratio > 0); INVALID_ARGUMENT
 * for a ratio outside [0, 1). path names the table in messages.
 */
clgan_status clgan_mlp_split_table(const struct clgan_table *t, double test_ratio, uint64_t seed,
                                   const char *path, struct clgan_mlp_split *out, char *err,
                                   size_t err_len);
void clgan_mlp_split_free(struct clgan_mlp_split *s);

/* The row permutation clgan_mlp_split_table uses for n rows (perm: n entries). */
clgan_status clgan_mlp_split_perm(size_t n, uint64_t seed, int32_t *perm, char *err,
                                  size_t err_len);
/* Training rows for n rows at this ratio: floor(n (1 - ratio)), as RSNNS's
 * splitForTrainingAndTest. */
size_t clgan_mlp_n_train(size_t n, double test_ratio);

/* Initial weights: n values uniform in [-range, range) from splitmix64 seeded by seed. */
void clgan_mlp_init_weights(float *theta, size_t n, double range, uint64_t seed);

/* clgan_mlp_init from a table already read (name is used in messages). */
clgan_status clgan_mlp_init_table(clgan_ctx *ctx, const struct clgan_table *t, const char *name,
                                  const struct clgan_mlp_params *params, clgan_mlp **out, char *msg,
                                  size_t msg_len);

/* The network's model (layers, flat parameters) and its split, for tests. */
struct clgan_model *clgan_mlp_model(clgan_mlp *mlp);
const struct clgan_mlp_split *clgan_mlp_split_of(const clgan_mlp *mlp);

/* Winner-takes-all over k outputs: the index of the largest, -1 when it is not unique. */
int clgan_mlp_wta(const float *out, int k);

/* ---------------------------------------------------------------- shared by the mlp*.c files */

/* A device buffer of n floats. */
struct clgan_mlp_dbuf {
    cl_mem m;
    size_t n;
};

struct clgan_mlp {
    clgan_ctx *ctx;
    struct clgan_mlp_params p; /* class_column is NULL here; see class_column below */
    double lp[CLGAN_MLP_MAX_LEARN_PARAMS];
    int n_lp;
    int sizes[CLGAN_MLP_MAX_HIDDEN + 2], n_sizes;
    int d, k;
    char **class_names, **feature_names, *class_column;
    double *mean, *std;

    struct clgan_model *m;
    int max_batch;
    struct clgan_mlp_dbuf xtr, ttr, xte, tte, xin, delta, errs;
    float *err_host;

    int has_data;
    struct clgan_mlp_split sp;
    int32_t *order; /* per-epoch pattern order */
    float *hx, *ht; /* the training rows in that order */
    uint64_t order_state;
    int epochs;
    char err[2048];
};

/* Set the network's message (printf format) and return st. */
clgan_status clgan_mlp_fail(struct clgan_mlp *mm, clgan_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A device failure: the context's message becomes the network's. Returns st (OK: no change). */
clgan_status clgan_mlp_dev_fail(struct clgan_mlp *mm, clgan_status st);
/* Free n strings and the array holding them (v may be NULL). */
void clgan_mlp_free_names(char **v, int n);
/* Build the network (sizes, loss and max_batch set) and the buffers every network has. */
clgan_status clgan_mlp_build(struct clgan_mlp *mm);

/* Fill lp with the rule's parameters (defaults, then the given ones) and check them: 1, or 0
 * with the reason in msg. */
int clgan_mlp_resolve_params(const struct clgan_mlp_params *p, double *lp, int *n_lp, char *msg,
                             size_t msg_len);
/* Rows per update of the network's learning rule. */
int clgan_mlp_group_rows(const struct clgan_mlp *mm);
/* The model optimizer that carries out the network's learning rule. */
struct clgan_optim clgan_mlp_optim_of(const struct clgan_mlp *mm);

#endif /* CLGAN_TRAIN_MLP_H */
