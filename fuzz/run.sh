#!/usr/bin/env bash
# Build the libFuzzer targets of fuzz/ with clang in a build directory of their own and run each
# for a bounded time over a copy of its seed corpus; fail on any crash, leak, sanitizer report
# or broken invariant, leaving the input that caused it next to the log.
#
#   fuzz/run.sh [-t SECONDS] [-j JOBS] [-b BUILD_DIR] [-w WORK_DIR] [TARGET...]
#
# SECONDS per target (default 20), JOBS targets at a time (default 1), BUILD_DIR the clang build
# (default build-fuzz, configured on first use), WORK_DIR where corpora, logs and crash inputs go
# (default BUILD_DIR/run). TARGETs default to every fuzz/fuzz_*.c. ctest runs this as the
# fuzz_smoke test; `make fuzz` runs it for longer.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
secs=20 jobs=1 build=$src/build-fuzz work=
while getopts "t:j:b:w:" o; do
    case $o in
    t) secs=$OPTARG ;;
    j) jobs=$OPTARG ;;
    b) build=$OPTARG ;;
    w) work=$OPTARG ;;
    *) echo "usage: $0 [-t SECONDS] [-j JOBS] [-b BUILD_DIR] [-w WORK_DIR] [TARGET...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
work=${work:-$build/run}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in "$here"/fuzz_*.c; do t=$(basename "$f" .c); targets+=("${t#fuzz_}"); done
fi

# clang is in the Makefile's package list, so its absence is a broken setup, not a skip.
cc=${CLGAN_FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null; then
    echo "fuzz: $cc not found; install clang and libclang-rt-14-dev (make deps)" >&2
    exit 1
fi

# Configure once; later builds re-run cmake by themselves when a CMakeLists.txt changes.
mkdir -p "$build"
exec 9>"$build/.lock"
flock 9 2>/dev/null || true
if [ ! -f "$build/CMakeCache.txt" ]; then
    werror=OFF
    [ "${CI:-}" = true ] && werror=ON
    CC=$cc cmake -S "$src" -B "$build" -DCLGAN_FUZZ=ON -DCLGAN_BUILD_TESTS=OFF \
        -DCLGAN_WERROR=$werror -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/configure.log" 2>&1 ||
        { cat "$build/configure.log"; echo "fuzz: configure failed" >&2; exit 1; }
fi
if ! cmake --build "$build" --target clgan_fuzz_targets -j "$(nproc 2>/dev/null || echo 2)" \
    >"$build/build.log" 2>&1; then
    tail -40 "$build/build.log"
    echo "fuzz: build failed (log: $build/build.log)" >&2
    exit 1
fi
flock -u 9 2>/dev/null || true

rm -rf "$work"
mkdir -p "$work"
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# Run one target; its verdict goes to $work/<t>.result as one line.
run_one() {
    local t=$1 bin=$build/fuzz/fuzz_$1 corpus=$work/$1 log=$work/$1.log
    mkdir -p "$corpus"
    cp "$here/corpus/$t/"* "$corpus/" 2>/dev/null
    local dict=()
    [ -f "$here/$t.dict" ] && dict=(-dict="$here/$t.dict")
    local start=$SECONDS
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/$t-" "${dict[@]}" "$corpus" >"$log" 2>&1
    local rc=$? took=$((SECONDS - start))
    local execs cov ft
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    local verdict=ok
    if [ $rc -ne 0 ] || grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:|check failed:|ERROR: libFuzzer' "$log"; then
        verdict="FAIL (rc $rc; log $log; inputs $(ls "$work/$t-"* 2>/dev/null | tr '\n' ' '))"
    fi
    printf '%-12s %5ss %10s execs  cov %-5s ft %-6s corpus %-5s %s\n' "$t" "$took" "${execs:-?}" \
        "${cov:-?}" "${ft:-?}" "$(ls "$corpus" | wc -l)" "$verdict" >"$work/$t.result"
}

running=0
for t in "${targets[@]}"; do
    if [ ! -x "$build/fuzz/fuzz_$t" ]; then
        echo "fuzz: no target fuzz_$t" >&2
        exit 1
    fi
    run_one "$t" &
    running=$((running + 1))
    if [ $running -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

fail=0
for t in "${targets[@]}"; do
    cat "$work/$t.result"
    grep -q FAIL "$work/$t.result" && { fail=1; grep -E 'ERROR|runtime error|check failed' "$work/$t.log" | head -5; }
done
[ $fail -eq 0 ] && echo "fuzz: ${#targets[@]} targets clean" || echo "fuzz: FAILED" >&2
exit $fail
