#!/bin/sh
# A pod with thousands of leases: starts the renewer as the image does (bin/kube-vault-auth-renewer) against
# the Vault emulator with LEASES leases (default 3000), all due, and prints how long the first cycle took
# (one lookup and one renewal per lease), the renewer's memory after it, and the size of what the probes,
# the scrape and the log carry. Not a test: figures to read, for docs/footprint.md.
# The limit check: the renewer runs in its own memory cgroup (bench/cgroup.sh, needs root) limited to the
# manifests' limits.memory for it (manifests/base/deployment.yaml), as the kubelet would run it; the script
# prints the cgroup's peak usage and working set, and fails if the kernel OOM-killed the renewer or it stopped.
#
#   bench/many-leases.sh                                   3000 leases, no request bound, the manifests' limit
#   LEASES=500 bench/many-leases.sh
#   MEMORY_LIMIT=96Mi bench/many-leases.sh                 another limit (Mi); MEMORY_LIMIT=none: no limit
#   RENEWER_MAX_REQUESTS_PER_SECOND=20 bench/many-leases.sh   (the default bound: 6000 calls take 5 min)
set -eu
cd "$(dirname "$0")/.."
java_bin=${JAVA:-java}
leases=${LEASES:-3000}
work=$(mktemp -d)
trap 'kill ${renewer:-} ${vault:-} 2>/dev/null || true; [ -z "${cg:-}" ] || cg_remove "$cg" || true; rm -rf "$work"' EXIT INT TERM

# the renewer container's limits.memory: the first `limits: {memory: …Mi}` after `- name: vault-renewer`
limit=${MEMORY_LIMIT:-$(awk '/- name: vault-renewer/ { c = 1 } c && /limits: *\{ *memory: */ { sub(/.*memory: */, ""); sub(/ *\}.*/, ""); print; exit }' \
  manifests/base/deployment.yaml)}
case "$limit" in
  none) limit_bytes="" ;;
  *Mi) limit_bytes=$((${limit%Mi} * 1048576)) ;;
  *) echo "MEMORY_LIMIT=$limit: give it in Mi (e.g. 128Mi) or as none (manifests/base/deployment.yaml's vault-renewer limits.memory when unset)" >&2; exit 2 ;;
esac
. bench/cgroup.sh
cg_detect
cg=$(cg_create "many-leases-$$" "$limit_bytes")

. bench/emulator.sh
# the emulator with a token and $leases leases of a 1 h TTL (every lease due at a 1 h interval)
start_emulator "$leases" 3600

cg_exec "$cg" env -i PATH="$PATH" JAVA="$java_bin" JAVA_OPTS="${JAVA_OPTS:-}" VAULT_ADDR="$addr" VARIABLES_FILE="$work/variables" \
  RENEW_INTERVAL=3600 CAMEL_MANAGEMENT_PORT=0 \
  RENEWER_MAX_REQUESTS_PER_SECOND="${RENEWER_MAX_REQUESTS_PER_SECOND:-0}" \
  bin/kube-vault-auth-renewer >"$work/renewer.log" 2>&1 &
renewer=$!

# running: neither gone nor killed and not yet reaped (a zombie still answers kill -0)
running() { kill -0 "$1" 2>/dev/null && ! grep -qs '^State:.*Z' "/proc/$1/status"; }
# until the first cycle is done, or the renewer is gone (its cgroup's OOM kills say whether the limit did it)
tries=0
until grep -qs 'Cycle done' "$work/renewer.log"; do
  if ! running $renewer; then
    echo "the renewer stopped before its first cycle was done ($(cg_limit_hits "$cg") in its cgroup, limit $limit)" >&2
    tail -20 "$work/renewer.log" >&2
    exit 1
  fi
  tries=$((tries + 1))
  [ $tries -lt 30000 ] || { echo "no cycle within 10 min" >&2; exit 1; }
  sleep 0.02
done
pid=$renewer # the script execs java: same process
ws_cycle=$(cg_working_set "$cg")
port=$(sed -n 's|.*Health at http://localhost:\([0-9]*\)/.*|\1|p' "$work/renewer.log" | head -1)
[ -n "$port" ] || { echo "no 'Health at' line in the renewer's log: the probe and scrape were not measured" >&2; exit 1; }
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
# a failed or empty answer is not a size of 0 bytes: stop instead of printing one
fetch() {
  curl -sS -o "$work/$1" -w "%{http_code}" "http://localhost:$port/observe/$2" >"$work/$1.status" \
    || { echo "GET /observe/$2 failed: its size was not measured" >&2; exit 1; }
  [ -s "$work/$1" ] || { echo "GET /observe/$2 answered an empty body: its size was not measured" >&2; exit 1; }
  # readiness answers 503 with its body when an item is not fine: still the size the kubelet reads
  printf "%s bytes (HTTP %s)" "$(wc -c <"$work/$1" | tr -d " ")" "$(cat "$work/$1.status")"
}
ready=$(fetch ready health/ready)
metrics=$(fetch metrics metrics)
rss_after=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
[ -n "$rss" ] && [ -n "$hwm" ] && [ -n "$rss_after" ] \
  || { echo "the renewer (pid $pid) had no VmRSS/VmHWM: it is no longer running" >&2; exit 1; }

echo "java:                     $("$java_bin" -version 2>&1 | head -1)"
echo "leases:                   $leases (request bound ${RENEWER_MAX_REQUESTS_PER_SECOND:-0}/s, 0 = none)"
echo "first cycle:              $(grep -m1 'Cycle done' "$work/renewer.log" | sed 's/.*Cycle done in \([0-9]*\) ms.*leases checked \([0-9]*\), renewed \([0-9]*\).*/\1 ms, \2 checked, \3 renewed/')"
echo "resident after the cycle: VmRSS $((rss / 1024)) MiB, VmHWM $((hwm / 1024)) MiB; $((rss_after / 1024)) MiB after one probe and one scrape"
echo "readiness answer:         $ready; metrics scrape: $metrics"
echo "longest log line:         $(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$work/renewer.log") characters"
echo "ERROR lines:              $(grep -c ' ERROR ' "$work/renewer.log" || true)"
# still running a few seconds on, after the probe and the scrape: not killed, not stopped by the JVM itself
sleep 5
hits=$(cg_limit_hits "$cg")
alive=$(running $renewer && echo running || echo "NOT RUNNING")
echo "memory cgroup (v$cg_version): limit ${limit}; peak $(($(cg_peak "$cg") / 1024)) MiB; working set $((ws_cycle / 1024)) MiB after the cycle, $(($(cg_working_set "$cg") / 1024)) MiB 5 s later; $hits; the renewer: $alive"
[ "$alive" = running ] && case "$hits" in "oom_kill 0,"*) true ;; *) false ;; esac \
  || { echo "limit check failed: the renewer was OOM-killed or stopped" >&2; exit 1; }
