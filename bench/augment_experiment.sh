#!/usr/bin/env bash
# augment_experiment.sh - does a class-conditional GAN help a classifier that has little data?
#
# For each N of real Fashion-MNIST images per class and each seed: a conditional DCGAN is trained
# on the N-per-class subset (train --cond --per-class N), AUG_PER_CLASS images of each class are
# drawn from it (clgan augment), and a classifier (clgan classify) is trained on
#   (a) the N real images per class alone,
#   (b) the same real images with the GAN's samples mixed into every batch (--extra-ratio),
#   (c) the GAN's samples alone (--extra-only: the Classification Accuracy Score),
# and, once per seed, (d) on all 60000 real images (the ceiling), all tested on the real test set.
# The ceiling's classifier then judges each GAN with clgan eval: the conditional accuracy (share
# of samples classified as the class they were drawn for) and the FD of its features.
# Prints a markdown table of mean ± sample standard deviation over the seeds.
#
# Every classifier gets about the same number of optimizer steps (CLS_STEPS): the epochs of each
# run are the steps divided by the steps an epoch of its set takes, so that 10 images a class
# are not trained for a fraction of what 1000 get. CLS_EPOCHS fixes the epochs instead.
#
# usage: bench/augment_experiment.sh [--ns "10 100 1000"] [--seeds S] [--gan-iters N]
#            [--cls-steps N | --cls-epochs N] [--aug-per-class N] [--out DIR] [--device SPEC]
# env:   the same settings in upper case (NS, SEEDS, GAN_ITERS, GAN_WIDTH, AUG_PER_CLASS,
#        CLS_ARCH, CLS_STEPS, CLS_EPOCHS, EXTRA_RATIO, BATCH, TEST_MAX, EVAL_N, OUT, DEVICE), CLGAN
#        (the binary; default build/clgan) and QUICK=1: a few-minute run with small settings that
#        shows the pipeline works (its numbers say little). The defaults are the full experiment,
#        hours on 2 CPU cores.
#
# Results go to OUT/results.csv as they come (a rerun with the same settings skips what is
# there, so an interrupted run continues), logs of every command to OUT/logs/, the table to
# OUT/table.md. More N or seeds extend a run; other settings need another OUT.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
prog=augment_experiment
die() { echo "$prog: error: $*" >&2; exit "${2:-2}"; }

if [ "${QUICK:-0}" = 1 ]; then
    d_seeds=2 d_gan_iters=300 d_gan_width=32 d_aug=100 d_arch=mlp d_steps=300 d_eval=1000
    d_out=runs/augment-quick
else
    d_seeds=3 d_gan_iters=3000 d_gan_width=64 d_aug=1000 d_arch=cnn d_steps=2000 d_eval=10000
    d_out=runs/augment
fi
NS=${NS:-10 100 1000}
SEEDS=${SEEDS:-$d_seeds}
GAN_ITERS=${GAN_ITERS:-$d_gan_iters}
GAN_WIDTH=${GAN_WIDTH:-$d_gan_width}
AUG_PER_CLASS=${AUG_PER_CLASS:-$d_aug}
CLS_ARCH=${CLS_ARCH:-$d_arch}
CLS_STEPS=${CLS_STEPS:-$d_steps}
CLS_EPOCHS=${CLS_EPOCHS:-}
EXTRA_RATIO=${EXTRA_RATIO:-0.5}
BATCH=${BATCH:-64}
TEST_MAX=${TEST_MAX:-0}
EVAL_N=${EVAL_N:-$d_eval}
OUT=${OUT:-$d_out}
DEVICE=${DEVICE:-}
CLGAN=${CLGAN:-$here/build/clgan}

while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || [ "$1" = -h ] || [ "$1" = --help ] || die "$1 needs a value"
    case $1 in
    --ns) NS=$2 ;;
    --seeds) SEEDS=$2 ;;
    --gan-iters) GAN_ITERS=$2 ;;
    --cls-steps) CLS_STEPS=$2 ;;
    --cls-epochs) CLS_EPOCHS=$2 ;;
    --aug-per-class) AUG_PER_CLASS=$2 ;;
    --out) OUT=$2 ;;
    --device) DEVICE=$2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
    esac
    shift 2
done

posint() { [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge "${3:-1}" ] || die "$1: '$2' is not a whole number >= ${3:-1}"; }
for n in $NS; do
    posint "--ns" "$n"
    [ "$n" -le 6000 ] || die "--ns: $n images a class, but Fashion-MNIST has 6000 of each class"
