// SPDX-License-Identifier: GPL-2.0
/*
 * A lower's NETDEV_UNREGISTER marks each upper "dying" and queues those of
 * other netns to their netns' work. Until that runs, RTM_DELLINK or a netns
 * dismantle may still reach the upper: ->dellink() must leave it alone.
 * Each iteration races the teardown of veth100 in ns0 (RTM_DELLINK, or the
 * dismantle of ns0) against those of its uppers in ns0 to ns4. BPF counts
 * the frees, and the window hits: ->dellink() calls on dying uppers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "ipvlan_teardown_race.h"

#define NR_NS		5	/* ns0 to ns4, an upper in each */
/* ifindexes above those of the fallback tunnels a new netns may have */
#define LOWER		100	/* veth100; its peer, veth101, has 101 */
#define UPPER		200	/* ifindex of the upper of ns[i]: UPPER + i */
#define BOUND_MS	20000
#define BUDGET_MS	20000	/* of iterations; 1/4 if slow */
#define STALL_MS	8000
/* WARN, BUG (KASAN's too), lockdep, RCU stalls, leaks, stacks, debugobjects */
#define SPLAT_RE	"WARNING:|BUG:|Oops|general protection|UBSAN:|" \
			"list_(add|del) corruption|refcount_t:|ref_tracker:|" \
			"detected stall|blocked for more than|" \
			"unregister_netdevice: waiting for|Call Trace:|ODEBUG:"

enum act { DEL_LOWER, DISMANTLE, DEL_ON_DOWN, DEL_ON_DISMANTLE, DEL };

static const char * const act_names[] = {
	[DEL_LOWER] = "RTM_DELLINK of the lower",
	[DISMANTLE] = "dismantle",
	[DEL_ON_DOWN] = "RTM_DELLINK on lower down",
	[DEL_ON_DISMANTLE] = "RTM_DELLINK on ns0 dismantle",
	[DEL] = "RTM_DELLINK",
};

static const __u16 modes[] = { IPVLAN_MODE_L2, IPVLAN_MODE_L3, IPVLAN_MODE_L3S };
static const int max_delays_us[] = { 0, 300, 2000, 10000 };

struct actor {
	enum act act;
	int ns;			/* netns acted in, or dismantled */
	int delay_us;
	pid_t pid;
	int err;		/* errno of its request, -1 until it returns */
};

struct req {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	char attrs[256];
};

/* What a test builds, who races, and what BPF counts */
struct race {
	struct bpf_object *obj;
	int nets, counts;
	int kmsg;		/* /dev/kmsg, read up to the last check */
	int ns[NR_NS];		/* netns fds, -1 once closed */
	int nl[NR_NS];		/* rtnetlink sockets in them */
	__u32 inum[NR_NS];
	int tap[NR_NS];
	struct actor actors[6];
	int nr_actors;
};

FIXTURE(ipvlan) {
	struct race r;
};

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static struct rtattr *put(struct req *r, int type, const void *data, int len)
{
	struct rtattr *rta = (void *)r + NLMSG_ALIGN(r->nh.nlmsg_len);

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static void end(struct req *r, struct rtattr *nest)
{
	nest->rta_len = (void *)r + r->nh.nlmsg_len - (void *)nest;
}

static void req_init(struct req *r, int type, int flags, int ifindex)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_LENGTH(sizeof(r->ifi));
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->ifi.ifi_index = ifindex;
}

