/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel events of a race, also kept in a trace instance of their own
 * that the kernel prints when it oopses (kernel.ftrace_dump_on_oops): a
 * lost race can crash the kernel before the test prints its timeline.
 * Best effort: without tracefs, kprobe events, BTF or a per-instance
 * ftrace_dump_on_oops, nothing is kept and the test goes on.
 */
#ifndef __IPVLAN_OOPS_TIMELINE_H
#define __IPVLAN_OOPS_TIMELINE_H

#include <stddef.h>

/* 0, or -errno and why in @why: then the other calls do nothing. */
int oops_timeline_start(char *why, size_t len);
/* Forget the events so far: a dump shows the current iteration only. */
void oops_timeline_clear(void);
/* A line of the test's own (the plan of an iteration) among the events */
void oops_timeline_mark(const char *fmt, ...);
/* Remove the events and the instance, restore ftrace_dump_on_oops. */
void oops_timeline_stop(void);

#endif /* __IPVLAN_OOPS_TIMELINE_H */
