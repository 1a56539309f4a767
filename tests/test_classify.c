/* labels: kernel; timeout: 600; oclgrind: -o train_mlp */
/*
 * test_classify.c - the image classifiers: the presets' shapes and JSON round trip, the labelled
 * data specs (augment's unprefixed IDX pair, labels that do not match, a set without labels),
 * the per-class subset and class names of the data layer; then on every device a classifier trained
 * on a synthetic set that a working one separates perfectly (bright and dark 8x8 images, read as
 * 12x12 so the gather pads them): accuracy 1 on its test set, prediction of host images agreeing
 * with the confusion matrix, a save/load round trip giving the same probabilities, no device
 * memory allocated by an epoch, and the penultimate features (the last linear layer's input,
 * averaged over positions) consistent with the probabilities and the layer's weights.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "nn/preset_classifier.h"
#include "train/classify.h"

static char tmpdir[512];
static char errbuf[2048];

static const char *tpath(const char *name)
{
    static char bufs[4][1024];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, 1024, "%s/%s", tmpdir, name);
    return b;
}

/* Pixel j of image i of a set of k classes. */
static int pixel(int i, int j, int k)
{
    int v = 255 * (i % k) / (k - 1) + ((i * 7 + j * 13) % 21) - 10;
    return v < 0 ? 0 : v > 255 ? 255 : v;
}

static void put_u32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    fwrite(b, 1, 4, f);
}

/* An IDX pair in dir: n images of s x s, image i of class i % k; class q has brightness
 * 255 q / (k - 1) with a little noise. labels_n: how many labels (n, or another count). */
static void write_set(const char *dir, const char *prefix, int n, int s, int k, int labels_n)
{
    char p[1200];
    mkdir(dir, 0755);
    snprintf(p, sizeof(p), "%s/%simages-idx3-ubyte", dir, prefix);
    FILE *f = fopen(p, "wb");
    put_u32(f, 0x803);
    put_u32(f, (uint32_t)n);
    put_u32(f, (uint32_t)s);
    put_u32(f, (uint32_t)s);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < s * s; j++)
            fputc(pixel(i, j, k), f);
    fclose(f);
    if (labels_n < 0)
        return;
    snprintf(p, sizeof(p), "%s/%slabels-idx1-ubyte", dir, prefix);
    f = fopen(p, "wb");
    put_u32(f, 0x801);
    put_u32(f, (uint32_t)labels_n);
    for (int i = 0; i < labels_n; i++)
        fputc(i % k, f);
    fclose(f);
}

static void test_presets(void)
{
    struct clgan_net_spec net, back;
    struct clgan_shape sh[CLGAN_MAX_LAYERS];
    clgan_status st = clgan_preset_classifier("cnn", 1, 28, 10, 0, &net, errbuf, sizeof(errbuf));
    int ok = st == CLGAN_STATUS_OK && net.n_layers == 10 &&
             clgan_net_shapes(&net, sh, errbuf, sizeof(errbuf)) == CLGAN_STATUS_OK;
    ok = ok && sh[0].c == 32 && sh[0].h == 28 && sh[3].c == 64 && sh[3].h == 14 && sh[6].c == 128 &&
         sh[6].h == 7 && sh[9].c == 10 && sh[9].h == 1;
    th_expect(ok, "preset_cnn_shapes", NULL, "%s", errbuf);
    st = clgan_preset_classifier("cnn", 3, 32, 4, 8, &net, errbuf, sizeof(errbuf));
    ok = st == CLGAN_STATUS_OK && clgan_net_shapes(&net, sh, errbuf, sizeof(errbuf)) == 0 &&
         sh[0].c == 8 && sh[6].c == 32 && sh[6].h == 8 && sh[9].c == 4;
    th_expect(ok, "preset_cnn_width_rgb_32", NULL, "%s", errbuf);
    st = clgan_preset_classifier("mlp", 1, 28, 10, 0, &net, errbuf, sizeof(errbuf));
    ok = st == CLGAN_STATUS_OK && net.n_layers == 3 && net.layers[0].out == 256 &&
         net.layers[2].out == 10 && net.layers[2].bias;
    th_expect(ok, "preset_mlp", NULL, "%s", errbuf);
    char *json = NULL;
    ok = clgan_net_to_json(&net, &json) == CLGAN_STATUS_OK &&
         clgan_net_from_json(json, &back, errbuf, sizeof(errbuf)) == CLGAN_STATUS_OK &&
         back.n_layers == net.n_layers && back.layers[0].out == 256 && back.inputs[0].shape.h == 28;
    free(json);
    th_expect(ok, "preset_json_round_trip", NULL, "%s", errbuf);
    st = clgan_preset_classifier("resnet", 1, 28, 10, 0, &net, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && strstr(errbuf, "'resnet'"), "preset_unknown",
              NULL, "%s", errbuf);
    st = clgan_preset_classifier("cnn", 1, 4, 10, 0, &net, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && strstr(errbuf, "image size 4"),
              "preset_too_small", NULL, "%s", errbuf);
}

