# SPDX-License-Identifier: GPL-2.0
# The debug kernel: tinyconfig + the guest's boot needs + the suite's config.
# shellcheck shell=bash

# Fail loudly when an option a fragment asks for is not in the final
# .config (tinyconfig silently drops options whose dependencies are off).
config_verify()
{
	local dotconfig=$1; shift
	local frag line sym missing=0

	for frag in "$@"; do
		while IFS= read -r line; do
			case "$line" in
			CONFIG_*=*)
				sym=${line%%=*}
				;;
			"# CONFIG_"*" is not set")
				sym=${line#\# }
				sym=${sym%% *}
				;;
			*)
				continue
				;;
			esac
			if ! grep -qxF "$line" "$dotconfig"; then
				msg "config: $frag asks for '$line', final .config has:" \
				    "'$(grep -E "^(# )?${sym}[= ]" "$dotconfig" || echo absent)'"
				missing=1
			fi
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
DEBUG_KERNEL_RECIPE=1

# Print "bzImage moddir" of the cached debug kernel, building it if needed.
debug_kernel()
{
	local tree=$1 ver key out frags

	frags=("$HARNESS_DIR/config/vm.config" "$SUITE_DIR/config")
	ver=$(awk '{ gsub(/[^A-Za-z0-9.-]/, "_", $2); print $2 }' "$tree/.unpacked")
	# Keyed by what shapes the kernel: fragments, recipe, compiler.
	key=$( (cat "${frags[@]}"; echo "$DEBUG_KERNEL_RECIPE"; gcc --version | head -n1) |
		sha256sum | cut -c1-16)
	out=$CACHE_DIR/build/debug-$ver-$key
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
