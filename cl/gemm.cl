/*
 * gemm.cl - GEMM kernels of our own: C = alpha * op(A) * op(B) + beta * C, row-major, offsets
 * and leading dimensions in floats, strided batches along the third NDRange dimension (z).
 * beta == 0 never reads C.
 *
 * gemm_naive: work-item (j, i, z) computes C(i, j) of matrix z, any transposes (tb == 2: B
 * packed in panels of 32 columns, element (p, j) at b[((j / 32) * k + p) * 32 + j % 32]; crun
 * > 0: C's columns in runs, as gemm_tile_8x32_pb; arun > 0: A's rows in runs, as gemm_pack_a).
 * The plain, always-correct path, used for tiny shapes.
 *
 * The tiled path works on "rows x cols" of a result R = A' * B' (R is C, or C^T stored
 * transposed; the host picks), with K steps:
 *   gemm_pack_a copies A' into panels of 8 rows: panel ip holds rows 8ip..8ip+7 as K groups of
 *     8 floats, element (i, p) at pa[(ip * K + p) * 8 + i % 8]; rows past the end are zero.
 *     A' element (i, p) is a[i*lda + p] (ta == 0) or a[p*lda + i] (ta == 1).
 *   gemm_tile_8x32 computes 8 x 32 tiles of R: 8 rows of two float16 accumulators each, fed by
 *     one float of the packed A panel and 32 floats of B' per step of K. Each work-item owns q
 *     column panels and a group of row panels and stages its columns of B' in local memory, kc
 *     steps at a time (double-buffered), or reads them in place when it has a single row panel.
 *     B' element (p, j) is b[p*ldb + j] (bt == 0) or b[j*ldb + p] (bt == 1).
 *   gemm_tile_8x32_pb takes B packed in panels of 32 columns instead, read in place.
 *   gemm_tile_16x16_pb, for a packed B of at most 16 columns (where half of an 8 x 32 tile would
 *     be padding), computes 16 x 16 tiles: 16 rows of one float16 accumulator each, fed by 16
 *     floats of A and the 16 used floats of the B panel per step of K, A read in place.
 *     Work-groups must hold one work-item (a CPU device runs each work-group on one thread).
 */
/* Where step p of K of a row of A (ta == 0) is: p, or with runs (arun > 0) p % arun in run
 * p / arun, runs ars floats apart (a convolution's NCHW gradient, K over (image, position)). */
static size_t kat(uint p, uint arun, ulong ars)
{
    return arun ? (size_t)(p / arun) * ars + p % arun : p;
}

kernel void gemm_naive(int ta, int tb, uint m, uint n, uint k, float alpha, global const float *a,
                       ulong a_off, uint lda, global const float *b, ulong b_off, uint ldb,
                       float beta, global float *c, ulong c_off, uint ldc, ulong sa, ulong sb,
                       ulong sc, ulong crun, ulong crun_stride, uint arun, ulong ars)
{
    uint j = get_global_id(0), i = get_global_id(1), z = get_global_id(2);
    if (i >= m || j >= n)
        return;
    a += a_off + z * sa;
    b += b_off + z * sb;
    c += c_off + z * sc;
    float acc = 0.0f;
    for (uint p = 0; p < k; p++) {
        float av = ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + kat(p, arun, ars)];
        float bv = tb == 2 ? b[((size_t)(j / 32) * k + p) * 32 + j % 32]
                   : tb    ? b[(size_t)j * ldb + p]
                           : b[(size_t)p * ldb + j];
        acc = fma(av, bv, acc);
    }
    global float *e =
        crun ? c + (j / crun) * crun_stride + (size_t)i * ldc + j % crun : c + (size_t)i * ldc + j;
    float prev = beta == 0.0f ? 0.0f : beta * *e;
    *e = alpha * acc + prev;
}

