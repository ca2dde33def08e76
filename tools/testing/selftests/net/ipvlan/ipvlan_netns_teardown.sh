#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # tests and teardowns run through tests_run and run_test
#
# When a lower device is unregistered, its ipvlan and ipvtap uppers must be
# unregistered too, including uppers in other netns: since "ipvlan: Support
# per-netns netdev unregistration" those are queued with
# unregister_netdevice_queue_net() and unregistered by per-netns work.
#
# Each test builds the topology below, tears the lowers down in one way,
# and checks what a user sees: every upper and veth peer disappears within
# a bounded wait, the command that tears down returns (a lower is freed only
# once its uppers released it), and the kernel logs no splat meanwhile.
#
#   ns1: veth0 <-> veth1  lower in mode l2:  ipvl0 (ns1), ipvl0 (ns2), ipvt0 (ns3)
#        veth2 <-> veth3  lower in mode l3:  ipvl2 (ns1), ipvl2 (ns2), ipvt2 (ns3)
#        veth4 <-> veth5  lower in mode l3s: ipvl4 (ns1), ipvl4 (ns2), ipvt4 (ns3)
#
# (ipvlN: ipvlan, ipvtN: ipvtap; the mode belongs to the lower's port.)
# The uppers in ns2 and ns3 are created from ns1 with "netns nsX", or from
# their own netns with "link-netns ns1".

# shellcheck source=tools/testing/selftests/net/lib.sh
source "$(dirname "$0")"/../lib.sh

ALL_TESTS="
	del_lower
	del_lower_link_netns
	del_lower_netns
	del_lower_netns_link_netns
	del_upper_netns
	move_lower
	unload_lower_driver
	no_device_waiting
"

LOWERS=(veth0 veth2 veth4)
MODES=(l2 l3 l3s)
SPLAT_RE='WARNING:|BUG:|Oops|general protection fault|circular locking|recursive locking|inconsistent lock state|suspicious RCU usage|list_(add|del) corruption|refcount_t:|unregister_netdevice: waiting for|KASAN|UBSAN|blocked for more than'
# The kernel reports a device still referenced 10 s after its unregistration
# began (net.core.netdev_unregister_timeout_secs).
REFS_WARN_DELAY=11

# Devices that must be gone after the teardown, as "netns:device".
EXPECT_GONE=()
# When the last netns dismantle began: its devices go asynchronously.
LAST_DISMANTLE=0
START_MARKER=
# iproute2 that resolves "link" inside "link-netns" (6.2 and newer)
HAVE_LINK_NETNS=
# Set when a teardown left a device behind: the kernel then holds devices
# it cannot free, and further tests could block in the kernel for good.
BAIL=

kmsg()
{
	echo "<6>ipvlan_netns_teardown: $*" > /dev/kmsg 2>/dev/null
}

