/*
 * conv.c - conv2d and transposed conv2d on the device: their kernel launches (im2col, col2im,
 * permutes, biases), fused epilogues and routines (see conv.h for the layouts and the launches
 * of each pass). The passes of conv.h, which check their views and run a routine, are in
 * conv_pass.c; shape checks, workspace sizes and FLOPs in conv_shape.c, linear in
 * conv_linear.c.
 *
 * Both convolutions reduce to one geometry (struct clgan_conv_geo in conv_internal.h): a "big"
 * image, the conv2d input side, and a "small" one, the conv2d output side, whose positions are
 * the columns of the column matrix. For conv2d big = x and small = y; for the transposed
 * convolution big = y and small = x. In both the weight is a [cs][cb * k * k] matrix (conv2d
 * [cout][cin k k], transposed [cin][cout k k]), so three routines serve both:
 *   clgan_ops_conv_small_from_big  conv2d fwd, transposed bwd_data
 *   clgan_ops_conv_big_from_small  conv2d bwd_data, transposed fwd
 *   clgan_ops_conv_weight_grad     both bwd_weight
 */
#include "ops/conv.h"
#include "ops/conv_internal.h"
#include "ops/gemm.h"
#include "ops/view.h"

/* ------------------------------------------------------------------ launches */

/*
 * Local size of an element kernel whose first dimension runs along rows of d0 items: the row
 * (up to 64), and rows in the second dimension up to about 256 items per group (as large as
 * the device allows: a CPU runs a group as one loop, vectorised along the first dimension).
 */
static void elem_local(const clgan_ctx *ctx, size_t d0, size_t d1, size_t ls[3])
{
    size_t most =
        ctx->info.max_work_group && ctx->info.max_work_group < 256 ? ctx->info.max_work_group : 256;
    ls[0] = d0 < 64 ? d0 : 64;
    if (ls[0] > most)
        ls[0] = most;
    ls[1] = most / ls[0];
    if (ls[1] > d1)
        ls[1] = d1;
    ls[2] = 1;
}

/* The whole-plane variants suit devices that run a work-group as one thread's loop. */
static int use_planes(const clgan_ctx *ctx)
{
    return ctx->info.kind == CLGAN_KIND_CPU;
}

/* Layouts of the column matrix (col_at in cl/conv.cl): row-major, or packed as a GEMM's op(B)
 * in panels of 32 columns (for W col) or of 32 rows (for small col^T). */
enum col_layout { COL_ROWS = 0, COL_PANELS_J = 1, COL_PANELS_R = 2 };

/*
 * Local-memory geometry of the *_planes im2col / col2im: one work-item per image plane of the
 * big side, each with a zero-padded copy of its plane (ph x pw floats) in local memory (see
 * cl/conv.cl). Up to 16 work-items to a group, fewer when there are few planes or the copies
 * would not fit in a quarter of local memory. 0 when even one copy does not fit.
 */
static int planes_fit(const clgan_ctx *ctx, const struct clgan_conv_geo *g, int *ph, int *pw,
                      size_t *ls)
{
    *ph = (g->hs - 1) * g->s + g->k;
    *pw = g->k + g->s * g->ws - 1;
    if (*ph < g->hb + 2 * g->p)
        *ph = g->hb + 2 * g->p;
    if (*pw < g->wb + 2 * g->p)
        *pw = g->wb + 2 * g->p;
    size_t planes = (size_t)g->n * g->cb, plane_bytes = (size_t)*ph * *pw * sizeof(float);
    size_t budget = ctx->info.local_mem / 4, cu = ctx->info.compute_units;
    *ls = 16;
    while (*ls > 1 && (*ls * plane_bytes > budget || planes < *ls * 4 * (cu ? cu : 1) ||
                       (ctx->info.max_work_group && *ls > ctx->info.max_work_group)))
        *ls /= 2;
    return use_planes(ctx) && plane_bytes <= budget;
}

/* The layout im2col writes for a GEMM that takes the column matrix as op(B) in the given
 * packed form: packed when the planes kernel runs and the GEMM backend takes packed B. */
static enum col_layout col_layout(const clgan_ctx *ctx, const struct clgan_conv_geo *g,
                                  enum col_layout want)
{
    int ph, pw;
    size_t ls;
    return planes_fit(ctx, g, &ph, &pw, &ls) && clgan_ops_gemm_takes_packed_b(ctx) ? want
                                                                                   : COL_ROWS;
}

