/* csvlog.c - appending CSV log with a checked header (see csvlog.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/csvlog.h"
#include "io/file.h"
#include "runtime/fault.h"

struct clgan_csvlog {
    FILE *f;
    char *path;
    int columns;
};

static int count_columns(const char *header)
{
    int n = 1;
    for (const char *p = header; *p; p++)
        n += *p == ',';
    return n;
}

/* Write text plus newline and flush. */
static clgan_status put_line(clgan_csvlog *log, const char *text, char *err, size_t err_len)
{
    if (clgan_fault_hit(CLGAN_FAULT_FILE))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO,
                             "%s: write failed: injected fault (CLGAN_FAULT file)", log->path);
    if (fputs(text, log->f) == EOF || fputc('\n', log->f) == EOF || fflush(log->f))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: write failed: %s", log->path,
                             strerror(errno));
    return CLGAN_STATUS_OK;
}

/*
 * Check an existing file: its first line must be header; a trailing partial line is cut off.
 * *empty is set when nothing (valid) remains, so the header must be written.
 */
static clgan_status check_existing(int fd, const char *path, const char *header, int *empty,
                                   char *err, size_t err_len)
{
    struct stat sb;
    if (fstat(fd, &sb))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot stat: %s", path,
                             strerror(errno));
    *empty = sb.st_size == 0;
    if (*empty)
        return CLGAN_STATUS_OK;
    size_t hl = strlen(header);
    /* the expected header plus its newline, and enough more to show a different one */
    char *first = malloc(hl + 1 + 120);
    if (!first)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of memory",
                             path);
    ssize_t got = pread(fd, first, hl + 1 + 120, 0);
    clgan_status st = CLGAN_STATUS_OK;
    if (got < 0) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: read failed: %s", path,
                           strerror(errno));
    } else if ((size_t)got >= hl + 1 && !memcmp(first, header, hl) && first[hl] == '\n') {
        /* good header; drop a partial last row */
        off_t end = sb.st_size;
        char c;
        while (end > (off_t)hl + 1 && pread(fd, &c, 1, end - 1) == 1 && c != '\n')
            end--;
        if (end != sb.st_size && ftruncate(fd, end))
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO,
                               "%s: cannot cut a partial last line: %s", path, strerror(errno));
    } else if ((off_t)got == sb.st_size && !memchr(first, '\n', (size_t)got) &&
               !memcmp(first, header, (size_t)got)) {
        /* a header cut short by a crash: start over */
        if (ftruncate(fd, 0))
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot truncate: %s", path,
                               strerror(errno));
        *empty = 1;
    } else {
        char *nl = memchr(first, '\n', (size_t)got);
        int shown = nl ? (int)(nl - first) : (int)got;
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                           "%s: existing file has header '%.*s', expected '%s'", path,
                           shown > 120 ? 120 : shown, first, header);
    }
    free(first);
    return st;
}

clgan_status clgan_io_csvlog_open(const char *path, const char *header, clgan_csvlog **out,
                                  char *err, size_t err_len)
{
    *out = NULL;
    if (!header || !*header || strchr(header, '\n'))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: the header must be one non-empty line", path);
    clgan_csvlog *log = calloc(1, sizeof(*log));
    if (!log || !(log->path = strdup(path))) {
        free(log);
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of memory",
                             path);
    }
    log->columns = count_columns(header);
    int empty = 0;
    clgan_status st;
    /* a terminal, /dev/stdout or a FIFO with a reader is written straight through (header
     * first); a regular file is appended to after its header is checked */
    int fd = -1, through = 0;
    if ((st = clgan_io_open_log(path, &fd, &through, err, err_len)) != CLGAN_STATUS_OK)
        goto fail;
    if (through)
        empty = 1;
    else if ((st = check_existing(fd, path, header, &empty, err, err_len)) != CLGAN_STATUS_OK) {
        close(fd);
        goto fail;
    }
    log->f = fdopen(fd, "a");
    if (!log->f) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot open: %s", path,
                           strerror(errno));
        close(fd);
        goto fail;
    }
    if (empty && (st = put_line(log, header, err, err_len)) != CLGAN_STATUS_OK)
        goto fail;
    *out = log;
    return CLGAN_STATUS_OK;
fail:
    if (log->f)
        fclose(log->f);
    free(log->path);
    free(log);
    return st;
}

clgan_status clgan_io_csvlog_row(clgan_csvlog *log, const char *row, char *err, size_t err_len)
{
    if (!row || strchr(row, '\n'))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: a row must be one line", log->path);
    return put_line(log, row, err, err_len);
}

clgan_status clgan_io_csvlog_values(clgan_csvlog *log, const double *values, int n, char *err,
                                    size_t err_len)
{
    if (n != log->columns)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: row of %d values for %d columns", log->path, n, log->columns);
    struct clgan_io_buf b = {0};
    for (int i = 0; i < n; i++)
        clgan_io_buf_printf(&b, "%s%.9g", i ? "," : "", values[i]);
    clgan_status st = b.failed ? clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                                               "%s: out of memory", log->path)
                               : put_line(log, b.data, err, err_len);
    clgan_io_buf_free(&b);
    return st;
}

clgan_status clgan_io_csvlog_close(clgan_csvlog *log, char *err, size_t err_len)
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