# The "link add" lines of the uppers of every lower in netns $1, created
# from ns1 ("netns") or from $1 ("link-netns").
upper_cmds()
{
	local ns=$1 how=$2 i lower type name place

	for i in "${!LOWERS[@]}"; do
		lower=${LOWERS[$i]}
		type="ipvlan mode ${MODES[$i]}"
		name=ipvl${lower#veth}
		if [ "$ns" = "$NS3" ]; then
			type="ipvtap mode ${MODES[$i]}"
			name=ipvt${lower#veth}
		fi
		if [ "$ns" = "$NS1" ]; then
			place=
		elif [ "$how" = link-netns ]; then
			place="link-netns $NS1"
		else
			place="netns $ns"
		fi
		echo "link add $name link $lower $place type $type"
	done
}

# Addresses give each upper state of its own to free.
upper_addr_cmds()
{
	local ns=$1 k=$2 lower name

	for lower in "${LOWERS[@]}"; do
		name=ipvl${lower#veth}
		[ "$ns" = "$NS3" ] && name=ipvt${lower#veth}
		echo "addr add 192.0.2.$((10 * k + ${lower#veth}))/24 dev $name"
		echo "addr add 2001:db8::$((10 * k + ${lower#veth}))/64 dev $name nodad"
		echo "link set $name up"
	done
}

# The topology, its uppers in other netns created the way $1 says.
topo_create()
{
	local how=$1 lower ns k

	setup_ns NS1 NS2 NS3 || return
	defer cleanup_ns "$NS1" "$NS2" "$NS3"

	{
		for lower in "${LOWERS[@]}"; do
			echo "link add $lower type veth peer name veth$((${lower#veth} + 1))"
			echo "link set $lower up"
		done
		upper_cmds "$NS1" "$how"
		[ "$how" = netns ] && upper_cmds "$NS2" netns && upper_cmds "$NS3" netns
	} | ip -n "$NS1" -batch - || return
	if [ "$how" = link-netns ]; then
		upper_cmds "$NS2" link-netns | ip -n "$NS2" -batch - || return
		upper_cmds "$NS3" link-netns | ip -n "$NS3" -batch - || return
	fi
	k=1
	for ns in "$NS1" "$NS2" "$NS3"; do
		upper_addr_cmds "$ns" "$k" | ip -n "$ns" -batch - || return
		k=$((k + 1))
	done
}

# "netns:device" of every upper of the topology, one a line, and of the
# lowers and their peers if $1 is "all".
topo_devices()
{
	local lower n

	for lower in "${LOWERS[@]}"; do
		n=${lower#veth}
		[ "$1" = all ] && printf '%s\n' "$NS1:$lower" "$NS1:veth$((n + 1))"
		printf '%s\n' "$NS1:ipvl$n" "$NS2:ipvl$n" "$NS3:ipvt$n"
	done
}

# Print which of the "netns:device" arguments are present (in netns that
# still exist), or which are missing with -m. True if none is printed.
devs_check()
{
	local want=present entry ns dev out=()
	local -A links

	[ "$1" = -m ] && want=missing && shift
	for entry in "$@"; do
		ns=${entry%%:*}
		dev=${entry#*:}
		[ -n "${links[$ns]+x}" ] ||
			links[$ns]=" $(ip -n "$ns" -o link show 2>/dev/null |
				       awk -F': ' '{ sub(/@.*/, "", $2); printf "%s ", $2 }')"
		if [[ "${links[$ns]}" == *" $dev "* ]]; then
			[ "$want" = present ] && out+=("$dev in ${ns%%-*}")
		else
			[ "$want" = missing ] && out+=("$dev in ${ns%%-*}")
		fi
	done
	[ ${#out[@]} -eq 0 ] && return 0
	echo "${out[*]}"
	return 1
}

devs_left()
{
	devs_check "${EXPECT_GONE[@]}"
}

# Run a teardown command that must return within WAIT_TIMEOUT: it blocks
# for as long as a lower is still referenced (an upper not released).
# It must not hold any descriptor we inherited: a stuck command would keep
# the kselftest runner waiting for the end of our output.
run_bounded()
{
	local rcfile outfile

	rcfile=$(mktemp)
	outfile=$(mktemp)
	defer rm -f "$rcfile" "$outfile"
	(
		for fd in /proc/self/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-"
		done 2>/dev/null
		"$@"
		echo $? >"$rcfile"
	) </dev/null >"$outfile" 2>&1 &
	[ "$1 $2" = "ip netns" ] && LAST_DISMANTLE=$(date +%s)
	if ! slowwait "$WAIT_TIMEOUT" test -s "$rcfile"; then
		check_err 1 "'$*' did not return within ${WAIT_TIMEOUT}s (lower still referenced?)"
		BAIL="'$*' is stuck"
		return 1
	fi
	check_err "$(cat "$rcfile")" "'$*' failed: $(head -n 3 "$outfile")"
}

# Delete the lowers in netns $1, in one command
del_lowers()
{
	local batch

	batch=$(mktemp)
	defer rm -f "$batch"
	printf 'link del %s\n' "${LOWERS[@]}" > "$batch"
	run_bounded ip -n "$1" -batch "$batch"
}

# Once the teardown has failed, name what is left without waiting again.
check_all_gone()
{
	local left wait=$WAIT_TIMEOUT

	[ "$RET" -ne 0 ] && wait=0
	if ! left=$(slowwait "$wait" devs_left); then
		check_err 1 "still present after ${wait}s: $left"
		BAIL="devices left behind: $left"
	fi
}

check_no_splat()
{
	local marker=$1 splat

	splat=$(dmesg | sed -n "/$marker/,\$p" | grep -E "$SPLAT_RE" | head -n 3)
	[ -z "$splat" ]
	check_err $? "kernel splat: $splat"
}

# Build the topology (uppers created the $2 way), run teardown $1, and
# check that EXPECT_GONE goes and no splat shows. $3: the test's name.
run_test()
{
	local teardown=$1 how=$2 desc=$3 marker

	RET=0
	retmsg=
	EXPECT_GONE=()
	if [ -n "$BAIL" ]; then
		check_err 1 "not run: $BAIL"
		log_test "$desc"
		return
	fi
	if [ "$how" = link-netns ] && [ "$HAVE_LINK_NETNS" != yes ]; then
		log_test_skip "$desc" "iproute2 $(ip -V | sed -n 's/.*iproute2-\([^ ,]*\).*/\1/p') looks up 'link' outside link-netns"
		return
	fi
	marker="ipvlan_netns_teardown: $desc start $$"
	kmsg "$desc start $$"

	if ! topo_create "$how"; then
		check_err 1 "cannot create the topology"
	else
		"$teardown"
		[ ${#EXPECT_GONE[@]} -gt 0 ] && check_all_gone
		check_no_splat "$marker"
	fi
	log_test "$desc"
}

teardown_del_lower()
{
	mapfile -t EXPECT_GONE < <(topo_devices all)
	del_lowers "$NS1"
}

del_lower()
{
	run_test teardown_del_lower netns "ip link del: lowers and uppers go (uppers made with netns)"
}

del_lower_link_netns()
{
	run_test teardown_del_lower link-netns "ip link del: lowers and uppers go (uppers made with link-netns)"
}

teardown_del_lower_netns()
{
	mapfile -t EXPECT_GONE < <(topo_devices | grep -v "^$NS1:")
	run_bounded ip netns del "$NS1"
}

del_lower_netns()
{
	run_test teardown_del_lower_netns netns "ip netns del of the lowers' netns: uppers go (netns)"
}

del_lower_netns_link_netns()
{
	run_test teardown_del_lower_netns link-netns "ip netns del of the lowers' netns: uppers go (link-netns)"
}

# An upper's netns goes first: the lowers and the other uppers stay, each
# lower takes a new upper, and deleting the lowers still takes every upper.
teardown_del_upper_netns()
{
	local lower missing stay

	mapfile -t stay < <(topo_devices all | grep -v "^$NS2:")
	EXPECT_GONE=("$NS2:ipvl0" "$NS2:ipvl2" "$NS2:ipvl4")
	run_bounded ip netns del "$NS2" || return
	check_all_gone
	missing=$(devs_check -m "${stay[@]}")
	check_err $? "went away with an upper's netns: $missing"

	for lower in "${LOWERS[@]}"; do
		echo "link add new${lower#veth} link $lower netns $NS3 type ipvlan mode l2"
	done | ip -n "$NS1" -batch -
	check_err $? "a lower does not take a new upper"

	EXPECT_GONE=("${stay[@]}" "$NS3:new0" "$NS3:new2" "$NS3:new4")
	del_lowers "$NS1"
}

del_upper_netns()
{
	run_test teardown_del_upper_netns netns "ip netns del of an upper's netns first, then the lowers"
}

# The lowers move to another netns (their uppers stay), then go there.
teardown_move_lower()
{
	local lower missing

	setup_ns NS4 || return
	defer cleanup_ns "$NS4"
	for lower in "${LOWERS[@]}"; do
		echo "link set $lower netns $NS4"
	done | ip -n "$NS1" -batch -
	check_err $? "cannot move the lowers to another netns"
	mapfile -t EXPECT_GONE < <(topo_devices)
	for lower in "${LOWERS[@]}"; do
		EXPECT_GONE+=("$NS4:$lower" "$NS1:veth$((${lower#veth} + 1))")
	done
	missing=$(devs_check -m "${EXPECT_GONE[@]}")
	check_err $? "missing after moving the lowers: $missing"
	del_lowers "$NS4"
}

move_lower()
{
	run_test teardown_move_lower netns "lowers moved to another netns, then deleted there"
}

# Unloading veth unregisters every veth device, and with them the uppers.
teardown_unload_lower_driver()
{
	mapfile -t EXPECT_GONE < <(topo_devices all)
	run_bounded modprobe -r veth
}

unload_lower_driver()
{
	local others

	if ! modinfo -F filename veth 2>/dev/null | grep -q '\.ko'; then
		log_test_skip "modprobe -r veth: lowers and uppers go" "veth is not a module"
		return
	fi
	others=$( (ip -o link show type veth; ip -all netns exec ip -o link show type veth) 2>/dev/null |
		grep -c '^[0-9]*: ')
	if [ "$others" -gt 0 ]; then
		log_test_skip "modprobe -r veth: lowers and uppers go" "veth devices other than this test's exist"
		return
	fi
	run_test teardown_unload_lower_driver netns "modprobe -r veth: lowers and uppers go"
}

# Teardown through netns dismantle is asynchronous: a device still
# referenced shows up only as a report some time later, so look at the end.
no_device_waiting()
{
	local left

	RET=0
	retmsg=
	left=$((LAST_DISMANTLE + REFS_WARN_DELAY - $(date +%s)))
	[ "$left" -gt 0 ] && sleep "$left"
	check_no_splat "$START_MARKER"
	log_test "no splat, no device waiting for references after all tests"
}

# Older iproute2 accepts "link-netns" on "link add" but looks the link up
# in the wrong netns, so try it once rather than trusting its help text.
probe_link_netns()
{
	local ret

	setup_ns PROBE_A PROBE_B || return
	ip -n "$PROBE_A" link add pv0 type veth peer name pv1 &&
	ip -n "$PROBE_B" link add pv2 link pv0 link-netns "$PROBE_A" \
		type ipvlan &>/dev/null
	ret=$?
	cleanup_ns "$PROBE_A" "$PROBE_B"
	return $ret
}

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: need root"
	exit "$ksft_skip"
fi
if ! ip link help 2>&1 | grep -q ipvlan; then
	echo "SKIP: iproute2 without ipvlan support"
	exit "$ksft_skip"
fi
if ! modprobe -q ipvtap && ! ip link help ipvtap &>/dev/null; then
	echo "SKIP: kernel without ipvtap (CONFIG_IPVTAP)"
	exit "$ksft_skip"
fi

trap defer_scopes_cleanup EXIT
START_MARKER="ipvlan_netns_teardown: start $$"
kmsg "start $$"
probe_link_netns && HAVE_LINK_NETNS=yes

tests_run

exit "$EXIT_STATUS"
