/* labels: kernel; timeout: 300 */
/*
 * test_elt.c - element-wise helpers and reductions on every device against the reference: odd
 * sizes and offsets, exact integer sums (tolerance 0) and random sums, repeatability, the finite
 * check, and the uint8 gather with padding, odd padding, cropping and a bad index.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ops/elt.h"
#include "ref/elt.h"

static cl_mem upload_bytes(struct th_device *d, const void *p, size_t bytes)
{
    cl_mem m = NULL;
    if (clgan_rt_alloc(d->ctx, bytes ? bytes : 1, "test bytes", &m) != CLGAN_STATUS_OK ||
        (bytes && clgan_rt_write(d->ctx, m, 0, bytes, p) != CLGAN_STATUS_OK)) {
        fprintf(stderr, "upload failed: %s\n", clgan_ctx_last_error(d->ctx));
        exit(1);
    }
    return m;
}

/* fill, copy, scale, axpy, add over n elements at odd offsets. */
static void run_simple(struct th_device *d, size_t n)
{
    char name[96];
    const size_t ox = 3, oy = 5, oz = 1;
    float *x = th_rand(n + ox, -2, 2), *y = th_rand(n + oy, -2, 2), *z = th_rand(n + oz, -2, 2);
    float *ref = th_alloc(n + oy), *got = th_alloc(n + oy);
    cl_mem dx = th_upload(d, x, n + ox), dy = th_upload(d, y, n + oy), dz = th_upload(d, z, n + oz);
    for (int op = 0; op < 5; op++) {
        static const char *ops[] = {"fill", "copy", "scale", "axpy", "add"};
        snprintf(name, sizeof(name), "elt_%s(n=%zu)", ops[op], n);
        if (!th_want(name))
            continue;
        /* reset the output to the original y, on both sides */
        clgan_status st = clgan_rt_write(d->ctx, dy, 0, (n + oy) * sizeof(float), y);
        memcpy(ref, y, (n + oy) * sizeof(float));
        switch (op) {
        case 0:
            clgan_ref_elt_fill(n, 0.375f, ref + oy);
            if (st == CLGAN_STATUS_OK)
                st = clgan_ops_elt_fill(d->ctx, n, 0.375f, dy, oy);
            break;
        case 1:
            clgan_ref_elt_copy(n, x + ox, ref + oy);
            if (st == CLGAN_STATUS_OK)
                st = clgan_ops_elt_copy(d->ctx, n, dx, ox, dy, oy);
            break;
        case 2:
            clgan_ref_elt_scale(n, -1.5f, x + ox, ref + oy);
            if (st == CLGAN_STATUS_OK)
                st = clgan_ops_elt_scale(d->ctx, n, -1.5f, dx, ox, dy, oy);
            break;
        case 3:
            clgan_ref_elt_axpy(n, 0.3f, x + ox, ref + oy);
            if (st == CLGAN_STATUS_OK)
                st = clgan_ops_elt_axpy(d->ctx, n, 0.3f, dx, ox, dy, oy);
            break;
        case 4:
            /* in place: y = x + y */
            clgan_ref_elt_add(n, x + ox, ref + oy, ref + oy);
            if (st == CLGAN_STATUS_OK)
                st = clgan_ops_elt_add(d->ctx, n, dx, ox, dy, oy, dy, oy);
            break;
        }
        if (th_status(st, name, d)) {
            th_download(d, dy, got, n + oy);
            /* one rounding each: a fused axpy may differ from the double one by 1 ulp */
            th_check(name, d, got, ref, n + oy, 0.0, 1.2e-7, 0.0);
        }
    }
    th_free_mem(d, dx, n + ox);
    th_free_mem(d, dy, n + oy);
    th_free_mem(d, dz, n + oz);
    free(x);
    free(y);
    free(z);
    free(ref);
    free(got);
}

