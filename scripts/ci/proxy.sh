#!/usr/bin/env bash
# Installs squid from Debian: the real forward proxy the proxy-policy tests (API client, HEC) talk
# to (run by the test as a child process with its own config; the system service is never
# used). Idempotent: does nothing when squid is already there. Runs as root.
set -euo pipefail
# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

if ! command -v squid >/dev/null 2>&1; then
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends squid
fi
squid -v | head -1
