#!/usr/bin/env bash
# timeout: 300
# clgan train --log-jsonl FILE: every line parses as strict JSON (no NaN or Infinity tokens);
# the first line of a run is {"config": {...}} with every setting (the seed exact beyond 2^53),
# then one object per logged step that agrees with metrics.csv; --resume appends a new config
# line and its steps after the old lines, which stay as they were, and cuts a partial last line
# left by a crash; a new run refuses a file that holds a log unless --overwrite; a diverged step
# is logged with nulls; /dev/stdout streams; an unwritable file fails before training.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-jsonl.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
python3 "$here/tools/make_idx.py" "$T/d.idx" 256 28
seed=9007199254740993 # 2^53 + 1: a double would round it
tiny=(--device "$dev" --data "idx:$T/d.idx" --ngf 8 --ndf 8 --batch 16 --seed $seed --epochs 100
      --quiet)

# check.py FILE SPEC: parse every line strictly, then check the runs SPEC describes:
# "start:end:every,start:end:every" (one entry per config line: the run's first and last step).
cat >"$T/check.py" <<'EOF'
import json, math, sys
path, spec, seed, data, out, metrics = sys.argv[1:7]
def strict(tok):
    raise ValueError("not JSON: %s" % tok)
lines = open(path, encoding="utf-8").read().split("\n")
assert lines[-1] == "", "the file does not end with a newline"
objs = [json.loads(l, parse_constant=strict) for l in lines[:-1]]
runs = [tuple(map(int, r.split(":"))) for r in spec.split(",")]
configs = [i for i, o in enumerate(objs) if "config" in o]
assert configs and configs[0] == 0, "the first line is not a config line"
assert len(configs) == len(runs), "%d config lines for %d runs" % (len(configs), len(runs))
want_keys = {"clgan", "started", "resume", "start_step", "model", "arch", "image_size",
             "channels", "cond", "classes", "nz", "ngf", "ndf", "parameters", "networks", "batch",
             "lr", "beta1", "beta2", "d_steps", "g_loss", "real_label", "seed", "epochs", "iters",
             "steps_per_epoch", "total_steps", "data", "labels", "max_images", "per_class",
             "images", "image_width", "image_height", "image_channels", "data_classes", "out",
             "log_jsonl", "log_every", "sample_every", "ckpt_every", "keep", "overwrite",
             "g_device", "d_device", "gemm", "ranks", "sync_bn", "deterministic"}
rows = {}
for line in open(metrics).read().split("\n")[1:]:
    if line:
        v = line.split(",")
        rows[int(v[0])] = v
for r, (first, last, every) in enumerate(runs):
    c = objs[configs[r]]["config"]
    missing = want_keys - set(c)
    assert not missing, "config lacks %s" % sorted(missing)
    assert c["seed"] == int(seed) and isinstance(c["seed"], int), "seed %r" % c["seed"]
    assert c["data"] == data and c["out"] == out and c["log_jsonl"] == path, c
    assert (c["model"], c["image_size"], c["nz"], c["batch"]) == ("dcgan32", 32, 100, 16), c
    assert (c["lr"], c["beta1"], c["beta2"], c["d_steps"], c["g_loss"]) == \
        (0.0002, 0.5, 0.999, 1, "ns"), c
    assert (c["images"], c["image_width"], c["channels"], c["steps_per_epoch"]) == \
        (256, 28, 1, 16), c
    assert c["g_device"]["name"] and c["gemm"] in ("own", "clblast"), c
    assert c["networks"]["G"]["layers"][0]["type"] == "convtranspose2d", c["networks"]
    assert c["parameters"]["G"] > 0 and c["parameters"]["D"] > 0, c["parameters"]
    assert c["start_step"] == first - every, c
    assert (c["resume"] is None) == (r == 0), c["resume"]
    end = configs[r + 1] if r + 1 < len(configs) else len(objs)
    steps = [o["step"] for o in objs[configs[r] + 1:end]]
    want = list(range(first, last + 1, every))
    assert steps == want, "run %d: steps %s, want %s" % (r, steps, want)
    t = 0
    for o in objs[configs[r] + 1:end]:
        assert o["epoch"] == (o["step"] - 1) // 16 + 1, o
        assert o["step_in_epoch"] == (o["step"] - 1) % 16 + 1, o
        for k in ("loss_d", "loss_g", "d_x", "d_g_z1", "d_g_z2", "images_per_s", "elapsed_s"):
            assert isinstance(o[k], float) and math.isfinite(o[k]), (k, o)
        assert o["time"] >= t, "time goes back: %s" % o
        t = o["time"]
        m = rows[o["step"]]
        assert int(m[1]) == o["epoch"], (m, o)
        for i, k in enumerate(("loss_d", "loss_g", "d_x", "d_g_z1", "d_g_z2")):
            assert abs(float(m[3 + i]) - o[k]) <= 1e-6 * max(1, abs(o[k])), (k, m, o)
