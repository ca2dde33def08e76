// SPDX-License-Identifier: GPL-2.0
/*
 * Race the teardown of ipvlan/ipvtap uppers when their lower goes away.
 *
 * The lower's NETDEV_UNREGISTER marks each upper "dying" and queues the
 * uppers of other netns for their netns' per-netns work. Until that work
 * runs, the same upper can be deleted another way: RTM_DELLINK in its own
 * netns, or the dismantle of its netns. ->dellink() must then leave it
 * alone (ipvlan_link_delete() checks "dying"), or the upper is unlinked
 * and queued twice: its id freed twice, the port's list corrupted.
 *
 * Each iteration builds a lower (veth0, up) with ipvlan and ipvtap uppers
 * in its netns and in NR_NETNS others, the port's mode changing from one
 * iteration to the next, and releases from one barrier competing actors,
 * each a process of its own pinned to a CPU in turn, each after a delay of
 * its own that changes from one iteration to the next:
 *  - the lower's RTM_DELLINK, or, every other iteration, the dismantle of
 *    the lower's netns;
 *  - RTM_DELLINK of an ipvlan and an ipvtap upper from their netns, sent
 *    as a link monitor would react: when the lower is reported down, which
 *    its unregistration does just before it marks the uppers dying. When
 *    the lower's netns is dismantled instead (a monitor there would hold
 *    it), they are sent when the tracer sees the dismantle delete the
 *    first device there: it holds RTNL from then on until it has marked
 *    the uppers dying;
 *  - RTM_DELLINK of another upper from its netns (and of one in the
 *    lower's netns), after a random delay;
 *  - the dismantle of an upper's netns;
 *  - RTM_NEWLINK of new uppers on the same lower from two other netns.
 * Then, from BPF kprobes: every upper, new ones included, uninitialised
 * once and freed once, before the lower is freed, and the lower freed
 * within a bound; every request answered as a user may expect, none stuck;
 * nothing left in any netns; no kernel splat. The test reports how often
 * an upper's ->dellink() ran while the upper was dying: the window.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <linux/if_link.h>

#include "kselftest_harness.h"
#include "ipvlan_oops_timeline.h"
#include "ipvlan_teardown_checks.h"

#define BPF_OBJ		"ipvlan_tracer.bpf.o"
#define NR_NETNS	6	/* besides the lower's */
#define ITERATIONS	24
/*
 * Stop iterating after this per variant (a quarter of it on machines that
 * say they are slow, KSFT_MACHINE_SLOW=yes: one iteration of each variant
 * on a debug kernel under emulation, where each window is hit; the first
 * iteration of a variant is its own kind of teardown). For soak runs,
 * IPVLAN_RACE_SECONDS=N iterates for N seconds per variant instead, with
 * no bound on the number of iterations.
 */
#define RACE_BUDGET_S	10
#define RACE_TIMEOUT_S	120
/* A dismantle of the lower's netns is seen within this, or is slow */
#define DISMANTLE_WAIT_MS	10000
#define MAX_ACTORS	8
/* ifindex of the first upper created during the race */
#define NEW_IFINDEX	500

static const __u16 modes[] = { IPVLAN_MODE_L2, IPVLAN_MODE_L3, IPVLAN_MODE_L3S };
/* Largest delay of an actor after the barrier, by iteration */
static const int max_delays_us[] = { 0, 300, 2000, 10000 };

enum actor_kind {
	DEL_LOWER,		/* RTM_DELLINK of the lower, in its netns */
	DISMANTLE_LOWER_NETNS,	/* drop the last reference to its netns */
	DEL_UPPER,		/* RTM_DELLINK of an upper, in its netns */
	DEL_UPPER_ON_DOWN,	/* the same once the lower is reported down */
	DEL_UPPER_ON_DISMANTLE,	/* ... once its netns' dismantle deletes one */
	DISMANTLE_UPPER_NETNS,	/* drop the last reference to an upper's netns */
	NEW_UPPER,		/* RTM_NEWLINK of an upper on the lower */
};

