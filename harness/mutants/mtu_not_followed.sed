# file: drivers/net/ipvlan/ipvlan_main.c
# A lower's new MTU is not passed on to its uppers: they keep the old one
# and send frames that the lower cannot carry.
/^\tcase NETDEV_CHANGEMTU:$/,/break;/s/^\t\t\tipvlan_adjust_mtu(ipvlan, dev);$/\t\t\t;/
