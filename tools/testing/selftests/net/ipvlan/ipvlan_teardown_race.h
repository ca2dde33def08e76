/* SPDX-License-Identifier: GPL-2.0 */
/* Counters of ipvlan_teardown_race.bpf.c's "stats" map */
#ifndef __IPVLAN_TEARDOWN_RACE_H
#define __IPVLAN_TEARDOWN_RACE_H

enum {
	STAT_DYING_IPVLAN,	/* ipvlan_link_delete() on a dying upper */
	STAT_DYING_IPVTAP,	/* ipvtap_dellink() on a dying upper */
	STAT_DELLINK_NS0,	/* ->dellink() in the lower's netns */
	NR_STATS
};

#endif
