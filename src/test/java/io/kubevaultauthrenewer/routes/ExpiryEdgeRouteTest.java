package io.kubevaultauthrenewer.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubevaultauthrenewer.emulator.VaultEmulator;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RecordedRequest;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Standby;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Faults at the edge of expiry: each retry is planned against the item's own expiry, so an item survives an outage
 * that ends shortly before it would have expired, and Vault never sees two tries of the same call for the same item
 * closer than the floor (250 ms). An item that cannot be saved is reported once as lost, and not tried again. Each
 * test prints when the item would have expired and when it was renewed.
 */
class ExpiryEdgeRouteTest extends RouteTestSupport {

    private static final Duration LONG = Duration.ofSeconds(60);
    private static final Duration FLOOR = Duration.ofMillis(250);
    private static final String HTML_502 = "<html><head><title>502 Bad Gateway</title></head>"
            + "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";

    private Map<String, String> sidecarEnv(int intervalSeconds) {
        // the default retry schedule (1 s, 2 s, 4 s, then 5 s doubling), no jitter of the cycles
        Map<String, String> env = renewerEnv(intervalSeconds, false);
        env.remove("RENEWER_RETRY_DELAY");
        env.put("RENEWER_JITTER", "0%");
        return env;
    }

    /** Waits, on the emulator's clock, until {@code at}: the moment the test changes what Vault does. */
    private void awaitVaultTime(Instant at) {
        await().atMost(LONG)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> !clock.instant().isBefore(at));
    }

    @Test
    void keepsTheTokenThroughASealThatEndsOneSecondBeforeItExpires() throws IOException {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofSeconds(10)));
        writeVariables(token);

        try (InProcessRenewer renewer = InProcessRenewer.start(sidecarEnv(2))) {
            renewer.awaitLine("Cycle done .*: token not due", LONG);
            vault.seal();
            int before = vault.renewals(token);
            Instant expiry = vault.expiry(token);
            awaitVaultTime(expiry.minusSeconds(1));
            vault.unseal();

            renewer.awaitUntil(() -> vault.renewals(token) > before, LONG);
            Instant renewed = vault.lastRenewal(token);
            report("the token", expiry, renewed);
            assertThat(renewed).isBefore(expiry);
            assertThat(vault.isAlive(token)).isTrue();
            assertThat(vault.requests("/v1/auth/token/lookup-self"))
                    .extracting(RecordedRequest::status)
                    .as("looked up during the seal, tried again until it answered")
                    .contains(503, 200);
            assertThat(renewer.linesWith("Token (accessor " + token.accessor + "): vault-token-lookup failed: HTTP 503:"
                            + " Vault is sealed; retry"))
                    .isNotEmpty();
            assertNoTwoTriesCloserThanTheFloor();
            assertThat(renewer.isAlive()).isTrue();
        }
    }

    @Test
    void keepsTheTokenThroughFourHtml502PagesWhileItHasAFewSecondsLeft() throws IOException {
        // 9 s: due at the first cycle (under 2 x 5 s) however Vault rounds its clock (10 s may read as 10)
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofSeconds(9)));
        writeVariables(token);
        // a proxy in front of Vault answers the token's next 4 renewals with its own page
        vault.inject("/v1/auth/token/renew-self", 4, new VaultEmulator.RawBody(502, "text/html", HTML_502));
        Instant expiry = vault.expiry(token);

        try (InProcessRenewer renewer = InProcessRenewer.start(sidecarEnv(5))) {
            renewer.awaitUntil(() -> vault.renewals(token) >= 1, LONG);

            Instant renewed = vault.lastRenewal(token);
            report("the token", expiry, renewed);
            assertThat(renewed).isBefore(expiry);
            assertThat(vault.isAlive(token)).isTrue();
            assertThat(vault.requests("/v1/auth/token/renew-self"))
                    .extracting(RecordedRequest::status)
                    .containsExactly(502, 502, 502, 502, 200);
            assertThat(vault.requests("/v1/auth/token/lookup-self").stream().filter(r -> !r.at().isAfter(renewed)))
                    .as("the first lookup showed it due: the retries go straight to the renewal (a regular cycle"
                            + " after it looks it up again)")
                    .hasSize(1);
            assertThat(renewer.linesWith("vault-token-renew failed: HTTP 502"))
                    .hasSize(4)
                    .anySatisfy(l -> assertThat(l).contains("half of the time it has left"));
            assertNoTwoTriesCloserThanTheFloor();
        }
    }

    @Test
    void keepsEveryDueLeaseThroughA429StormWithRetryAfterTheNearestExpiryFirst() throws IOException {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)));
        // all below 2 × the interval (12 s) from the first lookup: Vault rounds the ttl it shows, so a lease of
        // exactly 12 s looked up in its first half second is not due
        Lease eleven = lease(token, 11);
        Lease ten = lease(token, 10);
        Lease nine = lease(token, 9);
        writeVariables(token, eleven, ten, nine);
        // three rounds of 429s for the three renewals, each asking to wait 2 s
        vault.inject(
                "/v1/sys/leases/renew",
                9,
                new VaultEmulator.Status(429, List.of("rate limit quota exceeded"), Map.of("Retry-After", "2")));
        Map<Lease, Instant> expiries = new LinkedHashMap<>();
        for (Lease lease : List.of(eleven, ten, nine)) {
            expiries.put(lease, vault.expiry(lease));
        }

        try (InProcessRenewer renewer = InProcessRenewer.start(sidecarEnv(6))) {
            renewer.awaitUntil(() -> expiries.keySet().stream().allMatch(l -> vault.renewals(l) >= 1), LONG);

            expiries.forEach((lease, expiry) -> {
                report(lease.id, expiry, vault.lastRenewal(lease));
                assertThat(vault.lastRenewal(lease)).isBefore(expiry);
                assertThat(vault.isAlive(lease)).isTrue();
                List<Integer> statuses = renewStatuses(lease);
                // the nine 429s go to whichever renewal comes next: each lease gets at least one of them (the
                // cycle's own try), and all three leases nine in all; how the other six split depends on Vault's
                // rounded ttl and the machine's load, which move each one's retries by up to a second
                assertThat(statuses.indexOf(200))
                        .as("%s: %s", lease.id, statuses)
                        .isGreaterThanOrEqualTo(1);
                assertThat(statuses.subList(0, statuses.indexOf(200))).containsOnly(429);
            });
            assertThat(vault.requests("/v1/sys/leases/renew"))
                    .filteredOn(r -> r.status() == 429)
                    .hasSize(9);
            List<RecordedRequest> renewals =
                    vault.requests("/v1/sys/leases/renew").subList(0, 12);
            assertThat(leaseIds(renewals.subList(0, 3)))
                    .as("the cycle, in LEASE_IDS order")
                    .containsExactly(eleven.id, ten.id, nine.id);
            // the retries due at one moment go in one early check (as its line names them), the nearest expiry first
            List<String> byExpiry = List.of(nine.id, ten.id, eleven.id);
            List<String> checks = renewer.linesWith("Early check of ");
            assertThat(checks).as("the retries' early checks").isNotEmpty();
            for (String check : checks) {
                List<String> ids = byExpiry.stream()
                        .filter(check::contains)
                        .sorted(Comparator.comparing(check::indexOf))
                        .toList();
                assertThat(ids).as(check).isSortedAccordingTo(Comparator.comparing(byExpiry::indexOf));
            }
            for (Lease lease : expiries.keySet()) {
                List<RecordedRequest> renews = vault.requests("/v1/sys/leases/renew").stream()
                        .filter(r -> lease.id.equals(r.leaseId()))
                        .toList();
                Instant firstTry = renews.get(0).at();
                Instant renewed = renews.get(renewStatuses(lease).indexOf(200)).at();
                assertThat(vault.requests("/v1/sys/leases/lookup").stream()
                                .filter(r -> lease.id.equals(r.leaseId()))
                                .filter(r -> r.at().isAfter(firstTry) && r.at().isBefore(renewed)))
                        .as("%s: its lookup showed it due, so its retries go straight to the renewal", lease.id)
                        .isEmpty();
            }
            // Retry-After is honoured, unless it would land after the expiry: then one last try just before it, and
            // tries at the floor while Vault may still hold the lease
            for (Lease lease : expiries.keySet()) {
                List<RecordedRequest> tries = vault.requests("/v1/sys/leases/renew").stream()
                        .filter(r -> lease.id.equals(r.leaseId()))
                        .limit(renewStatuses(lease).indexOf(200) + 1)
                        .toList();
                for (int i = 1; i < tries.size(); i++) {
                    Duration wait =
                            Duration.between(tries.get(i - 1).at(), tries.get(i).at());
                    boolean lastTry = renewer.linesWith("Lease " + lease.id + ": vault-lease-renew failed").stream()
                            .skip(i - 1)
                            .findFirst()
                            .orElseThrow()
                            .matches(".*(the last try before it expires|but Vault may hold it).*");
                    assertThat(wait)
                            .as("%s, wait before try %d", lease.id, i + 1)
                            .isGreaterThanOrEqualTo(lastTry ? FLOOR : Duration.ofMillis(1950));
                }
            }
            assertNoTwoTriesCloserThanTheFloor();
        }
    }

    @Test
    void keepsALeaseWhenVaultRefusesConnectionsUntilShortlyBeforeItExpiresAndReportsTheOneItCouldNotSave()
            throws IOException {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)));
        Lease saved = lease(token, 17);
        Lease lost = lease(token, 12);
        writeVariables(token, saved, lost);
        Standby node = vault.startStandby(vault.address());
        node.promote();
        Map<String, String> env = sidecarEnv(3);
        env.put("VAULT_ADDR", node.address());

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            // neither is due at the first cycle (less than 2 x 3 s left is due); then connections are refused
            renewer.awaitLine("Cycle done .*renewed 0, not due 2", LONG);
            node.goDown();
            Instant savedExpiry = vault.expiry(saved);
            Instant lostExpiry = vault.expiry(lost);
            // back 3 s after the one lease expired (past the 1.5 s Vault may hold it beyond now + ttl: VaultTtl), 2 s
            // before the other does
            awaitVaultTime(lostExpiry.plusSeconds(3));
            node.comeBack();
            Instant back = clock.instant();

            renewer.awaitUntil(() -> vault.renewals(saved) >= 1, LONG);
            report(saved.id, savedExpiry, vault.lastRenewal(saved));
            assertThat(vault.lastRenewal(saved)).isBefore(savedExpiry);
            assertThat(vault.isAlive(saved)).isTrue();

            // reported once as lost, with the time it expired; two more cycles later, never tried again
            String line = renewer.awaitLine("Lease " + lost.id + ": vault-lease-.* failed: .*; lost: it expire", LONG);
            System.out.printf(
                    "%s: lost %s, which expired at %s on Vault's clock%n",
                    getClass().getSimpleName(), lost.id, lostExpiry);
            Matcher time =
                    Pattern.compile("lost: it expire[sd] at ([0-9TZ:.-]+)").matcher(line);
            assertThat(time.find()).as(line).isTrue();
            Instant reported = Instant.parse(time.group(1));
            assertThat(Duration.between(reported, lostExpiry).abs()).isLessThan(Duration.ofSeconds(1));
            int cycles = renewer.linesWith("Cycle done").size();
            renewer.awaitLines("Cycle done", cycles + 2, LONG);
            assertThat(renewer.linesWith("lost: it expire")).as("one report").hasSize(1);
            assertThat(vault.requests().stream()
                            .filter(r -> r.at().isAfter(back))
                            .filter(r -> lost.id.equals(r.leaseId())))
                    .as("no retry loop after it was lost")
                    .isEmpty();
            assertThat(renewer.output()).contains("lost 1");
            assertNoTwoTriesCloserThanTheFloor();
        }
    }

    /** The statuses Vault answered the lease's renewals with, in order. */
    private List<Integer> renewStatuses(Lease lease) {
        return vault.requests("/v1/sys/leases/renew").stream()
                .filter(r -> lease.id.equals(r.leaseId()))
                .map(RecordedRequest::status)
                .toList();
    }

    /**
     * A retry never follows a failed try of the same call for the same item (same path, same lease id) by less than
     * the floor.
     */
    private void assertNoTwoTriesCloserThanTheFloor() {
        Map<String, List<RecordedRequest>> byCall = new LinkedHashMap<>();
        for (RecordedRequest r : vault.requests()) {
            byCall.computeIfAbsent(r.path() + " " + Objects.toString(r.leaseId(), ""), k -> new ArrayList<>())
                    .add(r);
        }
        byCall.forEach((call, tries) -> {
            for (int i = 1; i < tries.size(); i++) {
                if (tries.get(i - 1).status() != 200) {
                    assertThat(Duration.between(
                                    tries.get(i - 1).at(), tries.get(i).at()))
                            .as("%s: tries %d and %d", call, i, i + 1)
                            .isGreaterThanOrEqualTo(FLOOR);
                }
            }
        });
    }

    /** For the record (the closing note of the change quotes it): when it would have expired, when renewed. */
    private void report(String item, Instant expiry, Instant renewed) {
        System.out.printf(
                "%s: %s would have expired at %s, renewed at %s (%d ms before)%n",
                getClass().getSimpleName(),
                item,
                expiry,
                renewed,
                Duration.between(renewed, expiry).toMillis());
    }

    private static List<String> leaseIds(List<RecordedRequest> requests) {
        return requests.stream().map(RecordedRequest::leaseId).toList();
    }
}
