/*
 * gan_run.c - the run loop above the step core: steps until the run is done, progress through
 * the caller's callback (logged steps, epoch ends, and a refresh every refresh_s seconds),
 * metrics.csv (trimmed to the step a resumed run starts from), the grid of real images a fresh
 * run starts with, sample grids, checkpoints at their cadence and on a stop request, the curves
 * picture.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dist/dist.h"
#include "train/gan.h"

/* ---------------------------------------------------------------- the loop */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void add_hist(clgan_gan *g, const struct clgan_gan_stats *s)
{
    if (g->n_hist == g->cap_hist) {
        size_t cap = g->cap_hist ? g->cap_hist * 2 : 256;
        void *p = realloc(g->hist, cap * sizeof(*g->hist));
        if (!p)
            return;
        g->hist = p;
        g->cap_hist = cap;
    }
    struct hist_row r = {(double)s->step, s->loss_d, s->loss_g, s->d_x, s->d_g_z1, s->d_g_z2};
    g->hist[g->n_hist++] = r;
}

/* Read metrics.csv back (a resumed run's curves cover the whole training). */
static void load_hist(clgan_gan *g, const char *path)
{
    FILE *f = NULL;
    char line[512];
    if (clgan_io_open_read(path, &f, NULL, 0) != CLGAN_STATUS_OK)
        return;
    while (fgets(line, sizeof(line), f)) {
        struct clgan_gan_stats s;
        double ep, ips;
        if (sscanf(line, "%lld,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &s.step, &ep, &ips, &s.loss_d,
                   &s.loss_g, &s.d_x, &s.d_g_z1, &s.d_g_z2) == 8 &&
            s.step <= g->step)
            add_hist(g, &s);
    }
    fclose(f);
}

static clgan_status write_curves(clgan_gan *g)
{
    size_t n = g->n_hist;
    double *x = malloc((n ? n : 1) * sizeof(double) * 6);
    if (!x)
        return clgan_gan_fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
    double *cols[6];
    for (int c = 0; c < 6; c++)
        cols[c] = x + (size_t)c * (n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        cols[0][i] = g->hist[i].step;
        cols[1][i] = g->hist[i].loss_d;
        cols[2][i] = g->hist[i].loss_g;
        cols[3][i] = g->hist[i].d_x;
        cols[4][i] = g->hist[i].d_gz1;
        cols[5][i] = g->hist[i].d_gz2;
    }
    struct clgan_series loss[2] = {{"Loss_D", cols[0], cols[1], n},
                                   {"Loss_G", cols[0], cols[2], n}};
    struct clgan_series prob[3] = {{"D(x)", cols[0], cols[3], n},
                                   {"D(G(z)) in the D step", cols[0], cols[4], n},
                                   {"D(G(z)) in the G step", cols[0], cols[5], n}};
    char path[1200], title[1200];
    snprintf(path, sizeof(path), "%s/curves.svg", g->out_dir);
    snprintf(title, sizeof(title), "%s on %s", g->model, g->data);
    clgan_status st = clgan_io_svg_curves(path, title, loss, 2, prob, 3, g->err, sizeof(g->err));
    free(x);
    return st;
}

static const char *const METRICS_HEADER = "step,epoch,images_per_s,loss_d,loss_g,d_x,d_g_z1,d_g_z2";

/* A metrics.csv that is not ours is refused before a row of it is dropped (a header cut short by
 * a crash is ours: clgan_io_csvlog_open starts it over). data: its first len bytes. */
static clgan_status check_metrics_header(clgan_gan *g, const char *path, const char *data,
                                         size_t len)
{
    size_t hl = strlen(METRICS_HEADER);
    const char *nl = memchr(data, '\n', len);
    if (nl ? (size_t)(nl - data) == hl && !memcmp(data, METRICS_HEADER, hl)
           : len <= hl && !memcmp(data, METRICS_HEADER, len))
        return CLGAN_STATUS_OK;
    int shown = nl ? (int)(nl - data) : (int)len;
    return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                          "%s: existing file has header '%.*s', expected '%s'", path,
                          shown > 120 ? 120 : shown, data, METRICS_HEADER);
}

/*
 * Drop the metrics rows of steps after the one training starts from. A run killed after logging
 * step k but before its checkpoint resumes at an earlier step and logs k again; a new run in an
 * old folder starts at 0. Either way the file then describes this run, one row per logged step.
 * Rewritten atomically, and only when there is something to drop.
 */
