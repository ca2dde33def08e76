# SPDX-License-Identifier: GPL-2.0
# The kernel tree: Debian's linux-source package, unpacked in the cache.
# shellcheck shell=bash

# Newest linux-source-7.N (N >= 3) version, or the pinned one.
# Prints "package version".
source_pick()
{
	local pin=${IPVLAN_SOURCE_VERSION:-} pkg ver best='' bestn=-1 n

	if [ -n "$pin" ]; then
		pkg=linux-source-$(echo "$pin" | cut -d. -f1,2)
		echo "$pkg $pin"
		return
	fi
	for pkg in $(apt_cache pkgnames linux-source-7. | sort -u); do
		[[ $pkg =~ ^linux-source-7\.([0-9]+)$ ]] || continue
		n=${BASH_REMATCH[1]}
		[ "$n" -ge 3 ] || continue
		[ "$n" -gt "$bestn" ] || continue
		bestn=$n
		best=$pkg
	done
	[ -n "$best" ] || die "no linux-source-7.N (N >= 3) in the private apt lists"
	ver=$(apt_cache policy "$best" | awk '/Candidate:/ { print $2 }')
	echo "$best $ver"
}

# Unpack the source package once; print the tree's path.
source_tree()
{
	local pkg ver vdir tree deb

	read -r pkg ver < <(source_pick)
	vdir=${ver//[^A-Za-z0-9.-]/_}
	tree=$CACHE_DIR/src/$vdir/linux
	if [ ! -e "$tree/.unpacked" ]; then
		deb=$(apt_download "$pkg=$ver" "$CACHE_DIR/deb")
		msg "unpacking $pkg $ver"
		rm -rf "$CACHE_DIR/src/$vdir"
		mkdir -p "$CACHE_DIR/src/$vdir"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
			tar -xJ -C "$CACHE_DIR/src/$vdir" ||
			die "unpacking $deb failed"
		mv "$CACHE_DIR/src/$vdir"/linux-source-* "$tree"
		echo "$pkg $ver" >"$tree/.unpacked"
	fi
	msg "kernel source: $(cat "$tree/.unpacked")"
	echo "$tree"
}
