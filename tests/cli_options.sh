#!/usr/bin/env bash
# timeout: 300
# Options as people type them, on every subcommand: --version and --help everywhere, "did you
# mean" for unknown commands, subcommands and options, "--" ending the options, "~" expanded in
# path options and data specs, and the exit codes --help documents (0 done, 1 failed while
# running, 2 usage error).
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-options.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
version=$(sed -n 's/^project(clgan VERSION \([0-9.]*\).*/\1/p' "$here/../CMakeLists.txt")
commands="devices train arch sample augment mlp classify check bench"
subcommands="$commands mlp_predict classify_predict classify_arch"
words() { echo "${1//_/ }"; } # "mlp_predict" -> "mlp predict"

# 1. --version and --help on every command and subcommand, and at the top
out=$("$bin" --version); rc=$?
[ $rc -eq 0 ] && [ "$out" = "clgan $version" ] && ok version_top || bad version_top "rc $rc: $out"
for c in $subcommands; do
  # shellcheck disable=SC2046
  out=$("$bin" $(words $c) --version 2>&1); rc=$?
  [ $rc -eq 0 ] && [ "$out" = "clgan $version" ] && ok "version_$c" || bad "version_$c" "rc $rc: $out"
  # shellcheck disable=SC2046
  out=$("$bin" $(words $c) --help 2>&1); rc=$?
  if [ $rc -eq 0 ] && grep -q '^usage: clgan' <<<"$out" && grep -q '^exit codes: 0 done' <<<"$out" \
     && grep -q -- '--version' <<<"$out"; then ok "help_$c"; else bad "help_$c" "rc $rc"; fi
done
out=$("$bin" --help); rc=$?
[ $rc -eq 0 ] && grep -q '^exit codes: 0 done' <<<"$out" && ok help_top_exit_codes \
  || bad help_top_exit_codes "rc $rc"
out=$("$bin" help train); rc=$?
[ $rc -eq 0 ] && grep -q '^usage: clgan train' <<<"$out" && ok help_command || bad help_command "rc $rc"

# 2. usage errors: exit 2, one line on stderr naming the word, a suggestion when one is close
usage_error() { # name, pattern, args...
  local name=$1 pat=$2; shift 2
  local err; err=$("$bin" "$@" 2>&1 >/dev/null); local rc=$?
  if [ $rc -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] \
     && printf '%s' "$err" | grep -qF -- "$pat"; then ok "$name"; else
    bad "$name" "rc $rc: $err"; fi
}
usage_error unknown_command "unknown command 'trian' (did you mean train?)" trian
usage_error unknown_command_far "unknown command 'frobnicate' (try clgan --help)" frobnicate
usage_error help_unknown_command "unknown command 'smaple' (did you mean sample?)" help smaple
usage_error top_option_typo "unknown option '--verison' (did you mean --version?)" --verison
usage_error classify_subcommand "classify: unknown subcommand 'predikt' (did you mean predict?)" \
  classify predikt
usage_error mlp_subcommand "mlp: unknown subcommand 'predcit' (did you mean predict?)" mlp predcit
usage_error mlp_positional "mlp: unexpected argument 'iris.csv'" mlp iris.csv
usage_error train_pytorch_name "train: unknown option '--batchSize' (did you mean --batch?)" \
  train --batchSize 64
usage_error train_one_dash "train: unknown option '-iters' (did you mean --iters?)" train -iters 3
usage_error train_bad_value "train: --batch: 0 is out of range" train --batch 0
usage_error train_missing_value "train: --epochs needs a value N" train --epochs
usage_error train_conflict "train: --device-per-rank, --sync-bn and --deterministic go with --dist" \
  train --sync-bn
usage_error sample_required "sample: --ckpt and --out are required" sample --n 4
usage_error devices_typo "devices: unknown option '--jsn' (did you mean --json?)" devices --jsn
usage_error check_typo "check: unknown option '--devcie' (did you mean --device?)" check --devcie all
usage_error bench_typo "bench: unknown option '--step' (did you mean --steps?)" bench --step 3
usage_error augment_typo "augment: unknown option '--per-clas' (did you mean --per-class?)" \
  augment --per-clas 3
usage_error classify_typo "classify: unknown option '--epoch' (did you mean --epochs?)" \
  classify --epoch 1
usage_error classify_predict_typo "classify predict: unknown option '--modle' (did you mean --model?)" \
  classify predict --modle x
usage_error mlp_predict_typo "mlp predict: unknown option '--rowz' (did you mean --rows?)" \
  mlp predict --rowz test
usage_error arch_typo "arch: unknown option '--clases' (did you mean --classes?)" arch --clases 3
usage_error arch_unknown_preset "arch: 'dcgan33'" arch dcgan33