static clgan_status im2col(clgan_ctx *ctx, const struct clgan_conv_geo *g, cl_mem big,
                           size_t big_off, cl_mem col, size_t col_off, enum col_layout layout)
{
    int ph, pw;
    size_t ls, planes = (size_t)g->n * g->cb;
    if (planes_fit(ctx, g, &ph, &pw, &ls))
        return clgan_rt_launch(ctx, CLGAN_K(conv_im2col_planes), 1, &planes, &ls, 0.0,
                               "mlmliiiiiiiiiiiiL", big, (uint64_t)big_off, col, (uint64_t)col_off,
                               g->n, g->cb, g->hb, g->wb, g->k, g->s, g->p, g->hs, g->ws, ph, pw,
                               (int)layout, ls * (size_t)ph * pw * sizeof(float));
    if (layout != COL_ROWS) /* col_layout() asks for packing only where the planes kernel runs */
        return clgan_rt_fail(ctx, CLGAN_STATUS_UNSUPPORTED, "im2col: packed layout %d here",
                             (int)layout);
    size_t gs[3] = {(size_t)g->ws, (size_t)g->n * g->hs, g->kc}, lsz[3];
    elem_local(ctx, gs[0], gs[1], lsz);
    return clgan_rt_launch(ctx, CLGAN_K(conv_im2col), 3, gs, lsz, 0.0, "mlmliiiiiiiii", big,
                           (uint64_t)big_off, col, (uint64_t)col_off, g->n, g->cb, g->hb, g->wb,
                           g->k, g->s, g->p, g->hs, g->ws);
}

/* big = col2im(col) (+ bias over big's channels when b is not NULL). */
static clgan_status col2im(clgan_ctx *ctx, const struct clgan_conv_geo *g, cl_mem col,
                           size_t col_off, cl_mem big, size_t big_off, cl_mem b, size_t b_off)
{
    int ph, pw;
    size_t ls, planes = (size_t)g->n * g->cb;
    if (planes_fit(ctx, g, &ph, &pw, &ls))
        return clgan_rt_launch(ctx, CLGAN_K(conv_col2im_planes), 1, &planes, &ls, 0.0,
                               "mlmliiiiiiiiiimliiL", col, (uint64_t)col_off, big,
                               (uint64_t)big_off, g->n, g->cb, g->hb, g->wb, g->k, g->s, g->p,
                               g->hs, g->ws, b != NULL, b ? b : big, (uint64_t)(b ? b_off : 0), ph,
                               pw, ls * (size_t)ph * pw * sizeof(float));
    size_t gs[3] = {(size_t)g->wb, (size_t)g->hb, (size_t)g->n * g->cb}, lsz[3];
    elem_local(ctx, gs[0], gs[1], lsz);
    return clgan_rt_launch(ctx, CLGAN_K(conv_col2im), 3, gs, lsz, 0.0, "mlmliiiiiiiiiiml", col,
                           (uint64_t)col_off, big, (uint64_t)big_off, g->n, g->cb, g->hb, g->wb,
                           g->k, g->s, g->p, g->hs, g->ws, b != NULL, b ? b : big,
                           (uint64_t)(b ? b_off : 0));
}

/* The CPU form of both permutes: one work-item per output plane. */
static clgan_status permute_planes(clgan_ctx *ctx, int n, int c, int hw, int to_cnhw, cl_mem src,
                                   size_t src_off, cl_mem dst, size_t dst_off, cl_mem b,
                                   size_t b_off)
{
    size_t gs = (size_t)n * c, ls = 16;
    if (ctx->info.max_work_group && ls > ctx->info.max_work_group)
        ls = ctx->info.max_work_group;
    return clgan_rt_launch(ctx, CLGAN_K(conv_permute_planes), 1, &gs, &ls, 0.0, "mlmliiiiiml", src,
                           (uint64_t)src_off, dst, (uint64_t)dst_off, n, c, hw, to_cnhw, b != NULL,
                           b ? b : dst, (uint64_t)(b ? b_off : 0));
}

