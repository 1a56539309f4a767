/*
 * eval.c - `clgan eval`: a generator judged by a classifier of its data's domain. n samples of G
 * (a conditional G: equally many per class, classes interleaved in each batch as `clgan augment`
 * draws them) become bytes as augment writes them and go through the classifier, as do the real
 * test set, n real training images (the floor: what real data score) and n images of uniform
 * noise (the ceiling: what no structure scores). Printed: the Fréchet distance between each
 * set's penultimate features and the test set's (the FID recipe, with this classifier instead of
 * Inception), the Inception-style score of the probabilities, the classes of the samples as
 * classified, and for a conditional G the share classified as the class they were drawn for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"

#define CHUNK     1024 /* images per classifier call: bounds the features held at once */
#define MAX_FEAT  1024 /* the FD's eigen solver is O(d^3) on d x d covariances: 1024 takes 30 s */
#define N_DEFAULT 10000

/* What one set of images gives: moments of the features, probabilities (n x k). */
struct set_stats {
    const char *name;
    size_t n;
    clgan_moments *mom;
    float *prob;
    double fd, score;
};

static void set_free(struct set_stats *s)
{
    clgan_moments_free(s->mom);
    free(s->prob);
    memset(s, 0, sizeof(*s));
}

/* The classifier's features and probabilities of n images (c x h x w bytes) into s. */
static clgan_status measure(clgan_classifier *cls, const struct clgan_classifier_info *in,
                            const uint8_t *px, size_t n, int c, int h, int w, struct set_stats *s)
{
    size_t per = (size_t)c * (size_t)h * (size_t)w, nf = (size_t)in->features,
           k = (size_t)in->classes;
    s->n = n;
    clgan_status st = clgan_moments_init(in->features, &s->mom);
    float *feat = malloc(CHUNK * nf * sizeof(float));
    s->prob = malloc((n ? n : 1) * k * sizeof(float));
    if (st != CLGAN_STATUS_OK || !feat || !s->prob) {
        free(feat);
        clgan_cli_error("eval: out of host memory for the %s set's %zu features", s->name, nf);
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    }
    for (size_t i = 0; i < n && st == CLGAN_STATUS_OK; i += CHUNK) {
        size_t b = n - i < CHUNK ? n - i : CHUNK;
        st = clgan_classifier_features(cls, px + i * per, b, c, h, w, feat, s->prob + i * k);
        if (st != CLGAN_STATUS_OK) {
            clgan_cli_error("eval: %s images: %s", s->name, clgan_classifier_last_error(cls));
            break;
        }
        if ((st = clgan_moments_add(s->mom, feat, b)) != CLGAN_STATUS_OK)
            clgan_cli_error("eval: %s images: the classifier's features are not finite", s->name);
    }
    free(feat);
    return st;
}

/* The class of the largest probability (the first of equal ones), -1 when one is NaN. */
static int argmax(const float *p, int k)
{
    int best = 0;
    for (int q = 0; q < k; q++) {
        if (p[q] != p[q])
            return -1;
        if (p[q] > p[best])
            best = q;
    }
    return best;
}

static int pow2_at_least(int v)
{
    int p = 1;
    while (p < v && p < (1 << 30))
        p <<= 1;
    return p;
}

/* Images of size a read by a classifier of size b: the same, or the one padded to the next
 * power of two of the other (28x28 data in a dcgan32's 32x32), as the classifier centres them. */
static int sizes_fit(int a, int b)
{
    int lo = a < b ? a : b, hi = a < b ? b : a;
    return hi <= pow2_at_least(lo);
}

/* A class name that only numbers the class ("3" for class 3) names nothing. */
static int numbered(const char *name, int k)
{
    char num[16];
    snprintf(num, sizeof(num), "%d", k);
    return !name || !strcmp(name, num);
}

/* splitmix64 */
static uint64_t mix_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* n generated images as bytes (n x nc x size x size); labels (conditional G) as drawn. */
static clgan_status generate(clgan_generator *gen, const char *ckpt, uint64_t seed, size_t n,
                             int batch, const int32_t *labels, uint8_t *px)
{
    int nz, nc, size;
    clgan_generator_shape(gen, &nz, &nc, &size);
    size_t per = (size_t)nc * (size_t)size * (size_t)size;
    float *z = malloc(n * (size_t)nz * sizeof(float));
    float *img = malloc((size_t)batch * per * sizeof(float));
    clgan_status st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    if (!z || !img) {
        clgan_cli_error("eval: out of host memory for %zu samples of %s", n, ckpt);
        goto out;
    }
    if ((st = clgan_generator_noise(gen, seed, (int)n, z)) != CLGAN_STATUS_OK) {
        clgan_cli_error("eval: %s", clgan_generator_last_error(gen));
        goto out;
    }
    for (size_t i = 0; i < n; i += (size_t)batch) {
        int b = n - i < (size_t)batch ? (int)(n - i) : batch;
        st = clgan_generator_forward_labels(gen, z + i * (size_t)nz, labels ? labels + i : NULL, b,
                                            img);
        if (st != CLGAN_STATUS_OK) {
            clgan_cli_error("eval: %s: %s", ckpt, clgan_generator_last_error(gen));
            goto out;
        }
        for (size_t j = 0; j < (size_t)b * per; j++)
            px[i * per + j] = clgan_cli_pixel_byte(img[j]);
    }
out:
    free(z);
    free(img);
    return st;
}

