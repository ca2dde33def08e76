#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The console parsers: splats are found, attributed to the running test and
# case, benign lines listed in config/splat.benign are not splats, and KTAP
# results are counted.
# shellcheck source=harness/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=harness/lib/report.sh
source "$HARNESS_DIR/lib/report.sh"
# shellcheck source=harness/lib/harness_test.sh
source "$HARNESS_DIR/lib/harness_test.sh"

expect()
{
	[ "$2" = "$3" ] || not_ok "$1: got '$2', want '$3'"
}

cat >"$tmp/console" <<'EOT'
[    1.000000] debugfs: 'netdev@00000000abcd' already exists in 'ref_tracker'
# selftests: net/ipvlan: ipvlan_netns_teardown.sh
# # case: ipvtap.del_lower.netns
[   12.345678] unregister_netdevice: waiting for veth0 to become free. Usage count = 2
# ok 1 ipvtap.del_lower.netns
# not ok 2 ipvtap.move_lower.netns
# ok 3 ipvtap.del_lower.link-netns # SKIP
not ok 1 selftests: net/ipvlan: ipvlan_netns_teardown.sh # exit=1
# selftests: net/ipvlan: other.sh
not ok 2 selftests: net/ipvlan: other.sh # TIMEOUT 900 seconds
# selftests: net/ipvlan: ipvlan_teardown_trace
# #  RUN           ipvlan_teardown.l2_2ns.del_lower_netns ...
[   20.000000] BUG: KASAN: slab-use-after-free in ipvlan_uninit+0x9/0x100 [ipvlan]
# #            OK  ipvlan_teardown.l2_2ns.del_lower_netns
vmtest: kmemleak scan
unreferenced object 0xffff888003a1b000 (size 64):
EOT

out=$(splat_scan "$tmp/console")
expect "splat count" "$(echo "$out" | wc -l)" 3
expect "splat attributed to test and case" "$(echo "$out" | head -n1)" \
	"ipvlan_netns_teardown.sh | ipvtap.del_lower.netns | unregister_netdevice: waiting for veth0 to become free. Usage count = 2"
expect "KASAN report attributed to a harness case" "$(echo "$out" | sed -n 2p)" \
	"ipvlan_teardown_trace | ipvlan_teardown.l2_2ns.del_lower_netns | BUG: KASAN: slab-use-after-free in ipvlan_uninit+0x9/0x100 [ipvlan]"
expect "kmemleak attributed" "$(echo "$out" | tail -n1 | cut -d'|' -f1)" "kmemleak scan after all tests "
expect "ktap count" "$(ktap_count "$tmp/console")" "1 2 1"

# What netdev's CI flags, with the timestamp and caller id stripped
printf '%s\n' '# selftests: net/ipvlan: t' '#  RUN           f.v.t ...' \
	'[  105.084182][  T153] ref_tracker: netdev@ffff88801119c638 has 4/9 users at' \
	'[  105.1][  T153] Call Trace:' '[  105.2][  T153] RIP: 0010:x+0x1/0x2' >"$tmp/c6"
expect "netdev CI's patterns" "$(splat_scan "$tmp/c6" | cut -d'|' -f3 | tr -d '\n')" \
	" ref_tracker: netdev@ffff88801119c638 has 4/9 users at Call Trace: RIP: 0010:x+0x1/0x2"

# Serial console lines end with CR LF
printf '%s\r\n' '#  RUN           f.v.t ...' '[ 5.0][ T9] BUG: KASAN: slab-use-after-free in x+0x1/0x2' >"$tmp/c4"
expect "CR LF console" "$(splat_scan "$tmp/c4")" "boot | f.v.t | BUG: KASAN: slab-use-after-free in x+0x1/0x2"

# log_test style: a splat belongs to the next TEST line; the caller id
# of CONFIG_PRINTK_CALLER is stripped before matching benign lines; the
# test's message quoting the splat is not a second one.
cat >"$tmp/c3" <<'EOT'
# selftests: net/ipvlan: ipvlan_netns_teardown.sh
[   30.000000][  T123] debugfs: 'netdev@0000000012345678' already exists in 'ref_tracker'
[   31.000000][  T123] list_del corruption, ffff888001234567->next is LIST_POISON1
# TEST: ip link del: lowers and uppers go                          [FAIL]
# 	kernel splat: [   31.000000] list_del corruption, ffff888001234567->next is LIST_POISON1
	kernel splat: WARNING: quoted by a test run without the kselftest runner