/* Transpose the 8 x 8 block held in r0..r7 (row i in ri) in place. */
#define TRANSPOSE8(r0, r1, r2, r3, r4, r5, r6, r7)                                    \
    {                                                                                 \
        float8 t0 = (float8)(r0.s0, r1.s0, r2.s0, r3.s0, r4.s0, r5.s0, r6.s0, r7.s0); \
        float8 t1 = (float8)(r0.s1, r1.s1, r2.s1, r3.s1, r4.s1, r5.s1, r6.s1, r7.s1); \
        float8 t2 = (float8)(r0.s2, r1.s2, r2.s2, r3.s2, r4.s2, r5.s2, r6.s2, r7.s2); \
        float8 t3 = (float8)(r0.s3, r1.s3, r2.s3, r3.s3, r4.s3, r5.s3, r6.s3, r7.s3); \
        float8 t4 = (float8)(r0.s4, r1.s4, r2.s4, r3.s4, r4.s4, r5.s4, r6.s4, r7.s4); \
        float8 t5 = (float8)(r0.s5, r1.s5, r2.s5, r3.s5, r4.s5, r5.s5, r6.s5, r7.s5); \
        float8 t6 = (float8)(r0.s6, r1.s6, r2.s6, r3.s6, r4.s6, r5.s6, r6.s6, r7.s6); \
        float8 t7 = (float8)(r0.s7, r1.s7, r2.s7, r3.s7, r4.s7, r5.s7, r6.s7, r7.s7); \
        r0 = t0;                                                                      \
        r1 = t1;                                                                      \
        r2 = t2;                                                                      \
        r3 = t3;                                                                      \
        r4 = t4;                                                                      \
        r5 = t5;                                                                      \
        r6 = t6;                                                                      \
        r7 = t7;                                                                      \
    }

/* Pack steps p0..p1-1 of K of row panel ip of op(A) (m x k) into dst (the panel's start). With
 * runs, arun is a multiple of 8 and p0 too, so that blocks of 8 steps stay inside a run. */
static void pack_panel(int ta, uint m, uint k, const global float *a, uint lda, uint arun,
                       ulong ars, uint ip, uint p0, uint p1, global float *dst)
{
    uint i0 = ip * 8, rows = min(8u, m - i0);
    if (ta && rows == 8) {
        for (uint p = p0; p < p1; p++)
            vstore8(vload8(0, a + (size_t)p * lda + i0), p, dst);
    } else if (ta) {
        for (uint p = p0; p < p1; p++)
            for (uint r = 0; r < 8; r++)
                dst[p * 8 + r] = r < rows ? a[(size_t)p * lda + i0 + r] : 0.0f;
    } else if (rows == 8) {
        /* rows run along K: transpose 8 x 8 blocks */
        const global float *s = a + (size_t)i0 * lda;
        uint p8 = p0 + ((p1 - p0) & ~7u);
        for (uint p = p0; p < p8; p += 8) {
            const global float *b = s + kat(p, arun, ars);
            float8 r0 = vload8(0, b), r1 = vload8(0, b + lda);
            float8 r2 = vload8(0, b + 2 * (size_t)lda);
            float8 r3 = vload8(0, b + 3 * (size_t)lda);
            float8 r4 = vload8(0, b + 4 * (size_t)lda);
            float8 r5 = vload8(0, b + 5 * (size_t)lda);
            float8 r6 = vload8(0, b + 6 * (size_t)lda);
            float8 r7 = vload8(0, b + 7 * (size_t)lda);
            TRANSPOSE8(r0, r1, r2, r3, r4, r5, r6, r7)
            vstore8(r0, p, dst);
            vstore8(r1, p + 1, dst);
            vstore8(r2, p + 2, dst);
            vstore8(r3, p + 3, dst);
            vstore8(r4, p + 4, dst);
            vstore8(r5, p + 5, dst);
            vstore8(r6, p + 6, dst);
            vstore8(r7, p + 7, dst);
        }
        for (uint p = p8; p < p1; p++)
            for (uint r = 0; r < 8; r++)
                dst[p * 8 + r] = s[(size_t)r * lda + kat(p, arun, ars)];
    } else {
        for (uint r = 0; r < 8; r++) {
            const global float *row = a + (size_t)(i0 + min(r, rows - 1)) * lda;
            for (uint p = p0; p < p1; p++)
                dst[p * 8 + r] = r < rows ? row[kat(p, arun, ars)] : 0.0f;
        }
    }
}

/*
 * gemm_pack_a: work-item (pc, ig, z) packs steps pc*pchunk .. pc*pchunk+pchunk-1 of K of the
 * row panels ig*npan .. ig*npan+npan-1 of op(A) of matrix z (several panels per item when K is
 * short, or when rows of A run along M and are best read in long pieces).
 */
