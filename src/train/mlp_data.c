/*
 * mlp_data.c - the data side of the MLP classifiers: a table's rows shuffled and split into
 * training and test rows as RSNNS's splitForTrainingAndTest does, z-scored with the training
 * rows' mean and sample standard deviation, with one-hot targets (mlp.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"
#include "data/data.h"
#include "io/file.h"
#include "train/mlp.h"

size_t clgan_mlp_n_train(size_t n, double test_ratio)
{
    /* R's floor(nrow * (1 - ratio)), double arithmetic included: 150 * 0.85 gives 127 */
    return (size_t)floor((double)n * (1.0 - test_ratio));
}

clgan_status clgan_mlp_split_perm(size_t n, uint64_t seed, int32_t *perm, char *err, size_t err_len)
{
    uint64_t state = seed;
    return clgan_data_shuffle(perm, n, &state, err, err_len);
}

void clgan_mlp_split_free(struct clgan_mlp_split *s)
{
    if (!s)
        return;
    free(s->x_train);
    free(s->x_test);
    free(s->t_train);
    free(s->t_test);
    free(s->y_train);
    free(s->y_test);
    free(s->perm);
    free(s->mean);
    free(s->std);
    memset(s, 0, sizeof(*s));
}

/* Copy rows perm[0..n) of t into x (normalised), t1 (one-hot) and y. */
static void take_rows(const struct clgan_table *t, const int32_t *perm, size_t n,
                      const double *mean, const double *std, int k, float *x, float *t1, int32_t *y)
{
    for (size_t i = 0; i < n; i++) {
        const double *row = t->x + (size_t)perm[i] * t->d;
        for (size_t j = 0; j < t->d; j++)
            x[i * t->d + j] = (float)((row[j] - mean[j]) / std[j]);
        int c = t->y[perm[i]];
        for (int q = 0; q < k; q++)
            t1[i * (size_t)k + q] = q == c ? 1.0f : 0.0f;
        y[i] = c;
    }
}

clgan_status clgan_mlp_split_table(const struct clgan_table *t, double test_ratio, uint64_t seed,
                                   const char *path, struct clgan_mlp_split *out, char *err,
                                   size_t err_len)
{
    memset(out, 0, sizeof(*out));
    if (!(test_ratio >= 0.0 && test_ratio < 1.0))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "test ratio %g is outside [0, 1)", test_ratio);
    size_t n = t->n, ntr = clgan_mlp_n_train(n, test_ratio), nte = n - ntr;
    if (ntr < 2 || (test_ratio > 0.0 && nte < 1))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: %zu data rows; a test ratio of %g leaves %zu for training and "
                             "%zu for testing: need at least 2 training rows%s",
                             path, n, test_ratio, ntr, nte,
                             test_ratio > 0.0 ? " and 1 test row" : "");
    size_t d = t->d;
    int k = t->n_classes;
    out->n_train = ntr;
    out->n_test = nte;
    out->d = d;
    out->k = k;
    out->perm = malloc(n * sizeof(*out->perm));
    out->mean = calloc(d, sizeof(double));
    out->std = calloc(d, sizeof(double));
    out->x_train = malloc(ntr * d * sizeof(float));
    out->t_train = malloc(ntr * (size_t)k * sizeof(float));
    out->y_train = malloc(ntr * sizeof(int32_t));
    out->x_test = malloc((nte ? nte : 1) * d * sizeof(float));
    out->t_test = malloc((nte ? nte : 1) * (size_t)k * sizeof(float));
    out->y_test = malloc((nte ? nte : 1) * sizeof(int32_t));
    if (!out->perm || !out->mean || !out->std || !out->x_train || !out->t_train || !out->y_train ||
        !out->x_test || !out->t_test || !out->y_test) {
        clgan_mlp_split_free(out);
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                             "%s: out of memory splitting %zu rows", path, n);
    }
    clgan_status st = clgan_mlp_split_perm(n, seed, out->perm, err, err_len);
    if (st != CLGAN_STATUS_OK) {
        clgan_mlp_split_free(out);
        return st;
    }
    /* mean and sample standard deviation (n - 1) of the training rows, two passes */
    for (size_t i = 0; i < ntr; i++)
        for (size_t j = 0; j < d; j++)
            out->mean[j] += t->x[(size_t)out->perm[i] * d + j];
    for (size_t j = 0; j < d; j++)
        out->mean[j] /= (double)ntr;
    for (size_t i = 0; i < ntr; i++)
        for (size_t j = 0; j < d; j++) {
            double v = t->x[(size_t)out->perm[i] * d + j] - out->mean[j];
            out->std[j] += v * v;
        }
    for (size_t j = 0; j < d; j++) {
        out->std[j] = sqrt(out->std[j] / (double)(ntr - 1));
        /* values near the double range overflow the sums: such a column cannot be normalised,
         * and a network trained on it would be garbage its own predict refuses */
        if (!isfinite(out->mean[j]) || !isfinite(out->std[j])) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                               "%s: feature '%s' has values too large to normalise (mean %g, "
                               "standard deviation %g over the training rows)",
                               path, t->feature_names[j], out->mean[j], out->std[j]);
            clgan_mlp_split_free(out);
            return st;
        }
        if (!(out->std[j] > 0.0)) /* a constant column: centred only */
            out->std[j] = 1.0;
    }
    take_rows(t, out->perm, ntr, out->mean, out->std, k, out->x_train, out->t_train, out->y_train);
    take_rows(t, out->perm + ntr, nte, out->mean, out->std, k, out->x_test, out->t_test,
              out->y_test);
    return CLGAN_STATUS_OK;
}
