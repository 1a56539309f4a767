/*
 * stats.c - statistics for judging generated samples through a classifier (clgan.h, "evaluation
 * statistics"), in double precision and plain C: running moments, a symmetric eigen solver
 * (cyclic Jacobi rotations), the Fréchet distance between two Gaussians, and the
 * Inception-style score. No device, no other module.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clgan.h"

#define JACOBI_MAX_SWEEPS 100
#define MAX_DIM           65536

struct clgan_moments {
    int d;
    size_t n;
    double *shift; /* the first sample: sums of differences from it keep their precision */
    double *sum;   /* sum of (x - shift) */
    double *cross; /* upper triangle (j >= i) of sum of (x - shift)(x - shift)^T, d x d */
};

clgan_status clgan_moments_init(int d, clgan_moments **out)
{
    *out = NULL;
    if (d < 1 || d > MAX_DIM)
        return CLGAN_STATUS_INVALID_ARGUMENT;
    struct clgan_moments *m = calloc(1, sizeof(*m));
    if (!m)
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    m->d = d;
    m->shift = calloc((size_t)d, sizeof(double));
    m->sum = calloc((size_t)d, sizeof(double));
    m->cross = calloc((size_t)d * (size_t)d, sizeof(double));
    if (!m->shift || !m->sum || !m->cross) {
        clgan_moments_free(m);
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    }
    *out = m;
    return CLGAN_STATUS_OK;
}

void clgan_moments_free(clgan_moments *m)
{
    if (!m)
        return;
    free(m->shift);
    free(m->sum);
    free(m->cross);
    free(m);
}

clgan_status clgan_moments_add(clgan_moments *m, const float *x, size_t n)
{
    size_t d = (size_t)m->d;
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(x[i]))
            return CLGAN_STATUS_NUMERICAL;
    double *dx = malloc(d * sizeof(double));
    if (!dx)
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    for (size_t r = 0; r < n; r++) {
        const float *row = x + r * d;
        if (!m->n)
            for (size_t i = 0; i < d; i++)
                m->shift[i] = row[i];
        for (size_t i = 0; i < d; i++) {
            dx[i] = (double)row[i] - m->shift[i];
            m->sum[i] += dx[i];
        }
        for (size_t i = 0; i < d; i++) {
            double *c = m->cross + i * d, di = dx[i];
            for (size_t j = i; j < d; j++)
                c[j] += di * dx[j];
        }
        m->n++;
    }
    free(dx);
    return CLGAN_STATUS_OK;
}

size_t clgan_moments_count(const clgan_moments *m)
{
    return m->n;
}

int clgan_moments_dim(const clgan_moments *m)
{
    return m->d;
}

clgan_status clgan_moments_get(const clgan_moments *m, double *mean, double *cov)
{
    size_t d = (size_t)m->d;
    if (m->n < 2)
        return CLGAN_STATUS_INVALID_ARGUMENT;
    double n = (double)m->n;
    for (size_t i = 0; mean && i < d; i++)
        mean[i] = m->shift[i] + m->sum[i] / n;
    for (size_t i = 0; cov && i < d; i++)
        for (size_t j = i; j < d; j++) {
            double c = (m->cross[i * d + j] - m->sum[i] * m->sum[j] / n) / (n - 1.0);
            cov[i * d + j] = c;
            cov[j * d + i] = c;
        }
    return CLGAN_STATUS_OK;
}

/* ---------------------------------------------------------------- eigen solver */

/*
 * Cyclic Jacobi in round-robin order (Brent and Luk): a sweep is n - 1 rounds (n = d, or d + 1
 * when d is odd, the extra index a bye), each of n / 2 rotations on disjoint pairs (p, q) that
 * together visit every pair once a sweep. Disjoint rotations commute, so a round is applied as
 * a whole: the rows of each pair (J^T a), then each row's entries of every pair (a J), both
 * along rows in memory. Rotation by rotation, each would also walk two columns, a cache line
 * per element, which made d = 512 about ten times slower. The vectors are kept transposed (one
 * per row) for the same reason.
 */
