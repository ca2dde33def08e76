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
 * Each iteration builds a lower (veth0) with ipvlan and ipvtap uppers in
 * its netns and in NR_NETNS others, the port's mode changing from one
 * iteration to the next, and releases from one barrier competing actors,
 * each a process of its own pinned to a CPU in turn, each after a delay of
 * its own that changes from one iteration to the next:
 *  - the lower's RTM_DELLINK, or, every other iteration, the dismantle of
 *    the lower's netns;
 *  - RTM_DELLINK of uppers from their own netns (and of an upper in the
 *    lower's netns);
 *  - the dismantle of two uppers' netns;
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
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/if_link.h>

#include "kselftest_harness.h"
#include "ipvlan_teardown_checks.h"

#define BPF_OBJ		"ipvlan_tracer.bpf.o"
#define NR_NETNS	6	/* besides the lower's */
#define ITERATIONS	24
/*
 * Stop iterating after this per variant, on slow machines. For soak runs,
 * IPVLAN_RACE_SECONDS=N iterates for N seconds per variant instead, with
 * no bound on the number of iterations.
 */
#define RACE_BUDGET_S	15
#define RACE_TIMEOUT_S	120
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
	DISMANTLE_UPPER_NETNS,	/* drop the last reference to an upper's netns */
	NEW_UPPER,		/* RTM_NEWLINK of an upper on the lower */
};

static const char * const actor_names[] = {
	[DEL_LOWER] = "RTM_DELLINK veth0",
	[DISMANTLE_LOWER_NETNS] = "dismantle the lower's netns",
	[DEL_UPPER] = "RTM_DELLINK",
	[DISMANTLE_UPPER_NETNS] = "dismantle netns",
	[NEW_UPPER] = "RTM_NEWLINK",
};

struct actor {
	enum actor_kind kind;
	int ns;			/* netns acted in, or dismantled */
	int upper;		/* DEL_UPPER: index in topology.uppers */
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
};

FIXTURE(ipvlan_race)
{
	struct race r;
};

FIXTURE_VARIANT(ipvlan_race)
{
	bool dismantle_lower;	/* every other iteration */
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
	topology_init(&r->t);
	if (tracer_err && tracer_unsupported)
		SKIP(return, "%s", tracer_why);
	ASSERT_EQ(0, tracer_err) TH_LOG("%s", tracer_why);

	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	for (cpu = 0; cpu < CPU_SETSIZE && r->nr_cpus < 64; cpu++)
		if (CPU_ISSET(cpu, &set))
			r->cpus[r->nr_cpus++] = cpu;
	r->kmsg_fd = kmsg_open();
}

FIXTURE_TEARDOWN(ipvlan_race)
{
	struct race *r = &self->r;
	int i;

	for (i = 0; i < r->nr_actors; i++)
		if (r->actors[i].pid > 0 && !r->actors[i].done)
			kill(r->actors[i].pid, SIGKILL);
	topology_free(&r->t);
	if (r->kmsg_fd >= 0)
		close(r->kmsg_fd);
}

