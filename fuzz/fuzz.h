/*
 * fuzz.h - shared by the libFuzzer targets in fuzz/: the entry point's prototype and a check
 * that reports a broken invariant as a crash, so the fuzzer keeps the input that caused it.
 *
 * Each target feeds one parser bytes it does not control and checks, beyond what the
 * sanitizers see, what the parser promises: a failure has a status the header documents and a
 * message, a success hands out data consistent with what was parsed.
 */
#ifndef CLGAN_FUZZ_H
#define CLGAN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                        \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
            abort();                                                                 \
        }                                                                            \
    } while (0)

#endif /* CLGAN_FUZZ_H */
