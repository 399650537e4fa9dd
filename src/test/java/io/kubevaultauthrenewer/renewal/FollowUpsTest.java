package io.kubevaultauthrenewer.renewal;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.ShiftableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When the renewer looks again between two cycles: short TTLs, and transient failures with a backoff. */
class FollowUpsTest {

    private static final Duration INTERVAL = Duration.ofHours(1);
    private static final Duration BACKOFF = Duration.ofSeconds(5);
    private static final Duration BACKOFF_MAX = Duration.ofMinutes(5);

    private final ShiftableClock clock = ShiftableClock.frozen();
    private final RenewerStatus status = new RenewerStatus(clock);
    private final Cycles cycles = new Cycles(status);

    private Instant regularNext() {
        return clock.instant().plus(INTERVAL);
    }

    private RenewerStatus.FollowUp plan(double random) {
        return status.planFollowUps(regularNext(), INTERVAL, BACKOFF, BACKOFF_MAX, () -> random);
    }

    private Duration in(RenewerStatus.FollowUp followUp) {
        return Duration.between(clock.instant(), followUp.at());
    }

    @Test
    void plansNothingWhenEveryTtlOutlastsTwoIntervals() {
        cycles.start("a")
                .tokenLookedUp("acc", 3 * 3600)
                .leaseLookedUp("a", 3 * 3600)
                .finish(regularNext());

        assertThat(plan(0.5)).isNull();
        assertThat(status.nextCheck("a")).isNull();
    }

    @Test
    void checksAShortLeaseWhenAboutTwoThirdsOfItsTtlAreUsed() {
        cycles.start("a")
                .tokenLookedUp("acc", 3 * 3600)
                .leaseRenewed("a", 60, false)
                .finish(regularNext());

        RenewerStatus.FollowUp latest = plan(0.0);
        assertThat(latest.leaseIds()).containsExactly("a");
        assertThat(in(latest)).isEqualTo(Duration.ofSeconds(40));

        RenewerStatus.FollowUp earliest = plan(1.0);
        assertThat(in(earliest)).isEqualTo(Duration.ofSeconds(36));
        assertThat(status.nextCheck("a")).isEqualTo(earliest.at());
    }

    @Test
    void checksAShortTokenEarlyToo() {
        cycles.start().tokenRenewed(600).finish(regularNext());

        RenewerStatus.FollowUp followUp = plan(0.0);

        assertThat(followUp.leaseIds()).isEmpty();
        assertThat(in(followUp)).isEqualTo(Duration.ofSeconds(400));
        assertThat(status.nextCheck(null)).isEqualTo(followUp.at());
    }

    @Test
    void triesATransientFailureAgainWithADoublingBackoff() {
        cycles.start("a").tokenLookedUp("acc", 3 * 3600).leaseLookedUp("a", 3 * 3600);
        cycles.leaseFailed("a", "vault-lease-renew failed: HTTP 503: Vault is sealed", false)
                .finish(regularNext());
        assertThat(in(plan(1.0))).isEqualTo(Duration.ofSeconds(5));

        cycles.start("a").tokenLookedUp("acc", 3 * 3600);
        cycles.leaseFailed("a", "vault-lease-renew failed: HTTP 503: Vault is sealed", false)
                .finish(regularNext());
        assertThat(in(plan(1.0))).isEqualTo(Duration.ofSeconds(10));
        assertThat(in(plan(0.0))).isEqualTo(Duration.ofSeconds(8));

        for (int i = 0; i < 10; i++) {
            cycles.start("a").tokenLookedUp("acc", 3 * 3600);
            cycles.leaseFailed("a", "vault-lease-renew failed: HTTP 503", false).finish(regularNext());
        }
        assertThat(in(plan(1.0))).isEqualTo(BACKOFF_MAX);
    }

    @Test
    void leavesACappedLeaseToTheCycleAsAnEarlyCheckCannotHelpIt() {
        cycles.start("a")
                .tokenLookedUp("acc", 3 * 3600)
                .leaseRenewed("a", 60, true)
                .finish(regularNext());

        assertThat(plan(0.5)).isNull();
    }

    @Test
    void doesNotCheckEarlyALeaseThatIsMerelyNearItsRenewal() {
        cycles.start("a")
                .tokenLookedUp("acc", 3 * 3600)
                .leaseLookedUp("a", 7300)
                .finish(regularNext());

        assertThat(plan(0.5)).isNull();
    }

    @Test
    void neverTriesAgainLaterThanTheExpiryAllows() {
        cycles.start("a").tokenLookedUp("acc", 3 * 3600).leaseLookedUp("a", 30);
        for (int i = 0; i < 6; i++) {
            cycles.leaseFailed("a", "vault-lease-renew failed: HTTP 503", false);
        }
        cycles.finish(regularNext());

        assertThat(in(plan(1.0))).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void forgetsTheBackoffOnceACallSucceeds() {
        cycles.start("a").tokenLookedUp("acc", 3 * 3600).leaseLookedUp("a", 3 * 3600);
        cycles.leaseFailed("a", "vault-lease-renew failed: HTTP 503", false).finish(regularNext());
        cycles.start("a")
                .tokenLookedUp("acc", 3 * 3600)
                .leaseLookedUp("a", 3 * 3600)
                .finish(regularNext());

        assertThat(plan(0.5)).isNull();
    }

    @Test
    void doesNotTryAgainALeaseThatIsGone() {
        cycles.start("a").tokenLookedUp("acc", 3 * 3600);
        cycles.leaseFailed("a", "vault-lease-lookup failed: HTTP 400: invalid lease", true)
                .finish(regularNext());

        assertThat(plan(0.5)).isNull();
    }
}