static clgan_status trim_metrics(clgan_gan *g, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    if (access(path, F_OK) != 0)
        return CLGAN_STATUS_OK;
    clgan_status st =
        clgan_io_read_file(path, (size_t)1 << 30, &data, &len, g->err, sizeof(g->err));
    if (st != CLGAN_STATUS_OK)
        return st;
    if ((st = check_metrics_header(g, path, data, len)) != CLGAN_STATUS_OK) {
        free(data);
        return st;
    }
    struct clgan_io_buf out = {0};
    int dropped = 0;
    for (char *line = data; *line;) {
        char *nl = strchr(line, '\n');
        if (!nl)
            break; /* a partial last row: clgan_io_csvlog_open cuts it */
        char *end;
        long long step = strtoll(line, &end, 10);
        if (line != data && end != line && *end == ',' && step > g->step)
            dropped++;
        else
            clgan_io_buf_append(&out, line, (size_t)(nl - line + 1));
        line = nl + 1;
    }
    if (out.failed)
        st = clgan_gan_fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    else if (dropped)
        st = clgan_io_write_file(path, out.data ? out.data : "", out.len, g->err, sizeof(g->err));
    clgan_io_buf_free(&out);
    free(data);
    return st;
}

/* ---------------------------------------------------------------- the run folder */

/* What of a run dir holds (a checkpoint, metrics rows), described into what; 0: nothing. */
static int holds_run(const char *dir, char *what, size_t len)
{
    char path[1300];
    struct stat sb;
    snprintf(path, sizeof(path), "%s/checkpoints/latest.safetensors", dir);
    if (lstat(path, &sb) == 0) {
        snprintf(what, len, "checkpoints/latest.safetensors");
        return 1;
    }
    snprintf(path, sizeof(path), "%s/metrics.csv", dir);
    FILE *f = NULL;
    long rows = -1;
    if (clgan_io_open_read(path, &f, NULL, 0) != CLGAN_STATUS_OK)
        f = NULL;
    if (f) {
        for (int c; (c = fgetc(f)) != EOF;)
            rows += c == '\n';
        fclose(f);
    }
    if (rows > 0) {
        snprintf(what, len, "metrics.csv with %ld row%s", rows, rows == 1 ? "" : "s");
        return 1;
    }
    return 0;
}

/* Remove the files a run writes under dir/sub whose names start with one of prefixes. */
static void remove_run_files(const char *dir, const char *sub, const char *const *prefixes)
{
    char path[1300];
    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    DIR *d = opendir(path);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));)
        for (const char *const *p = prefixes; *p; p++)
            if (!strncmp(e->d_name, *p, strlen(*p))) {
                snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, e->d_name);
                unlink(path);
                break;
            }
    closedir(d);
}

clgan_status clgan_gan_claim_out(clgan_gan *g, const char *resume, int overwrite)
{
    int resuming = resume != NULL;
    g->lock_fd = -1;
    /* the checkpoint paths are built in fixed buffers: refuse what would not fit, never cut */
    if (resume && strlen(resume) > sizeof(g->out_dir) - 1)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "--resume path of %zu characters is longer than the %zu this "
                              "trainer takes: %.60s...",
                              strlen(resume), sizeof(g->out_dir) - 1, resume);
    /* rank 0 alone writes the run's files: the other ranks neither lock nor clean the folder */
    if (!g->out_dir[0] || (g->p.dist && clgan_dist_rank(g->p.dist) != 0))
        return CLGAN_STATUS_OK;
    clgan_status st = clgan_gan_ensure_dir(g, g->out_dir);
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_lock_dir(g->out_dir, &g->lock_fd, g->err, sizeof(g->err));
    if (st != CLGAN_STATUS_OK)
        return st;
    if (!overwrite) { /* a foreign metrics.csv: refused now, not after the slow start */
        char path[1300], head[256];
        snprintf(path, sizeof(path), "%s/metrics.csv", g->out_dir);
        FILE *f = NULL;
        if (access(path, F_OK) == 0 &&
            (st = clgan_io_open_read(path, &f, g->err, sizeof(g->err))) != CLGAN_STATUS_OK)
            return st; /* a FIFO or folder named metrics.csv: the log could not be written */
        size_t n = f ? fread(head, 1, sizeof(head) - 1, f) : 0;
        if (f)
            fclose(f);
        head[n] = 0;
        if (n && (st = check_metrics_header(g, path, head, n)) != CLGAN_STATUS_OK)
            return st;
    }
    if (resuming)
        return CLGAN_STATUS_OK;
    char what[64];
    if (!holds_run(g->out_dir, what, sizeof(what)))
        return CLGAN_STATUS_OK;
    if (!overwrite)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "%s: folder holds a run (%s); --resume continues it, --overwrite "
                              "replaces it",
                              g->out_dir, what);
    /* the old run's files go now, so none of them is later taken for this run's */
    static const char *const ckpts[] = {"latest.", "generator.", "epoch_", NULL};
    static const char *const samples[] = {"step_", "epoch_", "final.", NULL};
    static const char *const top[] = {"metrics.csv", "curves.svg", "real_samples.png", NULL};
    remove_run_files(g->out_dir, "checkpoints", ckpts);
    remove_run_files(g->out_dir, "samples", samples);
    remove_run_files(g->out_dir, ".", top);
    return CLGAN_STATUS_OK;
}