static clgan_status nchw_to_cnhw(clgan_ctx *ctx, int n, int c, int hw, cl_mem src, size_t src_off,
                                 cl_mem dst, size_t dst_off)
{
    if (use_planes(ctx))
        return permute_planes(ctx, n, c, hw, 1, src, src_off, dst, dst_off, NULL, 0);
    size_t gs[2] = {(size_t)hw, (size_t)n * c}, ls[3];
    elem_local(ctx, gs[0], gs[1], ls);
    return clgan_rt_launch(ctx, CLGAN_K(conv_nchw_to_cnhw), 2, gs, ls, 0.0, "mlmliii", src,
                           (uint64_t)src_off, dst, (uint64_t)dst_off, n, c, hw);
}

static clgan_status cnhw_to_nchw(clgan_ctx *ctx, int n, int c, int hw, cl_mem src, size_t src_off,
                                 cl_mem dst, size_t dst_off, cl_mem b, size_t b_off)
{
    if (use_planes(ctx))
        return permute_planes(ctx, n, c, hw, 0, src, src_off, dst, dst_off, b, b_off);
    size_t gs[2] = {(size_t)hw, (size_t)n * c}, ls[3];
    elem_local(ctx, gs[0], gs[1], ls);
    return clgan_rt_launch(ctx, CLGAN_K(conv_cnhw_to_nchw), 2, gs, ls, 0.0, "mlmliiiiml", src,
                           (uint64_t)src_off, dst, (uint64_t)dst_off, n, c, hw, b != NULL,
                           b ? b : dst, (uint64_t)(b ? b_off : 0));
}

/* y[o][c][i] += b[c], y viewed as [outer][c][inner]. */
clgan_status clgan_ops_conv_bias_add(clgan_ctx *ctx, int outer, int c, int inner, cl_mem y,
                                     size_t y_off, cl_mem b, size_t b_off)
{
    size_t total = (size_t)outer * c * inner;
    return clgan_rt_launch1d(ctx, CLGAN_K(conv_bias_add), total, "mlliiml", y, (uint64_t)y_off,
                             (uint64_t)total, c, inner, b, (uint64_t)b_off);
}

/* db[c] = beta db[c] + sum of dy[o][c][i], dy viewed as [outer][c][inner]. */
clgan_status clgan_ops_conv_bias_grad(clgan_ctx *ctx, int outer, int c, int inner, cl_mem dy,
                                      size_t dy_off, float beta, cl_mem db, size_t db_off)
{
    cl_kernel k;
    clgan_status st = clgan_rt_kernel_get(ctx, CLGAN_K(conv_bias_grad), &k);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t kmax = 0;
    st = CLG_CL(ctx, clGetKernelWorkGroupInfo(k, ctx->device, CL_KERNEL_WORK_GROUP_SIZE,
                                              sizeof(kmax), &kmax, NULL));
    if (st != CLGAN_STATUS_OK)
        return st;
    /* the tree reduction needs a power of two */
    size_t ls = 128;
    while (ls > 1 &&
           ((kmax && ls > kmax) || (ctx->info.max_work_group && ls > ctx->info.max_work_group)))
        ls /= 2;
    size_t gs = (size_t)c * ls;
    return clgan_rt_launch(ctx, CLGAN_K(conv_bias_grad), 1, &gs, &ls, (double)outer * c * inner,
                           "mliiifmlL", dy, (uint64_t)dy_off, outer, c, inner, (double)beta, db,
                           (uint64_t)db_off, ls * sizeof(float));
}

/* ------------------------------------------------------------------ fused epilogues */

const struct clgan_conv_epi clgan_ops_conv_no_epi = {0, CLGAN_OPS_ACT_RELU, 0.0f, NULL, 0};

/* The epilogue of a route without one in its stores: the activation kernel, in place over the
 * output's count floats. */
static clgan_status finish(clgan_ctx *ctx, const struct clgan_conv_epi *e, cl_mem out,
                           size_t out_off, size_t count)
{
    if (!e->kind)
        return CLGAN_STATUS_OK;
    struct clgan_tensor o = clgan_tensor_view(out, out_off, CLGAN_DTYPE_F32, 1, 1, 1, (int)count);
    if (e->kind == 1)
        return clgan_ops_act_fwd(ctx, e->act, e->slope, &o, &o);
    struct clgan_tensor g =
        clgan_tensor_view(e->gate, e->gate_off, CLGAN_DTYPE_F32, 1, 1, 1, (int)count);
    return clgan_ops_act_bwd(ctx, e->act, e->slope, &g, &o, &o);
}

