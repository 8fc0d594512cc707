#!/usr/bin/env bash
# pyfpm benchmark: `make bench`, or `bash tests/bench/run.sh` from anywhere.
# Installs what is missing (Debian, as root), builds the C ceiling responder
# in a temporary directory, then runs bench.py. See tests/bench/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

need_pkgs=()
command -v nginx >/dev/null || need_pkgs+=(nginx)
command -v wrk >/dev/null || need_pkgs+=(wrk)
command -v gcc >/dev/null || need_pkgs+=(gcc)
[ -e /usr/include/fcgiapp.h ] || need_pkgs+=(libfcgi-dev)
case ",${BENCH_SERVERS:-uwsgi}," in
*,uwsgi,*)
	command -v uwsgi >/dev/null || need_pkgs+=(uwsgi-core)
	[ -e /usr/lib/uwsgi/plugins/python3_plugin.so ] || need_pkgs+=(uwsgi-plugin-python3)
	;;
esac
if [ ${#need_pkgs[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ -z "${BENCH_NO_INSTALL:-}" ]; then
		echo "bench: installing ${need_pkgs[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt_get() { apt-get -o DPkg::Lock::Timeout=600 -y -q "$@"; }
		# a package's own service must not start (nginx would take port 80)
		policy_created=
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
			chmod 755 /usr/sbin/policy-rc.d
			policy_created=1
		fi
		apt_get install --no-install-recommends "${need_pkgs[@]}" >/dev/null ||
			{ apt_get update >/dev/null && apt_get install --no-install-recommends "${need_pkgs[@]}" >/dev/null; } ||
			echo "bench: could not install ${need_pkgs[*]}; going on with what is there" >&2
		[ -z "$policy_created" ] || rm -f /usr/sbin/policy-rc.d
	else
		echo "bench: missing ${need_pkgs[*]} (apt-get install them); going on with what is there" >&2
	fi
fi

work=$(mktemp -d /tmp/pyfpm-bench-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
CEILING=
if gcc -O2 -Wall -Wextra -o "$work/ceiling" "$here/ceiling.c" -lfcgi -pthread; then
	CEILING=$work/ceiling
else
	echo "bench: could not build the ceiling responder; its cells are skipped" >&2
fi
export CEILING
exec_py=/usr/bin/python3
[ -x "$exec_py" ] || exec_py=python3
"$exec_py" "$here/bench.py" "$@"
