#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# When a lower device is unregistered, its ipvlan/ipvtap uppers must be
# unregistered too, including uppers in other netns: since "ipvlan: Support
# per-netns netdev unregistration" those are queued with
# unregister_netdevice_queue_net() and unregistered by per-netns work.
#
# Each case builds the topology below, tears the lower down in one way, and
# checks that every upper and the veth peer disappear within a bounded wait,
# that the trigger itself returns (the lower is freed only after its uppers
# released it), and that the kernel logged no splat meanwhile.
#
#   ns1: veth0 (lower) <-> veth1 (peer), ipvl1 (upper)
#   ns2: ipvl2 (upper of ns1's veth0)
#   ns3: ipvl3 (upper of ns1's veth0)
#
# Uppers are created either from the lower's netns with "link veth0 netns
# nsX", or from their own netns with "link veth0 link-netns ns1".
#
# shellcheck disable=SC2317 # cases run through in_defer_scope and trigger_$x

lib_dir=$(dirname "$0")
# shellcheck source=tools/testing/selftests/net/lib.sh
source "$lib_dir"/../lib.sh
# shellcheck source=tools/testing/selftests/kselftest/ktap_helpers.sh
source "$lib_dir"/../../kselftest/ktap_helpers.sh

UPPER_TYPES=(
	"ipvlan mode l2"
	"ipvlan mode l3"
	"ipvlan mode l3s"
	"ipvtap"
)
TRIGGERS=(
	del_lower
	del_lower_context
	del_lower_netns
	del_upper_netns
	move_lower
	unload_lower_driver
)
SPLAT_RE='WARNING:|BUG:|Oops|general protection fault|circular locking|recursive locking|inconsistent lock state|suspicious RCU usage|list_(add|del) corruption|refcount_t:|unregister_netdevice: waiting for|KASAN|UBSAN|blocked for more than'
TRACE_DIR=/sys/kernel/tracing
TRACE_GROUP=ipvlan_nt_$$
# netdev_wait_allrefs_any() reports a device still referenced after 10 s.
REFS_WARN_DELAY=11

# Devices that must be gone after the trigger, as "netns:device".
EXPECT_GONE=()
LAST_TEARDOWN=0
# Set when a teardown left a device behind: the kernel then holds devices
# it cannot free, and further cases could block in the kernel for good.
BAIL=

kmsg()
{
	echo "<6>ipvlan_netns_teardown: $*" > /dev/kmsg 2>/dev/null
}

ns_exists()
{
	ip netns list | grep -q "^$1\( \|$\)"
}

dev_present()
{
	ip -n "$1" link show dev "$2" &>/dev/null
}

# Create upper $2 of ns1's veth0 in netns $1, the way $HOW says.
add_upper()
{
	local ns=$1 name=$2

	if [ "$ns" = "$NS1" ]; then
		ip -n "$NS1" link add "$name" link veth0 type "${UPPER_TYPE[@]}"
	elif [ "$HOW" = link-netns ]; then
		ip -n "$ns" link add "$name" link veth0 link-netns "$NS1" \
			type "${UPPER_TYPE[@]}"
	else
		ip -n "$NS1" link add "$name" link veth0 netns "$ns" \
			type "${UPPER_TYPE[@]}"
	fi || return

	# Addresses give the teardown per-upper state to free.
	ip -n "$ns" addr add "192.0.2.${name#ipvl}/24" dev "$name" &&
	ip -n "$ns" addr add "2001:db8::${name#ipvl}/64" dev "$name" nodad &&
	ip -n "$ns" link set "$name" up
}

topo_create()
{
	setup_ns NS1 NS2 NS3 || return
	defer cleanup_ns "$NS1" "$NS2" "$NS3"

	ip -n "$NS1" link add veth0 type veth peer name veth1 &&
	ip -n "$NS1" link set veth0 up &&
	ip -n "$NS1" link set veth1 up &&
	add_upper "$NS1" ipvl1 &&
	add_upper "$NS2" ipvl2 &&
	add_upper "$NS3" ipvl3
}

