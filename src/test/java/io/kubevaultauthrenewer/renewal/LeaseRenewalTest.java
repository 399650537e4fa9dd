package io.kubevaultauthrenewer.renewal;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.ShiftableClock;
import io.kubevaultauthrenewer.vault.RenewalRule;
import io.kubevaultauthrenewer.vault.VaultAnswer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lease step's decisions, without Camel: due or not, and what a renewal's answer comes to. */
class LeaseRenewalTest {

    private static final String LEASE = "database/creds/app/1";

    private final ShiftableClock clock = ShiftableClock.frozen();
    private final RenewerStatus status = new RenewerStatus(clock);
    private final CycleReport report = new CycleReport(status);
    private final LeaseRenewal step = new LeaseRenewal(new RenewalRule(Duration.ofHours(1)), report, clock);

    private static VaultAnswer lookup(long ttl, Boolean renewable, String expireTime) {
        return new VaultAnswer(
                null,
                null,
                null,
                new VaultAnswer.Data(ttl, renewable, null, null, expireTime, null, null, null, null, null),
                null,
                null);
    }

    private static VaultAnswer renewal(long granted, List<String> warnings) {
        return new VaultAnswer(LEASE, true, granted, null, warnings, null);
    }

    private void start() {
        report.start(clock.instant(), List.of(LEASE), true, List.of(LEASE));
    }

    @Test
    void renewsALeaseWithLessThanTwoIntervalsLeft() {
        start();

        assertThat(step.isDue(LEASE, lookup(7199, true, "2026-01-01T02:00:00Z")))
                .isTrue();
        assertThat(status.lease(LEASE).expires()).isEqualTo(clock.instant().plusSeconds(7199));
    }

    @Test
    void leavesALeaseWithTwoIntervalsLeftAsNotDue() {
        start();

        assertThat(step.isDue(LEASE, lookup(7200, true, "2026-01-01T02:00:00Z")))
                .isFalse();
        assertThat(status.lease(LEASE).lastOutcome()).isEqualTo(Outcome.NOT_DUE);
    }

    @Test
    void leavesANonRenewableLeaseAlone() {
        start();

        assertThat(step.isDue(LEASE, lookup(60, false, "2026-01-01T00:01:00Z"))).isFalse();
        assertThat(status.lease(LEASE).lastOutcome()).isEqualTo(Outcome.NOT_DUE);
        assertThat(status.lease(LEASE).renewable()).isFalse();
    }

    @Test
    void reportsAnExpiredLeaseVaultStillListsAsGone() {
        start();

        assertThat(step.isDue(LEASE, lookup(0, false, "2026-01-01T00:00:00Z"))).isFalse();
        assertThat(status.lease(LEASE).gone()).isTrue();
        assertThat(status.lease(LEASE).lastError()).startsWith("gone: expired at 2026-01-01T00:00:00Z");
    }

    @Test
    void leavesALeaseWithoutExpiryAlone() {
        start();

        assertThat(step.isDue(LEASE, lookup(0, false, null))).isFalse();
        assertThat(status.lease(LEASE).lastOutcome()).isEqualTo(Outcome.NOT_DUE);
    }

    @Test
    void renewsWithoutALookupWhenTheLookupWasSkipped() {
        start();

        assertThat(step.isDue(LEASE, null)).isTrue();
    }

    @Test
    void doesNotRenewACappedLeaseAgainUnlessAnOperatorAsks() {
        start();
        step.renewed(
                LEASE,
                renewal(
                        600,
                        List.of(
                                "TTL of \"1h\" exceeded the effective max_ttl of \"10m\"; TTL value is capped accordingly")));
        assertThat(status.lease(LEASE).lastOutcome()).isEqualTo(Outcome.CAPPED);

        start();
        assertThat(step.isDue(LEASE, lookup(590, true, "2026-01-01T00:10:00Z"))).isFalse();
        assertThat(status.lease(LEASE).lastOutcome()).isEqualTo(Outcome.CAPPED);

        report.start(clock.instant(), List.of(LEASE), true, List.of(LEASE), true);
        assertThat(step.isDue(LEASE, lookup(590, true, "2026-01-01T00:10:00Z")))
                .as("renewNow()")
                .isTrue();
    }

    @Test
    void recordsARenewalWithTheTtlVaultGranted() {
        start();

        step.renewed(LEASE, renewal(3600, List.of()));

        assertThat(status.lease(LEASE).lastOutcome()).isEqualTo(Outcome.RENEWED);
        assertThat(status.lease(LEASE).grantedTtl()).isEqualTo(3600);
        assertThat(status.lease(LEASE).expires()).isEqualTo(clock.instant().plusSeconds(3600));
    }

    @Test
    void skipsTheLookupOnlyForARetryOfALeaseKnownToBeDue() {
        start();
        step.isDue(LEASE, lookup(60, true, "2026-01-01T00:01:00Z"));
        assertThat(step.needsLookup(LEASE)).isTrue();

        report.leaseFailed(LEASE, "vault-lease-renew failed: HTTP 503", false);
        status.failedTransiently(LEASE, Cycles.RETRIES, null, Integer.MAX_VALUE, 1.0);

        assertThat(step.needsLookup(LEASE)).isFalse();
    }

    @Test
    void asksVaultAboutTheLeaseById() {
        assertThat(step.request(LEASE)).containsEntry("lease_id", LEASE);
    }
}
