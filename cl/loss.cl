/*
 * loss.cl - losses with their gradients, each in one work-group (size L, a power of two) so the
 * sums are reduced in a fixed order: work-item l takes items l, l + L, ... in turn, then a
 * local-memory tree adds the L partial sums. Deterministic, no atomics.
 *
 * Buffers are (global float *p, ulong p_off). Scalars are written as
 * out[off] = out_beta*out[off] + value (out_beta 0 overwrites), gradients likewise with dx_beta.
 * Flags want_* say whether an optional output is written.
 *
 * loss_bce_logits: x [n] logits, scalar target t, scale s.
 *   l_i = max(x, 0) - x*t + log1p(exp(-|x|)); loss = s * mean(l_i);
 *   dx_i = s*(sigmoid(x_i) - t)/n; prob = mean(sigmoid(x_i)).
 * loss_sq: x, y [n], weight w (1/n, 1/2 or 1, times the scale): d_i = x_i - y_i, or 0 where
 *   |d_i| <= dmax; loss = w * sum d_i^2; dx_i = 2*w*d_i.
 * loss_softmax_xent: x, t [rows, cols] row-major (t one-hot or any non-negative weights);
 *   work-item l takes rows l, l + L, ...; p = softmax(x_r), loss = s/rows * sum_r sum_c
 *   t_rc*(lse_r - x_rc); dx_rc = s/rows*(p_rc*sum_c t_rc - t_rc); acc = fraction of rows whose
 *   first largest logit is at the first largest target.
 */

kernel void loss_bce_logits(ulong n, float t, float s, float inv_n, global const float *x,
                            ulong x_off, int want_dx, global float *dx, ulong dx_off, float dx_beta,
                            int want_loss, global float *loss, ulong loss_off, float loss_beta,
                            int want_prob, global float *prob, ulong prob_off, local float *sc)
{
    uint l = get_local_id(0), L = get_local_size(0);
    float gk = s * inv_n;
    float al = 0.0f, ap = 0.0f;
    for (size_t i = l; i < n; i += L) {
        float v = x[x_off + i];
        float e = exp(-fabs(v));
        float sig = v >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
        al += fmax(v, 0.0f) - v * t + log1p(e);
        ap += sig;
        if (want_dx) {
            float prev = dx_beta == 0.0f ? 0.0f : dx_beta * dx[dx_off + i];
            dx[dx_off + i] = prev + gk * (sig - t);
        }
    }
    float sl = wg_sum(sc, al);
    float sp = wg_sum(sc, ap);
    if (l != 0)
        return;
    if (want_loss) {
        float prev = loss_beta == 0.0f ? 0.0f : loss_beta * loss[loss_off];
        loss[loss_off] = prev + s * (sl * inv_n);
    }
    if (want_prob)
        prob[prob_off] = sp * inv_n;
}

kernel void loss_sq(ulong n, float w, float dmax, global const float *x, ulong x_off,
                    global const float *y, ulong y_off, int want_dx, global float *dx, ulong dx_off,
                    float dx_beta, int want_loss, global float *loss, ulong loss_off,
                    float loss_beta, local float *sc)
{
    uint l = get_local_id(0), L = get_local_size(0);
    float acc = 0.0f;
    for (size_t i = l; i < n; i += L) {
        float d = x[x_off + i] - y[y_off + i];
        if (fabs(d) <= dmax)
            d = 0.0f;
        acc = fma(d, d, acc);
        if (want_dx) {
            float prev = dx_beta == 0.0f ? 0.0f : dx_beta * dx[dx_off + i];
            dx[dx_off + i] = prev + 2.0f * w * d;
        }
    }
    float sum = wg_sum(sc, acc);
    if (l == 0 && want_loss) {
        float prev = loss_beta == 0.0f ? 0.0f : loss_beta * loss[loss_off];
        loss[loss_off] = prev + w * sum;
    }
}

kernel void loss_softmax_xent(uint rows, uint cols, float s, float inv_rows, global const float *x,
                              ulong x_off, global const float *t, ulong t_off, int want_dx,
                              global float *dx, ulong dx_off, float dx_beta, int want_loss,
                              global float *loss, ulong loss_off, float loss_beta, int want_acc,
                              global float *acc, ulong acc_off, local float *sc)
{
    uint l = get_local_id(0), L = get_local_size(0);
    float gk = s * inv_rows;
    float al = 0.0f, ac = 0.0f;
    for (uint r = l; r < rows; r += L) {
        global const float *xr = x + x_off + (size_t)r * cols;
        global const float *tr = t + t_off + (size_t)r * cols;
        float mx = xr[0], tmx = tr[0];
        uint amx = 0, atmx = 0;
        for (uint c = 1; c < cols; c++) {
            if (xr[c] > mx) {
                mx = xr[c];
                amx = c;
            }
            if (tr[c] > tmx) {
                tmx = tr[c];
                atmx = c;
            }
        }
        float se = 0.0f, ts = 0.0f, tx = 0.0f;
        for (uint c = 0; c < cols; c++) {
            se += exp(xr[c] - mx);
            ts += tr[c];
            tx = fma(tr[c], xr[c] - mx, tx);
        }
        float lse = log(se); /* log-sum-exp minus the row maximum */
        al += ts * lse - tx;
        ac += amx == atmx ? 1.0f : 0.0f;
        if (want_dx) {
            global float *dr = dx + dx_off + (size_t)r * cols;
            for (uint c = 0; c < cols; c++) {
                float p = exp(xr[c] - mx - lse);
                float prev = dx_beta == 0.0f ? 0.0f : dx_beta * dr[c];
                dr[c] = prev + gk * (p * ts - tr[c]);
            }
        }
    }
    float sl = wg_sum(sc, al);
    float sa = wg_sum(sc, ac);
    if (l != 0)
        return;
    if (want_loss) {
        float prev = loss_beta == 0.0f ? 0.0f : loss_beta * loss[loss_off];
        loss[loss_off] = prev + s * (sl * inv_rows);
    }
    if (want_acc)
        acc[acc_off] = sa * inv_rows;
}
