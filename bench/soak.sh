#!/bin/sh
# A soak: one renewer for DURATION seconds, started as the image runs it (bin/kube-vault-auth-renewer, with the
# class-data-sharing archive recorded as bench/footprint.sh records it), against the Vault emulator (its own JVM)
# with a token and 200 leases on short TTLs (60-300 s, the token 120 s) and RENEW_INTERVAL=30, so that it renews
# all the time; 10 % of the leases have a max TTL that ends inside the run. Faults come at random moments, from a
# seeded schedule (printed, with the seed): Vault sealed for a few seconds, 5xx storms, 429 storms (with
# Retry-After, as a quota with response headers sends it), dropped connections and answers cut short, slow
# answers, the variables file rewritten (the same, a lease added, a lease removed), the route file of ROUTES_DIR
# reloaded (ROUTES_RELOAD=true), and renewNow() over JMX. Every few seconds it samples the renewer's RSS, threads,
# open files and log lines; the heap after each GC comes from -Xlog:gc. At the end it prints the leases kept and
# lost (each loss with why: only a lease that reached its max TTL is an expected loss), the calls per lease per
# cycle, the samples summarised over time, and a verdict line. Not a test: figures to read (e2e/SoakIT runs a
# minute of it).
#
#   bench/soak.sh                          30 minutes, a new seed
#   DURATION=60 SEED=42 bench/soak.sh      a minute, the schedule of seed 42
#   LEASES=200 SAMPLE=5 FAULT_EVERY=45 bench/soak.sh   the defaults: leases, seconds between samples, mean
#                                          seconds between faults (beyond one of each kind)
#   JAVA=… JAVA_OPTS=… LOG_FORMAT=json ARCHIVE=0   as for bench/footprint.sh
#   LOGS=/tmp/soak bench/soak.sh           also keeps the renewer's log, the GC log, the samples, the schedule and
#                                          the emulator's ledger in that directory
# Exits 1 when a lease that Vault could have kept was lost (or the token, or the renewer died).
set -eu
cd "$(dirname "$0")/.."
java_bin=${JAVA:-java}
duration=${DURATION:-1800}
seed=${SEED:-$(date +%s)}
leases=${LEASES:-200}
sample=${SAMPLE:-5}
fault_every=${FAULT_EVERY:-45}
interval=30
work=$(mktemp -d)
renewer=""
sampler=""
trap 'kill ${sampler:-} ${renewer:-} ${vault:-} 2>/dev/null || true; rm -rf "$work"' EXIT
trap 'echo "soak.sh: stopped by a signal, no figures" >&2; exit 143' INT TERM

. bench/emulator.sh
# a copy of the emulator's classes: a build during a long run must not change them under it
cp -r target/test-classes "$work/test-classes"
test_classes=$work/test-classes
tcp="$test_classes:$(cat "$work/cp")"
# the leases' max TTLs end between a fifth and four fifths of the run (from the emulator's start)
capped=$((leases / 10))
start_emulator "$leases" 60 --ttl 60-300 --token-ttl 120 --capped "$capped:$((duration / 5))-$((duration * 4 / 5))" \
  --seed "$seed" --control

image_layout
mkdir "$work/routes"
# the route file the manifests mount from a ConfigMap (ROUTES_DIR)
cp manifests/base/routes/renewal-failure.camel.yaml "$work/routes/"

# renewNow() over JMX: docs/operating.md's remote-JMX flags on a free loopback port
jmx_port=$("$java_bin" -cp "$tcp" io.kubevaultauthrenewer.e2e.RenewNow --free-port)
jmx="-Dcom.sun.management.jmxremote.port=$jmx_port -Dcom.sun.management.jmxremote.rmi.port=$jmx_port"
jmx="$jmx -Dcom.sun.management.jmxremote.host=127.0.0.1 -Djava.rmi.server.hostname=127.0.0.1"
jmx="$jmx -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false"

env -i PATH="$PATH" JAVA="$java_bin" RENEWER_JAR="$app_jar" \
  JAVA_OPTS="${JAVA_OPTS:-} -Xlog:gc:file=$work/gc.log:uptime $jmx" \
  ${LOG_FORMAT:+LOG_FORMAT=$LOG_FORMAT} \
  VAULT_ADDR="$addr" VARIABLES_FILE="$work/variables" RENEW_INTERVAL=$interval CAMEL_MANAGEMENT_PORT=0 \
  ROUTES_DIR="$work/routes" ROUTES_RELOAD=true \
  bin/kube-vault-auth-renewer >"$work/renewer.log" 2>&1 &