kernel void gemm_pack_a(int ta, uint m, uint k, uint pchunk, uint npan, global const float *a,
                        ulong a_off, uint lda, ulong sa, uint arun, ulong ars, global float *pa,
                        ulong pa_off, ulong spa)
{
    uint pc = get_global_id(0), ig = get_global_id(1), z = get_global_id(2);
    uint p0 = pc * pchunk, mp = (m + 7) / 8, ip0 = ig * npan;
    if (p0 >= k || ip0 >= mp)
        return;
    uint p1 = min(k, p0 + pchunk), ip1 = min(mp, ip0 + npan);
    a += a_off + z * sa;
    pa += pa_off + z * spa;
    for (uint ip = ip0; ip < ip1; ip++)
        pack_panel(ta, m, k, a, lda, arun, ars, ip, p0, p1, pa + (size_t)ip * k * 8);
}

/* One row of the tile: alpha * (lo, hi) + beta * C for the columns inside C, which are
 * contiguous when cs == 1 and cs floats apart otherwise; the second 16 start hoff floats after
 * the first (16 * cs, unless C's columns come in runs of 16, as a convolution's output rows of
 * 4 x 4 positions per image). */
static void store_row(global float *crow, ulong cs, ulong hoff, uint ncols, float alpha, float beta,
                      float16 lo, float16 hi)
{
    lo *= alpha;
    hi *= alpha;
    global float *chi = crow + hoff;
    if (ncols == 32 && cs == 1) {
        if (beta != 0.0f) {
            lo = fma((float16)beta, vload16(0, crow), lo);
            hi = fma((float16)beta, vload16(0, chi), hi);
        }
        vstore16(lo, 0, crow);
        vstore16(hi, 0, chi);
        return;
    }
    float t[32];
    vstore16(lo, 0, t);
    vstore16(hi, 1, t);
    for (uint c = 0; c < ncols; c++) {
        global float *e = c < 16 ? crow + c * cs : chi + (c - 16) * cs;
        *e = beta != 0.0f ? fma(beta, *e, t[c]) : t[c];
    }
}

#define ROW_FMA(r)                          \
    {                                       \
        float16 av = (float16)ap[r];        \
        acc##r##a = fma(av, b0, acc##r##a); \
        acc##r##b = fma(av, b1, acc##r##b); \
    }

/* Row i of 16 floats of a B panel: vload16 at any address, or (B_AL) one aligned vector load
 * where the caller has checked that every row starts on 64 bytes. A compiler cannot know that
 * from vload16, and on AVX-512 builds the first of the two loads of a step from pieces (three
 * shuffles in the FMA ports' way: the aligned form makes the step's loop 10% faster on PoCL). */
#define B_VL(space, bp, i) vload16(i, bp)
#define B_AL(space, bp, i) (((const space float16 *)(bp))[i])

/* Whether rows of a B panel at b, rows bs floats apart, all start on 64 bytes. */
#define ROWS_ALIGNED(b, bs) ((((size_t)(b)) & 63) == 0 && (bs) % 16 == 0)

/* tile(...), or its aligned copy tile_al(...) when al. Mesa's compilers (CLGAN_NO_WIDE_TILES,
 * see the prelude) take minutes and gigabytes over these kernels' float16 code and inline every
 * call before removing dead code, so there the aligned copy is neither called nor defined: they
 * compile the one tile they compiled before it existed. */
#if CLGAN_NO_WIDE_TILES
#define TILE_PICK(al, tile, ...) tile(__VA_ARGS__)
#else
#define TILE_PICK(al, tile, ...)    \
    do {                            \
        if (al)                     \
            tile##_al(__VA_ARGS__); \
        else                        \
            tile(__VA_ARGS__);      \
    } while (0)
#endif

/*
 * One 8 x 32 tile over kl steps of K: A from a packed panel (8 floats per step), B from a panel
 * of the given address space whose rows are bs floats apart, each row read with LOADB (B_VL or
 * B_AL); then alpha/beta into C (rows crs apart, columns ccs).
 */
