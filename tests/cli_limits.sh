#!/usr/bin/env bash
# timeout: 300
# Divergence and limits. A run whose weights blow up stops at the step where it is found with a
# message naming that step and the last good checkpoint, which keeps finite weights (nothing
# non-finite is written over it). Sizes that overflow or exceed the device, and files that claim
# such sizes, are refused with one line naming the sizes before anything that large is allocated.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-limits.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
python3 "$here/tools/make_idx.py" "$T/data.idx" 128
tiny=(--device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 16 --quiet)

# Run clgan; check exit 1..127, exactly one stderr line besides the start-up ones, matching
# the pattern; the run's wall time and peak memory must stay under the limits given.
# usage: expect_error NAME PATTERN MAX_SECONDS MAX_MB clgan-args...
expect_error() {
  local name=$1 pat=$2 secs=$3 mb=$4; shift 4
  local out
  out=$(python3 - "$bin" "$@" <<'PY'
import resource, subprocess, sys, time
t = time.time()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
lines = [l for l in r.stderr.splitlines()
         if not l.startswith(("clgan: G on ", "clgan: data ")) and " steps per epoch, " not in l
         and " from here on (the run had " not in l]
mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
print(r.returncode, "%.1f" % (time.time() - t), mb, len(lines))
print("\n".join(lines))
PY
)
  local rc secs_used mb_used nlines msg
  read -r rc secs_used mb_used nlines <<<"$(head -1 <<<"$out")"
  msg=$(tail -n +2 <<<"$out")
  if [ "$rc" -ge 1 ] && [ "$rc" -lt 128 ] && [ "$nlines" -eq 1 ] && grep -qE -- "$pat" <<<"$msg" \
     && awk -v a="$secs_used" -v b="$secs" 'BEGIN{exit !(a <= b)}' && [ "$mb_used" -le "$mb" ]; then
    ok "$name" "(${secs_used} s, ${mb_used} MB) $msg"
  else
    bad "$name" "rc=$rc ${secs_used} s ${mb_used} MB lines=$nlines: $msg"
  fi
}

# --- divergence: two good steps, then a learning rate that sends the weights to infinity
"$bin" train "${tiny[@]}" --iters 2 --ckpt-every 1 --log-every 1 --out "$T/base" >/dev/null 2>&1 \
  || { echo "base run failed"; exit 1; }
good=$T/base/checkpoints/latest.safetensors
python3 "$here/tools/st_check.py" "$good" >/dev/null && ok diverge_base_finite \
  || bad diverge_base_finite "the base checkpoint is not finite"
# (a) found by the loss check of a logged step
cp -r "$T/base" "$T/d1"
expect_error diverge_at_logged_step "step 3: training diverged .*last good checkpoint: $T/d1/checkpoints/latest.safetensors \\(step 2\\)" 60 2000 \
  train "${tiny[@]}" --iters 6 --ckpt-every 1 --log-every 1 --lr 1e20 --beta1 0 --out "$T/d1" --resume "$T/d1"
cmp -s "$good" "$T/d1/checkpoints/latest.safetensors" && ok diverge_checkpoint_kept \
  || bad diverge_checkpoint_kept "latest.safetensors changed"
python3 "$here/tools/st_check.py" "$T/d1/checkpoints/latest.safetensors" >/dev/null \
  && ok diverge_checkpoint_finite || bad diverge_checkpoint_finite "not finite"
"$bin" sample --device "$dev" --ckpt "$T/d1/checkpoints/latest.safetensors" --n 4 --out "$T/d1.png" \
  2>/dev/null && ok diverge_checkpoint_loads || bad diverge_checkpoint_loads "sample failed"
# (b) between logged steps: the checkpoint's own finite check refuses to write
cp -r "$T/base" "$T/d2"
expect_error diverge_at_checkpoint "step 3: training diverged: [GD] weights are not finite; not writing .*last good checkpoint: $T/d2/checkpoints/latest.safetensors \\(step 2\\)" 60 2000 \
  train "${tiny[@]}" --iters 6 --ckpt-every 1 --log-every 100 --lr 1e20 --beta1 0 --out "$T/d2" --resume "$T/d2"
