#!/usr/bin/env bash
# Prepares what test/observability/ needs beyond the repo: the openssl CLI (certificates and
# an encrypted client key for the secret-redaction run) and script(1) from util-linux (a real
# pseudo-terminal for the progress-bar run). The Kafka broker of the secret-redaction run
# comes from scripts/ci/kafka.sh. Idempotent; runs as root.
set -euo pipefail
# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

log() { printf '[ci/observability] %s\n' "$*" >&2; }

need=()
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v script >/dev/null 2>&1 || need+=(bsdutils)
if ((${#need[@]} == 0)); then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  log "missing ${need[*]}; installing needs root (apt-get install -y ${need[*]})"; exit 1
fi
log "installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_get update -qq
apt_get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
