# file: drivers/net/ipvlan/ipvlan_main.c
# "ip link set UPPER type ipvlan mode M" succeeds but leaves the port's
# mode and its l3s hooks as they were.
/^static int ipvlan_nl_changelink/,/^}/s/^\t\terr = ipvlan_set_port_mode(port, nmode, extack);$/\t\t;/
