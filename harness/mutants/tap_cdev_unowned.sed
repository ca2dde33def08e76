# file: drivers/net/ipvlan/ipvtap.c
# ipvtap's tap character device has no owner: an open tap does not hold
# the module, which can be unloaded under it.
/^static int __init ipvtap_init/,/^}/s/^\t\t\t      THIS_MODULE);$/\t\t\t      NULL);/
