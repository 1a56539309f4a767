/*
 * fault.h - test-only fault injection, compiled into every build. CLGAN_FAULT holds a list such
 * as "alloc:3,build:1": the 3rd device allocation and the 1st kernel build of the process fail.
 * Kinds: alloc, build, read, write (device transfers), file (file writes), and crash: the N-th
 * kernel build with CLGAN_BUILD_OPTIONS set raises SIGSEGV inside the driver call, as a driver
 * that crashes on an option does.
 */
#ifndef CLGAN_FAULT_H
#define CLGAN_FAULT_H

enum clgan_fault_kind {
    CLGAN_FAULT_ALLOC = 0,
    CLGAN_FAULT_BUILD,
    CLGAN_FAULT_READ,
    CLGAN_FAULT_WRITE,
    CLGAN_FAULT_FILE,
    CLGAN_FAULT_CRASH,
    CLGAN_FAULT_N_KINDS
};

/* Count one event of this kind; true when it is the one CLGAN_FAULT asks to fail. */
int clgan_fault_hit(enum clgan_fault_kind kind);

/* Replace the faults CLGAN_FAULT asked for by list (same syntax; NULL: none) and restart the
 * counts: for test programs, which cannot change the environment once it has been read. */
void clgan_fault_set(const char *list);

#endif /* CLGAN_FAULT_H */
