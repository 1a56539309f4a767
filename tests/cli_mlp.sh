#!/usr/bin/env bash
# timeout: 600
# clgan mlp end to end on the CPU device with data/iris.csv: the seed document's settings
# (Quickprop) over 10 seeds, their spread and the confusion matrix layout; Adam with softmax
# cross-entropy; the other rules; the per-epoch error log; --save then predict giving the same
# test accuracy; and a one-line error with a non-zero exit for each bad input.
set -u
bin=$1
T=$(mktemp -d /tmp/clgan-cli-mlp.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name" "$*"; fi; }
dev=${CLGAN_TEST_CPU:-pocl}
iris=data/iris.csv
seed_settings=(--data "$iris" --hidden 5 --learn quickprop --learn-params 0.1,2.0,0.0001,0.1
               --maxit 100 --test-ratio 0.15)
# mean >= lo (awk: floating point)
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# 1. the seed document's settings over seeds 1..10: the mean test accuracy, the spread, the log
"$bin" mlp "${seed_settings[@]}" --seed 1 --repeat 10 --device "$dev" --log "$T/q.csv" \
  >"$T/q.out" 2>"$T/q.err"
rc=$?; check quickprop_repeat_exit_0 test $rc -eq 0
mean=$(sed -n 's/^test accuracy over 10 seeds.*mean \([0-9.]*\),.*/\1/p' "$T/q.out")
# Measured: 0.813 on PoCL and 0.874 on Oclgrind (seeds 1..10), 0.816 on PoCL over 30 seeds
# (0.57 to 1.0). Quickprop with these settings is bimodal: a seed learns all three classes
# (0.9-1.0) or stalls with two (about 0.65), and which one a seed does changes with the
# device's rounding; the bounds leave room for that but not for a network that never learns.
if [ -n "$mean" ] && ge "$mean" 0.72; then ok quickprop_mean_accuracy "$mean"; else
  bad quickprop_mean_accuracy "mean '$mean': $(cat "$T/q.out")"; fi
good=$(grep -cE '^seed [0-9]+: .*test accuracy (0\.9|1\.0)' "$T/q.out")
check quickprop_seeds_that_learn test "$good" -ge 3
check quickprop_per_seed_lines test "$(grep -c '^seed [0-9]*: 100 epochs' "$T/q.out")" -eq 10
check quickprop_histogram grep -q '^  \[0\.95, 1\.00\] ' "$T/q.out"
check log_header test "$(head -1 "$T/q.csv")" = "seed,epoch,train_sse,test_sse"
check log_rows test "$(($(wc -l <"$T/q.csv") - 1))" -eq 1000
check log_last_row grep -q '^10,100,[0-9.e+-]*,[0-9.e+-]*$' "$T/q.csv"
# the error falls: the first epoch's above the last one's for most seeds
falls=$(awk -F, 'NR>1 && $2==1 {f[$1]=$3} NR>1 && $2==100 && $3<f[$1] {n++} END {print n+0}' "$T/q.csv")
check log_error_falls test "$falls" -ge 8

# 2. one run: the summary line and the confusion matrix as R prints table(targets, predictions)
"$bin" mlp "${seed_settings[@]}" --seed 3 --device "$dev" --out "$T/one" --save "$T/net.st" \
  >"$T/one.out" 2>"$T/one.err"
rc=$?; check single_exit_0 test $rc -eq 0
check single_log_in_out_dir test "$(($(wc -l <"$T/one/mlp_error.csv") - 1))" -eq 100
summary=$(grep '^seed 3: 100 epochs, training SSE [0-9.]*, test SSE [0-9.]*, test accuracy' \
  "$T/one.out")
check summary_line test -n "$summary"
check matrix_title test "$(grep -A1 '^classes: 1 setosa, 2 versicolor, 3 virginica$' \
  "$T/one.out" | tail -1)" = "       predictions"
header=$(grep '^targets' "$T/one.out")
if printf '%s\n' "$header" | grep -Eq '^targets( +0)? +1 +2 +3$'; then ok matrix_header "$header"
else bad matrix_header "'$header'"; fi
rows=$(grep -E '^      [1-3]( +[0-9]+){3,4}$' "$T/one.out" | wc -l)
check matrix_rows test "$rows" -eq 3
# the cells add up to the 23 test rows, the diagonal to the accuracy line
cells=$(grep -E '^      [1-3]( +[0-9]+){3,4}$' "$T/one.out" | awk '{for (i = 2; i <= NF; i++) s += $i} END {print s}')
check matrix_total test "$cells" -eq 23
right=$(grep -E '^      [1-3]( +[0-9]+){3,4}$' "$T/one.out" |
  awk -v z="$(printf '%s\n' "$header" | awk '{print ($2 == 0)}')" '{s += $(1 + NR + z)} END {print s}')
acc_line=$(grep '^accuracy ' "$T/one.out")
check matrix_diagonal_is_accuracy grep -q "^accuracy [0-9.]* ($right of 23" "$T/one.out"
check precision_recall_rows test "$(grep -cE '^[1-3] [a-z]+ +([0-9.]+|-) +([0-9.]+|-)$' "$T/one.out")" -eq 3
if awk -v s="$summary" -v a="$acc_line" 'BEGIN {
     split(s, x, "test accuracy "); split(x[2], y, " "); split(a, z, " "); exit !(y[1] == z[2]) }'
