#!/usr/bin/env bash
# What detections/ needs: a Python venv in .cache/sigma-venv with pySigma, sigma-cli and the
# Splunk, Elasticsearch, Kusto (Sentinel) and OpenSearch backends from PyPI, at the exact
# versions of detections/tools/requirements.txt. Rebuilt when that file changes. Idempotent.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$repo/.cache/sigma-venv"
reqs="$repo/detections/tools/requirements.txt"
stamp="$venv/.requirements"

log() { printf '[ci/sigma] %s\n' "$*" >&2; }

ready() { [ -x "$venv/bin/sigma" ] && [ -f "$stamp" ] && cmp -s "$reqs" "$stamp"; }
if ready; then
  exit 0
fi
# Test files run two at a time and each prepares the venv when missing: one builds, the
# other waits and then finds it ready.
mkdir -p "$repo/.cache"
exec 9>"$repo/.cache/sigma-venv.lock"
flock -w 900 9 || { log "waited 15 min for $repo/.cache/sigma-venv.lock"; exit 1; }
if ready; then
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    log "python3 with venv is missing; run this script as root (it apt-get installs python3-venv)"; exit 1
  fi
  # shellcheck source=lib/apt.sh
  source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends python3 python3-venv
fi
python="$(command -v python3)"
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  log "python3 is $("$python" --version 2>&1); pySigma needs >= 3.10"; exit 1
fi
log "creating $venv"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$reqs"
"$venv/bin/pip" check >/dev/null
cp "$reqs" "$stamp"
log "ready: sigma-cli $("$venv/bin/pip" show sigma-cli 2>/dev/null | sed -n "s/^Version: //p")"
