/* labels: kernel; timeout: 300; oclgrind: -o !kernel_dir */
/*
 * test_runtime.c - the runtime on every device: device SPECs, error texts, buffer limits and
 * round trips, the program cache (hit, corrupt entry rebuilt, foreign entry ignored), kernel
 * source override, fault injection, the embedded sources' table, and the comparator's own
 * self-test.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void test_specs(void)
{
    struct clgan_device_info *devs = NULL;
    int n = 0, idx = -1;
    char msg[2048];
    clgan_status st = clgan_devices_query(&devs, &n, msg, sizeof(msg));
    if (!th_expect(st == CLGAN_STATUS_OK && n > 0, "devices_query", NULL, "%d devices", n))
        return;
    for (int i = 0; i < n; i++) {
        char spec[32];
        snprintf(spec, sizeof(spec), "%d:%d", devs[i].platform, devs[i].device);
        st = clgan_device_select(spec, devs, n, &idx, msg, sizeof(msg));
        th_expect(st == CLGAN_STATUS_OK && idx == i, "spec_pd", NULL, "%s -> %d", spec, idx);
        snprintf(spec, sizeof(spec), "%d", i);
        st = clgan_device_select(spec, devs, n, &idx, msg, sizeof(msg));
        th_expect(st == CLGAN_STATUS_OK && idx == i, "spec_index", NULL, "%s -> %d", spec, idx);
    }
    st = clgan_device_select("auto", devs, n, &idx, msg, sizeof(msg));
    int has_real = 0;
    for (int i = 0; i < n; i++)
        has_real |= devs[i].kind != CLGAN_KIND_SIMULATOR;
    th_expect(has_real ? (st == CLGAN_STATUS_OK && devs[idx].kind != CLGAN_KIND_SIMULATOR)
                       : st != CLGAN_STATUS_OK,
              "spec_auto_not_simulator", NULL, "auto -> %d", idx);
    st = clgan_device_select("nosuch", devs, n, &idx, msg, sizeof(msg));
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && strstr(msg, "'nosuch'") &&
                  strstr(msg, devs[0].name),
              "spec_unknown_lists_devices", NULL, "%s", msg);
    st = clgan_device_select("99:0", devs, n, &idx, msg, sizeof(msg));
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT, "spec_bad_pd", NULL, "%s", msg);
    /* no message buffer, or an empty one: the status alone, nothing read or written */
    st = clgan_device_select("nosuch", devs, n, &idx, NULL, 0);
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT, "spec_unknown_no_msg", NULL, "%d", (int)st);
    memset(msg, 'x', sizeof(msg));
    st = clgan_device_select("gpu-nosuch", devs, n, &idx, msg, 0);
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && msg[0] == 'x' && msg[sizeof(msg) - 1] == 'x',
              "spec_unknown_empty_msg", NULL, "%d", (int)st);
    for (int i = 0; i < n; i++) {
        if (devs[i].kind != CLGAN_KIND_SIMULATOR)
            continue;
        st = clgan_device_select("OCLGRIND", devs, n, &idx, msg, sizeof(msg));
        th_expect(st == CLGAN_STATUS_OK && idx == i, "spec_name_case", NULL, "-> %d", idx);
    }
    for (int i = 0; i < n; i++) {
        if (devs[i].kind != CLGAN_KIND_CPU)
            continue;
        st = clgan_device_select("cpu", devs, n, &idx, msg, sizeof(msg));
        th_expect(st == CLGAN_STATUS_OK && devs[idx].kind == CLGAN_KIND_CPU, "spec_type_cpu", NULL,
                  "-> %d", idx);
        break;
    }
    free(devs);
    th_expect(!strcmp(clgan_status_str(CLGAN_STATUS_KERNEL_BUILD), "kernel build failed") &&
                  !strcmp(clgan_cl_errname(CL_OUT_OF_RESOURCES), "CL_OUT_OF_RESOURCES") &&
                  !strcmp(clgan_cl_errname(-12345), "CL_UNKNOWN_ERROR"),
              "error_names", NULL, "status and CL error texts");
}

