/* labels: kernel; timeout: 300 */
/*
 * test_mlp.c - the MLP classifier's data pipeline and evaluation: split sizes (RSNNS's
 * floor(n (1 - ratio)), 127/23 on iris), the seeded permutation, z-scores from the training
 * rows with the sample standard deviation (n - 1) applied to both sets, class order and one-hot
 * targets, the initial weights, winner-takes-all with ties; then on every device: the epoch
 * error against a host forward of the initial network with and without the dead zone, the test
 * error, CSV reader flags, save / load / predict giving the same classes and outputs, and the
 * training and test rows found again in the file by the saved seed.
 * Run from the source folder (ctest does): it reads data/iris.csv.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "train/mlp.h"

#define IRIS "data/iris.csv"

static char tmpdir[256];

static const char *tpath(const char *name)
{
    static char bufs[4][512];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, sizeof(bufs[0]), "%s/%s", tmpdir, name);
    return b;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f)) {
        fprintf(stderr, "cannot write fixture %s\n", path);
        exit(1);
    }
}

/* ---------------------------------------------------------------- host */

static void test_split_iris(void)
{
    const char *name = "split(iris, ratio 0.15)";
    struct clgan_table t;
    char err[512];
    clgan_status st = clgan_data_csv_read(IRIS, NULL, &t, err, sizeof(err));
    if (!th_expect(st == CLGAN_STATUS_OK, name, NULL, "read: %s", err))
        return;
    struct clgan_mlp_split s;
    st = clgan_mlp_split_table(&t, 0.15, 7, IRIS, &s, err, sizeof(err));
    if (!th_expect(st == CLGAN_STATUS_OK, name, NULL, "split: %s", err)) {
        clgan_data_table_free(&t);
        return;
    }
    th_expect(s.n_train == 127 && s.n_test == 23 && s.d == 4 && s.k == 3, name, NULL,
              "%zu training, %zu test rows, %zu features, %d classes", s.n_train, s.n_test, s.d,
              s.k);
    /* a permutation of every row */
    int *seen = calloc(t.n, sizeof(int)), perm_ok = 1;
    for (size_t i = 0; i < t.n; i++)
        perm_ok &= s.perm[i] >= 0 && (size_t)s.perm[i] < t.n && !seen[s.perm[i]]++;
    th_expect(perm_ok, "split(iris) permutation", NULL, "every row once");
    /* the permutation is clgan_data_shuffle's from the seed: the same again, another for seed 8 */
    int32_t *p2 = malloc(t.n * sizeof(int32_t));
    clgan_mlp_split_perm(t.n, 7, p2, err, sizeof(err));
    int same = !memcmp(p2, s.perm, t.n * sizeof(int32_t));
    clgan_mlp_split_perm(t.n, 8, p2, err, sizeof(err));
    int other = memcmp(p2, s.perm, t.n * sizeof(int32_t)) != 0;
    th_expect(same && other, "split(iris) seeded", NULL,
              "same seed same rows: %d, seed 8 differs: %d", same, other);
    /* statistics of the training rows, recomputed: mean, and the sample (n - 1) deviation */
    double max_mean = 0, max_std = 0, max_x = 0;
    for (size_t j = 0; j < t.d; j++) {
        double m = 0, v = 0;
        for (size_t i = 0; i < s.n_train; i++)
            m += t.x[(size_t)s.perm[i] * t.d + j];
        m /= (double)s.n_train;
        for (size_t i = 0; i < s.n_train; i++) {
            double e = t.x[(size_t)s.perm[i] * t.d + j] - m;
            v += e * e;
        }
        double sd = sqrt(v / (double)(s.n_train - 1));
        max_mean = fmax(max_mean, fabs(s.mean[j] - m));
        max_std = fmax(max_std, fabs(s.std[j] - sd) / sd);
        /* both sets normalised with the training statistics */
        for (size_t i = 0; i < t.n; i++) {
            int tr = i < s.n_train;
            float got = tr ? s.x_train[i * t.d + j] : s.x_test[(i - s.n_train) * t.d + j];
            double want = (t.x[(size_t)s.perm[i] * t.d + j] - m) / sd;
            max_x = fmax(max_x, fabs(got - want));
        }
    }
    th_expect(max_mean < 1e-12 && max_std < 1e-12, "split(iris) mean and sample sd", NULL,
              "mean off by %.2g, sd off by %.2g (relative)", max_mean, max_std);
    th_expect(max_x < 1e-6, "split(iris) z-scores of both sets", NULL, "largest error %.2g", max_x);
    /* the z-scored training columns: mean 0 and sum of squares n - 1 (not n) */
    double worst = 0;
    for (size_t j = 0; j < t.d; j++) {
        double m = 0, q = 0;
        for (size_t i = 0; i < s.n_train; i++)
            m += s.x_train[i * t.d + j],
                q += (double)s.x_train[i * t.d + j] * s.x_train[i * t.d + j];
        worst = fmax(worst, fmax(fabs(m) / s.n_train, fabs(q / (double)(s.n_train - 1) - 1.0)));
    }
    th_expect(worst < 1e-6, "split(iris) training columns standardised with n - 1", NULL,
              "largest deviation %.2g", worst);
    /* targets: one-hot at the class, classes in sorted label order */
    int onehot = 1;
    for (size_t i = 0; i < t.n; i++) {
        int tr = i < s.n_train;
        const float *row = tr ? s.t_train + i * 3 : s.t_test + (i - s.n_train) * 3;
        int y = tr ? s.y_train[i] : s.y_test[i - s.n_train];
        onehot &= y == t.y[s.perm[i]];
        for (int q = 0; q < 3; q++)
            onehot &= row[q] == (q == y ? 1.0f : 0.0f);
    }
    th_expect(onehot && !strcmp(t.class_names[0], "setosa") &&
                  !strcmp(t.class_names[1], "versicolor") && !strcmp(t.class_names[2], "virginica"),
              "split(iris) one-hot targets in class order", NULL, "classes %s, %s, %s",
              t.class_names[0], t.class_names[1], t.class_names[2]);
    free(seen);
    free(p2);
    clgan_mlp_split_free(&s);
    clgan_data_table_free(&t);
}

