#!/usr/bin/env bash
# timeout: 300
# Checkpoint metadata is input: each number a resumed run reads is range-checked before use. A
# checkpoint edited to hold a negative, fractional, non-finite, huge or malformed value must be
# refused with one error line naming the field, exit 1..127, and leave the run folder as it was
# (metrics rows included); the unedited checkpoint resumes.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-meta.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
python3 "$here/tools/make_idx.py" "$T/data.idx" 128
tiny=(--device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 16 --log-every 1 --quiet)
"$bin" train "${tiny[@]}" --iters 2 --ckpt-every 1 --out "$T/base" >/dev/null 2>&1 \
  || { echo "base run failed"; exit 1; }

# edit KEY VALUE, expecting a refusal naming KEY
refused() { # name key value [pattern]
  local name=$1 key=$2 val=$3 pat=${4:-"metadata $2 = "}
  local d="$T/$name"
  cp -r "$T/base" "$d"
  python3 "$here/tools/st_edit.py" "$T/base/checkpoints/latest.safetensors" \
    "$d/checkpoints/latest.safetensors" "meta:$key=$val"
  cp "$d/metrics.csv" "$d.metrics"
  local err rc
  err=$("$bin" train "${tiny[@]}" --iters 4 --out "$d" --resume "$d" 2>&1 >/dev/null); rc=$?
  if [ $rc -eq 0 ] || [ $rc -ge 128 ]; then bad "$name" "rc $rc: $err"; return; fi
  if [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ] || ! printf '%s' "$err" | grep -qF -- "$pat"; then
    bad "$name" "rc $rc, expected one line with '$pat': $err"; return; fi
  cmp -s "$d/metrics.csv" "$d.metrics" || { bad "$name" "metrics.csv changed"; return; }
  ok "$name" "rc $rc: ${err#clgan: error: }"
}
refused step_negative step -5
refused step_fraction step 1.5
refused step_nan step nan
refused step_inf step inf
refused step_huge step 1e30
refused step_empty step ""
refused step_space step " 2"
refused step_text step 2x
refused epoch_negative epoch -1
refused epoch_huge epoch 3000000000
refused bie_negative batch_in_epoch -1000000
refused bie_past_epoch batch_in_epoch 9
refused adam_g_nan adam_t_G nan
refused adam_d_huge adam_t_D 1e30
refused bn_inf bn_batches_D inf
refused shuffle_past_2_64 shuffle_state 18446744073709551616
refused shuffle_negative shuffle_state -5
refused noise_sign noise_counter +5
refused noise_hex noise_counter 0x10
refused seed_missing_digits seed ""

# a missing field is named too
d="$T/missing"; cp -r "$T/base" "$d"
python3 "$here/tools/st_edit.py" "$T/base/checkpoints/latest.safetensors" \
  "$d/checkpoints/latest.safetensors" "meta:adam_t_G"
err=$("$bin" train "${tiny[@]}" --iters 4 --out "$d" --resume "$d" 2>&1 >/dev/null); rc=$?
[ $rc -gt 0 ] && [ $rc -lt 128 ] && printf '%s' "$err" | grep -q "adam_t_G missing" \
  && ok missing_field || bad missing_field "rc $rc: $err"

# the edges of the ranges are accepted: a batch position at the epoch's end, the largest
# shuffle state
d="$T/edges"; cp -r "$T/base" "$d"
python3 "$here/tools/st_edit.py" "$T/base/checkpoints/latest.safetensors" \
  "$d/checkpoints/latest.safetensors" "meta:batch_in_epoch=8" \
  "meta:shuffle_state=18446744073709551615"
"$bin" train "${tiny[@]}" --iters 3 --out "$d" --resume "$d" >/dev/null 2>"$d.err" \
  && ok range_edges_accepted || bad range_edges_accepted "$(cat "$d.err")"

# a negative num_batches_tracked tensor is refused with the tensor's name
d="$T/nbt"; cp -r "$T/base" "$d"
python3 - "$T/base/checkpoints/latest.safetensors" "$d/checkpoints/latest.safetensors" <<'PY'
import json, struct, sys
data = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", data[:8])
h = json.loads(data[8:8 + n])
name = next(k for k in h if k.startswith("netG.") and k.endswith("num_batches_tracked"))
lo = h[name]["data_offsets"][0]
body = bytearray(data[8 + n:])
body[lo:lo + 8] = struct.pack("<q", -7)
open(sys.argv[2], "wb").write(data[:8 + n] + bytes(body))
PY
err=$("$bin" train "${tiny[@]}" --iters 4 --out "$d" --resume "$d" 2>&1 >/dev/null); rc=$?
[ $rc -gt 0 ] && [ $rc -lt 128 ] && printf '%s' "$err" | grep -q "num_batches_tracked = -7" \
  && ok negative_bn_count || bad negative_bn_count "rc $rc: $err"

# the unedited checkpoint resumes
"$bin" train "${tiny[@]}" --iters 3 --out "$T/base" --resume "$T/base" >/dev/null 2>"$T/ok.err" \
  && ok unedited_resumes || bad unedited_resumes "$(cat "$T/ok.err")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
