# file: drivers/net/ipvlan/ipvlan_main.c
# NETDEV_UNREGISTER of the lower no longer deletes its uppers.
s/if (dev->reg_state != NETREG_UNREGISTERING)/if (true)/
