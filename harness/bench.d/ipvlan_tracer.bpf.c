// SPDX-License-Identifier: GPL-2.0
/* Record ipvlan_uninit(), free_netdev() and the ipvlan/ipvtap ->dellink()
 * for the devices of the test's netns, tagged with whether they run inside
 * per-netns work (rtnl_net_work_func(), only built with
 * CONFIG_DEBUG_NET_SMALL_RTNL) and, for ->dellink(), whether the upper was
 * already marked dying by its lower's NETDEV_UNREGISTER.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "ipvlan_trace_event.h"

#define NETDEV_ALIGN 32

/* Only the fields read here; CO-RE finds them in the running kernel. */
struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct net {
	struct ns_common ns;
} __attribute__((preserve_access_index));

struct net_device {
	char name[TRACE_NAME_LEN];
	int ifindex;
	struct {
		struct net *net;
	} nd_net;		/* possible_net_t */
	unsigned char priv[];	/* netdev_priv(), since 6.12 */
} __attribute__((preserve_access_index));

/* In ipvlan.ko's BTF; ipvtap's private area starts with it too. */
struct ipvl_dev {
	__u8 dying;		/* bool */
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} events SEC(".maps");

/* netns inode -> 1, filled by the test: devices elsewhere are ignored */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u8);
} nets SEC(".maps");

/* thread id -> 1 while the thread runs rtnl_net_work_func() */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} in_work SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __u8 read_dying(struct net_device *dev)
{
	struct ipvl_dev *ipvlan;
	unsigned long off;
	__u8 dying;

	if (!bpf_core_field_exists(ipvlan->dying))
		return DYING_UNKNOWN;
	if (bpf_core_field_exists(dev->priv)) {
		off = bpf_core_field_offset(dev->priv);
	} else {
		/* Before 6.12: aligned after struct net_device */
		off = bpf_core_type_size(struct net_device);
		off = (off + NETDEV_ALIGN - 1) & ~(NETDEV_ALIGN - 1);
	}
	ipvlan = (void *)dev + off;
	if (bpf_core_read(&dying, sizeof(dying), &ipvlan->dying))
		return DYING_UNKNOWN;
	return dying;
}

static int record(struct net_device *dev, __u32 probe)
{
	__u32 netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct trace_event *e;
	__u32 key = STAT_DROPPED;
	__u64 *dropped;

	if (!bpf_map_lookup_elem(&nets, &netns))
		return 0;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		/* A lost event must fail the test, not shorten its timeline. */
		dropped = bpf_map_lookup_elem(&stats, &key);
		if (dropped)
			__sync_fetch_and_add(dropped, 1);
		return 0;
	}

	e->ts_ns = bpf_ktime_get_ns();
	e->probe = probe;
	e->pid = tid;
	e->netns = netns;
	e->ifindex = BPF_CORE_READ(dev, ifindex);
	e->in_work = !!bpf_map_lookup_elem(&in_work, &tid);
	e->dying = probe == PROBE_DELLINK ? read_dying(dev) : 0;
	e->cpu = bpf_get_smp_processor_id();
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	BPF_CORE_READ_STR_INTO(&e->name, dev, name);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("kprobe/ipvlan_uninit")
int BPF_KPROBE(trace_ipvlan_uninit, struct net_device *dev)
{
	return record(dev, PROBE_IPVLAN_UNINIT);
}

SEC("kprobe/free_netdev")
int BPF_KPROBE(trace_free_netdev, struct net_device *dev)
{
	return record(dev, PROBE_FREE_NETDEV);
}

SEC("kprobe/ipvlan_link_delete")
int BPF_KPROBE(trace_ipvlan_dellink, struct net_device *dev)
{
	return record(dev, PROBE_DELLINK);
}

SEC("kprobe/ipvtap_dellink")
int BPF_KPROBE(trace_ipvtap_dellink, struct net_device *dev)
{
	return record(dev, PROBE_DELLINK);
}

SEC("kprobe/rtnl_net_work_func")
int BPF_KPROBE(trace_work_enter)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u8 one = 1;

	bpf_map_update_elem(&in_work, &tid, &one, BPF_ANY);
	return 0;
}

SEC("kretprobe/rtnl_net_work_func")
int BPF_KRETPROBE(trace_work_exit)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&in_work, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
