/* SPDX-License-Identifier: GPL-2.0 */
/* Events of ipvlan_tracer.bpf.c, read by ipvlan_tracer.c */
#ifndef __IPVLAN_TRACE_EVENT_H
#define __IPVLAN_TRACE_EVENT_H

#include <linux/types.h>

#define TRACE_NAME_LEN 16	/* IFNAMSIZ and TASK_COMM_LEN */

enum trace_probe {
	PROBE_IPVLAN_UNINIT,
	PROBE_FREE_NETDEV,
	PROBE_DELLINK,		/* ipvlan_link_delete() or ipvtap_dellink() */
	NR_PROBES
};

/* trace_event.dying when the kernel's struct ipvl_dev has no "dying" */
#define DYING_UNKNOWN 2

struct trace_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 probe;		/* enum trace_probe */
	__u32 pid;		/* thread id */
	__u32 netns;		/* inode of the device's netns */
	__s32 ifindex;
	__u8 in_work;		/* inside rtnl_net_work_func() */
	__u8 dying;		/* PROBE_DELLINK: ipvl_dev.dying, or DYING_UNKNOWN */
	__u8 cpu;
	__u8 pad;
	char comm[TRACE_NAME_LEN];
	char name[TRACE_NAME_LEN];
};

/* Index into the "stats" array map */
#define STAT_DROPPED 0

#endif /* __IPVLAN_TRACE_EVENT_H */