static void test_data(void)
{
    struct clgan_dataset ds;
    write_set(tpath("aug"), "", 30, 8, 3, 30);
    clgan_status st =
        clgan_cls_load(tpath("aug"), 0, 0, 1, 0, 0, "--extra", &ds, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && ds.count == 30 && ds.height == 8 && ds.n_classes == 3 &&
                  ds.labels[4] == 1,
              "data_unprefixed_pair", NULL, "%s", errbuf);
    /* the first 4 of each class, in file order: images 0..11 */
    st = clgan_data_keep_per_class(&ds, 4, "x", errbuf, sizeof(errbuf));
    int ok = st == CLGAN_STATUS_OK && ds.count == 12;
    for (size_t i = 0; ok && i < ds.count; i++)
        ok = ds.labels[i] == i % 3 && ds.pixels[i * 64 + 5] == pixel((int)i, 5, 3);
    th_expect(ok, "data_per_class", NULL, "%s", errbuf);
    st = clgan_data_keep_per_class(&ds, 5, "x", errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && strstr(errbuf, "--per-class 5, but class 0") &&
                  strstr(errbuf, "only 4 images"),
              "data_per_class_too_many", NULL, "%s", errbuf);
    th_expect(ds.class_names && !strcmp(ds.class_names[2], "2"), "names_numbers", NULL, "%s",
              ds.class_names ? ds.class_names[2] : "NULL");
    clgan_data_free(&ds);
    write_set(tpath("short"), "train-", 30, 8, 3, 29);
    st = clgan_cls_load(tpath("short"), 0, 0, 1, 0, 0, "--data", &ds, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_CORRUPT_FILE && strstr(errbuf, "29 labels") &&
                  strstr(errbuf, "30 images"),
              "data_label_count", NULL, "%s", errbuf);
    write_set(tpath("nolab"), "train-", 30, 8, 3, -1);
    st = clgan_cls_load(tpath("nolab"), 0, 0, 1, 0, 0, "--data", &ds, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && strstr(errbuf, "has no labels"),
              "data_no_labels", NULL, "%s", errbuf);
    st = clgan_cls_load(tpath("nolab"), 0, 1, 1, 0, 0, "--data", &ds, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && ds.count == 30 && !ds.labels, "data_no_labels_ok", NULL,
              "%s", errbuf);
    clgan_data_free(&ds);
    st = clgan_cls_load(tpath("aug"), 1, 0, 1, 0, 0, "--test", &ds, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_IO && strstr(errbuf, "t10k-images-idx3-ubyte"),
              "data_no_test_files", NULL, "%s", errbuf);
    st = clgan_cls_load(tpath("aug"), 2, 0, 1, 0, 0, "--test", &ds, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && ds.count == 30, "data_named_test_set", NULL, "%s", errbuf);
    clgan_data_free(&ds);
    /* idx:FILE finds the labels file beside it; max keeps the first images */
    char spec[1200];
    snprintf(spec, sizeof(spec), "idx:%s/images-idx3-ubyte", tpath("aug"));
    st = clgan_cls_load(spec, 0, 0, 1, 0, 7, "--data", &ds, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && ds.count == 7 && ds.labels && ds.labels[5] == 2 &&
                  ds.n_classes == 3,
              "data_idx_labels_beside", NULL, "%s", errbuf);
    clgan_data_free(&ds);
    snprintf(spec, sizeof(spec), "idx:%s/train-images-idx3-ubyte", tpath("nolab"));
    st = clgan_cls_load(spec, 0, 0, 1, 0, 0, "--data", &ds, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && strstr(errbuf, "has no labels"),
              "data_idx_no_labels", NULL, "%s", errbuf);
    st = clgan_cls_load(spec, 1, 0, 1, 0, 0, "--test", &ds, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && strstr(errbuf, "has no test files"),
              "data_idx_no_test_split", NULL, "%s", errbuf);
    /* a named test set that is not there: the message names the test files */
    snprintf(spec, sizeof(spec), "mnist:%s", tpath("gone"));
    st = clgan_cls_load(spec, 2, 0, 1, 0, 0, "--test", &ds, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_IO && strstr(errbuf, "--test: mnist:") &&
                  strstr(errbuf, "gone/t10k-images-idx3-ubyte[.gz] not found"),
              "data_named_test_set_missing", NULL, "%s", errbuf);
    st = clgan_cls_load("nonsense", 0, 0, 1, 0, 0, "--data", &ds, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && strstr(errbuf, "'nonsense'"), "data_bad_spec",
              NULL, "%s", errbuf);
    /* the public loader: a folder DIR's pair, its first N, no test split named without flags */
    struct clgan_image_set is;
    st = clgan_image_set_load(tpath("aug"), 0, 1, 0, 25, &is, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && is.n == 25 && is.height == 8 && is.classes == 3 &&
                  is.labels && is.labels[4] == 1 && is.pixels[4 * 64 + 5] == pixel(4, 5, 3) &&
                  !strcmp(is.class_names[1], "1"),
              "image_set_load", NULL, "%s", errbuf);
    clgan_image_set_free(&is);
    st = clgan_image_set_load(tpath("aug"), 1, 1, 0, 0, &is, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_IO && strstr(errbuf, "t10k-images-idx3-ubyte") &&
                  !strstr(errbuf, "--") && !is.pixels,
              "image_set_no_test_split", NULL, "%s", errbuf);
    clgan_image_set_free(NULL);
}

