#!/usr/bin/env bash
# timeout: 600
# clgan train on a terminal and off it. Under `script` (a pseudo-terminal): one status line
# rewritten with \r about once a second whatever --log-every says, never wider than COLUMNS, a
# permanent line at each epoch's end with the right epoch; off a terminal: plain lines, one per
# logged step, with the epoch of the step (the last step of epoch 1 is in epoch 1). The data
# set's size is printed when loaded, and a fresh run writes real_samples.png: the first batch of
# real images as a grid, which a resumed run leaves alone. classify and mlp share the status
# line, which they wipe before each line they print on stdout.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-term.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
if ! command -v script >/dev/null; then echo "script (util-linux) is missing"; exit 1; fi
python3 "$here/tools/make_idx.py" "$T/d.idx" 2048 28
# 64 steps an epoch of some tens of milliseconds each: a few seconds an epoch
run=(train --device "$dev" --data "idx:$T/d.idx" --ngf 32 --ndf 32 --batch 32)

# in a pseudo-terminal of COLUMNS columns; the output (the terminal's bytes) into $2
# (and the seconds it took into $secs)
on_tty() { # columns, output file, clgan arguments...
  local cols=$1 out=$2; shift 2
  local cmd; cmd=$(printf '%q ' "$bin" "$@")
  local t0; t0=$(date +%s%N)
  COLUMNS=$cols script -qec "$cmd" /dev/null </dev/null >"$out" 2>&1
  local rc=$?
  secs=$(( ($(date +%s%N) - t0) / 1000000000 ))
  return $rc
}

# What a terminal shows: each draw of the progress starts with \r. $1: output file, $2: columns.
# Prints "draws widest status_lines epoch_lines" and checks the epoch counter of every draw.
tty_report() {
  python3 - "$1" "$2" <<'EOF'
import re, sys
data = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
cols = int(sys.argv[2])
# a pty turns "\n" into "\r\n": a draw is text after a \r up to the next \r or \n
draws = [d for d in re.split(r"\r", data)[1:]]
draws = [re.split(r"\n", d)[0] for d in draws]
draws = [d for d in draws if d.strip()]
status = [d for d in draws if re.match(r"epoch \d+/\d+ \d+/\d+", d)]
ends = [d for d in draws if re.match(r"epoch \d+/\d+ done", d)]
widest = max((len(d) for d in draws), default=0)
# every line of the progress, permanent ones too, fits in cols - 1 columns
for d in draws:
    assert len(d) <= cols - 1, "%d columns: %r" % (len(d), d)
for d in status:
    e, ne, k, per = map(int, re.match(r"epoch (\d+)/(\d+) (\d+)/(\d+)", d).groups())
    assert 1 <= e <= ne and 1 <= k <= per, d
print(len(draws), widest, len(status), len(ends))
for d in ends:
    print(d.split(" done")[0])
EOF
}

# 1. a terminal 60 columns wide, --log-every larger than the run: refreshes come from time alone
on_tty 60 "$T/a.tty" "${run[@]}" --epochs 2 --log-every 1000 --out "$T/a"; rc=$?
[ $rc -eq 0 ] && ok tty_exit_0 || bad tty_exit_0 "rc $rc: $(tail -3 "$T/a.tty")"
rep=$(tty_report "$T/a.tty" 60 2>&1); prc=$?
[ $prc -eq 0 ] && ok tty_fits_60_columns "$(head -1 <<<"$rep")" || bad tty_fits_60_columns "$rep"
read -r draws widest status ends <<<"$(head -1 <<<"$rep")"
# the first step, then about one a second (how many depends on the machine's speed)
[ "${status:-0}" -ge 2 ] && [ "${status:-0}" -ge $((secs / 3)) ] \
  && ok tty_refreshes_by_time "$status status draws in ${secs}s, --log-every 1000" \
  || bad tty_refreshes_by_time "${status:-0} status draws in ${secs}s"
[ "$(sed -n '2,$p' <<<"$rep" | tr '\n' ' ')" = "epoch 1/2 epoch 2/2 " ] && ok tty_epoch_lines \
  || bad tty_epoch_lines "$(sed -n '2,$p' <<<"$rep" | tr '\n' '|')"
# the epoch lines stay: each is followed by a newline
[ "$(grep -c $'epoch [12]/2 done.*\r$' "$T/a.tty")" -eq 2 ] && ok tty_epoch_lines_permanent \
  || bad tty_epoch_lines_permanent "$(grep -c 'done' "$T/a.tty")"
[ "${widest:-0}" -ge 40 ] && ok tty_uses_the_width "widest $widest" || bad tty_uses_the_width "widest $widest"
rows=$(($(wc -l <"$T/a/metrics.csv") - 1))
[ $rows -eq 1 ] && ok tty_metrics_follow_log_every || bad tty_metrics_follow_log_every "$rows rows"

