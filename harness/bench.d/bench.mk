# SPDX-License-Identifier: GPL-2.0
# The teardown benchmark, built from harness/bench.d's sources with the
# suite's BPF rules (net/bpf.mk), in the suite's directory of a kernel tree:
#   make -C TREE/tools/testing/selftests/net/ipvlan -f bench.mk \
#        BENCH_DIR=harness/bench.d BENCH=OUT/ipvlan_teardown_bench bench
# The BPF object goes next to BENCH, where the benchmark runs.
include Makefile

BENCH_SRCS := $(addprefix $(BENCH_DIR)/,ipvlan_teardown_bench.c \
	ipvlan_rtnl.c ipvlan_topology.c ipvlan_tracer.c)
BENCH_OBJ := $(dir $(BENCH))ipvlan_tracer.bpf.o
# Up to 1000 uppers in 100 netns besides the lower's
BENCH_LIMITS := -DMAX_UPPERS=1024 -DMAX_NETNS=128
# BPF_KPROBE() reads the arguments from the target's struct pt_regs.
BENCH_SRCARCH = $(shell $(MAKE) -s --no-print-directory \
		--eval='print-srcarch: ; @echo $$(SRCARCH)' \
		-f $(top_srcdir)/tools/scripts/Makefile.arch print-srcarch)

bench: $(BENCH) $(BENCH_OBJ)

$(BENCH_OBJ): $(BENCH_DIR)/ipvlan_tracer.bpf.c $(BENCH_DIR)/ipvlan_trace_event.h $(BPFOBJ)
	$(CLANG) -O2 -g --target=bpf $(CCINCLUDE) -D__TARGET_ARCH_$(BENCH_SRCARCH) \
		$(CLANG_SYS_INCLUDES) -c $< -o $@

$(BENCH): $(BENCH_SRCS) $(BPFOBJ) $(wildcard $(BENCH_DIR)/*.h)
	$(CC) $(CFLAGS) $(BENCH_LIMITS) -I$(BENCH_DIR) -I$(SCRATCH_DIR)/include \
		$$(pkg-config --cflags libmnl) $(filter %.c %.a,$^) $(LDFLAGS) \
		$(LDLIBS) -lmnl -lelf -lz -lpthread -o $@

.PHONY: bench
