/* labels: unit; timeout: 120 */
/*
 * test_io.c - host-side writers and readers: atomic writes (and an injected write fault that
 * must leave the previous file intact, and the sweep of temporary files of dead writers),
 * safetensors round trips and every kind of corruption, PNG grids decoded back with stb_image, SVG
 * charts checked for well-formed tags, and the appending metrics CSV.
 *
 * The fault case sets its fault with clgan_fault_set (CLGAN_FAULT is read once per process).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stb_image.h>

#include "harness.h"
#include "io/csvlog.h"
#include "io/file.h"
#include "io/plot.h"
#include "io/png.h"
#include "io/safetensors.h"
#include "runtime/fault.h"

static char tmpdir[512];
static char errbuf[1024];

static const char *tpath(const char *name)
{
    static char bufs[4][1024];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, sizeof(bufs[0]), "%s/%s", tmpdir, name);
    return b;
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f)) {
        fprintf(stderr, "cannot write fixture %s\n", path);
        exit(1);
    }
}

/* Whole file as a NUL-terminated string (exits on failure); *n its length. */
static char *slurp(const char *path, size_t *n)
{
    char *data = NULL;
    size_t len = 0;
    if (clgan_io_read_file(path, 1u << 30, &data, &len, errbuf, sizeof(errbuf))) {
        fprintf(stderr, "%s\n", errbuf);
        exit(1);
    }
    if (n)
        *n = len;
    return data;
}

/* Number of leftover temporary files in tmpdir. */
static int count_tmp_files(void)
{
    int n = 0;
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    return n;
}

