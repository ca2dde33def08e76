#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A real bisect, as README.md tells a user to run it: the debug kernel's
# tree made a git repository (Debian's source, then a harmless commit, one
# that does not build, one that mends it, one that brings in a mutant and a
# harmless one on top), and "git bisect run" with vmtest --bisect must name
# the mutant's commit, having skipped the one that does not build (exit 125).
# Each step rebuilds the cached debug build incrementally (only ipvlan's
# modules change) and runs one test program. Prints the time of each step.
#
# usage: harness/tests/bisect.sh [MUTANT.sed [PROGRAM]]
set -o pipefail
# shellcheck source=harness/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=harness/lib/gittree.sh
source "$HARNESS_DIR/lib/gittree.sh"

mutant=${1:-$HARNESS_DIR/mutants/unregister_keeps_uppers.sed}
program=${2:-ipvlan_netns_teardown.sh}

# The bisect itself, in a mount namespace of its own: the repository and the
# copy of the build are mounted where the cached build was made, because its
# command lines name those paths (anywhere else, every object rebuilds).
if [ "${BISECT_WORK:-}" ]; then
	mount --bind "$BISECT_WORK/src" "$BISECT_TREE" &&
		mount --bind "$BISECT_WORK/build" "$BISECT_BUILD" || exit 1
	cd "$BISECT_TREE" || exit 1
	# No "+" for a git tree in the release: the modules must match.
	export LOCALVERSION=
	git bisect start HEAD HEAD~5 >/dev/null || exit 1
	# README.md's command line, with the build in O= and one program
	# shellcheck disable=SC2016 # expanded by that sh
	git bisect run sh -c '
		start=$(date +%s)
		make -s -j"$(nproc)" O="$BISECT_BUILD" bzImage modules \
			>"$BISECT_WORK/make.log" 2>&1 || rc=125
		built=$(date +%s)
		[ "${rc:-}" ] || "$BISECT_VMTEST" --bisect -q -t "$BISECT_BUILD" -p "$BISECT_PROGRAM"
		rc=${rc:-$?}
		echo "$(git log -1 --format=%s) exit $rc build $((built - start)) s" \
		     "test $(($(date +%s) - built)) s" >>"$BISECT_WORK/steps"
		exit "$rc"' >"$BISECT_WORK/bisect.log" 2>&1
	git bisect log >"$BISECT_WORK/bisect.steps"
	git bisect reset >/dev/null
	exit 0
fi

tree=$("$HARNESS_DIR/kernel" source) || die "no kernel tree"
read -r bzimage _ < <("$HARNESS_DIR/kernel" debug) || die "no debug kernel"
build=$(dirname "$(dirname "$(dirname "$(dirname "$bzimage")")")")
file=$(sed -n 's/^# file: //p' "$mutant")
[ -n "$file" ] || die "$mutant has no '# file:' line"

work=$(mktemp -d "$CACHE_DIR/bisect.XXXXXX")
trap 'rm -rf "$work"' EXIT
t0=$(date +%s)
cp -a "$build" "$work/build" || die "copying $build failed"
# Hard links, but not for the files the commits change: git rewrites those.
cp -al "$tree" "$work/src" || die "linking $tree failed"
unlink_files "$work"/src/drivers/net/ipvlan/* || die "copying ipvlan's sources failed"

git_c()
{
	git -C "$work/src" -c user.name=bisect -c user.email=bisect@localhost "$@"
}

commit()
{
	git_c commit -q -a -m "$1" || die "commit '$1' failed"
}

ipvlan=$work/src/drivers/net/ipvlan
git_snapshot "$work/src" "Debian's linux-source, unchanged" || die "git commit failed"
echo "/* The caller holds RTNL. */" >>"$ipvlan/ipvlan_core.c"
commit "harmless: a comment in ipvlan_core.c"
echo '#error "this commit does not build"' >>"$ipvlan/ipvlan_main.c"
commit "does not build"
sed -i '$d' "$ipvlan/ipvlan_main.c"
commit "builds again"
sed -i -f "$mutant" "$work/src/$file"
commit "mutant $(basename "$mutant" .sed)"
echo "/* ipvtap: end of file. */" >>"$ipvlan/ipvtap.c"
commit "harmless: a comment in ipvtap.c"
want=$(git_c rev-parse HEAD~1)
msg "bisect repository ready in $(($(date +%s) - t0)) s"

BISECT_WORK=$work BISECT_TREE=$tree BISECT_BUILD=$build \
BISECT_PROGRAM=$program BISECT_VMTEST=$HARNESS_DIR/vmtest \
	unshare -m --propagation private bash "$0" || die "the bisect could not run"

fail=0
cat "$work/steps"
grep "is the first bad commit" "$work/bisect.log"
grep -q "^$want is the first bad commit" "$work/bisect.log" ||
	{ echo "not ok: the bisect did not name the mutant's commit $want"; cat "$work/bisect.log"; fail=1; }
grep -q "^# skip: .* does not build" "$work/bisect.steps" ||
	{ echo "not ok: the commit that does not build was not skipped"; cat "$work/bisect.steps"; fail=1; }
msg "bisect took $(($(date +%s) - t0)) s"
[ "$fail" = 0 ] && echo "ok: bisect"
exit "$fail"
