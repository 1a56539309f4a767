/*
 * fuzz_resume.c - a training checkpoint's metadata as --resume reads it (train/gan_ckpt.c,
 * clgan_gan_resume_meta), through the real safetensors loader.
 *
 * Input: one byte giving the batches per epoch (0..255), then a safetensors file. A file that
 * loads has its metadata checked exactly as a resume does; an accepted checkpoint's numbers must
 * be in their documented ranges (the casts a resume makes are then defined), a refused one has
 * CORRUPT_FILE and a message naming the file.
 */
#include <string.h>

#include "fuzz.h"
#include "train/gan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    long long per_epoch = data[0];
    clgan_st_file *f = NULL;
    char err[1024] = "";
    if (clgan_io_st_load_mem(data + 1, size - 1, "ckpt", &f, err, sizeof(err)) != CLGAN_STATUS_OK)
        return 0;
    struct clgan_gan_resume_meta m;
    err[0] = 0;
    clgan_status st = clgan_gan_resume_meta(f, "ckpt", per_epoch, &m, err, sizeof(err));
    if (st == CLGAN_STATUS_OK) {
        const double max = 9007199254740992.0;
        FUZZ_CHECK(m.model != NULL, "no model");
        FUZZ_CHECK(m.step >= 0 && (double)m.step <= max, "step %lld", m.step);
        FUZZ_CHECK(m.epoch >= 0 && m.epoch <= 2147483647LL, "epoch %lld", m.epoch);
        FUZZ_CHECK(m.batch_in_epoch >= 0 && m.batch_in_epoch <= per_epoch,
                   "batch_in_epoch %lld of %lld", m.batch_in_epoch, per_epoch);
        FUZZ_CHECK(m.adam_t_g >= 0 && (double)m.adam_t_g <= max, "adam_t_G %lld", m.adam_t_g);
        FUZZ_CHECK(m.adam_t_d >= 0 && (double)m.adam_t_d <= max, "adam_t_D %lld", m.adam_t_d);
        FUZZ_CHECK(m.bn_batches_d >= 0 && (double)m.bn_batches_d <= max, "bn %lld", m.bn_batches_d);
    } else {
        FUZZ_CHECK(st == CLGAN_STATUS_CORRUPT_FILE && !strncmp(err, "ckpt: ", 6), "status %s: %s",
                   clgan_status_str(st), err);
    }
    clgan_io_st_free(f);
    return 0;
}
