/* device.c - enumerate every OpenCL platform and device, and resolve device SPECs. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/rt.h"

const char *clgan_device_kind_str(enum clgan_device_kind kind)
{
    switch (kind) {
    case CLGAN_KIND_DGPU:
        return "discrete GPU";
    case CLGAN_KIND_IGPU:
        return "integrated GPU";
    case CLGAN_KIND_ACCEL:
        return "accelerator";
    case CLGAN_KIND_CPU:
        return "CPU";
    case CLGAN_KIND_SIMULATOR:
        return "simulator";
    case CLGAN_KIND_OTHER:
        return "other";
    }
    return "other";
}

static void msgf(char *msg, size_t len, const char *fmt, ...)
{
    if (!msg || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
}

static void str_info(cl_device_id d, cl_device_info what, char *out, size_t len)
{
    out[0] = 0;
    if (clGetDeviceInfo(d, what, len, out, NULL) != CL_SUCCESS)
        out[0] = 0;
    out[len - 1] = 0;
}

static int has_ext(cl_device_id d, const char *ext)
{
    size_t n = 0;
    if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, 0, NULL, &n) != CL_SUCCESS || !n)
        return 0;
    char *s = malloc(n + 1);
    if (!s)
        return 0;
    int found = 0;
    if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, n, s, NULL) == CL_SUCCESS) {
        s[n] = 0;
        found = strstr(s, ext) != NULL;
    }
    free(s);
    return found;
}

static int icontains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (!n)
        return 0;
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

static void fill_info(struct clgan_device_info *di, cl_platform_id p, cl_device_id d)
{
    clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof(di->platform_name), di->platform_name, NULL);
    clGetPlatformInfo(p, CL_PLATFORM_VENDOR, sizeof(di->platform_vendor), di->platform_vendor,
                      NULL);
    clGetPlatformInfo(p, CL_PLATFORM_VERSION, sizeof(di->platform_version), di->platform_version,
                      NULL);
    di->platform_name[sizeof(di->platform_name) - 1] = 0;
    di->platform_vendor[sizeof(di->platform_vendor) - 1] = 0;
    di->platform_version[sizeof(di->platform_version) - 1] = 0;
    str_info(d, CL_DEVICE_NAME, di->name, sizeof(di->name));
    str_info(d, CL_DEVICE_VENDOR, di->vendor, sizeof(di->vendor));
    str_info(d, CL_DEVICE_VERSION, di->version, sizeof(di->version));
    str_info(d, CL_DRIVER_VERSION, di->driver_version, sizeof(di->driver_version));
    str_info(d, CL_DEVICE_OPENCL_C_VERSION, di->opencl_c_version, sizeof(di->opencl_c_version));
    cl_uint u = 0;
    cl_ulong ul = 0;
    size_t sz = 0;
    cl_bool b = CL_FALSE;
    cl_device_type type = 0;
    if (clGetDeviceInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof(u), &u, NULL) == CL_SUCCESS)
        di->compute_units = u;
    if (clGetDeviceInfo(d, CL_DEVICE_MAX_CLOCK_FREQUENCY, sizeof(u), &u, NULL) == CL_SUCCESS)
        di->clock_mhz = u;
    if (clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof(ul), &ul, NULL) == CL_SUCCESS)
        di->global_mem = ul;
    if (clGetDeviceInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof(ul), &ul, NULL) == CL_SUCCESS)
        di->max_alloc = ul;
    if (clGetDeviceInfo(d, CL_DEVICE_LOCAL_MEM_SIZE, sizeof(ul), &ul, NULL) == CL_SUCCESS)
        di->local_mem = ul;
    if (clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof(sz), &sz, NULL) == CL_SUCCESS)
        di->max_work_group = sz;
    if (clGetDeviceInfo(d, CL_DEVICE_HOST_UNIFIED_MEMORY, sizeof(b), &b, NULL) == CL_SUCCESS)
        di->host_unified = b == CL_TRUE;
    di->fp16 = has_ext(d, "cl_khr_fp16");
    di->fp64 = has_ext(d, "cl_khr_fp64");
    clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof(type), &type, NULL);
    if (icontains(di->platform_name, "oclgrind") || icontains(di->name, "oclgrind"))
        di->kind = CLGAN_KIND_SIMULATOR;
    else if (type & CL_DEVICE_TYPE_GPU)
        di->kind = di->host_unified ? CLGAN_KIND_IGPU : CLGAN_KIND_DGPU;
    else if (type & CL_DEVICE_TYPE_ACCELERATOR)
        di->kind = CLGAN_KIND_ACCEL;
    else if (type & CL_DEVICE_TYPE_CPU)
        di->kind = CLGAN_KIND_CPU;
    else
        di->kind = CLGAN_KIND_OTHER;
}

/* Enumerate into devs (may be NULL to count); optionally return ids. */
static clgan_status enumerate(struct clgan_device_info **out, cl_platform_id **pids,
                              cl_device_id **dids, int *count, char *msg, size_t msg_len)
{
    cl_uint np = 0;
    cl_int err = clGetPlatformIDs(0, NULL, &np);
    *out = NULL;
    *count = 0;
    if (err == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ || np == 0) {
        msgf(msg, msg_len,
             "no OpenCL platform found: install a driver, e.g. 'apt-get install "
             "pocl-opencl-icd' for the CPU (and ocl-icd-libopencl1 for the loader)");
        return CLGAN_STATUS_NO_DEVICE;
    }
    if (err != CL_SUCCESS) {
        msgf(msg, msg_len, "clGetPlatformIDs failed: %s", clgan_cl_errname(err));
        return CLGAN_STATUS_OPENCL;
    }
    cl_platform_id *plats = calloc(np, sizeof(*plats));
    if (!plats)
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    clGetPlatformIDs(np, plats, NULL);
    struct clgan_device_info *devs = NULL;
    cl_platform_id *ps = NULL;
    cl_device_id *ds = NULL;
    int n = 0, cap = 0;
    clgan_status st = CLGAN_STATUS_OK;
    for (cl_uint p = 0; p < np; p++) {
        cl_uint nd = 0;
        if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 0, NULL, &nd) != CL_SUCCESS || !nd)
            continue;
        cl_device_id *ids = calloc(nd, sizeof(*ids));
        if (!ids) {
            st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
            break;
        }
        clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, nd, ids, NULL);
        for (cl_uint d = 0; d < nd; d++) {
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                void *a = realloc(devs, cap * sizeof(*devs));
                void *b = a ? realloc(ps, cap * sizeof(*ps)) : NULL;
                if (a)
                    devs = a;
                if (b)
                    ps = b;
                void *c = b ? realloc(ds, cap * sizeof(*ds)) : NULL;
                if (!c) {
                    st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
                    break;
                }
                ds = c;
            }
            memset(&devs[n], 0, sizeof(devs[n]));
            devs[n].index = n;
            devs[n].platform = (int)p;
            devs[n].device = (int)d;
            fill_info(&devs[n], plats[p], ids[d]);
            ps[n] = plats[p];
            ds[n] = ids[d];
            n++;
        }
        free(ids);
        if (st != CLGAN_STATUS_OK)
            break;
    }
    free(plats);
    if (st == CLGAN_STATUS_OK && n == 0) {
        msgf(msg, msg_len,
             "OpenCL platforms found but no device: install a driver, e.g. 'apt-get install "
             "pocl-opencl-icd' (set RUSTICL_ENABLE=llvmpipe for Mesa's rusticl)");
        st = CLGAN_STATUS_NO_DEVICE;
    }
    if (st != CLGAN_STATUS_OK) {
        free(devs);
        free(ps);
        free(ds);
        return st;
    }
    *out = devs;
    *count = n;
    if (pids)
        *pids = ps;
    else
        free(ps);
    if (dids)
        *dids = ds;
    else
        free(ds);
    return CLGAN_STATUS_OK;
}

