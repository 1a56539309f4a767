/*
 * mlp.c - `clgan mlp`: an MLP classifier on a CSV table, trained as RSNNS's mlp() trains it
 * (SNNS Quickprop by default; std-backprop, SGD, Adam), with the per-epoch errors in a CSV log,
 * the test confusion matrix, accuracy, precision and recall; --repeat shows how the test
 * accuracy spreads over seeds. `clgan mlp predict` classifies a CSV file with a saved network.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/confusion.h"
#include "cli/opts.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* "5", "16,16" (or "0" / "none": no hidden layer) into widths. */
static int parse_hidden(const char *s, struct clgan_mlp_params *p)
{
    p->n_hidden = 0;
    if (!strcmp(s, "0") || !strcmp(s, "none"))
        return 1;
    for (;;) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 65536 || p->n_hidden == CLGAN_MLP_MAX_HIDDEN)
            return 0;
        p->hidden[p->n_hidden++] = (int)v;
        if (!*end)
            return 1;
        if (*end != ',')
            return 0;
        s = end + 1;
    }
}

static int parse_params(const char *s, double *v, int max)
{
    int n = 0;
    for (;;) {
        char *end;
        if (n == max)
            return -1;
        v[n++] = strtod(s, &end);
        if (end == s || !isfinite(v[n - 1]))
            return -1;
        if (!*end)
            return n;
        if (*end != ',')
            return -1;
        s = end + 1;
    }
}

static const char *loss_name(enum clgan_mlp_loss l)
{
    return l == CLGAN_MLP_LOSS_CE ? "CE" : "SSE";
}

/* The network in one line: "4-5-3 logistic, quickprop (0.1, 2, 0.0001, 0.1), SSE". */
static void describe(const struct clgan_mlp_info *in, char *buf, size_t len)
{
    size_t u = 0;
    for (int i = 0; i < in->n_layers && u < len; i++)
        u += (size_t)snprintf(buf + u, len - u, "%s%d", i ? "-" : "", in->sizes[i]);
    if (u < len)
        u += (size_t)snprintf(buf + u, len - u, " %s, %s (",
                              in->loss == CLGAN_MLP_LOSS_CE ? "logistic/softmax" : "logistic",
                              clgan_mlp_learn_str(in->learn));
    for (int i = 0; i < in->n_learn_params && u < len; i++)
        u += (size_t)snprintf(buf + u, len - u, "%s%g", i ? ", " : "", in->learn_params[i]);
    if (u < len)
        snprintf(buf + u, len - u, "), %s", loss_name(in->loss));
}

/* A text histogram of accuracies in bins of 0.05 from the lowest one's bin up to 1. */
static void print_histogram(const double *acc, int n)
{
    double lo = 1.0;
    for (int i = 0; i < n; i++)
        lo = acc[i] < lo ? acc[i] : lo;
    int first = (int)floor(lo * 20.0 + 1e-9), bins = 20 - first;
    if (bins < 1)
        bins = 1, first = 19;
    for (int b = 0; b < bins; b++) {
        int cnt = 0, last = b == bins - 1;
        double a = (first + b) / 20.0, z = (first + b + 1) / 20.0;
        for (int i = 0; i < n; i++) {
            int bin = (int)floor(acc[i] * 20.0 + 1e-9) - first;
            bin = bin >= bins ? bins - 1 : bin;
            cnt += bin == b;
        }
        printf("  [%.2f, %.2f%c %4d%s", a, z, last ? ']' : ')', cnt, cnt ? "  " : "");
        for (int i = 0; i < cnt && i < 60; i++)
            putchar('#');
        putchar('\n');
    }
}

/* The error log for writing: opened without blocking, so a FIFO nobody reads is an error
 * (ENXIO) instead of a hang; a regular file is truncated, a terminal or pipe written through. */
static FILE *open_log(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0666);
    struct stat sb;
    if (fd < 0)
        return NULL;
    if (fstat(fd, &sb) || (S_ISREG(sb.st_mode) && ftruncate(fd, 0)) ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (!f)
        close(fd);
    return f;
}

