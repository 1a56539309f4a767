/*
 * plot.h - SVG charts written by hand (no library): training curves and a bar chart.
 *
 * Files are written atomically (io/file.h). Non-finite points are skipped (they break a curve
 * into pieces); names are XML-escaped.
 */
#ifndef CLGAN_IO_PLOT_H
#define CLGAN_IO_PLOT_H

#include <stddef.h>

#include "clgan.h"

/* One curve: n points (x[i], y[i]), e.g. (step, Loss_D). */
struct clgan_series {
    const char *name;
    const double *x;
    const double *y;
    size_t n;
};

/*
 * Training curves: a top panel with the loss series (e.g. Loss_D, Loss_G; y range from the
 * data) and a bottom panel with the probability series (e.g. D(x), D(G(z)); y fixed to 0..1,
 * with a dashed line at 0.5), sharing the x (step) axis; tick labels, a legend per panel and an
 * optional title (NULL for none). Either panel may have no series.
 */
clgan_status clgan_io_svg_curves(const char *path, const char *title,
                                 const struct clgan_series *loss, int n_loss,
                                 const struct clgan_series *prob, int n_prob, char *err,
                                 size_t err_len);

/*
 * Horizontal bar chart: one bar per label with its value printed after it (with unit, NULL for
 * none); the value axis spans 0 and every finite value. A non-finite value shows "n/a".
 */
clgan_status clgan_io_svg_bars(const char *path, const char *title, const char *unit,
                               const char *const *labels, const double *values, int n, char *err,
                               size_t err_len);

#endif /* CLGAN_IO_PLOT_H */
