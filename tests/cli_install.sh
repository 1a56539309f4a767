#!/usr/bin/env bash
# timeout: 600
# The library as a backend: the example program built with the project runs, and the same
# source compiles against an installed copy found through pkg-config and runs too.
set -u
bin=$1
build=$(dirname "$bin")
src=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/clgan-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { echo "$1 OK"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
dev=${CLGAN_TEST_CPU:-pocl}

out=$("$build/train_gan" "$dev" 5 "$T/grid.png" 2>&1)
[ $? -eq 0 ] && [ -s "$T/grid.png" ] && ok example_runs || bad example_runs "$out"

cmake --install "$build" --prefix "$T/prefix" >"$T/install.log" 2>&1 \
  && ok install || bad install "$(tail -3 "$T/install.log")"
for f in include/clgan.h lib/libclgan.a lib/pkgconfig/clgan.pc lib/cmake/clgan/clganConfig.cmake; do
  [ -e "$T/prefix/$f" ] && ok "installed_$f" || bad "installed_$f" missing
done
flags=$(PKG_CONFIG_PATH="$T/prefix/lib/pkgconfig" pkg-config --cflags --libs clgan) \
  && ok pkg_config || bad pkg_config "$flags"
cc -std=c11 -Wall -Werror "$src/examples/train_gan.c" $flags -o "$T/train_gan" 2>"$T/cc.log" \
  && ok compile_with_pkg_config || bad compile_with_pkg_config "$(cat "$T/cc.log")"
out=$("$T/train_gan" "$dev" 5 "$T/grid2.png" 2>&1)
[ $? -eq 0 ] && [ -s "$T/grid2.png" ] && ok installed_example_runs || bad installed_example_runs "$out"
cmp -s "$T/grid.png" "$T/grid2.png" && ok same_result_both_builds \
  || bad same_result_both_builds "grids differ"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
