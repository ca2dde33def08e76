# SPDX-License-Identifier: GPL-2.0
# Kernel trees made git repositories, for the series and the bisect tests.
# shellcheck shell=bash

# Make directory $1 a git repository of all its files, in one commit $2.
git_snapshot()
{
	git -C "$1" init -q &&
		# -f: Debian's .gitignore ignores the whole top level
		git -C "$1" add -A -f &&
		git -C "$1" -c user.name=harness -c user.email=harness@localhost \
			commit -q -m "$2"
}

# Turn each hard-linked file given into a copy of its own, before anything
# rewrites it in place.
unlink_files()
{
	local f

	for f in "$@"; do
		cp -p "$f" "$f.copy" && mv "$f.copy" "$f" || return 1
	done
}

# What a series of the suite applies to, from kernel tree $1, in $2: its
# selftests and MAINTAINERS, without the suite, in a git repository.
pristine_selftests_repo()
{
	local tree=$1 repo=$2

	mkdir -p "$repo/tools/testing" &&
		cp -a "$tree/tools/testing/selftests" "$repo/tools/testing/" &&
		cp -a "$tree/MAINTAINERS" "$repo/" || return 1
	# The pristine tree has no suite (older harness versions copied one in).
	rm -rf "${repo:?}/$SUITE_REL"
	git_snapshot "$repo" "Debian's linux-source, unchanged"
}
