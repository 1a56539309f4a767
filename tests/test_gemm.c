/* labels: kernel; timeout: 600 */
/*
 * test_gemm.c - GEMM on every device and both backends against the double-accumulating
 * reference: odd shapes, all transposes, offsets, leading dimensions, strided batches, and the
 * dcgan32 shapes (on fast devices). Shapes are chosen to reach every path of the own backend:
 * tiny ones (naive kernel), edge tiles in M and N, K longer than one local-memory chunk (more
 * so on a simulator, whose local memory is small), the transposed orientation (small M, wide
 * N in the tile grid), skinny layer shapes, and beta == 0 over a C full of NaN.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    /* beta == 0 must not read C: start from NaN there (the padding around the matrices stays
     * NaN in both results, which also catches writes outside C) */
    int nan_c = beta == 0.0f;
    snprintf(name, sizeof(name), "gemm_%s(%c%c m=%zu n=%zu k=%zu b=%zu a=%g b=%g)",
             clgan_gemm_backend_str(be), ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, batch,
             (double)alpha, (double)beta);
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
    for (size_t i = 0; i < nc; i++) {
        if (nan_c)
            c[i] = NAN;
        ref[i] = c[i];
    }
    for (size_t z = 0; z < batch; z++)
        clgan_ref_gemm(ta, tb, m, n, k, alpha, a + off + z * sa, lda, b + off + z * sb, ldb, beta,
                       ref + off + z * sc, ldc);
    cl_mem da = th_upload(d, a, na), db = th_upload(d, b, nb), dc = th_upload(d, c, nc);
    struct clgan_gemm_args g = {ta, tb,  m,   n,     k,  alpha, beta, da, off, lda, db, off, ldb,
                                dc, off, ldc, batch, sa, sb,    sc,   0,  0,   0,   0,  0};
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

/*
 * The own backend with op(B) packed in panels of 32 columns (b_packed): the padding columns of
 * the last panel hold NaN, which must not reach C.
 */
static void packed_case_at(struct th_device *d, int ta, size_t m, size_t n, size_t k, size_t batch,
                           float alpha, float beta, size_t boff)
{
    char name[128];
    snprintf(name, sizeof(name),
             "gemm_own_packed_b(%cP m=%zu n=%zu k=%zu b=%zu a=%g b=%g boff=%zu)", ta ? 'T' : 'N', m,
             n, k, batch, (double)alpha, (double)beta, boff);
    if (!th_want(name))
        return;
    size_t lda = (ta ? m : k) + 2, ldc = n + 1, off = 3;
    size_t sa = (ta ? k : m) * lda + 5, sp = clgan_ops_gemm_packed_b_size(k, n) + 9,
           sc = m * ldc + 2;
    if (boff % 16 == 0) /* every panel on 64 bytes: the kernel's aligned loads */
        sp = (sp + 15) / 16 * 16;
    size_t na = off + batch * sa, nb = boff + batch * sp, nc = off + batch * sc;
    float *a = th_rand(na, -1, 1), *b = th_rand(batch * k * n, -1, 1), *c = th_rand(nc, -1, 1);
    float *pb = th_alloc(nb), *ref = th_alloc(nc), *got = th_alloc(nc);
    for (size_t i = 0; i < nb; i++)
        pb[i] = NAN;
    for (size_t z = 0; z < batch; z++)
        for (size_t p = 0; p < k; p++)
            for (size_t j = 0; j < n; j++)
                pb[boff + z * sp + ((j / 32) * k + p) * 32 + j % 32] = b[(z * k + p) * n + j];
    for (size_t i = 0; i < nc; i++) {
        if (beta == 0.0f)
            c[i] = NAN;
        ref[i] = c[i];
    }
    for (size_t z = 0; z < batch; z++)
        clgan_ref_gemm(ta, 0, m, n, k, alpha, a + off + z * sa, lda, b + z * k * n, n, beta,
                       ref + off + z * sc, ldc);
    cl_mem da = th_upload(d, a, na), db = th_upload(d, pb, nb), dc = th_upload(d, c, nc);
    struct clgan_gemm_args g = {ta, 0,   m,   n,     k,  alpha, beta, da, off, lda, db, boff, 0,
                                dc, off, ldc, batch, sa, sp,    sc,   1,  0,   0,   0,  0};
    clgan_status st = clgan_ops_gemm_on(d->ctx, CLGAN_GEMM_OWN, &g);
    if (th_status(st, name, d)) {
        th_download(d, dc, got, nc);
        th_check(name, d, got, ref, nc, 1e-5 * (1 + k / 64.0), 1e-4, 1e-10);
    }
    /* any other backend refuses it */
    st = clgan_ops_gemm_on(d->ctx, CLGAN_GEMM_CLBLAST, &g);
    th_expect(st == CLGAN_STATUS_UNSUPPORTED, "gemm_clblast_packed_b_refused", d, "status %d",
              (int)st);
    th_free_mem(d, da, na);
    th_free_mem(d, db, nb);
    th_free_mem(d, dc, nc);
    free(a);
    free(b);
    free(c);
    free(pb);
    free(ref);
    free(got);
}

