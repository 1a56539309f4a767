#!/usr/bin/env bash
# Run a kernel test program under Oclgrind's checks (OpenCL API errors, data races, reads of
# uninitialised values, and its out-of-bounds checks, always on) and fail on any Oclgrind
# report, even when the test's own comparisons pass.
# usage: oclgrind_check.sh TEST_PROGRAM [its options]
# Under the `oclgrind` command the process sees Oclgrind as its only OpenCL platform.
set -u
log=$(mktemp /tmp/clgan-oclgrind.XXXXXX)
trap 'rm -f "$log"' EXIT
# the reduced case set (unless CLGAN_TEST_QUICK=0), and buffer handling Oclgrind's uninitialised-value tracker follows
# (runtime/ctx.c); clang's optimiser emits `freeze` for some index arithmetic, an instruction
# that tracker does not support, so kernels are built without optimisation
export CLGAN_TEST_QUICK=${CLGAN_TEST_QUICK:-1} CLGAN_OCLGRIND_CHECKS=1
export CLGAN_BUILD_OPTIONS="${CLGAN_BUILD_OPTIONS:+$CLGAN_BUILD_OPTIONS }-cl-opt-disable"
oclgrind --check-api --data-races --uninitialized --max-errors 20 "$@" 2>"$log"
rc=$?
cat "$log" >&2
# a diagnostic names the kernel and work-item on indented lines; API errors, fatal errors and
# compiler diagnostics have their own forms
reports=$(grep -cE $'^\tKernel: |Oclgrind - OpenCL runtime error|OCLGRIND FATAL|: (warning|error): |errors? generated' "$log")
if [ "$reports" -gt 0 ]; then
  echo "oclgrind: $reports report lines on stderr (above): FAIL"
  exit 1
fi
[ $rc -eq 0 ] && echo "oclgrind: no reports"
exit $rc
