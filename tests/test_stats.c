/* labels: unit; timeout: 120 */
/*
 * test_stats.c - the evaluation statistics against known values: the Jacobi eigen solver on small
 * known matrices, random SPD matrices (reconstruction, orthogonal vectors), repeated and zero
 * eigenvalues; the Fréchet distance against the closed form for diagonal covariances, unchanged
 * by a rotation of both Gaussians, against the 2 x 2 formula for covariances that do not commute,
 * zero between a set and itself (also a rank-deficient one); running moments against hand
 * values and a large shift; the Inception-style score at its bounds and on a hand example.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static uint64_t rng_state = 0x5eed;

/* uniform in [0, 1) from splitmix64 */
static double uni(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

static double gauss(void)
{
    double u = uni(), v = uni();
    return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

static double *dalloc(size_t n)
{
    double *p = calloc(n ? n : 1, sizeof(double));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

/* a = b b^T + eps I for a random d x d b */
static void random_spd(size_t d, double eps, double *a)
{
    double *b = dalloc(d * d);
    for (size_t i = 0; i < d * d; i++)
        b[i] = gauss();
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double s = i == j ? eps : 0.0;
            for (size_t k = 0; k < d; k++)
                s += b[i * d + k] * b[j * d + k];
            a[i * d + j] = s;
        }
    free(b);
}

/* A random orthogonal matrix: the eigenvectors of a random symmetric one. */
static int random_orthogonal(size_t d, double *q)
{
    double *a = dalloc(d * d), *w = dalloc(d);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j <= i; j++)
            a[i * d + j] = a[j * d + i] = gauss();
    clgan_status st = clgan_stats_eigen_sym((int)d, a, w, q);
    free(a);
    free(w);
    return st == CLGAN_STATUS_OK;
}

/* out = q m q^T */
static void conjugate(size_t d, const double *q, const double *m, double *out)
{
    double *t = dalloc(d * d);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double s = 0.0;
            for (size_t k = 0; k < d; k++)
                s += q[i * d + k] * m[k * d + j];
            t[i * d + j] = s;
        }
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double s = 0.0;
            for (size_t k = 0; k < d; k++)
                s += t[i * d + k] * q[j * d + k];
            out[i * d + j] = s;
        }
    free(t);
}

/* Decompose a copy of a; check ascending w, a = v diag(w) v^T and v^T v = I to tol (relative to
 * the largest entry of a). */
static void check_eigen(const char *name, size_t d, const double *a, double tol)
{
    double *c = dalloc(d * d), *v = dalloc(d * d), *w = dalloc(d);
    memcpy(c, a, d * d * sizeof(double));
    clgan_status st = clgan_stats_eigen_sym((int)d, c, w, v);
    double amax = 0.0, rec = 0.0, orth = 0.0;
    int sorted = 1;
    for (size_t i = 0; i < d * d; i++)
        amax = fmax(amax, fabs(a[i]));
    for (size_t i = 0; i + 1 < d; i++)
        sorted &= w[i] <= w[i + 1];
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double r = 0.0, o = 0.0;
            for (size_t k = 0; k < d; k++) {
                r += v[i * d + k] * w[k] * v[j * d + k];
                o += v[k * d + i] * v[k * d + j];
            }
            rec = fmax(rec, fabs(r - a[i * d + j]));
            orth = fmax(orth, fabs(o - (i == j ? 1.0 : 0.0)));
        }
    th_expect(st == CLGAN_STATUS_OK && sorted && rec <= tol * (amax > 0 ? amax : 1) && orth <= tol,
              name, NULL, "status %d, sorted %d, reconstruction error %.3g, orthogonality %.3g",
              (int)st, sorted, rec, orth);
    free(c);
    free(v);
    free(w);
}

