/* SPDX-License-Identifier: GPL-2.0 */
/* rtnetlink requests over libmnl for the ipvlan tests */
#ifndef __IPVLAN_RTNL_H
#define __IPVLAN_RTNL_H

#include <linux/types.h>
#include <libmnl/libmnl.h>

/* How an upper reaches its lower when it lives in another netns */
enum upper_link {
	UPPER_LOCAL,		/* same netns as the lower */
	UPPER_NET_NS_FD,	/* created in the lower's netns, IFLA_NET_NS_FD */
	UPPER_LINK_NETNSID,	/* created in its netns, IFLA_LINK_NETNSID */
};

struct upper_req {
	const char *kind;	/* "ipvlan" or "ipvtap" */
	const char *name;
	int ifindex;		/* of the new upper; 0: the kernel picks */
	__u16 mode;		/* IPVLAN_MODE_* */
	int link;		/* ifindex of the lower */
	enum upper_link how;
	int netns_fd;		/* UPPER_NET_NS_FD: netns to create it in */
	int link_nsid;		/* UPPER_LINK_NETNSID: the lower's netns id */
};

/* The kernel's reason for the last error (extended ACK), or "" */
const char *rtnl_extack(void);
/* A socket in the caller's netns, or NULL */
struct mnl_socket *rtnl_open(void);
/* The others return 0 or a negative errno. */
int rtnl_add_veth(struct mnl_socket *nl, const char *name, const char *peer);
int rtnl_add_upper(struct mnl_socket *nl, const struct upper_req *req);
int rtnl_del_link(struct mnl_socket *nl, int ifindex);
int rtnl_ifindex(struct mnl_socket *nl, const char *name);
int rtnl_set_nsid(struct mnl_socket *nl, int netns_fd, int nsid);
/* The id the socket's netns has for @netns_fd's, or -errno */
int rtnl_get_nsid(struct mnl_socket *nl, int netns_fd);
int rtnl_set_up(struct mnl_socket *nl, int ifindex);
/* A socket that receives the link notifications of the caller's netns */
struct mnl_socket *rtnl_open_link_monitor(void);
/* Wait until the monitor reports @ifindex down or deleted. */
int rtnl_wait_link_down(struct mnl_socket *monitor, int ifindex);
/* Writes the names of the links other than "lo", space separated. */
int rtnl_other_links(struct mnl_socket *nl, char *buf, size_t len);

#endif /* __IPVLAN_RTNL_H */
