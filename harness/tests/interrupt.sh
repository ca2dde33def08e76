#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Ctrl-C (SIGINT to the process group) and SIGTERM on a running vmtest,
# check or mutate end it with 130 and 143 and leave no QEMU, timeout or
# console tail behind. Boots a guest four times, for a few seconds each.
# shellcheck source=harness/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# Job control: each background job gets a process group of its own, and
# does not inherit the SIGINT that scripts otherwise ignore in them.
set -m

# Start command $3... as a job, send $1 to its process group (what Ctrl-C
# does) once its QEMU runs, and check exit status $2 and what is left.
interrupt()
{
	local sig=$1 want=$2 pid rundir rc

	shift 2
	: >"$out"
	"$@" >"$out" 2>&1 &
	pid=$!
	for _ in $(seq 900); do
		rundir=$(vmtest_rundir "$out")
		[ -n "$rundir" ] && pgrep -f "qemu-system.*$rundir" >/dev/null && break
		sleep 1
	done
	if [ -z "$rundir" ]; then
		echo "not ok: $sig to ${1##*/}: QEMU did not start"; cat "$out"; fail=1
		kill -KILL -- "-$pid" 2>/dev/null
		return
	fi
	sleep 3
	kill "-$sig" -- "-$pid"
	wait "$pid"
	rc=$?
	sleep 1
	if [ "$rc" != "$want" ]; then
		echo "not ok: $sig to ${1##*/}: exit $rc, want $want"; fail=1
	fi
	if pgrep -f "(qemu-system|timeout|tail).*$rundir" >/dev/null; then
		echo "not ok: $sig to ${1##*/}: left behind:"; pgrep -af "$rundir"; fail=1
		pkill -KILL -f "$rundir"
	fi
	grep -q "partial console log: $rundir/console.log" "$out" ||
		{ echo "not ok: $sig to ${1##*/}: no word of the partial log"; cat "$out"; fail=1; }
}

interrupt INT 130 "$HARNESS_DIR/vmtest" -q -k distro
interrupt TERM 143 "$HARNESS_DIR/vmtest" -q -k distro
interrupt INT 130 env CHECK_VMS_ONLY=1 "$HARNESS_DIR/check" distro
interrupt TERM 143 "$HARNESS_DIR/mutate" "$HARNESS_DIR/mutants/lower_not_held.sed" -q
[ "$fail" = 0 ] && echo "ok: interrupt"
exit "$fail"
