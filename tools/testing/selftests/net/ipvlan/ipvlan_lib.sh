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
# lib.sh's slowwait() does, in this shell: a command that sets variables
# can tell the caller why it failed.
wait_until()
{
	local end=$((${EPOCHREALTIME/./} + $1 * 1000000))

	shift
	until "$@"; do
		((${EPOCHREALTIME/./} > end)) && return 1
		nap 0.1
	done
}

# The netns of the tests that ended, deleted by the next netns_create or
# by netns_delete_retired: one process less per test.
NETNS_RETIRED=()
NETNS_DIR=/var/run/netns

# Create netns named after the variables given, in one process, and
# retire them at the end of the defer scope.
netns_create()
{
	local var names=()

	for var in "$@"; do
		printf -v "$var" '%s-%s-%s' "${var,,}" "$$" "$RANDOM"
		names+=("${!var}")
	done
	{
		[ ${#NETNS_RETIRED[@]} -gt 0 ] &&
			printf 'netns del %s\n' "${NETNS_RETIRED[@]}"
		printf 'netns add %s\n' "${names[@]}"
	} | ip -force -batch - || return
	NETNS_RETIRED=()
	defer netns_retire "${names[@]}"
}

# Retire those of the netns given that still exist
netns_retire()
{
	local ns

	for ns in "$@"; do
		[ -e "$NETNS_DIR/$ns" ] && NETNS_RETIRED+=("$ns")
	done
	return 0
}

# Delete the retired netns, in one process (at exit: defer it first)
netns_delete_retired()
{
	[ ${#NETNS_RETIRED[@]} -eq 0 ] && return 0
	printf 'netns del %s\n' "${NETNS_RETIRED[@]}" | ip -force -batch - 2>/dev/null
	NETNS_RETIRED=()
	return 0
}

# The kernel's report of a device it cannot free, if it made one: it then
# blocks every later teardown, which would only wait out its bound.
device_waiting()
{
	local log re=$'unregister_netdevice: waiting for [^\n]*'

	# One read of the whole log: bash reads a pipe a byte at a time.
	log=$(dmesg) && [[ "$log" =~ $re ]] && echo "${BASH_REMATCH[0]}"
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
