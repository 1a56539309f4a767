#!/bin/sh
# compare_pytorch.sh - dcgan32 or dcgan64 training throughput of clgan (PoCL, CPU) against two
# PyTorch CPU builds, same model, step and batch (bench/pytorch_dcgan.py), each on 2 threads:
# the PyTorch 2.x a user installs from PyPI (PYTHON2, a venv) and Debian's PyTorch 1.13
# (PYTHON, /usr/bin/python3 with python3-torch).
#
# usage: bench/compare_pytorch.sh [--model dcgan32|dcgan64] [PAIRS [STEPS]]   (defaults dcgan32, 5, 10)
# env:   MODEL=dcgan32|dcgan64 (what --model sets), CLGAN=path of the clgan binary (./build/clgan),
#        PYTHON2=interpreter with PyTorch 2.x (default: the python of the venv TORCH_VENV, else of
#        ./v, else of a venv v beside the checkout; make one with
#        python3 -m venv v && v/bin/pip install torch), PYTHON=interpreter with Debian's
#        PyTorch 1.13 (/usr/bin/python3), DEVICE=clgan device (pocl), THREADS=threads of each
#        side (2), BATCH (64), GEMM (auto), PEAK_GFLOPS=FMA peak of THREADS cores in GFLOP/s
#        (cores x GHz x FLOP per cycle) to print clgan's share of it.
#
# The three run one after the other, PAIRS times (clgan, PyTorch 2, PyTorch 1.13 in odd pairs,
# the reverse order in even ones, so that a drift of the machine's load hits all alike); each
# prints its median step time over STEPS timed steps after 3 warm-up steps. The script prints
# each pair's images/s and the ratios clgan / PyTorch, then the median, min and max ratio
# against each PyTorch, and clgan's GFLOP/s (FLOPs counted per step, `clgan bench --json`). It
# also prints each side's CPU time per step (all its threads), which the load of other
# programs disturbs less than wall-clock throughput, and the median CPU-time ratios.
# PyTorch runs with one OpenBLAS thread (OpenBLAS threads nested in OpenMP ones oversubscribe
# the cores) and, in each pair, twice: with GNU OpenMP's default spinning wait and with
# OMP_WAIT_POLICY=PASSIVE; the faster of the two counts. Spinning wins on an idle machine;
# passive wins by far as soon as another program shares the cores (spinning threads then
# collapse to a few images/s), so PyTorch is always compared at its best setting of the moment.
# Before timing, each PyTorch model is checked layer by layer against `clgan arch MODEL`.
# A PyTorch side whose interpreter is missing or has no torch is left out with a message;
# without either it says so and exits 0.
set -eu
usage() {
    echo "usage: $0 [--model dcgan32|dcgan64] [PAIRS [STEPS]]   (env: see the top of $0)" >&2
    exit 2
}
model=${MODEL:-dcgan32}
while [ $# -gt 0 ]; do
    case $1 in
    -m | --model)
        [ $# -ge 2 ] || usage
        model=$2
        shift 2
        ;;
    --model=*)
        model=${1#--model=}
        shift
        ;;
    -h | --help) usage ;;
    --)
        shift
        break
        ;;
    -*) usage ;;
    *) break ;;
    esac
done
[ $# -le 2 ] || usage
case $model in dcgan32 | dcgan64) ;; *)
    echo "compare_pytorch: model '$model' is not dcgan32 or dcgan64" >&2
    exit 2
    ;;
esac
pairs=${1:-5}
steps=${2:-10}
clgan=${CLGAN:-./build/clgan}
device=${DEVICE:-pocl}
threads=${THREADS:-2}
batch=${BATCH:-64}
gemm=${GEMM:-auto}
peak=${PEAK_GFLOPS:-}
here=$(dirname "$0")
hpy=$(command -v python3 || echo /usr/bin/python3) # for the arithmetic and the JSON fields

# the PyTorch 2.x interpreter (py2)
# shellcheck source=bench/torch2.sh
. "$here/torch2.sh"
py1=${PYTHON:-/usr/bin/python3}