static void test_eigen(void)
{
    double a[4] = {2, 1, 1, 2}, w[2], v[4];
    clgan_status st = clgan_stats_eigen_sym(2, a, w, v);
    /* eigenvalues 1 and 3, vectors (1, -1) / sqrt 2 and (1, 1) / sqrt 2 up to sign */
    double r = sqrt(0.5);
    th_expect(st == CLGAN_STATUS_OK && fabs(w[0] - 1) < 1e-14 && fabs(w[1] - 3) < 1e-14 &&
                  fabs(fabs(v[0]) - r) < 1e-14 && fabs(v[0] + v[2]) < 1e-14 &&
                  fabs(v[1] - v[3]) < 1e-14 && fabs(fabs(v[1]) - r) < 1e-14,
              "eigen_2x2", NULL, "w %.17g %.17g, v %g %g / %g %g", w[0], w[1], v[0], v[2], v[1],
              v[3]);

    double dg[9] = {5, 0, 0, 0, -2, 0, 0, 0, 3}, w3[3], v3[9];
    st = clgan_stats_eigen_sym(3, dg, w3, v3);
    th_expect(st == CLGAN_STATUS_OK && w3[0] == -2 && w3[1] == 3 && w3[2] == 5 &&
                  v3[1 * 3 + 0] == 1 && v3[2 * 3 + 1] == 1 && v3[0 * 3 + 2] == 1,
              "eigen_diagonal_sorted", NULL, "w %g %g %g", w3[0], w3[1], w3[2]);

    /* odd sizes leave one index out of each round */
    static const size_t sizes[] = {3, 7, 60, 101};
    for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
        size_t d = sizes[si];
        double *spd = dalloc(d * d);
        char name[64];
        random_spd(d, 0.1, spd);
        snprintf(name, sizeof(name), "eigen_random_spd_%zu", d);
        check_eigen(name, d, spd, 1e-12);
        free(spd);
    }
    /* I + u u^T: eigenvalue 1 d - 1 times, and 1 + |u|^2 */
    size_t d = 20;
    double *m = dalloc(d * d), *u = dalloc(d), *ww = dalloc(d), uu = 0.0;
    for (size_t i = 0; i < d; i++) {
        u[i] = gauss();
        uu += u[i] * u[i];
    }
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            m[i * d + j] = (i == j) + u[i] * u[j];
    check_eigen("eigen_repeated", d, m, 1e-12);
    st = clgan_stats_eigen_sym((int)d, m, ww, NULL);
    double dev = fabs(ww[d - 1] - (1 + uu));
    for (size_t i = 0; i + 1 < d; i++)
        dev = fmax(dev, fabs(ww[i] - 1));
    th_expect(st == CLGAN_STATUS_OK && dev < 1e-12 * (1 + uu), "eigen_repeated_values", NULL,
              "largest deviation %.3g", dev);
    memset(m, 0, d * d * sizeof(double));
    check_eigen("eigen_zero_matrix", d, m, 0.0);
    m[5] = NAN;
    st = clgan_stats_eigen_sym((int)d, m, ww, NULL);
    th_expect(st == CLGAN_STATUS_NUMERICAL, "eigen_nan", NULL, "status %d", (int)st);
    st = clgan_stats_eigen_sym(0, m, ww, NULL);
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT, "eigen_bad_size", NULL, "status %d", (int)st);
    free(m);
    free(u);
    free(ww);
}

