#!/bin/sh
# A pod with thousands of leases: starts the renewer as the image does (bin/kube-vault-auth-renewer) against
# the Vault emulator with LEASES leases (default 3000), all due, and prints how long the first cycle took
# (one lookup and one renewal per lease), the renewer's memory after it, and the size of what the probes,
# the scrape and the log carry. Not a test: figures to read, for the README.
#
#   bench/many-leases.sh                                   3000 leases, no request bound
#   LEASES=500 bench/many-leases.sh
#   RENEWER_MAX_REQUESTS_PER_SECOND=20 bench/many-leases.sh   (the default bound: 6000 calls take 5 min)
set -eu
cd "$(dirname "$0")/.."
java_bin=${JAVA:-java}
leases=${LEASES:-3000}
work=$(mktemp -d)
trap 'kill ${renewer:-} ${vault:-} 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM

. bench/emulator.sh
# the emulator with a token and $leases leases of a 1 h TTL (every lease due at a 1 h interval)
start_emulator "$leases" 3600

env -i PATH="$PATH" JAVA="$java_bin" JAVA_OPTS="${JAVA_OPTS:-}" VAULT_ADDR="$addr" VARIABLES_FILE="$work/variables" \
  RENEW_INTERVAL=3600 CAMEL_MANAGEMENT_PORT=0 \
  RENEWER_MAX_REQUESTS_PER_SECOND="${RENEWER_MAX_REQUESTS_PER_SECOND:-0}" \
  bin/kube-vault-auth-renewer >"$work/renewer.log" 2>&1 &
renewer=$!

await_line "$work/renewer.log" 'Cycle done' "no cycle within 10 min" 30000
pid=$renewer # the script execs java: same process
port=$(sed -n 's|.*Health at http://localhost:\([0-9]*\)/.*|\1|p' "$work/renewer.log" | head -1)
[ -n "$port" ] || { echo "no 'Health at' line in the renewer's log: the probe and scrape were not measured" >&2; exit 1; }
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
# a failed or empty answer is not a size of 0 bytes: stop instead of printing one
fetch() {
  curl -sSf -o "$work/$1" "http://localhost:$port/observe/$2" \
    || { echo "GET /observe/$2 failed: its size was not measured" >&2; exit 1; }
  [ -s "$work/$1" ] || { echo "GET /observe/$2 answered an empty body: its size was not measured" >&2; exit 1; }
  wc -c <"$work/$1"
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
echo "readiness answer:         $ready bytes; metrics scrape: $metrics bytes"
echo "longest log line:         $(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$work/renewer.log") characters"
echo "ERROR lines:              $(grep -c ' ERROR ' "$work/renewer.log" || true)"
