package io.kubevaultauthrenewer.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubevaultauthrenewer.e2e.RenewerProcess;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The original image's own test suite (its {@code test/tests/*.sh}, one test each, under the same names), against the
 * Vault emulator instead of a dev Vault: the same RENEW_INTERVAL, TTLs, max TTLs and periods, RUN_ONCE set or unset as
 * there, the variables file written line for line as there, the setup (root) token creating the leases as its
 * {@code vault read database/creds/my-role} does; then what it asserts (the exit status, and what Vault recorded,
 * read back with the setup token as its curl calls do), plus, where the case is an error, that the log names it, and
 * where it asserts that nothing happened, that the renewer did look. Run in this JVM (the exit statuses of a process
 * of its own: {@code e2e/JsonLogsIT}, {@code e2e/CommandLineIT}).
 */
class OriginalSuiteRouteTest extends RouteTestSupport {

    private static final Duration EXIT = Duration.ofSeconds(30);
    /** The original's {@code sleep 5} before it starts the renewer. */
    private static final Duration SLEEP = Duration.ofSeconds(5);

    private static final Duration ONE_SECOND = Duration.ofSeconds(1);
    private static final Duration ONE_MINUTE = Duration.ofMinutes(1);
    private static final Duration ONE_HOUR = Duration.ofHours(1);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** SETUP_VAULT_TOKEN: the dev server's root token. */
    private Token setup;

    @BeforeEach
    void createTheSetupToken() {
        setup = vault.createRootToken();
    }

    @Test
    @DisplayName("testEmptyLeaseIds")
    void runsWithoutAnyLeaseIds() throws Exception {
        // the renewer runs one cycle and succeeds with a token and an empty LEASE_IDS
        Token token = periodicToken(ONE_HOUR);
        writeVariables("export VAULT_TOKEN=" + token.id + "\n" + "export LEASE_IDS=\n");

        try (InProcessRenewer renewer = InProcessRenewer.start(env("RENEW_INTERVAL", "60", "RUN_ONCE", "true"))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(vault.requests("/v1/auth/token/lookup-self"))
                    .as("the token was looked up")
                    .singleElement()
                    .satisfies(r -> assertThat(r.header("X-Vault-Token")).isEqualTo(token.id));
        }
    }

    @Test
    @DisplayName("testErrorReturnedWhenLeaseCannotBeRenewed")
    void failsWhenTheLeaseHasExpired() throws Exception {
        // a lease past its max TTL (1 s, then 5 s later) cannot be renewed: an error status naming the lease
        Token token = periodicToken(ONE_HOUR);
        Lease lease = databaseCreds(ONE_SECOND, ONE_SECOND);
        writeVariables("export VAULT_TOKEN=" + token.id + "\n" + "export LEASE_IDS=" + lease.id + "\n");
        clock.advance(SLEEP); // the original's sleep 5: what Vault sees, without the test waiting

        try (InProcessRenewer renewer = InProcessRenewer.start(env("RENEW_INTERVAL", "180", "RUN_ONCE", "true"))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(1);
            assertThat(renewer.lines())
                    .anySatisfy(
                            l -> assertThat(l).contains(lease.id).containsAnyOf("invalid lease", "lease not found"));
        }
    }

    @Test
    @DisplayName("testErrorReturnedWhenLeaseMaxTtlReached")
    void failsWhenTheLeaseRenewalIsCappedByItsMaxTtl() throws Exception {
        // a lease 5 s into a 1 min max TTL cannot be renewed for its full 1 min: an error status naming the max TTL
        Token token = periodicToken(ONE_HOUR);
        Lease lease = databaseCreds(ONE_MINUTE, ONE_MINUTE);
        writeVariables("export VAULT_TOKEN=" + token.id + "\n" + "export LEASE_IDS=" + lease.id + "\n");
        clock.advance(SLEEP); // the original's sleep 5: what Vault sees, without the test waiting

        try (InProcessRenewer renewer = InProcessRenewer.start(env("RENEW_INTERVAL", "180", "RUN_ONCE", "true"))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(1);
            assertThat(renewer.lines()).anySatisfy(l -> assertThat(l).contains(lease.id, "max TTL"));
        }
    }

