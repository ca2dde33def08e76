/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF tracer of ipvlan teardown (ipvlan_tracer.bpf.c): loaded and
 * attached once per program, then pointed at the netns of each test.
 */
#ifndef __IPVLAN_TRACER_H
#define __IPVLAN_TRACER_H

#include <stdbool.h>
#include <linux/types.h>

#include "ipvlan_topology.h"
#include "ipvlan_trace_event.h"

#define TRACER_MAX_EVENTS	16384
#define TRACER_MAX_LINKS	8

struct bpf_object;
struct bpf_link;
struct ring_buffer;

struct tracer {
	struct bpf_object *obj;
	struct bpf_link *links[TRACER_MAX_LINKS];
	int nr_links;
	struct ring_buffer *rb;
	int nets_fd;
	int stats_fd;
	bool per_netns_work;	/* the kernel has rtnl_net_work_func() */
	bool dellink;		/* ->dellink() of ipvlan and ipvtap probed */
	double attach_ms;	/* open, load and attach */
	struct trace_event *events;
	int nr_events;
	int not_stored;		/* events beyond TRACER_MAX_EVENTS */
	struct topology drivers;	/* held to keep the modules loaded */
};

/*
 * Load and attach; the probed modules must be loaded. Returns 0, or
 * -errno with what failed in @why.
 */
int tracer_open(struct tracer *tr, const char *obj_path, char *why,
		size_t len);
/*
 * What a test program calls once: as root, with veth, ipvlan and ipvtap
 * loaded (by creating devices), BTF and kprobes, tracer_open(). Returns 0
 * or -errno with the reason in @why, and @unsupported set when the kernel
 * lacks a feature (a SKIP) rather than failing one it has (a FAIL).
 */
int tracer_start(struct tracer *tr, const char *obj_path, char *why,
		 size_t len, bool *unsupported);
void tracer_close(struct tracer *tr);
/* Trace the devices of these netns only, from now on, with no event kept. */
int tracer_watch(struct tracer *tr, const unsigned int *inums, int n);
/* Move what the ring buffer holds into tr->events, waiting up to @ms. */
void tracer_poll(struct tracer *tr, int ms);
/* Events lost (ring buffer full or tr->events full) since tracer_watch() */
__u64 tracer_lost(struct tracer *tr);
/* Sort tr->events by time. */
void tracer_sort(struct tracer *tr);
/* The first event of @probe on @ifindex in netns @inum, and how many. */
const struct trace_event *tracer_find(struct tracer *tr, enum trace_probe probe,
				      unsigned int inum, int ifindex, int *count);
const char *tracer_probe_name(enum trace_probe probe);

/* CLOCK_MONOTONIC in ns, the clock of trace_event.ts_ns */
__u64 now_ns(void);

#endif /* __IPVLAN_TRACER_H */
