/*
 * csv.c - CSV reader for classifier tables (see csv.h).
 *
 * The file is read whole and parsed in place: each line is cut at its end, each field is
 * unquoted and trimmed within its own bytes and NUL-terminated, so fields are pointers into
 * the buffer and class labels stay valid until the classes are numbered.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"
#include "io/file.h"

#define CSV_MAX_BYTES (1ull << 30)

struct fields {
    char **v;
    size_t n, cap;
};

static int push(struct fields *f, char *s)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        char **nv = realloc(f->v, cap * sizeof(*nv));
        if (!nv)
            return 0;
        f->v = nv;
        f->cap = cap;
    }
    f->v[f->n++] = s;
    return 1;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Split one NUL-terminated line into fields (in place). */
static clgan_status split(char *s, struct fields *f, const char *path, size_t line, char *err,
                          size_t err_len)
{
    f->n = 0;
    for (;;) {
        while (is_blank(*s))
            s++;
        char *start = s, *next;
        int last;
        if (*s == '"') {
            char *r = s + 1, *w = s;
            for (;;) {
                if (!*r)
                    return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                                         "%s:%zu: column %zu: unterminated quoted field", path,
                                         line, f->n + 1);
                if (*r == '"') {
                    if (r[1] != '"') {
                        r++;
                        break;
                    }
                    r++;
                }
                *w++ = *r++;
            }
            while (is_blank(*r))
                r++;
            if (*r != ',' && *r)
                return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                                     "%s:%zu: column %zu: unexpected '%c' after a closing quote",
                                     path, line, f->n + 1, *r);
            last = !*r;
            next = r + 1;
            *w = 0;
        } else {
            char *comma = strchr(s, ',');
            char *end = comma ? comma : s + strlen(s);
            last = !comma;
            next = end + 1;
            while (end > start && is_blank(end[-1]))
                end--;
            *end = 0;
        }
        if (!push(f, start))
            return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                                 "%s:%zu: out of memory", path, line);
        if (last)
            return CLGAN_STATUS_OK;
        s = next;
    }
}

/* Next line of buf starting at *pos, cut in place (\n or \r\n); NULL at the end. */
static char *next_line(char *buf, size_t len, size_t *pos, size_t *line_len)
{
    if (*pos >= len)
        return NULL;
    char *s = buf + *pos;
    char *nl = memchr(s, '\n', len - *pos);
    size_t n = nl ? (size_t)(nl - s) : len - *pos;
    *pos += n + (nl ? 1 : 0);
    if (n && s[n - 1] == '\r')
        n--;
    s[n] = 0;
    *line_len = n;
    return s;
}

static int parse_number(const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    if (end == s)
        return 0;
    /* a quoted cell keeps its spaces; they do not make a number invalid */
    while (is_blank(*end))
        end++;
    return !*end && isfinite(*v);
}

