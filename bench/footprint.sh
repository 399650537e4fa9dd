#!/bin/sh
# The footprint as a node pays it: starts N renewers side by side exactly as the image does
# (bin/kube-vault-auth-renewer, with a class-data-sharing archive recorded the way the Dockerfile records it),
# against the Vault emulator (its own JVM) with a token and 10 leases and a 2 s interval, and prints for each
# renewer, 30 s after the start: resident memory (VmRSS), anonymous memory (RssAnon: private to the process,
# paid once per pod), Pss (its share of the pages it shares, from smaps_rollup), its working set as the kubelet
# counts it (each renewer runs in its own memory cgroup: usage minus inactive file pages, bench/cgroup.sh), and
# the time from process start to the first completed cycle. Then, per N, the minimum and maximum over all runs, and the median first
# cycle. Not a test: figures to read, for docs/footprint.md.
#
#   bench/footprint.sh                          N=1 and N=4, 3 runs each, the default java
#   RUNS=1 COUNTS=4 bench/footprint.sh           one run of 4 renewers
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java bench/footprint.sh
#   JAVA_OPTS=-Xmx32m bench/footprint.sh         flags added after the image's defaults (both runs and archive)
#   LOG_FORMAT=json bench/footprint.sh           the renewers log JSON (the archive is recorded as the Dockerfile does)
#   ARCHIVE=0 bench/footprint.sh                 without the archive
#   ARCHIVE=aot JAVA=…/temurin-25…/bin/java bench/footprint.sh   Java 25's AOT cache instead, from the same training run
#   RENEWER_ARCHIVE_RELOCATION=1 bench/footprint.sh   the archive mapped at a random address (the JVM's default)
#   NMT=1 bench/footprint.sh                     also where one renewer's memory goes (native memory tracking)
#   SMAPS=1 bench/footprint.sh                   also one renewer's largest private mappings (from smaps)
#   SETTLE=0 RUNS=5 COUNTS=1 bench/footprint.sh  start times only (memory is read at once, not after 30 s)
set -eu
cd "$(dirname "$0")/.."
java_bin=${JAVA:-java}
runs=${RUNS:-3}
counts=${COUNTS:-1 4}
work=$(mktemp -d)
pids=""
cgroups=""
trap 'kill ${pids:-} ${vault:-} 2>/dev/null || true; for c in $cgroups; do cg_remove "$c" || true; done; rm -rf "$work"' EXIT INT TERM

. bench/cgroup.sh
cg_detect
. bench/emulator.sh
# the emulator with a token and 10 leases of a 1 h TTL (not due at a 2 s interval: lookups only)
start_emulator 10 3600

image_layout

kib() { awk -v k="$1" '$1 == k ":" {print $2}' "$2"; }