#define TILE_8X32(name, space, LOADB)                                                   \
    static void name(const global float *ap, const space float *bp, ulong bs, uint kl,  \
                     float alpha, float beta, global float *crow, ulong crs, ulong ccs, \
                     ulong hoff, uint nrows, uint ncols)                                \
    {                                                                                   \
        float16 acc0a = 0.0f, acc0b = 0.0f, acc1a = 0.0f, acc1b = 0.0f, acc2a = 0.0f;   \
        float16 acc2b = 0.0f, acc3a = 0.0f, acc3b = 0.0f, acc4a = 0.0f, acc4b = 0.0f;   \
        float16 acc5a = 0.0f, acc5b = 0.0f, acc6a = 0.0f, acc6b = 0.0f, acc7a = 0.0f;   \
        float16 acc7b = 0.0f;                                                           \
        for (uint p = 0; p < kl; p++) {                                                 \
            float16 b0 = LOADB(space, bp, 0), b1 = LOADB(space, bp, 1);                 \
            ROW_FMA(0)                                                                  \
            ROW_FMA(1)                                                                  \
            ROW_FMA(2)                                                                  \
            ROW_FMA(3)                                                                  \
            ROW_FMA(4)                                                                  \
            ROW_FMA(5)                                                                  \
            ROW_FMA(6)                                                                  \
            ROW_FMA(7)                                                                  \
            ap += 8;                                                                    \
            bp += bs;                                                                   \
        }                                                                               \
        store_row(crow, ccs, hoff, ncols, alpha, beta, acc0a, acc0b);                   \
        if (nrows > 1)                                                                  \
            store_row(crow + crs, ccs, hoff, ncols, alpha, beta, acc1a, acc1b);         \
        if (nrows > 2)                                                                  \
            store_row(crow + 2 * crs, ccs, hoff, ncols, alpha, beta, acc2a, acc2b);     \
        if (nrows > 3)                                                                  \
            store_row(crow + 3 * crs, ccs, hoff, ncols, alpha, beta, acc3a, acc3b);     \
        if (nrows > 4)                                                                  \
            store_row(crow + 4 * crs, ccs, hoff, ncols, alpha, beta, acc4a, acc4b);     \
        if (nrows > 5)                                                                  \
            store_row(crow + 5 * crs, ccs, hoff, ncols, alpha, beta, acc5a, acc5b);     \
        if (nrows > 6)                                                                  \
            store_row(crow + 6 * crs, ccs, hoff, ncols, alpha, beta, acc6a, acc6b);     \
        if (nrows > 7)                                                                  \
            store_row(crow + 7 * crs, ccs, hoff, ncols, alpha, beta, acc7a, acc7b);     \
    }

TILE_8X32(tile_8x32, local, B_VL)
TILE_8X32(tile_8x32_global, global, B_VL)
#if !CLGAN_NO_WIDE_TILES
TILE_8X32(tile_8x32_al, local, B_AL)
TILE_8X32(tile_8x32_global_al, global, B_AL)
#endif

/*
 * gemm_tile_8x32_pb: B packed in panels of 32 columns (element (p, j) at
 * ((j / 32) * k + p) * 32 + j % 32, see gemm_naive), read in place and in order. Work-item
 * (jg, ig, z) owns column panels jg*q .. jg*q+q-1 and row panels ig*group .. ig*group+group-1,
 * and goes through K in chunks of kc steps, each chunk over all its tiles (chunks after the
 * first add to C), so that the chunk of a B panel stays in the cache across the row panels.
 * With crun > 0, C's columns come in runs of crun (16 or a multiple of 32) crun_stride apart:
 * element (i, j) at c[(j / crun) * crun_stride + i * ldc + j % crun], e.g. a convolution's
 * NCHW output with columns over (image, position).
 */
kernel void gemm_tile_8x32_pb(uint m, uint n, uint k, uint kc, uint q, uint group, float alpha,
                              global const float *pa, ulong pa_off, ulong spa,
                              global const float *b, ulong b_off, ulong sb, float beta,
                              global float *c, ulong c_off, ulong sc, ulong ldc, ulong crun,
                              ulong crun_stride)
{
    uint jg = get_global_id(0), ig = get_global_id(1), z = get_global_id(2);
    uint mp = (m + 7) / 8, np = (n + 31) / 32;
    uint ip0 = ig * group, jp0 = jg * q;
    if (ip0 >= mp || jp0 >= np)
        return;
    uint ip1 = min(mp, ip0 + group), jp1 = min(np, jp0 + q);
    pa += pa_off + z * spa;
    b += b_off + z * sb;
    c += c_off + z * sc;
    /* columns in runs of crun (16 or a multiple of 32) crun_stride apart, or plain rows */
    ulong hoff = crun == 16 ? crun_stride : 16;
    /* panels start 32 * k floats apart, their rows 32 floats apart */
    int bal = ROWS_ALIGNED(b, 32);
    for (uint p0 = 0; p0 < k; p0 += kc) {
        uint kl = min(kc, k - p0);
        float bet = p0 == 0 ? beta : 1.0f;
        for (uint jp = jp0; jp < jp1; jp++) {
            uint j0 = jp * 32;
            global float *cj = crun ? c + (j0 / crun) * crun_stride + j0 % crun : c + j0;
            for (uint ip = ip0; ip < ip1; ip++) {
                uint i0 = ip * 8;
                TILE_PICK(bal, tile_8x32_global, pa + ((size_t)ip * k + p0) * 8,
                          b + ((size_t)jp * k + p0) * 32, 32, kl, alpha, bet, cj + i0 * ldc, ldc, 1,
                          hoff, min(8u, m - i0), min(32u, n - j0));
            }
        }
    }
}

