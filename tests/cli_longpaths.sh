#!/usr/bin/env bash
# timeout: 300
# No silent truncation: long paths are used whole or refused naming them. sample --format png
# into a folder of 1186 characters writes every sample; a cache folder of 1100 characters gets
# the entries (no folder cut short is created); a --resume path longer than the trainer takes
# is refused with its length.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-longpaths.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
python3 "$here/tools/make_idx.py" "$T/data.idx" 64
# a folder path of exactly N characters under $T (components of at most 200)
long_dir() {
  local want=$1 d=$T/l$2 part
  while [ ${#d} -lt $((want - 201)) ]; do d=$d/$(printf 'd%.0s' $(seq 1 199)); done
  part=$((want - ${#d} - 1)); d=$d/$(printf 'e%.0s' $(seq 1 $part))
  echo "$d"
}
"$bin" train --device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 16 --iters 1 \
  --quiet --out "$T/run" >/dev/null 2>&1 || { echo "training run failed"; exit 1; }
d=$(long_dir 1186 a); mkdir -p "$(dirname "$d")"
"$bin" sample --device "$dev" --ckpt "$T/run/checkpoints/generator.safetensors" --n 20 \
  --format png --out "$d" >/dev/null 2>"$T/e"
rc=$?
n=$(ls "$d" 2>/dev/null | grep -c '^sample_.*\.png$')
[ ${#d} -eq 1186 ] && [ $rc -eq 0 ] && [ "$n" -eq 20 ] && ok sample_png_long_folder "${#d} characters" \
  || bad sample_png_long_folder "${#d} characters, rc $rc, $n files: $(cat "$T/e")"

c=$(long_dir 1100 c)
CLGAN_CACHE_DIR=$c "$bin" train --device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 \
  --batch 16 --iters 1 --quiet --out "$T/run2" >/dev/null 2>"$T/e"
rc=$?
n=$(ls "$c" 2>/dev/null | grep -c '\.bin$')
cut=$(find "$T/lc" -type d | awk -v n=${#c} 'length($0) != n' | grep -c "e$")
[ $rc -eq 0 ] && [ "$n" -gt 0 ] && [ "$cut" -eq 0 ] && ok cache_dir_long "$n entries" \
  || bad cache_dir_long "rc $rc, $n entries, $cut cut folders: $(cat "$T/e")"

r=$(long_dir 1100 r)
err=$("$bin" train --device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 16 \
  --iters 2 --out "$T/run3" --resume "$r/latest.safetensors" 2>&1 >/dev/null); rc=$?
[ $rc -gt 0 ] && [ $rc -lt 128 ] && printf '%s' "$err" | grep -q -- "--resume path of 1119 characters" \
  && ok resume_path_too_long || bad resume_path_too_long "rc $rc: $err"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
