/*
 * classify_data.c - the data sets of the image classifiers: a spec as the flags --data, --test
 * and --extra take it (the data layer's forms, a folder DIR of IDX files, idx:FILE with the
 * labels file beside it), its training or test split through the data layer, labels required.
 */
#include <stdio.h>
#include <stdlib.h>
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
    const char *pre = what ? what : "", *sep = what ? ": " : "";
    memset(out, 0, sizeof(*out));
    if (!spec || !*spec)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s%sempty data set spec; use " SPEC_FORMS, pre, sep);
    if (!data_spec(spec)) {
        if (!is_dir(spec))
            return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                                 "%s%s'%s' is not a data set; use " SPEC_FORMS, pre, sep, spec);
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
        return clgan_io_fail(err, err_len, st, "%s%s%s%s", pre, sep, msg,
                             what && test && !has_test
                                 ? "; give the test set with --test SPEC (or --test none)"
                                 : "");
    if (!out->labels && !unlabelled_ok) {
        clgan_data_free(out);
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s%s%s has no labels (%s)", pre, sep, spec,
                             idx ? "name it *images-idx3* beside its *labels-idx1* file"
                                 : "a classifier needs labelled images");
    }
    return CLGAN_STATUS_OK;
}

clgan_status clgan_image_set_load(const char *spec, int test, int channels, int size, long long max,
                                  struct clgan_image_set *out, char *msg, size_t msg_len)
{
    struct clgan_dataset ds;
    memset(out, 0, sizeof(*out));
    if ((channels != 1 && channels != 3) || size < 0 || size > 65536 || max < 0)
        return clgan_io_fail(msg, msg_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "image set: channels %d, size %d, max %lld: need 1 or 3 channels, "
                             "size and max >= 0",
                             channels, size, max);
    clgan_status st = clgan_cls_load(spec, test ? 1 : 0, 1, channels, size ? size : 28, max, NULL,
                                     &ds, msg, msg_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    out->n = ds.count;
    out->channels = ds.channels;
    out->height = ds.height;
    out->width = ds.width;
    out->pixels = ds.pixels;
    out->labels = ds.labels;
    out->classes = ds.n_classes;
    out->class_names = ds.class_names;
    return CLGAN_STATUS_OK; /* the arrays are the caller's now: ds is not freed */
}

void clgan_image_set_free(struct clgan_image_set *s)
{
    if (!s)
        return;
    free(s->pixels);
    free(s->labels);
    clgan_data_free_names(s->class_names, s->classes);
    memset(s, 0, sizeof(*s));
}
