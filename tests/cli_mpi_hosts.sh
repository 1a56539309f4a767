#!/usr/bin/env bash
# timeout: 180
# Data-parallel training across two hosts: two network namespaces joined by a veth pair stand
# for two machines on one link. mpirun starts in the first (10.77.13.1) with a hostfile naming
# both addresses; its launcher, instead of ssh, enters the second namespace (10.77.13.2) to
# start Open MPI's daemon there. One rank per host, Open MPI over TCP on the veth link only
# (btl tcp,self; oob and btl restricted to 10.77.13.0/24). Each namespace also gets a host name
# of its own (a UTS namespace), so the ranks report two hosts.
#  - the run across the two hosts ends with weights bit-identical to a 2-rank run on one host
#    (--deterministic --sync-bn: fixed order of the sums, so transport and placement change
#    nothing);
#  - the ranks ran on the two hosts, one each (local rank 0 on both);
#  - the gradients crossed the link: the second host's interface sent at least one gradient
#    buffer per step.
# Skipped with a message where namespaces cannot be made (not root, no `ip`, no permission),
# mpirun is missing, or clgan was built without MPI.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
tools=$here/tools
T=$(mktemp -d /tmp/clgan-cli-mpi-hosts.XXXXXX)
ns1=clgan-$$-h1
ns2=clgan-$$-h2
net=10.77.13
ifc=clgan0
cleanup() {
  ip netns del "$ns1" 2>/dev/null
  ip netns del "$ns2" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
fail=0; pass=0
ok() { echo "$1 OK ${2:-}"; pass=$((pass+1)); }
bad() { echo "$1 FAIL: $2"; fail=$((fail+1)); }
skip() { echo "SKIPPED: $1"; exit 0; }

command -v mpirun >/dev/null || skip "mpirun not found (install openmpi-bin libopenmpi-dev)"
if "$bin" train --dist --iters 1 --data idx:/nonexistent 2>&1 | grep -q "not compiled in"; then
  skip "clgan was built without MPI support"
fi
command -v ip >/dev/null || skip "no 'ip' command (iproute2) to make network namespaces"
ip netns add "$ns1" 2>"$T/ns.err" && ip netns add "$ns2" 2>>"$T/ns.err" \
  || skip "cannot make network namespaces ($(id -un), $(head -1 "$T/ns.err"))"
if ! ip link add "$ifc" netns "$ns1" type veth peer name "$ifc" netns "$ns2" 2>"$T/ns.err"; then
  skip "cannot make a veth pair between namespaces ($(head -1 "$T/ns.err"))"
fi
ip -n "$ns1" addr add "$net.1/24" dev "$ifc" && ip -n "$ns2" addr add "$net.2/24" dev "$ifc" \
  && for n in "$ns1" "$ns2"; do ip -n "$n" link set lo up && ip -n "$n" link set "$ifc" up; done \
  || skip "cannot configure the veth pair"
# a host name per namespace where a UTS namespace can be made
uts=()
unshare --uts true 2>/dev/null && uts=(unshare --uts)

# The launcher Open MPI calls instead of ssh: `agent [options] HOST COMMAND...`; it runs
# COMMAND (Open MPI's daemon) in the namespace that holds HOST's address.
cat >"$T/agent" <<EOF
#!/bin/sh
while [ \$# -gt 0 ]; do case \$1 in -*) shift ;; *) break ;; esac; done
host=\$1; shift
case \$host in
  $net.1) ns=$ns1; name=clgan-host1 ;;
  $net.2) ns=$ns2; name=clgan-host2 ;;
  *) echo "agent: unknown host \$host" >&2; exit 1 ;;
esac
if [ -n "${uts[*]}" ]; then
  exec ip netns exec "\$ns" ${uts[*]} sh -c "hostname \$name && \$*"
fi
exec ip netns exec "\$ns" sh -c "\$*"
EOF
chmod +x "$T/agent"
printf '%s slots=1\n%s slots=1\n' "$net.1" "$net.2" >"$T/hosts"

