/*
 * check.h - verification shared by the tests and `clgan check`: the one comparator of device
 * results with the plain-C reference, the layers of the model presets with the shapes a model
 * really gives them (the case tables of the op checks), and a host reference model (a whole
 * model, a sequence or a graph, run layer by layer on src/ref/). The public runner,
 * clgan_check_run, is in clgan.h.
 */
#ifndef CLGAN_CHECK_H
#define CLGAN_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "nn/nn.h"
#include "ref/conv.h"

/* ---------------------------------------------------------------- the comparator */

/* What clgan_check_compare found. */
struct clgan_check_cmp {
    double max_err; /* largest |got - ref| over the finite pairs */
    double max_rel; /* largest |got - ref| / (|ref| + atol) over the finite pairs */
    double nmse;    /* sum (got - ref)^2 / sum ref^2 over the finite pairs (the numerator alone
                       when every ref is 0) */
    size_t n_bad;   /* elements out of tolerance, or a NaN / inf that ref does not have */
    size_t where;   /* the first of them (0 when there is none) */
    int ok;         /* n_bad == 0 and nmse <= max_nmse */
};

/*
 * Compare got with ref elementwise: |got - ref| <= atol + rtol |ref| for finite pairs; a NaN in
 * either must be a NaN in both, an infinity in either the same infinity in both. Then by NMSE.
 * Fills *out (may be NULL) and returns out->ok.
 */
int clgan_check_compare(const float *got, const float *ref, size_t n, double atol, double rtol,
                        double max_nmse, struct clgan_check_cmp *out);

/* ---------------------------------------------------------------- preset layers */

#define CLGAN_CHECK_MAX_LAYERS CLGAN_MAX_LAYERS

/* One layer of a preset as a model lays it out, at a given batch. */
struct clgan_check_layer {
    /* "G1", "D3": the network's letter and the number of its convolution (from 1); a batch
     * norm or an activation takes the number of the convolution before it */
    char tag[16];
    struct clgan_layer_spec spec;
    struct clgan_shape in, out; /* per sample */
    int batch;
    struct clgan_conv_shape conv; /* conv2d / convt2d: the op's shape at this batch */
    /* batch norm or convolution: the activation the model folds into it (CLGAN_CHECK_NO_ACT
     * when none); activation: set when it is that folded one (its work is done by the layer
     * before); convolution: the folded activation after the convolution before it, which its
     * input gradient goes through as it is stored (nn.h gate_in; CLGAN_CHECK_NO_ACT when none) */
    int fused_act;
    float fused_slope;
    int folded;
    int gate_act;
    float gate_slope;
};
#define CLGAN_CHECK_NO_ACT (-1)

/*
 * Walk specs[0..n) from the per-sample input shape in with each layer kind's own setup (the
 * shapes clgan_model_init gives), at this batch; net names the tags ('G', 'D'). Returns the
 * number of layers written to out[CLGAN_CHECK_MAX_LAYERS], or -1 when a layer is invalid
 * (err gets the reason).
 */
int clgan_check_walk(const struct clgan_layer_spec *specs, int n, struct clgan_shape in, int batch,
                     char net, struct clgan_check_layer *out, char *err, size_t err_len);

/* Sizes of a DCGAN preset: image size 32 or 64, noise size, feature widths, image channels. */
struct clgan_check_dcgan {
    int size, nz, ngf, ndf, nc;
};

/* The layers of the preset's G ('G') or D ('D') at this batch, through clgan_check_walk. */
int clgan_check_dcgan_layers(const struct clgan_check_dcgan *d, char net, int batch,
                             struct clgan_check_layer *out, char *err, size_t err_len);

/* ---------------------------------------------------------------- host reference model */

/* A model's host twin: its parameters, gradients and running statistics (the same flat layouts
 * and offsets as the device model), every layer's output, saved statistics and output gradient.
 * Layers read their inputs through l->src[] as the device model does: a graph of up to two
 * inputs per layer, the label input of an embedding, an output read by several layers getting
 * the sum of their gradients. A folded activation runs on its own here (the batch norm's output
 * is kept before it), so every layer has its own output. */
struct clgan_check_host {
    const struct clgan_model *m;
    int batch;
    float *params, *grads, *state;
    float **y, **save;
    float **dy;   /* backward: the gradient of every layer's output */
    float *d;     /* backward: one input gradient before it is added to its slot */
    float *dx;    /* backward: the gradient of model input 0 */
    int label_in; /* the model's label input (-1 when it has none) */
};

/* Allocate the twin of m for batches of batch (OUT_OF_HOST_MEMORY; *out NULL then); parameters
 * and state start at 0. A model whose second input is a float tensor, not labels, is
 * UNSUPPORTED. clgan_check_host_free(NULL) does nothing. */
clgan_status clgan_check_host_init(const struct clgan_model *m, int batch,
                                   struct clgan_check_host **out);
void clgan_check_host_free(struct clgan_check_host *h);

/* Copy the device model's parameters and running statistics into the twin (device errors). */
clgan_status clgan_check_host_load(struct clgan_check_host *h);

/* Training forward on src/ref/ of x [batch x in] (model input 0) and labels [batch] (the label
 * input's classes; NULL when the model has none): layer outputs, saved batch statistics, running
 * statistics updated. */
void clgan_check_host_forward(struct clgan_check_host *h, const float *x, const int32_t *labels);

/* What the device model's output slot of layer i holds after a forward: that layer's output,
 * or, for a batch norm with the activation after it fused, the activation's. */
const float *clgan_check_host_slot(const struct clgan_check_host *h, int i);

/* Backward of the last forward of x and labels from dy [batch x out]: parameter gradients (when
 * param_grads) as grad = beta * grad + new, the gradient of model input 0 into dx [batch x in]
 * (zeros when no layer reads that input). */
void clgan_check_host_backward(struct clgan_check_host *h, const float *x, const int32_t *labels,
                               const float *dy, float *dx, float beta, int param_grads);

#endif /* CLGAN_CHECK_H */
