/* compare.c - the comparator of device results with the reference (see check.h). */
#include <math.h>
#include <string.h>

#include "check/check.h"

int clgan_check_compare(const float *got, const float *ref, size_t n, double atol, double rtol,
                        double max_nmse, struct clgan_check_cmp *out)
{
    struct clgan_check_cmp c;
    double num = 0, den = 0;
    memset(&c, 0, sizeof(c));
    for (size_t i = 0; i < n; i++) {
        double g = got[i], r = ref[i];
        if (!isfinite(g) || !isfinite(r)) {
            /* NaN only against NaN, an infinity only against the same one */
            int same = (isnan(g) && isnan(r)) || (isinf(g) && isinf(r) && (g > 0) == (r > 0));
            if (!same && !c.n_bad++)
                c.where = i;
            continue;
        }
        double d = fabs(g - r), rel = d / (fabs(r) + atol);
        num += d * d;
        den += r * r;
        if (d > c.max_err)
            c.max_err = d;
        if (rel > c.max_rel)
            c.max_rel = rel;
        if (d > atol + rtol * fabs(r) && !c.n_bad++)
            c.where = i;
    }
    c.nmse = den > 0 ? num / den : num;
    /* a NaN NMSE (sums overflowing to inf / inf) is not within any bound */
    c.ok = c.n_bad == 0 && c.nmse <= max_nmse;
    if (out)
        *out = c;
    return c.ok;
}