/* Send @r, return the kernel's answer: 0 or -errno */
static int talk(int fd, struct req *r)
{
	char buf[1024];
	struct nlmsghdr *nh = (void *)buf;
	ssize_t len;

	if (send(fd, r, r->nh.nlmsg_len, 0) < 0)
		return -errno;
	len = recv(fd, buf, sizeof(buf), 0);
	if (len < 0)
		return -errno;
	if (len < NLMSG_LENGTH(sizeof(struct nlmsgerr)) || nh->nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	return ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
}

/*
 * veth100, up (its peer veth101) if @ifindex is LOWER, else an upper of
 * veth100 of @kind in @mode, moved to netns @ns unless it is -1; for veth100,
 * that moves its peer. Named after kind and ifindex: unique in every netns,
 * and so are the ipvtaps' /dev/tapIFINDEX.
 */
static int link_add(int nl, int ifindex, const char *kind, __u16 mode, int ns)
{
	struct ifinfomsg peer = { .ifi_index = LOWER + 1 };
	struct rtattr *info, *data, *nest;
	char name[IFNAMSIZ];
	int link = LOWER;
	struct req r;

	req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, ifindex);
	snprintf(name, sizeof(name), "%s%d", kind, ifindex);
	put(&r, IFLA_IFNAME, name, strlen(name) + 1);
	info = put(&r, IFLA_LINKINFO, NULL, 0);
	put(&r, IFLA_INFO_KIND, kind, strlen(kind));
	data = put(&r, IFLA_INFO_DATA, NULL, 0);
	if (ifindex == LOWER) {
		r.ifi.ifi_flags = IFF_UP;
		r.ifi.ifi_change = IFF_UP;
		nest = put(&r, VETH_INFO_PEER, &peer, sizeof(peer));
		put(&r, IFLA_IFNAME, "veth101", sizeof("veth101"));
		if (ns >= 0)
			put(&r, IFLA_NET_NS_FD, &ns, sizeof(ns));
		end(&r, nest);
	} else {
		put(&r, IFLA_IPVLAN_MODE, &mode, sizeof(mode));
	}
	end(&r, data);
	end(&r, info);
	if (ifindex != LOWER)
		put(&r, IFLA_LINK, &link, sizeof(link));
	if (ns >= 0 && ifindex != LOWER)
		put(&r, IFLA_NET_NS_FD, &ns, sizeof(ns));
	return talk(nl, &r);
}

static int link_del(int nl, int ifindex)
{
	struct req r;

	req_init(&r, RTM_DELLINK, 0, ifindex);
	return talk(nl, &r);
}

/* Until veth100 is reported down or gone to @mon (RTMGRP_LINK) */
static int wait_down(int mon)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nh;
	char buf[8192];
	ssize_t len;

	for (;;) {
		len = recv(mon, buf, sizeof(buf), 0);
		/* ENOBUFS: the report may be lost, act now rather than never */
		if (len < 0)
			return errno == ENOBUFS ? 0 : -errno;
		for (nh = (void *)buf; len > 0 && NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			ifi = NLMSG_DATA(nh);
			if (ifi->ifi_index == LOWER &&
			    (nh->nlmsg_type == RTM_DELLINK || !(ifi->ifi_flags & IFF_UP)))
				return 0;
		}
	}
}

/*
 * An rtnetlink socket in netns *@ns, bound to @groups, in a new netns if
 * *@ns is -1 (then *@ns is its fd); we stay where we are.
 */
static int socket_in(int *ns, unsigned int groups)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	int orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), fd = -1;

	if (*ns < 0 && !unshare(CLONE_NEWNET))
		*ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*ns >= 0 && !setns(*ns, CLONE_NEWNET)) {
		fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
		if (fd >= 0 && bind(fd, (void *)&sa, sizeof(sa))) {
			close(fd);
			fd = -1;
		}
	}
	if (setns(orig, CLONE_NEWNET))
		abort();
	close(orig);
	return fd;
}

static void netns_close(struct race *r, int i)
{
	close(r->nl[i]);	/* -1: EBADF, harmless */
	close(r->ns[i]);
	r->nl[i] = -1;
	r->ns[i] = -1;
}

/* @what (FREED, DELLINK, DYING) of device @ifindex in netns @ns */
static __u32 count(struct race *r, int ns, int what, int ifindex)
{
	__u64 key = (__u64)ns << 32 | what | ifindex;
	__u32 n = 0;

	bpf_map_lookup_elem(r->counts, &key, &n);
	return n;
}

static void map_clear(int fd)
{
	__u64 key;

	while (!bpf_map_get_next_key(fd, NULL, &key))
		bpf_map_delete_elem(fd, &key);
}

FIXTURE_SETUP(ipvlan)
{
	struct race *r = &self->r;

	memset(r->ns, -1, sizeof(r->ns));
	memset(r->nl, -1, sizeof(r->nl));
	memset(r->tap, -1, sizeof(r->tap));
	r->kmsg = -1;
	if (geteuid())
		SKIP(return, "needs root");
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		SKIP(return, "kernel without BTF (CONFIG_DEBUG_INFO_BTF)");
	r->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, r->kmsg);
	ASSERT_LE(0, lseek(r->kmsg, 0, SEEK_END));
}

