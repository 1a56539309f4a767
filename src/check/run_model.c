/*
 * run_model.c - the "model" family: a whole training step of dcgan32's G and D, plain and
 * class-conditional (G: label embedding concatenated with z; D: projection discriminator), as
 * clgan_model runs it (forward in training mode, backward with parameter and input gradients),
 * against the host reference model (host_model.c). Widths and batch follow the size class as the
 * convolution cases do.
 */
#include <stdio.h>

#include "check/runner.h"

/* Classes of the conditional pair (Fashion-MNIST's, as dcgan32's one channel). */
#define COND_CLASSES 10

static void model_case(struct chk *c, const char *stem, const struct clgan_net_spec *net, int batch)
{
    char op[96];
    struct clgan_model *m = NULL;
    struct clgan_check_host *h = NULL;
    if (!chk_want_case(c, stem))
        return;
    snprintf(op, sizeof(op), "%s_fwd", stem);
    clgan_status st = clgan_model_init_net(c->ctx, net, batch, "main", &m);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_init_params(m, c->rng);
    if (st != CLGAN_STATUS_OK) {
        chk_dev_error(c, op);
        goto out;
    }
    if (clgan_check_host_init(m, batch, &h) != CLGAN_STATUS_OK) {
        chk_fail(c, op, "out of host memory");
        goto out;
    }
    int cond = net->n_inputs > 1;
    size_t nin = (size_t)batch * clgan_shape_size(m->in),
           nout = (size_t)batch * clgan_shape_size(m->out);
    float *x = chk_rand(c, nin, -1, 1), *dy = chk_rand(c, nout, -1, 1), *rdx = chk_zeros(c, nin);
    int32_t *labels = cond ? chk_labels(c, (size_t)batch, net->inputs[1].classes) : NULL;
    cl_mem dx = chk_up(c, x, nin), ddy = chk_up(c, dy, nout);
    cl_mem dl = cond && labels ? chk_up_labels(c, labels, (size_t)batch) : NULL;
    float *got = NULL;
    if (!chk_ready(c, op))
        goto out;
    struct clgan_tensor in[CLGAN_MAX_INPUTS] = {clgan_model_input_view(m, 0, dx, 0, batch)};
    if (cond)
        in[1] = clgan_model_input_view(m, 1, dl, 0, batch);
    struct clgan_tensor dyv = clgan_model_output(m, batch);
    dyv.mem = ddy;
    dyv.off = 0;
    if (clgan_check_host_load(h) != CLGAN_STATUS_OK ||
        clgan_model_run(m, in, batch, CLGAN_FWD_TRAIN) != CLGAN_STATUS_OK ||
        !(got = chk_down(c, m->act, m->n_act))) {
        chk_dev_error(c, op);
        goto out;
    }
    clgan_check_host_forward(h, x, labels);
    /* every layer's output slot; fp32 through several layers of long sums: the relative
     * tolerance grows with depth */
    int ok_all = 1;
    for (int i = 0; i < m->n_layers && ok_all; i++) {
        const struct clgan_layer *l = &m->layers[i];
        struct clgan_check_cmp cmp;
        if (l->folded)
            continue;
        ok_all =
            clgan_check_compare(got + l->y_off, clgan_check_host_slot(h, i),
                                (size_t)batch * clgan_shape_size(l->out), 2e-4, 2e-3, 1e-8, &cmp);
        if (!ok_all) {
            /* the first layer out of tolerance is the one worth reading */
            snprintf(op, sizeof(op), "%s_fwd_layer%d_%s", stem, i, l->ops->name);
            chk_compare(c, op, got + l->y_off, clgan_check_host_slot(h, i),
                        (size_t)batch * clgan_shape_size(l->out), 2e-4, 2e-3, 1e-8);
        }
    }
    /* the model's output, as one result when every layer passed */
    if (ok_all)
        chk_compare(c, op, got + clgan_model_output_off(m),
                    clgan_check_host_slot(h, m->n_layers - 1), nout, 2e-4, 2e-3, 1e-8);
    snprintf(op, sizeof(op), "%s_running_stats", stem);
    if (m->n_state) {
        if ((got = chk_down(c, m->state, m->n_state)) != NULL)
            chk_compare(c, op, got, h->state, m->n_state, 1e-5, 1e-3, 1e-9);
        else
            chk_dev_error(c, op);
    }
    snprintf(op, sizeof(op), "%s_bwd_params", stem);
    if (clgan_model_back(m, in, &dyv, batch, 0) != CLGAN_STATUS_OK ||
        !(got = chk_down(c, m->grads, m->n_params))) {
        chk_dev_error(c, op);
        goto out;
    }
    clgan_check_host_backward(h, x, labels, dy, rdx, 0.0f, 1);
    chk_compare(c, op, got, h->grads, m->n_params, 1e-3, 5e-3, 1e-7);
    snprintf(op, sizeof(op), "%s_bwd_input", stem);
    if ((got = chk_down(c, m->dx, nin)) != NULL)
        chk_compare(c, op, got, rdx, nin, 1e-4, 5e-3, 1e-7);
    else
        chk_dev_error(c, op);
out:
    chk_done(c);
    clgan_check_host_free(h);
    clgan_model_free(m);
}

void clgan_check_model(struct chk *c)
{
    struct clgan_check_dcgan d;
    struct clgan_net_spec g, dn;
    char err[256];
    int batch = 0;
    if (!chk_dcgan(c, 0, &d, &batch))
        return;
    /* batch norm needs two values per channel: G's first one sees 4x4 per image */
    static const char *const stems[2][2] = {{"model_dcgan32_G", "model_dcgan32_D"},
                                            {"model_dcgan32_cond_G", "model_dcgan32_cond_D"}};
    for (int k = 0; k < 2; k++) {
        if (!chk_want_case(c, k ? "model_dcgan32_cond" : "model_dcgan32"))
            continue;
        if (clgan_preset_dcgan(d.size, d.nz, d.ngf, d.ndf, d.nc, k ? COND_CLASSES : 0, &g, &dn, err,
                               sizeof(err)) != CLGAN_STATUS_OK) {
            chk_fail(c, stems[k][0], err);
            continue;
        }
        model_case(c, stems[k][0], &g, batch);
        model_case(c, stems[k][1], &dn, batch);
    }
}