struct label_ref {
    const char *s;
    double v;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_num(const void *a, const void *b)
{
    const struct label_ref *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return strcmp(x->s, y->s);
}

struct named {
    const char *s;
    size_t i;
};

static int cmp_named(const void *a, const void *b)
{
    const struct named *x = a, *y = b;
    int c = strcmp(x->s, y->s);
    if (c)
        return c;
    return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * The first name (in order) equal to an earlier one: 1 with *b its index and *a that of its
 * first occurrence, 0 when all differ, -1 out of memory. Sorted, not compared pairwise: a
 * header of a few hundred kilobytes made that take seconds, a few megabytes hours.
 */
static int first_duplicate(char *const *names, size_t n, size_t *a, size_t *b)
{
    struct named *v = malloc((n ? n : 1) * sizeof(*v));
    if (!v)
        return -1;
    for (size_t i = 0; i < n; i++)
        v[i] = (struct named){names[i], i};
    qsort(v, n, sizeof(*v), cmp_named);
    int found = 0;
    /* in each run of equal names, sorted by index, the first two are the candidates */
    for (size_t k = 1; k < n; k++)
        if (!strcmp(v[k - 1].s, v[k].s) && (k < 2 || strcmp(v[k - 2].s, v[k].s)) &&
            (!found || v[k].i < *b)) {
            *a = v[k - 1].i;
            *b = v[k].i;
            found = 1;
        }
    free(v);
    return found;
}

void clgan_data_table_free(struct clgan_table *t)
{
    if (!t)
        return;
    for (int i = 0; t->class_names && i < t->n_classes; i++)
        free(t->class_names[i]);
    for (size_t i = 0; t->feature_names && i < t->d; i++)
        free(t->feature_names[i]);
    free(t->class_names);
    free(t->feature_names);
    free(t->class_column);
    free(t->x);
    free(t->y);
    memset(t, 0, sizeof(*t));
}

/* Number the distinct labels (see csv.h) and fill t->y and t->class_names. */
static clgan_status number_classes(struct clgan_table *t, char **labels, size_t min_classes,
                                   const char *path, char *err, size_t err_len)
{
    clgan_status st = CLGAN_STATUS_OK;
    size_t n = t->n, k = 0;
    char **uniq = malloc(n * sizeof(*uniq));
    struct label_ref *order = malloc(n * sizeof(*order));
    size_t *rank = malloc(n * sizeof(*rank));
    if (!uniq || !order || !rank)
        goto oom;
    memcpy(uniq, labels, n * sizeof(*uniq));
    qsort(uniq, n, sizeof(*uniq), cmp_str);
    for (size_t i = 0; i < n; i++)
        if (k == 0 || strcmp(uniq[k - 1], uniq[i]))
            uniq[k++] = uniq[i];
    if (k < min_classes) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                           "%s: class column '%s' has a single class '%.64s'; a classifier needs "
                           "at least 2",
                           path, t->class_column, uniq[0]);
        goto out;
    }
    int numeric = 1;
    for (size_t j = 0; j < k; j++) {
        order[j].s = uniq[j];
        if (!parse_number(uniq[j], &order[j].v))
            numeric = 0;
    }
    if (numeric)
        qsort(order, k, sizeof(*order), cmp_num);
    /* rank[j]: class index of uniq[j] */
    for (size_t c = 0; c < k; c++) {
        char **hit = bsearch(&order[c].s, uniq, k, sizeof(*uniq), cmp_str);
        rank[hit - uniq] = c;
    }
    t->class_names = calloc(k, sizeof(char *));
    if (!t->class_names)
        goto oom;
    t->n_classes = (int)k;
    for (size_t c = 0; c < k; c++)
        if (!(t->class_names[c] = strdup(order[c].s)))
            goto oom;
    for (size_t i = 0; i < n; i++) {
        char **hit = bsearch(&labels[i], uniq, k, sizeof(*uniq), cmp_str);
        t->y[i] = (int32_t)rank[hit - uniq];
    }
    goto out;
oom:
    st = clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                       "%s: out of memory numbering classes", path);
out:
    free(uniq);
    free(order);
    free(rank);
    return st;
}

/*
 * Parse buf (len bytes followed by a NUL byte, modified in place; the caller frees it) into out,
 * which is zeroed first and freed on failure.
 */