static void test_comparator(void)
{
    float ref[64], got[64];
    for (int i = 0; i < 64; i++)
        ref[i] = got[i] = (float)i / 7.0f;
    int same = th_compare(got, ref, 64, 1e-6, 1e-4, 1e-7);
    got[17] *= 1.001f;
    int perturbed = th_compare(got, ref, 64, 1e-6, 1e-4, 1e-7);
    got[17] = ref[17];
    got[3] = 0.0f / 0.0f;
    int nan = th_compare(got, ref, 64, 1e-6, 1e-4, 1e-7);
    th_expect(same && !perturbed && !nan, "comparator_self_test", NULL,
              "identical %d, perturbed by 0.1%% %d, NaN %d", same, perturbed, nan);
}

static void test_buffers(struct th_device *d)
{
    clgan_buffer *b = NULL;
    const size_t n = 1001;
    clgan_status st = clgan_buffer_init(d->ctx, n, &b);
    if (!th_status(st, "buffer_init", d))
        return;
    float *x = th_rand(n, -3, 3), *y = th_alloc(n);
    st = clgan_buffer_write(b, 0, n, x);
    if (st == CLGAN_STATUS_OK)
        st = clgan_buffer_read(b, 3, n - 3, y);
    if (th_status(st, "buffer_roundtrip", d))
        th_check("buffer_roundtrip_view", d, y, x + 3, n - 3, 0, 0, 0);
    st = clgan_buffer_read(b, n - 2, 5, y);
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT, "buffer_out_of_range", d, "%s",
              clgan_ctx_last_error(d->ctx));
    clgan_buffer_free(b);
    clgan_buffer_free(NULL);

    /* larger than one allocation may be: refused before OpenCL sees it, both sizes named */
    size_t too_big = (size_t)(d->info->max_alloc / sizeof(float)) + 1024;
    st = clgan_buffer_init(d->ctx, too_big, &b);
    const char *e = clgan_ctx_last_error(d->ctx);
    th_expect(st == CLGAN_STATUS_OUT_OF_DEVICE_MEMORY && b == NULL && strstr(e, "at most"),
              "buffer_over_max_alloc", d, "%s", e);
    st = clgan_buffer_init(d->ctx, (size_t)-1 / 2, &b);
    th_expect(st != CLGAN_STATUS_OK && b == NULL, "buffer_overflow_refused", d, "%s",
              clgan_ctx_last_error(d->ctx));
    uint64_t in_use = 1, peak = 0;
    clgan_ctx_memory(d->ctx, &in_use, &peak);
    th_expect(in_use == 0 && peak >= n * sizeof(float), "memory_accounting", d,
              "in use %llu, peak %llu", (unsigned long long)in_use, (unsigned long long)peak);
    free(x);
    free(y);
}

static int count_entries(const char *dir)
{
    DIR *dp = opendir(dir);
    int n = 0;
    if (!dp)
        return 0;
    for (struct dirent *e; (e = readdir(dp));)
        n += strstr(e->d_name, ".bin") != NULL;
    closedir(dp);
    return n;
}

/* The only entry's file (malloc'ed, *n bytes), NULL when there is none or it is not a regular
 * file. */
static unsigned char *entry_read(const char *dir, size_t *n)
{
    DIR *dp = opendir(dir);
    unsigned char *buf = NULL;
    *n = 0;
    if (!dp)
        return NULL;
    for (struct dirent *e; (e = readdir(dp));) {
        if (!strstr(e->d_name, ".bin"))
            continue;
        char path[1024];
        struct stat sb;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &sb) || !S_ISREG(sb.st_mode))
            continue;
        FILE *f = fopen(path, "rb");
        free(buf);
        buf = malloc((size_t)sb.st_size + 1);
        *n = f && buf ? fread(buf, 1, (size_t)sb.st_size, f) : 0;
        if (f)
            fclose(f);
    }
    closedir(dp);
    return buf;
}

