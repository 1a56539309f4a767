/*
 * plot.c - SVG training curves and bar charts (see plot.h).
 *
 * Axes use "nice" ticks: about five steps of 1, 2 or 5 times a power of ten, the range widened
 * to whole steps. Curves are clipped to their panel. Coordinates are printed with two decimals.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/file.h"
#include "io/plot.h"

#define SVG_W    900
#define MARGIN_L 70
#define MARGIN_R 20
#define PANEL_H  250

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c",
                                      "#ff7f0e", "#9467bd", "#8c564b"};
#define N_COLORS (sizeof(palette) / sizeof(palette[0]))

struct axis {
    double lo, hi, step;
};

/* Nice axis covering [mn, mx] with about `target` steps; [0, 1] when there is no data. */
static void nice_axis(double mn, double mx, int target, struct axis *a)
{
    if (!(mn <= mx)) {
        mn = 0;
        mx = 1;
    }
    if (mx == mn) {
        double d = fabs(mn) > 0 ? fabs(mn) * 0.1 : 1;
        mn -= d;
        mx += d;
    }
    double raw = (mx - mn) / target;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    a->step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    a->lo = floor(mn / a->step) * a->step;
    a->hi = ceil(mx / a->step) * a->step;
}

/* The i-th tick value, snapped to 0 when it is rounding noise around zero. */
static double tick(const struct axis *a, int i)
{
    double v = a->lo + i * a->step;
    return fabs(v) < a->step * 1e-9 ? 0 : v;
}

static int n_ticks(const struct axis *a)
{
    return (int)floor((a->hi - a->lo) / a->step + 1e-9) + 1;
}

struct panel {
    double x0, y0, w, h;
    struct axis xa, ya;
    int id;
};

static double map_x(const struct panel *p, double v)
{
    return p->x0 + (v - p->xa.lo) / (p->xa.hi - p->xa.lo) * p->w;
}

static double map_y(const struct panel *p, double v)
{
    return p->y0 + p->h - (v - p->ya.lo) / (p->ya.hi - p->ya.lo) * p->h;
}

static void svg_text(struct clgan_io_buf *b, double x, double y, const char *anchor,
                     const char *extra, const char *text)
{
    clgan_io_buf_printf(b, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\"%s>", x, y, anchor,
                        extra ? extra : "");
    clgan_io_buf_xml(b, text);
    clgan_io_buf_printf(b, "</text>\n");
}

