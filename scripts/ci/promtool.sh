#!/usr/bin/env bash
# What test/deploy/ needs to evaluate the alert rules on synthetic series: Prometheus's
# promtool (`promtool test rules`). Only the binary is taken from Debian's prometheus
# package (downloaded and extracted into .cache/promtool/, not installed: installing would
# also set up a Prometheus server). Idempotent; runs as root.
set -euo pipefail
# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest="$repo/.cache/promtool"

if [ -x "$dest/promtool" ]; then
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root prometheus) || {
  apt_get update -qq
  (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root prometheus)
}
dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/root"
mkdir -p "$dest"
install -m 0755 "$tmp/root/usr/bin/promtool" "$dest/promtool"
echo "promtool ready: $("$dest/promtool" --version 2>&1 | head -1)"
