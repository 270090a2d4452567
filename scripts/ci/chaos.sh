#!/usr/bin/env bash
# What the chaos suite (npm run chaos, test/chaos) needs beyond the sinks' own servers, which
# scripts/ci/syslog.sh (rsyslog) and scripts/ci/kafka.sh (the broker) install:
#   - openssl, for the test certificates (TLS fails-closed checks);
#   - mount/umount, for the small tmpfs the disk-full and read-only scenarios mount (they
#     also need root with CAP_SYS_ADMIN; without it those rows say "not run" in the table).
# Idempotent; runs as root on a fresh Debian machine.
set -euo pipefail
# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v mount >/dev/null 2>&1 || missing+=(mount)
command -v umount >/dev/null 2>&1 || missing+=(mount)

if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "chaos: openssl and mount are available"
