/*
 * classify.c - `clgan classify`: an image classifier (a small CNN, an MLP, or a network file)
 * trained with softmax cross-entropy and Adam on a labelled image set, optionally mixed with an
 * extra labelled set (generated samples), then evaluated on the real test set: accuracy, the
 * confusion matrix in `clgan mlp`'s layout, per-class precision and recall.
 * `clgan classify predict` classifies a data set with a saved classifier; `clgan classify arch`
 * prints a preset's network as the JSON that --arch FILE reads.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/confusion.h"
#include "cli/opts.h"

struct epoch_log {
    FILE *f;
    int quiet, epochs;
    struct clgan_cli_progress pr; /* the status line on a terminal */
    double t0;                    /* when training started */
};

/* In-epoch progress on a terminal: position, a bar of the run, ETA, the epoch's loss and
 * accuracy so far. */
static void on_step(int epoch, long long step, long long steps, double loss, double acc, void *user)
{
    struct epoch_log *lg = user;
    long long done = (long long)(epoch - 1) * steps + step, total = (long long)lg->epochs * steps;
    double el = clgan_cli_now_s() - lg->t0;
    char e[32];
    clgan_cli_fmt_duration(e, sizeof(e), done > 0 ? el / (double)done * (double)(total - done) : 0);
    struct clgan_cli_line l;
    clgan_cli_line_init(&l);
    clgan_cli_line_add(&l, 0, "epoch %d/%d %lld/%lld", epoch, lg->epochs, step, steps);
    clgan_cli_line_bar(&l, 4, total > 0 ? (double)done / (double)total : 0.0);
    clgan_cli_line_add(&l, 1, "ETA %s", e);
    clgan_cli_line_add(&l, 2, "loss %.4f", loss);
    clgan_cli_line_add(&l, 3, "accuracy %.4f", acc);
    clgan_cli_progress_status(&lg->pr, &l);
}

static void on_epoch(int epoch, double loss, double acc, double secs, void *user)
{
    struct epoch_log *lg = user;
    clgan_cli_progress_clear(&lg->pr); /* the epoch's line replaces it */
    if (!lg->quiet)
        printf("epoch %d/%d: training loss %.4f, training accuracy %.4f, %.1f s\n", epoch,
               lg->epochs, loss, acc, secs);
    fflush(stdout);
    if (lg->f)
        fprintf(lg->f, "%d,%.9g,%.9g,%.3f\n", epoch, loss, acc, secs);
}

/* Whether flag is among the options (as "--flag VALUE" or "--flag=VALUE"). */
static int given(int argc, char **argv, const char *flag)
{
    size_t n = strlen(flag);
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strncmp(argv[i], flag, n) && (!argv[i][n] || argv[i][n] == '='))
            return 1;
    return 0;
}

