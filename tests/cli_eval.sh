#!/usr/bin/env bash
# timeout: 600
# clgan eval end to end on the CPU device: a small MLP classifier (1 epoch, 50 images a class) and
# a tiny conditional GAN (3 steps) give every field (the FD / score table with its floor and
# ceiling rows, the class histogram, the conditional accuracy) with finite numbers in range, the
# floor's FD below the ceiling's, the same output for the same seed and for the generator file;
# an unconditional G has no conditional accuracy; each bad input is one line with a non-zero exit.
set -u
bin=$1
T=$(mktemp -d /tmp/clgan-cli-eval.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name" "$*"; fi; }
one_error() {
  local name=$1 want=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ $rc -ge 1 ] && [ $rc -le 127 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
     grep -q '^clgan: error: ' "$T/err" && grep -q -- "$want" "$T/err"; then
    ok "$name"; else bad "$name" "rc $rc, stderr: $(cat "$T/err")"; fi
}
# awk tests on numbers: finite and within [lo, hi]
within() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v ~ /^[0-9.]+$/ && v + 0 >= lo && v + 0 <= hi) }'; }
field() { awk -v set="$2" -v col="$3" '$1 == set { print $col }' "$1"; }
fm=/usr/share/datasets/fashion-mnist
if [ ! -f "$fm/t10k-images-idx3-ubyte.gz" ]; then
  echo "SKIPPED: Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)"; exit 0
fi
dev=${CLGAN_TEST_CPU:-pocl}
gan=(--device "$dev" --batch 16 --ngf 8 --ndf 8 --max-images 160 --quiet)

"$bin" classify --device "$dev" --arch mlp --epochs 1 --per-class 50 --test-max 200 --quiet \
  --save "$T/mlp.st" >/dev/null 2>&1
check classifier_saved test -s "$T/mlp.st"
"$bin" train "${gan[@]}" --cond --iters 3 --out "$T/c" >/dev/null 2>&1
ck=$T/c/checkpoints/latest.safetensors
check cond_gan_trained test -s "$ck"

# 1. a conditional G: every field, finite, in range
ev=(eval --device "$dev" --classifier "$T/mlp.st" --n 100 --test-max 200)
"$bin" "${ev[@]}" --ckpt "$ck" >"$T/e.out" 2>"$T/e.err"
rc=$?; check eval_exit_0 test $rc -eq 0
check says_conditional grep -q '^generator: .*, conditional: 100 samples, 10 per class (seed 1, batch 64)$' "$T/e.out"
check says_data grep -q '^real data: fashion-mnist, 200 test images (the reference), 100 training images (the floor)$' "$T/e.out"
check says_not_inception grep -q 'not comparable with Inception FID' "$T/e.out"
check table_header grep -Eq '^set +n +FD +score +images$' "$T/e.out"
for row in generated floor ceiling; do
  fd=$(field "$T/e.out" $row 3); score=$(field "$T/e.out" $row 4); n=$(field "$T/e.out" $row 2)
  if [ "$n" = 100 ] && within "$fd" 0 1e9 && within "$score" 1 10; then ok "row_$row" "FD $fd score $score"
  else bad "row_$row" "n '$n' FD '$fd' score '$score': $(cat "$T/e.out")"; fi
done
floor=$(field "$T/e.out" floor 3); ceiling=$(field "$T/e.out" ceiling 3)
if awk -v a="$floor" -v b="$ceiling" 'BEGIN { exit !(a < b) }'; then ok floor_below_ceiling "$floor < $ceiling"
else bad floor_below_ceiling "$floor >= $ceiling"; fi
check classifier_accuracy grep -Eq '^classifier: .*mlp.st, 256 features, test accuracy 0\.[0-9]{4}$' "$T/e.out"
hist=$(grep -E '^([1-9]|10) [A-Za-z/ -]+ +[0-9]+ +[0-9.]+ +[0-9.]+$' "$T/e.out")
check histogram_rows test "$(echo "$hist" | wc -l)" -eq 10
check histogram_names grep -Eq '^8 Sneaker +[0-9]+ ' "$T/e.out"
check histogram_total test "$(echo "$hist" | awk '{ s += $(NF-2) } END { print s }')" -eq 100
check histogram_cond_acc_range test -z "$(echo "$hist" | awk '$NF < 0 || $NF > 1')"
cacc=$(sed -n 's/^conditional accuracy \([0-9.]*\) (\([0-9]*\) of 100)$/\1/p' "$T/e.out")
if within "$cacc" 0 1; then ok conditional_accuracy "$cacc"; else bad conditional_accuracy "'$cacc'"; fi
check no_nan_anywhere test -z "$(grep -Ei 'nan|inf' "$T/e.out" | grep -v 'Inception\|information')"

# 2. the same seed gives the same output; the generator file too (its data recorded in it)
"$bin" "${ev[@]}" --ckpt "$ck" >"$T/e2.out" 2>/dev/null
check same_seed_same_output cmp -s "$T/e.out" "$T/e2.out"
"$bin" "${ev[@]}" --ckpt "$T/c/checkpoints/generator.safetensors" >"$T/g.out" 2>/dev/null
check generator_file_same_numbers cmp -s <(tail -n +2 "$T/e.out") <(tail -n +2 "$T/g.out")
"$bin" "${ev[@]}" --ckpt "$ck" --seed 7 >"$T/e7.out" 2>/dev/null
check other_seed_other_samples test "$(field "$T/e.out" generated 3)" != "$(field "$T/e7.out" generated 3)"
# n not a multiple of the classes: rounded down to equally many of each
"$bin" "${ev[@]}" --ckpt "$ck" --n 25 >"$T/e25.out" 2>/dev/null
check rounded_to_classes grep -q 'conditional: 20 samples, 2 per class' "$T/e25.out"