/* Packed B at an offset that leaves its panels unaligned, and at one that puts them on 64
 * bytes (the tile kernels load aligned rows then). */
static void packed_case(struct th_device *d, int ta, size_t m, size_t n, size_t k, size_t batch,
                        float alpha, float beta)
{
    packed_case_at(d, ta, m, n, k, batch, alpha, beta, 3);
    packed_case_at(d, ta, m, n, k, batch, alpha, beta, 0);
}

/*
 * Packed B with C in runs of `run` columns (c_run): C(i, j) at (j / run) * rs + i * run +
 * j % run, as a convolution writes NCHW; the floats between runs must stay untouched.
 */
static void runs_case(struct th_device *d, size_t m, size_t n, size_t k, size_t run, float beta)
{
    char name[128];
    snprintf(name, sizeof(name), "gemm_own_packed_b_c_runs(m=%zu n=%zu k=%zu run=%zu b=%g)", m, n,
             k, run, (double)beta);
    if (!th_want(name))
        return;
    size_t rs = m * run + 5, nruns = (n + run - 1) / run, nc = nruns * rs;
    size_t np = clgan_ops_gemm_packed_b_size(k, n);
    float *a = th_rand(m * k, -1, 1), *b = th_rand(k * n, -1, 1), *c = th_rand(nc, -1, 1);
    float *pb = th_alloc(np), *cr = th_alloc(m * n), *ref = th_alloc(nc), *got = th_alloc(nc);
    for (size_t p = 0; p < k; p++)
        for (size_t j = 0; j < n; j++)
            pb[((j / 32) * k + p) * 32 + j % 32] = b[p * n + j];
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            cr[i * n + j] = c[(j / run) * rs + i * run + j % run];
    clgan_ref_gemm(0, 0, m, n, k, 1.0f, a, k, b, n, beta, cr, n);
    for (size_t i = 0; i < nc; i++)
        ref[i] = c[i];
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            ref[(j / run) * rs + i * run + j % run] = cr[i * n + j];
    cl_mem da = th_upload(d, a, m * k), db = th_upload(d, pb, np), dc = th_upload(d, c, nc);
    struct clgan_gemm_args g = {.m = m,
                                .n = n,
                                .k = k,
                                .alpha = 1.0f,
                                .beta = beta,
                                .a = da,
                                .lda = k,
                                .b = db,
                                .c = dc,
                                .ldc = run,
                                .batch = 1,
                                .b_packed = 1,
                                .c_run = run,
                                .c_run_stride = rs};
    clgan_status st = clgan_ops_gemm_on(d->ctx, CLGAN_GEMM_OWN, &g);
    if (th_status(st, name, d)) {
        th_download(d, dc, got, nc);
        th_check(name, d, got, ref, nc, 1e-5 * (1 + k / 64.0), 1e-4, 1e-10);
    }
    /* runs of other lengths are refused */
    g.c_run = 24;
    st = clgan_ops_gemm_on(d->ctx, CLGAN_GEMM_OWN, &g);
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT, "gemm_c_runs_of_24_refused", d, "status %d",
              (int)st);
    th_free_mem(d, da, m * k);
    th_free_mem(d, db, np);
    th_free_mem(d, dc, nc);
    float *fs[] = {a, b, c, pb, cr, ref, got};
    for (size_t i = 0; i < 7; i++)
        free(fs[i]);
}

