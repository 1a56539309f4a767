#!/usr/bin/env bash
# timeout: 300
# Output paths: a regular file (or nothing) is replaced atomically; a symbolic link's target is
# written, in the target's folder, and the link stays a link; a character device and a FIFO are
# written straight through and stay what they are; a FIFO nobody reads, a folder given as a
# file, and a link cycle are refused with one line naming the path, never a hang.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/clgan-cli-outpaths.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}
python3 "$here/tools/make_idx.py" "$T/data.idx" 64
"$bin" train --device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 16 --iters 1 \
  --quiet --out "$T/run" >/dev/null 2>&1 || { echo "training run failed"; exit 1; }
ck=$T/run/checkpoints/generator.safetensors
sample() { "$bin" sample --device "$dev" --ckpt "$ck" --n 4 --out "$@"; }
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
expect_refused() { # name pattern args...
  local name=$1 pat=$2; shift 2
  local err rc; err=$(timeout 120 "$@" 2>&1 >/dev/null); rc=$?
  if [ $rc -ne 0 ] && [ $rc -lt 124 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] \
     && printf '%s' "$err" | grep -q -- "$pat"; then ok "$name" "rc $rc: ${err#clgan: error: }"
  else bad "$name" "rc $rc: $err"; fi
}

# a symbolic link to a file in another folder: the target is replaced, the link kept, and no
# temporary file is left in either folder
mkdir -p "$T/a" "$T/b"
echo old >"$T/b/real.png"; chmod 640 "$T/b/real.png"
ln -s ../b/real.png "$T/a/link.png"
sample "$T/a/link.png" 2>"$T/e" && [ -L "$T/a/link.png" ] && is_png "$T/b/real.png" \
  && [ "$(stat -c %a "$T/b/real.png")" = 640 ] && [ "$(find "$T/a" "$T/b" -name "*.tmp.*" | wc -l)" -eq 0 ] \
  && ok symlink_target_written || bad symlink_target_written "$(ls -l "$T/a" "$T/b"; cat "$T/e")"
# a dangling link: its target is created
ln -s "$T/b/new.png" "$T/a/dangling.png"
sample "$T/a/dangling.png" 2>"$T/e" && [ -L "$T/a/dangling.png" ] && is_png "$T/b/new.png" \
  && ok dangling_symlink_created || bad dangling_symlink_created "$(ls -l "$T/a" "$T/b"; cat "$T/e")"
# a chain of links
ln -s link.png "$T/a/chain.png"
sample "$T/a/chain.png" 2>"$T/e" && [ -L "$T/a/chain.png" ] && [ -L "$T/a/link.png" ] \
  && ok symlink_chain || bad symlink_chain "$(cat "$T/e")"
ln -s loop2 "$T/a/loop1"; ln -s loop1 "$T/a/loop2"
expect_refused symlink_loop "loop1" "$bin" sample --device "$dev" --ckpt "$ck" --n 4 --out "$T/a/loop1"

# a FIFO with a reader: written through, still a FIFO
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/from_fifo.png" &
reader=$!
sample "$T/fifo" 2>"$T/e"; rc=$?
wait $reader
[ $rc -eq 0 ] && [ -p "$T/fifo" ] && is_png "$T/from_fifo.png" && ok fifo_written_through \
  || bad fifo_written_through "rc $rc: $(cat "$T/e")"
# without a reader: refused at once
expect_refused fifo_no_reader "fifo.*without a reader" "$bin" sample --device "$dev" --ckpt "$ck" --n 4 --out "$T/fifo"
# stdout as a pipe (/dev/stdout): the PNG comes out of the pipe
sample /dev/stdout 2>"$T/e" | cat >"$T/piped.png"
is_png "$T/piped.png" && ok dev_stdout_pipe || bad dev_stdout_pipe "$(cat "$T/e")"

# a character device: written through and left a device (a private node as root, else
# /dev/null, which a user cannot replace anyway)
if [ "$(id -u)" = 0 ] && mknod "$T/null" c 1 3 2>/dev/null; then node=$T/null; else node=/dev/null; fi
sample "$node" 2>"$T/e" && [ -c "$node" ] && ok char_device_kept \
  || bad char_device_kept "$(ls -l "$node"; cat "$T/e")"
"$bin" mlp --data data/iris.csv --hidden 3 --maxit 5 --device "$dev" --log off --save "$node" \
  >/dev/null 2>"$T/e" && [ -c "$node" ] && ok mlp_save_char_device \
  || bad mlp_save_char_device "$(ls -l "$node"; cat "$T/e")"

# a folder where a file is expected
mkdir -p "$T/dir.png"
expect_refused folder_as_file "dir.png" "$bin" sample --device "$dev" --ckpt "$ck" --n 4 --out "$T/dir.png"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
