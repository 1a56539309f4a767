#!/usr/bin/env bash
# timeout: 600
# clgan check and clgan bench: results as tables and JSON, the chart, the simulator left out of
# "bench --device all", and one-line errors for bad ops, devices and files.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
# NAME PATTERN ARGS...: exit 1..127 and a single stderr line matching PATTERN
expect_error() {
  local name=$1 pat=$2; shift 2
  local err rc
  err=$("$bin" "$@" 2>&1 >/dev/null); rc=$?
  if [ $rc -ge 1 ] && [ $rc -lt 128 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
     printf '%s\n' "$err" | grep -Eq -e "$pat"; then ok "$name"; else bad "$name" "rc=$rc err=$err"; fi
}

# --- check: one op family on PoCL, as JSON: every row within tolerance, numbers present
"$bin" check --device pocl --op gemm_own --json >"$T/check.json"; rc=$?
[ $rc -eq 0 ] && ok check_exit_0 || bad check_exit_0 "rc=$rc"
python3 - "$T/check.json" <<'EOF' && ok check_json || bad check_json "see above"
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) >= 4, rows
for r in rows:
    assert r["op"].startswith("gemm_own"), r
    assert r["ok"] is True and r["shapes"] == "full", r
    assert 0 <= r["nmse"] < 1e-8 and 0 <= r["max_rel"] < 1e-2, r
EOF
out=$("$bin" check --device pocl --op conv2d_D2_fwd); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -Eq '^ +conv2d_D2_fwd.* OK ' && echo "$out" | grep -q ' 0 failed' \
  && ok check_table || bad check_table "rc=$rc out=$out"
expect_error check_unknown_op "no op name starts with 'nosuch'" check --device pocl --op nosuch
expect_error check_unknown_device "unknown device '99'" check --device 99
expect_error check_bad_flag "bogus" check --bogus

# --- bench on PoCL, small model: table, per-kernel profile, JSON and chart
small=(--batch 8 --ngf 8 --ndf 8 --steps 2 --warmup 1)
out=$("$bin" bench --device pocl "${small[@]}" --gemm both --json "$T/b.json"); rc=$?
echo "$out" | tail -4
[ $rc -eq 0 ] && ok bench_exit_0 || bad bench_exit_0 "rc=$rc"
echo "$out" | grep -Eq '^ +gemm_tile_8x32' && echo "$out" | grep -Eq '^ +clblast_sgemm' \
  && ok bench_kernel_table || bad bench_kernel_table "no per-kernel rows of both backends"
python3 - "$T/b.json" <<'EOF' && ok bench_json || bad bench_json "see above"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["results"]
assert d["batch"] == 8 and len(r) == 2, d
assert sorted(x["gemm"] for x in r) == ["clblast", "own"], r
for x in r:
    assert x["images_per_s"] > 0 and x["step_median_s"] > 0 and x["gflops"] > 0, x
EOF
python3 -c 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); assert d.documentElement.tagName == "svg"; assert len(d.getElementsByTagName("rect")) >= 2' \
  "$T/b.json.svg" && ok bench_chart || bad bench_chart "no SVG bar chart"

# --- the routes of the k4 s2 p1 convolutions: phases by force (each pass's phase kernel in the
# profile), columns by force (none of them), and auto, which takes for each kind of pass what
# its note says it chose (the layers with 8 or more output channels: ngf 8 gives G's and D's
# middle layers that many)
for route in phases columns auto; do
  out=$("$bin" bench --device pocl "${small[@]}" --conv $route); rc=$?
  note=$(echo "$out" | grep -E '^ +conv routes: ')
  good=1; rows=""
  for pk in up:convp_fwd down:convp_down wgrad:convp_wgrad; do
    kind=${pk%%:*} kern=${pk#*:}
    case $route in
      columns) want=0 ;; phases) want=1 ;;
      auto) if echo "$note" | grep -q "[ ,]$kind phases"; then want=1; else want=0; fi ;;
    esac
    got=$(echo "$out" | grep -Ec "^ +$kern ")
    rows="$rows $kern=$got/$want"
    [ "$got" -eq "$want" ] || good=0
  done
  [ $rc -eq 0 ] && [ $good -eq 1 ] && echo "$out" | grep -q "conv route $route" \
    && ok "bench_conv_$route" || bad "bench_conv_$route" "rc=$rc rows (got/want)$rows; $note"
done

# --- bench --device all leaves a simulator out, and says so
if "$bin" devices --json | python3 -c 'import json, sys; sys.exit(0 if any(d["kind"] == "simulator" for d in json.load(sys.stdin)) else 1)'; then
  out=$("$bin" bench --device all "${small[@]}" --json "$T/all.json"); rc=$?
  [ $rc -eq 0 ] && echo "$out" | grep -q "skipping .*(a simulator" &&
    python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["results"]; assert r and not any("Oclgrind" in x["device"] for x in r)' "$T/all.json" \
    && ok bench_all_skips_simulator || bad bench_all_skips_simulator "rc=$rc out=$out"
else
  echo "bench_all_skips_simulator SKIP: no simulator installed"
fi

expect_error bench_unknown_device "unknown device '99'" bench --device 99
expect_error bench_bad_gemm "gemm: 'fast' is not one of" bench --gemm fast
expect_error bench_json_unwritable "no/such/dir/b.json: cannot write: No such file" bench --device pocl "${small[@]}" \
  --json "$T/no/such/dir/b.json"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
