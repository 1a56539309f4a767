/*
 * cache.c - on-disk cache of built program binaries.
 *
 * Folder: the context's cache_dir (parameter; by default $CLGAN_CACHE_DIR, "off" disables, else
 * $XDG_CACHE_HOME/clgan, else ~/.cache/clgan).
 * File <hash of key>.bin: "CLGANPC1", u32 key length, key text, u64 binary length, binary.
 * The whole key is compared on load, so a hash collision or a foreign file is only a miss. Writes
 * go to <name>.tmp.<pid> and are renamed into place. Nothing here ever fails a run: a bad entry
 * is removed and the program rebuilt.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/rt.h"

#define MAGIC      "CLGANPC1"
#define MAX_BINARY ((uint64_t)1 << 30)

static int mkdirs(const char *path)
{
    char tmp[1024];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0755) && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    if (mkdir(tmp, 0755) && errno != EEXIST)
        return -1;
    return 0;
}

static void entry_path(const char *dir, const char *key, char *out, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *s = key; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    snprintf(out, len, "%s/%016llx.bin", dir, (unsigned long long)h);
}

clgan_status clgan_cache_parse(const unsigned char *data, size_t size, const char *key,
                               size_t *bin_off, size_t *bin_len)
{
    size_t klen = strlen(key);
    if (size < 8 + 4 || memcmp(data, MAGIC, 8))
        return CLGAN_STATUS_CORRUPT_FILE;
    uint32_t kl = (uint32_t)data[8] | (uint32_t)data[9] << 8 | (uint32_t)data[10] << 16 |
                  (uint32_t)data[11] << 24;
    if (kl != klen || size - 12 < (size_t)kl + 8 || memcmp(data + 12, key, klen))
        return CLGAN_STATUS_CORRUPT_FILE;
    const unsigned char *p = data + 12 + kl;
    uint64_t bl = 0;
    for (int i = 7; i >= 0; i--)
        bl = bl << 8 | p[i];
    size_t rest = size - 12 - kl - 8;
    if (bl == 0 || bl > MAX_BINARY || bl != rest)
        return CLGAN_STATUS_CORRUPT_FILE;
    *bin_off = 12 + kl + 8;
    *bin_len = (size_t)bl;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_cache_load(clgan_ctx *ctx, const char *key, unsigned char **bin, size_t *len)
{
    char path[1200];
    const char *dir = ctx->cache_dir;
    *bin = NULL;
    if (!dir)
        return CLGAN_STATUS_IO;
    entry_path(dir, key, path, sizeof(path));
    FILE *f = fopen(path, "rb");
    if (!f)
        return CLGAN_STATUS_IO;
    struct stat sb;
    unsigned char *data = NULL;
    clgan_status st = CLGAN_STATUS_CORRUPT_FILE;
    if (fstat(fileno(f), &sb) == 0 && sb.st_size > 0 && (uint64_t)sb.st_size < MAX_BINARY) {
        data = malloc((size_t)sb.st_size);
        if (data && fread(data, 1, (size_t)sb.st_size, f) == (size_t)sb.st_size) {
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
    fclose(f);
    free(data);
    if (st != CLGAN_STATUS_OK) {
        clgan_rt_log(ctx, CLGAN_LOG_INFO,
                     "program cache entry %s is corrupt or foreign; rebuilding", path);
        unlink(path);
    }
    return st;
}

void clgan_cache_store(clgan_ctx *ctx, const char *key, const unsigned char *bin, size_t len)
{
    char path[1200], tmp[1300];
    const char *dir = ctx->cache_dir;
    if (!dir || mkdirs(dir))
        return;
    entry_path(dir, key, path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return;
    uint32_t kl = (uint32_t)strlen(key);
    unsigned char hdr[12], lb[8];
    memcpy(hdr, MAGIC, 8);
    for (int i = 0; i < 4; i++)
        hdr[8 + i] = (unsigned char)(kl >> (8 * i));
    for (int i = 0; i < 8; i++)
        lb[i] = (unsigned char)((uint64_t)len >> (8 * i));
    int ok = fwrite(hdr, 1, 12, f) == 12 && fwrite(key, 1, kl, f) == kl &&
             fwrite(lb, 1, 8, f) == 8 && fwrite(bin, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path)) {
        unlink(tmp);
        clgan_rt_log(ctx, CLGAN_LOG_INFO, "could not write program cache entry %s", path);
    }
}
