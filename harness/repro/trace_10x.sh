#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ipvlan_teardown_trace N times in a row in one boot (each run loads,
# attaches and detaches its tracer: the re-registration that used to crash
# the kernel), then ipvlan_bpftrace.sh once. Run in the suite's directory.
n=${1:-10}
fails=0
for i in $(seq "$n"); do
	echo "# run $i of $n: ./ipvlan_teardown_trace"
	./ipvlan_teardown_trace || fails=$((fails + 1))
done
echo "# ipvlan_teardown_trace: $((n - fails)) of $n runs passed"
./ipvlan_bpftrace.sh
[ "$fails" = 0 ]
