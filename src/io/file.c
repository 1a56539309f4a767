/* file.c - error lines, whole-file reads, byte buffers and atomic writes (see file.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/file.h"
#include "runtime/fault.h"

clgan_status clgan_io_fail(char *err, size_t err_len, clgan_status st, const char *fmt, ...)
{
    if (err && err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return st;
}

clgan_status clgan_io_open_read(const char *path, FILE **out, char *err, size_t err_len)
{
    *out = NULL;
    /* non-blocking: opening a FIFO for reading would otherwise wait for a writer forever */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot open: %s", path,
                             strerror(errno));
    struct stat sb;
    clgan_status st = CLGAN_STATUS_OK;
    if (fstat(fd, &sb))
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot stat: %s", path,
                           strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: not a regular file (%s)", path,
                           S_ISDIR(sb.st_mode)    ? "a folder"
                           : S_ISFIFO(sb.st_mode) ? "a FIFO"
                           : S_ISCHR(sb.st_mode)  ? "a character device"
                                                  : "a special file");
    else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 ||
             !(*out = fdopen(fd, "rb")))
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot open: %s", path,
                           strerror(errno));
    if (st != CLGAN_STATUS_OK)
        close(fd);
    return st;
}

clgan_status clgan_io_read_file(const char *path, size_t max, char **data, size_t *len, char *err,
                                size_t err_len)
{
    *data = NULL;
    *len = 0;
    FILE *f = NULL;
    clgan_status st = clgan_io_open_read(path, &f, err, err_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    struct stat sb;
    if (fstat(fileno(f), &sb)) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot stat: %s", path,
                           strerror(errno));
        goto out;
    }
    if ((uint64_t)sb.st_size > (uint64_t)max) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                           "%s: file has %lld bytes, more than the %zu this reader accepts", path,
                           (long long)sb.st_size, max);
        goto out;
    }
    size_t n = (size_t)sb.st_size;
    char *buf = malloc(n + 1);
    if (!buf) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                           "%s: out of memory reading %zu bytes", path, n);
        goto out;
    }
    size_t got = fread(buf, 1, n, f);
    if (got != n || ferror(f)) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO,
                           "%s: read failed after %zu of %zu bytes%s%s", path, got, n,
                           ferror(f) ? ": " : "", ferror(f) ? strerror(errno) : "");
        free(buf);
        goto out;
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
out:
    fclose(f);
    return st;
}

/* ---------------------------------------------------------------- buffers */