sides="" # the PyTorch sides that run: 2 (py2) and 1 (py1)
if [ -z "$py2" ]; then
    echo "compare_pytorch: no PyTorch 2.x: set PYTHON2 or TORCH_VENV, or make the venv v here:" \
        "python3 -m venv v && v/bin/pip install torch"
elif ! "$py2" -c 'import torch' 2>/dev/null; then
    echo "compare_pytorch: skipping PyTorch 2.x: $py2 has no torch" \
        "(python3 -m venv v && v/bin/pip install torch, then PYTHON2=v/bin/python)"
else
    sides="2"
fi
if ! "$py1" -c 'import torch' 2>/dev/null; then
    echo "compare_pytorch: skipping Debian's PyTorch: $py1 has no torch (apt-get install python3-torch)"
else
    sides="$sides 1"
fi
if [ -z "$sides" ]; then
    echo "compare_pytorch: skipped: no interpreter with torch"
    exit 0
fi
torch_version() { "$1" -c 'import torch; print(torch.__version__)'; }
short() { echo "$1" | cut -d. -f1,2; } # 2.15.0+cpu -> 2.15
v2=-
v1=-
case " $sides " in *" 2 "*) v2=$(torch_version "$py2") ;; esac
case " $sides " in *" 1 "*) v1=$(torch_version "$py1") ;; esac
# Debian's PyTorch multiplies through the system's libblas.so.3: with the reference BLAS (the
# default when no optimised one is installed) it runs about 7x slower than with OpenBLAS
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case " $sides " in *" 1 "*)
    case $blas in
    */blas/libblas.so.3*)
        echo "compare_pytorch: warning: libblas.so.3 is the reference BLAS ($blas): Debian's" \
            "PyTorch runs far below its best; apt-get install libopenblas0-pthread" ;;
    esac ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$clgan" arch "$model" >"$tmp/arch.json"

run_clgan() {
    POCL_MAX_PTHREAD_COUNT=$threads "$clgan" bench --device "$device" --model "$model" \
        --batch "$batch" --steps "$steps" --gemm "$gemm" --json "$tmp/c.json" >"$tmp/c.log" 2>&1 ||
        {
            cat "$tmp/c.log"
            exit 1
        }
}

run_torch() { # SIDE: both OpenMP wait policies; the faster run is left in $tmp/p$SIDE.json
    if [ "$1" = 2 ]; then py=$py2; else py=$py1; fi
    case " $sides " in *" $1 "*) ;; *) return 0 ;; esac
    for policy in ACTIVE PASSIVE; do
        OMP_NUM_THREADS=$threads OMP_WAIT_POLICY=$policy OPENBLAS_NUM_THREADS=1 \
            "$py" "$here/pytorch_dcgan.py" --model "$model" --batch "$batch" --steps "$steps" \
            --threads "$threads" --check-arch "$tmp/arch.json" --json "$tmp/p_$policy.json" \
            >"$tmp/p.log" 2>&1 || {
            cat "$tmp/p.log"
            exit 1
        }
    done
    best=$("$hpy" -c 'import json, sys
a, p = (json.load(open(f)) for f in sys.argv[1:3])
print("ACTIVE" if a["images_per_s"] >= p["images_per_s"] else "PASSIVE")' \
        "$tmp/p_ACTIVE.json" "$tmp/p_PASSIVE.json")
    cp "$tmp/p_$best.json" "$tmp/p$1.json"
    echo "$best" | tr '[:upper:]' '[:lower:]' >"$tmp/w$1"
}

field() { # FILE EXPR: a number from a JSON file, or nan when the file is not there
    if [ -f "$1" ]; then
        "$hpy" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
    else
        echo nan
    fi
}

