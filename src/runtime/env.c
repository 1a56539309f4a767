/*
 * env.c - the only place that reads environment variables. Those clgan knows:
 *   CLGAN_DEVICE         default device SPEC
 *   CLGAN_KERNEL_DIR     read cl/<family>.cl from this folder instead of the embedded copies
 *   CLGAN_CACHE_DIR      program-binary cache folder ("off" disables)
 *   CLGAN_BUILD_OPTIONS  extra OpenCL build options appended to ours
 *   CLGAN_LOG            debug | info | warn (default)
 *   CLGAN_FAULT          test-only fault injection (runtime/fault.c)
 *   CLGAN_OCLGRIND_CHECKS  set under `oclgrind --uninitialized`: buffer handling its tracker
 *                        follows (runtime/ctx.c)
 *   XDG_CACHE_HOME, HOME for the default cache location
 */
#include <stdlib.h>

#include "runtime/rt.h"

const char *clgan_env(const char *name)
{
    const char *v = getenv(name);
    return (v && *v) ? v : NULL;
}