renewer=$! # the script execs java: the same process
started=$(date +%s)
await_line "$work/renewer.log" 'Cycle done' "the renewer's first cycle did not end within 10 min" 30000
# the samples, from the first cycle on: seconds since the start, VmRSS (KiB), threads, open files, log lines so far
(
  while kill -0 "$renewer" 2>/dev/null; do
    t=$(($(date +%s) - started))
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$renewer/status" 2>/dev/null || true)
    threads=$(awk '/^Threads/ {print $2}' "/proc/$renewer/status" 2>/dev/null || true)
    fds=$(ls "/proc/$renewer/fd" 2>/dev/null | wc -l)
    lines=$(wc -l <"$work/renewer.log")
    [ -z "$rss" ] || echo "$t $rss $threads $fds $lines" >>"$work/samples"
    sleep "$sample"
  done
) &
sampler=$!
echo "java:      $("$java_bin" -version 2>&1 | head -1)"
echo "JAVA_OPTS: ${JAVA_OPTS:-} (and -Xlog:gc to a file, and docs/operating.md's remote-JMX flags on loopback)"
echo "archive:   $([ "${ARCHIVE:-1}" != 0 ] && echo "recorded as the Dockerfile does$([ "${ARCHIVE:-1}" = aot ] && echo ', an AOT cache')" || echo none)"
echo "load:      $leases leases (TTL 60-300 s; $capped with a max TTL inside the run), a token (TTL 120 s), RENEW_INTERVAL=$interval"
echo "seed:      $seed (SEED=$seed DURATION=$duration bench/soak.sh repeats this schedule)"

# The schedule, drawn once from the seed: one fault of each kind at a random moment of the run (leaving its last
# tenth quiet), then more at random, one every FAULT_EVERY seconds on average; those due before the first cycle
# has ended come right after it. One line a fault: the second it
# comes at, its kind, then its draws.
awk -v seed="$seed" -v d="$duration" -v every="$fault_every" 'BEGIN {
  srand(seed)
  split("seal 5xx 429 drop slow file-same file-add file-remove route-reload renew-now", kinds, " ")
  end = int(d * 0.9); if (end < 10) end = 10
  for (k = 1; k <= 10; k++) print 2 + int(rand() * (end - 2)), kinds[k], rand(), rand(), rand()
  for (t = every * -log(1 - rand()); t < end; t += every * -log(1 - rand()))
    print int(t), kinds[1 + int(rand() * 10)], rand(), rand(), rand()
}' | sort -n >"$work/schedule"
echo "faults:    $(wc -l <"$work/schedule") at random moments (the schedule is in the report below)"

# the variables file, written whole at once as the init container writes it (a rename)
write_variables() {
  awk -v ids="$1" '/^export LEASE_IDS=/ { $0 = "export LEASE_IDS=" ids } { print }' "$work/variables" \
    >"$work/variables.next"
  mv "$work/variables.next" "$work/variables"
}
lease_ids() { sed -n 's/^export LEASE_IDS=//p' "$work/variables"; }
# one call of the emulator's control port ($control): its path, then curl's data options
ctl() {
  ctl_path=$1
  shift
  curl -sSf -X POST "$control/$ctl_path" "$@" >/dev/null || echo "control $ctl_path failed" >>"$work/faults"
}
# one draw (0 <= r < 1) to a whole number from $2 to $3
pick() { awk -v r="$1" -v a="$2" -v b="$3" 'BEGIN { print a + int(r * (b - a + 1)) }'; }

