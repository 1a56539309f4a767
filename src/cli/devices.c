/* devices.c - `clgan devices [--json]`: every platform and device, as a table or JSON. */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"

int clgan_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("clgan: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

static void human(char *buf, size_t len, uint64_t b)
{
    if (b >= (1ull << 30))
        snprintf(buf, len, "%.1fG", b / (double)(1ull << 30));
    else if (b >= (1ull << 20))
        snprintf(buf, len, "%.0fM", b / (double)(1ull << 20));
    else
        snprintf(buf, len, "%.0fK", b / 1024.0);
}

static int print_json(const struct clgan_device_info *d, int n)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        char pd[32];
        snprintf(pd, sizeof(pd), "%d:%d", d[i].platform, d[i].device);
        cJSON_AddNumberToObject(o, "index", d[i].index);
        cJSON_AddStringToObject(o, "id", pd);
        cJSON_AddStringToObject(o, "platform", d[i].platform_name);
        cJSON_AddStringToObject(o, "platform_vendor", d[i].platform_vendor);
        cJSON_AddStringToObject(o, "device", d[i].name);
        cJSON_AddStringToObject(o, "vendor", d[i].vendor);
        cJSON_AddStringToObject(o, "kind", clgan_device_kind_str(d[i].kind));
        cJSON_AddNumberToObject(o, "compute_units", d[i].compute_units);
        cJSON_AddNumberToObject(o, "clock_mhz", d[i].clock_mhz);
        cJSON_AddNumberToObject(o, "global_mem_bytes", (double)d[i].global_mem);
        cJSON_AddNumberToObject(o, "max_alloc_bytes", (double)d[i].max_alloc);
        cJSON_AddNumberToObject(o, "local_mem_bytes", (double)d[i].local_mem);
        cJSON_AddStringToObject(o, "opencl_c_version", d[i].opencl_c_version);
        cJSON_AddStringToObject(o, "device_version", d[i].version);
        cJSON_AddStringToObject(o, "driver_version", d[i].driver_version);
        cJSON_AddBoolToObject(o, "fp16", d[i].fp16);
        cJSON_AddBoolToObject(o, "fp64", d[i].fp64);
        cJSON_AddBoolToObject(o, "host_unified_memory", d[i].host_unified);
        cJSON_AddItemToArray(arr, o);
    }
    char *s = cJSON_Print(arr);
    if (s)
        printf("%s\n", s);
    free(s);
    cJSON_Delete(arr);
    return s ? 0 : 1;
}

/* Under mpirun: rank 0 lists the devices once, then every rank's choice, one line each. */
static int devices_dist(int json, const char *spec, const char *per_rank)
{
    clgan_dist *d = NULL;
    int r = clgan_cli_dist_join(&d);
    if (r)
        return r;
    struct clgan_device_info info;
    if (clgan_cli_dist_pick(d, spec, per_rank, &info) < 0)
        return clgan_cli_dist_fail(d, 2, "");
    if (clgan_dist_rank(d) == 0) {
        struct clgan_device_info *all = NULL;
        int n = 0;
        char msg[1024];
        if (clgan_devices_query(&all, &n, msg, sizeof(msg)) == CLGAN_STATUS_OK && json)
            print_json(all, n);
        free(all);
    }
    r = clgan_cli_dist_report(d, &info, stdout);
    clgan_dist_free(d);
    return r;
}

int clgan_cli_devices(int argc, char **argv)
{
    int json = 0;
    const char *spec = NULL, *per_rank = NULL;
    const struct opt opts[] = {
        {"--json", OPT_FLAG, &json, 0, 0, NULL, NULL, "print the list as JSON"},
        {"--device", OPT_STRING, &spec, 0, 0, NULL, "SPEC",
         "under mpirun: the devices the ranks take (the local rank's index among those SPEC "
         "matches)"},
        {"--device-per-rank", OPT_STRING, &per_rank, 0, 0, NULL, "SPEC,SPEC,...",
         "under mpirun: each local rank's device, as clgan train --dist"},
        {NULL, 0, NULL, 0, 0, NULL, NULL, NULL},
    };
    char err[512];
    int r = clgan_opts_parse(
        opts, argc, argv, 1,
        "usage: clgan devices [--json]\n\nLists every OpenCL device of every platform. Use the "
        "index, P:D, a type (gpu, dgpu, igpu, cpu, accel) or part of a name\nwith --device. "
        "'auto' prefers discrete GPU, integrated GPU, accelerator, CPU, and never picks a "
        "simulator.\n\nUnder mpirun (MPI builds), rank 0 prints the device each rank would take.",
        NULL, NULL, 0, err, sizeof(err));
    if (r)
        return r > 0 ? 0 : (clgan_cli_error("devices: %s", err), 2);
    if (clgan_dist_compiled() && clgan_dist_launched())
        return devices_dist(json, spec, per_rank);
    struct clgan_device_info *d = NULL;
    int n = 0;
    char msg[1024];
    clgan_status st = clgan_devices_query(&d, &n, msg, sizeof(msg));
    if (st != CLGAN_STATUS_OK)
        return clgan_cli_error("%s", msg);
    if (json) {
        int rc = print_json(d, n);
        free(d);
        return rc;
    }
    int autoi = -1;
    clgan_device_select("auto", d, n, &autoi, NULL, 0);
    printf("%-3s %-5s %-22s %-30s %-14s %4s %6s %7s %7s %6s %-8s %-18s %-4s %-4s\n", "#", "P:D",
           "platform", "device", "kind", "CUs", "MHz", "memory", "maxbuf", "local", "OpenCL C",
           "driver", "fp16", "fp64");
    for (int i = 0; i < n; i++) {
        char g[16], a[16], l[16], pd[16];
        human(g, sizeof(g), d[i].global_mem);
        human(a, sizeof(a), d[i].max_alloc);
        human(l, sizeof(l), d[i].local_mem);
        snprintf(pd, sizeof(pd), "%d:%d", d[i].platform, d[i].device);
        const char *cv = d[i].opencl_c_version;
        if (!strncmp(cv, "OpenCL C ", 9))
            cv += 9;
        printf(
            "%-3d %-5s %-22.22s %-30.30s %-14s %4u %6u %7s %7s %6s %-8.8s %-18.18s %-4s %-4s%s\n",
            d[i].index, pd, d[i].platform_name, d[i].name, clgan_device_kind_str(d[i].kind),
            d[i].compute_units, d[i].clock_mhz, g, a, l, cv, d[i].driver_version,
            d[i].fp16 ? "yes" : "no", d[i].fp64 ? "yes" : "no", i == autoi ? "  (auto)" : "");
    }
    free(d);
    return 0;
}
