# file: drivers/net/ipvlan/ipvlan_main.c
# The ipvlan port takes no reference on the lower: the lower can be freed
# before per-netns work uninitialises its uppers in other netns (and the
# port's put underflows the lower's refcount).
s/^\tnetdev_hold(dev, &port->dev_tracker, GFP_KERNEL);$/\t;/
