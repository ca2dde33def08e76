// SPDX-License-Identifier: GPL-2.0
/*
 * Unregister the lower (veth) of ipvlan/ipvtap uppers spread over several
 * netns, by deleting it or its netns, and trace the teardown with BPF
 * kprobes on ipvlan_uninit() and free_netdev():
 *  - every upper is uninitialised once and freed once;
 *  - the lower is freed after every upper is uninitialised (the ipvlan port
 *    holds a reference on it), and within a bound: a leaked reference fails
 *    the test instead of hanging it;
 *  - with per-netns unregistration (rtnl_net_work_func(), built with
 *    CONFIG_DEBUG_NET_SMALL_RTNL), uppers in other netns are unregistered by
 *    that work and uppers in the lower's netns by the deleting task; without
 *    it, all by the deleting task;
 *  - no device is left behind and the kernel logs no splat.
 * The netns are held by file descriptors only, so they and everything in
 * them go away with the test process, however it ends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "ipvlan_rtnl.h"
#include "ipvlan_teardown_trace.h"

#define MAX_NETNS		33	/* the lower's + 32 */
#define MAX_UPPERS		40
#define MAX_EVENTS		4096
#define MAX_BPF_LINKS		4
/* The lower is freed well before this, or a reference on it is leaked. */
#define TEARDOWN_BOUND_MS	20000
/* The id of the lower's netns in the uppers' netns */
#define LOWER_NSID		1
#define BPF_OBJ			"ipvlan_teardown_trace.bpf.o"

struct test_netns {
	int fd;
	unsigned int inum;
	struct mnl_socket *nl;
};

struct upper {
	char name[IFNAMSIZ];
	int ns;			/* index in ns[]; 0 is the lower's */
	int ifindex;
	int tap_fd;
};

/* What a test builds and what it traced */
struct teardown {
	struct test_netns ns[MAX_NETNS];
	int nr_ns;
	struct upper uppers[MAX_UPPERS];
	int nr_uppers;
	int lower_ifindex;
	bool per_netns_work;	/* the kernel has rtnl_net_work_func() */
	struct bpf_object *obj;
	struct bpf_link *links[MAX_BPF_LINKS];
	int nr_links;
	struct ring_buffer *rb;
	struct trace_event *events;
	int nr_events;
	int not_stored;		/* events beyond MAX_EVENTS */
	int kmsg_fd;
	double attach_ms;
	__u64 t_delete;		/* CLOCK_MONOTONIC, as bpf_ktime_get_ns() */
	pid_t deleter;
	const char *kind;
	__u16 mode;
};

FIXTURE(ipvlan_teardown)
{
	struct teardown t;
};

FIXTURE_VARIANT(ipvlan_teardown)
{
	const char *kind;
	__u16 mode;
	int nr_netns;		/* netns other than the lower's, one upper each */
	int nr_local;		/* uppers in the lower's netns */
};

FIXTURE_VARIANT_ADD(ipvlan_teardown, l2_2ns)
{
	.kind = "ipvlan", .mode = IPVLAN_MODE_L2, .nr_netns = 2, .nr_local = 1,
};

FIXTURE_VARIANT_ADD(ipvlan_teardown, l2_8ns)
{
	.kind = "ipvlan", .mode = IPVLAN_MODE_L2, .nr_netns = 8, .nr_local = 2,
};

FIXTURE_VARIANT_ADD(ipvlan_teardown, l2_32ns)
{
	.kind = "ipvlan", .mode = IPVLAN_MODE_L2, .nr_netns = 32, .nr_local = 4,
};

FIXTURE_VARIANT_ADD(ipvlan_teardown, l3_2ns)
{
	.kind = "ipvlan", .mode = IPVLAN_MODE_L3, .nr_netns = 2, .nr_local = 1,
};

FIXTURE_VARIANT_ADD(ipvlan_teardown, l3_8ns)
{
	.kind = "ipvlan", .mode = IPVLAN_MODE_L3, .nr_netns = 8, .nr_local = 2,
};