echo "$model, batch $batch, $steps timed steps, $threads threads each; clgan: $clgan bench --device $device --gemm $gemm"
[ "$v2" = - ] || echo "torch$(short "$v2"): PyTorch $v2 ($py2)"
[ "$v1" = - ] || echo "torch$(short "$v1"): PyTorch $v1 ($py1)"
h2=torch$(short "$v2")
h1=torch$(short "$v1")
[ "$v2" != - ] || h2=torch2
[ "$v1" != - ] || h1=torch1
hdr="pair|clgan img/s|$h2 img/s|$h1 img/s|clgan/$h2|clgan/$h1|CPU ms/step: clgan|$h2|$h1|wait: $h2|$h1"
row() { # the fields of a table row, | between them, aligned under the header
    "$hpy" -c 'import sys
h = sys.argv[1].split("|")
print("  ".join(x.rjust(len(n)) if k < 9 else x.ljust(len(n)) for k, (n, x) in
                enumerate(zip(h, sys.argv[2].split("|")))).rstrip())' "$hdr" "$1"
}
row "$hdr"
: >"$tmp/rows"
i=1
while [ "$i" -le "$pairs" ]; do
    if [ $((i % 2)) -eq 1 ]; then
        run_clgan
        run_torch 2
        run_torch 1
    else
        run_torch 1
        run_torch 2
        run_clgan
    fi
    c=$(field "$tmp/c.json" 'd["results"][0]["images_per_s"]')
    cc=$(field "$tmp/c.json" 'd["results"][0]["cpu_s_per_step"] * 1e3')
    cg=$(field "$tmp/c.json" 'd["results"][0]["gflops"]')
    cf=$(field "$tmp/c.json" 'd["results"][0]["gflop_per_step"]')
    p2=$(field "$tmp/p2.json" 'd["images_per_s"]')
    pc2=$(field "$tmp/p2.json" 'd["cpu_s_per_step"] * 1e3')
    pf2=$(field "$tmp/p2.json" 'd["gflop_per_step"]')
    p1=$(field "$tmp/p1.json" 'd["images_per_s"]')
    pc1=$(field "$tmp/p1.json" 'd["cpu_s_per_step"] * 1e3')
    pf1=$(field "$tmp/p1.json" 'd["gflop_per_step"]')
    w2=$(cat "$tmp/w2" 2>/dev/null || echo -)
    w1=$(cat "$tmp/w1" 2>/dev/null || echo -)
    echo "$c $cc $cg $cf $p2 $pc2 $pf2 $p1 $pc1 $pf1" >>"$tmp/rows"
    row "$("$hpy" -c 'import math, sys
i, c, cc, p2, pc2, p1, pc1 = sys.argv[1], *map(float, sys.argv[2:8])
num = lambda x: "%.1f" % x if not math.isnan(x) else "-"
rat = lambda a, b: "%.2f" % (a / b) if not math.isnan(a / b) else "-"
print("|".join([i, num(c), num(p2), num(p1), rat(c, p2), rat(c, p1), num(cc), num(pc2), num(pc1),
                sys.argv[8], sys.argv[9]]))' "$i" "$c" "$cc" "$p2" "$pc2" "$p1" "$pc1" "$w2" "$w1")"
    i=$((i + 1))
done
"$hpy" -c 'import math, statistics, sys
rows = [[float(x) for x in line.split()] for line in open(sys.argv[1])]
names = {4: sys.argv[2], 7: sys.argv[3]}
for k in (4, 7):
    r = [row[0] / row[k] for row in rows if not math.isnan(row[k])]
    rc = [row[k + 1] / row[1] for row in rows if not math.isnan(row[k])]
    if r:
        print("median ratio clgan / %s: %.2f (%d pair%s, min %.2f, max %.2f); CPU time per step"
              " %s / clgan: %.2f" % (names[k], statistics.median(r), len(r), "s"[len(r) == 1:],
                                     min(r), max(r), names[k], statistics.median(rc)))
        flops = {row[k + 2] for row in rows}
        if any(abs(f - rows[0][3]) > 1e-6 * rows[0][3] for f in flops):
            print("warning: %s counts %s GFLOP per step, clgan %.4f" % (names[k], flops, rows[0][3]))
g = statistics.median(row[2] for row in rows)
gc = statistics.median(row[3] / row[1] * 1e3 for row in rows)
line = "clgan: %.2f GFLOP per step, median %.1f GFLOP/s (%.1f per CPU second)" % (rows[0][3], g, gc)
if sys.argv[4]:
    line += ", %.0f%% of the FMA peak %s GFLOP/s" % (100 * g / float(sys.argv[4]), sys.argv[4])
print(line)' "$tmp/rows" "$h2" "$h1" "$peak"
