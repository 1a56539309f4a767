/* npy.c - see npy.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/npy.h"

static const char npy_magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

/* Dimensions kept from a shape tuple; a longer tuple is refused. */
#define MAX_DIMS 4
/* Any one dimension above this is refused before it is multiplied (2^40). */
#define MAX_DIM 1099511627776ULL

/* The header text being read; err gets the first problem. */
struct hdr {
    const char *start, *s, *end;
    const char *name;
    char *err;
    size_t err_len;
};

static clgan_status hdr_fail(struct hdr *h, const char *what)
{
    return clgan_io_fail(h->err, h->err_len, CLGAN_STATUS_CORRUPT_FILE,
                         "%s: NPY header: %s (at byte %ld of the header)", h->name, what,
                         (long)(h->s - h->start));
}

static void skip_spaces(struct hdr *h)
{
    while (h->s < h->end && *h->s == ' ')
        h->s++;
}

/* A quoted string without escapes, into out (at most 31 characters). */
static int read_str(struct hdr *h, char *out, size_t out_len)
{
    if (h->s >= h->end || (*h->s != '\'' && *h->s != '"'))
        return 0;
    char q = *h->s++;
    size_t i = 0;
    while (h->s < h->end && *h->s != q) {
        unsigned char c = (unsigned char)*h->s;
        if (c == '\\' || c < 0x20 || c > 0x7e || i + 1 >= out_len)
            return 0;
        out[i++] = *h->s++;
    }
    if (h->s >= h->end)
        return 0;
    h->s++;
    out[i] = 0;
    return 1;
}

/* A word of letters (True, False). */
static int read_word(struct hdr *h, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(h->end - h->s) < n || memcmp(h->s, w, n))
        return 0;
    const char *after = h->s + n;
    if (after < h->end && ((*after >= 'a' && *after <= 'z') || (*after >= 'A' && *after <= 'Z') ||
                           (*after >= '0' && *after <= '9') || *after == '_'))
        return 0;
    h->s = after;
    return 1;
}

/* A non-negative decimal integer as Python writes it (no sign, no leading zeros), at most
 * MAX_DIM. 0 for anything else, -1 for a number that is too large. */
static int read_dim(struct hdr *h, unsigned long long *v)
{
    const char *p = h->s;
    unsigned long long x = 0;
    if (p >= h->end || *p < '0' || *p > '9')
        return 0;
    if (*p == '0' && p + 1 < h->end && p[1] >= '0' && p[1] <= '9')
        return 0;
    for (; p < h->end && *p >= '0' && *p <= '9'; p++) {
        x = x * 10 + (unsigned long long)(*p - '0');
        if (x > MAX_DIM)
            return -1;
    }
    h->s = p;
    *v = x;
    return 1;
}

/* (d0, d1, ...) with an optional trailing comma; "()" is a shape of no dimensions. */
static clgan_status read_shape(struct hdr *h, unsigned long long *dims, int *nd)
{
    char what[128];
    *nd = 0;
    if (h->s >= h->end || *h->s != '(')
        return hdr_fail(h, "'shape' is not a tuple");
    h->s++;
    skip_spaces(h);
    while (h->s < h->end && *h->s != ')') {
        unsigned long long v;
        int r = read_dim(h, &v);
        if (r < 0) {
            snprintf(what, sizeof(what), "dimension %d of 'shape' is larger than %llu", *nd,
                     MAX_DIM);
            return hdr_fail(h, what);
        }
        if (!r)
            return hdr_fail(h, "'shape' holds something other than whole numbers");
        if (*nd == MAX_DIMS) {
            snprintf(what, sizeof(what), "'shape' has more than %d dimensions", MAX_DIMS);
            return hdr_fail(h, what);
        }
        dims[(*nd)++] = v;
        skip_spaces(h);
        if (h->s < h->end && *h->s == ',') {
            h->s++;
            skip_spaces(h);
        } else if (h->s < h->end && *h->s != ')') {
            return hdr_fail(h, "'shape' is not a tuple of numbers separated by commas");
        }
    }
    if (h->s >= h->end)
        return hdr_fail(h, "'shape' tuple is not closed");
    /* Python's one-element tuple needs its comma: "(5)" is a number, not a shape */
    if (*nd == 1 && h->s[-1] != ',')
        return hdr_fail(h, "'shape' is not a tuple");
    h->s++;
    return CLGAN_STATUS_OK;
}

/*
 * Parse the header dict text[0..len): the descr, fortran_order and shape keys, each once. The
 * text ends with '\n' after the closing brace and any padding spaces.
 */
