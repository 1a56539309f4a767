/* common.c - helpers shared by the subcommands: opening devices with one-line errors. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

clgan_status clgan_cli_open(const char *spec, int profiling, enum clgan_gemm_backend gemm,
                            clgan_ctx **out)
{
    struct clgan_ctx_params p = clgan_ctx_default_params();
    char msg[2048];
    p.device = spec;
    p.profiling = profiling;
    p.gemm = gemm;
    clgan_status st = clgan_ctx_init(&p, out, msg, sizeof(msg));
    if (st != CLGAN_STATUS_OK)
        clgan_cli_error("%s", msg);
    return st;
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