/* Log the kernel's splats since the last call, return how many */
static int splats(struct __test_metadata *_metadata, struct race *r)
{
	char rec[8192];
	regex_t re;
	ssize_t len;
	int n = 0;

	if (regcomp(&re, SPLAT_RE, REG_EXTENDED | REG_NOSUB))
		return -1;
	/* EPIPE: records were overwritten before they were read */
	while ((len = read(r->kmsg, rec, sizeof(rec) - 1)) > 0 || (len < 0 && errno == EPIPE)) {
		if (len < 0)
			continue;
		rec[len] = '\0';
		rec[strcspn(rec, "\n")] = '\0';
		if (!regexec(&re, rec, 0, NULL, 0) && n++ < 3)
			TH_LOG("kernel splat: %s", strchr(rec, ';') + 1);
	}
	regfree(&re);
	return n;
}

/* Close the taps and every netns: the iteration's last acts */
static void cleanup(struct race *r)
{
	int i;

	/* pid 0: not forked yet (kill(0) would hit our process group) */
	for (i = 0; i < r->nr_actors; i++)
		if (r->actors[i].pid > 0 && r->actors[i].err < 0)
			kill(r->actors[i].pid, SIGKILL);
	r->nr_actors = 0;
	for (i = 0; i < NR_NS; i++) {
		close(r->tap[i]);
		r->tap[i] = -1;
		netns_close(r, i);
	}
}

FIXTURE_TEARDOWN(ipvlan)
{
	cleanup(&self->r);
	bpf_object__close(self->r.obj);
	close(self->r.kmsg);
}

static const char *kind_of(int i, int it)
{
	return (i + it) % 2 ? "ipvtap" : "ipvlan";
}

/* ns0 to ns@n-1, and an rtnetlink socket in each */
static void netns_setup(struct __test_metadata *_metadata, struct race *r, int n)
{
	struct stat st;
	int i;

	for (i = 0; i < n; i++) {
		r->nl[i] = socket_in(&r->ns[i], 0);
		ASSERT_LE(0, r->nl[i]);
		ASSERT_EQ(0, fstat(r->ns[i], &st));
		r->inum[i] = st.st_ino;
	}
}

/* Count from now on what happens in ns0 to ns@n-1: BPF loads once the drivers have */
static void bpf_watch(struct __test_metadata *_metadata, struct race *r, int n)
{
	bool tap = r->tap[0] >= 0 || r->tap[1] >= 0;	/* build() made ipvtaps */
	struct bpf_program *prog;
	__u32 i;

	if (!r->obj) {
		r->obj = bpf_object__open_file("ipvlan_teardown_race.bpf.o", NULL);
		ASSERT_NE(NULL, r->obj) TH_LOG("cannot open ipvlan_teardown_race.bpf.o");
		prog = bpf_object__find_program_by_name(r->obj, "ipvtap_dellink");
		bpf_program__set_autoload(prog, tap);
		ASSERT_EQ(0, bpf_object__load(r->obj));
		bpf_object__for_each_program(prog, r->obj)
			ASSERT_TRUE(!bpf_program__autoload(prog) || bpf_program__attach(prog))
				TH_LOG("cannot attach %s", bpf_program__name(prog));
		r->nets = bpf_object__find_map_fd_by_name(r->obj, "nets");
		r->counts = bpf_object__find_map_fd_by_name(r->obj, "counts");
	}
	map_clear(r->nets);
	map_clear(r->counts);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, bpf_map_update_elem(r->nets, &r->inum[i], &i, 0));
}

static void build(struct __test_metadata *_metadata, struct race *r, int it)
{
	__u16 mode = modes[it % ARRAY_SIZE(modes)];
	const char *kind;
	char tap[32];
	int err, i;

	netns_setup(_metadata, r, NR_NS);
	err = link_add(r->nl[0], LOWER, "veth", 0, -1);
	if (err == -EOPNOTSUPP)
		SKIP(return, "kernel without veth");
	ASSERT_EQ(0, err) TH_LOG("veth: %s", strerror(-err));
	for (i = 0; i < NR_NS; i++) {
		kind = kind_of(i, it);
		err = link_add(r->nl[0], UPPER + i, kind, mode, i ? r->ns[i] : -1);
		if (err == -EOPNOTSUPP)
			SKIP(return, "kernel without %s", kind);
		ASSERT_EQ(0, err) TH_LOG("%s in ns%d: %s", kind, i, strerror(-err));
		if (strcmp(kind, "ipvtap"))
			continue;
		snprintf(tap, sizeof(tap), "/dev/tap%d", UPPER + i);
		r->tap[i] = open(tap, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, r->tap[i]) TH_LOG("%s: %s", tap, strerror(errno));
	}
	bpf_watch(_metadata, r, NR_NS);
}