static clgan_status parse_dict(struct hdr *h, unsigned long long *dims, int *nd)
{
    clgan_status st;
    int seen_descr = 0, seen_order = 0, seen_shape = 0;
    char key[32], what[128];
    if (h->end == h->s || h->end[-1] != '\n')
        return hdr_fail(h, "does not end with a newline");
    h->end--;
    skip_spaces(h);
    if (h->s >= h->end || *h->s != '{')
        return hdr_fail(h, "is not a dict (no '{')");
    h->s++;
    for (;;) {
        skip_spaces(h);
        if (h->s < h->end && *h->s == '}')
            break;
        if (!read_str(h, key, sizeof(key)))
            return hdr_fail(h, "expected a quoted key or '}'");
        skip_spaces(h);
        if (h->s >= h->end || *h->s != ':')
            return hdr_fail(h, "expected ':' after a key");
        h->s++;
        skip_spaces(h);
        if (!strcmp(key, "descr")) {
            char descr[32];
            if (seen_descr++)
                return hdr_fail(h, "'descr' given twice");
            if (!read_str(h, descr, sizeof(descr)))
                return hdr_fail(h, "'descr' is not a short string (a record dtype?)");
            if (strcmp(descr, "<f4")) {
                snprintf(what, sizeof(what),
                         "dtype '%s' is not supported (need '<f4', little-endian float32)", descr);
                return hdr_fail(h, what);
            }
        } else if (!strcmp(key, "fortran_order")) {
            if (seen_order++)
                return hdr_fail(h, "'fortran_order' given twice");
            if (read_word(h, "True"))
                return hdr_fail(h, "fortran_order True is not supported (need C order)");
            if (!read_word(h, "False"))
                return hdr_fail(h, "'fortran_order' is not True or False");
        } else if (!strcmp(key, "shape")) {
            if (seen_shape++)
                return hdr_fail(h, "'shape' given twice");
            if ((st = read_shape(h, dims, nd)) != CLGAN_STATUS_OK)
                return st;
        } else {
            snprintf(what, sizeof(what), "unknown key '%s'", key);
            return hdr_fail(h, what);
        }
        skip_spaces(h);
        if (h->s < h->end && *h->s == ',')
            h->s++;
        else if (h->s >= h->end || *h->s != '}')
            return hdr_fail(h, "expected ',' or '}' after a value");
    }
    h->s++;
    skip_spaces(h);
    if (h->s != h->end)
        return hdr_fail(h, "text after the closing '}'");
    if (!seen_descr || !seen_order || !seen_shape)
        return hdr_fail(h, !seen_descr   ? "no 'descr' key"
                           : !seen_order ? "no 'fortran_order' key"
                                         : "no 'shape' key");
    return CLGAN_STATUS_OK;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* count little-endian float32 values from p into a new array; non-finite values are refused. */
static clgan_status read_floats(const uint8_t *p, size_t count, const char *name, int nz, float **z,
                                char *err, size_t err_len)
{
    float *v = malloc(count ? count * sizeof(float) : 1);
    if (!v)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                             "%s: out of memory for %zu noise values", name, count);
    for (size_t i = 0; i < count; i++) {
        uint32_t u = le32(p + 4 * i);
        memcpy(&v[i], &u, sizeof(u));
        if (!isfinite(v[i])) {
            free(v);
            return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                                 "%s: value %zu (vector %zu, element %zu) is not finite", name, i,
                                 i / (size_t)nz, i % (size_t)nz);
        }
    }
    *z = v;
    return CLGAN_STATUS_OK;
}

/* The vector count a file holds against what the caller takes. */
static clgan_status check_count(unsigned long long n, const char *name, int max_n, char *err,
                                size_t err_len)
{
    if (n == 0)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: holds no noise vectors", name);
    if (n > (unsigned long long)max_n)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: holds %llu noise vectors, more than the %d allowed", name, n,
                             max_n);
    return CLGAN_STATUS_OK;
}

static clgan_status parse_npy(const uint8_t *data, size_t len, const char *name, int nz, int max_n,
                              float **z, int *n, char *err, size_t err_len)
{
    if (len < 10 || memcmp(data, npy_magic, sizeof(npy_magic)))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE, "%s: not an NPY file (%s)",
                             name,
                             len < 10 ? "shorter than the NPY preamble" : "no \\x93NUMPY magic");
    int major = data[6], minor = data[7];
    if ((major != 1 && major != 2) || minor != 0)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: NPY format version %d.%d is not supported (1.0 or 2.0)", name,
                             major, minor);
    size_t pre = major == 1 ? 10 : 12;
    if (len < pre)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: truncated NPY preamble (%zu bytes)", name, len);
    uint32_t hl = major == 1 ? (uint32_t)data[8] | (uint32_t)data[9] << 8 : le32(data + 8);
    if (hl > CLGAN_NPY_MAX_HEADER)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: NPY header length %u is larger than %d", name, (unsigned)hl,
                             CLGAN_NPY_MAX_HEADER);
    if (hl > len - pre)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: NPY header length %u runs past the end of the file (%zu bytes)",
                             name, (unsigned)hl, len);
    const char *text = (const char *)data + pre;
    struct hdr h = {text, text, text + hl, name, err, err_len};
    unsigned long long dims[MAX_DIMS];
    int nd = 0;
    clgan_status st = parse_dict(&h, dims, &nd);
    if (st != CLGAN_STATUS_OK)
        return st;
    if (!(nd == 2 || (nd == 4 && dims[2] == 1 && dims[3] == 1))) {
        char shape[96] = "";
        for (int i = 0; i < nd; i++)
            snprintf(shape + strlen(shape), sizeof(shape) - strlen(shape), "%s%llu", i ? ", " : "",
                     dims[i]);
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: shape (%s) is not (n, nz) or (n, nz, 1, 1)", name, shape);
    }
    if (dims[1] != (unsigned long long)nz)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: holds noise vectors of %llu values, the generator takes nz = %d",
                             name, dims[1], nz);
    if ((st = check_count(dims[0], name, max_n, err, err_len)) != CLGAN_STATUS_OK)
        return st;
    /* both factors are bounded (max_n, nz are ints), so this does not overflow */
    unsigned long long want = dims[0] * dims[1] * 4ULL, have = len - pre - hl;
    if (have != want)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: shape (%llu, %llu) needs %llu bytes of data, the file has %llu%s",
                             name, dims[0], dims[1], want, have,
                             have < want ? " (truncated)" : " (trailing bytes)");
    st = read_floats(data + pre + hl, (size_t)(dims[0] * dims[1]), name, nz, z, err, err_len);
    if (st == CLGAN_STATUS_OK)
        *n = (int)dims[0];
    return st;
}

