/*
 * bench.c - `clgan bench`: the same GAN training step timed on each selected device, side by
 * side: kernel build time (cold and warm cache), time to the first step, median/min/max step
 * time after warm-up, images/s, GFLOP/s from counted FLOPs, peak device memory, and a
 * per-kernel profile from OpenCL events (CLBlast's calls included).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"

#define MAX_DEV 16

struct prof_row {
    char name[64];
    long calls;
    double ms, gflops;
};

struct result {
    char device[160], gemm[16], gemm_note[1300], conv_note[320];
    int ok;
    char error[512];
    double build_cold_s, build_warm_s, first_step_s;
    double med_s, min_s, max_s, images_s, gflops, step_gflop;
    double cpu_s; /* process CPU time (all threads) per timed step */
    double peak_mib;
    struct prof_row *prof;
    int n_prof;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU time of the process so far (user + system, all threads). */
static double cpu_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return NAN;
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec * 1e-6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_prof(const void *a, const void *b)
{
    const struct prof_row *x = a, *y = b;
    return x->ms < y->ms ? 1 : x->ms > y->ms ? -1 : 0;
}

/* The route of the k4 s2 p1 convolutions' passes (--conv), the same for every device. */
static enum clgan_conv_route conv_route = CLGAN_CONV_ROUTE_AUTO;

/* A context on device index with the default settings, this GEMM backend, the conv route and
 * profiling. */
static struct clgan_ctx_params bench_params(int index, enum clgan_gemm_backend gb, int profiling)
{
    struct clgan_ctx_params p = clgan_ctx_default_params();
    p.device_index = index;
    p.gemm = gb;
    p.conv = conv_route;
    p.profiling = profiling;
    return p;
}

/* Build every kernel program in a fresh context with the cache at dir ("off" for none). */
static double build_time(int index, const char *dir, enum clgan_gemm_backend gb)
{
    struct clgan_ctx_params p = bench_params(index, gb, 0);
    p.cache_dir = dir;
    clgan_ctx *ctx = NULL;
    double t = NAN;
    if (clgan_cli_open_params(&p, &ctx) == CLGAN_STATUS_OK) {
        double t0 = now_s();
        if (clgan_ctx_build_all(ctx) == CLGAN_STATUS_OK)
            t = now_s() - t0;
    }
    clgan_ctx_free(ctx);
    return t;
}

