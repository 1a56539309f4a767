/* act.c - reference activations in double; see ref/act.h. */
#include <math.h>

#include "ref/act.h"

double clgan_ref_act_f(int kind, double slope, double x)
{
    switch (kind) {
    case 0:
        return x > 0.0 ? x : 0.0;
    case 1:
        return x > 0.0 ? x : slope * x;
    case 2:
        return tanh(x);
    default:
        return x >= 0.0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
    }
}

double clgan_ref_act_df(int kind, double slope, double y)
{
    switch (kind) {
    case 0:
        return y > 0.0 ? 1.0 : 0.0;
    case 1:
        return y > 0.0 ? 1.0 : slope;
    case 2:
        return 1.0 - y * y;
    default:
        return y * (1.0 - y);
    }
}

void clgan_ref_act_fwd(int kind, float slope, size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = (float)clgan_ref_act_f(kind, slope, x[i]);
}

void clgan_ref_act_bwd(int kind, float slope, size_t n, const float *y, const float *dy, float *dx)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = (float)(dy[i] * clgan_ref_act_df(kind, slope, y[i]));
}