struct rot {
    size_t p, q;
    double c, s;
};

/* The pairs of round r of a sweep over n (even) indices; pairs with the bye (index d) left out.
 * Returns how many. */
static size_t round_pairs(size_t n, size_t d, size_t r, struct rot *rot)
{
    size_t m = 0;
    for (size_t i = 0; i < n / 2; i++) {
        /* the circle method: n - 1 fixed, the others turning */
        size_t x = i ? (r + i) % (n - 1) : n - 1;
        size_t y = (r + n - 1 - i) % (n - 1);
        if (!i)
            y = r;
        if (x >= d || y >= d)
            continue;
        rot[m].p = x < y ? x : y;
        rot[m].q = x < y ? y : x;
        m++;
    }
    return m;
}

/* One round: each pair's rotation J = [c s; -s c] at (p, q) zeroes a[p][q] (Golub and Van Loan's
 * symmetric Schur decomposition of its 2 x 2 block); a = J^T a J, vt = J^T vt. */
static void jacobi_round(size_t d, double *a, double *vt, struct rot *rot, size_t m)
{
    size_t live = 0;
    for (size_t i = 0; i < m; i++) {
        size_t p = rot[i].p, q = rot[i].q;
        double apq = a[p * d + q];
        if (apq == 0.0)
            continue;
        double tau = (a[q * d + q] - a[p * d + p]) / (2.0 * apq);
        /* t = sign(tau) / (|tau| + sqrt(1 + tau^2)), the smaller root: angle <= pi/4 */
        double t = (tau >= 0.0 ? 1.0 : -1.0) / (fabs(tau) + hypot(1.0, tau));
        rot[live] = rot[i];
        rot[live].c = 1.0 / sqrt(1.0 + t * t);
        rot[live].s = t * rot[live].c;
        live++;
    }
    for (size_t i = 0; i < live; i++) {
        const struct rot *r = &rot[i];
        double *rp = a + r->p * d, *rq = a + r->q * d;
        for (size_t k = 0; k < d; k++) {
            double x = rp[k], y = rq[k];
            rp[k] = r->c * x - r->s * y;
            rq[k] = r->s * x + r->c * y;
        }
        if (!vt)
            continue;
        double *vp = vt + r->p * d, *vq = vt + r->q * d;
        for (size_t k = 0; k < d; k++) {
            double x = vp[k], y = vq[k];
            vp[k] = r->c * x - r->s * y;
            vq[k] = r->s * x + r->c * y;
        }
    }
    for (size_t k = 0; k < d; k++) {
        double *row = a + k * d;
        for (size_t i = 0; i < live; i++) {
            const struct rot *r = &rot[i];
            double x = row[r->p], y = row[r->q];
            row[r->p] = r->c * x - r->s * y;
            row[r->q] = r->s * x + r->c * y;
        }
    }
    for (size_t i = 0; i < live; i++) /* zeroed: exactly, not the rounding left of it */
        a[rot[i].p * d + rot[i].q] = a[rot[i].q * d + rot[i].p] = 0.0;
}

