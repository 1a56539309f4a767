/*
 * gemm_own.c - the GEMM backend of our own (kernels in cl/gemm.cl), fast on CPU devices.
 *
 * Above a few thousand multiply-adds a GEMM takes two launches: gemm_pack_a copies one operand
 * (the "A side") into panels of 8 rows in a workspace kept in ctx->gemm_state, then
 * gemm_tile_8x32 computes 8 x 32 tiles of the result in registers, each work-item staging its
 * columns of the other operand (the "B side") in local memory chunk by chunk. The result is C,
 * or C^T = op(B)^T op(A)^T when that orientation pads the tile grid less. How many tiles each
 * work-item takes comes from a small cost model (choose_blocking). With op(B) packed by the caller
 * (b_packed) the tiles read it in place: gemm_tile_8x32_pb, or for at most 16 columns
 * gemm_tile_16x16_pb, 16 x 16 tiles with A read in place too (no packing launch). Tiny shapes
 * take gemm_naive, which is also the plain reference kernel.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "ops/gemm.h"

#define MR         8   /* rows of a tile and of an A panel */
#define NR         32  /* columns of a tile and of a B panel */
#define PACK_CHUNK 256 /* steps of K one packing work-item copies */

/* The packing workspace, grown to the largest shape seen or reserved. */
struct own_state {
    cl_mem ws;
    size_t bytes;
};

static void state_free(clgan_ctx *ctx)
{
    struct own_state *s = ctx->gemm_state;
    if (s && s->ws)
        clgan_rt_release(ctx, s->ws, s->bytes);
    free(s);
    ctx->gemm_state = NULL;
    ctx->gemm_state_free = NULL;
}

/* Make the workspace at least bytes large. */
static clgan_status ensure_ws(clgan_ctx *ctx, size_t bytes)
{
    struct own_state *s = ctx->gemm_state;
    if (!s) {
        s = calloc(1, sizeof(*s));
        if (!s)
            return clgan_rt_fail(ctx, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "gemm: no host memory");
        ctx->gemm_state = s;
        ctx->gemm_state_free = state_free;
    }
    if (s->bytes >= bytes)
        return CLGAN_STATUS_OK;
    if (s->ws)
        clgan_rt_release(ctx, s->ws, s->bytes);
    s->ws = NULL;
    s->bytes = 0;
    clgan_status st = clgan_rt_alloc(ctx, bytes, "gemm packing workspace", &s->ws);
    if (st == CLGAN_STATUS_OK)
        s->bytes = bytes;
    return st;
}

/*
 * Whether the packed kernels run this shape. Below about 32^3 multiply-adds both paths cost a
 * few microseconds of launch latency (measured on PoCL), and the single launch of the naive
 * kernel wins; k == 0 (C = beta C) goes there too.
 */
static int use_packed(size_t m, size_t n, size_t k)
{
    return k > 0 && (double)m * (double)n * (double)k >= 32768.0;
}

/* One operand of the tile kernel: its source matrix and how it is laid out there. */
struct side {
    cl_mem mem;
    size_t off, ld, stride;
    size_t run, run_stride; /* A side only: rows in runs (gemm.h a_run) */
    int t; /* A side: element (i, p) at i*ld + p (0) or p*ld + i (1); B side: (p, j) at
              p*ld + j (0) or j*ld + p (1) */
};

/*
 * How a GEMM runs on the tile kernel: rows x cols of the result, computed either as C or, when
 * swap is set, as C^T = op(B)^T op(A)^T (stored transposed).
 */
struct plan {
    int swap;
    size_t rows, cols, k;
    struct side a, b;
};

static size_t round_up(size_t a, size_t b)
{
    return (a + b - 1) / b * b;
}

