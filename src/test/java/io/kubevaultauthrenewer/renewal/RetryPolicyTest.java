package io.kubevaultauthrenewer.renewal;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.vault.VaultTtl;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** When a failed item is tried again: the backoff, bounded by the item's own expiry, Retry-After and the floor. */
class RetryPolicyTest {

    /** The defaults the renewer reads (1 s, 2 s, 4 s, then 5 s doubling to 5 min), not a copy of them. */
    private static final RetryPolicy POLICY = Cycles.RETRIES;

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private static final Instant FAR = NOW.plus(Duration.ofDays(1));

    private static Duration in(RetryPolicy.Try t) {
        return Duration.between(NOW, t.at());
    }

    @ParameterizedTest(name = "retry {0} waits {1} ms")
    @CsvSource({"1, 1000", "2, 2000", "3, 4000", "4, 5000", "5, 10000", "6, 20000", "10, 300000", "40, 300000"})
    void doublesQuicklyThenFromTheBackoffUpToItsMaximumFarFromExpiry(int retry, long millis) {
        RetryPolicy.Try next = POLICY.next(NOW, FAR, retry, null, 1.0);

        assertThat(in(next)).isEqualTo(Duration.ofMillis(millis));
        assertThat(next.why()).isEqualTo(RetryPolicy.Why.BACKOFF);
        assertThat(next.retry()).isEqualTo(retry);
    }

    @Test
    void jittersBetweenEightyAndAHundredPercentOfTheBackoff() {
        assertThat(in(POLICY.next(NOW, FAR, 5, null, 0.0))).isEqualTo(Duration.ofSeconds(8));
        assertThat(in(POLICY.next(NOW, FAR, 5, null, 0.5))).isEqualTo(Duration.ofSeconds(9));
    }

    @Test
    void neverWaitsMoreThanHalfOfTheTimeTheItemMayHaveLeft() {
        // 31 s by Vault's ttl, so at least 30 s; at its 6th failure in a row (backoff 20 s)
        RetryPolicy.Try next = POLICY.next(NOW, NOW.plusSeconds(31), 6, null, 1.0);

        assertThat(in(next)).isEqualTo(Duration.ofSeconds(15));
        assertThat(next.why()).isEqualTo(RetryPolicy.Why.HALF_OF_TIME_LEFT);
    }

    @Test
    void closesInOnTheExpiryNoCloserThanTheFloorAndGoesOnWhileVaultMayStillHoldTheItem() {
        Instant expires = NOW.plusMillis(3000);
        Instant now = NOW;
        List<RetryPolicy.Try> tries = new ArrayList<>();
        RetryPolicy.Try next;
        while ((next = POLICY.next(now, expires, 10 + tries.size(), null, 1.0)) != null) {
            assertThat(Duration.between(now, next.at())).isGreaterThanOrEqualTo(RetryPolicy.FLOOR);
            assertThat(next.at()).isBefore(expires.plus(VaultTtl.MAY_LAST_AFTER));
            now = next.at();
            tries.add(next);
        }
        // half of the 2 s planned for (now + ttl less a second): 1 s, 500 ms, 250 ms; then the floor from the
        // planned end to a second and a half past now + ttl, as long as Vault may hold it
        assertThat(tries)
                .extracting(t -> Duration.between(NOW, t.at()).toMillis())
                .containsExactly(
                        1000L, 1500L, 1750L, 2000L, 2250L, 2500L, 2750L, 3000L, 3250L, 3500L, 3750L, 4000L, 4250L);
        assertThat(tries.get(3).why()).isEqualTo(RetryPolicy.Why.WHILE_VAULT_MAY_HOLD_IT);
        assertThat(tries.get(tries.size() - 1).at()).isAfter(expires);
    }

