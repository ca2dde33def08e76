# SPDX-License-Identifier: GPL-2.0
# Put the suite into the kernel tree and build it the kselftest way.
# shellcheck shell=bash

# UAPI headers are generated out of tree (an in-tree "make headers" would
# make the source tree unusable for O= kernel builds) and copied to
# usr/include, where kselftest looks for them.
suite_headers()
{
	local tree=$1 hdr=$CACHE_DIR/headers/$2

	[ -e "$tree/usr/include/.from-headers" ] && return 0
	msg "installing UAPI headers into $tree/usr/include"
	mkdir -p "$hdr"
	make -s -C "$tree" O="$hdr" headers >"$hdr/headers.log" 2>&1 ||
		{ cat "$hdr/headers.log" >&2; return 1; }
	rm -rf "$tree/usr/include"
	cp -a "$hdr/usr/include" "$tree/usr/include" &&
		touch "$tree/usr/include/.from-headers"
}

# Print the kernel tree that this checkout's suite is built and run in: a
# copy of the source tree $1 made of hard links (seconds, no space), one
# per checkout, so that runs from two checkouts never build or run each
# other's suite. Its suite directory is the checkout's alone (the copy
# starts without one: a compiler overwrites a hard-linked output in place).
# Copies whose checkout is gone are removed.
suite_tree()
{
	local tree=$1 dir owner

	dir=$tree.suite-$(echo "$REPO_DIR" | sha256sum | cut -c1-12)
	with_lock "$tree.suite.lock" suite_tree_make "$tree" "$dir" >&2 ||
		die "cannot copy $tree to $dir"
	for owner in "$tree".suite-*/.checkout; do
		[ -e "$owner" ] && [ ! -d "$(cat "$owner")" ] &&
			rm -rf "$(dirname "$owner")"
	done
	echo "$dir"
}

suite_tree_make()
{
	local tree=$1 dir=$2

	[ -e "$dir/.checkout" ] && return 0
	msg "linking a kernel tree for this checkout's suite: $dir"
	rm -rf "$dir" "$dir.tmp"
	cp -al "$tree" "$dir.tmp" &&
		rm -rf "$dir.tmp/$SUITE_REL" &&
		echo "$REPO_DIR" >"$dir.tmp/.checkout" &&
		mv "$dir.tmp" "$dir"
}

# Overlay the checkout's suite into the kernel tree, keeping build outputs.
suite_copy()
{
	local tree=$1

	mkdir -p "$tree/$SUITE_REL"
	rsync -a --delete --exclude '*.o' --exclude tools/ \
		"$SUITE_DIR/" "$tree/$SUITE_REL/" || die "copying the suite failed"
}

suite_build()
{
	local tree=$1 ver log

	ver=$(basename "$(dirname "$tree")")
	with_lock "$CACHE_DIR/headers/$ver.lock" suite_headers "$tree" "$ver" ||
		die "make headers failed"
	suite_copy "$tree"
	log=$(mktemp)
	msg "building the suite: make -C $tree/tools/testing/selftests TARGETS=net/ipvlan"
	if ! make -C "$tree/tools/testing/selftests" TARGETS=net/ipvlan >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "building the suite failed"
	fi
	grep -i "warning:" "$log" >&2
	rm -f "$log"
}
