#!/usr/bin/env bash
# timeout: 300
# Output errors are errors: a write error on stdout (a full disk: /dev/full; a closed stdout)
# gives one error line and a non-zero exit; with stdout closed, no file clgan opens takes
# descriptor 1, so nothing of its output lands in a PNG, checkpoint or log.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-output.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
python3 "$here/tools/make_idx.py" "$T/data.idx" 64
tiny=(--device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 16 --log-every 1)
write_fails() { # name args... (stdout already redirected by the caller's wrapper)
  local name=$1; shift
  local err rc; err=$("$@" 2>&1); rc=$?
  if [ $rc -ne 0 ] && [ $rc -lt 128 ] && printf '%s' "$err" | grep -q "cannot write to standard output"; then
    ok "$name" "rc $rc"
  else bad "$name" "rc $rc: $err"; fi
}
full() { "$@" >/dev/full; }
closed() { "$@" >&-; }
write_fails help_full full "$bin" --help
write_fails devices_full full "$bin" devices
write_fails version_closed closed "$bin" --version
write_fails devices_closed closed "$bin" devices
"$bin" mlp --data data/iris.csv --hidden 3 --maxit 5 --device "$dev" --log off --save "$T/net.st" \
  >/dev/null 2>&1 || bad mlp_train "failed"
write_fails predict_full full "$bin" mlp predict --model "$T/net.st" --data data/iris.csv --device "$dev"

# stdout closed: the files written are exactly what a run with stdout open writes
"$bin" train "${tiny[@]}" --iters 2 --out "$T/open" >/dev/null 2>&1
"$bin" train "${tiny[@]}" --iters 2 --out "$T/closed" >&- 2>/dev/null
rc=$?
python3 "$here/tools/st_compare.py" "$T/open/checkpoints/latest.safetensors" \
  "$T/closed/checkpoints/latest.safetensors" >/dev/null 2>&1 && same=1 || same=0
[ "$(cut -d, -f1,2,4- "$T/open/metrics.csv")" = "$(cut -d, -f1,2,4- "$T/closed/metrics.csv")" ] \
  && rows=1 || rows=0
[ $rc -eq 0 ] && [ $same -eq 1 ] && [ $rows -eq 1 ] && ok train_stdout_closed \
  || bad train_stdout_closed "rc $rc, same checkpoint $same, same metrics $rows"
ck=$T/open/checkpoints/generator.safetensors
"$bin" sample --device "$dev" --ckpt "$ck" --n 4 --out "$T/a.png" >/dev/null 2>&1
"$bin" sample --device "$dev" --ckpt "$ck" --n 4 --out "$T/b.png" >&- 2>&-
cmp -s "$T/a.png" "$T/b.png" && ok sample_stdout_stderr_closed || bad sample_stdout_stderr_closed "PNGs differ"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