static void make_plan(const struct clgan_gemm_args *g, struct plan *pl)
{
    int ta = g->ta, tb = g->tb;
    /* the transposed orientation only when it pads the tile grid less: its stores are
     * scattered and its B side needs transposing */
    size_t w0 = round_up(g->m, MR) * round_up(g->n, NR);
    size_t w1 = round_up(g->n, MR) * round_up(g->m, NR);
    pl->swap = w1 < w0 && !g->a_run; /* runs are read on the A side only */
    pl->k = g->k;
    struct side a = {g->a, g->a_off, g->lda, g->stride_a, g->a_run, g->a_run_stride, ta};
    struct side b = {g->b, g->b_off, g->ldb, g->stride_b, 0, 0, tb};
    if (pl->swap) {
        pl->rows = g->n;
        pl->cols = g->m;
        /* op(B)^T(i, p) = op(B)(p, i); op(A)^T(p, j) = op(A)(j, p) */
        pl->a = b;
        pl->a.t = !tb;
        pl->b = a;
        pl->b.t = !ta;
    } else {
        pl->rows = g->m;
        pl->cols = g->n;
        pl->a = a;
        pl->b = b;
    }
}

/* Floats of workspace per matrix: the A side in panels of MR rows. */
static size_t plan_ws(const struct plan *pl)
{
    return round_up(pl->rows, MR) * pl->k;
}

/* Bytes of workspace for batch matrices, 0 on overflow. */
static size_t ws_bytes(const struct plan *pl, size_t batch)
{
    size_t per, all;
    if (!clgan_mul_ok(plan_ws(pl), batch, &per) || !clgan_mul_ok(per, sizeof(float), &all))
        return 0;
    return all;
}

clgan_status clgan_ops_gemm_reserve(clgan_ctx *ctx, size_t m, size_t n, size_t k, size_t batch)
{
    if (!use_packed(m, n, k))
        return CLGAN_STATUS_OK;
    size_t most = 0;
    for (int t = 0; t < 4; t++) {
        struct clgan_gemm_args g = {.ta = t & 1, .tb = t >> 1, .m = m, .n = n, .k = k};
        struct plan pl;
        make_plan(&g, &pl);
        size_t bytes = ws_bytes(&pl, batch ? batch : 1);
        if (!bytes)
            return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                                 "gemm: workspace size overflows (m=%zu n=%zu k=%zu batch=%zu)", m,
                                 n, k, batch);
        most = bytes > most ? bytes : most;
    }
    return ensure_ws(ctx, most);
}

static clgan_status gemm_naive(clgan_ctx *ctx, const struct clgan_gemm_args *g)
{
    size_t gs[3] = {g->n, g->m, g->batch};
    size_t ls[3] = {8, 8, 1};
    double flops = 2.0 * (double)g->m * (double)g->n * (double)g->k * (double)g->batch;
    return clgan_rt_launch(
        ctx, CLGAN_K(gemm_naive), 3, gs, ls, flops, "iiuuufmlumlufmlulllllul", g->ta,
        g->b_packed ? 2 : g->tb, (unsigned)g->m, (unsigned)g->n, (unsigned)g->k, (double)g->alpha,
        g->a, (uint64_t)g->a_off, (unsigned)g->lda, g->b, (uint64_t)g->b_off, (unsigned)g->ldb,
        (double)g->beta, g->c, (uint64_t)g->c_off, (unsigned)g->ldc, (uint64_t)g->stride_a,
        (uint64_t)g->stride_b, (uint64_t)g->stride_c, (uint64_t)g->c_run, (uint64_t)g->c_run_stride,
        (unsigned)g->a_run, (uint64_t)g->a_run_stride);
}

/* How the tile kernel splits the work: kc rows of K per local chunk, q column panels and group
 * row panels per work-item. */
struct blocking {
    size_t kc, q, group;
    int direct; /* B read in place (tiles over the whole K), not copied to local memory */
};

/*
 * Pick q, group and direct by a rough cost model in cycles of one thread (constants measured on
 * PoCL): each work-item computes group * q tiles (8 cycles per step of K, plus stores per chunk)
 * and copies q panels of B into local memory (cheaper per float when q panels make long rows,
 * dearer when transposing), or with one row panel reads them in place; the work-items run in
 * rounds over the compute units. Splitting the rows makes B be copied once per group; fewer
 * panels per item make shorter reads of B.
 */
