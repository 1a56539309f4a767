/*
 * fuzz_csv.c - CSV tables from memory (data/csv.h).
 *
 * Input: an optional class column name ended by a NUL byte within the first 64 bytes, then the
 * CSV text; without such a NUL the whole input is the text and the class is the last column. A
 * table that parses must hold what csv.h promises: at least one row and feature, at least two
 * classes, every class used, finite features, distinct names, classes in the documented order.
 */
#include <math.h>
#include <string.h>

#include "data/csv.h"
#include "fuzz.h"

/* csv.h's idea of a number: strtod takes it all, blanks aside, and it is finite. */
static int is_number(const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    if (end == s)
        return 0;
    while (*end == ' ' || *end == '\t')
        end++;
    return !*end && isfinite(*v);
}

static void check_table(const struct clgan_table *t, const char *cls)
{
    FUZZ_CHECK(t->n > 0 && t->d > 0 && t->x && t->y, "n %zu d %zu", t->n, t->d);
    FUZZ_CHECK(t->n_classes >= 2 && (size_t)t->n_classes <= t->n, "%d classes over %zu rows",
               t->n_classes, t->n);
    FUZZ_CHECK(t->class_column && t->class_names && t->feature_names, "names missing");
    if (cls && *cls)
        FUZZ_CHECK(!strcmp(t->class_column, cls), "class column '%s', asked for '%s'",
                   t->class_column, cls);
    for (size_t j = 0; j < t->d; j++) {
        FUZZ_CHECK(t->feature_names[j] && *t->feature_names[j], "feature %zu unnamed", j);
        FUZZ_CHECK(strcmp(t->feature_names[j], t->class_column), "feature %zu is the class", j);
        for (size_t k = 0; k < j; k++)
            FUZZ_CHECK(strcmp(t->feature_names[j], t->feature_names[k]),
                       "features %zu and %zu share a name", k, j);
    }
    for (size_t i = 0; i < t->n * t->d; i++)
        FUZZ_CHECK(isfinite(t->x[i]), "x[%zu] = %g", i, t->x[i]);
    char *used = calloc((size_t)t->n_classes, 1);
    FUZZ_CHECK(used, "out of memory");
    for (size_t i = 0; i < t->n; i++) {
        FUZZ_CHECK(t->y[i] >= 0 && t->y[i] < t->n_classes, "y[%zu] = %d", i, (int)t->y[i]);
        used[t->y[i]] = 1;
    }
    for (int c = 0; c < t->n_classes; c++)
        FUZZ_CHECK(used[c], "class %d unused", c);
    free(used);
    /* numeric order when every label is a number (ties by string), else strcmp order */
    int numeric = 1;
    for (int c = 0; c < t->n_classes; c++) {
        double v;
        FUZZ_CHECK(t->class_names[c] && *t->class_names[c], "class %d unnamed", c);
        numeric &= is_number(t->class_names[c], &v);
    }
    for (int c = 1; c < t->n_classes; c++) {
        const char *a = t->class_names[c - 1], *b = t->class_names[c];
        double va, vb;
        int ordered = strcmp(a, b) < 0;
        if (numeric && is_number(a, &va) && is_number(b, &vb))
            ordered = va < vb || (va == vb && strcmp(a, b) < 0);
        FUZZ_CHECK(ordered, "classes '%s' and '%s' out of order (%s)", a, b,
                   numeric ? "numeric" : "strings");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char cls[64];
    const char *class_column = NULL;
    const uint8_t *nul = memchr(data, 0, size < sizeof(cls) ? size : sizeof(cls));
    if (nul) {
        size_t k = (size_t)(nul - data);
        memcpy(cls, data, k + 1);
        class_column = cls;
        data += k + 1;
        size -= k + 1;
    }
    struct clgan_table t;
    char err[256] = "";
    clgan_status st = clgan_data_csv_read_mem((const char *)data, size, "fuzz.csv", class_column,
                                              &t, err, sizeof(err));
    if (st == CLGAN_STATUS_OK) {
        check_table(&t, class_column);
    } else {
        FUZZ_CHECK(st == CLGAN_STATUS_CORRUPT_FILE || st == CLGAN_STATUS_OUT_OF_HOST_MEMORY ||
                       (st == CLGAN_STATUS_INVALID_ARGUMENT && class_column && *class_column),
                   "status %s: %s", clgan_status_str(st), err);
        FUZZ_CHECK(err[0], "no message for %s", clgan_status_str(st));
        FUZZ_CHECK(!t.x && !t.y && !t.class_names && !t.feature_names && !t.n,
                   "table not cleared on failure");
    }
    clgan_data_table_free(&t);
    return 0;
}
