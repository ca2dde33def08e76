# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the VM harness: cache layout, messages, locking.
# shellcheck shell=bash disable=SC2034 # read by the scripts that source it

HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$HARNESS_DIR/.." && pwd)
SUITE_REL=tools/testing/selftests/net/ipvlan
SUITE_DIR=$REPO_DIR/$SUITE_REL

# Everything downloaded or built lives outside the checkout, keyed by what
# produced it, so that a fresh clone on the same machine reuses it.
CACHE_DIR=${IPVLAN_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ipvlan-selftests}

# Exit code for infrastructure failures; --bisect maps it to 125.
EXIT_INFRA=3

msg()
{
	printf '[%s] %s\n' "${0##*/}" "$*" >&2
}

# The run directory that vmtest named in its output file $1 ("log in DIR")
vmtest_rundir()
{
	sed -n 's/.*, log in \(.*\)$/\1/p' "$1" | tail -n 1
}

die()
{
	msg "error: $*"
	exit "$EXIT_INFRA"
}

# Run "$@" holding an exclusive lock on $1 (a file under the cache).
with_lock()
{
	local lock=$1; shift

	mkdir -p "$(dirname "$lock")"
	(
		flock 9 || exit "$EXIT_INFRA"
		"$@"
	) 9>"$lock"
}

# Print lines read on stdin to $1 and a progress line every $2 lines.
progress()
{
	local log=$1 every=$2 what=$3

	awk -v logf="$log" -v every="$every" -v what="$what" '
		{ print > logf; fflush(logf) }
		NR % every == 0 { printf("[%s] %d lines, at: %s\n", what, NR, $0) > "/dev/stderr"; fflush("/dev/stderr") }'
}
