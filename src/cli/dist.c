/* dist.c - the command line's side of MPI jobs: joining one, opening each rank's device, saying
 * which device each rank took, and ending the whole job when a rank fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int clgan_cli_dist_join(clgan_dist **out)
{
    char msg[1024];
    *out = NULL;
    clgan_status st = clgan_dist_init(out, msg, sizeof(msg));
    if (st != CLGAN_STATUS_OK) {
        clgan_cli_error("--dist: %s", msg);
        return clgan_cli_status_exit(st == CLGAN_STATUS_UNSUPPORTED ? CLGAN_STATUS_INVALID_ARGUMENT
                                                                    : st);
    }
    return 0;
}

int clgan_cli_dist_pick(clgan_dist *d, const char *spec, const char *per_rank,
                        struct clgan_device_info *info)
{
    struct clgan_device_info *devs = NULL;
    int n = 0, idx = 0;
    char msg[2048];
    clgan_status st = clgan_devices_query(&devs, &n, msg, sizeof(msg));
    if (st == CLGAN_STATUS_OK)
        st = clgan_dist_pick_device(d, spec ? spec : clgan_ctx_default_params().device, per_rank,
                                    devs, n, &idx, msg, sizeof(msg));
    if (st == CLGAN_STATUS_OK)
        *info = devs[idx];
    free(devs);
    if (st != CLGAN_STATUS_OK) {
        clgan_cli_error("rank %d: %s", clgan_dist_rank(d), msg);
        return -1;
    }
    return idx;
}

int clgan_cli_dist_report(clgan_dist *d, const struct clgan_device_info *info, FILE *out)
{
    char line[768], *all = NULL;
    snprintf(line, sizeof(line), "rank %d of %d on %s (local rank %d): device %d (%d:%d %s / %s)\n",
             clgan_dist_rank(d), clgan_dist_size(d), clgan_dist_host(d), clgan_dist_local_rank(d),
             info->index, info->platform, info->device, info->platform_name, info->name);
    if (clgan_dist_gather_text(d, line, &all) != CLGAN_STATUS_OK)
        return clgan_cli_error("rank %d: cannot collect the ranks' devices", clgan_dist_rank(d));
    if (all)
        fputs(all, out);
    fflush(out);
    free(all);
    return 0;
}

int clgan_cli_dist_fail(clgan_dist *d, int code, const char *msg)
{
    if (msg && *msg)
        clgan_cli_error("rank %d: %s", clgan_dist_rank(d), msg);
    fflush(stdout);
    fflush(stderr);
    if (clgan_dist_size(d) > 1)
        clgan_dist_abort(d, code); /* no rank is left waiting in a collective */
    clgan_dist_free(d);
    return code;
}
