#!/usr/bin/env bash
# timeout: 600
# Faults while training. CLGAN_FAULT makes the N-th device allocation, kernel build, device read
# or write, or file write fail: each run resumed with a fault must end with one error line on
# stderr and an exit code 1..127, never a crash, and leave checkpoints/latest.safetensors a
# complete checkpoint that loads; a failed checkpoint write leaves the previous one in place,
# byte for byte. A full disk (a 3 MB tmpfs; root only, else skipped) must be reported at the
# write, naming the file.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-faults.XXXXXX)
mnt=
cleanup() { [ -n "$mnt" ] && umount "$mnt" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail=0; pass=0; skip=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
python3 "$here/tools/make_idx.py" "$T/data.idx" 128
tiny=(--device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 16 --log-every 2 --quiet)
# the faulted runs resume at step 2 and go to 4, writing a grid, a checkpoint and the
# generator every step (every kind of file write)
each=(--iters 4 --ckpt-every 1 --sample-every 1)

# checkpoints of steps 2 (where the faulted runs start), 3 and 4 of a run without faults
"$bin" train "${tiny[@]}" --iters 2 --ckpt-every 1 --out "$T/base" >/dev/null 2>&1 \
  || { echo "base run failed"; exit 1; }
for s in 3 4; do
  cp -r "$T/base" "$T/ref$s"
  "$bin" train "${tiny[@]}" --iters $s --ckpt-every 1 --sample-every 1 --out "$T/ref$s" \
    --resume "$T/ref$s" >/dev/null 2>&1 || { echo "reference run to $s failed"; exit 1; }
done
ckpt_of() { echo "$T/$1/checkpoints/latest.safetensors"; }

# Which reference checkpoint (base = step 2, ref3, ref4) FILE holds, tensor for tensor.
which_ckpt() {
  local r
  for r in base ref3 ref4; do
    python3 "$here/tools/st_compare.py" "$(ckpt_of $r)" "$1" >/dev/null 2>&1 && { echo $r; return; }
  done
  echo none
}

# Stderr without the three lines a run prints when it starts.
errors() { grep -v '^clgan: \(G on \|data \|[0-9]* steps per epoch\)' "$1"; }

latest_fail_prev=()  # for each failed write of latest: the checkpoint found there afterwards
fault_run() { # kind n
  local name="fault_$1_$2" d="$T/f_$1_$2"
  cp -r "$T/base" "$d"
  CLGAN_FAULT="$1:$2" "$bin" train "${tiny[@]}" "${each[@]}" --out "$d" --resume "$d" \
    >/dev/null 2>"$d.err"
  local rc=$? msg lines w
  msg=$(errors "$d.err"); lines=$(printf '%s\n' "$msg" | grep -c .)
  w=$(which_ckpt "$d/checkpoints/latest.safetensors")
  local loads=0
  "$bin" sample --device "$dev" --ckpt "$d/checkpoints/latest.safetensors" --n 4 \
    --out "$d.png" 2>/dev/null && loads=1
  local tmps; tmps=$(ls "$d/checkpoints" "$d/samples" | grep -c '\.tmp\.')
  if [ $rc -eq 0 ]; then
    # the fault came after the last event of its kind: the run is complete
    if [ "$w" = ref4 ] && [ $loads -eq 1 ] && [ "$tmps" -eq 0 ]; then ok "$name" "(no fault hit)"
    else bad "$name" "rc 0 but checkpoint $w, loads $loads, temp files $tmps"; fi
    completed=1
    return
  fi
  if [ $rc -ge 128 ]; then bad "$name" "crashed: rc $rc: $msg"; return; fi
  if [ "$lines" -ne 1 ] || ! printf '%s' "$msg" | grep -q '^clgan: error: .*injected fault'; then
    bad "$name" "rc $rc, expected one error line naming the fault: $msg"; return; fi
  if [ "$w" = none ] || [ $loads -ne 1 ] || [ "$tmps" -ne 0 ]; then
    bad "$name" "checkpoint after the fault: $w, loads $loads, temp files $tmps ($msg)"; return; fi
  if printf '%s' "$msg" | grep -q 'latest\.safetensors: write failed'; then
    latest_fail_prev+=("$w")
  fi
  # the generator file of the last good checkpoint loads too
  "$bin" sample --device "$dev" --ckpt "$d/checkpoints/generator.safetensors" --n 4 \
    --out "$d.g.png" 2>/dev/null || { bad "$name" "generator.safetensors does not load"; return; }
  ok "$name" "rc $rc, latest = $w: ${msg#clgan: error: }"
  rm -rf "$d" "$d.png" "$d.g.png"
}

for n in 1 3 12 30; do fault_run alloc $n; done
for n in 1 4 8; do fault_run build $n; done
for n in 1 2 4 7 11; do fault_run read $n; done
for n in 1 2 9 25; do fault_run write $n; done
# every file write of the run (grids, metrics rows, checkpoints, generator, curves), up to the
# first N that the run outlives
completed=0
for n in $(seq 1 40); do fault_run file $n; [ $completed -eq 1 ] && break; done
[ $completed -eq 1 ] && ok fault_file_scan "($n runs)" || bad fault_file_scan "no run completed"
# the two checkpoint writes that failed (steps 3 and 4) left steps 2 and 3 in place
if [ "${latest_fail_prev[*]:-}" = "base ref3" ]; then ok fault_checkpoint_write_keeps_previous
else bad fault_checkpoint_write_keeps_previous "after failed writes of latest: ${latest_fail_prev[*]:-none}"; fi

# A full disk: the run folder on a 3 MB tmpfs, filled up but for ~300 KB, so that the next
# checkpoint (~880 KB) cannot be written. Emptied again, the disk must hold the old checkpoint,
# its replacement being written beside it, the generator file and the small files (metrics,
# curves, the folder's lock): about 2 MB, so 2 MB was too tight.
if [ "$(id -u)" != 0 ]; then
  echo "disk_full SKIP: not root (mounting a tmpfs needs root)"; skip=$((skip+1))
elif ! mkdir -p "$T/disk" || ! mount -t tmpfs -o size=3m tmpfs "$T/disk" 2>"$T/mount.err"; then
  echo "disk_full SKIP: cannot mount a tmpfs: $(cat "$T/mount.err")"; skip=$((skip+1))
else
  mnt=$T/disk
  cp -r "$T/base" "$mnt/run"
  avail=$(df --output=avail -B1 "$mnt" | tail -1)
  head -c $((avail - 300 * 1024)) /dev/zero >"$mnt/filler"
  "$bin" train "${tiny[@]}" --iters 4 --ckpt-every 1 --sample-every 0 --log-every 100 \
    --out "$mnt/run" --resume "$mnt/run" >/dev/null 2>"$T/disk.err"
  rc=$?; msg=$(errors "$T/disk.err")
  if [ $rc -ge 1 ] && [ $rc -lt 128 ] && [ "$(printf '%s\n' "$msg" | grep -c .)" -eq 1 ] \
     && printf '%s' "$msg" | grep -q "$mnt/run/checkpoints/latest.safetensors: write failed: No space left on device"
  then ok disk_full_reported "rc $rc: $msg"; else bad disk_full_reported "rc $rc: $msg"; fi
  cmp -s "$(ckpt_of base)" "$mnt/run/checkpoints/latest.safetensors" \
    && ok disk_full_previous_checkpoint_intact || bad disk_full_previous_checkpoint_intact "changed"
  left=$(ls "$mnt/run/checkpoints" | grep -c '\.tmp\.')
  [ "$left" -eq 0 ] && ok disk_full_no_temp_file || bad disk_full_no_temp_file "$left left"
  "$bin" sample --device "$dev" --ckpt "$mnt/run/checkpoints/latest.safetensors" --n 4 \
    --out "$T/disk.png" 2>/dev/null && ok disk_full_checkpoint_loads \
    || bad disk_full_checkpoint_loads "sample failed"
  # with space again, the run resumes and completes
  rm -f "$mnt/filler"
  "$bin" train "${tiny[@]}" --iters 4 --ckpt-every 1 --sample-every 0 --log-every 100 \
    --out "$mnt/run" --resume "$mnt/run" >/dev/null 2>&1 \
    && [ "$(which_ckpt "$mnt/run/checkpoints/latest.safetensors")" = ref4 ] \
    && ok disk_full_then_resume || bad disk_full_then_resume "did not complete to step 4"
  umount "$mnt" && mnt=
fi

echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
