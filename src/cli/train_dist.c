/*
 * train_dist.c - `clgan train --dist` under mpirun: every rank opens its device and builds the
 * same trainer; rank 0 prints, logs and writes the files. A rank that fails prints one line
 * naming itself and ends the whole job (MPI_Abort), so that no rank waits in a collective for
 * it; a divergence or a stop request (Ctrl-C, SIGTERM: mpirun forwards it to every rank) is
 * agreed by all ranks at the end of a step, and rank 0 reports it after its checkpoint.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

/* the signal that asked the run to stop (0: none) */
static volatile int stop_flag;

/* As `clgan train`: finish the step, checkpoint, exit 128 + the signal; a second one exits at
 * once. */
static void on_signal(int sig)
{
    if (stop_flag) /* a second signal: the user means it */
        _exit(128 + sig);
    stop_flag = sig;
}

/* The per-step time split that `clgan train --dist` prints at the end (rank 0). */
static void print_split(const clgan_gan *gan, int world)
{
    struct clgan_gan_dist_stats s;
    clgan_gan_dist_get_stats(gan, &s);
    if (!s.steps || !(s.step_s > 0))
        return;
    double per = s.step_s / s.steps, ar = s.allreduce_s / s.steps, bn = s.bn_sync_s / s.steps;
    fprintf(stderr,
            "clgan: %d ranks, per step: %.1f ms, of which gradient all-reduce %.1f ms (%.0f%%, "
            "%.2f MB per rank), batch-norm sums %.1f ms; compute %.1f ms\n",
            world, per * 1e3, ar * 1e3, 100 * ar / per, (double)s.bytes / s.steps / 1e6, bn * 1e3,
            (per - ar - bn) * 1e3);
}

int clgan_cli_train_dist(struct clgan_gan_params *p, const char *device, const char *per_rank,
                         const char *gemm, int quiet)
{
    clgan_dist *d = NULL;
    int r = clgan_cli_dist_join(&d);
    if (r)
        return r;
    int rank = clgan_dist_rank(d), world = clgan_dist_size(d);
    struct clgan_device_info info;
    int idx = clgan_cli_dist_pick(d, device, per_rank, &info);
    if (idx < 0)
        return clgan_cli_dist_fail(d, 2, "");
    if (clgan_cli_dist_report(d, &info, stderr))
        return clgan_cli_dist_fail(d, 1, "");
    struct clgan_ctx_params cp = clgan_ctx_default_params();
    cp.device_index = idx;
    cp.gemm = !strcmp(gemm, "clblast") ? CLGAN_GEMM_CLBLAST
              : !strcmp(gemm, "own")   ? CLGAN_GEMM_OWN
                                       : CLGAN_GEMM_AUTO;
    clgan_ctx *ctx = NULL;
    char msg[2048];
    clgan_status st = clgan_ctx_init(&cp, &ctx, msg, sizeof(msg));
    if (st != CLGAN_STATUS_OK)
        return clgan_cli_dist_fail(d, clgan_cli_status_exit(st), msg);
    p->dist = d;
    clgan_gan *gan = NULL;
    st = clgan_gan_init(ctx, NULL, p, &gan, msg, sizeof(msg));
    if (st != CLGAN_STATUS_OK)
        return clgan_cli_dist_fail(d, clgan_cli_status_exit(st), msg);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    long long per, done, total;
    clgan_gan_progress(gan, &per, &done, &total);
    if (rank == 0)
        clgan_cli_train_data_line(gan);
    if (rank == 0)
        fprintf(stderr,
                "clgan: %d ranks, global batch %d (%d per rank)%s%s; %lld steps per epoch, %lld "
                "of %lld done, output in %s\n",
                world, p->batch, p->batch / world, p->sync_bn ? ", synchronised batch norm" : "",
                p->deterministic ? ", ordered sums" : "", per, done, total, p->out_dir);
    struct clgan_cli_progress pr = {.tty = isatty(2), .epoch_step0 = done};
    st = clgan_gan_train(gan, &stop_flag, quiet || rank ? NULL : clgan_cli_train_progress, &pr);
    clgan_cli_progress_end(&pr);
    int code = clgan_cli_status_exit(st);
    /* the rank that got the signal says which; the others (asked through the agreement at the
     * end of a step) report the interrupt as Ctrl-C's */
    if (st == CLGAN_STATUS_INTERRUPTED && stop_flag)
        code = 128 + stop_flag;
    if (st != CLGAN_STATUS_OK && st != CLGAN_STATUS_INTERRUPTED && st != CLGAN_STATUS_NUMERICAL)
        return clgan_cli_dist_fail(d, code, clgan_gan_last_error(gan));
    /* every rank got here together: a shared ending, told by rank 0; the replicas must agree */
    int same = 1;
    if (st == CLGAN_STATUS_OK && clgan_gan_dist_replicas_same(gan, &same) != CLGAN_STATUS_OK)
        return clgan_cli_dist_fail(d, 1, clgan_gan_last_error(gan));
    if (!same && rank == 0) {
        clgan_cli_error("the ranks' weights differ at the end of the run");
        code = 1;
    } else if (same && rank == 0 && st == CLGAN_STATUS_OK)
        fprintf(stderr, "clgan: weights bit-identical on all %d ranks\n", world);
    if (rank == 0) {
        if (st == CLGAN_STATUS_INTERRUPTED)
            fprintf(stderr, "clgan: %s\n", clgan_gan_last_error(gan));
        else if (st != CLGAN_STATUS_OK)
            clgan_cli_error("%s", clgan_gan_last_error(gan));
        else
            fprintf(stderr, "clgan: done; samples in %s/samples, checkpoint %s/checkpoints\n",
                    p->out_dir, p->out_dir);
        print_split(gan, world);
    }
    clgan_gan_free(gan);
    clgan_ctx_free(ctx);
    clgan_dist_free(d);
    return code;
}
