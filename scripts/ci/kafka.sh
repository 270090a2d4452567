#!/usr/bin/env bash
# Installs what the Kafka sink's integration tests need: a JDK (17+), Maven and openssl from
# Debian, and the Apache Kafka broker jars resolved from Maven Central into .cache/kafka/libs.
# Idempotent: a second run with the jars present does nothing but check them.
# Used by CI (every scripts/ci/*.sh runs before `npm ci && npm test`) and by
# test/support/kafka-broker.ts when the jars are missing.
set -euo pipefail
# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

KAFKA_VERSION="${KAFKA_VERSION:-3.9.2}"
SCALA_VERSION="2.13"
# Kafka 3.9 logs through SLF4J 1.7; without a binding the broker prints nothing useful.
SLF4J_BINDING_VERSION="1.7.36"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${repo_root}/.cache/kafka"
libs="${cache}/libs"
stamp="${libs}/.kafka-${KAFKA_VERSION}"

need_pkgs=()
command -v java >/dev/null 2>&1 || need_pkgs+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need_pkgs+=(maven)
command -v openssl >/dev/null 2>&1 || need_pkgs+=(openssl)
if ((${#need_pkgs[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "kafka.sh: missing ${need_pkgs[*]}; run this script as root (it apt-get installs them)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends "${need_pkgs[@]}"
fi

java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')"
if [[ -z "${java_major}" || "${java_major}" -lt 17 ]]; then
  echo "kafka.sh: Java 17+ is required (found ${java_major:-none}); install openjdk-17-jre-headless" >&2
  exit 1
fi

if [[ -f "${stamp}" ]] && compgen -G "${libs}/kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar" >/dev/null; then
  exit 0
fi

mkdir -p "${cache}"
# Test files running in parallel may all find the jars missing: one resolves, the rest wait.
exec 9>"${cache}/.lock"
flock 9
if [[ -f "${stamp}" ]] && compgen -G "${libs}/kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar" >/dev/null; then
  exit 0
fi
cat >"${cache}/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>claude-audit-forwarder.test</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_${SCALA_VERSION}</artifactId>
      <version>${KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>${SLF4J_BINDING_VERSION}</version>
    </dependency>
  </dependencies>
</project>
POM

# Resolve into a fresh directory and swap it in, so an interrupted download never leaves a
# half-filled libs/ that looks complete.
rm -rf "${libs}.tmp"
if ! mvn -B -q -Dstyle.color=never --no-transfer-progress -f "${cache}/pom.xml" \
  -Dmaven.repo.local="${cache}/m2" \
  dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="${libs}.tmp" >"${cache}/mvn.log" 2>&1; then
  echo "kafka.sh: resolving org.apache.kafka:kafka_${SCALA_VERSION}:${KAFKA_VERSION} from Maven Central failed:" >&2
  tail -40 "${cache}/mvn.log" >&2
  exit 1
fi
rm -rf "${libs}"
mv "${libs}.tmp" "${libs}"
touch "${stamp}"
echo "kafka.sh: Kafka ${KAFKA_VERSION} broker jars in ${libs} ($(ls "${libs}" | wc -l) files)"
