#!/usr/bin/env bash
# What `npm run bench` needs beyond the test suite's receivers: syslog-ng's http()
# destination (the peer of the Splunk HEC comparison). Like syslog-ng itself (see
# syslog.sh), its package conflicts with rsyslog, so it is downloaded and extracted into
# the same .cache/syslog-ng/root/ instead of installed; its one library dependency,
# libcurl4, is installed normally. The benchmarks do not run in CI; this stays cheap and
# idempotent because CI runs every scripts/ci/*.sh. Runs as root.
set -euo pipefail
# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
root="$repo/.cache/syslog-ng/root"

# syslog-ng core first (syslog.sh would otherwise wipe the root it finds without a binary).
bash "$repo/scripts/ci/syslog.sh" >/dev/null

if ! dpkg-query -W -f='${Status}' libcurl4 2>/dev/null | grep -q 'install ok installed'; then
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends libcurl4
fi

if ! ls "$root"/usr/lib/syslog-ng/*/libhttp.so >/dev/null 2>&1; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root syslog-ng-mod-http) || {
    apt_get update -qq
    (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root syslog-ng-mod-http)
  }
  dpkg-deb -x "$tmp"/syslog-ng-mod-http_*.deb "$root"
fi

echo "bench peers ready: $(ls "$root"/usr/lib/syslog-ng/*/libhttp.so)"
