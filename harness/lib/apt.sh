# SPDX-License-Identifier: GPL-2.0
# A private apt state that adds suites the system's sources do not list
# (trixie, trixie-backports, bookworm), built from the mirror URI the
# machine already uses. The system's apt configuration is never touched.
# shellcheck shell=bash

APT_DIR=$CACHE_DIR/apt
APT_SUITES="trixie trixie-backports bookworm"

apt_system_uri()
{
	local f uri=

	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		uri=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' "$f")
		[ -n "$uri" ] && break
	done
	if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
		uri=$(awk '/^deb / && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' \
			/etc/apt/sources.list)
	fi
	[ -n "$uri" ] || die "no Debian mirror URI found in the system's apt sources"
	echo "$uri"
}

apt_opts()
{
	echo "-o Dir::Etc=$APT_DIR/etc" \
	     "-o Dir::Etc::sourcelist=/dev/null" \
	     "-o Dir::Etc::sourceparts=$APT_DIR/etc/sources.list.d" \
	     "-o Dir::Etc::preferencesparts=$APT_DIR/etc/preferences.d" \
	     "-o Dir::State=$APT_DIR/state" \
	     "-o Dir::State::Lists=$APT_DIR/lists" \
	     "-o Dir::State::status=$APT_DIR/state/status" \
	     "-o Dir::Cache=$APT_DIR/cache" \
	     "-o APT::Sandbox::User=root" \
	     "-o Debug::NoLocking=1"
}

# Refresh the private lists at most once per $APT_MAX_AGE seconds.
apt_update()
{
	local stamp=$APT_DIR/updated uri age
	local max_age=${APT_MAX_AGE:-21600}

	mkdir -p "$APT_DIR"/etc/sources.list.d "$APT_DIR"/etc/preferences.d \
		 "$APT_DIR"/lists/partial "$APT_DIR"/cache/archives/partial \
		 "$APT_DIR"/state
	touch "$APT_DIR/state/status"
	if [ -e "$stamp" ]; then
		age=$(( $(date +%s) - $(stat -c %Y "$stamp") ))
		[ "$age" -lt "$max_age" ] && return 0
	fi
	uri=$(apt_system_uri)
	cat >"$APT_DIR/etc/sources.list.d/private.sources" <<EOT
Types: deb
URIs: $uri
Suites: $APT_SUITES
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
	msg "updating private apt lists ($APT_SUITES)"
	# shellcheck disable=SC2046
	apt-get -q $(apt_opts) update >"$APT_DIR/update.log" 2>&1 ||
		{ cat "$APT_DIR/update.log" >&2; die "private apt-get update failed"; }
	touch "$stamp"
}

apt_cache()
{
	# shellcheck disable=SC2046
	apt-cache $(apt_opts) "$@"
}

# Download package $1 (optionally =version) into $2, print the .deb path.
apt_download()
{
	local spec=$1 dir=$2 name=${1%%=*} ver deb

	ver=${spec#*=}
	[ "$ver" = "$spec" ] && ver=$(apt_cache policy "$name" | awk '/Candidate:/ { print $2 }')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		die "package $name not found"
	fi
	mkdir -p "$dir"
	deb=$(find "$dir" -maxdepth 1 -name "${name}_${ver//:/%3a}_*.deb" | head -n1)
	if [ -z "$deb" ]; then
		msg "downloading $name $ver"
		# shellcheck disable=SC2046
		(cd "$dir" && apt-get -q $(apt_opts) download "$name=$ver" >&2) ||
			die "download of $name=$ver failed"
		deb=$(find "$dir" -maxdepth 1 -name "${name}_${ver//:/%3a}_*.deb" | head -n1)
	fi
	[ -n "$deb" ] || die "no .deb for $name after download"
	echo "$deb"
}
