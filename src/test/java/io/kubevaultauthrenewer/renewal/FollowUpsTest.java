package io.kubevaultauthrenewer.renewal;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.ShiftableClock;
import io.kubevaultauthrenewer.vault.RenewalRule;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * When the renewer looks again between two cycles, as one record per item holds it: short TTLs, retries planned as
 * calls fail, the nearest expiry first, and what a cycle leaves to the retries.
 */
class FollowUpsTest {

    private static final Duration INTERVAL = Duration.ofHours(1);
    private static final RenewalRule RULE = new RenewalRule(INTERVAL);

    private final ShiftableClock clock = ShiftableClock.frozen();
    private final RenewerStatus status = new RenewerStatus(clock);
    private final Cycles cycles = new Cycles(status);

    private Instant regularNext() {
        return clock.instant().plus(INTERVAL);
    }

    private Instant plan(double random) {
        return status.planFollowUps(regularNext(), RULE, () -> random);
    }

    private Duration in(Instant at) {
        return Duration.between(clock.instant(), at);
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

        assertThat(in(plan(0.0))).isEqualTo(Duration.ofSeconds(40));
        Instant earliest = plan(1.0);
        assertThat(in(earliest)).isEqualTo(Duration.ofSeconds(36));
        assertThat(status.nextCheck("a")).isEqualTo(earliest);
        assertThat(status.lease("a").nextCheckWhy()).isEqualTo("two thirds of a short TTL");
    }

    @Test
    void checksAShortTokenEarlyToo() {
        cycles.start().tokenRenewed(600).finish(regularNext());

        assertThat(in(plan(0.0))).isEqualTo(Duration.ofSeconds(400));
        assertThat(status.nextCheck(null)).isEqualTo(clock.instant().plusSeconds(400));
    }

    @Test
    void plansNoShortTtlCheckWithoutANextCycle() {
        cycles.start("a").tokenLookedUp("acc", 3 * 3600).leaseRenewed("a", 60, false);

        assertThat(status.planFollowUps(null, RULE, () -> 0.0)).isNull();
    }

