package io.kubevaultauthrenewer.renewal;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.ShiftableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cycle's own tally and its summary line, and what it hands on to the status. */
class CycleReportTest {

    private final ShiftableClock clock = ShiftableClock.frozen();
    private final RenewerStatus status = new RenewerStatus(clock);
    private final CycleReport report = new CycleReport(status);

    @Test
    void summarisesACycleWithEachLeaseOutcomeAndTheNextCycle() {
        report.start(clock.instant(), List.of("a", "b", "c"), true, List.of("a", "b", "c"));
        report.tokenLookedUp("acc", 7200, false, true);
        report.token(Outcome.NOT_DUE, 7200);
        report.lease("a", Outcome.RENEWED, 3600L);
        report.leaseFailed("b", "vault-lease-renew failed: HTTP 503", false);
        clock.advance(Duration.ofMillis(120));
        Instant next = clock.instant().plusSeconds(60);

        assertThat(report.summary(clock.instant(), next))
                .isEqualTo("Cycle done in 120 ms: token not due, ttl 2h; leases checked 3, renewed 1, not due 0,"
                        + " failed 1, capped 0, skipped 1; next cycle by " + next);
        assertThat(report.tokenName()).isEqualTo("Token (accessor acc)");
        assertThat(status.lease("a").lastOutcome()).isEqualTo(Outcome.RENEWED);
    }

    @Test
    void summarisesAnEarlyCheckWithoutTheTokenOrANextCycle() {
        report.startEarly(clock.instant(), List.of("a", "b"), false, List.of("a"));
        report.lease("a", Outcome.RENEWED, 60L);

        assertThat(report.summary(clock.instant(), null))
                .isEqualTo("Early check done in 0 ms: token not due; leases checked 1, renewed 1, not due 0, failed 0,"
                        + " capped 0");
        assertThat(report.calledVault()).isTrue();
    }

    @Test
    void countsTheLeasesACycleLeavesToTheirRetryAndThoseGone() {
        report.start(clock.instant(), List.of("a", "b"), true, List.of("a", "b"));
        report.leaseFailed("a", "vault-lease-lookup failed: HTTP 400: invalid lease", true);
        report.leaseFailed("b", "vault-lease-renew failed: HTTP 503", false);
        status.failedTransiently("b", Cycles.RETRIES, null, Integer.MAX_VALUE, 1.0);

        report.start(clock.instant(), List.of("a", "b"), false, List.of());

        assertThat(report.summary(clock.instant(), null))
                .endsWith("token waiting for its retry; leases checked 0, renewed 0, not due 0, failed 0, capped 0,"
                        + " waiting for their retry 1, gone 1; no next cycle (RUN_ONCE)");
    }

    @Test
    void keepsARejectedTokenForTheCycleOnly() {
        report.start(clock.instant(), List.of(), true, List.of());
        report.tokenRejected("vault-token-lookup failed: HTTP 403");
        assertThat(report.isTokenRejected()).isTrue();
        assertThat(status.tokenRejected()).isTrue();

        report.start(clock.instant(), List.of(), true, List.of());

        assertThat(report.isTokenRejected()).isFalse();
    }

    @Test
    void saysAnEarlyCheckThatFoundNothingDueCalledNoVault() {
        report.startEarly(clock.instant(), List.of("a"), false, List.of());

        assertThat(report.calledVault()).isFalse();
    }
}