/* The features of 8 test images: the probabilities of clgan_classifier_predict again, and the
 * input of the last linear layer read from the device after the pass (every position of the
 * map) gives those probabilities through the layer's weights and, averaged over its positions,
 * the features. */
static void check_features(struct th_device *d, const char *arch, clgan_classifier *c,
                           const struct clgan_dataset *ds, const float *prob)
{
    char name[96];
    snprintf(name, sizeof(name), "features_%s", arch);
    struct clgan_classifier_info in;
    clgan_classifier_get_info(c, &in);
    const struct clgan_layer *last = &c->m->layers[c->m->n_layers - 1];
    int src = last->src[0];
    struct clgan_shape sh = c->m->layers[src].out;
    size_t per = clgan_shape_size(sh), hw = (size_t)sh.h * (size_t)sh.w, k = (size_t)in.classes;
    /* the presets at width 8: the MLP's hidden layer, the CNN's last block of 4 x 8 channels */
    int want = !strcmp(arch, "mlp") ? 8 : 32;
    float feat[8 * 32], pf[8 * 4];
    float *map = malloc(8 * per * sizeof(float)), *w = malloc((last->n_params) * sizeof(float));
    clgan_status st = in.features == want && last->spec.kind == CLGAN_LAYER_LINEAR && src >= 0
                          ? CLGAN_STATUS_OK
                          : CLGAN_STATUS_INVALID_ARGUMENT;
    if (st == CLGAN_STATUS_OK)
        st = clgan_classifier_features(c, ds->pixels, 8, 1, 8, 8, feat, pf);
    if (st == CLGAN_STATUS_OK)
        st = clgan_rt_read(d->ctx, c->m->act, c->m->layers[src].y_off * sizeof(float),
                           8 * per * sizeof(float), map);
    if (st == CLGAN_STATUS_OK)
        st = clgan_rt_read(d->ctx, c->m->params, last->p_off * sizeof(float),
                           last->n_params * sizeof(float), w);
    double dprob = 0, dlin = 0, dfeat = 0;
    int nonneg = 1;
    for (size_t i = 0; st == CLGAN_STATUS_OK && i < 8; i++) {
        double z[4], mx = -INFINITY, sum = 0;
        for (size_t q = 0; q < k; q++) {
            z[q] = w[last->n_weight + q];
            for (size_t j = 0; j < per; j++)
                z[q] += (double)w[q * per + j] * map[i * per + j];
            mx = fmax(mx, z[q]);
        }
        for (size_t q = 0; q < k; q++)
            sum += exp(z[q] - mx);
        for (size_t q = 0; q < k; q++) {
            dprob = fmax(dprob, fabs((double)pf[i * k + q] - prob[i * k + q]));
            dlin = fmax(dlin, fabs(exp(z[q] - mx) / sum - pf[i * k + q]));
        }
        for (int ch = 0; ch < want; ch++) {
            double mean = 0;
            for (size_t p = 0; p < hw; p++)
                mean += map[i * per + (size_t)ch * hw + p];
            mean /= (double)hw;
            dfeat = fmax(dfeat, fabs(mean - feat[i * (size_t)want + (size_t)ch]));
            nonneg &= feat[i * (size_t)want + (size_t)ch] >= 0; /* after a ReLU */
        }
    }
    th_expect(st == CLGAN_STATUS_OK && dprob < 1e-6 && dlin < 1e-4 && dfeat < 1e-5 && nonneg, name,
              d,
              "%d features (want %d), probabilities vs predict %.3g, vs the layer's input %.3g, "
              "features vs the map's means %.3g, non-negative %d; %s",
              in.features, want, dprob, dlin, dfeat, nonneg, clgan_classifier_last_error(c));
    free(map);
    free(w);
}

