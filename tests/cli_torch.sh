#!/usr/bin/env bash
# timeout: 300
# PyTorch in both directions, where PyTorch is installed (skipped, exit 77, otherwise): a
# DCGAN state_dict saved from PyTorch under its example's names, with no clgan metadata, samples
# in `clgan sample` (architecture inferred from the tensors, or given with --arch), draws the
# images PyTorch's G draws from the same noise, and starts a
# run with --init-g/--init-d (with or without num_batches_tracked); clgan's generator file loads
# into PyTorch's G with strict name and shape checks; a mismatch names the tensor and both
# shapes.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
py=
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null && "$p" -c 'import torch, numpy' 2>/dev/null; then py=$p; break; fi
done
if [ -z "$py" ]; then
  echo "SKIPPED: PyTorch (and numpy) not installed: apt-get install python3-torch"
  exit 77
fi
T=$(mktemp -d /tmp/clgan-cli-torch.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
tool() { "$py" "$here/tools/torch_dcgan.py" "$@"; }
python3 "$here/tools/make_idx.py" "$T/data.idx" 128
tiny=(--device "$dev" --data "idx:$T/data.idx" --nz 16 --ngf 8 --ndf 8 --batch 16 --quiet)
echo "PyTorch $("$py" -c 'import torch; print(torch.__version__)') ($py)"

# 1. PyTorch -> clgan: sample from a state_dict, architecture inferred
tool save "$T/g.st" "$T/d.st" || { echo "could not write the PyTorch files"; exit 1; }
tool save "$T/g_nonbt.st" "$T/d_nonbt.st" --no-nbt
for f in g g_nonbt; do
  err=$("$bin" sample --device "$dev" --ckpt "$T/$f.st" --n 4 --grid 4 --out "$T/$f.png" 2>&1)
  size=$(python3 "$here/tools/png_size.py" "$T/$f.png" 2>&1)
  [ "$size" = 138x36 ] && ok "sample_torch_$f" "$size" || bad "sample_torch_$f" "$size: $err"
done
# dcgan64's G (five transposed convolutions) is recognised as such
tool save "$T/g64.st" "$T/d64.st" --size 64
"$bin" sample --device "$dev" --ckpt "$T/g64.st" --n 1 --grid 1 --out "$T/g64.png" 2>/dev/null
size=$(python3 "$here/tools/png_size.py" "$T/g64.png" 2>&1)
[ "$size" = 68x68 ] && ok sample_torch_dcgan64 "$size" || bad sample_torch_dcgan64 "$size"
# the architecture given instead
"$bin" arch dcgan32 --nz 16 --ngf 8 --ndf 8 >"$T/arch.json"
"$bin" sample --device "$dev" --ckpt "$T/g.st" --arch "$T/arch.json" --n 4 --grid 4 \
  --out "$T/ga.png" 2>/dev/null && cmp -s "$T/g.png" "$T/ga.png" && ok sample_torch_arch_given \
  || bad sample_torch_arch_given "other images with --arch"
"$bin" arch dcgan32 --nz 16 --ngf 16 --ndf 8 >"$T/arch16.json"
err=$("$bin" sample --device "$dev" --ckpt "$T/g.st" --arch "$T/arch16.json" --n 4 \
  --out "$T/gb.png" 2>&1); rc=$?
[ $rc -ne 0 ] && [ $rc -lt 128 ] && printf '%s' "$err" | grep -q "main.0.weight' has shape \[16, 32, 4, 4\], expected \[16, 64, 4, 4\]" \
  && ok sample_torch_mismatch_named "${err#clgan: error: }" || bad sample_torch_mismatch_named "rc $rc: $err"

# the same images as PyTorch's G.eval() for the same noise (8-bit pixels, at most a level apart)
"$py" -c 'import numpy, sys; numpy.save(sys.argv[1],
  numpy.random.RandomState(1).randn(5, 16).astype(numpy.float32))' "$T/z.npy"
tool forward "$T/g.st" "$T/z.npy" "$T/torch_out.npy"
"$bin" sample --device "$dev" --ckpt "$T/g.st" --noise "$T/z.npy" --bn eval --format png \
  --out "$T/pngs" 2>/dev/null
msg=$(tool pngs "$T/torch_out.npy" "$T/pngs" 2>&1) && ok torch_forward_matches "$msg" \
  || bad torch_forward_matches "$msg"

# 2. --init-g/--init-d: the run starts from PyTorch's weights (a tiny rate keeps them)
"$bin" train "${tiny[@]}" --iters 1 --lr 1e-12 --init-g "$T/g_nonbt.st" --init-d "$T/d.st" \
  --out "$T/run" 2>"$T/err" && ok init_from_torch || bad init_from_torch "$(cat "$T/err")"
msg=$(tool compare "$T/g.st" "$T/run/checkpoints/generator.safetensors" --tol 1e-5 \
  --skip running_mean --skip running_var) && ok init_g_weights_kept "$msg" \
  || bad init_g_weights_kept "$msg"
err=$("$bin" train "${tiny[@]}" --ngf 16 --iters 1 --init-g "$T/g.st" --out "$T/run2" 2>&1); rc=$?
[ $rc -ne 0 ] && [ $rc -lt 128 ] && printf '%s' "$err" | grep -q "^clgan: error: --init-g: .*g.st: tensor 'main.0.weight' has shape \[16, 32, 4, 4\], expected \[16, 64, 4, 4\]" \
  && ok init_g_mismatch_named "${err#clgan: error: }" || bad init_g_mismatch_named "rc $rc: $err"
err=$("$bin" train "${tiny[@]}" --iters 1 --init-d "$T/run/checkpoints/generator.safetensors" \
  --out "$T/run3" 2>&1); rc=$?
[ $rc -ne 0 ] && [ $rc -lt 128 ] && printf '%s' "$err" | grep -q "holds no discriminator" \
  && ok init_d_from_generator_file_refused "${err#clgan: error: }" \
  || bad init_d_from_generator_file_refused "rc $rc: $err"
err=$("$bin" train --resume "$T/run" --iters 2 --init-g "$T/g.st" 2>&1); rc=$?
[ $rc -ne 0 ] && [ $rc -lt 128 ] && printf '%s' "$err" | grep -q "start a new run; --resume" \
  && ok init_with_resume_refused || bad init_with_resume_refused "rc $rc: $err"

# 3. clgan -> PyTorch: the generator file loads into the example's G, strictly
"$bin" train "${tiny[@]}" --iters 3 --out "$T/own" 2>/dev/null
msg=$(tool load "$T/own/checkpoints/generator.safetensors") && ok torch_loads_clgan_generator "$msg" \
  || bad torch_loads_clgan_generator "$msg"
# and a clgan checkpoint's G and D start another run
"$bin" train "${tiny[@]}" --iters 1 --lr 1e-12 --init-g "$T/own/checkpoints/latest.safetensors" \
  --init-d "$T/own/checkpoints/latest.safetensors" --out "$T/own2" 2>"$T/err" \
  && ok init_from_clgan_checkpoint || bad init_from_clgan_checkpoint "$(cat "$T/err")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
