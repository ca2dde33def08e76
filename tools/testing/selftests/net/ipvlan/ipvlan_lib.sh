# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers of the ipvlan shell tests, sourced after ../lib.sh. On debug
# kernels (KASAN, lockdep, kmemleak) every process costs a fraction of a
# second or more, so these start as few as they can: lib.sh's slowwait()
# starts two per poll (date, sleep) and setup_ns() several per netns.

# A pipe that nobody writes to: a read from it with a timeout is a sleep
# that starts no process.
exec {IPVLAN_NAP_FD}<> <(:)

# Sleep $1 seconds (a decimal number).
nap()
{
	read -r -t "$1" -u "$IPVLAN_NAP_FD" _
	return 0
}

# Run "$@" every 0.1 s until it succeeds, for at most $1 seconds, as
# lib.sh's slowwait() does. Prints the output of the last run.
wait_until()
{
	local end=$((${EPOCHREALTIME/./} + $1 * 1000000)) out

	shift
	while true; do
		if out=$("$@"); then
			echo -n "$out"
			return 0
		fi
		if ((${EPOCHREALTIME/./} > end)); then
			echo -n "$out"
			return 1
		fi
		nap 0.1
	done
}

# Create netns named after the variables given, in one process, and delete
# them at the end of the defer scope.
netns_create()
{
	local var names=()

	for var in "$@"; do
		printf -v "$var" '%s-%s-%s' "${var,,}" "$$" "$RANDOM"
		names+=("${!var}")
	done
	printf 'netns add %s\n' "${names[@]}" | ip -batch - || return
	defer netns_delete "${names[@]}"
}

# Delete those of the netns given that still exist, in one process (-force:
# the others are only reported, to /dev/null).
netns_delete()
{
	printf 'netns del %s\n' "$@" | ip -force -batch - 2>/dev/null
	return 0
}

# The kernel's report of a device it cannot free, if it made one: it then
# blocks every later teardown, which would only wait out its bound.
device_waiting()
{
	dmesg | grep -m1 -o 'unregister_netdevice: waiting for .*'
}

# Whether the running kernel is built with option $1 (=y or =m), from
# /proc/config.gz or /boot; true when neither says. For failures only: it
# tells a kernel without a driver (a SKIP) from one whose driver fails.
kernel_has()
{
	local release config

	read -r release </proc/sys/kernel/osrelease
	config=/boot/config-$release
	if [ -r /proc/config.gz ]; then
		gzip -dc /proc/config.gz | grep -qE "^$1=(y|m)$"
	elif [ -r "$config" ]; then
		grep -qE "^$1=(y|m)$" "$config"
	fi
}

# The options of $@ the running kernel is built without, space separated
kernel_lacks()
{
	local option missing=()

	for option in "$@"; do
		kernel_has "$option" || missing+=("$option")
	done
	echo "${missing[*]}"
}