static void test_frechet(void)
{
    /* diagonal covariances: |mu1 - mu2|^2 + sum (sqrt a_i - sqrt b_i)^2 */
    enum { D = 5 };
    double mu1[D] = {0, 1, -2, 3.5, 0.25}, mu2[D] = {1, 1, 0, 3, -0.75};
    double a[D] = {1, 4, 0.5, 2, 9}, b[D] = {4, 4, 2, 0.125, 1};
    double s1[D * D] = {0}, s2[D * D] = {0}, want = 0.0, fd = NAN;
    for (int i = 0; i < D; i++) {
        s1[i * D + i] = a[i];
        s2[i * D + i] = b[i];
        want += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]) +
                (sqrt(a[i]) - sqrt(b[i])) * (sqrt(a[i]) - sqrt(b[i]));
    }
    clgan_status st = clgan_stats_frechet(D, mu1, s1, mu2, s2, &fd);
    th_expect(st == CLGAN_STATUS_OK && fabs(fd - want) < 1e-12 * want, "frechet_diagonal", NULL,
              "FD %.17g, closed form %.17g", fd, want);

    /* both Gaussians rotated by one orthogonal q: the distance stays */
    double q[D * D], r1[D * D], r2[D * D], m1[D], m2[D], fdr = NAN;
    int ok = random_orthogonal(D, q);
    conjugate(D, q, s1, r1);
    conjugate(D, q, s2, r2);
    for (int i = 0; i < D; i++) {
        m1[i] = m2[i] = 0.0;
        for (int k = 0; k < D; k++) {
            m1[i] += q[i * D + k] * mu1[k];
            m2[i] += q[i * D + k] * mu2[k];
        }
    }
    st = clgan_stats_frechet(D, m1, r1, m2, r2, &fdr);
    th_expect(ok && st == CLGAN_STATUS_OK && fabs(fdr - want) < 1e-10 * want, "frechet_rotated",
              NULL, "FD %.17g, closed form %.17g", fdr, want);

    /* 2 x 2 covariances that do not commute: for M = s1 s2 with eigenvalues l1, l2 >= 0,
     * tr M^{1/2} = sqrt l1 + sqrt l2 = sqrt(tr M + 2 sqrt(det M)) */
    double p1[4] = {2, 1, 1, 3}, p2[4] = {1, -0.5, -0.5, 4}, z[2] = {0, 0}, fd2 = NAN;
    double t00 = p1[0] * p2[0] + p1[1] * p2[2], t11 = p1[2] * p2[1] + p1[3] * p2[3];
    double det = (p1[0] * p1[3] - p1[1] * p1[2]) * (p2[0] * p2[3] - p2[1] * p2[2]);
    double want2 = p1[0] + p1[3] + p2[0] + p2[3] - 2.0 * sqrt(t00 + t11 + 2.0 * sqrt(det));
    st = clgan_stats_frechet(2, z, p1, z, p2, &fd2);
    th_expect(st == CLGAN_STATUS_OK && fabs(fd2 - want2) < 1e-12, "frechet_non_commuting", NULL,
              "FD %.17g, closed form %.17g", fd2, want2);

    /* a set against itself: 0, also when n < d makes the covariance singular */
    for (int rank = 0; rank < 2; rank++) {
        size_t d = 30, n = rank ? 12 : 500;
        float *x = malloc(n * d * sizeof(float));
        clgan_moments *m = NULL, *half = NULL;
        for (size_t i = 0; x && i < n * d; i++)
            x[i] = (float)(gauss() * (1 + i % 7) + i % 3);
        double self = NAN, scale = NAN;
        st = x ? clgan_moments_init((int)d, &m) : CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        if (st == CLGAN_STATUS_OK)
            st = clgan_moments_add(m, x, n);
        if (st == CLGAN_STATUS_OK)
            st = clgan_moments_init((int)d, &half);
        if (st == CLGAN_STATUS_OK) /* the same rows in two calls */
            st = clgan_moments_add(half, x, n / 2);
        if (st == CLGAN_STATUS_OK)
            st = clgan_moments_add(half, x + n / 2 * d, n - n / 2);
        if (st == CLGAN_STATUS_OK)
            st = clgan_moments_frechet(m, half, &self);
        double *cov = dalloc(d * d);
        if (st == CLGAN_STATUS_OK)
            st = clgan_moments_get(m, NULL, cov);
        scale = 0.0;
        for (size_t i = 0; i < d; i++)
            scale += cov[i * d + i];
        th_expect(st == CLGAN_STATUS_OK && self >= 0 && self < 1e-9 * scale,
                  rank ? "frechet_self_singular" : "frechet_self", NULL,
                  "status %d, FD %.3g (trace %.3g)", (int)st, self, scale);
        free(cov);
        free(x);
        clgan_moments_free(m);
        clgan_moments_free(half);
    }

    /* samples of N(mu1, s1) against the true parameters: small, shrinking with n */
    {
        size_t n = 40000;
        float *x = malloc(n * D * sizeof(float));
        clgan_moments *m = NULL;
        for (size_t i = 0; x && i < n; i++)
            for (int k = 0; k < D; k++)
                x[i * D + (size_t)k] = (float)(mu1[k] + sqrt(a[k]) * gauss());
        double mu[D], cov[D * D], fds = NAN;
        st = x ? clgan_moments_init(D, &m) : CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        if (st == CLGAN_STATUS_OK)
            st = clgan_moments_add(m, x, n);
        if (st == CLGAN_STATUS_OK)
            st = clgan_moments_get(m, mu, cov);
        if (st == CLGAN_STATUS_OK)
            st = clgan_stats_frechet(D, mu, cov, mu1, s1, &fds);
        /* expected about (sum a + sum a / 2) / n = 0.001; against the other Gaussian, `want` */
        th_expect(st == CLGAN_STATUS_OK && fds < 0.01, "frechet_sampled", NULL,
                  "FD of %zu samples to their Gaussian %.4g (vs %.4g to the other)", n, fds, want);
        free(x);
        clgan_moments_free(m);
    }
    st = clgan_stats_frechet(0, mu1, s1, mu2, s2, &fd);
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT, "frechet_bad_size", NULL, "status %d", (int)st);
}