/* The slope the stores apply (ReLU: 0). */
static float epi_slope(const struct clgan_conv_epi *e)
{
    return e->act == CLGAN_OPS_ACT_LRELU ? e->slope : 0.0f;
}

/* ------------------------------------------------------------------ the three routines */

/*
 * When the kernel covers the whole unpadded big image and the small image is 1 x 1 (D's last
 * layer, G's first), the column matrix is the big side itself, transposed ([n][kc] with big
 * NCHW), and the small side in NCHW is [n][cs]: each pass is one GEMM on the tensors as they
 * are, with no im2col, col2im, permute or workspace.
 *   small = big W^T   big = small W   dW = small^T big
 */
static clgan_status full_small_from_big(clgan_ctx *ctx, const struct clgan_conv_geo *g, cl_mem big,
                                        size_t big_off, cl_mem w, size_t w_off, cl_mem b,
                                        size_t b_off, cl_mem small, size_t small_off)
{
    clgan_status st =
        clgan_ops_gemm1(ctx, 0, 1, (size_t)g->n, (size_t)g->cs, g->kc, 1.0f, big, big_off, g->kc, w,
                        w_off, g->kc, 0.0f, small, small_off, (size_t)g->cs);
    if (st != CLGAN_STATUS_OK || !b)
        return st;
    return clgan_ops_conv_bias_add(ctx, g->n, g->cs, 1, small, small_off, b, b_off);
}

static clgan_status full_big_from_small(clgan_ctx *ctx, const struct clgan_conv_geo *g,
                                        cl_mem small, size_t small_off, cl_mem w, size_t w_off,
                                        cl_mem b, size_t b_off, cl_mem big, size_t big_off)
{
    clgan_status st =
        clgan_ops_gemm1(ctx, 0, 0, (size_t)g->n, g->kc, (size_t)g->cs, 1.0f, small, small_off,
                        (size_t)g->cs, w, w_off, g->kc, 0.0f, big, big_off, g->kc);
    if (st != CLGAN_STATUS_OK || !b)
        return st;
    return clgan_ops_conv_bias_add(ctx, g->n, g->cb, g->k * g->k, big, big_off, b, b_off);
}

/*
 * The launch shape of the phase routes: one column panel of 32 per work-item, and input channels
 * per chunk. Up (big_from_small, convp_fwd): at most 512 (fewer where the stack, 1152 bytes per
 * channel, would not fit in half the local memory). On PoCL (bench_conv -c phases, dcgan32's
 * layers) chunks of 128 beat 32 by 15-25 % (each chunk after the first reads and writes the
 * output again, with stride-2 stores), and 256 beat 128 by 7-10 % on the layers with 256 input
 * channels (G2, D3's input gradient; steps 1.03x over 10 rounds), and 512 beat 256 by about 6 %
 * on dcgan64's G2 (512 input channels; steps 1.02x over 4 rounds); more panels per item, for
 * reuse of the weights' panels, made no difference. Down (small_from_big, convp_down): 16 tap rows
 * a channel (2048 bytes), at most 256 channels: against 32, 2-3 % faster on D3's shape (128 input
 * channels) and about 2 % with 64 on D2's, and 256 against 128 2.5 % on dcgan64's D4 (each chunk
 * after the first reads and adds to the output again). Weight gradients (convp_wgrad): chunks of K
 * are positions, 128 bytes each (two channels' windows): 256 of them fill 32 KiB (128 measured
 * level).
 */
