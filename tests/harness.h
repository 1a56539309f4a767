/*
 * harness.h - the test harness: every case runs on every OpenCL device of every platform and is
 * compared with the plain-C reference. One line per case and device, then "N passed, N failed".
 *
 * Options of every test program: -o OP (only cases whose name starts with OP; a comma-separated
 * list of prefixes, "!OP" leaving those out), -d SPEC (only devices matching SPEC, as --device),
 * -s SEED. CLGAN_TEST_DEVICES=SPEC,SPEC does the same as -d. CLGAN_TEST_QUICK=1 asks for the
 * reduced set of cases (th_quick): the odd and edge shapes without the full-size model layers,
 * for runs under slow checkers (Oclgrind's --data-races, the sanitizer build).
 */
#ifndef CLGAN_HARNESS_H
#define CLGAN_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "clgan.h"
#include "runtime/rt.h"

struct th_device {
    clgan_ctx *ctx;
    const struct clgan_device_info *info;
    char tag[96]; /* "pocl:cpu" style label */
    int small;    /* a simulator: use small shapes */
};

/* Parse options; open a context on each selected device (need_devices: fail if none). */
void th_init(int argc, char **argv, int need_devices);
int th_ndev(void);
struct th_device *th_dev(int i);
uint64_t th_seed(void);
/* True when CLGAN_TEST_QUICK asks for the reduced set of cases. */
int th_quick(void);
/* True when the -o filter lets this case name run. */
int th_want(const char *name);

/* Compare got with ref elementwise (|d - r| <= atol + rtol |r|, NaN/inf must match) and by
 * NMSE with clgan_check_compare (check/check.h, the comparator of clgan check too); print one
 * line; count. dev may be NULL for host-only checks. Returns 1 when OK. */
int th_check(const char *name, const struct th_device *dev, const float *got, const float *ref,
             size_t n, double atol, double rtol, double max_nmse);
/* The comparison alone, recording nothing (for the comparator's self-test). */
int th_compare(const float *got, const float *ref, size_t n, double atol, double rtol,
               double max_nmse);
/* Record a plain pass/fail with a message. */
int th_expect(int ok, const char *name, const struct th_device *dev, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Record a failed device call (prints the context's last error). */
int th_status(clgan_status st, const char *name, const struct th_device *dev);

/* Print "N passed, N failed" and return the exit code. */
int th_finish(void);

/* Helpers. */
float *th_rand(size_t n, float lo, float hi); /* uniform, from the harness seed */
float *th_alloc(size_t n);                    /* zeroed, exits on failure */
cl_mem th_upload(struct th_device *d, const float *x, size_t n);
void th_download(struct th_device *d, cl_mem m, float *x, size_t n);
void th_free_mem(struct th_device *d, cl_mem m, size_t n);

#endif /* CLGAN_HARNESS_H */