struct log_ctx {
    FILE *f;
    unsigned long long seed;
    double tr, te;                /* the last epoch's errors */
    struct clgan_cli_progress pr; /* the status line on a terminal */
    int maxit;
    const char *loss; /* "SSE", "CE" */
};

static void on_epoch(int epoch, double tr, double te, void *user)
{
    struct log_ctx *lc = user;
    lc->tr = tr;
    lc->te = te;
    if (lc->f)
        fprintf(lc->f, "%llu,%d,%.9g,%.9g\n", lc->seed, epoch, tr, te);
    /* epochs end on the host: a status line when one is due */
    if (!lc->pr.tty || !clgan_cli_progress_due(&lc->pr))
        return;
    struct clgan_cli_line l;
    clgan_cli_line_init(&l);
    clgan_cli_line_add(&l, 0, "seed %llu: epoch %d/%d", lc->seed, epoch, lc->maxit);
    clgan_cli_line_bar(&l, 3, lc->maxit > 0 ? (double)epoch / lc->maxit : 0.0);
    clgan_cli_line_add(&l, 1, "training %s %.4f", lc->loss, tr);
    if (isfinite(te))
        clgan_cli_line_add(&l, 2, "test %s %.4f", lc->loss, te);
    clgan_cli_progress_status(&lc->pr, &l);
}