int clgan_ops_conv_phase_route(const clgan_ctx *ctx, const struct clgan_conv_geo *g,
                               enum clgan_conv_phase_pass pass, int *chunk)
{
    if (!clgan_ops_conv_phases_fit(g) || ctx->no_wide_tiles ||
        ctx->conv == CLGAN_CONV_ROUTE_COLUMNS)
        return 0;
    if (pass == CLGAN_PHASE_WGRAD && ((size_t)g->hs * g->ws) % 8)
        return 0; /* gemm_pack_a reads dy's NCHW runs 8 steps at a time */
    int rows = pass == CLGAN_PHASE_DOWN ? g->cs : g->cb;
    if (ctx->conv == CLGAN_CONV_ROUTE_AUTO) {
        /* resolving AUTO changes what the context will do, not what it is */
        clgan_ops_conv_resolve((clgan_ctx *)ctx);
        if (!ctx->conv_phases[pass] || rows < 8)
            return 0;
    }
    static const int most[] = {512, 256, 256}, per[] = {1152, 2048, 128};
    size_t budget = ctx->info.local_mem / 2;
    int in = pass == CLGAN_PHASE_UP ? g->cs : pass == CLGAN_PHASE_DOWN ? g->cb : 1 << 30;
    *chunk = in < most[pass] ? in : most[pass];
    while (*chunk > 1 && (size_t)*chunk * per[pass] > budget)
        *chunk = (*chunk + 1) / 2;
    return (size_t)*chunk * per[pass] <= budget;
}

/* The A operand of a phase route: m rows of k floats (row i at a + i * lda, its K in runs of
 * arun floats ars apart when arun > 0, as gemm_pack_a reads a convolution's NCHW gradient) into
 * 8-row panels at ws + ws_off, as the own GEMM packs its A (cl/gemm.cl); work-items of 256 steps
 * of K of one panel. */
static clgan_status pack_rows(clgan_ctx *ctx, size_t m, size_t k, cl_mem a, size_t a_off,
                              size_t lda, size_t arun, size_t ars, cl_mem ws, size_t ws_off)
{
    size_t pchunk = k < 256 ? k : 256;
    size_t gs[3] = {(k + pchunk - 1) / pchunk, (m + 7) / 8, 1}, ls[3] = {1, 1, 1};
    return clgan_rt_launch(ctx, CLGAN_K(gemm_pack_a), 3, gs, ls, 0.0, "iuuuumlululmll", 0,
                           (unsigned)m, (unsigned)k, (unsigned)pchunk, 1u, a, (uint64_t)a_off,
                           (unsigned)lda, (uint64_t)0, (unsigned)arun, (uint64_t)ars, ws,
                           (uint64_t)ws_off, (uint64_t)0);
}

/* small = the convolution of big by tap rows built in local memory (+ b over small's channels):
 * W packed as the column route's GEMM packs its A, then one launch over the column panels. */
static clgan_status phase_small_from_big(clgan_ctx *ctx, const struct clgan_conv_geo *g, cl_mem big,
                                         size_t big_off, cl_mem w, size_t w_off, cl_mem b,
                                         size_t b_off, cl_mem small, size_t small_off, cl_mem ws,
                                         size_t ws_off, int chunk, const struct clgan_conv_epi *e)
{
    clgan_status st = pack_rows(ctx, (size_t)g->cs, g->kc, w, w_off, g->kc, 0, 0, ws, ws_off);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t np = (g->cols + 31) / 32, ls = 1;
    return clgan_rt_launch(ctx, CLGAN_K(convp_down), 1, &np, &ls,
                           2.0 * (double)g->cs * (double)g->kc * (double)g->cols,
                           "mlmlmliiiiiiimlifmlL", big, (uint64_t)big_off, ws, (uint64_t)ws_off,
                           small, (uint64_t)small_off, g->n, g->cb, g->hs, g->ws, g->cs, chunk,
                           b != NULL, b ? b : small, (uint64_t)(b ? b_off : 0), e->kind,
                           (double)epi_slope(e), e->kind == 2 ? e->gate : small,
                           (uint64_t)(e->kind == 2 ? e->gate_off : 0), (size_t)chunk * 2048);
}