static void draw_panel(struct clgan_io_buf *b, const struct panel *p, const char *ylabel,
                       const struct clgan_series *s, int ns, int half_line)
{
    char lab[64];
    clgan_io_buf_printf(b,
                        "<clipPath id=\"clip%d\"><rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                        "height=\"%.2f\"/></clipPath>\n",
                        p->id, p->x0, p->y0, p->w, p->h);
    /* grid and tick labels */
    for (int i = 0; i < n_ticks(&p->ya); i++) {
        double v = tick(&p->ya, i), y = map_y(p, v);
        clgan_io_buf_printf(b,
                            "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                            "stroke=\"#e0e0e0\"/>\n",
                            p->x0, y, p->x0 + p->w, y);
        snprintf(lab, sizeof(lab), "%g", v);
        svg_text(b, p->x0 - 6, y + 4, "end", NULL, lab);
    }
    for (int i = 0; i < n_ticks(&p->xa); i++) {
        double v = tick(&p->xa, i), x = map_x(p, v);
        clgan_io_buf_printf(b,
                            "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                            "stroke=\"#e0e0e0\"/>\n",
                            x, p->y0, x, p->y0 + p->h);
        snprintf(lab, sizeof(lab), "%g", v);
        svg_text(b, x, p->y0 + p->h + 16, "middle", NULL, lab);
    }
    if (half_line)
        clgan_io_buf_printf(b,
                            "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                            "stroke=\"#888888\" stroke-dasharray=\"4 4\"/>\n",
                            p->x0, map_y(p, 0.5), p->x0 + p->w, map_y(p, 0.5));
    clgan_io_buf_printf(b,
                        "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
                        "stroke=\"#000000\"/>\n",
                        p->x0, p->y0, p->w, p->h);
    char rot[96];
    snprintf(rot, sizeof(rot), " transform=\"rotate(-90 %.2f %.2f)\"", p->x0 - 50,
             p->y0 + p->h / 2);
    svg_text(b, p->x0 - 50, p->y0 + p->h / 2, "middle", rot, ylabel);
    svg_text(b, p->x0 + p->w / 2, p->y0 + p->h + 32, "middle", NULL, "step");
    if (ns == 0)
        svg_text(b, p->x0 + p->w / 2, p->y0 + p->h / 2, "middle", " fill=\"#888888\"", "no data");

    /* curves: a new polyline wherever a non-finite point interrupts one */
    for (int k = 0; k < ns; k++) {
        const char *color = palette[(size_t)k % N_COLORS];
        int open = 0;
        for (size_t i = 0; i < s[k].n; i++) {
            double x = s[k].x[i], y = s[k].y[i];
            if (!isfinite(x) || !isfinite(y)) {
                if (open)
                    clgan_io_buf_printf(b, "\"/>\n");
                open = 0;
                continue;
            }
            if (!open)
                clgan_io_buf_printf(b,
                                    "<polyline clip-path=\"url(#clip%d)\" fill=\"none\" "
                                    "stroke=\"%s\" stroke-width=\"1.5\" points=\"",
                                    p->id, color);
            clgan_io_buf_printf(b, "%s%.2f,%.2f", open ? " " : "", map_x(p, x), map_y(p, y));
            open = 1;
        }
        if (open)
            clgan_io_buf_printf(b, "\"/>\n");
    }
    /* legend, top right inside the panel, on a box that keeps it readable over the curves */
    size_t longest = 0;
    for (int k = 0; k < ns; k++) {
        size_t l = s[k].name ? strlen(s[k].name) : 0;
        longest = l > longest ? l : longest;
    }
    double box_w = 7.0 * (double)longest + 44, lx = p->x0 + p->w - box_w - 6;
    if (ns)
        clgan_io_buf_printf(b,
                            "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
                            "fill=\"#ffffff\" fill-opacity=\"0.85\" stroke=\"#cccccc\"/>\n",
                            lx - 6, p->y0 + 6, box_w, 16.0 * ns + 6);
    for (int k = 0; k < ns; k++) {
        double ly = p->y0 + 22 + 16 * k;
        clgan_io_buf_printf(b,
                            "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
                            "stroke-width=\"2\"/>\n",
                            lx, ly - 4, lx + 20, ly - 4, palette[(size_t)k % N_COLORS]);
        svg_text(b, lx + 26, ly, "start", NULL, s[k].name ? s[k].name : "");
    }
}

static void range_of(const struct clgan_series *s, int ns, int use_x, double *mn, double *mx)
{
    for (int k = 0; k < ns; k++)
        for (size_t i = 0; i < s[k].n; i++) {
            double x = s[k].x[i], y = s[k].y[i];
            if (!isfinite(x) || !isfinite(y))
                continue;
            double v = use_x ? x : y;
            if (v < *mn)
                *mn = v;
            if (v > *mx)
                *mx = v;
        }
}

static void svg_open(struct clgan_io_buf *b, int h, const char *title)
{
    clgan_io_buf_printf(b,
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                        "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
                        SVG_W, h, SVG_W, h);
    clgan_io_buf_printf(b, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", SVG_W, h);
    if (title)
        svg_text(b, SVG_W / 2.0, 24, "middle", " font-size=\"16\"", title);
}

static clgan_status svg_finish(struct clgan_io_buf *b, const char *path, char *err, size_t err_len)
{
    clgan_io_buf_printf(b, "</svg>\n");
    clgan_status st;
    if (b->failed)
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                           "%s: out of memory building the SVG", path);
    else
        st = clgan_io_write_file(path, b->data, b->len, err, err_len);
    clgan_io_buf_free(b);
    return st;
}

static int check_series(const char *path, const struct clgan_series *s, int ns, char *err,
                        size_t err_len)
{
    for (int k = 0; k < ns; k++)
        if (s[k].n && (!s[k].x || !s[k].y)) {
            clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                          "%s: series '%s' has %zu points but no data", path,
                          s[k].name ? s[k].name : "", s[k].n);
            return 0;
        }
    return 1;
}

