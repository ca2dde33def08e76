# SPDX-License-Identifier: GPL-2.0
# A busybox initramfs with the modules a kernel needs to mount the host's
# root over 9p under an overlay; nothing for kernels that have them built in.
# shellcheck shell=bash

INITRAMFS_MODULES="virtio_pci 9pnet_virtio 9p overlay"

# Print "path" of each module file (in load order) not built into the kernel.
initramfs_module_files()
{
	local moddir=$1 rel root m

	rel=$(basename "$moddir")
	root=${moddir%/lib/modules/*}
	for m in $INITRAMFS_MODULES; do
		modprobe -d "$root" -S "$rel" --show-depends "$m" ||
			die "module $m not found for $rel"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

# Print the path of the initramfs for the kernel whose modules are in $1.
initramfs()
{
	local moddir=$1 key out stage f n=10 ko

	key=$( (cat "$HARNESS_DIR/guest/init" "$HARNESS_DIR/lib/initramfs.sh" /bin/busybox
		echo "$moddir"; stat -c %Y "$moddir/modules.dep") | sha256sum | cut -c1-16)
	out=$CACHE_DIR/initramfs/$key.cpio
	if [ ! -e "$out" ]; then
		command -v busybox >/dev/null || die "busybox (busybox-static) is not installed"
		stage=$(mktemp -d)
		mkdir -p "$stage"/{bin,dev,proc,sys,modules}
		cp /bin/busybox "$stage/bin/busybox"
		cp "$HARNESS_DIR/guest/init" "$stage/init"
		for f in $(initramfs_module_files "$moddir"); do
			ko=$stage/modules/$n-$(basename "${f%%.ko*}").ko
			case "$f" in
			*.xz)	xz -dc "$f" >"$ko" ;;
			*.zst)	zstd -qdc "$f" >"$ko" ;;
			*.gz)	gzip -dc "$f" >"$ko" ;;
			*)	cp "$f" "$ko" ;;
			esac
			n=$((n + 1))
		done
		mkdir -p "$(dirname "$out")"
		(cd "$stage" && find . | cpio -o -H newc --quiet) >"$out.tmp" &&
			mv "$out.tmp" "$out"
		rm -rf "$stage"
		[ -e "$out" ] || die "initramfs build failed"
	fi
	echo "$out"
}
