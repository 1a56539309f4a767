/*
 * preset_classifier.c - the built-in image classifiers as specs (see preset_classifier.h).
 *
 * cnn (width w, images S x S):
 *   conv 3x3 s1 p1 -> w,   BN, ReLU     S x S
 *   conv 4x4 s2 p1 -> 2w,  BN, ReLU     S/2        (stride-2 convolutions downsample, as in
 *   conv 4x4 s2 p1 -> 4w,  BN, ReLU     S/4         DCGAN's discriminator; no pooling layers)
 *   linear -> classes (bias)
 * The convolutions have no bias (the batch norm after each has one). For 28x28 Fashion-MNIST at
 * w = 32 that is 13 M multiply-adds per image forward and 227 k parameters.
 *
 * mlp (width h): linear -> h (bias), ReLU, linear -> classes (bias); the first linear layer
 * flattens the image.
 */
#include <stdio.h>
#include <string.h>

#include "nn/preset_classifier.h"

int clgan_preset_classifier_known(const char *name)
{
    return name && (!strcmp(name, "cnn") || !strcmp(name, "mlp"));
}

static struct clgan_layer_spec conv(int out, int k, int s, int p)
{
    struct clgan_layer_spec sp = {
        .kind = CLGAN_LAYER_CONV2D, .out = out, .k = k, .stride = s, .pad = p};
    return sp;
}

static struct clgan_layer_spec simple(enum clgan_layer_kind kind)
{
    struct clgan_layer_spec sp = {.kind = kind, .act = CLGAN_ACT_RELU};
    return sp;
}

static struct clgan_layer_spec linear(int out)
{
    struct clgan_layer_spec sp = {.kind = CLGAN_LAYER_LINEAR, .out = out, .bias = 1};
    return sp;
}

clgan_status clgan_preset_classifier(const char *name, int nc, int size, int classes, int width,
                                     struct clgan_net_spec *out, char *err, size_t err_len)
{
    int cnn = name && !strcmp(name, "cnn");
    if (!clgan_preset_classifier_known(name)) {
        snprintf(err, err_len, "unknown classifier '%s'; use cnn, mlp or a network file (JSON)",
                 name ? name : "(null)");
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    if (!width)
        width = cnn ? CLGAN_CLASSIFIER_CNN_WIDTH : CLGAN_CLASSIFIER_MLP_WIDTH;
    if (nc < 1 || nc > 4 || size < (cnn ? 8 : 1) || size > 4096 || classes < 2 ||
        classes > 100000 || width < 1 || width > (cnn ? 4096 : 1 << 20)) {
        snprintf(err, err_len,
                 "%s classifier: bad sizes (channels %d, image size %d%s, classes %d, width %d)",
                 name, nc, size, cnn ? ", at least 8" : "", classes, width);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    memset(out, 0, sizeof(*out));
    out->n_inputs = 1;
    snprintf(out->inputs[0].name, sizeof(out->inputs[0].name), "x");
    out->inputs[0].shape = (struct clgan_shape){nc, size, size};
    struct clgan_layer_spec *l = out->layers;
    int n = 0;
    if (cnn) {
        static const int k[3] = {3, 4, 4}, s[3] = {1, 2, 2}, mult[3] = {1, 2, 4};
        for (int b = 0; b < 3; b++) {
            l[n++] = conv(width * mult[b], k[b], s[b], 1);
            l[n++] = simple(CLGAN_LAYER_BATCHNORM);
            l[n++] = simple(CLGAN_LAYER_ACT);
        }
    } else {
        l[n++] = linear(width);
        l[n++] = simple(CLGAN_LAYER_ACT);
    }
    l[n++] = linear(classes);
    out->n_layers = n;
    return clgan_net_validate(out, err, err_len);
}