then ok summary_matches_matrix; else bad summary_matches_matrix "$summary / $acc_line"; fi

# 3. --save then predict: the saved seed finds the same test rows, the accuracy is the same
"$bin" mlp predict --model "$T/net.st" --data "$iris" --rows test --device "$dev" \
  >"$T/pred.out" 2>"$T/pred.err"
rc=$?; check predict_exit_0 test $rc -eq 0
check predict_same_accuracy test "$(grep '^accuracy ' "$T/pred.out")" = "$acc_line"
check predict_same_matrix diff <(sed -n '/^targets/,/^$/p' "$T/one.out") \
  <(sed -n '/^targets/,/^$/p' "$T/pred.out")
"$bin" mlp predict --model "$T/net.st" --data "$iris" --device "$dev" >"$T/all.out" 2>/dev/null
check predict_all_rows grep -q '^accuracy [0-9.]* ([0-9]* of 150' "$T/all.out"
# rows without the class column: one line per row
cut -d, -f1-4 "$iris" >"$T/features.csv"
"$bin" mlp predict --model "$T/net.st" --data "$T/features.csv" --device "$dev" \
  >"$T/list.out" 2>/dev/null
check predict_list_header test "$(head -1 "$T/list.out")" = "row,predicted,setosa,versicolor,virginica"
check predict_list_rows test "$(grep -cE '^[0-9]+,(setosa|versicolor|virginica|NA)(,[0-9.e-]+){3}$' "$T/list.out")" -eq 150

# 4. Adam with softmax cross-entropy (PyTorch's defaults, batch 1) over the same seeds; the
# sanitizer run (CLGAN_TEST_QUICK) takes seeds 1..3 (0.957, 0.957, 1.0 on PoCL): batch-1 Adam
# takes 12700 steps of a few kernels each a seed, 19 s a seed under ASan's full-stack malloc records
reps=10; [ -n "${CLGAN_TEST_QUICK:-}" ] && reps=3
"$bin" mlp --data "$iris" --hidden 5 --learn adam --loss ce --maxit 100 --test-ratio 0.15 \
  --seed 1 --repeat $reps --device "$dev" --log "$T/adam.csv" >"$T/adam.out" 2>"$T/adam.err"
rc=$?; check adam_exit_0 test $rc -eq 0
mean=$(sed -n "s/^test accuracy over $reps seeds.*mean \([0-9.]*\),.*/\1/p" "$T/adam.out")
if [ -n "$mean" ] && ge "$mean" 0.93; then ok adam_ce_mean_accuracy "$mean"; else
  bad adam_ce_mean_accuracy "mean '$mean': $(cat "$T/adam.out")"; fi
