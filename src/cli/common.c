/* common.c - helpers shared by the subcommands: opening devices with one-line errors, generator
 * values as pixels. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"

clgan_status clgan_cli_open_params(const struct clgan_ctx_params *p, clgan_ctx **out)
{
    char msg[2048];
    clgan_status st = clgan_ctx_init(p, out, msg, sizeof(msg));
    if (st != CLGAN_STATUS_OK)
        clgan_cli_error("%s", msg);
    return st;
}

clgan_status clgan_cli_open(const char *spec, int profiling, enum clgan_gemm_backend gemm,
                            clgan_ctx **out)
{
    struct clgan_ctx_params p = clgan_ctx_default_params();
    if (spec)
        p.device = spec;
    p.profiling = profiling;
    p.gemm = gemm;
    return clgan_cli_open_params(&p, out);
}

int clgan_cli_status_exit(clgan_status st)
{
    switch (st) {
    case CLGAN_STATUS_OK:
        return 0;
    case CLGAN_STATUS_INTERRUPTED:
        return 130;
    case CLGAN_STATUS_INVALID_ARGUMENT:
        return 2;
    default:
        return 1;
    }
}

int clgan_cli_select_devices(const char *spec, struct clgan_device_info **devs, int *n, int *sel,
                             int max, int *n_sel)
{
    char msg[2048];
    *devs = NULL;
    *n_sel = 0;
    if (clgan_devices_query(devs, n, msg, sizeof(msg)) != CLGAN_STATUS_OK)
        return clgan_cli_error("%s", msg);
    if (spec && !strcmp(spec, "all")) {
        for (int i = 0; i < *n && *n_sel < max; i++)
            sel[(*n_sel)++] = i;
        return 0;
    }
    int idx;
    if (clgan_device_select(spec ? spec : clgan_ctx_default_params().device, *devs, *n, &idx, msg,
                            sizeof(msg)) != CLGAN_STATUS_OK) {
        free(*devs);
        *devs = NULL;
        clgan_cli_error("%s", msg);
        return 2;
    }
    sel[(*n_sel)++] = idx;
    return 0;
}

int clgan_cli_subcommand_error(const char *cmd, const char *word, const char *const *subs, int n)
{
    const char *near = clgan_opts_closest(word, subs, n);
    if (near)
        clgan_cli_error("%s: unknown subcommand '%s' (did you mean %s?)", cmd, word, near);
    else
        clgan_cli_error("%s: unexpected argument '%s' (options start with --; see clgan %s "
                        "--help)",
                        cmd, word, cmd);
    return 2;
}

uint8_t clgan_cli_pixel_byte(float v)
{
    float p = floorf((v + 1.0f) * 127.5f + 0.5f);
    return p >= 0 ? (p <= 255 ? (uint8_t)p : 255) : 0; /* NaN fails p >= 0 */
}
