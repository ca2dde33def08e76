#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # the tests run from ALL_TESTS
#
# A lower's ipvlan and ipvtap uppers go with it, also those in other netns,
# which CONFIG_DEBUG_NET_SMALL_RTNL queues to their own netns. Each test
# tears down a group of lowers one way, checks what a user sees and, with
# bpftrace on the probes of the patch's "Tested:", what the kernel did:
#
#   NS1: veth0,  veth2,  veth4:  ipvl0_1 in NS1,  ipvl0_2 in NS2, ipvt0_3 in NS3
#   NS4: veth10, veth12, veth14: ipvl10_1 in NS4, ipvl10_2 ...,   ipvt10_3 ...
#   NS1: veth20, veth22, veth24: ipvl20_1 in NS1, ipvl20_2 ...,   ipvt20_3 ...
#   NS5: veth30, veth32, veth34: ipvl30_1 in NS5, ipvl30_2 ...,   ipvt30_3 ...
#   NS5: veth36:                 ipvl36_1 in NS5, mode l2
#
# (ipvl: ipvlan, ipvt: ipvtap, with addresses; vethN's peer is veth<N+1>;
# a group's ports: mode l2, l3, l3s.)

# In this order: each takes the topology the last one left. The tracer's
# probe in ipvlan goes with the module: unload comes last.
ALL_TESTS="del_lowers del_lowers_netns change_lowers move_lowers backlog unload"

# Lower groups: the netns of their lowers
GROUP=([0]=NS1 [10]=NS4 [20]=NS1 [30]=NS5)
MODES=(l2 l3 l3s)
# WARN, BUG (KASAN's too), lockdep, RCU stalls, leaked references, stacks,
# debugobjects
SPLAT_RE='WARNING:|BUG:|Oops|general protection|UBSAN:|list_(add|del) corruption'
SPLAT_RE+='|refcount_t:|ref_tracker:|detected stall|blocked for more than'
SPLAT_RE+='|unregister_netdevice: waiting for|Call Trace:|ODEBUG:'
# What devs_in also asks of a device's line (change_lowers sets it)
LINK_RE=''

# shellcheck disable=SC2016 # bpftrace's variables
# @net[tid]: the netns whose queue unregister_netdevice_many_net() is
# unregistering, where the kernel has one (BT_PERNET); BEGIN declares it.
# PENDING: a work an ip cancels, and whether it was still queued.
BT_PROG='BEGIN { @net[0] = 0; delete(@net[0]); printf("READY\n"); }
kprobe:ipvlan_uninit,
kprobe:free_netdev
{
	$dev = (struct net_device *)arg0;
	printf("EVENT %llu %s %s %u %u\n", nsecs, probe, $dev->name,
	       $dev->nd_net.net->ns.inum, @net[tid]);
}
kprobe:cancel_work_sync
/comm == "ip"/
{
	printf("PENDING %s %llu\n", ksym((uint64)((struct work_struct *)arg0)->func),
	       ((struct work_struct *)arg0)->data.counter & 1);
}'
# shellcheck disable=SC2016 # bpftrace's variables
BT_PERNET='
kprobe:unregister_netdevice_many_net
{
	@net[tid] = ((struct net *)arg0)->ns.inum;
}
kretprobe:unregister_netdevice_many_net { delete(@net[tid]); }'

