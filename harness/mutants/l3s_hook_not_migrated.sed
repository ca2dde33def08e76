# file: drivers/net/ipvlan/ipvlan_main.c
# An l3s lower that moves to another netns leaves its l3s hooks' count in
# the netns it left (043d5f68d0cc): WARNING in ipvlan_ns_exit when that
# netns goes, and the new netns has no hooks.
s/^\t\t\tipvlan_migrate_l3s_hook(oldnet, newnet);$/\t\t\t;/
