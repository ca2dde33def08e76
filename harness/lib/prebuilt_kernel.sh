# SPDX-License-Identifier: GPL-2.0
# Debian's prebuilt kernels: the 7.N backport ("distro") and bookworm's
# 6.1 ("old"), extracted into the cache with a modules.dep of their own.
# shellcheck shell=bash

# Highest version of linux-image-amd64 whose upstream part starts with $1.
meta_version()
{
	apt_cache madison linux-image-amd64 | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' |
		awk -v p="$1" 'index($0, p) == 1' | sort -V | tail -n1
}

# The ABI name ("7.3.4+deb13-amd64") a linux-image-amd64 version depends on.
meta_abi()
{
	apt_cache show "linux-image-amd64=$1" |
		sed -n 's/^Depends:.*linux-image-\([^ ,]*-amd64\) .*/\1/p' | head -n1
}

# Extract packages $3... into $1 and depmod it for release $2.
prebuilt_extract()
{
	local dir=$1 rel=$2 pkg deb; shift 2

	rm -rf "$dir"
	mkdir -p "$dir"
	for pkg in "$@"; do
		deb=$(apt_download "$pkg" "$CACHE_DIR/deb") || return 1
		dpkg-deb -x "$deb" "$dir" || return 1
	done
	# Old packages install to /lib/modules and /boot, newer ones to /usr.
	if [ -d "$dir/lib/modules/$rel" ]; then
		mkdir -p "$dir/usr/lib/modules"
		mv "$dir/lib/modules/$rel" "$dir/usr/lib/modules/$rel"
	fi
	if [ ! -e "$dir/usr/lib/modules/$rel/vmlinuz" ]; then
		cp "$dir/boot/vmlinuz-$rel" "$dir/usr/lib/modules/$rel/vmlinuz" || return 1
	fi
	depmod -b "$dir/usr" "$rel" || depmod -b "$dir" "$rel" || return 1
	touch "$dir/.extracted"
}

# $1: version prefix of linux-image-amd64; $2...: package name templates
# with @ABI@. Prints "bzImage moddir".
prebuilt_kernel()
{
	local prefix=$1 ver abi dir pkgs=() t; shift

	ver=${IPVLAN_IMAGE_VERSION:-$(meta_version "$prefix")}
	[ -n "$ver" ] || die "no linux-image-amd64 $prefix* in the private apt lists"
	abi=$(meta_abi "$ver")
	[ -n "$abi" ] || die "cannot tell the ABI of linux-image-amd64 $ver"
	for t in "$@"; do
		pkgs+=("${t//@ABI@/$abi}")
	done
	dir=$CACHE_DIR/prebuilt/$abi
	if [ ! -e "$dir/.extracted" ]; then
		msg "extracting ${pkgs[*]}"
		with_lock "$dir.lock" prebuilt_extract "$dir" "$abi" "${pkgs[@]}" ||
			die "extracting $abi failed"
	fi
	msg "prebuilt kernel: linux-image-amd64 $ver ($abi)"
	echo "$dir/usr/lib/modules/$abi/vmlinuz $dir/usr/lib/modules/$abi"
}

distro_kernel()
{
	prebuilt_kernel 7. linux-binary-@ABI@ linux-modules-@ABI@ linux-base-@ABI@
}

old_kernel()
{
	prebuilt_kernel 6.1. linux-image-@ABI@
}
