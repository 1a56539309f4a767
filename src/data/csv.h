/*
 * csv.h - CSV tables for classifiers: a header row, numeric feature columns and one class
 * column.
 *
 * Format: fields separated by ','; lines end in \n or \r\n; a UTF-8 byte order mark is skipped;
 * blank lines are skipped; spaces and tabs around a field are trimmed; a field may be quoted
 * with double quotes ("" inside stands for one quote; a quoted field cannot span lines).
 * Feature cells must be finite numbers (strtod, C locale). Classes are the distinct strings of
 * the class column, numbered in sorted order: numerically when every label is a number (ties
 * by string), otherwise by strcmp. Errors name the file, line and column: empty or non-numeric
 * cells, rows with a different number of fields than the header, duplicate or empty column
 * names, an empty file, no data rows, no feature column, a single class.
 */
#ifndef CLGAN_DATA_CSV_H
#define CLGAN_DATA_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "clgan.h"

/* A table read from CSV. Zero-initialise; release with clgan_data_table_free. */
struct clgan_table {
    size_t n;   /* rows */
    size_t d;   /* features */
    double *x;  /* n x d, row-major, columns in file order (class column removed) */
    int32_t *y; /* n class indices in [0, n_classes) */
    int n_classes;
    char **class_names;   /* n_classes labels, in class order */
    char **feature_names; /* d column names */
    char *class_column;   /* name of the class column */
};

/*
 * Read path. class_column names the class column (NULL or "": the last column). CORRUPT_FILE
 * for malformed content, INVALID_ARGUMENT when class_column is not a column (the message lists
 * them), IO when unreadable. Files over 1 GiB are refused.
 */
clgan_status clgan_data_csv_read(const char *path, const char *class_column,
                                 struct clgan_table *out, char *err, size_t err_len);

/* Flags of clgan_data_csv_read_flags. */
enum {
    /* A class_column missing from the header is no error: every column is a feature, class_column
     * is NULL, y is NULL and n_classes 0 (reading rows to classify). */
    CLGAN_CSV_CLASS_OPTIONAL = 1,
    /* Accept a class column that holds a single class (rows to check a trained model on). */
    CLGAN_CSV_ONE_CLASS = 2,
};

/* clgan_data_csv_read with flags (0 is clgan_data_csv_read). */
clgan_status clgan_data_csv_read_flags(const char *path, const char *class_column, int flags,
                                       struct clgan_table *out, char *err, size_t err_len);

/* The same from memory: data holds a whole file (len bytes, not modified; no NUL needed after
 * it), name is used in messages (NULL: "(memory)"). */
clgan_status clgan_data_csv_read_mem(const char *data, size_t len, const char *name,
                                     const char *class_column, struct clgan_table *out, char *err,
                                     size_t err_len);

/* Free the arrays and zero the struct. NULL does nothing. */
void clgan_data_table_free(struct clgan_table *t);

#endif /* CLGAN_DATA_CSV_H */
