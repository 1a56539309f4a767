#!/usr/bin/env bash
# Line coverage of each parser by a fuzz corpus: builds the fuzz targets with clang's
# source-based coverage in a build directory of their own, replays every input of
# CORPUS/<target>/ once (no fuzzing) and reports, per target, the lines and branches of the
# parser it drives, then the functions of that file the target exercises.
#
#   fuzz/coverage.sh [-b BUILD_DIR] [CORPUS]
#
# CORPUS defaults to fuzz/corpus (the seeds); pass the work folder of a run (fuzz/run.sh -w) to
# measure what a longer run reached. BUILD_DIR defaults to build-fuzz-cov (removed by make clean).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=$src/build-fuzz-cov
while getopts "b:" o; do
    case $o in
    b) build=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD_DIR] [CORPUS]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
corpus=$(cd "${1:-$here/corpus}" && pwd) || exit 1
ver=$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
profdata=$(command -v llvm-profdata-"$ver" || command -v llvm-profdata)
cov=$(command -v llvm-cov-"$ver" || command -v llvm-cov)
[ -n "$profdata" ] && [ -n "$cov" ] || { echo "coverage: llvm-profdata/llvm-cov not found" >&2; exit 1; }

if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=clang cmake -S "$src" -B "$build" -DCLGAN_FUZZ=ON -DCLGAN_BUILD_TESTS=OFF \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_C_FLAGS="-fprofile-instr-generate -fcoverage-mapping" \
        -DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate" >"$build.configure.log" 2>&1 ||
        { cat "$build.configure.log"; exit 1; }
fi
cmake --build "$build" --target clgan_fuzz_targets -j "$(nproc 2>/dev/null || echo 2)" \
    >"$build/build.log" 2>&1 || { tail -30 "$build/build.log"; exit 1; }

# target -> the source file of the parser it drives
declare -A file=([idx]=src/data/idx.c [csv]=src/data/csv.c [safetensors]=src/io/safetensors_read.c
    [cache]=src/runtime/cache.c [device]=src/runtime/device.c [opts]=src/cli/opts.c)
export ASAN_OPTIONS=detect_leaks=0
# Columns: the parser's own code (the functions of the file the target reaches), then the whole
# file, which also holds entry points no target calls (file readers, writers, enumeration).
printf '%-12s %-26s %6s  %-32s  %s\n' target file inputs "reached functions: lines, branches" \
    "whole file: lines"
for t in idx csv safetensors cache device opts; do
    [ -d "$corpus/$t" ] || continue
    prof=$build/$t.profraw
    rm -f "$prof"
    LLVM_PROFILE_FILE=$prof "$build/fuzz/fuzz_$t" -runs=0 "$corpus/$t" >"$build/$t.replay.log" 2>&1
    "$profdata" merge -sparse "$prof" -o "$build/$t.profdata"
    "$cov" report -show-functions "$build/fuzz/fuzz_$t" -instr-profile="$build/$t.profdata" \
        "$src/${file[$t]}" >"$build/$t.functions.txt"
    # Name Regions Miss Cover Lines Miss Cover Branches Miss Cover
    awk -v t="$t" -v f="${file[$t]}" -v n="$(ls "$corpus/$t" | wc -l)" '
        $1 == "TOTAL" { fl = $5; fm = $6 }
        NF == 10 && $1 != "Name" && $1 != "TOTAL" && $5 > $6 {
            nf++; l += $5; lm += $6; b += $8; bm += $9 }
        END { printf "%-12s %-26s %6d  %2d fns %4d/%-4d %5.1f%% %3d/%-3d %5.1f%%  %d/%d %.1f%%\n",
              t, f, n, nf, l - lm, l, 100 * (l - lm) / l, b - bm, b, b ? 100 * (b - bm) / b : 100,
              fl - fm, fl, 100 * (fl - fm) / fl }' "$build/$t.functions.txt"
done
echo "(per function: $build/<target>.functions.txt)"
