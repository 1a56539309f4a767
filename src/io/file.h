/*
 * file.h - file helpers shared by data/ and io/: one-line error messages, whole-file reads, a
 * growing text/byte buffer, and atomic writes.
 *
 * Errors. Code here has no clgan_ctx, so every function that can fail takes `char *err, size_t
 * err_len` (err may be NULL) and writes one line there that names the file and what is wrong,
 * e.g. "data/x.idx: truncated: header says 60000 images of 28x28 but file has 1234 bytes of data".
 *
 * Atomic writes. A file is written to "<path>.tmp.<pid>.<n>" in the same folder, flushed to disk
 * (fsync), renamed over <path>, and the folder is fsynced, so <path> always holds either the old
 * or the complete new content, never a partial file. Every failure removes the temporary file
 * and reports the path and strerror. Each file written counts one CLGAN_FAULT "file" event
 * (runtime/fault.h) at commit; a hit fails that write as a real I/O error would.
 */
#ifndef CLGAN_IO_FILE_H
#define CLGAN_IO_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "clgan.h"

/* Format one line into err (if not NULL); returns st so callers can `return clgan_io_fail(...)`. */
clgan_status clgan_io_fail(char *err, size_t err_len, clgan_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Open path for reading ("rb") after checking, on the open descriptor, that it is a regular
 * file: a FIFO, device or folder is refused naming the path and what it is, never waited on.
 * Every file clgan reads is opened this way.
 */
clgan_status clgan_io_open_read(const char *path, FILE **out, char *err, size_t err_len);

/*
 * Open a log for appending: a terminal, character device or FIFO with a reader is written
 * straight through (*through = 1), anything else must be a regular file (created when missing,
 * opened read-write so that its end can be checked). Non-blocking opens, so a FIFO without a
 * reader is refused, never waited on; the descriptor is blocking again when returned. IO with a
 * message naming the path otherwise.
 */
clgan_status clgan_io_open_log(const char *path, int *fd, int *through, char *err, size_t err_len);

/*
 * Read a whole file into a malloc'ed buffer (*data, free() it) with a NUL byte after the last
 * byte (not counted in *len). Files larger than max bytes are refused (CORRUPT_FILE with both
 * sizes). IO when the file cannot be opened or read.
 */
clgan_status clgan_io_read_file(const char *path, size_t max, char **data, size_t *len, char *err,
                                size_t err_len);

/* A growing byte buffer. Zero-initialise; append functions set failed on out-of-memory (and then
 * do nothing), so a sequence of appends needs one check at the end. */
struct clgan_io_buf {
    char *data;
    size_t len, cap;
    int failed;
};
void clgan_io_buf_append(struct clgan_io_buf *b, const void *data, size_t n);
void clgan_io_buf_printf(struct clgan_io_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append s with XML escapes for & < > " ' (for SVG text and attributes). */
void clgan_io_buf_xml(struct clgan_io_buf *b, const char *s);
void clgan_io_buf_free(struct clgan_io_buf *b);

/* An atomic write in progress (see the top of this file). */
struct clgan_io_atomic {
    int fd;     /* -1 when not open */
    char *path; /* final path (a symbolic link's target) */
    char *tmp;  /* temporary path; NULL when writing straight through */
};

/*
 * Create the temporary file next to path. On failure nothing is left behind. What is at path
 * decides how: nothing or a regular file, a temporary file renamed over it (for a symbolic link,
 * over its target, in the target's folder, the link kept); a character device (/dev/null,
 * /dev/stdout on a terminal) or a FIFO (a pipe, /dev/stdout into one), written straight through,
 * a FIFO without a reader refused; anything else (a folder, a block device, a socket) refused.
 */
clgan_status clgan_io_atomic_open(struct clgan_io_atomic *a, const char *path, char *err,
                                  size_t err_len);
/* Append n bytes. On failure the temporary file is removed (abort is still allowed). */
clgan_status clgan_io_atomic_write(struct clgan_io_atomic *a, const void *data, size_t n, char *err,
                                   size_t err_len);
/* fsync, close, rename into place, fsync the folder. On failure the temporary file is removed
 * and path keeps its previous content. */
clgan_status clgan_io_atomic_commit(struct clgan_io_atomic *a, char *err, size_t err_len);
/* Drop an unfinished write (removes the temporary file). Safe to call more than once. */
void clgan_io_atomic_abort(struct clgan_io_atomic *a);

/* Remove the temporary files ("<name>.tmp.<pid>.<n>") in dir whose writer no longer runs: a
 * process killed between open and commit leaves its temporary file behind, never a partial
 * <name>. Files of processes still running are left alone; errors are ignored (a leftover file
 * only wastes space). Returns how many were removed. */
int clgan_io_atomic_sweep(const char *dir);

/* Write n bytes to path atomically (open, write, commit). */
clgan_status clgan_io_write_file(const char *path, const void *data, size_t n, char *err,
                                 size_t err_len);

/*
 * Folder locks. One run per folder: an exclusive fcntl lock on "<dir>/.clgan-lock", which holds
 * the owner's PID, kept for the run's lifetime (the kernel drops it however the process ends).
 * clgan_io_lock_dir returns IO naming the holder's PID when another process holds it; *fd is
 * the descriptor to pass to clgan_io_unlock_dir (-1 on failure).
 */
#define CLGAN_IO_LOCK_NAME ".clgan-lock"
clgan_status clgan_io_lock_dir(const char *dir, int *fd, char *err, size_t err_len);
void clgan_io_unlock_dir(int fd);

#endif /* CLGAN_IO_FILE_H */
