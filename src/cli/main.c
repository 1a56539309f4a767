/*
 * main.c - the clgan command: dispatch to one file per subcommand.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"devices", clgan_cli_devices, "list OpenCL platforms and devices"},
    {"train", clgan_cli_train,
     "train a DCGAN (a preset at any size, or an architecture file) and write samples, logs, "
     "checkpoints"},
    {"arch", clgan_cli_arch,
     "print a preset's architecture as an editable JSON file, or check one"},
    {"sample", clgan_cli_sample, "draw samples from a trained generator"},
    {"augment", clgan_cli_augment, "write a labelled data set drawn from a conditional generator"},
    {"mlp", clgan_cli_mlp, "train an MLP classifier on a CSV table (SNNS Quickprop), or predict"},
    {"classify", clgan_cli_classify,
     "train a CNN or MLP classifier on labelled images, or predict"},
    {"eval", clgan_cli_eval,
     "judge a generator with a classifier: FD of its features, score, classes, conditional "
     "accuracy"},
    {"check", clgan_cli_check, "check every op on each device against the plain-C reference"},
    {"bench", clgan_cli_bench, "time GAN training steps per device, with a per-kernel profile"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: clgan COMMAND [OPTIONS]   (clgan COMMAND --help or clgan help COMMAND for "
               "its options;\n                                  clgan --version)\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(f,
            "\nenvironment:\n"
            "  CLGAN_DEVICE         default device SPEC (auto, index, P:D, gpu/dgpu/igpu/cpu/"
            "accel, or part of a name)\n"
            "  CLGAN_KERNEL_DIR     read kernels from this folder instead of the built-in "
            "copies\n"
            "  CLGAN_CACHE_DIR      program binary and GEMM-choice cache ('off' disables; "
            "default $XDG_CACHE_HOME/clgan or ~/.cache/clgan)\n"
            "  CLGAN_CLBLAST_TUNING CLBlast tuner result files (JSON), ':'-separated, applied "
            "to their device\n"
            "  CLGAN_BUILD_OPTIONS  extra OpenCL compiler options\n"
            "  CLGAN_LOG            debug | info | warn | error\n"
            "  CLGAN_FAULT          test-only fault injection, e.g. alloc:3,file:1\n"
            "  COLUMNS              width of the progress line on a terminal (default: the "
            "terminal's)\n\n"
            "Paths may start with ~ (also after the scheme of a data spec: folder:~/imgs); -- "
            "ends the options.\n\n%s\n",
            CLGAN_CLI_EXIT_CODES);
}

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* "unknown command 'x'", with the closest command when one is close. */
static int unknown_command(const char *name)
{
    const char *names[N_COMMANDS + 1];
    for (size_t i = 0; i < N_COMMANDS; i++)
        names[i] = commands[i].name;
    names[N_COMMANDS] = "help";
    const char *near = clgan_opts_closest(name, names, (int)N_COMMANDS + 1);
    if (near)
        clgan_cli_error("unknown command '%s' (did you mean %s?)", name, near);
    else
        clgan_cli_error("unknown command '%s' (try clgan --help)", name);
    return 2;
}

/* A closed standard descriptor gets /dev/null opened read-only in its place: otherwise the
 * next file opened (a checkpoint, a PNG) would take descriptor 1 or 2 and receive clgan's
 * messages; read-only, writes to it fail and are reported, not lost silently. */
static void keep_std_fds(void)
{
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        int n = open("/dev/null", O_RDONLY);
        if (n >= 0 && n != fd) {
            dup2(n, fd);
            close(n);
        }
    }
}

/* Output that could not be written is an error (a full disk, a closed stdout): rc, or 1. */
static int check_stdout(int rc)
{
    errno = 0;
    int failed = fflush(stdout) != 0 || ferror(stdout);
    if (!failed)
        return rc;
    fprintf(stderr, "clgan: error: cannot write to standard output: %s\n",
            errno ? strerror(errno) : "write error");
    return rc ? rc : 1;
}

int main(int argc, char **argv)
{
    keep_std_fds();
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        (!strcmp(argv[1], "help") && argc == 2)) {
        usage(stdout);
        return check_stdout(0);
    }
    if (!strcmp(argv[1], "--version")) {
        clgan_opts_version();
        return check_stdout(0);
    }
    /* clgan help COMMAND: that command's --help */
    char help_opt[] = "--help";
    char *help_argv[] = {argc > 2 ? argv[2] : NULL, help_opt, NULL};
    if (!strcmp(argv[1], "help") && argc > 3)
        return clgan_cli_error("help: one command at a time (clgan help COMMAND)"), 2;
    int is_help = !strcmp(argv[1], "help");
    const char *name = is_help ? argv[2] : argv[1];
    if (name[0] == '-') {
        const char *top[] = {"--help", "--version"};
        const char *near = clgan_opts_closest(name, top, 2);
        if (near)
            clgan_cli_error("unknown option '%s' (did you mean %s?)", name, near);
        else
            clgan_cli_error("unknown option '%s': options go after the command (clgan COMMAND "
                            "%s ...)",
                            name, name);
        return 2;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(name, commands[i].name))
            return check_stdout(is_help ? commands[i].fn(2, help_argv)
                                        : commands[i].fn(argc - 1, argv + 1));
    return unknown_command(name);
}
