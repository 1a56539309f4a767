#!/usr/bin/env bash
# timeout: 300
# One run per folder: a second run into a folder another process is training in is refused
# naming that process's PID; a new run into a folder that holds a run is refused (its metrics and
# checkpoints untouched) unless --resume or --overwrite says what to do; a metrics.csv that is
# not clgan's is refused before a row of it is dropped.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-runlock.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
python3 "$here/tools/make_idx.py" "$T/data.idx" 128
tiny=(--device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 16 --log-every 1 --quiet)
expect_refused() { # name pattern args...
  local name=$1 pat=$2; shift 2
  local err rc; err=$("$bin" "$@" 2>&1 >/dev/null); rc=$?
  if [ $rc -ne 0 ] && [ $rc -lt 128 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] \
     && printf '%s' "$err" | grep -q -- "$pat"; then ok "$name" "rc $rc: ${err#clgan: error: }"
  else bad "$name" "rc $rc: $err"; fi
}

# 1. a run in progress holds its folder
"$bin" train "${tiny[@]}" --epochs 100000 --out "$T/busy" >/dev/null 2>"$T/busy.err" &
pid=$!
for _ in $(seq 1 600); do
  [ -f "$T/busy/metrics.csv" ] && [ "$(wc -l <"$T/busy/metrics.csv")" -ge 3 ] && break
  sleep 0.1
done
expect_refused second_run "in use by another run (PID $pid)" train "${tiny[@]}" --iters 2 \
  --out "$T/busy"
expect_refused second_run_resume "in use by another run (PID $pid)" train "${tiny[@]}" \
  --iters 2 --out "$T/busy" --resume "$T/busy"
expect_refused second_run_overwrite "in use by another run (PID $pid)" train "${tiny[@]}" \
  --iters 2 --out "$T/busy" --overwrite
kill -INT $pid; wait $pid; rc=$?; pid=
[ $rc -eq 130 ] && ok first_run_unharmed "rc $rc" || bad first_run_unharmed "rc $rc: $(cat "$T/busy.err")"
# once it has ended, the folder is free again (--resume continues it)
"$bin" train "${tiny[@]}" --iters 12 --out "$T/busy" --resume "$T/busy" >/dev/null 2>"$T/r.err" \
  && ok lock_released || bad lock_released "$(cat "$T/r.err")"

# 2. a new run into a folder with a finished run
"$bin" train "${tiny[@]}" --iters 8 --out "$T/done" >/dev/null 2>&1 || bad done_run "failed"
cp "$T/done/metrics.csv" "$T/done.metrics"
cp "$T/done/checkpoints/latest.safetensors" "$T/done.latest"
expect_refused fresh_into_run "holds a run (checkpoints/latest.safetensors).*--overwrite" \
  train "${tiny[@]}" --iters 2 --out "$T/done"
cmp -s "$T/done/metrics.csv" "$T/done.metrics" && cmp -s "$T/done.latest" \
  "$T/done/checkpoints/latest.safetensors" && ok fresh_refusal_keeps_run \
  || bad fresh_refusal_keeps_run "metrics or checkpoint changed"
# metrics rows alone (a run killed before its first checkpoint) count too
mkdir -p "$T/rows"; cp "$T/done.metrics" "$T/rows/metrics.csv"
expect_refused fresh_into_metrics "holds a run (metrics.csv with 8 rows)" \
  train "${tiny[@]}" --iters 2 --out "$T/rows"
# --overwrite replaces it: the old run's epoch checkpoint goes, metrics describe the new run
"$bin" train "${tiny[@]}" --iters 3 --out "$T/done" --overwrite >/dev/null 2>"$T/ow.err"
rc=$?
rows=$(($(wc -l <"$T/done/metrics.csv") - 1))
step=$(python3 "$here/tools/st_check.py" "$T/done/checkpoints/latest.safetensors" step 2>/dev/null)
if [ $rc -eq 0 ] && [ $rows -eq 3 ] && [ "$step" = 3 ] \
   && [ ! -e "$T/done/checkpoints/epoch_001.safetensors" ]; then ok overwrite
else bad overwrite "rc $rc, rows $rows, step '$step': $(ls "$T/done/checkpoints") $(cat "$T/ow.err")"; fi
# an empty folder, or one with other files, is fine
mkdir -p "$T/other"; echo hi >"$T/other/notes.txt"
"$bin" train "${tiny[@]}" --iters 1 --out "$T/other" >/dev/null 2>"$T/o.err" \
  && [ -f "$T/other/notes.txt" ] && ok fresh_into_other_files || bad fresh_into_other_files "$(cat "$T/o.err")"

# 3. a metrics.csv that is not clgan's: refused before any row is dropped
mkdir -p "$T/foreign"
printf 'epoch,accuracy\n1,0.5\n2,0.7\n' >"$T/foreign/metrics.csv"
cp "$T/foreign/metrics.csv" "$T/foreign.csv"
expect_refused foreign_metrics "metrics.csv: existing file has header 'epoch,accuracy'" \
  train "${tiny[@]}" --iters 3 --out "$T/foreign" --resume "$T/done/checkpoints/latest.safetensors"
cmp -s "$T/foreign/metrics.csv" "$T/foreign.csv" && ok foreign_metrics_kept \
  || bad foreign_metrics_kept "$(cat "$T/foreign/metrics.csv")"

# 4. a FIFO where the lock file goes is refused, not waited on
mkdir -p "$T/fifo"; mkfifo "$T/fifo/.clgan-lock"
expect_refused lock_fifo "lock" train "${tiny[@]}" --iters 1 --out "$T/fifo"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