    @Test
    void plansTheRetryAsTheCallFailsAndDoublesItsBackoff() {
        cycles.start("a").tokenLookedUp("acc", 3 * 3600).leaseLookedUp("a", 3 * 3600);
        cycles.leaseFailed("a", "vault-lease-renew failed: HTTP 503: Vault is sealed", false);
        assertThat(in(status.nextCheck("a"))).isEqualTo(Duration.ofSeconds(1));
        assertThat(status.lease("a").failures()).isEqualTo(1);
        assertThat(status.lease("a").nextCheckWhy()).isEqualTo("retry 1, after a backoff");

        cycles.leaseFailed("a", "vault-lease-renew failed: HTTP 503: Vault is sealed", false);
        assertThat(in(status.nextCheck("a"))).isEqualTo(Duration.ofSeconds(2));
        cycles.finish(regularNext());
        assertThat(in(plan(0.5))).as("the run keeps what failed in it").isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void keepsThePlanOfAnItemAnotherRunDidNotLookAt() {
        cycles.start("a", "b").tokenLookedUp("acc", 3 * 3600).leaseLookedUp("b", 3 * 3600);
        for (int i = 0; i < 5; i++) {
            cycles.leaseFailed("a", "vault-lease-lookup failed: HTTP 503", false);
        }
        cycles.finish(regularNext());
        Instant planned = status.nextCheck("a");
        assertThat(in(planned)).isEqualTo(Duration.ofSeconds(10));

        clock.advance(Duration.ofSeconds(3));
        cycles.start("a", "b")
                .tokenLookedUp("acc", 3 * 3600)
                .leaseLookedUp("b", 3 * 3600)
                .finish(regularNext());

        assertThat(status.nextCheck("a"))
                .as("not pushed later by the other run")
                .isEqualTo(planned);
        assertThat(plan(0.5)).isEqualTo(planned);
    }

    @Test
    void keepsTryingPastNowPlusTtlWhileVaultMayStillHoldTheItem() {
        cycles.start("a").tokenLookedUp("acc", 3 * 3600).leaseLookedUp("a", 30);
        clock.advance(Duration.ofMillis(29_800));
        cycles.leaseFailed("a", "vault-lease-renew failed: cannot connect", false);

        assertThat(status.lease("a").lost()).isFalse();
        assertThat(in(status.nextCheck("a"))).isEqualTo(RetryPolicy.FLOOR);
        assertThat(status.lease("a").nextCheckWhy()).isEqualTo("retry 1, while Vault may still hold it");
    }

    /**
     * Vault's ttl is its expiry less its clock rounded to the second, truncated: a lease looked up at x.5 s whose
     * expiry is x + 1 + 30.99 s reads ttl 30 while 31.49 s are left. Vault is back 0.6 s before that end: some try
     * lands in those 0.6 s, whatever the failures before.
     */
    @Test
    void keepsALeaseWhenVaultIsBackSixTenthsOfASecondBeforeItsRealEndThoughItsTtlSaidASecondAndAHalfLess() {
        Instant lookedUp = clock.instant();
        Instant realEnd = lookedUp.plusMillis(31_490);
        Instant back = realEnd.minusMillis(600);
        cycles.start("a").tokenLookedUp("acc", 3 * 3600).leaseLookedUp("a", 30);
        clock.advance(Duration.ofSeconds(20));
        cycles.leaseFailed("a", "vault-lease-renew failed: cannot connect", false);
        while (status.nextCheck("a") != null && status.nextCheck("a").isBefore(back)) {
            clock.advance(Duration.between(clock.instant(), status.nextCheck("a")));
            cycles.leaseFailed("a", "vault-lease-renew failed: cannot connect", false);
        }

        assertThat(status.lease("a").lost()).as("lost at %s", clock.instant()).isFalse();
        assertThat(status.nextCheck("a")).isBetween(back, realEnd);
    }

    @Test
    void neverTriesAgainLaterThanHalfOfTheTimeLeft() {
        // 31 s by Vault's ttl: at least 30 s (VaultTtl)
        cycles.start("a").tokenLookedUp("acc", 3 * 3600).leaseLookedUp("a", 31);
        for (int i = 0; i < 6; i++) {
            cycles.leaseFailed("a", "vault-lease-renew failed: HTTP 503", false);
        }

        assertThat(in(status.nextCheck("a"))).isEqualTo(Duration.ofSeconds(15));
        assertThat(status.lease("a").nextCheckWhy()).isEqualTo("retry 6, at half of the time left");
    }

    @Test
    void marksAnItemLostWhenNoTryCanLandBeforeVaultDropsItAndPlansNothingMore() {
        cycles.start("a", "b")
                .tokenLookedUp("acc", 3 * 3600)
                .leaseLookedUp("a", 30)
                .leaseLookedUp("b", 3600);
        // Vault may hold it until 31.5 s (its ttl is rounded): a try at 31.55 s comes too late
        clock.advance(Duration.ofMillis(31_300));
        cycles.leaseFailed("a", "vault-lease-renew failed: cannot connect", false)
                .finish(regularNext());

        assertThat(status.lease("a").lost()).isTrue();
        assertThat(status.nextCheck("a")).isNull();
        assertThat(plan(0.5)).isNull();
        assertThat(status.forCycle(List.of("a", "b"), false)).containsExactly("b");
    }

    @Test
    void forgetsTheFailuresOnceACallSucceeds() {
        cycles.start("a").tokenLookedUp("acc", 3 * 3600).leaseLookedUp("a", 3 * 3600);
        cycles.leaseFailed("a", "vault-lease-renew failed: HTTP 503", false).finish(regularNext());
        clock.advance(Duration.ofSeconds(1));
        cycles.start("a")
                .tokenLookedUp("acc", 3 * 3600)
                .leaseLookedUp("a", 3 * 3600)
                .finish(regularNext());

        assertThat(plan(0.5)).isNull();
        assertThat(status.lease("a").failures()).isZero();
    }

    @Test
    void doesNotTryAgainALeaseThatIsGone() {
        cycles.start("a").tokenLookedUp("acc", 3 * 3600);
        cycles.leaseFailed("a", "vault-lease-lookup failed: HTTP 400: invalid lease", true)
                .finish(regularNext());

        assertThat(plan(0.5)).isNull();
    }

    @Test
    void takesTheTokenFirstThenTheNearestExpiry() {
        cycles.start("far", "near", "unknown")
                .tokenLookedUp("acc", 3 * 3600)
                .leaseLookedUp("far", 600)
                .leaseLookedUp("near", 60);
        cycles.tokenFailed("vault-token-renew failed: HTTP 429");
        cycles.leaseFailed("far", "vault-lease-renew failed: HTTP 429", false)
                .leaseFailed("near", "vault-lease-renew failed: HTTP 429", false)
                .leaseFailed("unknown", "vault-lease-lookup failed: HTTP 429", false)
                .finish(regularNext());

        assertThat(status.dueNow().token()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        FollowUps.Due due = status.dueNow();

        assertThat(due.token()).isTrue();
        assertThat(due.leaseIds()).containsExactly("unknown", "near", "far");
    }

    @Test
    void leavesToItsRetryWhatACycleFindsWaitingOrJustFailedUnlessAnOperatorAsks() {
        cycles.start("waiting", "fresh", "failed")
                .tokenLookedUp("acc", 3 * 3600)
                .leaseLookedUp("waiting", 3600)
                .leaseLookedUp("fresh", 3600);
        cycles.leaseFailed("waiting", "vault-lease-renew failed: HTTP 503", false)
                .finish(regularNext());
        clock.advance(Duration.ofMillis(500));
        cycles.start("waiting", "fresh", "failed").leaseFailed("failed", "vault-lease-lookup failed: HTTP 429", false);
        clock.advance(Duration.ofMillis(100));
        List<String> all = List.of("waiting", "fresh", "failed");

        assertThat(status.forCycle(all, false)).containsExactly("fresh");
        assertThat(status.tokenForCycle(false)).isTrue();
        assertThat(status.forCycle(all, true)).as("renewNow()").containsExactlyInAnyOrderElementsOf(all);
        clock.advance(Duration.ofMillis(400));
        assertThat(status.forCycle(all, false)).as("the first retry is due").containsExactly("waiting", "fresh");
    }

    @Test
    void knowsALeaseIsDueWithoutALookupOnlyWhenItsRetryFollowsALookThatShowedIt() {
        cycles.start("a", "b")
                .tokenLookedUp("acc", 3 * 3600)
                .leaseLookedUp("a", 60)
                .leaseLookedUp("b", 3 * 3600);
        assertThat(status.knownDue("a", RULE))
                .as("no failure: the cycle looks it up")
                .isFalse();

        cycles.leaseFailed("a", "vault-lease-renew failed: HTTP 503", false)
                .leaseFailed("b", "vault-lease-renew failed: HTTP 503", false);

        assertThat(status.knownDue("a", RULE)).isTrue();
        assertThat(status.knownDue("b", RULE)).as("3 h left: not due").isFalse();
    }

    @Test
    void plansNoRetryBeyondTheBoundWithoutCallingTheItemLost() {
        cycles.start("a").tokenLookedUp("acc", 3 * 3600).leaseLookedUp("a", 3600);

        // RUN_ONCE with RENEWER_RETRY_ATTEMPTS=0 (as the image records its archive): no retry at all
        assertThat(status.failedTransiently("a", Cycles.RETRIES, null, 0, 1.0)).isNull();
        assertThat(status.lease("a").nextCheck()).isNull();
        assertThat(status.lease("a").lost()).isFalse();
        // one quick retry: the first failure plans it, the second none
        assertThat(status.failedTransiently(null, Cycles.RETRIES, null, 1, 1.0)).isNotNull();
        assertThat(status.failedTransiently(null, Cycles.RETRIES, null, 1, 1.0)).isNull();
        assertThat(status.token().lost()).isFalse();
    }
}
