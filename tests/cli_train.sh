#!/usr/bin/env bash
# timeout: 900
# clgan train / sample end to end on the CPU device with a reduced model on a few hundred
# Fashion-MNIST images: metrics rows, sample grids, checkpoints that load, bit-identical resume,
# G and D on two devices, Ctrl-C, and a one-line error with a non-zero exit for each bad input.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-train.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name" "$*"; fi; }
dev=${CLGAN_TEST_CPU:-pocl}
tiny=(--device "$dev" --ngf 8 --ndf 8 --max-images 256 --batch 16 --log-every 2 --quiet)

# 1. a short run: metrics, grids, curves, checkpoints
"$bin" train "${tiny[@]}" --iters 8 --sample-every 4 --out "$T/a" >"$T/a.log" 2>&1
rc=$?; check train_exit_0 test $rc -eq 0
rows=$(($(wc -l <"$T/a/metrics.csv") - 1))
check metrics_rows test "$rows" -eq 4
head -1 "$T/a/metrics.csv" | grep -q '^step,epoch,images_per_s,loss_d,loss_g,d_x,d_g_z1,d_g_z2$' \
  && ok metrics_header || bad metrics_header "$(head -1 "$T/a/metrics.csv")"
size=$(python3 "$here/tools/png_size.py" "$T/a/samples/step_0000004.png" 2>&1)
check grid_png_size test "$size" = 274x274
check curves_svg grep -q '</svg>' "$T/a/curves.svg"
for f in latest generator; do
  "$bin" sample --device "$dev" --ckpt "$T/a/checkpoints/$f.safetensors" --n 16 --grid 4 \
    --out "$T/s_$f.png" 2>/dev/null
  check "sample_from_$f" test "$(python3 "$here/tools/png_size.py" "$T/s_$f.png" 2>&1)" = 138x138
done
"$bin" sample --device "$dev" --ckpt "$T/a/checkpoints/latest.safetensors" --n 5 --format png \
  --out "$T/singles" 2>/dev/null
check sample_single_images test "$(ls "$T/singles" | wc -l)" -eq 5
"$bin" sample --device "$dev" --ckpt "$T/a/checkpoints/latest.safetensors" --interp --n 16 \
  --grid 8 --out "$T/interp.png" 2>/dev/null
check sample_interp test "$(python3 "$here/tools/png_size.py" "$T/interp.png" 2>&1)" = 274x70

# 2. resume: 6 steps straight == 3 steps, stop, resume to 6 (bit for bit)
"$bin" train "${tiny[@]}" --iters 6 --out "$T/straight" >/dev/null 2>&1
"$bin" train "${tiny[@]}" --iters 3 --out "$T/split" >/dev/null 2>&1
"$bin" train "${tiny[@]}" --iters 6 --out "$T/split" --resume "$T/split" >/dev/null 2>&1
python3 "$here/tools/st_compare.py" "$T/straight/checkpoints/latest.safetensors" \
  "$T/split/checkpoints/latest.safetensors" && ok resume_bit_identical \
  || bad resume_bit_identical "weights differ"
# the first half logs steps 2 and 3 (its last), the second 4 and 6
steps=$(cut -d, -f1 "$T/split/metrics.csv" | tail -n +2 | tr '\n' ' ')
check resume_appends_metrics test "$steps" = "2 3 4 6 "

# 3. G and D on two devices (the simulator is slow: a very small model)
if "$bin" devices | grep -qi oclgrind; then
  "$bin" train --g-device "$dev" --d-device oclgrind --ngf 2 --ndf 2 --max-images 64 --batch 4 \
    --iters 2 --log-every 1 --quiet --out "$T/two" >"$T/two.log" 2>&1
  rc=$?
  check two_devices test $rc -eq 0 -a -s "$T/two/checkpoints/latest.safetensors"
  grep -q "D on Oclgrind" "$T/two.log" && ok two_devices_named || bad two_devices_named "$(cat "$T/two.log")"
fi

# 4. Ctrl-C: finish the step, write a checkpoint, exit 130
"$bin" train "${tiny[@]}" --max-images 2048 --iters 100000 --log-every 1 --out "$T/int" \
  >/dev/null 2>"$T/int.err" &
pid=$!
for _ in $(seq 1 600); do
  [ -f "$T/int/metrics.csv" ] && [ "$(wc -l <"$T/int/metrics.csv")" -ge 3 ] && break
  sleep 0.1
done
kill -INT $pid
wait $pid; rc=$?
check sigint_exit_130 test $rc -eq 130
"$bin" sample --device "$dev" --ckpt "$T/int/checkpoints/latest.safetensors" --n 4 \
  --out "$T/int.png" 2>/dev/null
check sigint_checkpoint_loads test $? -eq 0

# 5. bad input: one line on stderr naming the thing, non-zero exit, no crash
expect_error() { # name, pattern, args...
  local name=$1 pat=$2; shift 2
  local err; err=$("$bin" "$@" 2>&1 >/dev/null); local rc=$?
  if [ $rc -ne 0 ] && [ $rc -lt 128 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] \
     && printf '%s' "$err" | grep -q -- "$pat"; then ok "$name"; else
     bad "$name" "rc=$rc err=$err"; fi
}
expect_error bad_device "nosuch.*devices:" train --device nosuch --out "$T/x"
expect_error bad_batch "batch" train --batch abc --out "$T/x"
expect_error bad_flag "--nosuch" train --nosuch
expect_error missing_idx "/nonexistent/file.idx" train --device "$dev" --data idx:/nonexistent/file.idx --out "$T/x"
printf 'garbage garbage garbage' >"$T/bad.idx"
expect_error corrupt_idx "bad.idx" train --device "$dev" --data "idx:$T/bad.idx" --out "$T/x"
mkdir -p "$T/empty"
expect_error empty_folder "empty" train --device "$dev" --data "folder:$T/empty" --out "$T/x"
touch "$T/notadir"
expect_error unwritable_out "notadir" train "${tiny[@]}" --iters 1 --out "$T/notadir/run"
expect_error bad_ckpt "bad.idx" sample --device "$dev" --ckpt "$T/bad.idx" --out "$T/x.png"
expect_error bad_model "dcgan99" train --model dcgan99

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
