#!/usr/bin/env bash
# Installs every package pyfpm needs to build, test and benchmark, on Debian
# 12 / Ubuntu: `sudo .ci/deps.sh`.  Used by the README's quick start and by
# .ci/run.  Installing nginx and apache2 does not start their services (both
# want port 80; the tests start their own instances on free ports).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
log() { printf '%s\n' "$*"; }

PACKAGES=(build-essential autoconf automake libtool pkg-config
	libfcgi-dev libfcgi-bin libyaml-dev libcunit1-dev python3-dev
	clang libclang-rt-14-dev valgrind nginx apache2 curl openssl
	python3-flask python3-django
	llvm-14)	# llvm-symbolizer: names in sanitizer reports, for tests/lsan.supp

APT=(apt-get -o DPkg::Lock::Timeout=600 -y -q)

install_deps() {
	if [ "$(id -u)" != 0 ]; then
		log "deps: not root: cannot apt-get; checking that everything is installed"
	fi
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		log "deps: all ${#PACKAGES[@]} packages already installed: ${PACKAGES[*]}"
		return 0
	fi
	log "deps: to install: ${missing[*]}"
	[ "$(id -u)" = 0 ] || { log "deps: FAIL: missing packages and not root"; return 1; }
	# installing nginx and apache2 must not start their services (both
	# want port 80; the tests start their own instances on free ports)
	local policy_created=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		policy_created=1
	fi
	local try ok=
	for try in 1 2 3; do
		if "${APT[@]}" update && "${APT[@]}" install "${PACKAGES[@]}"; then
			ok=1
			break
		fi
		log "deps: apt-get failed (try $try of 3); retrying in 10s"
		sleep 10
	done
	[ -z "$policy_created" ] || rm -f /usr/sbin/policy-rc.d
	[ -n "$ok" ] || { log "deps: FAIL: could not install ${missing[*]}"; return 1; }
}

install_deps
