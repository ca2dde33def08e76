# SPDX-License-Identifier: GPL-2.0
# Boot a kernel in QEMU on the host's root (9p, read-only, tmpfs overlay).
# shellcheck shell=bash

VM_MEM=${VM_MEM:-2G}
VM_SMP=${VM_SMP:-2}

# qemu_cmd ACCEL KERNEL INITRD RUNDIR APPEND: print the QEMU argv, one per line.
qemu_cmd()
{
	local accel=$1 kernel=$2 initrd=$3 rundir=$4 append=$5 cpu=host

	# One host thread per vCPU (multi-threaded TCG): the suite runs in
	# 0.6x the time of one thread for all vCPUs. An early kernel of this
	# project (-Os, no function tracer) once hit a stale int3 during boot
	# text patching with it; the current one booted 10 of 10 times and ran
	# the suite without it. VM_TCG_THREAD=single is the way back, and
	# vmtest's default for the distro and old kernels.
	if [ "$accel" = tcg ]; then
		accel=tcg,thread=${VM_TCG_THREAD:-multi}
		# 4-level paging, as on most hosts that run netdev's CI. With
		# "max" (LA57) 4 of 22 boots of the KASAN kernel reported an
		# early "KASAN: wild-memory-access in do_raw_spin_lock" (an edge
		# IRQ during identify_boot_cpu), which taints the kernel and
		# turns lockdep off for the run. See harness/repro/README.md.
		cpu=${VM_CPU:-max,la57=off}
	fi
	printf '%s\n' qemu-system-x86_64 -machine q35 -accel "$accel" -cpu "$cpu" \
		-m "$VM_MEM" -smp "$VM_SMP" -no-reboot -nodefaults \
		-display none -monitor none \
		-serial "file:$rundir/console.log" \
		-kernel "$kernel" -initrd "$initrd" -append "$append" \
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$rundir,mount_tag=vmout,security_model=none,multidevs=remap" \
		-device virtio-rng-pci
	# Extra arguments, one per line (e.g. "-s" for a gdb stub), to
	# investigate a guest by hand.
	[ -n "${VM_QEMU_ARGS:-}" ] && printf '%s\n' "$VM_QEMU_ARGS"
	return 0
}

# Run QEMU for at most $1 seconds; the console goes to $rundir/console.log
# and, when $show is set, to the terminal as it comes.
qemu_run()
{
	local limit=$1 rundir=$2 show=$3; shift 3
	local qpid tpid='' rc

	: >"$rundir/console.log"
	timeout -k 10 "$limit" "$@" </dev/null >"$rundir/qemu.log" 2>&1 &
	qpid=$!
	if [ -n "$show" ]; then
		tail -n +1 -f --pid="$qpid" "$rundir/console.log" &
		tpid=$!
	fi
	# Background jobs of a script ignore SIGINT: stop QEMU ourselves.
	# shellcheck disable=SC2064 # the values are known now
	trap "qemu_stop $qpid '$tpid' '$rundir' 130" INT
	# shellcheck disable=SC2064
	trap "qemu_stop $qpid '$tpid' '$rundir' 143" TERM
	wait "$qpid"
	rc=$?
	trap - INT TERM
	[ -n "$tpid" ] && wait "$tpid" 2>/dev/null
	return "$rc"
}

# On Ctrl-C or SIGTERM: end QEMU (timeout passes SIGTERM on to it) and the
# console tail, say where the partial log is, exit 130 or 143.
qemu_stop()
{
	local qpid=$1 tpid=$2 rundir=$3 rc=$4

	kill -TERM "$qpid" 2>/dev/null
	[ -n "$tpid" ] && kill "$tpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	msg "interrupted: QEMU stopped; partial console log: $rundir/console.log"
	exit "$rc"
}

# KVM hangs on some hosts: boot the initramfs alone with a short bound and
# use TCG unless it powers off by itself. Remembered until the host reboots.
vm_accel()
{
	local kernel=$1 initrd=$2 stamp dir

	if [ -n "${VM_ACCEL:-}" ]; then
		echo "$VM_ACCEL"
		return
	fi
	if [ ! -w /dev/kvm ]; then
		echo tcg
		return
	fi
	stamp=$CACHE_DIR/kvm-probe.$(cat /proc/sys/kernel/random/boot_id)
	if [ ! -e "$stamp" ]; then
		dir=$(mktemp -d)
		msg "probing KVM (bounded at 20 s)"
		local argv=()
		mapfile -t argv < <(qemu_cmd kvm "$kernel" "$initrd" "$dir" \
			"console=ttyS0 panic=-1 VMTEST_PROBE=1")
		if qemu_run 20 "$dir" "" "${argv[@]}" &&
		   grep -q "vmtest: probe ok" "$dir/console.log"; then
			echo kvm >"$stamp"
		else
			echo tcg >"$stamp"
		fi
		rm -rf "$dir"
	fi
	cat "$stamp"
}