static void choose_blocking(const clgan_ctx *ctx, const struct plan *pl, size_t batch,
                            struct blocking *bk)
{
    size_t k = pl->k, mp = round_up(pl->rows, MR) / MR, np = round_up(pl->cols, NR) / NR;
    size_t cu = ctx->info.compute_units ? ctx->info.compute_units : 1;
    /* two buffers of kc x q x 32 floats in a quarter of local memory, at most 2 x 128 KiB */
    size_t budget = ctx->info.local_mem / 4 < 128 * 1024 ? ctx->info.local_mem / 4 : 128 * 1024;
    size_t kc = k < 256 ? k : 256;
    if (kc * NR * sizeof(float) > budget)
        kc = budget / (NR * sizeof(float)) & ~(size_t)7;
    kc = kc ? kc : 1;
    size_t qmax = budget / (kc * NR * sizeof(float));
    qmax = qmax < 1 ? 1 : qmax > np ? np : qmax;
    size_t nchunks = (k + kc - 1) / kc;
    double best = 0;
    bk->kc = kc;
    bk->q = 1;
    bk->group = mp;
    bk->direct = 0;
    for (size_t q = 1;; q = q * 2 > qmax ? qmax : q * 2) {
        size_t ncg = (np + q - 1) / q;
        /* more than 8 row groups per compute unit never pays; one panel per group may (when
         * B is then read in place) */
        size_t ngmax = 8 * cu < mp ? 8 * cu : mp;
        for (size_t ng = 1; ng <= mp; ng = ng < ngmax ? ng + 1 : ng == mp ? mp + 1 : mp) {
            size_t group = (mp + ng - 1) / ng;
            if (ng > 1 && (mp + group - 1) / group != ng)
                continue; /* same groups as a smaller ng */
            double items = (double)(ncg * ng * batch);
            double rounds = ceil(items / (double)cu);
            double tiles = (double)(group * q) * ((double)k * 8 + 100.0 * (double)nchunks);
            double copy = (double)(q * NR * k) * ((pl->b.t ? 1.0 : 0.5) + 1.0 / (double)q);
            double t = rounds * (tiles + copy + 2000.0);
            if (best == 0 || t < best) {
                best = t;
                bk->q = q;
                bk->group = group;
                bk->direct = 0;
            }
            /* with one row panel per item a copy of B is never reused: read it in place */
            double td = rounds * (tiles + (double)(q * NR * k) * 0.5 + 2000.0);
            if (group == 1 && !pl->b.t && td < best) {
                best = td;
                bk->q = q;
                bk->group = group;
                bk->direct = 1;
            }
        }
        if (q == qmax)
            break;
    }
}

/* gemm_pack_a: the A side of batch matrices into panels of MR rows in the workspace (which the
 * caller made large enough). */
static clgan_status pack_a(clgan_ctx *ctx, const struct plan *pl, size_t batch)
{
    cl_mem ws = ((struct own_state *)ctx->gemm_state)->ws;
    size_t k = pl->k, mp = round_up(pl->rows, MR) / MR;
    const struct side *a = &pl->a;
    /* packing work-items move about 2048 floats: 256 steps of K of one panel, or several
     * panels when K is shorter; when A's rows run along M, 32 panels (1 KiB of each row) */
    size_t pchunk = k < PACK_CHUNK ? k : PACK_CHUNK, npan = PACK_CHUNK / pchunk;
    if (a->t) {
        npan = 32;
        pchunk = k < 8 ? k : 8;
    }
    size_t gsa[3] = {(k + pchunk - 1) / pchunk, (mp + npan - 1) / npan, batch};
    size_t lsa[3] = {1, 1, 1};
    return clgan_rt_launch(ctx, CLGAN_K(gemm_pack_a), 3, gsa, lsa, 0, "iuuuumlululmll", a->t,
                           (unsigned)pl->rows, (unsigned)k, (unsigned)pchunk, (unsigned)npan,
                           a->mem, (uint64_t)a->off, (unsigned)a->ld, (uint64_t)a->stride,
                           (unsigned)a->run, (uint64_t)a->run_stride, ws, (uint64_t)0,
                           (uint64_t)plan_ws(pl));
}

