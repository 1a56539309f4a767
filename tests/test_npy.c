/* labels: unit; timeout: 60 */
/*
 * test_npy.c - noise files (io/npy.h): .npy written and read back bit for bit, files as numpy
 * writes them (format 1.0 and 2.0, shape (n, nz) and (n, nz, 1, 1), keys in any order), raw
 * float32, and every kind of damage refused with its status and a message naming the file and
 * the field: bad magic, versions, header lengths, dtypes, fortran order, shapes, sizes, values.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "io/npy.h"

static char errbuf[1024];

/* An NPY file: version major, header text (padded to 64 bytes with '\n' when pad), then
 * data. Returns its length in buf. hl_override >= 0 replaces the header length field. */
static size_t make_npy(uint8_t *buf, int major, const char *dict, int pad, long long hl_override,
                       const void *data, size_t data_len)
{
    size_t pre = major == 2 ? 12 : 10, dl = strlen(dict), hl = dl;
    if (pad) {
        hl = dl + 1;
        hl += (64 - (pre + hl) % 64) % 64;
    }
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (uint8_t)major;
    buf[7] = 0;
    uint64_t field = hl_override >= 0 ? (uint64_t)hl_override : hl;
    for (size_t i = 0; i < pre - 8; i++)
        buf[8 + i] = (uint8_t)(field >> (8 * i));
    memcpy(buf + pre, dict, dl);
    if (pad) {
        memset(buf + pre + dl, ' ', hl - dl - 1);
        buf[pre + hl - 1] = '\n';
    }
    memcpy(buf + pre + hl, data, data_len);
    return pre + hl + data_len;
}

/* 3 vectors of nz 4: 0, 0.5, 1, ... */
static float values[12];

static void test_valid(void)
{
    static uint8_t buf[8192];
    const struct {
        const char *name, *dict;
        int major;
    } cases[] = {
        {"v1_4d", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4, 1, 1), }", 1},
        {"v1_2d", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 1},
        {"v2_2d", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 2},
        {"keys_reordered", "{'shape': (3,4), 'fortran_order': False, 'descr': '<f4'}", 1},
        {"double_quotes", "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (3, 4)}", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char name[64];
        snprintf(name, sizeof(name), "npy_reads_%s", cases[i].name);
        size_t n = make_npy(buf, cases[i].major, cases[i].dict, 1, -1, values, sizeof(values));
        float *z = NULL;
        int count = 0;
        clgan_status st =
            clgan_io_noise_parse(buf, n, "x.npy", 1, 4, 10, &z, &count, errbuf, sizeof(errbuf));
        th_expect(st == CLGAN_STATUS_OK && count == 3 && !memcmp(z, values, sizeof(values)), name,
                  NULL, "%s: %s", clgan_status_str(st), st ? errbuf : "");
        free(z);
    }
    /* raw float32, and the same bytes under a .npy-less name */
    float *z = NULL;
    int count = 0;
    clgan_status st = clgan_io_noise_parse((const uint8_t *)values, sizeof(values), "x.raw", 0, 4,
                                           10, &z, &count, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && count == 3 && !memcmp(z, values, sizeof(values)),
              "raw_reads", NULL, "%s: %s", clgan_status_str(st), st ? errbuf : "");
    free(z);
    st = clgan_io_noise_parse((const uint8_t *)values, sizeof(values), "x.raw", 0, 2, 10, &z,
                              &count, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && count == 6, "raw_count_from_nz", NULL, "%d vectors", count);
    free(z);
}

static void test_roundtrip(const char *dir)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/z.npy", dir);
    clgan_status st = clgan_noise_save(path, values, 3, 4, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK, "save", NULL, "%s", st ? errbuf : "");
    size_t n = 0;
    char *raw = NULL;
    st = clgan_io_read_file(path, 1 << 20, &raw, &n, errbuf, sizeof(errbuf));
    /* numpy's layout: 64-byte aligned header, ends in '\n', the shape G's input has */
    int layout = st == CLGAN_STATUS_OK && n == 128 + sizeof(values) && raw[127] == '\n' &&
                 strstr(raw + 10, "'shape': (3, 4, 1, 1)") && strstr(raw + 10, "'<f4'") &&
                 (uint8_t)raw[8] == 118 && raw[9] == 0;
    th_expect(layout, "save_layout", NULL, "%zu bytes", n);
    free(raw);
    float *z = NULL;
    int count = 0;
    st = clgan_noise_load(path, 4, 3, &z, &count, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && count == 3 && !memcmp(z, values, sizeof(values)),
              "load_bit_for_bit", NULL, "%s", st ? errbuf : "");
    free(z);
    st = clgan_noise_load(path, 4, 2, &z, &count, errbuf, sizeof(errbuf));
    th_expect(st != CLGAN_STATUS_OK && !z && strstr(errbuf, "more than the 2 allowed"),
              "load_max_n", NULL, "%s", errbuf);
    snprintf(path, sizeof(path), "%s/missing.npy", dir);
    st = clgan_noise_load(path, 4, 3, &z, &count, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_IO && strstr(errbuf, "missing.npy"), "load_missing", NULL, "%s",
              errbuf);
    snprintf(path, sizeof(path), "%s/no/such/folder/z.npy", dir);
    st = clgan_noise_save(path, values, 3, 4, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_IO && strstr(errbuf, "z.npy"), "save_bad_folder", NULL, "%s",
              errbuf);
}

