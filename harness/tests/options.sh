#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad options to the runners end at once with exit 2 and one line that
# says what is wrong, before anything is downloaded, built or booted.
# shellcheck source=harness/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=harness/lib/harness_test.sh
source "$HARNESS_DIR/lib/harness_test.sh"

# $1: what is wrong; the rest: the command
expect_usage_error()
{
	local what=$1 out rc start=$SECONDS

	shift
	out=$(timeout 20 "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" != 2 ] || [ "$(wc -l <<<"$out")" != 1 ] ||
	   [[ "$out" != *"$what"* ]] || [ $((SECONDS - start)) -gt 5 ]; then
		not_ok "$*: exit $rc after $((SECONDS - start)) s: $out"
	fi
}

expect_usage_error "--timeout needs a number" "$HARNESS_DIR/vmtest" --timeout abc
expect_usage_error "--kernel: 'nope'" "$HARNESS_DIR/vmtest" -k nope
expect_usage_error "--modules: '/nonexistent'" "$HARNESS_DIR/vmtest" -k old -m /nonexistent
expect_usage_error "--kernel-tree: '/nonexistent'" "$HARNESS_DIR/vmtest" -t /nonexistent
expect_usage_error "N must be a positive number" "$HARNESS_DIR/soak" x
expect_usage_error "unknown option '--bogus'" "$HARNESS_DIR/vmtest" --bogus
expect_usage_error "--timeout needs a number" "$HARNESS_DIR/soak" 2 --timeout abc
expect_usage_error "'/nonexistent.sed' is not readable" "$HARNESS_DIR/mutate" /nonexistent.sed
expect_usage_error "--timeout needs a number" "$HARNESS_DIR/mutate" \
	"$HARNESS_DIR/mutants/lower_ref_leaked.sed" --timeout abc
expect_usage_error "unknown kernel 'bogus'" "$HARNESS_DIR/check" bogus
expect_usage_error "the suite has no test program 'nope'" "$HARNESS_DIR/vmtest" -p nope
expect_usage_error "--netdev-ci or --installed, not both" "$HARNESS_DIR/vmtest" --netdev-ci --installed
expect_usage_error "no --program, no command" "$HARNESS_DIR/vmtest" --netdev-ci -- true
expect_usage_error "--reps needs a number" "$HARNESS_DIR/bench" --reps x
expect_usage_error "unknown kernel 'nope'" "$HARNESS_DIR/bench" --kernels "debug nope"
expect_usage_error "take numbers, not '0'" "$HARNESS_DIR/bench" --uppers "10 0"
expect_usage_error "unknown option '--bogus'" "$HARNESS_DIR/bench" --bogus
[ "$fail" = 0 ] && echo "ok: options"
exit "$fail"