static void test_moments(void)
{
    /* rows (1, 2), (3, 4), (5, 0): mean (3, 2), covariance [[4, -2], [-2, 4]]; again shifted by
     * 1e6, where one-pass sums of squares would lose every digit */
    for (int shifted = 0; shifted < 2; shifted++) {
        float off = shifted ? 1e6f : 0.0f;
        float x[6] = {1 + off, 2 + off, 3 + off, 4 + off, 5 + off, 0 + off};
        clgan_moments *m = NULL;
        double mean[2] = {NAN, NAN}, cov[4] = {NAN, NAN, NAN, NAN};
        clgan_status st = clgan_moments_init(2, &m);
        if (st == CLGAN_STATUS_OK)
            st = clgan_moments_add(m, x, 1);
        if (st == CLGAN_STATUS_OK) {
            double one[2];
            clgan_status few = clgan_moments_get(m, one, NULL);
            th_expect(few == CLGAN_STATUS_INVALID_ARGUMENT,
                      shifted ? "moments_one_sample_shifted" : "moments_one_sample", NULL,
                      "status %d", (int)few);
            st = clgan_moments_add(m, x + 2, 2);
        }
        if (st == CLGAN_STATUS_OK)
            st = clgan_moments_get(m, mean, cov);
        int ok = st == CLGAN_STATUS_OK && clgan_moments_count(m) == 3 &&
                 clgan_moments_dim(m) == 2 && fabs(mean[0] - 3 - off) < 1e-9 &&
                 fabs(mean[1] - 2 - off) < 1e-9 && fabs(cov[0] - 4) < 1e-9 &&
                 fabs(cov[3] - 4) < 1e-9 && fabs(cov[1] + 2) < 1e-9 && cov[1] == cov[2];
        th_expect(ok, shifted ? "moments_shifted" : "moments_hand", NULL,
                  "mean %.10g %.10g, cov %.10g %.10g %.10g %.10g", mean[0], mean[1], cov[0], cov[1],
                  cov[2], cov[3]);
        float bad[2] = {1, NAN};
        th_expect(clgan_moments_add(m, bad, 1) == CLGAN_STATUS_NUMERICAL &&
                      clgan_moments_count(m) == 3,
                  shifted ? "moments_nan_shifted" : "moments_nan", NULL, "count %zu",
                  m ? clgan_moments_count(m) : 0);
        clgan_moments_free(m);
    }
    clgan_moments *m = NULL;
    th_expect(clgan_moments_init(0, &m) == CLGAN_STATUS_INVALID_ARGUMENT && !m, "moments_bad_size",
              NULL, " ");
    clgan_moments_free(NULL);
}

static void test_score(void)
{
    float uniform[3 * 4], sure[8 * 4], same[8 * 4], half[2 * 2] = {0.5f, 0.5f, 1.0f, 0.0f};
    for (int i = 0; i < 12; i++)
        uniform[i] = 0.25f;
    for (int i = 0; i < 8; i++)
        for (int q = 0; q < 4; q++) {
            sure[i * 4 + q] = q == i % 4 ? 1.0f : 0.0f;
            same[i * 4 + q] = q == 2 ? 1.0f : 0.0f;
        }
    double u = clgan_stats_inception_score(uniform, 3, 4);
    double s = clgan_stats_inception_score(sure, 8, 4);
    double c = clgan_stats_inception_score(same, 8, 4);
    th_expect(fabs(u - 1) < 1e-12 && fabs(s - 4) < 1e-12 && fabs(c - 1) < 1e-12, "score_bounds",
              NULL, "uniform %.15g (1), certain and balanced %.15g (4), one class %.15g (1)", u, s,
              c);
    /* p(y) = (0.75, 0.25); KL = 0.5 ln(4/3) and ln(4/3); score (4/3)^(3/4) */
    double h = clgan_stats_inception_score(half, 2, 2), want = pow(4.0 / 3.0, 0.75);
    th_expect(fabs(h - want) < 1e-12, "score_hand", NULL, "%.15g, want %.15g", h, want);
    float wrong[2] = {1.5f, -0.5f};
    th_expect(isnan(clgan_stats_inception_score(wrong, 1, 2)) &&
                  isnan(clgan_stats_inception_score(half, 0, 2)),
              "score_bad_input", NULL, " ");
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 0);
    rng_state ^= th_seed();
    if (th_want("eigen"))
        test_eigen();
    if (th_want("frechet"))
        test_frechet();
    if (th_want("moments"))
        test_moments();
    if (th_want("score"))
        test_score();
    return th_finish();
}
