package io.kubevaultauthrenewer.routes;

import static io.kubevaultauthrenewer.e2e.RenewerProcess.env;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.VaultEmulator;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RecordedRequest;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One cycle at a time (RUN_ONCE), the original image's own scenarios and more: what Vault received, what was logged,
 * and the exit status.
 */
class RenewalCycleRouteTest extends RouteTestSupport {

    private static final Duration EXIT = Duration.ofSeconds(30);
    private static final String HOUR = "3600";

    private Map<String, String> runOnceEnv(String interval) {
        return renewerEnv(Integer.parseInt(interval), true);
    }

    private static List<String> leaseIds(List<RecordedRequest> requests) {
        return requests.stream().map(RecordedRequest::leaseId).toList();
    }

    @Test
    void keepsOnlyTheTokenWhenLeaseIdsIsEmpty() throws IOException {
        Token token = token(5000); // due (< 2 x 1h), and the 5000 s granted reach past the next check
        writeVariables(token);

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(vault.requests("/v1/auth/token/renew-self")).hasSize(1);
            assertThat(vault.requests("/v1/sys/leases/lookup")).isEmpty();
            assertThat(renewer.linesWith("Cycle done"))
                    .singleElement()
                    .asString()
                    .contains("token renewed", "leases checked 0");
        }
    }

    @Test
    void renewsTheTokenWhenItsTtlIsBelowTwiceTheInterval() throws IOException {
        Token token = token(7000); // 7000 s < 2 x 3600 s
        writeVariables(token);

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(vault.renewals(token)).isEqualTo(1);
            assertThat(renewer.output()).contains("Token (accessor " + token.accessor + ") renewed: ttl 1h56m40s");
        }
    }

    @Test
    void renewsTheTokenWhenHalfOfItsCreationTtlIsUsed() throws IOException {
        Token token = token(10 * 3600);
        clock.advance(Duration.ofHours(5).plusSeconds(10)); // ttl 4h59m50s < 10h / 2, but > 2 x 1h
        writeVariables(token);

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(vault.renewals(token)).isEqualTo(1);
        }
    }

    @Test
    void looksUpButDoesNotRenewATokenThatIsNotDue() throws IOException {
        Token token = token(8000);
        writeVariables(token);

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(vault.requests("/v1/auth/token/lookup-self")).hasSize(1);
            assertThat(vault.requests("/v1/auth/token/renew-self")).isEmpty();
            assertThat(renewer.output()).contains("token not due");
        }
    }

    @Test
    void leavesARootTokenAlone() throws IOException {
        Token root = vault.createRootToken();
        writeVariables(root);

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(vault.requests("/v1/auth/token/renew-self")).isEmpty();
            assertThat(renewer.output()).contains("has no TTL (a root or non-expiring token): nothing to renew");
        }
    }

    @Test
    void renewsOneLeaseThatIsDue() throws IOException {
        Token token = token(8000);
        Lease lease = lease(token, 5000);
        writeVariables(token, lease);

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            List<RecordedRequest> renewals = vault.requests("/v1/sys/leases/renew");
            assertThat(leaseIds(renewals)).containsExactly(lease.id);
            RecordedRequest renewal = renewals.get(0);
            assertThat(renewal.method()).isEqualTo("PUT");
            assertThat(renewal.header("X-Vault-Token")).isEqualTo(token.id);
            assertThat(renewal.header("X-Vault-Request")).isEqualTo("true");
            assertThat(renewal.header("Content-Type")).startsWith("application/json");
            assertThat(renewer.output()).contains("Lease " + lease.id + " renewed: ttl 1h23m20s");
        }
    }

    @Test
    void renewsALeaseWithLessThanASecondLeftRatherThanTakeItForNonExpiring() throws IOException {
        Token token = token(8000);
        Lease lease = lease(token, 5000);
        writeVariables(token, lease);
        // Vault truncates: with 0.6 s left, the lookup says ttl 0 but still gives an expire_time
        clock.freeze();
        clock.advance(Duration.ofMillis(4_999_400));

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(leaseIds(vault.requests("/v1/sys/leases/renew"))).containsExactly(lease.id);
            assertThat(renewer.output()).contains("Lease " + lease.id + " renewed: ttl 1h23m20s");
            assertThat(renewer.output()).doesNotContain("has no expiry");
        }
    }

    @Test
    void renewsSeveralLeases() throws IOException {
        Token token = token(8000);
        Lease a = lease(token, 4000);
        Lease b = lease(token, 5000);
        Lease c = vault.createLease(token, "aws/creds/deploy", Duration.ofSeconds(6000), Duration.ZERO, true);
        writeVariables(token, a, b, c);

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(leaseIds(vault.requests("/v1/sys/leases/renew"))).containsExactly(a.id, b.id, c.id);
            assertThat(renewer.linesWith("Cycle done"))
                    .singleElement()
                    .asString()
                    .contains("leases checked 3, renewed 3, not due 0, failed 0, capped 0");
        }
    }

    @Test
    void looksUpButDoesNotRenewALeaseThatIsNotDue() throws IOException {
        Token token = token(8000);
        Lease lease = lease(token, 7500);
        writeVariables(token, lease);

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(leaseIds(vault.requests("/v1/sys/leases/lookup"))).containsExactly(lease.id);
            assertThat(vault.requests("/v1/sys/leases/renew")).isEmpty();
            assertThat(renewer.output()).contains("renewed 0, not due 1");
        }
    }

    @Test
    void reportsALeaseThatHasAlreadyExpiredAndExitsNonZero() throws IOException {
        Token token = token(8000);
        Lease lease = lease(token, 5);
        clock.advance(Duration.ofSeconds(6));
        writeVariables(token, lease);

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(1);
            assertThat(renewer.linesWith(" ERROR "))
                    .singleElement()
                    .asString()
                    .contains("Lease " + lease.id + ": vault-lease-lookup failed: HTTP 400: invalid lease");
            assertThat(vault.requests("/v1/sys/leases/lookup"))
                    .as("a 400 is not retried")
                    .hasSize(1);
        }
    }

    @Test
    void warnsWhenALeaseIsCappedByItsMaxTtl() throws IOException {
        Token token = token(8000);
        Lease lease =
                vault.createLease(token, "database/creds/app", Duration.ofMinutes(10), Duration.ofMinutes(15), true);
        clock.advance(Duration.ofMinutes(9)); // 6 min left before the max: a renewal of 10 min is capped
        writeVariables(token, lease);

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(1);
            assertThat(renewer.linesWith(" WARN "))
                    .singleElement()
                    .asString()
                    .contains("Lease " + lease.id + " renewed, but it will expire at ", "its max TTL is reached")
                    // Vault counts the 6 min left between times truncated to the second (CalculateTTL)
                    .containsPattern("Vault granted (6m|5m5[0-9]s)\\)$");
            assertThat(renewer.output()).contains("capped 1");
        }
    }

    @Test
    void warnsWhenTheTokenIsCappedByItsMaxTtl() throws IOException {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofMinutes(10)).maxTtl(Duration.ofMinutes(15)));
        clock.advance(Duration.ofMinutes(9));
        writeVariables(token);

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(1);
            assertThat(renewer.linesWith(" WARN "))
                    .singleElement()
                    .asString()
                    .contains(
                            "Token (accessor " + token.accessor + ") renewed, but it will expire at ",
                            "its max TTL is reached");
        }
    }

    @Test
    void stopsWithAMessageNamingVaultTokenWhenNoTokenIsGiven() {
        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).isEqualTo(2);
            assertThat(renewer.linesWith("ERROR"))
                    .singleElement()
                    .asString()
                    .contains("VAULT_TOKEN is set neither in the environment nor in " + variables);
            assertThat(vault.requests()).isEmpty();
        }
    }

    @Test
    void reportsARejectedTokenAndSkipsTheLeases() throws IOException {
        Token token = token(8000);
        Lease lease = lease(token, 600);
        writeVariables(token, lease);
        vault.revokeToken(token);

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(1);
            assertThat(renewer.linesWith(" ERROR "))
                    .singleElement()
                    .asString()
                    .contains("Token: vault-token-lookup failed: HTTP 403: permission denied, invalid token");
            assertThat(vault.requests("/v1/auth/token/lookup-self"))
                    .as("a 403 is not retried")
                    .hasSize(1);
            assertThat(vault.requests("/v1/sys/leases/lookup")).isEmpty();
            assertThat(renewer.output()).contains("token failed", "skipped 1");
        }
    }

    @Test
    void goesOnWithTheOtherLeasesWhenOneFails() throws IOException {
        Token token = token(8000);
        Lease good1 = lease(token, 5000);
        Lease bad = lease(token, 5000);
        Lease good2 = lease(token, 5000);
        vault.revokeLease(bad);
        writeVariables(token, good1, bad, good2);

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(1);
            assertThat(leaseIds(vault.requests("/v1/sys/leases/renew"))).containsExactly(good1.id, good2.id);
            assertThat(renewer.linesWith(" ERROR ")).singleElement().asString().contains("Lease " + bad.id + ":");
            assertThat(renewer.output()).contains("leases checked 3, renewed 2, not due 0, failed 1");
        }
    }

    @Test
    void sendsTheNamespaceOnEveryCall() throws IOException {
        Token token = token(8000);
        Lease lease = vault.addLease(
                "database/creds/app/Xy12.ns1", token, Duration.ofSeconds(5000), Duration.ZERO, true, "team-a");
        writeVariables(token, lease);
        Map<String, String> env = runOnceEnv(HOUR);
        env.put("VAULT_NAMESPACE", "team-a");

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(vault.requests())
                    .isNotEmpty()
                    .allSatisfy(r -> assertThat(r.header("X-Vault-Namespace")).isEqualTo("team-a"));
            assertThat(vault.renewals(lease)).isEqualTo(1);
        }
    }

    @Test
    void takesTheTokenAndLeasesFromTheEnvironmentWhenThereIsNoFile() {
        Token token = token(8000);
        Lease lease = lease(token, 5000);
        Map<String, String> env = runOnceEnv(HOUR);
        env.put("VAULT_TOKEN", token.id);
        env.put("LEASE_IDS", " ," + lease.id + ",, " + lease.id + " ,");

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(leaseIds(vault.requests("/v1/sys/leases/renew")))
                    .as("blanks ignored, duplicate once")
                    .containsExactly(lease.id);
        }
    }

    @Test
    void prefersTheFileOverTheEnvironment() throws IOException {
        Token fileToken = token(8000);
        Token envToken = token(8000);
        writeVariables(fileToken);
        Map<String, String> env = runOnceEnv(HOUR);
        env.put("VAULT_TOKEN", envToken.id);

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            // one call, the token's lookup (8000 s is not due with a 1 h interval): never an empty list
            assertThat(vault.requests())
                    .extracting(RecordedRequest::path)
                    .containsExactly("/v1/auth/token/lookup-self");
            assertThat(vault.requests())
                    .allSatisfy(r -> assertThat(r.header("X-Vault-Token")).isEqualTo(fileToken.id));
        }
    }

    @Test
    void readsQuotedMultiLineValuesAndNeverPrintsThem() throws IOException {
        Token token = token(8000);
        Lease lease = lease(token, 5000);
        String multiLine = "line one = 1\nline two has spaces # and a hash\n";
        Files.writeString(
                variables,
                "# written by the init container\n"
                        + "export DB_PASSWORD=\"" + multiLine + "\"\n"
                        + "export VAULT_TOKEN=\"" + token.id + "\"\n"
                        + "API_KEY='p=q r'\n"
                        + "export LEASE_IDS='" + lease.id + "'\n");

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(vault.renewals(lease)).isEqualTo(1);
            assertThat(vault.requests())
                    .extracting(RecordedRequest::path)
                    .containsExactly("/v1/auth/token/lookup-self", "/v1/sys/leases/lookup", "/v1/sys/leases/renew");
            assertThat(vault.requests())
                    .allSatisfy(r -> assertThat(r.header("X-Vault-Token")).isEqualTo(token.id));
            assertThat(renewer.output()).doesNotContain(token.id, "line one", "line two", "p=q r");
        }
    }

    @Test
    void reportsEveryBadSettingAtOnceAndCallsNoVault() {
        Map<String, String> env = env(
                "VAULT_ADDR",
                "vault:8200",
                "RENEW_INTERVAL",
                "6h",
                "RUN_ONCE",
                "maybe",
                "VARIABLES_FILE",
                variables.toString(),
                "VAULT_TOKEN",
                "t");

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            assertThat(renewer.awaitExit(EXIT)).isEqualTo(2);
            assertThat(renewer.linesWith("Invalid setting"))
                    .hasSize(3)
                    .anySatisfy(l -> assertThat(l).contains("VAULT_ADDR=vault:8200 is not an http:// or https:// URL"))
                    .anySatisfy(l -> assertThat(l).contains("RENEW_INTERVAL=6h is not a whole number of seconds"))
                    .anySatisfy(l -> assertThat(l).contains("RUN_ONCE=maybe must be true or false"));
            assertThat(vault.requests()).isEmpty();
        }
    }

    // ---- transient failures are retried within the cycle; final ones are not ----

    @Test
    void retriesATransientFailureAndThenRenews() throws IOException {
        Token token = token(8000);
        Lease lease = lease(token, 5000);
        writeVariables(token, lease);
        vault.inject("/v1/sys/leases/lookup", 2, VaultEmulator.status(503, "Vault is sealed"));

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(vault.requests("/v1/sys/leases/lookup"))
                    .extracting(RecordedRequest::status)
                    .containsExactly(503, 503, 200);
            assertThat(renewer.linesWith(" WARN "))
                    .hasSize(2)
                    .allSatisfy(l -> assertThat(l)
                            .contains("Lease " + lease.id
                                    + ": vault-lease-lookup failed: HTTP 503: Vault is sealed; retry"));
            assertThat(vault.renewals(lease)).isEqualTo(1);
        }
    }

    @Test
    void givesUpAfterTheRetriesAndReportsTheLastFailure() throws IOException {
        Token token = token(8000);
        Lease lease = lease(token, 5000);
        writeVariables(token, lease);
        vault.inject("/v1/sys/leases/renew", 10, VaultEmulator.status(502, "upstream connect error"));

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(1);
            assertThat(vault.requests("/v1/sys/leases/renew"))
                    .as("the first try and 3 retries")
                    .hasSize(4);
            assertThat(renewer.linesWith(" ERROR "))
                    .singleElement()
                    .asString()
                    .contains("Lease " + lease.id + ": vault-lease-renew failed: HTTP 502: upstream connect error");
        }
    }

    @Test
    void reportsAnAnswerThatIsNotJson() throws IOException {
        Token token = token(8000);
        Lease lease = lease(token, 5000);
        writeVariables(token, lease);
        vault.inject(
                "/v1/sys/leases/lookup",
                10,
                new VaultEmulator.RawBody(200, "text/html", "<html><body>Proxy login</body></html>"));

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(1);
            assertThat(renewer.linesWith(" ERROR "))
                    .singleElement()
                    .asString()
                    .contains("Lease " + lease.id + ": ", "failed: HTTP 200: Vault's answer is not JSON");
        }
    }

    @Test
    void spreadsRequestsToTheBoundPerSecondAfterABurstOfAsMany() throws IOException {
        Token token = token(8000);
        Lease[] leases = new Lease[30];
        for (int i = 0; i < leases.length; i++) {
            leases[i] = lease(token, 8000);
        }
        writeVariables(token, leases);
        Map<String, String> env = runOnceEnv(HOUR);
        env.put("RENEWER_MAX_REQUESTS_PER_SECOND", "10");

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            List<RecordedRequest> requests = vault.requests();
            assertThat(requests).hasSize(31);
            // a burst of 10, then one every 100 ms: the 21 beyond the burst take at least 2.1 s
            assertThat(Duration.between(requests.get(0).at(), requests.get(30).at()))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(2000));
            // once the burst has drained, any 11 requests in a row span a second as they leave; Vault records them
            // as they arrive, which a loaded machine moves by up to a tenth of a second (unbounded, 11 take a few ms)
            for (int i = 25; i < requests.size(); i++) {
                assertThat(Duration.between(
                                requests.get(i - 10).at(), requests.get(i).at()))
                        .as("requests %d to %d", i - 9, i + 1)
                        .isGreaterThanOrEqualTo(Duration.ofMillis(900));
            }
        }
    }

    @Test
    void retriesAnEmptyAnswerAndA412WithAFreshCall() throws IOException {
        Token token = token(8000);
        Lease empty = lease(token, 5000);
        Lease busy = lease(token, 5000);
        writeVariables(token, empty, busy);
        vault.inject("/v1/sys/leases/lookup", 1, new VaultEmulator.RawBody(200, "application/json", ""));
        vault.inject("/v1/sys/leases/renew", 1, VaultEmulator.status(412, "required index state not present"));

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            // a retry asks Vault again (it does not re-read the same empty answer)
            assertThat(renewer.linesWith(" WARN "))
                    .satisfiesExactlyInAnyOrder(
                            l -> assertThat(l)
                                    .contains("Lease " + empty.id + ": vault-lease-lookup-answer failed: HTTP 200:"
                                            + " Vault's answer is not JSON; retry 1 of 3 at "),
                            l -> assertThat(l)
                                    .contains("Lease " + busy.id + ": vault-lease-renew failed: HTTP 412: required"
                                            + " index state not present; retry 1 of 3 at "));
            assertThat(leaseIds(vault.requests("/v1/sys/leases/lookup"))).containsExactly(empty.id, busy.id, empty.id);
            assertThat(leaseIds(vault.requests("/v1/sys/leases/renew")))
                    .as("the 412 is retried without a new lookup (the first showed the lease due), after the lease"
                            + " whose expiry is not known")
                    .containsExactly(busy.id, empty.id, busy.id);
            assertThat(vault.renewals(empty)).isEqualTo(1);
            assertThat(vault.renewals(busy)).isEqualTo(1);
        }
    }

    @Test
    void reportsJsonOfTheWrongShapeWithoutRetrying() throws IOException {
        Token token = token(8000);
        writeVariables(token);
        vault.inject(
                "/v1/auth/token/lookup-self", 10, new VaultEmulator.RawBody(200, "application/json", "{\"data\":{}}"));

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(1);
            assertThat(vault.requests("/v1/auth/token/lookup-self")).hasSize(1);
            assertThat(renewer.linesWith(" ERROR "))
                    .singleElement()
                    .asString()
                    .contains("Token: ", "Vault's answer to auth/token/lookup-self has no data.ttl");
        }
    }

    @Test
    void retriesAnAnswerSlowerThanTheTimeout() throws IOException {
        Token token = token(5000);
        writeVariables(token);
        vault.inject("/v1/auth/token/lookup-self", 1, new VaultEmulator.Delay(Duration.ofSeconds(3)));
        Map<String, String> env = runOnceEnv(HOUR);
        env.put("RENEWER_RESPONSE_TIMEOUT", "1s");

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(renewer.linesWith(" WARN "))
                    .singleElement()
                    .asString()
                    .contains("Token: vault-token-lookup failed: no answer in time");
            assertThat(vault.renewals(token)).isEqualTo(1);
        }
    }

    static Stream<Arguments> droppedConnections() {
        return Stream.of(
                Arguments.of(
                        "before the answer",
                        "/v1/sys/leases/renew",
                        new VaultEmulator.Drop(),
                        "vault-lease-renew failed: the connection closed before an answer"),
                Arguments.of(
                        "in the middle of the answer",
                        "/v1/sys/leases/lookup",
                        new VaultEmulator.CutShort(),
                        "vault-lease-lookup failed: the connection closed in the middle of the answer"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("droppedConnections")
    void retriesAConnectionDropped(String when, String path, VaultEmulator.FaultAction fault, String warning)
            throws IOException {
        Token token = token(8000);
        Lease lease = lease(token, 5000);
        writeVariables(token, lease);
        vault.inject(path, 1, fault);

        try (InProcessRenewer renewer = InProcessRenewer.start(runOnceEnv(HOUR))) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isZero();
            assertThat(renewer.linesWith(" WARN ")).singleElement().asString().contains(warning, "retry 1 of 3");
            assertThat(vault.requests(path)).hasSize(2);
            assertThat(vault.renewals(lease)).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "RENEWER_RETRY_ATTEMPTS={0}")
    @ValueSource(ints = {3, 0}) // 0: as the image records its class-data-sharing archive
    void reportsAnUnreachableVaultAfterTheQuickRetriesAndExitsNonZero(int retries) throws IOException {
        Token token = token(8000);
        writeVariables(token);
        Map<String, String> env = runOnceEnv(HOUR);
        env.put("RENEWER_RETRY_ATTEMPTS", String.valueOf(retries));
        vault.close();

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(1);
            assertThat(renewer.linesWith(" WARN ")).hasSize(retries);
            assertThat(renewer.linesWith(" ERROR "))
                    .singleElement()
                    .asString()
                    .contains(
                            "Token: vault-token-lookup failed: cannot connect",
                            "no retry left (RUN_ONCE, after " + retries + ")");
        }
    }
}
