/* cli.h - subcommands of the clgan command and their shared helpers. */
#ifndef CLGAN_CLI_H
#define CLGAN_CLI_H

#include <stdio.h>

#include "clgan.h"

int clgan_cli_devices(int argc, char **argv);
int clgan_cli_train(int argc, char **argv);
int clgan_cli_sample(int argc, char **argv);
int clgan_cli_mlp(int argc, char **argv);
int clgan_cli_bench(int argc, char **argv);
int clgan_cli_check(int argc, char **argv);
int clgan_cli_arch(int argc, char **argv);
int clgan_cli_augment(int argc, char **argv);
int clgan_cli_classify(int argc, char **argv);
int clgan_cli_eval(int argc, char **argv);

/* Open a device by SPEC (NULL: $CLGAN_DEVICE or auto), the other settings at their defaults;
 * prints the error line on failure. */
clgan_status clgan_cli_open(const char *spec, int profiling, enum clgan_gemm_backend gemm,
                            clgan_ctx **out);
/* Open a context with these parameters; prints the error line on failure. */
clgan_status clgan_cli_open_params(const struct clgan_ctx_params *p, clgan_ctx **out);
/* Devices a command runs on: "all", or one SPEC (NULL: $CLGAN_DEVICE or auto). *devs is the
 * full list (free() it), sel[0..*n_sel) the chosen indices. Returns 0, or the exit code after
 * printing the error. */
int clgan_cli_select_devices(const char *spec, struct clgan_device_info **devs, int *n, int *sel,
                             int max, int *n_sel);
/* A generator value in [-1, 1] as a byte: round((v + 1) * 127.5), clamped (NaN: 0), as the PNG
 * writer does (what `clgan augment` writes and `clgan eval` classifies). */
uint8_t clgan_cli_pixel_byte(float v);
/* Exit code for a status: 0 ok, 130 interrupted, 2 bad argument, 1 otherwise. */
int clgan_cli_status_exit(clgan_status st);

/* Print "clgan: error: <msg>" to stderr; returns the exit code to use (1). */
int clgan_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Progress lines of `clgan train` (user: struct clgan_cli_progress). */
struct clgan_cli_progress {
    int tty;
    int closed; /* the progress stream failed (a closed pipe): no more progress */
};
void clgan_cli_train_progress(const struct clgan_gan_stats *s, double ips, double eta,
                              long long total, void *user);
/* `clgan train --dist` (cli/train_dist.c), after train's options are parsed. */
int clgan_cli_train_dist(struct clgan_gan_params *p, const char *device, const char *per_rank,
                         const char *gemm, int quiet);

/* MPI jobs (cli/dist.c). Join the job of this process (0, or the exit code after printing the
 * error: MPI support not compiled in, MPI failing to start). */
int clgan_cli_dist_join(clgan_dist **out);
/* This rank's device (--device SPEC and --device-per-rank LIST): its index and description, or
 * -1 after printing the error. */
int clgan_cli_dist_pick(clgan_dist *d, const char *spec, const char *per_rank,
                        struct clgan_device_info *info);
/* Rank 0 prints every rank's device choice, one line each, in rank order (a collective). */
int clgan_cli_dist_report(clgan_dist *d, const struct clgan_device_info *info, FILE *out);
/* A rank that failed: print msg (unless empty: rank 0 speaks for a failure all ranks share),
 * then end the whole job with code. Returns code for a job of one. */
int clgan_cli_dist_fail(clgan_dist *d, int code, const char *msg);

#endif /* CLGAN_CLI_H */