FIXTURE_VARIANT_ADD(ipvlan_teardown, l3_32ns)
{
	.kind = "ipvlan", .mode = IPVLAN_MODE_L3, .nr_netns = 32, .nr_local = 4,
};

FIXTURE_VARIANT_ADD(ipvlan_teardown, l3s_2ns)
{
	.kind = "ipvlan", .mode = IPVLAN_MODE_L3S, .nr_netns = 2, .nr_local = 1,
};

FIXTURE_VARIANT_ADD(ipvlan_teardown, l3s_8ns)
{
	.kind = "ipvlan", .mode = IPVLAN_MODE_L3S, .nr_netns = 8, .nr_local = 2,
};

FIXTURE_VARIANT_ADD(ipvlan_teardown, l3s_32ns)
{
	.kind = "ipvlan", .mode = IPVLAN_MODE_L3S, .nr_netns = 32, .nr_local = 4,
};

FIXTURE_VARIANT_ADD(ipvlan_teardown, ipvtap_2ns)
{
	.kind = "ipvtap", .mode = IPVLAN_MODE_L2, .nr_netns = 2, .nr_local = 1,
};

FIXTURE_VARIANT_ADD(ipvlan_teardown, ipvtap_8ns)
{
	.kind = "ipvtap", .mode = IPVLAN_MODE_L2, .nr_netns = 8, .nr_local = 2,
};

FIXTURE_VARIANT_ADD(ipvlan_teardown, ipvtap_32ns)
{
	.kind = "ipvtap", .mode = IPVLAN_MODE_L2, .nr_netns = 32, .nr_local = 4,
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static bool libbpf_quiet;

/* libbpf's warnings as KTAP diagnostics; quiet while probing for symbols */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (level != LIBBPF_WARN || libbpf_quiet)
		return 0;
	fprintf(stderr, "# libbpf: ");
	return vfprintf(stderr, fmt, args);
}

/*
 * A new netns, held by the returned fd only, and a netlink socket in it
 * (a socket works in the netns it was created in); the caller stays where
 * it is.
 */
static int netns_new(struct test_netns *ns)
{
	int orig, err = -1;
	struct stat st;

	orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return -1;
	if (unshare(CLONE_NEWNET))
		goto out;
	ns->fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ns->nl = rtnl_open();
	if (setns(orig, CLONE_NEWNET) || ns->fd < 0 || !ns->nl ||
	    fstat(ns->fd, &st))
		goto out;
	ns->inum = st.st_ino;
	err = 0;
out:
	close(orig);
	return err;
}

