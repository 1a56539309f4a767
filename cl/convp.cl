/*
 * convp.cl - every pass of the convolutions and transposed convolutions with k = 4, s = 2, p = 1
 * (all of DCGAN's layers but G's first and D's last) with no column matrix: each builds its
 * GEMM's B operand per panel of positions in local memory and runs 8 x 32 tiles over it.
 *   convp_fwd    up: the transposed convolution (DCGAN's up-sampling layer) and the input
 *                gradient of the convolution, by output phases, with no col2im (below)
 *   convp_down   down: the convolution and the input gradient of the transposed one (further
 *                down)
 *   convp_wgrad  both weight gradients (at the end)
 *
 * Sides as in conv.cl: the small image x [n][cs][hs][ws], the big one y [n][cb][2hs][2ws], the
 * weight w [cs][cb * 16] (w[ci][(co * 4 + ky) * 4 + kx]). Output row 2i + py takes input rows
 * i + d through tap t, two of them per phase py:
 *   py = 0: (d, t) = (0, 1), (-1, 3)      py = 1: (d, t) = (0, 2), (+1, 0)
 * and the same along columns, so each of the four phases (py, px) is a dense stride-1
 * convolution with 2 x 2 taps: a GEMM with M = cb, K = cs * 4 (ci, a, b), N = n * hs * ws, whose
 * B reads the small side at the shifts (d_a, d_b). Every multiplication is one the column
 * matrix route also makes; none of its overlap-add remains.
 *
 * convp_pack_w packs the four phases' weights as gemm_pack_a's panels of 8 rows (co):
 *   pa[((ph * mp + ip) * cs * 4 + ci * 4 + a * 2 + b) * 8 + r], co = ip * 8 + r (0 past cb),
 *   ph = py * 2 + px, mp = (cb + 7) / 8.
 * convp_fwd: work-item p (work-groups of one item) owns column panel p: 32 small-side positions
 * (n, i, j). For a chunk of input channels it writes, per channel, the nine shifted copies
 * (d_y, d_x in -1..1) of the panel's positions into local memory ("the stack", 9 x 32 floats,
 * zeros outside the image), then runs 8 x 32 tiles of every row panel and phase over it, each
 * phase reading the four of the nine rows it uses. A row panel's four phase tiles go to a
 * staging area in local memory (4 x 8 x 32 floats), from which phases (py, 0) and (py, 1) are
 * written to y interleaved, as whole vectors of 2L floats per run of the panel (stride-2 scalar
 * stores from the tiles made convp_fwd 5-11 % slower on dcgan32's layers); chunks after the
 * first add to y. The bias, if any, comes with the first.
 */

#if !CLGAN_NO_WIDE_TILES

/* Tap and shift of tap a (0, 1) of phase ph (0, 1) along one axis (see above). */
#define PH_T(ph, a) ((a) == 0 ? (ph) + 1 : (ph) ? 0 : 3)
#define PH_D(ph, a) ((a) == 0 ? 0 : (ph) ? 1 : -1)

kernel void convp_pack_w(global const float *w, ulong w_off, int cs, int cb, global float *pa,
                         ulong pa_off)
{
    int ci = get_global_id(0), ip = get_global_id(1), mp = (cb + 7) / 8;
    if (ci >= cs || ip >= mp)
        return;
    /* the 16 taps of each of the panel's 8 output channels (0 past cb), then every phase's
     * four taps of them, 8 channels at a time */
    const global float *wc = w + w_off + (size_t)ci * cb * 16;
    float t[8][16];
    for (int r = 0; r < 8; r++) {
        int co = ip * 8 + r;
        vstore16(co < cb ? vload16(co, wc) : (float16)0.0f, 0, t[r]);
    }
    for (int ph = 0; ph < 4; ph++) {
        int py = ph >> 1, px = ph & 1;
        global float *d = pa + pa_off + ((size_t)(ph * mp + ip) * cs * 4 + (size_t)ci * 4) * 8;
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++) {
                int tap = PH_T(py, a) * 4 + PH_T(px, b);
                vstore8((float8)(t[0][tap], t[1][tap], t[2][tap], t[3][tap], t[4][tap], t[5][tap],
                                 t[6][tap], t[7][tap]),
                        a * 2 + b, d);
            }
    }
}

/* The three shifts (-1, 0, +1 along x) of a run of L positions of one image row: row[j - 1],
 * row[j], row[j + 1] for j in the run, with left / right standing for the elements past its
 * ends (0 at the image's edge). */