/* Sum and mean: exact on small integers, close on random values, identical bits twice. */
static void run_sum(struct th_device *d, size_t n, int integers)
{
    char name[96];
    const size_t off = 2;
    float *x = th_rand(n + off, -1, 1);
    if (integers)
        for (size_t i = 0; i < n + off; i++)
            x[i] = (float)((int)(i % 7) - 2);
    size_t nws = clgan_ops_elt_sum_workspace(n) + 1;
    cl_mem dx = th_upload(d, x, n + off), ws = th_upload(d, NULL, nws);
    float init[4] = {0.5f, 0.5f, 0.5f, 0.5f};
    cl_mem dout = th_upload(d, init, 4);
    for (int mean = 0; mean < 2; mean++)
        for (int acc = 0; acc < 2; acc++) {
            snprintf(name, sizeof(name), "elt_%s(n=%zu%s%s)", mean ? "mean" : "sum", n,
                     integers ? ",int" : "", acc ? ",acc" : "");
            if (!th_want(name))
                continue;
            float ref[4], got[4], again[4];
            memcpy(ref, init, sizeof(ref));
            float beta = acc ? 1.0f : 0.0f;
            if (mean)
                clgan_ref_elt_mean(n, x + off, beta, &ref[1]);
            else
                clgan_ref_elt_sum(n, x + off, beta, &ref[1]);
            clgan_status st = CLGAN_STATUS_OK;
            for (int rep = 0; rep < 2 && st == CLGAN_STATUS_OK; rep++) {
                st = clgan_rt_write(d->ctx, dout, 0, sizeof(init), init);
                if (st == CLGAN_STATUS_OK)
                    st = (mean ? clgan_ops_elt_mean : clgan_ops_elt_sum)(d->ctx, n, dx, off, ws, 1,
                                                                         beta, dout, 1);
                if (st == CLGAN_STATUS_OK)
                    th_download(d, dout, rep ? again : got, 4);
            }
            if (!th_status(st, name, d))
                continue;
            /* integer sums below 2^24 are exact; random ones: float partial sums of ~n/16k
             * values, then two trees: rounding grows like sqrt(n) ulps of the running sums */
            double atol = integers ? 0.0 : 4e-7 * sqrt((double)n) * (mean ? 1.0 / n : 1.0) + 1e-7;
            if (th_check(name, d, got, ref, 4, atol, integers ? 0.0 : 1e-6, integers ? 0 : 1e-10))
                th_expect(!memcmp(got, again, sizeof(got)), name, d, "repeatable bits");
        }
    th_free_mem(d, dx, n + off);
    th_free_mem(d, ws, nws);
    th_free_mem(d, dout, 4);
    free(x);
}

static void run_finite(struct th_device *d, size_t n)
{
    char name[96];
    snprintf(name, sizeof(name), "elt_finite(n=%zu)", n);
    if (!th_want(name))
        return;
    float *x = th_rand(n + 1, -1e30f, 1e30f);
    cl_mem dx = th_upload(d, x, n + 1);
    float flags[3] = {7, 7, 7};
    cl_mem df = th_upload(d, flags, 3);
    float got[3];
    /* all finite -> 0; the extra element past n is not looked at */
    x[n] = NAN;
    clgan_status st = clgan_rt_write(d->ctx, dx, 0, (n + 1) * sizeof(float), x);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_elt_finite(d->ctx, n, dx, 0, 0, df, 1);
    if (!th_status(st, name, d))
        goto out;
    th_download(d, df, got, 3);
    th_expect(got[0] == 7 && got[1] == 0 && got[2] == 7 && !clgan_ref_elt_finite(n, x), name, d,
              "finite buffer gives 0 (got %g)", got[1]);
    /* accumulate keeps an earlier 1 */
    st = clgan_ops_elt_finite(d->ctx, n, dx, 0, 1, df, 0);
    if (!th_status(st, name, d))
        goto out;
    th_download(d, df, got, 3);
    th_expect(got[0] == 7 && got[1] == 0, name, d, "accumulate keeps the flag (got %g)", got[0]);
    static const float bad[3] = {NAN, INFINITY, -INFINITY};
    for (int b = 0; b < 3; b++) {
        size_t at = (n - 1) * (size_t)b / 2;
        float keep = x[at];
        x[at] = bad[b];
        st = clgan_rt_write(d->ctx, dx, 0, (n + 1) * sizeof(float), x);
        if (st == CLGAN_STATUS_OK)
            st = clgan_ops_elt_finite(d->ctx, n, dx, 0, b == 2, df, 1);
        if (!th_status(st, name, d))
            goto out;
        th_download(d, df, got, 3);
        th_expect(got[1] == 1.0f && clgan_ref_elt_finite(n, x), name, d, "%g at [%zu] gives 1",
                  (double)bad[b], at);
        x[at] = keep;
    }
out:
    th_free_mem(d, dx, n + 1);
    th_free_mem(d, df, 3);
    free(x);
}

