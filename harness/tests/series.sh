#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The series a maintainer would receive (harness/series): it applies with
# git am on Debian's pristine tree and leaves the suite as it is here, the
# suite builds without warnings after each patch (a bisect can stop on
# any), checkpatch --strict reports nothing on any patch, and the suite follows
# netdev CI's selftest rules: every file named in the Makefile, every C
# program in .gitignore, lists one item a line, sorted, ended by
# "# end of VAR", config sorted.
# shellcheck source=harness/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=harness/lib/suite.sh
source "$HARNESS_DIR/lib/suite.sh"
# shellcheck source=harness/lib/harness_test.sh
source "$HARNESS_DIR/lib/harness_test.sh"
# shellcheck source=harness/lib/gittree.sh
source "$HARNESS_DIR/lib/gittree.sh"

tree=$("$HARNESS_DIR/kernel" source) || die "no kernel tree"
"$HARNESS_DIR/series" "$tmp/out" >/dev/null || die "harness/series failed"

# git am on a pristine tree (what the series touches of it)
repo=$tmp/linux
pristine_selftests_repo "$tree" "$repo" || die "cannot make a repository of $tree's selftests"
git -C "$repo" -c user.name=t -c user.email=t@localhost am -q "$tmp"/out/000[1-9]*.patch ||
	not_ok "the series does not apply with git am"
diff -r "$SUITE_DIR" "$repo/$SUITE_REL" >"$tmp/diff" ||
	{ not_ok "the series does not leave the suite as it is here"; cat "$tmp/diff"; }
grep -qx 'TARGETS += net/ipvlan' "$repo/tools/testing/selftests/Makefile" ||
	not_ok "net/ipvlan is not in the selftests' TARGETS"

# The suite builds after each patch, in a tree of hard links (with the
# UAPI headers of this checkout's tree) that the patches are applied to
build=$tmp/build
cp -al "$(suite_tree "$tree")" "$build" || die "linking a tree failed"
rm -rf "${build:?}/$SUITE_REL" "$build/.checkout"
# What git apply changes must not be a link into the cached tree
unlink_files "$build/tools/testing/selftests/Makefile" || die "copying a Makefile failed"
for p in "$tmp"/out/000[1-9]*.patch; do
	(cd "$build" && git apply "$p") || { not_ok "${p##*/} does not apply"; break; }
	if ! make -C "$build/tools/testing/selftests" TARGETS=net/ipvlan >"$tmp/build.log" 2>&1; then
		not_ok "the suite does not build after ${p##*/}"
		tail -n 20 "$tmp/build.log"
	elif grep -q 'warning:' "$tmp/build.log"; then
		not_ok "the suite builds with warnings after ${p##*/}"
		grep 'warning:' "$tmp/build.log"
	fi
done

# checkpatch, as netdev's CI runs it; FILE_PATH_CHANGES ("does MAINTAINERS
# need updating?"): tools/testing/selftests/net/ is under NETWORKING [GENERAL]
for p in "$tmp"/out/000[1-9]*.patch; do
	(cd "$tree" && scripts/checkpatch.pl --strict -q --ignore FILE_PATH_CHANGES "$p") ||
		not_ok "checkpatch --strict: ${p##*/}"
done

# netdev CI's selftest rules
mk=$SUITE_DIR/Makefile
for f in $(cd "$SUITE_DIR" && git ls-files .); do
	case "$f" in
	Makefile|.gitignore|README|config|settings) continue ;;
	*.bpf.c) name=${f%.c}.o ;;
	*.c)	# a program's own source
		name=${f%.c}
		grep -qxF "	$name \\" "$mk" && continue ;;
	*) name=$f ;;
	esac
	grep -qw -- "${name//./\\.}" "$mk" || not_ok "$f is not in the Makefile"
done
while read -r p; do
	grep -qx "$p" "$SUITE_DIR/.gitignore" || not_ok "$p is not in .gitignore"
done < <(awk '/^TEST_GEN_PROGS :?= \\$/ { on = 1; next } /^# end of/ { on = 0 } on { print $1 }' "$mk")
LC_ALL=C awk '
	/^[A-Z_]+ [:+]?= \\$/ { var = $1; n = 0; next }
	var != "" && $0 == "# end of " var { var = ""; next }
	var != "" && /^# end of / { print "list " var " ends with \"" $0 "\""; var = ""; next }
	var != "" && !/^\t[^\t]+ \\$/ { print "list " var ": not one item a line: " $0; next }
	var != "" { if (n++ && $0 < prev) print "list " var " not sorted at " $0; prev = $0 }
	END { if (var != "") print "list " var " has no \"# end of " var "\"" }
' "$mk" >"$tmp/lists"
[ -s "$tmp/lists" ] && { not_ok "Makefile lists:"; cat "$tmp/lists"; }
LC_ALL=C sort -c "$SUITE_DIR/config" 2>/dev/null || not_ok "config is not sorted"
grep -v '^#' "$SUITE_DIR/.gitignore" | LC_ALL=C sort -c 2>/dev/null || not_ok ".gitignore is not sorted"

[ "$fail" = 0 ] && echo "ok: series"
exit "$fail"
