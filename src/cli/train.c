/* train.c - `clgan train`: DCGAN training from the command line (a thin user of clgan.h). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"

/* the signal that asked the run to stop (0: none) */
static volatile int stop_flag;

/* SIGINT, SIGTERM (schedulers, containers) and SIGHUP (a closed terminal) all finish the step,
 * write a checkpoint and exit 128 + the signal; a second one exits at once. */
static void on_stop_signal(int sig)
{
    if (stop_flag) /* the second signal: the user means it */
        _exit(128 + sig);
    stop_flag = sig;
}

/* Before anything slow (opening devices, building kernels, reading the data set): a signal
 * then is a stop request too. A closed pipe on stdout or stderr (`clgan train | head`) must
 * not kill the run before its checkpoint: SIGPIPE is ignored and writes fail with EPIPE. */
static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

void clgan_cli_train_data_line(const clgan_gan *gan)
{
    struct clgan_gan_info in;
    clgan_gan_get_info(gan, &in);
    char classes[32] = "", centred[64] = "";
    if (in.classes)
        snprintf(classes, sizeof(classes), ", %d classes", in.classes);
    if (in.width != in.image_size || in.height != in.image_size)
        snprintf(centred, sizeof(centred), " (centred to %dx%d)", in.image_size, in.image_size);
    fprintf(stderr, "clgan: data %s: %zu images of %dx%d, %d channel%s%s%s\n", in.data, in.images,
            in.width, in.height, in.channels, in.channels == 1 ? "" : "s", classes, centred);
}

static int train_with(struct clgan_gan_params *pp, const char *device, const char *d_device,
                      const char *g_device, const char *gemm, int quiet, int dist_on,
                      const char *per_rank);

/* "--batch 32 differs from the run's 64" for the first setting that would change a resumed
 * run's computation; 0 when none does. */
static int differs(const char *flag, int given, double asked, double stored, const char *text_a,
                   const char *text_s, const char *file)
{
    if (!given)
        return 0;
    if (text_a || text_s) {
        if (!strcmp(text_a ? text_a : "", text_s ? text_s : ""))
            return 0;
        clgan_cli_error("train: %s %s differs from the run's %s in %s: a resumed run keeps its "
                        "configuration (a new run: another --out)",
                        flag, text_a ? text_a : "(none)", text_s && text_s[0] ? text_s : "(none)",
                        file);
        return 1;
    }
    if (asked == stored)
        return 0;
    clgan_cli_error("train: %s %.17g differs from the run's %.17g in %s: a resumed run keeps its "
                    "configuration (a new run: another --out)",
                    flag, asked, stored, file);
    return 1;
}

/*
 * --resume: the run's configuration from its checkpoint, then the options given on the command
 * line over it. Those that change what is computed (networks, data, batch, loss, D steps, seed)
 * must agree with the run; the optimizer's settings, the length of the run, its cadence, devices
 * and output may change. 0, or the exit code.
 */
static int resume_config(const struct opt *opts, int argc, char **argv, struct clgan_gan_params *p,
                         long long *seed, char **store)
{
    struct clgan_gan_params s = *p;
    char msg[1536], err[512];
    clgan_status st = clgan_gan_resume_params(p->resume, &s, store, msg, sizeof(msg));
    if (st != CLGAN_STATUS_OK)
        return clgan_cli_error("train: %s", msg), clgan_cli_status_exit(st);
    /* what the user typed, over the stored configuration (the parser sets only what is given) */
    struct clgan_gan_params asked = *p;
    *p = s;
    p->resume = asked.resume;
    p->arch = NULL;
    p->image_size = 0;
    *seed = (long long)s.seed;
    if (clgan_opts_parse(opts, argc, argv, 1, "", NULL, NULL, 0, err, sizeof(err)) != 0)
        return clgan_cli_error("train: %s", err), 2;
    p->seed = (uint64_t)*seed;
    const char *f = s.resume;
#define GIVEN(field) (p->field != s.field)
    if (differs("--model", p->model != s.model, 0, 0, p->model, s.model, f) ||
        differs("--batch", 1, p->batch, s.batch, NULL, NULL, f) ||
        differs("--nz", 1, p->nz, s.nz, NULL, NULL, f) ||
        differs("--ngf", 1, p->ngf, s.ngf, NULL, NULL, f) ||
        differs("--ndf", 1, p->ndf, s.ndf, NULL, NULL, f) ||
        differs("--cond", 1, p->cond, s.cond, NULL, NULL, f) ||
        differs("--d-steps", 1, p->d_steps, s.d_steps, NULL, NULL, f) ||
        differs("--g-loss", GIVEN(g_loss), 0, 0, p->g_loss, s.g_loss, f) ||
        differs("--max-images", 1, (double)p->max_images, (double)s.max_images, NULL, NULL, f) ||
        differs("--per-class", 1, (double)p->per_class, (double)s.per_class, NULL, NULL, f) ||
        differs("--labels", GIVEN(labels), 0, 0, p->labels, s.labels, f) ||
        differs("--seed", 1, (double)p->seed, (double)s.seed, NULL, NULL, f))
        return 2;
#undef GIVEN
    /* the optimizer's settings may change (a lower rate to fine-tune): said, then taken */
    const struct {
        const char *flag;
        double asked, stored;
    } tuned[] = {{"--lr", p->lr, s.lr},
                 {"--beta1", p->beta1, s.beta1},
                 {"--beta2", p->beta2, s.beta2},
                 {"--real-label", p->real_label, s.real_label}};
    for (size_t i = 0; i < sizeof(tuned) / sizeof(tuned[0]); i++)
        if (tuned[i].asked != tuned[i].stored)
            fprintf(stderr, "clgan: %s %g from here on (the run had %g)\n", tuned[i].flag,
                    tuned[i].asked, tuned[i].stored);
    /* the networks come from the checkpoint unless an architecture is asked for (then the
     * trainer checks that it is the checkpoint's) */
    if (p->model == s.model)
        p->model = NULL;
    if (!p->out_dir)
        return clgan_cli_error("train: %s is not in a run's checkpoints folder: say where the run "
                               "goes with --out",
                               s.resume),
               2;
    return 0;
}