/* One row of a 16-column tile: alpha * acc + beta * C for the ncols (<= 16) columns inside C,
 * which are contiguous. */
static void store_row16(global float *crow, uint ncols, float alpha, float beta, float16 acc)
{
    acc *= alpha;
    if (ncols == 16) {
        if (beta != 0.0f)
            acc = fma((float16)beta, vload16(0, crow), acc);
        vstore16(acc, 0, crow);
        return;
    }
    float t[16];
    vstore16(acc, 0, t);
    for (uint c = 0; c < ncols; c++)
        crow[c] = beta != 0.0f ? fma(beta, crow[c], t[c]) : t[c];
}

#define A_ROW(r, space) const space float *a##r = a + (size_t)min(r##u, last) * rs
#define FMA16(r)        acc##r = fma((float16)a##r[o], b0, acc##r)
/* four steps of K of row r, the row's address computed once (o: the offset of the first) */
#define FMA16X4(r, space, PS)                            \
    do {                                                 \
        const space float *ar = a##r + o;                \
        acc##r = fma((float16)ar[0], b0, acc##r);        \
        acc##r = fma((float16)ar[PS], b1, acc##r);       \
        acc##r = fma((float16)ar[2 * (PS)], b2, acc##r); \
        acc##r = fma((float16)ar[3 * (PS)], b3, acc##r); \
    } while (0)

/*
 * One 16 x 16 tile over kl steps of K: A element (r, p) at a[r*rs + p*PS] (rows past nrows read
 * the last row again), B from the first 16 columns of a packed panel (rows 32 floats apart);
 * then alpha/beta into the first nrows rows of C (rows crs apart, ncols contiguous columns).
 * Four steps at a time, so that each row's address is formed once per four multiply-adds
 * (sixteen row addresses do not fit in a CPU's general registers).
 */