print("%d lines, %d runs" % (len(objs), len(runs)))
EOF
check() { python3 "$T/check.py" "$T/log.jsonl" "$1" "$seed" "idx:$T/d.idx" "$T/run" "$T/run/metrics.csv" 2>&1; }

# 1. a new run: the config line, then steps 4, 8, 12
"$bin" train "${tiny[@]}" --iters 12 --log-every 4 --out "$T/run" --log-jsonl "$T/log.jsonl" \
  2>"$T/a.err"; rc=$?
r=$(check 4:12:4) && [ $rc -eq 0 ] && ok jsonl_new_run "$r" || bad jsonl_new_run "rc $rc: $r $(tail -1 "$T/a.err")"
cp "$T/log.jsonl" "$T/first.jsonl"

# 2. a crash left half a line; --resume cuts it, appends a config line and steps 16 .. 24
printf '{"step": 13, "loss_d": 0.' >>"$T/log.jsonl"
"$bin" train "${tiny[@]}" --iters 24 --log-every 4 --out "$T/run" --resume "$T/run" \
  --log-jsonl "$T/log.jsonl" 2>"$T/b.err"; rc=$?
r=$(check 4:12:4,16:24:4) && [ $rc -eq 0 ] && ok jsonl_resume_appends "$r" \
  || bad jsonl_resume_appends "rc $rc: $r $(tail -1 "$T/b.err")"
cmp -s "$T/first.jsonl" <(head -c "$(stat -c %s "$T/first.jsonl")" "$T/log.jsonl") \
  && ok jsonl_resume_keeps_old_lines || bad jsonl_resume_keeps_old_lines "the first run's lines changed"
resume=$(sed -n 5p "$T/log.jsonl" | python3 -c 'import json,sys; c=json.load(sys.stdin)["config"]; print(c["resume"], c["start_step"])')
[ "$resume" = "$T/run 12" ] && ok jsonl_resume_config || bad jsonl_resume_config "'$resume'"

# 3. a new run into a file that holds a log: refused before training, unless --overwrite
err=$("$bin" train "${tiny[@]}" --iters 4 --out "$T/run2" --log-jsonl "$T/log.jsonl" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] \
  && grep -qF "$T/log.jsonl: holds a log" <<<"$err" && [ "$(wc -l <"$T/log.jsonl")" -eq 8 ] \
  && [ ! -e "$T/run2/metrics.csv" ] && ok jsonl_refuses_old_log "$err" \
  || bad jsonl_refuses_old_log "rc $rc: $err"
"$bin" train "${tiny[@]}" --iters 8 --log-every 4 --out "$T/run" --overwrite \
  --log-jsonl "$T/log.jsonl" 2>"$T/c.err"; rc=$?
r=$(check 4:8:4) && [ $rc -eq 0 ] && ok jsonl_overwrite_starts_over "$r" \
  || bad jsonl_overwrite_starts_over "rc $rc: $r $(tail -1 "$T/c.err")"

# 4. a run that diverges: its last line holds nulls where the scalars are not finite
"$bin" train "${tiny[@]}" --iters 8 --log-every 1 --lr 1e20 --beta1 0 --out "$T/div" \
  --log-jsonl "$T/div.jsonl" 2>"$T/div.err"; rc=$?
r=$(python3 - "$T/div.jsonl" <<'EOF' 2>&1
import json, sys
def strict(tok):
    raise ValueError("not JSON: %s" % tok)
objs = [json.loads(l, parse_constant=strict) for l in open(sys.argv[1])]
last = objs[-1]
assert "step" in last and None in [last[k] for k in ("loss_d", "loss_g", "d_x")], last
print("step %d: %s" % (last["step"], {k: last[k] for k in ("loss_d", "loss_g")}))
EOF
)
[ $rc -eq 1 ] && grep -q "diverged" "$T/div.err" && grep -q '^step ' <<<"$r" \
  && ok jsonl_nulls_for_nonfinite "$r" || bad jsonl_nulls_for_nonfinite "rc $rc: $r"

# 5. /dev/stdout: the lines stream through a pipe
n=$("$bin" train "${tiny[@]}" --iters 6 --log-every 2 --out "$T/pipe" --log-jsonl /dev/stdout \
  2>/dev/null | python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin]
assert "config" in objs[0] and [o["step"] for o in objs[1:]] == [2, 4, 6], objs
print(len(objs))')
[ "$n" = 4 ] && ok jsonl_to_stdout || bad jsonl_to_stdout "'$n'"

# 6. a file that cannot be written: exit 1, one line naming it, no step taken
err=$("$bin" train "${tiny[@]}" --iters 4 --out "$T/nowrite" --log-jsonl "$T/no/such/dir/l.jsonl" \
  2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] \
  && grep -qF "$T/no/such/dir/l.jsonl: cannot open" <<<"$err" && [ ! -e "$T/nowrite/metrics.csv" ] \
  && ok jsonl_unwritable || bad jsonl_unwritable "rc $rc: $err"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
