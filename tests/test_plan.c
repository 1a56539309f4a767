/* labels: kernel; timeout: 600 */
/*
 * test_plan.c - a training step replays a plan made at init: after clgan_gan_init, steps (with
 * their statistics read back, with a sample grid between them, and across an epoch boundary)
 * allocate no device buffer and create no program or kernel; and the kernel table that launches
 * index agrees with the kernels the cl/ sources define.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* "kernel void NAME(" in the embedded sources, each in the table, and the table's size. */
static void test_kernel_table(void)
{
    const char *name = "kernel_table_matches_sources";
    if (!th_want(name))
        return;
    int found = 0, missing = 0;
    char bad[128] = "";
    for (size_t i = 0; i < clgan_cl_n_sources; i++) {
        const char *s = (const char *)clgan_cl_sources[i].data;
        for (const char *p = s; (p = strstr(p, "kernel void ")) != NULL; p++) {
            if (p != s && p[-1] != '\n')
                continue;
            const char *q = p + strlen("kernel void ");
            size_t n = strcspn(q, "( \n");
            int known = 0;
            for (int k = 0; k < CLGAN_K_COUNT; k++)
                if (strlen(clgan_rt_kernel_name((enum clgan_kid)k)) == n &&
                    !strncmp(clgan_rt_kernel_name((enum clgan_kid)k), q, n) &&
                    !strcmp(clgan_rt_kernel_family((enum clgan_kid)k), clgan_cl_sources[i].name))
                    known = 1;
            found++;
            if (!known && !missing++)
                snprintf(bad, sizeof(bad), "%.*s in cl/%s.cl", (int)n, q, clgan_cl_sources[i].name);
        }
    }
    th_expect(!missing && found == CLGAN_K_COUNT, name, NULL,
              "%d kernels in the sources, %d in the table, %d missing (%s)", found, CLGAN_K_COUNT,
              missing, bad);
}

/* A small IDX file of count size x size images. */
static int write_idx(const char *path, int count, int size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    unsigned char hdr[16] = {0, 0, 8, 3};
    int dims[3] = {count, size, size};
    for (int d = 0; d < 3; d++)
        for (int b = 0; b < 4; b++)
            hdr[4 + 4 * d + b] = (unsigned char)(dims[d] >> (24 - 8 * b));
    fwrite(hdr, 1, sizeof(hdr), f);
    for (long i = 0; i < (long)count * size * size; i++)
        fputc((int)((i * 2654435761u) >> 24), f);
    return fclose(f) == 0;
}

static void test_step_allocates_nothing(struct th_device *dev, const char *data)
{
    char name[128];
    snprintf(name, sizeof(name), "step_allocates_nothing");
    if (!th_want(name))
        return;
    struct clgan_gan_params p = clgan_gan_default_params();
    p.data = data;
    p.batch = 8;
    /* under a simulator: the smallest preset, a short grid */
    p.image_size = dev->small ? 16 : 32;
    p.ngf = p.ndf = dev->small ? 4 : 16;
    int n_grid = dev->small ? 8 : 64;
    p.nz = 16;
    p.iters = 100;
    p.out_dir = "";
    clgan_gan *gan = NULL;
    char msg[1024];
    clgan_status st = clgan_gan_init(dev->ctx, NULL, &p, &gan, msg, sizeof(msg));
    if (!th_expect(st == CLGAN_STATUS_OK, name, dev, "init: %s", msg))
        return;
    uint64_t allocs = dev->ctx->n_allocs, created = dev->ctx->n_created;
    long long per_epoch;
    clgan_gan_progress(gan, &per_epoch, NULL, NULL);
    /* past the end of the first epoch (its new permutation), with statistics read back on
     * every other step and a grid drawn in between */
    int steps = (int)per_epoch + 2;
    float *grid = malloc((size_t)n_grid * p.image_size * p.image_size * sizeof(float));
    for (int i = 0; i < steps && st == CLGAN_STATUS_OK; i++) {
        struct clgan_gan_stats s;
        st = clgan_gan_step(gan, i % 2 ? &s : NULL);
        if (st == CLGAN_STATUS_OK && i == 1)
            st = clgan_gan_sample(gan, 5, n_grid, grid);
    }
    free(grid);
    if (th_expect(st == CLGAN_STATUS_OK, name, dev, "step: %s", clgan_gan_last_error(gan)))
        th_expect(dev->ctx->n_allocs == allocs && dev->ctx->n_created == created, name, dev,
                  "%d steps: %llu device buffers allocated, %llu programs or kernels created "
                  "after init",
                  steps, (unsigned long long)(dev->ctx->n_allocs - allocs),
                  (unsigned long long)(dev->ctx->n_created - created));
    clgan_gan_free(gan);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    test_kernel_table();
    /* 28x28 images for dcgan32; 16x16 ones for the small preset a simulator runs */
    char path[2][64], data[2][80];
    int ok = 1;
    for (int k = 0; k < 2; k++) {
        snprintf(path[k], sizeof(path[k]), "/tmp/clgan-test-plan-%ld-%d.idx", (long)getpid(), k);
        snprintf(data[k], sizeof(data[k]), "idx:%s", path[k]);
        ok &= th_expect(write_idx(path[k], 40, k ? 16 : 28), "write_idx", NULL, "%s", path[k]);
    }
    if (ok)
        for (int i = 0; i < th_ndev(); i++)
            test_step_allocates_nothing(th_dev(i), data[th_dev(i)->small]);
    for (int k = 0; k < 2; k++)
        unlink(path[k]);
    return th_finish();
}