static void remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb))
        return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[1024];
            snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
            remove_tree(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void expect_fail(const char *name, clgan_status st, clgan_status want, const char *n1,
                        const char *n2)
{
    int ok = st == want && (!n1 || strstr(errbuf, n1)) && (!n2 || strstr(errbuf, n2));
    th_expect(ok, name, NULL, "%s: %s", clgan_status_str(st), errbuf);
}

/* A small checkpoint: two F32 tensors and metadata. */
static clgan_st_writer *small_writer(float scale)
{
    clgan_st_writer *w = NULL;
    float a[6], b[2] = {scale, -scale};
    for (int i = 0; i < 6; i++)
        a[i] = scale * (float)i;
    const int64_t sa[2] = {2, 3}, sb[1] = {2};
    if (clgan_io_st_writer_init(&w, errbuf, sizeof(errbuf)) ||
        clgan_io_st_writer_add(w, "a", CLGAN_ST_F32, 2, sa, a, errbuf, sizeof(errbuf)) ||
        clgan_io_st_writer_add(w, "b", CLGAN_ST_F32, 1, sb, b, errbuf, sizeof(errbuf)) ||
        clgan_io_st_writer_meta(w, "step", "7", errbuf, sizeof(errbuf))) {
        fprintf(stderr, "writer: %s\n", errbuf);
        exit(1);
    }
    return w;
}

/* ---------------------------------------------------------------- faults and atomic writes */

static void test_fault(void)
{
    const char *p = tpath("fault.safetensors");
    const char old[] = "previous checkpoint";
    write_bytes(p, old, sizeof(old) - 1);
    clgan_fault_set("file:1");
    clgan_st_writer *w = small_writer(1);
    clgan_status st = clgan_io_st_writer_save(w, p, errbuf, sizeof(errbuf));
    expect_fail("fault_file_write_fails", st, CLGAN_STATUS_IO, "fault.safetensors",
                "injected fault");
    size_t n;
    char *now = slurp(p, &n);
    th_expect(n == sizeof(old) - 1 && !memcmp(now, old, n) && count_tmp_files() == 0,
              "fault_previous_file_intact", NULL, "%zu bytes, %d temp files", n, count_tmp_files());
    free(now);
    /* the next write is not the faulty one */
    st = clgan_io_st_writer_save(w, p, errbuf, sizeof(errbuf));
    clgan_st_file *f = NULL;
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_load(p, &f, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && f && clgan_io_st_count(f) == 2, "fault_next_write_ok", NULL,
              "%s", st ? errbuf : "");
    clgan_io_st_free(f);
    clgan_io_st_writer_free(w);
    clgan_fault_set(NULL);
}

static void test_atomic(void)
{
    const char *p = tpath("atomic.txt");
    clgan_status st = clgan_io_write_file(p, "one", 3, errbuf, sizeof(errbuf));
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_write_file(p, "second", 6, errbuf, sizeof(errbuf));
    size_t n = 0;
    char *got = st ? NULL : slurp(p, &n);
    th_expect(st == CLGAN_STATUS_OK && n == 6 && !memcmp(got, "second", 6) &&
                  count_tmp_files() == 0,
              "atomic_overwrite", NULL, "%s", st ? errbuf : "");
    free(got);
    st = clgan_io_write_file(tpath("no/such/dir/x"), "x", 1, errbuf, sizeof(errbuf));
    expect_fail("atomic_missing_folder", st, CLGAN_STATUS_IO, "no/such/dir/x",
                "No such file or directory");
    /* a folder where the file goes is refused before anything is written */
    mkdir(tpath("adir"), 0755);
    st = clgan_io_write_file(tpath("adir"), "x", 1, errbuf, sizeof(errbuf));
    expect_fail("atomic_folder_refused", st, CLGAN_STATUS_IO, "adir", "is a folder");
    /* a folder appearing there while the file is written: the rename fails, the temporary
     * file must go */
    {
        struct clgan_io_atomic r;
        st = clgan_io_atomic_open(&r, tpath("bdir"), errbuf, sizeof(errbuf));
        if (st == CLGAN_STATUS_OK &&
            (st = clgan_io_atomic_write(&r, "x", 1, errbuf, sizeof(errbuf))) == CLGAN_STATUS_OK) {
            mkdir(tpath("bdir"), 0755);
            st = clgan_io_atomic_commit(&r, errbuf, sizeof(errbuf));
        }
        expect_fail("atomic_rename_fails", st, CLGAN_STATUS_IO, "bdir", "cannot rename");
    }
    th_expect(count_tmp_files() == 0, "atomic_no_leftovers", NULL, "%d temp files",
              count_tmp_files());
    /* streaming: a write after abort is refused */
    struct clgan_io_atomic a;
    st = clgan_io_atomic_open(&a, tpath("aborted"), errbuf, sizeof(errbuf));
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_atomic_write(&a, "abc", 3, errbuf, sizeof(errbuf));
    clgan_io_atomic_abort(&a);
    clgan_io_atomic_abort(&a);
    th_expect(st == CLGAN_STATUS_OK && access(tpath("aborted"), F_OK) != 0 &&
                  count_tmp_files() == 0 &&
                  clgan_io_atomic_write(&a, "x", 1, errbuf, sizeof(errbuf)) == CLGAN_STATUS_IO,
              "atomic_abort", NULL, "nothing left after abort");
}

/* The sweep removes temporary files of writers that no longer run, and nothing else. */
static void test_atomic_sweep(void)
{
    /* a pid that is certainly dead: a child that has exited and been reaped */
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    if (dead < 0 || waitpid(dead, NULL, 0) != dead) {
        th_expect(0, "atomic_sweep", NULL, "fork failed");
        return;
    }
    char name[6][64];
    snprintf(name[0], 64, "latest.safetensors.tmp.%ld.0", (long)dead); /* removed */
    snprintf(name[1], 64, "g.png.tmp.%ld.12", (long)dead);             /* removed */
    snprintf(name[2], 64, "mine.tmp.%ld.3", (long)getpid());           /* a live writer */
    snprintf(name[3], 64, "init.tmp.1.0");                             /* pid 1 lives */
    snprintf(name[4], 64, "notes.tmp.%ld", (long)dead);                /* not our pattern */
    snprintf(name[5], 64, "latest.safetensors");
    mkdir(tpath("sweep"), 0755);
    for (int i = 0; i < 6; i++) {
        char rel[400]; /* gcc sizes name[i] as the whole array */
        snprintf(rel, sizeof(rel), "sweep/%s", name[i]);
        write_bytes(tpath(rel), "x", 1);
    }
    int n = clgan_io_atomic_sweep(tpath("sweep"));
    int left[6];
    for (int i = 0; i < 6; i++) {
        char rel[400]; /* gcc sizes name[i] as the whole array */
        snprintf(rel, sizeof(rel), "sweep/%s", name[i]);
        left[i] = access(tpath(rel), F_OK) == 0;
    }
    th_expect(n == 2 && !left[0] && !left[1] && left[2] && left[3] && left[4] && left[5],
              "atomic_sweep", NULL, "removed %d; left: %d %d %d %d %d %d", n, left[0], left[1],
              left[2], left[3], left[4], left[5]);
    th_expect(clgan_io_atomic_sweep(tpath("no/such/folder")) == 0, "atomic_sweep_no_folder", NULL,
              "a missing folder sweeps nothing");
}

/* ---------------------------------------------------------------- safetensors */

static void test_st_roundtrip(void)
{
    clgan_st_writer *w = NULL;
    clgan_io_st_writer_init(&w, errbuf, sizeof(errbuf));
    float a[2 * 3 * 4];
    for (int i = 0; i < 24; i++)
        a[i] = (float)i * 0.5f - 3.25f;
    a[5] = -0.0f;
    a[7] = INFINITY;
    float scalar = 3.5f;
    int64_t rng[2] = {INT64_MIN, 0x0123456789abcdefll};
    uint32_t perm[5] = {4, 0, 3, 1, 2};
    uint8_t bytes[3] = {0, 127, 255};
    const int64_t sa[3] = {2, 3, 4}, sr[1] = {2}, sp[1] = {5}, sb[1] = {3}, sz[2] = {0, 4};
    clgan_status st = CLGAN_STATUS_OK;
    st |= clgan_io_st_writer_add(w, "G.main.0.weight", CLGAN_ST_F32, 3, sa, a, errbuf,
                                 sizeof(errbuf));
    st |=
        clgan_io_st_writer_add(w, "scalar", CLGAN_ST_F32, 0, NULL, &scalar, errbuf, sizeof(errbuf));
    st |= clgan_io_st_writer_add(w, "rng", CLGAN_ST_I64, 1, sr, rng, errbuf, sizeof(errbuf));
    st |= clgan_io_st_writer_add(w, "perm", CLGAN_ST_U32, 1, sp, perm, errbuf, sizeof(errbuf));
    st |= clgan_io_st_writer_add(w, "bytes", CLGAN_ST_U8, 1, sb, bytes, errbuf, sizeof(errbuf));
    st |= clgan_io_st_writer_add(w, "empty", CLGAN_ST_F32, 2, sz, NULL, errbuf, sizeof(errbuf));
    st |= clgan_io_st_writer_meta(w, "arch", "dcgan32", errbuf, sizeof(errbuf));
    st |= clgan_io_st_writer_meta(w, "note", "quote \" backslash \\ tab \t é", errbuf,
                                  sizeof(errbuf));
    st |= clgan_io_st_writer_meta(w, "arch", "dcgan64", errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK, "st_writer_add", NULL, "%s", st ? errbuf : "");
    const char *p = tpath("round.safetensors");
    st = clgan_io_st_writer_save(w, p, errbuf, sizeof(errbuf));
    clgan_io_st_writer_free(w);
    if (!th_expect(st == CLGAN_STATUS_OK, "st_save", NULL, "%s", st ? errbuf : ""))
        return;
    size_t n;
    unsigned char *raw = (unsigned char *)slurp(p, &n);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | raw[i];
    th_expect(hlen % 8 == 0 && raw[8] == '{' && n == 8 + hlen + 96 + 4 + 16 + 20 + 3, "st_layout",
              NULL, "header %llu bytes, file %zu", (unsigned long long)hlen, n);
    free(raw);

    clgan_st_file *f = NULL;
    st = clgan_io_st_load(p, &f, errbuf, sizeof(errbuf));
    if (!th_expect(st == CLGAN_STATUS_OK, "st_load", NULL, "%s", st ? errbuf : ""))
        return;
    /* the values round-trip bit for bit (the infinity too) ... */
    const struct clgan_st_tensor *tw = NULL;
    st = clgan_io_st_get(f, "G.main.0.weight", CLGAN_ST_F32, 3, sa, &tw, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && !memcmp(tw->data, a, sizeof(a)), "st_f32_values", NULL, "%s",
              st ? errbuf : "");
    /* ... but a model never loads a non-finite value: refused naming the tensor and element */
    float got[24];
    st = clgan_io_st_read_f32(f, "G.main.0.weight", 3, sa, got, errbuf, sizeof(errbuf));
    expect_fail("st_f32_nonfinite_refused", st, CLGAN_STATUS_CORRUPT_FILE, "G.main.0.weight",
                "inf at element 7");
    const struct clgan_st_tensor *t = clgan_io_st_find(f, "scalar");
    float sv = 0;
    if (t)
        memcpy(&sv, t->data, 4);
    th_expect(t && t->ndim == 0 && t->numel == 1 && sv == 3.5f, "st_scalar", NULL, "ndim 0");
    st = clgan_io_st_get(f, "rng", CLGAN_ST_I64, 1, sr, &t, errbuf, sizeof(errbuf));
    int64_t rv[2] = {0, 0};
    if (t)
        memcpy(rv, t->data, 16);
    th_expect(st == CLGAN_STATUS_OK && rv[0] == rng[0] && rv[1] == rng[1], "st_i64", NULL, "%s",
              st ? errbuf : "");
    st = clgan_io_st_get(f, "perm", CLGAN_ST_U32, 1, sp, &t, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && !memcmp(t->data, perm, sizeof(perm)), "st_u32", NULL, "%s",
              st ? errbuf : "");
    st = clgan_io_st_get(f, "bytes", CLGAN_ST_U8, 1, NULL, &t, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && !memcmp(t->data, bytes, 3), "st_u8", NULL, "%s",
              st ? errbuf : "");
    st = clgan_io_st_get(f, "empty", CLGAN_ST_F32, 2, sz, &t, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && t->nbytes == 0, "st_zero_size", NULL, "%s",
              st ? errbuf : "");
    const char *arch = clgan_io_st_meta(f, "arch"), *note = clgan_io_st_meta(f, "note");
    th_expect(arch && !strcmp(arch, "dcgan64") && note &&
                  !strcmp(note, "quote \" backslash \\ tab \t é") &&
                  clgan_io_st_meta_count(f) == 2 && !clgan_io_st_meta(f, "missing"),
              "st_metadata", NULL, "arch=%s", arch ? arch : "(none)");
    th_expect(clgan_io_st_count(f) == 6 && !strcmp(clgan_io_st_at(f, 0)->name, "G.main.0.weight") &&
                  !strcmp(clgan_io_st_at(f, 5)->name, "empty") && !clgan_io_st_at(f, 6),
              "st_order", NULL, "%d tensors", clgan_io_st_count(f));

    /* lookups that must fail with both shapes named */
    const int64_t wrong[3] = {2, 4, 3};
    st = clgan_io_st_read_f32(f, "G.main.0.weight", 3, wrong, got, errbuf, sizeof(errbuf));
    expect_fail("st_get_wrong_shape", st, CLGAN_STATUS_INVALID_ARGUMENT, "round.safetensors",
                "shape [2, 3, 4], expected [2, 4, 3]");
    st = clgan_io_st_read_f32(f, "rng", 1, sr, got, errbuf, sizeof(errbuf));
    expect_fail("st_get_wrong_dtype", st, CLGAN_STATUS_INVALID_ARGUMENT, "'rng' is I64",
                "expected F32");
    st = clgan_io_st_read_f32(f, "D.x", 1, sr, got, errbuf, sizeof(errbuf));
    expect_fail("st_get_missing", st, CLGAN_STATUS_INVALID_ARGUMENT, "no tensor 'D.x'", NULL);
    clgan_io_st_free(f);

    /* writer misuse */
    clgan_io_st_writer_init(&w, errbuf, sizeof(errbuf));
    st = clgan_io_st_writer_add(w, "x", CLGAN_ST_F32, 1, sr, a, errbuf, sizeof(errbuf));
    st = clgan_io_st_writer_add(w, "x", CLGAN_ST_F32, 1, sr, a, errbuf, sizeof(errbuf));
    expect_fail("st_writer_duplicate", st, CLGAN_STATUS_INVALID_ARGUMENT, "'x' added twice", NULL);
    st = clgan_io_st_writer_add(w, "__metadata__", CLGAN_ST_F32, 1, sr, a, errbuf, sizeof(errbuf));
    expect_fail("st_writer_reserved_name", st, CLGAN_STATUS_INVALID_ARGUMENT, "__metadata__", NULL);
    const int64_t neg[1] = {-1};
    st = clgan_io_st_writer_add(w, "n", CLGAN_ST_F32, 1, neg, a, errbuf, sizeof(errbuf));
    expect_fail("st_writer_negative_shape", st, CLGAN_STATUS_INVALID_ARGUMENT, "[-1]", NULL);
    st = clgan_io_st_writer_save(w, tpath("missing/dir/x.safetensors"), errbuf, sizeof(errbuf));
    expect_fail("st_writer_bad_path", st, CLGAN_STATUS_IO, "missing/dir/x.safetensors",
                "No such file");
    clgan_io_st_writer_free(w);
}

/* A file made of a header length, header text and data. */
static size_t make_st(unsigned char *out, uint64_t hlen, const char *header, size_t data_len)
{
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)(hlen >> (8 * i));
    size_t hl = strlen(header);
    memcpy(out + 8, header, hl);
    for (size_t i = 0; i < data_len; i++)
        out[8 + hl + i] = (unsigned char)i;
    return 8 + hl + data_len;
}