static void test_split_sizes(void)
{
    static const struct {
        size_t n;
        double ratio;
        size_t ntr;
        int ok;
    } cases[] = {
        {150, 0.15, 127, 1}, {150, 0.2, 120, 1}, {10, 0.15, 8, 1}, {3, 0.15, 2, 1}, {2, 0.15, 1, 0},
        {5, 0.0, 5, 1},      {2, 0.0, 2, 1},     {1, 0.0, 1, 0},   {4, 0.5, 2, 1},  {3, 0.5, 1, 0},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char name[96], err[512] = "";
        snprintf(name, sizeof(name), "split(n=%zu ratio=%g)", cases[c].n, cases[c].ratio);
        struct clgan_table t = {.n = cases[c].n, .d = 2, .n_classes = 2};
        t.x = calloc(cases[c].n * 2, sizeof(double));
        t.y = calloc(cases[c].n, sizeof(int32_t));
        for (size_t i = 0; i < cases[c].n; i++)
            t.x[2 * i] = (double)i, t.y[i] = (int32_t)(i % 2);
        struct clgan_mlp_split s;
        clgan_status st =
            clgan_mlp_split_table(&t, cases[c].ratio, 1, "t.csv", &s, err, sizeof(err));
        if (cases[c].ok)
            th_expect(st == CLGAN_STATUS_OK && s.n_train == cases[c].ntr &&
                          s.n_test == cases[c].n - cases[c].ntr && s.std[1] == 1.0,
                      name, NULL, "%zu training, %zu test rows; constant column sd %g (%s)",
                      s.n_train, s.n_test, st == CLGAN_STATUS_OK ? s.std[1] : 0.0, err);
        else
            th_expect(st == CLGAN_STATUS_CORRUPT_FILE &&
                          clgan_mlp_n_train(cases[c].n, cases[c].ratio) == cases[c].ntr,
                      name, NULL, "refused: %s", err);
        clgan_mlp_split_free(&s);
        free(t.x);
        free(t.y);
    }
}

