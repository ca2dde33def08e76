// SPDX-License-Identifier: GPL-2.0
/* rtnetlink requests over libmnl for the ipvlan tests */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "ipvlan_rtnl.h"

/* The kernel's message with the last error, if it gave one */
static char extack[256];

const char *rtnl_extack(void)
{
	return extack;
}

struct mnl_socket *rtnl_open(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);

	int one = 1;

	/* Errors come with the kernel's reason (extended ACK) */
	if (nl)
		mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID)) {
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

static struct nlmsghdr *msg_start(char *buf, __u16 type, __u16 flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = 1;
	return nlh;
}

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		snprintf(extack, sizeof(extack), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* Keep the extended ACK's message of an error in @buf, if any. */
static void save_extack(const char *buf, int len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	const struct nlmsgerr *err;
	unsigned int off;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_type != NLMSG_ERROR ||
		    !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
			continue;
		err = mnl_nlmsg_get_payload(nlh);
		if (!err->error)
			continue;
		/* The request is echoed unless capped */
		off = sizeof(*err);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
		mnl_attr_parse(nlh, off, extack_attr_cb, NULL);
	}
}

/* Send a request and run @cb on each answer until the ACK or DONE. */
static int transact(struct mnl_socket *nl, struct nlmsghdr *nlh,
		    mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int portid = mnl_socket_get_portid(nl);
	int ret;

	extack[0] = '\0';
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0)
			return -errno;
		save_extack(buf, ret);
		ret = mnl_cb_run(buf, ret, nlh->nlmsg_seq, portid, cb, data);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *nlh)
{
	return mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
}

int rtnl_add_veth(struct mnl_socket *nl, const char *name, const char *peer)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlattr *info, *data, *peer_attr;
	struct nlmsghdr *nlh;

	nlh = msg_start(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	put_ifinfo(nlh);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* VETH_INFO_PEER holds a struct ifinfomsg, then the peer's attributes */
	peer_attr = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	put_ifinfo(nlh);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_nest_end(nlh, peer_attr);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return transact(nl, nlh, NULL, NULL);
}

int rtnl_add_upper(struct mnl_socket *nl, const struct upper_req *req)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlattr *info, *data;
	struct nlmsghdr *nlh;

	nlh = msg_start(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	put_ifinfo(nlh)->ifi_index = req->ifindex;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, req->name);
	mnl_attr_put_u32(nlh, IFLA_LINK, req->link);
	if (req->how == UPPER_NET_NS_FD)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, req->netns_fd);
	else if (req->how == UPPER_LINK_NETNSID)
		mnl_attr_put_u32(nlh, IFLA_LINK_NETNSID, req->link_nsid);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, req->kind);
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u16(nlh, IFLA_IPVLAN_MODE, req->mode);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return transact(nl, nlh, NULL, NULL);
}

int rtnl_del_link(struct mnl_socket *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = msg_start(buf, RTM_DELLINK, NLM_F_ACK);
	put_ifinfo(nlh)->ifi_index = ifindex;
	return transact(nl, nlh, NULL, NULL);
}

int rtnl_set_up(struct mnl_socket *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh;

	nlh = msg_start(buf, RTM_NEWLINK, NLM_F_ACK);
	ifm = put_ifinfo(nlh);
	ifm->ifi_index = ifindex;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	return transact(nl, nlh, NULL, NULL);
}

struct mnl_socket *rtnl_open_link_monitor(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);

	if (nl && mnl_socket_bind(nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID)) {
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

static int link_down_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	if (ifm->ifi_index != *(int *)data)
		return MNL_CB_OK;
	if (nlh->nlmsg_type == RTM_DELLINK ||
	    (nlh->nlmsg_type == RTM_NEWLINK && !(ifm->ifi_flags & IFF_UP)))
		return MNL_CB_STOP;
	return MNL_CB_OK;
}

int rtnl_wait_link_down(struct mnl_socket *monitor, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int ret;

	do {
		ret = mnl_socket_recvfrom(monitor, buf, sizeof(buf));
		/* Notifications lost: the one looked for may be among them */
		if (ret < 0)
			return errno == ENOBUFS ? 0 : -errno;
		ret = mnl_cb_run(buf, ret, 0, 0, link_down_cb, &ifindex);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

static int ifindex_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	*(int *)data = ifm->ifi_index;
	return MNL_CB_OK;
}

int rtnl_ifindex(struct mnl_socket *nl, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ifindex = 0, err;

	nlh = msg_start(buf, RTM_GETLINK, NLM_F_ACK);
	put_ifinfo(nlh);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	err = transact(nl, nlh, ifindex_cb, &ifindex);
	if (err)
		return err;
	return ifindex > 0 ? ifindex : -ENODEV;
}

int rtnl_set_nsid(struct mnl_socket *nl, int netns_fd, int nsid)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = msg_start(buf, RTM_NEWNSID, NLM_F_ACK);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtgenmsg));
	mnl_attr_put_u32(nlh, NETNSA_FD, netns_fd);
	mnl_attr_put_u32(nlh, NETNSA_NSID, nsid);
	return transact(nl, nlh, NULL, NULL);
}

static int nsid_attr_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == NETNSA_NSID &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
		*(int *)data = (int)mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int nsid_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct rtgenmsg), nsid_attr_cb, data);
}

int rtnl_get_nsid(struct mnl_socket *nl, int netns_fd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int nsid = -1, err;

	nlh = msg_start(buf, RTM_GETNSID, NLM_F_ACK);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtgenmsg));
	mnl_attr_put_u32(nlh, NETNSA_FD, netns_fd);
	err = transact(nl, nlh, nsid_cb, &nsid);
	if (err)
		return err;
	return nsid >= 0 ? nsid : -ENOENT;
}

struct names {
	char *buf;
	size_t len;
};

static int name_attr_cb(const struct nlattr *attr, void *data)
{
	struct names *names = data;
	const char *name;
	size_t used;

	if (mnl_attr_get_type(attr) != IFLA_IFNAME ||
	    mnl_attr_validate(attr, MNL_TYPE_STRING) < 0)
		return MNL_CB_OK;
	name = mnl_attr_get_str(attr);
	if (!strcmp(name, "lo"))
		return MNL_CB_OK;
	used = strlen(names->buf);
	snprintf(names->buf + used, names->len - used, "%s%s",
		 used ? " " : "", name);
	return MNL_CB_OK;
}

static int link_names_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct ifinfomsg), name_attr_cb,
			      data);
}

int rtnl_other_links(struct mnl_socket *nl, char *buf, size_t len)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct names names = { buf, len };
	struct nlmsghdr *nlh;

	buf[0] = '\0';
	nlh = msg_start(req, RTM_GETLINK, NLM_F_DUMP);
	put_ifinfo(nlh);
	return transact(nl, nlh, link_names_cb, &names);
}
