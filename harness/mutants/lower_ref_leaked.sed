# file: drivers/net/ipvlan/ipvlan_main.c
# The ipvlan port never drops its reference on the lower: the lower is
# never freed and its RTM_DELLINK never returns.
s/^\tnetdev_put(dev, &port->dev_tracker);$/\t;/
