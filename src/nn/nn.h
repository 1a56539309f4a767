/*
 * nn.h - layers with forward and backward, sequential models whose parameters, gradients,
 * running statistics and optimizer state are each one flat device buffer (layers hold offsets),
 * presets (dcgan32, dcgan64, MLP), and optimizers over the flat buffers.
 *
 * Everything a model needs is allocated at init for its largest batch; forward, backward and
 * optimizer steps only enqueue kernels.
 */
#ifndef CLGAN_NN_H
#define CLGAN_NN_H

#include "runtime/rt.h"

#define CLGAN_MAX_LAYERS 32

/* Per-sample shape (the batch is separate). */
struct clgan_shape {
    int c, h, w;
};

static inline size_t clgan_shape_size(struct clgan_shape s)
{
    return (size_t)s.c * (size_t)s.h * (size_t)s.w;
}

enum clgan_layer_kind {
    CLGAN_LAYER_CONV2D,
    CLGAN_LAYER_CONVT2D,
    CLGAN_LAYER_LINEAR,
    CLGAN_LAYER_BATCHNORM,
    CLGAN_LAYER_ACT,
};

enum clgan_act {
    CLGAN_ACT_RELU,
    CLGAN_ACT_LRELU,
    CLGAN_ACT_TANH,
    CLGAN_ACT_SIGMOID,
};

/* What a preset or a user asks for; clgan_model_init turns it into layers. */
struct clgan_layer_spec {
    enum clgan_layer_kind kind;
    int out; /* conv/convT: output channels; linear: output features */
    int k, stride, pad, out_pad;
    int bias; /* conv/convT/linear: has a bias */
    enum clgan_act act;
    float slope; /* leaky ReLU */
};

/* Forward modes: evaluation (running statistics), training (batch statistics, running ones
 * updated), and batch statistics without touching the running ones (sample grids). */
enum {
    CLGAN_FWD_EVAL = 0,
    CLGAN_FWD_TRAIN = 1,
    CLGAN_FWD_BATCH_STATS = 2,
};

/* Backward flags. */
enum {
    CLGAN_BWD_NO_PARAM_GRAD = 1, /* leave parameter gradients untouched (G step through D) */
    CLGAN_BWD_ACCUMULATE = 2,    /* add parameter gradients to what is there */
    CLGAN_BWD_NO_INPUT_GRAD = 4, /* skip the first layer's input gradient */
};

struct clgan_model;
struct clgan_layer;

/* One layer kind's operations (a const table per kind, in src/nn/<kind>.c). */
struct clgan_layer_ops {
    const char *name;
    /* Fill out-shape, n_params, n_state, n_save from the spec and the input shape. */
    clgan_status (*setup)(struct clgan_layer *l, char *err, size_t err_len);
    /* Workspace (floats) the layer needs at this batch. */
    size_t (*workspace)(const struct clgan_layer *l, int batch);
    /* Default initialisation of parameters and state (seeded). */
    clgan_status (*init)(struct clgan_model *m, struct clgan_layer *l, uint64_t seed);
    /* y = f(x); x is the layer's input (previous output or the model input). */
    clgan_status (*forward)(struct clgan_model *m, struct clgan_layer *l, cl_mem x, size_t x_off,
                            int batch, int train);
    /* From dy, compute parameter gradients (unless flags say not) and dx (if dx != NULL). */
    clgan_status (*backward)(struct clgan_model *m, struct clgan_layer *l, cl_mem x, size_t x_off,
                             cl_mem dy, size_t dy_off, cl_mem dx, size_t dx_off, int batch,
                             int flags);
    /* FLOPs of forward (pass 0), backward-data (1), backward-weights (2). */
    double (*flops)(const struct clgan_layer *l, int batch, int pass);
};

struct clgan_layer {
    const struct clgan_layer_ops *ops;
    struct clgan_layer_spec spec;
    char name[32]; /* PyTorch module name, e.g. "main.3" */
    struct clgan_shape in, out;
    size_t n_weight;         /* parameters: weight (or gamma) first ... */
    size_t n_params;         /* ... then bias (or beta) */
    size_t p_off;            /* into params / grads */
    size_t n_state, s_off;   /* non-trained state (BN running mean, var) */
    size_t n_save, save_off; /* per-step saved values (BN batch mean, inv-std) */
    size_t y_off;            /* output activations in model->act */
    /* A batch norm followed by ReLU or leaky ReLU computes that activation too (fuse_next):
     * it writes act(bn(x)) and backward gates the gradient itself; the activation layer is
     * then folded: it shares the batch norm's output slot and its forward and backward do
     * nothing. */
    int fuse_next, folded;
};

