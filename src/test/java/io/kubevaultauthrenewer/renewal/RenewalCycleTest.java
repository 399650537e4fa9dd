package io.kubevaultauthrenewer.renewal;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.config.Credentials;
import io.kubevaultauthrenewer.emulator.ShiftableClock;
import io.kubevaultauthrenewer.vault.VaultToken;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The cycle's own steps, without Camel: what a run selects, the report it starts, and how RUN_ONCE ends. */
class RenewalCycleTest {

    private final ShiftableClock clock = ShiftableClock.frozen();
    private final RenewerStatus status = new RenewerStatus(clock);
    private final CycleReport report = new CycleReport(status);
    private final Cycles cycles = new Cycles(status);
    private final AtomicInteger stops = new AtomicInteger();
    private final Exit exit = new Exit(stops::incrementAndGet);
    private final Credentials credentials = new Credentials("hvs.t", List.of("a", "b", "c"), "test");

    private RenewalCycle cycle(boolean runOnce) {
        return new RenewalCycle(
                null,
                new VaultToken(),
                report,
                clock,
                Duration.ofHours(1),
                exit,
                runOnce,
                new EarlyChecks(clock, request -> {}));
    }

    @Test
    void selectsTheTokenAndEveryLeaseNotWaitingForItsRetryNearestExpiryFirst() {
        cycles.start("a", "b", "c")
                .tokenLookedUp("acc", 3 * 3600)
                .leaseLookedUp("a", 3 * 3600)
                .leaseLookedUp("b", 600)
                .leaseLookedUp("c", 3 * 3600);
        cycles.leaseFailed("c", "vault-lease-renew failed: HTTP 503", false);

        RenewalCycle.Selection chosen = cycle(false).select(null, credentials);

        assertThat(chosen.token()).isTrue();
        assertThat(chosen.early()).isFalse();
        assertThat(chosen.leaseIds()).containsExactly("b", "a");
        assertThat(cycle(false).select(CycleRequest.RENEW_NOW, credentials).leaseIds())
                .as("renewNow()")
                .containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void selectsForAnEarlyCheckWhatIsDueAndLeaseIdsNewInTheFile() {
        cycles.start("a").tokenLookedUp("acc", 3 * 3600).leaseLookedUp("a", 3 * 3600);

        RenewalCycle.Selection chosen = cycle(false).select(CycleRequest.EARLY_CHECK, credentials);

        assertThat(chosen.early()).isTrue();
        assertThat(chosen.token()).as("not due").isFalse();
        assertThat(chosen.leaseIds()).containsExactly("b", "c");
    }

    @Test
    void startsTheReportWithTheSelectionAndHandsTheLeaseIdsToTheSplit() {
        RenewalCycle cycle = cycle(false);

        List<String> ids = cycle.start(credentials, new RenewalCycle.Selection(false, List.of("b"), true, false));

        assertThat(ids).containsExactly("b");
        assertThat(report.isEarly()).isTrue();
        assertThat(cycle.includesToken()).isFalse();
        assertThat(report.watchedLeases()).isEqualTo(3);
    }

    @Test
    void endsARunOnceRunWithStatusZeroWhenEverythingWasRenewedOrNotDue() {
        RenewalCycle cycle = cycle(true);
        cycle.start(credentials, new RenewalCycle.Selection(true, List.of("a", "b", "c"), false, false));
        cycles.tokenLookedUp("acc", 3 * 3600)
                .leaseLookedUp("a", 3 * 3600)
                .leaseLookedUp("b", 3 * 3600)
                .leaseLookedUp("c", 3 * 3600);

        cycle.finish();

        assertThat(stops).hasValue(1);
        assertThat(exit.exitCode()).isEqualTo(Exit.FINE);
        assertThat(status.lastSummary()).startsWith("Cycle done in").endsWith("no next cycle (RUN_ONCE)");
    }

    @Test
    void endsARunOnceRunWithStatusOneWhenALeaseFailedForGood() {
        RenewalCycle cycle = cycle(true);
        cycle.start(credentials, new RenewalCycle.Selection(true, List.of("a", "b", "c"), false, false));
        cycles.tokenLookedUp("acc", 3 * 3600).leaseLookedUp("a", 3 * 3600).leaseLookedUp("b", 3 * 3600);
        report.leaseFailed("c", "vault-lease-lookup failed: HTTP 400: invalid lease", true);

        cycle.finish();

        assertThat(exit.exitCode()).isEqualTo(Exit.NOT_FINE);
    }

    @Test
    void keepsARunningRenewerGoingAfterACycle() {
        RenewalCycle cycle = cycle(false);
        cycle.start(credentials, new RenewalCycle.Selection(true, List.of(), false, false));

        cycle.finish();

        assertThat(stops).hasValue(0);
        assertThat(status.cycles().next())
                .isEqualTo(
                        clock.instant().plus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }
}
