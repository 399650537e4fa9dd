package io.kubevaultauthrenewer.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.ShiftableClock;
import io.kubevaultauthrenewer.emulator.TestPki;
import io.kubevaultauthrenewer.emulator.VaultEmulator;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vault over TLS with a private CA, as production Vaults run: VAULT_CACERT, VAULT_CAPATH, VAULT_CLIENT_CERT and
 * VAULT_CLIENT_KEY, VAULT_TLS_SERVER_NAME, VAULT_SKIP_VERIFY, against the emulator speaking HTTPS with a CA and
 * certificates made in the test. One cycle each (RUN_ONCE): the exit status, what Vault received, what was logged.
 */
class TlsRouteTest {

    private static final Duration EXIT = Duration.ofSeconds(30);

    @TempDir
    static Path pkiDir;

    static TestPki pki;

    @TempDir
    Path dir;

    private VaultEmulator vault;
    private Token token;
    private Lease lease;
    private Path variables;

    @BeforeAll
    static void makeThePki() {
        pki = TestPki.create(pkiDir);
    }

    @AfterEach
    void stopVault() {
        if (vault != null) {
            vault.close();
        }
    }

    private void startVault(boolean clientCertificateRequired) throws IOException {
        vault = VaultEmulator.start(new ShiftableClock(), pki.serverContext(), clientCertificateRequired);
        token = vault.createToken(TokenSpec.ttl(Duration.ofHours(10)));
        lease = vault.createLease(token, "database/creds/app", Duration.ofMinutes(90), Duration.ZERO, true);
        variables = dir.resolve("variables");
        Files.writeString(variables, "export VAULT_TOKEN=\"" + token.id + "\"\nexport LEASE_IDS=" + lease.id + "\n");
    }

