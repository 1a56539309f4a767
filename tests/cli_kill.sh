#!/usr/bin/env bash
# timeout: 400
# kill -9 at random moments: a tiny model checkpoints every step while it is killed 50 times,
# each run resuming the last. checkpoints/latest.safetensors must always be a complete, finite
# checkpoint that loads, its step never goes back, a temporary file is never "latest" and the
# next run removes the ones a killed run left; metrics.csv ends with one row per step.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-kill.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
kills=${CLGAN_TEST_KILLS:-50}
python3 "$here/tools/make_idx.py" "$T/data.idx" 128
run=(train --device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 16 --epochs 100000
     --ckpt-every 1 --log-every 1 --sample-every 0 --quiet --out "$T/run")
ck=$T/run/checkpoints
RANDOM=${CLGAN_TEST_SEED:-4242}
last=0; bad_ckpt=0; back=0; stray=0; loaded=0; none=0
now_ms() { date +%s%3N; }
# Calibration: how long a start takes to its first checkpoint on this machine (a sanitizer
# build starts several times slower); that run is then killed like the others.
t0=$(now_ms)
"$bin" "${run[@]}" >/dev/null 2>>"$T/err.log" &
pid=$!
while [ ! -f "$ck/latest.safetensors" ] && kill -0 $pid 2>/dev/null; do sleep 0.05; done
first=$(($(now_ms) - t0))
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
echo "first checkpoint after $first ms"
t0=$SECONDS
for i in $(seq 2 "$kills"); do
  # a run killed before its first checkpoint may have logged rows: start over explicitly
  resume=(--overwrite); [ -f "$ck/latest.safetensors" ] && resume=(--resume "$T/run")
  "$bin" "${run[@]}" "${resume[@]}" >/dev/null 2>>"$T/err.log" &
  pid=$!
  # from half the start-up time (before any checkpoint) to a second past the first checkpoint
  ms=$((first / 2 + (RANDOM * 32768 + RANDOM) % (first + 1000)))
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  if [ ! -f "$ck/latest.safetensors" ]; then none=$((none+1)); continue; fi
  step=$(python3 "$here/tools/st_check.py" "$ck/latest.safetensors" step) \
    || { bad_ckpt=$((bad_ckpt+1)); echo "kill $i: invalid checkpoint: $step"; continue; }
  [ "$step" -ge "$last" ] || { back=$((back+1)); echo "kill $i: step $step after $last"; }
  # temporary files: only the killed run's may be there once it has checkpointed (a run sweeps
  # the earlier runs' files at the end of its set-up; one killed before that cannot have)
  advanced=0; [ "$step" -gt "$last" ] && advanced=1
  last=$step
  for f in "$ck"/*; do
    case $(basename "$f") in
      latest.safetensors|generator.safetensors|epoch_[0-9][0-9][0-9].safetensors) ;;
      *.tmp.$pid.*) ;;
      *.tmp.*) [ $advanced -eq 1 ] && { stray=$((stray+1)); echo "kill $i: unexpected file $(basename "$f")"; } ;;
      *) stray=$((stray+1)); echo "kill $i: unexpected file $(basename "$f")" ;;
    esac
  done
  if [ $((i % 5)) -eq 0 ] || [ "$i" -eq "$kills" ]; then
    "$bin" sample --device "$dev" --ckpt "$ck/latest.safetensors" --n 4 --out "$T/s.png" \
      2>>"$T/err.log" && loaded=$((loaded+1)) || { bad_ckpt=$((bad_ckpt+1)); echo "kill $i: sample failed"; }
  fi
done
echo "$kills kills in $((SECONDS - t0)) s, last step $last, $none before the first checkpoint"
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name" "$*"; fi; }
check kill_checkpoints_valid test $bad_ckpt -eq 0
check kill_step_never_back test $back -eq 0
check kill_no_stray_files test $stray -eq 0
check kill_made_progress test "$last" -gt 2
check kill_checkpoints_load test $loaded -gt 0

# one clean run to the end: it sweeps the last temporary files and leaves one metrics row per
# step, steps strictly increasing (rows of steps a killed run did past its checkpoint dropped)
resume=(--overwrite); [ -f "$ck/latest.safetensors" ] && resume=(--resume "$T/run")
"$bin" train --device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 16 --epochs 100000 \
  --iters $((last + 2)) --ckpt-every 1 --log-every 1 --sample-every 0 --quiet --out "$T/run" \
  "${resume[@]}" >/dev/null 2>"$T/final.err"
check kill_final_run test $? -eq 0
left=$(ls "$ck" | grep -c '\.tmp\.')
check kill_temp_files_swept test "$left" -eq 0
python3 - "$T/run/metrics.csv" $((last + 2)) <<'PY' && ok kill_metrics_rows || bad kill_metrics_rows "see above"
import sys
rows = open(sys.argv[1]).read().split("\n")
assert rows[0].startswith("step,"), rows[0]
assert rows[-1] == "", "no newline at the end"
steps = []
for r in rows[1:-1]:
    f = r.split(",")
    assert len(f) == 8, "row %r" % r
    steps.append(int(f[0]))
want = list(range(1, int(sys.argv[2]) + 1))
if steps != want:
    dup = len(steps) - len(set(steps))
    print("metrics steps: %d rows, %d repeated, first %s" % (len(steps), dup, steps[:12]))
    sys.exit(1)
PY
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
