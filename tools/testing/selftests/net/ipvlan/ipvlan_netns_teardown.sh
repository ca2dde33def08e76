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
#   ns1: veth0 <-> veth1  lower in mode l2:  ipvl0_1 (ns1), ipvl0_2 (ns2), ipvt0_3 (ns3)
#        veth2 <-> veth3  lower in mode l3:  ipvl2_1 (ns1), ipvl2_2 (ns2), ipvt2_3 (ns3)
#        veth4 <-> veth5  lower in mode l3s: ipvl4_1 (ns1), ipvl4_2 (ns2), ipvt4_3 (ns3)
#
# ipvl are ipvlan, ipvt ipvtap devices; the mode belongs to the lower's
# port. Names differ across netns: on older kernels (6.1), "ip link add
# NAME ... netns X" fails if NAME exists where the request comes from.
# The uppers in ns2 are created from ns1 ("link vethN netns ns2"), those
# in ns3 from ns3 ("link vethN link-netns ns1") where iproute2 can (6.2
# and newer), else like ns2's. Every upper has an IPv4 and an IPv6
# address. Commands go through "ip -batch": each process costs much on
# slow debug kernels.

# shellcheck source=tools/testing/selftests/net/lib.sh
source "$(dirname "$0")"/../lib.sh
# shellcheck source=tools/testing/selftests/net/ipvlan/ipvlan_lib.sh
source "$(dirname "$0")"/ipvlan_lib.sh

ALL_TESTS="
	del_lower
	del_lower_netns
	del_upper_netns
	move_lower
	no_device_waiting
"

LOWERS=(veth0 veth2 veth4)
MODES=(l2 l3 l3s)
SPLAT_RE='WARNING:|BUG:|Oops|general protection fault|circular locking'
SPLAT_RE+='|recursive locking|inconsistent lock state|suspicious RCU usage'
SPLAT_RE+='|list_(add|del) corruption|refcount_t:|unregister_netdevice: waiting for'
SPLAT_RE+='|KASAN|UBSAN|blocked for more than'
# The kernel reports a device still referenced 10 s after its unregistration
# began (net.core.netdev_unregister_timeout_secs).
REFS_WARN_DELAY=11

# Devices that must be gone after the teardown, as "netns:device".
EXPECT_GONE=()
# When the last netns dismantle began: its devices go asynchronously.
LAST_DISMANTLE=0
START_MARKER=
# yes, no, or empty until the first topology tried link-netns
LINK_NETNS=
# Set when a teardown left a device behind: the kernel then holds devices
# it cannot free, and further tests could block in the kernel for good.
BAIL=
# Files of run_bounded and del_lowers
TMP_DIR=
# The name of a test whose teardown chose among ways, if not run_test's
TEARDOWN_DESC=

kmsg()
{
	echo "<6>ipvlan_netns_teardown: $*" > /dev/kmsg 2>/dev/null
}

# Set variable $1 to the name of lower $3's upper in netns $2 (without a
# subshell: each process costs on slow debug kernels).
upper_name()
{
	case "$2" in
	"$NS1") printf -v "$1" 'ipvl%s_1' "${3#veth}" ;;
	"$NS2") printf -v "$1" 'ipvl%s_2' "${3#veth}" ;;
	*) printf -v "$1" 'ipvt%s_3' "${3#veth}" ;;
	esac
}

# "link add" lines of the uppers in netns $1, run in netns $2
upper_cmds()
{
	local ns=$1 where=$2 i type name place=

	for i in "${!LOWERS[@]}"; do
		type=ipvlan
		[ "$ns" = "$NS3" ] && type=ipvtap
		upper_name name "$ns" "${LOWERS[$i]}"
		if [ "$ns" != "$where" ]; then
			place="netns $ns"
		elif [ "$ns" != "$NS1" ]; then
			place="link-netns $NS1"
		fi
		echo "link add $name link ${LOWERS[$i]} $place type $type mode ${MODES[$i]}"
	done
}

