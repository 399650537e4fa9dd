package io.kubevaultauthrenewer.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.VaultEmulator;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Before;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RecordedRequest;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * The renewer reads Vault's answers as Vault means them (issue: answer as Vault answers): the real routes and beans
 * in this JVM against the emulator, each answer as Vault's source gives it (docs/vault-fidelity.md).
 */
class VaultAnswersRouteTest extends RouteTestSupport {

    private static final String RENEW_SELF = "/v1/auth/token/renew-self";
    private static final String LEASE_LOOKUP = "/v1/sys/leases/lookup";
    private static final String LEASE_RENEW = "/v1/sys/leases/renew";

    /**
     * Vault's ttl is the expiry less its clock rounded to the second, truncated: the lease may live up to 1.5 s longer
     * than now + ttl. Vault is unreachable (sealed) from the lease's first renewal until 0.6 s before its real end on
     * Vault's clock: a try lands in those 0.6 s, every time.
     */
    @RepeatedTest(5)
    void keepsALeaseWhenVaultIsBackSixTenthsOfASecondBeforeItsEnd() throws Exception {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)));
        // 4 s: still alive at the first lookup when a loaded machine takes 2 s to start the renewer
        Lease lease = vault.createLease(token, "database/creds/app", Duration.ofSeconds(4), Duration.ZERO, true);
        writeVariables(token, lease);
        vault.inject(LEASE_RENEW, 1, new Before(vault::seal));
        Instant end = vault.expiry(lease);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (InProcessRenewer renewer = InProcessRenewer.start(renewerEnv(60, false))) {
            timer.schedule(
                    vault::unseal,
                    Duration.between(clock.instant(), end.minusMillis(600)).toMillis(),
                    TimeUnit.MILLISECONDS);
            renewer.awaitUntil(() -> vault.renewals(lease) == 1
                    || !renewer.linesWith("lost: it expire").isEmpty());

            assertThat(renewer.linesWith("lost: it expire")).as(renewer.log()).isEmpty();
            assertThat(vault.renewals(lease)).isEqualTo(1);
            assertThat(vault.lastRenewal(lease)).isBefore(end);
        } finally {
            timer.shutdownNow();
        }
    }

    /** A lease Vault no longer knows is reported once, then left alone until the variables file names another list. */
    @Test
    void reportsAGoneLeaseOnceThenLeavesItAloneUntilTheListChanges() throws Exception {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)));
        Lease kept = vault.createLease(token, "database/creds/app", Duration.ofHours(1), Duration.ZERO, true);
        Lease gone = vault.createLease(token, "database/creds/app", Duration.ofHours(1), Duration.ZERO, true);
        writeVariables(token, kept, gone);
        vault.revokeLease(gone);

        try (InProcessRenewer renewer = InProcessRenewer.start(renewerEnv(1, false))) {
            renewer.awaitLines("Cycle done", 4);

            assertThat(renewer.linesMatching(" ERROR .*Lease " + gone.id))
                    .as(renewer.log())
                    .hasSize(1);
            assertThat(renewer.linesMatching(" ERROR .*Lease " + gone.id).get(0))
                    .contains("vault-lease-lookup failed: HTTP 400: invalid lease")
                    .contains("gone: it is not asked about again");
            assertThat(lookupsOf(gone)).hasSize(1);
            assertThat(renewer.linesWith("Cycle done").get(3))
                    .contains("leases checked 1")
                    .contains("gone 1");

            Lease added = vault.createLease(token, "database/creds/app", Duration.ofHours(1), Duration.ZERO, true);
            writeVariables(token, kept, gone, added);
            renewer.awaitUntil(
                    () -> lookupsOf(added).size() >= 1 && lookupsOf(gone).size() >= 2);
            renewer.awaitLines(" ERROR .*Lease " + gone.id, 2);
        }
    }

    /**
     * A token renewal capped by its max TTL ends at a time no renewal can move: the cycles after look it up and leave
     * it alone instead of renewing it to the same end again.
     */
    @Test
    void doesNotRenewATokenAgainOnceItsMaxTtlCappedItsRenewal() throws Exception {
        // created for 100 s with an explicit max of 60 s; due once less than half of that is left
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofSeconds(100)).maxTtl(Duration.ofSeconds(60)));
        writeVariables(token);
        clock.advance(Duration.ofSeconds(31));

        try (InProcessRenewer renewer = InProcessRenewer.start(renewerEnv(1, false))) {
            renewer.awaitLines("Cycle done", 4);

            assertThat(vault.requests(RENEW_SELF)).hasSize(1);
            assertThat(renewer.linesMatching("renewed, but it will expire at .*: its max TTL is reached"))
                    .hasSize(1);
            assertThat(renewer.linesWith("Cycle done").get(3)).contains("token capped");
            assertThat(renewer.linesWith("End of life: the pod's secrets die at"))
                    .hasSize(1);
        }
    }

    /**
     * Past its max TTL, Vault answers renew-self 500 (CalculateTTL's plain error, passed on unwrapped): the token's
     * end, not a server error to retry.
     */
    @Test
    void takesRenewSelfPastTheMaxTtlForTheTokensEndAndDoesNotRetryIt() throws Exception {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofSeconds(30)));
        writeVariables(token);
        vault.inject(
                RENEW_SELF, 10, VaultEmulator.status(500, "1 error occurred:\n\t* past the max TTL, cannot renew\n\n"));

        InProcessRenewer renewer = InProcessRenewer.runToEnd(renewerEnv(60, true));
        try (renewer) {
            assertThat(renewer.awaitExit()).isEqualTo(1);
            assertThat(vault.requests(RENEW_SELF)).as(renewer.log()).hasSize(1);
            assertThat(renewer.linesMatching(
                            " WARN .*vault-token-renew failed: HTTP 500: past the max TTL, cannot renew;"
                                    + " its max TTL is reached: it expires at"))
                    .hasSize(1);
            assertThat(renewer.linesWith("retry")).isEmpty();
            assertThat(renewer.linesMatching("End of life: the pod's secrets die at .*its max TTL is reached"))
                    .hasSize(1);
        }
    }

    /**
     * A periodic token whose period is above its auth mount's max TTL: Vault cuts every grant to that max with the
     * {@code period of} warning, and the token renews for ever. Not an end: RUN_ONCE exits 0, no end of life.
     */
    @Test
    void takesAPeriodCutToTheMountsMaxForNoEndOfLife() throws Exception {
        vault.tuneAuthMount("token", Duration.ofHours(24));
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(48)).period(Duration.ofHours(48)));
        writeVariables(token);

        InProcessRenewer renewer = InProcessRenewer.runToEnd(renewerEnv(12 * 3600, true));
        try (renewer) {
            assertThat(renewer.awaitExit()).as(renewer.log()).isZero();
            assertThat(vault.requests(RENEW_SELF))
                    .extracting(RecordedRequest::status)
                    .containsExactly(200);
            assertThat(renewer.linesMatching(" INFO .*Token \\(accessor " + token.accessor + "\\) is periodic with a"
                            + " period of 48h, above the max TTL of its role or auth mount \\(24h\\): Vault grants 24h"
                            + " at each renewal instead, and it still renews for ever; not an end of life"))
                    .hasSize(1);
            assertThat(renewer.linesMatching("End of life|its max TTL is reached| WARN | ERROR "))
                    .isEmpty();
            assertThat(renewer.linesWith("Cycle done"))
                    .singleElement()
                    .asString()
                    .contains("token renewed, ttl 24h");
        }
    }

    /**
     * A lease that expired while its database was down: Vault keeps it, not renewable with a negative ttl, while it
     * retries the revocation. Its secret is dead: one ERROR, the end of life now, RUN_ONCE exits 1, no renewal.
     */
    @Test
    void takesAnExpiredLeaseVaultStillListsForGone() throws Exception {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)));
        Lease lease = vault.createLease(token, "database/creds/app", Duration.ofSeconds(5), Duration.ZERO, true);
        writeVariables(token, lease);
        vault.failRevocations("database", "dial tcp 10.0.0.7:5432: connect: connection refused");
        clock.advance(Duration.ofSeconds(8));

        InProcessRenewer renewer = InProcessRenewer.runToEnd(renewerEnv(60, true));
        try (renewer) {
            assertThat(renewer.awaitExit()).as(renewer.log()).isEqualTo(1);
            assertThat(vault.isHeld(lease)).as("Vault still lists it").isTrue();
            assertThat(vault.requests(LEASE_RENEW)).isEmpty();
            assertThat(renewer.linesMatching(" ERROR LeaseRenewal - Lease " + lease.id
                            + " is gone: expired at .* \\(sys/leases/lookup:"
                            + " ttl -[0-9]+, not renewable\\): Vault lists it only while it retries its revocation"))
                    .hasSize(1);
            assertThat(renewer.linesMatching("End of life: the pod's secrets die at .*Lease " + lease.id + ": gone"))
                    .hasSize(1);
            assertThat(renewer.log())
                    .doesNotContain("not renewable: left alone")
                    .doesNotContain("10.0.0.7");
        }
    }

    /**
     * After the AppRole role a token logged in with is deleted, Vault answers every renew-self 500 naming the role:
     * not a server error to retry. One ERROR quoting Vault; the token's expiry is the end of life.
     */
    @Test
    void takesA500ForADeletedAuthRoleForTheTokensEndAndDoesNotRetryIt() throws Exception {
        String roleId = vault.appRole("my-app", Duration.ofMinutes(10), null, "my-app");
        Token token = appRoleLogin(roleId, vault.secretId("my-app"));
        writeVariables(token);
        vault.deleteAppRole("my-app");

        InProcessRenewer renewer = InProcessRenewer.runToEnd(renewerEnv(600, true));
        try (renewer) {
            assertThat(renewer.awaitExit()).as(renewer.log()).isEqualTo(1);
            assertThat(vault.requests(RENEW_SELF))
                    .extracting(RecordedRequest::status)
                    .containsExactly(500);
            assertThat(renewer.linesMatching(" ERROR .*vault-token-renew failed: HTTP 500: failed to renew entry: role"
                            + " \"my-app\" does not exist during renewal; not retried: its auth role no longer exists,"
                            + " so Vault cannot renew it: it expires at"))
                    .hasSize(1);
            assertThat(renewer.linesWith("retry")).isEmpty();
            assertThat(renewer.linesMatching("End of life: the pod's secrets die at .*its auth role no longer exists"))
                    .hasSize(1);
        }
    }

    /** A token with a use limit loses its leases once the renewer's calls have spent it: said once, at the start. */
    @Test
    void warnsOnceAboutATokensUseLimitWithWhatACycleSpends() throws Exception {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)).numUses(50));
        Lease lease = vault.createLease(token, "database/creds/app", Duration.ofHours(1), Duration.ZERO, true);
        writeVariables(token, lease);

        try (InProcessRenewer renewer = InProcessRenewer.start(renewerEnv(1, false))) {
            renewer.awaitLines("Cycle done", 3);

            assertThat(renewer.linesMatching(" WARN .*use limit"))
                    .as(renewer.log())
                    .singleElement()
                    .asString()
                    .contains("Token (accessor " + token.accessor + ") has a use limit: 49 use(s) left (num_uses)")
                    .contains("a cycle spends up to 4 (lookup-self and renew-self, and a lookup and a renewal for"
                            + " each of 1 lease(s))")
                    .contains("Vault revokes the token and every lease it created");
        }
    }

    /**
     * Vault's default policy does not grant sys/leases/revoke: REVOKE_ON_SHUTDOWN gets 403 for the first lease. One
     * line names the missing capability, the other leases are not tried, and the token's revocation takes them.
     */
    @Test
    void revokesTheTokenWithOneLineWhenTheDefaultPolicyRefusesToRevokeLeases() throws Exception {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)).policies("my-app"));
        List<Lease> leases = List.of(
                vault.createLease(token, "database/creds/app", Duration.ofHours(1), Duration.ZERO, true),
                vault.createLease(token, "database/creds/app", Duration.ofHours(1), Duration.ZERO, true),
                vault.createLease(token, "database/creds/app", Duration.ofHours(1), Duration.ZERO, true));
        writeVariables(token, leases.toArray(Lease[]::new));

        try (InProcessRenewer renewer = InProcessRenewer.start(renewerEnv(3600, false, "REVOKE_ON_SHUTDOWN", "true"))) {
            renewer.awaitLines("Cycle done", 1);
            renewer.stop();

            assertThat(vault.requests("/v1/sys/leases/revoke"))
                    .extracting(RecordedRequest::status)
                    .containsExactly(403);
            assertThat(vault.requests("/v1/auth/token/revoke-self"))
                    .extracting(RecordedRequest::status)
                    .containsExactly(204);
            assertThat(renewer.linesWith("sys/leases/revoke"))
                    .as(renewer.log())
                    .singleElement()
                    .asString()
                    .contains(" WARN ShutdownRevocation - Lease " + leases.get(0).id + ": vault-lease-revoke failed:"
                            + " HTTP 403: permission denied: the token may not revoke leases (no policy of its grants"
                            + " update on sys/leases/revoke, and Vault's default policy does not); the other 2 lease(s)"
                            + " are not tried: revoking the token next revokes every lease it created");
            assertThat(renewer.linesMatching(" ERROR ")).isEmpty();
            assertThat(renewer.linesMatching("Token \\(accessor " + token.accessor + "\\) revoked"))
                    .hasSize(1);
            assertThat(leases).noneMatch(vault::isHeld);
        }
    }

    /** A warning that is neither cap (Vault's news about the request) is logged once, and changes nothing. */
    @Test
    void logsAnyOtherWarningOncePerLeaseAndText() throws Exception {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)));
        // 50 min is due at once at interval 1800 (an hour is not: Vault rounds the ttl a lookup shows, so a lookup
        // in the first half second sees 3600, which is not below 2 × 1800)
        Lease lease = vault.createLease(token, "database/creds/app", Duration.ofMinutes(50), Duration.ZERO, true);
        writeVariables(token, lease);
        // every renewal grants 2 s, so early checks renew it again about every 1.3 s, each with the warning
        vault.inject(
                LEASE_RENEW,
                100,
                new VaultEmulator.RawBody(
                        200,
                        "application/json",
                        "{\"request_id\":\"r\","
                                + "\"lease_id\":\"" + lease.id
                                + "\",\"renewable\":true,\"lease_duration\":2,\"data\":null,"
                                + "\"warnings\":[\"Endpoint ignored these unrecognized parameters: [foo]\"],\"auth\":null}"));

        try (InProcessRenewer renewer = InProcessRenewer.start(renewerEnv(1800, false))) {
            renewer.awaitUntil(() -> vault.requests(LEASE_RENEW).size() >= 3);

            assertThat(renewer.linesWith("Vault warned"))
                    .as(renewer.log())
                    .singleElement()
                    .asString()
                    .endsWith(" WARN LeaseRenewal - Lease " + lease.id
                            + ": Vault warned: Endpoint ignored these unrecognized parameters: [foo]");
            assertThat(renewer.linesWith("End of life")).isEmpty();
        }
    }

    /** Logs in with AppRole over HTTP, as an init container does, and gives the token Vault issued. */
    private Token appRoleLogin(String roleId, String secretId) throws Exception {
        java.net.http.HttpResponse<String> answer = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(
                                        java.net.URI.create(vault.address() + "/v1/auth/approle/login"))
                                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                        "{\"role_id\":\"" + roleId + "\",\"secret_id\":\"" + secretId + "\"}"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        String id = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(answer.body())
                .at("/auth/client_token")
                .asText();
        return vault.tokenById(id);
    }

    private List<RecordedRequest> lookupsOf(Lease lease) {
        return vault.requests(LEASE_LOOKUP).stream()
                .filter(r -> lease.id.equals(r.leaseId()))
                .toList();
    }
}
