/* confusion.h - the confusion matrix, accuracy, precision and recall as `clgan mlp` and
 * `clgan classify` print them. */
#ifndef CLGAN_CLI_CONFUSION_H
#define CLGAN_CLI_CONFUSION_H

/*
 * The confusion matrix as R prints table(targets, predictions), classes numbered from 1 and a
 * column 0 for unclassified rows when there are any (RSNNS's encoding); then accuracy and
 * per-class precision and recall. conf: k rows (targets) of k + 1 counts (the last:
 * unclassified); names: k class names.
 */
void clgan_cli_print_confusion(const int *conf, int k, const char *const *names);

#endif /* CLGAN_CLI_CONFUSION_H */
