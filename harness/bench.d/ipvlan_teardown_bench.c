// SPDX-License-Identifier: GPL-2.0
/*
 * How ipvlan teardown scales: N uppers (ipvlan and ipvtap, taps open)
 * spread over M netns, on one veth lower; the lower is deleted (or its
 * netns dismantled) and the BPF tracer times, from the request:
 *   - the lower's free_netdev(),
 *   - the last upper's free_netdev(),
 * counts the netns whose uppers were uninitialised in per-netns work
 * (rtnl_net_work_func) and the worker threads that did it, and measures
 * how long RTM_NEWLINK requests in an unrelated netns take meanwhile
 * (and before, for a baseline).
 *
 * usage: ipvlan_teardown_bench -n N -m M [-d] [-r REPS] | -H
 *   -d  dismantle the lower's netns instead of deleting the lower
 *   -H  print the CSV header and exit
 * One CSV line per repetition on stdout; progress on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>

#include "ipvlan_tracer.h"

#define BPF_OBJ		"ipvlan_tracer.bpf.o"
#define FREE_TIMEOUT_MS	300000
#define MAX_SAMPLES	100000
#define LOOPBACK_IFINDEX	1
#define CSV_HEADER	"kernel,teardown,uppers,netns,rep,build_ms,request_ms,lower_free_ms,last_upper_free_ms,work_netns,work_threads,uppers_in_work,newlink_before_n,newlink_before_p50_ms,newlink_during_n,newlink_during_p50_ms,newlink_during_max_ms,lost"

struct collateral {
	struct test_netns ns;
	pthread_t thread;
	bool stop;		/* read and written with __atomic */
	int nr;
	__u64 start_ns[MAX_SAMPLES];
	__u64 dur_ns[MAX_SAMPLES];
	int err;
};

/* RTM_NEWLINK requests (lo up: no change, but the request takes the
 * locks any RTM_NEWLINK takes) in a netns of its own, 100 a second at
 * most, so as to sample without hogging the lock: each one is timed.
 */
