/* SPDX-License-Identifier: GPL-2.0 */
/* Events shared by ipvlan_teardown_trace.bpf.c and ipvlan_teardown_trace.c */
#ifndef __IPVLAN_TEARDOWN_TRACE_H
#define __IPVLAN_TEARDOWN_TRACE_H

#include <linux/types.h>

#define TRACE_NAME_LEN 16	/* IFNAMSIZ and TASK_COMM_LEN */

enum trace_probe {
	PROBE_IPVLAN_UNINIT,
	PROBE_FREE_NETDEV,
};

struct trace_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 probe;		/* enum trace_probe */
	__u32 pid;		/* thread id */
	__u32 netns;		/* inode of the device's netns */
	__s32 ifindex;
	__u32 in_work;		/* inside rtnl_net_work_func() */
	char comm[TRACE_NAME_LEN];
	char name[TRACE_NAME_LEN];
};

/* Index into the "stats" array map */
#define STAT_DROPPED 0

#endif /* __IPVLAN_TEARDOWN_TRACE_H */