static clgan_status gemm_tiled(clgan_ctx *ctx, const struct clgan_gemm_args *g,
                               const struct plan *pl)
{
    size_t bytes = ws_bytes(pl, g->batch);
    if (!bytes)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "gemm: workspace size overflows (m=%zu n=%zu k=%zu batch=%zu)", g->m,
                             g->n, g->k, g->batch);
    clgan_status st = ensure_ws(ctx, bytes);
    if (st != CLGAN_STATUS_OK)
        return st;
    st = pack_a(ctx, pl, g->batch);
    if (st != CLGAN_STATUS_OK)
        return st;
    cl_mem ws = ((struct own_state *)ctx->gemm_state)->ws;
    size_t k = pl->k, mp = round_up(pl->rows, MR) / MR, np = round_up(pl->cols, NR) / NR;
    const struct side *b = &pl->b;
    size_t spa = plan_ws(pl);
    struct blocking bk;
    choose_blocking(ctx, pl, g->batch, &bk);
    size_t ncg = (np + bk.q - 1) / bk.q, ngroups = (mp + bk.group - 1) / bk.group;
    size_t crs = pl->swap ? 1 : g->ldc, ccs = pl->swap ? g->ldc : 1;
    size_t gs[3] = {ncg, ngroups, g->batch}, ls[3] = {1, 1, 1};
    double flops = 2.0 * (double)g->m * (double)g->n * (double)g->k * (double)g->batch;
    return clgan_rt_launch(ctx, CLGAN_K(gemm_tile_8x32), 3, gs, ls, flops,
                           "uuuuuufmllmlluiifmllllL", (unsigned)pl->rows, (unsigned)pl->cols,
                           (unsigned)k, (unsigned)bk.kc, (unsigned)bk.q, (unsigned)bk.group,
                           (double)g->alpha, ws, (uint64_t)0, (uint64_t)spa, b->mem,
                           (uint64_t)b->off, (uint64_t)b->stride, (unsigned)b->ld, b->t, bk.direct,
                           (double)g->beta, g->c, (uint64_t)g->c_off, (uint64_t)g->stride_c,
                           (uint64_t)crs, (uint64_t)ccs, 2 * bk.kc * bk.q * NR * sizeof(float));
}

/*
 * Packed B with at most 16 columns: gemm_tile_16x16_pb computes 16 x 16 tiles, A read in place
 * (each row of A meets the single B panel once, so packing it would only add a pass over A).
 * One work-item per compute unit (or per matrix when the batch fills them), each with a group
 * of row tiles over which it goes through K in chunks of 512 steps, so that the chunk of B stays
 * in the cache and B is read from memory once per item. Rows of A a multiple of 4 KiB apart
 * (as a plain 64 x 16384 A) all map to one set of the L1 cache and evict each other; then each
 * chunk (128 steps, so that it and its piece of B stay in L1) of a tile's rows is copied to local
 * memory first (measured on PoCL: about 140 instead of 105-125 GFLOP per CPU second; 170 with
 * rows not so aligned, read in place).
 */
static clgan_status gemm_narrow_b(clgan_ctx *ctx, const struct clgan_gemm_args *g)
{
    size_t mt = (g->m + 15) / 16, ng = 1, kc = 512;
    size_t cu = ctx->info.compute_units ? ctx->info.compute_units : 1;
    while (ng * g->batch < cu && ng < mt)
        ng++;
    size_t group = (mt + ng - 1) / ng;
    /* rows of A a multiple of 4 KiB apart share one set of a CPU's L1 cache: stage them */
    int stage = !g->ta && g->lda % 1024 == 0;
    if (stage)
        kc = 128;
    size_t gs[3] = {1, (mt + group - 1) / group, g->batch}, ls[3] = {1, 1, 1};
    double flops = 2.0 * (double)g->m * (double)g->n * (double)g->k * (double)g->batch;
    return clgan_rt_launch(
        ctx, CLGAN_K(gemm_tile_16x16_pb), 3, gs, ls, flops, "uuuuufimlululmllfmllliL",
        (unsigned)g->m, (unsigned)g->n, (unsigned)g->k, (unsigned)kc, (unsigned)group,
        (double)g->alpha, g->ta, g->a, (uint64_t)g->a_off, (unsigned)g->lda, (uint64_t)g->stride_a,
        (unsigned)g->a_run, (uint64_t)g->a_run_stride, g->b, (uint64_t)g->b_off,
        (uint64_t)g->stride_b, (double)g->beta, g->c, (uint64_t)g->c_off, (uint64_t)g->stride_c,
        (uint64_t)g->ldc, stage, stage ? 16 * (kc + 16) * sizeof(float) : sizeof(float));
}