static int classify_train(int argc, char **argv)
{
    struct clgan_classifier_params p = clgan_classifier_default_params();
    const char *device = NULL, *save = NULL, *log_path = NULL;
    long long seed = 1;
    int quiet = 0;
    const struct opt opts[] = {
        {"--arch", OPT_PATH, &p.arch, 0, 0, NULL, "NAME|FILE",
         "cnn (conv-BN-ReLU blocks, stride-2 downsampling, linear head), mlp (linear, ReLU, "
         "linear) or a network file (clgan classify arch prints one)"},
        {"--width", OPT_INT, &p.width, 0, 4096, NULL, "N",
         "cnn: channels of the first block (32); mlp: hidden units (256); 0: default"},
        {"--image-size", OPT_INT, &p.image_size, 0, 4096, NULL, "S",
         "input size of a preset (0: the training images'); other sizes are centred to it"},
        {"--data", OPT_DATA, &p.data, 0, 0, NULL, "SPEC",
         "training set: fashion-mnist, mnist:DIR, idx:FILE, folder:DIR or an IDX folder DIR"},
        {"--per-class", OPT_INT, &p.per_class, 0, 1e9, NULL, "N",
         "keep only the first N training images of each class (0: all)"},
        {"--extra", OPT_DATA, &p.extra, 0, 0, NULL, "DIR",
         "extra labelled set mixed into training (clgan augment's output, or any spec)"},
        {"--extra-ratio", OPT_FLOAT, &p.extra_ratio, 0, 1, NULL, "R",
         "share of each batch drawn from the extra set"},
        {"--extra-only", OPT_FLAG, &p.extra_only, 0, 0, NULL, NULL,
         "train on the extra set alone (the Classification Accuracy Score)"},
        {"--test", OPT_DATA, &p.test, 0, 0, NULL, "SPEC",
         "test set (default: the training set's test files; 'none': no test)"},
        {"--test-max", OPT_LONG, &p.test_max, 0, 1e12, NULL, "N",
         "evaluate on the first N test images (0: all)"},
        {"--epochs", OPT_INT, &p.epochs, 0, 1e6, NULL, "N", "passes over the training set"},
        {"--batch", OPT_INT, &p.batch, 2, 65536, NULL, "N", "images per step"},
        {"--lr", OPT_FLOAT, &p.lr, 1e-12, 1e3, NULL, "LR", "Adam learning rate"},
        {"--beta1", OPT_FLOAT, &p.beta1, 0, 0.999999, NULL, "B", "Adam beta1"},
        {"--beta2", OPT_FLOAT, &p.beta2, 0, 0.999999999, NULL, "B", "Adam beta2"},
        {"--weight-decay", OPT_FLOAT, &p.weight_decay, 0, 1e3, NULL, "W", "Adam L2 weight decay"},
        {"--seed", OPT_LONG, &seed, 0, 9.2e18, NULL, "S", "seed of the weights and batch order"},
        {"--device", OPT_STRING, &device, 0, 0, NULL, "SPEC", "device"},
        {"--save", OPT_PATH, &save, 0, 0, NULL, "FILE", "write the trained classifier"},
        {"--log", OPT_PATH, &log_path, 0, 0, NULL, "FILE",
         "per-epoch CSV: epoch, loss, accuracy, seconds"},
        {"--quiet", OPT_FLAG, &quiet, 0, 0, NULL, NULL, "no per-epoch lines"},
        {NULL, 0, NULL, 0, 0, NULL, NULL, NULL},
    };
    char err[512];
    int r = clgan_opts_parse(
        opts, argc, argv, 1,
        "usage: clgan classify [--arch cnn|mlp|FILE] [--data SPEC] [--epochs 5] [--batch 64]\n"
        "                      [--per-class N] [--extra DIR [--extra-ratio R | --extra-only]]\n"
        "                      [--test SPEC] [--save FILE] [--device SPEC] ...\n"
        "       clgan classify predict --model FILE --data SPEC [--set train|test] [--list]\n"
        "       clgan classify arch [--arch cnn|mlp] [--width N] [--image-size S] [--classes K]\n\n"
        "Trains an image classifier with softmax cross-entropy and Adam on shuffled mini-batches\n"
        "(optionally mixed with an extra labelled set, e.g. a conditional GAN's samples), then\n"
        "prints the test set's confusion matrix, accuracy, precision and recall.",
        NULL, NULL, 0, err, sizeof(err));
    if (r)
        return r > 0 ? 0 : (clgan_cli_error("classify: %s", err), 2);
    if (given(argc, argv, "--extra-ratio") && !p.extra)
        return clgan_cli_error("classify: --extra-ratio needs an extra set (--extra DIR)"), 2;
    p.seed = (uint64_t)seed;

    clgan_ctx *ctx = NULL;
    clgan_status st = clgan_cli_open(device, 0, CLGAN_GEMM_AUTO, &ctx);
    if (st != CLGAN_STATUS_OK)
        return clgan_cli_status_exit(st);
    clgan_classifier *c = NULL;
    struct epoch_log lg = {.quiet = quiet, .epochs = p.epochs, .pr = {.tty = !quiet && isatty(2)}};
    int *conf = NULL;
    char msg[2048];
    st = clgan_classifier_init(ctx, &p, &c, msg, sizeof(msg));
    if (st != CLGAN_STATUS_OK) {
        clgan_cli_error("classify: %s", msg);
        goto done;
    }
    struct clgan_classifier_info in;
    clgan_classifier_get_info(c, &in);
    fprintf(stderr,
            "clgan: classify %s: %d x %d x %d images, %d classes, %zu parameters, on %s (%s)\n",
            in.arch, in.channels, in.size, in.size, in.classes, in.n_params,
            clgan_ctx_device(ctx)->name, clgan_ctx_device(ctx)->platform_name);
    fprintf(stderr, "clgan: training on ");
    if (in.batch_train)
        fprintf(stderr, "%zu images of %s (%d a batch)", in.n_train, in.data, in.batch_train);
    if (in.batch_train && in.batch_extra)
        fprintf(stderr, " + ");
    if (in.batch_extra)
        fprintf(stderr, "%zu images of %s (%d a batch)", in.n_extra, in.extra, in.batch_extra);
    fprintf(stderr, ", %lld steps an epoch; testing on %zu images%s%s\n", in.steps_per_epoch,
            in.n_test, in.test ? " of " : "", in.test ? in.test : "");
    if (log_path) {
        lg.f = fopen(log_path, "w");
        if (!lg.f) {
            st = CLGAN_STATUS_IO;
            clgan_cli_error("classify: %s: cannot write the log", log_path);
            goto done;
        }
        fprintf(lg.f, "epoch,loss,accuracy,seconds\n");
    }
    if (lg.pr.tty)
        clgan_classifier_set_progress(c, on_step, CLGAN_CLI_REFRESH_S, &lg);
    lg.t0 = clgan_cli_now_s();
    st = clgan_classifier_train(c, on_epoch, &lg);
    clgan_cli_progress_clear(&lg.pr);
    if (st != CLGAN_STATUS_OK) {
        clgan_cli_error("classify: %s", clgan_classifier_last_error(c));
        goto done;
    }
    if (in.n_test) {
        int k = in.classes;
        conf = malloc((size_t)k * (size_t)(k + 1) * sizeof(int));
        if (!conf) {
            st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
            clgan_cli_error("out of host memory");
            goto done;
        }
        if ((st = clgan_classifier_confusion(c, conf)) != CLGAN_STATUS_OK) {
            clgan_cli_error("classify: %s", clgan_classifier_last_error(c));
            goto done;
        }
        printf("\ntest set: %s, %zu images\n", in.test, in.n_test);
        clgan_cli_print_confusion(conf, k, in.class_names);
    }
    if (save) {
        if ((st = clgan_classifier_save(c, save)) != CLGAN_STATUS_OK) {
            clgan_cli_error("classify: %s", clgan_classifier_last_error(c));
            goto done;
        }
        fprintf(stderr, "clgan: saved the classifier to %s\n", save);
    }
done:
    if (lg.f && fclose(lg.f) && st == CLGAN_STATUS_OK) {
        st = CLGAN_STATUS_IO;
        clgan_cli_error("classify: %s: write error", log_path);
    }
    free(conf);
    clgan_classifier_free(c);
    clgan_ctx_free(ctx);
    return clgan_cli_status_exit(st);
}