# 3. an unconditional G: classes as classified, no conditional accuracy
"$bin" train "${gan[@]}" --iters 2 --out "$T/u" >/dev/null 2>&1
"$bin" "${ev[@]}" --ckpt "$T/u/checkpoints/latest.safetensors" >"$T/u.out" 2>/dev/null
rc=$?; check uncond_exit_0 test $rc -eq 0
check uncond_says grep -q 'unconditional: 100 samples (seed 1' "$T/u.out"
check uncond_histogram test "$(grep -Ec '^([1-9]|10) [A-Za-z/ -]+ +[0-9]+ +[0-9.]+$' "$T/u.out")" -eq 10
check uncond_no_cond_acc test -z "$(grep -i 'conditional accuracy\|cond. acc' "$T/u.out")"

# 4. bad input: one line naming the flag or file and the numbers, non-zero exit
one_error missing_classifier "eval: --classifier: $T/none.st: cannot open" \
  "$bin" eval --device "$dev" --classifier "$T/none.st" --ckpt "$ck"
one_error missing_ckpt "eval: --ckpt: $T/none.st: cannot open" \
  "$bin" eval --device "$dev" --classifier "$T/mlp.st" --ckpt "$T/none.st"
one_error required "eval: --classifier and --ckpt are required" "$bin" eval --ckpt "$ck"
one_error n_zero "eval: --n: 0 is out of range" "$bin" "${ev[@]}" --ckpt "$ck" --n 0
one_error n_negative "eval: --n: -5 is out of range" "$bin" "${ev[@]}" --ckpt "$ck" --n -5
one_error n_below_classes "eval: --n 5 is fewer than the 10 classes of --ckpt $ck" \
  "$bin" "${ev[@]}" --ckpt "$ck" --n 5
one_error ckpt_not_generator "eval: --ckpt: $T/mlp.st: format .clgan-classifier-1. is not a clgan generator checkpoint" \
  "$bin" "${ev[@]}" --ckpt "$T/mlp.st"
one_error classifier_not_classifier "eval: --classifier: $ck: not a clgan classifier file" \
  "$bin" eval --device "$dev" --classifier "$ck" --ckpt "$ck"
one_error data_missing "eval: --data: mnist:$T/none: $T/none/t10k-images-idx3-ubyte\[.gz\] not found" \
  "$bin" "${ev[@]}" --ckpt "$ck" --data "mnist:$T/none"
# a classifier of 5 classes (Fashion-MNIST test images 5000.. of labels 0..4) for a G of 10
python3 - "$fm" "$T/five" <<'EOF'
import gzip, os, struct, sys
fm, d = sys.argv[1], sys.argv[2]
img = gzip.open(fm + "/t10k-images-idx3-ubyte.gz").read()[16:]
lab = gzip.open(fm + "/t10k-labels-idx1-ubyte.gz").read()[8:]
idx = [i for i in range(5000, 6000) if lab[i] < 5]
os.makedirs(d)
with gzip.open(d + "/images-idx3-ubyte.gz", "wb") as f:
    f.write(struct.pack(">IIII", 0x803, len(idx), 28, 28) + b"".join(img[i * 784:(i + 1) * 784] for i in idx))
with gzip.open(d + "/labels-idx1-ubyte.gz", "wb") as f:
    f.write(struct.pack(">II", 0x801, len(idx)) + bytes(lab[i] for i in idx))
EOF
"$bin" classify --device "$dev" --arch mlp --epochs 1 --data "$T/five" --test none --quiet \
  --save "$T/five.st" >/dev/null 2>&1
check five_class_classifier test -s "$T/five.st"
one_error classes_differ "eval: --ckpt $ck is conditional on 10 classes, but --classifier $T/five.st has 5" \
  "$bin" eval --device "$dev" --classifier "$T/five.st" --ckpt "$ck" --n 20
# a G of 64x64 images for a classifier of 28x28
"$bin" train --device "$dev" --model dcgan64 --batch 8 --ngf 4 --ndf 4 --max-images 64 --iters 1 \
  --quiet --out "$T/g64" >/dev/null 2>&1
one_error size_differs "makes 1 x 64 x 64 images, but --classifier $T/mlp.st reads 1 x 28 x 28" \
  "$bin" "${ev[@]}" --ckpt "$T/g64/checkpoints/generator.safetensors"
# a classifier whose last layer is not linear has no penultimate features
"$bin" classify arch --arch mlp --width 16 | python3 -c '
import json, sys
net = json.load(sys.stdin)
net["layers"].append({"type": "sigmoid"})
print(json.dumps(net))' >"$T/sig.json"
"$bin" classify --device "$dev" --arch "$T/sig.json" --epochs 0 --test none --per-class 5 --quiet \
  --save "$T/sig.st" >/dev/null 2>&1
check sigmoid_classifier test -s "$T/sig.st"
one_error not_linear "eval: --classifier $T/sig.st: its last layer is not linear" \
  "$bin" "${ev[@]}" --classifier "$T/sig.st" --ckpt "$ck"
# more features than the distance's eigen solver takes in reasonable time
"$bin" classify --device "$dev" --arch mlp --width 1100 --epochs 0 --test none --per-class 5 \
  --quiet --save "$T/wide.st" >/dev/null 2>&1
check wide_classifier test -s "$T/wide.st"
one_error too_many_features "eval: --classifier $T/wide.st: 1100 features; the Fréchet distance takes at most 1024" \
  "$bin" "${ev[@]}" --classifier "$T/wide.st" --ckpt "$ck"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