static void run_device(int index, const struct clgan_gan_params *p, enum clgan_gemm_backend gb,
                       int steps, int warmup, struct result *r)
{
    char tmpdir[64];
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/clgan-bench-cache.%ld", (long)getpid());
    r->build_cold_s = build_time(index, tmpdir, gb);
    r->build_warm_s = build_time(index, tmpdir, gb);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        r->build_warm_s = NAN;

    clgan_ctx *ctx = NULL;
    clgan_gan *gan = NULL;
    struct clgan_prof_entry *prof = NULL;
    int n_prof = 0;
    double *t = calloc((size_t)steps, sizeof(double));
    struct clgan_ctx_params cp = bench_params(index, gb, 1);
    if (!t || clgan_cli_open_params(&cp, &ctx) != CLGAN_STATUS_OK) {
        snprintf(r->error, sizeof(r->error), "cannot open device %d", index);
        goto out;
    }
    const struct clgan_device_info *di = clgan_ctx_device(ctx);
    snprintf(r->device, sizeof(r->device), "%d:%d %s", di->platform, di->device, di->name);
    snprintf(r->gemm, sizeof(r->gemm), "%s", clgan_gemm_backend_str(clgan_ctx_gemm_backend(ctx)));
    snprintf(r->gemm_note, sizeof(r->gemm_note), "%s", clgan_ctx_gemm_note(ctx));
    snprintf(r->conv_note, sizeof(r->conv_note), "%s", clgan_ctx_conv_note(ctx));
    double t0 = now_s();
    clgan_status st = clgan_gan_init(ctx, NULL, p, &gan, r->error, sizeof(r->error));
    if (st == CLGAN_STATUS_OK)
        st = clgan_gan_step(gan, NULL);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ctx_finish(ctx);
    r->first_step_s = now_s() - t0;
    for (int i = 1; i < warmup && st == CLGAN_STATUS_OK; i++)
        st = clgan_gan_step(gan, NULL);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ctx_finish(ctx);
    clgan_ctx_profile_reset(ctx);
    double c0 = cpu_s();
    for (int i = 0; i < steps && st == CLGAN_STATUS_OK; i++) {
        double s0 = now_s();
        st = clgan_gan_step(gan, NULL);
        if (st == CLGAN_STATUS_OK)
            st = clgan_ctx_finish(ctx);
        t[i] = now_s() - s0;
    }
    r->cpu_s = (cpu_s() - c0) / steps;
    if (st == CLGAN_STATUS_OK)
        st = clgan_ctx_profile(ctx, NULL, 0, &n_prof);
    if (st == CLGAN_STATUS_OK && n_prof > 0) {
        prof = calloc((size_t)n_prof, sizeof(*prof));
        if (prof)
            st = clgan_ctx_profile(ctx, prof, n_prof, &n_prof);
        else
            n_prof = 0;
    }
    if (st != CLGAN_STATUS_OK) {
        if (!r->error[0])
            snprintf(r->error, sizeof(r->error), "%s",
                     gan ? clgan_gan_last_error(gan) : clgan_ctx_last_error(ctx));
        goto out;
    }
    qsort(t, (size_t)steps, sizeof(double), cmp_d);
    r->med_s = steps % 2 ? t[steps / 2] : 0.5 * (t[steps / 2 - 1] + t[steps / 2]);
    r->min_s = t[0];
    r->max_s = t[steps - 1];
    r->step_gflop = clgan_gan_flops_per_step(gan) / 1e9;
    r->images_s = p->batch * p->d_steps / r->med_s;
    r->gflops = r->step_gflop / r->med_s;
    uint64_t peak;
    clgan_ctx_memory(ctx, NULL, &peak);
    r->peak_mib = peak / 1048576.0;
    r->prof = calloc((size_t)n_prof + 1, sizeof(*r->prof));
    for (int i = 0; r->prof && i < n_prof; i++) {
        struct prof_row *row = &r->prof[r->n_prof++];
        snprintf(row->name, sizeof(row->name), "%s", prof[i].name);
        row->calls = prof[i].calls / steps;
        row->ms = prof[i].ms / steps;
        row->gflops =
            prof[i].flops > 0 && prof[i].ms > 0 ? prof[i].flops / (prof[i].ms * 1e-3) / 1e9 : 0;
    }
    if (r->prof)
        qsort(r->prof, (size_t)r->n_prof, sizeof(*r->prof), cmp_prof);
    r->ok = 1;
out:
    free(t);
    free(prof);
    clgan_gan_free(gan);
    clgan_ctx_free(ctx);
}

static void print_result(const struct result *r, int batch)
{
    printf("\n== %s (GEMM %s)\n", r->device, r->gemm);
    if (!r->ok) {
        printf("   failed: %s\n", r->error);
        return;
    }
    printf("   GEMM backend: %s (%s)\n", r->gemm, r->gemm_note);
    printf("   conv routes:  %s\n", r->conv_note);
    printf("   kernel build: cold %.2f s, warm %.2f s (program cache)\n", r->build_cold_s,
           r->build_warm_s);
    printf("   first step:   %.2f s after start\n", r->first_step_s);
    printf("   step time:    median %.1f ms, min %.1f, max %.1f (batch %d)\n", r->med_s * 1e3,
           r->min_s * 1e3, r->max_s * 1e3, batch);
    printf("   throughput:   %.1f images/s, %.1f GFLOP/s (%.2f GFLOP per step)\n", r->images_s,
           r->gflops, r->step_gflop);
    printf("   CPU time:     %.1f ms per step (this process, all threads: on a CPU device "
           "%.1f GFLOP per CPU second)\n",
           r->cpu_s * 1e3, r->step_gflop / r->cpu_s);
    printf("   peak memory:  %.1f MiB\n", r->peak_mib);
    double total = 0;
    for (int i = 0; i < r->n_prof; i++)
        total += r->prof[i].ms;
    printf("   %-32s %6s %9s %6s %9s\n", "kernel", "calls", "ms/step", "share", "GFLOP/s");
    for (int i = 0; i < r->n_prof; i++) {
        const struct prof_row *k = &r->prof[i];
        char gf[16] = "";
        if (k->gflops > 0)
            snprintf(gf, sizeof(gf), "%.1f", k->gflops);
        printf("   %-32s %6ld %9.2f %5.1f%% %9s\n", k->name, k->calls, k->ms,
               total > 0 ? 100 * k->ms / total : 0, gf);
    }
}

