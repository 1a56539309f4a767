/*
 * loss.c - reference losses; see ref/loss.h. One body serves float and double arrays (dbl
 * selects), computing in double either way.
 */
#include <math.h>

#include "ref/loss.h"

static double ld(const void *p, size_t i, int dbl)
{
    return dbl ? ((const double *)p)[i] : (double)((const float *)p)[i];
}

/* p[i] = beta*p[i] + v (beta 0 overwrites, whatever p held). */
static void st(void *p, size_t i, int dbl, double beta, double v)
{
    double prev = beta == 0.0 ? 0.0 : beta * ld(p, i, dbl);
    if (dbl)
        ((double *)p)[i] = prev + v;
    else
        ((float *)p)[i] = (float)(prev + v);
}

static double sigmoid(double x)
{
    double e = exp(-fabs(x));
    return x >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

static double bce(int dbl, size_t n, double t, double s, const void *x, void *dx, double dx_beta,
                  double *prob)
{
    double sl = 0.0, sp = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = ld(x, i, dbl), sig = sigmoid(v);
        sl += fmax(v, 0.0) - v * t + log1p(exp(-fabs(v)));
        sp += sig;
        if (dx)
            st(dx, i, dbl, dx_beta, s * (sig - t) / (double)n);
    }
    if (prob)
        *prob = sp / (double)n;
    return s * sl / (double)n;
}

void clgan_ref_loss_bce_logits(size_t n, float target, float scale, const float *x, float *dx,
                               float dx_beta, float *loss, float loss_beta, float *prob)
{
    double p;
    double l = bce(0, n, target, scale, x, dx, dx_beta, &p);
    if (loss)
        st(loss, 0, 0, loss_beta, l);
    if (prob)
        *prob = (float)p;
}

double clgan_ref_loss_bce_logits_d(size_t n, double target, double scale, const double *x,
                                   double *dx)
{
    return bce(1, n, target, scale, x, dx, 0.0, NULL);
}

static double sq_weight(int kind, size_t n)
{
    return kind == 0 ? 1.0 / (double)n : kind == 1 ? 0.5 : 1.0;
}

static double sq(int dbl, int kind, size_t n, double s, double dmax, const void *x, const void *y,
                 void *dx, double dx_beta)
{
    double w = s * sq_weight(kind, n), sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = ld(x, i, dbl) - ld(y, i, dbl);
        /* the device compares the float difference with dmax */
        if (fabs(dbl ? d : (double)(float)d) <= dmax)
            d = 0.0;
        sum += d * d;
        if (dx)
            st(dx, i, dbl, dx_beta, 2.0 * w * d);
    }
    return w * sum;
}

void clgan_ref_loss_sq(int kind, size_t n, float scale, float dmax, const float *x, const float *y,
                       float *dx, float dx_beta, float *loss, float loss_beta)
{
    double l = sq(0, kind, n, scale, dmax, x, y, dx, dx_beta);
    if (loss)
        st(loss, 0, 0, loss_beta, l);
}

double clgan_ref_loss_sq_d(int kind, size_t n, double scale, double dmax, const double *x,
                           const double *y, double *dx)
{
    return sq(1, kind, n, scale, dmax, x, y, dx, 0.0);
}

static double xent(int dbl, size_t rows, size_t cols, double s, const void *x, const void *t,
                   void *dx, double dx_beta, double *acc)
{
    double sl = 0.0, hits = 0.0;
    for (size_t r = 0; r < rows; r++) {
        size_t o = r * cols, amx = 0, atmx = 0;
        double mx = ld(x, o, dbl), tmx = ld(t, o, dbl);
        for (size_t c = 1; c < cols; c++) {
            if (ld(x, o + c, dbl) > mx) {
                mx = ld(x, o + c, dbl);
                amx = c;
            }
            if (ld(t, o + c, dbl) > tmx) {
                tmx = ld(t, o + c, dbl);
                atmx = c;
            }
        }
        double se = 0.0, ts = 0.0;
        for (size_t c = 0; c < cols; c++) {
            se += exp(ld(x, o + c, dbl) - mx);
            ts += ld(t, o + c, dbl);
        }
        double lse = mx + log(se);
        for (size_t c = 0; c < cols; c++)
            sl += ld(t, o + c, dbl) * (lse - ld(x, o + c, dbl));
        hits += amx == atmx;
        if (dx)
            for (size_t c = 0; c < cols; c++) {
                double p = exp(ld(x, o + c, dbl) - lse);
                st(dx, o + c, dbl, dx_beta, s / (double)rows * (p * ts - ld(t, o + c, dbl)));
            }
    }
    if (acc)
        *acc = hits / (double)rows;
    return s * sl / (double)rows;
}

void clgan_ref_loss_softmax_xent(size_t rows, size_t cols, float scale, const float *x,
                                 const float *t, float *dx, float dx_beta, float *loss,
                                 float loss_beta, float *acc)
{
    double a;
    double l = xent(0, rows, cols, scale, x, t, dx, dx_beta, &a);
    if (loss)
        st(loss, 0, 0, loss_beta, l);
    if (acc)
        *acc = (float)a;
}

double clgan_ref_loss_softmax_xent_d(size_t rows, size_t cols, double scale, const double *x,
                                     const double *t, double *dx)
{
    return xent(1, rows, cols, scale, x, t, dx, 0.0, NULL);
}
