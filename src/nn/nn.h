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
#include "runtime/tensor.h"

#define CLGAN_MAX_LAYERS 48
#define CLGAN_MAX_INPUTS 2 /* inputs of one layer, and of one model */

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
    CLGAN_LAYER_CONCAT, /* channels of input 0, then of input 1 (same n, h, w) */
    CLGAN_LAYER_EMBED,  /* class index (a label input) -> a learned row of dim floats */
    CLGAN_LAYER_INNER,  /* per-sample inner product of two inputs of equal size -> 1 float */
    CLGAN_LAYER_ADD,    /* sum of two inputs of equal size */
};

enum clgan_act {
    CLGAN_ACT_RELU,
    CLGAN_ACT_LRELU,
    CLGAN_ACT_TANH,
    CLGAN_ACT_SIGMOID,
};

/* Where a layer's input comes from: an earlier layer (>= 0), or model input k (-1 - k). */
#define CLGAN_FROM_INPUT(k) (-1 - (k))

/* What a preset or a user asks for; clgan_model_init turns it into layers. */
struct clgan_layer_spec {
    enum clgan_layer_kind kind;
    int out; /* conv/convT: output channels; linear: output features; embed: dimension */
    int k, stride, pad, out_pad;
    int bias; /* conv/convT/linear: has a bias */
    enum clgan_act act;
    float slope;   /* leaky ReLU */
    int classes;   /* embed: number of classes */
    char name[32]; /* "" : "<prefix>.<index>" (PyTorch's Sequential naming) */
    /* inputs: n_in 0 means the layer before (the model input for the first layer) */
    int n_in;
    int in[CLGAN_MAX_INPUTS];
};

/* A model input: an image or noise tensor (classes 0), or a class label per sample (classes >
 * 0: int32, one per sample, 0 <= label < classes). */
struct clgan_net_input {
    char name[32];
    struct clgan_shape shape;
    int classes;
};

/* A network as data: its inputs and its layers in order (each layer's inputs come before it).
 * The output is the last layer's. */