/* ---------------------------------------------------------------- training */

int clgan_gan_reads_stats(const clgan_gan *g, int *logged)
{
    int log_every = g->p.log_every > 0 ? g->p.log_every : 50;
    long long next = g->step + 1;
    *logged = next % log_every == 0 || next == g->total;
    return *logged || next % g->per_epoch == 0;
}

/*
 * The first batch of the run as a grid, as PyTorch's DCGAN example saves real_samples.png: up to
 * GRID of its images, 8 a row as in the sample grids, as the step sees them (centred to the
 * networks' size, scaled to [-1, 1]). Read from the host's copy of the data set by the epoch's
 * permutation, so nothing on the device moves.
 */
static clgan_status write_real_grid(clgan_gan *g, const char *path)
{
    int n = g->gbatch < GRID ? g->gbatch : GRID;
    float *buf = malloc((size_t)n * g->img * sizeof(float));
    if (!buf)
        return clgan_gan_fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
    size_t c = (size_t)g->ds.channels, h = (size_t)g->ds.height, w = (size_t)g->ds.width;
    size_t sz = (size_t)g->size, py = (sz - h) / 2, px = (sz - w) / 2; /* h, w <= size */
    for (int i = 0; i < n; i++) {
        const uint8_t *src = g->ds.pixels + (size_t)g->perm_host[i] * c * h * w;
        float *dst = buf + (size_t)i * g->img;
        for (size_t k = 0; k < g->img; k++)
            dst[k] = -1.0f; /* the padding, as the gather writes it (0 scaled) */
        for (size_t ch = 0; ch < c; ch++)
            for (size_t y = 0; y < h; y++)
                for (size_t x = 0; x < w; x++)
                    dst[(ch * sz + y + py) * sz + x + px] =
                        (float)src[(ch * h + y) * w + x] * (2.0f / 255.0f) - 1.0f;
    }
    clgan_status st = clgan_io_png_grid(path, buf, n, g->nc, g->size, g->size, (n + 7) / 8, 8,
                                        g->err, sizeof(g->err));
    free(buf);
    return st;
}