export POCL_MAX_PTHREAD_COUNT=1
root=()
[ "$(id -u)" = 0 ] && root=(--allow-run-as-root)
python3 "$tools/make_idx.py" "$T/data.idx" 256
dev=${CLGAN_TEST_CPU:-pocl}
iters=6
tiny=(--device "$dev" --data "idx:$T/data.idx" --ngf 8 --ndf 8 --batch 32 --log-every 1
      --sample-every 0 --seed 7 --quiet --epochs 100000 --iters $iters --dist --deterministic
      --sync-bn)
ck() { echo "$T/$1/checkpoints/latest.safetensors"; }

# the reference: 2 ranks on this host
timeout 60 mpirun "${root[@]}" --oversubscribe -x POCL_MAX_PTHREAD_COUNT -x CLGAN_CACHE_DIR \
  -np 2 "$bin" train "${tiny[@]}" --out "$T/one" >/dev/null 2>"$T/one.err" \
  || { cat "$T/one.err"; echo "2-rank run on one host failed"; exit 1; }

# the same across the two hosts: mpirun on host 1, the daemon on host 2 through the agent
tx0=$(ip netns exec "$ns2" cat /sys/class/net/$ifc/statistics/tx_bytes)
mpi=(mpirun "${root[@]}" --hostfile "$T/hosts" -np 2 --mca plm_rsh_agent "$T/agent"
     --mca btl tcp,self --mca btl_tcp_if_include "$net.0/24" --mca oob_tcp_if_include "$net.0/24"
     -x POCL_MAX_PTHREAD_COUNT -x CLGAN_CACHE_DIR)
on1=(ip netns exec "$ns1")
[ ${#uts[@]} -gt 0 ] && on1+=("${uts[@]}" sh -c 'hostname clgan-host1 && exec "$0" "$@"')
"${on1[@]}" timeout 60 "${mpi[@]}" "$bin" train "${tiny[@]}" --out "$T/two" >/dev/null 2>"$T/two.err"
rc=$?
tx1=$(ip netns exec "$ns2" cat /sys/class/net/$ifc/statistics/tx_bytes)
if [ $rc = 0 ] && grep -q "weights bit-identical on all 2 ranks" "$T/two.err"; then
  ok "mpi_hosts_run" "$(grep -o '[0-9.]* MB per rank' "$T/two.err")"
else
  bad "mpi_hosts_run" "rc $rc: $(tail -5 "$T/two.err")"
fi
res=$(python3 "$tools/st_compare.py" "$(ck two)" "$(ck one)" 2>&1) \
  && ok "mpi_hosts_equal_one_host" "$res" || bad "mpi_hosts_equal_one_host" "$(echo $res)"

# one rank on each host: two rank lines, local rank 0 on both, two host names where a UTS
# namespace was made
lines=$(grep '^rank [01] of 2 on .* (local rank 0)' "$T/two.err")
hosts=$(echo "$lines" | sed 's/^rank . of 2 on \(.*\) (local rank 0).*/\1/' | sort -u | wc -l)
want=1
[ ${#uts[@]} -gt 0 ] && want=2
[ "$(echo "$lines" | grep -c .)" = 2 ] && [ "$hosts" = "$want" ] \
  && ok "mpi_hosts_one_rank_each" "$(echo "$lines" | cut -d: -f1 | tr '\n' ';')" \
  || bad "mpi_hosts_one_rank_each" "$(grep '^rank' "$T/two.err")"

# the gradients went over the veth link: host 2 sends at least its gradient buffer every step
mb=$(grep -o '[0-9.]* MB per rank' "$T/two.err" | cut -d' ' -f1)
res=$(python3 -c 'import sys
sent, mb, steps = int(sys.argv[2]) - int(sys.argv[1]), float(sys.argv[3] or 0), int(sys.argv[4])
print(f"{sent} bytes sent by host 2, {steps} steps x {mb} MB of gradients")
sys.exit(0 if mb > 0 and sent >= steps * mb * 1e6 else 1)' "$tx0" "$tx1" "${mb:-0}" $iters)
[ $? = 0 ] && ok "mpi_hosts_over_the_link" "$res" || bad "mpi_hosts_over_the_link" "$res"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
