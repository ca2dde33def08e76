# file: drivers/net/ipvlan/ipvlan_main.c
# ipvlan_port_destroy() frees the port without cancelling its multicast
# work: broadcast and multicast frames queued just before run on the freed
# port (KASAN: use-after-free in ipvlan_process_multicast).
/^static void ipvlan_port_destroy/,/^}/s/^\tcancel_work_sync(&port->wq);$/\t;/