/*
 * A in runs of `run` steps of K (a_run): A(i, p) at (p / run) * rs + i * run + p % run, as a
 * convolution's NCHW gradient; B plain (tb) or packed. CLBlast refuses it.
 */
static void runs_a_case(struct th_device *d, size_t m, size_t n, size_t k, size_t run, int tb,
                        int packed)
{
    char name[128];
    snprintf(name, sizeof(name), "gemm_own_a_runs(m=%zu n=%zu k=%zu run=%zu %s)", m, n, k, run,
             packed ? "packed B"
             : tb   ? "B^T"
                    : "B");
    if (!th_want(name))
        return;
    size_t rs = m * run + 3, na = ((k + run - 1) / run) * rs;
    size_t np = clgan_ops_gemm_packed_b_size(k, n), nb = packed ? np : k * n;
    float *a = th_rand(na, -1, 1), *b = th_rand(k * n, -1, 1), *ac = th_alloc(m * k);
    float *bd = th_alloc(nb), *ref = th_alloc(m * n), *got = th_alloc(m * n);
    for (size_t i = 0; i < m; i++)
        for (size_t p = 0; p < k; p++)
            ac[i * k + p] = a[(p / run) * rs + i * run + p % run];
    for (size_t p = 0; p < k; p++)
        for (size_t j = 0; j < n; j++) {
            float v = b[p * n + j];
            if (packed)
                bd[((j / 32) * k + p) * 32 + j % 32] = v;
            else if (tb)
                bd[j * k + p] = v;
            else
                bd[p * n + j] = v;
        }
    clgan_ref_gemm(0, 0, m, n, k, 1.0f, ac, k, b, n, 0.0f, ref, n);
    cl_mem da = th_upload(d, a, na), db = th_upload(d, bd, nb), dc = th_upload(d, NULL, m * n);
    struct clgan_gemm_args g = {.tb = tb,
                                .m = m,
                                .n = n,
                                .k = k,
                                .alpha = 1.0f,
                                .a = da,
                                .lda = run,
                                .b = db,
                                .ldb = packed ? 0
                                       : tb   ? k
                                              : n,
                                .c = dc,
                                .ldc = n,
                                .batch = 1,
                                .b_packed = packed,
                                .a_run = run,
                                .a_run_stride = rs};
    clgan_status st = clgan_ops_gemm_on(d->ctx, CLGAN_GEMM_OWN, &g);
    if (th_status(st, name, d)) {
        th_download(d, dc, got, m * n);
        th_check(name, d, got, ref, m * n, 1e-5 * (1 + k / 64.0), 1e-4, 1e-10);
    }
    g.b_packed = 0;
    g.tb = 0;
    g.ldb = n;
    st = clgan_ops_gemm_on(d->ctx, CLGAN_GEMM_CLBLAST, &g);
    th_expect(st == CLGAN_STATUS_UNSUPPORTED, "gemm_clblast_a_runs_refused", d, "status %d",
              (int)st);
    th_free_mem(d, da, na);
    th_free_mem(d, db, nb);
    th_free_mem(d, dc, m * n);
    float *fs[] = {a, b, ac, bd, ref, got};
    for (size_t i = 0; i < 6; i++)
        free(fs[i]);
}

/* A fresh context on d's device with GEMM auto and this cache folder; NULL (and a failure
 * recorded) if it fails. */
