/*
 * fma_peak.c - the FMA peak of this machine's cores, for the roofline share that
 * bench/compare_pytorch.sh prints (PEAK_GFLOPS): each thread runs 12 independent chains of
 * multiply-adds on 64-byte vectors held in registers (no memory traffic), enough chains to
 * cover the latency of the FMA units on current x86 and Arm cores. Built with -march=native
 * where the compiler takes it, so that the vectors are the widest the host has (AVX-512: one
 * zmm register each; narrower hosts split them, which keeps the count of FLOPs right).
 *
 * usage: fma_peak [THREADS]   (default: the online cores)
 * Prints GFLOP/s for 1 thread and for THREADS threads (2 FLOP per multiply-add).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef float v16 __attribute__((vector_size(64)));

#define CHAINS 12
#define ITERS  100000000L

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *chains(void *out)
{
    v16 a[CHAINS], m, c;
    for (int l = 0; l < 16; l++) {
        m[l] = 0.999999f;
        c[l] = 1e-7f;
    }
    for (int i = 0; i < CHAINS; i++)
        for (int l = 0; l < 16; l++)
            a[i][l] = (float)(i + l);
    for (long r = 0; r < ITERS; r++)
        for (int i = 0; i < CHAINS; i++)
            a[i] = a[i] * m + c;
    float s = 0.0f;
    for (int i = 0; i < CHAINS; i++)
        for (int l = 0; l < 16; l++)
            s += a[i][l];
    *(float *)out = s; /* keeps the chains alive */
    return NULL;
}

static double run(int threads)
{
    pthread_t *t = calloc((size_t)threads, sizeof(*t));
    float *sink = calloc((size_t)threads, sizeof(*sink));
    if (!t || !sink) {
        fprintf(stderr, "fma_peak: out of memory\n");
        exit(1);
    }
    double t0 = now();
    for (int i = 0; i < threads; i++)
        if (pthread_create(&t[i], NULL, chains, &sink[i]) != 0) {
            fprintf(stderr, "fma_peak: cannot start thread %d\n", i);
            exit(1);
        }
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    double dt = now() - t0;
    free(t);
    free(sink);
    return (double)threads * ITERS * CHAINS * 16 * 2 / dt / 1e9;
}

int main(int argc, char **argv)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = argc > 1 ? atoi(argv[1]) : (int)(cores > 0 ? cores : 1);
    if (threads < 1 || threads > 1024) {
        fprintf(stderr, "usage: fma_peak [THREADS]   (THREADS from 1 to 1024)\n");
        return 2;
    }
    printf("1 thread: %.1f GFLOP/s\n", run(1));
    if (threads > 1)
        printf("%d threads: %.1f GFLOP/s\n", threads, run(threads));
    return 0;
}