    @Test
    @DisplayName("testErrorReturnedWhenTokenMaxTtlReached")
    void failsWhenTheTokenRenewalIsCappedByItsMaxTtl() throws Exception {
        // a token 5 s into a 1 min explicit max TTL cannot be renewed for its 1 min period: an error status
        Token token =
                vault.createToken(TokenSpec.ttl(ONE_MINUTE).period(ONE_MINUTE).maxTtl(ONE_MINUTE));
        writeVariables("export VAULT_TOKEN=" + token.id + "\n");
        clock.advance(SLEEP); // the original's sleep 5: what Vault sees, without the test waiting

        try (InProcessRenewer renewer = InProcessRenewer.start(env("RENEW_INTERVAL", "180", "RUN_ONCE", "true"))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(1);
            assertThat(renewer.lines()).anySatisfy(l -> assertThat(l).contains("Token", "max TTL"));
        }
    }

    @Test
    @DisplayName("testErrorReturnedWhenNoTokenProvided")
    void failsWhenNoTokenIsGiven() {
        // no variables file (a fresh empty directory) and no VAULT_TOKEN: an error status naming VAULT_TOKEN
        assertThat(Files.exists(variables)).isFalse();

        try (InProcessRenewer renewer = InProcessRenewer.start(env())) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(2);
            assertThat(renewer.lines()).anySatisfy(l -> assertThat(l).contains("VAULT_TOKEN"));
        }
    }

    @Test
    @DisplayName("testErrorReturnedWhenVaultAuthenticationFails")
    void failsWhenVaultRefusesTheToken() throws Exception {
        // not RUN_ONCE: a token Vault refuses still ends the renewer, with an error status and Vault's refusal
        writeVariables("export VAULT_TOKEN=invalid-token\n" + "export LEASE_IDS=\n");

        try (InProcessRenewer renewer = InProcessRenewer.start(env())) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(1);
            assertThat(renewer.linesWith(" ERROR "))
                    .satisfiesExactly(
                            l -> assertThat(l)
                                    .contains("Token: vault-token-lookup failed: HTTP 403: permission denied"),
                            l -> assertThat(l)
                                    .contains("Vault rejected VAULT_TOKEN before it accepted it once: nothing can be"
                                            + " kept alive with it; exiting with status 1"));
            assertThat(vault.requests("/v1/auth/token/lookup-self"))
                    .as("a 403 is not retried")
                    .hasSize(1);
        }
    }

    @Test
    @DisplayName("testLeaseDoesNotNeedRenewing")
    void leavesALeaseWithALongTtlAlone() throws Exception {
        // a lease with 1 h left (more than twice the 180 s interval) is not renewed
        Token token = periodicToken(ONE_HOUR);
        Lease lease = databaseCreds(ONE_HOUR, ONE_HOUR);
        writeVariables("export VAULT_TOKEN=" + token.id + "\n" + "export LEASE_IDS=" + lease.id + "\n");

        try (InProcessRenewer renewer = InProcessRenewer.start(env("RENEW_INTERVAL", "180", "RUN_ONCE", "true"))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(lastRenewal(leaseLookup(lease))).isNull();
            assertThat(vault.requests("/v1/sys/leases/lookup"))
                    .as("the renewer looked the lease up (the test's own lookup is the last)")
                    .extracting(r -> r.leaseId() + " " + r.status())
                    .containsExactly(lease.id + " 200", lease.id + " 200");
            assertThat(vault.requests("/v1/sys/leases/renew")).isEmpty();
        }
    }

    @Test
    @DisplayName("testMultipleLeasesCanBeRenewed")
    void renewsTwoLeasesWithAShortTtl() throws Exception {
        // two leases with 1 min left (less than twice the 180 s interval) are both renewed
        Token token = periodicToken(ONE_HOUR);
        Lease lease1 = databaseCreds(ONE_MINUTE, ONE_HOUR);
        Lease lease2 = databaseCreds(ONE_MINUTE, ONE_HOUR);
        writeVariables(
                "export VAULT_TOKEN=" + token.id + "\n" + "export LEASE_IDS=" + lease1.id + "," + lease2.id + "\n");

        try (InProcessRenewer renewer = InProcessRenewer.start(env("RENEW_INTERVAL", "180", "RUN_ONCE", "true"))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(lastRenewal(leaseLookup(lease1))).as("lease 1").isNotNull();
            assertThat(lastRenewal(leaseLookup(lease2))).as("lease 2").isNotNull();
        }
    }

    @Test
    @DisplayName("testSingleLeaseCanBeRenewed")
    void renewsALeaseWithAShortTtl() throws Exception {
        // a lease with 1 min left (less than twice the 180 s interval) is renewed
        Token token = periodicToken(ONE_HOUR);
        Lease lease = databaseCreds(ONE_MINUTE, ONE_HOUR);
        writeVariables("export VAULT_TOKEN=" + token.id + "\n" + "export LEASE_IDS=" + lease.id + "\n");

        try (InProcessRenewer renewer = InProcessRenewer.start(env("RENEW_INTERVAL", "180", "RUN_ONCE", "true"))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(lastRenewal(leaseLookup(lease))).isNotNull();
            // a grant shorter than the interval is a success, with a WARN
            assertThat(renewer.linesWith(" WARN "))
                    .singleElement()
                    .asString()
                    .contains("Lease " + lease.id + " has a TTL of 1m, shorter than RENEW_INTERVAL (3m)");
        }
    }

    @Test
    @DisplayName("testVaultTokenCanBeRenewed")
    void renewsATokenWithAShortTtl() throws Exception {
        // a token with a 1 min period (less than twice the 180 s interval) is renewed
        Token token = periodicToken(ONE_MINUTE);
        writeVariables("export VAULT_TOKEN=" + token.id + "\n");

        try (InProcessRenewer renewer = InProcessRenewer.start(env("RENEW_INTERVAL", "180", "RUN_ONCE", "true"))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(lastRenewal(tokenLookup(token))).isNotNull();
            assertThat(renewer.linesWith(" WARN "))
                    .singleElement()
                    .asString()
                    .contains("Token (accessor " + token.accessor + ") has a TTL of 1m, shorter than RENEW_INTERVAL");
        }
    }

    // ---- the original's set-up and curl calls ----

    /**
     * The environment of the original's runs: VAULT_ADDR (the emulator), VARIABLES_FILE, and these variables; any
     * other unset. The management port is any free one, so that renewers of two builds never collide.
     */
    private Map<String, String> env(String... pairs) {
        Map<String, String> env = RenewerProcess.env(
                "VAULT_ADDR", vault.address(), "VARIABLES_FILE", variables.toString(), "CAMEL_MANAGEMENT_PORT", "0");
        env.putAll(RenewerProcess.env(pairs));
        return env;
    }

    /** {@code vault token create -policy=my-policy -period=…}, by the setup token. */
    private Token periodicToken(Duration period) {
        return vault.createToken(TokenSpec.ttl(period).period(period));
    }

    /** {@code vault read database/creds/my-role} with the setup token, the role's default_ttl and max_ttl these. */
    private Lease databaseCreds(Duration defaultTtl, Duration maxTtl) {
        return vault.createLease(setup, "database/creds/my-role", defaultTtl, maxTtl, true);
    }

    /** {@code PUT /v1/sys/leases/lookup {"lease_id": …}} with the setup token. */
    private JsonNode leaseLookup(Lease lease) throws IOException, InterruptedException {
        return put("/v1/sys/leases/lookup", JSON.createObjectNode().put("lease_id", lease.id));
    }

    /** {@code PUT /v1/auth/token/lookup {"token": …}} with the setup token (PUT as the original's curl; POST alike). */
    private JsonNode tokenLookup(Token token) throws IOException, InterruptedException {
        return put("/v1/auth/token/lookup", JSON.createObjectNode().put("token", token.id));
    }

    private JsonNode put(String path, JsonNode body) throws IOException, InterruptedException {
        HttpResponse<String> answer = http.send(
                HttpRequest.newBuilder(URI.create(vault.address() + path))
                        .timeout(Duration.ofSeconds(10))
                        .header("X-Vault-Token", setup.id)
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(body.toString()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        // not as lenient as the original's jq, which reads null out of an error answer as well
        assertThat(answer.statusCode())
                .as("%s answered %s", path, answer.body())
                .isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    /** {@code jq -r '.data.last_renewal'}: null when absent or null. */
    private static String lastRenewal(JsonNode answer) {
        JsonNode lastRenewal = answer.path("data").path("last_renewal");
        return lastRenewal.isMissingNode() || lastRenewal.isNull() ? null : lastRenewal.asText();
    }
}
