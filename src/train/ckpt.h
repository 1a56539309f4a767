/*
 * ckpt.h - a model's tensors in safetensors files, under PyTorch's module names:
 * "<prefix>main.<i>.weight", ".bias", and for batch norm ".running_mean", ".running_var",
 * ".num_batches_tracked", with PyTorch's shapes (Conv2d [out, in, k, k], ConvTranspose2d
 * [in, out, k, k], Linear [out, in]); optimizer state as flat tensors "<prefix>optim.<slot>".
 */
#ifndef CLGAN_TRAIN_CKPT_H
#define CLGAN_TRAIN_CKPT_H

#include "io/safetensors.h"
#include "nn/nn.h"

/* Add the model's parameters and state (downloaded from the device); with optim also its
 * optimizer state. */
clgan_status clgan_ckpt_add_model(clgan_st_writer *w, struct clgan_model *m, const char *prefix,
                                  int optim, char *err, size_t err_len);

/* Upload the model's tensors from a loaded file; with optim also the optimizer state. Every
 * tensor must be present with the model's shape. */
clgan_status clgan_ckpt_load_model(const clgan_st_file *f, struct clgan_model *m,
                                   const char *prefix, int optim, char *err, size_t err_len);

#endif /* CLGAN_TRAIN_CKPT_H */
