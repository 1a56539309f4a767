#!/bin/sh
# compare_pytorch.sh - dcgan32 training throughput of clgan (PoCL, CPU) against PyTorch's CPU
# build, same model, step and batch (bench/pytorch_dcgan.py), both on 2 threads.
#
# usage: bench/compare_pytorch.sh [PAIRS [STEPS]]     (defaults 5 and 10)
# env:   CLGAN=path of the clgan binary (./build/clgan), PYTHON=interpreter with torch
#        (/usr/bin/python3), DEVICE=clgan device (pocl), THREADS=threads of each side (2),
#        BATCH (64), GEMM (auto).
#
# The two run alternately, PAIRS times (clgan first in odd pairs, PyTorch first in even ones,
# so that a drift of the machine's load hits both alike); each prints its median step time over
# STEPS timed steps after 3 warm-up steps. The script prints each pair's images/s and ratio,
# then the median ratio. It also prints each side's CPU time per step (all its threads) and
# their ratio, which the load of other programs disturbs less than wall-clock throughput.
# PyTorch runs with one OpenBLAS thread (OpenBLAS threads nested in OpenMP ones oversubscribe
# the cores) and, in each pair, twice: with GNU OpenMP's default spinning wait and with
# OMP_WAIT_POLICY=PASSIVE; the faster of the two counts. Spinning wins on an idle machine;
# passive wins by far as soon as another program shares the cores (spinning threads then
# collapse to a few images/s), so PyTorch is always compared at its best setting of the moment.
# Without torch installed it says so and exits 0.
set -eu
pairs=${1:-5}
steps=${2:-10}
clgan=${CLGAN:-./build/clgan}
py=${PYTHON:-/usr/bin/python3}
device=${DEVICE:-pocl}
threads=${THREADS:-2}
batch=${BATCH:-64}
gemm=${GEMM:-auto}
here=$(dirname "$0")

if ! "$py" -c 'import torch' 2>/dev/null; then
    echo "compare_pytorch: skipped: $py has no torch (apt-get install python3-torch)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run_clgan() {
    POCL_MAX_PTHREAD_COUNT=$threads "$clgan" bench --device "$device" --batch "$batch" \
        --steps "$steps" --gemm "$gemm" --json "$tmp/c.json" >"$tmp/c.log" 2>&1 ||
        { cat "$tmp/c.log"; exit 1; }
}

run_torch() { # both OpenMP wait policies; the faster run is left in $tmp/p.json
    for policy in ACTIVE PASSIVE; do
        OMP_NUM_THREADS=$threads OMP_WAIT_POLICY=$policy OPENBLAS_NUM_THREADS=1 \
            "$py" "$here/pytorch_dcgan.py" --batch "$batch" --steps "$steps" --threads "$threads" \
            --json "$tmp/p_$policy.json" >"$tmp/p.log" 2>&1 || { cat "$tmp/p.log"; exit 1; }
    done
    best=$("$py" -c 'import json, sys
a, p = (json.load(open(f)) for f in sys.argv[1:3])
print("ACTIVE" if a["images_per_s"] >= p["images_per_s"] else "PASSIVE")' \
        "$tmp/p_ACTIVE.json" "$tmp/p_PASSIVE.json")
    cp "$tmp/p_$best.json" "$tmp/p.json"
}

field() { # FILE EXPR: a number from a JSON file
    "$py" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

echo "dcgan32, batch $batch, $steps timed steps, $threads threads each; clgan: $clgan bench --device $device --gemm $gemm"
echo "pair   clgan img/s   pytorch img/s   ratio    (CPU ms/step: clgan  pytorch  ratio)  pytorch wait"
: >"$tmp/ratios"
i=1
while [ "$i" -le "$pairs" ]; do
    if [ $((i % 2)) -eq 1 ]; then
        run_clgan
        run_torch
    else
        run_torch
        run_clgan
    fi
    c=$(field "$tmp/c.json" 'd["results"][0]["images_per_s"]')
    p=$(field "$tmp/p.json" 'd["images_per_s"]')
    cc=$(field "$tmp/c.json" 'd["results"][0]["cpu_s_per_step"] * 1e3')
    pc=$(field "$tmp/p.json" 'd["cpu_s_per_step"] * 1e3')
    r=$("$py" -c "print('%.2f' % ($c / $p))")
    rc=$("$py" -c "print('%.2f' % ($pc / $cc))")
    printf '%4d   %11.1f   %13.1f   %5s    %20.1f  %7.1f  %5s  %s\n' "$i" "$c" "$p" "$r" "$cc" "$pc" "$rc" \
        "$(echo "$best" | tr A-Z a-z)"
    echo "$r" >>"$tmp/ratios"
    i=$((i + 1))
done
"$py" -c 'import statistics, sys
r = [float(x) for x in open(sys.argv[1])]
print("median ratio clgan / pytorch: %.2f (%d pairs, min %.2f, max %.2f)"
      % (statistics.median(r), len(r), min(r), max(r)))' "$tmp/ratios"
