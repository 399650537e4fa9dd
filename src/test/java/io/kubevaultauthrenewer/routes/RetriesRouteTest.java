package io.kubevaultauthrenewer.routes;

import static io.kubevaultauthrenewer.e2e.RenewerProcess.env;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.VaultEmulator;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RecordedRequest;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Standby;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The renewer's retries as a sidecar meets them: a refused renewal tried again soon, spaced as the backoff settings
 * say; Vault unreachable at start-up, gone in the middle of a cycle, answering 429 with Retry-After, a short outage,
 * a seal longer than the interval.
 */
class RetriesRouteTest extends RouteTestSupport {

    private static final Duration LONG = Duration.ofSeconds(60);

    @Test
    void triesAFailedRenewalAgainSoonInsteadOfAnIntervalLater() throws IOException {
        Lease lease = leaseWithRenewalsRefused(2);

        try (InProcessRenewer renewer = InProcessRenewer.start(backoffOnlyEnv("RENEWER_BACKOFF_INITIAL", "500ms"))) {
            renewer.awaitUntil(() -> vault.renewals(lease) >= 1, LONG);

            assertThat(renewer.linesWith(" ERROR "))
                    .hasSize(2)
                    .allSatisfy(l -> assertThat(l).contains("vault-lease-renew failed: HTTP 503: Vault is sealed"));
            renewer.awaitLines("Early check done", 2, LONG);
            List<RecordedRequest> renewals = vault.requests("/v1/sys/leases/renew");
            assertThat(renewals).hasSize(3);
            // 500 ms, then 1 s: the defaults (RENEWER_BACKOFF_INITIAL 5s) would wait 4 s at the least
            assertThat(waits(renewals)).allSatisfy(w -> assertThat(w).isLessThan(Duration.ofSeconds(2)));
        }
    }