reloads=0
renews=0
renew_pids=""
# a fault that fails to be made is a line in the report, not the end of the run
set +e
# the run's clock starts with the renewer: DURATION is how long it runs
run_start=$started
while read -r at kind r1 r2 r3; do
  now=$(($(date +%s) - run_start))
  [ "$at" -le "$now" ] || sleep $((at - now))
  now=$(($(date +%s) - run_start))
  case $kind in
    seal)
      secs=$(pick "$r1" 2 8)
      ctl seal; sleep "$secs"; ctl unseal
      what="Vault sealed for $secs s" ;;
    5xx)
      # a storm lasts a few seconds (at most $n calls): one the renewer's retries can outlast, not one that
      # answers every try it makes until an item's end
      n=$(pick "$r1" 5 40)
      secs=$(echo "$r1" | awk '{ print 2 + int($1 * 9) }')
      path=$(echo "$r2" | awk '{ print $1 < 0.4 ? "" : $1 < 0.7 ? "sys/leases" : "auth/token" }')
      case $(pick "$r3" 1 3) in
        1) ctl inject --data-urlencode "path=$path" -d count="$n" -d action=status -d status=500 \
             --data-urlencode "error=internal error"; answer="500 internal error" ;;
        2) ctl inject --data-urlencode "path=$path" -d count="$n" -d action=status -d status=502 \
             --data-urlencode "error=upstream connect error"; answer="502 upstream connect error" ;;
        *) ctl inject --data-urlencode "path=$path" -d count="$n" -d action=raw -d status=502 -d type=text/html \
             --data-urlencode "body=<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
           answer="502 nginx page" ;;
      esac
      sleep "$secs"
      ctl clear
      what="5xx storm for $secs s: up to $n calls${path:+ to $path} answer $answer" ;;
    429)
      n=$(pick "$r1" 10 60)
      secs=$(pick "$r2" 1 5)
      headers=$(echo "$r3" | awk '{ print $1 < 0.8 ? "true" : "false" }')
      ctl rate-limit -d path=sys/leases -d refusals="$n" -d rate=10 -d interval="$secs" -d headers="$headers"
      what="429 storm: the next $n calls to sys/leases refused by a quota of 10 per ${secs}s$([ "$headers" = true ] && echo ", with Retry-After")" ;;
    drop)
      n=$(pick "$r1" 1 5)
      action=$(echo "$r2" | awk '{ print $1 < 0.6 ? "drop" : "cut-short" }')
      ctl inject -d count="$n" -d action="$action"
      what="$n connection(s) $([ "$action" = drop ] && echo "dropped before the answer" || echo "cut in the middle of the answer")" ;;
    slow)
      ms=$(pick "$r1" 2000 8000)
      n=$(pick "$r2" 1 3)
      ctl inject -d count="$n" -d action=delay -d ms="$ms"
      what="$n answer(s) $ms ms late" ;;
    file-same)
      write_variables "$(lease_ids)"
      what="variables file rewritten, the same" ;;
    file-add)
      id=$(curl -sSf -X POST "$control/lease" -d ttl="$(pick "$r1" 60 300)")
      write_variables "$(lease_ids),$id"
      what="variables file rewritten with a lease added" ;;
    file-remove)
      ids=$(lease_ids)
      count=$(echo "$ids" | tr ',' '\n' | grep -c .)
      id=$(echo "$ids" | tr ',' '\n' | sed -n "$(pick "$r1" 1 "$count")p")
      write_variables "$(echo "$ids" | tr ',' '\n' | grep -vxF "$id" | paste -sd, -)"
      echo "$id $(date -u +%Y-%m-%dT%H:%M:%S)" >>"$work/dropped"
      what="variables file rewritten with a lease removed" ;;
    route-reload)
      reloads=$((reloads + 1))
      { cat manifests/base/routes/renewal-failure.camel.yaml; echo "# soak: edit $reloads"; } >"$work/renewal-failure.next"
      mv "$work/renewal-failure.next" "$work/routes/renewal-failure.camel.yaml"
      what="route file renewal-failure.camel.yaml saved with a change" ;;
    renew-now)
      renews=$((renews + 1))
      "$java_bin" -cp "$tcp" io.kubevaultauthrenewer.e2e.RenewNow "$jmx_port" >"$work/renew-now-$renews.out" 2>&1 &
      renew_pids="$renew_pids $!"
      what="renewNow() over JMX" ;;
  esac
  echo "$now $kind $what" >>"$work/faults"
done <"$work/schedule" 2>>"$work/faults"
set -e
left=$((duration - ($(date +%s) - run_start)))
[ "$left" -le 0 ] || sleep "$left"
for pid in $renew_pids; do wait "$pid" || true; done

# the account: Vault's ledger, then the renewer stopped (its samples with it)
alive=true
kill -0 "$renewer" 2>/dev/null || alive=false
curl -sSf "$control/ledger" >"$work/ledger"
kill "$sampler" 2>/dev/null || true
kill -TERM "$renewer" 2>/dev/null || true
wait "$renewer" 2>/dev/null || true
renewer=""
ended=$(date +%s)