static void test_st_corrupt(void)
{
    static unsigned char buf[4096];
    /* a hand-made file as Python's safetensors writes it loads */
    const char *good = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                       "\"__metadata__\":{\"format\":\"pt\"}}";
    size_t n = make_st(buf, strlen(good), good, 8);
    write_bytes(tpath("good.safetensors"), buf, n);
    clgan_st_file *f = NULL;
    clgan_status st = clgan_io_st_load(tpath("good.safetensors"), &f, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && clgan_io_st_count(f) == 1 &&
                  !strcmp(clgan_io_st_meta(f, "format"), "pt"),
              "st_foreign_file", NULL, "%s", st ? errbuf : "");
    clgan_io_st_free(f);

    struct {
        const char *name, *header;
        long long hlen; /* -1: the header's length */
        size_t data;
        const char *n1, *n2;
    } cases[] = {
        {"hlen_past_end", good, 1000, 8, "truncated: header length 1000", NULL},
        {"hlen_huge", good, 1ll << 40, 8, "exceeds the 100000000-byte limit", NULL},
        {"hlen_tiny", good, 1, 8, "too short for a JSON object", NULL},
        {"truncated_data", good, -1, 5, "'a'", "reach past the end of the data (5 bytes)"},
        {"not_json", "{\"a\": oops}", -1, 0, "not valid JSON", NULL},
        {"trailing_json", "{} {}", -1, 0, "not valid JSON", NULL},
        {"not_object", "[1, 2, 3]", -1, 0, "header is an array, not a JSON object", NULL},
        {"overlap",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
         -1, 12, "'a' [0, 8] and 'b' [4, 12] overlap", NULL},
        {"past_end", "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]}}", -1, 6,
         "[4, 8] reach past the end", NULL},
        {"shape_mismatch", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", -1,
         8, "shape [3] of F32 needs 12 bytes", "hold 8"},
        {"bad_dtype", "{\"a\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", -1, 8,
         "unknown dtype 'F33'", NULL},
        {"dtype_not_string", "{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", -1, 8,
         "dtype is a number", NULL},
        {"negative_dim", "{\"a\":{\"dtype\":\"U8\",\"shape\":[-2],\"data_offsets\":[0,2]}}", -1, 2,
         "shape entry 1 is not a non-negative integer", NULL},
        {"fractional_dim", "{\"a\":{\"dtype\":\"U8\",\"shape\":[2.5],\"data_offsets\":[0,2]}}", -1,
         2, "shape entry 1", NULL},
        {"shape_overflow",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],"
         "\"data_offsets\":[0,8]}}",
         -1, 8, "overflows", NULL},
        {"begin_after_end", "{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,2]}}", -1,
         4, "end before they begin", NULL},
        {"offsets_three", "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2,4]}}", -1,
         2, "not two non-negative integers", NULL},
        {"missing_offsets", "{\"a\":{\"dtype\":\"U8\",\"shape\":[2]}}", -1, 2,
         "missing 'data_offsets'", NULL},
        {"unknown_key", "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2],\"x\":1}}",
         -1, 2, "unknown key 'x'", NULL},
        {"tensor_not_object", "{\"a\":[1]}", -1, 0, "tensor 'a' is an array", NULL},
        {"duplicate_name",
         "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
         "\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}",
         -1, 4, "tensor 'a' appears twice", NULL},
        {"gap",
         "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
         "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[3,5]}}",
         -1, 5, "bytes [2, 3) of the data belong to no tensor", NULL},
        {"trailing_data", "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", -1, 6,
         "4 bytes after the last tensor", NULL},
        {"meta_not_string", "{\"__metadata__\":{\"step\":7}}", -1, 0,
         "metadata 'step' is a number, not a string", NULL},
        {"meta_not_object", "{\"__metadata__\":\"x\"}", -1, 0, "__metadata__ is a string", NULL},
        {"meta_duplicate", "{\"__metadata__\":{\"b\":\"1\",\"a\":\"2\",\"b\":\"3\"}}", -1, 0,
         "metadata key 'b' appears twice", NULL},
        {"empty_name", "{\"\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", -1, 2,
         "empty name", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char file[96], name[96];
        snprintf(file, sizeof(file), "%s.safetensors", cases[i].name);
        snprintf(name, sizeof(name), "st_bad_%s", cases[i].name);
        uint64_t hlen =
            cases[i].hlen < 0 ? (uint64_t)strlen(cases[i].header) : (uint64_t)cases[i].hlen;
        n = make_st(buf, hlen, cases[i].header, cases[i].data);
        write_bytes(tpath(file), buf, n);
        f = NULL;
        st = clgan_io_st_load(tpath(file), &f, errbuf, sizeof(errbuf));
        int ok = st == CLGAN_STATUS_CORRUPT_FILE && !f && strstr(errbuf, file) &&
                 strstr(errbuf, cases[i].n1) && (!cases[i].n2 || strstr(errbuf, cases[i].n2));
        th_expect(ok, name, NULL, "%s: %s", clgan_status_str(st), errbuf);
        clgan_io_st_free(f);
    }
    /* many metadata keys, the last repeating the first: found (by sorting, not pairwise) */
    {
        struct clgan_io_buf h = {0};
        clgan_io_buf_printf(&h, "{\"__metadata__\":{");
        for (int i = 0; i < 5000; i++)
            clgan_io_buf_printf(&h, "\"k%d\":\"v\",", i);
        clgan_io_buf_printf(&h, "\"k0\":\"again\"}}");
        unsigned char *big = malloc(h.len + 8);
        if (h.failed || !big) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        n = make_st(big, h.len, h.data, 0);
        f = NULL;
        st = clgan_io_st_load_mem(big, n, "many.safetensors", &f, errbuf, sizeof(errbuf));
        expect_fail("st_bad_meta_duplicate_many", st, CLGAN_STATUS_CORRUPT_FILE, "many.safetensors",
                    "metadata key 'k0' appears twice");
        clgan_io_st_free(f);
        free(big);
        clgan_io_buf_free(&h);
    }

    /* shorter than the length field; a NUL inside the header */
    write_bytes(tpath("short.safetensors"), "\x02\0\0", 3);
    st = clgan_io_st_load(tpath("short.safetensors"), &f, errbuf, sizeof(errbuf));
    expect_fail("st_bad_short", st, CLGAN_STATUS_CORRUPT_FILE, "short.safetensors",
                "too short for the 8-byte header length");
    n = make_st(buf, 4, "{  }", 0);
    buf[10] = 0;
    write_bytes(tpath("nul.safetensors"), buf, n);
    st = clgan_io_st_load(tpath("nul.safetensors"), &f, errbuf, sizeof(errbuf));
    expect_fail("st_bad_nul", st, CLGAN_STATUS_CORRUPT_FILE, "nul.safetensors", "NUL");
    st = clgan_io_st_load(tpath("absent.safetensors"), &f, errbuf, sizeof(errbuf));
    expect_fail("st_missing_file", st, CLGAN_STATUS_IO, "absent.safetensors", "cannot open");

    /* cutting a valid file anywhere must be caught */
    clgan_st_writer *w = small_writer(2);
    clgan_io_st_writer_save(w, tpath("cut.safetensors"), errbuf, sizeof(errbuf));
    clgan_io_st_writer_free(w);
    size_t full;
    char *whole = slurp(tpath("cut.safetensors"), &full);
    int caught = 0;
    for (size_t len = 0; len < full; len++) {
        f = NULL;
        if (clgan_io_st_load_mem(whole, len, "cut", &f, errbuf, sizeof(errbuf)) ==
            CLGAN_STATUS_CORRUPT_FILE)
            caught++;
        clgan_io_st_free(f);
    }
    th_expect(caught == (int)full, "st_every_truncation", NULL, "%d of %zu cut lengths rejected",
              caught, full);
    /* any byte changed: loads (a value in the data changed) or is rejected, never worse */
    int loaded = 0, rejected = 0, other = 0;
    static const unsigned char flips[] = {0x01, 0x20, 0x80, 0xff};
    for (size_t i = 0; i < full; i++)
        for (size_t k = 0; k < sizeof(flips); k++) {
            whole[i] ^= (char)flips[k];
            f = NULL;
            st = clgan_io_st_load_mem(whole, full, "flip", &f, errbuf, sizeof(errbuf));
            loaded += st == CLGAN_STATUS_OK;
            rejected += st == CLGAN_STATUS_CORRUPT_FILE;
            other += st != CLGAN_STATUS_OK && st != CLGAN_STATUS_CORRUPT_FILE;
            clgan_io_st_free(f);
            whole[i] ^= (char)flips[k];
        }
    th_expect(other == 0 && rejected > 0, "st_byte_flips", NULL, "%d loaded, %d rejected", loaded,
              rejected);
    free(whole);
}

