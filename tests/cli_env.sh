#!/usr/bin/env bash
# timeout: 900
# Environment: an unwritable cache folder is one warning, never a failed run; CLGAN_BUILD_OPTIONS
# the driver rejects, or that would crash it (a bare -I), or too long, is one error line naming
# the variable, and a driver crash while building with them is reported as one; a kernel file from CLGAN_KERNEL_DIR that is too large or missing is an error
# naming the file.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-env.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
python3 "$here/tools/make_idx.py" "$T/data.idx" 64
run() { "$bin" train --device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 16 \
  --iters 1 --quiet --out "$(mktemp -d -p "$T")" 2>&1 >/dev/null | grep -v '^clgan: \(G on\|data \|[0-9]* steps\|done\)'
  return "${PIPESTATUS[0]}"; }
expect_refused() { # name pattern (env set by the caller)
  local err rc; err=$(run); rc=$?
  if [ $rc -ne 0 ] && [ $rc -lt 128 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] \
     && printf '%s' "$err" | grep -q -- "$2"; then ok "$1" "rc $rc: ${err#clgan: error: }"
  else bad "$1" "rc $rc: $err"; fi
}
# /proc cannot hold folders, even for root
err=$(CLGAN_CACHE_DIR=/proc/clgan-cache run); rc=$?
[ $rc -eq 0 ] && [ "$(printf '%s\n' "$err" | grep -c 'not writable')" -eq 1 ] \
  && ok unwritable_cache_warns "$err" || bad unwritable_cache_warns "rc $rc: $err"
export CLGAN_CACHE_DIR=off
CLGAN_BUILD_OPTIONS=-bogus-option expect_refused build_options_rejected \
  "rejects the build options.*CLGAN_BUILD_OPTIONS='-bogus-option'"
CLGAN_BUILD_OPTIONS=-I expect_refused build_options_bare_include "CLGAN_BUILD_OPTIONS='-I'"
CLGAN_BUILD_OPTIONS="-DX=1 -D" expect_refused build_options_bare_define "CLGAN_BUILD_OPTIONS='-DX=1 -D'"
CLGAN_BUILD_OPTIONS="$(printf -- '-DX%.0s ' $(seq 1 400))" expect_refused build_options_too_long \
  "CLGAN_BUILD_OPTIONS is 1600 characters"
# a driver that crashes on an option (made to, here): one line naming the options, exit 1
CLGAN_FAULT=crash:2 CLGAN_BUILD_OPTIONS=-DCLGAN_UNUSED=2 expect_refused build_options_driver_crash \
  "crashed building cl/.*CLGAN_BUILD_OPTIONS='-DCLGAN_UNUSED=2'"
# (a folder that stays the same from run to run: the driver's own cache of binaries, keyed by the
# options too, then serves the second build, the sanitizer suite's, which otherwise compiles
# every kernel under the sanitizer's allocator for minutes)
err=$(CLGAN_BUILD_OPTIONS="-DCLGAN_UNUSED=1 -I $here" run); rc=$?
[ $rc -eq 0 ] && ok build_options_good || bad build_options_good "rc $rc: $err"
# kernel folder: a missing file, a file over the size limit
mkdir -p "$T/k"; cp cl/*.cl "$T/k/"; rm "$T/k/gemm.cl"
CLGAN_KERNEL_DIR=$T/k expect_refused kernel_missing "$T/k/gemm.cl: cannot open"
truncate -s 20M "$T/k/gemm.cl"
CLGAN_KERNEL_DIR=$T/k expect_refused kernel_too_large "$T/k/gemm.cl: file has 20971520 bytes"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
