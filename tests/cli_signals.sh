#!/usr/bin/env bash
# timeout: 300
# Signals: SIGTERM and SIGHUP stop a run as SIGINT does (finish the step, write a checkpoint of
# that step, exit 128 + the signal); the handlers are in place before the run starts its slow
# work; a closed pipe on the progress stream (`clgan train | head`) neither kills the run nor
# stops it writing its checkpoint.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-signals.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
python3 "$here/tools/make_idx.py" "$T/data.idx" 256
tiny=(--device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 16 --quiet)

# SIG: a long run, stopped once it has logged two steps
stop_run() { # name signal expected-rc
  local name=$1 sig=$2 want=$3 d="$T/$1"
  "$bin" train "${tiny[@]}" --epochs 100000 --iters 100000 --log-every 1 --out "$d" >/dev/null 2>"$d.err" &
  local pid=$! i
  for i in $(seq 1 600); do
    [ -f "$d/metrics.csv" ] && [ "$(wc -l <"$d/metrics.csv")" -ge 3 ] && break
    sleep 0.1
  done
  kill -"$sig" $pid
  wait $pid; local rc=$?
  if [ $rc -ne "$want" ]; then bad "$name" "rc $rc, expected $want: $(cat "$d.err")"; return; fi
  grep -q "interrupted at step" "$d.err" || { bad "$name" "no message: $(cat "$d.err")"; return; }
  local step last
  step=$(python3 "$here/tools/st_check.py" "$d/checkpoints/latest.safetensors" step) \
    || { bad "$name" "checkpoint: $step"; return; }
  last=$(tail -1 "$d/metrics.csv" | cut -d, -f1)
  [ "$step" = "$last" ] || { bad "$name" "checkpoint of step $step, last metrics row $last"; return; }
  ok "$name" "rc $rc, checkpoint of step $step"
}
stop_run sigterm TERM 143
stop_run sighup HUP 129
stop_run sigint INT 130

# the handlers are installed before the slow start (devices, kernels, data): by the time the
# process catches SIGTERM it has printed nothing; a SIGTERM then still stops it cleanly
d="$T/early"
"$bin" train "${tiny[@]}" --epochs 100000 --iters 100000 --out "$d" >/dev/null 2>"$d.err" &
pid=$!
early=""
for _ in $(seq 1 20000); do
  cgt=$(sed -n 's/^SigCgt:\s*//p' "/proc/$pid/status" 2>/dev/null) || break
  [ -n "$cgt" ] || break
  # SIGHUP (1), SIGINT (2), SIGTERM (15) caught; SIGPIPE (13) ignored
  if [ $(( 0x$cgt & 0x4003 )) -eq $((0x4003)) ]; then
    early=$(wc -c <"$d.err"); kill -TERM $pid; break
  fi
done
ign=$(sed -n 's/^SigIgn:\s*//p' "/proc/$pid/status" 2>/dev/null)
wait $pid; rc=$?
if [ "$early" = 0 ] && [ $rc -eq 143 ] && grep -q "interrupted" "$d.err" && ! grep -q "error" "$d.err"; then
  ok handlers_before_start "rc $rc: $(tail -1 "$d.err")"
else
  bad handlers_before_start "stderr bytes when caught: '$early', rc $rc: $(cat "$d.err")"
fi
[ -n "$ign" ] && [ $(( 0x$ign & 0x1000 )) -ne 0 ] && ok sigpipe_ignored \
  || bad sigpipe_ignored "SigIgn '$ign'"

# a closed pipe on stdout: progress stops, training goes on to its last checkpoint, exit 0
d="$T/pipe"
set -o pipefail
"$bin" train --device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 16 --epochs 100 --iters 24 \
  --log-every 1 --out "$d" 2>"$d.err" | head -1 >/dev/null
rc=$?
set +o pipefail
step=$(python3 "$here/tools/st_check.py" "$d/checkpoints/latest.safetensors" step 2>/dev/null)
rows=$(($(wc -l <"$d/metrics.csv") - 1))
if [ $rc -eq 0 ] && [ "$step" = 24 ] && [ $rows -eq 24 ] && grep -q "done" "$d.err"; then
  ok closed_stdout_pipe "checkpoint of step $step"
else
  bad closed_stdout_pipe "rc $rc, step '$step', rows $rows: $(cat "$d.err")"
fi
# the same with stderr a closed pipe as well (the terminal closed under `| tee`)
d="$T/pipe2"
( "$bin" train --device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 16 --epochs 100 --iters 24 \
  --log-every 1 --out "$d" 2>&1; echo "rc $?" >"$d.rc" ) | head -1 >/dev/null
sleep 0.2
for _ in $(seq 1 300); do [ -f "$d.rc" ] && break; sleep 0.1; done
step=$(python3 "$here/tools/st_check.py" "$d/checkpoints/latest.safetensors" step 2>/dev/null)
[ "$(cat "$d.rc" 2>/dev/null)" = "rc 0" ] && [ "$step" = 24 ] \
  && ok closed_stderr_pipe || bad closed_stderr_pipe "$(cat "$d.rc" 2>/dev/null), step '$step'"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