# The tracer's events of the test's devices (not fallback tunnels) in the
# netns "$nets" since line $from of its output, as "uninit DEV CTX" (CTX:
# pernet if unregistered from its own netns' queue, else direct) and "free
# DEV", must be those expected, each as many times. An upper ipv?N_K must
# be uninitialised before its lower vethN is freed.
# shellcheck disable=SC2016 # awk's variables
TRACE_AWK='
FILENAME == ARGV[1] { want[$0]++; next }
FNR <= from || !/^EVENT / || $4 !~ /^(lo$|veth|ipv)/ ||
	index(" " nets " ", " " $5 " ") == 0 { next }
{
	sub(/^kprobe:(ipvlan_)?/, "", $3)
	sub(/_netdev$/, "", $3)
	k = $3 " " $4 ($3 == "uninit" ? " " ($5 == $6 ? "pernet" : "direct") : "")
	got[k]++
	if ($3 == "uninit" && !($4 in uninit))
		uninit[$4] = $2
	if ($3 == "free" && !($4 in free))
		free[$4] = $2
}
END {
	for (k in want)
		if (got[k] < want[k])
			miss = miss ", " k
	for (k in got)
		if (got[k] > want[k])
			extra = extra ", " k
	out = (miss ? "; missing: " substr(miss, 3) : "") \
		(extra ? "; extra: " substr(extra, 3) : "")
	for (d in uninit) {
		l = "veth" substr(d, 5, index(d, "_") - 5)
		if ((l in free) && free[l] < uninit[d])
			out = out "; " l " freed before " d " was uninitialised"
	}
	print substr(out, 3)
	exit (out != "")
}'