/* small = W col(big) (+ b over small's channels) by the column matrix or one GEMM. */
static clgan_status small_from_big_raw(clgan_ctx *ctx, const struct clgan_conv_geo *g, cl_mem big,
                                       size_t big_off, cl_mem w, size_t w_off, cl_mem b,
                                       size_t b_off, cl_mem small, size_t small_off, cl_mem ws,
                                       size_t ws_off)
{
    if (g->full)
        return full_small_from_big(ctx, g, big, big_off, w, w_off, b, b_off, small, small_off);
    size_t col_off = ws_off, sm_off = ws_off + clgan_ops_conv_col_size(g);
    enum col_layout lay = col_layout(ctx, g, COL_PANELS_J);
    clgan_status st = im2col(ctx, g, big, big_off, ws, col_off, lay);
    if (st != CLGAN_STATUS_OK)
        return st;
    /* with packed B the GEMM can write NCHW itself when an image's positions come in runs of
     * 16 or of a multiple of 32 (the runs its tiles store); otherwise CNHW, then a permute */
    size_t hw = (size_t)g->hs * g->ws;
    int direct = lay != COL_ROWS && (hw == 16 || hw % 32 == 0);
    int perm = g->perm && !direct;
    struct clgan_gemm_args ga = {.m = (size_t)g->cs,
                                 .n = g->cols,
                                 .k = g->kc,
                                 .alpha = 1.0f,
                                 .a = w,
                                 .a_off = w_off,
                                 .lda = g->kc,
                                 .b = ws,
                                 .b_off = col_off,
                                 .ldb = g->cols,
                                 .c = perm ? ws : small,
                                 .c_off = perm ? sm_off : small_off,
                                 .ldc = direct ? hw : g->cols,
                                 .batch = 1,
                                 .b_packed = lay != COL_ROWS,
                                 .c_run = direct ? hw : 0,
                                 .c_run_stride = direct ? (size_t)g->cs * hw : 0};
    st = clgan_ops_gemm(ctx, &ga);
    if (st != CLGAN_STATUS_OK)
        return st;
    if (perm)
        return cnhw_to_nchw(ctx, g->n, g->cs, (int)hw, ws, sm_off, small, small_off, b, b_off);
    if (b)
        return clgan_ops_conv_bias_add(ctx, g->n, g->cs, (int)hw, small, small_off, b, b_off);
    return CLGAN_STATUS_OK;
}

/* small_from_big_raw, or the phase route where it runs; then the epilogue e. */
clgan_status clgan_ops_conv_small_from_big(clgan_ctx *ctx, const struct clgan_conv_geo *g,
                                           cl_mem big, size_t big_off, cl_mem w, size_t w_off,
                                           cl_mem b, size_t b_off, cl_mem small, size_t small_off,
                                           cl_mem ws, size_t ws_off, const struct clgan_conv_epi *e)
{
    int chunk;
    if (!g->full && clgan_ops_conv_phase_route(ctx, g, CLGAN_PHASE_DOWN, &chunk))
        return phase_small_from_big(ctx, g, big, big_off, w, w_off, b, b_off, small, small_off, ws,
                                    ws_off, chunk, e);
    clgan_status st =
        small_from_big_raw(ctx, g, big, big_off, w, w_off, b, b_off, small, small_off, ws, ws_off);
    if (st != CLGAN_STATUS_OK)
        return st;
    return finish(ctx, e, small, small_off, (size_t)g->n * g->cs * g->hs * g->ws);
}

/* big = the transposed convolution of small by phases (+ b over big's channels): pack W's
 * four phases into the workspace, then one launch over the small side's column panels. */
static clgan_status phase_big_from_small(clgan_ctx *ctx, const struct clgan_conv_geo *g,
                                         cl_mem small, size_t small_off, cl_mem w, size_t w_off,
                                         cl_mem b, size_t b_off, cl_mem big, size_t big_off,
                                         cl_mem ws, size_t ws_off, int chunk,
                                         const struct clgan_conv_epi *e)
{
    size_t mp = (size_t)(g->cb + 7) / 8;
    size_t pgs[2] = {(size_t)g->cs, mp}, pls[3];
    elem_local(ctx, pgs[0], pgs[1], pls);
    clgan_status st = clgan_rt_launch(ctx, CLGAN_K(convp_pack_w), 2, pgs, pls, 0.0, "mliiml", w,
                                      (uint64_t)w_off, g->cs, g->cb, ws, (uint64_t)ws_off);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t np = (g->cols + 31) / 32, ls = 1;
    return clgan_rt_launch(
        ctx, CLGAN_K(convp_fwd), 1, &np, &ls, 2.0 * (double)g->cs * (double)g->kc * (double)g->cols,
        "mlmlmliiiiiiimlifmlL", small, (uint64_t)small_off, ws, (uint64_t)ws_off, big,
        (uint64_t)big_off, g->n, g->cs, g->hs, g->ws, g->cb, chunk, b != NULL, b ? b : big,
        (uint64_t)(b ? b_off : 0), e->kind, (double)epi_slope(e), e->kind == 2 ? e->gate : big,
        (uint64_t)(e->kind == 2 ? e->gate_off : 0), (size_t)chunk * 1152);
}

