#!/bin/sh
# batch_table.sh - training throughput and peak memory of clgan (PoCL, CPU) and of the PyTorch
# 2.x a user installs from PyPI, same model, step and batch (bench/pytorch_dcgan.py), for
# dcgan32 and dcgan64 at batch 16, 64 and 256, as a markdown table.
#
# usage: bench/batch_table.sh [STEPS [PAIRS]]     (defaults 5 and 1)
# env:   MODELS ("dcgan32 dcgan64"), BATCHES ("16 64 256"), CLGAN=path of the clgan binary
#        (./build/clgan), PYTHON2=interpreter with PyTorch 2.x (default: the python of the venv
#        TORCH_VENV, else of ./v, else of a venv v beside the checkout; make one with
#        python3 -m venv v && v/bin/pip install torch), DEVICE=clgan device (pocl),
#        THREADS=threads of each side (2), GEMM (auto).
#
# For each model and batch the two run one after the other, PAIRS times, the order alternating
# from one run to the next (so that a drift of the machine's load hits both alike); each
# times STEPS steps after 3 warm-up steps and reports its median step time. PyTorch runs as in
# compare_pytorch.sh: one OpenBLAS thread and, each time, with OpenMP's spinning and passive
# wait; the faster run counts. A cell's images/s is the median over the pairs, its ratio the
# median of the pairs' ratios clgan / PyTorch, its memory the largest seen.
# Memory columns: "clgan peak MiB" is the peak of the OpenCL buffers clgan holds (peak_memory_mib
# of `clgan bench --json`: data, weights, Adam state, activations, workspaces); "clgan RSS MiB"
# and "torch2 RSS MiB" are the peak resident memory of each process (ru_maxrss), which on a CPU
# device holds those buffers as well as the OpenCL driver, or torch and its libraries. The data
# set holds batch x (warm-up + STEPS + 1) images on both sides.
# Without torch it prints clgan's columns alone.
set -eu
case ${1:-} in -h | --help | -*)
    echo "usage: $0 [STEPS [PAIRS]]   (env: see the top of $0)" >&2
    exit 2
    ;;
esac
steps=${1:-5}
pairs=${2:-${PAIRS:-1}}
models=${MODELS:-dcgan32 dcgan64}
batches=${BATCHES:-16 64 256}
clgan=${CLGAN:-./build/clgan}
device=${DEVICE:-pocl}
threads=${THREADS:-2}
gemm=${GEMM:-auto}
here=$(dirname "$0")
hpy=$(command -v python3 || echo /usr/bin/python3) # for the arithmetic, JSON and ru_maxrss

# the PyTorch 2.x interpreter (py2)
# shellcheck source=bench/torch2.sh
. "$here/torch2.sh"
torch=1
if [ -z "$py2" ]; then
    echo "batch_table: no PyTorch 2.x, clgan alone: set PYTHON2 or TORCH_VENV, or make the venv v" \
        "here: python3 -m venv v && v/bin/pip install torch"
    torch=0
elif ! "$py2" -c 'import torch' 2>/dev/null; then
    echo "batch_table: $py2 has no torch, clgan alone (python3 -m venv v && v/bin/pip install torch)"
    torch=0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run_clgan() { # MODEL BATCH: images/s, device MiB, RSS MiB appended to $tmp/c
    POCL_MAX_PTHREAD_COUNT=$threads "$hpy" -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:], stdout=open(sys.argv[1], "w"), stderr=subprocess.STDOUT)
open(sys.argv[1] + ".rss", "w").write("%f\n" % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0))
sys.exit(rc)' "$tmp/c.log" "$clgan" bench --device "$device" --model "$1" --batch "$2" \
        --steps "$steps" --gemm "$gemm" --json "$tmp/c.json" || {
        cat "$tmp/c.log"
        exit 1
    }
    "$hpy" -c 'import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(r["images_per_s"], r["peak_memory_mib"], open(sys.argv[2]).read().strip())' \
        "$tmp/c.json" "$tmp/c.log.rss" >>"$tmp/c"
}

run_torch() { # MODEL BATCH: the faster wait policy's images/s and its RSS MiB appended to $tmp/p
    [ "$torch" = 1 ] || return 0
    for policy in ACTIVE PASSIVE; do
        OMP_NUM_THREADS=$threads OMP_WAIT_POLICY=$policy OPENBLAS_NUM_THREADS=1 \
            "$py2" "$here/pytorch_dcgan.py" --model "$1" --batch "$2" --steps "$steps" \
            --threads "$threads" --json "$tmp/p_$policy.json" >"$tmp/p.log" 2>&1 || {
            cat "$tmp/p.log"
            exit 1
        }
    done
    "$hpy" -c 'import json, sys
a, p = (json.load(open(f)) for f in sys.argv[1:3])
b = a if a["images_per_s"] >= p["images_per_s"] else p
print(b["images_per_s"], b["peak_rss_mib"], b["torch"])' \
        "$tmp/p_ACTIVE.json" "$tmp/p_PASSIVE.json" >>"$tmp/p"
}

echo "clgan: $clgan bench --device $device --gemm $gemm; $steps timed steps after 3 warm-up," \
    "$threads threads each, $pairs pair(s) per row"
[ "$torch" = 0 ] || echo "torch2: PyTorch $("$py2" -c 'import torch; print(torch.__version__)') ($py2)"
echo
echo "| model | batch | clgan img/s | clgan peak MiB | clgan RSS MiB | torch2 img/s | torch2 RSS MiB | clgan / torch2 |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
n=0
for model in $models; do
    for batch in $batches; do
        : >"$tmp/c"
        : >"$tmp/p"
        i=1
        while [ "$i" -le "$pairs" ]; do
            if [ $((n % 2)) -eq 0 ]; then
                run_clgan "$model" "$batch"
                run_torch "$model" "$batch"
            else
                run_torch "$model" "$batch"
                run_clgan "$model" "$batch"
            fi
            n=$((n + 1))
            i=$((i + 1))
        done
        "$hpy" -c 'import statistics, sys
c = [[float(x) for x in line.split()] for line in open(sys.argv[1])]
p = [[float(x) for x in line.split()[:2]] for line in open(sys.argv[2])]
med = statistics.median
cells = [sys.argv[3], sys.argv[4], "%.1f" % med(r[0] for r in c), "%.0f" % max(r[1] for r in c),
         "%.0f" % max(r[2] for r in c)]
if p:
    cells += ["%.1f" % med(r[0] for r in p), "%.0f" % max(r[1] for r in p),
              "%.2f" % med(a[0] / b[0] for a, b in zip(c, p))]
else:
    cells += ["-", "-", "-"]
print("| " + " | ".join(cells) + " |")' "$tmp/c" "$tmp/p" "$model" "$batch"
    done
done