#define TILE_16X16(name, space, PS)                                                             \
    static void name(const space float *a, ulong rs, ulong ps, const global float *bp, uint kl, \
                     float alpha, float beta, global float *crow, ulong crs, uint nrows,        \
                     uint ncols)                                                                \
    {                                                                                           \
        uint last = nrows - 1;                                                                  \
        A_ROW(0, space);                                                                        \
        A_ROW(1, space);                                                                        \
        A_ROW(2, space);                                                                        \
        A_ROW(3, space);                                                                        \
        A_ROW(4, space);                                                                        \
        A_ROW(5, space);                                                                        \
        A_ROW(6, space);                                                                        \
        A_ROW(7, space);                                                                        \
        A_ROW(8, space);                                                                        \
        A_ROW(9, space);                                                                        \
        A_ROW(10, space);                                                                       \
        A_ROW(11, space);                                                                       \
        A_ROW(12, space);                                                                       \
        A_ROW(13, space);                                                                       \
        A_ROW(14, space);                                                                       \
        A_ROW(15, space);                                                                       \
        float16 acc0 = 0.0f, acc1 = 0.0f, acc2 = 0.0f, acc3 = 0.0f, acc4 = 0.0f, acc5 = 0.0f;   \
        float16 acc6 = 0.0f, acc7 = 0.0f, acc8 = 0.0f, acc9 = 0.0f, acc10 = 0.0f;               \
        float16 acc11 = 0.0f, acc12 = 0.0f, acc13 = 0.0f, acc14 = 0.0f, acc15 = 0.0f;           \
        uint p = 0;                                                                             \
        for (; p + 4 <= kl; p += 4) {                                                           \
            float16 b0 = vload16(0, bp + (size_t)p * 32);                                       \
            float16 b1 = vload16(0, bp + (size_t)p * 32 + 32);                                  \
            float16 b2 = vload16(0, bp + (size_t)p * 32 + 64);                                  \
            float16 b3 = vload16(0, bp + (size_t)p * 32 + 96);                                  \
            size_t o = (size_t)p * (PS);                                                        \
            FMA16X4(0, space, PS);                                                              \
            FMA16X4(1, space, PS);                                                              \
            FMA16X4(2, space, PS);                                                              \
            FMA16X4(3, space, PS);                                                              \
            FMA16X4(4, space, PS);                                                              \
            FMA16X4(5, space, PS);                                                              \
            FMA16X4(6, space, PS);                                                              \
            FMA16X4(7, space, PS);                                                              \
            FMA16X4(8, space, PS);                                                              \
            FMA16X4(9, space, PS);                                                              \
            FMA16X4(10, space, PS);                                                             \
            FMA16X4(11, space, PS);                                                             \
            FMA16X4(12, space, PS);                                                             \
            FMA16X4(13, space, PS);                                                             \
            FMA16X4(14, space, PS);                                                             \
            FMA16X4(15, space, PS);                                                             \
        }                                                                                       \
        for (; p < kl; p++) {                                                                   \
            size_t o = (size_t)p * (PS);                                                        \
            float16 b0 = vload16(0, bp + (size_t)p * 32);                                       \
            FMA16(0);                                                                           \
            FMA16(1);                                                                           \
            FMA16(2);                                                                           \
            FMA16(3);                                                                           \
            FMA16(4);                                                                           \
            FMA16(5);                                                                           \
            FMA16(6);                                                                           \
            FMA16(7);                                                                           \
            FMA16(8);                                                                           \
            FMA16(9);                                                                           \
            FMA16(10);                                                                          \
            FMA16(11);                                                                          \
            FMA16(12);                                                                          \
            FMA16(13);                                                                          \
            FMA16(14);                                                                          \
            FMA16(15);                                                                          \
        }                                                                                       \
        float16 accs[16] = {acc0, acc1, acc2,  acc3,  acc4,  acc5,  acc6,  acc7,                \
                            acc8, acc9, acc10, acc11, acc12, acc13, acc14, acc15};              \
        for (uint r = 0; r < nrows; r++)                                                        \
            store_row16(crow + r * crs, ncols, alpha, beta, accs[r]);                           \
    }

TILE_16X16(tile_16x16_rows, global, 1)
TILE_16X16(tile_16x16_local, local, 1)
TILE_16X16(tile_16x16_cols, global, ps)

/*
 * gemm_tile_16x16_pb: the packed-B product for n <= 16, where half of an 8 x 32 tile would be
 * padding: 16 x 16 tiles against the 16 used columns of the single B panel (rows 32 floats
 * apart), A read in place (no packing: each row of A is used by one tile only). Element (i, p)
 * of op(A) is a[i*lda + p] (ta == 0, with runs as gemm_naive's arun) or a[p*lda + i] (ta == 1).
 * Work-item (0, ig, z) owns the row tiles ig*group .. ig*group+group-1 and goes through K in
 * chunks of at most kc steps (inside one run) over all of them. C's columns are contiguous: the
 * first 16 lie within the first run when crun > 0, so element (i, j) is c[i*ldc + j].
 */