static void netns_close(struct test_netns *ns)
{
	if (ns->nl)
		mnl_socket_close(ns->nl);
	ns->nl = NULL;
	if (ns->fd >= 0)
		close(ns->fd);
	ns->fd = -1;
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

static struct upper *upper_by_name(struct teardown *t,
				   const char *name)
{
	int i;

	for (i = 0; i < t->nr_uppers; i++)
		if (!strcmp(t->uppers[i].name, name))
			return &t->uppers[i];
	return NULL;
}

/*
 * Hold a tap fd open on every ipvtap upper. /dev/tapN is named after the
 * ifindex, which repeats across netns, so open each minor through a private
 * node and ask the queue which device it belongs to.
 */
static int open_taps(struct teardown *t)
{
	char dir[] = "/tmp/ipvtap.XXXXXX", path[64];
	int major, minor, fd, found = 0;
	struct upper *upper;
	struct ifreq ifr;

	major = ipvtap_major();
	if (major < 0 || !mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/tap", dir);
	for (minor = 1; minor < 4096 && found < t->nr_uppers; minor++) {
		if (mknod(path, S_IFCHR | 0600, makedev(major, minor)))
			break;
		fd = open(path, O_RDWR | O_CLOEXEC);
		unlink(path);
		if (fd < 0)
			continue;
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
	return found == t->nr_uppers ? 0 : -1;
}

static int add_upper(struct teardown *t, int ns, enum upper_link how)
{
	struct upper *upper = &t->uppers[t->nr_uppers];
	struct upper_req req = {
		.kind = t->kind,
		.name = upper->name,
		.mode = t->mode,
		.link = t->lower_ifindex,
		.how = how,
		.netns_fd = t->ns[ns].fd,
		.link_nsid = LOWER_NSID,
	};
	struct mnl_socket *nl;
	int err;

	snprintf(upper->name, sizeof(upper->name), "ipvl%d", t->nr_uppers);
	upper->ns = ns;
	upper->tap_fd = -1;
	/* IFLA_LINK_NETNSID: asked in the upper's netns; else in the lower's */
	nl = how == UPPER_LINK_NETNSID ? t->ns[ns].nl : t->ns[0].nl;
	err = rtnl_add_upper(nl, &req);
	if (err)
		return err;
	upper->ifindex = rtnl_ifindex(t->ns[ns].nl, upper->name);
	if (upper->ifindex < 0)
		return upper->ifindex;
	t->nr_uppers++;
	return 0;
}

static int attach(struct teardown *t, const char *prog_name,
		  bool optional)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	int err;

	prog = bpf_object__find_program_by_name(t->obj, prog_name);
	if (!prog)
		return -ENOENT;
	libbpf_quiet = optional;
	link = bpf_program__attach(prog);
	err = -errno;
	libbpf_quiet = false;
	if (!link)
		return err;
	t->links[t->nr_links++] = link;
	return 0;
}

static int ring_event(void *ctx, void *data, size_t len)
{
	struct teardown *t = ctx;

	if (len < sizeof(struct trace_event))
		return 0;
	if (t->nr_events >= MAX_EVENTS) {
		t->not_stored++;
		return 0;
	}
	memcpy(&t->events[t->nr_events++], data, sizeof(struct trace_event));
	return 0;
}

/* Load and attach the tracer; returns a SKIP reason, or NULL. */
static const char *tracer_start(struct __test_metadata *_metadata,
				struct teardown *t)
{
	__u64 t0 = now_ns();
	int map_fd, i, err;
	__u8 one = 1;

	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return "kernel without BTF (CONFIG_DEBUG_INFO_BTF)";
	if (access("/sys/bus/event_source/devices/kprobe", F_OK))
		return "kernel without kprobes (CONFIG_KPROBE_EVENTS)";

	t->obj = bpf_object__open_file(BPF_OBJ, NULL);
	EXPECT_NE(NULL, t->obj) TH_LOG("cannot open %s", BPF_OBJ);
	if (!t->obj)
		return NULL;
	err = bpf_object__load(t->obj);
	EXPECT_EQ(0, err) TH_LOG("cannot load %s: %s", BPF_OBJ, strerror(-err));
	if (err)
		return NULL;

	map_fd = bpf_object__find_map_fd_by_name(t->obj, "nets");
	for (i = 0; i < t->nr_ns; i++)
		EXPECT_EQ(0, bpf_map_update_elem(map_fd, &t->ns[i].inum,
						 &one, BPF_ANY));
	map_fd = bpf_object__find_map_fd_by_name(t->obj, "events");
	t->rb = ring_buffer__new(map_fd, ring_event, t, NULL);
	EXPECT_NE(NULL, t->rb);

	/* Without per-netns unregistration, rtnl_net_work_func() is absent. */
	err = attach(t, "trace_work_enter", true);
	t->per_netns_work = !err;
	if (!err)
		err = attach(t, "trace_work_exit", false);
	EXPECT_TRUE(!err || (err == -ENOENT && !t->per_netns_work))
		TH_LOG("kprobe rtnl_net_work_func: %s", strerror(-err));
	/* ipvlan_uninit() is in ipvlan.ko, loaded by the uppers' creation */
	EXPECT_EQ(0, attach(t, "trace_ipvlan_uninit", false));
	EXPECT_EQ(0, attach(t, "trace_free_netdev", false));
	t->attach_ms = (now_ns() - t0) / 1e6;
	return NULL;
}

static void topology(struct __test_metadata *_metadata, struct teardown *t,
		     int nr_netns, int nr_local)
{
	int i, err;

	t->nr_ns = nr_netns + 1;
	for (i = 0; i < t->nr_ns; i++)
		ASSERT_EQ(0, netns_new(&t->ns[i])) TH_LOG("netns: %m");

	err = rtnl_add_veth(t->ns[0].nl, "veth0", "veth1");
	if (err == -EOPNOTSUPP)
		SKIP(return, "kernel without veth");
	ASSERT_EQ(0, err) TH_LOG("veth: %s", strerror(-err));
	t->lower_ifindex = rtnl_ifindex(t->ns[0].nl, "veth0");
	ASSERT_LT(0, t->lower_ifindex);

	for (i = 0; i < nr_local; i++) {
		err = add_upper(t, 0, UPPER_LOCAL);
		if (err == -EOPNOTSUPP)
			SKIP(return, "kernel without %s", t->kind);
		ASSERT_EQ(0, err) TH_LOG("%s: %s", t->kind, strerror(-err));
	}
	/* Both ways to put an upper in another netns, alternately */
	for (i = 1; i < t->nr_ns; i++) {
		enum upper_link how = i % 2 ? UPPER_NET_NS_FD : UPPER_LINK_NETNSID;

		if (how == UPPER_LINK_NETNSID) {
			err = rtnl_set_nsid(t->ns[i].nl, t->ns[0].fd,
					    LOWER_NSID);
			ASSERT_EQ(0, err) TH_LOG("nsid: %s", strerror(-err));
		}
		err = add_upper(t, i, how);
		ASSERT_EQ(0, err) TH_LOG("%s in netns %d (%s): %s",
					 t->kind, i,
					 how == UPPER_NET_NS_FD ?
					 "IFLA_NET_NS_FD" : "IFLA_LINK_NETNSID",
					 strerror(-err));
	}
	if (!strcmp(t->kind, "ipvtap"))
		ASSERT_EQ(0, open_taps(t)) TH_LOG("cannot open the taps");
}

FIXTURE_SETUP(ipvlan_teardown)
{
	struct teardown *t = &self->t;
	const char *skip;
	int i;

	for (i = 0; i < MAX_NETNS; i++)
		t->ns[i].fd = -1;
	t->kmsg_fd = -1;
	t->kind = variant->kind;
	t->mode = variant->mode;
	if (geteuid())
		SKIP(return, "needs root");
	libbpf_set_print(libbpf_print);

	t->events = calloc(MAX_EVENTS, sizeof(*t->events));
	ASSERT_NE(NULL, t->events);
	/* Splats are looked for from here on */
	t->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (t->kmsg_fd >= 0)
		lseek(t->kmsg_fd, 0, SEEK_END);

	topology(_metadata, t, variant->nr_netns, variant->nr_local);
	if (_metadata->exit_code)
		return;
	skip = tracer_start(_metadata, t);
	if (skip)
		SKIP(return, "%s", skip);
}

FIXTURE_TEARDOWN(ipvlan_teardown)
{
	struct teardown *t = &self->t;
	int i;

	for (i = 0; i < t->nr_uppers; i++)
		if (t->uppers[i].tap_fd >= 0)
			close(t->uppers[i].tap_fd);
	ring_buffer__free(t->rb);
	for (i = 0; i < t->nr_links; i++)
		bpf_link__destroy(t->links[i]);
	bpf_object__close(t->obj);
	for (i = 0; i < t->nr_ns; i++)
		netns_close(&t->ns[i]);
	if (t->kmsg_fd >= 0)
		close(t->kmsg_fd);
	free(t->events);
}

static const struct trace_event *
find_event(struct teardown *t, enum trace_probe probe,
	   int ns, int ifindex, int *count)
{
	const struct trace_event *first = NULL, *e;
	int i;

	*count = 0;
	for (i = 0; i < t->nr_events; i++) {
		e = &t->events[i];
		if (e->probe != probe || e->netns != t->ns[ns].inum ||
		    e->ifindex != ifindex)
			continue;
		if (!first)
			first = e;
		(*count)++;
	}
	return first;
}

static bool teardown_done(struct teardown *t)
{
	int i, n;

	find_event(t, PROBE_FREE_NETDEV, 0, t->lower_ifindex, &n);
	if (!n)
		return false;
	for (i = 0; i < t->nr_uppers; i++) {
		find_event(t, PROBE_FREE_NETDEV, t->uppers[i].ns,
			   t->uppers[i].ifindex, &n);
		if (!n)
			return false;
	}
	return true;
}

/* Poll the ring buffer until everything is freed or the bound passes. */
static void wait_teardown(struct teardown *t)
{
	__u64 deadline = t->t_delete + TEARDOWN_BOUND_MS * 1000000ULL;

	while (!teardown_done(t) && now_ns() < deadline)
		ring_buffer__poll(t->rb, 100);
	ring_buffer__consume(t->rb);
}

static int cmp_ts(const void *a, const void *b)
{
	const struct trace_event *x = a, *y = b;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

static const char * const probe_names[] = {
	[PROBE_IPVLAN_UNINIT] = "ipvlan_uninit",
	[PROBE_FREE_NETDEV] = "free_netdev",
};

static void print_timeline(struct teardown *t)
{
	const struct trace_event *e;
	int i, ns;

	fprintf(stderr, "# timeline (ms after the delete request; deleting task pid %d):\n",
		t->deleter);
	for (i = 0; i < t->nr_events; i++) {
		e = &t->events[i];
		for (ns = 0; ns < t->nr_ns; ns++)
			if (t->ns[ns].inum == e->netns)
				break;
		fprintf(stderr, "#  %+9.3f %-13s %-8s netns %-2d ifindex %-3d %-16s pid %u%s\n",
			((double)e->ts_ns - (double)t->t_delete) / 1e6,
			probe_names[e->probe], e->name, ns, e->ifindex,
			e->comm, e->pid, e->in_work ? " in per-netns work" : "");
	}
}

/* kmsg records since the setup that look like a kernel splat */
static int count_splats(struct teardown *t)
{
	static const char * const splat[] = {
		"WARNING:", "BUG:", "Oops", "general protection fault",
		"possible circular locking dependency", "possible recursive locking",
		"inconsistent lock state", "suspicious RCU usage",
		"sleeping function called from invalid context",
		"unregister_netdevice: waiting for", "refcount_t:", "UBSAN:",
		"list_add corruption", "list_del corruption", "INFO: task",
	};
	char rec[2048], *msg;
	ssize_t len;
	int n = 0;
	size_t i;

	if (t->kmsg_fd < 0)
		return 0;
	for (;;) {
		len = read(t->kmsg_fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)	/* overwritten: go on */
			continue;
		if (len <= 0)
			break;
		rec[len] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		for (i = 0; i < ARRAY_SIZE(splat); i++) {
			if (!strstr(msg, splat[i]))
				continue;
			fprintf(stderr, "# kernel: %s", msg);
			n++;
			break;
		}
	}
	return n;
}

static void check_teardown(struct __test_metadata *_metadata,
			   struct teardown *t, bool del_netns)
{
	const struct trace_event *lower_free, *uninit;
	struct upper *upper;
	char left[512];
	__u64 stat = 0;
	__u32 key = STAT_DROPPED;
	bool in_work;
	int i, n;

	qsort(t->events, t->nr_events, sizeof(*t->events), cmp_ts);
	bpf_map_lookup_elem(bpf_object__find_map_fd_by_name(t->obj, "stats"),
			    &key, &stat);
	stat += t->not_stored;
	EXPECT_EQ(0, stat) TH_LOG("%llu events lost", (unsigned long long)stat);

	lower_free = find_event(t, PROBE_FREE_NETDEV, 0, t->lower_ifindex, &n);
	EXPECT_EQ(1, n) TH_LOG("veth0: %d free_netdev calls within %d ms%s", n,
			       TEARDOWN_BOUND_MS,
			       n ? "" : ": a reference on it is held");

	for (i = 0; i < t->nr_uppers; i++) {
		upper = &t->uppers[i];
		in_work = t->per_netns_work && upper->ns;

		uninit = find_event(t, PROBE_IPVLAN_UNINIT, upper->ns,
				    upper->ifindex, &n);
		EXPECT_EQ(1, n) TH_LOG("%s (netns %d): %d ipvlan_uninit calls",
				       upper->name, upper->ns, n);
		find_event(t, PROBE_FREE_NETDEV, upper->ns, upper->ifindex,
			   &n);
		EXPECT_EQ(1, n) TH_LOG("%s (netns %d): %d free_netdev calls",
				       upper->name, upper->ns, n);
		if (!uninit)
			continue;
		if (lower_free)
			EXPECT_LT(uninit->ts_ns, lower_free->ts_ns)
				TH_LOG("veth0 freed before %s was uninitialised",
				       upper->name);
		EXPECT_EQ(in_work, uninit->in_work)
			TH_LOG("%s (netns %d) uninitialised %s per-netns work",
			       upper->name, upper->ns,
			       uninit->in_work ? "in" : "outside");
		/* The netns is dismantled by a kworker, not by us. */
		if (!in_work && !del_netns)
			EXPECT_EQ(t->deleter, uninit->pid)
				TH_LOG("%s uninitialised by %s (pid %u), not by the deleting task",
				       upper->name, uninit->comm, uninit->pid);
	}

	for (i = del_netns ? 1 : 0; i < t->nr_ns; i++) {
		EXPECT_EQ(0, rtnl_other_links(t->ns[i].nl, left, sizeof(left)));
		EXPECT_STREQ("", left) TH_LOG("left in netns %d: %s", i, left);
	}
	EXPECT_EQ(0, count_splats(t));

	if (lower_free)
		snprintf(left, sizeof(left), "veth0 freed %.1f ms after the request",
			 (lower_free->ts_ns - t->t_delete) / 1e6);
	else
		snprintf(left, sizeof(left), "veth0 not freed");
	TH_LOG("checked the %s path; tracer attach %.1f ms; %s",
	       t->per_netns_work ? "per-netns work (rtnl_net_work_func)" :
	       "synchronous (no rtnl_net_work_func)", t->attach_ms, left);
	if (_metadata->exit_code == KSFT_FAIL)
		print_timeline(t);
}

/* Delete the lower from a child: RTM_DELLINK blocks while it is referenced. */
static void delete_lower(struct __test_metadata *_metadata,
			 struct teardown *t)
{
	__u64 deadline;
	int status, err;
	pid_t ret = 0;

	t->t_delete = now_ns();
	t->deleter = fork();
	ASSERT_LE(0, t->deleter);
	if (!t->deleter)
		_exit(-rtnl_del_link(t->ns[0].nl, t->lower_ifindex));

	wait_teardown(t);
	deadline = now_ns() + 1000000000ULL;
	while (now_ns() < deadline) {
		ret = waitpid(t->deleter, &status, WNOHANG);
		if (ret)
			break;
		usleep(10000);
	}
	if (ret != t->deleter) {
		/* Stuck in the kernel: leave it, do not hang with it. */
		kill(t->deleter, SIGKILL);
		EXPECT_EQ(t->deleter, ret) TH_LOG("RTM_DELLINK has not returned");
		return;
	}
	err = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	EXPECT_EQ(0, err) TH_LOG("RTM_DELLINK veth0: %s", strerror(err));
}

TEST_F_TIMEOUT(ipvlan_teardown, del_lower, 180)
{
	delete_lower(_metadata, &self->t);
	check_teardown(_metadata, &self->t, false);
}

TEST_F_TIMEOUT(ipvlan_teardown, del_lower_netns, 180)
{
	struct teardown *t = &self->t;

	/* Our fd and socket are the netns' last references. */
	t->t_delete = now_ns();
	netns_close(&t->ns[0]);
	wait_teardown(t);
	check_teardown(_metadata, t, true);
}

TEST_HARNESS_MAIN
