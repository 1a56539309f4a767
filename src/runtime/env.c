/*
 * env.c - the only place that reads environment variables. The library reads them once, the
 * first time a default is asked for (clgan_env_defaults), and keeps the values for the process:
 *   CLGAN_DEVICE           default device SPEC
 *   CLGAN_KERNEL_DIR       read cl/<family>.cl from this folder instead of the embedded copies
 *   CLGAN_CACHE_DIR        program-binary cache folder ("off" disables); unset: XDG_CACHE_HOME,
 *                          HOME give $XDG_CACHE_HOME/clgan or ~/.cache/clgan
 *   CLGAN_BUILD_OPTIONS    extra OpenCL build options appended to ours
 *   CLGAN_CLBLAST_TUNING   CLBlast tuner result files, ':'-separated
 *   CLGAN_LOG              debug | info | warn (default) | error
 * The first five are only defaults: clgan_ctx_default_params() puts them into the context
 * parameters, and the library reads them from the context. Two switches stay environment-only:
 *   CLGAN_FAULT            test-only fault injection (runtime/fault.c)
 *   CLGAN_OCLGRIND_CHECKS  set under `oclgrind --uninitialized`: buffer handling its tracker
 *                          follows (runtime/ctx.c)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/rt.h"

const char *clgan_env(const char *name)
{
    const char *v = getenv(name);
    return (v && *v) ? v : NULL;
}

static struct clgan_env_settings settings;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* A copy that lives as long as the process (NULL for NULL, or when out of memory). */
static const char *keep(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void read_env(void)
{
    settings.device = keep(clgan_env("CLGAN_DEVICE"));
    settings.kernel_dir = keep(clgan_env("CLGAN_KERNEL_DIR"));
    settings.build_options = keep(clgan_env("CLGAN_BUILD_OPTIONS"));
    settings.clblast_tuning = keep(clgan_env("CLGAN_CLBLAST_TUNING"));
    const char *c = clgan_env("CLGAN_CACHE_DIR");
    const char *x = clgan_env("XDG_CACHE_HOME");
    const char *h = clgan_env("HOME");
    if (c) {
        settings.cache_dir = keep(c);
    } else if (x || h) {
        size_t n = strlen(x ? x : h) + 16;
        char *d = malloc(n);
        if (d)
            snprintf(d, n, x ? "%s/clgan" : "%s/.cache/clgan", x ? x : h);
        settings.cache_dir = d;
    } else {
        settings.cache_dir = "off";
    }
    const char *l = clgan_env("CLGAN_LOG");
    settings.log_level = CLGAN_LOG_WARN;
    if (l && !strcmp(l, "debug"))
        settings.log_level = CLGAN_LOG_DEBUG;
    else if (l && !strcmp(l, "info"))
        settings.log_level = CLGAN_LOG_INFO;
    else if (l && !strcmp(l, "error"))
        settings.log_level = CLGAN_LOG_ERROR;
    settings.fault = keep(clgan_env("CLGAN_FAULT"));
    settings.oclgrind_checks = clgan_env("CLGAN_OCLGRIND_CHECKS") != NULL;
}

const struct clgan_env_settings *clgan_env_defaults(void)
{
    pthread_once(&once, read_env);
    return &settings;
}
