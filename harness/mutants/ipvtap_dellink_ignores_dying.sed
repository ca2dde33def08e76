# file: drivers/net/ipvlan/ipvtap.c
# ipvtap_dellink() ignores "dying": the same race as dellink_ignores_dying,
# for ipvtap uppers.
s/^\tif (!vlantap->vlan.dying)$/\tif (true)/
