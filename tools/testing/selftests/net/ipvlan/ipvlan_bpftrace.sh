#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The procedure of "ipvlan: Support per-netns netdev unregistration" under
# "Tested:", with its reading of the output checked instead of eyeballed:
#
#   ns1: veth0 (lower) <-> veth1, ns2: ipvl2, ns3: ipvl3 (uppers of veth0)
#   bpftrace on ipvlan_uninit, veth_dellink, free_netdev with kstack()
#   ip -n ns1 link del veth0
#
# "veth0 is freed after unregistering ipvl2 and ipvl3 in per-netns work
# because ipvl_port holds refcount of veth0."
#
# Differences from the patch's program: no "#include <linux/netdevice.h>"
# (struct net_device comes from BTF; the include needs the kernel's
# headers, and without them picks the UAPI header and bpftrace finds no
# field "name"), a BEGIN line, printed once every probe is attached
# (bpftrace says "Attaching N probes..." before it does so), and a
# timestamp and netns inode per event, because bpftrace prints per-CPU
# buffers in no global order and other netns may free devices with the
# same names.
#
# bpftrace up to at least 0.17 looks for traceable functions only in
# /sys/kernel/debug/tracing/available_filter_functions (CONFIG_FUNCTION_TRACER
# and tracefs mounted there), and attaches no kprobe it cannot find there,
# with a mere warning: a run with fewer probes than the program has is a
# SKIP, with bpftrace's reason. struct net_device comes from BTF: see
# bpftrace_headers() for the kernel headers bpftrace would otherwise parse.
#
# shellcheck disable=SC2317 # run through in_defer_scope, stop_bpftrace by defer

