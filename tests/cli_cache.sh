#!/usr/bin/env bash
# timeout: 300
# The cache through the real loaders: a GEMM-choice or convolution-route entry whose timings are
# not finite, out of range or contradict the choice, or whose lines are out of order, unknown or
# incomplete (written with a valid checksum, so only the parser can catch it) is measured again,
# never trusted; a program entry damaged behind a valid header, or
# replaced by a FIFO, is rebuilt and the run succeeds. (tests/test_runtime.c checks the program
# entries in detail.)
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-cache.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
python3 "$here/tools/make_idx.py" "$T/data.idx" 64
export CLGAN_CACHE_DIR=$T/cache
run() { # out-dir: one step; prints the GEMM note line
  "$bin" train --device "$dev" --gemm auto --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 16 \
    --iters 1 --quiet --out "$T/$1" 2>&1 >/dev/null
}
out=$(run first); rc=$?
printf '%s' "$out" | grep -q "GEMM .*auto: measured own" \
  || { echo "first run did not measure (rc $rc): $out"; exit 1; }
# the entry whose key is the GEMM choice; rewrite its payload with a valid checksum
entry=$(grep -l "clgan-gemm-choice" "$T"/cache/*.bin | head -1)
[ -n "$entry" ] || { echo "no GEMM-choice entry in $T/cache"; exit 1; }
set_payload() { # payload [entry]
  python3 - "${2:-$entry}" "$1" <<'PY'
import struct, sys
path, payload = sys.argv[1], sys.argv[2].encode() + b"\n"
d = open(path, "rb").read()
(kl,) = struct.unpack("<I", d[8:12])
h = 1469598103934665603
for b in payload:
    h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
open(path, "wb").write(d[:12 + kl] + struct.pack("<QQ", len(payload), h) + payload)
PY
}
i=0
for p in "own nan 0.001" "clblast 0.001 nan" "own inf inf" "own -1 0.5" "own 1e300 0.5" \
         "own 0.5 0.001" "clblast 0.001 0.5"; do
  i=$((i+1))
  set_payload "$p"
  out=$(run "r$i"); rc=$?
  if [ $rc -eq 0 ] && printf '%s' "$out" | grep -q "GEMM .*auto: measured own"; then
    ok "gemm_entry_remeasured_$i" "'$p'"
  else bad "gemm_entry_remeasured_$i" "'$p': rc $rc: $(printf '%s' "$out" | grep GEMM)"; fi
done
# a sensible entry is used as it is
set_payload "own 0.004 0.02"
out=$(run good); rc=$?
[ $rc -eq 0 ] && printf '%s' "$out" | grep -q "GEMM own (auto: measured before (own 4.0 ms" \
  && ok gemm_entry_used || bad gemm_entry_used "rc $rc: $(printf '%s' "$out" | grep GEMM)"
# the convolution routes' entry: three lines, up, down, wgrad
centry=$(grep -l "clgan-conv-choice" "$T"/cache/*.bin | head -1)
[ -n "$centry" ] || { echo "no conv-choice entry in $T/cache"; exit 1; }
ok3=$'down phases 0.004 0.002\nwgrad columns 0.001 0.002'
i=0
for p in $'up phases nan 0.002\n'"$ok3" $'up phases inf inf\n'"$ok3" \
         $'up phases -1 0.002\n'"$ok3" $'up phases 1e300 0.002\n'"$ok3" \
         $'up phases 0.001 0.5\n'"$ok3" $'up columns 0.5 0.001\n'"$ok3" \
         $'up diagonal 0.004 0.002\n'"$ok3" $'down phases 0.004 0.002\nup phases 0.004 0.002\nwgrad columns 0.001 0.002' \
         $'up phases 0.004 0.002\ndown phases 0.004 0.002' \
         $'up phases 0.004 0.002\n'"$ok3"$'\nextra phases 1 1'; do
  i=$((i+1))
  set_payload "$p" "$centry"
  out=$(run "c$i"); rc=$?
  if [ $rc -eq 0 ] && printf '%s' "$out" | grep -q "convolutions auto: measured up"; then
    ok "conv_entry_remeasured_$i"
  else bad "conv_entry_remeasured_$i" "'$p': rc $rc: $(printf '%s' "$out" | grep -o 'convolutions.*')"; fi
done
set_payload $'up phases 0.004 0.002\n'"$ok3" "$centry"
out=$(run cgood); rc=$?
[ $rc -eq 0 ] && printf '%s' "$out" | grep -q "convolutions auto: measured before up phases 2.00 ms (columns 4.00 ms), down phases 2.00 ms (columns 4.00 ms), wgrad columns 1.00 ms (phases 2.00 ms)" \
  && ok conv_entry_used || bad conv_entry_used "rc $rc: $(printf '%s' "$out" | grep -o 'convolutions.*')"
# program entries: flip a byte in the middle of each binary (checksum no longer matches)
for f in "$T"/cache/*.bin; do
  grep -q "clgan-gemm-choice" "$f" && continue
  python3 - "$f" <<'PY'
import sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
d[len(d) - len(d) // 4] ^= 0x40
open(p, "wb").write(bytes(d))
PY
done
out=$(run flipped); rc=$?
[ $rc -eq 0 ] && ok program_entries_flipped_rebuilt || bad program_entries_flipped_rebuilt "rc $rc: $out"
out=$(run flipped2); rc=$?
[ $rc -eq 0 ] && ok program_entries_second_run || bad program_entries_second_run "rc $rc: $out"
# a FIFO in place of every program entry: no hang, rebuilt
for f in "$T"/cache/*.bin; do
  grep -q "clgan-gemm-choice" "$f" && continue
  rm -f "$f"; mkfifo "$f"
done
out=$(timeout 120 "$bin" train --device "$dev" --gemm auto --data "idx:$T/data.idx" --ngf 8 \
  --ndf 8 --batch 16 --iters 1 --quiet --out "$T/fifo" 2>&1 >/dev/null); rc=$?
fifos=$(find "$T/cache" -type p | wc -l)
[ $rc -eq 0 ] && [ "$fifos" -eq 0 ] && ok program_entry_fifo_rebuilt \
  || bad program_entry_fifo_rebuilt "rc $rc, $fifos FIFOs left: $out"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