clgan_status clgan_io_svg_curves(const char *path, const char *title,
                                 const struct clgan_series *loss, int n_loss,
                                 const struct clgan_series *prob, int n_prob, char *err,
                                 size_t err_len)
{
    if (n_loss < 0 || n_prob < 0 || (n_loss && !loss) || (n_prob && !prob))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: bad series arguments", path);
    if (!check_series(path, loss, n_loss, err, err_len) ||
        !check_series(path, prob, n_prob, err, err_len))
        return CLGAN_STATUS_INVALID_ARGUMENT;
    double xmn = INFINITY, xmx = -INFINITY, ymn = INFINITY, ymx = -INFINITY;
    range_of(loss, n_loss, 1, &xmn, &xmx);
    range_of(prob, n_prob, 1, &xmn, &xmx);
    range_of(loss, n_loss, 0, &ymn, &ymx);
    struct axis xa;
    nice_axis(xmn, xmx, 8, &xa);
    const double top = 50, gap = 60;
    struct panel p1 = {MARGIN_L, top, SVG_W - MARGIN_L - MARGIN_R, PANEL_H, xa, {0, 1, 1}, 1};
    nice_axis(ymn, ymx, 5, &p1.ya);
    struct panel p2 = p1;
    p2.y0 = top + PANEL_H + gap;
    p2.ya = (struct axis){0, 1, 0.25};
    p2.id = 2;
    int h = (int)(p2.y0 + PANEL_H + 50);

    struct clgan_io_buf b = {0};
    svg_open(&b, h, title);
    draw_panel(&b, &p1, "loss", loss, n_loss, 0);
    draw_panel(&b, &p2, "D output", prob, n_prob, 1);
    return svg_finish(&b, path, err, err_len);
}

clgan_status clgan_io_svg_bars(const char *path, const char *title, const char *unit,
                               const char *const *labels, const double *values, int n, char *err,
                               size_t err_len)
{
    if (n <= 0 || !labels || !values)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: a bar chart needs at least one labelled value", path);
    double mn = 0, mx = 0;
    size_t longest = 0;
    for (int i = 0; i < n; i++) {
        if (isfinite(values[i])) {
            mn = values[i] < mn ? values[i] : mn;
            mx = values[i] > mx ? values[i] : mx;
        }
        size_t l = labels[i] ? strlen(labels[i]) : 0;
        longest = l > longest ? l : longest;
    }
    /* about 7 px per character of 12 px sans-serif */
    double label_w = 7.0 * (double)longest + 16;
    label_w = label_w < 80 ? 80 : label_w > 400 ? 400 : label_w;
    const double bar_h = 22, gap = 8, top = 50, value_w = 130;
    struct panel p = {label_w,   top, SVG_W - label_w - value_w, n * (bar_h + gap) + gap, {0, 1, 1},
                      {0, 1, 1}, 1};
    nice_axis(mn, mx, 6, &p.xa);
    int h = (int)(p.y0 + p.h + 40);

    struct clgan_io_buf b = {0};
    char lab[96];
    svg_open(&b, h, title);
    for (int i = 0; i < n_ticks(&p.xa); i++) {
        double v = tick(&p.xa, i), x = map_x(&p, v);
        clgan_io_buf_printf(&b,
                            "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                            "stroke=\"#e0e0e0\"/>\n",
                            x, p.y0, x, p.y0 + p.h);
        snprintf(lab, sizeof(lab), "%g", v);
        svg_text(&b, x, p.y0 + p.h + 16, "middle", NULL, lab);
    }
    double x0 = map_x(&p, 0);
    for (int i = 0; i < n; i++) {
        double y = p.y0 + gap + i * (bar_h + gap);
        svg_text(&b, p.x0 - 8, y + bar_h / 2 + 4, "end", NULL, labels[i] ? labels[i] : "");
        if (!isfinite(values[i])) {
            svg_text(&b, x0 + 6, y + bar_h / 2 + 4, "start", " fill=\"#888888\"", "n/a");
            continue;
        }
        double x1 = map_x(&p, values[i]);
        double l = x1 < x0 ? x1 : x0, w = fabs(x1 - x0);
        clgan_io_buf_printf(&b,
                            "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
                            "fill=\"%s\"/>\n",
                            l, y, w, bar_h, palette[0]);
        snprintf(lab, sizeof(lab), "%.4g%s%.40s", values[i], unit ? " " : "", unit ? unit : "");
        double tx = values[i] < 0 ? x0 + 6 : x1 + 6;
        svg_text(&b, tx, y + bar_h / 2 + 4, "start", NULL, lab);
    }
    clgan_io_buf_printf(&b,
                        "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                        "stroke=\"#000000\"/>\n",
                        x0, p.y0, x0, p.y0 + p.h);
    return svg_finish(&b, path, err, err_len);
}

/* ---------------------------------------------------------------- public API */

clgan_status clgan_svg_write_bars(const char *path, const char *title, const char *unit,
                                  const char *const *labels, const double *values, int n, char *msg,
                                  size_t msg_len)
{
    return clgan_io_svg_bars(path, title, unit, labels, values, n, msg, msg_len);
}
