package io.kubevaultauthrenewer.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.config.VariablesFile;
import io.kubevaultauthrenewer.e2e.RenewerProcess;
import io.kubevaultauthrenewer.emulator.HostilePeer;
import io.kubevaultauthrenewer.emulator.VaultEmulator;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RecordedRequest;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The init mode ({@code bin/kube-vault-auth-renewer init}, run in this JVM) against the Vault emulator, set up as the
 * original kube-vault-auth-init's tests set up their Vault (test/setup/vault/setup.sh): a Kubernetes auth role
 * {@code my-app-role} bound to the service account {@code default/test-service} whose policy reads the AppRole's
 * role-id and secret-id, and a periodic AppRole {@code my-app-role} whose policy reads the app's secrets. The
 * original's scenarios (test/tests/*.sh) carry its names; the file is checked as the app sees it, sourced by
 * {@code /bin/sh}.
 */
class InitModeRouteTest extends RouteTestSupport {

    private static final Duration LONG = Duration.ofSeconds(60);
    private static final String ROLE = "my-app-role";

    private String jwt;

    @BeforeEach
    void originalSetup() {
        jwt = originalVault(vault);
    }

    /** The original's Vault, as described above; gives the service account's JWT. */
    static String originalVault(VaultEmulator vault) {
        vault.policy("my-app-role-login-policy", "auth/approle/role/my-app-role/role-id", "read");
        vault.policy("my-app-role-login-policy", "auth/approle/role/my-app-role/secret-id", "update");
        vault.policy("my-app-role-policy", "secret-v1/*", "read");
        vault.policy("my-app-role-policy", "secret-v2/data/some/*", "read");
        vault.policy("my-app-role-policy", "database/creds/my-role", "read");
        vault.policy("my-app-role-policy", "auth/kubernetes/config", "read");
        vault.enableKubernetesAuth("kubernetes");
        vault.kubernetesRole(
                "kubernetes", ROLE, "test-service", "default", Duration.ofSeconds(300), "my-app-role-login-policy");
        vault.appRole(ROLE, Duration.ZERO, Duration.ofHours(24), "my-app-role-policy");
        vault.enableKv("secret-v1", 1);
        vault.enableKv("secret-v2", 2);
        vault.enableDatabase("database", "my-role", Duration.ofHours(1), Duration.ofHours(24));
        return vault.serviceAccountJwt("default", "test-service");
    }

    /** The original tests' standard inputs: the service account's JWT, the login role, a fresh file. */
    private Map<String, String> initEnv() {
        Map<String, String> env = RenewerProcess.env(
                "VAULT_ADDR",
                vault.address(),
                "KUBE_SA_TOKEN",
                jwt,
                "VAULT_LOGIN_ROLE",
                ROLE,
                "VARIABLES_FILE",
                variables.toString(),
                "RENEWER_RETRY_DELAY",
                "200ms");
        return env;
    }

    private static int runInit(InProcessRenewer init) {
        return init.awaitExit(LONG);
    }