static int buf_reserve(struct clgan_io_buf *b, size_t extra)
{
    if (b->failed)
        return 0;
    if (extra + 1 <= b->cap - b->len && b->data)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra + 1) {
        if (cap > ((size_t)-1) / 2) {
            b->failed = 1;
            return 0;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void clgan_io_buf_append(struct clgan_io_buf *b, const void *data, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = 0;
}

void clgan_io_buf_printf(struct clgan_io_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (!buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void clgan_io_buf_xml(struct clgan_io_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            clgan_io_buf_append(b, "&amp;", 5);
            break;
        case '<':
            clgan_io_buf_append(b, "&lt;", 4);
            break;
        case '>':
            clgan_io_buf_append(b, "&gt;", 4);
            break;
        case '"':
            clgan_io_buf_append(b, "&quot;", 6);
            break;
        case '\'':
            clgan_io_buf_append(b, "&apos;", 6);
            break;
        default:
            /* XML 1.0 forbids most control characters even when escaped */
            if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n')
                clgan_io_buf_append(b, "?", 1);
            else
                clgan_io_buf_append(b, s, 1);
        }
    }
}

void clgan_io_buf_free(struct clgan_io_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

/* ---------------------------------------------------------------- atomic writes */

static atomic_uint tmp_counter;

static void atomic_clear(struct clgan_io_atomic *a)
{
    free(a->path);
    free(a->tmp);
    a->path = a->tmp = NULL;
    a->fd = -1;
}

void clgan_io_atomic_abort(struct clgan_io_atomic *a)
{
    if (!a)
        return;
    if (a->fd >= 0)
        close(a->fd);
    if (a->tmp)
        unlink(a->tmp);
    atomic_clear(a);
}

/* The folder part of path ("." when it has none). */
static char *dir_of(const char *path);

/*
 * Where a write to path lands, following symbolic links (a dangling one too: the file is created
 * at its target): malloc'ed, NULL with errno set on failure (ELOOP for a cycle).
 */
static char *final_path(const char *path)
{
    char *cur = strdup(path);
    for (int hops = 0; cur && hops < 40; hops++) {
        struct stat sb;
        if (lstat(cur, &sb) != 0 || !S_ISLNK(sb.st_mode))
            return cur;
        char target[4096];
        ssize_t n = readlink(cur, target, sizeof(target) - 1);
        if (n < 0 || n == (ssize_t)sizeof(target) - 1) {
            int e = n < 0 ? errno : ENAMETOOLONG;
            free(cur);
            errno = e;
            return NULL;
        }
        target[n] = 0;
        char *next;
        if (target[0] == '/') {
            next = strdup(target);
        } else { /* relative to the link's folder */
            char *dir = dir_of(cur);
            size_t len = (dir ? strlen(dir) : 0) + strlen(target) + 2;
            next = dir ? malloc(len) : NULL;
            if (next)
                snprintf(next, len, "%s/%s", dir, target);
            free(dir);
        }
        free(cur);
        cur = next;
    }
    if (cur) {
        free(cur);
        errno = ELOOP;
    }
    return NULL;
}

/* Open a character device or FIFO to write straight through (no temporary file). */
static clgan_status open_through(struct clgan_io_atomic *a, const char *path, mode_t mode,
                                 char *err, size_t err_len)
{
    /* non-blocking: a FIFO nobody reads fails at once (ENXIO) instead of hanging */
    a->fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    struct stat sb;
    if (a->fd < 0) {
        clgan_status st = clgan_io_fail(
            err, err_len, CLGAN_STATUS_IO, "%s: cannot open for writing: %s", path,
            errno == ENXIO && S_ISFIFO(mode) ? "a FIFO without a reader" : strerror(errno));
        atomic_clear(a);
        return st;
    }
    if (fstat(a->fd, &sb) || (!S_ISCHR(sb.st_mode) && !S_ISFIFO(sb.st_mode)) ||
        fcntl(a->fd, F_SETFL, fcntl(a->fd, F_GETFL) & ~O_NONBLOCK) != 0) {
        close(a->fd);
        atomic_clear(a);
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO,
                             "%s: changed while being opened; not writing", path);
    }
    return CLGAN_STATUS_OK;
}

clgan_status clgan_io_atomic_open(struct clgan_io_atomic *a, const char *path, char *err,
                                  size_t err_len)
{
    a->fd = -1;
    a->tmp = NULL;
    a->path = NULL;
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        if (S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode)) {
            if (!(a->path = strdup(path)))
                return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                                     "%s: out of memory", path);
            return open_through(a, path, sb.st_mode, err, err_len);
        }
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: is %s, not a file; not writing",
                             path, S_ISDIR(sb.st_mode) ? "a folder" : "a special file");
    }
    a->path = final_path(path);
    if (!a->path)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot follow the link: %s", path,
                             strerror(errno));
    path = a->path;
    size_t tlen = strlen(path) + 64;
    a->tmp = malloc(tlen);
    if (!a->tmp) {
        clgan_status st =
            clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
        atomic_clear(a);
        return st;
    }
    /* O_EXCL with a per-process counter: two writers of the same path never share a temp file */
    for (int tries = 0; tries < 100; tries++) {
        snprintf(a->tmp, tlen, "%s.tmp.%ld.%u", path, (long)getpid(),
                 atomic_fetch_add(&tmp_counter, 1u));
        a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (a->fd >= 0 || errno != EEXIST)
            break;
    }
    if (a->fd < 0) {
        clgan_status st =
            clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot create temporary file %s: %s",
                          path, a->tmp, strerror(errno));
        atomic_clear(a);
        return st;
    }
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) /* the new file keeps the old one's mode */
        (void)!fchmod(a->fd, sb.st_mode & 07777);
    return CLGAN_STATUS_OK;
}

clgan_status clgan_io_atomic_write(struct clgan_io_atomic *a, const void *data, size_t n, char *err,
                                   size_t err_len)
{
    if (a->fd < 0)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: write after a failed write",
                             a->path ? a->path : "(closed file)");
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(a->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            clgan_status st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: write failed: %s",
                                            a->path, w < 0 ? strerror(errno) : "no progress");
            clgan_io_atomic_abort(a);
            return st;
        }
        p += w;
        n -= (size_t)w;
    }
    return CLGAN_STATUS_OK;
}

/* The folder part of path ("." when it has none). */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    size_t n = (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = 0;
    }
    return d;
}

clgan_status clgan_io_atomic_commit(struct clgan_io_atomic *a, char *err, size_t err_len)
{
    if (a->fd < 0)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: commit after a failed write",
                             a->path ? a->path : "(closed file)");
    clgan_status st = CLGAN_STATUS_OK;
    if (clgan_fault_hit(CLGAN_FAULT_FILE)) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO,
                           "%s: write failed: injected fault (CLGAN_FAULT file)", a->path);
        clgan_io_atomic_abort(a);
        return st;
    }
    if (!a->tmp) { /* straight through to a device or FIFO: nothing to sync or rename */
        if (close(a->fd))
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: close failed: %s", a->path,
                               strerror(errno));
        a->fd = -1;
        atomic_clear(a);
        return st;
    }
    if (fsync(a->fd)) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: fsync failed: %s", a->path,
                           strerror(errno));
        clgan_io_atomic_abort(a);
        return st;
    }
    int rc = close(a->fd);
    a->fd = -1;
    if (rc) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: close failed: %s", a->path,
                           strerror(errno));
        clgan_io_atomic_abort(a);
        return st;
    }
    if (rename(a->tmp, a->path)) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot rename %s into place: %s",
                           a->path, a->tmp, strerror(errno));
        clgan_io_atomic_abort(a);
        return st;
    }
    /* the rename itself is only durable once the folder's entry is on disk */
    char *dir = dir_of(a->path);
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dfd >= 0) {
        if (fsync(dfd) && errno != EINVAL && errno != ENOTSUP)
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: fsync of folder %s failed: %s",
                               a->path, dir, strerror(errno));
        close(dfd);
    }
    free(dir);
    atomic_clear(a);
    return st;
}

