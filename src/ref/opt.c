/* opt.c - reference optimizers; see ref/opt.h and cl/opt.cl for the formulas. */
#include <math.h>

#include "ref/opt.h"

void clgan_ref_opt_sgd(size_t n, float lr, float momentum, float weight_decay, int first,
                       float *theta, const float *grad, float *buf)
{
    for (size_t i = 0; i < n; i++) {
        double g = (double)grad[i] + (double)weight_decay * theta[i];
        if (momentum != 0.0f) {
            if (!first)
                g += (double)momentum * buf[i];
            buf[i] = (float)g;
        }
        theta[i] = (float)(theta[i] - (double)lr * g);
    }
}

void clgan_ref_opt_adam(size_t n, float lr, float beta1, float beta2, float eps, float weight_decay,
                        long long step, float *theta, const float *grad, float *m, float *v)
{
    double bc1 = 1.0 - pow(beta1, (double)step), bc2 = 1.0 - pow(beta2, (double)step);
    for (size_t i = 0; i < n; i++) {
        double g = (double)grad[i] + (double)weight_decay * theta[i];
        double mi = (double)beta1 * m[i] + (1.0 - (double)beta1) * g;
        double vi = (double)beta2 * v[i] + (1.0 - (double)beta2) * g * g;
        m[i] = (float)mi;
        v[i] = (float)vi;
        theta[i] = (float)(theta[i] - (double)lr * (mi / bc1) / (sqrt(vi / bc2) + (double)eps));
    }
}

void clgan_ref_opt_quickprop(size_t n, float eta, float mu, float decay, float *theta, float *grad,
                             float *prev_step, float *prev_slope)
{
    float shrink = (float)((double)mu / (1.0 + (double)mu));
    for (size_t i = 0; i < n; i++) {
        float s = grad[i], a = prev_step[i], b = prev_slope[i];
        float fb = shrink * b;
        double d;
        if (a > 0.0f) {
            d = s < 0.0f ? -(double)eta * s : 0.0;
            if (s <= fb)
                d += (double)mu * a;
            else
                d += b != s ? (double)s / ((double)b - s) * a : -(double)eta * s;
        } else if (a < 0.0f) {
            d = s > 0.0f ? -(double)eta * s : 0.0;
            if (s >= fb)
                d += (double)mu * a;
            else
                d += b != s ? (double)s / ((double)b - s) * a : -(double)eta * s;
        } else {
            d = -(double)eta * s;
        }
        theta[i] = (float)(theta[i] + d);
        prev_step[i] = (float)d;
        prev_slope[i] = s;
        grad[i] = (float)((double)decay * theta[i]);
    }
}
