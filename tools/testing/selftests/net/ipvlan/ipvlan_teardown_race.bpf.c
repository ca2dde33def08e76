// SPDX-License-Identifier: GPL-2.0
/* For ipvlan_teardown_race: count free_netdev() per device of the test's
 * netns, and the ->dellink() calls on uppers already marked dying.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "ipvlan_teardown_race.h"

char _license[] SEC("license") = "GPL";

struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct net {
	struct ns_common ns;
} __attribute__((preserve_access_index));

struct net_device {
	int ifindex;
	struct {
		struct net *net;
	} nd_net;
	unsigned char priv[];	/* since 6.12 */
} __attribute__((preserve_access_index));

/* ipvlan.ko's, at the start of ipvlan and ipvtap devices' private area */
struct ipvl_dev {
	__u8 dying;	/* bool */
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);	/* netns inode */
	__type(value, __u32);	/* netns index in the test */
} nets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);	/* netns index << 32 | ifindex */
	__type(value, __u32);	/* free_netdev() calls */
} freed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_STATS);
	__type(key, __u32);
	__type(value, __u32);
} stats SEC(".maps");

static __u32 *netns_of(struct net_device *dev)
{
	__u32 inum = BPF_CORE_READ(dev, nd_net.net, ns.inum);

	return bpf_map_lookup_elem(&nets, &inum);
}

static void count(__u32 stat)
{
	__u32 *n = bpf_map_lookup_elem(&stats, &stat);

	if (n)
		__sync_fetch_and_add(n, 1);
}

static __u8 dying(struct net_device *dev)
{
	struct ipvl_dev *ipvlan;
	__u8 dying = 0;

	/* Kernels with the flag have the private area in priv[]. */
	if (!bpf_core_field_exists(ipvlan->dying) ||
	    !bpf_core_field_exists(dev->priv))
		return 0;
	ipvlan = (void *)dev + bpf_core_field_offset(dev->priv);
	bpf_core_read(&dying, sizeof(dying), &ipvlan->dying);
	return dying;
}

static int dellink(struct net_device *dev, __u32 stat)
{
	__u32 *ns = netns_of(dev);

	if (!ns)
		return 0;
	if (*ns == 0)
		count(STAT_DELLINK_NS0);
	if (dying(dev))
		count(stat);
	return 0;
}

SEC("fentry/ipvlan_link_delete")
int BPF_PROG(ipvlan_dellink, struct net_device *dev)
{
	return dellink(dev, STAT_DYING_IPVLAN);
}

SEC("fentry/ipvtap_dellink")
int BPF_PROG(ipvtap_dellink, struct net_device *dev)
{
	return dellink(dev, STAT_DYING_IPVTAP);
}

SEC("fentry/free_netdev")
int BPF_PROG(free_netdev, struct net_device *dev)
{
	__u32 *ns = netns_of(dev), one = 1, *n;
	__u64 key;

	if (!ns)
		return 0;
	key = (__u64)*ns << 32 | BPF_CORE_READ(dev, ifindex);
	n = bpf_map_lookup_elem(&freed, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&freed, &key, &one, BPF_NOEXIST);
	return 0;
}
