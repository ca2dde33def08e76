// SPDX-License-Identifier: GPL-2.0
/* Topologies of ipvlan/ipvtap uppers over a veth lower, see the header. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>

#include "ipvlan_topology.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int netns_new(struct test_netns *ns)
{
	int orig, err = -1;
	struct stat st;

	ns->fd = -1;
	ns->nl = NULL;
	ns->lower_nsid = -1;
	orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return -errno;
	if (unshare(CLONE_NEWNET)) {
		err = -errno;
		goto out;
	}
	ns->fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	/* A netlink socket works in the netns it was created in. */
	ns->nl = rtnl_open();
	if (setns(orig, CLONE_NEWNET) || ns->fd < 0 || !ns->nl ||
	    fstat(ns->fd, &st)) {
		err = errno ? -errno : -EINVAL;
		goto out;
	}
	ns->inum = st.st_ino;
	err = 0;
out:
	close(orig);
	return err;
}

void netns_close(struct test_netns *ns)
{
	if (ns->nl)
		mnl_socket_close(ns->nl);
	ns->nl = NULL;
	if (ns->fd >= 0)
		close(ns->fd);
	ns->fd = -1;
}

/* A socket opened by @open_fn inside @ns; the caller stays where it is. */
static struct mnl_socket *socket_in(struct test_netns *ns,
				    struct mnl_socket *(*open_fn)(void))
{
	struct mnl_socket *nl = NULL;
	int orig;

	orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return NULL;
	if (!setns(ns->fd, CLONE_NEWNET))
		nl = open_fn();
	if (setns(orig, CLONE_NEWNET) && nl) {
		mnl_socket_close(nl);
		nl = NULL;
	}
	close(orig);
	return nl;
}

struct mnl_socket *netns_socket(struct test_netns *ns)
{
	return socket_in(ns, rtnl_open);
}

struct mnl_socket *netns_link_monitor(struct test_netns *ns)
{
	return socket_in(ns, rtnl_open_link_monitor);
}

void keep_only_fds(const int *keep, int n)
{
	int fds[1024], nr = 0, fd, null, i;
	struct dirent *d;
	DIR *dir;

	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (fd = 0; null >= 0 && fd <= 2; fd++)
		dup2(null, fd);
	dir = opendir("/proc/self/fd");
	if (!dir)
		return;
	while ((d = readdir(dir)) && nr < (int)ARRAY_SIZE(fds)) {
		fd = atoi(d->d_name);
		if (fd > 2 && fd != dirfd(dir))
			fds[nr++] = fd;
	}
	closedir(dir);
	while (nr--) {
		for (i = 0; i < n && keep[i] != fds[nr]; i++)
			;
		if (i == n)
			close(fds[nr]);
	}
}

void topology_init(struct topology *t)
{
	int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < MAX_NETNS; i++)
		t->ns[i].fd = -1;
}

void topology_clear(struct topology *t)
{
	int i;

	for (i = 0; i < t->nr_uppers; i++)
		if (t->uppers[i].tap_fd >= 0)
			close(t->uppers[i].tap_fd);
	t->nr_uppers = 0;
	t->nr_lowers = 0;
}

void topology_free(struct topology *t)
{
	int i;

	topology_clear(t);
	for (i = 0; i < t->nr_ns; i++)
		netns_close(&t->ns[i]);
	t->nr_ns = 0;
}

int topology_netns(struct topology *t, int nr_netns)
{
	int i, j, err;

	if (nr_netns + 1 > MAX_NETNS)
		return -E2BIG;
	for (i = 0; i <= nr_netns; i++) {
		if (i < t->nr_ns && t->ns[i].fd >= 0)
			continue;
		err = netns_new(&t->ns[i]);
		if (err)
			return err;
		/* A new lowers' netns has no id in the others yet */
		if (!i)
			for (j = 1; j < t->nr_ns; j++)
				t->ns[j].lower_nsid = -1;
	}
	t->nr_ns = nr_netns + 1;
	return 0;
}

int topology_add_lower(struct topology *t, __u16 mode)
{
	struct lower *lower = &t->lowers[t->nr_lowers];
	char peer[IFNAMSIZ];
	int err;

	if (t->nr_lowers >= MAX_LOWERS)
		return -E2BIG;
	snprintf(lower->name, sizeof(lower->name), "veth%d", 2 * t->nr_lowers);
	snprintf(peer, sizeof(peer), "veth%d", 2 * t->nr_lowers + 1);
	lower->mode = mode;
	err = rtnl_add_veth(t->ns[0].nl, lower->name, peer);
	if (err)
		return err;
	lower->ifindex = rtnl_ifindex(t->ns[0].nl, lower->name);
	if (lower->ifindex < 0)
		return lower->ifindex;
	t->nr_lowers++;
	return 0;
}

int topology_lower_nsid(struct topology *t, int ns)
{
	struct test_netns *n = &t->ns[ns];
	int err;

	if (n->lower_nsid >= 0)
		return n->lower_nsid;
	/* The kernel allots one when it reports a link to ns[0] here */
	err = rtnl_set_nsid(n->nl, t->ns[0].fd, LOWER_NSID);
	if (!err)
		n->lower_nsid = LOWER_NSID;
	else if (err == -EEXIST)
		n->lower_nsid = rtnl_get_nsid(n->nl, t->ns[0].fd);
	else
		return err;
	return n->lower_nsid;
}

