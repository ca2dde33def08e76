# SPDX-License-Identifier: GPL-2.0
# What the harness's own tests (harness/tests/) share: a count of failed
# checks, a scratch directory removed at exit, one way to report.
# shellcheck shell=bash disable=SC2034 # fail and tmp are the tests'

fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A failed check: "not ok: WHAT"; the test exits 1 at its end.
not_ok()
{
	echo "not ok: $*"
	fail=1
}