static const char * const actor_names[] = {
	[DEL_LOWER] = "RTM_DELLINK veth0",
	[DISMANTLE_LOWER_NETNS] = "dismantle the lower's netns",
	[DEL_UPPER] = "RTM_DELLINK",
	[DEL_UPPER_ON_DOWN] = "RTM_DELLINK on lower down",
	[DEL_UPPER_ON_DISMANTLE] = "RTM_DELLINK on dismantle",
	[DISMANTLE_UPPER_NETNS] = "dismantle netns",
	[NEW_UPPER] = "RTM_NEWLINK",
};

struct actor {
	enum actor_kind kind;
	int ns;			/* netns acted in, or dismantled */
	int upper;		/* DEL_UPPER*: index in topology.uppers */
	enum upper_link how;	/* NEW_UPPER */
	const char *upper_kind;	/* NEW_UPPER */
	char name[IFNAMSIZ];	/* NEW_UPPER */
	int ifindex;		/* NEW_UPPER */
	int delay_us;
	int cpu;
	pid_t pid;
	int err;		/* errno of its request, 0 if none */
	bool done;
};

/* Set up once by main(), before the tests are forked. */
static struct tracer tracer;
static int tracer_err;
static bool tracer_unsupported;
static char tracer_why[256];

/* What a test builds, who races, and where */
struct race {
	struct topology t;
	struct actor actors[MAX_ACTORS];
	int nr_actors;
	int kmsg_fd;
	int nr_cpus;
	int cpus[64];
	__u64 t_start;
	/* Written to, then closed, when the lower's netns is seen going */
	int dismantle_fd;
};

FIXTURE(ipvlan_race)
{
	struct race r;
};

FIXTURE_VARIANT(ipvlan_race)
{
	bool dismantle_lower;	/* every other iteration, from the first */
};

FIXTURE_VARIANT_ADD(ipvlan_race, del_lower)
{
	.dismantle_lower = false,
};

FIXTURE_VARIANT_ADD(ipvlan_race, del_lower_or_netns)
{
	.dismantle_lower = true,
};

FIXTURE_SETUP(ipvlan_race)
{
	struct race *r = &self->r;
	cpu_set_t set;
	int cpu;

	r->kmsg_fd = -1;
	r->dismantle_fd = -1;
	topology_init(&r->t);
	ASSERT_EQ(0, bail_reason[0]) TH_LOG("not run: %s", bail_reason);
	if (tracer_err && tracer_unsupported)
		SKIP(return, "%s", tracer_why);
	ASSERT_EQ(0, tracer_err) TH_LOG("%s", tracer_why);

	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	for (cpu = 0; cpu < CPU_SETSIZE && r->nr_cpus < 64; cpu++)
		if (CPU_ISSET(cpu, &set))
			r->cpus[r->nr_cpus++] = cpu;
	r->kmsg_fd = kmsg_open();
}

/* Their reads of the pipe end when its last writer closes it. */
static void release_dismantle_actors(struct race *r)
{
	if (r->dismantle_fd >= 0)
		close(r->dismantle_fd);
	r->dismantle_fd = -1;
}

FIXTURE_TEARDOWN(ipvlan_race)
{
	struct race *r = &self->r;
	int i;

	for (i = 0; i < r->nr_actors; i++)
		if (r->actors[i].pid > 0 && !r->actors[i].done)
			kill(r->actors[i].pid, SIGKILL);
	release_dismantle_actors(r);
	topology_free(&r->t);
	if (r->kmsg_fd >= 0)
		close(r->kmsg_fd);
}

/*
 * Netns of the uppers built before the race, ipvlan and ipvtap in turn:
 * those of ns1 and ns2 are deleted when the lower goes, that of ns3 after
 * a random delay; ns4 is dismantled, ns5 and ns6 get new uppers.
 */
static const int upper_netns[] = { 0, 1, 2, 3, 4, 5 };