/* The checks between the classifier, the generator and the real data; one error line. */
static clgan_status check_match(const struct clgan_classifier_info *in, const char *net,
                                clgan_generator *gen, const char *ckpt)
{
    int nz, nc, size, k = clgan_generator_classes(gen);
    clgan_generator_shape(gen, &nz, &nc, &size);
    if (!in->features) {
        clgan_cli_error("eval: --classifier %s: its last layer is not linear, so it has no "
                        "penultimate features to compare",
                        net);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    if (in->features > MAX_FEAT) {
        clgan_cli_error("eval: --classifier %s: %d features; the Fréchet distance takes at most %d "
                        "(its covariances are d x d, its eigen solver O(d^3))",
                        net, in->features, MAX_FEAT);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    if (nc != in->channels || !sizes_fit(size, in->size)) {
        clgan_cli_error("eval: --ckpt %s makes %d x %d x %d images, but --classifier %s reads "
                        "%d x %d x %d",
                        ckpt, nc, size, size, net, in->channels, in->size, in->size);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    if (k && k != in->classes) {
        clgan_cli_error("eval: --ckpt %s is conditional on %d classes, but --classifier %s has %d",
                        ckpt, k, net, in->classes);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    for (int q = 0; q < k; q++) {
        const char *a = clgan_generator_class_name(gen, q), *b = in->class_names[q];
        if (!numbered(a, q) && !numbered(b, q) && strcmp(a, b)) {
            clgan_cli_error("eval: class %d is '%s' in --ckpt %s but '%s' in --classifier %s", q, a,
                            ckpt, b, net);
            return CLGAN_STATUS_INVALID_ARGUMENT;
        }
    }
    return CLGAN_STATUS_OK;
}

static void print_results(const struct clgan_classifier_info *in, struct set_stats *sets,
                          int n_sets, const int32_t *labels, int gk)
{
    int k = in->classes;
    printf("\n%-10s %8s %12s %8s  %s\n", "set", "n", "FD", "score", "images");
    static const char *what[3] = {"samples of the generator", "real training images",
                                  "uniform noise in [0, 255]"};
    for (int i = 0; i < n_sets; i++)
        printf("%-10s %8zu %12.4f %8.4f  %s\n", sets[i].name, sets[i].n, sets[i].fd, sets[i].score,
               what[i]);
    const struct set_stats *g = &sets[0];
    int *count = calloc((size_t)k + 1, sizeof(int)), *right = calloc((size_t)k + 1, sizeof(int));
    int *drawn = calloc((size_t)k + 1, sizeof(int));
    if (!count || !right || !drawn) {
        free(count);
        free(right);
        free(drawn);
        return;
    }
    for (size_t i = 0; i < g->n; i++) {
        int c = argmax(g->prob + i * (size_t)k, k);
        count[c < 0 ? k : c]++;
        if (labels) {
            drawn[labels[i]]++;
            right[labels[i]] += c == labels[i];
        }
    }
    printf("\nclasses of the generated samples as classified%s:\n",
           gk ? " (cond. acc: the share of a class's samples classified as that class)" : "");
    int w = 5;
    for (int q = 0; q < k; q++) {
        int l = snprintf(NULL, 0, "%d %s", q + 1, in->class_names[q]);
        w = l > w ? l : w;
    }
    printf("%-*s %7s %7s%s\n", w, "class", "count", "share", gk ? "  cond. acc" : "");
    for (int q = 0; q < k; q++) {
        char label[300];
        snprintf(label, sizeof(label), "%d %s", q + 1, in->class_names[q]);
        printf("%-*s %7d %7.4f", w, label, count[q], (double)count[q] / (double)g->n);
        if (gk)
            printf("  %9.4f", drawn[q] ? (double)right[q] / drawn[q] : 0.0);
        printf("\n");
    }
    if (count[k])
        printf("%-*s %7d %7.4f\n", w, "NaN", count[k], (double)count[k] / (double)g->n);
    if (gk) {
        long long all = 0;
        for (int q = 0; q < k; q++)
            all += right[q];
        printf("conditional accuracy %.4f (%lld of %zu)\n", (double)all / (double)g->n, all, g->n);
    }
    free(count);
    free(right);
    free(drawn);
}

int clgan_cli_eval(int argc, char **argv)
{
    const char *net = NULL, *ckpt = NULL, *data = NULL, *device = NULL;
    int n_arg = N_DEFAULT, batch = 64;
    long long seed = 1, test_max = 0;
    const struct opt opts[] = {
        {"--classifier", OPT_STRING, &net, 0, 0, NULL, "FILE",
         "classifier saved by clgan classify --save, trained on the generator's data"},
        {"--ckpt", OPT_STRING, &ckpt, 0, 0, NULL, "FILE",
         "generator: a checkpoint (checkpoints/latest.safetensors) or generator.safetensors"},
        {"--n", OPT_INT, &n_arg, 2, 1e7, NULL, "N",
         "samples to draw (conditional G: N / classes per class), also the real training images "
         "and noise images of the reference rows"},
        {"--data", OPT_STRING, &data, 0, 0, NULL, "SPEC",
         "the real data (its test split is the reference; default: the one the checkpoint was "
         "trained on, else fashion-mnist)"},
        {"--test-max", OPT_LONG, &test_max, 0, 1e12, NULL, "N",
         "only the first N test images (0: all)"},
        {"--seed", OPT_LONG, &seed, 0, 9.2e18, NULL, "S",
         "seed of the noise (G's and the images')"},
        {"--batch", OPT_INT, &batch, 1, 4096, NULL, "B",
         "samples G draws at once (its batch norms use the batch's statistics)"},
        {"--device", OPT_STRING, &device, 0, 0, NULL, "SPEC", "device"},
        {NULL, 0, NULL, 0, 0, NULL, NULL, NULL},
    };
    char err[512];
    int r = clgan_opts_parse(
        opts, argc, argv, 1,
        "usage: clgan eval --classifier FILE --ckpt FILE [--n 10000] [--data SPEC] [--seed S]\n"
        "                  [--batch 64] [--test-max N] [--device SPEC]\n\n"
        "Judges a generator by a classifier of its data (clgan classify --save): the Fréchet "
        "distance\nbetween the classifier's penultimate features of N samples and of the real "
        "test set (the FID\nrecipe with a classifier of the data's own domain instead of "
        "Inception: not comparable with\nInception FID), the score exp(E KL(p(y|x) || p(y))), the "
        "classes of the samples as classified\nand, for a conditional G, the share classified as "
        "the class drawn; with reference rows for\nreal training images (floor) and uniform noise "
        "(ceiling).",
        NULL, NULL, 0, err, sizeof(err));
    if (r)
        return r > 0 ? 0 : (clgan_cli_error("eval: %s", err), 2);
    if (!net || !ckpt)
        return clgan_cli_error("eval: --classifier and --ckpt are required"), 2;

    clgan_ctx *ctx = NULL;
    clgan_status st = clgan_cli_open(device, 0, CLGAN_GEMM_AUTO, &ctx);
    if (st != CLGAN_STATUS_OK)
        return clgan_cli_status_exit(st);
    clgan_classifier *cls = NULL;
    clgan_generator *gen = NULL;
    struct clgan_image_set test = {0}, train = {0};
    struct set_stats ref = {.name = "test"},
                     sets[3] = {{.name = "generated"}, {.name = "floor"}, {.name = "ceiling"}};
    uint8_t *px = NULL;
    int32_t *labels = NULL;
    char msg[2048];
    if ((st = clgan_classifier_load(ctx, net, &cls, msg, sizeof(msg))) != CLGAN_STATUS_OK) {
        clgan_cli_error("eval: --classifier: %s", msg);
        goto done;
    }
    if ((st = clgan_generator_load(ctx, ckpt, batch, &gen, msg, sizeof(msg))) != CLGAN_STATUS_OK) {
        clgan_cli_error("eval: --ckpt: %s", msg);
        goto done;
    }
    struct clgan_classifier_info in;
    clgan_classifier_get_info(cls, &in);
    if ((st = check_match(&in, net, gen, ckpt)) != CLGAN_STATUS_OK)
        goto done;
    int nz, nc, size, gk = clgan_generator_classes(gen);
    clgan_generator_shape(gen, &nz, &nc, &size);
    size_t n = (size_t)n_arg;
    if (gk) {
        if (n < (size_t)gk) {
            st = CLGAN_STATUS_INVALID_ARGUMENT;
            clgan_cli_error("eval: --n %zu is fewer than the %d classes of --ckpt %s", n, gk, ckpt);
            goto done;
        }
        n -= n % (size_t)gk; /* equally many of each class */
    }
    if (!data)
        data = clgan_generator_data(gen) ? clgan_generator_data(gen) : "fashion-mnist";

    /* the real data: the test split (reference), the first n training images (floor) */
    st = clgan_image_set_load(data, 1, in.channels, in.size, test_max, &test, msg, sizeof(msg));
    if (st == CLGAN_STATUS_OK)
        st = clgan_image_set_load(data, 0, in.channels, in.size, (long long)n, &train, msg,
                                  sizeof(msg));
    if (st != CLGAN_STATUS_OK) {
        clgan_cli_error("eval: --data: %s", msg);
        goto done;
    }
    if (!sizes_fit(test.height, in.size) || test.height != test.width || test.n < 2 ||
        train.n < 2) {
        st = CLGAN_STATUS_INVALID_ARGUMENT;
        clgan_cli_error("eval: --data %s: %zu test and %zu training images of %dx%d; --classifier "
                        "%s reads %dx%d and each set needs at least 2",
                        data, test.n, train.n, test.height, test.width, net, in.size, in.size);
        goto done;
    }
    fprintf(stderr,
            "clgan: eval: %zu samples of %s (%s), classifier %s (%d features), real data %s on "
            "%s\n",
            n, ckpt, gk ? "conditional" : "unconditional", net, in.features, data,
            clgan_ctx_device(ctx)->name);

    size_t per_gen = (size_t)nc * (size_t)size * (size_t)size;
    size_t per_real = (size_t)in.channels * (size_t)test.height * (size_t)test.width;
    size_t big = per_gen > per_real ? per_gen : per_real;
    px = malloc(n * big);
    labels = gk ? malloc(n * sizeof(int32_t)) : NULL;
    if (!px || (gk && !labels)) {
        st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        clgan_cli_error("eval: out of host memory for %zu images", n);
        goto done;
    }
    for (size_t i = 0; gk && i < n; i++)
        labels[i] = (int32_t)(i % (size_t)gk); /* interleaved: each batch mixes the classes */

    if ((st = measure(cls, &in, test.pixels, test.n, test.channels, test.height, test.width,
                      &ref)) != CLGAN_STATUS_OK)
        goto done;
    if ((st = generate(gen, ckpt, (uint64_t)seed, n, batch, labels, px)) != CLGAN_STATUS_OK ||
        (st = measure(cls, &in, px, n, nc, size, size, &sets[0])) != CLGAN_STATUS_OK)
        goto done;
    if ((st = measure(cls, &in, train.pixels, train.n, train.channels, train.height, train.width,
                      &sets[1])) != CLGAN_STATUS_OK)
        goto done;
    uint64_t state = (uint64_t)seed ^ 0x6e6f697365696d67ull; /* "noiseimg" */
    for (size_t i = 0; i < n * per_real; i += 8) {
        uint64_t v = mix_next(&state);
        for (size_t j = 0; j < 8 && i + j < n * per_real; j++)
            px[i + j] = (uint8_t)(v >> (8 * j));
    }
    if ((st = measure(cls, &in, px, n, test.channels, test.height, test.width, &sets[2])) !=
        CLGAN_STATUS_OK)
        goto done;
    for (int i = 0; i < 3; i++) {
        sets[i].score = clgan_stats_inception_score(sets[i].prob, sets[i].n, in.classes);
        if ((st = clgan_moments_frechet(sets[i].mom, ref.mom, &sets[i].fd)) != CLGAN_STATUS_OK) {
            clgan_cli_error("eval: the Fréchet distance of the %s set to the test set: %s",
                            sets[i].name, clgan_status_str(st));
            goto done;
        }
    }

    int acc = 0;
    for (size_t i = 0; test.labels && i < test.n; i++)
        acc += argmax(ref.prob + i * (size_t)in.classes, in.classes) == test.labels[i];
    printf("generator: %s, %s: %zu samples", ckpt, gk ? "conditional" : "unconditional", n);
    if (gk)
        printf(", %zu per class", n / (size_t)gk);
    printf(" (seed %lld, batch %d)\n", seed, batch);
    printf("classifier: %s, %d features", net, in.features);
    if (test.labels)
        printf(", test accuracy %.4f", (double)acc / (double)test.n);
    printf("\nreal data: %s, %zu test images (the reference), %zu training images (the floor)\n",
           data, test.n, train.n);
    printf("FD: Fréchet distance between the classifier's penultimate features of each set and "
           "of the test images\n    (the FID recipe with a classifier of the data's own domain; "
           "not comparable with Inception FID)\n");
    printf("score: exp(E KL(p(y|x) || p(y))) of the classifier's probabilities (Inception Score "
           "formula; 1 to %d)\n",
           in.classes);
    print_results(&in, sets, 3, labels, gk);
done:
    for (int i = 0; i < 3; i++)
        set_free(&sets[i]);
    set_free(&ref);
    free(px);
    free(labels);
    clgan_image_set_free(&test);
    clgan_image_set_free(&train);
    clgan_generator_free(gen);
    clgan_classifier_free(cls);
    clgan_ctx_free(ctx);
    return clgan_cli_status_exit(st);
}
