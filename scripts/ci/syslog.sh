#!/usr/bin/env bash
# Installs the real syslog receivers the syslog sink's tests and bench talk to:
#  - rsyslog with its GnuTLS driver, from Debian (run by the tests as a child process with
#    their own config; the system service is never used);
#  - syslog-ng, which Debian declares in conflict with rsyslog, so its package is downloaded
#    and extracted into .cache/syslog-ng/ instead of installed (its libraries, which do not
#    conflict, are installed normally).
# Idempotent: does nothing when everything is already there. Runs as root.
set -euo pipefail
# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$repo/.cache/syslog-ng"
sng_libs=(libivykis0 libnet1 libjson-c5 libglib2.0-0 libpcre3 libwrap0 libcap2 libsystemd0 libssl3)

# The rsyslog and syslog-ng test files may both run this at once on a fresh machine: one
# installs and extracts, the other waits and then finds everything in place.
mkdir -p "$cache"
exec 8>"$cache/.lock"
flock 8

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" = 0 ]; then
    apt_get update -qq
    apt_updated=1
  fi
}

missing_pkgs=()
for p in rsyslog rsyslog-gnutls openssl "${sng_libs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing_pkgs+=("$p")
  fi
done
if [ "${#missing_pkgs[@]}" -gt 0 ]; then
  apt_update_once
  # policy-rc.d (when present) keeps the system rsyslog service from starting; the tests
  # never need it either way.
  apt_get install -y -qq --no-install-recommends "${missing_pkgs[@]}"
fi

if [ ! -x "$cache/root/usr/sbin/syslog-ng" ]; then
  apt_update_once
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root syslog-ng-core)
  rm -rf "$cache/root"
  mkdir -p "$cache/root"
  dpkg-deb -x "$tmp"/syslog-ng-core_*.deb "$cache/root"
fi

# The binary looks for libsyslog-ng in /usr/lib/syslog-ng: point it at the extracted copy
# (test/support/syslog-ng.ts does the same, with --module-path).
export LD_LIBRARY_PATH="$cache/root/usr/lib/syslog-ng${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if ! version="$("$cache/root/usr/sbin/syslog-ng" --version 2>&1 | head -1)"; then
  echo "syslog-ng extracted into $cache/root does not run: $version" >&2
  exit 1
fi
echo "syslog receivers ready: $(rsyslogd -v | head -1); $version"