# TEST: next one                                                   [ OK ]
ok 1 selftests: net/ipvlan: ipvlan_netns_teardown.sh
EOT
out=$(splat_scan "$tmp/c3")
expect "log_test splat attributed to the next TEST line" "$out" \
	"ipvlan_netns_teardown.sh | ip link del: lowers and uppers go | list_del corruption, ffff888001234567->next is LIST_POISON1"
expect "log_test lines counted" "$(ktap_count "$tmp/c3")" "1 1 0"

# A program run directly (vmtest -- ./prog): its own KTAP lines count
cat >"$tmp/c4" <<'EOT'
TAP version 13
1..3
ok 1 ipvlan_race.del_lower.competing_teardowns
not ok 2 ipvlan_race.del_lower_or_netns.competing_teardowns
ok 3 ipvlan_race.other # SKIP no reason
EOT
expect "KTAP lines of a program run directly" "$(ktap_count "$tmp/c4")" "1 1 1"

# Per-program guest time from the timestamped log
cat >"$tmp/ts" <<'EOT'
100.0 # selftests: net/ipvlan: a.sh
112.5 ok 1 selftests: net/ipvlan: a.sh
112.5 # selftests: net/ipvlan: b
150.0 not ok 2 selftests: net/ipvlan: b # exit=1
EOT
expect "program times" "$(program_times "$tmp/ts" | tr -s ' ')" \
	"$(printf ' 12.5 ok a.sh\n 37.5 FAIL b\n 50.0 total')"

# The trace a test kept for an oops, dumped as the kernel went down
cat >"$tmp/c5" <<'EOT'
[ 40.0][ T7] list_del corruption, ffff888001234567->prev is LIST_POISON2
[ 40.1][ T7] Dumping ftrace instance ipvlan_race buffer:
[ 40.1][ T7] ---------------------------------
[ 40.2][ T7] CPU:1 [LOST 3 EVENTS]
[ 40.2][ T7] ip-88 1..... 9us : tracing_mark_write: iteration 2
[ 40.3][ T7] ip-89 0..... 12us : ipvlan_dellink: (ipvlan_link_delete+0x0/0x90) name="ipvl2" dying=1
[ 40.3][ T7] ---------------------------------
[ 40.4][ T7] Dumping ftrace instance ipvlan_race buffer:
[ 40.4][ T7]    (ftrace buffer empty)
[ 40.4][ T7] Kernel panic - not syncing: Fatal exception
EOT
expect "trace dump on oops, cut to its last lines" "$(oops_trace_dumps "$tmp/c5" 2)" \
	"$(printf '%s\n' 'Dumping ftrace instance ipvlan_race buffer:' '  (1 earlier lines)' \
		'  ip-88 1..... 9us : tracing_mark_write: iteration 2' \
		'  ip-89 0..... 12us : ipvlan_dellink: (ipvlan_link_delete+0x0/0x90) name="ipvl2" dying=1')"
expect "no dump, nothing printed" "$(oops_trace_dumps "$tmp/c4")" ""

# The case that was running when the kernel died, for a program run by
# the kselftest runner and for one run directly
mkdir -p "$tmp/run1" "$tmp/run2"
cat >"$tmp/run1/console.log" <<'EOT'
# selftests: net/ipvlan: ipvlan_teardown_race
# #  RUN           ipvlan_race.del_lower.competing_teardowns ...
[ 50.0] Kernel panic - not syncing: Fatal exception
EOT
sed '1d; s/^# //' "$tmp/run1/console.log" >"$tmp/run2/console.log"
expect "crashed case, kselftest runner" "$(case_results "$tmp/run1")" \
	"CRASH ipvlan_race.del_lower.competing_teardowns"
expect "crashed case, program run directly" "$(case_results "$tmp/run2")" \
	"CRASH ipvlan_race.del_lower.competing_teardowns"

# A benign entry hides exactly its own message, not a real splat.
printf '%s\n' '[ 2.0] WARNING: CPU: 0 PID: 1 at net/core/dev.c:1 x+0x1/0x2' >"$tmp/c2"
expect "WARNING is a splat" "$(splat_scan "$tmp/c2" | wc -l)" 1

exit "$fail"
