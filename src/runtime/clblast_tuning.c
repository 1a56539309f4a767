/*
 * clblast_tuning.c - CLBlast kernel parameters found by CLBlast's own tuners
 * (clblast_tuner_xgemm and friends, Debian's clblast-utils), loaded before a context's first
 * CLBlast call.
 *
 * The context's clblast_tuning (parameter; by default $CLGAN_CLBLAST_TUNING) lists tuner output
 * files (JSON) separated by ':'. A file applies to the devices whose name is its "device" field and
 * to single precision ("precision": "32"); its "best_kernel" gets the parameters of
 * "best_parameters" ("NAME=VALUE ..." without PRECISION) through CLBlastOverrideParameters, which
 * replaces CLBlast's built-in database entry for that device and kernel in this process. Files for
 * other devices are skipped (INFO); unreadable files and parameters CLBlast refuses are reported
 * (WARN) and skipped: CLBlast then keeps its defaults, and nothing fails.
 */
#include <cjson/cJSON.h>
#include <clblast_c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/file.h"
#include "runtime/rt.h"

#define MAX_PARAMS 32

/* A tuner file's text (malloc'ed), NULL with a warning naming the file. */
static char *read_text(clgan_ctx *ctx, const char *path)
{
    char *buf = NULL, err[1024];
    size_t len = 0;
    /* tuner files are a few MB at most */
    if (clgan_io_read_file(path, (size_t)64 << 20, &buf, &len, err, sizeof(err)) !=
        CLGAN_STATUS_OK) {
        clgan_rt_log(ctx, CLGAN_LOG_WARN, "CLBlast tuning file: %s", err);
        return NULL;
    }
    return buf;
}

/* Apply one tuner file; 1 when its parameters were taken. */
static int apply_file(clgan_ctx *ctx, const char *path)
{
    char *text = read_text(ctx, path);
    if (!text)
        return 0;
    cJSON *root = text ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *dev = cJSON_GetObjectItemCaseSensitive(root, "device");
    const cJSON *prec = cJSON_GetObjectItemCaseSensitive(root, "precision");
    const cJSON *kern = cJSON_GetObjectItemCaseSensitive(root, "best_kernel");
    const cJSON *best = cJSON_GetObjectItemCaseSensitive(root, "best_parameters");
    int ok = 0;
    if (!cJSON_IsString(dev) || !cJSON_IsString(prec) || !cJSON_IsString(kern) ||
        !cJSON_IsString(best)) {
        clgan_rt_log(ctx, CLGAN_LOG_WARN, "CLBlast tuning file %s is not a CLBlast tuner result",
                     path);
        goto out;
    }
    if (strcmp(dev->valuestring, ctx->info.name) || strcmp(prec->valuestring, "32")) {
        clgan_rt_log(ctx, CLGAN_LOG_INFO, "CLBlast tuning file %s is for %s (precision %s), not %s",
                     path, dev->valuestring, prec->valuestring, ctx->info.name);
        goto out;
    }
    char names[MAX_PARAMS][32];
    const char *np[MAX_PARAMS];
    size_t vals[MAX_PARAMS], n = 0;
    const char *s = best->valuestring;
    while (*s && n < MAX_PARAMS) {
        while (*s == ' ')
            s++;
        const char *eq = strchr(s, '=');
        if (!*s || !eq || eq - s >= (long)sizeof(names[0]))
            break;
        char *end;
        unsigned long v = strtoul(eq + 1, &end, 10);
        if (end == eq + 1)
            break;
        if (strncmp(s, "PRECISION", (size_t)(eq - s))) {
            memcpy(names[n], s, (size_t)(eq - s));
            names[n][eq - s] = 0;
            np[n] = names[n];
            vals[n++] = v;
        }
        s = end;
    }
    if (*s) {
        clgan_rt_log(ctx, CLGAN_LOG_WARN,
                     "CLBlast tuning file %s: cannot read best_parameters \"%s\"", path,
                     best->valuestring);
        goto out;
    }
    CLBlastStatusCode st = CLBlastOverrideParameters(ctx->device, kern->valuestring,
                                                     CLBlastPrecisionSingle, n, np, vals);
    if (st != CLBlastSuccess) {
        clgan_rt_log(ctx, CLGAN_LOG_WARN,
                     "CLBlast tuning file %s: CLBlast refused the %s parameters "
                     "(status %d)",
                     path, kern->valuestring, (int)st);
        goto out;
    }
    clgan_rt_log(ctx, CLGAN_LOG_INFO, "CLBlast %s on %s: tuned parameters from %s (%s)",
                 kern->valuestring, ctx->info.name, path, best->valuestring);
    ok = 1;
out:
    cJSON_Delete(root);
    return ok;
}

void clgan_rt_clblast_tuning(clgan_ctx *ctx)
{
    if (ctx->clblast_tuned)
        return;
    ctx->clblast_tuned = 1;
    const char *list = ctx->clblast_tuning;
    if (!list)
        return;
    char path[1024];
    while (*list) {
        size_t len = strcspn(list, ":");
        if (len > 0 && len < sizeof(path)) {
            memcpy(path, list, len);
            path[len] = 0;
            apply_file(ctx, path);
        }
        list += len;
        if (*list == ':')
            list++;
    }
}
