// SPDX-License-Identifier: GPL-2.0
/* The BPF tracer of ipvlan teardown, see the header. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ipvlan_tracer.h"

__u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static bool libbpf_quiet;

/* libbpf's warnings as KTAP diagnostics; quiet while probing for symbols */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (level != LIBBPF_WARN || libbpf_quiet)
		return 0;
	fprintf(stderr, "# libbpf: ");
	return vfprintf(stderr, fmt, args);
}

static int attach(struct tracer *tr, const char *prog_name, bool optional)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	int err;

	prog = bpf_object__find_program_by_name(tr->obj, prog_name);
	if (!prog || tr->nr_links >= TRACER_MAX_LINKS)
		return -ENOENT;
	libbpf_quiet = optional;
	link = bpf_program__attach(prog);
	err = -errno;
	libbpf_quiet = false;
	if (!link)
		return err;
	tr->links[tr->nr_links++] = link;
	return 0;
}

static int ring_event(void *ctx, void *data, size_t len)
{
	struct tracer *tr = ctx;

	if (len < sizeof(struct trace_event))
		return 0;
	if (tr->nr_events >= TRACER_MAX_EVENTS) {
		tr->not_stored++;
		return 0;
	}
	memcpy(&tr->events[tr->nr_events++], data, sizeof(struct trace_event));
	return 0;
}

/* Say why in @why and return @err */
static int fail(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return err;
}

int tracer_open(struct tracer *tr, const char *obj_path, char *why, size_t len)
{
	__u64 t0 = now_ns();
	struct bpf_program *prog;
	int map_fd, err;

	libbpf_set_print(libbpf_print);
	tr->events = calloc(TRACER_MAX_EVENTS, sizeof(*tr->events));
	if (!tr->events)
		return fail(why, len, -ENOMEM, "no memory for the events");

	tr->obj = bpf_object__open_file(obj_path, NULL);
	if (!tr->obj)
		return fail(why, len, -errno, "cannot open %s: %s", obj_path, strerror(errno));
	/* Attached by hand below, some only where the kernel has them */
	bpf_object__for_each_program(prog, tr->obj)
		bpf_program__set_autoattach(prog, false);
	err = bpf_object__load(tr->obj);
	if (err)
		return fail(why, len, err, "cannot load %s: %s", obj_path, strerror(-err));
	tr->nets_fd = bpf_object__find_map_fd_by_name(tr->obj, "nets");
	tr->stats_fd = bpf_object__find_map_fd_by_name(tr->obj, "stats");
	map_fd = bpf_object__find_map_fd_by_name(tr->obj, "events");
	tr->rb = ring_buffer__new(map_fd, ring_event, tr, NULL);
	if (tr->nets_fd < 0 || tr->stats_fd < 0 || !tr->rb)
		return fail(why, len, -ENOENT, "maps of %s not found", obj_path);

	/* Without per-netns unregistration, rtnl_net_work_func() is absent. */
	err = attach(tr, "trace_work_enter", true);
	tr->per_netns_work = !err;
	if (err && err != -ENOENT)
		return fail(why, len, err, "kprobe rtnl_net_work_func: %s", strerror(-err));
	if (!err) {
		err = attach(tr, "trace_work_exit", false);
		if (err)
			return fail(why, len, err, "kretprobe rtnl_net_work_func: %s",
			     strerror(-err));
	}
	err = attach(tr, "trace_ipvlan_uninit", false);
	if (err)
		return fail(why, len, err, "kprobe ipvlan_uninit: %s", strerror(-err));
	err = attach(tr, "trace_free_netdev", false);
	if (err)
		return fail(why, len, err, "kprobe free_netdev: %s", strerror(-err));
	err = attach(tr, "trace_ipvlan_dellink", false);
	if (err)
		return fail(why, len, err, "kprobe ipvlan_link_delete: %s", strerror(-err));
	err = attach(tr, "trace_ipvtap_dellink", false);
	if (err)
		return fail(why, len, err, "kprobe ipvtap_dellink: %s", strerror(-err));
	tr->dellink = true;
	tr->attach_ms = (now_ns() - t0) / 1e6;
	return 0;
}