static int classify_predict(int argc, char **argv)
{
    const char *model = NULL, *data = NULL, *device = NULL, *set = "test";
    long long max = 0;
    int list = 0;
    const struct opt opts[] = {
        {"--model", OPT_PATH, &model, 0, 0, NULL, "FILE",
         "classifier saved by clgan classify --save"},
        {"--data", OPT_DATA, &data, 0, 0, NULL, "SPEC",
         "images to classify (labels optional): fashion-mnist, mnist:DIR, idx:FILE, folder:DIR, "
         "DIR"},
        {"--set", OPT_CHOICE, &set, 0, 0, "train|test", "SET",
         "the training or the test (t10k) files of fashion-mnist, mnist:DIR and DIR"},
        {"--max", OPT_LONG, &max, 0, 1e12, NULL, "N", "only the first N images (0: all)"},
        {"--list", OPT_FLAG, &list, 0, 0, NULL, NULL,
         "print each image's prediction (always when the set has no labels)"},
        {"--device", OPT_STRING, &device, 0, 0, NULL, "SPEC", "device"},
        {NULL, 0, NULL, 0, 0, NULL, NULL, NULL},
    };
    char err[512];
    int r = clgan_opts_parse(opts, argc, argv, 1,
                             "usage: clgan classify predict --model FILE --data SPEC [--set "
                             "train|test] [--max N] [--list] [--device SPEC]\n\n"
                             "Classifies the images of a data set; with labels, prints the "
                             "confusion matrix, accuracy, precision and recall.",
                             NULL, NULL, 0, err, sizeof(err));
    if (r)
        return r > 0 ? 0 : (clgan_cli_error("classify predict: %s", err), 2);
    if (!model || !data)
        return clgan_cli_error("classify predict: --model and --data are required"), 2;
    clgan_ctx *ctx = NULL;
    clgan_status st = clgan_cli_open(device, 0, CLGAN_GEMM_AUTO, &ctx);
    if (st != CLGAN_STATUS_OK)
        return clgan_cli_status_exit(st);
    clgan_classifier *c = NULL;
    struct clgan_classifier_pred pr = {0};
    int *conf = NULL;
    char msg[2048];
    if ((st = clgan_classifier_load(ctx, model, &c, msg, sizeof(msg))) != CLGAN_STATUS_OK) {
        clgan_cli_error("classify predict: %s", msg);
        goto done;
    }
    st = clgan_classifier_predict_data(c, data, !strcmp(set, "test"), max, &pr);
    if (st != CLGAN_STATUS_OK) {
        clgan_cli_error("classify predict: %s", clgan_classifier_last_error(c));
        goto done;
    }
    struct clgan_classifier_info in;
    clgan_classifier_get_info(c, &in);
    int k = in.classes;
    if (list || !pr.target) {
        printf("image,predicted");
        for (int q = 0; q < k; q++)
            printf(",%s", in.class_names[q]);
        printf("\n");
        for (size_t i = 0; i < pr.n; i++) {
            printf("%zu,%s", i + 1, pr.cls[i] < 0 ? "NA" : in.class_names[pr.cls[i]]);
            for (int q = 0; q < k; q++)
                printf(",%.6g", (double)pr.prob[i * (size_t)k + (size_t)q]);
            printf("\n");
        }
    }
    if (pr.target) {
        conf = calloc((size_t)k * (size_t)(k + 1), sizeof(int));
        if (!conf) {
            st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
            clgan_cli_error("out of host memory");
            goto done;
        }
        for (size_t i = 0; i < pr.n; i++)
            conf[pr.target[i] * (k + 1) + (pr.cls[i] < 0 ? k : pr.cls[i])]++;
        if (list)
            printf("\n");
        clgan_cli_print_confusion(conf, k, in.class_names);
    }
done:
    free(conf);
    clgan_classifier_pred_free(&pr);
    clgan_classifier_free(c);
    clgan_ctx_free(ctx);
    return clgan_cli_status_exit(st);
}

