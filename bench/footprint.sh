#!/bin/sh
# The footprint budget: starts the renewer exactly as the image does (bin/kube-vault-auth-renewer) against
# the Vault emulator with 10 leases and a 2 s interval, and prints: time from process start to the first
# completed cycle, resident memory after 30 s (VmRSS, VmHWM), CPU seconds used over 60 s, and the size of
# what the image ships. Not a test: figures to read, for the README.
#
#   bench/footprint.sh                  with the default java
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java bench/footprint.sh
#   JAVA_OPTS=-Xmx32m bench/footprint.sh   (flags added after the image's defaults)
#   NMT=1 bench/footprint.sh              (also prints where the JVM's memory goes, after 30 s)
set -eu
cd "$(dirname "$0")/.."
java_bin=${JAVA:-java}
work=$(mktemp -d)
trap 'kill $renewer $vault 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM

. bench/emulator.sh
# the emulator with a token and 10 leases of a 1 h TTL (not due at a 2 s interval: lookups only)
start_emulator 10 3600

clk=$(getconf CLK_TCK)
start_ms=$(date +%s%3N)
env -i PATH="$PATH" JAVA="$java_bin" JAVA_OPTS="${JAVA_OPTS:-}" VAULT_ADDR="$addr" VARIABLES_FILE="$work/variables" \
  RENEW_INTERVAL=2 CAMEL_MANAGEMENT_PORT=0 bin/kube-vault-auth-renewer >"$work/renewer.log" 2>&1 &
renewer=$!

await_line "$work/renewer.log" 'Cycle done' "no cycle within 60 s"
first=$(grep -m1 'Cycle done' "$work/renewer.log" | cut -d' ' -f1)
first_ms=$(date -d "$first" +%s%3N)

pid=$renewer # the script execs java: same process
sleep $((30 - ($(date +%s%3N) - start_ms) / 1000))
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
threads=$(awk '/^Threads/ {print $2}' "/proc/$pid/status")
if [ "${NMT:-}" = 1 ]; then
  "$(dirname "$(command -v "$java_bin")")/jcmd" "$pid" VM.native_memory summary \
    | grep -E '^-|committed=' | grep -E 'Total|Java Heap|Class|Thread|Code|GC|Compiler|Internal|Other|Symbol|Metaspace|Arena' \
    | sed 's/^/  /' >"$work/nmt"
fi
cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
sleep 60
cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
cycles=$(grep -c 'Cycle done' "$work/renewer.log")
failed=$(grep -c ' ERROR ' "$work/renewer.log" || true)

echo "java:                          $("$java_bin" -version 2>&1 | head -1)"
echo "JAVA_OPTS:                     ${JAVA_OPTS:-}"
echo "start to first completed cycle: $((first_ms - start_ms)) ms"
echo "resident after 30 s:            VmRSS $((rss / 1024)) MiB, VmHWM $((hwm / 1024)) MiB, $threads threads"
echo "CPU over the next 60 s:         $(awk -v t=$((cpu1 - cpu0)) -v c="$clk" 'BEGIN {printf "%.2f", t / c}') s ($cycles cycles of 11 Vault calls so far, $failed ERROR lines)"
if [ -s "$work/nmt" ]; then echo "native memory (NMT, committed) after 30 s:"; cat "$work/nmt"; fi
echo "image payload:                  jar $(du -k "$jar" | cut -f1) KiB (dependencies inside), start script $(du -k bin/kube-vault-auth-renewer | cut -f1) KiB"
