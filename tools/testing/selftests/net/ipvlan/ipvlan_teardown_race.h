/* SPDX-License-Identifier: GPL-2.0 */
/* Keys of the "counts" map: netns index << 32 | one of these | ifindex */
#ifndef __IPVLAN_TEARDOWN_RACE_H
#define __IPVLAN_TEARDOWN_RACE_H

#define FREED	0x00000	/* free_netdev() calls */
#define DELLINK	0x10000	/* ->dellink() calls */
#define DYING	0x20000	/* ->dellink() calls on an upper marked dying */

#endif
