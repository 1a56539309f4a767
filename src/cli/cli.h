/* cli.h - subcommands of the clgan command and their shared helpers. */
#ifndef CLGAN_CLI_H
#define CLGAN_CLI_H

#include "clgan.h"

int clgan_cli_devices(int argc, char **argv);

/* Print "clgan: error: <msg>" to stderr; returns the exit code to use (1). */
int clgan_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* CLGAN_CLI_H */