/* A network whose last layer is not linear has no features. */
static void test_features_not_linear(struct th_device *d)
{
    struct clgan_net_spec net;
    char *json = NULL, data[1100];
    clgan_status st = clgan_preset_classifier("mlp", 1, 12, 4, 8, &net, errbuf, sizeof(errbuf));
    net.layers[net.n_layers].kind = CLGAN_LAYER_ACT;
    net.layers[net.n_layers++].act = CLGAN_ACT_SIGMOID;
    if (st == CLGAN_STATUS_OK)
        st = clgan_net_to_json(&net, &json);
    FILE *f = st == CLGAN_STATUS_OK ? fopen(tpath("sig.json"), "w") : NULL;
    if (f) {
        fputs(json, f);
        fclose(f);
    }
    free(json);
    snprintf(data, sizeof(data), "mnist:%s", tpath("four"));
    struct clgan_classifier_params p = clgan_classifier_default_params();
    p.arch = tpath("sig.json");
    p.data = data;
    p.test = "none";
    p.epochs = 0;
    clgan_classifier *c = NULL;
    uint8_t img[8 * 8] = {0};
    float feat[8], prob[4];
    if (st == CLGAN_STATUS_OK)
        st = clgan_classifier_init(d->ctx, &p, &c, errbuf, sizeof(errbuf));
    struct clgan_classifier_info in = {0};
    if (c)
        clgan_classifier_get_info(c, &in);
    clgan_status fs =
        c ? clgan_classifier_features(c, img, 1, 1, 8, 8, feat, prob) : CLGAN_STATUS_OK;
    clgan_status ps = c ? clgan_classifier_features(c, img, 1, 1, 8, 8, NULL, prob)
                        : CLGAN_STATUS_INVALID_ARGUMENT;
    th_expect(st == CLGAN_STATUS_OK && in.features == 0 && fs == CLGAN_STATUS_INVALID_ARGUMENT &&
                  strstr(clgan_classifier_last_error(c), "must be linear") && ps == CLGAN_STATUS_OK,
              "features_need_linear", d, "init %d, features %d, probabilities alone %d; %s / %s",
              (int)st, (int)fs, (int)ps, errbuf, c ? clgan_classifier_last_error(c) : "");
    clgan_classifier_free(c);
}

/* Train on 4 classes of brightness (8x8 images, read as 12x12: padding with -1 around) and
 * check what a working classifier must give. */