clgan_status clgan_devices_query(struct clgan_device_info **out, int *count, char *msg,
                                 size_t msg_len)
{
    return enumerate(out, NULL, NULL, count, msg, msg_len);
}

/* Internal: enumerate with ids, for ctx.c. */
clgan_status clgan_rt_enumerate(struct clgan_device_info **out, cl_platform_id **pids,
                                cl_device_id **dids, int *count, char *msg, size_t msg_len);
clgan_status clgan_rt_enumerate(struct clgan_device_info **out, cl_platform_id **pids,
                                cl_device_id **dids, int *count, char *msg, size_t msg_len)
{
    return enumerate(out, pids, dids, count, msg, msg_len);
}

static int kind_rank(enum clgan_device_kind k)
{
    switch (k) {
    case CLGAN_KIND_DGPU:
        return 0;
    case CLGAN_KIND_IGPU:
        return 1;
    case CLGAN_KIND_ACCEL:
        return 2;
    case CLGAN_KIND_CPU:
        return 3;
    case CLGAN_KIND_OTHER:
        return 4;
    case CLGAN_KIND_SIMULATOR:
        return 99;
    }
    return 99;
}

/* Append the device list to the message in buf, when there is one (msgf leaves none for a NULL
 * or empty buffer, and then buf holds no string to measure). */