check adam_log_header test "$(head -1 "$T/adam.csv")" = "seed,epoch,train_ce,test_ce"

# 5. the other rules and two hidden layers run and learn something
for rule in "std-backprop" "sgd --learn-params 0.05,0.9" "adam --hidden 16,16 --loss ce --batch 8 --learn-params 0.01"; do
  # shellcheck disable=SC2086
  "$bin" mlp --data "$iris" --learn $rule --maxit 40 --seed 2 --device "$dev" --log off \
    >"$T/r.out" 2>&1
  acc=$(sed -n 's/.*test accuracy \([0-9.]*\) .*/\1/p' "$T/r.out")
  name="rule_$(echo "$rule" | tr -c 'a-z0-9\n' '_')"
  if [ -n "$acc" ] && ge "$acc" 0.7; then ok "$name" "$acc"; else bad "$name" "$(cat "$T/r.out")"; fi
done

# 6. bad input: one line on stderr naming the thing, non-zero exit, no crash
expect_error() { # name, pattern, args...
  local name=$1 pat=$2; shift 2
  local err; err=$("$bin" "$@" 2>&1 >/dev/null); local rc=$?
  if [ $rc -ne 0 ] && [ $rc -lt 128 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] \
     && printf '%s' "$err" | grep -q -- "$pat"; then ok "$name" "$err"; else
     bad "$name" "rc=$rc err=$err"; fi
}
run=(mlp --device "$dev" --log off --maxit 2)
expect_error csv_missing_file "nosuch.csv" "${run[@]}" --data "$T/nosuch.csv"
printf 'a,b,class\n1,2,x\n3,4\n5,6,y\n' >"$T/ragged.csv"
expect_error csv_ragged_row "ragged.csv:3: 2 fields" "${run[@]}" --data "$T/ragged.csv"
printf 'a,b,class\n1,2,x\n3,four,y\n5,6,y\n' >"$T/text.csv"
expect_error csv_non_numeric "text.csv:3: column 2 (b): 'four'" "${run[@]}" --data "$T/text.csv"
printf 'a,b,class\n1,2,x\n3,4,x\n5,6,x\n' >"$T/one.csv"
expect_error csv_single_class "single class" "${run[@]}" --data "$T/one.csv"
printf 'a,b,class\n1,2,x\n3,4,y\n' >"$T/two.csv"
expect_error csv_too_few_rows "2 data rows.*need at least 2 training rows" "${run[@]}" \
  --data "$T/two.csv"
expect_error csv_no_target "no class column 'kind'" "${run[@]}" --data "$iris" --target kind
expect_error no_data "--data" mlp --device "$dev"
expect_error bad_learn "--learn" mlp --data "$iris" --learn rprop
expect_error bad_learn_params "at most 4 numbers" mlp --data "$iris" --learn-params 1,2,3,4,5
expect_error bad_hidden "--hidden" mlp --data "$iris" --hidden 5,x
expect_error negative_eta "learning parameter 1 is -1" "${run[@]}" --data "$iris" --learn-params -1
expect_error save_with_repeat "--save" mlp --data "$iris" --repeat 2 --save "$T/x.st"
expect_error predict_bad_model "not-a-model" mlp predict --device "$dev" --model "$T/not-a-model" \
  --data "$iris"
printf 'garbage garbage garbage' >"$T/garbage.st"
expect_error predict_corrupt_model "garbage.st" mlp predict --device "$dev" --model "$T/garbage.st" \
  --data "$iris"
printf 'sepal_length,sepal_width\n1,2\n' >"$T/few.csv"
expect_error predict_missing_feature "no columns 'petal_length', 'petal_width'" mlp predict --device "$dev" \
  --model "$T/net.st" --data "$T/few.csv"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