static void test_train(struct th_device *d, const char *arch)
{
    char name[96], data[1100], test[1100];
    snprintf(name, sizeof(name), "train_%s", arch);
    snprintf(data, sizeof(data), "mnist:%s", tpath("four"));
    snprintf(test, sizeof(test), "%s", tpath("four_test"));
    struct clgan_classifier_params p = clgan_classifier_default_params();
    p.arch = arch;
    p.width = 8;
    p.image_size = 12;
    p.data = data;
    p.test = test;
    p.batch = 16;
    p.epochs = 6;
    p.lr = 1e-2;
    p.extra = tpath("four_extra"); /* 8x8 too, a quarter of each batch */
    p.extra_ratio = 0.25;
    clgan_classifier *c = NULL, *l = NULL;
    clgan_status st = clgan_classifier_init(d->ctx, &p, &c, errbuf, sizeof(errbuf));
    if (st != CLGAN_STATUS_OK) {
        th_expect(0, name, d, "init: %s", errbuf);
        return;
    }
    struct clgan_classifier_info in;
    clgan_classifier_get_info(c, &in);
    th_expect(in.classes == 4 && in.size == 12 && in.batch_train == 12 && in.batch_extra == 4 &&
                  in.steps_per_epoch == 9 && in.n_test == 40,
              "info", d, "classes %d size %d batches %d + %d steps %lld test %zu", in.classes,
              in.size, in.batch_train, in.batch_extra, in.steps_per_epoch, in.n_test);
    uint64_t used0, peak0, used1, peak1;
    double loss = NAN, acc = NAN;
    st = clgan_classifier_epoch(c, &loss, &acc);
    clgan_ctx_memory(d->ctx, &used0, &peak0);
    for (int e = 1; e < p.epochs && st == CLGAN_STATUS_OK; e++)
        st = clgan_classifier_epoch(c, &loss, &acc);
    clgan_ctx_memory(d->ctx, &used1, &peak1);
    th_expect(st == CLGAN_STATUS_OK && used0 == used1 && peak0 == peak1, "epoch_no_alloc", d,
              "%s; in use %llu -> %llu, peak %llu -> %llu", clgan_classifier_last_error(c),
              (unsigned long long)used0, (unsigned long long)used1, (unsigned long long)peak0,
              (unsigned long long)peak1);
    int conf[4 * 5];
    st = clgan_classifier_confusion(c, conf);
    int right = 0;
    for (int q = 0; q < 4; q++)
        right += conf[q * 5 + q];
    th_expect(st == CLGAN_STATUS_OK && right == 40, name, d,
              "%d of 40 test images right, training loss %.4f accuracy %.3f; %s", right, loss, acc,
              clgan_classifier_last_error(c));
    /* host images: the test set's first 8 images (8x8), and the same through a saved copy */
    struct clgan_dataset ds;
    int cls[8], cls2[8], agree = 1;
    float prob[8 * 4], prob2[8 * 4];
    st = clgan_cls_load(test, 2, 0, 1, 0, 0, "--test", &ds, errbuf, sizeof(errbuf));
    if (st == CLGAN_STATUS_OK)
        st = clgan_classifier_predict(c, ds.pixels, 8, 1, 8, 8, cls, prob);
    for (int i = 0; st == CLGAN_STATUS_OK && i < 8; i++)
        agree &= cls[i] == ds.labels[i];
    th_expect(st == CLGAN_STATUS_OK && agree, "predict_host_images", d, "%s",
              clgan_classifier_last_error(c));
    if (st == CLGAN_STATUS_OK)
        st = clgan_classifier_save(c, tpath("c.safetensors"));
    if (st == CLGAN_STATUS_OK)
        st = clgan_classifier_load(d->ctx, tpath("c.safetensors"), &l, errbuf, sizeof(errbuf));
    if (st == CLGAN_STATUS_OK)
        st = clgan_classifier_predict(l, ds.pixels, 8, 1, 8, 8, cls2, prob2);
    double diff = 0;
    for (int i = 0; st == CLGAN_STATUS_OK && i < 8 * 4; i++)
        diff = fmax(diff, fabs((double)prob[i] - prob2[i]));
    th_expect(st == CLGAN_STATUS_OK && !memcmp(cls, cls2, sizeof(cls)) && diff < 1e-5,
              "save_load_same", d, "max probability difference %g; %s", diff, errbuf);
    check_features(d, arch, c, &ds, prob);
    if (l) {
        st = clgan_classifier_epoch(l, NULL, NULL);
        th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT, "loaded_no_training", d, "%s",
                  clgan_classifier_last_error(l));
    }
    clgan_data_free(&ds);
    clgan_classifier_free(l);
    clgan_classifier_free(c);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof(tmpdir), "%s/clgan_test_classify_XXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    if (th_want("preset"))
        test_presets();
    if (th_want("data"))
        test_data();
    write_set(tpath("four"), "train-", 100, 8, 4, 100);
    write_set(tpath("four_test"), "", 40, 8, 4, 40);
    write_set(tpath("four_extra"), "", 40, 8, 4, 40);
    for (int i = 0; i < th_ndev(); i++) {
        if (th_want("train_mlp"))
            test_train(th_dev(i), "mlp");
        if (th_want("train_cnn") && !th_dev(i)->small)
            test_train(th_dev(i), "cnn");
        if (th_want("features_need_linear"))
            test_features_not_linear(th_dev(i));
    }
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return th_finish();
}