kernel void gemm_tile_16x16_pb(uint m, uint n, uint k, uint kc, uint group, float alpha, int ta,
                               global const float *a, ulong a_off, uint lda, ulong sa, uint arun,
                               ulong ars, global const float *b, ulong b_off, ulong sb, float beta,
                               global float *c, ulong c_off, ulong sc, ulong ldc, int stage,
                               local float *al)
{
    uint ig = get_global_id(1), z = get_global_id(2);
    uint mt = (m + 15) / 16, it0 = ig * group;
    if (it0 >= mt || get_global_id(0) > 0)
        return;
    uint it1 = min(mt, it0 + group);
    a += a_off + z * sa;
    b += b_off + z * sb;
    c += c_off + z * sc;
    for (uint p0 = 0, kl; p0 < k; p0 += kl) {
        kl = min(kc, k - p0);
        if (arun)
            kl = min(kl, arun - p0 % arun);
        float bet = p0 == 0 ? beta : 1.0f;
        const global float *ac = ta ? a + (size_t)p0 * lda : a + kat(p0, arun, ars);
        for (uint it = it0; it < it1; it++) {
            uint i0 = it * 16, rows = min(16u, m - i0);
            global float *ct = c + i0 * ldc;
            if (stage) {
                /* rows of A that share cache sets (stage, chosen by the host): copy this chunk
                 * of the tile's rows to local memory, rows kc + 16 floats apart */
                for (uint r = 0; r < rows; r++) {
                    const global float *src = ac + (size_t)(i0 + r) * lda;
                    local float *dst = al + r * (kc + 16);
                    uint p = 0;
                    for (; p + 16 <= kl; p += 16)
                        vstore16(vload16(0, src + p), 0, dst + p);
                    for (; p < kl; p++)
                        dst[p] = src[p];
                }
                tile_16x16_local(al, kc + 16, 1, b + (size_t)p0 * 32, kl, alpha, bet, ct, ldc, rows,
                                 n);
            } else if (ta)
                tile_16x16_cols(ac + i0, 1, lda, b + (size_t)p0 * 32, kl, alpha, bet, ct, ldc, rows,
                                n);
            else
                tile_16x16_rows(ac + (size_t)i0 * lda, lda, 1, b + (size_t)p0 * 32, kl, alpha, bet,
                                ct, ldc, rows, n);
        }
    }
}

/*
 * Copy rows p0..p0+kl-1 of the B panels jp0..jp1-1 into local memory: panel jp - jp0 at
 * bl + (jp - jp0) * kc * 32, as kl rows of 32 floats, zero past column n.
 * bt == 0: element (p, j) at b[p*ldb + j], read row by row across all panels;
 * bt == 1: element (p, j) at b[j*ldb + p], read along p and transposed in blocks of 8 x 8.
 */
static void load_b(const global float *b, uint ldb, int bt, uint n, uint p0, uint kl, uint kc,
                   uint jp0, uint jp1, local float *bl)
{
    uint j0 = jp0 * 32, j1 = min(n, jp1 * 32);
    if (bt == 0) {
        for (uint p = 0; p < kl; p++) {
            const global float *src = b + (size_t)(p0 + p) * ldb;
            for (uint jp = jp0; jp < jp1; jp++) {
                local float *dst = bl + ((jp - jp0) * kc + p) * 32;
                uint j = jp * 32;
                if (j + 32 <= n) {
                    vstore16(vload16(0, src + j), 0, dst);
                    vstore16(vload16(0, src + j + 16), 1, dst);
                } else {
                    for (uint q = 0; q < 32; q++)
                        dst[q] = j + q < n ? src[j + q] : 0.0f;
                }
            }
        }
        return;
    }
    uint kl8 = kl & ~7u;
    for (uint j = j0; j < jp1 * 32; j += 8) {
        local float *dst = bl + ((j / 32 - jp0) * kc) * 32 + j % 32;
        if (j + 8 <= j1) {
            const global float *s = b + (size_t)j * ldb + p0;
            for (uint p = 0; p < kl8; p += 8) {
                float8 r0 = vload8(0, s + p), r1 = vload8(0, s + ldb + p);
                float8 r2 = vload8(0, s + 2 * (size_t)ldb + p);
                float8 r3 = vload8(0, s + 3 * (size_t)ldb + p);
                float8 r4 = vload8(0, s + 4 * (size_t)ldb + p);
                float8 r5 = vload8(0, s + 5 * (size_t)ldb + p);
                float8 r6 = vload8(0, s + 6 * (size_t)ldb + p);
                float8 r7 = vload8(0, s + 7 * (size_t)ldb + p);
                TRANSPOSE8(r0, r1, r2, r3, r4, r5, r6, r7)
                vstore8(r0, 0, dst + p * 32);
                vstore8(r1, 0, dst + (p + 1) * 32);
                vstore8(r2, 0, dst + (p + 2) * 32);
                vstore8(r3, 0, dst + (p + 3) * 32);
                vstore8(r4, 0, dst + (p + 4) * 32);
                vstore8(r5, 0, dst + (p + 5) * 32);
                vstore8(r6, 0, dst + (p + 6) * 32);
                vstore8(r7, 0, dst + (p + 7) * 32);
            }
            for (uint p = kl8; p < kl; p++)
                for (uint q = 0; q < 8; q++)
                    dst[p * 32 + q] = s[(size_t)q * ldb + p];
        } else {
            for (uint q = 0; q < 8; q++) {
                const global float *s = b + (size_t)min(j + q, n - 1) * ldb + p0;
                for (uint p = 0; p < kl; p++)
                    dst[p * 32 + q] = j + q < n ? s[p] : 0.0f;
            }
        }
    }
}

