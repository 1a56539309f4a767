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

/* An unknown subcommand of cmd ("clgan classify predikt"): prints the error, with the closest of
 * subs[0..n) when one is close; returns the exit code (2). */
int clgan_cli_subcommand_error(const char *cmd, const char *word, const char *const *subs, int n);

/* Print "clgan: error: <msg>" to stderr; returns the exit code to use (1). */
int clgan_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- progress output (cli/progress.c) */

/* How often a terminal's status line is rewritten, in seconds. */
#define CLGAN_CLI_REFRESH_S 1.0

/* The width of the terminal on fd: $COLUMNS when set, else the terminal's, else 80. */
int clgan_cli_term_width(int fd);
/* A duration as "1m05s" or "2h03m". */
void clgan_cli_fmt_duration(char *buf, size_t len, double s);

/* One line of fields, fitted to a width by leaving out the least important (highest prio)
 * first; a bar, when there is one, takes the room left (10 to 30 cells) or is left out. */
#define CLGAN_CLI_LINE_FIELDS 16
struct clgan_cli_line {
    struct {
        char text[96];
        int prio;
    } f[CLGAN_CLI_LINE_FIELDS];
    int n, bar; /* bar: index of the bar field, -1: none */
    double frac;
};
void clgan_cli_line_init(struct clgan_cli_line *l);
void clgan_cli_line_add(struct clgan_cli_line *l, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void clgan_cli_line_bar(struct clgan_cli_line *l, int prio, double frac);
/* The fields that fit in cols columns, space-separated, into out; returns its length. */
size_t clgan_cli_line_fit(const struct clgan_cli_line *l, int cols, char *out, size_t len);

/* The progress of one run. tty: stderr is a terminal (a status line rewritten in place on
 * stderr, permanent lines at epoch ends); else plain lines on stdout. */
struct clgan_cli_progress {
    int tty;
    int closed; /* the progress stream failed (a closed pipe): no more progress */
    int shown;  /* a status line is on the terminal, not ended by a newline */
    size_t shown_len;
    double last_draw;      /* when the status line was last drawn (0: never) */
    long long epoch_step0; /* the step the current epoch's count starts from */
    double epoch_t0;       /* and its time (elapsed_s) */
};
/* Draw l as the status line, or as a permanent line. */
void clgan_cli_progress_status(struct clgan_cli_progress *p, const struct clgan_cli_line *l);
void clgan_cli_progress_line(struct clgan_cli_progress *p, const struct clgan_cli_line *l);
/* Whether a refresh of the status line is due (none drawn for CLGAN_CLI_REFRESH_S). */
int clgan_cli_progress_due(const struct clgan_cli_progress *p);
/* End a status line on the terminal with a newline (before other messages, or at the end). */
void clgan_cli_progress_end(struct clgan_cli_progress *p);
/* Wipe the status line off the terminal (before a line on stdout, which shares it). */
void clgan_cli_progress_clear(struct clgan_cli_progress *p);
/* Monotonic seconds. */
double clgan_cli_now_s(void);
/* clgan_gan_train's callback for `clgan train` (user: struct clgan_cli_progress). */
void clgan_cli_train_progress(const struct clgan_gan_report *r, void *user);
/* Say what a GAN trains on: the data set's size, image size, channels and classes. */
void clgan_cli_train_data_line(const clgan_gan *gan);
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