# 2. a wide terminal and --log-every 1: everything fits, refreshes stay about once a second
on_tty 200 "$T/b.tty" "${run[@]}" --epochs 1 --log-every 1 --out "$T/b"; rc=$?
rep=$(tty_report "$T/b.tty" 200 2>&1); prc=$?
read -r draws widest status ends <<<"$(head -1 <<<"$rep")"
[ $rc -eq 0 ] && [ $prc -eq 0 ] && [ "${status:-0}" -ge 1 ] && [ "${status:-99}" -le $((secs + 2)) ] \
  && ok tty_not_every_step "$status draws in ${secs}s for 64 logged steps" \
  || bad tty_not_every_step "rc $rc, ${status:-?} draws in ${secs}s: $rep"
full=$(tr '\r' '\n' <"$T/b.tty" | grep -E '^epoch 1/1 [0-9]+/64 ' | tail -1)
if grep -qE '\[[#-]{10,30}\]' <<<"$full" && grep -q ' img/s ' <<<"$full" && grep -q 'ETA ' <<<"$full" \
   && grep -q 'Loss_D ' <<<"$full" && grep -q 'Loss_G ' <<<"$full" && grep -q 'D(x) ' <<<"$full" \
   && grep -q 'D(G(z)) ' <<<"$full"; then ok tty_full_line "$full"; else bad tty_full_line "'$full'"; fi
rows=$(($(wc -l <"$T/b/metrics.csv") - 1))
[ $rows -eq 64 ] && ok tty_metrics_every_step || bad tty_metrics_every_step "$rows rows"
# a terminal 20 columns wide still gets lines that fit
on_tty 20 "$T/c.tty" "${run[@]}" --iters 8 --ngf 4 --ndf 4 --out "$T/c"; rc=$?
rep=$(tty_report "$T/c.tty" 20 2>&1); prc=$?
[ $rc -eq 0 ] && [ $prc -eq 0 ] && ok tty_fits_20_columns || bad tty_fits_20_columns "rc $rc: $rep"

# 3. off a terminal: plain lines every --log-every steps, no \r, the epoch of each step
"$bin" "${run[@]}" --epochs 2 --log-every 16 --out "$T/p" >"$T/p.out" 2>"$T/p.err"; rc=$?
[ $rc -eq 0 ] && ok plain_exit_0 || bad plain_exit_0 "rc $rc: $(tail -2 "$T/p.err")"
steps=$(sed -n 's/^epoch \([0-9]*\) step \([0-9]*\)\/128 .*/\1:\2/p' "$T/p.out" | tr '\n' ' ')
[ "$steps" = "1:16 1:32 1:48 1:64 2:80 2:96 2:112 2:128 " ] && ok plain_lines_epochs \
  || bad plain_lines_epochs "'$steps'"
! grep -q $'\r' "$T/p.out" "$T/p.err" && ok plain_no_carriage_return || bad plain_no_carriage_return "found \\r"
csv=$(awk -F, 'NR > 1 {printf "%s:%s ", $2, $1}' "$T/p/metrics.csv")
[ "$csv" = "1:16 1:32 1:48 1:64 2:80 2:96 2:112 2:128 " ] && ok metrics_epoch_column \
  || bad metrics_epoch_column "'$csv'"
grep -qx "clgan: data idx:$T/d.idx: 2048 images of 28x28, 1 channel (centred to 32x32)" "$T/p.err" \
  && ok data_line_unlabelled || bad data_line_unlabelled "$(grep 'data' "$T/p.err")"
if [ -d /usr/share/datasets/fashion-mnist ]; then
  "$bin" train --device "$dev" --ngf 4 --ndf 4 --batch 16 --iters 1 --max-images 100 --quiet \
    --out "$T/fm" 2>"$T/fm.err"
  grep -qx "clgan: data fashion-mnist: 100 images of 28x28, 1 channel, 10 classes (centred to 32x32)" \
    "$T/fm.err" && ok data_line_labelled || bad data_line_labelled "$(cat "$T/fm.err")"
fi