static void corrupt_all(const char *dir, int mode)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    for (struct dirent *e; (e = readdir(dp));) {
        if (!strstr(e->d_name, ".bin"))
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (mode == 0) { /* truncate */
            if (truncate(path, 40) != 0)
                perror("truncate");
        } else if (mode == 2 || mode == 3) {
            /* behind a valid header: a flipped bit in the binary (2), or the binary cut to half
             * with the header's length made to match (3); only the checksum can tell */
            FILE *f = fopen(path, "r+b");
            unsigned char h[12], lb[8];
            if (f && fread(h, 1, 12, f) == 12) {
                long kl = (long)(h[8] | h[9] << 8 | h[10] << 16 | (unsigned)h[11] << 24);
                fseek(f, 12 + kl, SEEK_SET);
                uint64_t bl = 0;
                if (fread(lb, 1, 8, f) == 8)
                    for (int i = 7; i >= 0; i--)
                        bl = bl << 8 | lb[i];
                long bin = 12 + kl + 16;
                if (mode == 2) {
                    fseek(f, bin + (long)bl / 2, SEEK_SET);
                    int c = fgetc(f);
                    fseek(f, bin + (long)bl / 2, SEEK_SET);
                    fputc(c ^ 0x10, f);
                } else {
                    bl /= 2;
                    for (int i = 0; i < 8; i++)
                        lb[i] = (unsigned char)(bl >> (8 * i));
                    fseek(f, 12 + kl, SEEK_SET);
                    fwrite(lb, 1, 8, f);
                }
                fclose(f);
                if (mode == 3 && truncate(path, bin + (long)bl) != 0)
                    perror("truncate");
            } else if (f) {
                fclose(f);
            }
        } else if (mode == 4) { /* a FIFO where the entry was: must not hang the load */
            unlink(path);
            if (mkfifo(path, 0644) != 0)
                perror("mkfifo");
        } else { /* garbage after a valid magic: a foreign/corrupt entry */
            FILE *f = fopen(path, "r+b");
            if (f) {
                fseek(f, 20, SEEK_SET);
                fputs("garbage garbage garbage", f);
                fclose(f);
            }
        }
    }
    closedir(dp);
}

/* Build the gemm program in a fresh context with the given cache folder; seconds taken. The
 * folder's name is passed in a buffer wiped right after init: the context keeps its own copy. */
static double build_once(struct th_device *d, const char *dir, clgan_status *st)
{
    struct clgan_ctx_params p = clgan_ctx_default_params();
    char dirbuf[256], msg[512];
    snprintf(dirbuf, sizeof(dirbuf), "%s", dir);
    p.device_index = d->info->index;
    p.cache_dir = dirbuf;
    clgan_ctx *ctx = NULL;
    double t0 = now_s();
    *st = clgan_ctx_init(&p, &ctx, msg, sizeof(msg));
    memset(dirbuf, 0, sizeof(dirbuf));
    cl_program prog;
    if (*st == CLGAN_STATUS_OK)
        *st = clgan_rt_program(ctx, "gemm", &prog);
    double t = now_s() - t0;
    clgan_ctx_free(ctx);
    return t;
}

static void test_cache(struct th_device *d)
{
    char dir[256];
    snprintf(dir, sizeof(dir), "/tmp/clgan-cache-test-%ld-%d", (long)getpid(), d->info->index);
    clgan_status st;
    double cold = build_once(d, dir, &st);
    th_status(st, "cache_cold_build", d);
    th_expect(count_entries(dir) == 1, "cache_entry_written", d, "%d entries in %s",
              count_entries(dir), dir);
    double warm = build_once(d, dir, &st);
    th_status(st, "cache_warm_build", d);
    printf("    cold %.3f s, warm %.3f s\n", cold, warm);
    corrupt_all(dir, 0);
    build_once(d, dir, &st);
    th_expect(st == CLGAN_STATUS_OK && count_entries(dir) == 1, "cache_truncated_rebuilt", d,
              "status %s", clgan_status_str(st));
    corrupt_all(dir, 1);
    build_once(d, dir, &st);
    th_expect(st == CLGAN_STATUS_OK && count_entries(dir) == 1, "cache_corrupt_rebuilt", d,
              "status %s", clgan_status_str(st));
    /* damage behind a valid header reaches the driver only if the checksum misses it; the bad
     * entry must be replaced by a good one (a kept entry would fail every later run) */
    static const char *const names[] = {"cache_flipped_bit_rebuilt", "cache_cut_binary_rebuilt",
                                        "cache_fifo_entry_rebuilt"};
    for (int mode = 2; mode <= 4; mode++) {
        size_t nb, nd, na;
        unsigned char *before = entry_read(dir, &nb);
        corrupt_all(dir, mode);
        unsigned char *damaged = entry_read(dir, &nd);
        build_once(d, dir, &st);
        unsigned char *after = entry_read(dir, &na);
        th_expect(st == CLGAN_STATUS_OK && count_entries(dir) == 1 && after && na == nb &&
                      (mode == 4 || nd != na || memcmp(damaged, after, na)),
                  names[mode - 2], d, "status %s, entry of %zu bytes (%zu before, %zu damaged)",
                  clgan_status_str(st), na, nb, nd);
        free(before);
        free(damaged);
        free(after);
    }
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        perror("rm");
    build_once(d, "off", &st);
    th_expect(st == CLGAN_STATUS_OK && access("off", F_OK) != 0 && access(dir, F_OK) != 0,
              "cache_off", d, "status %s", clgan_status_str(st));
}

