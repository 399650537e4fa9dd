package io.kubevaultauthrenewer.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.ShiftableClock;
import io.kubevaultauthrenewer.renewal.Cycles;
import io.kubevaultauthrenewer.renewal.RenewerStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheck.State;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** What each probe check answers, in each state the renewer can be in, on a clock the test moves. */
class HealthChecksTest {

    private static final Duration INTERVAL = Duration.ofMinutes(10);
    private static final Duration CALL = Duration.ofSeconds(35);
    private static final Duration RETRY_WAIT = Duration.ofSeconds(10);
    /** The longest a running cycle goes without a call ending: two deadlines and the longest quick-retry wait. */
    private static final Duration STALL = CALL.multipliedBy(2).plus(RETRY_WAIT);

    private final ShiftableClock clock = ShiftableClock.frozen();
    private final RenewerStatus status = new RenewerStatus(clock);
    private final Cycles cycles = new Cycles(status);

    private Instant next() {
        return clock.instant().plus(INTERVAL);
    }

    private static HealthCheck.Result call(HealthCheck check) {
        ((org.apache.camel.CamelContextAware) check).setCamelContext(new DefaultCamelContext());
        return check.call(Map.of());
    }

    @Nested
    class RenewalLoop {
        private final RenewalLoopCheck check = new RenewalLoopCheck(status, INTERVAL, CALL, RETRY_WAIT);

        @Test
        void isALivenessCheckOnly() {
            assertThat(check.isLiveness()).isTrue();
            assertThat(check.isReadiness()).isFalse();
        }

        @Test
        void isUpWhileCyclesComplete() {
            cycles.start().tokenLookedUp("acc", 3600).finish(next());
            clock.advance(INTERVAL.multipliedBy(2));

            assertThat(call(check).getState()).isEqualTo(State.UP);
        }

        @Test
        void isUpWhileCyclesCompleteWithFailures() {
            cycles.start()
                    .tokenFailed("vault-token-lookup failed: HTTP 503: Vault is sealed")
                    .finish(next());

            assertThat(call(check).getState()).isEqualTo(State.UP);
        }

        @Test
        void isDownWhenNoCycleCompletedWithinTwiceTheIntervalAndTheCallTime() {
            cycles.start().tokenLookedUp("acc", 3600).finish(next());
            clock.advance(INTERVAL.multipliedBy(2).plus(CALL).plusSeconds(1));

            HealthCheck.Result result = call(check);

            assertThat(result.getState()).isEqualTo(State.DOWN);
            assertThat(result.getMessage()).get().asString().startsWith("no cycle completed since");
        }

        @Test
        void isDownWhenTheRunningCycleEndedNoCallForTwiceTheCallDeadlineAndTheRetryWait() {
            cycles.start().tokenLookedUp("acc", 3600).finish(next());
            clock.advance(INTERVAL);
            cycles.start(); // its lookup never ends
            clock.advance(STALL.plusSeconds(1));

            HealthCheck.Result result = call(check);

            assertThat(result.getState()).isEqualTo(State.DOWN);
            assertThat(result.getMessage()).get().asString().startsWith("the running cycle has ended no call since");
        }

        @Test
        void staysUpWhileTheRunningCycleEndsACallWithinTwiceTheCallDeadlineAndTheRetryWait() {
            cycles.start().tokenLookedUp("acc", 3600).finish(next());
            clock.advance(INTERVAL);
            cycles.start();
            clock.advance(STALL.minusSeconds(1));
            status.progressed(); // a call ended (well or not)
            clock.advance(STALL.minusSeconds(1));

            assertThat(call(check).getState()).isEqualTo(State.UP);
        }

        @Test
        void staysUpWhileALongCycleStillMakesProgress() {
            cycles.start().tokenLookedUp("acc", 3600).finish(next());
            clock.advance(INTERVAL.multipliedBy(3));
            status.progressed();

            assertThat(call(check).getState()).isEqualTo(State.UP);
        }
    }

    @Nested
    class VaultToken {
        private final VaultTokenCheck check = new VaultTokenCheck(status, INTERVAL);

        @Test
        void isDownBeforeTheFirstLookup() {
            assertThat(call(check).getState()).isEqualTo(State.DOWN);
            assertThat(call(check).getDetails()).containsEntry("reason", "not looked up yet");
        }

        @Test
        void isUpWithItsDataWhenTheTokenOutlastsTheNextCycle() {
            cycles.start().tokenLookedUp("the-accessor", 3600).finish(next());

            HealthCheck.Result result = call(check);

            assertThat(result.getState()).isEqualTo(State.UP);
            assertThat(result.getDetails())
                    .containsEntry("accessor", "the-accessor")
                    .containsEntry("ttl", "3600")
                    .containsEntry("renewable", "true")
                    .containsEntry("last_error", "none");
        }