static int mlp_train(int argc, char **argv)
{
    struct clgan_mlp_params p = clgan_mlp_default_params();
    const char *data = NULL, *device = NULL, *hidden = "5", *learn = "quickprop", *lparams = NULL;
    const char *loss = "sse", *target = NULL, *log_path = NULL, *out_dir = NULL, *save = NULL;
    long long seed = 1;
    int repeat = 1, quiet = 0;
    const struct opt opts[] = {
        {"--data", OPT_PATH, &data, 0, 0, NULL, "FILE",
         "CSV table: header, numeric features, a class column"},
        {"--target", OPT_STRING, &target, 0, 0, NULL, "NAME", "class column (default: the last)"},
        {"--hidden", OPT_STRING, &hidden, 0, 0, NULL, "N[,N...]", "hidden layer widths (0: none)"},
        {"--learn", OPT_CHOICE, &learn, 0, 0, "quickprop|std-backprop|sgd|adam", "RULE",
         "learning rule"},
        {"--learn-params", OPT_STRING, &lparams, 0, 0, NULL, "A,B,...",
         "quickprop: eta,mu,decay,dmax (0.1,2,0.0001,0.1); std-backprop: eta,dmax (0.2,0); "
         "sgd: lr,momentum,weight_decay (0.001,0,0); adam: lr,beta1,beta2,eps,weight_decay "
         "(0.001,0.9,0.999,1e-8,0)"},
        {"--loss", OPT_CHOICE, &loss, 0, 0, "sse|ce", "NAME",
         "sse: logistic outputs, squared error; ce: softmax outputs, cross-entropy"},
        {"--maxit", OPT_INT, &p.maxit, 0, 1e8, NULL, "N", "epochs"},
        {"--batch", OPT_INT, &p.batch, 0, 1e8, NULL, "N",
         "sgd, adam: rows per update (0: all training rows)"},
        {"--test-ratio", OPT_FLOAT, &p.test_ratio, 0, 0.99, NULL, "R",
         "share of the shuffled rows held out (the last ones)"},
        {"--init-range", OPT_FLOAT, &p.init_range, 1e-9, 1e5, NULL, "R",
         "initial weights uniform in [-R, R)"},
        {"--seed", OPT_LONG, &seed, 0, 9.2e18, NULL, "S", "seed of the split, weights and order"},
        {"--repeat", OPT_INT, &repeat, 1, 100000, NULL, "N",
         "train with seeds S, S+1, ..., S+N-1 and show the spread of test accuracy"},
        {"--device", OPT_STRING, &device, 0, 0, NULL, "SPEC", "device"},
        {"--log", OPT_PATH, &log_path, 0, 0, NULL, "FILE",
         "per-epoch errors (default mlp_error.csv, in --out if given; 'off': none)"},
        {"--out", OPT_PATH, &out_dir, 0, 0, NULL, "DIR", "folder for the log"},
        {"--save", OPT_PATH, &save, 0, 0, NULL, "FILE", "write the trained network"},
        {"--quiet", OPT_FLAG, &quiet, 0, 0, NULL, NULL, "only the summary"},
        {NULL, 0, NULL, 0, 0, NULL, NULL, NULL},
    };
    char err[512];
    int r = clgan_opts_parse(
        opts, argc, argv, 1,
        "usage: clgan mlp --data FILE.csv [--hidden 5] [--learn quickprop] [--learn-params "
        "A,B,...]\n"
        "                 [--maxit 100] [--test-ratio 0.15] [--seed S] [--repeat N] [--device "
        "SPEC] ...\n"
        "       clgan mlp predict --model FILE --data FILE.csv [--rows all|train|test]\n\n"
        "Trains a multilayer perceptron as RSNNS's mlp() does with SNNS (shuffled rows, the last\n"
        "ones held out, inputs z-scored with the training rows' statistics, logistic units,\n"
        "weights uniform in [-0.3, 0.3), Quickprop), then prints the test rows' confusion matrix.",
        NULL, NULL, 0, err, sizeof(err));
    if (r)
        return r > 0 ? 0 : (clgan_cli_error("mlp: %s", err), 2);
    if (!data)
        return clgan_cli_error("mlp: --data FILE.csv is required"), 2;
    if (!parse_hidden(hidden, &p))
        return clgan_cli_error("mlp: --hidden: '%s' is not a list of widths 1..65536 (at most %d)",
                               hidden, CLGAN_MLP_MAX_HIDDEN),
               2;
    p.learn = !strcmp(learn, "quickprop")      ? CLGAN_MLP_QUICKPROP
              : !strcmp(learn, "std-backprop") ? CLGAN_MLP_STD_BACKPROP
              : !strcmp(learn, "sgd")          ? CLGAN_MLP_SGD
                                               : CLGAN_MLP_ADAM;
    p.loss = !strcmp(loss, "ce") ? CLGAN_MLP_LOSS_CE : CLGAN_MLP_LOSS_SSE;
    if (lparams) {
        double def[CLGAN_MLP_MAX_LEARN_PARAMS];
        int max = clgan_mlp_learn_defaults(p.learn, def);
        p.n_learn_params = parse_params(lparams, p.learn_params, max);
        if (p.n_learn_params < 0)
            return clgan_cli_error("mlp: --learn-params: '%s' is not a list of at most %d numbers "
                                   "for %s",
                                   lparams, max, learn),
                   2;
    }
    p.class_column = target;
    if (save && repeat > 1)
        return clgan_cli_error("mlp: --save keeps one network; use it with --repeat 1"), 2;
    char log_buf[1200];
    if (!log_path)
        log_path = "mlp_error.csv";
    if (out_dir) {
        if (mkdir(out_dir, 0755) && errno != EEXIST)
            return clgan_cli_error("mlp: cannot create folder %s", out_dir), 1;
        if (strcmp(log_path, "off") && log_path[0] != '/') {
            snprintf(log_buf, sizeof(log_buf), "%s/%s", out_dir, log_path);
            log_path = log_buf;
        }
    }

    clgan_ctx *ctx = NULL;
    clgan_status st = clgan_cli_open(device, 0, CLGAN_GEMM_AUTO, &ctx);
    if (st != CLGAN_STATUS_OK)
        return clgan_cli_status_exit(st);
    struct log_ctx lc = {.tr = NAN,
                         .te = NAN,
                         .pr = {.tty = !quiet && isatty(2)},
                         .maxit = p.maxit,
                         .loss = loss_name(p.loss)};
    double *acc = calloc((size_t)repeat, sizeof(double));
    int *conf = NULL, k = 0, info_test = 1;
    clgan_mlp *mlp = NULL;
    char msg[2048];
    if (!acc) {
        st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        clgan_cli_error("out of host memory");
        goto done;
    }
    for (int run = 0; run < repeat; run++) {
        p.seed = (uint64_t)seed + (uint64_t)run;
        double t0 = now_s();
        st = clgan_mlp_init(ctx, data, &p, &mlp, msg, sizeof(msg));
        if (st != CLGAN_STATUS_OK) {
            clgan_cli_error("%s", msg);
            goto done;
        }
        struct clgan_mlp_info info;
        clgan_mlp_get_info(mlp, &info);
        k = info.sizes[info.n_layers - 1];
        info_test = info.n_test > 0;
        if (run == 0) {
            char d[512];
            describe(&info, d, sizeof(d));
            fprintf(stderr, "clgan: mlp %s, %zu training / %zu test rows, on %s (%s)\n", d,
                    info.n_train, info.n_test, clgan_ctx_device(ctx)->name,
                    clgan_ctx_device(ctx)->platform_name);
            conf = malloc((size_t)k * (size_t)(k + 1) * sizeof(int));
            if (!conf) {
                st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
                clgan_cli_error("out of host memory");
                goto done;
            }
            if (strcmp(log_path, "off")) {
                lc.f = open_log(log_path);
                if (!lc.f) {
                    st = CLGAN_STATUS_IO;
                    clgan_cli_error("%s: cannot write the error log: %s", log_path,
                                    errno == ENXIO ? "a FIFO without a reader" : strerror(errno));
                    goto done;
                }
                fprintf(lc.f, "seed,epoch,train_%s,test_%s\n", p.loss ? "ce" : "sse",
                        p.loss ? "ce" : "sse");
            }
        }
        lc.seed = (unsigned long long)p.seed;
        lc.tr = lc.te = NAN;
        st = clgan_mlp_train(mlp, on_epoch, &lc);
        clgan_cli_progress_clear(&lc.pr); /* the seed's line replaces it */
        /* without test rows (--test-ratio 0) the training rows are all there is to show */
        int on_test = info.n_test > 0;
        if (st == CLGAN_STATUS_OK)
            st = clgan_mlp_confusion(mlp, on_test ? CLGAN_MLP_ROWS_TEST : CLGAN_MLP_ROWS_TRAIN,
                                     conf);
        if (st != CLGAN_STATUS_OK) {
            clgan_cli_error("%s", clgan_mlp_last_error(mlp));
            goto done;
        }
        double secs = now_s() - t0;
        int right = 0, total = 0;
        for (int q = 0; q < k; q++) {
            right += conf[q * (k + 1) + q];
            for (int c = 0; c <= k; c++)
                total += conf[q * (k + 1) + c];
        }
        acc[run] = total ? (double)right / total : NAN;
        struct clgan_mlp_info after;
        clgan_mlp_get_info(mlp, &after);
        if (!quiet || repeat == 1) {
            printf("seed %llu: %d epochs, training %s %.4f, ", (unsigned long long)p.seed,
                   after.epochs, loss_name(p.loss), lc.tr);
            if (on_test)
                printf("test %s %.4f, ", loss_name(p.loss), lc.te);
            printf("%s accuracy %.4f (%d/%d), %.2f s\n", on_test ? "test" : "training", acc[run],
                   right, total, secs);
        }
        if (repeat == 1) {
            printf("\n");
            clgan_cli_print_confusion(conf, k, info.class_names);
        }
        if (save) {
            if ((st = clgan_mlp_save(mlp, save)) != CLGAN_STATUS_OK) {
                clgan_cli_error("%s", clgan_mlp_last_error(mlp));
                goto done;
            }
            fprintf(stderr, "clgan: saved the network to %s\n", save);
        }
        clgan_mlp_free(mlp);
        mlp = NULL;
    }
    if (repeat > 1) {
        double sum = 0, lo = 1, hi = 0;
        for (int i = 0; i < repeat; i++) {
            sum += acc[i];
            lo = acc[i] < lo ? acc[i] : lo;
            hi = acc[i] > hi ? acc[i] : hi;
        }
        printf("%s accuracy over %d seeds (%llu..%llu): mean %.4f, min %.4f, max %.4f\n",
               info_test ? "test" : "training", repeat, (unsigned long long)seed,
               (unsigned long long)seed + (unsigned long long)repeat - 1, sum / repeat, lo, hi);
        print_histogram(acc, repeat);
    }
done:
    if (lc.f && fclose(lc.f) && st == CLGAN_STATUS_OK) {
        st = CLGAN_STATUS_IO;
        clgan_cli_error("%s: write error", log_path);
    }
    clgan_mlp_free(mlp);
    free(acc);
    free(conf);
    clgan_ctx_free(ctx);
    return clgan_cli_status_exit(st);
}