    @Test
    void spacesItsRetriesAsRenewerBackoffInitialAndMaxSay() throws IOException {
        Lease lease = leaseWithRenewalsRefused(4);
        Map<String, String> env = backoffOnlyEnv("RENEWER_BACKOFF_INITIAL", "300ms", "RENEWER_BACKOFF_MAX", "900ms");

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            renewer.awaitUntil(() -> vault.renewals(lease) >= 1, LONG);

            List<RecordedRequest> renewals = vault.requests("/v1/sys/leases/renew");
            assertThat(renewals).extracting(RecordedRequest::status).containsExactly(503, 503, 503, 503, 200);
            // as Vault received them: 300 ms, 600 ms, then capped at 900 ms; each wait 80-100 % of that (never under
            // the 250 ms floor), plus the lookup and the call. Were RENEWER_BACKOFF_INITIAL not read, the first wait
            // would be 720 ms at the least (5 s, capped at 900 ms); were RENEWER_BACKOFF_MAX not read, the fourth
            // would be 1.92 s at the least (300 ms doubled three times)
            List<Long> backoffs = List.of(300L, 600L, 900L, 900L);
            List<Duration> waits = waits(renewals);
            for (int i = 0; i < backoffs.size(); i++) {
                long backoff = backoffs.get(i);
                assertThat(waits.get(i))
                        .as("the wait before retry %d", i + 1)
                        .isBetween(
                                Duration.ofMillis(Math.max(250, backoff * 8 / 10)),
                                Duration.ofMillis(backoff + SLACK_MILLIS));
            }
        }
    }

    /**
     * The token's renewal fails at the start of a long cycle (16 lookups at 4 requests a second): its retry is made
     * when it comes due, between two leases, not after the cycle's last one (its early check waits in the queue
     * behind the cycle, minutes with thousands of leases, while every lease dies with the token).
     */
    @Test
    void triesTheTokenAgainInTheMiddleOfALongCycleWhenItsRetryComesDue() throws IOException {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)));
        Lease[] leases = new Lease[16];
        for (int i = 0; i < leases.length; i++) {
            leases[i] = lease(token, 3 * 3600); // not due at a 1 h interval: a lookup each
        }
        writeVariables(token, leases);
        vault.inject("/v1/auth/token/renew-self", 1, VaultEmulator.status(503, "Vault is sealed"));
        Map<String, String> env =
                backoffOnlyEnv("RENEWER_BACKOFF_INITIAL", "500ms", "RENEWER_MAX_REQUESTS_PER_SECOND", "4");

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            renewer.awaitLines("Cycle done", 1, LONG);

            List<RecordedRequest> renewals = vault.requests("/v1/auth/token/renew-self");
            assertThat(renewals).extracting(RecordedRequest::status).containsExactly(503, 200);
            List<RecordedRequest> lookups = vault.requests("/v1/sys/leases/lookup");
            assertThat(lookups).hasSize(leases.length);
            assertThat(renewals.get(1).at())
                    .as("the token's retry, before the cycle's last lease lookup")
                    .isBefore(lookups.get(lookups.size() - 1).at());
            assertThat(renewer.linesWith("Cycle done"))
                    .singleElement()
                    .asString()
                    .contains(": token renewed, ttl ");
        }
    }

    /** A 90 min lease of a 3 h token, in the variables file; Vault refuses its first {@code refused} renewals (503). */
    private Lease leaseWithRenewalsRefused(int refused) throws IOException {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(3)));
        Lease lease = lease(token, 5400);
        writeVariables(token, lease);
        vault.inject("/v1/sys/leases/renew", refused, VaultEmulator.status(503, "Vault is sealed"));
        return lease;
    }

    /** The sidecar with an hour's interval and no quick retries (every retry a backoff), and these settings. */
    private Map<String, String> backoffOnlyEnv(String... settings) {
        Map<String, String> env = renewerEnv(3600, false, settings);
        env.put("RENEWER_RETRY_ATTEMPTS", "0");
        return env;
    }

    /** What a wait may take beyond its backoff: the renewer's own steps and calls, on a loaded machine. */
    private static final long SLACK_MILLIS = 300;

    /** The time between two calls as Vault received them, for each pair in a row. */
    private static List<Duration> waits(List<RecordedRequest> calls) {
        List<Duration> waits = new java.util.ArrayList<>();
        for (int i = 1; i < calls.size(); i++) {
            waits.add(Duration.between(calls.get(i - 1).at(), calls.get(i).at()));
        }
        return waits;
    }

    @Test
    void keepsTryingWhileVaultIsUnreachableAtStartUpAndRenewsOnceItAnswers() throws IOException {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        java.nio.file.Files.writeString(variables, "export VAULT_TOKEN=hvs.not-yet-issued\n");
        Map<String, String> env = new java.util.HashMap<>(renewerEnv(3600, false));
        env.put("VAULT_ADDR", "http://127.0.0.1:" + port);
        env.put("RENEWER_RETRY_ATTEMPTS", "0");
        env.put("RENEWER_BACKOFF_INITIAL", "500ms");
        env.put("RENEWER_BACKOFF_MAX", "2s");

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            renewer.awaitLines("Token: vault-token-lookup failed: cannot connect", 2, LONG);
            // Vault comes up, and the init container's file with it
            try (VaultEmulator late = VaultEmulator.startOnPort(clock, port)) {
                Instant up = clock.instant();
                Token token = late.createToken(TokenSpec.ttl(Duration.ofHours(3)));
                Lease lease =
                        late.createLease(token, "database/creds/app", Duration.ofMinutes(90), Duration.ZERO, true);
                writeVariables(token, lease);

                renewer.awaitUntil(() -> late.renewals(lease) >= 1, LONG);

                // tries at most 2 s apart (RENEWER_BACKOFF_MAX); with neither backoff setting read (5 s, then 10 s) the
                // next try would come 8 s or more after the second failure
                assertThat(Duration.between(
                                up, late.requests("/v1/sys/leases/renew").get(0).at()))
                        .isLessThan(Duration.ofSeconds(4));
                assertThat(late.isAlive(lease)).isTrue();
                assertThat(renewer.isAlive()).isTrue();
                renewer.awaitLines("Early check done", 2, LONG);
            }
        }
    }

    @Test
    void renewsWhatVaultDidNotAnswerOnceItIsBackAfterGoingAwayInTheMiddleOfACycle() throws IOException {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(3)));
        Lease first = lease(token, 5400);
        Lease second = lease(token, 5400);
        writeVariables(token, first, second);
        Standby node = vault.startStandby(vault.address());
        node.promote();
        // the first lease's renewal is answered slowly: the node goes away while it is being answered
        vault.inject("/v1/sys/leases/renew", 1, new VaultEmulator.Delay(Duration.ofSeconds(5)));
        Map<String, String> env = new java.util.HashMap<>(renewerEnv(3600, false));
        env.put("VAULT_ADDR", node.address());
        env.put("RENEWER_RETRY_ATTEMPTS", "1");
        env.put("RENEWER_BACKOFF_INITIAL", "500ms");

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            // token lookup, first lease lookup, then its renewal: arrived, not answered yet
            renewer.awaitUntil(
                    () -> vault.arrivals() >= 3
                            && vault.arrivals() > vault.requests().size(),
                    LONG);
            int down = renewer.mark();
            node.goDown();
            renewer.awaitLines("vault-lease-(lookup|renew) failed: cannot connect", 2, LONG);
            renewer.awaitLineAfter(down, "Cycle done", LONG);
            int back = renewer.mark();
            node.comeBack();

            renewer.awaitUntil(() -> vault.renewals(first) >= 1 && vault.renewals(second) >= 1, LONG);
            assertThat(vault.isAlive(first)).isTrue();
            assertThat(vault.isAlive(second)).isTrue();
            renewer.awaitLineAfter(back, "Early check done", LONG);
            assertThat(renewer.isAlive()).isTrue();
        }
    }

    @Test
    void waitsAsLongAsA429sRetryAfterAsksAndStillRenews() throws IOException {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(3)));
        Lease lease = lease(token, 5400);
        writeVariables(token, lease);
        vault.inject(
                "/v1/sys/leases/renew",
                4,
                new VaultEmulator.Status(429, List.of("rate limit quota exceeded"), Map.of("Retry-After", "2")));
        Map<String, String> env = new java.util.HashMap<>(renewerEnv(3600, false));
        env.put("RENEWER_RETRY_ATTEMPTS", "1");
        env.put("RENEWER_BACKOFF_INITIAL", "200ms");

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            renewer.awaitUntil(() -> vault.renewals(lease) >= 1, LONG);

            List<RecordedRequest> renewals = vault.requests("/v1/sys/leases/renew");
            assertThat(renewals).extracting(RecordedRequest::status).containsExactly(429, 429, 429, 429, 200);
            for (int i = 1; i < renewals.size(); i++) {
                assertThat(Duration.between(
                                renewals.get(i - 1).at(), renewals.get(i).at()))
                        .as("the wait before try %d", i + 1)
                        .isGreaterThanOrEqualTo(Duration.ofMillis(1900));
            }
            assertThat(vault.isAlive(lease)).isTrue();
        }
    }

    @Test
    void bridgesAShortVaultOutageWithRetries() throws IOException {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofSeconds(12)));
        List<Lease> leases = List.of(lease(token, 12), lease(token, 12));
        writeVariables(token, leases.toArray(Lease[]::new));

        try (InProcessRenewer renewer = InProcessRenewer.start(renewerEnv(5, false))) {
            renewer.awaitLine("Cycle done", LONG);
            vault.seal();
            // sealed until the renewer has been turned away three times in a row
            renewer.awaitUntil(
                    () -> vault.requests().stream()
                                    .filter(r -> r.status() == 503)
                                    .count()
                            >= 3,
                    LONG);
            vault.unseal();
            int renewalsAfterOutage = leases.stream().mapToInt(vault::renewals).sum();
            renewer.awaitUntil(() -> leases.stream().mapToInt(vault::renewals).sum() >= renewalsAfterOutage + 4, LONG);

            assertThat(leases).allMatch(vault::isAlive);
            assertThat(vault.isAlive(token)).isTrue();
            assertThat(renewer.linesWith(" WARN "))
                    .isNotEmpty()
                    .allSatisfy(l -> assertThat(l).contains("HTTP 503: Vault is sealed; retry"));
            assertThat(renewer.isAlive()).isTrue();
        }
    }

    @Test
    void keepsEveryLeaseThroughASealLongerThanTheIntervalThatEndsBeforeTheyExpire() throws IOException {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)));
        List<Lease> leases = List.of(lease(token, 12), lease(token, 12));
        writeVariables(token, leases.toArray(Lease[]::new));
        Map<String, String> env = new java.util.HashMap<>(renewerEnv(2, false));
        env.put("RENEWER_RETRY_ATTEMPTS", "1");
        env.put("RENEWER_BACKOFF_INITIAL", "500ms");

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            renewer.awaitUntil(() -> leases.stream().allMatch(l -> vault.renewals(l) >= 1), LONG);
            vault.seal();
            Instant sealed = Instant.now();
            // sealed from just after a renewal until both leases are due (4 s or less left) and turned away
            renewer.awaitUntil(
                    () -> leases.stream().allMatch(l -> vault.ttl(l) <= 4)
                            && renewer.linesWith("vault-lease-lookup failed: HTTP 503: Vault is sealed")
                                            .size()
                                    >= 2,
                    LONG);
            vault.unseal();
            Duration outage = Duration.between(sealed, Instant.now());
            int[] before = leases.stream().mapToInt(vault::renewals).toArray();

            renewer.awaitUntil(
                    () -> vault.renewals(leases.get(0)) > before[0] && vault.renewals(leases.get(1)) > before[1], LONG);

            assertThat(outage).as("the seal outlasts an interval").isGreaterThan(Duration.ofSeconds(4));
            assertThat(leases).allMatch(vault::isAlive);
            assertThat(renewer.lines())
                    .as("a cycle in the seal")
                    .anyMatch(l -> l.matches(".*Cycle done .*failed [1-9].*"));
            assertThat(renewer.isAlive()).isTrue();
        }
    }
}
