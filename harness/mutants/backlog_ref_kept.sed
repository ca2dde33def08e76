# file: drivers/net/ipvlan/ipvlan_main.c
# ipvlan_port_destroy() frees the frames left on the multicast backlog but
# keeps the reference each holds on its device (the upper that sent it, or
# the lower): that device is never freed.
/^static void ipvlan_port_destroy/,/^}/s/^\t\tdev_put(skb->dev);$/\t\t;/
