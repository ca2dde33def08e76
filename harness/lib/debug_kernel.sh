# SPDX-License-Identifier: GPL-2.0
# The debug kernel, configured as netdev's debug CI configures its kernels:
# tinyconfig + the guest's boot needs + the tree's kernel/configs/debug.config
# (KASAN, lockdep, the function tracer, ...) + the suite's config.
# shellcheck shell=bash

# Options a fragment asks for that this kernel cannot take, listed one by
# one with the reason (config/debug.config.unmet).
DEBUG_CONFIG_UNMET=$HARNESS_DIR/config/debug.config.unmet

# Fail loudly when an option a fragment asks for is not in the final
# .config (tinyconfig silently drops options whose dependencies are off),
# unless it is listed in $DEBUG_CONFIG_UNMET.
config_verify()
{
	local dotconfig=$1; shift
	local frag line sym why missing=0

	for frag in "$@"; do
		while IFS= read -r line; do
			case "$line" in
			CONFIG_*=*)
				sym=${line%%=*}
				;;
			"# CONFIG_"*" is not set")
				sym=${line#\# }
				sym=${sym%% *}
				# Off is off, whether or not the option is visible.
				grep -q "^$sym=" "$dotconfig" || continue
				;;
			*)
				continue
				;;
			esac
			grep -qxF "$line" "$dotconfig" && continue
			why=$(awk -v s="$sym" '$1 == s { $1 = ""; print substr($0, 2) }' \
				"$DEBUG_CONFIG_UNMET")
			if [ -n "$why" ]; then
				msg "config: not taken, as expected: $line ($why)"
				continue
			fi
			msg "config: $frag asks for '$line', final .config has:" \
			    "'$(grep -E "^(# )?${sym}[= ]" "$dotconfig" || echo absent)'"
			missing=1
		done <"$frag"
	done
	return "$missing"
}

debug_kernel_build()
{
	local tree=$1 out=$2; shift 2
	local frags=("$@") jobs

	jobs=$(nproc)
	rm -rf "$out"
	mkdir -p "$out"
	msg "configuring debug kernel in $out"
	make -s -C "$tree" O="$out" tinyconfig >"$out/config.log" 2>&1 ||
		{ cat "$out/config.log" >&2; return 1; }
	(cd "$out" && "$tree/scripts/kconfig/merge_config.sh" -m -O "$out" \
		"$out/.config" "${frags[@]}") >>"$out/config.log" 2>&1 ||
		{ cat "$out/config.log" >&2; return 1; }
	make -s -C "$tree" O="$out" olddefconfig >>"$out/config.log" 2>&1 ||
		{ cat "$out/config.log" >&2; return 1; }
	config_verify "$out/.config" "${frags[@]}" ||
		{ msg "debug kernel config is missing options (see above)"; return 1; }
	msg "building debug kernel with $jobs jobs (log: $out/build.log)"
	make -C "$tree" O="$out" -j"$jobs" bzImage modules 2>&1 |
		progress "$out/build.log" 250 build
	[ "${PIPESTATUS[0]}" -eq 0 ] ||
		{ tail -n 40 "$out/build.log" >&2; return 1; }
	make -s -C "$tree" O="$out" INSTALL_MOD_PATH="$out/root" \
		INSTALL_MOD_STRIP=1 modules_install >>"$out/build.log" 2>&1 ||
		{ tail -n 20 "$out/build.log" >&2; return 1; }
	touch "$out/.built"
}

# Bump when debug_kernel_build() changes what it produces.
DEBUG_KERNEL_RECIPE=2

# The kernel tree $1 with the fixes of harness/repro/*.patch applied: a
# copy that shares the files patch(1) does not rewrite. Prints its path.
fixed_tree()
{
	local tree=$1 dir p

	dir=$tree.fixed-$(cat "$HARNESS_DIR"/repro/*.patch | sha256sum | cut -c1-12)
	if [ ! -e "$dir/.patched" ]; then
		rm -rf "$dir" "$dir.tmp"
		cp -al "$tree" "$dir.tmp" || return 1
		# patch writes each file it changes anew: the links break there.
		for p in "$HARNESS_DIR"/repro/*.patch; do
			msg "applying $(basename "$p")"
			patch -s -p1 -d "$dir.tmp" --no-backup-if-mismatch <"$p" ||
				return 1
		done
		mv "$dir.tmp" "$dir" && touch "$dir/.patched" || return 1
	fi
	echo "$dir"
}

# Print "bzImage moddir" of the cached debug kernel, building it if needed.
# With "global" as $2: the same configuration without
# CONFIG_DEBUG_NET_SMALL_RTNL (no per-netns unregistration: every upper
# goes under the global RTNL), a kernel to compare with. With "fixed": the
# debug kernel with the fixes of harness/repro/*.patch.
debug_kernel()
{
	local tree=$1 variant=${2:-} ver key out frags global patches=()

	frags=("$HARNESS_DIR/config/vm.config" "$tree/kernel/configs/debug.config"
	       "$SUITE_DIR/config")
	ver=$(awk '{ gsub(/[^A-Za-z0-9.-]/, "_", $2); print $2 }' "$tree/.unpacked")
	if [ "$variant" = global ]; then
		global=$CACHE_DIR/build/global-rtnl.config
		mkdir -p "$CACHE_DIR/build"
		{
			grep -v '^CONFIG_DEBUG_NET_SMALL_RTNL=' "$SUITE_DIR/config"
			echo '# CONFIG_DEBUG_NET_SMALL_RTNL is not set'
		} >"$global"
		frags=("${frags[@]:0:2}" "$global")
	fi
	if [ "$variant" = fixed ]; then
		tree=$(fixed_tree "$tree") || die "applying harness/repro/*.patch failed"
		patches=("$HARNESS_DIR"/repro/*.patch)
	fi
	# Keyed by what shapes the kernel: fragments, fixes, recipe, compiler.
	key=$( (cat "${frags[@]}" "${patches[@]}" "$DEBUG_CONFIG_UNMET"; echo "$DEBUG_KERNEL_RECIPE"; gcc --version | head -n1) |
		sha256sum | cut -c1-16)
	out=$CACHE_DIR/build/debug${variant:+-$variant}-$ver-$key
	if [ ! -e "$out/.built" ]; then
		with_lock "$out.lock" debug_kernel_locked "$tree" "$out" "${frags[@]}" ||
			die "debug kernel build failed"
	fi
	msg "debug kernel: $out ($(cat "$out/include/config/kernel.release"))"
	echo "$out/arch/x86/boot/bzImage $out/root/lib/modules/$(cat "$out/include/config/kernel.release")"
}

debug_kernel_locked()
{
	local tree=$1 out=$2; shift 2

	[ -e "$out/.built" ] && return 0
	debug_kernel_build "$tree" "$out" "$@"
}
