#!/usr/bin/env bash
# timeout: 900
# Networks as data, end to end: `clgan arch` prints a preset that trains as a file, an edited
# copy (other widths) trains, sample and resume take the architecture from the checkpoint,
# --image-size builds the preset for other sizes, a bad file or a mismatch is one clear line;
# the class-conditional preset (--cond) trains on labelled data and samples by class.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-arch.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name" "$*"; fi; }
# one line on stderr naming what is wrong, and exit status 2 or 1
one_error() {
  local name=$1 want=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ $rc -ne 0 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q -- "$want" "$T/err"; then
    ok "$name"; else bad "$name" "rc $rc, stderr: $(cat "$T/err")"; fi
}
dev=${CLGAN_TEST_CPU:-pocl}
tiny=(--device "$dev" --max-images 128 --batch 16 --log-every 2 --quiet)
png_size() { python3 "$here/tools/png_size.py" "$1" 2>&1; }

# 1. the preset as a file trains like the preset: the same metrics, bit for bit
"$bin" arch dcgan32 --ngf 8 --ndf 8 >"$T/p.json"; check arch_exit_0 test $? -eq 0
check arch_check_ok "$bin" arch --check "$T/p.json"
"$bin" train "${tiny[@]}" --ngf 8 --ndf 8 --iters 3 --out "$T/preset" >/dev/null 2>&1
"$bin" train "${tiny[@]}" --arch "$T/p.json" --iters 3 --out "$T/file" >/dev/null 2>&1
check arch_file_trains test -s "$T/file/checkpoints/latest.safetensors"
if cmp -s <(cut -d, -f1,2,4- "$T/preset/metrics.csv") <(cut -d, -f1,2,4- "$T/file/metrics.csv"); then
  ok arch_file_same_as_preset; else bad arch_file_same_as_preset "metrics differ"; fi

# 2. other widths: train, sample and resume with no architecture flag
sed 's/"out":16,/"out":12,/; s/"out":32,/"out":20,/' "$T/p.json" >"$T/w.json"
check edited_widths_differ test "$(cmp -s "$T/p.json" "$T/w.json"; echo $?)" = 1
"$bin" train "${tiny[@]}" --arch "$T/w.json" --iters 4 --out "$T/w" >/dev/null 2>&1
check edited_trains test $? -eq 0
"$bin" sample --device "$dev" --ckpt "$T/w/checkpoints/latest.safetensors" --n 16 --grid 4 \
  --out "$T/w.png" 2>/dev/null
check edited_samples test "$(png_size "$T/w.png")" = 138x138
"$bin" sample --device "$dev" --ckpt "$T/w/checkpoints/generator.safetensors" --n 4 --grid 4 \
  --out "$T/wg.png" 2>/dev/null
check edited_generator_file_samples test "$(png_size "$T/wg.png")" = 138x36
"$bin" train "${tiny[@]}" --resume "$T/w" --iters 6 --out "$T/w" >/dev/null 2>&1
check edited_resumes test "$(tail -1 "$T/w/metrics.csv" | cut -d, -f1)" = 6
one_error resume_other_arch "--model dcgan32 differs from the run.s w" \
  "$bin" train "${tiny[@]}" --resume "$T/w" --model dcgan32 --iters 8 --out "$T/w"

# 3. --image-size: the preset at another size
"$bin" arch --image-size 128 | grep -c '"type"' >"$T/n128"
check arch_128_layers test "$(cat "$T/n128")" = 32
"$bin" train "${tiny[@]}" --ngf 4 --ndf 4 --image-size 64 --iters 2 --sample-every 2 \
  --out "$T/s64" >/dev/null 2>&1
check image_size_64_trains test "$(png_size "$T/s64/samples/step_0000002.png")" = 530x530
one_error image_size_not_power_of_two "power of two" "$bin" train "${tiny[@]}" --image-size 48 \
  --iters 1 --out "$T/x"
one_error image_size_smaller_than_data "28x28" "$bin" train "${tiny[@]}" --image-size 16 \
  --iters 1 --out "$T/x"

# 4. bad files: one line naming the layer and key
sed 's/"stride":2,/"stride":2,"strde":1,/' "$T/p.json" >"$T/bad1.json"
one_error arch_unknown_key "layers\[3\] (convtranspose2d): unknown key 'strde'" \
  "$bin" train "${tiny[@]}" --arch "$T/bad1.json" --iters 1 --out "$T/x"
sed '0,/"out":1,/s//"out":3,/' "$T/p.json" >"$T/bad2.json"
one_error arch_g_d_mismatch "G makes \[3, 32, 32\] images but D reads \[1, 32, 32\]" \
  "$bin" train "${tiny[@]}" --arch "$T/bad2.json" --iters 1 --out "$T/x"
echo '{"G": 1}' >"$T/bad3.json"
one_error arch_check_bad "bad3.json" "$bin" arch --check "$T/bad3.json"
one_error arch_missing_file "nothere.json" "$bin" train "${tiny[@]}" --arch "$T/nothere.json" \
  --iters 1 --out "$T/x"

# 5. class-conditional: Fashion-MNIST's labels, a row per class, sampling by class
cond=(--device "$dev" --max-images 160 --batch 16 --ngf 8 --ndf 8 --log-every 2 --quiet)
"$bin" train "${cond[@]}" --cond --iters 3 --sample-every 3 --out "$T/c" >"$T/c.log" 2>&1
check cond_trains test $? -eq 0
check cond_grid_row_per_class test "$(png_size "$T/c/samples/step_0000003.png")" = 274x342
"$bin" sample --device "$dev" --ckpt "$T/c/checkpoints/latest.safetensors" --label Sneaker \
  --n 5 --format png --out "$T/cs" 2>/dev/null
check cond_sample_by_name test "$(ls "$T/cs" | grep -c '^Sneaker_')" -eq 5
"$bin" sample --device "$dev" --ckpt "$T/c/checkpoints/generator.safetensors" --label 3 \
  --n 4 --grid 4 --out "$T/c3.png" 2>/dev/null
check cond_sample_by_number test "$(png_size "$T/c3.png")" = 138x36
one_error cond_bad_label "not a class of this generator" "$bin" sample --device "$dev" \
  --ckpt "$T/c/checkpoints/latest.safetensors" --label 10 --out "$T/x.png"
one_error uncond_label "not a class-conditional generator" "$bin" sample --device "$dev" \
  --ckpt "$T/w/checkpoints/latest.safetensors" --label 1 --out "$T/x.png"
python3 "$here/tools/make_idx.py" "$T/nolabels.idx" 64 28
one_error cond_needs_labels "has no labels" "$bin" train "${cond[@]}" --cond \
  --data "idx:$T/nolabels.idx" --iters 1 --out "$T/x"
"$bin" arch --classes 10 --ngf 8 --ndf 8 >"$T/cond.json"
"$bin" train "${cond[@]}" --arch "$T/cond.json" --iters 2 --out "$T/cf" >/dev/null 2>&1
check cond_arch_file_trains test -s "$T/cf/checkpoints/latest.safetensors"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
