# Sourced by scripts/ci/*.sh (kept out of their glob, so .ci/run does not run it).
# On a fresh machine `npm test` runs these scripts from test files two at a time, and apt
# holds one lock: without waiting, the second install fails with "Could not get lock".
# Every apt-get call here takes our own lock first and waits for dpkg's as well (for an apt
# run that is not ours).
apt_get() {
  (
    flock -w 900 9 || { echo "apt_get: waited 15 min for ${APT_LOCK_FILE:-the apt lock}" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@"
  ) 9>"${APT_LOCK_FILE:-/tmp/claude-audit-forwarder-apt.lock}"
}
