#!/usr/bin/env bash
# timeout: 300
# Non-finite tensors are refused on load, naming the tensor: a NaN or infinite weight, batch-norm
# statistic or optimizer state in a training checkpoint (--resume), a generator file (sample)
# or an MLP file (predict) gives one error line, exit 1..127, and no output.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-nonfinite.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
python3 "$here/tools/make_idx.py" "$T/data.idx" 64
tiny=(--device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 16 --quiet)
"$bin" train "${tiny[@]}" --iters 2 --out "$T/run" >/dev/null 2>&1 || { echo "run failed"; exit 1; }
ck=$T/run/checkpoints
# names of tensors in a file (first match of a pattern)
tensor() { python3 - "$1" "$2" <<'PY'
import json, re, struct, sys
d = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", d[:8])
h = json.loads(d[8:8 + n])
print(next(k for k in sorted(h) if k != "__metadata__" and re.search(sys.argv[2], k)))
PY
}
expect_refused() { # name pattern outfile args...
  local name=$1 pat=$2 outf=$3; shift 3
  local err rc; err=$("$@" 2>&1 >/dev/null); rc=$?
  if [ $rc -ne 0 ] && [ $rc -lt 128 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] \
     && printf '%s' "$err" | grep -qF -- "$pat" && [ ! -e "$outf" ]; then
    ok "$name" "rc $rc: ${err#clgan: error: }"
  else bad "$name" "rc $rc, output $( [ -e "$outf" ] && echo written || echo none): $err"; fi
}
# resume from a checkpoint with one bad value: a weight, a BN statistic, Adam's state
for case in "weight netG\\.main\\.0\\.weight nan" "bn netD.*running_var inf" \
            "adam netD\\.optim\\.exp_avg_sq -inf" "bias .*\\.bias nan"; do
  set -- $case
  d="$T/r_$1"; cp -r "$T/run" "$d"
  name=$(tensor "$ck/latest.safetensors" "$2") || { bad "resume_$1" "no tensor $2"; continue; }
  python3 "$here/tools/st_edit.py" "$ck/latest.safetensors" "$d/checkpoints/latest.safetensors" \
    "tensor:$name=$3"
  expect_refused "resume_$1" "tensor '$name' holds a value that is not finite" "$d/none" \
    "$bin" train "${tiny[@]}" --iters 4 --out "$d" --resume "$d"
done
# sample from a generator file with a NaN weight, and with a NaN BN mean
for pat in "main\\.0\\.weight" "running_mean"; do
  name=$(tensor "$ck/generator.safetensors" "$pat")
  python3 "$here/tools/st_edit.py" "$ck/generator.safetensors" "$T/g.st" "tensor:$name=nan"
  expect_refused "sample_$name" "tensor '$name' holds a value that is not finite" "$T/s.png" \
    "$bin" sample --device "$dev" --ckpt "$T/g.st" --n 4 --out "$T/s.png"
done
# predict with an MLP file holding an infinite weight
"$bin" mlp --data data/iris.csv --hidden 3 --maxit 5 --device "$dev" --log off --save "$T/net.st" \
  >/dev/null 2>&1 || bad mlp_train "failed"
name=$(tensor "$T/net.st" "weight")
python3 "$here/tools/st_edit.py" "$T/net.st" "$T/bad.st" "tensor:$name=inf"
expect_refused predict_inf_weight "tensor '$name' holds a value that is not finite" "$T/none" \
  "$bin" mlp predict --model "$T/bad.st" --data data/iris.csv --device "$dev"
# the unedited files still load
"$bin" sample --device "$dev" --ckpt "$ck/generator.safetensors" --n 4 --out "$T/ok.png" \
  2>"$T/e" && ok sample_unedited || bad sample_unedited "$(cat "$T/e")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