# The devices in EXPECT_GONE whose netns still exists and which are there.
devs_left()
{
	local entry ns dev left=()

	for entry in "${EXPECT_GONE[@]}"; do
		ns=${entry%%:*}
		dev=${entry#*:}
		ns_exists "$ns" || continue
		dev_present "$ns" "$dev" && left+=("$dev in ${ns%%-*}")
	done
	[ ${#left[@]} -eq 0 ] && return 0
	echo "${left[*]}"
	return 1
}

# Run a teardown command that must return within WAIT_TIMEOUT: it blocks
# for as long as the lower is still referenced (an upper not released).
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
	LAST_TEARDOWN=$(date +%s)
	if ! slowwait "$WAIT_TIMEOUT" test -s "$rcfile"; then
		check_err 1 "'$*' did not return within ${WAIT_TIMEOUT}s (lower still referenced?)"
		BAIL="'$*' is stuck"
		return 1
	fi
	cat "$outfile"
	check_err "$(cat "$rcfile")" "'$*' failed"
}

# Once the trigger has failed, name what is left without waiting again.
check_all_gone()
{
	local left wait=$WAIT_TIMEOUT

	[ "$RET" -ne 0 ] && wait=0
	if ! left=$(slowwait "$wait" devs_left); then
		ktap_print_msg "still present after ${wait}s: $left"
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

trigger_del_lower()
{
	EXPECT_GONE=("$NS1:veth0" "$NS1:veth1" "$NS1:ipvl1" "$NS2:ipvl2" "$NS3:ipvl3")
	run_bounded ip -n "$NS1" link del veth0
}

trace_stop()
{
	local group=$TRACE_GROUP

	echo 0 > "$TRACE_DIR/instances/$group/events/$group/uninit/enable"
	rmdir "$TRACE_DIR/instances/$group"
	echo "-:$group/uninit" >> "$TRACE_DIR/kprobe_events"
}

# Record each ipvlan_uninit() with its stack, in a trace instance of ours.
trace_start()
{
	local group=$TRACE_GROUP inst=$TRACE_DIR/instances/$TRACE_GROUP

	[ -w "$TRACE_DIR/kprobe_events" ] || return 1
	echo "p:$group/uninit ipvlan_uninit" >> "$TRACE_DIR/kprobe_events" ||
		return 1
	mkdir "$inst" || return 1
	defer_prio trace_stop
	echo 1 > "$inst/options/stacktrace" &&
	echo 1 > "$inst/events/$group/uninit/enable"
}

# Print "calls calls_in_per_netns_work" of the recorded ipvlan_uninit().
# rtnl_net_work_func() may tail-call into the unregistration and leave no
# frame, so per-netns work is a kworker in unregister_netdevice_many_net().
trace_count()
{
	awk '/ uninit: / { n++; cur = ($1 ~ /^kworker\//); next }
	     /=> unregister_netdevice_many_net$/ && cur { work++; cur = 0 }
	     END { printf("%d %d\n", n, work) }' \
		"$TRACE_DIR/instances/$TRACE_GROUP/trace"
}

# Which context unregisters the uppers: with per-netns unregistration,
# ipvl2 and ipvl3 (not in the lower's netns) go in per-netns work and
# ipvl1 in the deleting task; without it, all three in the deleting task.
trigger_del_lower_context()
{
	local calls work want_work=0 path="the deleting task"

	if ! trace_start; then
		RET=$ksft_skip retmsg="kprobe events on ipvlan_uninit unavailable"
		return
	fi
	if grep -qw unregister_netdevice_many_net /proc/kallsyms; then
		want_work=2
		path="per-netns work"
	fi
	# "ip link del" returns once the lower is freed, which waits for
	# every upper's ipvlan_uninit(): the trace is complete by then.
	trigger_del_lower
	read -r calls work < <(trace_count)
	ktap_print_msg "ipvlan_uninit: $calls calls, $work in per-netns work; expected 3 and $want_work ($path)"
	[ "$calls" -eq 3 ]
	check_err $? "ipvlan_uninit ran $calls times for 3 uppers"
	[ "$work" -eq "$want_work" ]
	check_err $? "$work uppers unregistered in per-netns work, expected $want_work ($path)"
}

trigger_del_lower_netns()
{
	EXPECT_GONE=("$NS2:ipvl2" "$NS3:ipvl3")
	run_bounded ip netns del "$NS1"
}

# An upper's netns goes first: the lower and the other uppers stay, the
# lower accepts a new upper, and deleting it later still takes all uppers.
trigger_del_upper_netns()
{
	run_bounded ip netns del "$NS2" || return
	EXPECT_GONE=("$NS2:ipvl2")
	check_all_gone

	dev_present "$NS1" veth0 && dev_present "$NS1" ipvl1 &&
		dev_present "$NS3" ipvl3
	check_err $? "lower or other uppers went away with an upper's netns"
	add_upper "$NS3" ipvl4
	check_err $? "lower does not accept a new upper"

	EXPECT_GONE=("$NS1:veth0" "$NS1:veth1" "$NS1:ipvl1" "$NS3:ipvl3" "$NS3:ipvl4")
	run_bounded ip -n "$NS1" link del veth0
}

# The lower moves to another netns (its uppers stay), then is deleted there.
trigger_move_lower()
{
	setup_ns NS4 || return
	defer cleanup_ns "$NS4"

	ip -n "$NS1" link set veth0 netns "$NS4"
	check_err $? "cannot move the lower to another netns"
	dev_present "$NS4" veth0 && dev_present "$NS1" ipvl1 &&
		dev_present "$NS2" ipvl2 && dev_present "$NS3" ipvl3
	check_err $? "lower or uppers missing after moving the lower"

	EXPECT_GONE=("$NS4:veth0" "$NS1:veth1" "$NS1:ipvl1" "$NS2:ipvl2" "$NS3:ipvl3")
	run_bounded ip -n "$NS4" link del veth0
}

# Unloading veth unregisters every veth device, and with it the uppers.
trigger_unload_lower_driver()
{
	local others

	others=$( (ip -o link show type veth; ip -all netns exec ip -o link show type veth) 2>/dev/null |
		awk '/^[0-9]+: / && $2 !~ /^veth[01]@/' | wc -l)
	if [ "$others" -gt 0 ]; then
		RET=$ksft_skip retmsg="veth devices other than this test's exist"
		return
	fi
	EXPECT_GONE=("$NS1:veth0" "$NS1:veth1" "$NS1:ipvl1" "$NS2:ipvl2" "$NS3:ipvl3")
	run_bounded modprobe -r veth
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

# Why case $1 cannot run here, if it cannot.
case_skip_reason()
{
	local trigger=$1

	if [ "$HOW" = link-netns ] && [ "$HAVE_LINK_NETNS" != yes ]; then
		echo "iproute2 $(ip -V | sed -n 's/.*iproute2-\([^ ,]*\).*/\1/p') looks up 'link' outside link-netns"
	elif [ "$trigger" = unload_lower_driver ] && ! modinfo -F filename veth 2>/dev/null | grep -q '\.ko'; then
		echo "veth is not a module"
	elif [ "$trigger" = unload_lower_driver ] && [ -e /sys/module/veth ] &&
	     [ "$(cat /sys/module/veth/refcnt 2>/dev/null)" != 0 ]; then
		echo "veth module is in use"
	fi
}

run_case()
{
	local trigger=$1 desc=$2 marker reason

	RET=0
	retmsg=
	EXPECT_GONE=()
	reason=$(case_skip_reason "$trigger")
	if [ -n "$reason" ]; then
		RET=$ksft_skip retmsg=$reason
		return
	fi

	ktap_print_msg "case: $desc"
	marker="ipvlan_netns_teardown: case $desc start"
	kmsg "case $desc start"

	if ! topo_create; then
		check_err 1 "cannot create the topology (${UPPER_TYPE[0]} not supported?)"
		if ! modprobe -q "${UPPER_TYPE[0]}"; then
			RET=$ksft_skip retmsg="${UPPER_TYPE[0]} is not available"
		fi
		return
	fi

	"trigger_$trigger"
	[ ${#EXPECT_GONE[@]} -gt 0 ] && check_all_gone
	check_no_splat "$marker"
}

case_result()
{
	local desc=$1

	log_test "$desc"
	case $RET in
	"$ksft_pass")
		ktap_test_pass "$desc"
		;;
	"$ksft_skip")
		ktap_test_skip "$desc"
		;;
	*)
		ktap_test_fail "$desc"
		;;
	esac
	if [ -n "$BAIL" ]; then
		echo "Bail out! $desc: $BAIL; later cases could block in the kernel"
		ktap_print_totals
		exit "$ksft_fail"
	fi
}

# Teardown through netns dismantle is asynchronous: a device still
# referenced shows up only as a warning 10 s later, so look once at the end.
check_no_waiting_device()
{
	local since=$1 left

	RET=0
	retmsg=
	left=$((LAST_TEARDOWN + REFS_WARN_DELAY - $(date +%s)))
	[ "$left" -gt 0 ] && sleep "$left"
	check_no_splat "$since"
	case_result "no splat, no device waiting for references after all cases"
}

main()
{
	local t trigger start_marker

	if [ "$(id -u)" -ne 0 ]; then
		ktap_skip_all "need root"
		exit "$ksft_skip"
	fi
	if ! ip link help 2>&1 | grep -q ipvlan; then
		ktap_skip_all "iproute2 without ipvlan support"
		exit "$ksft_skip"
	fi

	trap defer_scopes_cleanup EXIT
	trap 'exit 1' INT TERM
	start_marker="ipvlan_netns_teardown: start $$"
	kmsg "start $$"

	HAVE_LINK_NETNS=no
	probe_link_netns && HAVE_LINK_NETNS=yes

	ktap_print_header
	ktap_set_plan $(( ${#UPPER_TYPES[@]} * (${#TRIGGERS[@]} + 1) + 1 ))

	for t in "${UPPER_TYPES[@]}"; do
		read -r -a UPPER_TYPE <<<"$t"
		HOW=netns
		for trigger in "${TRIGGERS[@]}"; do
			in_defer_scope run_case "$trigger" \
				"${t// /_}.$trigger.netns"
			case_result "${t// /_}.$trigger.netns"
		done
		HOW=link-netns
		in_defer_scope run_case del_lower "${t// /_}.del_lower.link-netns"
		case_result "${t// /_}.del_lower.link-netns"
	done
	check_no_waiting_device "$start_marker"

	ktap_print_totals
	if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
		exit "$ksft_fail"
	elif [ "$KTAP_CNT_PASS" -eq 0 ]; then
		exit "$ksft_skip"
	fi
	exit "$ksft_pass"
}

main "$@"
