#!/usr/bin/env bash
# Installs what the Elasticsearch/OpenSearch sink's integration tests need: a JDK 17, unzip and
# openssl from Debian, the integration-test distributions of Elasticsearch and OpenSearch from
# Maven Central (unpacked under .cache/search-engines/), and an unprivileged user to run them
# (both refuse to run as root).
# Idempotent: a second run with everything present only checks. Used by CI (every
# scripts/ci/*.sh runs before `npm ci && npm test`) and by test/support/search-engine.ts when
# an engine is missing.
set -euo pipefail
# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

ES_VERSION="${ES_VERSION:-8.19.21}"
OPENSEARCH_VERSION="${OPENSEARCH_VERSION:-2.19.6}"
ENGINE_USER="${SEARCH_ENGINE_USER:-searchengine}"
MAVEN="https://repo1.maven.org/maven2"

log() { printf '[ci/elasticsearch] %s\n' "$*" >&2; }

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${repo_root}/.cache/search-engines"

need_pkgs=()
[[ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]] || need_pkgs+=(openjdk-17-jre-headless)
command -v unzip >/dev/null 2>&1 || need_pkgs+=(unzip)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
command -v openssl >/dev/null 2>&1 || need_pkgs+=(openssl)
if ((${#need_pkgs[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    log "missing ${need_pkgs[*]}; run this script as root (it apt-get installs them)"
    exit 1
  fi
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

if ! id -u "${ENGINE_USER}" >/dev/null 2>&1; then
  if [[ $(id -u) -ne 0 ]]; then
    log "user ${ENGINE_USER} is missing; run this script as root (it creates it)"
    exit 1
  fi
  useradd --system --no-create-home --shell /usr/sbin/nologin "${ENGINE_USER}"
fi

# fetch <group path> <artifact> <version> <dir name>
fetch() {
  local group="$1" artifact="$2" version="$3" name="$4"
  local home="${cache}/${name}"
  [[ -f "${home}/.complete" ]] && return 0
  local url="${MAVEN}/${group}/${artifact}/${version}/${artifact}-${version}.zip"
  local tmp="${cache}/${name}.tmp"
  rm -rf "${tmp}" && mkdir -p "${tmp}"
  log "downloading ${url}"
  if ! curl -fsSL --retry 3 -o "${tmp}/dist.zip" "${url}"; then
    log "download of ${url} failed"
    exit 1
  fi
  # The checksum Maven Central publishes beside the zip guards against a truncated download.
  local want
  want="$(curl -fsSL --retry 3 "${url}.sha1" | cut -c1-40)"
  if [[ "$(sha1sum "${tmp}/dist.zip" | cut -c1-40)" != "${want}" ]]; then
    log "checksum of ${url} does not match ${url}.sha1"
    exit 1
  fi
  unzip -q "${tmp}/dist.zip" -d "${tmp}"
  rm -f "${tmp}/dist.zip"
  rm -rf "${home}"
  mv "${tmp}/${artifact}-${version}" "${home}"
  rm -rf "${tmp}"
  # The engine writes its keystore and temp files under its home; logs and data go to a
  # per-test directory given on the command line.
  chown -R "${ENGINE_USER}" "${home}"
  touch "${home}/.complete"
}

mkdir -p "${cache}"
# Test files running in parallel may all find an engine missing: one downloads, the rest wait.
exec 9>"${cache}/.lock"
flock 9
fetch org/elasticsearch/distribution/integ-test-zip elasticsearch "${ES_VERSION}" "elasticsearch-${ES_VERSION}"
fetch org/opensearch/distribution/integ-test-zip opensearch "${OPENSEARCH_VERSION}" "opensearch-${OPENSEARCH_VERSION}"
