# SPDX-License-Identifier: GPL-2.0
# The teardown benchmark, built from the suite's sources in the suite's
# directory of a kernel tree (after the suite):
#   make -C TREE/tools/testing/selftests/net/ipvlan -f bench.mk \
#        BENCH_DIR=harness/bench.d BENCH=OUT/ipvlan_teardown_bench bench
include Makefile

# Up to 1000 uppers in 100 netns besides the lower's
BENCH_LIMITS := -DMAX_UPPERS=1024 -DMAX_NETNS=128

bench: $(BENCH)

$(BENCH): $(BENCH_DIR)/ipvlan_teardown_bench.c $(IPVLAN_LIB) $(BPFOBJ) $(LOCAL_HDRS)
	$(CC) $(CFLAGS) $(BENCH_LIMITS) -I. -I$(SCRATCH_DIR)/include $(MNL_CFLAGS) \
		$(filter %.c %.a,$^) $(LDFLAGS) $(LDLIBS) $(MNL_LDLIBS) -lelf -lz \
		-lpthread -o $@

.PHONY: bench