static void shifts16(const global float *row, float left, float right, local float *o)
{
    float16 v = vload16(0, row);
    const uint16 ml = (uint16)(16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
    const uint16 mr = (uint16)(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    vstore16(shuffle2(v, (float16)left, ml), 0, o);
    vstore16(v, 0, o + 32);
    vstore16(shuffle2(v, (float16)right, mr), 0, o + 64);
}

static void shifts8(const global float *row, float left, float right, local float *o)
{
    float8 v = vload8(0, row);
    vstore8(shuffle2(v, (float8)left, (uint8)(8, 0, 1, 2, 3, 4, 5, 6)), 0, o);
    vstore8(v, 0, o + 32);
    vstore8(shuffle2(v, (float8)right, (uint8)(1, 2, 3, 4, 5, 6, 7, 8)), 0, o + 64);
}

static void shifts4(const global float *row, float left, float right, local float *o)
{
    float4 v = vload4(0, row);
    vstore4(shuffle2(v, (float4)left, (uint4)(4, 0, 1, 2)), 0, o);
    vstore4(v, 0, o + 32);
    vstore4(shuffle2(v, (float4)right, (uint4)(1, 2, 3, 4)), 0, o + 64);
}

/* Lanes moved in registers, all by constant masks (a computed shuffle mask compiles lane by
 * lane on PoCL): v[l - 1] and v[l + 1], zero where that leaves the vector; v moved down (up) by
 * one image row of ws = 4, 8 or 16 lanes, zero in the row it leaves. */
static float16 lanes_right1(float16 v)
{
    return shuffle2(v, (float16)0.0f,
                    (uint16)(16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14));
}

static float16 lanes_left1(float16 v)
{
    return shuffle2(v, (float16)0.0f,
                    (uint16)(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16));
}

static float16 row_down(float16 v, int ws)
{
    if (ws == 4)
        return shuffle2(v, (float16)0.0f,
                        (uint16)(16, 16, 16, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
    if (ws == 8)
        return shuffle2(v, (float16)0.0f,
                        (uint16)(16, 16, 16, 16, 16, 16, 16, 16, 0, 1, 2, 3, 4, 5, 6, 7));
    return 0.0f;
}

static float16 row_up(float16 v, int ws)
{
    if (ws == 4)
        return shuffle2(v, (float16)0.0f,
                        (uint16)(4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16));
    if (ws == 8)
        return shuffle2(v, (float16)0.0f,
                        (uint16)(8, 9, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16));
    return 0.0f;
}

/* v[l - 1] (d = -1) or v[l + 1] (d = +1) within runs of ws lanes (ws a power of two), zero past
 * a run's ends. */
static float16 run_shifted(float16 v, int d, int ws)
{
    const int16 l = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    int16 edge = (l & (ws - 1)) == (d < 0 ? 0 : ws - 1);
    return select(d < 0 ? lanes_right1(v) : lanes_left1(v), (float16)0.0f, edge);
}

/* Whether panel positions col0 .. col0 + 31 (inside the batch) are two blocks of 16 positions
 * that each start an image row of an image 4, 8 or 16 wide: the block builds' case. */
static int whole_rows16(int ws, size_t hw, size_t col0, size_t ncols)
{
    return (ws == 4 || ws == 8 || ws == 16) && hw % 16 == 0 && col0 + 32 <= ncols;
}

/* The nine shifted rows of 16 positions that start an image row (rem within the plane; ws 4, 8
 * or 16, so 16 / ws whole rows of one image) into o (row k at o + 32 k): one load a shift of
 * rows, lanes moved in registers. o is on 64 bytes (the stack is, and its rows are 128 bytes
 * apart), so the stores are whole float16s (vstore16 compiles to pieces on PoCL). */
static void stack_block16(const global float *plane, int rem, int hs, int ws, local float *o)
{
    int i0 = rem / ws, rows = 16 / ws;
    float16 mid = vload16(0, plane + rem);
    float16 up = i0 > 0 ? vload16(0, plane + rem - ws) : row_down(mid, ws);
    float16 dn = i0 + rows < hs ? vload16(0, plane + rem + ws) : row_up(mid, ws);
    *(local float16 *)(o) = run_shifted(up, -1, ws);
    *(local float16 *)(o + 32) = up;
    *(local float16 *)(o + 64) = run_shifted(up, 1, ws);
    *(local float16 *)(o + 96) = run_shifted(mid, -1, ws);
    *(local float16 *)(o + 128) = mid;
    *(local float16 *)(o + 160) = run_shifted(mid, 1, ws);
    *(local float16 *)(o + 192) = run_shifted(dn, -1, ws);
    *(local float16 *)(o + 224) = dn;
    *(local float16 *)(o + 256) = run_shifted(dn, 1, ws);
}

/*
 * The nine shifted rows of channel c for small-side positions col0 .. col0 + 31 into dst
 * (row (dy + 1) * 3 + dx + 1 of 32 floats): runs of L positions (L = min(ws, 32), which divides
 * 32 and ws), each inside one image row; positions past ncols are zero.
 */
static void build_stack(const global float *x, int cs, int hs, int ws, int c, size_t col0,
                        size_t ncols, int L, local float *dst)
{
    size_t hw = (size_t)hs * ws;
    if (whole_rows16(ws, hw, col0, ncols)) {
        for (int h = 0; h < 32; h += 16) {
            size_t col = col0 + h, img = col / hw;
            stack_block16(x + (img * cs + c) * hw, (int)(col - img * hw), hs, ws, dst + h);
        }
        return;
    }
    for (int r0 = 0; r0 < 32; r0 += L) {
        size_t col = col0 + r0;
        size_t img = col / hw;
        int rem = (int)(col - img * hw), i = rem / ws, j0 = rem - i * ws;
        const global float *plane = x + (img * cs + c) * hw;
        for (int dy = -1; dy <= 1; dy++) {
            local float *o = dst + (dy + 1) * 96 + r0;
            int yy = i + dy;
            if (col >= ncols || yy < 0 || yy >= hs) {
                for (int t = 0; t < L; t++)
                    o[t] = o[32 + t] = o[64 + t] = 0.0f;
                continue;
            }
            const global float *row = plane + (size_t)yy * ws + j0;
            float left = j0 > 0 ? row[-1] : 0.0f, right = j0 + L < ws ? row[L] : 0.0f;
            if (L == 16) {
                shifts16(row, left, right, o);
            } else if (L == 32) {
                shifts16(row, left, row[16], o);
                shifts16(row + 16, row[15], right, o + 16);
            } else if (L == 8) {
                shifts8(row, left, right, o);
            } else if (L == 4) {
                shifts4(row, left, right, o);
            } else {
                for (int t = 0; t < L; t++) {
                    o[t] = t > 0 ? row[t - 1] : left;
                    o[32 + t] = row[t];
                    o[64 + t] = t + 1 < L ? row[t + 1] : right;
                }
            }
        }
    }
}

/* The accumulators of an 8 x 32 tile (two float16 a row), zeroed; F(r) for each of its rows. */
#define TILE_ACC_ZERO                                                             \
    float16 acc0a = 0.0f, acc0b = 0.0f, acc1a = 0.0f, acc1b = 0.0f, acc2a = 0.0f; \
    float16 acc2b = 0.0f, acc3a = 0.0f, acc3b = 0.0f, acc4a = 0.0f, acc4b = 0.0f; \
    float16 acc5a = 0.0f, acc5b = 0.0f, acc6a = 0.0f, acc6b = 0.0f, acc7a = 0.0f; \
    float16 acc7b = 0.0f;
#define TILE_ROWS(F) F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7)

#define PFMA(r)                             \
    {                                       \
        float16 av = (float16)ap[r];        \
        acc##r##a = fma(av, b0, acc##r##a); \
        acc##r##b = fma(av, b1, acc##r##b); \
    }
#define PSTEP(o)                                             \
    {                                                        \
        float16 b0 = ((const local float16 *)(bp + (o)))[0]; \
        float16 b1 = ((const local float16 *)(bp + (o)))[1]; \
        TILE_ROWS(PFMA) ap += 8;                             \
    }

/* A tile's K loop over kl steps of B rows of 32 floats (contiguous from bp), four steps a trip:
 * one add and branch per 64 FMAs (dcgan32 steps 1.02x against one step a trip). */
#define TILE_K_STEPS(kl)                                      \
    {                                                         \
        int p = 0;                                            \
        for (; p + 4 <= (kl); p += 4) {                       \
            PSTEP(0) PSTEP(32) PSTEP(64) PSTEP(96) bp += 128; \
        }                                                     \
        for (; p < (kl); p++) {                               \
            PSTEP(0)                                          \
            bp += 32;                                         \
        }                                                     \
    }

/*
 * The epilogue a pass may fuse into its last chunk's stores (fin): 0 none; 1 the activation
 * after the layer, v = v > 0 ? v : slope v (ReLU: slope 0, leaky ReLU); 2 the gradient through
 * the activation of the layer before, v = g > 0 ? v : slope v, with g that layer's output at
 * the same place (the layout of this pass' output).
 */
static float16 fin16(float16 v, int fin, float slope, const global float *g)
{
    float16 t = fin == 2 ? vload16(0, g) : v;
    return select(slope * v, v, t > 0.0f);
}

static float8 fin8(float8 v, int fin, float slope, const global float *g)
{
    float8 t = fin == 2 ? vload8(0, g) : v;
    return select(slope * v, v, t > 0.0f);
}

static float fin1(float v, int fin, float slope, const global float *g)
{
    float t = fin == 2 ? *g : v;
    return t > 0.0f ? v : slope * v;
}

/* Two phases' runs of L positions (a: px = 0, b: px = 1) interleaved into 2L floats at e:
 * written (plus bias) by the first chunk, added by later ones; the last one applies fin
 * (g: the gate at e's place). */
static void put_pair(global float *e, const local float *a, const local float *b, int L, int first,
                     float bias, int fin, float slope, const global float *g)
{
    if (L == 8) {
        float16 v = shuffle2(vload8(0, a), vload8(0, b),
                             (uint16)(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
        v = first ? v + bias : vload16(0, e) + v;
        vstore16(fin ? fin16(v, fin, slope, g) : v, 0, e);
    } else if (L % 16 == 0) {
        for (int h = 0; h < L; h += 16) {
            float16 p = vload16(0, a + h), q = vload16(0, b + h);
            float16 lo =
                shuffle2(p, q, (uint16)(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
            float16 hi = shuffle2(
                p, q, (uint16)(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
            global float *o = e + 2 * h;
            lo = first ? lo + bias : vload16(0, o) + lo;
            hi = first ? hi + bias : vload16(1, o) + hi;
            if (fin) {
                lo = fin16(lo, fin, slope, g + 2 * h);
                hi = fin16(hi, fin, slope, g + 2 * h + 16);
            }
            vstore16(lo, 0, o);
            vstore16(hi, 1, o);
        }
    } else if (L == 4) {
        float8 v = shuffle2(vload4(0, a), vload4(0, b), (uint8)(0, 4, 1, 5, 2, 6, 3, 7));
        v = first ? v + bias : vload8(0, e) + v;
        vstore8(fin ? fin8(v, fin, slope, g) : v, 0, e);
    } else {
        for (int u = 0; u < 2 * L; u++) {
            float v = (u & 1 ? b : a)[u >> 1];
            v = first ? v + bias : e[u] + v;
            e[u] = fin ? fin1(v, fin, slope, g + u) : v;
        }
    }
}

/* An 8 x 32 tile of one phase over cl channels into st (8 rows of 32 floats): A from a packed
 * panel (32 floats a channel), B from a stack (288 floats a channel) at the phase's four row
 * offsets o0..o3. */
static void phase_tile(const global float *ap, const local float *bp, int cl, uint o0, uint o1,
                       uint o2, uint o3, local float *st)
{
    TILE_ACC_ZERO
    for (int c = 0; c < cl; c++) {
        PSTEP(o0)
        PSTEP(o1)
        PSTEP(o2)
        PSTEP(o3)
        bp += 288;
    }
#define PSTAGE(r)                             \
    ((local float16 *)st)[2 * r] = acc##r##a; \
    ((local float16 *)st)[2 * r + 1] = acc##r##b;
    TILE_ROWS(PSTAGE)
#undef PSTAGE
}

kernel void convp_fwd(global const float *x, ulong x_off, global const float *pa, ulong pa_off,
                      global float *y, ulong y_off, int n, int cs, int hs, int ws, int cb,
                      int chunk, int has_bias, global const float *bias, ulong bias_off, int epi,
                      float slope, global const float *gate, ulong gate_off, local float *stk)
{
    /* the staging area: a row panel's four phase tiles, [ph][r][32] */
    local float16 stg16[64];
    local float *stg = (local float *)stg16;
    size_t hw = (size_t)hs * ws, ncols = (size_t)n * hw, plane = hw * 4;
    size_t jp = get_global_id(0);
    if (jp * 32 >= ncols)
        return;
    int mp = (cb + 7) / 8, L = ws < 32 ? ws : 32, wb = 2 * ws;
    x += x_off;
    pa += pa_off;
    y += y_off;
    bias += bias_off;
    gate += gate_off;
    /* where each run of the panel's positions starts in y (channel 0, phase (0, 0)), and how
     * many runs lie inside the batch */
    size_t rb0[32];
    int nr = 0;
    for (int k = 0; k < 32 / L && jp * 32 + k * L < ncols; k++, nr++) {
        size_t col = jp * 32 + k * L, img = col / hw;
        int rem = (int)(col - img * hw), i = rem / ws, j0 = rem - i * ws;
        rb0[k] = img * cb * plane + (size_t)(2 * i) * wb + 2 * j0;
    }
    for (int c0 = 0; c0 < cs; c0 += chunk) {
        int cl = min(chunk, cs - c0), first = c0 == 0, fin = c0 + cl == cs ? epi : 0;
        for (int c = 0; c < cl; c++)
            build_stack(x, cs, hs, ws, c0 + c, jp * 32, ncols, L, stk + (size_t)c * 288);
        for (int ip = 0; ip < mp; ip++) {
            for (int ph = 0; ph < 4; ph++) {
                int py = ph >> 1, px = ph & 1;
                uint o0 = ((PH_D(py, 0) + 1) * 3 + PH_D(px, 0) + 1) * 32;
                uint o1 = ((PH_D(py, 0) + 1) * 3 + PH_D(px, 1) + 1) * 32;
                uint o2 = ((PH_D(py, 1) + 1) * 3 + PH_D(px, 0) + 1) * 32;
                uint o3 = ((PH_D(py, 1) + 1) * 3 + PH_D(px, 1) + 1) * 32;
                phase_tile(pa + ((size_t)(ph * mp + ip) * cs * 4 + (size_t)c0 * 4) * 8, stk, cl, o0,
                           o1, o2, o3, stg + ph * 256);
            }
            for (int r = 0; r < 8 && ip * 8 + r < cb; r++) {
                int co = ip * 8 + r;
                float bv = first && has_bias ? bias[co] : 0.0f;
                for (int py = 0; py < 2; py++)
                    for (int k = 0; k < nr; k++) {
                        size_t at = (size_t)co * plane + rb0[k] + py * wb;
                        put_pair(y + at, stg + (py * 2) * 256 + r * 32 + k * L,
                                 stg + (py * 2 + 1) * 256 + r * 32 + k * L, L, first, bv, fin,
                                 slope, gate + at);
                    }
            }
        }
    }
}

/*
 * The other direction, the convolution of the same geometry (DCGAN's down-sampling layer, and
 * the input gradient of the transposed one): small y [n][cs][hs][ws] from big x [n][cb][2hs][2ws]
 * and w [cs][cb * 16]. Position (i, j) reads big rows 2i + ky - 1, columns 2j + kx - 1: each of
 * the four taps kx of a row is one of the row's two parities (kx = 1: even elements, kx = 2:
 * odd), or a parity shifted by one (kx = 0: odd from 2j - 1, kx = 3: even from 2j + 2). So the
 * column matrix's 16 rows of a channel come from four loads of big rows and shuffles, without
 * the matrix: convp_down builds them per panel of 32 positions in local memory (the stack, 16 x
 * 32 floats a channel, in the column matrix's row order ci * 16 + ky * 4 + kx), and runs
 * gemm_pack_a's 8-row panels of w over it (A with M = cs, K = cb * 16, as the column route's
 * GEMM). Stores go to y in NCHW runs; chunks of input channels after the first add to y.
 */

/* The four taps of one big row for a run of L small-side positions: row points at column 2 j0,
 * left / right are the elements at 2 j0 - 1 and 2 j0 + 2L (0 past the image's edge); o receives
 * tap kx at o + 32 kx. */
static void taps16(const global float *row, float left, float right, local float *o)
{
    float16 a = vload16(0, row), b = vload16(1, row);
    float16 ev =
        shuffle2(a, b, (uint16)(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30));
    float16 od =
        shuffle2(a, b, (uint16)(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31));
    const uint16 ml = (uint16)(16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
    const uint16 mr = (uint16)(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    vstore16(shuffle2(od, (float16)left, ml), 0, o);
    vstore16(ev, 0, o + 32);
    vstore16(od, 0, o + 64);
    vstore16(shuffle2(ev, (float16)right, mr), 0, o + 96);
}

/* (Parities by shuffle2, not .even / .odd: under -cl-opt-disable Oclgrind takes the lanes of
 * those as uninitialised.) */
static void taps8(const global float *row, float left, float right, local float *o)
{
    float8 a = vload8(0, row), b = vload8(1, row);
    float8 ev = shuffle2(a, b, (uint8)(0, 2, 4, 6, 8, 10, 12, 14));
    float8 od = shuffle2(a, b, (uint8)(1, 3, 5, 7, 9, 11, 13, 15));
    vstore8(shuffle2(od, (float8)left, (uint8)(8, 0, 1, 2, 3, 4, 5, 6)), 0, o);
    vstore8(ev, 0, o + 32);
    vstore8(od, 0, o + 64);
    vstore8(shuffle2(ev, (float8)right, (uint8)(1, 2, 3, 4, 5, 6, 7, 8)), 0, o + 96);
}

static void taps4(const global float *row, float left, float right, local float *o)
{
    float4 a = vload4(0, row), b = vload4(1, row);
    float4 ev = shuffle2(a, b, (uint4)(0, 2, 4, 6)), od = shuffle2(a, b, (uint4)(1, 3, 5, 7));
    vstore4(shuffle2(od, (float4)left, (uint4)(4, 0, 1, 2)), 0, o);
    vstore4(ev, 0, o + 32);
    vstore4(od, 0, o + 64);
    vstore4(shuffle2(ev, (float4)right, (uint4)(1, 2, 3, 4)), 0, o + 96);
}

/* The 16 tap rows of 16 positions that start an image row (small-side rem; ws 4, 8 or 16, so
 * 16 / ws whole rows of one image) into o (row ky * 4 + kx at o + 32 (ky * 4 + kx)): per ky the
 * big rows it reads, 32 floats in two vectors (zero outside the image), split into parities and
 * moved in registers; whole float16 stores, as in stack_block16. */
static void taps_block16(const global float *bplane, int rem, int hs, int ws, local float *o)
{
    int i0 = rem / ws, hb = 2 * hs, wb = 2 * ws;
    for (int ky = 0; ky < 4; ky++) {
        int y0 = 2 * i0 + ky - 1;
        float16 lo, hi;
        if (ws == 16) {
            int ok = y0 >= 0 && y0 < hb;
            lo = ok ? vload16(0, bplane + y0 * wb) : 0.0f;
            hi = ok ? vload16(1, bplane + y0 * wb) : 0.0f;
        } else if (ws == 8) {
            lo = y0 >= 0 ? vload16(0, bplane + y0 * wb) : 0.0f;
            hi = y0 + 2 < hb ? vload16(0, bplane + (y0 + 2) * wb) : 0.0f;
        } else {
            /* the middle two rows are inside the image: hs is a multiple of 4 here */
            float8 r0 = y0 >= 0 ? vload8(0, bplane + y0 * wb) : 0.0f;
            float8 r1 = vload8(0, bplane + (y0 + 2) * wb), r2 = vload8(0, bplane + (y0 + 4) * wb);
            float8 r3 = y0 + 6 < hb ? vload8(0, bplane + (y0 + 6) * wb) : 0.0f;
            const uint16 cat = (uint16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            lo = shuffle2(r0, r1, cat);
            hi = shuffle2(r2, r3, cat);
        }
        float16 ev =
            shuffle2(lo, hi, (uint16)(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30));
        float16 od =
            shuffle2(lo, hi, (uint16)(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31));
        local float *d = o + ky * 128;
        *(local float16 *)(d) = run_shifted(od, -1, ws);
        *(local float16 *)(d + 32) = ev;
        *(local float16 *)(d + 64) = od;
        *(local float16 *)(d + 96) = run_shifted(ev, 1, ws);
    }
}

/* The 16 tap rows of channel c for small-side positions col0 .. col0 + 31 into dst (row
 * ky * 4 + kx of 32 floats): runs of L positions (L = min(ws, 32)), each inside one image row;
 * positions past ncols are zero. */
static void build_taps(const global float *x, int cb, int hs, int ws, int c, size_t col0,
                       size_t ncols, int L, local float *dst)
{
    size_t hw = (size_t)hs * ws;
    int hb = 2 * hs, wb = 2 * ws;
    if (whole_rows16(ws, hw, col0, ncols)) {
        for (int h = 0; h < 32; h += 16) {
            size_t col = col0 + h, img = col / hw;
            taps_block16(x + (img * cb + c) * hw * 4, (int)(col - img * hw), hs, ws, dst + h);
        }
        return;
    }
    for (int r0 = 0; r0 < 32; r0 += L) {
        size_t col = col0 + r0;
        size_t img = col / hw;
        int rem = (int)(col - img * hw), i = rem / ws, j0 = rem - i * ws;
        const global float *plane = x + (img * cb + c) * hw * 4;
        for (int ky = 0; ky < 4; ky++) {
            local float *o = dst + ky * 128 + r0;
            int yy = 2 * i + ky - 1;
            if (col >= ncols || yy < 0 || yy >= hb) {
                for (int t = 0; t < L; t++)
                    o[t] = o[32 + t] = o[64 + t] = o[96 + t] = 0.0f;
                continue;
            }
            const global float *row = plane + (size_t)yy * wb + 2 * j0;
            float left = j0 > 0 ? row[-1] : 0.0f, right = j0 + L < ws ? row[2 * L] : 0.0f;
            if (L == 16) {
                taps16(row, left, right, o);
            } else if (L == 32) {
                taps16(row, left, row[32], o);
                taps16(row + 32, row[31], right, o + 16);
            } else if (L == 8) {
                taps8(row, left, right, o);
            } else if (L == 4) {
                taps4(row, left, right, o);
            } else {
                for (int t = 0; t < L; t++) {
                    o[t] = t > 0 ? row[2 * t - 1] : left;
                    o[32 + t] = row[2 * t];
                    o[64 + t] = row[2 * t + 1];
                    o[96 + t] = t + 1 < L ? row[2 * t + 2] : right;
                }
            }
        }
    }
}

/* One row of a tile into y: 32 positions in runs of R (R divides 32), run k at yrow + rb[k];
 * the last chunk applies fin (grow: the gate's row). */
static void store_down_row(global float *yrow, const size_t *rb, int R, int nrun, int first,
                           float bias, float16 lo, float16 hi, int fin, float slope,
                           const global float *grow)
{
    if (R == 32) { /* then hw % 32 == 0: the panel is one run in one image */
        global float *e = yrow + rb[0];
        lo = first ? lo + bias : vload16(0, e) + lo;
        hi = first ? hi + bias : vload16(1, e) + hi;
        if (fin) {
            lo = fin16(lo, fin, slope, grow + rb[0]);
            hi = fin16(hi, fin, slope, grow + rb[0] + 16);
        }
        vstore16(lo, 0, e);
        vstore16(hi, 1, e);
        return;
    }
    if (R == 16) {
        global float *e0 = yrow + rb[0];
        lo = first ? lo + bias : vload16(0, e0) + lo;
        vstore16(fin ? fin16(lo, fin, slope, grow + rb[0]) : lo, 0, e0);
        if (nrun > 1) {
            global float *e1 = yrow + rb[1];
            hi = first ? hi + bias : vload16(0, e1) + hi;
            vstore16(fin ? fin16(hi, fin, slope, grow + rb[1]) : hi, 0, e1);
        }
        return;
    }
    float t[32];
    vstore16(lo, 0, t);
    vstore16(hi, 1, t);
    for (int k = 0; k < nrun; k++) {
        global float *e = yrow + rb[k];
        const float *s = t + k * R;
        for (int u = 0; u < R; u++) {
            float v = first ? s[u] + bias : e[u] + s[u];
            e[u] = fin ? fin1(v, fin, slope, grow + rb[k] + u) : v;
        }
    }
}

/* An 8 x 32 tile over kl steps: A from a packed panel (8 floats a step), B from the stack
 * (32 floats a step, rows on 64 bytes). */
static void down_tile(const global float *ap, const local float *bp, int kl, global float *y,
                      size_t hw, int co0, int cs, const size_t *rb, int R, int nrun, int first,
                      int has_bias, const global float *bias, int fin, float slope,
                      const global float *gate)
{
    TILE_ACC_ZERO
    TILE_K_STEPS(kl)
#define DSTORE(r)                                                                                  \
    if (co0 + r < cs)                                                                              \
        store_down_row(y + (size_t)(co0 + r) * hw, rb, R, nrun, first,                             \
                       first && has_bias ? bias[co0 + r] : 0.0f, acc##r##a, acc##r##b, fin, slope, \
                       gate + (size_t)(co0 + r) * hw);
    TILE_ROWS(DSTORE)
#undef DSTORE
}

/* Work-item p (work-groups of one item) owns the column panel of small-side positions
 * 32p .. 32p + 31; chunk input channels at a time it builds their tap rows, then runs every
 * row panel of A over them. */
kernel void convp_down(global const float *x, ulong x_off, global const float *pa, ulong pa_off,
                       global float *y, ulong y_off, int n, int cb, int hs, int ws, int cs,
                       int chunk, int has_bias, global const float *bias, ulong bias_off, int epi,
                       float slope, global const float *gate, ulong gate_off, local float *stk)
{
    size_t hw = (size_t)hs * ws, ncols = (size_t)n * hw, kc = (size_t)cb * 16;
    size_t jp = get_global_id(0);
    if (jp * 32 >= ncols)
        return;
    int mp = (cs + 7) / 8, L = ws < 32 ? ws : 32;
    x += x_off;
    pa += pa_off;
    y += y_off;
    bias += bias_off;
    gate += gate_off;
    /* runs of the output: R positions that are contiguous in y (R divides hw and 32; L divides
     * R), and where each of the panel's runs inside the batch starts (channel 0) */
    int R = 32;
    while (hw % R)
        R /= 2;
    size_t rb[32];
    int nr = 0;
    for (int k = 0; k < 32 / R && jp * 32 + k * R < ncols; k++, nr++) {
        size_t col = jp * 32 + k * R, img = col / hw;
        rb[k] = img * cs * hw + (col - img * hw);
    }
    for (int c0 = 0; c0 < cb; c0 += chunk) {
        int cl = min(chunk, cb - c0);
        for (int c = 0; c < cl; c++)
            build_taps(x, cb, hs, ws, c0 + c, jp * 32, ncols, L, stk + (size_t)c * 512);
        for (int ip = 0; ip < mp; ip++)
            down_tile(pa + ((size_t)ip * kc + (size_t)c0 * 16) * 8, stk, cl * 16, y, hw, ip * 8, cs,
                      rb, R, nr, c0 == 0, has_bias, bias, c0 + cl == cb ? epi : 0, slope, gate);
    }
}

/*
 * The weight gradient of the same geometry, dw = beta dw + dy col(x)^T, with dy on the small
 * side and x on the big one: a GEMM with M = cs, N = cb * 16, K = n * hs * ws whose B (the
 * column matrix transposed) is built per chunk of K in local memory: per position, the 4 x 4
 * windows of two channels (32 floats, one column panel of dw), in the column matrix's order
 * ci * 16 + ky * 4 + kx. A is dy packed by gemm_pack_a (8-row panels, K over (image, position)).
 * Work-item (j, g) owns column panels j * q .. j * q + q - 1 of dw and row panels g * group ..
 * g * group + group - 1, and goes through K chunk positions at a time (a stack of 128 bytes a
 * position and panel; the A panel's chunk serves the q panels from the cache); chunks after the
 * first add to dw.
 */
/* The two 4 x 4 windows (channels c0, c0 + 1; zero past cb) of a run of len positions of one
 * image row, (img, i, j0 .. j0 + len - 1), into o (32 floats a position: [channel][ky][kx]).
 * Window j reads big columns 2j - 1 .. 2j + 2: inner windows are one load each, the first and
 * last of the image's row have a zero for the column past its edge. */
static void window_run(const global float *x, int cb, int hs, int ws, size_t img, int i, int j0,
                       int len, int c0, local float *o)
{
    int hb = 2 * hs, wb = 2 * ws, at_left = j0 == 0, at_right = j0 + len == ws;
    for (int h = 0; h < 2; h++)
        for (int ky = 0; ky < 4; ky++) {
            int yy = 2 * i + ky - 1;
            local float *d = o + (h * 4 + ky) * 4;
            if (c0 + h >= cb || yy < 0 || yy >= hb) {
                for (int t = 0; t < len; t++)
                    vstore4((float4)0.0f, t * 8, d);
                continue;
            }
            /* window t reads row[2t - 1 .. 2t + 2] */
            const global float *row = x + ((img * cb + c0 + h) * (size_t)hb + yy) * wb + 2 * j0;
            int t0 = 0, t1 = len;
            if (at_left) { /* in an image one position wide, its window has both edges */
                vstore4((float4)(0.0f, row[0], row[1], ws == 1 ? 0.0f : row[2]), 0, d);
                t0 = 1;
            }
            if (at_right && t1 > t0) {
                int t = len - 1;
                vstore4((float4)(row[2 * t - 1], row[2 * t], row[2 * t + 1], 0.0f), t * 8, d);
                t1 = t;
            }
            for (int t = t0; t < t1; t++)
                vstore4(vload4(0, row + 2 * t - 1), t * 8, d);
        }
}

/* One row of a dw tile: nc (16 or 32) columns at e; mode 0 stores, 1 adds, 2 beta-scales. */
static void store_wg_row(global float *e, int nc, int mode, float beta, float16 lo, float16 hi)
{
    float16 o0 = mode ? vload16(0, e) : 0.0f;
    vstore16(mode == 2 ? fma((float16)beta, o0, lo) : o0 + lo, 0, e);
    if (nc > 16) {
        float16 o1 = mode ? vload16(1, e) : 0.0f;
        vstore16(mode == 2 ? fma((float16)beta, o1, hi) : o1 + hi, 1, e);
    }
}

/* An 8 x 32 tile of dw over kl positions: A from a packed panel of dy, B from a stack. */
static void wg_tile(const global float *ap, const local float *bp, int kl, global float *dw,
                    size_t kc, int nc, int co0, int cs, int mode, float beta)
{
    TILE_ACC_ZERO
    TILE_K_STEPS(kl)
#define WSTORE(r)     \
    if (co0 + r < cs) \
        store_wg_row(dw + (size_t)(co0 + r) * kc, nc, mode, beta, acc##r##a, acc##r##b);
    TILE_ROWS(WSTORE)
#undef WSTORE
}

kernel void convp_wgrad(global const float *x, ulong x_off, global const float *pa, ulong pa_off,
                        global float *dw, ulong dw_off, int n, int cb, int hs, int ws, int cs,
                        int q, int group, int chunk, float beta, local float *stk)
{
    int jg = get_global_id(0), ig = get_global_id(1), mp = (cs + 7) / 8, np = (cb + 1) / 2;
    int jp0 = jg * q, jp1 = min(np, jp0 + q), ip0 = ig * group, ip1 = min(mp, ip0 + group);
    size_t kc = (size_t)cb * 16, hw = (size_t)hs * ws, ncols = (size_t)n * hw;
    if (jp0 >= np || ip0 >= mp)
        return;
    x += x_off;
    pa += pa_off;
    dw += dw_off;
    for (size_t p0 = 0; p0 < ncols; p0 += chunk) {
        int kl = (int)min((size_t)chunk, ncols - p0);
        /* positions p0 .. p0 + kl - 1, walked as (image, row, column), for each panel */
        for (int jp = jp0; jp < jp1; jp++) {
            size_t img = p0 / hw;
            int rem = (int)(p0 - img * hw), i = rem / ws, j = rem - i * ws;
            local float *st = stk + (size_t)(jp - jp0) * chunk * 32;
            for (int p = 0; p < kl;) {
                int len = min(ws - j, kl - p);
                window_run(x, cb, hs, ws, img, i, j, len, jp * 2, st + (size_t)p * 32);
                p += len;
                if ((j += len) == ws) {
                    j = 0;
                    if (++i == hs) {
                        i = 0;
                        img++;
                    }
                }
            }
        }
        int mode = p0 ? 1 : beta != 0.0f ? 2 : 0;
        for (int ip = ip0; ip < ip1; ip++)
            for (int jp = jp0; jp < jp1; jp++)
                wg_tile(pa + ((size_t)ip * ncols + p0) * 8, stk + (size_t)(jp - jp0) * chunk * 32,
                        kl, dw + (size_t)jp * 32, kc, jp * 2 + 1 < cb ? 32 : 16, ip * 8, cs, mode,
                        beta);
    }
}

#endif /* !CLGAN_NO_WIDE_TILES */