static const char *config_of(const char *kind)
{
	if (!strcmp(kind, "veth"))
		return "CONFIG_VETH";
	if (!strcmp(kind, "ipvtap"))
		return "CONFIG_IPVTAP";
	return "CONFIG_IPVLAN";
}

int tracer_start(struct tracer *tr, const char *obj_path, char *why,
		 size_t len, bool *unsupported)
{
	const char *kind;
	int err;

	*unsupported = true;
	memset(tr, 0, sizeof(*tr));
	topology_init(&tr->drivers);
	if (geteuid())
		return fail(why, len, -EPERM, "needs root");
	err = preload_drivers(&tr->drivers, &kind);
	if (err) {
		/* Configured, yet it cannot be created: broken, not missing */
		*unsupported = err == -EOPNOTSUPP &&
			       !kernel_has_option(config_of(kind));
		return fail(why, len, err, "%s %s: %s%s%s%s", *unsupported ?
			    "kernel without" : "cannot create a device of",
			    kind, strerror(-err), *rtnl_extack() ? " (" : "",
			    rtnl_extack(), *rtnl_extack() ? ")" : "");
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return fail(why, len, -EOPNOTSUPP, "kernel without BTF (CONFIG_DEBUG_INFO_BTF)");
	if (access("/sys/bus/event_source/devices/kprobe", F_OK))
		return fail(why, len, -EOPNOTSUPP, "kernel without kprobes (CONFIG_KPROBE_EVENTS)");
	*unsupported = false;
	return tracer_open(tr, obj_path, why, len);
}

void tracer_close(struct tracer *tr)
{
	int i;

	ring_buffer__free(tr->rb);
	for (i = 0; i < tr->nr_links; i++)
		bpf_link__destroy(tr->links[i]);
	bpf_object__close(tr->obj);
	free(tr->events);
	topology_free(&tr->drivers);
	memset(tr, 0, sizeof(*tr));
}

int tracer_watch(struct tracer *tr, const unsigned int *inums, int n)
{
	__u32 key, zero = 0;
	__u64 stat = 0;
	__u8 one = 1;
	int i;

	/* netns inodes are reused: forget the netns of earlier tests */
	while (!bpf_map_get_next_key(tr->nets_fd, NULL, &key))
		if (bpf_map_delete_elem(tr->nets_fd, &key))
			return -errno;
	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(tr->nets_fd, &inums[i], &one, BPF_ANY))
			return -errno;
	ring_buffer__consume(tr->rb);
	tr->nr_events = 0;
	tr->not_stored = 0;
	return bpf_map_update_elem(tr->stats_fd, &zero, &stat, BPF_ANY) ?
	       -errno : 0;
}

void tracer_poll(struct tracer *tr, int ms)
{
	ring_buffer__poll(tr->rb, ms);
	ring_buffer__consume(tr->rb);
}

__u64 tracer_lost(struct tracer *tr)
{
	__u32 key = STAT_DROPPED;
	__u64 stat = 0;

	bpf_map_lookup_elem(tr->stats_fd, &key, &stat);
	return stat + tr->not_stored;
}

static int cmp_ts(const void *a, const void *b)
{
	const struct trace_event *x = a, *y = b;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

void tracer_sort(struct tracer *tr)
{
	qsort(tr->events, tr->nr_events, sizeof(*tr->events), cmp_ts);
}

const struct trace_event *tracer_find(struct tracer *tr, enum trace_probe probe,
				      unsigned int inum, int ifindex, int *count)
{
	const struct trace_event *first = NULL, *e;
	int i;

	*count = 0;
	for (i = 0; i < tr->nr_events; i++) {
		e = &tr->events[i];
		if (e->probe != probe || e->netns != inum ||
		    e->ifindex != ifindex)
			continue;
		if (!first)
			first = e;
		(*count)++;
	}
	return first;
}

const char *tracer_probe_name(enum trace_probe probe)
{
	static const char * const names[] = {
		[PROBE_IPVLAN_UNINIT] = "ipvlan_uninit",
		[PROBE_FREE_NETDEV] = "free_netdev",
		[PROBE_DELLINK] = "dellink",
	};

	return probe < NR_PROBES ? names[probe] : "?";
}