/* ---------------------------------------------------------------- PNG */

static void test_png(void)
{
    /* 5 gray images of 3 x 4; image i is constant except pixel (1, 2) */
    enum { N = 5, H = 3, W = 4 };
    float img[N * H * W];
    const float vals[N] = {-1.0f, 1.0f, 0.0f, 0.5f, -0.5f};
    for (int i = 0; i < N; i++)
        for (int p = 0; p < H * W; p++)
            img[i * H * W + p] = vals[i];
    img[0 * H * W + 1 * W + 2] = 1.0f;
    const char *p = tpath("grid.png");
    clgan_status st = clgan_io_png_grid(p, img, N, 1, H, W, 0, 0, errbuf, sizeof(errbuf));
    int w = 0, h = 0, comp = 0;
    unsigned char *px = st ? NULL : stbi_load(p, &w, &h, &comp, 0);
    /* 3 columns, 2 rows: (3 * (4 + 2) + 2) x (2 * (3 + 2) + 2) */
    int ok = px && w == 20 && h == 12 && comp == 1;
    if (ok) {
        /* cell i at x = 2 + (i % 3) * 6, y = 2 + (i / 3) * 5 */
        const unsigned char want[N] = {0, 255, 128, 191, 64};
        for (int i = 0; i < N; i++) {
            int x0 = 2 + (i % 3) * 6, y0 = 2 + (i / 3) * 5;
            ok = ok && px[y0 * w + x0] == want[i] && px[(y0 + H - 1) * w + x0 + W - 1] == want[i];
        }
        ok = ok && px[(2 + 1) * w + 2 + 2] == 255;                         /* the odd pixel */
        ok = ok && px[0] == 0 && px[1 * w + 7] == 0 && px[2 * w + 7] == 0; /* padding */
        ok = ok && px[(2 + 5) * w + 2 + 2 * 6] == 0; /* the sixth cell stays empty */
    }
    th_expect(ok, "png_grid_gray", NULL, "%s %dx%d comp %d", st ? errbuf : "", w, h, comp);
    stbi_image_free(px);

    /* RGB: 2 images 2 x 2 in a 1 x 2 grid; channels land in the right places */
    float rgb[2 * 3 * 4];
    for (int i = 0; i < 2; i++)
        for (int c = 0; c < 3; c++)
            for (int q = 0; q < 4; q++)
                rgb[(i * 3 + c) * 4 + q] = c == 0 ? 1.0f : c == 1 ? -1.0f : (i ? 0.0f : 1.0f);
    p = tpath("rgb.png");
    st = clgan_io_png_grid(p, rgb, 2, 3, 2, 2, 1, 2, errbuf, sizeof(errbuf));
    px = st ? NULL : stbi_load(p, &w, &h, &comp, 0);
    ok = px && w == 10 && h == 6 && comp == 3;
    if (ok) {
        const unsigned char *a = px + (2 * w + 2) * 3, *b = px + (3 * w + 7) * 3;
        ok = a[0] == 255 && a[1] == 0 && a[2] == 255 && b[0] == 255 && b[1] == 0 && b[2] == 128;
    }
    th_expect(ok, "png_grid_rgb", NULL, "%s %dx%d comp %d", st ? errbuf : "", w, h, comp);
    stbi_image_free(px);

    /* single image, clamping and NaN */
    float one[6] = {-2.0f, 2.0f, NAN, 0.0f, -1.0f, 1.0f};
    p = tpath("one.png");
    st = clgan_io_png_image(p, one, 1, 2, 3, errbuf, sizeof(errbuf));
    px = st ? NULL : stbi_load(p, &w, &h, &comp, 0);
    ok = px && w == 3 && h == 2 && px[0] == 0 && px[1] == 255 && px[2] == 0 && px[3] == 128 &&
         px[4] == 0 && px[5] == 255;
    th_expect(ok, "png_single_image", NULL, "%s", st ? errbuf : "");
    stbi_image_free(px);

    st = clgan_io_png_grid(tpath("bad.png"), img, N, 2, H, W, 0, 0, errbuf, sizeof(errbuf));
    expect_fail("png_bad_channels", st, CLGAN_STATUS_INVALID_ARGUMENT, "bad.png", "channels");
    st = clgan_io_png_image(tpath("nodir/x.png"), one, 1, 2, 3, errbuf, sizeof(errbuf));
    expect_fail("png_bad_path", st, CLGAN_STATUS_IO, "nodir/x.png", "No such file");
}

