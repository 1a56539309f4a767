/*
 * dist.c - the MPI job a process belongs to: init and finalise, rank, size, local rank, host,
 * the device of a rank, and the few collectives the trainer needs (dist.h). The only file that
 * includes mpi.h; without CLGAN_HAVE_MPI every entry point says MPI support is not compiled in.
 *
 * Errors: MPI_ERRORS_RETURN on the world communicator, so a failing call comes back as a status
 * with MPI's own error string. A rank that dies is Open MPI's to notice: mpirun then ends the
 * job, and clgan_dist_abort ends it from a rank that saw an error of its own.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dist/dist.h"
#include "runtime/rt.h"

#ifndef CLGAN_HAVE_MPI
#define CLGAN_HAVE_MPI 0
#endif
#if CLGAN_HAVE_MPI
#include <mpi.h>
#endif

struct clgan_dist {
    int rank, size, local_rank, local_size;
    char host[256];
#if CLGAN_HAVE_MPI
    MPI_Comm world; /* a duplicate of MPI_COMM_WORLD, errors returned */
#endif
};

int clgan_dist_compiled(void)
{
    return CLGAN_HAVE_MPI;
}

int clgan_dist_launched(void)
{
    /* Open MPI's mpirun, MPICH's Hydra and Slurm's srun (PMI, PMIx) */
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        if (clgan_env(vars[i]))
            return 1;
    return 0;
}

int clgan_dist_rank(const clgan_dist *d)
{
    return d ? d->rank : 0;
}

int clgan_dist_size(const clgan_dist *d)
{
    return d ? d->size : 1;
}

int clgan_dist_local_rank(const clgan_dist *d)
{
    return d ? d->local_rank : 0;
}

const char *clgan_dist_host(const clgan_dist *d)
{
    return d ? d->host : "";
}

/* The devices spec matches, best first: one for an index or P:D, every device of the chosen
 * one's kind for auto or a type, every device whose names contain it otherwise. */
static int matching(const char *spec, const struct clgan_device_info *devs, int count, int best,
                    int *out)
{
    int n = 0;
    char *end = NULL;
    if (!spec || !*spec)
        spec = "auto";
    (void)strtol(spec, &end, 10);
    if (end != spec && (*end == 0 || *end == ':')) {
        out[n++] = best;
        return n;
    }
    static const char *const types[] = {"auto", "gpu", "dgpu", "igpu", "cpu", "accel"};
    int typed = 0;
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
        typed |= !strcasecmp(spec, types[t]);
    out[n++] = best;
    for (int i = 0; i < count; i++) {
        int one = 0;
        if (i == best)
            continue;
        if (typed)
            one = devs[i].kind == devs[best].kind;
        else
            one = clgan_device_select(spec, &devs[i], 1, &(int){0}, NULL, 0) == CLGAN_STATUS_OK;
        if (one)
            out[n++] = i;
    }
    return n;
}

clgan_status clgan_dist_pick_device(const clgan_dist *d, const char *spec, const char *per_rank,
                                    const struct clgan_device_info *devs, int count, int *index,
                                    char *msg, size_t msg_len)
{
    int lr = clgan_dist_local_rank(d);
    char one[256];
    if (per_rank && *per_rank) {
        /* the local rank's entry of the list */
        const char *s = per_rank;
        for (int k = 0; k < lr && s; k++) {
            s = strchr(s, ',');
            s = s ? s + 1 : NULL;
        }
        if (!s) {
            snprintf(msg, msg_len,
                     "device list '%s' has no entry for local rank %d (one SPEC per process of "
                     "a host)",
                     per_rank, lr);
            return CLGAN_STATUS_INVALID_ARGUMENT;
        }
        size_t len = strcspn(s, ",");
        if (len == 0 || len >= sizeof(one)) {
            snprintf(msg, msg_len, "device list '%s': entry %d is empty or too long", per_rank, lr);
            return CLGAN_STATUS_INVALID_ARGUMENT;
        }
        memcpy(one, s, len);
        one[len] = 0;
        return clgan_device_select(one, devs, count, index, msg, msg_len);
    }
    int best;
    clgan_status st = clgan_device_select(spec, devs, count, &best, msg, msg_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    int *m = malloc((size_t)count * sizeof(int));
    if (!m) {
        snprintf(msg, msg_len, "out of host memory");
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    }
    int n = matching(spec, devs, count, best, m);
    *index = m[lr % n];
    free(m);
    return CLGAN_STATUS_OK;
}

#if CLGAN_HAVE_MPI

static clgan_status mpi_fail(int rc, const char *call, char *err, size_t err_len)
{
    char s[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, s, &len) != MPI_SUCCESS)
        snprintf(s, sizeof(s), "error %d", rc);
    if (err && err_len)
        snprintf(err, err_len, "%s: %s", call, s);
    return CLGAN_STATUS_IO;
}