/* A kernel folder with a broken gemm.cl: the build fails with the file named and the log. */
static void test_kernel_dir(struct th_device *d)
{
    char dir[256], path[300];
    snprintf(dir, sizeof(dir), "/tmp/clgan-kdir-%ld", (long)getpid());
    mkdir(dir, 0755);
    snprintf(path, sizeof(path), "%s/common.cl", dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("/* empty */\n", f);
        fclose(f);
    }
    snprintf(path, sizeof(path), "%s/gemm.cl", dir);
    f = fopen(path, "w");
    if (f) {
        fputs("kernel void gemm_broken(global float *x) { x[0] = undefined_name; }\n", f);
        fclose(f);
    }
    struct clgan_ctx_params p = clgan_ctx_default_params();
    char msg[512];
    p.device_index = d->info->index;
    p.kernel_dir = dir;
    clgan_ctx *ctx = NULL;
    clgan_status st = clgan_ctx_init(&p, &ctx, msg, sizeof(msg));
    cl_kernel k;
    if (st == CLGAN_STATUS_OK) {
        st = clgan_rt_kernel(ctx, "gemm_broken", &k);
        const char *e = clgan_ctx_last_error(ctx);
        th_expect(st == CLGAN_STATUS_KERNEL_BUILD && strstr(e, "gemm.cl") &&
                      strstr(e, "undefined_name"),
                  "kernel_build_error_has_log", d, "%.120s...", e);
        st = clgan_rt_kernel(ctx, "nofamily_x", &k);
        th_expect(st != CLGAN_STATUS_OK && strstr(clgan_ctx_last_error(ctx), "nofamily.cl"),
                  "kernel_dir_missing_file", d, "%s", clgan_ctx_last_error(ctx));
    }
    clgan_ctx_free(ctx);
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    if (system(path) != 0)
        perror("rm");
}

/* The embedded kernel sources' table: every entry's length is that of its text. The measured
 * route and GEMM choices hash these bytes into their cache keys, so a length of 0 would keep
 * a choice measured on other kernels. */
static void test_sources(void)
{
    for (size_t i = 0; i < clgan_cl_n_sources; i++) {
        const struct clgan_cl_source *s = &clgan_cl_sources[i];
        size_t n = s->data ? strlen((const char *)s->data) : 0;
        th_expect(s->name && s->data && s->len && *s->len == n && n > 100, "embedded source", NULL,
                  "%s: length %zu in the table, text of %zu bytes", s->name ? s->name : "(null)",
                  s->len ? *s->len : 0, n);
    }
    th_expect(!clgan_cl_sources[clgan_cl_n_sources].name, "embedded sources' end", NULL,
              "no NULL entry after %zu sources", clgan_cl_n_sources);
}

/* Default parameters come from the environment (ctest sets CLGAN_CACHE_DIR); a device index
 * out of range is refused with the index and the device list. */
static void test_params(void)
{
    struct clgan_ctx_params p = clgan_ctx_default_params();
    const char *env_cache = getenv("CLGAN_CACHE_DIR");
    th_expect(p.device_index == -1 && p.profiling == 0 && p.gemm == CLGAN_GEMM_AUTO &&
                  (!env_cache || !*env_cache || (p.cache_dir && !strcmp(p.cache_dir, env_cache))),
              "params_defaults", NULL, "index %d, cache_dir %s (CLGAN_CACHE_DIR %s)",
              p.device_index, p.cache_dir ? p.cache_dir : "(none)", env_cache ? env_cache : "");
    struct clgan_device_info *devs = NULL;
    int n = 0;
    char msg[2048];
    if (clgan_devices_query(&devs, &n, msg, sizeof(msg)) != CLGAN_STATUS_OK || n == 0) {
        th_expect(0, "params_device_index_bad", NULL, "%s", msg);
        free(devs);
        return;
    }
    p.device_index = n;
    p.device = "no-such-device"; /* ignored when an index is given */
    clgan_ctx *ctx = NULL;
    msg[0] = 0;
    clgan_status st = clgan_ctx_init(&p, &ctx, msg, sizeof(msg));
    char want[32];
    snprintf(want, sizeof(want), "index %d", n);
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && !ctx && strstr(msg, want) &&
                  strstr(msg, devs[0].name),
              "params_device_index_bad", NULL, "%s", msg);
    free(devs);
}