static void run_gather(struct th_device *d, size_t count, size_t c, size_t hs, size_t ws, size_t n,
                       size_t hd, size_t wd, int bad_index)
{
    char name[96];
    snprintf(name, sizeof(name), "elt_gather_u8(%zux%zux%zu->%zux%zu n=%zu%s)", c, hs, ws, hd, wd,
             n, bad_index ? ",bad" : "");
    if (!th_want(name))
        return;
    const size_t doff = 3, ioff = 2, ooff = 1;
    size_t img = c * hs * ws, nout = n * c * hd * wd;
    uint8_t *data = malloc(doff + count * img);
    int32_t *idx = malloc((ioff + n) * sizeof(int32_t));
    float *ref = th_alloc(nout + ooff), *got = th_alloc(nout + ooff);
    if (!data || !idx)
        exit(1);
    for (size_t i = 0; i < doff + count * img; i++)
        data[i] = (uint8_t)((i * 2654435761u) >> 13);
    /* bytes 0 and 255 must map to the ends exactly */
    data[doff] = 0;
    data[doff + 1] = 255;
    for (size_t i = 0; i < ioff + n; i++)
        idx[i] = (int32_t)((i * 7 + 3) % count);
    if (bad_index)
        idx[ioff + n / 2] = (int32_t)count;
    clgan_ref_elt_gather_u8(data + doff, count, c, hs, ws, idx + ioff, n, hd, wd, 2.0f / 255.0f,
                            -1.0f, ref + ooff);
    cl_mem dd = upload_bytes(d, data, doff + count * img);
    cl_mem di = upload_bytes(d, idx, (ioff + n) * sizeof(int32_t));
    cl_mem dout = th_upload(d, NULL, nout + ooff);
    struct clgan_ops_u8_set set = {dd, doff, count, c, hs, ws};
    clgan_status st = clgan_ops_elt_gather_u8(d->ctx, &set, di, ioff, n, hd, wd, 2.0f / 255.0f,
                                              -1.0f, dout, ooff);
    if (th_status(st, name, d)) {
        th_download(d, dout, got, nout + ooff);
        got[0] = ref[0] = 0;
        /* v * (2/255) - 1 in one fused step; the reference rounds once from double */
        th_check(name, d, got, ref, nout + ooff, 1.2e-7, 0.0, 0.0);
    }
    clgan_rt_release(d->ctx, dd, doff + count * img);
    clgan_rt_release(d->ctx, di, (ioff + n) * sizeof(int32_t));
    th_free_mem(d, dout, nout + ooff);
    free(data);
    free(idx);
    free(ref);
    free(got);
}

