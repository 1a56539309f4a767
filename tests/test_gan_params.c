/* labels: unit; timeout: 60 */
/*
 * test_gan_params.c - GAN parameters by name (clgan_gan_params_new/_set/_free): every field of
 * struct clgan_gan_params but dist is reached by its name and lands in that field with its type;
 * strings are copied; bad names and numbers are refused with one line naming the parameter and
 * leave the field as it was.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static char msg[512];

static int set(struct clgan_gan_params *p, const char *name, const char *value)
{
    msg[0] = 0;
    return clgan_gan_params_set(p, name, value, msg, sizeof(msg)) == CLGAN_STATUS_OK;
}

static void test_every_field(void)
{
    struct clgan_gan_params *p = clgan_gan_params_new();
    struct clgan_gan_params d = clgan_gan_default_params();
    if (!th_expect(p != NULL, "params_new", NULL, "%s", p ? "allocated" : "NULL"))
        return;
    th_expect(p->batch == d.batch && p->lr == d.lr && !strcmp(p->data, d.data) &&
                  !strcmp(p->model, d.model) && p->seed == d.seed,
              "params_new_defaults", NULL, "batch %d lr %g", p->batch, p->lr);
    int ok = 1;
    /* each int field a distinct value, then read back through the struct */
    const char *ints[] = {"image_size",   "cond",       "nz",         "ngf",     "ndf",
                          "channels",     "batch",      "d_steps",    "epochs",  "log_every",
                          "sample_every", "ckpt_every", "keep_ckpts", "sync_bn", "deterministic",
                          "overwrite"};
    int *int_dst[] = {
        &p->image_size,   &p->cond,       &p->nz,         &p->ngf,     &p->ndf,
        &p->channels,     &p->batch,      &p->d_steps,    &p->epochs,  &p->log_every,
        &p->sample_every, &p->ckpt_every, &p->keep_ckpts, &p->sync_bn, &p->deterministic,
        &p->overwrite};
    for (int i = 0; i < (int)(sizeof(ints) / sizeof(ints[0])); i++) {
        char v[16];
        snprintf(v, sizeof(v), "%d", 1000 + i);
        if (!set(p, ints[i], v) || *int_dst[i] != 1000 + i) {
            th_expect(0, "params_int_field", NULL, "%s: %s", ints[i], msg);
            ok = 0;
        }
    }
    const char *longs[] = {"iters", "max_images", "per_class"};
    long long *long_dst[] = {&p->iters, &p->max_images, &p->per_class};
    for (int i = 0; i < 3; i++) {
        char v[32];
        snprintf(v, sizeof(v), "%lld", 5000000000LL + i);
        if (!set(p, longs[i], v) || *long_dst[i] != 5000000000LL + i) {
            th_expect(0, "params_long_field", NULL, "%s: %s", longs[i], msg);
            ok = 0;
        }
    }
    const char *dbls[] = {"lr", "beta1", "beta2", "real_label"};
    double *dbl_dst[] = {&p->lr, &p->beta1, &p->beta2, &p->real_label};
    for (int i = 0; i < 4; i++) {
        char v[32];
        snprintf(v, sizeof(v), "0.%d25", i + 1);
        if (!set(p, dbls[i], v) || *dbl_dst[i] != strtod(v, NULL)) {
            th_expect(0, "params_double_field", NULL, "%s: %s", dbls[i], msg);
            ok = 0;
        }
    }
    const char *strs[] = {"model", "arch", "g_loss", "data", "labels", "out_dir", "resume"};
    const char **str_dst[] = {&p->model,  &p->arch,    &p->g_loss, &p->data,
                              &p->labels, &p->out_dir, &p->resume};
    for (int i = 0; i < 7; i++) {
        char v[32];
        snprintf(v, sizeof(v), "text-%d", i);
        if (!set(p, strs[i], v) || !*str_dst[i] || strcmp(*str_dst[i], v) || *str_dst[i] == v) {
            th_expect(0, "params_string_field", NULL, "%s: %s", strs[i], msg);
            ok = 0;
        }
    }
    ok &= set(p, "seed", "18446744073709551615") && p->seed == UINT64_MAX;
    th_expect(ok, "params_every_field", NULL, "31 fields by name");
    /* strings: replaced (the old copy freed), emptied, reset to NULL */
    th_expect(set(p, "out_dir", "") && p->out_dir && !p->out_dir[0], "params_string_empty", NULL,
              "%s", msg);
    th_expect(set(p, "arch", NULL) && !p->arch, "params_string_null", NULL, "%s", msg);
    clgan_gan_params_free(p);
    clgan_gan_params_free(NULL);
}

static void test_refused(void)
{
    struct clgan_gan_params *p = clgan_gan_params_new();
    if (!p)
        return;
    const struct {
        const char *name, *value, *want;
    } cases[] = {
        {"batchh", "16", "unknown name 'batchh'"},
        {"dist", "1", "unknown name 'dist'"},
        {"batch", "16x", "batch: '16x' is not an integer"},
        {"batch", "", "batch: '' is not a number"},
        {"batch", " 16", "batch: ' 16' is not a number"},
        {"batch", "2147483648", "batch: '2147483648' is not an integer in the range of an int"},
        {"batch", "1.5", "batch: '1.5' is not an integer"},
        {"iters", "9223372036854775808", "iters: '9223372036854775808' is not a 64-bit integer"},
        {"seed", "-1", "seed: '-1' is not an integer from 0"},
        {"seed", "18446744073709551616", "seed: '18446744073709551616'"},
        {"lr", "nan", "lr: 'nan' is not a finite number"},
        {"lr", "1e999", "lr: '1e999' is not a finite number"},
        {"lr", "0.1.2", "lr: '0.1.2'"},
        {"nz", NULL, "nz: '(null)' is not a number"},
    };
    struct clgan_gan_params before = *p;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char name[64];
        snprintf(name, sizeof(name), "params_refuse_%zu_%s", i, cases[i].name);
        int ok = !set(p, cases[i].name, cases[i].value) && strstr(msg, cases[i].want) &&
                 !strchr(msg, '\n') && !memcmp(&before, p, sizeof(before));
        th_expect(ok, name, NULL, "%s", msg);
    }
    th_expect(!set(p, NULL, "1") && strstr(msg, "unknown name"), "params_refuse_null_name", NULL,
              "%s", msg);
    th_expect(clgan_gan_params_set(NULL, "batch", "1", msg, sizeof(msg)) ==
                      CLGAN_STATUS_INVALID_ARGUMENT &&
                  strstr(msg, "NULL"),
              "params_refuse_null_params", NULL, "%s", msg);
    /* no message buffer: still refused, nothing written */
    th_expect(clgan_gan_params_set(p, "batch", "x", NULL, 0) == CLGAN_STATUS_INVALID_ARGUMENT,
              "params_refuse_no_msg", NULL, "status");
    clgan_gan_params_free(p);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 0);
    if (th_want("params_every") || th_want("params_new") || th_want("params_string"))
        test_every_field();
    if (th_want("params_refuse"))
        test_refused();
    return th_finish();
}
