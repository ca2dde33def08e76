# file: drivers/net/ipvlan/ipvlan_main.c
# ipvlan_port_destroy() frees the port but leaves its rx handler on the
# lower: a lower that outlives its uppers (module unload) runs a freed
# handler on a freed port with its next frame.
/^static void ipvlan_port_destroy/,/^}/s/^\tnetdev_rx_handler_unregister(dev);$/\t;/
