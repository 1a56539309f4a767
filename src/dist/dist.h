/*
 * dist.h - the collectives the trainer uses between the processes of an MPI job (dist.c). Only
 * dist.c includes mpi.h; built without MPI, clgan_dist_init returns UNSUPPORTED and nothing here
 * is ever reached with a job. Buffers are host memory; each call is a collective: every rank
 * calls it in the same order with the same sizes. Errors fill err (one line) and return
 * CLGAN_STATUS_IO.
 */
#ifndef CLGAN_DIST_DIST_H
#define CLGAN_DIST_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "clgan.h"

/*
 * Sum n floats across the ranks, in place; every rank gets the same bits. deterministic: the sum
 * is taken in rank order (rank 0 + rank 1 + ...) by every rank from all ranks' values (an
 * all-gather, chunked), so it does not depend on the library's choice of algorithm; otherwise
 * MPI_Allreduce (ring or tree, the library's choice).
 */
clgan_status clgan_dist_allreduce_f32(clgan_dist *d, float *buf, size_t n, int deterministic,
                                      char *err, size_t err_len);
/* Sum n doubles across the ranks, in place (small vectors: statistics, timings). */
clgan_status clgan_dist_allreduce_f64(clgan_dist *d, double *buf, size_t n, char *err,
                                      size_t err_len);
/* 1 when every rank holds the same value (a collective). */
int clgan_dist_same_u64(clgan_dist *d, uint64_t v);
/* Rank 0's bytes to every rank. */
clgan_status clgan_dist_bcast(clgan_dist *d, void *buf, size_t bytes, char *err, size_t err_len);

#endif /* CLGAN_DIST_DIST_H */