clgan_status clgan_gan_train(clgan_gan *g, volatile int *stop, clgan_progress_fn fn, void *user)
{
    char path[1300];
    clgan_csvlog *log = NULL;
    if (!clgan_gan_dist_writer(g))
        return clgan_gan_dist_follow(g, stop); /* rank 0 writes the files */
    snprintf(path, sizeof(path), "%s/metrics.csv", g->out_dir);
    clgan_status st = trim_metrics(g, path);
    if (st != CLGAN_STATUS_OK)
        return st;
    if (g->step > 0)
        load_hist(g, path);
    if (g->step == 0) {
        snprintf(path, sizeof(path), "%s/real_samples.png", g->out_dir);
        if ((st = write_real_grid(g, path)) != CLGAN_STATUS_OK)
            return st;
    }
    snprintf(path, sizeof(path), "%s/metrics.csv", g->out_dir);
    st = clgan_io_csvlog_open(path, METRICS_HEADER, &log, g->err, sizeof(g->err));
    if (st != CLGAN_STATUS_OK)
        return st;
    snprintf(path, sizeof(path), "%s/samples", g->out_dir);
    if ((st = clgan_gan_ensure_dir(g, path)) != CLGAN_STATUS_OK)
        goto out;
    /* refreshes between logged steps would need every rank to read back the same steps */
    double refresh = g->dist || !fn ? 0.0 : g->p.refresh_s;
    int per_step = g->gbatch * g->p.d_steps;
    double t0 = now_s(), t_log = t0, t_rep = t0;
    long long s_log = g->step, s_rep = g->step, s0 = g->step;
    /*
     * Steps are queued, not waited for: the host runs ahead of the device until a read-back.
     * So a refresh is due after as many steps as the device did in refresh_s seconds between the
     * last two read-backs (the first one right after the first step).
     */
    long long next_tick = g->step + 1;
    while (g->step < g->total) {
        int logged;
        int want = clgan_gan_reads_stats(g, &logged);
        int tick = refresh > 0 && g->step + 1 >= next_tick;
        struct clgan_gan_stats s;
        int epoch_before = g->epoch;
        st = clgan_gan_step(g, want || tick ? &s : NULL);
        if (st != CLGAN_STATUS_OK)
            goto out;
        int epoch_end = g->epoch != epoch_before;
        double t = now_s();
        if (logged) {
            /* metrics.csv's rate runs from logged step to logged step, whatever else reports */
            double ips =
                (double)(g->step - s_log) * per_step / (t - t_log > 1e-9 ? t - t_log : 1e-9);
            t_log = t;
            s_log = g->step;
            double vals[8] = {(double)s.step, s.epoch, ips,      s.loss_d,
                              s.loss_g,       s.d_x,   s.d_g_z1, s.d_g_z2};
            /* before the divergence check: the log shows the step that diverged (nulls) */
            if ((st = clgan_gan_jsonl_step(g, &s, ips, t - t0)) != CLGAN_STATUS_OK)
                goto out;
            for (int i = 3; i < 8; i++)
                if (!isfinite(vals[i])) {
                    char good[1500];
                    st = clgan_gan_fail(
                        g, CLGAN_STATUS_NUMERICAL,
                        "step %lld: training diverged (Loss_D %g, Loss_G %g); last good "
                        "checkpoint: %s",
                        g->step, s.loss_d, s.loss_g, clgan_gan_last_good(g, good, sizeof(good)));
                    goto out;
                }
            add_hist(g, &s);
            if ((st = clgan_io_csvlog_values(log, vals, 8, g->err, sizeof(g->err))) !=
                CLGAN_STATUS_OK)
                goto out;
        }
        if (fn && (want || tick)) {
            double rate = (double)(g->step - s0) / (t - t0 > 1e-9 ? t - t0 : 1e-9);
            struct clgan_gan_report r = {
                .stats = &s,
                .logged = logged,
                .epoch_end = epoch_end,
                .step_in_epoch = (g->step - 1) % g->per_epoch + 1,
                .per_epoch = g->per_epoch,
                .total = g->total,
                .epochs = (int)((g->total + g->per_epoch - 1) / g->per_epoch),
                .images_per_step = per_step,
                .images_per_s =
                    (double)(g->step - s_rep) * per_step / (t - t_rep > 1e-9 ? t - t_rep : 1e-9),
                .elapsed_s = t - t0,
                .eta_s = rate > 0 ? (double)(g->total - g->step) / rate : 0.0,
            };
            fn(&r, user);
            if (refresh > 0) {
                double per_s = (double)(g->step - s_rep) / (t - t_rep > 1e-9 ? t - t_rep : 1e-9);
                long long k = (long long)(refresh * per_s);
                next_tick = g->step + (k > 1 ? k : 1);
            }
            t_rep = t;
            s_rep = g->step;
        }
        if (g->p.sample_every > 0 && g->step % g->p.sample_every == 0) {
            snprintf(path, sizeof(path), "%s/samples/step_%07lld.png", g->out_dir, g->step);
            if ((st = clgan_gan_grid(g, path)) != CLGAN_STATUS_OK)
                goto out;
        }
        if (epoch_end) {
            snprintf(path, sizeof(path), "%s/samples/epoch_%03d.png", g->out_dir, g->epoch);
            if ((st = clgan_gan_grid(g, path)) != CLGAN_STATUS_OK)
                goto out;
        }
        if (epoch_end || (g->p.ckpt_every > 0 && g->step % g->p.ckpt_every == 0) ||
            g->step == g->total) {
            if ((st = clgan_gan_checkpoint(g, epoch_end)) != CLGAN_STATUS_OK)
                goto out;
        }
        if (clgan_gan_dist_stop(g, stop)) { /* any rank's request, agreed by all */
            if ((st = clgan_gan_checkpoint(g, 0)) == CLGAN_STATUS_OK)
                st = clgan_gan_fail(g, CLGAN_STATUS_INTERRUPTED,
                                    "interrupted at step %lld; checkpoint %s", g->step,
                                    g->last_ckpt);
            goto out;
        }
    }
    snprintf(path, sizeof(path), "%s/samples/final.png", g->out_dir);
    if ((st = clgan_gan_grid(g, path)) == CLGAN_STATUS_OK)
        st = write_curves(g);
out:
    if (st != CLGAN_STATUS_OK && st != CLGAN_STATUS_INTERRUPTED && g->n_hist)
        write_curves(g); /* best effort: the curves up to the failure */
    {
        char e2[256];
        clgan_io_csvlog_close(log, e2, sizeof(e2));
    }
    return st;
}
