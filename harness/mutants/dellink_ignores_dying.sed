# file: drivers/net/ipvlan/ipvlan_main.c
# ipvlan_link_delete() ignores "dying": an upper already queued by its
# lower's NETDEV_UNREGISTER is unlinked and queued a second time when it is
# deleted before its netns' per-netns work runs (the race the flag closes).
s/^\tif (!ipvlan->dying)$/\tif (true)/
