// SPDX-License-Identifier: GPL-2.0
/* For ipvlan_teardown_race: count free_netdev() and ->dellink() calls per
 * device of the test's netns, and those on uppers already marked dying.
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
	__type(key, __u64);
	__type(value, __u32);
} counts SEC(".maps");

/* Count @what of @dev, if it is in one of the test's netns */
static void count(struct net_device *dev, __u32 what)
{
	__u32 inum = BPF_CORE_READ(dev, nd_net.net, ns.inum), zero = 0, *ns, *n;
	__u64 key;

	ns = bpf_map_lookup_elem(&nets, &inum);
	if (!ns)
		return;
	key = (__u64)*ns << 32 | what | BPF_CORE_READ(dev, ifindex);
	bpf_map_update_elem(&counts, &key, &zero, BPF_NOEXIST);
	n = bpf_map_lookup_elem(&counts, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
}

static int dellink(struct net_device *dev)
{
	struct ipvl_dev *ipvlan;
	__u8 dying = 0;

	count(dev, DELLINK);
	/* Kernels with the flag have the private area in priv[]. */
	if (!bpf_core_field_exists(ipvlan->dying) || !bpf_core_field_exists(dev->priv))
		return 0;
	ipvlan = (void *)dev + bpf_core_field_offset(dev->priv);
	bpf_core_read(&dying, sizeof(dying), &ipvlan->dying);
	if (dying)
		count(dev, DYING);
	return 0;
}

SEC("fentry/ipvlan_link_delete")
int BPF_PROG(ipvlan_dellink, struct net_device *dev)
{
	return dellink(dev);
}

SEC("fentry/ipvtap_dellink")
int BPF_PROG(ipvtap_dellink, struct net_device *dev)
{
	return dellink(dev);
}

SEC("fentry/free_netdev")
int BPF_PROG(free_netdev, struct net_device *dev)
{
	count(dev, FREED);
	return 0;
}