static void build(struct __test_metadata *_metadata,
		  struct race *r, int it)
{
	struct topology *t = &r->t;
	unsigned int inums[MAX_NETNS];
	enum upper_link how;
	const char *kind;
	int i, err;

	ASSERT_EQ(0, topology_netns(t, NR_NETNS)) TH_LOG("netns: %m");
	err = topology_add_lower(t, modes[it % ARRAY_SIZE(modes)]);
	ASSERT_EQ(0, err) TH_LOG("veth: %s", strerror(-err));
	/* Its unregistration then reports it down first */
	err = rtnl_set_up(t->ns[0].nl, t->lowers[0].ifindex);
	ASSERT_EQ(0, err) TH_LOG("veth up: %s", strerror(-err));
	for (i = 0; i < (int)ARRAY_SIZE(upper_netns); i++) {
		kind = (i + it) % 2 ? "ipvtap" : "ipvlan";
		how = (i + it / 2) % 2 ? UPPER_NET_NS_FD : UPPER_LINK_NETNSID;
		err = topology_add_upper(t, 0, kind, upper_netns[i], how);
		ASSERT_EQ(0, err) TH_LOG("%s in netns %d (%s): %s %s", kind,
					 upper_netns[i],
					 how == UPPER_NET_NS_FD ? "IFLA_NET_NS_FD" :
					 "IFLA_LINK_NETNSID",
					 strerror(-err), rtnl_extack());
	}
	err = topology_open_taps(t);
	ASSERT_EQ(0, err) TH_LOG("cannot open the taps: %s", strerror(-err));
	/* The ids of the lower's netns, for RTM_NEWLINK during the race */
	for (i = 1; i < t->nr_ns; i++) {
		err = topology_lower_nsid(t, i);
		ASSERT_LE(0, err) TH_LOG("nsid: %s", strerror(-err));
	}
	for (i = 0; i < t->nr_ns; i++)
		inums[i] = t->ns[i].inum;
	ASSERT_EQ(0, tracer_watch(&tracer, inums, t->nr_ns));
}

static struct actor *add_actor(struct race *r,
			       enum actor_kind kind, int ns)
{
	struct actor *a = &r->actors[r->nr_actors++];

	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->ns = ns;
	a->upper = -1;
	return a;
}

/* The first upper in netns @ns, from index @from on */
static int upper_in(const struct topology *t, int ns, int from)
{
	int i;

	for (i = from; i < t->nr_uppers; i++)
		if (t->uppers[i].ns == ns)
			return i;
	return -1;
}

static int random_delay_us(int max_us)
{
	return max_us ? random() % max_us : 0;
}

/* Who races whom in iteration @it, each after which delay, on which CPU */
static void plan(struct race *r, bool dismantle_lower,
		 int it)
{
	int max_delay = max_delays_us[(it / 2) % ARRAY_SIZE(max_delays_us)];
	struct topology *t = &r->t;
	struct actor *a;
	int i;

	r->nr_actors = 0;
	add_actor(r, dismantle_lower ? DISMANTLE_LOWER_NETNS : DEL_LOWER, 0);
	/*
	 * An ipvlan upper and an ipvtap one, in netns of their own: the first
	 * ->dellink() in a netns unregisters all its queued uppers.
	 */
	for (i = 1; i <= 2; i++) {
		a = add_actor(r, dismantle_lower ? DEL_UPPER_ON_DISMANTLE :
				 DEL_UPPER_ON_DOWN, i);
		a->upper = upper_in(t, i, 0);
	}
	a = add_actor(r, DEL_UPPER, 3);
	a->upper = upper_in(t, 3, 0);
	a->delay_us = random_delay_us(max_delay);
	add_actor(r, DISMANTLE_UPPER_NETNS, 4);
	for (i = 5; i <= 6; i++) {
		a = add_actor(r, NEW_UPPER, i);
		/* A socket in the lower's netns would keep it alive. */
		a->how = i == 5 && !dismantle_lower ? UPPER_NET_NS_FD :
						     UPPER_LINK_NETNSID;
		a->upper_kind = (i + it) % 2 ? "ipvlan" : "ipvtap";
		a->ifindex = NEW_IFINDEX + i;
		snprintf(a->name, sizeof(a->name), "new%d", i);
		a->delay_us = random_delay_us(max_delay);
	}
	if (!dismantle_lower) {
		a = add_actor(r, DEL_UPPER, 0);
		a->upper = upper_in(t, 0, 0);
		a->delay_us = random_delay_us(max_delay);
	}

	for (i = 0; i < r->nr_actors; i++) {
		a = &r->actors[i];
		/* Mostly the lower first */
		if (i == 0 && it % 4 == 3)
			a->delay_us = random_delay_us(max_delay);
		a->cpu = r->cpus[(i + it) % r->nr_cpus];
	}
}