static clgan_status parse(char *buf, size_t len, const char *path, const char *class_column,
                          int flags, struct clgan_table *out, char *err, size_t err_len)
{
    clgan_status st = CLGAN_STATUS_OK;
    memset(out, 0, sizeof(*out));
    struct fields f = {0};
    char **labels = NULL;
    size_t pos = 0, line = 0, ll, ncols = 0, cls = 0, cap = 0;
    char *s;
    if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
        pos = 3;

    /* header: the first non-blank line */
    for (;;) {
        s = next_line(buf, len, &pos, &ll);
        if (!s) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s: empty file (no header row)", path);
            goto out;
        }
        line++;
        if (s[strspn(s, " \t")])
            break;
    }
    if (strlen(s) != ll) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE, "%s:%zu: NUL byte in line",
                           path, line);
        goto out;
    }
    if ((st = split(s, &f, path, line, err, err_len)) != CLGAN_STATUS_OK)
        goto out;
    ncols = f.n;
    for (size_t c = 0; c < ncols; c++)
        if (!*f.v[c]) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s:%zu: column %zu: empty column name", path, line, c + 1);
            goto out;
        }
    size_t dup_a = 0, dup_b = 0;
    int dup = first_duplicate(f.v, ncols, &dup_a, &dup_b);
    if (dup < 0)
        goto oom;
    if (dup) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                           "%s:%zu: columns %zu and %zu are both named '%.64s'", path, line,
                           dup_a + 1, dup_b + 1, f.v[dup_b]);
        goto out;
    }
    if (class_column && *class_column) {
        for (cls = 0; cls < ncols && strcmp(f.v[cls], class_column); cls++)
            ;
        if (cls == ncols && !(flags & CLGAN_CSV_CLASS_OPTIONAL)) {
            char list[256] = "";
            size_t used = 0;
            for (size_t c = 0; c < ncols && used < sizeof(list); c++)
                used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", c ? ", " : "",
                                         f.v[c]);
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                               "%s: no class column '%s'; columns are: %s", path, class_column,
                               list);
            goto out;
        }
    } else {
        cls = ncols - 1;
    }
    if (cls < ncols && ncols < 2) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                           "%s:%zu: no feature columns, only the class column '%.64s'", path, line,
                           f.v[cls]);
        goto out;
    }
    /* cls == ncols: no class column (CLGAN_CSV_CLASS_OPTIONAL), every column is a feature */
    out->d = cls < ncols ? ncols - 1 : ncols;
    out->feature_names = calloc(out->d, sizeof(char *));
    out->class_column = cls < ncols ? strdup(f.v[cls]) : NULL;
    if (!out->feature_names || (cls < ncols && !out->class_column))
        goto oom;
    for (size_t c = 0, j = 0; c < ncols; c++)
        if (c != cls && !(out->feature_names[j++] = strdup(f.v[c])))
            goto oom;

    /* data rows */
    while ((s = next_line(buf, len, &pos, &ll))) {
        line++;
        if (!s[strspn(s, " \t")])
            continue;
        if (strlen(s) != ll) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE, "%s:%zu: NUL byte in line",
                               path, line);
            goto out;
        }
        if ((st = split(s, &f, path, line, err, err_len)) != CLGAN_STATUS_OK)
            goto out;
        if (f.n != ncols) {
            st =
                clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                              "%s:%zu: %zu fields, but the header has %zu", path, line, f.n, ncols);
            goto out;
        }
        if (out->n == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            double *nx = realloc(out->x, ncap * out->d * sizeof(double));
            if (nx)
                out->x = nx;
            char **nl = realloc(labels, ncap * sizeof(char *));
            if (nl)
                labels = nl;
            if (!nx || !nl)
                goto oom;
            cap = ncap;
        }
        double *row = out->x + out->n * out->d;
        for (size_t c = 0, j = 0; c < ncols; c++) {
            const char *cell = f.v[c];
            const char *name = c == cls ? out->class_column : out->feature_names[j];
            if (!*cell) {
                st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                                   "%s:%zu: column %zu (%.64s): empty %s", path, line, c + 1, name,
                                   c == cls ? "class label" : "cell");
                goto out;
            }
            if (c == cls)
                continue;
            if (!parse_number(cell, &row[j])) {
                st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                                   "%s:%zu: column %zu (%.64s): '%.40s' is not a finite number",
                                   path, line, c + 1, name, cell);
                goto out;
            }
            j++;
        }
        labels[out->n++] = cls < ncols ? f.v[cls] : NULL;
    }
    if (out->n == 0) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                           "%s: no data rows after the header", path);
        goto out;
    }
    if (cls == ncols)
        goto out;
    out->y = malloc(out->n * sizeof(*out->y));
    if (!out->y)
        goto oom;
    st = number_classes(out, labels, (flags & CLGAN_CSV_ONE_CLASS) ? 1 : 2, path, err, err_len);
    goto out;
oom:
    st = clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
out:
    if (st != CLGAN_STATUS_OK)
        clgan_data_table_free(out);
    free(labels);
    free(f.v);
    return st;
}

clgan_status clgan_data_csv_read(const char *path, const char *class_column,
                                 struct clgan_table *out, char *err, size_t err_len)
{
    return clgan_data_csv_read_flags(path, class_column, 0, out, err, err_len);
}

clgan_status clgan_data_csv_read_flags(const char *path, const char *class_column, int flags,
                                       struct clgan_table *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    char *buf = NULL;
    size_t len = 0;
    clgan_status st = clgan_io_read_file(path, CSV_MAX_BYTES, &buf, &len, err, err_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    st = parse(buf, len, path, class_column, flags, out, err, err_len);
    free(buf);
    return st;
}

clgan_status clgan_data_csv_read_mem(const char *data, size_t len, const char *name,
                                     const char *class_column, struct clgan_table *out, char *err,
                                     size_t err_len)
{
    memset(out, 0, sizeof(*out));
    if (!name)
        name = "(memory)";
    if (len > CSV_MAX_BYTES)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: %zu bytes, more than the %llu this reader accepts", name, len,
                             CSV_MAX_BYTES);
    /* parsed in place, with a NUL after the last byte as a file read gives */
    char *buf = malloc(len + 1);
    if (!buf)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                             "%s: out of memory for %zu bytes", name, len);
    if (len)
        memcpy(buf, data, len);
    buf[len] = 0;
    clgan_status st = parse(buf, len, name, class_column, 0, out, err, err_len);
    free(buf);
    return st;
}
