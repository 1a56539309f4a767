#!/usr/bin/env bash
# timeout: 300
# Special files where clgan reads: a FIFO (or folder) given as a checkpoint, --resume target,
# IDX or CSV file, architecture, MLP model, kernel source, CLBlast tuning file, or put where
# metrics.csv goes, is refused with one line naming it (or, for the tuning file, skipped with a
# warning), never waited on. Each command runs under a timeout: a hang fails the test.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-fifo.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
python3 "$here/tools/make_idx.py" "$T/data.idx" 64
tiny=(--device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 16 --quiet)
"$bin" train "${tiny[@]}" --iters 1 --out "$T/run" >/dev/null 2>&1 || { echo "run failed"; exit 1; }
mkfifo "$T/fifo"
expect_refused() { # name pattern args...
  local name=$1 pat=$2; shift 2
  local err rc; err=$(timeout 60 "$@" 2>&1 >/dev/null); rc=$?
  if [ $rc -ne 0 ] && [ $rc -lt 124 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] \
     && printf '%s' "$err" | grep -q -- "$pat"; then ok "$name" "rc $rc: ${err#clgan: error: }"
  else bad "$name" "rc $rc$([ $rc -eq 124 ] && echo ' (hung)'): $err"; fi
}
F=$T/fifo
expect_refused resume_fifo "fifo.*FIFO" "$bin" train "${tiny[@]}" --iters 2 --out "$T/r1" --resume "$F"
expect_refused sample_ckpt_fifo "fifo.*FIFO" "$bin" sample --device "$dev" --ckpt "$F" --n 4 --out "$T/s.png"
expect_refused idx_fifo "fifo.*FIFO" "$bin" train --device "$dev" --data "idx:$F" --iters 1 --out "$T/r2"
expect_refused arch_fifo "fifo.*FIFO" "$bin" train "${tiny[@]}" --arch "$F" --iters 1 --out "$T/r3"
expect_refused arch_check_fifo "fifo.*not a regular file" "$bin" arch --check "$F"
expect_refused csv_fifo "fifo.*FIFO" "$bin" mlp --data "$F" --device "$dev"
expect_refused model_fifo "fifo.*FIFO" "$bin" mlp predict --model "$F" --data data/iris.csv --device "$dev"
expect_refused resume_folder "checkpoints/latest.safetensors: cannot open" "$bin" train "${tiny[@]}" \
  --iters 2 --out "$T/r4" --resume "$T/run/checkpoints"
# metrics.csv a FIFO in the run folder
mkdir -p "$T/m"; mkfifo "$T/m/metrics.csv"
expect_refused metrics_fifo "metrics.csv.*FIFO" "$bin" train "${tiny[@]}" --iters 1 --out "$T/m"
# mlp --log into a FIFO nobody reads
err=$(timeout 60 "$bin" mlp --data data/iris.csv --hidden 3 --maxit 3 --device "$dev" \
  --log "$F" 2>&1 >/dev/null); rc=$?
[ $rc -gt 0 ] && [ $rc -lt 124 ] && printf '%s' "$err" | grep -q "error: .*fifo.*without a reader" \
  && ok log_fifo_no_reader || bad log_fifo_no_reader "rc $rc: $err"
# a kernel folder whose gemm.cl is a FIFO: the file is named
mkdir -p "$T/k"; cp cl/*.cl "$T/k/"; rm "$T/k/gemm.cl"; mkfifo "$T/k/gemm.cl"
expect_refused kernel_fifo "gemm.cl.*FIFO" env CLGAN_KERNEL_DIR="$T/k" CLGAN_CACHE_DIR=off \
  "$bin" train "${tiny[@]}" --gemm own --iters 1 --out "$T/r5"
# a CLBlast tuning file that is a FIFO: a warning, the run goes on
err=$(CLGAN_CLBLAST_TUNING="$F" timeout 60 "$bin" train "${tiny[@]}" --iters 1 --out "$T/r6" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 0 ] && printf '%s' "$err" | grep -q "fifo.*FIFO" && ok tuning_fifo_warned \
  || bad tuning_fifo_warned "rc $rc: $err"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
