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
        Lease lease = vault.createLease(token, "database/creds/app", Duration.ofSeconds(2), Duration.ZERO, true);
        writeVariables(token, lease);
        vault.inject(LEASE_RENEW, 1, new Before(vault::seal));
        Instant end = vault.expiry(lease);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (InProcessRenewer renewer = InProcessRenewer.start(env(60, false))) {
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

        try (InProcessRenewer renewer = InProcessRenewer.start(env(1, false))) {
            renewer.awaitLines("Cycle done", 4);

            assertThat(renewer.linesWith("^ERROR .*Lease " + gone.id))
                    .as(renewer.log())
                    .hasSize(1);
            assertThat(renewer.linesWith("^ERROR .*Lease " + gone.id).get(0))
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
            renewer.awaitLines("^ERROR .*Lease " + gone.id, 2);
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

        try (InProcessRenewer renewer = InProcessRenewer.start(env(1, false))) {
            renewer.awaitLines("Cycle done", 4);

            assertThat(vault.requests(RENEW_SELF)).hasSize(1);
            assertThat(renewer.linesWith("renewed, but it will expire at .*: its max TTL is reached"))
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

        InProcessRenewer renewer = InProcessRenewer.runToEnd(env(60, true));
        try (renewer) {
            assertThat(renewer.awaitExit()).isEqualTo(1);
            assertThat(vault.requests(RENEW_SELF)).as(renewer.log()).hasSize(1);
            assertThat(renewer.linesWith("^WARN .*vault-token-renew failed: HTTP 500: past the max TTL, cannot renew;"
                            + " its max TTL is reached: it expires at"))
                    .hasSize(1);
            assertThat(renewer.linesWith("retry")).isEmpty();
            assertThat(renewer.linesWith("End of life: the pod's secrets die at .*its max TTL is reached"))
                    .hasSize(1);
        }
    }

    private List<RecordedRequest> lookupsOf(Lease lease) {
        return vault.requests(LEASE_LOOKUP).stream()
                .filter(r -> lease.id.equals(r.leaseId()))
                .toList();
    }
}
