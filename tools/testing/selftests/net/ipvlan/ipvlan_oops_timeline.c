// SPDX-License-Identifier: GPL-2.0
/* A timeline that survives an oops, see the header. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <bpf/btf.h>

#include "ipvlan_oops_timeline.h"

#define NAME		"ipvlan_race"
#define DUMP_SYSCTL	"/proc/sys/kernel/ftrace_dump_on_oops"
#define NETDEV_ALIGN	32
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char * const tracefs_dirs[] = {
	"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
};

static const char *tracefs;
static char saved_dump[128];
static int marker_fd = -1;

/* The events: kprobe, and whether the device is an upper (has "dying") */
static const struct {
	const char *event;
	const char *func;
	int upper;
} probes[] = {
	{ "uninit", "ipvlan_uninit", 0 },
	{ "ipvlan_dellink", "ipvlan_link_delete", 1 },
	{ "ipvtap_dellink", "ipvtap_dellink", 1 },
	{ "free_netdev", "free_netdev", 0 },
};

static int write_file(const char *path, const char *s, int flags)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int tracefs_write(const char *file, const char *s, int flags)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tracefs, file);
	return write_file(path, s, flags);
}

/* Offset in bytes of member @name of struct @type_id, also inside
 * anonymous members; -1 if it has none.
 */
static long member_offset(const struct btf *btf, __u32 type_id,
			  const char *name)
{
	const struct btf_type *t = btf__type_by_id(btf, type_id);
	const struct btf_member *m;
	long off;
	int i;

	while (t && btf_is_mod(t))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_composite(t))
		return -1;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		if (m->name_off) {
			if (!strcmp(btf__name_by_offset(btf, m->name_off), name))
				return btf_member_bit_offset(t, i) / 8;
			continue;
		}
		off = member_offset(btf, m->type, name);
		if (off >= 0)
			return btf_member_bit_offset(t, i) / 8 + off;
	}
	return -1;
}

static long struct_member(const struct btf *btf, const char *type,
			  const char *name)
{
	__s32 id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);

	return id < 0 ? -1 : member_offset(btf, id, name);
}

/* The kprobe_events lines of the probes, in @buf */
static int probe_defs(char *buf, size_t len, char *why, size_t wlen)
{
	long name, ifindex, priv, dying;
	struct btf *vmlinux, *ipvlan;
	size_t used = 0;
	unsigned int i;
	__s32 id;

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		snprintf(why, wlen, "no kernel BTF");
		return -ENOENT;
	}
	ipvlan = btf__load_module_btf("ipvlan", vmlinux);
	name = struct_member(vmlinux, "net_device", "name");
	ifindex = struct_member(vmlinux, "net_device", "ifindex");
	/* netdev_priv(): dev->priv since 6.12, else aligned after the struct */
	priv = struct_member(vmlinux, "net_device", "priv");
	if (priv < 0) {
		id = btf__find_by_name_kind(vmlinux, "net_device", BTF_KIND_STRUCT);
		priv = id < 0 ? -1 : btf__resolve_size(vmlinux, id);
		priv = (priv + NETDEV_ALIGN - 1) & ~(long)(NETDEV_ALIGN - 1);
	}
	/* struct ipvtap_dev starts with a struct ipvl_dev too */
	dying = ipvlan ? struct_member(ipvlan, "ipvl_dev", "dying") : -1;
	btf__free(ipvlan);
	btf__free(vmlinux);
	if (name < 0 || ifindex < 0 || priv <= 0 || dying < 0) {
		snprintf(why, wlen, "no %s in the kernel's BTF",
			 dying < 0 ? "ipvl_dev.dying" : "net_device layout");
		return -ENOENT;
	}

	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		used += snprintf(buf + used, len - used,
				 "p:%s/%s %s name=+%ld($arg1):string ifindex=+%ld($arg1):s32",
				 NAME, probes[i].event, probes[i].func, name, ifindex);
		if (probes[i].upper)
			used += snprintf(buf + used, len - used, " dying=+%ld($arg1):u8",
					 priv + dying);
		used += snprintf(buf + used, len - used, "\n");
		if (used >= len)
			return -E2BIG;
	}
	return 0;
}

