/*
 * mlp.h - the host side of the MLP classifiers (clgan.h, "MLP classifiers") that tests reach
 * directly: the split and normalisation of a table, the initial weights, the class decision.
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

#endif /* CLGAN_TRAIN_MLP_H */