/* The writer's pid when name is "<something>.tmp.<pid>.<n>", else 0. */
static long tmp_writer(const char *name)
{
    const char *t = strstr(name, ".tmp.");
    if (!t || t == name)
        return 0;
    char *end;
    long pid = strtol(t + 5, &end, 10);
    if (pid <= 0 || *end != '.' || end[1] < '0' || end[1] > '9')
        return 0;
    strtoul(end + 1, &end, 10);
    return *end ? 0 : pid;
}

int clgan_io_atomic_sweep(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid = tmp_writer(e->d_name);
        /* kill(pid, 0) fails with ESRCH only when no such process exists */
        if (!pid || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char path[4096];
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < sizeof(path) &&
            unlink(path) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}

clgan_status clgan_io_write_file(const char *path, const void *data, size_t n, char *err,
                                 size_t err_len)
{
    struct clgan_io_atomic a;
    clgan_status st = clgan_io_atomic_open(&a, path, err, err_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    if ((st = clgan_io_atomic_write(&a, data, n, err, err_len)) != CLGAN_STATUS_OK)
        return st;
    return clgan_io_atomic_commit(&a, err, err_len);
}

/* ---------------------------------------------------------------- folder locks */

clgan_status clgan_io_lock_dir(const char *dir, int *fd, char *err, size_t err_len)
{
    *fd = -1;
    size_t n = strlen(dir) + sizeof("/" CLGAN_IO_LOCK_NAME);
    char *path = malloc(n);
    if (!path)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of memory",
                             dir);
    snprintf(path, n, "%s/" CLGAN_IO_LOCK_NAME, dir);
    clgan_status st = CLGAN_STATUS_OK;
    /* O_NONBLOCK: a FIFO planted under the name must not hang the open */
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    struct stat sb;
    if (f < 0) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot open the lock file: %s", path,
                           strerror(errno));
        goto out;
    }
    if (fstat(f, &sb) || !S_ISREG(sb.st_mode)) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: the lock file is not a regular file",
                           path);
        goto out;
    }
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(f, F_SETLK, &lk) != 0) {
        int e = errno;
        long holder = 0;
        struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fcntl(f, F_GETLK, &q) == 0 && q.l_type != F_UNLCK)
            holder = (long)q.l_pid;
        if (!holder) { /* the PID the holder wrote */
            char buf[32] = "";
            ssize_t r = pread(f, buf, sizeof(buf) - 1, 0);
            holder = r > 0 ? strtol(buf, NULL, 10) : 0;
        }
        if (e == EACCES || e == EAGAIN) {
            if (holder > 0)
                st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO,
                                   "%s: folder is in use by another run (PID %ld)", dir, holder);
            else
                st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO,
                                   "%s: folder is in use by another run", dir);
        } else {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot lock: %s", path,
                               strerror(e));
        }
        goto out;
    }
    char pid[32];
    int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    /* the PID is for people and for file systems without lock owners; the lock is the fcntl
     * one, released by the kernel however the process ends */
    if (ftruncate(f, 0) == 0) {
        ssize_t w = pwrite(f, pid, (size_t)len, 0);
        (void)w; /* a lock without the PID written is still a lock */
    }
    *fd = f;
    f = -1;
out:
    if (f >= 0)
        close(f);
    free(path);
    return st;
}

void clgan_io_unlock_dir(int fd)
{
    if (fd >= 0)
        close(fd); /* closing releases the fcntl lock */
}

clgan_status clgan_io_open_log(const char *path, int *fd_out, int *through_out, char *err,
                               size_t err_len)
{
    struct stat sb;
    int through = stat(path, &sb) == 0 && (S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode));
    int fd = through ? open(path, O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
                     : open(path, O_RDWR | O_CREAT | O_APPEND | O_NONBLOCK | O_CLOEXEC, 0666);
    if (fd < 0)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot open: %s", path,
                             errno == ENXIO ? "a FIFO without a reader" : strerror(errno));
    if (fstat(fd, &sb) ||
        (through ? !S_ISCHR(sb.st_mode) && !S_ISFIFO(sb.st_mode) : !S_ISREG(sb.st_mode))) {
        close(fd);
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO,
                             "%s: not a regular file, terminal or FIFO; not writing", path);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    *fd_out = fd;
    *through_out = through;
    return CLGAN_STATUS_OK;
}
