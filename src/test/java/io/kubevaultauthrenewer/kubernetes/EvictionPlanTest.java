package io.kubevaultauthrenewer.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.renewal.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The eviction's moment and its tries, as functions of the end, the lead time, the instant and a random number. */
class EvictionPlanTest {

    private static final Duration LEAD = Duration.ofMinutes(15);
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    /** The renewer's defaults, but a backoff of up to 5 minutes: the plan caps every wait at a minute. */
    private final EvictionPlan plan = new EvictionPlan(
            LEAD,
            new RetryPolicy(
                    3, Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMinutes(5)));

    @Test
    void picksAMomentInTheFirstHalfOfTheLeadTimeBeforeTheEnd() {
        Instant end = NOW.plus(Duration.ofHours(2));

        assertThat(plan.moment(end, NOW, 0)).isEqualTo(end.minus(LEAD));
        assertThat(plan.moment(end, NOW, 0.5)).isEqualTo(end.minus(LEAD).plus(LEAD.dividedBy(4)));
        assertThat(plan.moment(end, NOW, 1)).isEqualTo(end.minus(LEAD.dividedBy(2)));
    }

    @Test
    void asksAtOnceWhenTheMomentHasPassed() {
        assertThat(plan.moment(NOW.plus(Duration.ofMinutes(5)), NOW, 0.3)).isEqualTo(NOW);
    }

    @Test
    void neverPlansATryPastAnEndNotSaidYet() {
        Instant end = NOW.plus(Duration.ofSeconds(20));

        assertThat(plan.nextTry(NOW, end, 12, Duration.ofMinutes(10), () -> 0.5, false))
                .isAfterOrEqualTo(NOW.plus(RetryPolicy.FLOOR))
                .isBeforeOrEqualTo(end);
        assertThat(plan.nextTry(NOW, NOW.plus(Duration.ofMillis(100)), 12, null, () -> 0.5, false))
                .isEqualTo(NOW.plus(RetryPolicy.FLOOR));
    }

    @Test
    void waitsAtMostAMinuteBetweenTriesOnceTheEndIsSaidOrPast() {
        Instant end = NOW.plus(Duration.ofHours(1));

        assertThat(plan.nextTry(NOW, end, 12, null, () -> 1, true)).isBetween(NOW, NOW.plus(Duration.ofMinutes(1)));
        assertThat(plan.nextTry(NOW, NOW.minusSeconds(1), 12, null, () -> 1, false))
                .isAfterOrEqualTo(NOW.plus(Duration.ofSeconds(48)))
                .isBeforeOrEqualTo(NOW.plus(Duration.ofMinutes(1)));
    }
}