static void add(struct race *r, enum act what, int ns, int max_delay_us)
{
	r->actors[r->nr_actors++] = (struct actor){
		.act = what, .ns = ns, .err = -1,
		.delay_us = max_delay_us ? random() % max_delay_us : 0,
	};
}

/* Wait up to @end for device @ifindex of netns @ns to be freed */
static bool freed_by(struct race *r, int ns, int ifindex, __u64 end)
{
	while (!count(r, ns, FREED, ifindex) && now_ms() < end)
		usleep(10000);
	return count(r, ns, FREED, ifindex);
}

/*
 * Close the taps and ns0 to ns@n-1, wait until each is dismantled, and
 * look for splats the iteration @it logged, its cleanup included.
 */
static void dismantle_all(struct __test_metadata *_metadata, struct race *r, int n, int it)
{
	__u64 end;
	int i;

	cleanup(r);
	end = now_ms() + BOUND_MS;
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(freed_by(r, i, 1, end))
			TH_LOG("iteration %d: ns%d not dismantled (its lo not freed)", it, i);
	}
	EXPECT_EQ(0, splats(_metadata, r)) TH_LOG("iteration %d: the kernel splat above", it);
}

/* Who races whom in iteration @it, after which delay */
static void plan(struct race *r, bool dismantle, int it)
{
	int max = max_delays_us[(it / 2) % ARRAY_SIZE(max_delays_us)];

	r->nr_actors = 0;
	add(r, dismantle ? DISMANTLE : DEL_LOWER, 0, (it / 2) % 2 ? max : 0);
	add(r, dismantle ? DEL_ON_DISMANTLE : DEL_ON_DOWN, 1, 0);
	add(r, dismantle ? DEL_ON_DISMANTLE : DEL_ON_DOWN, 2, 0);
	add(r, DEL, 3, max);
	add(r, DISMANTLE, 4, 0);
	if (!dismantle)
		add(r, DEL, 0, max);
}

/* In the actor's process: keep what it needs only, wait, act, exit. */
static void __noreturn act(struct race *r, struct actor *a, int cpu, int *go, int *seen)
{
	int fd = -1, mon = -1, ns = -1, err = 0, i;
	cpu_set_t set;
	char c;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	if (a->act == DEL_ON_DOWN)
		mon = socket_in(&r->ns[0], RTMGRP_LINK);
	/* Its own socket: actors sharing one read each other's acks */
	if (a->act == DISMANTLE)
		ns = r->ns[a->ns];
	else
		fd = socket_in(&r->ns[a->ns], 0);
	/* Hold no netns the others dismantle, nor the pipes' write ends. */
	for (i = 0; i < NR_NS; i++) {
		if (r->ns[i] != ns)
			close(r->ns[i]);
		close(r->nl[i]);
	}
	close(go[1]);
	close(seen[1]);

	if ((fd < 0 && a->act != DISMANTLE) || read(go[0], &c, 1) < 0 ||
	    (mon >= 0 && wait_down(mon)) ||
	    (a->act == DEL_ON_DISMANTLE && read(seen[0], &c, 1) < 0))
		_exit(EIO);
	usleep(a->delay_us);
	switch (a->act) {
	case DEL_LOWER:
		err = link_del(fd, LOWER);
		break;
	case DISMANTLE:
		close(ns);
		break;
	default:
		err = link_del(fd, UPPER + a->ns);
	}
	_exit(-err);
}