void clgan_rt_list_devices(char *buf, size_t len, const struct clgan_device_info *devs, int count)
{
    if (!buf || !len)
        return;
    size_t used = strlen(buf);
    for (int i = 0; i < count && used + 1 < len; i++) {
        int w =
            snprintf(buf + used, len - used, "%s%d (%d:%d %s / %s)", i ? ", " : "", devs[i].index,
                     devs[i].platform, devs[i].device, devs[i].platform_name, devs[i].name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

clgan_status clgan_device_select(const char *spec, const struct clgan_device_info *devs, int count,
                                 int *index, char *msg, size_t msg_len)
{
    if (!spec || !*spec)
        spec = "auto";
    if (count <= 0) {
        msgf(msg, msg_len, "no OpenCL device to choose from");
        return CLGAN_STATUS_NO_DEVICE;
    }
    int best = -1;
    if (!strcasecmp(spec, "auto")) {
        for (int i = 0; i < count; i++)
            if (devs[i].kind != CLGAN_KIND_SIMULATOR &&
                (best < 0 || kind_rank(devs[i].kind) < kind_rank(devs[best].kind)))
                best = i;
        if (best < 0) {
            msgf(msg, msg_len,
                 "device 'auto': only simulators are present; name one "
                 "explicitly (e.g. the SPEC oclgrind) or install pocl-opencl-icd");
            return CLGAN_STATUS_NO_DEVICE;
        }
        *index = best;
        return CLGAN_STATUS_OK;
    }
    char *end = NULL;
    long v = strtol(spec, &end, 10);
    if (end != spec && *end == 0) {
        if (v >= 0 && v < count) {
            *index = (int)v;
            return CLGAN_STATUS_OK;
        }
    } else if (end != spec && *end == ':') {
        char *end2 = NULL;
        long d = strtol(end + 1, &end2, 10);
        if (end2 != end + 1 && *end2 == 0)
            for (int i = 0; i < count; i++)
                if (devs[i].platform == v && devs[i].device == d) {
                    *index = i;
                    return CLGAN_STATUS_OK;
                }
    } else {
        static const struct {
            const char *name;
            int mask; /* bit per kind */
        } types[] = {
            {"gpu", (1 << CLGAN_KIND_DGPU) | (1 << CLGAN_KIND_IGPU)},
            {"dgpu", 1 << CLGAN_KIND_DGPU},
            {"igpu", 1 << CLGAN_KIND_IGPU},
            {"cpu", 1 << CLGAN_KIND_CPU},
            {"accel", 1 << CLGAN_KIND_ACCEL},
        };
        for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
            if (strcasecmp(spec, types[t].name))
                continue;
            for (int i = 0; i < count; i++)
                if ((types[t].mask >> devs[i].kind) & 1 &&
                    (best < 0 || kind_rank(devs[i].kind) < kind_rank(devs[best].kind)))
                    best = i;
            if (best >= 0) {
                *index = best;
                return CLGAN_STATUS_OK;
            }
            msgf(msg, msg_len, "device '%s': no device of that type; devices: ", spec);
            clgan_rt_list_devices(msg, msg_len, devs, count);
            return CLGAN_STATUS_INVALID_ARGUMENT;
        }
        for (int i = 0; i < count; i++)
            if (icontains(devs[i].platform_name, spec) ||
                icontains(devs[i].platform_vendor, spec) || icontains(devs[i].name, spec)) {
                *index = i;
                return CLGAN_STATUS_OK;
            }
    }
    msgf(msg, msg_len, "unknown device '%s'; devices: ", spec);
    clgan_rt_list_devices(msg, msg_len, devs, count);
    return CLGAN_STATUS_INVALID_ARGUMENT;
}
