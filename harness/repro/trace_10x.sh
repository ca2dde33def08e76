#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ipvlan_teardown_trace N times in a row in one boot (each run loads,
# attaches and detaches its tracer: the re-registration that used to crash
# the kernel), then ipvlan_bpftrace.sh once. Run in the suite's directory.
repeat=$(dirname "$0")/../guest/repeat
"$repeat" "${1:-10}" ./ipvlan_teardown_trace
rc=$?
./ipvlan_bpftrace.sh
exit "$rc"