static cJSON *json_result(const struct result *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "device", r->device);
    cJSON_AddStringToObject(o, "gemm", r->gemm);
    cJSON_AddStringToObject(o, "gemm_note", r->gemm_note);
    cJSON_AddStringToObject(o, "conv_note", r->conv_note);
    cJSON_AddBoolToObject(o, "ok", r->ok);
    if (!r->ok) {
        cJSON_AddStringToObject(o, "error", r->error);
        return o;
    }
    cJSON_AddNumberToObject(o, "build_cold_s", r->build_cold_s);
    cJSON_AddNumberToObject(o, "build_warm_s", r->build_warm_s);
    cJSON_AddNumberToObject(o, "first_step_s", r->first_step_s);
    cJSON_AddNumberToObject(o, "step_median_s", r->med_s);
    cJSON_AddNumberToObject(o, "step_min_s", r->min_s);
    cJSON_AddNumberToObject(o, "step_max_s", r->max_s);
    cJSON_AddNumberToObject(o, "images_per_s", r->images_s);
    cJSON_AddNumberToObject(o, "gflops", r->gflops);
    cJSON_AddNumberToObject(o, "gflop_per_step", r->step_gflop);
    cJSON_AddNumberToObject(o, "cpu_s_per_step", r->cpu_s);
    cJSON_AddNumberToObject(o, "peak_memory_mib", r->peak_mib);
    cJSON *ks = cJSON_AddArrayToObject(o, "kernels");
    for (int i = 0; i < r->n_prof; i++) {
        cJSON *k = cJSON_CreateObject();
        cJSON_AddStringToObject(k, "name", r->prof[i].name);
        cJSON_AddNumberToObject(k, "calls_per_step", (double)r->prof[i].calls);
        cJSON_AddNumberToObject(k, "ms_per_step", r->prof[i].ms);
        if (r->prof[i].gflops > 0)
            cJSON_AddNumberToObject(k, "gflops", r->prof[i].gflops);
        cJSON_AddItemToArray(ks, k);
    }
    return o;
}

/* Whether a file can be created or replaced at path: its folder exists and is writable, and
 * the file, if it exists, is not a folder (errno tells why not). */
static int writable_path(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else
        snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
    if (access(dir, W_OK | X_OK) != 0)
        return 0;
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        errno = EISDIR;
        return 0;
    }
    return 1;
}