/*
 * Whether the dismantle of the lower's netns has begun to delete its
 * devices (an upper there first): it holds RTNL from then on until it has
 * marked the uppers of other netns dying.
 */
static bool dismantle_seen(const struct race *r)
{
	const struct trace_event *e;
	int i;

	for (i = 0; i < tracer.nr_events; i++) {
		e = &tracer.events[i];
		if (e->probe == PROBE_DELLINK && e->netns == r->t.ns[0].inum)
			return true;
	}
	return false;
}

static int act(struct topology *t, struct actor *a, struct mnl_socket *nl)
{
	struct upper_req req = {
		.kind = a->upper_kind,
		.name = a->name,
		.ifindex = a->ifindex,
		.mode = t->lowers[0].mode,
		.link = t->lowers[0].ifindex,
		.how = a->how,
		.netns_fd = t->ns[a->ns].fd,
		.link_nsid = t->ns[a->ns].lower_nsid,
	};

	switch (a->kind) {
	case DEL_LOWER:
		return rtnl_del_link(nl, t->lowers[0].ifindex);
	case DEL_UPPER:
	case DEL_UPPER_ON_DOWN:
	case DEL_UPPER_ON_DISMANTLE:
		return rtnl_del_link(nl, t->uppers[a->upper].ifindex);
	case NEW_UPPER:
		return rtnl_add_upper(nl, &req);
	default:
		/* Dismantles: closing the last references is the act. */
		netns_close(&t->ns[a->ns]);
		return 0;
	}
}

/* In the actor's process: keep only what it needs, wait, sleep, act. */
static void __noreturn
actor_main(struct topology *t, struct actor *a, int go_fd, int dismantle_fd)
{
	struct mnl_socket *nl = NULL, *monitor = NULL;
	int i, keep = a->ns, fds[6];
	cpu_set_t set;
	char c;

	CPU_ZERO(&set);
	CPU_SET(a->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);

	if (a->kind == DEL_UPPER_ON_DOWN) {
		monitor = netns_link_monitor(&t->ns[0]);
		if (!monitor)
			_exit(EIO);
	}
	/* Requests go through a socket of the actor's own. */
	if (a->kind != DISMANTLE_LOWER_NETNS &&
	    a->kind != DISMANTLE_UPPER_NETNS) {
		nl = netns_socket(&t->ns[a->how == UPPER_NET_NS_FD ? 0 : a->ns]);
		if (!nl)
			_exit(EIO);
		/* Only IFLA_NET_NS_FD needs a netns fd. */
		if (a->kind != NEW_UPPER || a->how != UPPER_NET_NS_FD)
			keep = -1;
	}
	/* Any other reference to a netns would hold off its dismantle. */
	for (i = 0; i < t->nr_ns; i++)
		if (i != keep)
			netns_close(&t->ns[i]);
	fds[0] = go_fd;
	fds[1] = dismantle_fd;
	fds[2] = nl ? mnl_socket_get_fd(nl) : -1;
	fds[3] = monitor ? mnl_socket_get_fd(monitor) : -1;
	fds[4] = keep >= 0 ? t->ns[keep].fd : -1;
	fds[5] = keep >= 0 && t->ns[keep].nl ? mnl_socket_get_fd(t->ns[keep].nl) : -1;
	keep_only_fds(fds, ARRAY_SIZE(fds));
	if (read(go_fd, &c, 1) < 0)
		_exit(EIO);
	if (monitor && rtnl_wait_link_down(monitor, t->lowers[0].ifindex))
		_exit(EIO);
	if (a->kind == DEL_UPPER_ON_DISMANTLE && read(dismantle_fd, &c, 1))
		_exit(EIO);
	if (a->delay_us)
		usleep(a->delay_us);
	_exit(-act(t, a, nl));
}