/* ---------------------------------------------------------------- SVG */

/*
 * Well-formed enough: starts with <svg, ends with </svg>, every element closed in order, no raw
 * '<' or '&' outside markup and entities. Returns 1 when so; *why says what broke.
 */
static int svg_ok(const char *s, const char **why)
{
    char stack[64][32];
    int depth = 0, seen_root = 0;
    *why = "ok";
    if (strncmp(s, "<svg", 4)) {
        *why = "does not start with <svg";
        return 0;
    }
    size_t len = strlen(s);
    while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
        len--;
    if (len < 6 || strncmp(s + len - 6, "</svg>", 6)) {
        *why = "does not end with </svg>";
        return 0;
    }
    for (const char *p = s; *p;) {
        if (*p == '&') {
            const char *semi = strchr(p, ';');
            if (!semi || semi - p > 6) {
                *why = "raw &";
                return 0;
            }
            p = semi + 1;
            continue;
        }
        if (*p != '<') {
            if (*p == '>') {
                *why = "stray >";
                return 0;
            }
            p++;
            continue;
        }
        const char *end = strchr(p, '>');
        if (!end) {
            *why = "unclosed tag";
            return 0;
        }
        for (const char *q = p + 1; q < end; q++)
            if (*q == '<') {
                *why = "< inside a tag";
                return 0;
            }
        if (p[1] == '/') {
            size_t nl = strcspn(p + 2, " >");
            if (!depth || strlen(stack[depth - 1]) != nl || strncmp(stack[depth - 1], p + 2, nl)) {
                *why = "mismatched closing tag";
                return 0;
            }
            depth--;
        } else if (end[-1] != '/') {
            if (depth == 0 && seen_root++) {
                *why = "two root elements";
                return 0;
            }
            size_t nl = strcspn(p + 1, " >");
            if (depth == 64 || nl >= 32) {
                *why = "too deep";
                return 0;
            }
            memcpy(stack[depth], p + 1, nl);
            stack[depth++][nl] = 0;
        }
        p = end + 1;
    }
    if (depth) {
        *why = "unclosed element";
        return 0;
    }
    return 1;
}

