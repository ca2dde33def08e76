# file: net/core/rtnetlink.c
# build: vmlinux
# rtnl_link_unregister() (a module's unload) no longer moves each netns'
# links to that netns' queue: every upper of the kind goes from one list,
# unregistered outside its own netns' queue, as before per-netns
# unregistration.
/^void rtnl_link_unregister/,/^}/s/^\t\tunregister_netdevice_queue_many_net(net, &dev_kill_list);$/\t\t;/
