/*
 * arch.c - `clgan arch`: print a preset's architecture (both networks, every layer) as the JSON
 * that `clgan train --arch FILE` reads, so that a user can copy and edit it; or check a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"

/* The whole of a small text file (architectures are a few kilobytes); NULL with a message. */
static char *read_text(const char *path)
{
    /* non-blocking open, then the file type on the descriptor: a FIFO must not hang us */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat sb = {0};
    FILE *f = NULL;
    if (fd < 0 || fstat(fd, &sb) || !S_ISREG(sb.st_mode) ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) || !(f = fdopen(fd, "rb"))) {
        int e = errno;
        int regular = fd >= 0 && S_ISREG(sb.st_mode);
        if (fd >= 0)
            close(fd);
        clgan_cli_error("arch: %s: cannot open: %s", path,
                        fd < 0 || regular ? strerror(e) : "not a regular file");
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap + 1);
    while (s && n < cap) {
        size_t k = fread(s + n, 1, cap - n, f);
        if (!k)
            break;
        n += k;
    }
    int big = n == cap && fgetc(f) != EOF;
    fclose(f);
    if (!s || big) {
        free(s);
        clgan_cli_error("arch: %s: %s", path, s ? "larger than 64 KiB" : "out of memory");
        return NULL;
    }
    s[n] = 0;
    return s;
}

int clgan_cli_arch(int argc, char **argv)
{
    const char *check = NULL, *pos[1] = {NULL};
    int n_pos = 0, image_size = 0, nz = 100, ngf = 64, ndf = 64, channels = 1, classes = 0;
    const struct opt opts[] = {
        {"--image-size", OPT_INT, &image_size, 0, 4096, NULL, "N",
         "the DCGAN preset for N x N images (a power of two from 16; 0: the preset's)"},
        {"--nz", OPT_INT, &nz, 1, 4096, NULL, "N", "noise size"},
        {"--ngf", OPT_INT, &ngf, 1, 1024, NULL, "N", "generator width"},
        {"--ndf", OPT_INT, &ndf, 1, 1024, NULL, "N", "discriminator width"},
        {"--channels", OPT_INT, &channels, 1, 3, NULL, "C", "image channels (1 or 3)"},
        {"--classes", OPT_INT, &classes, 0, 100000, NULL, "K",
         "class-conditional pair for K classes (G: z + label embedding; D: projection)"},
        {"--check", OPT_PATH, &check, 0, 0, NULL, "FILE",
         "check an architecture file instead (prints its problem, or ok)"},
        {NULL, 0, NULL, 0, 0, NULL, NULL, NULL},
    };
    char err[1024];
    int r = clgan_opts_parse(opts, argc, argv, 1,
                             "usage: clgan arch [dcgan32|dcgan64|dcgan<N>] [--image-size N] "
                             "[--nz N] [--ngf N] [--ndf N] [--channels C] [--classes K]\n"
                             "       clgan arch --check FILE\n\n"
                             "Prints the architecture of a preset (G and D, every layer) as JSON: "
                             "save it, edit it,\nand train it with clgan train --arch FILE. "
                             "docs/NETWORKS.md describes the format.",
                             pos, &n_pos, 1, err, sizeof(err));
    if (r)
        return r > 0 ? 0 : (clgan_cli_error("arch: %s", err), 2);
    if (check) {
        char *text = read_text(check);
        if (!text)
            return 1; /* the file could not be read: a failure, not a usage error */
        clgan_status st = clgan_arch_check_json(text, err, sizeof(err));
        free(text);
        if (st != CLGAN_STATUS_OK)
            return clgan_cli_error("arch: %s: %s", check, err), 2;
        printf("%s: ok\n", check);
        return 0;
    }
    if (channels == 2)
        return clgan_cli_error("arch: --channels must be 1 or 3"), 2;
    char *json = NULL;
    clgan_status st = clgan_arch_preset_json(n_pos ? pos[0] : "dcgan32", image_size, nz, ngf, ndf,
                                             channels, classes, &json, err, sizeof(err));
    if (st != CLGAN_STATUS_OK)
        return clgan_cli_error("arch: %s", err), 2;
    fputs(json, stdout);
    free(json);
    return fflush(stdout) == 0 ? 0 : 1;
}