int clgan_cli_bench(int argc, char **argv)
{
    struct clgan_gan_params p = clgan_gan_default_params();
    const char *device = NULL, *gemm = "auto", *conv = "auto", *json = NULL;
    int steps = 10, warmup = 3;
    const struct opt opts[] = {
        {"--device", OPT_STRING, &device, 0, 0, NULL, "SPEC|all",
         "device(s) to compare (all: every device but simulators)"},
        {"--model", OPT_STRING, &p.model, 0, 0, NULL, "NAME",
         "DCGAN preset: dcgan32, dcgan64, dcgan<N>"},
        {"--cond", OPT_FLAG, &p.cond, 0, 0, NULL, NULL, "the class-conditional preset"},
        {"--arch", OPT_PATH, &p.arch, 0, 0, NULL, "FILE", "networks from an architecture file"},
        {"--batch", OPT_INT, &p.batch, 1, 65536, NULL, "N", "batch size"},
        {"--ngf", OPT_INT, &p.ngf, 1, 1024, NULL, "N", "generator width"},
        {"--ndf", OPT_INT, &p.ndf, 1, 1024, NULL, "N", "discriminator width"},
        {"--steps", OPT_INT, &steps, 1, 100000, NULL, "N", "timed steps"},
        {"--warmup", OPT_INT, &warmup, 1, 1000, NULL, "N", "untimed steps first"},
        {"--gemm", OPT_CHOICE, &gemm, 0, 0, "auto|clblast|own|both", "NAME",
         "GEMM backend (both: run each device with each backend)"},
        {"--conv", OPT_CHOICE, &conv, 0, 0, "auto|columns|phases", "NAME",
         "route of the convolutions and transposed convolutions with k 4, stride 2, pad 1, all "
         "passes: column matrix (im2col, GEMM, col2im), or phases and tap rows built in local "
         "memory (auto: the faster of the two per kind of pass, timed once per device and "
         "cached; layers of fewer than 8 output channels keep the columns)"},
        {"--data", OPT_DATA, &p.data, 0, 0, NULL, "SPEC", "data set"},
        {"--json", OPT_PATH, &json, 0, 0, NULL, "FILE",
         "write the results as JSON (and FILE.svg, a bar chart of images/s)"},
        {NULL, 0, NULL, 0, 0, NULL, NULL, NULL},
    };
    char err[512];
    int rr = clgan_opts_parse(opts, argc, argv, 1,
                              "usage: clgan bench [--device SPEC|all] [--model dcgan32|dcgan64] "
                              "[--batch N] [--steps N] [--gemm auto|clblast|own|both] "
                              "[--conv auto|columns|phases] [--json FILE]\n\nTimes full GAN "
                              "training steps (D and G) on each device and prints a per-kernel "
                              "profile.",
                              NULL, NULL, 0, err, sizeof(err));
    if (rr)
        return rr > 0 ? 0 : (clgan_cli_error("bench: %s", err), 2);
    struct clgan_device_info *devs = NULL;
    int n = 0, sel[MAX_DEV], n_sel = 0;
    int rc = clgan_cli_select_devices(device, &devs, &n, sel, MAX_DEV, &n_sel);
    if (rc)
        return rc;
    /* a simulator takes minutes per step and its times say nothing of any hardware: "all"
     * leaves it out, naming it explicitly still benches it */
    if (device && !strcmp(device, "all")) {
        int kept = 0;
        for (int i = 0; i < n_sel; i++) {
            const struct clgan_device_info *d = &devs[sel[i]];
            if (d->kind == CLGAN_KIND_SIMULATOR)
                printf("bench: skipping %d:%d %s (a simulator; name it with --device to bench "
                       "it)\n",
                       d->platform, d->device, d->name);
            else
                sel[kept++] = sel[i];
        }
        n_sel = kept;
        if (!n_sel) {
            free(devs);
            return clgan_cli_error("bench: no device but simulators; name one with --device");
        }
    }
    /* a results file that cannot be written is found now, not after minutes of timing */
    if (json && !writable_path(json)) {
        clgan_cli_error("bench: %s: cannot write: %s", json, strerror(errno));
        free(devs);
        return 1;
    }
    conv_route = !strcmp(conv, "columns")  ? CLGAN_CONV_ROUTE_COLUMNS
                 : !strcmp(conv, "phases") ? CLGAN_CONV_ROUTE_PHASES
                                           : CLGAN_CONV_ROUTE_AUTO;
    p.out_dir = "";
    p.epochs = 0;
    p.iters = 1000000;
    p.max_images = (long long)p.batch * p.d_steps * (steps + warmup + 1);
    enum clgan_gemm_backend backends[2];
    int n_be = 0;
    if (!strcmp(gemm, "both")) {
        backends[n_be++] = CLGAN_GEMM_OWN;
        backends[n_be++] = CLGAN_GEMM_CLBLAST;
    } else {
        backends[n_be++] = !strcmp(gemm, "clblast") ? CLGAN_GEMM_CLBLAST
                           : !strcmp(gemm, "own")   ? CLGAN_GEMM_OWN
                                                    : CLGAN_GEMM_AUTO;
    }
    struct result res[2 * MAX_DEV];
    int n_res = 0, failed = 0;
    memset(res, 0, sizeof(res));
    printf("clgan bench: %s%s, batch %d, %d timed steps after %d warm-up, conv route %s\n",
           p.arch ? p.arch : p.model, p.cond ? " (conditional)" : "", p.batch, steps, warmup, conv);
    for (int i = 0; i < n_sel; i++) {
        for (int b = 0; b < n_be; b++) {
            struct result *r = &res[n_res++];
            snprintf(r->device, sizeof(r->device), "%d:%d %s", devs[sel[i]].platform,
                     devs[sel[i]].device, devs[sel[i]].name);
            /* the simulator runs a real step in minutes: keep it to one timed step */
            int st_steps = devs[sel[i]].kind == CLGAN_KIND_SIMULATOR ? 1 : steps;
            int st_warm = devs[sel[i]].kind == CLGAN_KIND_SIMULATOR ? 1 : warmup;
            run_device(sel[i], &p, backends[b], st_steps, st_warm, r);
            print_result(r, p.batch);
            fflush(stdout); /* each device's result shows as it completes */
            failed += !r->ok;
        }
    }
    if (n_res > 1) {
        printf("\n%-44s %8s %10s %10s %9s\n", "device", "GEMM", "images/s", "GFLOP/s", "step ms");
        for (int i = 0; i < n_res; i++)
            if (res[i].ok)
                printf("%-44.44s %8s %10.1f %10.1f %9.1f\n", res[i].device, res[i].gemm,
                       res[i].images_s, res[i].gflops, res[i].med_s * 1e3);
            else
                printf("%-44.44s %8s %10s\n", res[i].device, res[i].gemm, "failed");
    }
    if (json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "model", p.model);
        cJSON_AddNumberToObject(root, "batch", p.batch);
        cJSON_AddNumberToObject(root, "steps", steps);
        cJSON *arr = cJSON_AddArrayToObject(root, "results");
        for (int i = 0; i < n_res; i++)
            cJSON_AddItemToArray(arr, json_result(&res[i]));
        char *s = cJSON_Print(root);
        FILE *f = s ? fopen(json, "w") : NULL;
        int wrote = f && fputs(s, f) >= 0;
        if (f && fclose(f) != 0)
            wrote = 0;
        free(s);
        cJSON_Delete(root);
        if (!wrote) {
            clgan_cli_error("bench: %s: cannot write: %s", json, strerror(errno));
            failed++;
            json = NULL; /* no chart beside a file that is not there */
        }
    }
    if (json) {
        const char *labels[2 * MAX_DEV];
        char lab[2 * MAX_DEV][200];
        double vals[2 * MAX_DEV];
        for (int i = 0; i < n_res; i++) {
            snprintf(lab[i], sizeof(lab[i]), "%.150s [%.15s]", res[i].device, res[i].gemm);
            labels[i] = lab[i];
            vals[i] = res[i].ok ? res[i].images_s : NAN;
        }
        char svg[1200], title[128];
        snprintf(svg, sizeof(svg), "%s.svg", json);
        snprintf(title, sizeof(title), "%s training, batch %d: images/s", p.model, p.batch);
        if (clgan_svg_write_bars(svg, title, "img/s", labels, vals, n_res, err, sizeof(err)) !=
            CLGAN_STATUS_OK) {
            clgan_cli_error("%s", err);
            failed++;
        }
    }
    for (int i = 0; i < n_res; i++)
        free(res[i].prof);
    free(devs);
    return failed ? 1 : 0;
}