static void test_wta_and_weights(void)
{
    float a[] = {0.1f, 0.7f, 0.2f}, b[] = {0.7f, 0.2f, 0.7f}, c[] = {0.3f, NAN, 0.2f},
          e[] = {1.0f, 1.0f, 1.0f}, f[] = {-3.0f, -1.0f, -2.0f};
    th_expect(clgan_mlp_wta(a, 3) == 1 && clgan_mlp_wta(b, 3) == -1 && clgan_mlp_wta(c, 3) == -1 &&
                  clgan_mlp_wta(e, 3) == -1 && clgan_mlp_wta(f, 3) == 1 && clgan_mlp_wta(a, 1) == 0,
              "wta", NULL, "argmax, ties and NaN unclassified");
    size_t n = 10000;
    float *w = th_alloc(n), *w2 = th_alloc(n);
    clgan_mlp_init_weights(w, n, 0.3, 5);
    clgan_mlp_init_weights(w2, n, 0.3, 5);
    double m = 0, lo = 1, hi = -1;
    for (size_t i = 0; i < n; i++)
        m += w[i], lo = fmin(lo, w[i]), hi = fmax(hi, w[i]);
    m /= (double)n;
    th_expect(lo >= -0.3f && hi < 0.3f && lo < -0.29 && hi > 0.29 && fabs(m) < 0.01 &&
                  !memcmp(w, w2, n * sizeof(float)),
              "init_weights(r=0.3)", NULL, "min %.4f max %.4f mean %.4f, repeatable", lo, hi, m);
    free(w);
    free(w2);
}

static void test_csv_flags(void)
{
    struct clgan_table t;
    char err[512] = "";
    write_text(tpath("feat.csv"), "a,b\n1,2\n3,4\n");
    clgan_status st = clgan_data_csv_read_flags(tpath("feat.csv"), "class",
                                                CLGAN_CSV_CLASS_OPTIONAL, &t, err, sizeof(err));
    th_expect(st == CLGAN_STATUS_OK && t.d == 2 && t.n == 2 && !t.y && !t.class_column &&
                  t.n_classes == 0 && t.x[3] == 4.0,
              "csv(no class column, optional)", NULL, "%s", err);
    clgan_data_table_free(&t);
    st = clgan_data_csv_read_flags(tpath("feat.csv"), "class", 0, &t, err, sizeof(err));
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT, "csv(no class column, required)", NULL, "%s",
              err);
    write_text(tpath("one.csv"), "a,b,class\n1,2,x\n3,4,x\n");
    st = clgan_data_csv_read_flags(tpath("one.csv"), NULL, CLGAN_CSV_ONE_CLASS, &t, err,
                                   sizeof(err));
    th_expect(st == CLGAN_STATUS_OK && t.n_classes == 1 && t.y[1] == 0, "csv(single class allowed)",
              NULL, "%s", err);
    clgan_data_table_free(&t);
    st = clgan_data_csv_read(tpath("one.csv"), NULL, &t, err, sizeof(err));
    th_expect(st == CLGAN_STATUS_CORRUPT_FILE, "csv(single class refused)", NULL, "%s", err);
}

/* ---------------------------------------------------------------- device */

static double logistic(double v)
{
    return 1.0 / (1.0 + exp(-v));
}

/* Host forward of a 4-5-3 logistic network (flat PyTorch layout) over rows; returns the SNNS
 * error sum d^2 outside dmax. */
static double host_sse(const float *th, const float *x, const float *t, size_t rows, double dmax,
                       size_t *dead)
{
    double sse = 0;
    for (size_t r = 0; r < rows; r++) {
        double h[5];
        for (int j = 0; j < 5; j++) {
            double v = th[20 + j];
            for (int i = 0; i < 4; i++)
                v += (double)th[j * 4 + i] * x[r * 4 + i];
            h[j] = logistic(v);
        }
        for (int q = 0; q < 3; q++) {
            double v = th[25 + 15 + q];
            for (int j = 0; j < 5; j++)
                v += (double)th[25 + q * 5 + j] * h[j];
            double d = t[r * 3 + q] - logistic(v);
            if (fabs(d) <= dmax)
                (*dead)++;
            else
                sse += d * d;
        }
    }
    return sse;
}

