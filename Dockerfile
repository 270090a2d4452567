# Production image for claude-audit-forwarder.
#
#   docker build -t claude-audit-forwarder .
#   docker run --read-only -v caf-data:/var/lib/claude-audit-forwarder \
#     -v "$PWD/config.yaml:/etc/claude-audit-forwarder/config.yaml:ro" claude-audit-forwarder
#
# Build stages run on the official Node image (npm is needed to install and compile); the
# runtime stage is plain Debian slim plus the node binary, tini and the app: no npm, no
# corepack, no compilers, so nothing a scanner flags that the forwarder never runs.
# Both bases are build arguments so a registry mirror or a pinned digest drops in unchanged.
ARG BASE_IMAGE=node:24-bookworm-slim
ARG RUNTIME_BASE_IMAGE=debian:bookworm-slim

# ---- dependencies: only package*.json, so source edits reuse this layer ----------------------
FROM ${BASE_IMAGE} AS deps
WORKDIR /src
ENV npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
COPY package.json package-lock.json ./
# No install scripts: the one native runtime dependency (@splunk/otel) ships prebuilt
# binaries that it finds at load time, and nothing a dependency's script does is trusted.
RUN npm ci --ignore-scripts

# ---- compile TypeScript ------------------------------------------------------------------------
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
RUN npm run build

# ---- production dependencies only (cached as long as the lockfile does not change) -----------
FROM deps AS prod-deps
RUN npm prune --omit=dev

# ---- tini from Debian: an init as PID 1 that forwards SIGTERM and reaps zombies --------------
# Kubernetes has no `docker run --init`, so the init has to be in the image. The static build
# is one self-contained file; apt and its lists stay in this throw-away stage.
FROM ${BASE_IMAGE} AS tini
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && cp /usr/bin/tini-static /tini \
 && /tini --version

# ---- runtime -----------------------------------------------------------------------------------
FROM ${RUNTIME_BASE_IMAGE} AS runtime

# A fixed numeric identity (the distroless "nonroot" uid) so Kubernetes can verify
# runAsNonRoot without a passwd lookup; the passwd entry is there for tools that want a name.
# The data directory is the only writable path: with --read-only / readOnlyRootFilesystem the
# checkpoint, dead letters and file sinks all live on the volume mounted here.
RUN groupadd --system --gid 65532 forwarder \
 && useradd --system --uid 65532 --gid 65532 --home-dir /var/lib/claude-audit-forwarder \
      --no-create-home --shell /usr/sbin/nologin forwarder \
 && install -d -o 65532 -g 65532 -m 0750 /var/lib/claude-audit-forwarder \
 && install -d -m 0755 /etc/claude-audit-forwarder

COPY --from=tini /tini /usr/bin/tini
COPY --from=deps /usr/local/bin/node /usr/local/bin/node

# Owned by root and not writable by the forwarder's user: the process cannot alter its code.
WORKDIR /app
COPY --from=prod-deps /src/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY --from=build /src/dist ./dist
RUN ln -s /app/bin/claude-audit-forwarder /usr/local/bin/claude-audit-forwarder \
 && claude-audit-forwarder --version

ENV NODE_ENV=production \
    CLAUDE_AUDIT_FORWARDER_CONFIG=/etc/claude-audit-forwarder/config.yaml
# Relative paths in a config (the defaults are ./data/...) resolve inside the volume.
WORKDIR /var/lib/claude-audit-forwarder
VOLUME ["/var/lib/claude-audit-forwarder"]
USER 65532:65532
# Metrics and health (/metrics, /healthz, /readyz) when `metrics.listen` is set.
EXPOSE 9464
STOPSIGNAL SIGTERM

# -s: stay a subreaper even when not PID 1 (e.g. under `docker run --init`). The command is
# the launcher script, which execs node with the bounded heap (NODE_OPTIONS overrides it).
ENTRYPOINT ["/usr/bin/tini", "-s", "--", "/app/bin/claude-audit-forwarder"]
CMD ["run", "-c", "/etc/claude-audit-forwarder/config.yaml"]

# Build metadata last: a new version or revision changes only these metadata layers.
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
ARG SOURCE=https://github.com/claude-audit-forwarder/claude-audit-forwarder
ARG RUNTIME_BASE_IMAGE
LABEL org.opencontainers.image.title="claude-audit-forwarder" \
      org.opencontainers.image.description="Forwards Claude Compliance API audit activity to Splunk HEC, Kafka, syslog and files as OCSF, ECS or raw JSON, with checkpointing and at-least-once delivery." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.url="${SOURCE}" \
      org.opencontainers.image.documentation="${SOURCE}/blob/main/docs/kubernetes.md" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="${RUNTIME_BASE_IMAGE}"
