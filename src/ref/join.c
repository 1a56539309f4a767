/* join.c - reference concatenation, embedding and inner product; see ref/join.h. */
#include "ref/join.h"

/* d = beta*d + g in double, rounded once; beta 0 never reads d (it may hold NaN). */
static float accum(float beta, float d, double g)
{
    return (float)(beta == 0.0f ? g : (double)beta * d + g);
}

void clgan_ref_join_concat_fwd(int n, int ca, int cb, size_t hw, const float *a, const float *b,
                               float *y)
{
    size_t sa = (size_t)ca * hw, sb = (size_t)cb * hw;
    for (int i = 0; i < n; i++) {
        float *row = y + (size_t)i * (sa + sb);
        for (size_t j = 0; j < sa; j++)
            row[j] = a[(size_t)i * sa + j];
        for (size_t j = 0; j < sb; j++)
            row[sa + j] = b[(size_t)i * sb + j];
    }
}

void clgan_ref_join_concat_bwd(int n, int ca, int cb, size_t hw, const float *dy, float *da,
                               float beta_a, float *db, float beta_b)
{
    size_t sa = (size_t)ca * hw, sb = (size_t)cb * hw;
    for (int i = 0; i < n; i++) {
        const float *row = dy + (size_t)i * (sa + sb);
        for (size_t j = 0; da && j < sa; j++) {
            float *p = da + (size_t)i * sa + j;
            *p = accum(beta_a, *p, row[j]);
        }
        for (size_t j = 0; db && j < sb; j++) {
            float *p = db + (size_t)i * sb + j;
            *p = accum(beta_b, *p, row[sa + j]);
        }
    }
}

void clgan_ref_join_embed_fwd(int classes, size_t dim, int batch, const float *w,
                              const int32_t *labels, float *y)
{
    for (int i = 0; i < batch; i++) {
        int32_t k = labels[i];
        for (size_t d = 0; d < dim; d++)
            y[(size_t)i * dim + d] = k >= 0 && k < classes ? w[(size_t)k * dim + d] : 0.0f;
    }
}

void clgan_ref_join_embed_bwd(int classes, size_t dim, int batch, const float *dy,
                              const int32_t *labels, float beta, float *dw)
{
    for (int k = 0; k < classes; k++) {
        for (size_t d = 0; d < dim; d++) {
            double s = 0.0;
            for (int i = 0; i < batch; i++)
                if (labels[i] == k)
                    s += dy[(size_t)i * dim + d];
            float *p = dw + (size_t)k * dim + d;
            *p = accum(beta, *p, s);
        }
    }
}

void clgan_ref_join_inner_fwd(int n, size_t len, const float *a, const float *b, float *y)
{
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < len; j++)
            s += (double)a[(size_t)i * len + j] * b[(size_t)i * len + j];
        y[i] = (float)s;
    }
}

void clgan_ref_join_inner_bwd(int n, size_t len, const float *dy, const float *a, const float *b,
                              float *da, float beta_a, float *db, float beta_b)
{
    for (int i = 0; i < n; i++) {
        for (size_t j = 0; j < len; j++) {
            size_t k = (size_t)i * len + j;
            if (da)
                da[k] = accum(beta_a, da[k], (double)dy[i] * b[k]);
            if (db)
                db[k] = accum(beta_b, db[k], (double)dy[i] * a[k]);
        }
    }
}
