/* labels: kernel; timeout: 300 */
/*
 * test_rng.c - Philox-4x32-10: the host reference against Random123's known answers, the device
 * integers against the host bit for bit (any seed, counters crossing 2^32 and wrapping at
 * 2^64, odd sizes, offsets), uniforms bit for bit, normals to a few ulp, stream continuation,
 * the moments of large samples, and the Xavier initialiser.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ops/rng.h"
#include "ref/rng.h"

static void kat(void)
{
    /* Random123 tests/kat_vectors, the three "philox4x32 10" lines: ctr[4] key[2] -> out[4] */
    static const uint32_t v[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
         0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
         0x94fdcceb, 0x5001e420, 0x24126ea1},
    };
    if (!th_want("ref_rng_philox(kat)"))
        return;
    for (int i = 0; i < 3; i++) {
        uint32_t out[4];
        clgan_ref_rng_philox(v[i], v[i] + 4, out);
        th_expect(!memcmp(out, v[i] + 6, sizeof(out)), "ref_rng_philox(kat)", NULL,
                  "vector %d: %08x %08x %08x %08x", i, out[0], out[1], out[2], out[3]);
    }
}

static cl_mem alloc_floats(struct th_device *d, size_t n)
{
    return th_upload(d, NULL, n);
}

/* Integers, uniforms and normals of one (n, seed, counter) against the host. */
static void run_case(struct th_device *d, size_t n, uint64_t seed, uint64_t counter)
{
    char name[128];
    const size_t off = 3;
    uint32_t *want = malloc((n + off) * sizeof(uint32_t));
    uint32_t *got = malloc((n + off) * sizeof(uint32_t));
    float *fr = th_alloc(n + off), *fg = th_alloc(n + off);
    if (!want || !got)
        exit(1);
    cl_mem m = alloc_floats(d, n + off);

    snprintf(name, sizeof(name), "rng_bits(n=%zu seed=%llx ctr=%llx)", n, (unsigned long long)seed,
             (unsigned long long)counter);
    if (th_want(name)) {
        clgan_ref_rng_bits(want + off, n, seed, counter);
        clgan_status st = clgan_ops_rng_bits(d->ctx, m, off, n, seed, counter);
        if (th_status(st, name, d)) {
            th_download(d, m, (float *)got, n + off);
            size_t bad = 0, first = 0;
            for (size_t i = 0; i < n; i++)
                if (got[off + i] != want[off + i] && !bad++)
                    first = i;
            th_expect(bad == 0, name, d, "%zu of %zu words differ (first [%zu]: %08x vs %08x)", bad,
                      n, first, got[off + first], want[off + first]);
        }
    }
    snprintf(name, sizeof(name), "rng_uniform(n=%zu seed=%llx ctr=%llx)", n,
             (unsigned long long)seed, (unsigned long long)counter);
    if (th_want(name)) {
        clgan_ref_rng_uniform(fr + off, n, -0.5f, 2.0f, seed, counter);
        clgan_status st = clgan_ops_rng_uniform(d->ctx, m, off, n, -0.5f, 2.0f, seed, counter);
        if (th_status(st, name, d)) {
            th_download(d, m, fg, n + off);
            /* an exact 24-bit fraction and one fused multiply-add: the same bits */
            th_check(name, d, fg + off, fr + off, n, 0.0, 0.0, 0.0);
        }
    }
    snprintf(name, sizeof(name), "rng_normal(n=%zu seed=%llx ctr=%llx)", n,
             (unsigned long long)seed, (unsigned long long)counter);
    if (th_want(name)) {
        clgan_ref_rng_normal(fr + off, n, 0.25f, 2.0f, seed, counter);
        clgan_status st = clgan_ops_rng_normal(d->ctx, m, off, n, 0.25f, 2.0f, seed, counter);
        if (th_status(st, name, d)) {
            th_download(d, m, fg, n + off);
            /* float log, sqrt, cospi/sinpi (<= 4 ulp each in OpenCL 1.2) against double */
            th_check(name, d, fg + off, fr + off, n, 2e-6, 2e-6, 1e-12);
        }
    }
    th_free_mem(d, m, n + off);
    free(want), free(got), free(fr), free(fg);
}

