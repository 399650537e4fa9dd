# Sourced by the bench scripts (from the repository root): builds what is missing, and starts the Vault
# emulator in its own JVM so that it costs the renewer nothing.
#   start_emulator <leases> <ttl seconds>   sets $vault (its pid) and $addr; writes $work/variables
#   await_line <file> <pattern> <message> [tries]   waits (every 20 ms) for a matching line, else fails
# Expects $java_bin and $work; the caller's trap kills $vault.

jar=target/kube-vault-auth-renewer.jar
if [ ! -f "$jar" ] || [ ! -d target/test-classes ]; then
  ./mvnw -q -B -DskipTests package test-compile
fi
./mvnw -q -B dependency:build-classpath -Dmdep.outputFile="$work/cp" -Dmdep.includeScope=test >/dev/null

await_line() {
  # its own counter: sh has no local variables, and callers loop with i
  await_tries=0
  until grep -qs "$2" "$1"; do
    await_tries=$((await_tries + 1))
    [ $await_tries -lt "${4:-3000}" ] || { echo "$3" >&2; tail -40 "$1" >&2; exit 1; }
    sleep 0.02
  done
}

start_emulator() {
  "$java_bin" -cp "target/test-classes:$(cat "$work/cp")" io.kubevaultauthrenewer.emulator.Standalone \
    "$work/variables" "$1" "$2" >"$work/vault.out" 2>&1 &
  vault=$!
  await_line "$work/vault.out" '^VAULT_ADDR=' "the emulator did not start"
  addr=$(sed -n 's/^VAULT_ADDR=//p' "$work/vault.out")
}