# 3. "--" ends the options: what follows is an argument of a command that takes one, else refused
out=$("$bin" arch -- dcgan64 2>&1); rc=$?
[ $rc -eq 0 ] && grep -q '"format"' <<<"$out" && ok double_dash_positional \
  || bad double_dash_positional "rc $rc: $(head -2 <<<"$out")"
usage_error double_dash_option_word "arch: '--classes' is not a preset" arch -- --classes
usage_error double_dash_no_positionals "train: unexpected argument '--iters' (this command takes none)" \
  train -- --iters 3

# 4. failures while running: exit 1
run_error() { # name, pattern, args...
  local name=$1 pat=$2; shift 2
  local err; err=$("$bin" "$@" 2>&1 >/dev/null); local rc=$?
  if [ $rc -eq 1 ] && printf '%s' "$err" | grep -qF -- "$pat"; then ok "$name"; else
    bad "$name" "rc $rc: $err"; fi
}
run_error arch_check_missing_file "$T/none.json: cannot open" arch --check "$T/none.json"
run_error sample_missing_ckpt "$T/none.safetensors" sample --device "$dev" --ckpt "$T/none.safetensors" \
  --out "$T/x.png"
run_error bench_unwritable_json "bench: $T/no/such/dir/b.json: cannot write" bench --device "$dev" \
  --json "$T/no/such/dir/b.json"
run_error mlp_missing_csv "$T/none.csv" mlp --device "$dev" --data "$T/none.csv"

# 5. "~" from $HOME: in a path option (--opt ~/x and --opt=~/x), and inside data specs
H="$T/home"; mkdir -p "$H"
"$bin" arch > "$H/a.json"
out=$(HOME=$H "$bin" arch --check '~/a.json' 2>&1); rc=$?
[ $rc -eq 0 ] && [ "$out" = "$H/a.json: ok" ] && ok tilde_path || bad tilde_path "rc $rc: $out"
out=$(HOME=$H "$bin" arch --check='~/a.json' 2>&1); rc=$?
[ $rc -eq 0 ] && [ "$out" = "$H/a.json: ok" ] && ok tilde_path_equals || bad tilde_path_equals "rc $rc: $out"
out=$(HOME=$H "$bin" arch --check '~nobody/a.json' 2>&1); rc=$?
[ $rc -eq 1 ] && grep -qF '~nobody/a.json: cannot open' <<<"$out" && ok tilde_user_kept \
  || bad tilde_user_kept "rc $rc: $out"
python3 "$here/tools/make_idx.py" "$H/d.idx" 64 28
ln -s /usr/share/datasets/fashion-mnist "$H/fm"
tiny=(--device "$dev" --ngf 4 --ndf 4 --batch 16 --iters 1 --quiet)
HOME=$H "$bin" train "${tiny[@]}" --data 'idx:~/d.idx' --out '~/run-idx' >"$T/idx.log" 2>&1; rc=$?
[ $rc -eq 0 ] && [ -s "$H/run-idx/checkpoints/latest.safetensors" ] && ok tilde_idx_spec_and_out \
  || bad tilde_idx_spec_and_out "rc $rc: $(tail -2 "$T/idx.log")"
if [ -d /usr/share/datasets/fashion-mnist ]; then
  HOME=$H "$bin" train "${tiny[@]}" --data 'mnist:~/fm' --max-images 64 --out="~/run-mnist" \
    >"$T/mnist.log" 2>&1; rc=$?
  [ $rc -eq 0 ] && [ -s "$H/run-mnist/metrics.csv" ] && ok tilde_mnist_spec \
    || bad tilde_mnist_spec "rc $rc: $(tail -2 "$T/mnist.log")"
fi
mkdir -p "$H/imgs"
python3 - "$H/imgs" <<'EOF'
import struct, sys, zlib
def png(path, v):
    raw = b"".join(b"\x00" + bytes([v] * 16) for _ in range(16))
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
for i in range(16):
    png("%s/%02d.png" % (sys.argv[1], i), 16 * i)
EOF
HOME=$H "$bin" train "${tiny[@]}" --image-size 16 --data 'folder:~/imgs' --out "$T/run-folder" \
  >"$T/folder.log" 2>&1; rc=$?
[ $rc -eq 0 ] && [ -s "$T/run-folder/metrics.csv" ] && ok tilde_folder_spec \
  || bad tilde_folder_spec "rc $rc: $(tail -2 "$T/folder.log")"
# an unexpanded path would be reported as the literal "~/..."
err=$(HOME=$H "$bin" train "${tiny[@]}" --data 'idx:~/missing.idx' --out "$T/run-missing" 2>&1 >/dev/null)
grep -qF "$H/missing.idx" <<<"$err" && ok tilde_in_error_message || bad tilde_in_error_message "$err"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