    @Test
    void saysTheItemIsLostOnlyOnceVaultCannotHoldItAnyMore() {
        // Vault's ttl may be up to 1.5 s short of what is really left: lost only when no try lands before that
        assertThat(POLICY.next(NOW, NOW.minusMillis(1250), 1, null, 1.0)).isNull();
        assertThat(POLICY.next(NOW, NOW.minusSeconds(5), 1, null, 1.0)).isNull();
        assertThat(POLICY.next(NOW, NOW.minusMillis(1249), 1, null, 1.0).why())
                .isEqualTo(RetryPolicy.Why.WHILE_VAULT_MAY_HOLD_IT);
        assertThat(POLICY.next(NOW, NOW.plusMillis(250), 1, null, 1.0)).isNotNull();
    }

    @Test
    void triesForEverWhenTheExpiryIsNotKnown() {
        RetryPolicy.Try next = POLICY.next(NOW, null, 1000, null, 1.0);

        assertThat(in(next)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void honoursRetryAfterEvenBeyondHalfOfTheTimeLeft() {
        RetryPolicy.Try next = POLICY.next(NOW, NOW.plusSeconds(60), 1, Duration.ofSeconds(40), 1.0);

        assertThat(in(next)).isEqualTo(Duration.ofSeconds(40));
        assertThat(next.why()).isEqualTo(RetryPolicy.Why.RETRY_AFTER);
    }

    @Test
    void waitsForTheBackoffWhenRetryAfterIsShorter() {
        RetryPolicy.Try next = POLICY.next(NOW, FAR, 5, Duration.ofSeconds(2), 1.0);

        assertThat(in(next)).isEqualTo(Duration.ofSeconds(10));
        assertThat(next.why()).isEqualTo(RetryPolicy.Why.BACKOFF);
    }

    @Test
    void makesOneLastTryShortlyBeforeTheExpiryWhenRetryAfterWouldLandAfterIt() {
        // 10 s by Vault's ttl: planned as 9 s, the last try a second before that
        RetryPolicy.Try next = POLICY.next(NOW, NOW.plusSeconds(10), 1, Duration.ofSeconds(30), 1.0);

        assertThat(next.at()).isEqualTo(NOW.plusSeconds(8));
        assertThat(next.why()).isEqualTo(RetryPolicy.Why.LAST_TRY_BEFORE_EXPIRY);
    }

    @Test
    void keepsTheLastTryBeforeAnExpiryLessThanASecondAway() {
        // planned as 800 ms: the last try at half of that
        RetryPolicy.Try next = POLICY.next(NOW, NOW.plusMillis(1800), 1, Duration.ofSeconds(30), 1.0);

        assertThat(next.at()).isEqualTo(NOW.plusMillis(400));
        assertThat(next.why()).isEqualTo(RetryPolicy.Why.LAST_TRY_BEFORE_EXPIRY);
    }

    @Test
    void neverRetriesSoonerThanTheFloorWhateverVaultAsks() {
        RetryPolicy quick =
                new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(10), Duration.ZERO, Duration.ZERO);

        assertThat(in(quick.next(NOW, FAR, 1, Duration.ZERO, 0.0))).isEqualTo(RetryPolicy.FLOOR);
        assertThat(in(quick.next(NOW, FAR, 9, null, 0.0))).isEqualTo(RetryPolicy.FLOOR);
    }

    @Test
    void triesATokenWith90SecondsLeftAsTheReadmesWorkedExampleSays() {
        // Vault goes down with 90 s left; every try fails at once; the latest jitter
        Instant expires = NOW.plusSeconds(90);
        Instant now = NOW;
        List<Long> tries = new ArrayList<>();
        for (int failures = 1; ; failures++) {
            RetryPolicy.Try next = POLICY.next(now, expires, failures, null, 1.0);
            if (next == null) {
                break;
            }
            now = next.at();
            tries.add(Duration.between(NOW, now).toMillis());
        }

        // planned against 89 s (Vault's ttl may be a second long); past it, the floor until 91.5 s
        assertThat(tries)
                .containsExactly(
                        1_000L, 3_000L, 7_000L, 12_000L, 22_000L, 42_000L, 65_500L, 77_250L, 83_125L, 86_063L, 87_532L,
                        88_266L, 88_633L, 88_883L, 89_133L, 89_383L, 89_633L, 89_883L, 90_133L, 90_383L, 90_633L,
                        90_883L, 91_133L, 91_383L);
    }
}
