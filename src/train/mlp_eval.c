/*
 * mlp_eval.c - evaluation of the MLP classifiers: the winner-takes-all class decision,
 * confusion matrices over the network's own rows, prediction of raw rows and of a CSV file
 * (columns matched by name, the network's split reproduced on request).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"
#include "io/file.h"
#include "nn/nn.h"
#include "train/mlp.h"

int clgan_mlp_wta(const float *out, int k)
{
    int best = 0;
    for (int q = 0; q < k; q++) {
        if (isnan(out[q]))
            return -1;
        if (out[q] > out[best])
            best = q;
    }
    for (int q = 0; q < k; q++)
        if (q != best && out[q] == out[best])
            return -1;
    return best;
}

/* Forward n normalised rows x (host) and return the outputs (host, n x k) in out. */
static clgan_status forward_rows(struct clgan_mlp *mm, const float *x, size_t n, float *out)
{
    size_t d = (size_t)mm->d, k = (size_t)mm->k, off = clgan_model_output_off(mm->m);
    for (size_t done = 0; done < n;) {
        size_t b = n - done < (size_t)mm->max_batch ? n - done : (size_t)mm->max_batch;
        clgan_status st =
            clgan_rt_write(mm->ctx, mm->xin.m, 0, b * d * sizeof(float), x + done * d);
        if (st == CLGAN_STATUS_OK)
            st = clgan_model_forward(mm->m, mm->xin.m, 0, (int)b, CLGAN_FWD_EVAL);
        if (st == CLGAN_STATUS_OK)
            st = clgan_rt_read(mm->ctx, mm->m->act, off * sizeof(float), b * k * sizeof(float),
                               out + done * k);
        if (st != CLGAN_STATUS_OK)
            return clgan_mlp_dev_fail(mm, st);
        done += b;
    }
    if (mm->p.loss == CLGAN_MLP_LOSS_CE) /* logits to probabilities */
        for (size_t i = 0; i < n; i++) {
            float *o = out + i * k, mx = o[0];
            double s = 0.0;
            for (size_t q = 1; q < k; q++)
                mx = o[q] > mx ? o[q] : mx;
            for (size_t q = 0; q < k; q++)
                s += exp((double)o[q] - mx);
            for (size_t q = 0; q < k; q++)
                o[q] = (float)(exp((double)o[q] - mx) / s);
        }
    return CLGAN_STATUS_OK;
}