/* Undo what start() did, whatever part of it was done. */
static void cleanup(void)
{
	char path[128], line[64];
	unsigned int i;

	snprintf(path, sizeof(path), "%s/instances/%s/events/%s/enable",
		 tracefs, NAME, NAME);
	write_file(path, "0", 0);
	snprintf(path, sizeof(path), "%s/instances/%s", tracefs, NAME);
	rmdir(path);
	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		snprintf(line, sizeof(line), "-:%s/%s\n", NAME, probes[i].event);
		tracefs_write("kprobe_events", line, O_APPEND);
	}
}

static void read_sysctl(char *buf, size_t len)
{
	ssize_t n = -1;
	int fd;

	fd = open(DUMP_SYSCTL, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

int oops_timeline_start(char *why, size_t len)
{
	char defs[2048], path[128], dump[256];
	struct stat st;
	unsigned int i;
	int err;

	for (i = 0; !tracefs && i < ARRAY_SIZE(tracefs_dirs); i++) {
		snprintf(path, sizeof(path), "%s/kprobe_events", tracefs_dirs[i]);
		if (!stat(path, &st))
			tracefs = tracefs_dirs[i];
	}
	if (!tracefs) {
		snprintf(why, len, "no tracefs with kprobe_events");
		return -ENOENT;
	}
	read_sysctl(saved_dump, sizeof(saved_dump));
	if (!saved_dump[0]) {
		snprintf(why, len, "no %s", DUMP_SYSCTL);
		goto fail;
	}
	err = probe_defs(defs, sizeof(defs), why, len);
	if (err)
		goto fail;
	/* Left over by a run that was killed */
	cleanup();
	err = tracefs_write("kprobe_events", defs, O_APPEND);
	if (err) {
		snprintf(why, len, "kprobe_events: %s", strerror(-err));
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/instances/%s", tracefs, NAME);
	if (mkdir(path, 0700)) {
		err = -errno;
		snprintf(why, len, "trace instance: %s", strerror(-err));
		goto fail;
	}
	/* A few iterations' worth: a dump on a serial console is slow */
	snprintf(path, sizeof(path), "instances/%s/buffer_size_kb", NAME);
	tracefs_write(path, "64", 0);
	snprintf(path, sizeof(path), "instances/%s/events/%s/enable", NAME, NAME);
	err = tracefs_write(path, "1", 0);
	if (err) {
		snprintf(why, len, "enabling the events: %s", strerror(-err));
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/instances/%s/trace_marker", tracefs, NAME);
	marker_fd = open(path, O_WRONLY | O_CLOEXEC);
	/* Keep what was asked already ("1": the global buffer too). */
	if (!strcmp(saved_dump, "0"))
		snprintf(dump, sizeof(dump), "%s", NAME);
	else
		snprintf(dump, sizeof(dump), "%s,%s", saved_dump, NAME);
	/* Before 6.8 the sysctl takes a number only */
	err = write_file(DUMP_SYSCTL, dump, 0);
	if (err) {
		snprintf(why, len, "the kernel cannot dump a trace instance on oops");
		goto fail;
	}
	return 0;
fail:
	oops_timeline_stop();
	return -ENOENT;
}

void oops_timeline_clear(void)
{
	char path[128];

	if (marker_fd < 0)
		return;
	snprintf(path, sizeof(path), "instances/%s/trace", NAME);
	tracefs_write(path, "", O_TRUNC);
}

void oops_timeline_mark(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (marker_fd < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (write(marker_fd, line, strlen(line)) < 0)
		return;
}

void oops_timeline_stop(void)
{
	char now[128];

	if (!tracefs)
		return;
	if (marker_fd >= 0)
		close(marker_fd);
	marker_fd = -1;
	read_sysctl(now, sizeof(now));
	if (saved_dump[0] && strcmp(now, saved_dump))
		write_file(DUMP_SYSCTL, saved_dump, 0);
	cleanup();
	tracefs = NULL;
}