cmp -s "$good" "$T/d2/checkpoints/latest.safetensors" && ok diverge_checkpoint_kept_unlogged \
  || bad diverge_checkpoint_kept_unlogged "latest.safetensors changed"
# (c) from the start: no checkpoint to fall back on, and none written
expect_error diverge_first_step "step 1: training diverged .*last good checkpoint: none written yet" 60 2000 \
  train "${tiny[@]}" --iters 4 --ckpt-every 1 --log-every 1 --lr 1e20 --beta1 0 --out "$T/d3"
[ ! -e "$T/d3/checkpoints/latest.safetensors" ] && ok diverge_first_step_no_checkpoint \
  || bad diverge_first_step_no_checkpoint "a checkpoint was written"
# settings that cannot work in single precision are refused before training
expect_error beta2_rounds_to_one "beta2" 10 2000 train "${tiny[@]}" --beta2 0.999999999 --out "$T/x"
expect_error lr_infinite_float "lr" 10 2000 train "${tiny[@]}" --lr 1e39 --out "$T/x"

# --- sizes the device cannot hold: refused from the plan, in a second, without allocating
expect_error model_too_large "needs [0-9.]+ GiB.*(per allocation|device memory)" 20 1000 \
  train --device "$dev" --data "idx:$T/data.idx" --batch 65536 --ngf 1024 --ndf 1024 --out "$T/x"
# --- files that claim sizes: refused from the header
hdr() { python3 -c "import struct,sys; open(sys.argv[1],'wb').write(struct.pack('>IIII',0x803,*map(int,sys.argv[2:])))" "$@"; }
hdr "$T/huge.idx" 4294967295 65536 65536     # 2^32 x 2^16 x 2^16 images
expect_error idx_claims_2e64_bytes "huge.idx: header says 4294967295 images of 65536x65536" 20 1000 \
  train "${tiny[@]}" --data "idx:$T/huge.idx" --out "$T/x"
hdr "$T/many.idx" 2147483648 28 28
expect_error idx_claims_2e31_images "many.idx: header says 2147483648 images" 20 1000 \
  train "${tiny[@]}" --data "idx:$T/many.idx" --out "$T/x"
hdr "$T/short.idx" 100000 16384 16384        # fits size_t, but the file is 16 bytes
expect_error idx_claims_26_terabytes "short.idx: truncated: header says 100000 images of 16384x16384" 20 1000 \
  train "${tiny[@]}" --data "idx:$T/short.idx" --out "$T/x"
python3 -c "import gzip,struct,sys; open(sys.argv[1],'wb').write(gzip.compress(struct.pack('>IIII',0x803,60000,4096,4096)+bytes(1<<22)))" "$T/bomb.idx.gz"
expect_error idx_gzip_claims_1_terabyte "bomb.idx.gz: truncated: .*after decompression" 20 1000 \
  train "${tiny[@]}" --data "idx:$T/bomb.idx.gz" --out "$T/x"
# a 30000 x 30000 PNG of 1 MB that inflates to 900 MB
mkdir -p "$T/bigpng"
python3 - "$T/bigpng/a.png" <<'PY'
import struct, sys, zlib
def chunk(t, b): return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b))
w = h = 30000
c = zlib.compressobj(9)
idat = b"".join(c.compress(b"\0" * (w + 1)) for _ in range(h)) + c.flush()
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                              + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
PY
expect_error png_30000x30000 "a.png: image of 30000x30000 pixels is larger than" 20 1000 \
  train "${tiny[@]}" --data "folder:$T/bigpng" --out "$T/x"
# a checkpoint whose header claims 2^63 bytes
python3 -c "import struct,sys; open(sys.argv[1],'wb').write(struct.pack('<Q',1<<63)+b'{}')" "$T/huge.st"
expect_error safetensors_header_2e63 "huge.st: header length" 20 1000 \
  sample --device "$dev" --ckpt "$T/huge.st" --out "$T/x.png"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
