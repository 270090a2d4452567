#!/usr/bin/env bash
# Installs what the S3 sink's tests need into a virtual environment under .cache/s3/venv:
# moto (a real S3 API server, run in server mode on loopback) and pyarrow (an independent
# Parquet reader), with jsonschema to check rows against the OCSF schemas. Python 3 and its
# venv module come from Debian when missing. Idempotent: with the venv present at these
# versions it does nothing. Run by .ci/run and by test/support/moto.ts when the venv is missing.
set -euo pipefail
# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

MOTO_VERSION="5.2.5"
PYARROW_VERSION="26.0.1"
JSONSCHEMA_VERSION="4.26.0"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${repo_root}/.cache/s3"
venv="${cache}/venv"
stamp="${venv}/.installed-moto-${MOTO_VERSION}-pyarrow-${PYARROW_VERSION}-jsonschema-${JSONSCHEMA_VERSION}"

[[ -f "${stamp}" ]] && exit 0

if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "s3.sh: python3 with venv is missing; run this script as root (it apt-get installs python3-venv)" >&2
    exit 1
  fi
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends python3 python3-venv
fi

mkdir -p "${cache}"
# Test files running in parallel may all find the venv missing: one installs, the rest wait.
exec 9>"${cache}/.lock"
flock 9
[[ -f "${stamp}" ]] && exit 0

# The stamp, written last, marks a complete venv: an interrupted install is redone from scratch.
rm -rf "${venv}"
python3 -m venv "${venv}"
if ! "${venv}/bin/pip" install -q --disable-pip-version-check \
  "moto[server]==${MOTO_VERSION}" "pyarrow==${PYARROW_VERSION}" "jsonschema==${JSONSCHEMA_VERSION}" \
  >"${cache}/pip.log" 2>&1; then
  echo "s3.sh: pip install of moto, pyarrow and jsonschema failed:" >&2
  tail -20 "${cache}/pip.log" >&2
  exit 1
fi
touch "${stamp}"
"${venv}/bin/python" -c 'import moto, pyarrow; print("moto", moto.__version__, "pyarrow", pyarrow.__version__)'
