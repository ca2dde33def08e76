# file: drivers/net/ipvlan/ipvtap.c
# ipvtap's exit does not delete its links: ipvtap uppers outlive the
# module, in every netns.
/^static void __exit ipvtap_exit/,/^}/s/^\trtnl_link_unregister(&ipvtap_link_ops);$/\t;/