/* big = col2im(W^T small) (+ b over big's channels), or one GEMM. */
static clgan_status big_from_small_raw(clgan_ctx *ctx, const struct clgan_conv_geo *g, cl_mem small,
                                       size_t small_off, cl_mem w, size_t w_off, cl_mem b,
                                       size_t b_off, cl_mem big, size_t big_off, cl_mem ws,
                                       size_t ws_off)
{
    if (g->full)
        return full_big_from_small(ctx, g, small, small_off, w, w_off, b, b_off, big, big_off);
    size_t col_off = ws_off, sm_off = ws_off + clgan_ops_conv_col_size(g);
    clgan_status st;
    if (g->perm) {
        st = nchw_to_cnhw(ctx, g->n, g->cs, g->hs * g->ws, small, small_off, ws, sm_off);
        if (st != CLGAN_STATUS_OK)
            return st;
    }
    st = clgan_ops_gemm1(ctx, 1, 0, g->kc, g->cols, (size_t)g->cs, 1.0f, w, w_off, g->kc,
                         g->perm ? ws : small, g->perm ? sm_off : small_off, g->cols, 0.0f, ws,
                         col_off, g->cols);
    if (st != CLGAN_STATUS_OK)
        return st;
    return col2im(ctx, g, ws, col_off, big, big_off, b, b_off);
}

/* big_from_small_raw, or the phase route where it runs; then the epilogue e. */
clgan_status clgan_ops_conv_big_from_small(clgan_ctx *ctx, const struct clgan_conv_geo *g,
                                           cl_mem small, size_t small_off, cl_mem w, size_t w_off,
                                           cl_mem b, size_t b_off, cl_mem big, size_t big_off,
                                           cl_mem ws, size_t ws_off, const struct clgan_conv_epi *e)
{
    int chunk;
    if (!g->full && clgan_ops_conv_phase_route(ctx, g, CLGAN_PHASE_UP, &chunk))
        return phase_big_from_small(ctx, g, small, small_off, w, w_off, b, b_off, big, big_off, ws,
                                    ws_off, chunk, e);
    clgan_status st =
        big_from_small_raw(ctx, g, small, small_off, w, w_off, b, b_off, big, big_off, ws, ws_off);
    if (st != CLGAN_STATUS_OK)
        return st;
    return finish(ctx, e, big, big_off, (size_t)g->n * g->cb * g->hb * g->wb);
}

/* Column panels a convp_wgrad work-item takes at most: on PoCL (bench_conv, dcgan32's four
 * weight gradients by phases) 13.0 ms with two, 14.1 with one and 14.1 with four. */
#define WGRAD_PANELS 2

/* dw = beta dw + small col(big)^T by windows built in local memory: small (dy) packed as the
 * column route's GEMM packs its A, then one launch over dw's column panels (and groups of its
 * row panels where there are few column panels for the compute units). */
static clgan_status phase_weight_grad(clgan_ctx *ctx, const struct clgan_conv_geo *g, cl_mem big,
                                      size_t big_off, cl_mem small, size_t small_off, float beta,
                                      cl_mem dw, size_t dw_off, cl_mem ws, size_t ws_off, int chunk)
{
    size_t hw = (size_t)g->hs * g->ws, mp = (size_t)(g->cs + 7) / 8;
    clgan_status st = pack_rows(ctx, (size_t)g->cs, g->cols, small, small_off, hw, hw,
                                (size_t)g->cs * hw, ws, ws_off);
    if (st != CLGAN_STATUS_OK)
        return st;
    /* q column panels a work-item where the stack of q chunks fits (the chunk of A is read
     * once for them), and groups of row panels where there are few items for the compute
     * units */
    size_t np = (g->kc + 31) / 32, cu = ctx->info.compute_units ? ctx->info.compute_units : 1;
    size_t q = WGRAD_PANELS;
    while (q > 1 && (q * (size_t)chunk * 128 > ctx->info.local_mem / 2 || np / q < 4 * cu))
        q /= 2;
    size_t items = (np + q - 1) / q, groups = (4 * cu + items - 1) / items;
    if (groups > mp)
        groups = mp;
    size_t group = (mp + groups - 1) / groups;
    size_t gs[2] = {items, (mp + group - 1) / group}, ls[2] = {1, 1};
    return clgan_rt_launch(ctx, CLGAN_K(convp_wgrad), 2, gs, ls,
                           2.0 * (double)g->cs * (double)g->kc * (double)g->cols,
                           "mlmlmliiiiiiiifL", big, (uint64_t)big_off, ws, (uint64_t)ws_off, dw,
                           (uint64_t)dw_off, g->n, g->cb, g->hs, g->ws, g->cs, (int)q, (int)group,
                           chunk, (double)beta, q * (size_t)chunk * 128);
}

