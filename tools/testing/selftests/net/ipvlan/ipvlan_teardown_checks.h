/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checks of a traced teardown, shared by ipvlan_teardown_trace.c and
 * ipvlan_teardown_race.c; include after kselftest_harness.h.
 */
#ifndef __IPVLAN_TEARDOWN_CHECKS_H
#define __IPVLAN_TEARDOWN_CHECKS_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "ipvlan_topology.h"
#include "ipvlan_tracer.h"

/* A lower is freed well before this, or a reference on it is leaked. */
#define TEARDOWN_BOUND_MS	20000

/* The kernel's report of a device it cannot free (still referenced) */
#define DEVICE_WAITING	"unregister_netdevice: waiting for"

/* /dev/kmsg from its end: the kernel's messages from now on */
static inline int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Print and count the kmsg records since the last call that are splats. */
static inline int kmsg_splats(int fd)
{
	static const char * const splat[] = {
		"WARNING:", "BUG:", "Oops", "general protection fault",
		"possible circular locking dependency", "possible recursive locking",
		"inconsistent lock state", "suspicious RCU usage",
		"sleeping function called from invalid context",
		DEVICE_WAITING, "refcount_t:", "UBSAN:",
		"list_add corruption", "list_del corruption", "INFO: task",
		"KASAN:",
	};
	char rec[2048], *msg;
	ssize_t len;
	size_t i;
	int n = 0;

	if (fd < 0)
		return 0;
	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
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

/*
 * Why the tests left are not run, shared with the forked tests: a device
 * the kernel cannot free blocks every later teardown, and each test would
 * only wait out its bound.
 */
static char *bail_reason;

static inline void bail(const char *fmt, ...)
{
	va_list ap;

	if (bail_reason[0])
		return;
	va_start(ap, fmt);
	vsnprintf(bail_reason, 256, fmt, ap);
	va_end(ap);
}

/*
 * Set up bail_reason, with a reason already if the kernel has reported a
 * device it cannot free (an earlier test program's). 0 or -errno.
 */
static inline int bail_init(void)
{
	char rec[2048], *msg;
	ssize_t len;
	int fd;

	bail_reason = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (bail_reason == MAP_FAILED)
		return -errno;
	/* From the oldest record the kernel still holds */
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)
			continue;
		if (len <= 0)
			break;
		rec[len] = '\0';
		msg = strstr(rec, DEVICE_WAITING);
		if (msg) {
			msg[strcspn(msg, "\n")] = '\0';
			bail("the kernel cannot free a device of an earlier test: %s",
			     msg);
			break;
		}
	}
	close(fd);
	return 0;
}

static inline bool all_freed(struct tracer *tr, const struct topology *t)
{
	unsigned int lower_inum = t->ns[0].inum;
	int i, n;

	for (i = 0; i < t->nr_lowers; i++) {
		tracer_find(tr, PROBE_FREE_NETDEV, lower_inum,
			    t->lowers[i].ifindex, &n);
		if (!n)
			return false;
	}
	for (i = 0; i < t->nr_uppers; i++) {
		tracer_find(tr, PROBE_FREE_NETDEV, t->ns[t->uppers[i].ns].inum,
			    t->uppers[i].ifindex, &n);
		if (!n)
			return false;
	}
	return true;
}

/* Collect events until every device is freed or @since + the bound. */
static inline void wait_freed(struct tracer *tr, const struct topology *t,
			      __u64 since)
{
	__u64 deadline = since + TEARDOWN_BOUND_MS * 1000000ULL;

	while (!all_freed(tr, t) && now_ns() < deadline)
		tracer_poll(tr, 100);
	tracer_poll(tr, 0);
	tracer_sort(tr);
}

static inline int ns_index(const struct topology *t, unsigned int inum)
{
	int i;

	for (i = 0; i < t->nr_ns; i++)
		if (t->ns[i].inum == inum)
			return i;
	return -1;
}

/* Every traced event, in ms from @t0 */
static inline void print_timeline(struct tracer *tr, const struct topology *t,
				  __u64 t0)
{
	const struct trace_event *e;
	int i;

	fprintf(stderr, "# timeline (ms after the teardown began):\n");
	for (i = 0; i < tr->nr_events; i++) {
		e = &tr->events[i];
		fprintf(stderr,
			"#  %+9.3f %-13s %-8s netns %-2d ifindex %-3d cpu %u %-16s pid %u%s%s\n",
			((double)e->ts_ns - (double)t0) / 1e6,
			tracer_probe_name(e->probe), e->name,
			ns_index(t, e->netns), e->ifindex, e->cpu, e->comm,
			e->pid, e->in_work ? " in per-netns work" : "",
			e->probe == PROBE_DELLINK && e->dying == 1 ?
			" dying" : "");
	}
}

/*
 * No event lost; every lower freed once; every upper uninitialised once
 * and freed once, and uninitialised before its lower is freed (the port
 * holds a reference on the lower).
 */
static inline void check_freed_once(struct __test_metadata *_metadata,
				    struct tracer *tr,
				    const struct topology *t)
{
	const struct trace_event *lower_free, *uninit;
	const struct upper *upper;
	const struct lower *lower;
	__u64 lost = tracer_lost(tr);
	int i, n;

	EXPECT_EQ(0, lost) TH_LOG("%llu events lost", (unsigned long long)lost);
	for (i = 0; i < t->nr_lowers; i++) {
		lower = &t->lowers[i];
		tracer_find(tr, PROBE_FREE_NETDEV, t->ns[0].inum,
			    lower->ifindex, &n);
		EXPECT_EQ(1, n) TH_LOG("%s: %d free_netdev calls within %d ms%s",
				       lower->name, n, TEARDOWN_BOUND_MS,
				       n ? "" : ": a reference on it is held");
	}
	for (i = 0; i < t->nr_uppers; i++) {
		upper = &t->uppers[i];
		lower = &t->lowers[upper->lower];
		uninit = tracer_find(tr, PROBE_IPVLAN_UNINIT,
				     t->ns[upper->ns].inum, upper->ifindex, &n);
		EXPECT_EQ(1, n) TH_LOG("%s (%s, netns %d): %d ipvlan_uninit calls",
				       upper->name, upper->kind, upper->ns, n);
		tracer_find(tr, PROBE_FREE_NETDEV, t->ns[upper->ns].inum,
			    upper->ifindex, &n);
		EXPECT_EQ(1, n) TH_LOG("%s (%s, netns %d): %d free_netdev calls",
				       upper->name, upper->kind, upper->ns, n);
		lower_free = tracer_find(tr, PROBE_FREE_NETDEV, t->ns[0].inum,
					 lower->ifindex, &n);
		if (uninit && lower_free)
			EXPECT_LT(uninit->ts_ns, lower_free->ts_ns)
				TH_LOG("%s freed before %s was uninitialised",
				       lower->name, upper->name);
	}
}

/* Nothing but lo is left in the netns from index @first on that are open. */
static inline void check_leftovers(struct __test_metadata *_metadata,
				   struct topology *t, int first)
{
	char left[1024];
	int i;

	for (i = first; i < t->nr_ns; i++) {
		if (t->ns[i].fd < 0)
			continue;
		EXPECT_EQ(0, topology_leftovers(t, i, left, sizeof(left)));
		EXPECT_STREQ("", left) TH_LOG("left in netns %d: %s", i, left);
	}
}

#endif /* __IPVLAN_TEARDOWN_CHECKS_H */
