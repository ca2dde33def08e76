# SPDX-License-Identifier: GPL-2.0
# Read a run's console: splats, attributed to the test and case that was
# running, and the KTAP results the kselftest runner and the tests printed.
# shellcheck shell=bash

# Print "test | case | line" for every splat in console log $1. The case
# is the kselftest_harness test running ("#  RUN ... "), the KTAP case
# announced ("# case: ..."), or, for tests that report with lib.sh's
# log_test, the next "TEST: ..." line.
splat_scan()
{
	local console=$1

	awk -v pfile="$HARNESS_DIR/config/splat.patterns" \
	    -v bfile="$HARNESS_DIR/config/splat.benign" '
		function load(f, arr,    l, n) {
			n = 0
			while ((getline l < f) > 0)
				if (l !~ /^#/ && l != "")
					arr[++n] = l
			return n
		}
		function flush(name,    i) {
			for (i = 1; i <= npend; i++)
				printf("%s | %s | %s\n", test, name, pend[i])
			npend = 0
		}
		BEGIN {
			np = load(pfile, pat)
			nb = load(bfile, ben)
			test = "boot"
			tcase = "-"
		}
		# The serial console ends lines with CR LF
		{ sub(/\r$/, "") }
		/selftests: [^ ]+: [^ ]+$/ && /^# selftests:/ {
			flush("-")
			test = $NF
			tcase = "-"
		}
		/^(# )+case: / {
			tcase = $0
			sub(/^(# )+case: /, "", tcase)
		}
		/^(# )*#  RUN +[^ ]+ \.\.\.$/ {
			tcase = $0
			sub(/^(# )*#  RUN +/, "", tcase)
			sub(/ \.\.\.$/, "", tcase)
		}
		/^(# )*TEST: .*\[ ?[A-Z]+ ?\]$/ {
			name = $0
			sub(/^(# )*TEST: /, "", name)
			sub(/ *\[ ?[A-Z]+ ?\]$/, "", name)
			flush(name)
		}
		/^vmtest: kmemleak scan/ {
			flush("-")
			test = "kmemleak scan after all tests"
			tcase = "-"
		}
		# Lines of the tests (KTAP diagnostics, lib.sh messages) may
		# quote a splat: only the kernel lines count.
		/^(#|\t)/ { next }
		{
			line = $0
			sub(/^\[ *[0-9]+\.[0-9]+\](\[ *[A-Z]?[0-9]+\])? /, "", line)
			for (i = 1; i <= np; i++)
				if (line ~ pat[i])
					break
			if (i > np)
				next
			for (j = 1; j <= nb; j++)
				if (line ~ ("^" ben[j] "$"))
					next
			if (tcase == "-" && test != "boot" && test !~ /^kmemleak/)
				pend[++npend] = line
			else
				printf("%s | %s | %s\n", test, tcase, line)
		}
		END { flush("-") }' "$console"
}

# Print "pass fail skip" counted over the KTAP lines of test log $1: the
# cases each test reported, plus each test that failed without saying which
# case did.
ktap_count()
{
	awk '
		/^# (not )?ok [0-9]+ / {
			if ($2 == "not") nfail++
			else if ($0 ~ /# SKIP/) nskip++
			else npass++
			nested++
			next
		}
		# lib.sh log_test: "TEST: name  [ OK ]", [FAIL], [SKIP], [XFAIL]
		/^(# )?TEST: .*\[ ?[A-Z]+ ?\]$/ {
			if ($0 ~ /\[FAIL\]$/) nfail++
			else if ($0 ~ /\[SKIP\]$/) nskip++
			else npass++
			nested++
			next
		}
		/^(not )?ok [0-9]+ selftests: / {
			if ($1 == "not" && $0 !~ /# SKIP/ && nested_fail_since == nfail)
				nfail++
			if (!nested) {
				if ($0 ~ /# SKIP/) nskip++
				else if ($1 == "ok") npass++
			}
			nested = 0
			nested_fail_since = nfail
			next
		}
		# a test program run directly, not by the kselftest runner
		/^(not )?ok [0-9]+ / {
			if ($1 == "not" && $0 !~ /# SKIP/) nfail++
			else if ($0 ~ /# SKIP/) nskip++
			else npass++
		}
		END { printf("%d %d %d\n", npass, nfail, nskip) }' "$1"
}

# Print "seconds result program" for each test program the kselftest
# runner ran, from the timestamped test log $1, then "seconds total".
program_times()
{
	awk '
		$2 == "#" && $3 == "selftests:" && NF == 5 {
			start = $1
			prog = $5
			next
		}
		($2 == "ok" || $3 == "ok") && / selftests: / && prog != "" {
			res = $2 == "not" ? "FAIL" : ($0 ~ /# SKIP/ ? "SKIP" : "ok")
			if ($0 ~ /# TIMEOUT/)
				res = "TIMEOUT"
			printf("%7.1f %-7s %s\n", $1 - start, res, prog)
			total += $1 - start
			prog = ""
		}
		END { printf("%7.1f total\n", total) }' "$1"
}

# Print "RESULT case" for each case of run directory $1: ok, FAIL or SKIP
# from the KTAP and log_test lines the tests printed, and CRASH for the
# case (or program) that was running when the kernel died, HANG when the
# guest ended (its time bound) without a result.
case_results()
{
	local rundir=$1

	awk '
		{ sub(/\r$/, ""); sub(/^(# )+/, "") }
		/^(not )?ok [0-9]+ / {
			res = $1 == "not" ? "FAIL" : "ok"
			if ($0 ~ /# SKIP/) res = "SKIP"
			name = $0
			sub(/^(not )?ok [0-9]+ /, "", name)
			sub(/ # .*$/, "", name)
			if (name ~ /^selftests: /) { sub(/^selftests: [^ ]+ /, "program ", name); prog = "" }
			print res, name
			if (name == running) running = ""
			next
		}
		/^TEST: .*\[ ?[A-Z]+ ?\]$/ {
			res = $0 ~ /\[FAIL\]$/ ? "FAIL" : ($0 ~ /\[SKIP\]$/ ? "SKIP" : "ok")
			name = $0
			sub(/^TEST: /, "", name)
			sub(/ *\[ ?[A-Z]+ ?\]$/, "", name)
			print res, name
			next
		}
		/^selftests: [^ ]+ [^ ]+$/ { prog = "program " $NF }
		/^ *RUN +[^ ]+ \.\.\.$/ { running = $2 }
		/\] (Kernel panic|Oops: )/ { crashed = 1 }
		END {
			if (!finished)
				print crashed ? "CRASH" : "HANG",
				      running != "" ? running : (prog != "" ? prog : "(boot)")
		}
		/^vmtest: exit status/ { finished = 1 }' "$rundir/console.log"
}

# Print the trace buffers that the kernel dumped on its way down
# (ftrace_dump_on_oops) in console log $1, each cut to its last $2 lines:
# the timeline a test kept of what led to the crash. Empty ones are left
# out (a panic after an oops dumps the buffers a second time).
oops_trace_dumps()
{
	awk -v keep="${2:-80}" '
		function flush(    i, from) {
			if (n) {
				print header
				from = n > keep ? n - keep : 0
				if (from) printf("  (%d earlier lines)\n", from)
				for (i = from; i < n; i++) print "  " line[i % keep]
			}
			n = 0
			inside = 0
		}
		{ sub(/\r$/, ""); sub(/^\[ *[0-9]+\.[0-9]+\](\[ *[A-Z]?[0-9]+\])? /, "") }
		/^Dumping ftrace (instance [^ ]+ )?buffer:$/ {
			flush()
			header = $0; seps = 0; inside = 1; next
		}
		!inside { next }
		/^ *\(ftrace buffer empty\)$/ { flush(); next }
		/^-+$/ { if (++seps == 2) flush(); next }
		{ line[n++ % keep] = $0 }
		END { flush() }' "$1"
}