# Address, and up, lines of the uppers in netns $1, the $2-th netns
upper_addr_cmds()
{
	local ns=$1 k=$2 lower n name

	for lower in "${LOWERS[@]}"; do
		n=${lower#veth}
		upper_name name "$ns" "$lower"
		echo "addr add 192.0.2.$((10 * k + n))/24 dev $name"
		echo "addr add 2001:db8::$((10 * k + n))/64 dev $name nodad"
		echo "link set $name up"
	done
}

# The uppers of ns3 from ns3 itself. Older iproute2 accepts "link-netns"
# but looks the link up in the wrong netns: try once, then remember.
ns3_link_netns()
{
	[ "$LINK_NETNS" = no ] && return 1
	if { upper_cmds "$NS3" "$NS3"; upper_addr_cmds "$NS3" 3; } |
	   ip -n "$NS3" -batch - 2>/dev/null; then
		LINK_NETNS=yes
		return 0
	fi
	[ "$LINK_NETNS" = yes ] && return 2
	LINK_NETNS=no
	# Not a SKIP: the uppers are still made, from ns1, and rtnetlink's
	# link-netnsid path is covered by ipvlan_teardown_trace.
	[[ "$(ip -V)" =~ iproute2-([^ ,]*) ]]
	local v=${BASH_REMATCH[1]}
	log_info "iproute2 $v looks up 'link' outside link-netns: ns3's uppers are created from ns1"
	return 1
}

topo_create()
{
	local lower rc

	netns_create NS1 NS2 NS3 || return
	{
		for lower in "${LOWERS[@]}"; do
			echo "link add $lower type veth peer name veth$((${lower#veth} + 1))"
			echo "link set $lower up"
		done
		upper_cmds "$NS1" "$NS1"
		upper_addr_cmds "$NS1" 1
		upper_cmds "$NS2" "$NS1"
	} | ip -n "$NS1" -batch - || return
	ns3_link_netns
	rc=$?
	if [ "$rc" = 1 ]; then
		upper_cmds "$NS3" "$NS1" | ip -n "$NS1" -batch - &&
		upper_addr_cmds "$NS3" 3 | ip -n "$NS3" -batch - || return
	elif [ "$rc" != 0 ]; then
		return 1
	fi
	upper_addr_cmds "$NS2" 2 | ip -n "$NS2" -batch -
}

# "netns:device" of every upper, one a line, and of the lowers and their
# peers if $1 is "all".
topo_devices()
{
	local lower ns name

	for lower in "${LOWERS[@]}"; do
		[ "$1" = all ] && printf '%s\n' "$NS1:$lower" "$NS1:veth$((${lower#veth} + 1))"
		for ns in "$NS1" "$NS2" "$NS3"; do
			upper_name name "$ns" "$lower"
			echo "$ns:$name"
		done
	done
}

# Print the names of the devices in netns $1, each between spaces
link_names()
{
	local line name list=" "

	while read -r line; do
		name=${line#*: }
		list+="${name%%[@:]*} "
	done < <(ip -n "$1" -o link show 2>/dev/null)
	echo "$list"
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
		[ -n "${links[$ns]+x}" ] || links[$ns]=$(link_names "$ns")
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
	local rcfile=$TMP_DIR/rc outfile=$TMP_DIR/out

	rm -f "$rcfile"
	(
		for fd in /proc/self/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-"
		done 2>/dev/null
		"$@"
		echo $? >"$rcfile"
	) </dev/null >"$outfile" 2>&1 &
	[ "$1 $2" = "ip netns" ] && LAST_DISMANTLE=$EPOCHSECONDS
	if ! wait_until "$WAIT_TIMEOUT" test -s "$rcfile"; then
		check_err 1 "'$*' did not return within ${WAIT_TIMEOUT}s (lower still referenced?)"
		BAIL="'$*' is stuck"
		return 1
	fi
	check_err "$(<"$rcfile")" "'$*' failed: $(<"$outfile")"
}

# Delete the lowers in netns $1, in one command
del_lowers()
{
	local batch=$TMP_DIR/batch

	printf 'link del %s\n' "${LOWERS[@]}" > "$batch"
	run_bounded ip -n "$1" -batch "$batch"
}

# Once the teardown has failed, name what is left without waiting again.
check_all_gone()
{
	local left wait=$WAIT_TIMEOUT

	[ "$RET" -ne 0 ] && wait=0
	if ! left=$(wait_until "$wait" devs_left); then
		check_err 1 "still present after ${wait}s: $left"
		BAIL="devices left behind: $left"
	fi
}

# The kernel log since marker $1 holds no splat
check_no_splat()
{
	local splat

	splat=$(dmesg | awk -v marker="$1" -v re="$SPLAT_RE" '
		index($0, marker) { since = 1; next }
		since && $0 ~ re { print; if (++n == 3) exit }')
	[ -z "$splat" ]
	check_err $? "kernel splat: $splat"
}

# Build the topology, run teardown $1, check that EXPECT_GONE goes and no
# splat shows, and report as test $2.
run_test()
{
	local teardown=$1 desc=$2 marker missing

	TEARDOWN_DESC=
	RET=0
	retmsg=
	EXPECT_GONE=()
	if [ -n "$BAIL" ]; then
		check_err 1 "not run: $BAIL"
		log_test "$desc"
		return
	fi
	marker="ipvlan_netns_teardown: $desc start $$"
	kmsg "$desc start $$"

	if ! topo_create; then
		missing=$(kernel_lacks CONFIG_VETH CONFIG_IPVLAN CONFIG_IPVTAP)
		if [ -n "$missing" ]; then
			RET=$ksft_skip
			retmsg="kernel without $missing"
		else
			check_err 1 "cannot create the topology (see ip's error above)"
		fi
	else
		# Progress: on slow debug kernels a test takes 10-20 s
		log_info "topology built (3 lowers, 9 uppers, 3 netns), tearing down"
		"$teardown"
		[ ${#EXPECT_GONE[@]} -gt 0 ] && check_all_gone
		check_no_splat "$marker"
	fi
	log_test "${TEARDOWN_DESC:-$desc}"
}

teardown_del_lower()
{
	mapfile -t EXPECT_GONE < <(topo_devices all)
	del_lowers "$NS1"
}

del_lower()
{
	run_test teardown_del_lower "ip link del of the lowers: lowers and uppers go"
}

teardown_del_lower_netns()
{
	mapfile -t EXPECT_GONE < <(topo_devices | grep -v "^$NS1:")
	run_bounded ip netns del "$NS1"
}

del_lower_netns()
{
	run_test teardown_del_lower_netns "ip netns del of the lowers' netns: uppers go"
}

# An upper's netns goes first: the lowers and the other uppers stay, each
# lower takes a new upper, then unloading veth (or, where it cannot be
# unloaded, deleting the lowers) takes every upper.
teardown_del_upper_netns()
{
	local lower missing stay

	mapfile -t stay < <(topo_devices all | grep -v "^$NS2:")
	mapfile -t EXPECT_GONE < <(topo_devices | grep "^$NS2:")
	run_bounded ip netns del "$NS2" || return
	check_all_gone
	missing=$(devs_check -m "${stay[@]}")
	check_err $? "went away with an upper's netns: $missing"

	for lower in "${LOWERS[@]}"; do
		echo "link add new${lower#veth} link $lower netns $NS3 type ipvlan mode l2"
	done | ip -n "$NS1" -batch -
	check_err $? "a lower does not take a new upper"
	log_test "ip netns del of an upper's netns: lowers and other uppers stay"
	RET=0
	retmsg=

	EXPECT_GONE=("${stay[@]}" "$NS3:new0" "$NS3:new2" "$NS3:new4")
	TEARDOWN_DESC="ip link del of the lowers, then: every upper goes"
	if veth_unloadable; then
		TEARDOWN_DESC="modprobe -r veth, then: lowers and uppers go"
		run_bounded modprobe -r veth
	else
		del_lowers "$NS1"
	fi
}

# Whether unloading veth would take this test's devices only: it is a
# module nothing holds, and there is no veth in the root netns and no netns
# but this test's.
veth_unloadable()
{
	local refcnt ns

	{ read -r refcnt </sys/module/veth/refcnt; } 2>/dev/null || return 1
	[ "$refcnt" = 0 ] || return 1
	[ -z "$(ip -o link show type veth)" ] || return 1
	while read -r ns _; do
		[[ " $NS1 $NS2 $NS3 " == *" $ns "* ]] || return 1
	done < <(ip netns list)
}

del_upper_netns()
{
	run_test teardown_del_upper_netns \
		"ip netns del of an upper's netns, then the lowers: every upper goes"
}

# The lowers move to another netns (their uppers stay), then go there.
teardown_move_lower()
{
	local lower missing

	netns_create NS4 || return
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
	run_test teardown_move_lower "lowers moved to another netns, then deleted there"
}

# Teardown through netns dismantle is asynchronous: a device still
# referenced shows up only as a report some time later, so look at the end.
no_device_waiting()
{
	local left

	RET=0
	retmsg=
	left=$((LAST_DISMANTLE + REFS_WARN_DELAY - EPOCHSECONDS))
	[ "$left" -gt 0 ] && nap "$left"
	check_no_splat "$START_MARKER"
	# A device an earlier test left may be reported only now and then.
	[ -n "$BAIL" ] && check_err 1 "$BAIL"
	log_test "no splat, no device waiting for references after all tests"
}

if [ "$EUID" -ne 0 ]; then
	echo "SKIP: need root"
	exit "$ksft_skip"
fi
if ! ip link help 2>&1 | grep -q ipvlan; then
	echo "SKIP: iproute2 without ipvlan support"
	exit "$ksft_skip"
fi

trap defer_scopes_cleanup EXIT
TMP_DIR=$(mktemp -d) || exit "$ksft_fail"
defer rm -rf "$TMP_DIR"
START_MARKER="ipvlan_netns_teardown: start $$"
kmsg "start $$"
waiting=$(device_waiting) &&
	BAIL="the kernel cannot free a device of an earlier test (${waiting#*: })"

tests_run

exit "$EXIT_STATUS"
