# Sourced by the bench scripts (from the repository root): builds what is missing, and starts the Vault
# emulator in its own JVM so that it costs the renewer nothing.
#   start_emulator <leases> <ttl seconds> [Standalone's options]   sets $vault (its pid) and $addr (and $control
#     with --control); writes $work/variables
# EMULATOR_CLASSPATH, when set, is the test classpath (a test that runs a bench script passes its own), else Maven
# resolves it.
#   image_layout                            the jar and its archive in $work/app, as the image has them; sets $app_jar
#   await_line <file> <pattern> <message> [tries]   waits (every 20 ms) for a matching line, else fails
# Expects $java_bin and $work; the caller's trap kills $vault.

jar=target/kube-vault-auth-renewer.jar
if [ ! -f "$jar" ] || [ ! -d target/test-classes ]; then
  ./mvnw -q -B -DskipTests package test-compile
fi
# a figure of an older build is not a figure of this tree: stop rather than measure it
stale=$(find pom.xml bin src/main -type f -newer "$jar" | head -3)
if [ -n "$stale" ]; then
  echo "$jar is older than:" $stale >&2
  echo "not measured: rebuild it first (./mvnw -B -DskipTests package test-compile)" >&2
  exit 1
fi
# the emulator: each test source against its class
stale=$(find src/test/java -name '*.java' ! -name package-info.java | while read -r src; do
  class=target/test-classes/${src#src/test/java/}
  [ "${class%.java}.class" -nt "$src" ] || echo "$src"
done | head -3)
if [ -n "$stale" ]; then
  echo "target/test-classes (the emulator) is older than:" $stale >&2
  echo "not measured: rebuild it first (./mvnw -B -DskipTests package test-compile)" >&2
  exit 1
fi
if [ -n "${EMULATOR_CLASSPATH:-}" ]; then
  printf '%s\n' "$EMULATOR_CLASSPATH" >"$work/cp"
else
  ./mvnw -q -B dependency:build-classpath -Dmdep.outputFile="$work/cp" -Dmdep.includeScope=test >/dev/null
fi

# the image's layout in $work/app: the jar, and next to it the archive, recorded as the Dockerfile records it
# (ARCHIVE=1, the default; ARCHIVE=aot: Java 25's AOT cache; ARCHIVE=0: none); sets $app_jar
image_layout() {
  mkdir -p "$work/app"
  cp "$jar" "$work/app/kube-vault-auth-renewer.jar"
  app_jar=$work/app/kube-vault-auth-renewer.jar
  [ "${ARCHIVE:-1}" != 0 ] || return 0
  env -i PATH="$PATH" JAVA="$java_bin" RENEWER_JAR="$app_jar" JAVA_OPTS="${JAVA_OPTS:-}" \
    ARCHIVE_KIND="$([ "${ARCHIVE:-1}" = aot ] && echo aot || echo cds)" \
    bin/record-start-archive >"$work/archive.log" 2>&1 || { cat "$work/archive.log" >&2; exit 1; }
}

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
  "$java_bin" -cp "${test_classes:-target/test-classes}:$(cat "$work/cp")" io.kubevaultauthrenewer.emulator.Standalone \
    "$work/variables" "$@" >"$work/vault.out" 2>&1 &
  vault=$!
  await_line "$work/vault.out" '^VAULT_ADDR=' "the emulator did not start"
  addr=$(sed -n 's/^VAULT_ADDR=//p' "$work/vault.out")
  case " $* " in
    *" --control "*)
      await_line "$work/vault.out" '^CONTROL_ADDR=' "the emulator's control port did not start"
      control=$(sed -n 's/^CONTROL_ADDR=//p' "$work/vault.out") ;;
  esac
}