        @Test
        void isDownWhenVaultRejectedTheToken() {
            cycles.start().tokenLookedUp("acc", 3600).finish(next());
            cycles.start().tokenRejected().finish(next());

            assertThat(call(check).getState()).isEqualTo(State.DOWN);
            assertThat(call(check).getDetails()).containsEntry("reason", "Vault rejected the token (403)");
        }

        @Test
        void staysUpThroughAFailedLookupWhileTheTtlOutlastsTheNextCycle() {
            cycles.start().tokenLookedUp("acc", 3600).finish(next());
            clock.advance(INTERVAL);
            cycles.start()
                    .tokenFailed("vault-token-lookup failed: HTTP 503: Vault is sealed")
                    .finish(next());

            HealthCheck.Result result = call(check);

            assertThat(result.getState()).isEqualTo(State.UP);
            assertThat(result.getDetails())
                    .containsEntry("last_error", "vault-token-lookup failed: HTTP 503: Vault is sealed");
        }

        @Test
        void isDownWhenTheTtlRunsOutBeforeTheNextCycle() {
            cycles.start().tokenLookedUp("acc", 500).finish(next());

            assertThat(call(check).getState()).isEqualTo(State.DOWN);
            assertThat(call(check).getDetails().get("reason").toString()).contains("before it is checked again");
        }
    }

    @Nested
    class VaultLeases {
        private final VaultLeasesCheck check = new VaultLeasesCheck(status, INTERVAL);

        @Test
        void isUpWithEveryLeaseData() {
            cycles.start("a", "b").tokenLookedUp("acc", 3600);
            cycles.leaseLookedUp("a", 7200).leaseRenewed("b", 7200, false).finish(next());

            HealthCheck.Result result = call(check);

            assertThat(result.getState()).isEqualTo(State.UP);
            assertThat(result.getDetails())
                    .containsEntry("a.ttl", "7200")
                    .containsEntry("b.ttl", "7200")
                    .containsEntry("a.last_renewal", "none")
                    .containsEntry("b.last_error", "none");
            assertThat(result.getDetails().get("b.last_renewal").toString()).isNotEqualTo("none");
        }

        @Test
        void isDownWhenALeaseIsGone() {
            cycles.start("a", "b").leaseLookedUp("a", 7200);
            cycles.leaseFailed("b", "vault-lease-lookup failed: HTTP 400: invalid lease", true)
                    .finish(next());

            HealthCheck.Result result = call(check);

            assertThat(result.getState()).isEqualTo(State.DOWN);
            assertThat(result.getDetails())
                    .containsEntry("expiring", "b")
                    .containsEntry("b.last_error", "vault-lease-lookup failed: HTTP 400: invalid lease");
        }

        @Test
        void isDownWhenACappedLeaseExpiresBeforeTheNextCycle() {
            cycles.start("a").leaseRenewed("a", 300, true).finish(next());

            assertThat(call(check).getState()).isEqualTo(State.DOWN);
        }

        @Test
        void staysUpWhenAFailedRenewalStillOutlastsTheNextCycle() {
            cycles.start("a").leaseLookedUp("a", 7200).finish(next());
            clock.advance(INTERVAL);
            cycles.start("a")
                    .leaseFailed("a", "vault-lease-lookup failed: HTTP 503: Vault is sealed", false)
                    .finish(next());

            assertThat(call(check).getState()).isEqualTo(State.UP);
        }

        @Test
        void isDownWhenAFailedLeaseWillExpireBeforeTheNextCycle() {
            cycles.start("a").leaseLookedUp("a", 1000).finish(next());
            clock.advance(INTERVAL);
            cycles.start("a")
                    .leaseFailed("a", "vault-lease-renew failed: HTTP 503: Vault is sealed", false)
                    .finish(next());

            assertThat(call(check).getState()).isEqualTo(State.DOWN);
        }

        @Test
        void isDownWhenALeaseFailedBeforeItWasEverSeen() {
            cycles.start("a")
                    .leaseFailed("a", "vault-lease-lookup failed: cannot connect", false)
                    .finish(next());

            assertThat(call(check).getState()).isEqualTo(State.DOWN);
        }

        @Test
        void forgetsALeaseNoLongerInLeaseIds() {
            cycles.start("a").leaseFailed("a", "gone", true).finish(next());
            cycles.start("b").leaseLookedUp("b", 7200).finish(next());

            assertThat(call(check).getState()).isEqualTo(State.UP);
            assertThat(call(check).getDetails()).doesNotContainKey("a.ttl");
        }
    }
}
