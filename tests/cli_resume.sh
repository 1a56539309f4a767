#!/usr/bin/env bash
# timeout: 300
# A run describes itself: `train --resume DIR` trains into DIR with the configuration its
# checkpoint holds (data, sizes, batch, optimizer, loss, seed, length), bit for bit as the run
# would have gone on; options that would change the computation are refused naming the stored
# and the given value; the optimizer's settings, the length, cadence and device may change; other data (by fingerprint)
# is refused; a checkpoint file outside a run's checkpoints folder needs --out.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-resume.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
python3 "$here/tools/make_idx.py" "$T/data.idx" 128
# the same images but one pixel
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[100] ^= 1
open(sys.argv[2], "wb").write(b)' "$T/data.idx" "$T/other.idx"
# everything not a default, so that a default taken for a stored value shows
cfg=(--data "idx:$T/data.idx" --ngf 8 --ndf 8 --nz 12 --batch 16 --seed 7 --lr 0.001
     --beta1 0.6 --beta2 0.99 --d-steps 2 --g-loss minimax --real-label 0.9 --max-images 96
     --log-every 1 --keep 2 --epochs 100)
cd "$T" || exit 1 # a default --out would land here, as runs/dcgan32

"$bin" train --device "$dev" "${cfg[@]}" --iters 7 --quiet --out "$T/straight" >/dev/null 2>&1
"$bin" train --device "$dev" "${cfg[@]}" --iters 3 --quiet --out "$T/run" >/dev/null 2>&1
# 1. only the run folder and the new length
"$bin" train --resume "$T/run" --iters 7 --quiet >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && ok resume_runs "rc 0" || bad resume_runs "rc $rc: $(cat "$T/err")"
[ ! -e "$T/runs" ] && ok resume_trains_into_run_folder || bad resume_trains_into_run_folder \
  "wrote into $(ls -d "$T"/runs/*)"
steps=$(cut -d, -f1 "$T/run/metrics.csv" | tail -n +2 | tr '\n' ' ')
[ "$steps" = "1 2 3 4 5 6 7 " ] && ok resume_metrics_in_run "$steps" \
  || bad resume_metrics_in_run "steps logged: $steps"
python3 "$here/tools/st_compare.py" "$T/straight/checkpoints/latest.safetensors" \
  "$T/run/checkpoints/latest.safetensors" && ok resume_stored_config_bit_identical \
  || bad resume_stored_config_bit_identical "weights differ from the uninterrupted run"

# 2. options that change the computation: refused, naming both values
expect_refused() { # name pattern args...
  local name=$1 pat=$2; shift 2
  local err rc; err=$("$bin" train --resume "$T/run" --iters 9 "$@" 2>&1 >/dev/null); rc=$?
  if [ $rc -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] \
     && printf '%s' "$err" | grep -q -- "$pat"; then ok "$name" "${err#clgan: error: }"
  else bad "$name" "rc $rc: $err"; fi
}
expect_refused refuse_batch "--batch 32 differs from the run's 16" --batch 32
expect_refused refuse_seed "--seed 8 differs from the run's 7" --seed 8
expect_refused refuse_loss "--g-loss ns differs from the run's minimax" --g-loss ns
expect_refused refuse_ngf "--ngf 16 differs from the run's 8" --ngf 16
expect_refused refuse_nz "--nz 100 differs from the run's 12" --nz 100
expect_refused refuse_d_steps "--d-steps 1 differs from the run's 2" --d-steps 1
expect_refused refuse_model "--model dcgan64 differs from the run's dcgan32" --model dcgan64
expect_refused refuse_max_images "--max-images 0 differs from the run's 96" --max-images 0
steps=$(cut -d, -f1 "$T/run/metrics.csv" | tail -n +2 | wc -l)
[ "$steps" -eq 7 ] && ok refused_runs_wrote_nothing || bad refused_runs_wrote_nothing "$steps rows"

# 3. the same values said again, and what may change: taken (every 2nd step and the last)
"$bin" train --resume "$T/run" --iters 9 --batch 16 --seed 7 --g-loss minimax --device "$dev" \
  --log-every 2 --quiet >/dev/null 2>"$T/err"
rc=$?
steps=$(cut -d, -f1 "$T/run/metrics.csv" | tail -n +2 | tr '\n' ' ')
[ $rc -eq 0 ] && [ "$steps" = "1 2 3 4 5 6 7 8 9 " ] && ok resume_takes_cadence "$steps" \
  || bad resume_takes_cadence "rc $rc, steps $steps: $(cat "$T/err")"

# the optimizer's settings may change, and the change is said
err=$("$bin" train --resume "$T/run" --iters 9 --lr 0.0005 --quiet 2>&1 >/dev/null)
rc=$?
[ $rc -eq 0 ] && printf '%s' "$err" | grep -q -- "--lr 0.0005 from here on (the run had 0.001)" \
  && ok resume_new_lr_said || bad resume_new_lr_said "rc $rc: $err"

# 4. other data: refused by its fingerprint, whatever it is called
err=$("$bin" train --resume "$T/run" --iters 11 --data "idx:$T/other.idx" 2>&1 >/dev/null)
rc=$?
[ $rc -ne 0 ] && [ $rc -lt 128 ] && printf '%s' "$err" | grep -q "not the same data" \
  && ok refuse_other_data "${err#clgan: error: }" || bad refuse_other_data "rc $rc: $err"
cp "$T/data.idx" "$T/renamed.idx"
"$bin" train --resume "$T/run" --iters 10 --data "idx:$T/renamed.idx" --quiet >/dev/null \
  2>"$T/err" && ok same_data_other_name || bad same_data_other_name "$(cat "$T/err")"

# 5. the run's length is stored too: --iters 0 lifts the cap, the stored --epochs remain
"$bin" train --device "$dev" "${cfg[@]}" --epochs 2 --iters 2 --quiet --out "$T/ep" >/dev/null 2>&1
"$bin" train --resume "$T/ep" --iters 0 --quiet >/dev/null 2>"$T/err"
last=$(tail -1 "$T/ep/metrics.csv" | cut -d, -f1)
# 96 images, batch 16, 2 D batches per step: 3 steps an epoch
[ "$last" = 6 ] && ok resume_keeps_epochs "ends at step $last" \
  || bad resume_keeps_epochs "ends at step $last: $(cat "$T/err")"

# 6. a checkpoint file outside a run's folder: --out says where the run goes
cp "$T/run/checkpoints/latest.safetensors" "$T/loose.safetensors"
err=$("$bin" train --resume "$T/loose.safetensors" --iters 12 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] && printf '%s' "$err" | grep -q "not in a run's checkpoints folder" \
  && ok loose_file_needs_out "${err#clgan: error: }" || bad loose_file_needs_out "rc $rc: $err"
"$bin" train --resume "$T/loose.safetensors" --iters 12 --out "$T/fork" --quiet >/dev/null \
  2>"$T/err"
last=$(tail -1 "$T/fork/metrics.csv" 2>/dev/null | cut -d, -f1)
[ "$last" = 12 ] && ok loose_file_with_out "ends at step $last" \
  || bad loose_file_with_out "last step '$last': $(cat "$T/err")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
