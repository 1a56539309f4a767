#!/usr/bin/env bash
# timeout: 600
# Labelled data end to end: a class-conditional run on a Fashion-MNIST subset exported with
# `clgan augment` as IDX (header, counts, a class histogram, read back by mnist:DIR) and as PNG
# class folders (read back by folder:DIR), the same seed giving the same bytes; --labels for
# idx:FILE, --per-class, class folders; and each bad input as one line.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-augment.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name" "$*"; fi; }
# one line on stderr naming what is wrong, and exit status 1..127
one_error() {
  local name=$1 want=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ $rc -ge 1 ] && [ $rc -le 127 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
     grep -q -- "$want" "$T/err"; then
    ok "$name"; else bad "$name" "rc $rc, stderr: $(cat "$T/err")"; fi
}
dev=${CLGAN_TEST_CPU:-pocl}
if [ ! -r /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  echo "SKIPPED: Fashion-MNIST not installed (Debian package dataset-fashion-mnist)"
  exit 0
fi
tiny=(--device "$dev" --batch 16 --ngf 8 --ndf 8 --log-every 2 --quiet)
cond=("${tiny[@]}" --max-images 160)
png_size() { python3 "$here/tools/png_size.py" "$1" 2>&1; }
# "count HxW class-histogram" of an exported IDX pair, checked as any IDX reader would
idx_info() {
  python3 - "$1" <<'EOF'
import gzip, struct, sys
d = sys.argv[1]
img = gzip.open(d + "/images-idx3-ubyte.gz").read()
lab = gzip.open(d + "/labels-idx1-ubyte.gz").read()
magic, n, h, w = struct.unpack(">IIII", img[:16])
lmagic, ln = struct.unpack(">II", lab[:8])
assert magic == 0x803 and lmagic == 0x801 and n == ln, (magic, lmagic, n, ln)
assert len(img) == 16 + n * h * w and len(lab) == 8 + n
hist = [0] * 256
for y in lab[8:]:
    hist[y] += 1
top = max(i for i in range(256) if hist[i])
print(n, "%dx%d" % (h, w), ",".join(str(c) for c in hist[:top + 1]))
EOF
}

# 1. a conditional run, exported as IDX
"$bin" train "${cond[@]}" --cond --iters 3 --out "$T/c" >/dev/null 2>&1
check cond_trains test -s "$T/c/checkpoints/latest.safetensors"
ck=$T/c/checkpoints/latest.safetensors
"$bin" augment --device "$dev" --ckpt "$ck" --per-class 12 --seed 5 --out "$T/idx" 2>"$T/aug.err"
check augment_idx_exit_0 test $? -eq 0
check augment_idx_files test -s "$T/idx/images-idx3-ubyte.gz" -a -s "$T/idx/labels-idx1-ubyte.gz"
# generated at G's size: 32x32 from the 28x28 data set
check augment_idx_counts test "$(idx_info "$T/idx")" = "120 32x32 12,12,12,12,12,12,12,12,12,12"
check augment_says_what grep -q "wrote 120 images (10 classes x 12) of 32x32" "$T/aug.err"
"$bin" train "${tiny[@]}" --cond --data "mnist:$T/idx" --iters 1 --out "$T/back" >/dev/null 2>&1
check idx_read_back_trains test -s "$T/back/checkpoints/latest.safetensors"
"$bin" augment --device "$dev" --ckpt "$T/c/checkpoints/generator.safetensors" --per-class 12 \
  --seed 5 --out "$T/idx2" 2>/dev/null
check same_seed_same_images cmp -s "$T/idx/images-idx3-ubyte.gz" "$T/idx2/images-idx3-ubyte.gz"
check same_seed_same_labels cmp -s "$T/idx/labels-idx1-ubyte.gz" "$T/idx2/labels-idx1-ubyte.gz"
"$bin" augment --device "$dev" --ckpt "$ck" --per-class 12 --seed 6 --out "$T/idx3" 2>/dev/null
check other_seed_other_images test "$(cmp -s "$T/idx/images-idx3-ubyte.gz" \
  "$T/idx3/images-idx3-ubyte.gz"; echo $?)" = 1

# 2. PNG class folders (ImageFolder), read back by folder:DIR
"$bin" augment --device "$dev" --ckpt "$ck" --per-class 3 --format png --out "$T/png" 2>/dev/null
check augment_png_exit_0 test $? -eq 0
check png_ten_class_folders test "$(find "$T/png" -mindepth 1 -type d | wc -l)" -eq 10
check png_three_per_class test "$(ls "$T/png/Sneaker" | tr '\n' ' ')" = \
  "000000.png 000001.png 000002.png "
check png_names_made_safe test -d "$T/png/T-shirt-top" -a -d "$T/png/Ankle boot"
check png_size_as_generated test "$(png_size "$T/png/Bag/000002.png")" = 32x32
"$bin" train "${tiny[@]}" --cond --data "folder:$T/png" --iters 1 --out "$T/fold" >/dev/null 2>&1
check png_read_back_trains test -s "$T/fold/checkpoints/latest.safetensors"
"$bin" sample --device "$dev" --ckpt "$T/fold/checkpoints/latest.safetensors" --label Sneaker \
  --n 2 --format png --out "$T/fs" 2>/dev/null
check folder_class_names_in_ckpt test "$(ls "$T/fs" | grep -c '^Sneaker_')" -eq 2

# 3. --labels for idx:FILE, --per-class
python3 "$here/tools/make_idx.py" "$T/x.idx" 64 28
python3 - "$T" <<'EOF'
import struct, sys
t = sys.argv[1]
for name, n in (("y.idx", 64), ("y60.idx", 60)):
    with open(t + "/" + name, "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + bytes(i % 4 for i in range(n)))
EOF
"$bin" train "${tiny[@]}" --cond --data "idx:$T/x.idx" --labels "$T/y.idx" --iters 1 \
  --out "$T/lab" >/dev/null 2>&1
check labels_file_trains test -s "$T/lab/checkpoints/latest.safetensors"
"$bin" train "${tiny[@]}" --cond --data "idx:$T/x.idx" --labels "$T/y.idx" --per-class 4 \
  --iters 1 --out "$T/pc" >"$T/pc.out" 2>&1
check per_class_trains grep -q "1 steps per epoch" "$T/pc.out"
one_error labels_count "y60.idx: 60 labels but .*x.idx has 64 images" \
  "$bin" train "${tiny[@]}" --cond --data "idx:$T/x.idx" --labels "$T/y60.idx" --iters 1 \
  --out "$T/x1"
one_error labels_not_for_mnist "a labels file is for idx:FILE data only" \
  "$bin" train "${cond[@]}" --cond --labels "$T/y.idx" --iters 1 --out "$T/x1"
"$bin" arch --classes 2 --ngf 8 --ndf 8 >"$T/two.json"
one_error labels_out_of_range "y.idx has labels up to 3 but the networks take 2 classes" \
  "$bin" train "${tiny[@]}" --arch "$T/two.json" \
  --data "idx:$T/x.idx" --labels "$T/y.idx" --iters 1 --out "$T/x1"
one_error per_class_too_many "per-class 20, but class 0 (T-shirt/top) has only 15 images" \
  "$bin" train "${cond[@]}" --cond --per-class 20 --iters 1 --out "$T/x1"
one_error per_class_unlabelled "has no labels" \
  "$bin" train "${tiny[@]}" --data "idx:$T/x.idx" --per-class 4 --iters 1 --out "$T/x1"
mkdir -p "$T/cls/a" "$T/cls/b"
cp "$T/png/Bag/000000.png" "$T/cls/a/"
one_error empty_class_folder "class folder 'b' has no PNG" \
  "$bin" train "${tiny[@]}" --cond --data "folder:$T/cls" --iters 1 --out "$T/x1"

# 4. augment's bad inputs
"$bin" train "${cond[@]}" --iters 1 --out "$T/u" >/dev/null 2>&1
one_error augment_unconditional "not a class-conditional generator" \
  "$bin" augment --device "$dev" --ckpt "$T/u/checkpoints/latest.safetensors" --per-class 2 \
  --out "$T/x2"
check augment_unconditional_writes_nothing test ! -e "$T/x2"
one_error augment_non_empty_out "folder is not empty" \
  "$bin" augment --device "$dev" --ckpt "$ck" --per-class 2 --out "$T/idx"
check augment_kept_old_files cmp -s "$T/idx/images-idx3-ubyte.gz" "$T/idx2/images-idx3-ubyte.gz"
one_error augment_out_is_file "not a folder" \
  "$bin" augment --device "$dev" --ckpt "$ck" --per-class 2 --out "$T/x.idx"
one_error augment_needs_per_class "required" \
  "$bin" augment --device "$dev" --ckpt "$ck" --out "$T/x3"
one_error augment_per_class_zero "per-class" \
  "$bin" augment --device "$dev" --ckpt "$ck" --per-class 0 --out "$T/x3"
one_error augment_missing_ckpt "nothere.safetensors" \
  "$bin" augment --device "$dev" --ckpt "$T/nothere.safetensors" --per-class 2 --out "$T/x3"
one_error augment_bad_format "format" \
  "$bin" augment --device "$dev" --ckpt "$ck" --per-class 2 --format jpg --out "$T/x3"
check augment_help "$bin" augment --help

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