/* Two calls with the counter advanced by clgan_ops_rng_blocks continue one stream. */
static void run_continue(struct th_device *d)
{
    const char *name = "rng_bits(continuation)";
    if (!th_want(name))
        return;
    const size_t n1 = 10, n2 = 9; /* n1 not a multiple of 4: the rest of its last block is lost */
    uint64_t seed = 77, ctr = 1000;
    cl_mem m = alloc_floats(d, 32);
    uint32_t got[32], want[32];
    clgan_status st = clgan_ops_rng_bits(d->ctx, m, 0, n1, seed, ctr);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_rng_bits(d->ctx, m, n1, n2, seed, ctr + clgan_ops_rng_blocks(n1));
    if (th_status(st, name, d)) {
        th_download(d, m, (float *)got, n1 + n2);
        clgan_ref_rng_bits(want, 12 + n2, seed, ctr);
        th_expect(!memcmp(got, want, n1 * 4) && !memcmp(got + n1, want + 12, n2 * 4), name, d,
                  "second call starts at block %llu", (unsigned long long)clgan_ops_rng_blocks(n1));
    }
    th_free_mem(d, m, 32);
}

/* Sample moments within 5 standard errors. */
static void run_moments(struct th_device *d, size_t n)
{
    char name[96];
    cl_mem m = alloc_floats(d, n);
    float *x = th_alloc(n);
    for (int normal = 0; normal < 2; normal++) {
        snprintf(name, sizeof(name), "rng_%s(moments n=%zu)", normal ? "normal" : "uniform", n);
        if (!th_want(name))
            continue;
        clgan_status st = normal ? clgan_ops_rng_normal(d->ctx, m, 0, n, 0.0f, 1.0f, 1234, 0)
                                 : clgan_ops_rng_uniform(d->ctx, m, 0, n, 0.0f, 1.0f, 1234, 0);
        if (!th_status(st, name, d))
            continue;
        th_download(d, m, x, n);
        double s = 0, s2 = 0, s4 = 0;
        for (size_t i = 0; i < n; i++)
            s += x[i];
        double mean = s / n;
        for (size_t i = 0; i < n; i++) {
            double c = x[i] - mean;
            s2 += c * c;
            s4 += c * c * c * c;
        }
        double var = s2 / (n - 1);
        /* normal: mean 0 (se 1/sqrt(n)), variance 1 (se sqrt(2/n)); uniform: 1/2 (se
         * sqrt(1/12n)) and 1/12 (se sqrt(1/180n)) */
        double m0 = normal ? 0.0 : 0.5, v0 = normal ? 1.0 : 1.0 / 12;
        double se_m = sqrt(v0 / n), se_v = normal ? sqrt(2.0 / n) : sqrt(1.0 / 180 / n);
        th_expect(fabs(mean - m0) < 5 * se_m && fabs(var - v0) < 5 * se_v, name, d,
                  "mean %.5f (%.1f se) var %.5f (%.1f se) kurtosis %.3f", mean, (mean - m0) / se_m,
                  var, (var - v0) / se_v, s4 / n / (var * var));
    }
    th_free_mem(d, m, n);
    free(x);
}

static void run_xavier(struct th_device *d)
{
    const char *name = "init_xavier_uniform(256x128x4x4)";
    if (!th_want(name))
        return;
    size_t fan_in = 128 * 16, fan_out = 256 * 16, n = d->small ? 4096 : 256 * 128 * 16;
    float bound = clgan_ops_init_xavier_bound(fan_in, fan_out, 1.0f);
    float *want = th_alloc(n), *got = th_alloc(n);
    clgan_ref_rng_uniform(want, n, -bound, bound, 5, 9);
    cl_mem m = alloc_floats(d, n);
    clgan_status st = clgan_ops_init_xavier_uniform(d->ctx, m, 0, n, fan_in, fan_out, 1.0f, 5, 9);
    if (th_status(st, name, d)) {
        th_download(d, m, got, n);
        int ok = th_check(name, d, got, want, n, 0.0, 0.0, 0.0);
        float mx = 0;
        for (size_t i = 0; i < n; i++)
            mx = fmaxf(mx, fabsf(got[i]));
        if (ok)
            th_expect(mx <= bound && mx > 0.99f * bound &&
                          fabs(bound - sqrt(6.0 / (fan_in + fan_out))) < 1e-7,
                      name, d, "bound %.6f, largest |w| %.6f", bound, mx);
    }
    th_free_mem(d, m, n);
    free(want), free(got);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    kat();
    for (int i = 0; i < th_ndev(); i++) {
        struct th_device *d = th_dev(i);
        run_case(d, 1, 0, 0);
        run_case(d, 7, 42, 5);
        run_case(d, 4096, 0xffffffffffffffffull, 0xffffffffull - 3); /* carry into the high word */
        run_case(d, 1001, 1, 0xfffffffffffffffeull);                 /* wraps at 2^64 */
        run_case(d, d->small ? 5003 : 1000003, 0xdeadbeefcafef00dull, 123456789);
        run_continue(d);
        run_moments(d, d->small ? 20000 : 1000000);
        run_xavier(d);
    }
    return th_finish();
}
