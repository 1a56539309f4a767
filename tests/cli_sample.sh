#!/usr/bin/env bash
# timeout: 300
# `clgan sample` modes and noise files: --bn eval draws image i the same, byte for byte, whatever
# --n is (and across the 64-sample batches), where --bn batch (the default) depends on the batch;
# --save-noise writes the noise as .npy that --noise (and numpy, when importable) reads back to
# the same images; raw float32 works as well; damaged or mismatched noise files are refused with
# one line naming the file.
set -u
bin=$1
T=$(mktemp -d /tmp/clgan-cli-sample.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name" "$*"; fi; }
# one line on stderr naming what is wrong, and this exit status
one_error() {
  local name=$1 rc_want=$2 want=$3; shift 3
  "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ $rc -eq "$rc_want" ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q -- "$want" "$T/err"; then
    ok "$name"; else bad "$name" "rc $rc (want $rc_want), stderr: $(cat "$T/err")"; fi
}
dev=${CLGAN_TEST_CPU:-pocl}
"$bin" train --device "$dev" --max-images 128 --batch 16 --ngf 8 --ndf 8 --iters 4 --quiet \
  --sample-every 0 --out "$T/run" >"$T/train.log" 2>&1
G=$T/run/checkpoints/generator.safetensors
[ -s "$G" ] || { echo "training failed: $(tail -3 "$T/train.log")"; exit 1; }
S=("$bin" sample --device "$dev" --ckpt "$G")
s() { "${S[@]}" "$@" 2>>"$T/sample.log"; }
# the first k single images of two folders are the same bytes
same_first() { # k dirA dirB
  for i in $(seq 0 $(($1 - 1))); do
    f=$(printf 'sample_%06d.png' "$i")
    cmp -s "$2/$f" "$3/$f" || return 1
  done
}

# 1. eval: image i does not depend on --n (70 crosses the 64-sample batch)
s --bn eval --n 8 --format png --out "$T/e8"
s --bn eval --n 70 --format png --out "$T/e70"
check eval_independent_of_n same_first 8 "$T/e8" "$T/e70"
s --bn eval --n 1 --format png --out "$T/e1"
check eval_n1 same_first 1 "$T/e1" "$T/e70"
# batch statistics do depend on the batch: this is what makes the eval check mean something
s --bn batch --n 8 --format png --out "$T/b8"
s --n 64 --format png --out "$T/b64"
if same_first 8 "$T/b8" "$T/b64"; then bad batch_depends_on_batch "8 and 64 gave the same images"
else ok batch_depends_on_batch; fi
if same_first 8 "$T/e8" "$T/b8"; then bad eval_differs_from_batch "same images"
else ok eval_differs_from_batch; fi
# the default is batch
s --n 8 --format png --out "$T/d8"
check default_is_batch same_first 8 "$T/b8" "$T/d8"

# 2. --save-noise then --noise: the same images, in both modes; --n takes the first vectors
s --seed 7 --n 12 --save-noise "$T/z.npy" --out "$T/a.png"
s --noise "$T/z.npy" --out "$T/b.png"
check noise_file_same_grid cmp -s "$T/a.png" "$T/b.png"
s --bn eval --seed 7 --n 12 --format png --out "$T/ea"
s --bn eval --noise "$T/z.npy" --n 5 --format png --out "$T/eb"
check noise_file_first_n same_first 5 "$T/ea" "$T/eb"
check noise_file_n_count test "$(ls "$T/eb" | wc -l)" -eq 5
s --interp --n 16 --grid 8 --save-noise "$T/zi.npy" --out "$T/i1.png"
s --noise "$T/zi.npy" --grid 8 --out "$T/i2.png"
check interp_noise_saved cmp -s "$T/i1.png" "$T/i2.png"
# the file: NPY 1.0, '<f4', C order, shape (12, 100, 1, 1), 64-byte aligned header
hdr=$(head -c 128 "$T/z.npy" | tail -c 118)
check npy_header_text test "$hdr" = "{'descr': '<f4', 'fortran_order': False, 'shape': (12, 100, 1, 1), }$(printf '%*s' 49 '')"
check npy_size test "$(stat -c %s "$T/z.npy")" -eq $((128 + 12 * 100 * 4))
# raw float32: the data part alone
tail -c $((12 * 100 * 4)) "$T/z.npy" >"$T/z.f32"
s --noise "$T/z.f32" --out "$T/c.png"
check raw_noise_same_grid cmp -s "$T/a.png" "$T/c.png"

# 3. bad noise files: one line naming the file
cp "$T/z.f32" "$T/raw_named.npy"
one_error npy_without_magic 1 "raw_named.npy: not an NPY file" "${S[@]}" --noise "$T/raw_named.npy" --out "$T/x.png"
{ head -c 6 "$T/z.npy"; printf '\003\000'; tail -c +9 "$T/z.npy"; } >"$T/v3.npy"
one_error npy_version_3 1 "v3.npy: NPY format version 3.0" "${S[@]}" --noise "$T/v3.npy" --out "$T/x.png"
sed "1s/<f4/<f8/" "$T/z.npy" >"$T/f8.npy"
one_error npy_f8 1 "f8.npy: NPY header: dtype '<f8' is not supported" "${S[@]}" --noise "$T/f8.npy" --out "$T/x.png"
sed "1s/False/True /" "$T/z.npy" >"$T/fortran.npy"
one_error npy_fortran 1 "fortran.npy: NPY header: fortran_order True" "${S[@]}" --noise "$T/fortran.npy" --out "$T/x.png"
head -c 1000 "$T/z.npy" >"$T/cut.npy"
one_error npy_truncated 1 "cut.npy: shape (12, 100) needs 4800 bytes of data, the file has 872 (truncated)" \
  "${S[@]}" --noise "$T/cut.npy" --out "$T/x.png"
{ head -c 8 "$T/z.npy"; printf '\377\377'; tail -c +11 "$T/z.npy"; } >"$T/hl.npy"
one_error npy_header_length 1 "hl.npy: NPY header length 65535 runs past the end" "${S[@]}" --noise "$T/hl.npy" --out "$T/x.png"
sed "1s/(12, 100, 1, 1)/(12, 99, 1, 1) /" "$T/z.npy" >"$T/nz.npy"
one_error npy_other_nz 2 "nz.npy: holds noise vectors of 99 values, the generator takes nz = 100" \
  "${S[@]}" --noise "$T/nz.npy" --out "$T/x.png"
sed "1s/(12, 100, 1, 1), }            /(99999999999999999999, 100), }/" "$T/z.npy" >"$T/huge.npy"
one_error npy_huge_shape 1 "huge.npy: NPY header: dimension 0 of 'shape' is larger" \
  "${S[@]}" --noise "$T/huge.npy" --out "$T/x.png"
head -c 3000 "$T/z.f32" >"$T/odd.f32"
one_error raw_not_whole 1 "odd.f32: 3000 bytes of raw float32 are not a whole number" \
  "${S[@]}" --noise "$T/odd.f32" --out "$T/x.png"
one_error noise_missing 1 "nope.npy: cannot open" "${S[@]}" --noise "$T/nope.npy" --out "$T/x.png"
one_error noise_too_few 2 "--n 13: .*z.npy holds only 12 noise vectors" "${S[@]}" --noise "$T/z.npy" --n 13 --out "$T/x.png"
one_error noise_and_interp 2 "--noise and --interp cannot be combined" "${S[@]}" --noise "$T/z.npy" --interp --out "$T/x.png"
one_error bn_choice 2 "--bn: 'train' is not one of batch|eval" "${S[@]}" --bn train --out "$T/x.png"
one_error save_noise_bad_folder 1 "no/such/z.npy" "${S[@]}" --n 4 --save-noise "$T/no/such/z.npy" --out "$T/x.png"
check help_names_bn_modes sh -c "'$bin' sample --help | grep -q -- '--bn MODE.*running statistics'"

# 4. numpy reads what --save-noise wrote, and writes what --noise reads (when importable)
if python3 -c 'import numpy' 2>/dev/null; then
  out=$(python3 - "$T/z.npy" "$T/z.f32" "$T/np2d.npy" <<'EOF'
import sys, numpy as np
z = np.load(sys.argv[1])
raw = np.fromfile(sys.argv[2], dtype='<f4').reshape(12, 100, 1, 1)
assert z.shape == (12, 100, 1, 1) and z.dtype == np.float32, (z.shape, z.dtype)
assert np.array_equal(z, raw)
np.save(sys.argv[3], z.reshape(12, 100))
print("ok")
EOF
  )
  check numpy_reads_saved_noise test "$out" = ok
  s --noise "$T/np2d.npy" --out "$T/np.png"
  check numpy_written_noise_same_grid cmp -s "$T/a.png" "$T/np.png"
else
  echo "numpy_checks SKIPPED: python3 cannot import numpy"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
