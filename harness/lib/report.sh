# SPDX-License-Identifier: GPL-2.0
# Read a run's console: splats, attributed to the test and case that was
# running, and the KTAP results the kselftest runner and the tests printed.
# shellcheck shell=bash

# Print "test | case | line" for every splat in console log $1.
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
		BEGIN {
			np = load(pfile, pat)
			nb = load(bfile, ben)
			test = "boot"
			tcase = "-"
		}
		/selftests: [^ ]+: [^ ]+$/ && /^# selftests:/ {
			test = $NF
			tcase = "-"
		}
		/^(# )+case: / {
			tcase = $0
			sub(/^(# )+case: /, "", tcase)
		}
		# kselftest_harness.h: "#  RUN           fixture.variant.test ..."
		/^(# )*#  RUN +[^ ]+ \.\.\.$/ {
			tcase = $0
			sub(/^(# )*#  RUN +/, "", tcase)
			sub(/ \.\.\.$/, "", tcase)
		}
		/^vmtest: kmemleak scan/ {
			test = "kmemleak scan after all tests"
			tcase = "-"
		}
		{
			line = $0
			sub(/^\[ *[0-9]+\.[0-9]+\] /, "", line)
			for (i = 1; i <= np; i++)
				if (line ~ pat[i])
					break
			if (i > np)
				next
			for (j = 1; j <= nb; j++)
				if (line ~ ("^" ben[j] "$"))
					next
			printf("%s | %s | %s\n", test, tcase, line)
		}' "$console"
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
		/^(not )?ok [0-9]+ selftests: / {
			if ($1 == "not" && $0 !~ /# SKIP/ && nested_fail_since == nfail)
				nfail++
			if (!nested) {
				if ($0 ~ /# SKIP/) nskip++
				else if ($1 == "ok") npass++
			}
			nested = 0
			nested_fail_since = nfail
		}
		END { printf("%d %d %d\n", npass, nfail, nskip) }' "$1"
}