static int classify_arch(int argc, char **argv)
{
    const char *arch = "cnn";
    int width = 0, size = 28, channels = 1, classes = 10;
    const struct opt opts[] = {
        {"--arch", OPT_CHOICE, &arch, 0, 0, "cnn|mlp", "NAME", "the preset"},
        {"--width", OPT_INT, &width, 0, 4096, NULL, "N",
         "cnn: channels of the first block (32); mlp: hidden units (256); 0: default"},
        {"--image-size", OPT_INT, &size, 1, 4096, NULL, "S", "input images S x S"},
        {"--channels", OPT_INT, &channels, 1, 3, NULL, "C", "image channels (1 or 3)"},
        {"--classes", OPT_INT, &classes, 2, 100000, NULL, "K", "classes (logits)"},
        {NULL, 0, NULL, 0, 0, NULL, NULL, NULL},
    };
    char err[1024];
    int r = clgan_opts_parse(opts, argc, argv, 1,
                             "usage: clgan classify arch [--arch cnn|mlp] [--width N] "
                             "[--image-size 28] [--channels 1] [--classes 10]\n\n"
                             "Prints a classifier preset as the network JSON that clgan classify "
                             "--arch FILE reads\n(docs/NETWORKS.md describes the format).",
                             NULL, NULL, 0, err, sizeof(err));
    if (r)
        return r > 0 ? 0 : (clgan_cli_error("classify arch: %s", err), 2);
    if (channels == 2)
        return clgan_cli_error("classify arch: --channels must be 1 or 3"), 2;
    char *json = NULL;
    clgan_status st =
        clgan_classifier_preset_json(arch, channels, size, classes, width, &json, err, sizeof(err));
    if (st != CLGAN_STATUS_OK)
        return clgan_cli_error("classify arch: %s", err), clgan_cli_status_exit(st);
    printf("%s\n", json);
    free(json);
    return 0;
}

int clgan_cli_classify(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "predict"))
        return classify_predict(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "arch"))
        return classify_arch(argc - 1, argv + 1);
    static const char *const subs[] = {"predict", "arch"};
    if (argc > 1 && argv[1][0] != '-')
        return clgan_cli_subcommand_error("classify", argv[1], subs, 2);
    return classify_train(argc, argv);
}
