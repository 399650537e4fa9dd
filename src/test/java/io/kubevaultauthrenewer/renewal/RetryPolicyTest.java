package io.kubevaultauthrenewer.renewal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** When a failed item is tried again: the backoff, bounded by the item's own expiry, Retry-After and the floor. */
class RetryPolicyTest {

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
    void neverWaitsMoreThanHalfOfTheTimeTheItemHasLeft() {
        // the 90 s token of the README's worked example, at its 6th failure in a row (backoff 20 s)
        RetryPolicy.Try next = POLICY.next(NOW, NOW.plusSeconds(30), 6, null, 1.0);

        assertThat(in(next)).isEqualTo(Duration.ofSeconds(15));
        assertThat(next.why()).isEqualTo(RetryPolicy.Why.HALF_OF_TIME_LEFT);
    }

    @Test
    void closesInOnTheExpiryNoCloserThanTheFloor() {
        Instant expires = NOW.plusMillis(1000);
        Instant now = NOW;
        int tries = 0;
        RetryPolicy.Try next;
        while ((next = POLICY.next(now, expires, 10 + tries, null, 1.0)) != null) {
            assertThat(Duration.between(now, next.at())).isGreaterThanOrEqualTo(RetryPolicy.FLOOR);
            assertThat(next.at()).isBefore(expires);
            now = next.at();
            tries++;
        }
        // 500 ms, then 250 ms, then the floor until no try lands before the expiry
        assertThat(tries).isEqualTo(2);
        assertThat(now).isEqualTo(NOW.plusMillis(750));
    }

    @Test
    void saysTheItemIsLostWhenNoTryCanLandBeforeItExpires() {
        assertThat(POLICY.next(NOW, NOW.plusMillis(250), 1, null, 1.0)).isNull();
        assertThat(POLICY.next(NOW, NOW.minusSeconds(1), 1, null, 1.0)).isNull();
        assertThat(POLICY.next(NOW, NOW.plusMillis(251), 1, null, 1.0)).isNotNull();
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
        RetryPolicy.Try next = POLICY.next(NOW, NOW.plusSeconds(10), 1, Duration.ofSeconds(30), 1.0);

        assertThat(next.at()).isEqualTo(NOW.plusSeconds(9));
        assertThat(next.why()).isEqualTo(RetryPolicy.Why.LAST_TRY_BEFORE_EXPIRY);
    }

    @Test
    void keepsTheLastTryBeforeAnExpiryLessThanASecondAway() {
        RetryPolicy.Try next = POLICY.next(NOW, NOW.plusMillis(800), 1, Duration.ofSeconds(30), 1.0);

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

        assertThat(tries)
                .containsExactly(
                        1_000L, 3_000L, 7_000L, 12_000L, 22_000L, 42_000L, 66_000L, 78_000L, 84_000L, 87_000L, 88_500L,
                        89_250L, 89_625L, 89_875L);
    }
}
