#!/usr/bin/env bash
# timeout: 120
# clgan devices: table and JSON list every platform; errors are one line and non-zero.
set -u
bin=$1
fail=0; pass=0
ok() { echo "$1 OK"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }

out=$("$bin" devices) || bad devices_exit "exit $?"
echo "$out"
for p in $(clinfo -l 2>/dev/null | sed -n 's/^Platform #[0-9]*: //p' | cut -c1-20 | tr ' ' '_'); do
  name=${p//_/ }
  if clinfo -l | grep -A1 "Platform #.*: $name" | grep -q Device; then
    echo "$out" | grep -qF "$name" && ok "devices_lists_$p" || bad "devices_lists_$p" "missing"
  fi
done
json=$("$bin" devices --json) && echo "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d)>0 and all("kind" in x and "id" in x for x in d)' \
  && ok devices_json || bad devices_json "invalid JSON"
err=$("$bin" devices --bogus 2>&1 >/dev/null); rc=$?
[ $rc -ne 0 ] && [ "$(echo "$err" | wc -l)" -eq 1 ] && echo "$err" | grep -q "bogus" \
  && ok devices_bad_flag || bad devices_bad_flag "rc=$rc err=$err"
err=$("$bin" nosuchcommand 2>&1 >/dev/null); rc=$?
[ $rc -ne 0 ] && echo "$err" | grep -q "nosuchcommand" && ok unknown_command || bad unknown_command "$err"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
