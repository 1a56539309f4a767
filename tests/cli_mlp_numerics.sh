#!/usr/bin/env bash
# timeout: 300
# MLP numerics and messages: a feature whose mean or variance overflows (values near +-1e200 or
# +-1e308) is refused naming the feature, not trained into garbage or saved as a model predict
# then refuses; predict on a CSV lacking the network's feature columns names every one missing.
set -u
bin=$1
T=$(mktemp -d /tmp/clgan-cli-mlpnum.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
iris=data/iris.csv
expect_refused() { # name pattern args...
  local name=$1 pat=$2; shift 2
  local err rc; err=$("$@" 2>&1 >/dev/null); rc=$?
  if [ $rc -ne 0 ] && [ $rc -lt 128 ] && [ "$(printf '%s\n' "$err" | grep -c 'error')" -eq 1 ] \
     && printf '%s' "$err" | grep -q -- "$pat"; then ok "$name" "rc $rc: $(printf '%s' "$err" | grep error)"
  else bad "$name" "rc $rc: $err"; fi
}
# scale one column of iris: every value of sepal_width times F (alternating sign with S)
scaled() { # out factor alternate
  awk -F, -v OFS=, -v f="$2" -v alt="$3" 'NR == 1 { print; next }
    { $2 = sprintf("%.17g", $2 * f * (alt && NR % 2 ? -1 : 1)); print }' "$iris" >"$1"
}
scaled "$T/e200.csv" 1e200 1
scaled "$T/e308.csv" 4e307 0
scaled "$T/neg308.csv" -4e307 0
for f in e200 e308 neg308; do
  expect_refused "huge_feature_$f" "feature 'sepal_width' has values too large to normalise" \
    "$bin" mlp --data "$T/$f.csv" --hidden 3 --maxit 5 --device "$dev" --log off --save "$T/$f.st"
  [ ! -e "$T/$f.st" ] && ok "no_model_saved_$f" || bad "no_model_saved_$f" "model written"
done
# large but normalisable values still train
scaled "$T/e100.csv" 1e100 1
"$bin" mlp --data "$T/e100.csv" --hidden 3 --maxit 5 --device "$dev" --log off >/dev/null 2>"$T/e" \
  && ok large_feature_trains || bad large_feature_trains "$(cat "$T/e")"

# predict names every missing feature column
"$bin" mlp --data "$iris" --hidden 3 --maxit 5 --device "$dev" --log off --save "$T/net.st" >/dev/null 2>&1 \
  || bad mlp_train "failed"
cut -d, -f1,3,5 "$iris" >"$T/two_missing.csv"
expect_refused predict_missing_columns "no columns 'sepal_width', 'petal_width': features" \
  "$bin" mlp predict --model "$T/net.st" --data "$T/two_missing.csv" --device "$dev"
cut -d, -f1,2,3,5 "$iris" >"$T/one_missing.csv"
expect_refused predict_missing_column "no column 'petal_width': a feature" \
  "$bin" mlp predict --model "$T/net.st" --data "$T/one_missing.csv" --device "$dev"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
