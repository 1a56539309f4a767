/*
 * check.c - `clgan check`: the op checks of clgan_check_run (every op, forward and backward,
 * against the plain-C reference, with shapes from the model presets scaled per device class) on
 * each selected device; one line per result as it comes, a table op x device with OK/FAIL when
 * there are several devices, or JSON; exit 1 on any FAIL.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"

#define MAX_DEV  16
#define NAME_COL 28 /* width of the name column (longer names widen it) */

struct row {
    char op[96];
    int dev;
    double nmse, max_rel;
    int ok;
    char note[160];
};

struct rows {
    struct row *r;
    int n, cap, failed;
    int dev;   /* the device being checked */
    int print; /* print each row as it comes */
    int oom;
};

static void add_row(struct rows *t, const char *op, double nmse, double max_rel, int ok,
                    const char *note)
{
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 256;
        struct row *r = realloc(t->r, (size_t)cap * sizeof(*r));
        if (!r) {
            t->oom = 1;
            t->failed += !ok;
            return;
        }
        t->r = r;
        t->cap = cap;
    }
    struct row *r = &t->r[t->n++];
    snprintf(r->op, sizeof(r->op), "%s", op);
    r->dev = t->dev;
    r->nmse = nmse;
    r->max_rel = max_rel;
    r->ok = ok;
    snprintf(r->note, sizeof(r->note), "%s", note ? note : "");
    t->failed += !ok;
    if (t->print) {
        printf("   %-*s %-4s nmse %-10.3g max_rel %-10.3g%s%s\n", NAME_COL, r->op,
               r->ok ? "OK" : "FAIL", r->nmse, r->max_rel, r->note[0] ? " " : "", r->note);
        fflush(stdout);
    }
}

static void on_result(const struct clgan_check_result *res, void *user)
{
    add_row(user, res->name, res->nmse, res->max_rel, res->ok, res->error);
}

static void print_json(const struct rows *t, const struct clgan_device_info *devs)
{
    cJSON *arr = cJSON_CreateArray();
    for (int r = 0; arr && r < t->n; r++) {
        const struct row *w = &t->r[r];
        cJSON *o = cJSON_CreateObject();
        char d[300];
        snprintf(d, sizeof(d), "%d:%d %s", devs[w->dev].platform, devs[w->dev].device,
                 devs[w->dev].name);
        cJSON_AddStringToObject(o, "op", w->op);
        cJSON_AddStringToObject(o, "device", d);
        cJSON_AddStringToObject(o, "shapes",
                                clgan_check_size_str(clgan_check_size_of(&devs[w->dev])));
        if (isfinite(w->nmse))
            cJSON_AddNumberToObject(o, "nmse", w->nmse);
        if (isfinite(w->max_rel))
            cJSON_AddNumberToObject(o, "max_rel", w->max_rel);
        cJSON_AddBoolToObject(o, "ok", w->ok);
        if (w->note[0])
            cJSON_AddStringToObject(o, "error", w->note);
        cJSON_AddItemToArray(arr, o);
    }
    char *s = arr ? cJSON_Print(arr) : NULL;
    if (s)
        printf("%s\n", s);
    free(s);
    cJSON_Delete(arr);
}

/* op x device: OK, FAIL, or - where the op did not run on that device */
static void print_summary(const struct rows *t, const struct clgan_device_info *devs,
                          const int *sel, int n_sel)
{
    printf("\n%-*s", NAME_COL, "op");
    for (int i = 0; i < n_sel; i++)
        printf(" %-10.10s", devs[sel[i]].platform_name);
    printf("\n");
    for (int r = 0; r < t->n; r++) {
        int seen = 0;
        for (int q = 0; q < r && !seen; q++)
            seen = !strcmp(t->r[q].op, t->r[r].op);
        if (seen)
            continue;
        printf("%-*s", NAME_COL, t->r[r].op);
        for (int i = 0; i < n_sel; i++) {
            const char *v = "-";
            for (int q = 0; q < t->n; q++)
                if (t->r[q].dev == sel[i] && !strcmp(t->r[q].op, t->r[r].op))
                    v = t->r[q].ok ? "OK" : "FAIL";
            printf(" %-10s", v);
        }
        printf("\n");
    }
}

int clgan_cli_check(int argc, char **argv)
{
    const char *device = NULL, *op = NULL;
    int json = 0;
    const struct opt opts[] = {
        {"--device", OPT_STRING, &device, 0, 0, NULL, "SPEC|all", "device(s) to check"},
        {"--op", OPT_STRING, &op, 0, 0, NULL, "NAME", "only ops whose name starts with NAME"},
        {"--json", OPT_FLAG, &json, 0, 0, NULL, NULL, "print the results as JSON"},
        {NULL, 0, NULL, 0, 0, NULL, NULL, NULL},
    };
    char err[512];
    int rr = clgan_opts_parse(opts, argc, argv, 1,
                              "usage: clgan check [--device SPEC|all] [--op NAME] [--json]\n\n"
                              "Runs every op, forward and backward, against the plain-C "
                              "reference and prints NMSE, the largest\nrelative error and "
                              "OK/FAIL per op and device. Exits 1 on any FAIL.",
                              NULL, NULL, 0, err, sizeof(err));
    if (rr)
        return rr > 0 ? 0 : (clgan_cli_error("check: %s", err), 2);
    struct clgan_device_info *devs = NULL;
    int n = 0, sel[MAX_DEV], n_sel = 0;
    int rc = clgan_cli_select_devices(device, &devs, &n, sel, MAX_DEV, &n_sel);
    if (rc)
        return rc;
    struct rows t = {0};
    t.print = !json;
    for (int i = 0; i < n_sel; i++) {
        const struct clgan_device_info *d = &devs[sel[i]];
        enum clgan_check_size size = clgan_check_size_of(d);
        char spec[16];
        snprintf(spec, sizeof(spec), "%d", sel[i]);
        t.dev = sel[i];
        if (!json)
            printf("== %d:%d %s / %s: %s shapes\n", d->platform, d->device, d->platform_name,
                   d->name, clgan_check_size_str(size));
        fflush(stdout);
        clgan_ctx *ctx = NULL;
        if (clgan_cli_open(spec, 0, CLGAN_GEMM_AUTO, &ctx) != CLGAN_STATUS_OK) {
            add_row(&t, "open_device", NAN, NAN, 0, "cannot open");
            continue;
        }
        struct clgan_check_params p = clgan_check_default_params();
        p.op = op;
        p.size = (int)size;
        p.seed += (uint64_t)sel[i];
        clgan_status st = clgan_check_run(ctx, &p, on_result, &t, NULL, NULL);
        if (st != CLGAN_STATUS_OK)
            add_row(&t, "check_run", NAN, NAN, 0, clgan_ctx_last_error(ctx));
        clgan_ctx_free(ctx);
    }
    if (t.oom) {
        free(t.r);
        free(devs);
        return clgan_cli_error("check: out of host memory for the results");
    }
    if (op && t.n == 0) {
        free(t.r);
        free(devs);
        clgan_cli_error("check: no op name starts with '%s' (clgan check lists them all)", op);
        return 2;
    }
    if (json)
        print_json(&t, devs);
    else if (n_sel > 1)
        print_summary(&t, devs, sel, n_sel);
    if (!json)
        printf("%d checks, %d failed\n", t.n, t.failed);
    int any_failed = t.failed;
    free(t.r);
    free(devs);
    return any_failed ? 1 : 0;
}
