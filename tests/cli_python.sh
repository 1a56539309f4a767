#!/usr/bin/env bash
# timeout: 300
# The shared library from Python: examples/train_ctypes.py (ctypes only) loads libclgan.so,
# prints the version --version prints, lists the devices `clgan devices --json` lists (names,
# compute units, memory: the struct read field for field), trains steps whose metrics are
# finite and the very numbers `clgan train` logs for the same settings, takes the library
# from $CLGAN_LIB, and reports a bad parameter or a missing library in one line. Skipped
# without python3.
set -u
bin=$1
build=$(cd "$(dirname "$bin")" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v python3 >/dev/null; then
  echo "cli_python SKIPPED: python3 not found"
  exit 0
fi
T=$(mktemp -d /tmp/clgan-cli-python.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
lib=$build/libclgan.so
# A library built with AddressSanitizer (build-asan) needs the ASan runtime loaded before
# anything else, which python3 is not linked with: preload it, with libstdc++ (ASan's
# __cxa_throw interceptor must find the real one at start, or the first C++ exception, thrown
# by a C++ OpenCL driver as it loads, aborts), and leave leak checks to the C tests (the
# interpreter's own allocations would all be reported at exit).
asan=$(ldd "$lib" 2>/dev/null | awk '$1 ~ /^libasan\.so/ {print $3}')
stdcxx=$(ldd "$lib" 2>/dev/null | awk '$1 ~ /^libstdc\+\+\.so/ {print $3}')
py() {
  if [ -n "$asan" ]; then
    LD_PRELOAD="$asan $stdcxx" ASAN_OPTIONS=detect_leaks=0 python3 "$src/examples/train_ctypes.py" \
      --device "$dev" "$@"
  else
    python3 "$src/examples/train_ctypes.py" --device "$dev" "$@"
  fi
}
[ -n "$asan" ] && echo "sanitized library: preloading $asan $stdcxx"

py --lib "$lib" --steps 4 >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && ok example_runs || bad example_runs "rc $rc: $(tail -3 "$T/err")"

# the version
want=$("$bin" --version | sed 's/^clgan //')
got=$(sed -n '1s/^clgan \([^ ]*\) .*/\1/p' "$T/out")
[ -n "$want" ] && [ "$got" = "$want" ] && ok version "$got" || bad version "'$got', want '$want'"

# the devices, against the CLI's JSON
"$bin" devices --json | python3 -c '
import json, sys
for d in json.load(sys.stdin):
    print("%d %s %s %d %d" % (d["index"], d["id"], d["device"], d["compute_units"],
                              d["global_mem_bytes"] // (1 << 20)))' >"$T/devs_cli"
sed -n 's/^device \([0-9]*\)  \([0-9]*:[0-9]*\)  \[[^]]*\]  \(.*\)  (.*; \([0-9]*\) CUs, \([0-9]*\) MiB)$/\1 \2 \3 \4 \5/p' \
  "$T/out" >"$T/devs_py"
if [ -s "$T/devs_cli" ] && cmp -s "$T/devs_cli" "$T/devs_py"; then
  ok devices_match_cli "$(wc -l <"$T/devs_py") devices"
else bad devices_match_cli "$(diff "$T/devs_cli" "$T/devs_py" | head -4 | tr '\n' ' ')"; fi

# the steps: 1..4, every metric a finite number
steps=$(awk '$1 == "step" {printf "%s ", $2}' "$T/out")
[ "$steps" = "1 2 3 4 " ] && ok four_steps || bad four_steps "steps '$steps'"
nonfinite=$(awk '$1 == "step" { for (i = 6; i <= NF; i += 2) if ($i !~ /^-?[0-9]+\.[0-9]+$/) print $0 }
                 $1 == "step" && $(NF - 1) != "/" { print "bad layout: " $0 }' "$T/out")
[ -n "$steps" ] && [ -z "$nonfinite" ] && ok metrics_finite || bad metrics_finite "$nonfinite"

# the same numbers as the CLI for the same settings (the example's defaults, written out)
"$bin" train --device "$dev" --ngf 8 --ndf 8 --batch 16 --max-images 512 --iters 4 --log-every 1 \
  --sample-every 0 --quiet --out "$T/run" >"$T/train.log" 2>&1
awk -F, 'NR > 1 {printf "%d %.4f %.4f %.4f %.4f %.4f\n", $1, $4, $5, $6, $7, $8}' \
  "$T/run/metrics.csv" >"$T/m_cli"
awk '$1 == "step" {print $2, $6, $8, $10, $12, $14}' "$T/out" >"$T/m_py"
if [ -s "$T/m_cli" ] && cmp -s "$T/m_cli" "$T/m_py"; then ok same_metrics_as_cli
else bad same_metrics_as_cli "$(diff "$T/m_cli" "$T/m_py" | head -4 | tr '\n' ' ')"; fi

# a parameter by name reaches the struct: another seed, other losses
py --lib "$lib" --steps 1 --param seed=2 >"$T/seed2" 2>&1
s1=$(grep '^step 1 ' "$T/out"); s2=$(grep '^step 1 ' "$T/seed2")
[ -n "$s2" ] && [ "$s1" != "$s2" ] && ok param_seed || bad param_seed "'$s2'"

# $CLGAN_LIB when --lib is not given
cp "$build/libclgan.so.$want" "$T/libcopy.so"
out=$(CLGAN_LIB="$T/libcopy.so" py --steps 1 2>&1)
echo "$out" | head -1 | grep -q "($T/libcopy.so)" && echo "$out" | grep -q '^step 1 ' \
  && ok lib_from_env || bad lib_from_env "$(echo "$out" | head -2)"

# errors: one line, exit 1
one_error() {
  local name=$1 want=$2; shift 2
  "$@" >/dev/null 2>"$T/e"; local rc=$?
  if [ $rc -eq 1 ] && [ "$(wc -l <"$T/e")" -eq 1 ] && grep -q -- "$want" "$T/e"; then ok "$name"
  else bad "$name" "rc $rc: $(cat "$T/e")"; fi
}
one_error bad_param_name "unknown name 'batchh'" py --lib "$lib" --steps 1 --param batchh=3
one_error bad_param_value "gan parameter lr: 'fast' is not a finite number" \
  py --lib "$lib" --steps 1 --param lr=fast
one_error missing_lib "cannot load $T/nope.so" py --lib "$T/nope.so"
one_error bad_init "batch" py --lib "$lib" --steps 1 --param batch=0

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
