/* confusion.c - the confusion matrix layout shared by `clgan mlp` and `clgan classify`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/confusion.h"

void clgan_cli_print_confusion(const int *conf, int k, const char *const *names)
{
    int unc = 0, total = 0, right = 0;
    for (int r = 0; r < k; r++) {
        unc += conf[r * (k + 1) + k];
        right += conf[r * (k + 1) + r];
        for (int c = 0; c <= k; c++)
            total += conf[r * (k + 1) + c];
    }
    printf("classes:");
    for (int c = 0; c < k; c++)
        printf(" %d %s%s", c + 1, names[c], c + 1 < k ? "," : "\n");
    /* columns in R's order: 0 (unclassified) first, then 1..k; one width for every cell, as
     * R prints an integer table */
    int *cols = malloc((size_t)(k + 1) * sizeof(int)), nc = 0;
    if (!cols)
        return;
    if (unc)
        cols[nc++] = k;
    for (int c = 0; c < k; c++)
        cols[nc++] = c;
    char s[32];
    int w = snprintf(s, sizeof(s), "%d", k);
    for (int i = 0; i < k * (k + 1); i++) {
        int v = snprintf(s, sizeof(s), "%d", conf[i]);
        w = v > w ? v : w;
    }
    int rw = 7; /* "targets" */
    printf("%*s predictions\n", rw - 1, "");
    printf("targets");
    for (int j = 0; j < nc; j++)
        printf(" %*d", w, cols[j] == k ? 0 : cols[j] + 1);
    printf("\n");
    for (int r = 0; r < k; r++) {
        printf("%*d", rw, r + 1);
        for (int j = 0; j < nc; j++)
            printf(" %*d", w, conf[r * (k + 1) + cols[j]]);
        printf("\n");
    }
    free(cols);
    printf("\naccuracy %.4f (%d of %d", total ? (double)right / total : 0.0, right, total);
    if (unc)
        printf(", %d unclassified", unc);
    printf(")\n");
    int nw = 5;
    for (int c = 0; c < k; c++) {
        int l = (int)strlen(names[c]) + 2 + (c + 1 >= 10) + (c + 1 >= 100);
        nw = l > nw ? l : nw;
    }
    nw = nw > 40 ? 40 : nw;
    printf("%-*s  precision  recall\n", nw, "class");
    for (int c = 0; c < k; c++) {
        int tp = conf[c * (k + 1) + c], pred = 0, tgt = 0;
        for (int r = 0; r < k; r++)
            pred += conf[r * (k + 1) + c];
        for (int q = 0; q <= k; q++)
            tgt += conf[c * (k + 1) + q];
        char label[64], p[16] = "-", rc[16] = "-";
        snprintf(label, sizeof(label), "%d %s", c + 1, names[c]);
        if (pred)
            snprintf(p, sizeof(p), "%.4f", (double)tp / pred);
        if (tgt)
            snprintf(rc, sizeof(rc), "%.4f", (double)tp / tgt);
        printf("%-*.*s  %9s  %6s\n", nw, nw, label, p, rc);
    }
}