clgan_status clgan_stats_eigen_sym(int dim, double *a, double *w, double *v)
{
    if (dim < 1 || dim > MAX_DIM)
        return CLGAN_STATUS_INVALID_ARGUMENT;
    size_t d = (size_t)dim, n = d + (d & 1);
    double total = 0.0;
    for (size_t i = 0; i < d * d; i++) {
        if (!isfinite(a[i]))
            return CLGAN_STATUS_NUMERICAL;
        total += a[i] * a[i];
    }
    struct rot *rot = malloc((n / 2) * sizeof(*rot));
    if (!rot)
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    for (size_t i = 0; v && i < d; i++)
        for (size_t j = 0; j < d; j++)
            v[i * d + j] = i == j ? 1.0 : 0.0;
    /* symmetrise: the solver relies on it, and the caller's rounding may have broken it */
    for (size_t i = 0; i < d; i++)
        for (size_t j = i + 1; j < d; j++)
            a[i * d + j] = a[j * d + i] = 0.5 * (a[i * d + j] + a[j * d + i]);
    /* v holds the vectors transposed (one per row) until the end */
    clgan_status st = CLGAN_STATUS_NUMERICAL;
    for (int sweep = 0; sweep <= JACOBI_MAX_SWEEPS; sweep++) {
        double off = 0.0;
        for (size_t p = 0; p < d; p++)
            for (size_t q = p + 1; q < d; q++)
                off += a[p * d + q] * a[p * d + q];
        /* off-diagonal mass below 1e-15 of the matrix's (relative to its Frobenius norm) */
        if (off <= 1e-30 * total) {
            st = CLGAN_STATUS_OK;
            break;
        }
        if (sweep == JACOBI_MAX_SWEEPS || !isfinite(off))
            break;
        for (size_t r = 0; r + 1 < n; r++)
            jacobi_round(d, a, v, rot, round_pairs(n, d, r, rot));
    }
    free(rot);
    if (st != CLGAN_STATUS_OK)
        return st;
    /* ascending eigenvalues, the vectors moved along (selection sort: d^2 beside the d^3 of the
     * sweeps), then the vectors from rows to columns */
    for (size_t i = 0; i < d; i++)
        w[i] = a[i * d + i];
    for (size_t i = 0; i < d; i++) {
        size_t lo = i;
        for (size_t j = i + 1; j < d; j++)
            if (w[j] < w[lo])
                lo = j;
        if (lo == i)
            continue;
        double t = w[i];
        w[i] = w[lo];
        w[lo] = t;
        for (size_t k = 0; v && k < d; k++) {
            t = v[i * d + k];
            v[i * d + k] = v[lo * d + k];
            v[lo * d + k] = t;
        }
    }
    for (size_t i = 0; v && i < d; i++)
        for (size_t j = i + 1; j < d; j++) {
            double t = v[i * d + j];
            v[i * d + j] = v[j * d + i];
            v[j * d + i] = t;
        }
    return CLGAN_STATUS_OK;
}

/* ---------------------------------------------------------------- Fréchet distance */

/* c = a b for d x d matrices (row-major; c distinct from both) */
static void matmul(size_t d, const double *a, const double *b, double *c)
{
    memset(c, 0, d * d * sizeof(double));
    for (size_t i = 0; i < d; i++)
        for (size_t k = 0; k < d; k++) {
            double aik = a[i * d + k];
            const double *bk = b + k * d;
            double *ci = c + i * d;
            for (size_t j = 0; j < d; j++)
                ci[j] += aik * bk[j];
        }
}

/* Eigenvalues of a PSD matrix that rounding cannot tell from 0 (below d eps of the largest;
 * negative ones among them) become 0, so that their square roots add no noise. */
static void unresolved_to_zero(size_t d, double *w)
{
    double big = 0.0;
    for (size_t k = 0; k < d; k++)
        big = fmax(big, fabs(w[k]));
    for (size_t k = 0; k < d; k++)
        if (w[k] <= (double)d * DBL_EPSILON * big)
            w[k] = 0.0;
}