static int mlp_predict(int argc, char **argv)
{
    const char *model = NULL, *data = NULL, *device = NULL, *rows = "all";
    int list = 0;
    const struct opt opts[] = {
        {"--model", OPT_PATH, &model, 0, 0, NULL, "FILE", "network saved by clgan mlp --save"},
        {"--data", OPT_PATH, &data, 0, 0, NULL, "FILE",
         "CSV with the network's feature columns (by name), the class column optional"},
        {"--rows", OPT_CHOICE, &rows, 0, 0, "all|train|test", "SET",
         "every row, or the rows the network's seed and test ratio put in its training or test "
         "set"},
        {"--list", OPT_FLAG, &list, 0, 0, NULL, NULL,
         "print each row's prediction (always when the file has no class column)"},
        {"--device", OPT_STRING, &device, 0, 0, NULL, "SPEC", "device"},
        {NULL, 0, NULL, 0, 0, NULL, NULL, NULL},
    };
    char err[512];
    int r = clgan_opts_parse(opts, argc, argv, 1,
                             "usage: clgan mlp predict --model FILE --data FILE.csv [--rows "
                             "all|train|test] [--list] [--device SPEC]\n\n"
                             "Classifies the rows of a CSV file; with a class column, prints the "
                             "confusion matrix, accuracy, precision and recall.",
                             NULL, NULL, 0, err, sizeof(err));
    if (r)
        return r > 0 ? 0 : (clgan_cli_error("mlp predict: %s", err), 2);
    if (!model || !data)
        return clgan_cli_error("mlp predict: --model and --data are required"), 2;
    clgan_ctx *ctx = NULL;
    clgan_status st = clgan_cli_open(device, 0, CLGAN_GEMM_AUTO, &ctx);
    if (st != CLGAN_STATUS_OK)
        return clgan_cli_status_exit(st);
    clgan_mlp *mlp = NULL;
    struct clgan_mlp_pred pr = {0};
    int *conf = NULL;
    char msg[2048];
    st = clgan_mlp_load(ctx, model, &mlp, msg, sizeof(msg));
    if (st != CLGAN_STATUS_OK) {
        clgan_cli_error("%s", msg);
        goto done;
    }
    enum clgan_mlp_rows set = !strcmp(rows, "train")  ? CLGAN_MLP_ROWS_TRAIN
                              : !strcmp(rows, "test") ? CLGAN_MLP_ROWS_TEST
                                                      : CLGAN_MLP_ROWS_ALL;
    if ((st = clgan_mlp_predict_csv(mlp, data, set, &pr)) != CLGAN_STATUS_OK) {
        clgan_cli_error("%s", clgan_mlp_last_error(mlp));
        goto done;
    }
    struct clgan_mlp_info info;
    clgan_mlp_get_info(mlp, &info);
    int k = info.sizes[info.n_layers - 1];
    if (list || !pr.target) {
        printf("row,predicted");
        for (int c = 0; c < k; c++)
            printf(",%s", info.class_names[c]);
        printf("\n");
        for (size_t i = 0; i < pr.n; i++) {
            printf("%zu,%s", pr.row[i] + 1, pr.cls[i] < 0 ? "NA" : info.class_names[pr.cls[i]]);
            for (int c = 0; c < k; c++)
                printf(",%.6g", (double)pr.out[i * (size_t)k + (size_t)c]);
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
        clgan_cli_print_confusion(conf, k, info.class_names);
    }
done:
    free(conf);
    clgan_mlp_pred_free(&pr);
    clgan_mlp_free(mlp);
    clgan_ctx_free(ctx);
    return clgan_cli_status_exit(st);
}

int clgan_cli_mlp(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "predict"))
        return mlp_predict(argc - 1, argv + 1);
    static const char *const subs[] = {"predict"};
    if (argc > 1 && argv[1][0] != '-')
        return clgan_cli_subcommand_error("mlp", argv[1], subs, 1);
    return mlp_train(argc, argv);
}