enum clgan_optim_kind {
    CLGAN_OPTIM_NONE,
    CLGAN_OPTIM_SGD,
    CLGAN_OPTIM_ADAM,
    CLGAN_OPTIM_QUICKPROP,
};

struct clgan_optim {
    enum clgan_optim_kind kind;
    float lr;       /* SGD, Adam; Quickprop: eta */
    float momentum; /* SGD; Quickprop: mu */
    float beta1, beta2, eps;
    float weight_decay; /* SGD, Adam (L2); Quickprop: decay */
    long long t;        /* steps taken */
};

struct clgan_model {
    clgan_ctx *ctx;
    struct clgan_layer layers[CLGAN_MAX_LAYERS];
    int n_layers;
    struct clgan_shape in, out;
    int max_batch;
    size_t n_params, n_state, n_act, n_save, n_grad, n_work;
    cl_mem params, grads, state, act, save, work;
    cl_mem dbuf[2]; /* ping-pong input gradients between layers */
    cl_mem dx;      /* gradient of the model input (after backward with input grad) */
    struct clgan_optim opt;
    cl_mem opt_a, opt_b; /* optimizer state (Adam m, v; SGD momentum; Quickprop step, slope) */
    size_t n_opt_bufs;
    uint64_t seed;
    long long bn_batches; /* training forwards done (PyTorch's num_batches_tracked) */
};

/* Build a sequential model for inputs of shape in, batches up to max_batch. name_prefix gives
 * layer names "<prefix>.<i>" (PyTorch's Sequential naming). The model's total size is checked
 * against the device (clgan_rt_fits) before the first allocation. */
clgan_status clgan_model_init(clgan_ctx *ctx, const struct clgan_layer_spec *specs, int n,
                              struct clgan_shape in, int max_batch, const char *name_prefix,
                              struct clgan_model **out);
void clgan_model_free(struct clgan_model *m);

/* Device memory a model of this description takes: every buffer clgan_model_init allocates plus
 * opt_bufs optimizer state buffers (Adam 2, SGD 1), without allocating anything. INVALID_ARGUMENT
 * when the description is bad or a size overflows. */
struct clgan_model_mem {
    uint64_t total;           /* bytes */
    uint64_t largest;         /* bytes of the largest single buffer */
    const char *largest_what; /* its name, e.g. "model activations" */
};
clgan_status clgan_model_mem(clgan_ctx *ctx, const struct clgan_layer_spec *specs, int n,
                             struct clgan_shape in, int max_batch, int opt_bufs,
                             struct clgan_model_mem *out);

/* Initialise every layer's parameters with its default scheme, seeded. */
clgan_status clgan_model_init_params(struct clgan_model *m, uint64_t seed);

/* Forward a batch; the output is at (m->act, clgan_model_output_off(m)). */
clgan_status clgan_model_forward(struct clgan_model *m, cl_mem x, size_t x_off, int batch,
                                 int train);
size_t clgan_model_output_off(const struct clgan_model *m);

/* Backward from dy (gradient of the output) for the last forward's input x; the input gradient
 * (unless CLGAN_BWD_NO_INPUT_GRAD) lands in m->dx at offset 0. */
clgan_status clgan_model_backward(struct clgan_model *m, cl_mem x, size_t x_off, cl_mem dy,
                                  size_t dy_off, int batch, int flags);

/* Optimizer: allocate state and set hyper-parameters; step applies one update of all params. */
clgan_status clgan_model_optim_init(struct clgan_model *m, const struct clgan_optim *opt);
clgan_status clgan_model_optim_step(struct clgan_model *m);

/* Total FLOPs of a forward (pass 0) / backward-data (1) / backward-weights (2) at batch. */
double clgan_model_flops(const struct clgan_model *m, int batch, int pass);

/* Presets. G maps nz x 1 x 1 noise to nc x size x size in [-1, 1]; D maps images to one logit. */
int clgan_preset_dcgan_g(int size, int nz, int ngf, int nc, struct clgan_layer_spec *specs);
int clgan_preset_dcgan_d(int size, int ndf, int nc, struct clgan_layer_spec *specs);
/* MLP: sizes[0] inputs, sizes[1..n-1] layer widths; hidden and output activation (or -1). */
int clgan_preset_mlp(const int *sizes, int n, int hidden_act, int out_act,
                     struct clgan_layer_spec *specs);

/* Layer ops tables. */
extern const struct clgan_layer_ops clgan_layer_conv2d;
extern const struct clgan_layer_ops clgan_layer_convt2d;
extern const struct clgan_layer_ops clgan_layer_linear;
extern const struct clgan_layer_ops clgan_layer_batchnorm;
extern const struct clgan_layer_ops clgan_layer_act;

#endif /* CLGAN_NN_H */
