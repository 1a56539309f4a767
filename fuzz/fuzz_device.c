/*
 * fuzz_device.c - device SPECs (clgan_device_select, include/clgan.h) over a synthetic device
 * table, as `--device` and CLGAN_DEVICE pass them.
 *
 * Input: byte 0 the device count (0..8), byte 1 the message buffer (none, or a size from 0 to
 * 1024), then two bytes per device (kind, platform and device numbers, names from a table of
 * real ones), then the SPEC to its first NUL; bytes after that NUL name the first device. A
 * chosen index must be in the table, "auto" must never pick a simulator, a number or P:D must
 * pick that device, and a failure must fill a message buffer it was given, within its size.
 */
#include <string.h>
#include <strings.h>

#include "clgan.h"
#include "fuzz.h"

static const char *const platforms[] = {
    "Portable Computing Language", "Oclgrind", "NVIDIA CUDA", "AMD Accelerated Parallel Processing",
    "Intel(R) OpenCL HD Graphics", "",
};
static const char *const vendors[] = {
    "The pocl project",     "University of Bristol",
    "NVIDIA Corporation",   "Advanced Micro Devices, Inc.",
    "Intel(R) Corporation", "",
};
static const char *const names[] = {
    "cpu-haswell-Intel(R) Core(TM) i7-8565U CPU @ 1.80GHz",
    "Oclgrind Simulator",
    "NVIDIA GeForce RTX 3080",
    "gfx1030",
    "Intel(R) UHD Graphics 620 [0x3ea0]",
    "",
};
#define N_NAMES (sizeof(names) / sizeof(names[0]))

static const size_t msg_sizes[] = {0, 1, 2, 16, 64, 256, 1024};
#define N_SIZES (sizeof(msg_sizes) / sizeof(msg_sizes[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int count = data[0] % 9;
    int msg_mode = data[1] % (N_SIZES + 1); /* N_SIZES: no buffer */
    data += 2;
    size -= 2;
    if (size < 2 * (size_t)count)
        return 0;
    struct clgan_device_info devs[8];
    memset(devs, 0, sizeof(devs));
    for (int i = 0; i < count; i++) {
        struct clgan_device_info *d = &devs[i];
        uint8_t a = data[2 * i], b = data[2 * i + 1];
        d->index = i;
        d->kind = (enum clgan_device_kind)(a % 6);
        d->platform = b & 3;
        d->device = (b >> 2) & 7;
        snprintf(d->platform_name, sizeof(d->platform_name), "%s", platforms[(a / 6) % N_NAMES]);
        snprintf(d->platform_vendor, sizeof(d->platform_vendor), "%s", vendors[(a / 36) % N_NAMES]);
        snprintf(d->name, sizeof(d->name), "%s", names[(b >> 5) % N_NAMES]);
    }
    data += 2 * (size_t)count;
    size -= 2 * (size_t)count;

    char *spec = malloc(size + 1);
    FUZZ_CHECK(spec, "out of memory");
    memcpy(spec, data, size);
    spec[size] = 0;
    size_t sl = strlen(spec);
    if (sl < size && count > 0)
        snprintf(devs[0].name, sizeof(devs[0].name), "%.*s", (int)(size - sl - 1), spec + sl + 1);

    /* a buffer of exactly the stated size, pre-filled, so ASan sees writes and reads past it */
    size_t msg_len = msg_mode < (int)N_SIZES ? msg_sizes[msg_mode] : 0;
    char *msg = msg_mode < (int)N_SIZES ? malloc(msg_len ? msg_len : 1) : NULL;
    if (msg)
        memset(msg, 'x', msg_len ? msg_len : 1);

    int index = -1;
    clgan_status st = clgan_device_select(spec, devs, count, &index, msg, msg_len);
    if (st == CLGAN_STATUS_OK) {
        FUZZ_CHECK(index >= 0 && index < count, "index %d of %d", index, count);
        const char *s = *spec ? spec : "auto";
        if (!strcasecmp(s, "auto"))
            FUZZ_CHECK(devs[index].kind != CLGAN_KIND_SIMULATOR, "auto picked a simulator");
        char *end;
        long v = strtol(s, &end, 10);
        if (end != s && !*end)
            FUZZ_CHECK(v == index, "spec '%s' picked %d", s, index);
        else if (end != s && *end == ':' && end[1] &&
                 strspn(end + 1, "0123456789") == strlen(end + 1))
            FUZZ_CHECK(devs[index].platform == v && devs[index].device == atol(end + 1),
                       "spec '%s' picked %d:%d", s, devs[index].platform, devs[index].device);
    } else {
        FUZZ_CHECK(st == CLGAN_STATUS_INVALID_ARGUMENT || st == CLGAN_STATUS_NO_DEVICE, "status %s",
                   clgan_status_str(st));
        if (msg && msg_len)
            FUZZ_CHECK(memchr(msg, 0, msg_len) && (msg_len < 2 || msg[0]),
                       "message not filled or not ended");
    }
    free(msg);
    free(spec);
    return 0;
}
