#!/usr/bin/env bash
# timeout: 600
# The library as a backend: the example program built with the project runs, and the same
# source compiles against an installed copy found through pkg-config and runs too, linked with
# the shared library (pkg-config's default) and with the static one. The shared library has
# the SONAME libclgan.so.MAJOR, the project's version, and exports exactly the CLGAN_API
# functions of clgan.h (all named clgan_*); --version (clgan_version()) agrees with pkg-config.
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
version=$(PKG_CONFIG_PATH="$T/prefix/lib/pkgconfig" pkg-config --modversion clgan)
major=${version%%.*}
for f in include/clgan.h lib/libclgan.a lib/libclgan.so "lib/libclgan.so.$major" \
         "lib/libclgan.so.$version" lib/pkgconfig/clgan.pc lib/pkgconfig/clgan-static.pc \
         lib/cmake/clgan/clganConfig.cmake; do
  [ -e "$T/prefix/$f" ] && ok "installed_$f" || bad "installed_$f" missing
done
so=$T/prefix/lib/libclgan.so.$version
soname=$(objdump -p "$so" 2>&1 | awk '$1 == "SONAME" {print $2}')
[ "$soname" = "libclgan.so.$major" ] && ok soname "$soname" || bad soname "'$soname', want libclgan.so.$major"
[ "$(readlink "$T/prefix/lib/libclgan.so.$major")" = "libclgan.so.$version" ] \
  && ok soname_link || bad soname_link "$(ls -l "$T/prefix/lib/" | grep libclgan)"
# exported: exactly the functions declared CLGAN_API in the header, all clgan_*
nm -D --defined-only "$so" | awk '$2 ~ /^[TtWw]$/ || $2 ~ /^[DdBbRr]$/ {print $3}' | sort >"$T/exported"
sed -n 's/^CLGAN_API [^(]*[ *]\(clgan_[a-z0-9_]*\)(.*/\1/p' "$src/include/clgan.h" | sort >"$T/declared"
others=$(grep -v '^clgan_' "$T/exported" | tr '\n' ' ')
[ -s "$T/exported" ] && [ -z "$others" ] && ok exports_only_clgan "$(wc -l <"$T/exported") symbols" \
  || bad exports_only_clgan "also exported: ${others:-nothing at all}"
if [ "$(wc -l <"$T/declared")" -gt 50 ] && cmp -s "$T/exported" "$T/declared"; then
  ok exports_match_header
else bad exports_match_header "$(diff "$T/declared" "$T/exported" | head -5 | tr '\n' ' ')"; fi
out=$("$build/clgan" --version)
[ "$out" = "clgan $version" ] && ok version_matches_pkg_config "$out" || bad version_matches_pkg_config "$out vs $version"

flags=$(PKG_CONFIG_PATH="$T/prefix/lib/pkgconfig" pkg-config --cflags --libs clgan) \
  && ok pkg_config || bad pkg_config "$flags"
cc -std=c11 -Wall -Werror "$src/examples/train_gan.c" $flags -o "$T/train_gan" 2>"$T/cc.log" \
  && ok compile_with_pkg_config || bad compile_with_pkg_config "$(cat "$T/cc.log")"
needed=$(readelf -d "$T/train_gan" 2>&1 | grep -o "libclgan[^]]*")
[ "$needed" = "libclgan.so.$major" ] && ok linked_shared "$needed" || bad linked_shared "NEEDED '$needed'"
out=$(LD_LIBRARY_PATH="$T/prefix/lib" "$T/train_gan" "$dev" 5 "$T/grid2.png" 2>&1)
[ $? -eq 0 ] && [ -s "$T/grid2.png" ] && ok installed_example_runs || bad installed_example_runs "$out"
cmp -s "$T/grid.png" "$T/grid2.png" && ok same_result_shared \
  || bad same_result_shared "grids differ"
# static: clgan-static.pc names the archive, whatever the linker's --as-needed default
static_flags=$(PKG_CONFIG_PATH="$T/prefix/lib/pkgconfig" pkg-config --cflags --libs clgan-static)
cc -std=c11 -Wall -Werror -Wl,--no-as-needed "$src/examples/train_gan.c" $static_flags \
  -o "$T/train_gan_static" 2>"$T/cc.log" \
  && ok compile_static || bad compile_static "$(cat "$T/cc.log")"
readelf -d "$T/train_gan_static" | grep -q libclgan && bad linked_static "needs libclgan.so" \
  || ok linked_static
out=$("$T/train_gan_static" "$dev" 5 "$T/grid3.png" 2>&1)
[ $? -eq 0 ] && cmp -s "$T/grid.png" "$T/grid3.png" && ok same_result_static \
  || bad same_result_static "$out"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