static clgan_ctx *auto_ctx(struct th_device *d, const char *name, const char *cache_dir)
{
    char msg[512];
    struct clgan_ctx_params p = clgan_ctx_default_params();
    p.device_index = d->info->index;
    p.cache_dir = cache_dir;
    clgan_ctx *c = NULL;
    if (clgan_ctx_init(&p, &c, msg, sizeof(msg)) != CLGAN_STATUS_OK)
        th_expect(0, name, d, "%s", msg);
    return c;
}

/* Truncate the smallest file of dir (the cached GEMM choice beside the program binaries). */
static int damage_smallest(const char *dir)
{
    DIR *dd = opendir(dir);
    char best[1200] = "";
    long long size = -1;
    struct dirent *e;
    while (dd && (e = readdir(dd))) {
        char path[1200];
        struct stat sb;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (e->d_name[0] != '.' && !stat(path, &sb) && (size < 0 || sb.st_size < size)) {
            size = sb.st_size;
            snprintf(best, sizeof(best), "%s", path);
        }
    }
    if (dd)
        closedir(dd);
    /* cut the end off: the entry's recorded length no longer matches */
    return best[0] && size > 4 && truncate(best, (off_t)(size - 4)) == 0;
}

/*
 * GEMM auto: measured once per device into the disk cache, then read from it; a damaged entry
 * is measured again; with the cache off (and on simulators) the heuristic, unmeasured. No
 * timing is checked, only that a backend is chosen, that it runs, and how.
 */
static void auto_case(struct th_device *d)
{
    const char *name = "gemm_auto";
    if (!th_want(name))
        return;
    char dir[] = "/tmp/clgan-gemm-auto.XXXXXX";
    if (!mkdtemp(dir)) {
        th_expect(0, name, d, "mkdtemp failed");
        return;
    }
    const char *want[] = {"measured own", "measured before", "measured own", "heuristic"};
    for (int round = 0; round < 4; round++) {
        if (round == 2)
            th_expect(damage_smallest(dir), "gemm_auto_damage_entry", d, "no cache entry");
        clgan_ctx *c = auto_ctx(d, name, round == 3 ? "off" : dir);
        if (!c)
            break;
        enum clgan_gemm_backend be = clgan_ctx_gemm_backend(c);
        const char *note = clgan_ctx_gemm_note(c);
        char nm[64];
        snprintf(nm, sizeof(nm), "gemm_auto_round%d", round);
        /* a simulator is never measured */
        const char *w = d->small ? "heuristic" : want[round];
        th_expect((be == CLGAN_GEMM_OWN || be == CLGAN_GEMM_CLBLAST) && strstr(note, w), nm, d,
                  "%s: %s", clgan_gemm_backend_str(be), note);
        /* and the chosen backend runs: [1 2 3; 4 5 6] [1 0; 0 1; 1 1] = [4 5; 10 11] */
        const float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 0, 1, 1, 1},
                    want_c[4] = {4, 5, 10, 11};
        float got[4] = {0, 0, 0, 0};
        clgan_buffer *ba = NULL, *bb = NULL, *bc = NULL;
        clgan_status st = clgan_buffer_init(c, 6, &ba);
        if (st == CLGAN_STATUS_OK)
            st = clgan_buffer_init(c, 6, &bb);
        if (st == CLGAN_STATUS_OK)
            st = clgan_buffer_init(c, 4, &bc);
        if (st == CLGAN_STATUS_OK)
            st = clgan_buffer_write(ba, 0, 6, a);
        if (st == CLGAN_STATUS_OK)
            st = clgan_buffer_write(bb, 0, 6, b);
        if (st == CLGAN_STATUS_OK)
            st = clgan_ops_gemm1(c, 0, 0, 2, 2, 3, 1.0f, ba->mem, 0, 3, bb->mem, 0, 2, 0.0f,
                                 bc->mem, 0, 2);
        if (st == CLGAN_STATUS_OK)
            st = clgan_buffer_read(bc, 0, 4, got);
        snprintf(nm, sizeof(nm), "gemm_auto_round%d_runs", round);
        th_expect(st == CLGAN_STATUS_OK && !memcmp(got, want_c, sizeof(got)), nm, d,
                  "status %d, got %g %g %g %g (%s)", (int)st, (double)got[0], (double)got[1],
                  (double)got[2], (double)got[3], clgan_ctx_last_error(c));
        clgan_buffer_free(ba);
        clgan_buffer_free(bb);
        clgan_buffer_free(bc);
        clgan_ctx_free(c);
    }
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        th_expect(0, name, d, "could not remove %s", dir);
}