# one run of $1 renewers side by side; appends "n first_ms rss anon pss ws" per renewer to $work/results
run() {
  n=$1
  pids=""
  i=0
  start_ms=$(date +%s%3N)
  while [ $i -lt "$n" ]; do
    cg=$(cg_create "footprint-$$-$n-$i")
    cgroups="$cgroups $cg"
    echo "$cg" >"$work/cgroup-$n-$i"
    cg_exec "$cg" env -i PATH="$PATH" JAVA="$java_bin" RENEWER_JAR="$app_jar" JAVA_OPTS="${JAVA_OPTS:-}" \
      ${RENEWER_ARCHIVE_RELOCATION:+RENEWER_ARCHIVE_RELOCATION=$RENEWER_ARCHIVE_RELOCATION} ${MALLOC_ARENA_MAX:+MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX} \
      ${LOG_FORMAT:+LOG_FORMAT=$LOG_FORMAT} \
      VAULT_ADDR="$addr" VARIABLES_FILE="$work/variables" RENEW_INTERVAL=2 CAMEL_MANAGEMENT_PORT=0 \
      bin/kube-vault-auth-renewer >"$work/renewer-$n-$i.log" 2>&1 &
    pids="$pids $!"
    echo "$! $(date +%s%3N)" >"$work/started-$n-$i"
    i=$((i + 1))
  done
  i=0
  while [ $i -lt "$n" ]; do
    await_line "$work/renewer-$n-$i.log" 'Cycle done' "renewer $i of $n: no cycle within 60 s"
    i=$((i + 1))
  done
  left=$((${SETTLE:-30} - ($(date +%s%3N) - start_ms) / 1000))
  [ $left -le 0 ] || sleep $left
  i=0
  for pid in $pids; do
    # the script execs java: the same process
    read -r _ started <"$work/started-$n-$i"
    # the line's time: its first word, or a JSON line's @timestamp
    first=$(grep -m1 'Cycle done' "$work/renewer-$n-$i.log" | sed 's/^{"@timestamp":"\([^"]*\)".*/\1/; s/ .*//')
    first_ms=$(($(date -d "$first" +%s%3N) - started))
    rss=$(kib VmRSS "/proc/$pid/status")
    anon=$(kib RssAnon "/proc/$pid/status")
    pss=$(kib Pss "/proc/$pid/smaps_rollup")
    ws=$(cg_working_set "$(cat "$work/cgroup-$n-$i")")
    echo "$n $first_ms $rss $anon $pss $ws" >>"$work/results"
    printf '  N=%s renewer %s: first cycle %5d ms, VmRSS %3d MiB, RssAnon %3d MiB, Pss %3d MiB, working set %3d MiB\n' \
      "$n" "$i" "$first_ms" $((rss / 1024)) $((anon / 1024)) $((pss / 1024)) $((ws / 1024))
    if [ "${SMAPS:-}" = 1 ] && [ $i = 0 ]; then
      # the largest private (anonymous) mappings: the heap, the code cache, metaspace, malloc arenas, stacks
      awk '/^[0-9a-f]+-[0-9a-f]+ / { region = $1 " " $2 " " $6 }
           /^Size:/ { size = $2 }
           /^Anonymous:/ && $2 > 0 { printf "    %6d KiB anonymous of %7d KiB at %s\n", $2, size, region }' \
        "/proc/$pid/smaps" \
        | sort -rn | head -12
    fi
    if [ "${NMT:-}" = 1 ] && [ $i = 0 ]; then
      "$(dirname "$(command -v "$java_bin")")/jcmd" "$pid" VM.native_memory summary \
        | grep -E '^-|committed=' | grep -E 'Total|Java Heap|Class|Thread|Code|GC|Compiler|Internal|Other|Symbol|Metaspace|Arena' \
        | sed 's/^/    /' || echo "    (NMT: add -XX:NativeMemoryTracking=summary to JAVA_OPTS)"
    fi
    i=$((i + 1))
  done
  kill $pids 2>/dev/null || true
  for pid in $pids; do wait "$pid" 2>/dev/null || true; done
  pids=""
  for c in $cgroups; do cg_remove "$c"; done
  cgroups=""
}

echo "java:      $("$java_bin" -version 2>&1 | head -1)"
echo "JAVA_OPTS: ${JAVA_OPTS:-}"
echo "cgroups:   v$cg_version, one per renewer under $cg_parent"
echo "archive:   $([ "${ARCHIVE:-1}" != 0 ] && echo "recorded by bin/record-start-archive ($(du -k "$work"/app/*.jsa "$work"/app/*.aot 2>/dev/null | cut -f1) KiB)" || echo none)"
r=1
while [ $r -le "$runs" ]; do
  for n in $counts; do
    echo "run $r, $n side by side:"
    run "$n"
  done
  r=$((r + 1))
done

echo "summary (MiB; first cycle in ms; min-max over $runs run(s) and every renewer):"
for n in $counts; do
  awk -v n="$n" '$1 == n {
      c++; f[c] = $2
      if (c == 1 || $3 < r0) r0 = $3; if ($3 > r1) r1 = $3
      if (c == 1 || $4 < a0) a0 = $4; if ($4 > a1) a1 = $4
      if (c == 1 || $5 < p0) p0 = $5; if ($5 > p1) p1 = $5
      if (c == 1 || $6 < w0) w0 = $6; if ($6 > w1) w1 = $6
    }
    END {
      for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (f[j] < f[i]) { t = f[i]; f[i] = f[j]; f[j] = t }
      printf "  N=%s: VmRSS %d-%d, RssAnon %d-%d, Pss %d-%d, working set %d-%d, first cycle %d-%d ms (median %d)\n",
        n, r0 / 1024, r1 / 1024, a0 / 1024, a1 / 1024, p0 / 1024, p1 / 1024, w0 / 1024, w1 / 1024, f[1], f[c], f[int((c + 1) / 2)]
    }' "$work/results"
done
echo "image payload: jar $(du -k "$jar" | cut -f1) KiB (dependencies inside)"