done
[ -n "${NS// /}" ] || die "--ns: empty list"
posint --seeds "$SEEDS"
posint --gan-iters "$GAN_ITERS"
posint GAN_WIDTH "$GAN_WIDTH"
posint --aug-per-class "$AUG_PER_CLASS"
posint --cls-steps "$CLS_STEPS"
[ -z "$CLS_EPOCHS" ] || posint --cls-epochs "$CLS_EPOCHS"
posint BATCH "$BATCH" 2
posint TEST_MAX "$TEST_MAX" 0
posint EVAL_N "$EVAL_N" 10
awk -v r="$EXTRA_RATIO" 'BEGIN { exit !(r ~ /^[0-9.]+$/ && r > 0 && r < 1) }' ||
    die "EXTRA_RATIO: '$EXTRA_RATIO' is not in (0, 1)"
[ -x "$CLGAN" ] || die "$CLGAN: no clgan binary (build first, or set CLGAN)"
[ -r /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] ||
    die "Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)" 1

K=10        # Fashion-MNIST's classes
N_ALL=60000 # its training images
dev=()
[ -z "$DEVICE" ] || dev=(--device "$DEVICE")

mkdir -p "$OUT/logs"
# results are kept per N and seed: more of either extends a run, other settings need a new one
settings="gan_iters=$GAN_ITERS gan_width=$GAN_WIDTH aug_per_class=$AUG_PER_CLASS"
settings+=" cls_arch=$CLS_ARCH cls_steps=$CLS_STEPS cls_epochs=$CLS_EPOCHS extra_ratio=$EXTRA_RATIO"
settings+=" batch=$BATCH test_max=$TEST_MAX eval_n=$EVAL_N"
if [ -f "$OUT/settings.txt" ]; then
    [ "$(cat "$OUT/settings.txt")" = "$settings" ] ||
        die "$OUT holds results of other settings ($(cat "$OUT/settings.txt")); use another --out"
else
    echo "$settings" >"$OUT/settings.txt"
fi
touch "$OUT/results.csv"

# results.csv rows: N (0 for the all-real ceiling), seed, measure, value
result() { awk -F, -v n="$1" -v s="$2" -v m="$3" '$1 == n && $2 == s && $3 == m { v = $4 } END { print v }' "$OUT/results.csv"; }
record() { echo "$1,$2,$3,$4" >>"$OUT/results.csv"; }

# Run a command with its output in OUT/logs/NAME.log; stop the experiment when it fails.
run() {
    local name=$1 t0=$SECONDS
    shift
    if ! "$@" >"$OUT/logs/$name.log" 2>&1; then
        echo "$prog: error: $name failed; see $OUT/logs/$name.log:" >&2
        tail -n 3 "$OUT/logs/$name.log" >&2
        exit 1
    fi
    echo "  $name: $((SECONDS - t0)) s" >&2
}
acc_of() { sed -n 's/^accuracy \([0-9.]*\) .*/\1/p' "$OUT/logs/$1.log"; }

# Epochs of about CLS_STEPS steps for a main set of n images, bmain of them a batch (the steps
# of an epoch as clgan classify counts them: a last batch of one image is left out).
epochs_for() {
    if [ -n "$CLS_EPOCHS" ]; then echo "$CLS_EPOCHS"; return; fi
    awk -v n="$1" -v b="$2" -v steps="$CLS_STEPS" 'BEGIN {
        spe = int((n + b - 1) / b); if (n % b == 1) spe--
        e = int((steps + spe - 1) / spe); print e < 1 ? 1 : e }'
}
b_extra=$(awk -v r="$EXTRA_RATIO" -v b="$BATCH" 'BEGIN {
    x = int(r * b + 0.5); if (x < 1) x = 1; if (x > b - 1) x = b - 1; print x }')

