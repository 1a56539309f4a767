/*
 * fuzz_choice.c - the cached choices made by measurement: the GEMM backend (ops/gemm_auto.c)
 * and the convolution routes (ops/conv_auto.c), read back from the disk cache as text.
 *
 * Input: one byte, then the entry. The byte's lowest bit picks the parser (0 GEMM, 1 routes),
 * its next three bits the heuristic's route per pass the routes were chosen under. An accepted
 * entry must hold times a measurement can give (seconds up to an hour, or infinite for a
 * failed side, never both) and a choice that is not a side which failed; for the GEMM backend
 * the faster one.
 */
#include <math.h>

#include "fuzz.h"
#include "ops/conv_internal.h"
#include "ops/gemm.h"

static void check_time(double t)
{
    FUZZ_CHECK(t >= 0 && (isinf(t) || t <= 3600), "time %g", t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const unsigned char *entry = data + 1;
    size_t len = size - 1;
    if (!(data[0] & 1)) {
        enum clgan_gemm_backend be = CLGAN_GEMM_AUTO;
        double a = NAN, b = NAN;
        if (clgan_ops_gemm_choice_parse(entry, len, &be, &a, &b)) {
            check_time(a);
            check_time(b);
            FUZZ_CHECK(!(isinf(a) && isinf(b)), "both failed");
            FUZZ_CHECK(be == (a <= b ? CLGAN_GEMM_OWN : CLGAN_GEMM_CLBLAST), "choice %d for %g %g",
                       (int)be, a, b);
        }
        return 0;
    }
    unsigned char prior[3], phases[3] = {9, 9, 9};
    double t[3][2];
    for (int p = 0; p < 3; p++)
        prior[p] = (data[0] >> (1 + p)) & 1;
    if (clgan_ops_conv_choice_parse(entry, len, prior, phases, t)) {
        for (int p = 0; p < 3; p++) {
            check_time(t[p][0]);
            check_time(t[p][1]);
            FUZZ_CHECK(phases[p] <= 1, "pass %d: choice %d", p, phases[p]);
            FUZZ_CHECK(!isinf(t[p][phases[p]]), "pass %d: the failed route chosen", p);
        }
    }
    return 0;
}