static bool expected_err(const struct actor *a)
{
	switch (a->kind) {
	case DEL_UPPER:
	case DEL_UPPER_ON_DOWN:
	case DEL_UPPER_ON_DISMANTLE:
		/* Gone already, with its lower or its netns */
		return !a->err || a->err == ENODEV;
	case NEW_UPPER:
		/*
		 * ENODEV: the lower is unlisted already. EINVAL: the lower's
		 * netns is going away, its id resolves to nothing.
		 */
		return !a->err || a->err == ENODEV ||
		       (a->err == EINVAL && a->how == UPPER_LINK_NETNSID);
	default:
		return !a->err;
	}
}

/* The device an actor acts on, other than the lower: "" if none */
static const char *actor_target(const struct race *r, const struct actor *a)
{
	return a->upper >= 0 ? r->t.uppers[a->upper].name : a->name;
}

/* Actor @i of the plan, and what became of it */
static void plan_line(const struct race *r, int i, char *buf, size_t len)
{
	const struct actor *a = &r->actors[i];

	snprintf(buf, len, "%-28s %-6s netns %d  after %5d us on cpu %d: %s",
		 actor_names[a->kind], actor_target(r, a),
		 a->ns, a->delay_us, a->cpu,
		 !a->done ? "did not return" :
		 a->err ? strerror(a->err) : "ok");
}

static void print_plan(const struct race *r)
{
	char line[256];
	int i;

	fprintf(stderr, "# actors (released together from a barrier):\n");
	for (i = 0; i < r->nr_actors; i++) {
		plan_line(r, i, line, sizeof(line));
		fprintf(stderr, "#   %s\n", line);
	}
}

/* The plan, ahead of the kernel's events in the timeline kept for an oops */
static void mark_plan(const struct race *r, int it)
{
	const struct topology *t = &r->t;
	char line[256];
	int i;

	oops_timeline_clear();
	oops_timeline_mark("iteration %d, port mode %u; uppers:", it,
			   t->lowers[0].mode);
	for (i = 0; i < t->nr_uppers; i++)
		oops_timeline_mark("  %s %s netns %d ifindex %d", t->uppers[i].name,
				   t->uppers[i].kind, t->uppers[i].ns,
				   t->uppers[i].ifindex);
	for (i = 0; i < r->nr_actors; i++) {
		plan_line(r, i, line, sizeof(line));
		/* Not done yet: the result part says nothing */
		line[strcspn(line, ":")] = '\0';
		oops_timeline_mark("  actor %s", line);
	}
}

/* ->dellink() calls on dying uppers: the window, by kind of upper */
struct hits {
	int ipvlan;
	int ipvtap;
};

static void count_hits(const struct race *r, struct hits *h)
{
	const struct topology *t = &r->t;
	const struct trace_event *e;
	int i, u;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < tracer.nr_events; i++) {
		e = &tracer.events[i];
		if (e->probe != PROBE_DELLINK || e->dying != 1)
			continue;
		for (u = 0; u < t->nr_uppers; u++)
			if (t->ns[t->uppers[u].ns].inum == e->netns &&
			    t->uppers[u].ifindex == e->ifindex)
				break;
		if (u < t->nr_uppers && !strcmp(t->uppers[u].kind, "ipvtap"))
			h->ipvtap++;
		else
			h->ipvlan++;
	}
}

