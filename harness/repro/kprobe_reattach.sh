#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Minimal reproducer, without BPF and without the suite: tracefs kprobes on
# FUNCS are created and enabled, an ipvlan upper is torn down (which runs
# them), and the probes are disabled and removed; round after round. Each
# round's teardown is "link" (RTM_DELLINK of the lower, from this task) or
# "netns" (ip netns del: the netns is dismantled by cleanup_net, a
# kworker), as TRIGGERS says.
#
# usage: kprobe_reattach.sh [TRIGGERS] [FUNCS]
#   TRIGGERS  teardowns, one per round (default "link netns link netns")
#   FUNCS     probed functions (default "ipvlan_uninit free_netdev")
# REPRO_KRETPROBE=1 adds a kretprobe on each function too.
set -u
triggers=${1:-link netns link netns}
funcs=${2:-ipvlan_uninit free_netdev}
tr=/sys/kernel/tracing
[ -e "$tr/kprobe_events" ] || mount -t tracefs nodev "$tr"

modprobe veth && modprobe ipvlan || exit 1
echo "repro: kernel $(uname -r), tracer: $(cat "$tr/current_tracer")," \
	"ftrace: $(grep -c . "$tr/available_filter_functions" 2>/dev/null || echo none) functions"
for f in $funcs; do
	grep -E " $f( |$)" /proc/kallsyms | sed 's/^/repro: kallsyms: /'
done

probes_on()
{
	local f

	for f in $funcs; do
		echo "p:repro/p_$f $f" >>"$tr/kprobe_events" || return 1
		[ "${REPRO_KRETPROBE:-0}" = 1 ] &&
			{ echo "r:repro/r_$f $f" >>"$tr/kprobe_events" || return 1; }
	done
	echo 1 >"$tr/events/repro/enable"
}

probes_off()
{
	echo 0 >"$tr/events/repro/enable"
	echo >"$tr/kprobe_events"
}

n=0
for trig in $triggers; do
	n=$((n + 1))
	ns=repro$n
	ip netns add "$ns"
	ip -n "$ns" link add veth0 type veth peer veth1
	ip -n "$ns" link add ipvl0 link veth0 type ipvlan mode l2
	probes_on || { echo "repro: round $n: cannot add probes"; exit 1; }
	echo "repro: round $n ($trig): enabled functions:"
	if [ -r "$tr/enabled_functions" ]; then
		sed 's/^/repro:   /' "$tr/enabled_functions"
	else
		echo "repro:   none (no function tracer: kprobes use int3, not ftrace)"
	fi
	case "$trig" in
	link)	ip -n "$ns" link del veth0; ip netns del "$ns" ;;
	netns)	ip netns del "$ns" ;;
	*)	echo "repro: unknown trigger $trig"; exit 2 ;;
	esac
	# cleanup_net runs later: wait until ipvlan_uninit was hit.
	for _ in $(seq 100); do
		grep -q "p_ipvlan_uninit" "$tr/trace" 2>/dev/null && break
		sleep 0.1
	done
	echo "repro: round $n: $(grep -c ': [pr]_[a-z_]*: ' "$tr/trace") hits"
	probes_off
	echo >"$tr/trace"
done
echo "repro: survived $n rounds"