/*
 * Packed B: each work-item takes one B panel (no copy, so nothing to amortise) and as many row
 * panels as keep at least 8 work-items per compute unit; all of them when the column panels
 * alone are that many, so that a B panel is read from memory once. K goes in chunks of 512
 * steps over all the item's row panels, so that the chunk of B stays in the cache while the
 * chunks of A stream past it (measured within noise of whole-K tiles on PoCL, kept for larger
 * K than dcgan32's).
 */
static clgan_status gemm_packed_b(clgan_ctx *ctx, const struct clgan_gemm_args *g)
{
    struct plan pl = {.swap = 0, .rows = g->m, .cols = g->n, .k = g->k};
    pl.a = (struct side){g->a, g->a_off, g->lda, g->stride_a, g->a_run, g->a_run_stride, g->ta};
    size_t bytes = ws_bytes(&pl, g->batch);
    if (!bytes)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "gemm: workspace size overflows (m=%zu n=%zu k=%zu batch=%zu)", g->m,
                             g->n, g->k, g->batch);
    clgan_status st = ensure_ws(ctx, bytes);
    if (st == CLGAN_STATUS_OK)
        st = pack_a(ctx, &pl, g->batch);
    if (st != CLGAN_STATUS_OK)
        return st;
    cl_mem ws = ((struct own_state *)ctx->gemm_state)->ws;
    size_t mp = round_up(g->m, MR) / MR, np = round_up(g->n, NR) / NR;
    size_t cu = ctx->info.compute_units ? ctx->info.compute_units : 1, ng = 1;
    while (np * ng * g->batch < 8 * cu && ng < mp)
        ng *= 2;
    size_t group = (mp + ng - 1) / ng, kc = 512, q = 1;
    size_t gs[3] = {(np + q - 1) / q, (mp + group - 1) / group, g->batch}, ls[3] = {1, 1, 1};
    double flops = 2.0 * (double)g->m * (double)g->n * (double)g->k * (double)g->batch;
    return clgan_rt_launch(
        ctx, CLGAN_K(gemm_tile_8x32_pb), 3, gs, ls, flops, "uuuuuufmllmllfmlllll", (unsigned)g->m,
        (unsigned)g->n, (unsigned)g->k, (unsigned)kc, (unsigned)q, (unsigned)group,
        (double)g->alpha, ws, (uint64_t)0, (uint64_t)plan_ws(&pl), g->b, (uint64_t)g->b_off,
        (uint64_t)g->stride_b, (double)g->beta, g->c, (uint64_t)g->c_off, (uint64_t)g->stride_c,
        (uint64_t)g->ldc, (uint64_t)g->c_run, (uint64_t)g->c_run_stride);
}

clgan_status clgan_gemm_own(clgan_ctx *ctx, const struct clgan_gemm_args *g)
{
    if (g->m == 0 || g->n == 0)
        return CLGAN_STATUS_OK;
    if (g->m > UINT_MAX || g->n > UINT_MAX || g->k > UINT_MAX || g->lda > UINT_MAX ||
        g->a_run > UINT_MAX || g->ldb > UINT_MAX || g->ldc > UINT_MAX)
        return clgan_rt_fail(ctx, CLGAN_STATUS_UNSUPPORTED,
                             "gemm: own kernels take sizes below 2^32 (m=%zu n=%zu k=%zu)", g->m,
                             g->n, g->k);
    if (!use_packed(g->m, g->n, g->k))
        return gemm_naive(ctx, g);
    if (g->b_packed)
        return g->n <= NR / 2 && !ctx->no_wide_tiles ? gemm_narrow_b(ctx, g)
                                                     : gemm_packed_b(ctx, g);
    struct plan pl;
    make_plan(g, &pl);
    return gemm_tiled(ctx, g, &pl);
}
