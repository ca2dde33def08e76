# file: drivers/net/ipvlan/ipvlan_main.c
# NETDEV_UNREGISTER of a lower that only changes netns deletes its uppers,
# as if it were unregistered.
s/if (dev->reg_state != NETREG_UNREGISTERING)/if (false)/