/* xmllint's opinion when it is installed (1 also when it is not). */
static int xmllint_ok(const char *path)
{
    if (access("/usr/bin/xmllint", X_OK))
        return 1;
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "/usr/bin/xmllint --noout '%s' 2>&1", path);
    return system(cmd) == 0;
}

static void test_svg(void)
{
    enum { N = 50 };
    double x[N], ld[N], lg[N], dx[N], dgz[N];
    for (int i = 0; i < N; i++) {
        x[i] = i * 100;
        ld[i] = 1.4 - 0.01 * i;
        lg[i] = 0.7 + 0.03 * i;
        dx[i] = 0.5 + 0.3 * sin(i * 0.2);
        dgz[i] = 0.5 - 0.3 * sin(i * 0.2);
    }
    ld[20] = NAN; /* a gap in the curve */
    struct clgan_series loss[2] = {{"Loss_D", x, ld, N}, {"Loss_G <&>", x, lg, N}};
    struct clgan_series prob[2] = {{"D(x)", x, dx, N}, {"D(G(z))", x, dgz, N}};
    const char *p = tpath("curves.svg");
    clgan_status st =
        clgan_io_svg_curves(p, "dcgan32 \"run\"", loss, 2, prob, 2, errbuf, sizeof(errbuf));
    char *s = st ? NULL : slurp(p, NULL);
    const char *why = "";
    int ok = s && svg_ok(s, &why) && strstr(s, "Loss_D") && strstr(s, "Loss_G &lt;&amp;&gt;") &&
             strstr(s, "D(G(z))") && strstr(s, ">5000<") && strstr(s, "&quot;run&quot;");
    /* the NaN splits Loss_D into two polylines: 4 curves become 5 */
    int lines = 0;
    for (const char *q = s; q && (q = strstr(q, "<polyline")); q++)
        lines++;
    ok = ok && xmllint_ok(p);
    th_expect(ok && lines == 5, "svg_curves", NULL, "%s %s, %d polylines", st ? errbuf : "", why,
              lines);
    free(s);

    /* empty panels still make a valid file */
    st = clgan_io_svg_curves(tpath("empty.svg"), NULL, NULL, 0, NULL, 0, errbuf, sizeof(errbuf));
    s = st ? NULL : slurp(tpath("empty.svg"), NULL);
    th_expect(s && svg_ok(s, &why) && strstr(s, "no data"), "svg_curves_empty", NULL, "%s %s",
              st ? errbuf : "", why);
    free(s);

    const char *labels[4] = {"pocl cpu", "oclgrind", "nvidia <gpu>", "broken"};
    const double vals[4] = {12.5, 0.25, 950, NAN};
    st = clgan_io_svg_bars(tpath("bars.svg"), "steps/s", "steps/s", labels, vals, 4, errbuf,
                           sizeof(errbuf));
    s = st ? NULL : slurp(tpath("bars.svg"), NULL);
    ok = s && svg_ok(s, &why) && strstr(s, "nvidia &lt;gpu&gt;") && strstr(s, "950 steps/s") &&
         strstr(s, "n/a") && xmllint_ok(tpath("bars.svg"));
    th_expect(ok, "svg_bars", NULL, "%s %s", st ? errbuf : "", why);
    free(s);
    const double negv[2] = {-3, 5};
    st = clgan_io_svg_bars(tpath("neg.svg"), NULL, NULL, labels, negv, 2, errbuf, sizeof(errbuf));
    s = st ? NULL : slurp(tpath("neg.svg"), NULL);
    th_expect(s && svg_ok(s, &why) && strstr(s, ">-3<"), "svg_bars_negative", NULL, "%s %s",
              st ? errbuf : "", why);
    free(s);
    st = clgan_io_svg_bars(tpath("none.svg"), NULL, NULL, labels, vals, 0, errbuf, sizeof(errbuf));
    expect_fail("svg_bars_empty", st, CLGAN_STATUS_INVALID_ARGUMENT, "none.svg", NULL);

    /* the checker itself must reject broken markup */
    th_expect(!svg_ok("<svg><g></svg>", &why) && !svg_ok("<svg>a < b</svg>", &why) &&
                  !svg_ok("<svg>R&D</svg>", &why) && !svg_ok("<svgx/>", &why),
              "svg_checker_selftest", NULL, "broken markup rejected");
}