clgan_status clgan_io_noise_parse(const uint8_t *data, size_t len, const char *name, int npy,
                                  int nz, int max_n, float **z, int *n, char *err, size_t err_len)
{
    *z = NULL;
    *n = 0;
    if (nz < 1 || max_n < 1)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: nz %d and the vector limit %d must be positive", name, nz, max_n);
    if (npy || (len >= sizeof(npy_magic) && !memcmp(data, npy_magic, sizeof(npy_magic))))
        return parse_npy(data, len, name, nz, max_n, z, n, err, err_len);
    size_t vec = (size_t)nz * 4;
    if (len == 0 || len % vec)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: %zu bytes of raw float32 are not a whole number of noise vectors "
                             "(nz = %d: %zu bytes each)",
                             name, len, nz, vec);
    clgan_status st = check_count(len / vec, name, max_n, err, err_len);
    if (st == CLGAN_STATUS_OK)
        st = read_floats(data, len / 4, name, nz, z, err, err_len);
    if (st == CLGAN_STATUS_OK)
        *n = (int)(len / vec);
    return st;
}

void clgan_io_npy_encode(const float *z, int n, int nz, struct clgan_io_buf *out)
{
    char dict[160];
    int dl = snprintf(dict, sizeof(dict),
                      "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d, 1, 1), }", n, nz);
    /* magic, version, length, dict, spaces, '\n': a multiple of 64 bytes (numpy's alignment) */
    size_t hl = (size_t)dl + 1;
    hl += (64 - (10 + hl) % 64) % 64;
    uint8_t pre[10] = {
        0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)(hl & 0xff), (uint8_t)(hl >> 8)};
    clgan_io_buf_append(out, pre, sizeof(pre));
    clgan_io_buf_append(out, dict, (size_t)dl);
    for (size_t i = (size_t)dl; i + 1 < hl; i++)
        clgan_io_buf_append(out, " ", 1);
    clgan_io_buf_append(out, "\n", 1);
    size_t count = (size_t)n * (size_t)nz;
    for (size_t i = 0; i < count && !out->failed; i++) {
        uint32_t u;
        memcpy(&u, &z[i], sizeof(u));
        uint8_t b[4] = {(uint8_t)u, (uint8_t)(u >> 8), (uint8_t)(u >> 16), (uint8_t)(u >> 24)};
        clgan_io_buf_append(out, b, sizeof(b));
    }
}

clgan_status clgan_noise_load(const char *path, int nz, int max_n, float **z, int *n, char *msg,
                              size_t msg_len)
{
    char *data = NULL;
    size_t len = 0;
    *z = NULL;
    *n = 0;
    if (nz < 1 || max_n < 1)
        return clgan_io_fail(msg, msg_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: nz %d and the vector limit %d must be positive", path, nz, max_n);
    /* the largest file that can hold max_n vectors: refused before it is read */
    size_t max = 12 + CLGAN_NPY_MAX_HEADER + (size_t)max_n * (size_t)nz * 4;
    clgan_status st = clgan_io_read_file(path, max, &data, &len, msg, msg_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t pl = strlen(path);
    int npy = pl >= 4 && !strcmp(path + pl - 4, ".npy");
    st = clgan_io_noise_parse((const uint8_t *)data, len, path, npy, nz, max_n, z, n, msg, msg_len);
    free(data);
    return st;
}

clgan_status clgan_noise_save(const char *path, const float *z, int n, int nz, char *msg,
                              size_t msg_len)
{
    if (n < 1 || nz < 1)
        return clgan_io_fail(msg, msg_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: %d noise vectors of %d values: both must be positive", path, n,
                             nz);
    struct clgan_io_buf b = {0};
    clgan_io_npy_encode(z, n, nz, &b);
    if (b.failed) {
        clgan_io_buf_free(&b);
        return clgan_io_fail(msg, msg_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                             "%s: out of memory for %d noise vectors", path, n);
    }
    clgan_status st = clgan_io_write_file(path, b.data, b.len, msg, msg_len);
    clgan_io_buf_free(&b);
    return st;
}
