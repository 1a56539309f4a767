/* jsonl.c - appending JSON-lines log (see jsonl.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/file.h"
#include "io/jsonl.h"
#include "runtime/fault.h"

struct clgan_jsonl {
    FILE *f;
    char *path;
    int regular; /* a regular file (else written straight through) */
};

/* Cut a partial last line off a regular file (read backwards from its end); *size: what is left. */
static clgan_status cut_partial(int fd, const char *path, long long *size, char *err,
                                size_t err_len)
{
    struct stat sb;
    if (fstat(fd, &sb))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot stat: %s", path,
                             strerror(errno));
    char buf[4096];
    off_t end = sb.st_size, keep = 0; /* keep: just after the last newline */
    while (end > 0 && !keep) {
        off_t from = end > (off_t)sizeof(buf) ? end - (off_t)sizeof(buf) : 0;
        ssize_t got = pread(fd, buf, (size_t)(end - from), from);
        if (got != end - from)
            return clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: read failed: %s", path,
                                 got < 0 ? strerror(errno) : "short read");
        for (ssize_t i = got; i > 0 && !keep; i--)
            if (buf[i - 1] == '\n')
                keep = from + i;
        end = from;
    }
    if (keep != sb.st_size && ftruncate(fd, keep))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO,
                             "%s: cannot cut a partial last line: %s", path, strerror(errno));
    *size = (long long)keep;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_io_jsonl_open(const char *path, clgan_jsonl **out, long long *size, char *err,
                                 size_t err_len)
{
    *out = NULL;
    *size = 0;
    clgan_jsonl *log = calloc(1, sizeof(*log));
    if (!log || !(log->path = strdup(path))) {
        free(log);
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of memory",
                             path);
    }
    clgan_status st;
    int fd = -1, through = 0;
    if ((st = clgan_io_open_log(path, &fd, &through, err, err_len)) != CLGAN_STATUS_OK)
        goto fail;
    log->regular = !through;
    if (log->regular && (st = cut_partial(fd, path, size, err, err_len)) != CLGAN_STATUS_OK) {
        close(fd);
        goto fail;
    }
    if (!(log->f = fdopen(fd, "a"))) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot open: %s", path,
                           strerror(errno));
        close(fd);
        goto fail;
    }
    *out = log;
    return CLGAN_STATUS_OK;
fail:
    free(log->path);
    free(log);
    return st;
}

clgan_status clgan_io_jsonl_truncate(clgan_jsonl *log, char *err, size_t err_len)
{
    if (!log->regular)
        return CLGAN_STATUS_OK;
    if (fflush(log->f) || ftruncate(fileno(log->f), 0))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot truncate: %s", log->path,
                             strerror(errno));
    return CLGAN_STATUS_OK;
}

clgan_status clgan_io_jsonl_line(clgan_jsonl *log, const char *line, char *err, size_t err_len)
{
    if (!line || strchr(line, '\n'))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: a JSON line must be one line", log->path);
    if (clgan_fault_hit(CLGAN_FAULT_FILE))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO,
                             "%s: write failed: injected fault (CLGAN_FAULT file)", log->path);
    if (fputs(line, log->f) == EOF || fputc('\n', log->f) == EOF || fflush(log->f))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: write failed: %s", log->path,
                             strerror(errno));
    return CLGAN_STATUS_OK;
}

clgan_status clgan_io_jsonl_close(clgan_jsonl *log, char *err, size_t err_len)
{
    if (!log)
        return CLGAN_STATUS_OK;
    clgan_status st = CLGAN_STATUS_OK;
    if (fclose(log->f))
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: close failed: %s", log->path,
                           strerror(errno));
    free(log->path);
    free(log);
    return st;
}

const char *clgan_io_jsonl_path(const clgan_jsonl *log)
{
    return log->path;
}
