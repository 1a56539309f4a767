/*
 * classify_data.c - the data sets of the image classifiers: a spec as the flags --data, --test
 * and --extra take it (the data layer's forms, a folder DIR of IDX files, idx:FILE with the
 * labels file beside it), its training or test split through the data layer, labels required.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "io/file.h"
#include "train/classify.h"

#define SPEC_FORMS "fashion-mnist, mnist:DIR, idx:FILE, folder:DIR or a folder DIR"

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* A spec of the data layer's forms (clgan_data_load). */
static int data_spec(const char *spec)
{
    return !strcmp(spec, "fashion-mnist") || (!strncmp(spec, "mnist:", 6) && spec[6]) ||
           (!strncmp(spec, "idx:", 4) && spec[4]) || !strncmp(spec, "folder:", 7);
}

clgan_status clgan_cls_load(const char *spec, int test, int unlabelled_ok, int channels, int size,
                            long long max, const char *what, struct clgan_dataset *out, char *err,
                            size_t err_len)
{
    char dir_spec[4200], labels[4096], msg[2048] = "";
    struct clgan_data_options o = {.max_images = max};
    memset(out, 0, sizeof(*out));
    if (!spec || !*spec)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: empty data set spec; use " SPEC_FORMS, what);
    if (!data_spec(spec)) {
        if (!is_dir(spec))
            return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                                 "%s: '%s' is not a data set; use " SPEC_FORMS, what, spec);
        snprintf(dir_spec, sizeof(dir_spec), "mnist:%s", spec);
        spec = dir_spec;
    }
    int idx = !strncmp(spec, "idx:", 4);
    if (idx && clgan_data_idx_labels_beside(spec + 4, labels, sizeof(labels)))
        o.labels = labels;
    /* test 1: the set's own test split; 2: that split where it has one, else the set itself */
    int has_test = clgan_data_has_test(spec);
    clgan_status st = test == 1 || (test == 2 && has_test)
                          ? clgan_data_load_test(spec, channels, &o, out, msg, sizeof(msg))
                          : clgan_data_load_opts(spec, channels, size, &o, out, msg, sizeof(msg));
    if (st == CLGAN_STATUS_IO && test == 2 && !has_test) {
        /* a named test set that is not there: name the test files it lacks, where it has a
         * test split (an IDX folder) */
        char alt[2048];
        if (clgan_data_load_test(spec, channels, &o, out, alt, sizeof(alt)) == CLGAN_STATUS_IO)
            memcpy(msg, alt, sizeof(msg));
        clgan_data_free(out);
    }
    if (st != CLGAN_STATUS_OK)
        return clgan_io_fail(
            err, err_len, st, "%s: %s%s", what, msg,
            test && !has_test ? "; give the test set with --test SPEC (or --test none)" : "");
    if (!out->labels && !unlabelled_ok) {
        clgan_data_free(out);
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: %s has no labels (%s)", what, spec,
                             idx ? "name it *images-idx3* beside its *labels-idx1* file"
                                 : "a classifier needs labelled images");
    }
    return CLGAN_STATUS_OK;
}