struct log_count {
    int n;
    char last[256];
};

static void count_log(enum clgan_log_level level, const char *msg, void *user)
{
    struct log_count *c = user;
    (void)level;
    c->n++;
    snprintf(c->last, sizeof(c->last), "%s", msg);
}

/* A context opened by index is that device; its log level decides which of its messages reach
 * the callback; its profile lists the kernels launched since the last reset. */
static void test_ctx_settings(struct th_device *d)
{
    struct log_count lc = {0, ""};
    clgan_log_set(count_log, &lc);
    struct clgan_ctx_params p = clgan_ctx_default_params();
    p.device_index = d->info->index;
    p.device = "no-such-device";
    p.log_level = CLGAN_LOG_INFO;
    p.profiling = 1;
    clgan_ctx *ctx = NULL;
    char msg[2048];
    clgan_status st = clgan_ctx_init(&p, &ctx, msg, sizeof(msg));
    int opened = st == CLGAN_STATUS_OK;
    th_expect(opened && clgan_ctx_device(ctx)->index == d->info->index &&
                  !strcmp(clgan_ctx_device(ctx)->name, d->info->name),
              "params_device_index", d, "%s", opened ? clgan_ctx_device(ctx)->name : msg);
    th_expect(opened && lc.n >= 1 && strstr(lc.last, d->info->name), "params_log_info", d,
              "%d messages, last '%s'", lc.n, lc.last);
    if (opened) {
        const float x[4] = {1, 2, 3, 4};
        clgan_buffer *a = NULL, *b = NULL;
        struct clgan_prof_entry e[4];
        int n = -1;
        st = clgan_buffer_init(ctx, 4, &a);
        if (st == CLGAN_STATUS_OK)
            st = clgan_buffer_init(ctx, 4, &b);
        if (st == CLGAN_STATUS_OK)
            st = clgan_buffer_write(a, 0, 4, x);
        clgan_ctx_profile_reset(ctx);
        if (st == CLGAN_STATUS_OK)
            st = clgan_rt_launch1d(ctx, CLGAN_K(elt_copy_u8), 16, "lmlml", (uint64_t)16, a->mem,
                                   (uint64_t)0, b->mem, (uint64_t)0);
        if (st == CLGAN_STATUS_OK)
            st = clgan_ctx_profile(ctx, e, 4, &n);
        th_expect(st == CLGAN_STATUS_OK && n == 1 && !strcmp(e[0].name, "elt_copy_u8") &&
                      e[0].calls == 1 && e[0].ms >= 0,
                  "profile_one_kernel", d, "status %s, %d entries, %s x%ld", clgan_status_str(st),
                  n, n > 0 ? e[0].name : "-", n > 0 ? e[0].calls : 0L);
        clgan_ctx_profile_reset(ctx);
        st = clgan_ctx_profile(ctx, NULL, 0, &n);
        th_expect(st == CLGAN_STATUS_OK && n == 0, "profile_reset", d, "%d entries", n);
        clgan_buffer_free(a);
        clgan_buffer_free(b);
    }
    clgan_ctx_free(ctx);
    p.log_level = CLGAN_LOG_WARN;
    p.profiling = 0;
    lc.n = 0;
    st = clgan_ctx_init(&p, &ctx, msg, sizeof(msg));
    th_expect(st == CLGAN_STATUS_OK && lc.n == 0, "params_log_warn_quiet", d,
              "%d messages, last '%s'", lc.n, lc.last);
    clgan_log_set(NULL, NULL);
    clgan_ctx_free(ctx);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    if (th_want("spec"))
        test_specs();
    if (th_want("params"))
        test_params();
    test_comparator();
    if (th_want("sources"))
        test_sources();
    for (int i = 0; i < th_ndev(); i++) {
        struct th_device *d = th_dev(i);
        if (th_want("buffer"))
            test_buffers(d);
        if (th_want("params") || th_want("profile"))
            test_ctx_settings(d);
        if (th_want("cache"))
            test_cache(d);
        if (th_want("kernel_dir"))
            test_kernel_dir(d);
    }
    return th_finish();
}