echo
echo "faults done (seconds into the run):"
sed 's/^/  /' "$work/faults"
echo "faults as Vault answered them (the emulator's ledger; calls answered):"
awk '$1 == "fault" { printf "  %-16s %d\n", $2, $3 }' "$work/ledger"
echo "  route files reloaded (renewer's log): $(grep -c 'Reloaded route file' "$work/renewer.log" || true); renewNow() answered: $(cat "$work"/renew-now-*.out 2>/dev/null | grep -c 'done in' || true) of $renews"

# Leases: kept (alive and still in the variables file), no longer watched (removed from the file), lost
touch "$work/dropped"
lease_ids | tr ',' '\n' | grep . | sort >"$work/watched"
awk 'FNR == NR { dropped[$1] = $2; next }
  $1 == "ended" && $2 == "lease" {
    id = $3; why = $4; at = substr($5, 1, 19)
    if (id in dropped && dropped[id] <= at) { print "unwatched", id, why, at, dropped[id] }
    else if (why == "max-ttl") { print "expected", id, why, at }
    else { print "defect", id, why, at }
  }
  $1 == "ended" && $2 == "token" && $4 != "max-ttl" { print "defect", "the-token", $4, substr($5, 1, 19) }
' "$work/dropped" "$work/ledger" >"$work/losses"
kept=$(awk '$1 == "alive" { print $3 }' "$work/ledger" | sort | comm -12 - "$work/watched" | wc -l)
expected=$(grep -c '^expected' "$work/losses" || true)
defects=$(grep -c '^defect' "$work/losses" || true)
unwatched=$(grep -c '^unwatched' "$work/losses" || true)
echo
echo "leases:"
echo "  kept:            $kept of the $(wc -l <"$work/watched") in the variables file at the end"
echo "  lost, expected:  $expected (each reached its max TTL: no renewal could keep it)"
awk '$1 == "expected" { printf "    %s: max TTL reached at %sZ\n", $2, $4 }' "$work/losses"
echo "  lost, defects:   $defects (ended before its max TTL: Vault would have kept it)"
while read -r _ id why at; do
  [ -n "$id" ] || continue
  case $why in
    ttl) reason="its TTL ran out at ${at}Z, before its max TTL: not renewed in time" ;;
    token) reason="revoked with its token at ${at}Z" ;;
    *) reason="$why at ${at}Z" ;;
  esac
  echo "    $id: $reason"
  echo "      the renewer's last line about it: $(grep -F "${id%…}" "$work/renewer.log" | tail -1 | cut -c1-300)"
done <<EOF
$(grep '^defect' "$work/losses" || true)
EOF
echo "  removed from the variables file, then expired (not watched: expected): $unwatched"
echo "  the renewer's own account: $(grep -c 'lost:' "$work/renewer.log" || true) 'lost' lines, $(grep -c 'Cycle done.*gone' "$work/renewer.log" || true) cycles with gone leases"

# calls: every lease call Vault received (cycles, early checks, retries, renewNow) per lease a cycle checked
cycles=$(grep -c 'Cycle done' "$work/renewer.log" || true)
early=$(grep -c 'Early check done' "$work/renewer.log" || true)
checked=$(sed -n 's/.*Cycle done.*leases checked \([0-9]*\).*/\1/p' "$work/renewer.log" | awk '{ s += $1 } END { print s + 0 }')
awk -v checked="$checked" -v cycles="$cycles" -v early="$early" '$1 == "calls" {
    if ($2 == "/v1/sys/leases/lookup") lookups += $4
    if ($2 == "/v1/sys/leases/renew") renewals += $4
    if ($2 ~ /^\/v1\/auth\/token\//) token += $4
    if ($3 != 200 && $3 != 204) failed += $4
    all += $4
  }
  END {
    printf "\ncalls: %d to Vault (%d answered other than 200/204), over %d cycles and %d early checks\n", all, failed, cycles, early
    if (checked > 0) printf "  per lease per cycle: %.2f (lookups %.2f, renewals %.2f), over %d lease checks of the cycles\n", (lookups + renewals) / checked, lookups / checked, renewals / checked, checked
    if (cycles > 0) printf "  token calls per cycle: %.2f\n", token / cycles
  }' "$work/ledger"