int clgan_cli_train(int argc, char **argv)
{
    struct clgan_gan_params p = clgan_gan_default_params();
    /* no default architecture: without one, a resumed run takes its checkpoint's */
    p.model = NULL;
    const char *device = NULL, *d_device = NULL, *g_device = NULL, *gemm = "auto";
    long long seed = (long long)p.seed;
    int quiet = 0, dist_on = 0;
    const char *per_rank = NULL;
    const struct opt opts[] = {
        {"--model", OPT_STRING, &p.model, 0, 0, NULL, "NAME",
         "DCGAN preset: dcgan32 (default), dcgan64, dcgan<N> for N x N images"},
        {"--image-size", OPT_INT, &p.image_size, 0, 4096, NULL, "N",
         "the DCGAN preset for N x N images (16, 32, 64, 128, ...), as PyTorch's --imageSize"},
        {"--arch", OPT_PATH, &p.arch, 0, 0, NULL, "FILE",
         "networks from a JSON architecture file (clgan arch prints one to edit)"},
        {"--cond", OPT_FLAG, &p.cond, 0, 0, NULL, NULL,
         "class-conditional DCGAN on the data's labels: G reads z and the class, D projects "
         "it; grids get a row per class"},
        {"--data", OPT_DATA, &p.data, 0, 0, NULL, "SPEC",
         "fashion-mnist, mnist:DIR, idx:FILE or folder:DIR (of images, or of one subfolder of "
         "images per class)"},
        {"--labels", OPT_PATH, &p.labels, 0, 0, NULL, "FILE",
         "IDX label file for idx:FILE data (its count must match the images)"},
        {"--max-images", OPT_LONG, &p.max_images, 0, 1e12, NULL, "N",
         "use only the first N images (0: all)"},
        {"--per-class", OPT_LONG, &p.per_class, 0, 1e12, NULL, "N",
         "labelled data: keep only the first N images of each class (0: all)"},
        {"--nz", OPT_INT, &p.nz, 1, 4096, NULL, "N", "noise size"},
        {"--ngf", OPT_INT, &p.ngf, 1, 1024, NULL, "N", "generator width"},
        {"--ndf", OPT_INT, &p.ndf, 1, 1024, NULL, "N", "discriminator width"},
        {"--epochs", OPT_INT, &p.epochs, 0, 1e6, NULL, "N", "epochs"},
        {"--iters", OPT_LONG, &p.iters, 0, 1e15, NULL, "N", "stop after N steps (0: no cap)"},
        {"--batch", OPT_INT, &p.batch, 1, 65536, NULL, "N", "batch size"},
        /* no sensible rate is above 10, but a huge one is the quickest way to make training
         * diverge (the tests do); the trainer refuses rates that are infinite as floats */
        {"--lr", OPT_FLOAT, &p.lr, 1e-12, 1e30, NULL, "X", "Adam learning rate"},
        /* single precision: 1 - 6e-8 is the largest float below 1 */
        {"--beta1", OPT_FLOAT, &p.beta1, 0, 0.9999999, NULL, "X", "Adam beta1"},
        {"--beta2", OPT_FLOAT, &p.beta2, 0, 0.9999999, NULL, "X", "Adam beta2"},
        {"--d-steps", OPT_INT, &p.d_steps, 1, 100, NULL, "K", "D updates per G update"},
        {"--g-loss", OPT_CHOICE, &p.g_loss, 0, 0, "ns|minimax", "NAME",
         "G loss: non-saturating or the minimax log(1 - D(G(z)))"},
        {"--real-label", OPT_FLOAT, &p.real_label, 1e-6, 1, NULL, "X",
         "target for real images (< 1: one-sided label smoothing)"},
        {"--seed", OPT_LONG, &seed, 0, 9.2e18, NULL, "S", "seed of weights, noise and shuffle"},
        {"--device", OPT_STRING, &device, 0, 0, NULL, "SPEC", "device for D and G"},
        {"--d-device", OPT_STRING, &d_device, 0, 0, NULL, "SPEC", "device for D"},
        {"--g-device", OPT_STRING, &g_device, 0, 0, NULL, "SPEC", "device for G"},
        {"--gemm", OPT_CHOICE, &gemm, 0, 0, "auto|clblast|own", "NAME", "GEMM backend"},
        {"--out", OPT_PATH, &p.out_dir, 0, 0, NULL, "DIR", "output folder"},
        {"--log-jsonl", OPT_PATH, &p.log_jsonl, 0, 0, NULL, "FILE",
         "also log as JSON lines: the configuration, then a line per logged step (--resume "
         "appends)"},
        {"--log-every", OPT_INT, &p.log_every, 1, 1e9, NULL, "N",
         "a metrics.csv row (and off a terminal a progress line) every N steps"},
        {"--sample-every", OPT_INT, &p.sample_every, 0, 1e9, NULL, "N",
         "sample grid every N steps (0: epoch ends only)"},
        {"--ckpt-every", OPT_INT, &p.ckpt_every, 0, 1e9, NULL, "N",
         "checkpoint every N steps (0: epoch ends and the end)"},
        {"--keep", OPT_INT, &p.keep_ckpts, 1, 1e6, NULL, "N", "epoch checkpoints kept"},
        {"--resume", OPT_PATH, &p.resume, 0, 0, NULL, "DIR|FILE",
         "continue a run (its folder, or a checkpoint) in its folder, with its configuration: "
         "options that change the computation must match it"},
        {"--init-g", OPT_PATH, &p.init_g, 0, 0, NULL, "FILE",
         "start G from these weights: a clgan checkpoint or generator file, or a PyTorch "
         "state_dict in safetensors (PyTorch's --netG)"},
        {"--init-d", OPT_PATH, &p.init_d, 0, 0, NULL, "FILE",
         "start D from these weights: a clgan checkpoint or a PyTorch state_dict (--netD)"},
        {"--overwrite", OPT_FLAG, &p.overwrite, 0, 0, NULL, NULL,
         "replace the run in --out (without it, or --resume, a folder with a run is refused)"},
        {"--quiet", OPT_FLAG, &quiet, 0, 0, NULL, NULL, "no progress output"},
        {"--dist", OPT_FLAG, &dist_on, 0, 0, NULL, NULL,
         "data-parallel over the ranks of an MPI job (mpirun -np N clgan train --dist ...): "
         "--batch is the global batch, rank 0 writes the files"},
        {"--device-per-rank", OPT_STRING, &per_rank, 0, 0, NULL, "SPEC,SPEC,...",
         "with --dist: each local rank's device (default: the local rank's index among the "
         "devices --device matches)"},
        {"--sync-bn", OPT_FLAG, &p.sync_bn, 0, 0, NULL, NULL,
         "with --dist: batch norm with the statistics of the global batch"},
        {"--deterministic", OPT_FLAG, &p.deterministic, 0, 0, NULL, NULL,
         "with --dist: sums across ranks in a fixed order (reruns give the same bits)"},
        {NULL, 0, NULL, 0, 0, NULL, NULL, NULL},
    };
    char err[512];
    int r = clgan_opts_parse(
        opts, argc, argv, 1,
        "usage: clgan train [--model dcgan32|dcgan64 | --image-size N | --arch FILE] "
        "[--data SPEC] "
        "[--epochs N] [--device SPEC] [--out DIR] ...\n\n"
        "Trains a DCGAN (PyTorch's example: Adam 2e-4, betas 0.5/0.999, "
        "batch 64, nz 100) and writes\nOUT/real_samples.png, OUT/metrics.csv, "
        "OUT/samples/*.png, OUT/curves.svg and OUT/checkpoints/*.safetensors.\n"
        "On a terminal, a status line refreshed about once a second (fitted to COLUMNS) and a "
        "line per epoch;\nelsewhere a line every --log-every steps.\n"
        "Ctrl-C, SIGTERM or SIGHUP finishes the step, writes a checkpoint and exits 128 + the "
        "signal (130, 143, 129).",
        NULL, NULL, 0, err, sizeof(err));
    if (r)
        return r > 0 ? 0 : (clgan_cli_error("train: %s", err), 2);
    p.seed = (uint64_t)seed;
    /* on a terminal the status line is refreshed about once a second */
    p.refresh_s = !quiet && isatty(2) ? CLGAN_CLI_REFRESH_S : 0.0;
    char *store = NULL; /* the resumed run's strings, which p points into */
    if (!p.resume || (r = resume_config(opts, argc, argv, &p, &seed, &store)) == 0)
        r = train_with(&p, device, d_device, g_device, gemm, quiet, dist_on, per_rank);
    free(store);
    return r;
}

