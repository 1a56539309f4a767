#!/bin/sh
# compare_builds.sh - training throughput of two clgan builds side by side: `clgan bench` of
# each, alternately (A first in odd rounds, B first in even ones, so that a drift of the
# machine's load hits both alike), ROUNDS times; prints each round's images/s and B/A ratio,
# then the median ratio. For checking that a change keeps (or improves) the speed of a step.
#
# usage: bench/compare_builds.sh CLGAN_A CLGAN_B [ROUNDS [STEPS]]   (defaults 5 and 10)
# env:   DEVICE (pocl), MODEL (dcgan32), BATCH (64), and CLGAN_CACHE_DIR as usual; ARGS_A and
#        ARGS_B, more bench options for one side (two settings of one build:
#        ARGS_A="--conv columns" ARGS_B="--conv phases" bench/compare_builds.sh build/clgan build/clgan)
set -eu
a=$1
b=$2
rounds=${3:-5}
steps=${4:-10}
device=${DEVICE:-pocl}
model=${MODEL:-dcgan32}
batch=${BATCH:-64}

ips() {
    bin=$1
    shift
    # shellcheck disable=SC2086 # the ARGS are lists of options
    "$bin" bench --device "$device" --model "$model" --batch "$batch" --steps "$steps" \
        --warmup 3 "$@" 2>/dev/null | sed -n 's/.*throughput: *\([0-9.]*\) images\/s.*/\1/p'
}

ratios=""
i=1
while [ "$i" -le "$rounds" ]; do
    if [ $((i % 2)) -eq 1 ]; then
        ia=$(ips "$a" ${ARGS_A:-})
        ib=$(ips "$b" ${ARGS_B:-})
    else
        ib=$(ips "$b" ${ARGS_B:-})
        ia=$(ips "$a" ${ARGS_A:-})
    fi
    r=$(awk -v x="$ia" -v y="$ib" 'BEGIN { printf "%.3f", y / x }')
    echo "round $i: A $ia images/s, B $ib images/s, B/A $r"
    ratios="$ratios $r"
    i=$((i + 1))
done
echo "$ratios" | tr ' ' '\n' | sed '/^$/d' | sort -n |
    awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
           printf "median B/A over %d rounds: %.3f (min %.3f, max %.3f)\n", NR, m, v[1], v[NR] }'