#define MPI_TRY(call, err, len)                    \
    do {                                           \
        int rc_ = (call);                          \
        if (rc_ != MPI_SUCCESS)                    \
            return mpi_fail(rc_, #call, err, len); \
    } while (0)

clgan_status clgan_dist_init(clgan_dist **out, char *msg, size_t msg_len)
{
    *out = NULL;
    int inited = 0, provided = 0;
    MPI_Initialized(&inited);
    if (inited) {
        snprintf(msg, msg_len, "MPI is already initialised in this process");
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    /* one thread calls MPI */
    MPI_TRY(MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided), msg, msg_len);
    clgan_dist *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(msg, msg_len, "out of host memory");
        MPI_Finalize();
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    }
    MPI_Comm local = MPI_COMM_NULL;
    int rc = MPI_Comm_dup(MPI_COMM_WORLD, &d->world);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_set_errhandler(d->world, MPI_ERRORS_RETURN);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_rank(d->world, &d->rank);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_size(d->world, &d->size);
    /* the processes that share this host's memory: their order gives the local rank */
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_split_type(d->world, MPI_COMM_TYPE_SHARED, d->rank, MPI_INFO_NULL, &local);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_rank(local, &d->local_rank);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_size(local, &d->local_size);
    if (local != MPI_COMM_NULL)
        MPI_Comm_free(&local);
    if (rc != MPI_SUCCESS) {
        mpi_fail(rc, "MPI setup", msg, msg_len);
        free(d);
        MPI_Finalize();
        return CLGAN_STATUS_IO;
    }
    int len = 0;
    char name[MPI_MAX_PROCESSOR_NAME];
    if (MPI_Get_processor_name(name, &len) != MPI_SUCCESS)
        snprintf(name, sizeof(name), "?");
    snprintf(d->host, sizeof(d->host), "%s", name);
    *out = d;
    return CLGAN_STATUS_OK;
}

void clgan_dist_free(clgan_dist *d)
{
    if (!d)
        return;
    MPI_Comm_free(&d->world);
    MPI_Finalize();
    free(d);
}

void clgan_dist_abort(clgan_dist *d, int code)
{
    MPI_Abort(d ? d->world : MPI_COMM_WORLD, code ? code : 1);
    _exit(code ? code : 1); /* MPI_Abort does not return; if it did, this process still ends */
}

int clgan_dist_any(clgan_dist *d, int flag)
{
    int in = flag != 0, out = in;
    if (!d || d->size == 1)
        return in;
    if (MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MAX, d->world) != MPI_SUCCESS)
        return 1; /* cannot agree: stop */
    return out;
}

clgan_status clgan_dist_gather_text(clgan_dist *d, const char *text, char **all)
{
    *all = NULL;
    int len = (int)strlen(text), *lens = NULL, *offs = NULL;
    char *buf = NULL;
    if (d->rank == 0) {
        lens = calloc((size_t)d->size, sizeof(int));
        offs = calloc((size_t)d->size, sizeof(int));
        if (!lens || !offs) {
            free(lens);
            free(offs);
            return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        }
    }
    clgan_status st = CLGAN_STATUS_OK;
    if (MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, d->world) != MPI_SUCCESS)
        st = CLGAN_STATUS_IO;
    if (st == CLGAN_STATUS_OK && d->rank == 0) {
        size_t total = 0;
        for (int r = 0; r < d->size; r++) {
            offs[r] = (int)total;
            total += (size_t)lens[r];
        }
        buf = malloc(total + 1);
        if (!buf)
            st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        else
            buf[total] = 0;
    }
    /* every rank takes part even when rank 0 ran out of memory: a NULL receive buffer there */
    if (MPI_Gatherv(text, len, MPI_CHAR, buf, lens, offs, MPI_CHAR, 0, d->world) != MPI_SUCCESS)
        st = CLGAN_STATUS_IO;
    free(lens);
    free(offs);
    if (st == CLGAN_STATUS_OK)
        *all = buf;
    else
        free(buf);
    return st;
}

int clgan_dist_same_u64(clgan_dist *d, uint64_t v)
{
    uint64_t lo = v, hi = v;
    if (MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_UINT64_T, MPI_MIN, d->world) != MPI_SUCCESS ||
        MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_UINT64_T, MPI_MAX, d->world) != MPI_SUCCESS)
        return 0;
    return lo == hi;
}

/* MPI counts are ints: chunks of at most 2^28 elements */
#define CHUNK ((size_t)1 << 28)