/* Netns of the uppers built before the race: two in 0, 1 and 2 */
static const int upper_netns[] = { 0, 0, 1, 1, 2, 2, 3, 4, 5, 6 };

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
	a = add_actor(r, DEL_UPPER, 1);
	a->upper = upper_in(t, 1, 0);
	a = add_actor(r, DEL_UPPER, 2);
	a->upper = upper_in(t, 2, upper_in(t, 2, 0) + 1);
	add_actor(r, DISMANTLE_UPPER_NETNS, 3);
	add_actor(r, DISMANTLE_UPPER_NETNS, 4);
	for (i = 5; i <= 6; i++) {
		a = add_actor(r, NEW_UPPER, i);
		/* A socket in the lower's netns would keep it alive. */
		a->how = i == 6 && !dismantle_lower ? UPPER_NET_NS_FD :
						     UPPER_LINK_NETNSID;
		a->upper_kind = (i + it) % 2 ? "ipvlan" : "ipvtap";
		a->ifindex = NEW_IFINDEX + i;
		snprintf(a->name, sizeof(a->name), "new%d", i);
	}
	if (!dismantle_lower) {
		a = add_actor(r, DEL_UPPER, 0);
		a->upper = upper_in(t, 0, 0);
	}

	/* Mostly the lower first, then the others within max_delay */
	for (i = 0; i < r->nr_actors; i++) {
		a = &r->actors[i];
		a->delay_us = max_delay ? random() % max_delay : 0;
		if (i == 0 && it % 4 != 3)
			a->delay_us = 0;
		a->cpu = r->cpus[(i + it) % r->nr_cpus];
	}
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
actor_main(struct topology *t, struct actor *a, int go_fd)
{
	struct mnl_socket *nl = NULL;
	int i, keep = a->ns;
	cpu_set_t set;
	char c;

	CPU_ZERO(&set);
	CPU_SET(a->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);

	/* Requests go through a socket of the actor's own. */
	if (a->kind == DEL_LOWER || a->kind == DEL_UPPER ||
	    a->kind == NEW_UPPER) {
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
	if (read(go_fd, &c, 1) < 0)
		_exit(EIO);
	if (a->delay_us)
		usleep(a->delay_us);
	_exit(-act(t, a, nl));
}

static bool expected_err(const struct actor *a)
{
	switch (a->kind) {
	case DEL_UPPER:
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

static void print_plan(struct race *r)
{
	const struct topology *t = &r->t;
	const struct actor *a;
	int i;

	fprintf(stderr, "# actors (released together from a barrier):\n");
	for (i = 0; i < r->nr_actors; i++) {
		a = &r->actors[i];
		fprintf(stderr, "#   %-28s %-6s netns %d  after %5d us on cpu %d: %s\n",
			actor_names[a->kind],
			a->kind == DEL_UPPER ? t->uppers[a->upper].name :
			a->kind == NEW_UPPER ? a->name : "",
			a->ns, a->delay_us, a->cpu,
			!a->done ? "did not return" :
			a->err ? strerror(a->err) : "ok");
	}
}

/* One iteration; returns the number of ->dellink() calls on dying uppers. */
static int race_once(struct __test_metadata *_metadata,
		     struct race *r, bool dismantle_lower,
		     int it)
{
	struct topology *t = &r->t;
	int go[2], i, n, status, hits = 0;
	__u64 deadline, t_build, t_freed;
	struct actor *a;
	pid_t ret;

	t_build = now_ns();
	build(_metadata, r, it);
	if (_metadata->exit_code)
		return 0;
	plan(r, dismantle_lower, it);

	ASSERT_EQ(0, pipe(go));
	for (i = 0; i < r->nr_actors; i++) {
		a = &r->actors[i];
		a->pid = fork();
		ASSERT_LE(0, a->pid);
		if (!a->pid) {
			close(go[1]);
			actor_main(t, a, go[0]);
		}
	}
	/* The dismantled netns are the actors' to drop now. */
	for (i = 0; i < r->nr_actors; i++)
		if (r->actors[i].kind == DISMANTLE_LOWER_NETNS ||
		    r->actors[i].kind == DISMANTLE_UPPER_NETNS)
			netns_close(&t->ns[r->actors[i].ns]);
	r->t_start = now_ns();
	close(go[1]);
	close(go[0]);

	deadline = now_ns() + TEARDOWN_BOUND_MS * 1000000ULL;
	for (i = 0; i < r->nr_actors; i++) {
		a = &r->actors[i];
		while ((ret = waitpid(a->pid, &status, WNOHANG)) == 0 &&
		       now_ns() < deadline)
			tracer_poll(&tracer, 10);
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
	wait_freed(&tracer, t, r->t_start);
	t_freed = now_ns();

	for (i = 0; i < r->nr_actors; i++) {
		a = &r->actors[i];
		EXPECT_TRUE(a->done) TH_LOG("iteration %d: %s %s has not returned within %d ms",
					    it, actor_names[a->kind],
					    a->kind == DEL_UPPER ?
					    t->uppers[a->upper].name : a->name,
					    TEARDOWN_BOUND_MS);
		if (a->done)
			EXPECT_TRUE(expected_err(a))
				TH_LOG("iteration %d: %s in netns %d: %s",
				       it, actor_names[a->kind], a->ns,
				       strerror(a->err));
	}
	check_freed_once(_metadata, &tracer, t);
	check_leftovers(_metadata, t, 0);
	EXPECT_EQ(0, kmsg_splats(r->kmsg_fd));

	for (n = 0; n < tracer.nr_events; n++)
		if (tracer.events[n].probe == PROBE_DELLINK &&
		    tracer.events[n].dying == 1)
			hits++;
	/* Progress, and where the time of an iteration goes */
	TH_LOG("iteration %d: build %llu ms, teardown %llu ms, checks %llu ms, window hit %d",
	       it, (r->t_start - t_build) / 1000000ULL,
	       (t_freed - r->t_start) / 1000000ULL,
	       (now_ns() - t_freed) / 1000000ULL, hits);
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
	return hits;
}

static int soak_seconds(void)
{
	const char *s = getenv("IPVLAN_RACE_SECONDS");

	return s ? atoi(s) : 0;
}

TEST_F_TIMEOUT(ipvlan_race, competing_teardowns, RACE_TIMEOUT_S)
{
	int soak = soak_seconds(), max_iters = soak > 0 ? INT_MAX : ITERATIONS;
	__u64 budget = now_ns() + (soak > 0 ? soak : RACE_BUDGET_S) * 1000000000ULL;
	int it, hits, iters_hit = 0, total_hits = 0;
	bool dismantle;

	srandom(1);
	for (it = 0; it < max_iters && now_ns() < budget; it++) {
		dismantle = variant->dismantle_lower && it % 2;
		hits = race_once(_metadata, &self->r, dismantle, it);
		if (_metadata->exit_code == KSFT_FAIL)
			break;
		total_hits += hits;
		iters_hit += !!hits;
	}
	if (tracer.per_netns_work)
		TH_LOG("%d iterations; window (->dellink() of a dying upper) hit in %d, %d times",
		       it, iters_hit, total_hits);
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

	tracer_err = tracer_start(&tracer, BPF_OBJ, tracer_why,
				  sizeof(tracer_why), &tracer_unsupported);
	ret = test_harness_run(argc, argv);
	tracer_close(&tracer);
	return ret;
}
