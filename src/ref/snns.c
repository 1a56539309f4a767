/* snns.c - reference of the SNNS ops; see ref/snns.h. */
#include <math.h>

#include "ref/snns.h"

double clgan_ref_snns_sse(size_t n, float dmax, float flat, float scale, const float *o,
                          const float *t, float *delta)
{
    double err = 0.0;
    for (size_t i = 0; i < n; i++) {
        /* the dead zone is decided on the float difference, as on the device */
        float d = t[i] - o[i];
        double g = 0.0;
        if (fabsf(d) > dmax) {
            err += (double)d * d;
            g = -(double)scale * d * ((double)o[i] * (1.0 - o[i]) + flat);
        }
        if (delta)
            delta[i] = (float)g;
    }
    return err;
}

void clgan_ref_snns_logistic_bwd(size_t n, float flat, const float *y, const float *dy, float *dx)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = (float)((double)dy[i] * ((double)y[i] * (1.0 - y[i]) + flat));
}
