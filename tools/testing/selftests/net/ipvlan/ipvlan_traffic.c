// SPDX-License-Identifier: GPL-2.0
/*
 * Frames for ipvlan_netns_teardown.sh to tear devices down under: from each
 * NETNS:DEV, UDP to the groups below and to the -a addresses in turn; into
 * each ipvtap's tap (NETNS:DEV:tap), which a child blocks reading. Prints
 * the counts once frames came in, and at SIGTERM.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <err.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX	64
#define PORT	4789

static struct {
	unsigned long sent, rcvd, written, read;
} *c;	/* shared with the tap readers */

static int print(void)
{
	printf("sent %lu received %lu, tap written %lu read %lu\n",
	       c->sent, c->rcvd, c->written, c->read);
	return !fflush(stdout);
}

/* IPv6 sockets, which also carry IPv4 (::ffff:a.b.c.d) */
static int udp_socket(const char *dev)
{
	struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(PORT) };
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0), one = 1;

	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, strlen(dev) + 1) ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) ||
	    /* IPv4 groups too, which an IPv6 socket does not join */
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &one, sizeof(one)) ||
	    bind(fd, (void *)&any, sizeof(any)))
		err(1, "%s", dev);
	return fd;
}

/* The tap of ipvtap @dev, and a child blocked reading it until killed */
static int tap_open(const char *dev, pid_t *reader)
{
	char path[32], buf[2048];
	int fd;

	snprintf(path, sizeof(path), "/dev/tap%u", if_nametoindex(dev));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		err(1, "%s", path);
	*reader = fork();
	if (*reader)
		return fd;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (read(fd, buf, sizeof(buf)) > 0)
		__sync_fetch_and_add(&c->read, 1);
	err(1, "%s", path);
}

int main(int argc, char **argv)
{
	/* virtio_net_hdr (a tap has IFF_VNET_HDR), then a broadcast frame */
	static const char frame[80] = { [10 ... 15] = 0xff, [16] = 2 };
	static const char * const group[] = {
		"::ffff:255.255.255.255", "::ffff:224.0.0.1", "ff02::1"
	};
	struct sockaddr_in6 dst[MAX] = {
		[0 ... MAX - 1] = { .sin6_family = AF_INET6, .sin6_port = htons(PORT) }
	};
	int fd[MAX], tap[MAX], nfd = 0, ntap = 0, ndst = 0, i, j, ns, sig = 0, it, flowing = 0;
	pid_t reader[MAX];
	char *dev, buf[2048];
	sigset_t term;

	/* Blocked before the readers fork: only the parent takes SIGTERM */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < 3; i++)
		inet_pton(AF_INET6, group[i], &dst[ndst++].sin6_addr);
	while (getopt(argc, argv, "a:") == 'a' && ndst < MAX)
		inet_pton(AF_INET6, optarg, &dst[ndst++].sin6_addr);
	if (optind == argc)
		errx(1, "usage: %s [-a ADDR]... NETNS:DEV[:tap]...", argv[0]);
	for (i = optind; i < argc && nfd < MAX; i++) {
		dev = strtok(argv[i], ":");
		snprintf(buf, sizeof(buf), "/run/netns/%s", dev);
		ns = open(buf, O_RDONLY | O_CLOEXEC);
		if (ns < 0 || setns(ns, CLONE_NEWNET))
			err(1, "%s", buf);
		close(ns);
		dev = strtok(NULL, ":");
		fd[nfd++] = udp_socket(dev);
		if (strtok(NULL, ":")) {
			tap[ntap] = tap_open(dev, &reader[ntap]);
			ntap++;
		}
	}
	for (it = 0; sig != SIGTERM; it++) {
		/* A round: a socket sends its index to the groups and an -a address */
		i = it % nfd;
		for (j = 0; j < ndst; j++)
			if ((j < 3 || j == 3 + it / nfd % (ndst - 3)) &&
			    sendto(fd[i], &(char){ i }, 1, 0, (void *)&dst[j], sizeof(dst[j])) > 0)
				c->sent++;
		/* Not a socket's own frames, which IP loops back */
		for (i = 0; i < nfd; i++)
			while (recv(fd[i], buf, sizeof(buf), 0) >= 0)
				c->rcvd += buf[0] != i;
		if (ntap)
			c->written += write(tap[it % ntap], frame, sizeof(frame)) > 0;
		if (!flowing && c->rcvd && (!ntap || c->read))
			flowing = print();
		sig = sigtimedwait(&term, NULL, &(struct timespec){ .tv_nsec = 2000000 });
	}
	for (i = 0; i < ntap; i++)
		kill(reader[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	print();
	return 0;
}
