/*
 * bn.c - reference batch normalisation; see ref/bn.h. One body serves float and double arrays
 * (dbl selects), computing in double either way.
 */
#include <math.h>

#include "ref/bn.h"

static double ld(const void *p, size_t i, int dbl)
{
    return dbl ? ((const double *)p)[i] : (double)((const float *)p)[i];
}

static void st(void *p, size_t i, int dbl, double v)
{
    if (dbl)
        ((double *)p)[i] = v;
    else
        ((float *)p)[i] = (float)v;
}

static void fwd_train(int dbl, size_t n, size_t c, size_t hw, double eps, double momentum,
                      const void *x, void *y, const void *gamma, const void *beta, void *rmean,
                      void *rvar, void *smean, void *sinv)
{
    double m = (double)(n * hw);
    for (size_t ch = 0; ch < c; ch++) {
        double s = 0.0;
        for (size_t b = 0; b < n; b++)
            for (size_t p = 0; p < hw; p++)
                s += ld(x, (b * c + ch) * hw + p, dbl);
        double mean = s / m;
        double v = 0.0;
        for (size_t b = 0; b < n; b++)
            for (size_t p = 0; p < hw; p++) {
                double d = ld(x, (b * c + ch) * hw + p, dbl) - mean;
                v += d * d;
            }
        double var = v / m, inv = 1.0 / sqrt(var + eps);
        double g = ld(gamma, ch, dbl), sh = ld(beta, ch, dbl);
        for (size_t b = 0; b < n; b++)
            for (size_t p = 0; p < hw; p++) {
                size_t k = (b * c + ch) * hw + p;
                st(y, k, dbl, (ld(x, k, dbl) - mean) * inv * g + sh);
            }
        st(smean, ch, dbl, mean);
        st(sinv, ch, dbl, inv);
        if (rmean && rvar) {
            st(rmean, ch, dbl, (1.0 - momentum) * ld(rmean, ch, dbl) + momentum * mean);
            st(rvar, ch, dbl,
               (1.0 - momentum) * ld(rvar, ch, dbl) + momentum * var * m / (m - 1.0));
        }
    }
}

static void bwd(int dbl, size_t n, size_t c, size_t hw, const void *x, const void *dy,
                const void *gamma, const void *smean, const void *sinv, void *dx, void *dgamma,
                void *dbeta, double gbeta)
{
    double m = (double)(n * hw);
    for (size_t ch = 0; ch < c; ch++) {
        double mean = ld(smean, ch, dbl), inv = ld(sinv, ch, dbl);
        double sdy = 0.0, sdyx = 0.0;
        for (size_t b = 0; b < n; b++)
            for (size_t p = 0; p < hw; p++) {
                size_t k = (b * c + ch) * hw + p;
                double g = ld(dy, k, dbl);
                sdy += g;
                sdyx += g * (ld(x, k, dbl) - mean) * inv;
            }
        if (dgamma && dbeta) {
            double pg = gbeta == 0.0 ? 0.0 : gbeta * ld(dgamma, ch, dbl);
            double pb = gbeta == 0.0 ? 0.0 : gbeta * ld(dbeta, ch, dbl);
            st(dgamma, ch, dbl, pg + sdyx);
            st(dbeta, ch, dbl, pb + sdy);
        }
        if (!dx)
            continue;
        double k1 = ld(gamma, ch, dbl) * inv;
        for (size_t b = 0; b < n; b++)
            for (size_t p = 0; p < hw; p++) {
                size_t k = (b * c + ch) * hw + p;
                double xhat = (ld(x, k, dbl) - mean) * inv;
                st(dx, k, dbl, k1 * (ld(dy, k, dbl) - sdy / m - xhat * sdyx / m));
            }
    }
}

void clgan_ref_bn_fwd_train(size_t n, size_t c, size_t hw, float eps, float momentum,
                            const float *x, float *y, const float *gamma, const float *beta,
                            float *run_mean, float *run_var, float *save_mean, float *save_invstd)
{
    fwd_train(0, n, c, hw, eps, momentum, x, y, gamma, beta, run_mean, run_var, save_mean,
              save_invstd);
}

void clgan_ref_bn_fwd_train_d(size_t n, size_t c, size_t hw, double eps, double momentum,
                              const double *x, double *y, const double *gamma, const double *beta,
                              double *run_mean, double *run_var, double *save_mean,
                              double *save_invstd)
{
    fwd_train(1, n, c, hw, eps, momentum, x, y, gamma, beta, run_mean, run_var, save_mean,
              save_invstd);
}

void clgan_ref_bn_fwd_eval(size_t n, size_t c, size_t hw, float eps, const float *x, float *y,
                           const float *gamma, const float *beta, const float *run_mean,
                           const float *run_var)
{
    for (size_t b = 0; b < n; b++)
        for (size_t ch = 0; ch < c; ch++) {
            double a = gamma[ch] / sqrt((double)run_var[ch] + eps);
            for (size_t p = 0; p < hw; p++) {
                size_t k = (b * c + ch) * hw + p;
                y[k] = (float)(((double)x[k] - run_mean[ch]) * a + beta[ch]);
            }
        }
}

void clgan_ref_bn_bwd(size_t n, size_t c, size_t hw, const float *x, const float *dy,
                      const float *gamma, const float *save_mean, const float *save_invstd,
                      float *dx, float *dgamma, float *dbeta, float gbeta)
{
    bwd(0, n, c, hw, x, dy, gamma, save_mean, save_invstd, dx, dgamma, dbeta, gbeta);
}

void clgan_ref_bn_bwd_d(size_t n, size_t c, size_t hw, const double *x, const double *dy,
                        const double *gamma, const double *save_mean, const double *save_invstd,
                        double *dx, double *dgamma, double *dbeta, double gbeta)
{
    bwd(1, n, c, hw, x, dy, gamma, save_mean, save_invstd, dx, dgamma, dbeta, gbeta);
}