/* One iteration; @h: how often it hit the window */
static void race_once(struct __test_metadata *_metadata,
		      struct race *r, bool dismantle_lower,
		      int it, struct hits *h)
{
	struct topology *t = &r->t;
	int go[2], dismantle[2], i, status;
	__u64 deadline, t_build, t_freed;
	struct actor *a;
	pid_t ret;

	memset(h, 0, sizeof(*h));
	t_build = now_ns();
	build(_metadata, r, it);
	if (_metadata->exit_code)
		return;
	plan(r, dismantle_lower, it);

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(dismantle));
	for (i = 0; i < r->nr_actors; i++) {
		a = &r->actors[i];
		a->pid = fork();
		ASSERT_LE(0, a->pid);
		if (!a->pid) {
			close(go[1]);
			close(dismantle[1]);
			actor_main(t, a, go[0], dismantle[0]);
		}
	}
	close(dismantle[0]);
	r->dismantle_fd = dismantle[1];
	/* The dismantled netns are the actors' to drop now. */
	for (i = 0; i < r->nr_actors; i++)
		if (r->actors[i].kind == DISMANTLE_LOWER_NETNS ||
		    r->actors[i].kind == DISMANTLE_UPPER_NETNS)
			netns_close(&t->ns[r->actors[i].ns]);
	mark_plan(r, it);
	r->t_start = now_ns();
	close(go[1]);
	close(go[0]);

	deadline = now_ns() + TEARDOWN_BOUND_MS * 1000000ULL;
	for (i = 0; i < r->nr_actors; i++) {
		a = &r->actors[i];
		while ((ret = waitpid(a->pid, &status, WNOHANG)) == 0 &&
		       now_ns() < deadline) {
			tracer_poll(&tracer, 10);
			/* Late rather than never: the actors must finish. */
			if (r->dismantle_fd >= 0 &&
			    (!dismantle_lower || dismantle_seen(r) ||
			     now_ns() > r->t_start + DISMANTLE_WAIT_MS * 1000000ULL))
				release_dismantle_actors(r);
		}
		if (ret != a->pid)
			continue;
		a->done = true;
		a->err = WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
		if (a->kind == NEW_UPPER && !a->err) {
			/* Created before the lower went: it must go with it. */
			struct upper *u = &t->uppers[t->nr_uppers++];

			snprintf(u->name, sizeof(u->name), "%s", a->name);
			u->kind = a->upper_kind;
			u->lower = 0;
			u->ns = a->ns;
			u->ifindex = a->ifindex;
			u->tap_fd = -1;
		}
	}
	release_dismantle_actors(r);
	wait_freed(&tracer, t, r->t_start);
	t_freed = now_ns();
	if (!all_freed(&tracer, t))
		bail("iteration %d of %s left a device the kernel cannot free",
		     it, _metadata->name);

	for (i = 0; i < r->nr_actors; i++) {
		a = &r->actors[i];
		EXPECT_TRUE(a->done) TH_LOG("iteration %d: %s%s%s has not returned within %d ms",
					    it, actor_names[a->kind],
					    *actor_target(r, a) ? " " : "",
					    actor_target(r, a), TEARDOWN_BOUND_MS);
		if (a->done)
			EXPECT_TRUE(expected_err(a))
				TH_LOG("iteration %d: %s%s%s in netns %d: %s",
				       it, actor_names[a->kind],
				       *actor_target(r, a) ? " " : "",
				       actor_target(r, a), a->ns,
				       strerror(a->err));
	}
	check_freed_once(_metadata, &tracer, t);
	check_leftovers(_metadata, t, 0);
	EXPECT_EQ(0, kmsg_splats(r->kmsg_fd));

	count_hits(r, h);
	/* Progress, and where the time of an iteration goes */
	TH_LOG("iteration %d: build %llu ms, teardown %llu ms, checks %llu ms, hits %d+%d",
	       it, (r->t_start - t_build) / 1000000ULL,
	       (t_freed - r->t_start) / 1000000ULL,
	       (now_ns() - t_freed) / 1000000ULL, h->ipvlan, h->ipvtap);
	if (_metadata->exit_code == KSFT_FAIL) {
		TH_LOG("iteration %d failed (port mode %u)", it,
		       t->lowers[0].mode);
		print_plan(r);
		print_timeline(&tracer, t, r->t_start);
	}
	for (i = 0; i < r->nr_actors; i++)
		if (!r->actors[i].done)
			kill(r->actors[i].pid, SIGKILL);
	/* The netns left are empty: the next iteration reuses them. */
	topology_clear(t);
}