clgan_status clgan_dist_bcast(clgan_dist *d, void *buf, size_t bytes, char *err, size_t err_len)
{
    for (size_t o = 0; o < bytes; o += CHUNK) {
        size_t n = bytes - o < CHUNK ? bytes - o : CHUNK;
        MPI_TRY(MPI_Bcast((char *)buf + o, (int)n, MPI_BYTE, 0, d->world), err, err_len);
    }
    return CLGAN_STATUS_OK;
}

clgan_status clgan_dist_allreduce_f64(clgan_dist *d, double *buf, size_t n, char *err,
                                      size_t err_len)
{
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, MPI_SUM, d->world), err, err_len);
    return CLGAN_STATUS_OK;
}

/* Rank-order sums: all-gather a chunk of every rank's values, add them up from rank 0 on. */
static clgan_status allreduce_ordered(clgan_dist *d, float *buf, size_t n, char *err,
                                      size_t err_len)
{
    size_t chunk = ((size_t)1 << 22) / (size_t)d->size; /* 16 MiB of gathered floats */
    if (chunk == 0)
        chunk = 1;
    float *all = malloc(chunk * (size_t)d->size * sizeof(float));
    if (!all) {
        snprintf(err, err_len, "out of host memory for an ordered all-reduce");
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    }
    for (size_t o = 0; o < n; o += chunk) {
        size_t m = n - o < chunk ? n - o : chunk;
        int rc = MPI_Allgather(buf + o, (int)m, MPI_FLOAT, all, (int)m, MPI_FLOAT, d->world);
        if (rc != MPI_SUCCESS) {
            free(all);
            return mpi_fail(rc, "MPI_Allgather", err, err_len);
        }
        for (size_t i = 0; i < m; i++) {
            float s = all[i];
            for (int r = 1; r < d->size; r++)
                s += all[(size_t)r * m + i];
            buf[o + i] = s;
        }
    }
    free(all);
    return CLGAN_STATUS_OK;
}

clgan_status clgan_dist_allreduce_f32(clgan_dist *d, float *buf, size_t n, int deterministic,
                                      char *err, size_t err_len)
{
    if (d->size == 1)
        return CLGAN_STATUS_OK;
    if (deterministic)
        return allreduce_ordered(d, buf, n, err, err_len);
    for (size_t o = 0; o < n; o += CHUNK) {
        size_t m = n - o < CHUNK ? n - o : CHUNK;
        MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, buf + o, (int)m, MPI_FLOAT, MPI_SUM, d->world), err,
                err_len);
    }
    return CLGAN_STATUS_OK;
}

#else /* no MPI */

static const char NOT_COMPILED[] = "MPI support is not compiled in (rebuild clgan with an MPI "
                                   "library installed, e.g. Debian's libopenmpi-dev)";

clgan_status clgan_dist_init(clgan_dist **out, char *msg, size_t msg_len)
{
    *out = NULL;
    snprintf(msg, msg_len, "%s", NOT_COMPILED);
    return CLGAN_STATUS_UNSUPPORTED;
}

void clgan_dist_free(clgan_dist *d)
{
    free(d);
}

void clgan_dist_abort(clgan_dist *d, int code)
{
    (void)d;
    _exit(code ? code : 1);
}

int clgan_dist_any(clgan_dist *d, int flag)
{
    (void)d;
    return flag != 0;
}

clgan_status clgan_dist_gather_text(clgan_dist *d, const char *text, char **all)
{
    (void)d;
    *all = strdup(text);
    return *all ? CLGAN_STATUS_OK : CLGAN_STATUS_OUT_OF_HOST_MEMORY;
}

int clgan_dist_same_u64(clgan_dist *d, uint64_t v)
{
    (void)d;
    (void)v;
    return 1;
}

clgan_status clgan_dist_bcast(clgan_dist *d, void *buf, size_t bytes, char *err, size_t err_len)
{
    (void)d;
    (void)buf;
    (void)bytes;
    snprintf(err, err_len, "%s", NOT_COMPILED);
    return CLGAN_STATUS_UNSUPPORTED;
}

clgan_status clgan_dist_allreduce_f64(clgan_dist *d, double *buf, size_t n, char *err,
                                      size_t err_len)
{
    (void)d;
    (void)buf;
    (void)n;
    snprintf(err, err_len, "%s", NOT_COMPILED);
    return CLGAN_STATUS_UNSUPPORTED;
}

clgan_status clgan_dist_allreduce_f32(clgan_dist *d, float *buf, size_t n, int deterministic,
                                      char *err, size_t err_len)
{
    (void)d;
    (void)buf;
    (void)n;
    (void)deterministic;
    snprintf(err, err_len, "%s", NOT_COMPILED);
    return CLGAN_STATUS_UNSUPPORTED;
}

#endif