    private Map<String, String> env(String host, String... more) {
        Map<String, String> env = new HashMap<>(io.kubevaultauthrenewer.e2e.RenewerProcess.env(
                "VAULT_ADDR",
                "https://" + host + ":" + vault.port(),
                "VARIABLES_FILE",
                variables.toString(),
                "RENEW_INTERVAL",
                "3600",
                "RUN_ONCE",
                "true",
                "RENEWER_RETRY_DELAY",
                "200ms"));
        for (int i = 0; i < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }

    private InProcessRenewer run(Map<String, String> env) {
        return InProcessRenewer.start(env);
    }

    @Test
    void trustsVaultThroughVaultCacert() throws IOException {
        startVault(false);

        try (InProcessRenewer renewer = run(env("localhost", "VAULT_CACERT", pki.caPem.toString()))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(vault.requests("/v1/sys/leases/renew")).hasSize(1);
            assertThat(renewer.output()).contains("Lease " + lease.id + " renewed");
        }
    }

    @Test
    void refusesAVaultItCannotTrustWithAClearMessageAndNoRetry() throws IOException {
        startVault(false);

        try (InProcessRenewer renewer = run(env("localhost"))) {
            assertThat(renewer.awaitExit(EXIT)).isEqualTo(1);
            assertThat(renewer.output())
                    .contains("vault-token-lookup failed: TLS failed (")
                    .contains("certification path")
                    .doesNotContain("retry 1 of");
            assertThat(vault.requests()).isEmpty();
        }
    }

    @Test
    void trustsTheCasOfVaultCapath() throws IOException {
        startVault(false);
        Path cas = Files.createDirectories(dir.resolve("cas"));
        Files.copy(pki.caPem, cas.resolve("vault-ca.pem"));
        Files.writeString(cas.resolve("README"), "not a certificate\n");

        try (InProcessRenewer renewer = run(env("localhost", "VAULT_CAPATH", cas.toString()))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(vault.requests("/v1/sys/leases/renew")).hasSize(1);
        }
    }

    @Test
    void sendsTheClientCertificateVaultRequires() throws IOException {
        startVault(true);

        try (InProcessRenewer without = run(env("localhost", "VAULT_CACERT", pki.caPem.toString()))) {
            assertThat(without.awaitExit(EXIT)).isEqualTo(1);
            assertThat(without.output()).contains("vault-token-lookup failed:");
        }
        try (InProcessRenewer with = run(env(
                "localhost",
                "VAULT_CACERT",
                pki.caPem.toString(),
                "VAULT_CLIENT_CERT",
                pki.clientCertPem.toString(),
                "VAULT_CLIENT_KEY",
                pki.clientKeyPem.toString()))) {
            assertThat(with.awaitExit(EXIT)).as(with.output()).isZero();
            assertThat(vault.requests("/v1/sys/leases/renew")).hasSize(1);
        }
    }

    @Test
    void checksTheNameOfVaultTlsServerNameInsteadOfTheAddress() throws IOException {
        startVault(false);

        try (InProcessRenewer byAddress = run(env("127.0.0.1", "VAULT_CACERT", pki.caPem.toString()))) {
            assertThat(byAddress.awaitExit(EXIT)).isEqualTo(1);
            assertThat(byAddress.output()).contains("vault-token-lookup failed: TLS failed (");
        }
        try (InProcessRenewer byName =
                run(env("127.0.0.1", "VAULT_CACERT", pki.caPem.toString(), "VAULT_TLS_SERVER_NAME", "vault.test"))) {
            assertThat(byName.awaitExit(EXIT)).as(byName.output()).isZero();
        }
        // the JDK sends no SNI toward an IP address: the name Vault saw is VAULT_TLS_SERVER_NAME's
        assertThat(vault.serverNames()).isNotEmpty().containsOnly("vault.test");
    }

    @Test
    void refusesAVaultWhoseCertificateDoesNotCoverVaultTlsServerName() throws IOException {
        startVault(false);

        try (InProcessRenewer renewer = run(
                env("localhost", "VAULT_CACERT", pki.caPem.toString(), "VAULT_TLS_SERVER_NAME", "other-vault.test"))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(1);
            assertThat(renewer.output())
                    .contains("vault-token-lookup failed: TLS failed (")
                    .contains("<other-vault.test>")
                    .doesNotContain("retry 1 of");
            assertThat(vault.requests()).isEmpty();
        }
    }

    @Test
    void acceptsAnyCertificateWithVaultSkipVerifyAndWarnsAboutIt() throws IOException {
        startVault(false);

        try (InProcessRenewer renewer = run(env("127.0.0.1", "VAULT_SKIP_VERIFY", "true"))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(renewer.linesWith(" WARN "))
                    .anySatisfy(l -> assertThat(l).contains("VAULT_SKIP_VERIFY"));
            assertThat(vault.requests("/v1/auth/token/lookup-self"))
                    .singleElement()
                    .satisfies(
                            lookup -> assertThat(lookup.header("X-Vault-Token")).isEqualTo(token.id));
            assertThat(vault.requests("/v1/sys/leases/renew")).hasSize(1);
        }
    }

    @Test
    void warnsAboutVaultSkipVerifyInTheInitModeToo() throws IOException {
        startVault(false);
        vault.enableKv("secret-v1", 1);
        vault.putSecret("secret-v1/app", Map.of("value", "s3cr3t-value"));
        Map<String, String> env = env("127.0.0.1", "VAULT_SKIP_VERIFY", "true", "VAULT_TOKEN", token.id);
        env.put("SECRET_APP", "secret-v1/app");

        try (InProcessRenewer init = InProcessRenewer.run(env, "init")) {
            assertThat(init.awaitExit(EXIT)).as(init.output()).isZero();
            assertThat(init.linesWith(" WARN "))
                    .singleElement()
                    .asString()
                    .contains("VAULT_SKIP_VERIFY is set: Vault's certificate and name are not checked");
            assertThat(Files.readString(variables)).contains("export APP='s3cr3t-value'");
        }
    }

    @Test
    void stopsAtStartUpNamingABadTlsFileWithoutShowingIt() throws IOException {
        startVault(false);
        Path key = Files.writeString(dir.resolve("key.pem"), "secret-key-material-not-pem\n");

        try (InProcessRenewer renewer = run(env(
                "localhost",
                "VAULT_CACERT",
                dir.resolve("missing.pem").toString(),
                "VAULT_CLIENT_CERT",
                pki.clientCertPem.toString(),
                "VAULT_CLIENT_KEY",
                key.toString()))) {
            assertThat(renewer.awaitExit(EXIT)).isEqualTo(2);
            assertThat(renewer.output())
                    .contains("Invalid setting: VAULT_CACERT=" + dir.resolve("missing.pem") + " is not a file")
                    .contains("Invalid setting: VAULT_CLIENT_KEY=" + key + " holds no PEM private key")
                    .doesNotContain("secret-key-material");
            assertThat(vault.requests()).isEmpty();
        }
    }
}