    /** What the app sees: the file sourced by /bin/sh, each variable dumped byte for byte. */
    private Map<String, String> sourced(String... names) throws IOException, InterruptedException {
        Path out = Files.createTempDirectory(dir, "sourced");
        StringBuilder script = new StringBuilder(". \"$1\" && ");
        for (String name : names) {
            script.append("printf %s \"$")
                    .append(name)
                    .append("\" > \"$2/")
                    .append(name)
                    .append("\" && ");
        }
        script.append("true");
        Process sh = new ProcessBuilder("/bin/sh", "-c", script.toString(), "sh", variables.toString(), out.toString())
                .redirectErrorStream(true)
                .start();
        assertThat(sh.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(sh.exitValue())
                .as(new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isZero();
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : names) {
            values.put(name, Files.readString(out.resolve(name), StandardCharsets.UTF_8));
        }
        return values;
    }

    /** The token written is the AppRole's: periodic (24 h), with the app's policy, alive. */
    private Token assertAppRoleToken(String tokenId) {
        Token written = vault.tokenById(tokenId);
        assertThat(written).as("a token Vault issued").isNotNull();
        assertThat(vault.isAlive(written)).isTrue();
        assertThat(written.policies()).contains("my-app-role-policy");
        return written;
    }

    private void assertNothingSecretIn(String output, String... secrets) {
        List<String> all = new ArrayList<>(List.of(secrets));
        all.add(jwt);
        for (RecordedRequest r : vault.requests()) {
            String token = r.header("X-Vault-Token");
            if (token != null) {
                all.add(token);
            }
        }
        for (String secret : all) {
            assertThat(output).as("the output holds a secret").doesNotContain(secret);
        }
    }

    /** The original's two KV scenarios: the same secret on a version 1 and on a version 2 mount. */
    @ParameterizedTest(name = "{0}: kv-v{1} secrets can be retrieved and stored in separate output variables")
    @CsvSource({
        "testSimpleKvV1Secret, 1, /v1/secret-v1/some/secret,      ''",
        "testSimpleKvV2Secret, 2, /v1/secret-v2/data/some/secret, ' (KV version 2, version 1)'"
    })
    void testSimpleKvSecret(String original, int version, String read, String readNote) throws Exception {
        String mount = "secret-v" + version;
        vault.putSecret(mount + "/some/secret", Map.of("value", "don't tell anyone"));
        Map<String, String> env = initEnv();
        env.put("SECRET_MY_SECRET", mount + "/some/secret");

        try (InProcessRenewer init = InProcessRenewer.run(env, "init")) {
            assertThat(runInit(init)).as(init.output()).isZero();

            Map<String, String> file = sourced("VAULT_TOKEN", "MY_SECRET", "LEASE_IDS");
            assertAppRoleToken(file.get("VAULT_TOKEN"));
            assertThat(file.get("MY_SECRET")).isEqualTo("don't tell anyone");
            assertThat(file.get("LEASE_IDS")).isEmpty();
            assertThat(vault.requests().stream().map(RecordedRequest::path))
                    .as("the original's two-stage login, the version from the mounts, then the read")
                    .containsSubsequence(
                            "/v1/auth/kubernetes/login",
                            "/v1/auth/approle/role/my-app-role/role-id",
                            "/v1/auth/approle/role/my-app-role/secret-id",
                            "/v1/auth/approle/login",
                            "/v1/sys/internal/ui/mounts/" + mount + "/some/secret",
                            read);
            if (version == 2) {
                assertThat(vault.requests().stream().map(RecordedRequest::path))
                        .doesNotContain("/v1/secret-v2/some/secret");
            }
            assertThat(init.output())
                    .contains("Logged in with Kubernetes auth (auth/kubernetes, role my-app-role): token accessor ")
                    .contains("Logged in with AppRole my-app-role: token accessor ")
                    .contains("Read SECRET_MY_SECRET from " + mount + "/some/secret" + readNote + "\n")
                    .contains(
                            "Wrote " + variables + ": VAULT_TOKEN, 1 secret(s) (MY_SECRET), LEASE_IDS with 0 lease(s)");
            assertNothingSecretIn(init.output(), "don't tell anyone");
        }
    }

    @Test
    @DisplayName("testDynamicSecret: dynamic secrets can be retrieved with multiple fields and stored in separate"
            + " output variables")
    void testDynamicSecret() throws Exception {
        Map<String, String> env = initEnv();
        env.put("SECRET_DB_USERNAME", "database/creds/my-role?username");
        env.put("SECRET_DB_PASSWORD", "database/creds/my-role?password");

        try (InProcessRenewer init = InProcessRenewer.run(env, "init")) {
            assertThat(runInit(init)).as(init.output()).isZero();

            Map<String, String> file = sourced("VAULT_TOKEN", "DB_USERNAME", "DB_PASSWORD", "LEASE_IDS");
            Token token = assertAppRoleToken(file.get("VAULT_TOKEN"));
            List<Lease> leases = vault.leasesOf(token);
            assertThat(leases)
                    .as("one read of the path: one lease for both fields")
                    .hasSize(1);
            Lease lease = leases.get(0);
            assertThat(file.get("LEASE_IDS")).isEqualTo(lease.id).startsWith("database/creds/my-role/");
            Map<String, String> credentials = vault.credentials(lease.id);
            assertThat(file.get("DB_USERNAME"))
                    .isEqualTo(credentials.get("username"))
                    .isNotEmpty();
            assertThat(file.get("DB_PASSWORD"))
                    .isEqualTo(credentials.get("password"))
                    .isNotEmpty();
            assertThat(vault.requests("/v1/database/creds/my-role")).hasSize(1);
            assertThat(init.output())
                    .contains("Read SECRET_DB_PASSWORD, SECRET_DB_USERNAME from database/creds/my-role:" + " lease "
                            + lease.id + " (ttl 1h, renewable)");
            assertNothingSecretIn(init.output(), credentials.get("password"));
        }
    }

    /**
     * The kustomize component's pod: only the file's path in the environment; the Vault address, the login role and
     * the secrets in the pod's annotations, written by the kubelet (pkg/fieldpath/fieldpath.go, FormatMap).
     */
    @Test
    void readsTheVaultAddressTheRoleAndTheSecretsFromThePodsAnnotationsFile() throws Exception {
        vault.putSecret("secret-v1/some/secret", Map.of("value", "don't tell anyone"));
        Path annotations = Files.writeString(
                dir.resolve("annotations"),
                String.join(
                        "\n",
                        "kube-vault-auth-renewer.io/SECRET_DB_PASSWORD=\"database/creds/my-role?password\"",
                        "kube-vault-auth-renewer.io/SECRET_MY_SECRET=\"secret-v1/some/secret\"",
                        "kube-vault-auth-renewer.io/VAULT_ADDR=\"" + vault.address() + "\"",
                        "kube-vault-auth-renewer.io/VAULT_LOGIN_ROLE=\"" + ROLE + "\"",
                        "kubectl.kubernetes.io/default-container=\"app\""),
                StandardCharsets.UTF_8);
        Map<String, String> env = RenewerProcess.env(
                "RENEWER_ANNOTATIONS_FILE", annotations.toString(),
                "KUBE_SA_TOKEN", jwt,
                "VARIABLES_FILE", variables.toString());

        try (InProcessRenewer init = InProcessRenewer.run(env, "init")) {
            assertThat(runInit(init)).as(init.output()).isZero();

            Map<String, String> file = sourced("VAULT_TOKEN", "MY_SECRET", "DB_PASSWORD");
            assertAppRoleToken(file.get("VAULT_TOKEN"));
            assertThat(file.get("MY_SECRET")).isEqualTo("don't tell anyone");
            assertThat(file.get("DB_PASSWORD")).isNotEmpty();
            assertThat(init.output())
                    .contains("Settings from the pod's annotations (" + annotations
                            + "): SECRET_DB_PASSWORD, SECRET_MY_SECRET, VAULT_ADDR, VAULT_LOGIN_ROLE; set by the"
                            + " environment instead: none")
                    .contains("Logged in with AppRole my-app-role: token accessor ")
                    .contains("Wrote " + variables + ": VAULT_TOKEN, 2 secret(s) (DB_PASSWORD, MY_SECRET)");
            assertNothingSecretIn(init.output(), "don't tell anyone", file.get("DB_PASSWORD"));
        }
    }

    @Test
    void refusesATokenInThePodsAnnotationsNamingTheAnnotationAndWritesNoFile() throws Exception {
        Path annotations = Files.writeString(
                dir.resolve("annotations"),
                "kube-vault-auth-renewer.io/VAULT_TOKEN=\"hvs.in-an-annotation\"\n",
                StandardCharsets.UTF_8);
        Map<String, String> env = initEnv();
        env.put("RENEWER_ANNOTATIONS_FILE", annotations.toString());

        try (InProcessRenewer init = InProcessRenewer.run(env, "init")) {
            assertThat(runInit(init)).as(init.output()).isEqualTo(2);

            assertThat(init.linesWith(" ERROR "))
                    .singleElement()
                    .asString()
                    .contains("Invalid setting: RENEWER_ANNOTATIONS_FILE " + annotations
                            + " line 1: annotation kube-vault-auth-renewer.io/VAULT_TOKEN is refused");
            assertThat(init.output()).doesNotContain("hvs.in-an-annotation");
            assertThat(variables).doesNotExist();
            assertThat(vault.requests()).isEmpty();
        }
    }

    @Test
    void failsWithinTheCallDeadlineWhenVaultDripsItsAnswer() {
        try (HostilePeer dripping = HostilePeer.start(HostilePeer.Mode.DRIPS)) {
            Map<String, String> env = RenewerProcess.env(
                    "VAULT_ADDR", dripping.url(),
                    "VAULT_TOKEN", "hvs.given-token",
                    "VARIABLES_FILE", variables.toString(),
                    "SECRET_MY_SECRET", "secret/my-secret?value",
                    "RENEWER_CONNECT_TIMEOUT", "1s",
                    "RENEWER_RESPONSE_TIMEOUT", "2s",
                    "RENEWER_RETRY_ATTEMPTS", "0");

            try (InProcessRenewer init = InProcessRenewer.run(env, "init")) {
                long start = System.nanoTime();
                int status = init.awaitExit(Duration.ofSeconds(20));
                Duration took = Duration.ofNanos(System.nanoTime() - start);

                assertThat(status).as(init.output()).isEqualTo(1);
                assertThat(took).as(init.output()).isLessThan(Duration.ofSeconds(8));
                assertThat(init.output()).contains("no answer in time").doesNotContain("hvs.given-token");
                assertThat(variables).doesNotExist();
            }
        }
    }

    @Test
    void failsWhenVaultAnswersALeaseIdWithALineBreakAndWritesNoFile() throws Exception {
        Map<String, String> env = initEnv();
        env.put("SECRET_DB_PASSWORD", "database/creds/my-role?password");
        // a Vault (or something in its place) whose lease_id would add a line to the variables file and the log
        vault.inject(
                "/v1/database/creds/my-role",
                1,
                new VaultEmulator.RawBody(
                        200,
                        "application/json",
                        "{\"lease_id\":\"database/creds/my-role/a\\nexport VAULT_TOKEN=forged\",\"renewable\":true,"
                                + "\"lease_duration\":3600,\"data\":{\"password\":\"p\"}}"));

        try (InProcessRenewer init = InProcessRenewer.run(env, "init")) {
            assertThat(runInit(init)).as(init.output()).isEqualTo(1);

            assertThat(init.linesWith(" ERROR "))
                    .anySatisfy(line -> assertThat(line)
                            .contains("Init failed: database/creds/my-role: the lease_id Vault answered holds the"
                                    + " control character U+000A at position 25"));
            assertThat(variables).doesNotExist();
            assertThat(init.output().lines()).noneMatch(line -> line.startsWith("export"));
        }
    }

    @Test
    @DisplayName("testGetKubernetesCertificate: it is possible to retrieve the kubernetes certificate")
    void testGetKubernetesCertificate() throws Exception {
        Token given = vault.createToken(VaultEmulator.TokenSpec.ttl(Duration.ofMinutes(1))
                .period(Duration.ofMinutes(1))
                .policies("my-app-role-policy"));
        Map<String, String> env = RenewerProcess.env(
                "VAULT_ADDR",
                vault.address(),
                "VAULT_TOKEN",
                given.id,
                "VARIABLES_FILE",
                variables.toString(),
                "SECRET_MY_SECRET",
                "auth/kubernetes/config?kubernetes_ca_cert");

        try (InProcessRenewer init = InProcessRenewer.run(env, "init")) {
            assertThat(runInit(init)).as(init.output()).isZero();

            Map<String, String> file = sourced("VAULT_TOKEN", "MY_SECRET", "LEASE_IDS");
            assertThat(file.get("VAULT_TOKEN")).isEqualTo(given.id);
            assertThat(file.get("MY_SECRET")).startsWith("-----BEGIN CERTIFICATE-----");
            assertThat(file.get("LEASE_IDS")).isEmpty();
            assertThat(vault.requests().stream().map(RecordedRequest::path))
                    .as("no login with a token given")
                    .noneMatch(p -> p.endsWith("/login"));
        }
    }

    /** The original's failing scenarios, and the init's own: each exits non-zero with one line and leaves no file. */
    @Test
    @DisplayName("testErrorReturnedWhen…: missing variables, no token or service account, login refused, permission"
            + " denied; a missing field")
    void failsWithOneLineNamingTheCulpritAndLeavesNoFile() throws Exception {
        vault.putSecret("secret-v2/super-secret", Map.of("value", "no-one is allowed this"));
        vault.putSecret("secret-v2/some/secret", Map.of("value", "don't tell anyone"));
        record Case(String name, Map<String, String> env, int status, String line) {}
        Map<String, String> noRole = initEnv();
        noRole.remove("VAULT_LOGIN_ROLE");
        Map<String, String> nothing = RenewerProcess.env(
                "VAULT_ADDR",
                vault.address(),
                "VARIABLES_FILE",
                variables.toString(),
                "RENEWER_SERVICE_ACCOUNT_DIR",
                dir.resolve("none").toString());
        Map<String, String> badJwt = initEnv();
        badJwt.put("KUBE_SA_TOKEN", "invalid-sa-token");
        Map<String, String> denied = initEnv();
        denied.put("SECRET_MY_SECRET", "secret-v2/super-secret");
        Map<String, String> noField = initEnv();
        noField.put("SECRET_MY_SECRET", "secret-v2/some/secret?password");
        List<Case> cases = List.of(
                new Case(
                        "testErrorReturnedWhenMandatoryVariablesNotProvided",
                        noRole,
                        2,
                        "Invalid setting: KUBERNETES_ROLE or VAULT_LOGIN_ROLE is required"),
                new Case(
                        "testErrorReturnedWhenNoTokenOrSAProvided",
                        nothing,
                        2,
                        "Invalid setting: No way to log in: set VAULT_TOKEN or KUBE_SA_TOKEN"),
                new Case(
                        "testErrorReturnedWhenVaultAuthenticationFails",
                        badJwt,
                        1,
                        "Init failed: login refused by auth/kubernetes/login (role my-app-role): HTTP 403: permission"
                                + " denied"),
                new Case(
                        "testErrorReturnedWhenPermissionDeniedGettingSecret",
                        denied,
                        1,
                        "Init failed: SECRET_MY_SECRET (secret-v2/super-secret): HTTP 403: permission denied"),
                new Case(
                        "a field the secret does not have",
                        noField,
                        1,
                        "Init failed: SECRET_MY_SECRET: secret-v2/some/secret has no field 'password' (its fields:"
                                + " value)"));
        for (Case c : cases) {
            Files.writeString(variables, "export VAULT_TOKEN='an earlier run'\n");
            try (InProcessRenewer init = InProcessRenewer.run(c.env(), "init")) {
                assertThat(runInit(init)).as(c.name() + ": " + init.output()).isEqualTo(c.status());
                assertThat(init.linesWith(" ERROR "))
                        .as(c.name())
                        .anySatisfy(l -> assertThat(l).contains(c.line()));
                assertThat(variables)
                        .as(c.name() + ": no file after a failed run")
                        .doesNotExist();
                assertNothingSecretIn(init.output(), "no-one is allowed this", "don't tell anyone");
            }
        }
    }

    @Test
    void writesHostileValuesThatShAndTheRenewerReadBackByteForByteWithTheDirectKubernetesLogin() throws Exception {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("QUOTES", "it's \"quoted\"");
        values.put("SHELL", "$(touch pwned) `id` $HOME \\n \\");
        values.put("LINES", "line one\nline two\n\n");
        values.put("UNICODE", "é 日本 🔑");
        vault.putSecret("secret-v2/some/hostile", values);
        vault.kubernetesRole(
                "kubernetes", "direct", "test-service", "default", Duration.ofHours(1), "my-app-role-policy");
        Path sa = Files.createDirectories(dir.resolve("serviceaccount"));
        Files.writeString(sa.resolve("token"), jwt);
        Map<String, String> env = RenewerProcess.env(
                "VAULT_ADDR", vault.address(),
                "VAULT_LOGIN_METHOD", "kubernetes",
                "KUBERNETES_ROLE", "direct",
                "RENEWER_SERVICE_ACCOUNT_DIR", sa.toString(),
                "VARIABLES_FILE", variables.toString());
        for (String name : values.keySet()) {
            env.put("SECRET_" + name, "secret-v2/some/hostile?" + name);
        }

        try (InProcessRenewer init = InProcessRenewer.run(env, "init")) {
            assertThat(runInit(init)).as(init.output()).isZero();

            List<String> names = new ArrayList<>(values.keySet());
            names.add("VAULT_TOKEN");
            Map<String, String> file = sourced(names.toArray(String[]::new));
            for (String name : values.keySet()) {
                assertThat(file.get(name)).as(name).isEqualTo(values.get(name));
            }
            assertThat(dir.resolve("pwned")).doesNotExist();
            Map<String, String> parsed =
                    VariablesFile.read(variables, Set.copyOf(names)).orElseThrow();
            assertThat(parsed).as("the renewer's parser").isEqualTo(file);
            Token token = vault.tokenById(file.get("VAULT_TOKEN"));
            assertThat(token.policies()).as("Kubernetes auth's own token").contains("my-app-role-policy");
            assertThat(vault.requests().stream().map(RecordedRequest::path)).noneMatch(p -> p.contains("approle"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(variables)))
                    .isEqualTo("rw-r-----");
            assertThat(dir.toFile().list()).as("no temporary file left").noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void retriesTransientFailuresAsTheRenewerDoes() throws Exception {
        Map<String, String> env = initEnv();
        env.put("SECRET_DB_USERNAME", "database/creds/my-role?username");
        vault.inject(
                "/v1/database/creds/my-role", 2, new VaultEmulator.Status(503, List.of("Vault is sealed"), Map.of()));

        try (InProcessRenewer init = InProcessRenewer.run(env, "init")) {
            assertThat(runInit(init)).as(init.output()).isZero();

            assertThat(vault.requests("/v1/database/creds/my-role"))
                    .extracting(RecordedRequest::status)
                    .containsExactly(503, 503, 200);
            assertThat(sourced("DB_USERNAME").get("DB_USERNAME")).isNotEmpty();
            assertThat(vault.leasesOf(vault.tokenById(sourced("VAULT_TOKEN").get("VAULT_TOKEN"))))
                    .as("the failed reads created no lease")
                    .hasSize(1);
        }
    }

    @Test
    void hasTheRenewerKeepExactlyTheLeasesTheInitCreatedAlive() throws Exception {
        Map<String, String> env = initEnv();
        env.put("SECRET_DB_USERNAME", "database/creds/my-role?username");
        env.put("SECRET_DB_PASSWORD", "database/creds/my-role?password");
        vault.enableDatabase("rabbitmq", "my-role", Duration.ofSeconds(30), Duration.ofHours(1));
        vault.policy("my-app-role-policy", "rabbitmq/creds/my-role", "read");
        env.put("SECRET_MQ_PASSWORD", "rabbitmq/creds/my-role?password");
        String initOutput;
        try (InProcessRenewer init = InProcessRenewer.run(env, "init")) {
            assertThat(runInit(init)).as(init.output()).isZero();
            initOutput = init.output();
        }
        Map<String, String> file = sourced("VAULT_TOKEN", "LEASE_IDS", "DB_PASSWORD", "MQ_PASSWORD");
        Token token = vault.tokenById(file.get("VAULT_TOKEN"));
        List<String> created = vault.leasesOf(token).stream().map(l -> l.id).toList();
        assertThat(file.get("LEASE_IDS").split(","))
                .containsExactlyInAnyOrderElementsOf(created)
                .hasSize(2);
        Lease mq = vault.leasesOf(token).stream()
                .filter(l -> l.id.startsWith("rabbitmq/"))
                .findFirst()
                .orElseThrow();

        try (InProcessRenewer renewer = InProcessRenewer.start(renewerEnv(2, false))) {
            renewer.awaitLine("Cycle done", LONG);
            // twice, Vault's clock moves on to 3 s before the lease's end: less than twice the interval left
            for (int renewals = 1; renewals <= 2; renewals++) {
                clock.advance(
                        Duration.between(clock.instant(), vault.expiry(mq)).minusSeconds(3));
                int expected = renewals;
                renewer.awaitUntil(() -> vault.renewals(mq) >= expected, LONG);
            }

            assertThat(renewer.output())
                    .contains("Watching 2 lease(s): " + file.get("LEASE_IDS").replace(",", ", "));
            assertThat(vault.isAlive(mq))
                    .as("a 30 s lease, kept past its first TTL on Vault's clock")
                    .isTrue();
            assertThat(vault.requests("/v1/sys/leases/renew"))
                    .extracting(RecordedRequest::leaseId)
                    .allSatisfy(id -> assertThat(created).contains(id));
            assertNothingSecretIn(initOutput + renewer.output(), file.get("DB_PASSWORD"), file.get("MQ_PASSWORD"));
        }
    }
}
