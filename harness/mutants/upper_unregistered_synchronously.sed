# file: drivers/net/ipvlan/ipvlan_main.c
# Uppers in another netns are unregistered by the deleting task, as before
# per-netns unregistration, instead of by their netns' per-netns work.
s/\tunregister_netdevice_queue_net(net, dev, head);/\tunregister_netdevice_queue(dev, head);/