# 4. real_samples.png: a valid PNG of the sample grids' layout (8 a row, up to 64 images) whose
# cells are images of the data set, distinct (the shuffled first batch), centred in 32 x 32
check_real() { # png, images expected
  python3 - "$1" "$2" "$T/d.idx" <<'EOF'
import struct, sys, zlib
png, n, idx = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = open(png, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, ihdr = 8, b"", None
while pos < len(data):
    (length,) = struct.unpack(">I", data[pos:pos + 4])
    kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
    (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
    assert zlib.crc32(kind + body) & 0xffffffff == crc, "bad CRC in %r" % kind
    if kind == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
w, h, depth, ctype = ihdr[:4]
rows = (n + 7) // 8
assert (w, h) == (8 * 34 + 2, rows * 34 + 2), "size %dx%d for %d images" % (w, h, n)
assert depth == 8 and ctype in (0, 2), ihdr
bpp = 1 if ctype == 0 else 3
raw, stride = zlib.decompress(idat), w * bpp
assert len(raw) == h * (stride + 1), "pixel data of %d bytes" % len(raw)
img, prev = [], bytearray(stride)
for y in range(h):  # undo the PNG filters
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    img.append(line[::bpp]); prev = line
d = open(idx, "rb").read()
count, size = struct.unpack(">I", d[4:8])[0], struct.unpack(">I", d[8:12])[0]
known = {d[16 + i * size * size:16 + (i + 1) * size * size]: i for i in range(count)}
seen = []
for k in range(n):
    x0, y0 = 2 + (k % 8) * 34, 2 + (k // 8) * 34
    cell = bytes(v for y in range(y0 + 2, y0 + 30) for v in img[y][x0 + 2:x0 + 30])
    border = [img[y0][x] for x in range(x0, x0 + 32)] + [img[y][x0] for y in range(y0, y0 + 32)]
    assert cell in known, "cell %d is not an image of the data set" % k
    assert not any(border), "cell %d is not centred (its padding is not black)" % k
    seen.append(known[cell])
assert len(set(seen)) == n, "repeated images %s" % seen
print("%dx%d, %d images of the data set" % (w, h, n))
EOF
}
r=$(check_real "$T/p/real_samples.png" 32 2>&1) && ok real_samples_batch_32 "$r" || bad real_samples_batch_32 "$r"
"$bin" train --device "$dev" --data "idx:$T/d.idx" --ngf 4 --ndf 4 --batch 100 --iters 1 --quiet \
  --out "$T/big" 2>"$T/big.err"
r=$(check_real "$T/big/real_samples.png" 64 2>&1) && ok real_samples_at_most_64 "$r" \
  || bad real_samples_at_most_64 "$r ($(tail -1 "$T/big.err"))"
before=$(stat -c '%Y.%y' "$T/p/real_samples.png"; sha1sum <"$T/p/real_samples.png")
sleep 1
"$bin" "${run[@]}" --epochs 3 --quiet --resume "$T/p" --out "$T/p" 2>"$T/r.err"; rc=$?
after=$(stat -c '%Y.%y' "$T/p/real_samples.png"; sha1sum <"$T/p/real_samples.png")
[ $rc -eq 0 ] && [ "$before" = "$after" ] && ok real_samples_kept_on_resume \
  || bad real_samples_kept_on_resume "rc $rc: $(tail -1 "$T/r.err")"

# 5. classify and mlp share the status line: it fits, and is wiped before each line on stdout
if [ -d /usr/share/datasets/fashion-mnist ]; then
  on_tty 50 "$T/cls.tty" classify --device "$dev" --epochs 2 --per-class 50 --width 8 --test-max 100
  rc=$?
  draws=$(python3 - "$T/cls.tty" 50 <<'EOF'
import re, sys
data = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
cols = int(sys.argv[2])
draws = [re.split(r"\n", d)[0] for d in re.split(r"\r", data)[1:]]
status = [d for d in draws if re.match(r"epoch \d+/2 \d+/\d+ ", d)]
assert status, "no status line"
for d in status:
    assert len(d) <= cols - 1, "%d columns: %r" % (len(d), d)
# each epoch line starts a line of its own: after a newline, or after the \r that wiped the status
lines = list(re.finditer(r"epoch \d/2: training loss", data))
assert len(lines) == 2, "%d epoch lines" % len(lines)
for m in lines:
    assert data[m.start() - 1] in "\r\n", "glued: %r" % data[max(0, m.start() - 80):m.end()]
print(len(status))
EOF
)
  [ $rc -eq 0 ] && [ -n "$draws" ] && ok classify_tty "$draws status draws" \
    || bad classify_tty "rc $rc: $draws"
fi
on_tty 50 "$T/mlp.tty" mlp --device "$dev" --data "$here/../data/iris.csv" --maxit 2000 --log off
rc=$?
seeds=$(tr '\r' '\n' <"$T/mlp.tty" | grep -c '^seed 1: 2000 epochs, training SSE')
status=$(tr '\r' '\n' <"$T/mlp.tty" | grep -cE '^seed 1: epoch [0-9]+/2000')
wide=$(tr '\r' '\n' <"$T/mlp.tty" | grep -E '^seed 1: epoch ' | awk 'length($0) > 49' | wc -l)
[ $rc -eq 0 ] && [ "$seeds" -eq 1 ] && [ "$status" -ge 1 ] && [ "$wide" -eq 0 ] \
  && ok mlp_tty "$status status draws" || bad mlp_tty "rc $rc, $seeds summary, $status status, $wide too wide"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
