# file: drivers/net/ipvlan/ipvlan_main.c
# ipvlan_set_port_mode() switches the uppers' flags and the l3s hooks but
# never records the new mode: every port stays in l3, its initial mode.
/^static int ipvlan_set_port_mode/,/^}/s/^\t\tport->mode = nval;$/\t\t;/
