/*
 * cache.c - on-disk cache of built program binaries.
 *
 * Folder: the context's cache_dir (parameter; by default $CLGAN_CACHE_DIR, "off" disables, else
 * $XDG_CACHE_HOME/clgan, else ~/.cache/clgan).
 * File <hash of key>.bin: "CLGANPC2", u32 key length, key text, u64 binary length, u64 FNV-1a
 * checksum of the binary, binary (integers little-endian). The whole key is compared on load, so
 * a hash collision or a foreign file is only a miss; the length and checksum are verified before
 * the binary reaches the driver, whose binary loaders trust their input (a cut or bit-flipped
 * binary can crash them). Writes go to <name>.tmp.<pid> and are renamed into place. Nothing here
 * ever fails a run: a bad entry is removed and the program rebuilt.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hash.h"
#include "runtime/rt.h"

#define MAGIC      "CLGANPC2"
#define MAX_BINARY ((uint64_t)1 << 30)

static int mkdirs(const char *path)
{
    char *tmp = strdup(path); /* any length: a cut path would create the wrong folders */
    int rc = tmp ? 0 : -1;
    for (char *p = tmp ? tmp + 1 : NULL; p && *p && rc == 0; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0755) && errno != EEXIST)
                rc = -1;
            *p = '/';
        }
    }
    if (rc == 0 && mkdir(tmp, 0755) && errno != EEXIST)
        rc = -1;
    free(tmp);
    return rc;
}

/* "<dir>/<hash of key>.bin" (malloc'ed; NULL when out of memory), with room for a ".tmp.<pid>"
 * suffix. */
static char *entry_path(const char *dir, const char *key)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *s = key; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    size_t len = strlen(dir) + 64;
    char *out = malloc(len);
    if (out)
        snprintf(out, len, "%s/%016llx.bin", dir, (unsigned long long)h);
    return out;
}

/* 64-bit FNV-1a over the binary. */
static uint64_t checksum(const unsigned char *p, size_t n)
{
    return clgan_hash64(p, n, CLGAN_HASH_SEED);
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

clgan_status clgan_cache_parse(const unsigned char *data, size_t size, const char *key,
                               size_t *bin_off, size_t *bin_len)
{
    size_t klen = strlen(key);
    if (size < 8 + 4 || memcmp(data, MAGIC, 8))
        return CLGAN_STATUS_CORRUPT_FILE;
    uint32_t kl = (uint32_t)data[8] | (uint32_t)data[9] << 8 | (uint32_t)data[10] << 16 |
                  (uint32_t)data[11] << 24;
    if (kl != klen || size - 12 < (size_t)kl + 16 || memcmp(data + 12, key, klen))
        return CLGAN_STATUS_CORRUPT_FILE;
    const unsigned char *p = data + 12 + kl;
    uint64_t bl = get_u64(p), sum = get_u64(p + 8);
    size_t rest = size - 12 - kl - 16;
    if (bl == 0 || bl > MAX_BINARY || bl != rest || checksum(p + 16, rest) != sum)
        return CLGAN_STATUS_CORRUPT_FILE;
    *bin_off = 12 + kl + 16;
    *bin_len = (size_t)bl;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_cache_load(clgan_ctx *ctx, const char *key, unsigned char **bin, size_t *len)
{
    const char *dir = ctx->cache_dir;
    *bin = NULL;
    char *path = dir ? entry_path(dir, key) : NULL;
    if (!path)
        return CLGAN_STATUS_IO;
    /* non-blocking open, then the type of what was opened: a FIFO or device planted under an
     * entry's name must not hang or feed the driver */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        free(path);
        return CLGAN_STATUS_IO;
    }
    struct stat sb;
    FILE *f = NULL;
    unsigned char *data = NULL;
    clgan_status st = CLGAN_STATUS_CORRUPT_FILE;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
        (uint64_t)sb.st_size < MAX_BINARY && (f = fdopen(fd, "rb")) != NULL) {
        fd = -1;
        data = malloc((size_t)sb.st_size);
        if (data && fread(data, 1, (size_t)sb.st_size, f) == (size_t)sb.st_size &&
            fgetc(f) == EOF) {
            size_t off, bl;
            st = clgan_cache_parse(data, (size_t)sb.st_size, key, &off, &bl);
            if (st == CLGAN_STATUS_OK) {
                memmove(data, data + off, bl);
                *bin = data;
                *len = bl;
                data = NULL;
            }
        }
    }
    if (f)
        fclose(f);
    if (fd >= 0)
        close(fd);
    free(data);
    if (st != CLGAN_STATUS_OK) {
        clgan_rt_log(ctx, CLGAN_LOG_INFO,
                     "program cache entry %s is corrupt or foreign; rebuilding", path);
        unlink(path);
    }
    free(path);
    return st;
}

void clgan_cache_remove(clgan_ctx *ctx, const char *key)
{
    char *path = ctx->cache_dir ? entry_path(ctx->cache_dir, key) : NULL;
    if (path)
        unlink(path);
    free(path);
}

/* A cache folder that cannot be written is worth one warning per process, never a failure. */
static void unwritable(clgan_ctx *ctx, const char *dir)
{
    static atomic_int warned;
    int e = errno;
    if (atomic_exchange(&warned, 1))
        return;
    clgan_rt_log(ctx, CLGAN_LOG_WARN,
                 "program cache folder %s is not writable (%s); programs are built from source "
                 "each run (CLGAN_CACHE_DIR=off: no cache, no warning)",
                 dir, strerror(e));
}

void clgan_cache_store(clgan_ctx *ctx, const char *key, const unsigned char *bin, size_t len)
{
    const char *dir = ctx->cache_dir;
    if (!dir)
        return;
    if (mkdirs(dir)) {
        unwritable(ctx, dir);
        return;
    }
    char *path = entry_path(dir, key);
    size_t tlen = path ? strlen(path) + 32 : 0;
    char *tmp = path ? malloc(tlen) : NULL;
    FILE *f = NULL;
    if (tmp) {
        snprintf(tmp, tlen, "%s.tmp.%ld", path, (long)getpid());
        f = fopen(tmp, "wb");
    }
    if (!f) {
        if (tmp)
            unwritable(ctx, dir);
        free(path);
        free(tmp);
        return;
    }
    uint32_t kl = (uint32_t)strlen(key);
    unsigned char hdr[12], lb[16];
    uint64_t sum = checksum(bin, len);
    memcpy(hdr, MAGIC, 8);
    for (int i = 0; i < 4; i++)
        hdr[8 + i] = (unsigned char)(kl >> (8 * i));
    for (int i = 0; i < 8; i++) {
        lb[i] = (unsigned char)((uint64_t)len >> (8 * i));
        lb[8 + i] = (unsigned char)(sum >> (8 * i));
    }
    int ok = fwrite(hdr, 1, 12, f) == 12 && fwrite(key, 1, kl, f) == kl &&
             fwrite(lb, 1, 16, f) == 16 && fwrite(bin, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path)) {
        unlink(tmp);
        clgan_rt_log(ctx, CLGAN_LOG_INFO, "could not write program cache entry %s", path);
    }
    free(path);
    free(tmp);
}
