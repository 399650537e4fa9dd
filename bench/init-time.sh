#!/bin/sh
# The init mode's time from process start to the variables file written, and to the exit: runs
# `bin/kube-vault-auth-renewer init` as the image does (with the start-up archive the Dockerfile records),
# against the Vault emulator (its own JVM) set up as a pod's Vault would be: Kubernetes auth, then a
# periodic AppRole, then a KV version 2 secret (two fields) and a database credential (two fields, one
# lease). Prints each run, then the median and the range. Not a test: figures to read, for docs/init-mode.md.
#
#   bench/init-time.sh                               5 runs, the default java
#   RUNS=10 bench/init-time.sh
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java bench/init-time.sh
#   ARCHIVE=0 bench/init-time.sh                     without the archive
set -eu
cd "$(dirname "$0")/.."
java_bin=${JAVA:-java}
runs=${RUNS:-5}
work=$(mktemp -d)
vault=""
trap 'kill ${vault:-} 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM

. bench/emulator.sh
"$java_bin" -cp "target/test-classes:$(cat "$work/cp")" io.kubevaultauthrenewer.emulator.StandaloneInit \
  "$work/serviceaccount" >"$work/vault.out" 2>&1 &
vault=$!
await_line "$work/vault.out" '^VAULT_ADDR=' "the emulator did not start"
addr=$(sed -n 's/^VAULT_ADDR=//p' "$work/vault.out")

mkdir "$work/app"
cp "$jar" "$work/app/kube-vault-auth-renewer.jar"
app_jar=$work/app/kube-vault-auth-renewer.jar
if [ "${ARCHIVE:-1}" = 1 ]; then
  # the renewer's training run needs a Vault and a file: the emulator's token is not needed, any will do
  env -i PATH="$PATH" JAVA="$java_bin" RENEWER_JAR="$app_jar" bin/record-start-archive >"$work/archive.log" 2>&1 \
    || { cat "$work/archive.log" >&2; exit 1; }
fi

now_ms() { date +%s%3N; }
i=0
: >"$work/times"
while [ $i -lt "$runs" ]; do
  i=$((i + 1))
  rm -f "$work/variables"
  start=$(now_ms)
  env -i PATH="$PATH" JAVA="$java_bin" RENEWER_JAR="$app_jar" VAULT_ADDR="$addr" \
    RENEWER_SERVICE_ACCOUNT_DIR="$work/serviceaccount" VAULT_LOGIN_ROLE=my-app VARIABLES_FILE="$work/variables" \
    SECRET_API_KEY='secret/my-app/api?key' SECRET_API_URL='secret/my-app/api?url' \
    SECRET_DB_USERNAME='database/creds/my-app?username' SECRET_DB_PASSWORD='database/creds/my-app?password' \
    bin/kube-vault-auth-renewer init >"$work/init.out" 2>&1 &
  init=$!
  until [ -f "$work/variables" ] || ! kill -0 $init 2>/dev/null; do sleep 0.005; done
  written=$(now_ms)
  status=0
  wait $init || status=$?
  exited=$(now_ms)
  if [ $status -ne 0 ] || [ ! -f "$work/variables" ]; then
    echo "run $i: init failed (status $status)" >&2
    cat "$work/init.out" >&2
    exit 1
  fi
  echo "run $i: file written after $((written - start)) ms, exit after $((exited - start)) ms"
  echo "$((written - start)) $((exited - start))" >>"$work/times"
done
"$java_bin" -version 2>&1 | head -1
echo "archive: $([ "${ARCHIVE:-1}" = 1 ] && echo "the image's (bin/record-start-archive)" || echo none)"
median() { sort -n | awk '{v[NR]=$1} END {printf "median %d ms (%d to %d)", v[int((NR + 1) / 2)], v[1], v[NR]}'; }
echo "file written: $(cut -d' ' -f1 "$work/times" | median); exit: $(cut -d' ' -f2 "$work/times" | median)"
