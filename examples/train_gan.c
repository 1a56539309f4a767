/*
 * train_gan.c - clgan as a library: pick a device, build dcgan32, train a few steps on
 * Fashion-MNIST, and write a grid of samples.
 *
 *   cc train_gan.c $(pkg-config --cflags --libs clgan) -o train_gan
 *   ./train_gan [DEVICE] [STEPS] [OUT.png]
 */
#include <stdio.h>
#include <stdlib.h>

#include <clgan.h>

int main(int argc, char **argv)
{
    const char *device = argc > 1 ? argv[1] : "auto";
    long long steps = argc > 2 ? atoll(argv[2]) : 20;
    const char *out = argc > 3 ? argv[3] : "train_gan.png";
    char msg[2048];

    /* 1. A context on one OpenCL device (SPEC as for --device: auto, pocl, 1:0, gpu, ...). */
    struct clgan_ctx_params cp = clgan_ctx_default_params();
    cp.device = device;
    clgan_ctx *ctx = NULL;
    clgan_status st = clgan_ctx_init(&cp, &ctx, msg, sizeof(msg));
    if (st != CLGAN_STATUS_OK) {
        fprintf(stderr, "train_gan: %s\n", msg);
        return 1;
    }
    printf("device: %s\n", clgan_ctx_device(ctx)->name);

    /* 2. The GAN: PyTorch's DCGAN defaults, here made small so that it runs in seconds. */
    struct clgan_gan_params p = clgan_gan_default_params();
    p.ngf = p.ndf = 16;
    p.batch = 32;
    p.max_images = 2048;
    p.iters = steps;
    p.out_dir = ""; /* no run folder: this program writes only its grid */
    clgan_gan *gan = NULL;
    st = clgan_gan_init(ctx, NULL, &p, &gan, msg, sizeof(msg)); /* D on the same device */
    if (st != CLGAN_STATUS_OK) {
        fprintf(stderr, "train_gan: %s\n", msg);
        clgan_ctx_free(ctx);
        return 1;
    }

    /* 3. Train: each step is k D updates and one G update, all queued on the device; asking
     *    for stats reads the scalars back. */
    for (long long i = 0; i < steps && st == CLGAN_STATUS_OK; i++) {
        struct clgan_gan_stats s;
        int log = (i + 1) % 5 == 0;
        st = clgan_gan_step(gan, log ? &s : NULL);
        if (st == CLGAN_STATUS_OK && log)
            printf("step %lld  Loss_D %.4f  Loss_G %.4f  D(x) %.3f  D(G(z)) %.3f\n", s.step,
                   s.loss_d, s.loss_g, s.d_x, s.d_g_z1);
    }

    /* 4. A grid of samples from fixed noise. */
    if (st == CLGAN_STATUS_OK)
        st = clgan_gan_write_grid(gan, out);
    if (st != CLGAN_STATUS_OK)
        fprintf(stderr, "train_gan: %s\n", clgan_gan_last_error(gan));
    else
        printf("wrote %s\n", out);
    clgan_gan_free(gan);
    clgan_ctx_free(ctx);
    return st == CLGAN_STATUS_OK ? 0 : 1;
}