static pid_t main_pid;

/* Leave no trace instance behind: at exit (not of a child) ... */
static void stop_at_exit(void)
{
	if (getpid() == main_pid)
		oops_timeline_stop();
}

/* ... and on Ctrl-C or a runner's timeout */
static void stop_on_signal(int sig)
{
	stop_at_exit();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void start_oops_timeline(void)
{
	char why[256];

	main_pid = getpid();
	if (oops_timeline_start(why, sizeof(why))) {
		ksft_print_msg("no timeline if the kernel oopses: %s\n", why);
		return;
	}
	atexit(stop_at_exit);
	signal(SIGINT, stop_on_signal);
	signal(SIGTERM, stop_on_signal);
}

static int soak_seconds(void)
{
	const char *s = getenv("IPVLAN_RACE_SECONDS");

	return s ? atoi(s) : 0;
}

/* Seconds of iterations per variant */
static int budget_seconds(void)
{
	const char *slow = getenv("KSFT_MACHINE_SLOW");
	int soak = soak_seconds();

	if (soak > 0)
		return soak;
	return slow && !strcmp(slow, "yes") ? RACE_BUDGET_S / 4 : RACE_BUDGET_S;
}

TEST_F_TIMEOUT(ipvlan_race, competing_teardowns, RACE_TIMEOUT_S)
{
	int soak = soak_seconds(), max_iters = soak > 0 ? INT_MAX : ITERATIONS;
	__u64 budget = now_ns() + budget_seconds() * 1000000000ULL;
	int it, iters_ipvlan = 0, iters_ipvtap = 0, iters_hit = 0;
	struct hits h;
	bool dismantle;

	srandom(1);
	for (it = 0; it < max_iters && now_ns() < budget;) {
		dismantle = variant->dismantle_lower && !(it % 2);
		race_once(_metadata, &self->r, dismantle, it++, &h);
		iters_ipvlan += !!h.ipvlan;
		iters_ipvtap += !!h.ipvtap;
		iters_hit += h.ipvlan || h.ipvtap;
		if (_metadata->exit_code == KSFT_FAIL)
			break;
	}
	if (tracer.per_netns_work)
		TH_LOG("window hit in %d of %d iterations (ipvlan %d, ipvtap %d)",
		       iters_hit, it, iters_ipvlan, iters_ipvtap);
	else
		TH_LOG("%d iterations; no window: no per-netns work on this kernel",
		       it);
}

int main(int argc, char **argv)
{
	int soak = soak_seconds(), ret;
	struct __fixture_metadata *f;
	struct __test_metadata *test;

	/* A soak run needs a test timeout beyond its duration */
	for (f = __fixture_list; soak > 0 && f; f = f->next)
		for (test = f->tests; test; test = test->next)
			test->timeout = soak + RACE_TIMEOUT_S;

	if (bail_init())
		return KSFT_FAIL;
	/* Tests that will not run need no tracer. */
	if (!bail_reason[0])
		tracer_err = tracer_start(&tracer, BPF_OBJ, tracer_why,
					  sizeof(tracer_why), &tracer_unsupported);
	if (!bail_reason[0] && !tracer_err && tracer.per_netns_work)
		start_oops_timeline();
	/* It exits: the timeline is stopped at exit. */
	ret = test_harness_run(argc, argv);
	tracer_close(&tracer);
	return ret;
}