/* After clgan_ops_gemm_reserve, a GEMM of that size allocates no device memory. */
static void reserve_case(struct th_device *d, size_t m, size_t n, size_t k, size_t batch)
{
    char name[128];
    snprintf(name, sizeof(name), "gemm_reserve(m=%zu n=%zu k=%zu b=%zu)", m, n, k, batch);
    if (!th_want(name))
        return;
    clgan_status st = clgan_ops_gemm_reserve(d->ctx, m, n, k, batch);
    if (!th_status(st, name, d))
        return;
    size_t na = batch * m * k, nb = batch * k * n, nc = batch * m * n;
    /* defined inputs: only the memory accounting is checked, but a GEMM over unset buffers
     * computes from (and stores) uninitialised values, which Oclgrind rightly reports */
    float *a = th_rand(na, -1, 1), *b = th_rand(nb, -1, 1);
    cl_mem da = th_upload(d, a, na), db = th_upload(d, b, nb), dc = th_upload(d, NULL, nc);
    free(a);
    free(b);
    uint64_t before, after, peak;
    clgan_ctx_memory(d->ctx, &before, &peak);
    for (int t = 0; t < 4 && st == CLGAN_STATUS_OK; t++) {
        int ta = t & 1, tb = t >> 1;
        struct clgan_gemm_args g = {ta,         tb,    m, n,          k,  1.0f, 0.0f, da,    0,
                                    ta ? m : k, db,    0, tb ? k : n, dc, 0,    n,    batch, m * k,
                                    k * n,      m * n, 0, 0,          0,  0,    0};
        st = clgan_ops_gemm_on(d->ctx, CLGAN_GEMM_OWN, &g);
    }
    if (st == CLGAN_STATUS_OK)
        st = clgan_ctx_finish(d->ctx);
    clgan_ctx_memory(d->ctx, &after, &peak);
    if (th_status(st, name, d))
        th_expect(after == before, name, d, "device memory in use %llu -> %llu bytes",
                  (unsigned long long)before, (unsigned long long)after);
    th_free_mem(d, da, na);
    th_free_mem(d, db, nb);
    th_free_mem(d, dc, nc);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    static const struct shape odd[] = {{7, 13, 5},  {1, 1, 1},    {129, 65, 257},
                                       {3, 100, 1}, {64, 1, 300}, {33, 17, 64}};
    /* edge tiles in M and N, several K chunks, alpha and beta */
    static const struct shape edges[] = {{37, 70, 150}, {9, 33, 129}, {40, 8, 50}, {5, 70, 300}};
    static const struct shape dcgan[] = {{128, 4096, 1024},
                                         {256, 1024, 2048},
                                         {2048, 1024, 256},
                                         {1024, 4096, 128},
                                         {128, 1024, 4096}};
    /* skinny GEMMs of dcgan32's first and last layers at batch 64 (ta, tb as the layer) */
    static const struct {
        int ta, tb;
        struct shape s;
    } skinny[] = {{0, 1, {64, 16, 16384}}, {1, 0, {16, 16384, 64}}, {0, 0, {64, 16384, 16}},
                  {0, 0, {1, 64, 4096}},   {1, 0, {4096, 64, 1}},   {0, 1, {1, 4096, 64}},
                  {0, 0, {100, 64, 4096}}, {1, 0, {4096, 64, 100}}, {0, 1, {100, 4096, 64}}};
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
            for (size_t s = 0; s < sizeof(edges) / sizeof(edges[0]); s++)
                for (int t = 0; t < 4; t++)
                    run_case(d, bes[b], t & 1, t >> 1, edges[s].m, edges[s].n, edges[s].k, 1,
                             t & 1 ? 1.0f : -1.5f, t == 3 ? 0.0f : 0.5f);
            run_case(d, bes[b], 0, 1, 9, 11, 6, 3, 0.5f, 1.0f);
            run_case(d, bes[b], 1, 0, 5, 7, 13, 4, -1.0f, 0.25f);
            run_case(d, bes[b], 1, 0, 17, 33, 70, 3, 1.0f, 1.0f);
            run_case(d, bes[b], 0, 1, 20, 45, 40, 5, 2.0f, 0.0f);
            /* large and model-sized GEMMs (up to half a billion multiply-adds each, checked
             * against a double-precision host loop): not on the simulator, nor in a quick run */
            if (d->small || th_quick())
                continue;
            run_case(d, bes[b], 0, 0, 100, 300, 600, 2, 1.0f, 0.5f);
            run_case(d, bes[b], 1, 1, 300, 100, 1000, 1, 1.0f, 0.0f);
            run_case(d, bes[b], 0, 1, 20, 70, 3000, 1, 1.0f, -1.0f);
            for (size_t s = 0; s < sizeof(skinny) / sizeof(skinny[0]); s++)
                run_case(d, bes[b], skinny[s].ta, skinny[s].tb, skinny[s].s.m, skinny[s].s.n,
                         skinny[s].s.k, 1, 1.0f, 0.0f);
            for (size_t s = 0; s < sizeof(dcgan) / sizeof(dcgan[0]); s++)
                run_case(d, bes[b], s == 1, s == 2, dcgan[s].m, dcgan[s].n, dcgan[s].k, 1, 1.0f,
                         0.0f);
        }
        /* packed B: naive and tile paths, edge tiles, batches, beta; dcgan32 shapes */
        packed_case(d, 0, 3, 5, 7, 1, 1.0f, 0.0f);
        packed_case(d, 1, 37, 70, 150, 1, -1.5f, 0.5f);
        packed_case(d, 0, 9, 33, 129, 3, 1.0f, 1.0f);
        packed_case(d, 1, 40, 8, 50, 2, 0.5f, 0.0f);
        /* at most 16 columns (16 x 16 tiles, A in place): partial row tiles, K over chunks */
        packed_case(d, 0, 37, 16, 600, 1, 1.0f, 0.5f);
        packed_case(d, 1, 21, 13, 140, 2, -1.0f, 1.0f);
        packed_case(d, 0, 8, 5, 1030, 3, 2.0f, 0.0f);
        if (!d->small && !th_quick()) {
            packed_case(d, 0, 128, 4096, 1024, 1, 1.0f, 0.0f);
            packed_case(d, 0, 128, 1024, 4096, 1, 1.0f, 1.0f);
            packed_case(d, 1, 1024, 4096, 128, 1, 1.0f, 0.0f);
        }
        /* C in runs: 16 (two images a tile), 64; edge tiles; tiny (naive kernel) */
        runs_case(d, 37, 80, 150, 16, 0.0f);
        runs_case(d, 9, 160, 70, 64, 0.5f);
        runs_case(d, 3, 48, 5, 16, 1.0f);
        runs_case(d, 19, 16, 300, 16, 0.5f);
        /* A in runs: naive, tiled (copied B, transposed B), packed B; K over several chunks */
        runs_a_case(d, 3, 5, 16, 8, 0, 0);
        runs_a_case(d, 37, 70, 160, 16, 0, 0);
        runs_a_case(d, 20, 45, 320, 64, 1, 0);
        runs_a_case(d, 64, 40, 512, 16, 1, 1);
        runs_a_case(d, 37, 10, 600, 64, 0, 1);
        runs_a_case(d, 20, 16, 1100, 1024, 0, 1); /* rows 4 KiB apart: staged */
        reserve_case(d, 70, 90, 300, 2);
        auto_case(d);
    }
    return th_finish();
}