static void test_epoch_error(struct th_device *dev, double dmax)
{
    char name[96];
    snprintf(name, sizeof(name), "mlp_epoch_error(iris, dmax=%g)", dmax);
    if (!th_want(name))
        return;
    struct clgan_mlp_params p = clgan_mlp_default_params();
    p.learn_params[3] = dmax;
    p.n_learn_params = 4;
    p.seed = 3;
    clgan_mlp *mlp = NULL;
    char msg[512] = "";
    clgan_status st = clgan_mlp_init(dev->ctx, IRIS, &p, &mlp, msg, sizeof(msg));
    if (st != CLGAN_STATUS_OK) {
        th_expect(0, name, dev, "init: %s", msg);
        return;
    }
    struct clgan_model *m = clgan_mlp_model(mlp);
    const struct clgan_mlp_split *s = clgan_mlp_split_of(mlp);
    float th[43], th1[43];
    if (m->n_params != 43) {
        th_expect(0, name, dev, "%zu parameters, not 4-5-3's 43", m->n_params);
        clgan_mlp_free(mlp);
        return;
    }
    th_download(dev, m->params, th, 43);
    double tr, te;
    st = clgan_mlp_epoch(mlp, &tr, &te);
    if (th_status(st, name, dev)) {
        size_t dead = 0, dead_te = 0;
        double want = host_sse(th, s->x_train, s->t_train, s->n_train, dmax, &dead);
        th_download(dev, m->params, th1, 43);
        double want_te = host_sse(th1, s->x_test, s->t_test, s->n_test, dmax, &dead_te);
        float got[2] = {(float)tr, (float)te}, ref[2] = {(float)want, (float)want_te};
        /* float sums of 381 terms */
        th_check(name, dev, got, ref, 2, 1e-5, 1e-5, 1e-10);
        snprintf(name + strlen(name), sizeof(name) - strlen(name), " dead zone");
        /* at the start the outputs sit near 0.5: dmax 0.5 catches some, 0 none */
        if (dmax == 0.0 || dmax >= 0.5)
            th_expect(dmax > 0 ? dead > 0 && dead < 381 : dead == 0, name, dev,
                      "%zu of 381 outputs inside dmax", dead);
    }
    clgan_mlp_free(mlp);
}

static int same_conf(const int *a, const int *b, int n)
{
    return !memcmp(a, b, (size_t)n * sizeof(int));
}

