#!/usr/bin/env bash
# Installs what the Elasticsearch/OpenSearch sink's integration tests need: a JDK 17, unzip and
# openssl from Debian, the integration-test distributions of Elasticsearch and OpenSearch from
# Maven Central (unpacked under .cache/search-engines/), and an unprivileged user to run them
# (both refuse to run as root). The Elasticsearch zip has no ES|QL: its modules come from Maven
# Central's plugin jars (install_module below).
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

# ES|QL: the test zip ships without it, the full distribution's modules/x-pack-esql* are not on
# Maven Central, but their jars are. A module is its jars plus the plugin descriptor the
# plugin jar carries. Dependencies the zip's lib/ or x-pack-core already hold (grok, joni,
# jcodings, hppc, slf4j-api) stay out: the same class twice is jar hell at start-up.
ESQL_JARS=(
  "org.elasticsearch.plugin:x-pack-esql:${ES_VERSION}"
  "org.elasticsearch.plugin:x-pack-esql-compute:${ES_VERSION}"
  "org.elasticsearch.plugin:x-pack-esql-compute-ann:${ES_VERSION}"
  "org.elasticsearch.plugin:x-pack-kql:${ES_VERSION}"
  "org.elasticsearch.plugin:arrow:${ES_VERSION}"
  "org.elasticsearch:elasticsearch-dissect:${ES_VERSION}"
  "org.apache.lucene:lucene-spatial3d:9.12.2"
  "org.apache.arrow:arrow-vector:18.3.0"
  "org.apache.arrow:arrow-format:18.3.0"
  "org.apache.arrow:arrow-memory-core:18.3.0"
  "org.checkerframework:checker-qual:3.42.0"
  "com.google.flatbuffers:flatbuffers-java:23.5.26"
  "com.fasterxml.jackson.core:jackson-annotations:2.18.9"
  "com.fasterxml.jackson.core:jackson-core:2.18.9"
  "com.fasterxml.jackson.core:jackson-databind:2.18.9"
  "org.slf4j:slf4j-nop:2.0.17"
)
ESQL_CORE_JARS=(
  "org.elasticsearch.plugin:x-pack-esql-core:${ES_VERSION}"
  "org.elasticsearch.plugin:x-pack-mapper-version:${ES_VERSION}"
  "org.antlr:antlr4-runtime:4.13.1"
)

# fetch_jar <group:artifact:version> <dir>
fetch_jar() {
  local group artifact version
  IFS=: read -r group artifact version <<<"$1"
  local file="${artifact}-${version}.jar"
  local url="${MAVEN}/${group//.//}/${artifact}/${version}/${file}"
  if ! curl -fsSL --retry 3 -o "$2/${file}" "${url}"; then
    log "download of ${url} failed"
    exit 1
  fi
  local want
  want="$(curl -fsSL --retry 3 "${url}.sha1" | cut -c1-40)"
  if [[ "$(sha1sum "$2/${file}" | cut -c1-40)" != "${want}" ]]; then
    log "checksum of ${url} does not match ${url}.sha1"
    exit 1
  fi
}

# install_module <module name> <extended plugins> <coordinates...>; the first jar is the
# plugin's own and carries its descriptor.
install_module() {
  local name="$1" extends="$2"
  shift 2
  local home="${cache}/elasticsearch-${ES_VERSION}"
  local dir="${home}/modules/${name}"
  [[ -f "${dir}/.complete" ]] && return 0
  local tmp="${cache}/${name}.tmp"
  rm -rf "${tmp}" && mkdir -p "${tmp}"
  log "installing the ${name} module from Maven Central"
  local coordinates
  for coordinates in "$@"; do fetch_jar "${coordinates}" "${tmp}"; done
  local own
  own="$(cut -d: -f2 <<<"$1")-$(cut -d: -f3 <<<"$1").jar"
  # ES|QL's own descriptor extends lang-painless and x-pack-ml, which Maven Central does not
  # serve; without them only CATEGORIZE and CHANGE_POINT (ML) are missing.
  unzip -p "${tmp}/${own}" "META-INF/es-plugins/${name}/plugin-descriptor.properties" |
    sed "s/^extended\.plugins=.*/extended.plugins=${extends}/" >"${tmp}/plugin-descriptor.properties"
  if ! grep -q "^name=${name}$" "${tmp}/plugin-descriptor.properties"; then
    log "${own} carries no plugin descriptor for ${name}"
    exit 1
  fi
  rm -rf "${dir}"
  mv "${tmp}" "${dir}"
  chown -R "${ENGINE_USER}" "${dir}"
  touch "${dir}/.complete"
}

install_module x-pack-esql-core x-pack-core "${ESQL_CORE_JARS[@]}"
install_module x-pack-esql x-pack-esql-core "${ESQL_JARS[@]}"