# Wait until bpftrace has attached: it compiles for 10-30 s on a debug
# kernel, while the netns and the topology are built.
trace_ready()
{
	local i=0

	[ -n "$BT_SKIP" ] && return
	until mapfile -t 2>/dev/null <"$BT_OUT" && [[ "${MAPFILE[*]}" == *READY* ]]; do
		if ((i++ > 600)) || ! kill -0 "$BT_PID" 2>/dev/null; then
			BT_SKIP="bpftrace did not attach: ${MAPFILE[*]: -1}"
			return
		fi
		read -r -t 0.2 -u "$IDLE_FD"
	done
	if ((!TRACE_FROM)) && [[ "${MAPFILE[*]}" == *WARNING* ]]; then
		BT_SKIP="bpftrace did not attach every probe"
	elif ((!TRACE_FROM)); then
		log_info "checking the ${PER_NETNS:-direct} path"
	fi
	TRACE_FROM=${#MAPFILE[@]}
}

# Check what the tracer saw against TMP_DIR/expected, waiting for what is
# not freed yet, and empty it.
trace_verify()
{
	local errs

	[ -n "$BT_SKIP" ] && return
	errs=$(poll awk -v from="$TRACE_FROM" -v nets="$NETS" "$TRACE_AWK" \
		"$TMP_DIR/expected" "$BT_OUT")
	check_err $? "$errs"
	: >"$TMP_DIR/expected"
}

# The tracer must see "NETNS:DEV" $2... go, once each: an upper from its
# netns' queue if not in netns $1, its lower's (none: a dismantled netns'
# devices all are), else directly.
expect_gone()
{
	local d ctx

	for d in "${@:2}"; do
		ctx=direct
		[ -n "$PER_NETNS" ] && [ "${d%%:*}" != "$1" ] && ctx=pernet
		[[ "$d" == *:ipv* ]] && echo "uninit ${d#*:} $ctx"
		echo "free ${d#*:}"
	done >>"$TMP_DIR/expected"
}

# LOW, PEER, UP: "NETNS:DEV" of group $1's lowers, their peers, their uppers
group()
{
	local lns=${GROUP[$1]} n

	LOW=() PEER=() UP=()
	for n in "$1" $(($1 + 2)) $(($1 + 4)); do
		LOW+=("${!lns}:veth$n")
		PEER+=("${!lns}:veth$((n + 1))")
		UP+=("${!lns}:ipvl${n}_1" "$NS2:ipvl${n}_2" "$NS3:ipvt${n}_3")
	done
}

# ADDR: ipv?N_K's address' host part, 4 * N + K (a peer vethN+1's: 4 * N + 4)
addr_of()
{
	local m=${1#*:ipv?}

	ADDR=$((4 * ${m%_*} + ${m#*_}))
}

# The ports of lowers veth"$@" are in their modes, as the kernel reports them
# on an upper ipv?N_K ("ip -d -o link show" in TMP_DIR/modes, emptied)
modes_check()
{
	local out n bad=0

	read -r -d '' out <"$TMP_DIR/modes"
	: >"$TMP_DIR/modes"
	for n in "$@"; do
		[[ "$out" =~ ipv.${n}_.@[^$'\n']*ipv(lan|tap)\ +mode\ ${MODE[n]}\  ]] && continue
		check_err 1 "the port of veth$n is not in mode ${MODE[n]}"
		bad=1
	done
	return "$bad"
}

topo_create()
{
	local base i n m d v

	# setup_ns costs five processes a netns, 25 s for five on a debug
	# kernel: one batch creates them, on NS_LIST for cleanup().
	for v in NS1 NS2 NS3 NS4 NS5; do
		printf -v "$v" '%s-%s' "${v,,}" "$$"
		echo "netns add ${!v}"
		NS_LIST+=("${!v}")
	done >"$TMP_DIR/netns"
	ip -batch "$TMP_DIR/netns" || { RET=$ksft_skip retmsg="cannot create netns"; return 1; }
	# Their inodes: the tracer sees every netns
	NETS=$(stat -L --printf '%i ' "${NS_LIST[@]/#//run/netns/}")
	# One batch a netns, the lowers' first. ipv?N_K has address 4 * N + K.
	for base in "${!GROUP[@]}"; do
		group "$base"
		for i in 0 1 2; do
			n=$((base + 2 * i)) MODE[n]=${MODES[i]}
			m="mode ${MODES[i]}"
			printf '%s\n' "link add veth$n type veth peer name veth$((n + 1))" \
				"link set veth$n up" "link set veth$((n + 1)) up" \
				"addr add 192.0.2.$((4 * n + 4))/24 dev veth$((n + 1))" \
				"addr add 2001:db8::$((4 * n + 4))/64 dev veth$((n + 1)) nodad" \
				"link add ipvl${n}_1 link veth$n type ipvlan $m" \
				"link add ipvl${n}_2 link veth$n netns $NS2 type ipvlan $m" \
				"link add ipvt${n}_3 link veth$n netns $NS3 type ipvtap $m" \
				"link show dev ipvl${n}_1" >>"$TMP_DIR/${LOW[i]%%:*}"
		done
		for d in "${UP[@]}"; do
			addr_of "$d"
			printf '%s\n' "addr add 192.0.2.$ADDR/24 dev ${d#*:}" \
				"addr add 2001:db8::$ADDR/64 dev ${d#*:} nodad" \
				"link set ${d#*:} up" >>"$TMP_DIR/${d%%:*}"
		done
	done
	printf '%s\n' "link add veth36 type veth peer name veth37" "link set veth36 up" \
		"link set veth37 up" "addr add 192.0.2.148/24 dev veth37" \
		"link add ipvl36_1 link veth36 type ipvlan mode l2" \
		"addr add 192.0.2.145/24 dev ipvl36_1" "link set ipvl36_1 up" >>"$TMP_DIR/$NS5"
	for v in NS1 NS4 NS5 NS2 NS3; do
		ip -n "${!v}" -d -o -batch "$TMP_DIR/${!v}" 2>"$TMP_DIR/err" \
			>>"$TMP_DIR/modes" && continue
		RET=$ksft_fail
		grep -q 'Unknown device type\|Garbage instead' "$TMP_DIR/err" && RET=$ksft_skip
		retmsg="cannot build the topology: $(head -n 1 "$TMP_DIR/err")"
		return 1
	done
	modes_check "${!MODE[@]}"
}

# slowwait without its date and sleep processes, 1.5 s a round on a debug
# kernel: retry "$@" for WAIT_TIMEOUT seconds, print its last output.
poll()
{
	local end=$((SECONDS + WAIT_TIMEOUT)) out

	until out=$("$@"); do
		((SECONDS < end)) || { echo "$out"; return 1; }
		read -r -t 0.2 -u "$IDLE_FD"
	done
	return 0
}

case_start()
{
	CASE=$1 RET=0 retmsg=''
	KMSG_MARK="ipvlan_netns_teardown: $CASE"
	echo "$KMSG_MARK" >/dev/kmsg
	# A teardown that did not return may hold RTNL: what follows would hang.
	[ -z "$STUCK" ] && return 0
	check_err 1 "not run: $STUCK"
	log_test "$CASE"
	return 1
}

# Report the case, failed by any splat in the kernel log since the last one.
case_end()
{
	local line log=() msg

	echo "$KMSG_MARK: end" >/dev/kmsg
	while read -r -t 10 -u "$KMSG_FD" line; do
		[[ "$line" == *"$KMSG_MARK: end" ]] && break
		[[ "$line" =~ $SPLAT_RE ]] && log+=("${line#*] }")
	done
	[[ "$line" == *"$KMSG_MARK: end" ]] || check_err 1 "cannot read the kernel log (dmesg -W)"
	if [ ${#log[@]} -gt 0 ]; then
		printf -v msg ' | %s' "${log[@]:0:3}"
		msg="kernel splat: ${msg# | }"
		check_err 1 "$msg"
		[ "$retmsg" = "$msg" ] || retmsg=${retmsg:+$retmsg; }$msg
	fi
	log_test "$CASE"
}

# Frames between the group's devices, sent from those not in netns $1 (a
# socket holds its netns), and through the ipvtaps' taps unless NOTAP, until
# traffic_stop. They must flow; a device missing fails them. With STARVE,
# they are sent from CPU 1 at a SCHED_FIFO priority and, once they flow, a
# SCHED_FIFO loop holds CPU 1 for 4 s: its workers wait.
traffic_start()
{
	local d a=() src=() read='read [0-9]'

	for d in "${UP[@]}"; do
		addr_of "$d"
		a+=(-a "::ffff:192.0.2.$ADDR" -a "2001:db8::$ADDR")
	done
	for d in "${PEER[@]}" "${UP[@]}"; do
		[ "${d%%:*}" = "$1" ] && continue
		[[ "$d" == *:ipvt* && -z "$NOTAP" ]] && d+=:tap read='read [1-9]'
		src+=("$d")
	done
	# shellcheck disable=SC2086 # a command that runs the next one
	exec {TRAFFIC_FD}< <(exec ${STARVE:+chrt -f 2 taskset -c 1} ./ipvlan_traffic "${a[@]}" \
		"${src[@]}" 2>"$TMP_DIR/traffic")
	TRAFFIC_PID=$!
	read -r -t "$WAIT_TIMEOUT" -u "$TRAFFIC_FD" TRAFFIC_BEFORE
	[[ "$TRAFFIC_BEFORE" =~ received\ [1-9].*$read ]]
	check_err $? "no frames flowed: ${TRAFFIC_BEFORE:-$(cat "$TMP_DIR/traffic")}"
	if [ -n "$STARVE" ]; then
		timeout 4 chrt -f 1 taskset -c 1 sh -c 'while :; do :; done' &
		HOG_PID=$!
	fi
}

# ipvlan_traffic and its tap readers must end, their sockets closed: the
# next one binds to the same devices. STARVE's loop ends too.
traffic_stop()
{
	kill "$TRAFFIC_PID"
	read -r -t "$WAIT_TIMEOUT" -u "$TRAFFIC_FD" TRAFFIC_AFTER && wait "$TRAFFIC_PID"
	check_err $? "ipvlan_traffic or a tap reader has not ended in ${WAIT_TIMEOUT}s"
	exec {TRAFFIC_FD}<&-
	TRAFFIC_PID=
	[ -z "$HOG_PID" ] || wait "$HOG_PID"
	HOG_PID=
}

# Run "$@", the teardown, with frames flowing, and wait for it to return: it
# does once the lowers it deletes are freed, which their uppers may hold off.
# If it does not, it may hold RTNL: the case ends there, and fails.
run_bounded()
{
	local fd line pid out='' rc=0 gone=''

	trace_ready
	[ "$2" = netns ] && gone=$4
	traffic_start "$gone"
	exec {fd}< <(exec "$@" </dev/null 2>&1)
	pid=$!
	while read -r -t "$WAIT_TIMEOUT" -u "$fd" line || { rc=$?; false; }; do
		out+="$line "
	done
	if ((rc > 128)); then
		STUCK="'$*' has not returned within ${WAIT_TIMEOUT}s"
		check_err 1 "$STUCK"
		case_end
		return 1
	fi
	exec {fd}<&-
	wait "$pid"
	check_err $? "'$*' failed: $out"
	traffic_stop
	log_info "frames: $TRAFFIC_BEFORE; in all: $TRAFFIC_AFTER"
}

# Print those of the "NETNS:DEV" arguments that are present (with -m:
# missing), one "ip" per netns; true if none is printed.
devs_in()
{
	local want=0 d ns out=() pids=()
	local -A links

	[ "$1" = -m ] && want=1 && shift
	# Side by side: an ip is half a second on a debug kernel.
	for d in "$@"; do
		ns=${d%%:*}
		[ -n "${links[$ns]+x}" ] && continue
		links[$ns]=
		ip -n "$ns" -o link show >"$TMP_DIR/links.$ns" 2>/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
	for ns in "${!links[@]}"; do
		read -r -d '' "links[$ns]" <"$TMP_DIR/links.$ns"
	done
	for d in "$@"; do
		[[ "${links[${d%%:*}]}" =~ ": ${d#*:}"[@:]$LINK_RE ]]
		[ $? = "$want" ] && out+=("${d#*:} in ${d%%-*}")
	done
	echo "${out[*]}"
	[ ${#out[@]} = 0 ]
}

# Only without the tracer: trace_verify's free_netdev() of each device is
# the stronger check that it went.
check_gone()
{
	local left

	[ -n "$BT_SKIP" ] || return 0
	left=$(poll devs_in "$@")
	check_err $? "still present after ${WAIT_TIMEOUT}s: $left"
}

del_lowers()
{
	case_start "ip link del of lowers: their uppers go, in every netns" || return
	group 0
	printf 'link del %s\n' "${LOW[@]#*:}" >"$TMP_DIR/del"
	run_bounded ip -n "$NS1" -batch "$TMP_DIR/del" || return
	expect_gone "$NS1" "${LOW[@]}" "${PEER[@]}" "${UP[@]}"
	check_gone "${LOW[@]}" "${PEER[@]}" "${UP[@]}"
	trace_verify
	case_end
}

del_lowers_netns()
{
	case_start "ip netns del of the lowers' netns: their uppers go" || return
	group 10
	run_bounded ip netns del "$NS4" || return
	remove_ns_list "$NS4"
	expect_gone "" "$NS4:lo" "${LOW[@]}" "${PEER[@]}" "${UP[@]}"
	check_gone "${UP[@]}"
	trace_verify
	case_end
}

# The uppers follow their lowers' MTU and MAC, in every netns. Then the
# lowers go down and up, and two ports swap l3s and l2: the l3s hooks go,
# and come back.
change_lowers()
{
	local n left LINK_RE="[^"$'\n'"]* mtu 1400 [^"$'\n'"]*link/ether 02:00:00:00:00:01 "

	case_start "lowers that change: their uppers follow" || return
	group 20
	for n in 20 22 24; do
		printf 'link set veth%s %s\n' "$n" "mtu 1400 address 02:00:00:00:00:01" \
			"$n" down "$n" up
	done >"$TMP_DIR/change"
	MODE[20]=l3s MODE[24]=l2
	printf 'link set ipvl%s_1 type ipvlan mode %s\n' 24 "${MODE[24]}" \
		20 "${MODE[20]}" >>"$TMP_DIR/change"
	ip -n "$NS1" -batch "$TMP_DIR/change"
	check_err $? "cannot change the lowers"
	left=$(devs_in -m "${UP[@]}")
	check_err $? "not with their lower's MTU and MAC: $left"
	case_end
}

# A lower that changes netns sees NETDEV_UNREGISTER too: its uppers stay.
# Those in the netns it left go with it (its l3s hooks have left it), the
# others with the lower.
move_lowers()
{
	local d gone

	case_start "lowers moved to another netns: their uppers stay, then go" || return
	group 20
	for d in "${LOW[@]#*:}" "${PEER[@]#*:}"; do
		echo "link set $d netns $NS3"
	done >"$TMP_DIR/move"
	run_bounded ip -n "$NS1" -batch "$TMP_DIR/move" || return
	LOW=("${LOW[@]/#$NS1:/$NS3:}") PEER=("${PEER[@]/#$NS1:/$NS3:}")
	gone=$(devs_in -m "${UP[@]}" "${LOW[@]}" "${PEER[@]}")
	check_err $? "went away: $gone"
	# A move takes a device down and its addresses away: with them again,
	# they pass frames. The ports' modes, as the uppers here report them.
	{
		printf 'link set %s up\n' "${LOW[@]#*:}" "${PEER[@]#*:}"
		for d in "${PEER[@]#*:veth}"; do
			echo "addr add 192.0.2.$((4 * d))/24 dev veth$d"
			echo "addr add 2001:db8::$((4 * d))/64 dev veth$d nodad"
		done
		echo "link show"
	} | ip -n "$NS3" -d -o -batch - >"$TMP_DIR/modes"
	check_err $? "cannot set the moved lowers up"
	modes_check 20 22 24 || { case_end; return; }
	# The other uppers stay, or ipvlan_traffic fails in the next teardown.
	run_bounded ip netns del "$NS1" || return
	remove_ns_list "$NS1"
	expect_gone "" "$NS1:lo" "${UP[0]}" "${UP[3]}" "${UP[6]}"
	unset "UP[0]" "UP[3]" "UP[6]"
	trace_verify
	printf 'link del %s\n' "${LOW[@]#*:}" >"$TMP_DIR/del"
	run_bounded ip -n "$NS3" -batch "$TMP_DIR/del" || return
	expect_gone "$NS3" "${LOW[@]}" "${PEER[@]}" "${UP[@]}"
	check_gone "${UP[@]}" "${LOW[@]}" "${PEER[@]}"
	trace_verify
	case_end
}

# Frames wait on an l2 port's multicast backlog when its last upper goes:
# the port must cancel its work, and drop them with the references they
# hold on their devices. The work runs on the CPU they came in on: STARVE
# keeps CPU 1's workers from running.
backlog()
{
	local hit=0

	case_start "the last upper goes, frames queued for it: they are dropped" || return
	PEER=("$NS5:veth37") UP=("$NS5:ipvl36_1")
	printf 'link del %s\n' ipvl36_1 veth36 >"$TMP_DIR/del"
	if ! chrt -f 2 taskset -c 1 true 2>/dev/null; then
		RET=$ksft_skip retmsg="cannot run SCHED_FIFO on CPU 1"
		ip -n "$NS5" -batch "$TMP_DIR/del"
		case_end
		return
	fi
	STARVE=1 run_bounded ip -n "$NS5" -batch "$TMP_DIR/del" || return
	expect_gone "$NS5" "$NS5:veth36" "${PEER[@]}" "${UP[@]}"
	trace_verify
	if [ -z "$BT_SKIP" ]; then
		mapfile -t -s "$TRACE_FROM" <"$BT_OUT"
		[[ "${MAPFILE[*]}" == *"PENDING ipvlan_process_multicast 1"* ]] && hit=1
		log_info "work pending at cancel_work_sync(): hit the window in $hit of 1"
	fi
	case_end
}

# Unloading ipvtap, then ipvlan, deletes their uppers in every netns, and
# leaves the lowers passing frames. An open tap holds ipvtap. Then the
# modules load again, with uppers.
unload()
{
	local ipvtap='' ipvlan='' idx tap

	case_start "module unload: the uppers go, in every netns" || return
	group 30
	read -r ipvtap 2>/dev/null </sys/module/ipvtap/refcnt
	read -r ipvlan 2>/dev/null </sys/module/ipvlan/refcnt
	if [ "$ipvtap:$ipvlan" != 0:1 ]; then
		RET=$ksft_skip retmsg="ipvtap, ipvlan built in, held or not"
		retmsg+=" unloadable (refcnt '$ipvtap' '$ipvlan')"
		case_end
		return
	fi
	read -r idx _ < <(ip -n "$NS3" -o link show ipvt30_3)
	exec {tap}<"/dev/tap${idx%:}"
	check_err $? "cannot open the tap of ipvt30_3"
	# Not tried unless held: a tap closed after its module would oops
	read -r ipvtap </sys/module/ipvtap/refcnt
	((ipvtap)) && ! modprobe -r ipvtap 2>/dev/null
	check_err $? "ipvtap can be unloaded with a tap open (refcnt $ipvtap)"
	exec {tap}>&-
	# Without the taps, which hold ipvtap. Its traffic needs every upper
	# and peer: the refused unload took none.
	NOTAP=1 run_bounded modprobe -r ipvtap ipvlan || return
	expect_gone "" "${UP[@]}"
	check_gone "${UP[@]}"
	trace_verify
	# The lowers send to their peers, and take their frames without a port
	PEER+=("${LOW[@]}") UP=()
	traffic_start
	traffic_stop
	# ip link add loads the modules again
	ip -n "$NS5" -batch - 2>"$TMP_DIR/err" <<-EOF ||
		link add ipvl30_1 link veth30 type ipvlan
		link add ipvt30_3 link veth30 netns $NS3 type ipvtap
	EOF
		check_err 1 "cannot add uppers again: $(head -n 1 "$TMP_DIR/err")"
	case_end
}

# One handler, not a defer each (half a second on a debug kernel)
cleanup()
{
	kill ${BT_PID:+"$BT_PID"} ${KMSG_PID:+"$KMSG_PID"} ${TRAFFIC_PID:+"$TRAFFIC_PID"} \
		${HOG_PID:+"$HOG_PID"} 2>/dev/null
	rm -rf "$TMP_DIR"
	# Not cleanup_all_ns: six processes a netns. Nothing runs in them.
	printf 'netns del %s\n' "${NS_LIST[@]}" | ip -force -batch - 2>/dev/null
	# bpftrace detached meanwhile: it is gone when the test is.
	[ -z "$BT_PID" ] || wait "$BT_PID" 2>/dev/null
}

# bpftrace takes 10-30 s to attach on a debug kernel: it starts first, and
# lib.sh loads meanwhile. It loads ipvlan first, to find its probes. With
# BTF, bpftrace needs no kernel headers: keep it from parsing them.
TMP_DIR=$(mktemp -d) || exit 1
trap cleanup EXIT
BT_OUT=$TMP_DIR/bpftrace
grep -qw unregister_netdevice_many_net /proc/kallsyms && PER_NETNS=per-netns
if ! command -v bpftrace >/dev/null; then
	BT_SKIP="bpftrace not installed"
else
	[ -r /sys/kernel/btf/vmlinux ] && export BPFTRACE_KERNEL_SOURCE=
	{
		modprobe -q ipvlan
		exec bpftrace -B line -e "$BT_PROG${PER_NETNS:+$BT_PERNET}" \
			</dev/null >"$BT_OUT" 2>&1
	} &
	BT_PID=$!
fi
# shellcheck source=tools/testing/selftests/net/lib.sh
source "$(dirname "$0")"/../lib.sh
[ "$EUID" -eq 0 ] || { echo "SKIP: need root"; exit "$ksft_skip"; }

mkfifo "$TMP_DIR/kmsg" "$TMP_DIR/idle" || exit "$ksft_fail"
# The kernel log, followed all along by one process: a dmesg and a search
# of its output for each case cost seconds on a debug kernel.
dmesg -W >"$TMP_DIR/kmsg" &
KMSG_PID=$!
exec {KMSG_FD}<"$TMP_DIR/kmsg" {IDLE_FD}<>"$TMP_DIR/idle"
if ! topo_create; then
	log_test "ipvlan and ipvtap uppers of veth lowers in three netns"
	exit "$EXIT_STATUS"
fi

# Not tests_run: its defer scope costs a second a test on a debug kernel.
for t in $ALL_TESTS; do
	"$t"
done
[ -n "$BT_SKIP" ] && RET=$ksft_skip retmsg=$BT_SKIP \
	log_test "traced order, exactly-once and context"
exit "$EXIT_STATUS"