/* One iteration; returns the window hits */
static int race_once(struct __test_metadata *_metadata, struct race *r, bool dismantle, int it)
{
	int go[2], seen[2], i, status, hits = 0;
	struct actor *a;
	__u64 t0, end;
	__u32 n;
	bool left;

	build(_metadata, r, it);
	if (_metadata->exit_code)
		return 0;
	plan(r, dismantle, it);

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(seen));
	for (i = 0; i < r->nr_actors; i++) {
		a = &r->actors[i];
		a->pid = fork();
		ASSERT_LE(0, a->pid);
		if (!a->pid)
			act(r, a, (i + it) % get_nprocs(), go, seen);
	}
	/* The dismantled netns are the actors' to drop now. */
	for (i = 0; i < r->nr_actors; i++)
		if (r->actors[i].act == DISMANTLE)
			netns_close(r, r->actors[i].ns);
	close(go[0]);
	close(seen[0]);
	t0 = now_ms();
	close(go[1]);

	end = t0 + BOUND_MS;
	do {
		left = !count(r, 0, FREED, LOWER);
		for (i = 0; i < r->nr_actors; i++) {
			a = &r->actors[i];
			if (a->err < 0 && waitpid(a->pid, &status, WNOHANG) == a->pid)
				a->err = WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
			left |= a->err < 0;
		}
		/* Late rather than never */
		if (seen[1] >= 0 && (!dismantle || now_ms() > t0 + BOUND_MS / 2 ||
				     count(r, 0, DELLINK, UPPER))) {
			close(seen[1]);
			seen[1] = -1;
		}
		for (i = 0; i < NR_NS; i++)
			left |= !count(r, i, FREED, UPPER + i);
		usleep(1000);
	} while (left && now_ms() < end);
	close(seen[1]);	/* -1: EBADF, harmless */

	for (i = 0; i < r->nr_actors; i++) {
		a = &r->actors[i];
		/* ENODEV: an upper gone with its lower or its netns */
		EXPECT_TRUE(!a->err || (a->act >= DEL_ON_DOWN && a->err == ENODEV))
			TH_LOG("iteration %d: %s in ns%d after %d us: %s", it,
			       act_names[a->act], a->ns, a->delay_us,
			       a->err < 0 ? "has not returned" : strerror(a->err));
	}
	n = count(r, 0, FREED, LOWER);
	EXPECT_EQ(1, n)
		TH_LOG("iteration %d: veth100 freed %u times (0: still referenced)", it, n);
	for (i = 0; i < NR_NS; i++) {
		n = count(r, i, FREED, UPPER + i);
		EXPECT_EQ(1, n)
			TH_LOG("iteration %d: %s%d in ns%d freed %u times", it,
			       kind_of(i, it), UPPER + i, i, n);
	}

	dismantle_all(_metadata, r, NR_NS, it);
	for (i = 0; i < NR_NS; i++)
		hits += count(r, i, DYING, UPPER + i);
	return hits;
}

TEST_F_TIMEOUT(ipvlan, competing_teardowns, 90)
{
	struct race *r = &self->r;
	const char *slow = getenv("KSFT_MACHINE_SLOW");
	__u64 end = now_ms() + BUDGET_MS / (slow && !strcmp(slow, "yes") ? 4 : 1);
	int it = 0, hit = 0;

	srandom(1);
	do {
		hit += !!race_once(_metadata, r, it % 2, it);
		it++;
	} while (!_metadata->exit_code && (it < 2 || now_ms() < end));
	TH_LOG("hit the window in %d of %d iterations", hit, it);
}

/*
 * veth100 in ns0, its peer in ns1, an ipvlan upper in ns2: the peer goes.
 * ns0's work unregisters veth100, queues the upper to ns2's work and waits
 * for veth100's references, one of which the upper's port holds. The
 * works of two netns must not wait for each other. Nothing here takes
 * ns2's RTNL meanwhile: that would run its work and hide a stall.
 */
TEST_F_TIMEOUT(ipvlan, peer_goes_upper_in_third_netns, 60)
{
	struct race *r = &self->r;
	bool stalled;
	int err;

	netns_setup(_metadata, r, 3);
	err = link_add(r->nl[0], LOWER, "veth", 0, r->ns[1]);
	if (err == -EOPNOTSUPP)
		SKIP(return, "kernel without veth");
	ASSERT_EQ(0, err) TH_LOG("veth: %s", strerror(-err));
	err = link_add(r->nl[0], UPPER + 2, "ipvlan", IPVLAN_MODE_L2, r->ns[2]);
	if (err == -EOPNOTSUPP)
		SKIP(return, "kernel without ipvlan");
	ASSERT_EQ(0, err) TH_LOG("ipvlan: %s", strerror(-err));
	bpf_watch(_metadata, r, 3);

	ASSERT_EQ(0, link_del(r->nl[1], LOWER + 1));
	/* The kernel reports a device not freed after 10 s: fail before. */
	stalled = !freed_by(r, 0, LOWER, now_ms() + STALL_MS);
	if (stalled)
		/* Release it: any RTNL request in ns2 runs ns2's work. */
		EXPECT_TRUE(!link_del(r->nl[2], UPPER + 2) &&
			    freed_by(r, 0, LOWER, now_ms() + BOUND_MS))
			TH_LOG("veth100 is not freed, even then");
	EXPECT_FALSE(stalled)
		TH_LOG("veth100 not freed in %d s (netns_stall: %s)", STALL_MS / 1000,
		       "per-netns works wait for each other");
	dismantle_all(_metadata, r, 3, 0);
}

TEST_HARNESS_MAIN