# The directory of this script, without a process (each costs on slow
# debug kernels)
lib_dir=.
[[ "$0" == */* ]] && lib_dir=${0%/*}
# shellcheck source=tools/testing/selftests/net/lib.sh
source "$lib_dir"/../lib.sh
# shellcheck source=tools/testing/selftests/kselftest/ktap_helpers.sh
source "$lib_dir"/../../kselftest/ktap_helpers.sh
# shellcheck source=tools/testing/selftests/net/ipvlan/ipvlan_lib.sh
source "$lib_dir"/ipvlan_lib.sh

# bpftrace 0.17 compiles the BTF definition of struct net_device with
# clang before it attaches: tens of seconds on a slow debug kernel.
ATTACH_TIMEOUT=${ATTACH_TIMEOUT:-300}
EVENT_TIMEOUT=20
DELETE_TIMEOUT=20
NR_PROBES=4	# BEGIN and three kprobes

# shellcheck disable=SC2016 # bpftrace's $dev, not the shell's
PROG='
BEGIN { printf("READY\n"); }
kprobe:ipvlan_uninit,
kprobe:veth_dellink,
kprobe:free_netdev
{
	$dev = (struct net_device *)arg0;
	printf("EVENT %llu %s %d %s %u%s\n", nsecs, probe, pid, $dev->name,
	       $dev->nd_net.net->ns.inum, kstack());
}'

OUT=
BPFTRACE_PID=
# bpftrace's output, and when it was started
BPFTRACE_FD=
BPFTRACE_START=
# Copies bpftrace's output to $OUT once it is attached
COPY_PID=
SKIP_REASON=
# Parsed events, one a line: "ts probe pid dev netns in_work"
EVENTS=()

stop_bpftrace()
{
	[ -n "$BPFTRACE_PID" ] || return 0
	kill -INT "$BPFTRACE_PID" 2>/dev/null
	wait_until 10 eval "! kill -0 $BPFTRACE_PID 2>/dev/null" ||
		kill -KILL "$BPFTRACE_PID" 2>/dev/null
	wait "$BPFTRACE_PID" 2>/dev/null
	BPFTRACE_PID=
	# Its last lines are in $OUT once the copy has ended too.
	[ -n "$COPY_PID" ] && wait "$COPY_PID" 2>/dev/null
	COPY_PID=
}

# bpftrace's output as one line per event, "ts probe pid dev netns
# in_work", in time order; in_work: the stack goes through
# unregister_netdevice_many_net(), which only per-netns work calls
# (rtnl_net_work_func() may be tail-called and leave no frame of its own).
parse_events()
{
	mapfile -t EVENTS < <(awk '
	function flush() { if (ev != "") print ev, work; ev = "" }
	/^EVENT / { flush(); sub(/^kprobe:/, "", $3);
		    ev = $2 " " $3 " " $4 " " $5 " " $6; work = 0; next }
	/unregister_netdevice_many_net\+/ { work = 1 }
	END { flush() }' "$OUT" | sort -n)
}

# Print the events of probe $1 on device $2 of netns $3, one a line
select_events()
{
	local ev f

	for ev in "${EVENTS[@]}"; do
		read -r -a f <<<"$ev"
		[ "${f[1]} ${f[3]} ${f[4]}" = "$1 $2 $3" ] && echo "$ev"
	done
}

# The number of lines of $1
count_lines()
{
	local lines

	[ -n "$1" ] || { echo 0; return; }
	mapfile -t lines <<<"$1"
	echo "${#lines[@]}"
}

fail()
{
	ktap_print_msg "FAIL: $*"
	RET=1
}

# The program needs no kernel header: with BTF, an empty
# BPFTRACE_KERNEL_SOURCE keeps bpftrace from parsing headers it would find
# under /lib/modules/$(uname -r) (slow, and broken for a tree built with O=,
# whose headers are split between "build" and "build/source"). Without BTF,
# point it at both halves of such a tree. The user's setting wins.
bpftrace_headers()
{
	local build

	build=/lib/modules/$(uname -r)/build
	[ -n "${BPFTRACE_KERNEL_SOURCE+set}" ] && return
	if [ -r /sys/kernel/btf/vmlinux ]; then
		export BPFTRACE_KERNEL_SOURCE=
	elif [ ! -e "$build/include/linux/kconfig.h" ] &&
	     [ -e "$build/source/include/linux/kconfig.h" ]; then
		export BPFTRACE_KERNEL_SOURCE=$build/source
		export BPFTRACE_KERNEL_BUILD=$build
	fi
}

# bpftrace 0.17 reads the traceable functions from the old tracefs mount
tracefs_for_bpftrace()
{
	local dir=/sys/kernel/debug/tracing

	[ -e "$dir/available_filter_functions" ] && return
	[ -e /sys/kernel/tracing/available_filter_functions ] || return
	[ -d "$dir" ] || return
	mount -t tracefs nodev "$dir" && defer umount "$dir"
}

# Start bpftrace: it compiles and attaches while the topology is built.
start_bpftrace()
{
	BPFTRACE_START=$EPOCHREALTIME
	OUT=$(mktemp)
	defer rm -f "$OUT"
	bpftrace_headers
	tracefs_for_bpftrace
	# Line-buffered: a killed bpftrace must not take events with it.
	exec {BPFTRACE_FD}< <(exec bpftrace -B line -e "$PROG" </dev/null 2>&1)
	BPFTRACE_PID=$!
	defer stop_bpftrace
}

# Wait, without polling (a poll loop would take the CPU from bpftrace's
# compiler on a slow machine), until every probe is attached; its output
# goes to $OUT, progress every 10 s.
bpftrace_attached()
{
	local start=$BPFTRACE_START line n fd=$BPFTRACE_FD

	while true; do
		if read -r -t 10 -u "$fd" line; then
			echo "$line" >>"$OUT"
			[ "$line" = READY ] && break
			continue
		fi
		if ! kill -0 "$BPFTRACE_PID" 2>/dev/null; then
			SKIP_REASON="bpftrace cannot attach: $(tail -n 1 "$OUT")"
			exec {fd}<&-
			return 1
		fi
		n=$(((${EPOCHREALTIME/./} - ${start/./}) / 1000000))
		if ((n >= ATTACH_TIMEOUT)); then
			SKIP_REASON="bpftrace did not attach within ${ATTACH_TIMEOUT}s"
			exec {fd}<&-
			return 1
		fi
		ktap_print_msg "bpftrace still attaching after ${n}s"
	done
	# The rest of its output, as it comes
	cat <&"$fd" >>"$OUT" &
	COPY_PID=$!
	exec {fd}<&-
	n=$(sed -n 's/^Attaching \([0-9]*\) probes\?\.\.\.$/\1/p' "$OUT")
	if [ "$n" != "$NR_PROBES" ]; then
		# bpftrace's first warning, without its "WARNING:", which
		# would read like a kernel splat in the test's output
		SKIP_REASON="bpftrace attached ${n:-no} of $NR_PROBES probes:"
		SKIP_REASON+=" $(sed -n 's/^.*WARNING: //p' "$OUT" | head -n 1)"
		return 1
	fi
	ATTACH_MS=$(((${EPOCHREALTIME/./} - ${start/./}) / 1000))
}

# Whether bpftrace has printed the free_netdev() of both uppers
uppers_freed()
{
	local line n=0

	while read -r line; do
		[[ "$line" =~ ^EVENT\ .*free_netdev\ .*\ ipvl[23]\  ]] && n=$((n + 1))
	done <"$OUT"
	((n >= 2))
}

run()
{
	local ns1_ino ns2_ino ns3_ino n dellink deleter lower_free lower_free_ts
	local lower_free_pid upper ino uninit ts pid in_work per_netns=no path
	local del_pid line missing

	start_bpftrace
	netns_create NS1 NS2 NS3 || return 1
	if ! ip -n "$NS1" link add veth0 type veth peer veth1; then
		missing=$(kernel_lacks CONFIG_VETH)
		[ -z "$missing" ] && return 1
		SKIP_REASON="kernel without $missing"
		return "$ksft_skip"
	fi
	# The patch's topology; iproute2 < 6.2 has no link-netns, so the uppers
	# are created in ns1 and put in ns2 and ns3 in one step.
	if ! ip -n "$NS1" -batch - <<-EOF
		link add ipvl2 link veth0 netns $NS2 type ipvlan mode l2
		link add ipvl3 link veth0 netns $NS3 type ipvlan mode l2
	EOF
	then
		# Not built with ipvlan: a SKIP; built with it: broken, a FAIL
		missing=$(kernel_lacks CONFIG_IPVLAN)
		[ -z "$missing" ] && return 1
		SKIP_REASON="kernel without $missing"
		return "$ksft_skip"
	fi
	read -r ns1_ino ns2_ino ns3_ino < <(stat -L --printf '%i ' \
		"/run/netns/$NS1" "/run/netns/$NS2" "/run/netns/$NS3"; echo)
	grep -qw rtnl_net_work_func /proc/kallsyms && per_netns=yes

	bpftrace_attached || return "$ksft_skip"
	RET=0
	ktap_print_msg "bpftrace attached in $ATTACH_MS ms"

	# Bounded: the delete blocks for as long as veth0 is referenced.
	ip -n "$NS1" link del veth0 </dev/null &>/dev/null &
	del_pid=$!
	if ! wait_until "$DELETE_TIMEOUT" eval "! kill -0 $del_pid 2>/dev/null"; then
		ktap_print_msg "FAIL: 'ip link del veth0' has not returned after ${DELETE_TIMEOUT}s"
		RET=1
	fi
	# Uppers in other netns may be freed after the delete returns
	wait_until "$EVENT_TIMEOUT" uppers_freed
	stop_bpftrace
	parse_events

	dellink=$(select_events veth_dellink veth0 "$ns1_ino")
	n=$(count_lines "$dellink")
	[ "$n" = 1 ] || fail "veth_dellink on veth0: $n events, expected 1"
	read -r _ _ deleter _ <<<"$dellink"
	lower_free=$(select_events free_netdev veth0 "$ns1_ino")
	n=$(count_lines "$lower_free")
	[ "$n" = 1 ] || fail "free_netdev on veth0: $n events, expected 1"
	read -r lower_free_ts _ lower_free_pid _ <<<"$lower_free"
	[ "$lower_free_pid" = "$deleter" ] ||
		fail "veth0 freed by pid $lower_free_pid, not by the deleting task $deleter"

	for upper in "ipvl2 $ns2_ino" "ipvl3 $ns3_ino"; do
		read -r upper ino <<<"$upper"
		uninit=$(select_events ipvlan_uninit "$upper" "$ino")
		n=$(count_lines "$uninit")
		[ "$n" = 1 ] || fail "ipvlan_uninit on $upper: $n events, expected 1"
		n=$(count_lines "$(select_events free_netdev "$upper" "$ino")")
		[ "$n" = 1 ] || fail "free_netdev on $upper: $n events, expected 1"
		[ -n "$uninit" ] || continue
		read -r ts _ pid _ _ in_work <<<"$uninit"
		[ "$ts" -lt "${lower_free_ts:-0}" ] ||
			fail "veth0 freed before $upper was uninitialised"
		if [ "$per_netns" = yes ]; then
			[ "$in_work" = 1 ] ||
				fail "$upper not uninitialised in per-netns work"
			[ "$pid" != "$deleter" ] ||
				fail "$upper uninitialised by the deleting task"
		else
			[ "$pid" = "$deleter" ] ||
				fail "$upper not uninitialised by the deleting task"
		fi
	done

	path="synchronous (no rtnl_net_work_func)"
	[ "$per_netns" = yes ] && path="per-netns work"
	ktap_print_msg "checked the $path path"
	if [ "$RET" != 0 ]; then
		ktap_print_msg "events (ns since boot, probe, pid, dev, netns inode," \
			       "in per-netns work):"
		for line in "${EVENTS[@]}"; do ktap_print_msg "  $line"; done
	fi
	return "$RET"
}

main()
{
	local rc desc="the patch's procedure: veth0 freed after ipvl2 and ipvl3" waiting

	ktap_print_header
	ktap_set_plan 1
	if [ "$EUID" -ne 0 ]; then
		ktap_test_skip "need root"
		rc=$ksft_skip
	elif ! command -v bpftrace >/dev/null; then
		ktap_test_skip "bpftrace not installed"
		rc=$ksft_skip
	elif waiting=$(device_waiting); then
		# Its teardown would only wait out its bound
		ktap_print_msg "not run: the kernel cannot free a device of" \
			       "an earlier test (${waiting#*: })"
		ktap_test_fail "$desc"
		rc=$ksft_fail
	else
		trap defer_scopes_cleanup EXIT
		trap 'exit 1' INT TERM
		defer netns_delete_retired
		in_defer_scope run
		rc=$?
		case "$rc" in
		0) ktap_test_pass "$desc" ;;
		"$ksft_skip") ktap_test_skip "$SKIP_REASON" ;;
		*) ktap_test_fail "$desc"; rc=$ksft_fail ;;
		esac
	fi
	ktap_print_totals
	exit "$rc"
}

main