/* ---------------------------------------------------------------- CSV log */

static void test_csvlog(void)
{
    const char *p = tpath("metrics.csv");
    clgan_csvlog *log = NULL;
    clgan_status st = clgan_io_csvlog_open(p, "step,loss_d,loss_g", &log, errbuf, sizeof(errbuf));
    const double r1[3] = {1, 0.5, 2.25}, r2[3] = {2, 0.125, 1e-10};
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_csvlog_values(log, r1, 3, errbuf, sizeof(errbuf));
    /* flushed per row: visible before close */
    char *s = st ? NULL : slurp(p, NULL);
    th_expect(s && !strcmp(s, "step,loss_d,loss_g\n1,0.5,2.25\n"), "csvlog_flush_per_row", NULL,
              "%s", st ? errbuf : "");
    free(s);
    st = clgan_io_csvlog_values(log, r1, 2, errbuf, sizeof(errbuf));
    expect_fail("csvlog_wrong_count", st, CLGAN_STATUS_INVALID_ARGUMENT, "metrics.csv",
                "2 values for 3 columns");
    st = clgan_io_csvlog_close(log, errbuf, sizeof(errbuf));

    /* reopen: no second header; a partial last line from a crash is dropped */
    FILE *f = fopen(p, "ab");
    fputs("2,0.3", f);
    fclose(f);
    log = NULL;
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_csvlog_open(p, "step,loss_d,loss_g", &log, errbuf, sizeof(errbuf));
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_csvlog_values(log, r2, 3, errbuf, sizeof(errbuf));
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_csvlog_row(log, "3,x,y", errbuf, sizeof(errbuf));
    clgan_io_csvlog_close(log, errbuf, sizeof(errbuf));
    s = slurp(p, NULL);
    th_expect(st == CLGAN_STATUS_OK &&
                  !strcmp(s, "step,loss_d,loss_g\n1,0.5,2.25\n2,0.125,1e-10\n3,x,y\n"),
              "csvlog_append", NULL, "%s", st ? errbuf : "");
    free(s);

    log = NULL;
    st = clgan_io_csvlog_open(p, "step,loss", &log, errbuf, sizeof(errbuf));
    expect_fail("csvlog_other_header", st, CLGAN_STATUS_INVALID_ARGUMENT,
                "existing file has header 'step,loss_d,loss_g'", "expected 'step,loss'");
    /* a header cut short by a crash is rewritten */
    write_bytes(tpath("cut.csv"), "step,lo", 7);
    st = clgan_io_csvlog_open(tpath("cut.csv"), "step,loss", &log, errbuf, sizeof(errbuf));
    clgan_io_csvlog_close(log, errbuf, sizeof(errbuf));
    s = slurp(tpath("cut.csv"), NULL);
    th_expect(st == CLGAN_STATUS_OK && !strcmp(s, "step,loss\n"), "csvlog_cut_header", NULL, "%s",
              st ? errbuf : "");
    free(s);
    st = clgan_io_csvlog_open(tpath("nodir/m.csv"), "a", &log, errbuf, sizeof(errbuf));
    expect_fail("csvlog_bad_path", st, CLGAN_STATUS_IO, "nodir/m.csv", "No such file");
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 0);
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof(tmpdir), "%s/clgan_test_io_XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    if (th_want("fault"))
        test_fault();
    if (th_want("atomic")) {
        test_atomic();
        test_atomic_sweep();
    }
    if (th_want("st")) {
        test_st_roundtrip();
        test_st_corrupt();
    }
    if (th_want("png"))
        test_png();
    if (th_want("svg"))
        test_svg();
    if (th_want("csvlog"))
        test_csvlog();
    remove_tree(tmpdir);
    return th_finish();
}
