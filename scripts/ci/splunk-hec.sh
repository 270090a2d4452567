#!/usr/bin/env bash
# Prepares what test/sinks/splunk-hec/ needs: the openssl CLI, which test/support/certs.ts
# uses to make the CA, server and client certificates of the TLS and mutual-TLS tests.
# Everything else (the strict HEC receiver) is in the repo. Idempotent; runs as root.
set -euo pipefail
# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

log() { printf '[ci/splunk-hec] %s\n' "$*" >&2; }

if command -v openssl >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  log "openssl is missing and installing it needs root (apt-get install -y openssl)"; exit 1
fi
log "installing openssl"
export DEBIAN_FRONTEND=noninteractive
apt_get update -qq
apt_get install -y -qq --no-install-recommends openssl >/dev/null
