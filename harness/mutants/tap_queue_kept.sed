# file: drivers/net/tap.c
# kbuild: obj-m := tap.o
# tap_del_queues() leaves each queue pointing at its tap: a tap fd closed
# after its device was deleted works on the freed device (KASAN:
# use-after-free in tap_disable_queue at the close). Nothing else shows.
/^void tap_del_queues/,/^}/s/^\t\tRCU_INIT_POINTER(q->tap, NULL);$/\t\t;/
