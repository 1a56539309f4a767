/*
 * preset_classifier.h - the built-in image classifiers of `clgan classify` as network specs: an
 * MLP (flatten, linear, ReLU, linear) and a small CNN (conv-BN-ReLU blocks, stride-2
 * downsampling, a linear head), both ending in one logit per class.
 */
#ifndef CLGAN_NN_PRESET_CLASSIFIER_H
#define CLGAN_NN_PRESET_CLASSIFIER_H

#include "nn/nn.h"

/* Default widths: the CNN's first block's channels, the MLP's hidden units. */
#define CLGAN_CLASSIFIER_CNN_WIDTH 32
#define CLGAN_CLASSIFIER_MLP_WIDTH 256

/*
 * The preset `name` ("cnn" or "mlp") for images of nc x size x size and `classes` logits; width
 * 0 takes the default above. The input is named "x". INVALID_ARGUMENT with one line in err for
 * an unknown name or sizes out of range (the CNN needs size >= 8).
 */
clgan_status clgan_preset_classifier(const char *name, int nc, int size, int classes, int width,
                                     struct clgan_net_spec *out, char *err, size_t err_len);

/* 1 when name is a preset ("cnn", "mlp"). */
int clgan_preset_classifier_known(const char *name);

#endif /* CLGAN_NN_PRESET_CLASSIFIER_H */
