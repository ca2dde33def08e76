/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A veth lower with ipvlan/ipvtap uppers in its own netns and in others,
 * built over rtnetlink. The netns are held by file descriptors only, so
 * they and everything in them go away with the process, however it ends.
 */
#ifndef __IPVLAN_TOPOLOGY_H
#define __IPVLAN_TOPOLOGY_H

#include <stdbool.h>
#include <net/if.h>
#include <linux/types.h>

#include "ipvlan_rtnl.h"

/* A program that builds larger topologies may define them first. */
#ifndef MAX_NETNS
#define MAX_NETNS	40
#endif
#define MAX_LOWERS	4
#ifndef MAX_UPPERS
#define MAX_UPPERS	256
#endif
/* The id asked for the lowers' netns in the uppers' netns */
#define LOWER_NSID	1

struct test_netns {
	int fd;			/* -1 once closed */
	unsigned int inum;
	struct mnl_socket *nl;
	int lower_nsid;		/* id of ns[0] here, -1 until known */
};

/* A veth in ns[0]; its peer is there too. */
struct lower {
	char name[IFNAMSIZ];
	int ifindex;
	/* IPVLAN_MODE_*: the mode is the port's, shared by its uppers */
	__u16 mode;
};

struct upper {
	char name[IFNAMSIZ];
	const char *kind;	/* "ipvlan" or "ipvtap" */
	int lower;		/* index in topology.lowers[] */
	int ns;			/* index in topology.ns[]; 0 is the lowers' */
	int ifindex;
	int tap_fd;
};

struct topology {
	struct test_netns ns[MAX_NETNS];
	int nr_ns;
	struct lower lowers[MAX_LOWERS];
	int nr_lowers;
	struct upper uppers[MAX_UPPERS];
	int nr_uppers;
};

/* A new netns and a netlink socket in it; the caller stays where it is. */
int netns_new(struct test_netns *ns);
void netns_close(struct test_netns *ns);
/* Another netlink socket in @ns; the caller stays where it is. */
struct mnl_socket *netns_socket(struct test_netns *ns);
/*
 * A socket in @ns that receives its link notifications. Like any socket,
 * it holds @ns: no dismantle while it is open.
 */
struct mnl_socket *netns_link_monitor(struct test_netns *ns);

/*
 * In a child that may block in the kernel for good (a teardown that never
 * returns): keep the descriptors in @keep (-1 entries ignored) and none
 * other, with stdin, stdout and stderr on /dev/null. It then holds nothing
 * of the test's: not the output a test runner reads to its end, not the
 * BPF tracer, not a netns.
 */
void keep_only_fds(const int *keep, int n);

void topology_init(struct topology *t);
/* Forget the devices (closing the taps), keep the netns. */
void topology_clear(struct topology *t);
void topology_free(struct topology *t);
/*
 * ns[0] and @nr_netns more netns, creating those not open (the first time,
 * or after netns_close()); 0 or -errno.
 */
int topology_netns(struct topology *t, int nr_netns);
/* A veth pair in ns[0], one end a lower of uppers in @mode; 0 or -errno. */
int topology_add_lower(struct topology *t, __u16 mode);
/*
 * An upper of lowers[lower] in ns[ns], created in the lower's netns with
 * IFLA_NET_NS_FD or in its own with IFLA_LINK_NETNSID, as @how says.
 * 0 or -errno.
 */
int topology_add_upper(struct topology *t, int lower, const char *kind,
		       int ns, enum upper_link how);
/*
 * The id of ns[0] in ns[ns], for IFLA_LINK_NETNSID: LOWER_NSID, or the one
 * the kernel gave it already. -errno on failure.
 */
int topology_lower_nsid(struct topology *t, int ns);
/* Open a tap fd on every ipvtap upper; 0 or -errno. */
int topology_open_taps(struct topology *t);
/* Names of the links left in ns[ns] other than lo; 0 or -errno. */
int topology_leftovers(struct topology *t, int ns, char *buf, size_t len);

/*
 * Load veth, ipvlan and ipvtap (they are autoloaded on first use), so that
 * their functions can be probed, by creating one device of each in a netns
 * of @t. Keep @t until the end: tearing it down now would run the code
 * under test before anything watches it, and on a broken kernel hang.
 * Returns 0, or -errno and the kind that could not be created in @kind.
 */
int preload_drivers(struct topology *t, const char **kind);
/* Whether the running kernel was built with @option (=y or =m). */
bool kernel_has_option(const char *option);

#endif /* __IPVLAN_TOPOLOGY_H */