# the cycles' spacing, from the text log's times (a cycle starts at its end less its duration)
sed -n 's/^[0-9-]*T\([0-9]*\):\([0-9]*\):\([0-9.]*\)Z .*Cycle done in \([0-9]*\) ms.*/\1 \2 \3 \4/p' "$work/renewer.log" \
  | awk '{ end = $1 * 3600 + $2 * 60 + $3; if (n && end < last_end) end += 86400; start = end - $4 / 1000
      if (n) { ss[n] = start - last_start; gap[n] = start - last_end }
      last_start = start; last_end = end; n++ }
    function sort(a, k,  i, j, t) { for (i = 1; i < k; i++) for (j = i + 1; j < k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t } }
    END { if (n < 2) exit
      sort(ss, n); sort(gap, n)
      printf "  cycles: start to start %.1f-%.1f s (median %.1f); the end of one to the start of the next %.1f-%.1f s (median %.1f)\n",
        ss[1], ss[n - 1], ss[int(n / 2)], gap[1], gap[n - 1], gap[int(n / 2)] }'

# over time: the run cut in windows; RSS, heap after GC, threads and open files as min-max, log lines an hour
windows=6
sed -n 's/^\[\([0-9.]*\)s\].*Pause.*->\([0-9]*\)M(.*/\1 \2/p' "$work/gc.log" >"$work/heap"
echo
echo "over time (a sample every ${sample} s; heap after each GC from -Xlog:gc; windows of the run since the renewer started):"
awk -v w="$windows" -v total="$((ended - started))" -v heap="$work/heap" '
  FILENAME == heap { g = int($1 * w / total); if (g >= w) g = w - 1
              if (!(g in h0) || $2 < h0[g]) h0[g] = $2; if ($2 > h1[g]) h1[g] = $2; gcs[g]++; next }
  { g = int($1 * w / total); if (g >= w) g = w - 1
    if (!(g in r0) || $2 < r0[g]) r0[g] = $2; if ($2 > r1[g]) r1[g] = $2
    if (!(g in t0) || $3 < t0[g]) t0[g] = $3; if ($3 > t1[g]) t1[g] = $3
    if (!(g in f0) || $4 < f0[g]) f0[g] = $4; if ($4 > f1[g]) f1[g] = $4
    if (!(g in l0)) { l0[g] = $5; s0[g] = $1 } l1[g] = $5; s1[g] = $1 }
  END {
    printf "  %-13s %-13s %-16s %-9s %-11s %s\n", "seconds", "RSS MiB", "heap after GC", "threads", "open files", "log lines/h"
    for (g = 0; g < w; g++) {
      if (!(g in r0)) { printf "  %5d-%-7d (before the first cycle: no samples)\n", g * total / w, (g + 1) * total / w; continue }
      span = s1[g] - s0[g]
      printf "  %5d-%-7d %5.1f-%-7.1f %-16s %3d-%-5d %4d-%-6d %s\n", g * total / w, (g + 1) * total / w,
        r0[g] / 1024, r1[g] / 1024, (g in h0) ? sprintf("%d-%d MiB (%d GCs)", h0[g], h1[g], gcs[g]) : "no GC",
        t0[g], t1[g], f0[g], f1[g], (span > 0 ? sprintf("%d", (l1[g] - l0[g]) * 3600 / span) : "-")
    }
  }' "$work/heap" "$work/samples"
echo "  log lines in all: $(wc -l <"$work/renewer.log") in $((ended - started)) s; ERROR lines: $(grep -c ' ERROR ' "$work/renewer.log" || true), WARN lines: $(grep -c ' WARN ' "$work/renewer.log" || true)"

if [ -n "${LOGS:-}" ]; then
  mkdir -p "$LOGS"
  cp "$work/renewer.log" "$work/gc.log" "$work/samples" "$work/schedule" "$work/faults" "$work/ledger" "$work/dropped" "$LOGS/"
  echo "  kept in $LOGS: renewer.log gc.log samples schedule faults ledger dropped"
fi

echo
if [ "$alive" != true ]; then
  echo "verdict: FAIL: the renewer was no longer running at the end ($(tail -1 "$work/renewer.log"))"
  exit 1
elif [ "$defects" -gt 0 ]; then
  echo "verdict: FAIL: $defects lost that Vault could have kept ($expected lost at their max TTL, as expected; $kept kept)"
  exit 1
fi
echo "verdict: PASS: 0 lost that Vault could have kept ($expected lost at their max TTL, as expected; $kept kept; seed $seed)"
