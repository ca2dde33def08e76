// SPDX-License-Identifier: GPL-2.0
/*
 * Unregister the lowers (veth) of ipvlan and ipvtap uppers spread over
 * several netns, by deleting them or their netns, and trace the teardown
 * with BPF kprobes on ipvlan_uninit() and free_netdev():
 *  - every upper is uninitialised once and freed once;
 *  - a lower is freed after each of its uppers is uninitialised (the
 *    ipvlan port holds a reference on it), and within a bound: a leaked
 *    reference fails the test instead of hanging it;
 *  - with per-netns unregistration (rtnl_net_work_func(), built with
 *    CONFIG_DEBUG_NET_SMALL_RTNL), uppers in other netns are unregistered
 *    by that work and uppers in the lowers' netns by the deleting task;
 *    without it, all by the deleting task;
 *  - no device is left behind and the kernel logs no splat.
 * The lowers' netns holds three lowers, one per ipvlan mode (the mode is
 * the port's), each with ipvlan and ipvtap uppers there and in every other
 * netns, created alternately with IFLA_NET_NS_FD and IFLA_LINK_NETNSID.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <linux/if_link.h>

#include "kselftest_harness.h"
#include "ipvlan_teardown_checks.h"

#define BPF_OBJ		"ipvlan_tracer.bpf.o"
#define NR_NETNS	6	/* besides the lowers' */
#define NR_LOCAL	2	/* uppers of each lower in the lowers' netns */

static const __u16 modes[] = { IPVLAN_MODE_L2, IPVLAN_MODE_L3, IPVLAN_MODE_L3S };

/* Set up once by main(), before the tests are forked. */
static struct tracer tracer;
static int tracer_err;		/* the tracer cannot run: -errno */
static bool tracer_unsupported;	/* ... because the kernel lacks a feature */
static char tracer_why[256];

/* What a test builds and when its teardown began */
struct teardown {
	struct topology t;
	int kmsg_fd;
	__u64 t_start;
	pid_t deleters[MAX_LOWERS];
};

FIXTURE(ipvlan_teardown)
{
	struct teardown td;
};

FIXTURE_SETUP(ipvlan_teardown)
{
	struct teardown *td = &self->td;
	struct topology *t = &td->t;
	unsigned int inums[MAX_NETNS];
	const char *kind;
	int i, l, err;

	topology_init(t);
	td->kmsg_fd = -1;
	ASSERT_EQ(0, bail_reason[0]) TH_LOG("not run: %s", bail_reason);
	if (tracer_err && tracer_unsupported)
		SKIP(return, "%s", tracer_why);
	ASSERT_EQ(0, tracer_err) TH_LOG("%s", tracer_why);

	/* Splats are looked for from here on */
	td->kmsg_fd = kmsg_open();
	ASSERT_EQ(0, topology_netns(t, NR_NETNS)) TH_LOG("netns: %m");
	for (l = 0; l < (int)ARRAY_SIZE(modes); l++) {
		err = topology_add_lower(t, modes[l]);
		ASSERT_EQ(0, err) TH_LOG("veth: %s %s", strerror(-err),
					 rtnl_extack());
		for (i = 0; i < NR_LOCAL; i++) {
			kind = i % 2 ? "ipvtap" : "ipvlan";
			err = topology_add_upper(t, l, kind, 0, UPPER_LOCAL);
			ASSERT_EQ(0, err) TH_LOG("%s: %s %s", kind,
						 strerror(-err), rtnl_extack());
		}
		for (i = 1; i < t->nr_ns; i++) {
			enum upper_link how = i % 2 ? UPPER_NET_NS_FD :
						      UPPER_LINK_NETNSID;

			kind = (i + l) % 2 ? "ipvtap" : "ipvlan";
			err = topology_add_upper(t, l, kind, i, how);
			ASSERT_EQ(0, err) TH_LOG("%s in netns %d (%s): %s %s", kind, i,
						 how == UPPER_NET_NS_FD ?
						 "IFLA_NET_NS_FD" : "IFLA_LINK_NETNSID",
						 strerror(-err), rtnl_extack());
		}
	}
	err = topology_open_taps(t);
	ASSERT_EQ(0, err) TH_LOG("cannot open the taps: %s", strerror(-err));

	for (i = 0; i < t->nr_ns; i++)
		inums[i] = t->ns[i].inum;
	ASSERT_EQ(0, tracer_watch(&tracer, inums, t->nr_ns));
}

FIXTURE_TEARDOWN(ipvlan_teardown)
{
	topology_free(&self->td.t);
	if (self->td.kmsg_fd >= 0)
		close(self->td.kmsg_fd);
}

/*
 * Where each upper must have been uninitialised: in per-netns work if it
 * is in another netns than its lower and the kernel has that work;
 * otherwise by its lower's deleting task, when that is known.
 */