static int train_with(struct clgan_gan_params *pp, const char *device, const char *d_device,
                      const char *g_device, const char *gemm, int quiet, int dist_on,
                      const char *per_rank)
{
    struct clgan_gan_params p = *pp;
    if (!dist_on && (per_rank || p.sync_bn || p.deterministic))
        return clgan_cli_error("train: --device-per-rank, --sync-bn and --deterministic go with "
                               "--dist"),
               2;
    if (dist_on && (g_device || d_device))
        return clgan_cli_error("train: --dist runs one device per rank: use --device or "
                               "--device-per-rank, not --g-device/--d-device"),
               2;
    if (dist_on)
        return clgan_cli_train_dist(&p, device, per_rank, gemm, quiet);
    install_signals();
    enum clgan_gemm_backend gb = !strcmp(gemm, "clblast") ? CLGAN_GEMM_CLBLAST
                                 : !strcmp(gemm, "own")   ? CLGAN_GEMM_OWN
                                                          : CLGAN_GEMM_AUTO;
    clgan_ctx *gctx = NULL, *dctx = NULL;
    clgan_status st = clgan_cli_open(g_device ? g_device : device, 0, gb, &gctx);
    if (st != CLGAN_STATUS_OK)
        return clgan_cli_status_exit(st);
    if ((g_device || d_device) &&
        (st = clgan_cli_open(d_device ? d_device : device, 0, gb, &dctx)) != CLGAN_STATUS_OK) {
        clgan_ctx_free(gctx);
        return clgan_cli_status_exit(st);
    }
    if (dctx && clgan_ctx_device(dctx)->index == clgan_ctx_device(gctx)->index) {
        clgan_ctx_free(dctx); /* both named the same device: one context */
        dctx = NULL;
    }
    clgan_gan *gan = NULL;
    char msg[2048];
    st = clgan_gan_init(gctx, dctx, &p, &gan, msg, sizeof(msg));
    if (st != CLGAN_STATUS_OK) {
        clgan_cli_error("%s", msg);
    } else {
        const struct clgan_device_info *gi = clgan_ctx_device(gctx);
        const struct clgan_device_info *di = clgan_ctx_device(dctx ? dctx : gctx);
        fprintf(stderr, "clgan: G on %s (%s), D on %s (%s), GEMM %s (%s), convolutions %s%s%s\n",
                gi->name, gi->platform_name, di->name, di->platform_name,
                clgan_gemm_backend_str(clgan_ctx_gemm_backend(gctx)), clgan_ctx_gemm_note(gctx),
                clgan_ctx_conv_note(gctx), dctx ? " on G's device; on D's " : "",
                dctx ? clgan_ctx_conv_note(dctx) : "");
        clgan_cli_train_data_line(gan);
        long long per, done, total;
        clgan_gan_progress(gan, &per, &done, &total);
        struct clgan_cli_progress pr = {.tty = isatty(2), .epoch_step0 = done};
        fprintf(stderr, "clgan: %lld steps per epoch, %lld of %lld done, output in %s\n", per, done,
                total, p.out_dir);
        int trained = !stop_flag;
        if (!trained) /* a signal while starting: no step taken, nothing to checkpoint */
            st = CLGAN_STATUS_INTERRUPTED;
        else
            st = clgan_gan_train(gan, &stop_flag, quiet ? NULL : clgan_cli_train_progress, &pr);
        clgan_cli_progress_end(&pr);
        if (st == CLGAN_STATUS_INTERRUPTED && !trained)
            fprintf(stderr, "clgan: interrupted while starting; no step taken\n");
        else if (st == CLGAN_STATUS_INTERRUPTED)
            fprintf(stderr, "clgan: %s\n", clgan_gan_last_error(gan));
        else if (st != CLGAN_STATUS_OK)
            clgan_cli_error("%s", clgan_gan_last_error(gan));
        else
            fprintf(stderr, "clgan: done; samples in %s/samples, checkpoint %s/checkpoints\n",
                    p.out_dir, p.out_dir);
    }
    clgan_gan_free(gan);
    clgan_ctx_free(dctx);
    clgan_ctx_free(gctx);
    if (stop_flag && st == CLGAN_STATUS_INTERRUPTED)
        return 128 + stop_flag;
    return clgan_cli_status_exit(st);
}
