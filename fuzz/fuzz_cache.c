/*
 * fuzz_cache.c - program cache entries (runtime/cache.c, clgan_cache_parse).
 *
 * Input: one byte k, then a key of up to k bytes (to its first NUL), then the entry. The entry
 * is checked against that key, and again against the key it spells itself, so the fuzzer
 * reaches the length and binary checks without having to guess a matching key. An accepted
 * entry's binary must fill the rest of the entry exactly.
 *
 * The entry then goes through the real loader (clgan_cache_load) as a file in a cache folder:
 * it may hand out a binary only when the parser accepts the entry, that binary must be the
 * entry's, and a refused entry must be gone from the folder (a bad entry is rebuilt, never kept).
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "runtime/rt.h"

static void parse(const uint8_t *entry, size_t size, const char *key)
{
    /* the entry in a buffer of its own size, so ASan sees any read past its end */
    uint8_t *copy = malloc(size ? size : 1);
    FUZZ_CHECK(copy, "out of memory");
    if (size)
        memcpy(copy, entry, size);
    size_t off = 0, len = 0;
    clgan_status st = clgan_cache_parse(copy, size, key, &off, &len);
    if (st == CLGAN_STATUS_OK) {
        size_t kl = strlen(key);
        FUZZ_CHECK(off == 8 + 4 + kl + 16 && len > 0 && off + len == size,
                   "binary at %zu, %zu bytes, in a %zu-byte entry for a %zu-byte key", off, len,
                   size, kl);
        FUZZ_CHECK(!memcmp(copy, "CLGANPC2", 8) && !memcmp(copy + 12, key, kl), "wrong entry");
        unsigned sum = 0;
        for (size_t i = 0; i < len; i++)
            sum += copy[off + i];
        (void)sum;
    } else {
        FUZZ_CHECK(st == CLGAN_STATUS_CORRUPT_FILE, "status %s", clgan_status_str(st));
    }
    free(copy);
}

/* The entry's file name for key, as runtime/cache.c names it. */
static void entry_path(const char *dir, const char *key, char *out, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *s = key; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    snprintf(out, len, "%s/%016llx.bin", dir, (unsigned long long)h);
}

static char dir[64];

static void remove_dir(void)
{
    rmdir(dir);
}

static void load(const uint8_t *entry, size_t size, const char *key)
{
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/clgan-fuzz-cache-%ld", (long)getpid());
        mkdir(dir, 0700);
        atexit(remove_dir);
    }
    char path[256];
    entry_path(dir, key, path, sizeof(path));
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f, "cannot write %s", path);
    FUZZ_CHECK(fwrite(entry, 1, size, f) == size && fclose(f) == 0, "cannot write %s", path);
    static clgan_ctx ctx; /* only the cache folder and the log level are read */
    ctx.cache_dir = dir;
    ctx.log_level = CLGAN_LOG_ERROR;
    unsigned char *bin = NULL;
    size_t len = 0, off = 0, plen = 0;
    clgan_status st = clgan_cache_load(&ctx, key, &bin, &len);
    int parsed = clgan_cache_parse(entry, size, key, &off, &plen) == CLGAN_STATUS_OK;
    if (st == CLGAN_STATUS_OK) {
        FUZZ_CHECK(parsed && bin && len == plen && !memcmp(bin, entry + off, len),
                   "the loader handed out a binary the parser refuses or does not match");
    } else {
        FUZZ_CHECK(!parsed && !bin, "the loader refused an entry the parser accepts");
        FUZZ_CHECK(access(path, F_OK) != 0, "a refused entry was kept");
    }
    free(bin);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t k = data[0];
    data++;
    size--;
    if (k > size)
        k = size;
    char key[256];
    memcpy(key, data, k);
    key[k] = 0;
    parse(data + k, size - k, key);
    load(data + k, size - k, key);

    /* the key the entry names: u32 little-endian length at 8, the text at 12 */
    const uint8_t *e = data + k;
    size_t es = size - k;
    if (es >= 12) {
        size_t kl = (size_t)e[8] | (size_t)e[9] << 8 | (size_t)e[10] << 16 | (size_t)e[11] << 24;
        if (kl <= es - 12 && kl < 4096) {
            char *own = malloc(kl + 1);
            FUZZ_CHECK(own, "out of memory");
            memcpy(own, e + 12, kl);
            own[kl] = 0;
            parse(e, es, own);
            free(own);
        }
    }
    return 0;
}