static void test_damage(void)
{
    static uint8_t buf[1 << 17];
    const char *good = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
    float nan_values[12];
    memcpy(nan_values, values, sizeof(values));
    nan_values[5] = NAN;
    struct {
        const char *name, *dict;
        int major, pad;
        long long hl;   /* -1: the true length */
        long data;      /* bytes of values (-1: all 48) */
        int nan, magic; /* NaN in the data; magic 0: break the magic */
        clgan_status st;
        const char *want;
    } cases[] = {
        {"bad_magic", good, 1, 1, -1, -1, 0, 0, CLGAN_STATUS_CORRUPT_FILE, "no \\x93NUMPY magic"},
        {"version_3", good, 3, 1, -1, -1, 0, 1, CLGAN_STATUS_CORRUPT_FILE, "version 3.0"},
        {"hl_past_end", good, 1, 1, 4000, -1, 0, 1, CLGAN_STATUS_CORRUPT_FILE, "runs past the end"},
        {"hl_huge", good, 2, 1, 1ll << 31, -1, 0, 1, CLGAN_STATUS_CORRUPT_FILE,
         "header length 2147483648 is larger than 65536"},
        {"no_newline", good, 1, 0, -1, -1, 0, 1, CLGAN_STATUS_CORRUPT_FILE,
         "does not end with a newline"},
        {"f8", "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }", 1, 1, -1, -1, 0, 1,
         CLGAN_STATUS_CORRUPT_FILE, "dtype '<f8' is not supported"},
        {"big_endian", "{'descr': '>f4', 'fortran_order': False, 'shape': (3, 4), }", 1, 1, -1, -1,
         0, 1, CLGAN_STATUS_CORRUPT_FILE, "dtype '>f4'"},
        {"record_dtype", "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3, 4)}", 1, 1,
         -1, -1, 0, 1, CLGAN_STATUS_CORRUPT_FILE, "'descr' is not a short string"},
        {"fortran", "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 4), }", 1, 1, -1, -1, 0,
         1, CLGAN_STATUS_CORRUPT_FILE, "fortran_order True"},
        {"order_not_bool", "{'descr': '<f4', 'fortran_order': 0, 'shape': (3, 4), }", 1, 1, -1, -1,
         0, 1, CLGAN_STATUS_CORRUPT_FILE, "not True or False"},
        {"order_prefix", "{'descr': '<f4', 'fortran_order': Falsey, 'shape': (3, 4), }", 1, 1, -1,
         -1, 0, 1, CLGAN_STATUS_CORRUPT_FILE, "not True or False"},
        {"unknown_key", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), 'x': 1}", 1, 1,
         -1, -1, 0, 1, CLGAN_STATUS_CORRUPT_FILE, "unknown key 'x'"},
        {"twice", "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)}", 1, 1,
         -1, -1, 0, 1, CLGAN_STATUS_CORRUPT_FILE, "'descr' given twice"},
        {"no_shape", "{'descr': '<f4', 'fortran_order': False}", 1, 1, -1, -1, 0, 1,
         CLGAN_STATUS_CORRUPT_FILE, "no 'shape' key"},
        {"not_dict", "[1, 2]", 1, 1, -1, -1, 0, 1, CLGAN_STATUS_CORRUPT_FILE, "not a dict"},
        {"after_brace", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)} x", 1, 1, -1, -1,
         0, 1, CLGAN_STATUS_CORRUPT_FILE, "text after the closing '}'"},
        {"unclosed", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4", 1, 1, -1, -1, 0, 1,
         CLGAN_STATUS_CORRUPT_FILE, "not closed"},
        {"negative_dim", "{'descr': '<f4', 'fortran_order': False, 'shape': (-3, 4), }", 1, 1, -1,
         -1, 0, 1, CLGAN_STATUS_CORRUPT_FILE, "other than whole numbers"},
        {"leading_zero", "{'descr': '<f4', 'fortran_order': False, 'shape': (03, 4), }", 1, 1, -1,
         -1, 0, 1, CLGAN_STATUS_CORRUPT_FILE, "other than whole numbers"},
        {"huge_dim",
         "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999, 4), }", 1, 1,
         -1, -1, 0, 1, CLGAN_STATUS_CORRUPT_FILE, "dimension 0 of 'shape' is larger"},
        {"five_dims", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4, 1, 1, 1), }", 1, 1,
         -1, -1, 0, 1, CLGAN_STATUS_CORRUPT_FILE, "more than 4 dimensions"},
        {"one_dim", "{'descr': '<f4', 'fortran_order': False, 'shape': (12,), }", 1, 1, -1, -1, 0,
         1, CLGAN_STATUS_INVALID_ARGUMENT, "shape (12) is not (n, nz)"},
        {"paren_number", "{'descr': '<f4', 'fortran_order': False, 'shape': (12), }", 1, 1, -1, -1,
         0, 1, CLGAN_STATUS_CORRUPT_FILE, "'shape' is not a tuple"},
        {"image_shape", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4, 2, 1), }", 1, 1,
         -1, -1, 0, 1, CLGAN_STATUS_INVALID_ARGUMENT, "shape (3, 4, 2, 1)"},
        {"other_nz", "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), }", 1, 1, -1, -1, 0,
         1, CLGAN_STATUS_INVALID_ARGUMENT, "vectors of 3 values, the generator takes nz = 4"},
        {"zero_vectors", "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }", 1, 1, -1, 0,
         0, 1, CLGAN_STATUS_INVALID_ARGUMENT, "holds no noise vectors"},
        {"too_many", "{'descr': '<f4', 'fortran_order': False, 'shape': (11, 4), }", 1, 1, -1, -1,
         0, 1, CLGAN_STATUS_INVALID_ARGUMENT, "11 noise vectors, more than the 10 allowed"},
        {"truncated", good, 1, 1, -1, 47, 0, 1, CLGAN_STATUS_CORRUPT_FILE, "(truncated)"},
        {"trailing", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), }", 1, 1, -1, -1, 0,
         1, CLGAN_STATUS_CORRUPT_FILE, "(trailing bytes)"},
        {"nan", good, 1, 1, -1, -1, 1, 1, CLGAN_STATUS_CORRUPT_FILE,
         "value 5 (vector 1, element 1) is not finite"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char name[64];
        snprintf(name, sizeof(name), "npy_bad_%s", cases[i].name);
        size_t dl = cases[i].data < 0 ? sizeof(values) : (size_t)cases[i].data;
        size_t n = make_npy(buf, cases[i].major, cases[i].dict, cases[i].pad, cases[i].hl,
                            cases[i].nan ? nan_values : values, dl);
        if (!cases[i].magic)
            buf[1] = 'X';
        float *z = NULL;
        int count = -1;
        clgan_status st =
            clgan_io_noise_parse(buf, n, "bad.npy", 1, 4, 10, &z, &count, errbuf, sizeof(errbuf));
        int ok = st == cases[i].st && !z && count == 0 && strstr(errbuf, "bad.npy") &&
                 strstr(errbuf, cases[i].want) && !strchr(errbuf, '\n');
        th_expect(ok, name, NULL, "%s: %s", clgan_status_str(st), errbuf);
        free(z);
    }
    /* raw sizes that are not whole vectors, and an empty file */
    float *z = NULL;
    int count = 0;
    clgan_status st = clgan_io_noise_parse((const uint8_t *)values, 44, "z.raw", 0, 4, 10, &z,
                                           &count, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_CORRUPT_FILE && !z && strstr(errbuf, "z.raw: 44 bytes") &&
                  strstr(errbuf, "16 bytes each"),
              "raw_bad_size", NULL, "%s", errbuf);
    st = clgan_io_noise_parse((const uint8_t *)values, 0, "z.raw", 0, 4, 10, &z, &count, errbuf,
                              sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_CORRUPT_FILE && !z, "raw_empty", NULL, "%s", errbuf);
    /* every cut of a valid file is refused; no flipped byte crashes or reads past the end */
    size_t n = make_npy(buf, 1, good, 1, -1, values, sizeof(values));
    int cut_ok = 0;
    for (size_t len = 0; len < n; len++) {
        st =
            clgan_io_noise_parse(buf, len, "cut.npy", 1, 4, 10, &z, &count, errbuf, sizeof(errbuf));
        cut_ok += st != CLGAN_STATUS_OK && !z;
        free(z);
    }
    th_expect(cut_ok == (int)n, "npy_every_cut", NULL, "%d of %zu cuts refused", cut_ok, n);
    int loaded = 0;
    for (size_t pos = 0; pos < n - sizeof(values); pos++) {
        uint8_t keep = buf[pos];
        buf[pos] ^= 0x5a;
        st = clgan_io_noise_parse(buf, n, "flip.npy", 1, 4, 10, &z, &count, errbuf, sizeof(errbuf));
        loaded += st == CLGAN_STATUS_OK;
        free(z);
        buf[pos] = keep;
    }
    /* a flip inside the padding spaces or the key order may still parse; most must not */
    th_expect(loaded < (int)(n - sizeof(values)) / 2, "npy_header_flips", NULL,
              "%d of %zu flipped headers loaded", loaded, n - sizeof(values));
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 0);
    for (int i = 0; i < 12; i++)
        values[i] = 0.5f * (float)i - 1.0f;
    char dir[] = "/tmp/clgan_test_npy_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    if (th_want("npy") || th_want("raw"))
        test_valid();
    if (th_want("save") || th_want("load"))
        test_roundtrip(dir);
    if (th_want("npy_bad"))
        test_damage();
    char path[600];
    snprintf(path, sizeof(path), "%s/z.npy", dir);
    unlink(path);
    rmdir(dir);
    return th_finish();
}
