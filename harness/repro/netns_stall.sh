#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The per-netns unregistration stall: a veth lower in netns b whose peer
# goes (its netns a dismantled, or the peer deleted) waits for its ipvlan
# upper in netns c. Run as root in a guest, one scenario after another:
#
#   harness/vmtest -- bash harness/repro/netns_stall.sh [SCENARIO...]
#
# SCENARIO is TRIGGER:UPPER_NS:KIND, e.g. netns:c:ipvlan (the default set
# is below). TRIGGER: netns (ip netns del a) or link (ip -n a link del pN);
# UPPER_NS: c (a third netns) or b (the lower's own); KIND: ipvlan or
# ipvtap. Scenario N names the lower lN, its peer pN, the upper uN.
#
# After the trigger nothing touches a netns of the scenario for $STALL_WAIT
# seconds (no polling: touching c releases the stall). Then it counts the
# kernel's "waiting for lN" reports, prints the stack of every task waiting
# in netdev_run_todo() or netns cleanup and the busy workqueues (the end of
# sysrq-t), and tries what might release the stall, one after the other,
# each followed by 11 s: RTM_NEWLINK in a netns of its own (d), RTM_GETLINK
# in b, entering c without rtnetlink, RTM_GETLINK in c, then RTM_NEWLINK in
# c (c's per-netns RTNL). "released by X" names the first after which no
# task waited any more. See netns_stall.md.
wait_s=${STALL_WAIT:-25}
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] ||
	scenarios=(netns:c:ipvlan link:c:ipvlan netns:b:ipvlan netns:c:ipvtap)
n=0

# PIDs of the tasks waiting for a device's references (netdev_run_todo;
# rtnl_net_work_func itself is a tail call, not on the stack) or for the
# per-netns work (a netns dismantle flushing it)
waiters()
{
	grep -lE 'netdev_run_todo|cleanup_net' /proc/[0-9]*/stack 2>/dev/null |
		cut -d/ -f3
}

stuck()
{
	[ -n "$(waiters)" ]
}

waiting()
{
	dmesg | sed -n "/stall-repro: $1\$/,\$p" | grep -c "waiting for $2 "
}

stacks()
{
	local pid

	for pid in $(waiters); do
		echo "--- $pid $(cat "/proc/$pid/comm"):"
		cat "/proc/$pid/stack"
	done
	# sysrq-t ends with the busy workqueues: which work runs, which waits
	echo t >/proc/sysrq-trigger
	dmesg | sed -n '/Showing busy workqueues/,$p' | cut -c16- |
		grep -v 'waiting for\|ref_tracker\|^ ' | head -n 14
}

scenario()
{
	local trigger upper kind tag a b c d l rel=none

	IFS=: read -r trigger upper kind <<<"$1"
	n=$((n + 1))
	a=a$n b=b$n c=c$n d=d$n l=l$n
	[ "$upper" = b ] && upper=$b || upper=$c
	tag="$1 #$n"
	ip netns add "$a" && ip netns add "$b" && ip netns add "$c" || return
	ip -n "$b" link add "$l" type veth peer "p$n" netns "$a" || return
	ip -n "$b" link add "u$n" link "$l" netns "$upper" type "$kind" mode l2 ||
		return
	echo "stall-repro: $tag" >/dev/kmsg
	if [ "$trigger" = netns ]; then
		ip netns del "$a"
	else
		ip -n "$a" link del "p$n"
	fi
	sleep "$wait_s"
	echo "== $tag: 'waiting for $l' reports after ${wait_s}s: $(waiting "$tag" "$l")"
	if stuck; then
		stacks
		for r in "ip netns add $d; ip -n $d link set lo up" \
			 "ip -n $b link show" "ip netns exec $c true" \
			 "ip -n $c link show" "ip -n $c link set u$n down"; do
			eval "$r" >/dev/null
			sleep 11
			stuck && continue
			rel=$r
			break
		done
		echo "== $tag: released by: $rel"
		# Every later netns teardown would queue behind it.
		[ "$rel" = none ] && exit 1
	else
		echo "== $tag: no stall"
	fi
	ip netns del "$b"
	ip netns del "$c"
	ip netns del "$d" 2>/dev/null
	sleep 2
}

echo "== kernel $(uname -r), $(nproc) CPUs, per-netns work:" \
	"$(grep -cw rtnl_net_work_func /proc/kallsyms)"
for s in "${scenarios[@]}"; do
	scenario "$s"
done