static void *collateral_loop(void *arg)
{
	struct collateral *c = arg;
	__u64 t0;
	int err;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED) && c->nr < MAX_SAMPLES) {
		t0 = now_ns();
		err = rtnl_set_up(c->ns.nl, LOOPBACK_IFINDEX);
		if (err) {
			c->err = err;
			break;
		}
		c->start_ns[c->nr] = t0;
		c->dur_ns[c->nr] = now_ns() - t0;
		c->nr++;
		usleep(10000);
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Median and maximum, in ms, of the samples that started in [from, to) */
static int collateral_stats(struct collateral *c, __u64 from, __u64 to,
			    double *p50, double *max)
{
	static __u64 v[MAX_SAMPLES];
	int i, n = 0;

	for (i = 0; i < c->nr; i++)
		if (c->start_ns[i] >= from && c->start_ns[i] < to)
			v[n++] = c->dur_ns[i];
	*p50 = *max = 0;
	if (!n)
		return 0;
	qsort(v, n, sizeof(v[0]), cmp_u64);
	*p50 = v[n / 2] / 1e6;
	*max = v[n - 1] / 1e6;
	return n;
}

static bool all_freed(struct tracer *tr, struct topology *t,
		      const struct trace_event **lower_free, __u64 *last_upper)
{
	const struct trace_event *e;
	int i, n;

	*last_upper = 0;
	*lower_free = tracer_find(tr, PROBE_FREE_NETDEV, t->ns[0].inum,
				  t->lowers[0].ifindex, &n);
	for (i = 0; i < t->nr_uppers; i++) {
		e = tracer_find(tr, PROBE_FREE_NETDEV, t->ns[t->uppers[i].ns].inum,
				t->uppers[i].ifindex, &n);
		if (!e)
			return false;
		if (e->ts_ns > *last_upper)
			*last_upper = e->ts_ns;
	}
	return *lower_free;
}

/* Distinct netns and threads among uninit events in per-netns work */
static void work_counts(struct tracer *tr, int *nets, int *threads, int *uppers)
{
	unsigned int seen_ns[MAX_NETNS], seen_pid[1024];
	int i, j, nn = 0, np = 0;
	const struct trace_event *e;

	*uppers = 0;
	for (i = 0; i < tr->nr_events; i++) {
		e = &tr->events[i];
		if (e->probe != PROBE_IPVLAN_UNINIT || !e->in_work)
			continue;
		(*uppers)++;
		for (j = 0; j < nn && seen_ns[j] != e->netns; j++)
			;
		if (j == nn && nn < MAX_NETNS)
			seen_ns[nn++] = e->netns;
		for (j = 0; j < np && seen_pid[j] != e->pid; j++)
			;
		if (j == np && np < 1024)
			seen_pid[np++] = e->pid;
	}
	*nets = nn;
	*threads = np;
}

static int build(struct topology *t, int nr_uppers, int nr_netns)
{
	int i, err;

	topology_init(t);
	err = topology_netns(t, nr_netns);
	if (!err)
		err = topology_add_lower(t, IPVLAN_MODE_L2);
	for (i = 0; !err && i < nr_uppers; i++)
		err = topology_add_upper(t, 0, i % 2 ? "ipvtap" : "ipvlan",
					 1 + i % nr_netns, UPPER_NET_NS_FD);
	if (!err)
		err = topology_open_taps(t);
	return err;
}

static int run_once(struct tracer *tr, struct collateral *c, int nr_uppers,
		    int nr_netns, bool dismantle, int rep, const char *kernel)
{
	const struct trace_event *lower_free;
	unsigned int inums[MAX_NETNS];
	double base_p50, base_max, p50, max;
	int i, err, nets, threads, in_work, nbase, n;
	__u64 t_build, t_req, t_ret, last_upper, deadline;
	static struct topology t;

	t_build = now_ns();
	err = build(&t, nr_uppers, nr_netns);
	if (err) {
		fprintf(stderr, "bench: building %d uppers in %d netns: %s %s\n",
			nr_uppers, nr_netns, strerror(-err), rtnl_extack());
		topology_free(&t);
		return err;
	}
	t_build = now_ns() - t_build;
	for (i = 0; i < t.nr_ns; i++)
		inums[i] = t.ns[i].inum;
	err = tracer_watch(tr, inums, t.nr_ns);
	if (err)
		return err;

	c->nr = 0;
	__atomic_store_n(&c->stop, false, __ATOMIC_RELAXED);
	c->err = 0;
	if (pthread_create(&c->thread, NULL, collateral_loop, c))
		return -errno;
	/* A baseline of the collateral requests before the teardown */
	usleep(500000);

	t_req = now_ns();
	if (dismantle)
		netns_close(&t.ns[0]);
	else
		err = rtnl_del_link(t.ns[0].nl, t.lowers[0].ifindex);
	t_ret = now_ns();
	deadline = t_req + FREE_TIMEOUT_MS * 1000000ULL;
	while (!err) {
		tracer_poll(tr, 100);
		tracer_sort(tr);
		if (all_freed(tr, &t, &lower_free, &last_upper))
			break;
		if (now_ns() > deadline) {
			err = -ETIMEDOUT;
			break;
		}
	}
	__atomic_store_n(&c->stop, true, __ATOMIC_RELAXED);
	pthread_join(c->thread, NULL);
	if (err) {
		fprintf(stderr, "bench: teardown of %d uppers in %d netns: %s\n",
			nr_uppers, nr_netns, strerror(-err));
		topology_free(&t);
		return err;
	}
	if (c->err)
		fprintf(stderr, "bench: collateral RTM_NEWLINK failed: %s\n",
			strerror(-c->err));
	if (tracer_lost(tr))
		fprintf(stderr, "bench: %llu events lost\n",
			(unsigned long long)tracer_lost(tr));

	work_counts(tr, &nets, &threads, &in_work);
	nbase = collateral_stats(c, 0, t_req, &base_p50, &base_max);
	n = collateral_stats(c, t_req, last_upper > lower_free->ts_ns ?
			     last_upper : lower_free->ts_ns, &p50, &max);
	printf("%s,%s,%d,%d,%d,%.1f,%.1f,%.1f,%.1f,%d,%d,%d,%d,%.2f,%d,%.2f,%.2f,%llu\n",
	       kernel, dismantle ? "dismantle" : "del_lower", nr_uppers,
	       nr_netns, rep, t_build / 1e6, (t_ret - t_req) / 1e6,
	       (lower_free->ts_ns - t_req) / 1e6, (last_upper - t_req) / 1e6,
	       nets, threads, in_work, nbase, base_p50, n, p50, max,
	       (unsigned long long)tracer_lost(tr));
	fflush(stdout);
	topology_free(&t);
	return 0;
}

int main(int argc, char **argv)
{
	int nr_uppers = 10, nr_netns = 2, reps = 1, opt, i, err;
	bool dismantle = false, unsupported;
	static struct collateral c;
	static struct tracer tr;
	char why[256], kernel[128];
	FILE *f;

	while ((opt = getopt(argc, argv, "n:m:r:dH")) != -1) {
		switch (opt) {
		case 'n':
			nr_uppers = atoi(optarg);
			break;
		case 'm':
			nr_netns = atoi(optarg);
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		case 'd':
			dismantle = true;
			break;
		case 'H':
			printf("%s\n", CSV_HEADER);
			return 0;
		default:
			fprintf(stderr, "usage: %s -n N -m M [-d] [-r REPS] | -H\n",
				argv[0]);
			return 2;
		}
	}
	if (nr_uppers < 1 || nr_uppers > MAX_UPPERS || nr_netns < 1 ||
	    nr_netns >= MAX_NETNS || reps < 1) {
		fprintf(stderr, "bench: 1..%d uppers, 1..%d netns\n",
			MAX_UPPERS, MAX_NETNS - 1);
		return 2;
	}
	f = fopen("/proc/sys/kernel/osrelease", "r");
	if (!f || !fgets(kernel, sizeof(kernel), f))
		snprintf(kernel, sizeof(kernel), "?");
	if (f)
		fclose(f);
	kernel[strcspn(kernel, "\n")] = '\0';
	if (getenv("BENCH_KERNEL"))
		snprintf(kernel, sizeof(kernel), "%s", getenv("BENCH_KERNEL"));

	err = tracer_start(&tr, BPF_OBJ, why, sizeof(why), &unsupported);
	if (err) {
		fprintf(stderr, "bench: no tracer: %s\n", why);
		return 1;
	}
	err = netns_new(&c.ns);
	if (err) {
		fprintf(stderr, "bench: no netns: %s\n", strerror(-err));
		return 1;
	}
	for (i = 0; i < reps && !err; i++) {
		fprintf(stderr, "bench: %s, %d uppers in %d netns, %s, run %d of %d\n",
			kernel, nr_uppers, nr_netns,
			dismantle ? "dismantle" : "del_lower", i + 1, reps);
		err = run_once(&tr, &c, nr_uppers, nr_netns, dismantle, i, kernel);
	}
	netns_close(&c.ns);
	tracer_close(&tr);
	return err ? 1 : 0;
}