/*
 * gemm_tile_8x32: work-item (jg, ig, z) owns the column panels jg*q .. jg*q+q-1 (32 columns
 * each) and the row panels ig*group .. ig*group+group-1 (8 rows each) of matrix z. For each
 * chunk of kc steps of K it holds its B panels in local memory (bl: two buffers of q * kc * 32
 * floats; the next chunk is copied between the tiles of the current one), and runs each of its
 * tiles over the chunk, A from the panels packed by gemm_pack_a. With direct set (bt == 0, one
 * row panel per item) the panels inside N are read in place over the whole K instead.
 * R element (i, j) is c[i*crs + j*ccs]; chunks after the first add to it.
 */
kernel void gemm_tile_8x32(uint m, uint n, uint k, uint kc, uint q, uint group, float alpha,
                           global const float *pa, ulong pa_off, ulong spa, global const float *b,
                           ulong b_off, ulong sb, uint ldb, int bt, int direct, float beta,
                           global float *c, ulong c_off, ulong sc, ulong crs, ulong ccs,
                           local float *bl)
{
    uint jg = get_global_id(0), ig = get_global_id(1), z = get_global_id(2);
    uint mp = (m + 7) / 8, np = (n + 31) / 32;
    uint ip0 = ig * group, jp0 = jg * q;
    if (ip0 >= mp || jp0 >= np)
        return;
    uint ip1 = min(mp, ip0 + group), jp1 = min(np, jp0 + q);
    pa += pa_off + z * spa;
    b += b_off + z * sb;
    c += c_off + z * sc;
    /* panels 32 floats apart in place (rows ldb apart), 32 * kc in local memory (rows 32) */
    int bal = direct ? ROWS_ALIGNED(b, ldb) : ROWS_ALIGNED(bl, 32);
    if (direct) {
        /* B (bt == 0) read in place for the panels inside N, each tile over the whole K */
        uint jfull = min(jp1, n / 32);
        for (uint jp = jp0; jp < jfull; jp++) {
            uint j0 = jp * 32;
            for (uint ip = ip0; ip < ip1; ip++) {
                uint i0 = ip * 8;
                TILE_PICK(bal, tile_8x32_global, pa + (size_t)ip * k * 8, b + j0, ldb, k, alpha,
                          beta, c + i0 * crs + j0 * ccs, crs, ccs, 16 * ccs, min(8u, m - i0), 32);
            }
        }
        jp0 = max(jp0, jfull);
        if (jp0 >= jp1)
            return;
    }
    /* two buffers: while the tiles of one chunk run, the next chunk is copied in slices
     * between them, so that its memory latency overlaps with arithmetic */
    uint ntiles = (ip1 - ip0) * (jp1 - jp0);
    load_b(b, ldb, bt, n, 0, min(kc, k), kc, jp0, jp1, bl);
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint p0 = 0, buf = 0; p0 < k; p0 += kc, buf ^= 1) {
        uint kl = min(kc, k - p0);
        uint pn = p0 + kc, kn = pn < k ? min(kc, k - pn) : 0;
        uint slice = ((kn + ntiles - 1) / ntiles + 7) & ~7u, done = 0;
        local float *cur = bl + buf * q * kc * 32, *next = bl + (buf ^ 1) * q * kc * 32;
        float bet = p0 == 0 ? beta : 1.0f;
        for (uint jp = jp0; jp < jp1; jp++) {
            uint j0 = jp * 32;
            const local float *bp = cur + (jp - jp0) * kc * 32;
            for (uint ip = ip0; ip < ip1; ip++) {
                if (done < kn) {
                    uint cnt = min(slice, kn - done);
                    load_b(b, ldb, bt, n, pn + done, cnt, kc, jp0, jp1, next + done * 32);
                    done += cnt;
                }
                uint i0 = ip * 8;
                TILE_PICK(bal, tile_8x32, pa + ((size_t)ip * k + p0) * 8, bp, 32, kl, alpha, bet,
                          c + i0 * crs + j0 * ccs, crs, ccs, 16 * ccs, min(8u, m - i0),
                          min(32u, n - j0));
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}