/* A batch's labels by index, out-of-range indices (-1, count) giving -1. */
static void run_gather_labels(struct th_device *d, size_t count, size_t n)
{
    char name[96];
    snprintf(name, sizeof(name), "elt_gather_labels(count=%zu n=%zu)", count, n);
    if (!th_want(name))
        return;
    const size_t ioff = 3, ooff = 2;
    uint8_t *labels = malloc(count);
    int32_t *idx = malloc((ioff + n) * sizeof(int32_t)), *ref = malloc((ooff + n) * 4),
            *got = malloc((ooff + n) * 4);
    for (size_t i = 0; i < count; i++)
        labels[i] = (uint8_t)((i * 37 + 5) % 251);
    for (size_t i = 0; i < ioff + n; i++)
        idx[i] = (int32_t)((i * 7 + 3) % count);
    idx[ioff] = -1;
    if (n > 1)
        idx[ioff + n - 1] = (int32_t)count;
    for (size_t i = 0; i < ooff; i++)
        ref[i] = got[i] = 12345;
    clgan_ref_elt_gather_labels(labels, count, idx + ioff, n, ref + ooff);
    cl_mem dl = upload_bytes(d, labels, count);
    cl_mem di = upload_bytes(d, idx, (ioff + n) * sizeof(int32_t));
    cl_mem dout = upload_bytes(d, got, (ooff + n) * sizeof(int32_t));
    clgan_status st = clgan_ops_elt_gather_labels(d->ctx, dl, count, di, ioff, n, dout, ooff);
    if (th_status(st, name, d)) {
        clgan_rt_read(d->ctx, dout, 0, (ooff + n) * sizeof(int32_t), got);
        size_t bad = 0;
        for (size_t i = 0; i < ooff + n; i++)
            bad += got[i] != ref[i];
        th_expect(!bad && ref[ooff] == -1, name, d, "%zu of %zu labels differ", bad, n + ooff);
    }
    clgan_rt_release(d->ctx, dl, count);
    clgan_rt_release(d->ctx, di, (ioff + n) * sizeof(int32_t));
    clgan_rt_release(d->ctx, dout, (ooff + n) * sizeof(int32_t));
    free(labels);
    free(idx);
    free(ref);
    free(got);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    /* a bad shape is refused with a message, not launched */
    for (int i = 0; i < th_ndev(); i++) {
        struct th_device *d = th_dev(i);
        if (th_want("elt_gather_u8(bad shape)")) {
            struct clgan_ops_u8_set set = {NULL, 0, 1, 0, 28, 28};
            clgan_status st =
                clgan_ops_elt_gather_u8(d->ctx, &set, NULL, 0, 1, 32, 32, 1, 0, NULL, 0);
            th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT, "elt_gather_u8(bad shape)", d, "%s",
                      clgan_ctx_last_error(d->ctx));
        }
        static const size_t sizes[] = {1, 7, 64, 1000, 1000003};
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
            if (d->small && sizes[s] > 5000)
                continue;
            run_simple(d, sizes[s]);
            run_finite(d, sizes[s]);
        }
        static const size_t sums[] = {1, 7, 255, 256, 257, 4097, 100000, 1000003};
        for (size_t s = 0; s < sizeof(sums) / sizeof(sums[0]); s++) {
            if (d->small && sums[s] > 5000)
                continue;
            run_sum(d, sums[s], 0);
            run_sum(d, sums[s], 1);
        }
        run_gather_labels(d, 10, 1);
        run_gather_labels(d, 1000, 67);
        run_gather(d, 10, 1, 28, 28, 7, 32, 32, 0);
        run_gather(d, 10, 1, 28, 28, 3, 32, 32, 1);
        run_gather(d, 5, 3, 5, 6, 4, 8, 9, 0);     /* odd padding: 1 above, 2 below */
        run_gather(d, 5, 2, 6, 6, 3, 4, 3, 0);     /* centre crop */
        run_gather(d, 3, 1, 28, 28, 1, 28, 28, 0); /* batch 1, no padding */
        if (!d->small)
            run_gather(d, 100, 1, 28, 28, 64, 32, 32, 0);
    }
    return th_finish();
}
