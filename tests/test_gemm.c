/* labels: kernel; timeout: 600 */
/*
 * test_gemm.c - GEMM on every device and both backends against the double-accumulating
 * reference: odd shapes, all transposes, offsets, leading dimensions, strided batches, and the
 * dcgan32 shapes (on fast devices).
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "ops/gemm.h"
#include "ref/ref.h"

struct shape {
    size_t m, n, k;
};

static void run_case(struct th_device *d, enum clgan_gemm_backend be, int ta, int tb, size_t m,
                     size_t n, size_t k, size_t batch, float alpha, float beta)
{
    char name[128];
    snprintf(name, sizeof(name), "gemm_%s(%c%c m=%zu n=%zu k=%zu b=%zu)",
             clgan_gemm_backend_str(be), ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, batch);
    if (!th_want(name))
        return;
    /* padded leading dimensions and a leading offset catch indexing mistakes */
    size_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
    size_t arows = ta ? k : m, brows = tb ? n : k;
    size_t off = 5;
    size_t sa = arows * lda + 7, sb = brows * ldb + 3, sc = m * ldc + 1;
    size_t na = off + batch * sa, nb = off + batch * sb, nc = off + batch * sc;
    float *a = th_rand(na, -1, 1), *b = th_rand(nb, -1, 1), *c = th_rand(nc, -1, 1);
    float *ref = th_alloc(nc), *got = th_alloc(nc);
    for (size_t i = 0; i < nc; i++)
        ref[i] = c[i];
    for (size_t z = 0; z < batch; z++)
        clgan_ref_gemm(ta, tb, m, n, k, alpha, a + off + z * sa, lda, b + off + z * sb, ldb, beta,
                       ref + off + z * sc, ldc);
    cl_mem da = th_upload(d, a, na), db = th_upload(d, b, nb), dc = th_upload(d, c, nc);
    struct clgan_gemm_args g = {ta, tb,  m,   n,  k,   alpha, beta,  da, off, lda,
                                db, off, ldb, dc, off, ldc,   batch, sa, sb,  sc};
    clgan_status st = clgan_ops_gemm_on(d->ctx, be, &g);
    if (th_status(st, name, d)) {
        th_download(d, dc, got, nc);
        /* fp32 sums of k products of values in [-1,1]: error grows ~ sqrt(k) ulp */
        th_check(name, d, got, ref, nc, 1e-5 * (1 + k / 64.0), 1e-4, 1e-10);
    }
    th_free_mem(d, da, na);
    th_free_mem(d, db, nb);
    th_free_mem(d, dc, nc);
    free(a);
    free(b);
    free(c);
    free(ref);
    free(got);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    static const struct shape odd[] = {{7, 13, 5},  {1, 1, 1},    {129, 65, 257},
                                       {3, 100, 1}, {64, 1, 300}, {33, 17, 64}};
    static const struct shape dcgan[] = {{128, 4096, 1024},
                                         {256, 1024, 2048},
                                         {2048, 1024, 256},
                                         {1024, 4096, 128},
                                         {128, 1024, 4096}};
    static const enum clgan_gemm_backend bes[] = {CLGAN_GEMM_CLBLAST, CLGAN_GEMM_OWN};
    for (int i = 0; i < th_ndev(); i++) {
        struct th_device *d = th_dev(i);
        for (int b = 0; b < 2; b++) {
            for (size_t s = 0; s < sizeof(odd) / sizeof(odd[0]); s++) {
                if (d->small && odd[s].m * odd[s].n * odd[s].k > 200000)
                    continue;
                for (int t = 0; t < 4; t++)
                    run_case(d, bes[b], t & 1, t >> 1, odd[s].m, odd[s].n, odd[s].k, 1, 1.0f, 0.0f);
            }
            run_case(d, bes[b], 0, 1, 9, 11, 6, 3, 0.5f, 1.0f);
            run_case(d, bes[b], 1, 0, 5, 7, 13, 4, -1.0f, 0.25f);
            /* the model's GEMM sizes (half a billion multiply-adds each, checked against a
             * double-precision host loop): not on the simulator, nor in a quick run */
            if (d->small || th_quick())
                continue;
            for (size_t s = 0; s < sizeof(dcgan) / sizeof(dcgan[0]); s++)
                run_case(d, bes[b], s == 1, s == 2, dcgan[s].m, dcgan[s].n, dcgan[s].k, 1, 1.0f,
                         0.0f);
        }
    }
    return th_finish();
}