cls=("$CLGAN" classify "${dev[@]}" --arch "$CLS_ARCH" --batch "$BATCH" --test-max "$TEST_MAX" --quiet)
echo "$prog: ns=$NS seeds=$SEEDS $settings -> $OUT" >&2
for seed in $(seq 1 "$SEEDS"); do
    sd=$OUT/seed$seed
    mkdir -p "$sd"
    if [ -z "$(result 0 "$seed" all)" ] || [ ! -s "$sd/all.safetensors" ]; then
        echo "seed $seed: all real data (the ceiling)" >&2
        run "s${seed}_all" "${cls[@]}" --seed "$seed" --epochs "$(epochs_for $N_ALL "$BATCH")" \
            --save "$sd/all.safetensors"
        record 0 "$seed" all "$(acc_of "s${seed}_all")"
    fi
    for n in $NS; do
        d=$sd/n$n
        tag=s${seed}_n$n
        mkdir -p "$d"
        echo "seed $seed, $n real images a class" >&2
        if [ ! -f "$d/gan.done" ]; then
            run "${tag}_gan" "$CLGAN" train "${dev[@]}" --cond --per-class "$n" --seed "$seed" \
                --ngf "$GAN_WIDTH" --ndf "$GAN_WIDTH" --batch "$BATCH" --iters "$GAN_ITERS" \
                --epochs 1000000 --keep 1 --sample-every 0 --quiet --overwrite --out "$d/gan"
            # small sets end an epoch every step or two: keep the last grid, not thousands
            find "$d/gan/samples" -name 'epoch_*.png' -delete
            touch "$d/gan.done"
            rm -f "$d/aug.done"
        fi
        if [ ! -f "$d/aug.done" ]; then
            rm -rf "$d/aug"
            run "${tag}_augment" "$CLGAN" augment "${dev[@]}" \
                --ckpt "$d/gan/checkpoints/latest.safetensors" --per-class "$AUG_PER_CLASS" \
                --seed "$seed" --out "$d/aug"
            touch "$d/aug.done"
        fi
        if [ -z "$(result "$n" "$seed" real)" ]; then
            run "${tag}_real" "${cls[@]}" --seed "$seed" --per-class "$n" \
                --epochs "$(epochs_for $((n * K)) "$BATCH")"
            record "$n" "$seed" real "$(acc_of "${tag}_real")"
        fi
        if [ -z "$(result "$n" "$seed" mix)" ]; then
            run "${tag}_mix" "${cls[@]}" --seed "$seed" --per-class "$n" --extra "$d/aug" \
                --extra-ratio "$EXTRA_RATIO" --epochs "$(epochs_for $((n * K)) $((BATCH - b_extra)))"
            record "$n" "$seed" mix "$(acc_of "${tag}_mix")"
        fi
        if [ -z "$(result "$n" "$seed" gan)" ]; then
            run "${tag}_gan_only" "${cls[@]}" --seed "$seed" --extra "$d/aug" --extra-only \
                --epochs "$(epochs_for $((AUG_PER_CLASS * K)) "$BATCH")"
            record "$n" "$seed" gan "$(acc_of "${tag}_gan_only")"
        fi
        if [ -z "$(result "$n" "$seed" cacc)" ]; then
            run "${tag}_eval" "$CLGAN" eval "${dev[@]}" --classifier "$sd/all.safetensors" \
                --ckpt "$d/gan/checkpoints/latest.safetensors" --n "$EVAL_N" --seed "$seed" \
                --test-max "$TEST_MAX"
            log=$OUT/logs/${tag}_eval.log
            record "$n" "$seed" fd "$(awk '$1 == "generated" { print $3 }' "$log")"
            record "$n" "$seed" cacc "$(sed -n 's/^conditional accuracy \([0-9.]*\) .*/\1/p' "$log")"
        fi
    done
done

# mean ± sample standard deviation over the seeds of one measure (N, measure, decimals)
stat() {
    awk -F, -v n="$1" -v m="$2" -v dec="$3" -v seeds="$SEEDS" '
        $1 == n && $3 == m && $2 <= seeds && $4 != "" { v[$2] = $4 }
        END {
            c = 0; s = 0
            for (k in v) { c++; s += v[k] }
            if (!c) { print "-"; exit }
            mean = s / c; ss = 0
            for (k in v) ss += (v[k] - mean) ^ 2
            if (c > 1) printf "%.*f ± %.*f", dec, mean, dec, sqrt(ss / (c - 1))
            else printf "%.*f", dec, mean
        }' "$OUT/results.csv"
}
{
    echo "Test accuracy on the real Fashion-MNIST test set$([ "$TEST_MAX" = 0 ] || echo " (first $TEST_MAX images)"), mean ± sample standard deviation over $SEEDS seed(s)."
    echo "Classifier $CLS_ARCH, $([ -n "$CLS_EPOCHS" ] && echo "$CLS_EPOCHS epochs" || echo "about $CLS_STEPS steps (all real: at least an epoch)") of batch $BATCH; GAN: conditional dcgan32 (width $GAN_WIDTH), $GAN_ITERS steps, $AUG_PER_CLASS samples a class; real + GAN: $b_extra of each batch of $BATCH from the GAN."
    echo "GAN cond. acc and FD: clgan eval of $EVAL_N samples with the all-real classifier."
    echo
    echo "| real images a class | real only | real + GAN | GAN only (CAS) | GAN cond. acc | GAN FD |"
    echo "|---:|---:|---:|---:|---:|---:|"
    for n in $NS; do
        echo "| $n | $(stat "$n" real 4) | $(stat "$n" mix 4) | $(stat "$n" gan 4) | $(stat "$n" cacc 4) | $(stat "$n" fd 2) |"
    done
    echo "| all ($((N_ALL / K))) | $(stat 0 all 4) | | | | |"
} | tee "$OUT/table.md"
