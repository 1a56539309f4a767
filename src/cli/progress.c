/*
 * progress.c - the progress output of long runs. On a terminal: one status line rewritten in
 * place (carriage return, then spaces over what is left of the previous one), never wider than
 * the terminal, so that it never wraps; fields that do not fit are left out, least important
 * first; permanent lines (an epoch's end) fitted the same way. Elsewhere (a file, a pipe): the
 * caller's plain lines, one per logged step.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

#define BAR_MIN 10 /* cells of the bar, without its brackets */
#define BAR_MAX 30

int clgan_cli_term_width(int fd)
{
    /* COLUMNS first, as shells and Python do: it lets a user (or a test) ask for a width */
    const char *c = getenv("COLUMNS");
    if (c && *c) {
        char *end;
        long v = strtol(c, &end, 10);
        if (!*end && v > 0 && v < 100000)
            return (int)v;
    }
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

double clgan_cli_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void clgan_cli_fmt_duration(char *buf, size_t len, double s)
{
    long t = s > 0 && s < 1e9 ? (long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(buf, len, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else
        snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
}

void clgan_cli_line_init(struct clgan_cli_line *l)
{
    memset(l, 0, sizeof(*l));
    l->bar = -1;
}

void clgan_cli_line_add(struct clgan_cli_line *l, int prio, const char *fmt, ...)
{
    if (l->n == CLGAN_CLI_LINE_FIELDS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->f[l->n].text, sizeof(l->f[l->n].text), fmt, ap);
    va_end(ap);
    l->f[l->n++].prio = prio;
}

void clgan_cli_line_bar(struct clgan_cli_line *l, int prio, double frac)
{
    if (l->n == CLGAN_CLI_LINE_FIELDS)
        return;
    l->frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
    l->bar = l->n;
    l->f[l->n].text[0] = 0;
    l->f[l->n++].prio = prio;
}

size_t clgan_cli_line_fit(const struct clgan_cli_line *l, int cols, char *out, size_t len)
{
    int keep[CLGAN_CLI_LINE_FIELDS];
    int bar_w = 0;
    for (int i = 0; i < l->n; i++)
        keep[i] = 1;
    for (;;) {
        int used = 0, kept = 0, worst = -1;
        for (int i = 0; i < l->n; i++) {
            if (!keep[i])
                continue;
            used += kept++ ? 1 : 0;
            used += i == l->bar ? 2 + BAR_MIN : (int)strlen(l->f[i].text);
            if (worst < 0 || l->f[i].prio >= l->f[worst].prio)
                worst = i;
        }
        if (used <= cols || kept <= 1) {
            if (l->bar >= 0 && keep[l->bar])
                bar_w =
                    BAR_MIN + (cols - used < BAR_MAX - BAR_MIN ? cols - used : BAR_MAX - BAR_MIN);
            break;
        }
        keep[worst] = 0; /* the least important field that is left */
    }
    size_t n = 0;
    for (int i = 0; i < l->n && n + 1 < len; i++) {
        if (!keep[i])
            continue;
        if (n)
            out[n++] = ' ';
        if (i == l->bar) {
            int full = (int)(l->frac * bar_w + 0.5);
            if (n + 1 < len)
                out[n++] = '[';
            for (int k = 0; k < bar_w && n + 1 < len; k++)
                out[n++] = k < full ? '#' : '-';
            if (n + 1 < len)
                out[n++] = ']';
            continue;
        }
        for (const char *t = l->f[i].text; *t && n + 1 < len; t++)
            out[n++] = *t;
    }
    /* one field alone that is still too wide is cut */
    if (cols >= 0 && n > (size_t)cols)
        n = (size_t)cols;
    out[n] = 0;
    return n;
}

/* Write s to stderr; a failing stream (a closed terminal) ends the progress output. */
static void put(struct clgan_cli_progress *p, const char *s, size_t n)
{
    if (p->closed)
        return;
    if (fwrite(s, 1, n, stderr) != n || fflush(stderr) != 0 || ferror(stderr)) {
        p->closed = 1; /* the run goes on: its files matter more than its progress */
        clearerr(stderr);
    }
}

/* \r, the text, then spaces over what the previous status line had beyond it. */
static void draw(struct clgan_cli_progress *p, const struct clgan_cli_line *l, int permanent)
{
    char buf[1024];
    int cols = clgan_cli_term_width(2) - 1; /* the last column would make some terminals wrap */
    if (cols > (int)sizeof(buf) - 2)
        cols = (int)sizeof(buf) - 2;
    buf[0] = '\r';
    size_t n = 1 + clgan_cli_line_fit(l, cols < 1 ? 1 : cols, buf + 1, sizeof(buf) - 2);
    size_t text = n - 1;
    while (text < p->shown_len && n + 2 < sizeof(buf)) {
        buf[n++] = ' ';
        text++;
    }
    if (permanent)
        buf[n++] = '\n';
    put(p, buf, n);
    p->shown = !permanent;
    p->shown_len = permanent ? 0 : n - 1;
    p->last_draw = clgan_cli_now_s();
}

void clgan_cli_progress_status(struct clgan_cli_progress *p, const struct clgan_cli_line *l)
{
    draw(p, l, 0);
}

void clgan_cli_progress_line(struct clgan_cli_progress *p, const struct clgan_cli_line *l)
{
    draw(p, l, 1);
}

int clgan_cli_progress_due(const struct clgan_cli_progress *p)
{
    return !p->last_draw || clgan_cli_now_s() - p->last_draw >= CLGAN_CLI_REFRESH_S;
}

void clgan_cli_progress_clear(struct clgan_cli_progress *p)
{
    char buf[1100];
    size_t n = 0;
    if (!p->tty || !p->shown)
        return;
    buf[n++] = '\r';
    for (size_t k = 0; k < p->shown_len && n + 2 < sizeof(buf); k++)
        buf[n++] = ' ';
    buf[n++] = '\r';
    put(p, buf, n);
    p->shown = 0;
    p->shown_len = 0;
}

void clgan_cli_progress_end(struct clgan_cli_progress *p)
{
    if (p->tty && p->shown)
        put(p, "\n", 1);
    p->shown = 0;
    p->shown_len = 0;
}

/* The GAN's scalars as fields, in the order PyTorch's example prints them. */
static void gan_scalars(struct clgan_cli_line *l, const struct clgan_gan_stats *s)
{
    clgan_cli_line_add(l, 2, "Loss_D %.4f", s->loss_d);
    clgan_cli_line_add(l, 3, "Loss_G %.4f", s->loss_g);
    clgan_cli_line_add(l, 5, "D(x) %.3f", s->d_x);
    clgan_cli_line_add(l, 7, "D(G(z)) %.3f/%.3f", s->d_g_z1, s->d_g_z2);
}

void clgan_cli_train_progress(const struct clgan_gan_report *r, void *user)
{
    struct clgan_cli_progress *p = user;
    const struct clgan_gan_stats *s = r->stats;
    char e[32];
    if (p->closed)
        return;
    if (!p->tty) {
        /* plain lines, one per logged step, for files and pipes */
        if (!r->logged)
            return;
        clgan_cli_fmt_duration(e, sizeof(e), r->eta_s);
        printf("epoch %d step %lld/%lld img/s %.1f eta %s Loss_D %.4f Loss_G %.4f D(x) %.4f "
               "D(G(z)) %.4f / %.4f\n",
               s->epoch, s->step, r->total, r->images_per_s, e, s->loss_d, s->loss_g, s->d_x,
               s->d_g_z1, s->d_g_z2);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            p->closed = 1; /* keep training: the checkpoint matters more than the progress */
            clearerr(stdout);
        }
        return;
    }
    struct clgan_cli_line l;
    clgan_cli_line_init(&l);
    if (r->epoch_end) {
        /* a permanent line: the epoch's steps (a resumed run's first epoch may be partial) */
        long long steps = s->step - p->epoch_step0;
        double secs = r->elapsed_s - p->epoch_t0;
        clgan_cli_line_add(&l, 0, "epoch %d/%d", s->epoch, r->epochs);
        clgan_cli_line_add(&l, 1, "done: %lld steps", steps);
        clgan_cli_line_add(&l, 4, "%.1f s", secs);
        clgan_cli_line_add(&l, 6, "%.0f img/s",
                           secs > 0 ? (double)steps * r->images_per_step / secs : 0.0);
        gan_scalars(&l, s);
        clgan_cli_progress_line(p, &l);
        p->epoch_step0 = s->step;
        p->epoch_t0 = r->elapsed_s;
        return;
    }
    /* refreshes come about once a second; logged steps may come more often */
    if (r->logged && !clgan_cli_progress_due(p) && s->step != r->total)
        return;
    clgan_cli_fmt_duration(e, sizeof(e), r->eta_s);
    clgan_cli_line_add(&l, 0, "epoch %d/%d %lld/%lld", s->epoch, r->epochs, r->step_in_epoch,
                       r->per_epoch);
    clgan_cli_line_bar(&l, 4, (double)s->step / (double)r->total);
    clgan_cli_line_add(&l, 6, "%.0f img/s", r->images_per_s);
    clgan_cli_line_add(&l, 1, "ETA %s", e);
    gan_scalars(&l, s);
    clgan_cli_progress_status(p, &l);
}
