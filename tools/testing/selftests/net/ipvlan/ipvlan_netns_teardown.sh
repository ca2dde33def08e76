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
# once its uppers released it), the devices that must stay do, and the
# kernel logs no splat meanwhile.
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
# address.
#
# On debug kernels (KASAN, lockdep, kmemleak) every process costs about
# half a second: commands go through "ip -batch", the kernel log is read
# once per check, and no helper runs a process it can do without.

# The directory of this script, without a process
dir=.
[[ "$0" == */* ]] && dir=${0%/*}
# shellcheck source=tools/testing/selftests/net/lib.sh
source "$dir"/../lib.sh
# shellcheck source=tools/testing/selftests/net/ipvlan/ipvlan_lib.sh
source "$dir"/ipvlan_lib.sh

ALL_TESTS="
	del_lower
	del_lower_netns
	del_upper_netns
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
# What devs_check found, and the devices it saw per netns
DEVS_OUT=
declare -A LINKS
# When the last netns dismantle began: its devices go asynchronously.
LAST_DISMANTLE=0
START_MARKER=
# yes, no, or empty until the first topology tried link-netns
LINK_NETNS=
# Set when a teardown left a device behind: the kernel then holds devices
# it cannot free, and further tests could block in the kernel for good.
BAIL=
# Files of run_bounded, del_lowers and check_no_splat
TMP_DIR=
# Output files of run_bounded, numbered
RUNS=0
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

# The topology; the netns named by $@ are created with it, empty.
topo_create()
{
	local lower rc pid ns3_from_ns1=

	netns_create NS1 NS2 NS3 "$@" || return
	[ "$LINK_NETNS" = no ] && ns3_from_ns1=yes
	{
		for lower in "${LOWERS[@]}"; do
			echo "link add $lower type veth peer name veth$((${lower#veth} + 1))"
			echo "link set $lower up"
		done
		upper_cmds "$NS1" "$NS1"
		upper_addr_cmds "$NS1" 1
		upper_cmds "$NS2" "$NS1"
		[ -n "$ns3_from_ns1" ] && upper_cmds "$NS3" "$NS1"
	} | ip -n "$NS1" -batch - || return
	if [ -z "$ns3_from_ns1" ]; then
		ns3_link_netns
		rc=$?
		[ "$rc" = 2 ] && return 1
		if [ "$rc" = 1 ]; then
			upper_cmds "$NS3" "$NS1" | ip -n "$NS1" -batch - || return
			ns3_from_ns1=yes
		fi
	fi
	# The addresses of ns2 and ns3, in parallel
	upper_addr_cmds "$NS2" 2 >"$TMP_DIR/ns2.batch"
	ip -n "$NS2" -batch "$TMP_DIR/ns2.batch" &
	pid=$!
	rc=0
	if [ -n "$ns3_from_ns1" ]; then
		upper_addr_cmds "$NS3" 3 >"$TMP_DIR/ns3.batch"
		ip -n "$NS3" -batch "$TMP_DIR/ns3.batch" || rc=1
	fi
	wait "$pid" || rc=1
	return "$rc"
}

# Set array $1 to "netns:device" of every upper, and of the lowers and
# their peers if $2 is "all".
topo_devices()
{
	local -n devs=$1
	local lower ns name

	devs=()
	for lower in "${LOWERS[@]}"; do
		[ "$2" = all ] && devs+=("$NS1:$lower" "$NS1:veth$((${lower#veth} + 1))")
		for ns in "$NS1" "$NS2" "$NS3"; do
			upper_name name "$ns" "$lower"
			devs+=("$ns:$name")
		done
	done
}

# Remove the entries of array $1 that match pattern $2, adding them to
# array $3 if given
devs_take()
{
	local -n from=$1
	local entry kept=() taken=()

	for entry in "${from[@]}"; do
		# shellcheck disable=SC2053 # $2 is a pattern
		if [[ "$entry" == $2 ]]; then
			taken+=("$entry")
		else
			kept+=("$entry")
		fi
	done
	from=("${kept[@]}")
	[ -n "$3" ] || return 0
	local -n to=$3
	to+=("${taken[@]}")
}

# Set array LINKS, indexed by netns, to the names of the devices in each
# netns given, each between spaces (none if the netns is gone). The netns
# are listed in parallel: each "ip" costs most of a second on debug kernels.
list_links()
{
	local ns pids=() line name

	for ns in "$@"; do
		[ -e "$NETNS_DIR/$ns" ] || continue
		ip -n "$ns" -o link show >"$TMP_DIR/links.$ns" 2>/dev/null &
		pids+=($!)
	done
	# Not a bare "wait": a stuck teardown command is a child too.
	[ ${#pids[@]} -gt 0 ] && wait "${pids[@]}"
	LINKS=()
	for ns in "$@"; do
		LINKS[$ns]=" "
		[ -e "$NETNS_DIR/$ns" ] || continue
		while read -r line; do
			name=${line#*: }
			LINKS[$ns]+="${name%%[@:]*} "
		done <"$TMP_DIR/links.$ns"
	done
}

# Which of the "netns:device" arguments are present (in netns that still
# exist), or which are missing with -m, into DEVS_OUT. True if none is.
devs_check()
{
	local want=present entry ns dev out=()
	local -A seen

	[ "$1" = -m ] && want=missing && shift
	for entry in "$@"; do
		seen[${entry%%:*}]=1
	done
	list_links "${!seen[@]}"
	for entry in "$@"; do
		ns=${entry%%:*}
		dev=${entry#*:}
		if [[ "${LINKS[$ns]}" == *" $dev "* ]]; then
			[ "$want" = present ] && out+=("$dev in ${ns%%-*}")
		else
			[ "$want" = missing ] && out+=("$dev in ${ns%%-*}")
		fi
	done
	DEVS_OUT="${out[*]}"
	[ ${#out[@]} -eq 0 ]
}

devs_left()
{
	devs_check "${EXPECT_GONE[@]}"
}

# Whether process $1, a child of ours, has ended (a zombie until waited)
exited()
{
	local state

	{ read -r _ _ state _ </proc/"$1"/stat; } 2>/dev/null || return 0
	[ "$state" = Z ]
}

# Run a teardown command that must return within WAIT_TIMEOUT: it blocks
# for as long as a lower is still referenced (an upper not released).
# It must not hold any descriptor we inherited: a stuck command would keep
# the kselftest runner waiting for the end of our output.
run_bounded()
{
	local outfile=$TMP_DIR/out.$((++RUNS)) pid rc

	(
		for fd in /proc/self/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-"
		done 2>/dev/null
		exec "$@"
	) </dev/null >"$outfile" 2>&1 &
	pid=$!
	[ "$1 $2" = "ip netns" ] && LAST_DISMANTLE=$EPOCHSECONDS
	if ! wait_until "$WAIT_TIMEOUT" exited "$pid"; then
		check_err 1 "'$*' did not return within ${WAIT_TIMEOUT}s (lower still referenced?)"
		BAIL="'$*' is stuck"
		return 1
	fi
	wait "$pid"
	rc=$?
	check_err "$rc" "'$*' failed: $(<"$outfile")"
	return "$rc"
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
	local wait=$WAIT_TIMEOUT

	[ "$RET" -ne 0 ] && wait=0
	if ! wait_until "$wait" devs_left; then
		check_err 1 "still present after ${wait}s: $DEVS_OUT"
		BAIL="devices left behind: $DEVS_OUT"
	fi
}

# Check that the devices "netns:device" given are still there
check_stay()
{
	devs_check -m "$@"
	check_err $? "went away: $DEVS_OUT"
}

# The kernel log since marker $1 holds no splat (at most three are named)
check_no_splat()
{
	local lines i splat=()

	dmesg > "$TMP_DIR/kmsg"
	mapfile -t lines < "$TMP_DIR/kmsg"
	for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
		[[ "${lines[i]}" == *"$1"* ]] && break
		[[ "${lines[i]}" =~ $SPLAT_RE ]] && splat=("${lines[i]}" "${splat[@]:0:2}")
	done
	[ ${#splat[@]} -eq 0 ]
	check_err $? "kernel splat: ${splat[*]}"
}

# Build the topology (with the empty netns named by $3...), run teardown
# $1, check that EXPECT_GONE goes and no splat shows, and report as test $2.
run_test()
{
	local teardown=$1 desc=$2 marker missing

	shift 2
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

	# Progress: on slow debug kernels a build takes 5-10 s, as does a
	# teardown with its checks.
	log_info "building the topology (3 lowers, 9 uppers, 3 netns)"
	if ! topo_create "$@"; then
		missing=$(kernel_lacks CONFIG_VETH CONFIG_IPVLAN CONFIG_IPVTAP)
		if [[ "$(ip link help 2>&1)" != *ipvlan* ]]; then
			RET=$ksft_skip
			retmsg="iproute2 without ipvlan support"
		elif [ -n "$missing" ]; then
			RET=$ksft_skip
			retmsg="kernel without $missing"
		else
			check_err 1 "cannot create the topology (see ip's error above)"
		fi
	else
		log_info "built, tearing down"
		"$teardown"
		[ ${#EXPECT_GONE[@]} -gt 0 ] && check_all_gone
		check_no_splat "$marker"
	fi
	log_test "${TEARDOWN_DESC:-$desc}"
}

teardown_del_lower()
{
	topo_devices all EXPECT_GONE
	del_lowers "$NS1"
}

del_lower()
{
	run_test teardown_del_lower "ip link del of the lowers: lowers and uppers go"
}

teardown_del_lower_netns()
{
	topo_devices EXPECT_GONE uppers
	devs_take EXPECT_GONE "$NS1:*"
	run_bounded ip netns del "$NS1"
}

del_lower_netns()
{
	run_test teardown_del_lower_netns "ip netns del of the lowers' netns: uppers go"
}

# An upper's netns goes first: the lowers and the other uppers stay, each
# lower takes a new upper; the lowers move to NS4 (their uppers stay);
# then unloading veth (or, where it cannot be unloaded, deleting the lowers
# in NS4) takes every upper.
teardown_del_upper_netns()
{
	local lower stay=()

	topo_devices stay all
	devs_take stay "$NS2:*" EXPECT_GONE
	run_bounded ip netns del "$NS2" || return
	check_all_gone
	check_stay "${stay[@]}"
	for lower in "${LOWERS[@]}"; do
		echo "link add new${lower#veth} link $lower netns $NS3 type ipvlan mode l2"
		stay+=("$NS3:new${lower#veth}")
	done > "$TMP_DIR/batch"
	ip -n "$NS1" -batch "$TMP_DIR/batch"
	check_err $? "a lower does not take a new upper"
	log_test "ip netns del of an upper's netns: lowers and other uppers stay"

	RET=0
	retmsg=
	devs_take stay "$NS1:veth[024]"
	for lower in "${LOWERS[@]}"; do
		echo "link set $lower netns $NS4"
		stay+=("$NS4:$lower")
	done > "$TMP_DIR/batch"
	ip -n "$NS1" -batch "$TMP_DIR/batch"
	check_err $? "cannot move the lowers to another netns"
	check_stay "${stay[@]}"
	log_test "lowers moved to another netns: uppers and peers stay"

	RET=0
	retmsg=
	EXPECT_GONE=("${stay[@]}")
	TEARDOWN_DESC="ip link del of the moved lowers, then: every upper goes"
	if veth_unloadable; then
		TEARDOWN_DESC="modprobe -r veth, then: lowers and uppers go"
		run_bounded modprobe -r veth
	else
		del_lowers "$NS4"
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
	for ns in "$NETNS_DIR"/*; do
		[ -e "$ns" ] || continue
		[[ " $NS1 $NS2 $NS3 $NS4 " == *" ${ns##*/} "* ]] || return 1
	done
	[ -z "$(ip -o link show type veth)" ]
}

del_upper_netns()
{
	run_test teardown_del_upper_netns \
		"ip netns del of an upper's netns, then the lowers: every upper goes" NS4
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

trap defer_scopes_cleanup EXIT
defer netns_delete_retired
TMP_DIR=$(mktemp -d) || exit "$ksft_fail"
defer rm -rf "$TMP_DIR"
START_MARKER="ipvlan_netns_teardown: start $$"
kmsg "start $$"
waiting=$(device_waiting) &&
	BAIL="the kernel cannot free a device of an earlier test (${waiting#*: })"

tests_run

exit "$EXIT_STATUS"