struct clgan_net_spec {
    int n_inputs;
    struct clgan_net_input inputs[CLGAN_MAX_INPUTS];
    int n_layers;
    struct clgan_layer_spec layers[CLGAN_MAX_LAYERS];
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

/* One layer kind's operations (a const table per kind, in src/nn/<kind>.c). Views carry the
 * batch of the pass; x holds the layer's n_in inputs, y its output slot. */
struct clgan_layer_ops {
    const char *name;
    /* Fill out-shape, n_params, n_state, n_save from the spec and the input shapes. */
    clgan_status (*setup)(struct clgan_layer *l, char *err, size_t err_len);
    /* Workspace (floats) the layer needs at this batch on ctx's device (its routes resolved), or
     * with ctx NULL on any device (an estimate before a context is at hand). */
    size_t (*workspace)(const clgan_ctx *ctx, const struct clgan_layer *l, int batch);
    /* Default initialisation of parameters and state (seeded). */
    clgan_status (*init)(struct clgan_model *m, struct clgan_layer *l, uint64_t seed);
    /* Plan time (may be NULL): reserve what the passes at the model's largest batch need
     * beyond the model's buffers (the GEMM backend's packing workspace). */
    clgan_status (*prepare)(struct clgan_model *m, struct clgan_layer *l);
    /* y = f(x). mode: CLGAN_FWD_*. */
    clgan_status (*forward)(struct clgan_model *m, struct clgan_layer *l,
                            const struct clgan_tensor *x, const struct clgan_tensor *y, int mode);
    /* From dy, parameter gradients (unless flags say not) and, for each input whose dx view has
     * a buffer, its gradient: dx = beta dx + new when the kind accumulates (accumulates_dx),
     * else dx = new (the model then passes beta 0 and adds itself where it must). */
    clgan_status (*backward)(struct clgan_model *m, struct clgan_layer *l,
                             const struct clgan_tensor *x, const struct clgan_tensor *y,
                             const struct clgan_tensor *dy, const struct clgan_tensor *dx,
                             const float *beta, int flags);
    /* FLOPs of forward (pass 0), backward-data (1), backward-weights (2). */
    double (*flops)(const struct clgan_layer *l, int batch, int pass);
    int accumulates_dx;
};

struct clgan_layer {
    const struct clgan_layer_ops *ops;
    struct clgan_layer_spec spec;
    char name[32];             /* PyTorch module name, e.g. "main.3" */
    int n_in;                  /* inputs, resolved: */
    int src[CLGAN_MAX_INPUTS]; /* layer index (>= 0) or CLGAN_FROM_INPUT(k) */
    struct clgan_shape in;     /* shape of input 0 */
    struct clgan_shape in2;    /* shape of input 1 (two-input kinds) */
    struct clgan_shape out;
    size_t n_weight;         /* parameters: weight (or gamma) first ... */
    size_t n_params;         /* ... then bias (or beta) */
    size_t p_off;            /* into params / grads */
    size_t n_state, s_off;   /* non-trained state (BN running mean, var) */
    size_t n_save, save_off; /* per-step saved values (BN batch mean, inv-std) */
    size_t y_off;            /* output activations in model->act */
    int consumers;           /* layers that read this output */
    /* A batch norm or a convolution (conv2d, transposed) followed by ReLU or leaky ReLU
     * computes that activation too (fuse_next): it writes act(...) (a convolution in its
     * stores, ops/conv.h epilogues) and backward gates the gradient itself; the activation
     * layer is then folded: it shares the output slot and its forward and backward do nothing.
     * A convolution whose only input is such a folded activation after a convolution, read by
     * no other layer, gates its input gradient through it as it stores it (gate_in); the
     * convolution before then takes its output gradient as it comes (dy_gated). */
    int fuse_next, folded, gate_in, dy_gated;
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
    struct clgan_net_spec net; /* what the model was built from (checkpoints store it) */
    struct clgan_layer layers[CLGAN_MAX_LAYERS];
    int n_layers;
    struct clgan_shape in, out; /* input 0 and output, per sample */
    int max_batch;
    /* a plain sequence (every layer reads the one before, one model input): input gradients
     * ping-pong between two buffers; otherwise every layer output has a gradient slot in dact */
    int chain;
    size_t n_params, n_state, n_act, n_save, n_grad, n_work;
    cl_mem params, grads, state, act, save, work;
    cl_mem dbuf[2]; /* chain: ping-pong input gradients between layers; graph: dbuf[0] scratch */
    cl_mem dact;    /* graph: output gradients, laid out as act */
    cl_mem dx;      /* gradient of model input 0 (after backward with input grad) */
    struct clgan_optim opt;
    cl_mem opt_a, opt_b; /* optimizer state (Adam m, v; SGD momentum; Quickprop step, slope) */
    size_t n_opt_bufs;
    uint64_t seed;
    long long bn_batches; /* training forwards done (PyTorch's num_batches_tracked) */
    /* batch norms of training forwards and their backwards add their per-channel sums across
     * processes through this (ops/bnsync.h; NULL: the statistics of this batch alone) */
    const struct clgan_ops_bn_sync *bn_sync;
};

/* Build a model from a network spec for batches up to max_batch. name_prefix gives default
 * layer names "<prefix>.<i>" (PyTorch's Sequential naming). The spec is validated here (every
 * error names the layer); the model's total size is checked against the device
 * (clgan_rt_fits) before the first allocation. */
clgan_status clgan_model_init_net(clgan_ctx *ctx, const struct clgan_net_spec *net, int max_batch,
                                  const char *name_prefix, struct clgan_model **out);
/* A sequence of n layers on one input of shape in (the first layer reads the input, every
 * other the layer before). */
clgan_status clgan_model_init(clgan_ctx *ctx, const struct clgan_layer_spec *specs, int n,
                              struct clgan_shape in, int max_batch, const char *name_prefix,
                              struct clgan_model **out);
void clgan_model_free(struct clgan_model *m);

/* A one-input sequence as a network spec. */
void clgan_net_sequence(struct clgan_net_spec *net, const struct clgan_layer_spec *specs, int n,
                        struct clgan_shape in);

/* Device memory a model of this description takes: every buffer clgan_model_init allocates plus
 * opt_bufs optimizer state buffers (Adam 2, SGD 1), without allocating anything. INVALID_ARGUMENT
 * when the description is bad or a size overflows. */
struct clgan_model_mem {
    uint64_t total;           /* bytes */
    uint64_t largest;         /* bytes of the largest single buffer */
    const char *largest_what; /* its name, e.g. "model activations" */
};
clgan_status clgan_model_mem_net(clgan_ctx *ctx, const struct clgan_net_spec *net, int max_batch,
                                 int opt_bufs, struct clgan_model_mem *out);
clgan_status clgan_model_mem(clgan_ctx *ctx, const struct clgan_layer_spec *specs, int n,
                             struct clgan_shape in, int max_batch, int opt_bufs,
                             struct clgan_model_mem *out);

/* Initialise every layer's parameters with its default scheme, seeded. */
clgan_status clgan_model_init_params(struct clgan_model *m, uint64_t seed);

/* Forward a batch from the model's inputs (views, one per model input, with the batch in n);
 * the output is clgan_model_output(m, batch). */
clgan_status clgan_model_run(struct clgan_model *m, const struct clgan_tensor *in, int batch,
                             int mode);
/* Backward from dy (gradient of the output) for the last forward's inputs; the gradient of
 * input 0 (unless CLGAN_BWD_NO_INPUT_GRAD) lands in clgan_model_input_grad(m, batch). */
clgan_status clgan_model_back(struct clgan_model *m, const struct clgan_tensor *in,
                              const struct clgan_tensor *dy, int batch, int flags);
/* Views of the output and of input 0's gradient at this batch. */
struct clgan_tensor clgan_model_output(const struct clgan_model *m, int batch);
struct clgan_tensor clgan_model_input_grad(const struct clgan_model *m, int batch);
/* A view of model input k's shape and dtype on mem at element offset off. */
struct clgan_tensor clgan_model_input_view(const struct clgan_model *m, int k, cl_mem mem,
                                           size_t off, int batch);

/* One-input shorthands: x is (buffer, float offset) of input 0; the output is at
 * (m->act, clgan_model_output_off(m)), the input gradient in m->dx at offset 0. */
clgan_status clgan_model_forward(struct clgan_model *m, cl_mem x, size_t x_off, int batch,
                                 int train);
size_t clgan_model_output_off(const struct clgan_model *m);
clgan_status clgan_model_backward(struct clgan_model *m, cl_mem x, size_t x_off, cl_mem dy,
                                  size_t dy_off, int batch, int flags);

/* Optimizer: allocate state and set hyper-parameters; step applies one update of all params. */
clgan_status clgan_model_optim_init(struct clgan_model *m, const struct clgan_optim *opt);
clgan_status clgan_model_optim_step(struct clgan_model *m);

/* Total FLOPs of a forward (pass 0) / backward-data (1) / backward-weights (2) at batch. */
double clgan_model_flops(const struct clgan_model *m, int batch, int pass);

/* ---------------------------------------------------------------- network specs (spec.c) */

/* Presets. The DCGAN of PyTorch's example for images of size x size (any power of two >= 16):
 * G maps nz x 1 x 1 noise to nc x size x size in [-1, 1]; D maps images to one logit. With
 * classes > 0 the pair is class-conditional: G reads z concatenated with an embedding of the
 * label, D adds the projection <embed(y), features> to its logit. */
clgan_status clgan_preset_dcgan(int size, int nz, int ngf, int ndf, int nc, int classes,
                                struct clgan_net_spec *g, struct clgan_net_spec *d, char *err,
                                size_t err_len);
/* Layer lists of the unconditional DCGAN preset (n layers returned). */
int clgan_preset_dcgan_g(int size, int nz, int ngf, int nc, struct clgan_layer_spec *specs);
int clgan_preset_dcgan_d(int size, int ndf, int nc, struct clgan_layer_spec *specs);
/* MLP: sizes[0] inputs, sizes[1..n-1] layer widths; hidden and output activation (or -1). */
int clgan_preset_mlp(const int *sizes, int n, int hidden_act, int out_act,
                     struct clgan_layer_spec *specs);

/* Check a network spec without building it: inputs, kinds, sizes, references, shapes; the
 * first problem goes to err naming the layer (by index and name) and the field. */
clgan_status clgan_net_validate(const struct clgan_net_spec *net, char *err, size_t err_len);

/* A network spec as a JSON object (cJSON; spec_json.c) and back. The text is malloc'ed. */
clgan_status clgan_net_to_json(const struct clgan_net_spec *net, char **json);
/* Parse one network object (text). Unknown keys, bad kinds and values out of range are errors
 * naming the layer and key; the result is validated. */
clgan_status clgan_net_from_json(const char *json, struct clgan_net_spec *net, char *err,
                                 size_t err_len);
/* The G/D pair file: {"format": "clgan-arch-1", "G": {...}, "D": {...}}. */
clgan_status clgan_arch_to_json(const struct clgan_net_spec *g, const struct clgan_net_spec *d,
                                char **json);
clgan_status clgan_arch_from_json(const char *json, struct clgan_net_spec *g,
                                  struct clgan_net_spec *d, char *err, size_t err_len);

/* Shape helpers of the spec walk: the output shape of every layer (out[n_layers]). */
clgan_status clgan_net_shapes(const struct clgan_net_spec *net, struct clgan_shape *out, char *err,
                              size_t err_len);

/* The ops table of a layer kind (NULL for a value outside the enum). */
const struct clgan_layer_ops *clgan_layer_ops_of(enum clgan_layer_kind kind);

/* Layer ops tables. */
extern const struct clgan_layer_ops clgan_layer_conv2d;
extern const struct clgan_layer_ops clgan_layer_convt2d;
extern const struct clgan_layer_ops clgan_layer_linear;
extern const struct clgan_layer_ops clgan_layer_batchnorm;
extern const struct clgan_layer_ops clgan_layer_act;
extern const struct clgan_layer_ops clgan_layer_concat;
extern const struct clgan_layer_ops clgan_layer_embed;
extern const struct clgan_layer_ops clgan_layer_inner;
extern const struct clgan_layer_ops clgan_layer_add;

#endif /* CLGAN_NN_H */