static void check_contexts(struct __test_metadata *_metadata,
			   const struct topology *t, const pid_t *deleters)
{
	const struct trace_event *uninit;
	const struct upper *upper;
	bool in_work;
	int i, n;

	for (i = 0; i < t->nr_uppers; i++) {
		upper = &t->uppers[i];
		in_work = tracer.per_netns_work && upper->ns;
		uninit = tracer_find(&tracer, PROBE_IPVLAN_UNINIT,
				     t->ns[upper->ns].inum, upper->ifindex, &n);
		if (!uninit)
			continue;
		EXPECT_EQ(in_work, uninit->in_work)
			TH_LOG("%s (netns %d) uninitialised %s per-netns work",
			       upper->name, upper->ns,
			       uninit->in_work ? "in" : "outside");
		if (!in_work && deleters)
			EXPECT_EQ(deleters[upper->lower], uninit->pid)
				TH_LOG("%s uninitialised by %s (pid %u), not by %s's deleter",
				       upper->name, uninit->comm, uninit->pid,
				       t->lowers[upper->lower].name);
	}
}

static void check_teardown(struct __test_metadata *_metadata,
			   struct teardown *td, const pid_t *deleters)
{
	struct topology *t = &td->t;
	const struct trace_event *e;
	char lat[256] = "";
	size_t used;
	int i, n;

	wait_freed(&tracer, t, td->t_start);
	check_freed_once(_metadata, &tracer, t);
	check_contexts(_metadata, t, deleters);
	check_leftovers(_metadata, t, 0);
	EXPECT_EQ(0, kmsg_splats(td->kmsg_fd));

	for (i = 0; i < t->nr_lowers; i++) {
		e = tracer_find(&tracer, PROBE_FREE_NETDEV, t->ns[0].inum,
				t->lowers[i].ifindex, &n);
		used = strlen(lat);
		if (e)
			snprintf(lat + used, sizeof(lat) - used, " %s %.1f ms",
				 t->lowers[i].name,
				 (e->ts_ns - td->t_start) / 1e6);
		else
			snprintf(lat + used, sizeof(lat) - used,
				 " %s not freed", t->lowers[i].name);
	}
	TH_LOG("checked the %s path, %d uppers; freed after the request:%s",
	       tracer.per_netns_work ? "per-netns work (rtnl_net_work_func)" :
	       "synchronous (no rtnl_net_work_func)", t->nr_uppers, lat);
	if (!all_freed(&tracer, t))
		bail("%s left a device the kernel cannot free", _metadata->name);
	if (_metadata->exit_code == KSFT_FAIL)
		print_timeline(&tracer, t, td->t_start);
}

/* Each lower is deleted by a child of its own; the children start together. */
TEST_F_TIMEOUT(ipvlan_teardown, del_lower, 120)
{
	struct teardown *td = &self->td;
	struct topology *t = &td->t;
	int go[2], status, err, i;
	__u64 deadline;
	pid_t ret;
	char c;

	ASSERT_EQ(0, pipe(go));
	for (i = 0; i < t->nr_lowers; i++) {
		td->deleters[i] = fork();
		ASSERT_LE(0, td->deleters[i]);
		if (!td->deleters[i]) {
			struct mnl_socket *nl;
			int keep[2];

			close(go[1]);
			nl = netns_socket(&t->ns[0]);
			if (!nl)
				_exit(EIO);
			keep[0] = go[0];
			keep[1] = mnl_socket_get_fd(nl);
			keep_only_fds(keep, ARRAY_SIZE(keep));
			if (read(go[0], &c, 1) < 0)
				_exit(EIO);
			/* RTM_DELLINK blocks while the lower is referenced */
			_exit(-rtnl_del_link(nl, t->lowers[i].ifindex));
		}
	}
	td->t_start = now_ns();
	close(go[1]);
	close(go[0]);
	check_teardown(_metadata, td, td->deleters);

	/* Freed lowers: each deleter is past the wait and only reports back. */
	deadline = now_ns() + 10000000000ULL;
	for (i = 0; i < t->nr_lowers; i++) {
		while ((ret = waitpid(td->deleters[i], &status, WNOHANG)) == 0 &&
		       now_ns() < deadline)
			usleep(10000);
		if (ret != td->deleters[i]) {
			/* Stuck in the kernel: leave it, do not hang with it. */
			kill(td->deleters[i], SIGKILL);
			EXPECT_EQ(td->deleters[i], ret)
				TH_LOG("RTM_DELLINK %s has not returned",
				       t->lowers[i].name);
			continue;
		}
		err = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		EXPECT_EQ(0, err) TH_LOG("RTM_DELLINK %s: %s",
					 t->lowers[i].name, strerror(err));
	}
}

/* Our fd and socket are the last references to the lowers' netns. */
TEST_F_TIMEOUT(ipvlan_teardown, del_lower_netns, 120)
{
	self->td.t_start = now_ns();
	netns_close(&self->td.t.ns[0]);
	check_teardown(_metadata, &self->td, NULL);
}

int main(int argc, char **argv)
{
	int ret;

	if (bail_init())
		return KSFT_FAIL;
	/* Tests that will not run need no tracer. */
	if (!bail_reason[0])
		tracer_err = tracer_start(&tracer, BPF_OBJ, tracer_why,
					  sizeof(tracer_why), &tracer_unsupported);
	if (!bail_reason[0] && !tracer_err)
		ksft_print_msg("tracer attached in %.1f ms; the kernel has %s\n",
			       tracer.attach_ms, tracer.per_netns_work ?
			       "per-netns unregistration" :
			       "no per-netns unregistration");
	ret = test_harness_run(argc, argv);
	tracer_close(&tracer);
	return ret;
}