int topology_add_upper(struct topology *t, int lower, const char *kind,
		       int ns, enum upper_link how)
{
	struct upper *upper = &t->uppers[t->nr_uppers];
	struct upper_req req = {
		.kind = kind,
		.name = upper->name,
		.mode = t->lowers[lower].mode,
		.link = t->lowers[lower].ifindex,
		.how = ns ? how : UPPER_LOCAL,
		.netns_fd = t->ns[ns].fd,
	};
	struct mnl_socket *nl;
	int err;

	if (t->nr_uppers >= MAX_UPPERS)
		return -E2BIG;
	snprintf(upper->name, sizeof(upper->name), "ipvl%d", t->nr_uppers);
	upper->kind = kind;
	upper->lower = lower;
	upper->ns = ns;
	upper->tap_fd = -1;
	if (req.how == UPPER_LINK_NETNSID) {
		req.link_nsid = topology_lower_nsid(t, ns);
		if (req.link_nsid < 0)
			return req.link_nsid;
	}
	/* IFLA_LINK_NETNSID: asked in the upper's netns; else in the lower's */
	nl = req.how == UPPER_LINK_NETNSID ? t->ns[ns].nl : t->ns[0].nl;
	err = rtnl_add_upper(nl, &req);
	if (err)
		return err;
	upper->ifindex = rtnl_ifindex(t->ns[ns].nl, upper->name);
	if (upper->ifindex < 0)
		return upper->ifindex;
	t->nr_uppers++;
	return 0;
}

static int ipvtap_major(void)
{
	char line[128], name[64];
	int major = -1, m;
	FILE *f;

	f = fopen("/proc/devices", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %63s", &m, name) == 2 &&
		    !strcmp(name, "ipvtap"))
			major = m;
	fclose(f);
	return major;
}

static struct upper *upper_by_name(struct topology *t, const char *name)
{
	int i;

	for (i = 0; i < t->nr_uppers; i++)
		if (!strcmp(t->uppers[i].name, name))
			return &t->uppers[i];
	return NULL;
}

/*
 * /dev/tapN is named after the ifindex, which repeats across netns, so
 * open each minor through a private node and ask the queue which device
 * it belongs to. The node lives in /dev: a tmpfs mounted nodev (/tmp
 * under systemd) refuses to open device nodes.
 */
int topology_open_taps(struct topology *t)
{
	char dir[] = "/dev/ipvtap.XXXXXX", path[64];
	int major, minor, fd, want = 0, found = 0, i, err = 0;
	struct upper *upper;
	struct ifreq ifr;

	for (i = 0; i < t->nr_uppers; i++)
		if (!strcmp(t->uppers[i].kind, "ipvtap") &&
		    t->uppers[i].tap_fd < 0)
			want++;
	if (!want)
		return 0;
	major = ipvtap_major();
	if (major < 0)
		return -ENODEV;
	if (!mkdtemp(dir))
		return -errno;
	snprintf(path, sizeof(path), "%s/tap", dir);
	for (minor = 1; minor < 65536 && found < want; minor++) {
		if (mknod(path, S_IFCHR | 0600, makedev(major, minor))) {
			err = -errno;
			break;
		}
		fd = open(path, O_RDWR | O_CLOEXEC);
		unlink(path);
		if (fd < 0) {
			if (errno != ENXIO && errno != ENODEV)
				err = -errno;
			continue;
		}
		memset(&ifr, 0, sizeof(ifr));
		upper = NULL;
		if (!ioctl(fd, TUNGETIFF, &ifr))
			upper = upper_by_name(t, ifr.ifr_name);
		if (upper && upper->tap_fd < 0) {
			upper->tap_fd = fd;
			found++;
		} else {
			close(fd);
		}
	}
	rmdir(dir);
	if (found == want)
		return 0;
	return err ? err : -ENOENT;
}

int topology_leftovers(struct topology *t, int ns, char *buf, size_t len)
{
	return rtnl_other_links(t->ns[ns].nl, buf, len);
}

int preload_drivers(struct topology *t, const char **kind)
{
	static const char * const kinds[] = { "ipvlan", "ipvtap" };
	unsigned int i;
	int err;

	topology_init(t);
	*kind = "veth";
	err = topology_netns(t, 0);
	if (!err)
		err = topology_add_lower(t, IPVLAN_MODE_L2);
	for (i = 0; !err && i < ARRAY_SIZE(kinds); i++) {
		*kind = kinds[i];
		err = topology_add_upper(t, 0, kinds[i], 0, UPPER_LOCAL);
	}
	return err;
}

static bool config_line_has(const char *line, const char *option)
{
	size_t len = strlen(option);

	return !strncmp(line, option, len) && line[len] == '=' &&
	       (line[len + 1] == 'y' || line[len + 1] == 'm');
}

bool kernel_has_option(const char *option)
{
	char line[256], path[300];
	struct utsname uts;
	bool found = false;
	FILE *f;

	/* Only asked when something failed: a process is cheap then. */
	f = popen("gzip -dc /proc/config.gz 2>/dev/null", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			found |= config_line_has(line, option);
		if (!pclose(f))
			return found;
	}
	if (uname(&uts))
		return false;
	snprintf(path, sizeof(path), "/boot/config-%s", uts.release);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = config_line_has(line, option);
	fclose(f);
	return found;
}