clgan_status clgan_stats_frechet(int dim, const double *mu1, const double *s1, const double *mu2,
                                 const double *s2, double *fd)
{
    if (dim < 1 || dim > MAX_DIM)
        return CLGAN_STATUS_INVALID_ARGUMENT;
    size_t d = (size_t)dim, dd = d * d;
    double *a = malloc(dd * sizeof(double)), *v = malloc(dd * sizeof(double));
    double *r = malloc(dd * sizeof(double)), *t = malloc(dd * sizeof(double));
    double *w = malloc(d * sizeof(double));
    clgan_status st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    if (!a || !v || !r || !t || !w)
        goto out;
    /* r = s1^{1/2} = v diag(sqrt(w)) v^T, rounding's negative eigenvalues taken as 0 */
    memcpy(a, s1, dd * sizeof(double));
    if ((st = clgan_stats_eigen_sym(dim, a, w, v)) != CLGAN_STATUS_OK)
        goto out;
    unresolved_to_zero(d, w);
    for (size_t k = 0; k < d; k++)
        w[k] = sqrt(w[k]);
    for (size_t i = 0; i < d; i++)
        for (size_t k = 0; k < d; k++)
            t[i * d + k] = v[i * d + k] * w[k];
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double sum = 0.0;
            for (size_t k = 0; k < d; k++)
                sum += t[i * d + k] * v[j * d + k];
            r[i * d + j] = sum;
        }
    /* tr (s1 s2)^{1/2} = sum of sqrt of the eigenvalues of r s2 r (symmetric, PSD); s1 s2
     * itself has the same eigenvalues but is not symmetric */
    matmul(d, r, s2, t);
    matmul(d, t, r, a);
    if ((st = clgan_stats_eigen_sym(dim, a, w, NULL)) != CLGAN_STATUS_OK)
        goto out;
    unresolved_to_zero(d, w);
    double tr_sqrt = 0.0, tr1 = 0.0, tr2 = 0.0, dmu = 0.0;
    for (size_t k = 0; k < d; k++) {
        tr_sqrt += sqrt(w[k]);
        tr1 += s1[k * d + k];
        tr2 += s2[k * d + k];
        dmu += (mu1[k] - mu2[k]) * (mu1[k] - mu2[k]);
    }
    double f = dmu + tr1 + tr2 - 2.0 * tr_sqrt;
    /* never negative but for rounding: square roots of eigenvalues known to eps ||M|| are
     * known to sqrt(eps ||M||), some 1e-8 of the traces */
    if (!isfinite(f) || f < -1e-6 * (tr1 + tr2) - 1e-300) {
        st = CLGAN_STATUS_NUMERICAL;
        goto out;
    }
    *fd = f > 0.0 ? f : 0.0;
out:
    free(a);
    free(v);
    free(r);
    free(t);
    free(w);
    return st;
}

clgan_status clgan_moments_frechet(const clgan_moments *x, const clgan_moments *y, double *fd)
{
    if (x->d != y->d || x->n < 2 || y->n < 2)
        return CLGAN_STATUS_INVALID_ARGUMENT;
    size_t d = (size_t)x->d;
    double *mu = malloc(2 * d * sizeof(double)), *cov = malloc(2 * d * d * sizeof(double));
    clgan_status st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    if (mu && cov && (st = clgan_moments_get(x, mu, cov)) == CLGAN_STATUS_OK &&
        (st = clgan_moments_get(y, mu + d, cov + d * d)) == CLGAN_STATUS_OK)
        st = clgan_stats_frechet(x->d, mu, cov, mu + d, cov + d * d, fd);
    free(mu);
    free(cov);
    return st;
}

/* ---------------------------------------------------------------- Inception-style score */

double clgan_stats_inception_score(const float *prob, size_t n, int k)
{
    if (!n || k < 1)
        return NAN;
    double *py = calloc((size_t)k, sizeof(double));
    if (!py)
        return NAN;
    /* E_x KL(p(y|x) || p(y)) = E_x sum_y p log p - sum_y p(y) log p(y), p(y) = E_x p(y|x) */
    double neg_h = 0.0;
    for (size_t i = 0; i < n; i++)
        for (int q = 0; q < k; q++) {
            double p = prob[i * (size_t)k + (size_t)q];
            if (!(p >= 0.0 && p <= 1.0 + 1e-6)) {
                free(py);
                return NAN;
            }
            py[q] += p;
            neg_h += p > 0.0 ? p * log(p) : 0.0; /* 0 log 0 = 0 */
        }
    double cross = 0.0;
    for (int q = 0; q < k; q++) {
        double m = py[q] / (double)n;
        cross += m > 0.0 ? m * log(m) : 0.0;
    }
    free(py);
    double kl = neg_h / (double)n - cross;
    return exp(kl > 0.0 ? kl : 0.0); /* KL >= 0 but for rounding */
}