static void test_save_predict(struct th_device *dev, enum clgan_mlp_loss loss)
{
    char name[96];
    snprintf(name, sizeof(name), "mlp_save_predict(%s)", loss ? "ce" : "sse");
    if (!th_want(name))
        return;
    struct clgan_mlp_params p = clgan_mlp_default_params();
    p.loss = loss;
    p.maxit = dev->small ? 5 : 30;
    p.seed = 11;
    if (loss == CLGAN_MLP_LOSS_CE) {
        p.learn = CLGAN_MLP_ADAM;
        p.batch = 8;
        p.hidden[1] = 4, p.n_hidden = 2;
    }
    clgan_mlp *mlp = NULL, *back = NULL;
    char msg[512] = "";
    clgan_status st = clgan_mlp_init(dev->ctx, IRIS, &p, &mlp, msg, sizeof(msg));
    if (st != CLGAN_STATUS_OK) {
        th_expect(0, name, dev, "init: %s", msg);
        return;
    }
    int conf[12], conf_tr[12], c2[12] = {0}, c3[12] = {0};
    st = clgan_mlp_train(mlp, NULL, NULL);
    if (st == CLGAN_STATUS_OK)
        st = clgan_mlp_confusion(mlp, CLGAN_MLP_ROWS_TEST, conf);
    if (st == CLGAN_STATUS_OK)
        st = clgan_mlp_confusion(mlp, CLGAN_MLP_ROWS_TRAIN, conf_tr);
    if (st == CLGAN_STATUS_OK)
        st = clgan_mlp_save(mlp, tpath("net.safetensors"));
    if (st != CLGAN_STATUS_OK) {
        th_expect(0, name, dev, "train, confusion, save: %s", clgan_mlp_last_error(mlp));
        clgan_mlp_free(mlp);
        return;
    }
    st = clgan_mlp_load(dev->ctx, tpath("net.safetensors"), &back, msg, sizeof(msg));
    if (st != CLGAN_STATUS_OK)
        th_expect(0, name, dev, "load: %s", msg);
    else {
        struct clgan_mlp_info a, b;
        clgan_mlp_get_info(mlp, &a);
        clgan_mlp_get_info(back, &b);
        th_expect(a.n_layers == b.n_layers && !memcmp(a.sizes, b.sizes, sizeof(a.sizes)) &&
                      a.learn == b.learn && a.loss == b.loss && a.seed == b.seed &&
                      a.epochs == b.epochs && !strcmp(b.class_names[2], "virginica") &&
                      !strcmp(b.feature_names[3], "petal_width") &&
                      !strcmp(b.class_column, "species") &&
                      !memcmp(a.learn_params, b.learn_params, sizeof(a.learn_params)),
                  name, dev, "metadata back: %d layers, %d epochs", b.n_layers, b.epochs);
        /* the same rows through both networks: the same outputs */
        struct clgan_mlp_pred pa, pb;
        st = clgan_mlp_predict_csv(mlp, IRIS, CLGAN_MLP_ROWS_ALL, &pa);
        clgan_status st2 = clgan_mlp_predict_csv(back, IRIS, CLGAN_MLP_ROWS_ALL, &pb);
        if (st != CLGAN_STATUS_OK || st2 != CLGAN_STATUS_OK) {
            th_expect(0, name, dev, "predict: %s", clgan_mlp_last_error(back));
        } else {
            char part[128];
            snprintf(part, sizeof(part), "%s outputs after load", name);
            /* other batch sizes may round differently in the linear layers */
            th_check(part, dev, pb.out, pa.out, pa.n * 3, 1e-6, 1e-5, 1e-12);
            th_expect(pa.n == 150 && !memcmp(pa.cls, pb.cls, 150 * sizeof(int)) && pa.target &&
                          pb.target && pb.target[0] == 0 && pb.target[149] == 2,
                      part, dev, "classes equal, targets from the class column");
        }
        clgan_mlp_pred_free(&pa);
        clgan_mlp_pred_free(&pb);
        /* the saved seed finds the training and test rows in the file again */
        struct clgan_mlp_pred pt, pr;
        st = clgan_mlp_predict_csv(back, IRIS, CLGAN_MLP_ROWS_TEST, &pt);
        st2 = clgan_mlp_predict_csv(back, IRIS, CLGAN_MLP_ROWS_TRAIN, &pr);
        if (th_expect(st == CLGAN_STATUS_OK && st2 == CLGAN_STATUS_OK && pt.n == 23 && pr.n == 127,
                      name, dev, "test and training rows: %zu and %zu", pt.n, pr.n)) {
            for (size_t i = 0; i < pt.n; i++)
                c2[pt.target[i] * 4 + (pt.cls[i] < 0 ? 3 : pt.cls[i])]++;
            for (size_t i = 0; i < pr.n; i++)
                c3[pr.target[i] * 4 + (pr.cls[i] < 0 ? 3 : pr.cls[i])]++;
            char part[128];
            snprintf(part, sizeof(part), "%s confusion from the file", name);
            th_expect(same_conf(conf, c2, 12) && same_conf(conf_tr, c3, 12), part, dev,
                      "test: %d %d %d / %d %d %d / %d %d %d", c2[0], c2[1], c2[2], c2[4], c2[5],
                      c2[6], c2[8], c2[9], c2[10]);
        }
        clgan_mlp_pred_free(&pt);
        clgan_mlp_pred_free(&pr);
        /* rows to classify: columns in another order, an extra column, no class column */
        write_text(tpath("rows.csv"), "id,petal_width,petal_length,sepal_width,sepal_length\n"
                                      "1,0.2,1.4,3.5,5.1\n2,2.3,5.4,3.0,6.2\n");
        st = clgan_mlp_predict_csv(back, tpath("rows.csv"), CLGAN_MLP_ROWS_ALL, &pt);
        double raw[8] = {5.1, 3.5, 1.4, 0.2, 6.2, 3.0, 5.4, 2.3};
        int cls[2] = {-2, -2};
        st2 = clgan_mlp_predict(back, raw, 2, cls, NULL);
        th_expect(st == CLGAN_STATUS_OK && st2 == CLGAN_STATUS_OK && pt.n == 2 && !pt.target &&
                      pt.cls[0] == cls[0] && pt.cls[1] == cls[1],
                  "mlp_predict_csv(columns by name, no class column)", dev, "classes %d %d (%s)",
                  cls[0], cls[1], clgan_mlp_last_error(back));
        clgan_mlp_pred_free(&pt);
        write_text(tpath("bad.csv"),
                   "sepal_length,sepal_width,petal_length,species\n1,2,3,setosa\n");
        st = clgan_mlp_predict_csv(back, tpath("bad.csv"), CLGAN_MLP_ROWS_ALL, &pt);
        th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT &&
                      strstr(clgan_mlp_last_error(back), "petal_width"),
                  "mlp_predict_csv(missing feature)", dev, "%s", clgan_mlp_last_error(back));
        write_text(tpath("bad2.csv"),
                   "sepal_length,sepal_width,petal_length,petal_width,species\n1,2,3,4,rose\n");
        st = clgan_mlp_predict_csv(back, tpath("bad2.csv"), CLGAN_MLP_ROWS_ALL, &pt);
        th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && strstr(clgan_mlp_last_error(back), "rose"),
                  "mlp_predict_csv(unknown class)", dev, "%s", clgan_mlp_last_error(back));
        st = clgan_mlp_epoch(back, NULL, NULL);
        th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT, "mlp_epoch(loaded network)", dev, "%s",
                  clgan_mlp_last_error(back));
    }
    clgan_mlp_free(back);
    clgan_mlp_free(mlp);
}

