# file: drivers/net/ipvlan/ipvtap.c
# ipvtap's exit leaves its device class registered: the module does not
# load again ("class 'ipvtap' already exists").
/^static void __exit ipvtap_exit/,/^}/s/^\tclass_unregister(&ipvtap_class);$/\t;/
