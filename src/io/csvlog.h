/*
 * csvlog.h - an appending CSV log (metrics.csv): a header row written once, then one row per
 * call, flushed as it is written so that a crash loses at most the row in progress.
 *
 * Opening an existing non-empty file checks that its first line is the same header (so a resumed
 * run does not mix columns) and drops a partial last line left by a crash. Each write (the
 * header, each row) counts one CLGAN_FAULT "file" event (runtime/fault.h); a hit fails that
 * write as a real write error would, writing nothing.
 */
#ifndef CLGAN_IO_CSVLOG_H
#define CLGAN_IO_CSVLOG_H

#include <stddef.h>

#include "clgan.h"

typedef struct clgan_csvlog clgan_csvlog;

/*
 * Open path for appending; header is the column list without newline ("step,loss_d,loss_g").
 * INVALID_ARGUMENT when an existing file has a different header, IO when it cannot be opened.
 */
clgan_status clgan_io_csvlog_open(const char *path, const char *header, clgan_csvlog **out,
                                  char *err, size_t err_len);
/* Append one row of n values (n must equal the header's column count), printed with %.9g. */
clgan_status clgan_io_csvlog_values(clgan_csvlog *log, const double *values, int n, char *err,
                                    size_t err_len);
/* Append one preformatted row (no newline; the caller keeps it consistent with the header). */
clgan_status clgan_io_csvlog_row(clgan_csvlog *log, const char *row, char *err, size_t err_len);
/* Close; reports a failure of the final flush. NULL does nothing. */
clgan_status clgan_io_csvlog_close(clgan_csvlog *log, char *err, size_t err_len);

#endif /* CLGAN_IO_CSVLOG_H */