/* dw = beta dw + small col(big)^T. */
clgan_status clgan_ops_conv_weight_grad(clgan_ctx *ctx, const struct clgan_conv_geo *g, cl_mem big,
                                        size_t big_off, cl_mem small, size_t small_off, float beta,
                                        cl_mem dw, size_t dw_off, cl_mem ws, size_t ws_off)
{
    if (g->full)
        return clgan_ops_gemm1(ctx, 1, 0, (size_t)g->cs, g->kc, (size_t)g->n, 1.0f, small,
                               small_off, (size_t)g->cs, big, big_off, g->kc, beta, dw, dw_off,
                               g->kc);
    int chunk;
    if (clgan_ops_conv_phase_route(ctx, g, CLGAN_PHASE_WGRAD, &chunk))
        return phase_weight_grad(ctx, g, big, big_off, small, small_off, beta, dw, dw_off, ws,
                                 ws_off, chunk);
    size_t col_off = ws_off, sm_off = ws_off + clgan_ops_conv_col_size(g);
    enum col_layout lay = col_layout(ctx, g, COL_PANELS_R);
    clgan_status st = im2col(ctx, g, big, big_off, ws, col_off, lay);
    if (st != CLGAN_STATUS_OK)
        return st;
    /* the own GEMM reads the small side in NCHW itself, as runs of K, when an image's positions
     * are a multiple of 8 (its packing goes 8 steps at a time); otherwise CNHW by a permute */
    size_t hw = (size_t)g->hs * g->ws;
    int runs = lay != COL_ROWS && hw % 8 == 0;
    int perm = g->perm && !runs;
    if (perm) {
        st = nchw_to_cnhw(ctx, g->n, g->cs, (int)hw, small, small_off, ws, sm_off);
        if (st != CLGAN_STATUS_OK)
            return st;
    }
    struct clgan_gemm_args ga = {.tb = 1,
                                 .m = (size_t)g->cs,
                                 .n = g->kc,
                                 .k = g->cols,
                                 .alpha = 1.0f,
                                 .beta = beta,
                                 .a = perm ? ws : small,
                                 .a_off = perm ? sm_off : small_off,
                                 .lda = runs ? hw : g->cols,
                                 .b = ws,
                                 .b_off = col_off,
                                 .ldb = g->cols,
                                 .c = dw,
                                 .c_off = dw_off,
                                 .ldc = g->kc,
                                 .batch = 1,
                                 .b_packed = lay != COL_ROWS,
                                 .a_run = runs ? hw : 0,
                                 .a_run_stride = runs ? (size_t)g->cs * hw : 0};
    return clgan_ops_gemm(ctx, &ga);
}

clgan_status clgan_ops_conv_geo_pass(clgan_ctx *ctx, const struct clgan_conv_geo *g,
                                     enum clgan_conv_phase_pass pass, cl_mem big, cl_mem small,
                                     cl_mem w, cl_mem ws)
{
    switch (pass) {
    case CLGAN_PHASE_UP:
        return clgan_ops_conv_big_from_small(ctx, g, small, 0, w, 0, NULL, 0, big, 0, ws, 0,
                                             &clgan_ops_conv_no_epi);
    case CLGAN_PHASE_DOWN:
        return clgan_ops_conv_small_from_big(ctx, g, big, 0, w, 0, NULL, 0, small, 0, ws, 0,
                                             &clgan_ops_conv_no_epi);
    case CLGAN_PHASE_WGRAD:
        return clgan_ops_conv_weight_grad(ctx, g, big, 0, small, 0, 0.0f, w, 0, ws, 0);
    }
    return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "conv: pass %d", (int)pass);
}
