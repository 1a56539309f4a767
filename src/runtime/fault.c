/* fault.c - CLGAN_FAULT parsing and counting (see fault.h). */
#include <stdlib.h>
#include <string.h>

#include "runtime/fault.h"
#include "runtime/rt.h"

static const char *const kind_names[CLGAN_FAULT_N_KINDS] = {"alloc", "build", "read",
                                                            "write", "file",  "crash"};
static long counts[CLGAN_FAULT_N_KINDS];
static long targets[CLGAN_FAULT_N_KINDS];
static int parsed;

void clgan_fault_set(const char *s)
{
    parsed = 1;
    memset(counts, 0, sizeof(counts));
    memset(targets, 0, sizeof(targets));
    while (s && *s) {
        for (int k = 0; k < CLGAN_FAULT_N_KINDS; k++) {
            size_t n = strlen(kind_names[k]);
            if (!strncmp(s, kind_names[k], n) && s[n] == ':') {
                targets[k] = strtol(s + n + 1, NULL, 10);
                break;
            }
        }
        s = strchr(s, ',');
        if (s)
            s++;
    }
}

int clgan_fault_hit(enum clgan_fault_kind kind)
{
    if (!parsed)
        clgan_fault_set(clgan_env_defaults()->fault);
    if (targets[kind] <= 0)
        return 0;
    return ++counts[kind] == targets[kind];
}