clgan_status clgan_mlp_confusion(clgan_mlp *mm, enum clgan_mlp_rows rows, int *conf)
{
    if (!mm->has_data)
        return clgan_mlp_fail(
            mm, CLGAN_STATUS_INVALID_ARGUMENT,
            "this network was loaded from a file and has no rows of its own; classify a "
            "file instead");
    const float *x = rows == CLGAN_MLP_ROWS_TEST ? mm->sp.x_test : mm->sp.x_train;
    const int32_t *y = rows == CLGAN_MLP_ROWS_TEST ? mm->sp.y_test : mm->sp.y_train;
    size_t n = rows == CLGAN_MLP_ROWS_TEST ? mm->sp.n_test : mm->sp.n_train;
    int k = mm->k;
    if (rows == CLGAN_MLP_ROWS_ALL)
        return clgan_mlp_fail(mm, CLGAN_STATUS_INVALID_ARGUMENT,
                              "confusion: pick training or test rows");
    memset(conf, 0, (size_t)k * (size_t)(k + 1) * sizeof(int));
    if (n == 0)
        return CLGAN_STATUS_OK;
    float *out = malloc(n * (size_t)k * sizeof(float));
    if (!out)
        return clgan_mlp_fail(mm, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
    clgan_status st = forward_rows(mm, x, n, out);
    for (size_t i = 0; st == CLGAN_STATUS_OK && i < n; i++) {
        int c = clgan_mlp_wta(out + i * (size_t)k, k);
        conf[(size_t)y[i] * (size_t)(k + 1) + (size_t)(c < 0 ? k : c)]++;
    }
    free(out);
    return st;
}

clgan_status clgan_mlp_predict(clgan_mlp *mm, const double *x, size_t n, int *cls, float *out)
{
    size_t d = (size_t)mm->d, k = (size_t)mm->k;
    float *xn = calloc((n ? n : 1) * d, sizeof(float));
    float *o = out ? out : malloc((n ? n : 1) * k * sizeof(float));
    clgan_status st = CLGAN_STATUS_OK;
    if (!xn || !o) {
        st = clgan_mlp_fail(mm, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory for %zu rows",
                            n);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            xn[i * d + j] = (float)((x[i * d + j] - mm->mean[j]) / mm->std[j]);
    st = forward_rows(mm, xn, n, o);
    for (size_t i = 0; st == CLGAN_STATUS_OK && i < n; i++)
        cls[i] = clgan_mlp_wta(o + i * k, (int)k);
out:
    free(xn);
    if (o != out)
        free(o);
    return st;
}

void clgan_mlp_pred_free(struct clgan_mlp_pred *p)
{
    if (!p)
        return;
    free(p->cls);
    free(p->target);
    free(p->out);
    free(p->row);
    memset(p, 0, sizeof(*p));
}

clgan_status clgan_mlp_predict_csv(clgan_mlp *mm, const char *path, enum clgan_mlp_rows rows,
                                   struct clgan_mlp_pred *out)
{
    memset(out, 0, sizeof(*out));
    struct clgan_table t;
    char err[1024];
    clgan_status st = clgan_data_csv_read_flags(path, mm->class_column,
                                                CLGAN_CSV_CLASS_OPTIONAL | CLGAN_CSV_ONE_CLASS, &t,
                                                err, sizeof(err));
    if (st != CLGAN_STATUS_OK)
        return clgan_mlp_fail(mm, st, "%s", err);
    size_t d = (size_t)mm->d, n = t.n, sel_n = n, ntr = clgan_mlp_n_train(n, mm->p.test_ratio);
    int *col = malloc(d * sizeof(int)), *cmap = calloc((size_t)(t.n_classes + 1), sizeof(int));
    int32_t *perm = malloc(n * sizeof(int32_t));
    double *x = NULL;
    if (!col || !cmap || !perm) {
        st = clgan_mlp_fail(mm, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
        goto out;
    }
    /* the network's features, by name; every missing one is named */
    struct clgan_io_buf missing = {0};
    int n_missing = 0;
    for (size_t j = 0; j < d; j++) {
        col[j] = -1;
        for (size_t c = 0; c < t.d; c++)
            if (!strcmp(t.feature_names[c], mm->feature_names[j]))
                col[j] = (int)c;
        if (col[j] < 0 && n_missing++ < 20)
            clgan_io_buf_printf(&missing, "%s'%s'", n_missing > 1 ? ", " : "",
                                mm->feature_names[j]);
    }
    if (n_missing) {
        st = clgan_mlp_fail(mm, CLGAN_STATUS_INVALID_ARGUMENT,
                            "%s: no column%s %s%s: %s the network was trained on", path,
                            n_missing > 1 ? "s" : "", missing.data ? missing.data : "",
                            n_missing > 20 ? " ..." : "", n_missing > 1 ? "features" : "a feature");
        clgan_io_buf_free(&missing);
        goto out;
    }
    /* the file's classes, by name */
    for (int c = 0; c < t.n_classes; c++) {
        cmap[c] = -1;
        for (int q = 0; q < mm->k; q++)
            if (!strcmp(t.class_names[c], mm->class_names[q]))
                cmap[c] = q;
        if (cmap[c] < 0) {
            st = clgan_mlp_fail(mm, CLGAN_STATUS_INVALID_ARGUMENT,
                                "%s: class '%s' in column '%s' is not one the network knows", path,
                                t.class_names[c], mm->class_column);
            goto out;
        }
    }
    /* which rows, in which order */
    if (rows == CLGAN_MLP_ROWS_ALL) {
        for (size_t i = 0; i < n; i++)
            perm[i] = (int32_t)i;
    } else {
        if (ntr < 2 || (mm->p.test_ratio > 0.0 && ntr == n)) {
            st = clgan_mlp_fail(
                mm, CLGAN_STATUS_CORRUPT_FILE,
                "%s: %zu data rows are too few for the network's split (test ratio %g)", path, n,
                mm->p.test_ratio);
            goto out;
        }
        if ((st = clgan_mlp_split_perm(n, mm->p.seed, perm, err, sizeof(err))) != CLGAN_STATUS_OK) {
            clgan_mlp_fail(mm, st, "%s", err);
            goto out;
        }
        if (rows == CLGAN_MLP_ROWS_TEST)
            memmove(perm, perm + ntr, (n - ntr) * sizeof(int32_t));
        sel_n = rows == CLGAN_MLP_ROWS_TEST ? n - ntr : ntr;
    }
    out->n = sel_n;
    x = malloc((sel_n ? sel_n : 1) * d * sizeof(double));
    out->cls = malloc((sel_n ? sel_n : 1) * sizeof(int));
    out->out = malloc((sel_n ? sel_n : 1) * (size_t)mm->k * sizeof(float));
    out->row = malloc((sel_n ? sel_n : 1) * sizeof(size_t));
    out->target = t.y ? malloc((sel_n ? sel_n : 1) * sizeof(int)) : NULL;
    if (!x || !out->cls || !out->out || !out->row || (t.y && !out->target)) {
        st = clgan_mlp_fail(mm, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
        goto out;
    }
    for (size_t i = 0; i < sel_n; i++) {
        size_t r = (size_t)perm[i];
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = t.x[r * t.d + (size_t)col[j]];
        out->row[i] = r;
        if (t.y)
            out->target[i] = cmap[t.y[r]];
    }
    st = clgan_mlp_predict(mm, x, sel_n, out->cls, out->out);
out:
    free(col);
    free(cmap);
    free(perm);
    free(x);
    clgan_data_table_free(&t);
    if (st != CLGAN_STATUS_OK)
        clgan_mlp_pred_free(out);
    return st;
}
