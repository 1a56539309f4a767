/*
 * jsonl.h - an appending JSON-lines log (one JSON value per line, as jq, pandas.read_json(lines=
 * True) and most log tools read them), flushed line by line so that a crash loses at most the
 * line in progress.
 *
 * A regular file is appended to after a partial last line left by a crash is cut off, so every
 * line stays a whole value; clgan_io_jsonl_truncate empties it for a new log. A terminal,
 * /dev/stdout or a FIFO with a reader is written straight through (a FIFO without one is
 * refused, never waited on). Each line written counts one CLGAN_FAULT "file" event
 * (runtime/fault.h); a hit fails that write as a real write error would, writing nothing.
 */
#ifndef CLGAN_IO_JSONL_H
#define CLGAN_IO_JSONL_H

#include <stddef.h>

#include "clgan.h"

typedef struct clgan_jsonl clgan_jsonl;

/* Open path for appending (created when missing). *size: the bytes of whole lines it holds (0
 * for a terminal or FIFO). IO naming the path when it cannot be opened or is another kind of
 * file. */
clgan_status clgan_io_jsonl_open(const char *path, clgan_jsonl **out, long long *size, char *err,
                                 size_t err_len);
/* Empty a regular file (a new log); nothing for a terminal or FIFO. */
clgan_status clgan_io_jsonl_truncate(clgan_jsonl *log, char *err, size_t err_len);
/* Append one line (a JSON text without newline) and flush. */
clgan_status clgan_io_jsonl_line(clgan_jsonl *log, const char *line, char *err, size_t err_len);
/* Close; reports a failure of the final flush. NULL does nothing. */
clgan_status clgan_io_jsonl_close(clgan_jsonl *log, char *err, size_t err_len);
/* The path it was opened with. */
const char *clgan_io_jsonl_path(const clgan_jsonl *log);

#endif /* CLGAN_IO_JSONL_H */