static void test_bad_params(struct th_device *dev)
{
    static const struct {
        const char *what;
        int field;
        double v;
    } cases[] = {
        {"quickprop with 5 parameters", 0, 5},
        {"negative eta", 1, -0.1},
        {"test ratio 1", 2, 1.0},
        {"adam beta1 1", 3, 1.0},
        {"hidden width 0", 4, 0},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct clgan_mlp_params p = clgan_mlp_default_params();
        switch (cases[c].field) {
        case 0:
            p.n_learn_params = 5;
            break;
        case 1:
            p.learn_params[0] = cases[c].v, p.n_learn_params = 1;
            break;
        case 2:
            p.test_ratio = cases[c].v;
            break;
        case 3:
            p.learn = CLGAN_MLP_ADAM, p.learn_params[0] = 1e-3, p.learn_params[1] = cases[c].v;
            p.n_learn_params = 2;
            break;
        default:
            p.hidden[0] = (int)cases[c].v;
        }
        clgan_mlp *mlp = NULL;
        char msg[512] = "", name[96];
        snprintf(name, sizeof(name), "mlp_init(%s)", cases[c].what);
        clgan_status st = clgan_mlp_init(dev->ctx, IRIS, &p, &mlp, msg, sizeof(msg));
        th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && !mlp && *msg, name, dev, "%s", msg);
        clgan_mlp_free(mlp);
    }
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/clgan_test_mlp_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        fprintf(stderr, "cannot create a temporary folder\n");
        return 1;
    }
    test_split_iris();
    test_split_sizes();
    test_wta_and_weights();
    test_csv_flags();
    for (int i = 0; i < th_ndev(); i++) {
        struct th_device *d = th_dev(i);
        test_epoch_error(d, 0.1);
        test_epoch_error(d, 0.0);
        test_epoch_error(d, 0.5);
        test_save_predict(d, CLGAN_MLP_LOSS_SSE);
        test_save_predict(d, CLGAN_MLP_LOSS_CE);
        test_bad_params(d);
    }
    static const char *files[] = {"feat.csv", "one.csv", "net.safetensors",
                                  "rows.csv", "bad.csv", "bad2.csv"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        unlink(tpath(files[i]));
    rmdir(tmpdir);
    return th_finish();
}
