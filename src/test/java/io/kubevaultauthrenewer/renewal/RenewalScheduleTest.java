package io.kubevaultauthrenewer.renewal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The spread of the cycles: never later than RENEW_INTERVAL, the first one at once. */
class RenewalScheduleTest {

    private static final Duration HOUR = Duration.ofHours(1);

    @Test
    void firesTheTimerEarlierByTheSpread() {
        assertThat(RenewalSchedule.periodMillis(HOUR, 10)).isEqualTo(3_240_000);
        assertThat(RenewalSchedule.periodMillis(HOUR, 0)).isEqualTo(3_600_000);
    }

    @Test
    void delaysEveryCycleButTheFirstByAtMostTheSpread() {
        RenewalSchedule schedule = new RenewalSchedule(HOUR, 10);

        assertThat(schedule.jitter()).isZero();
        List<Long> delays =
                IntStream.range(0, 2000).mapToObj(i -> schedule.jitter()).toList();

        assertThat(delays).allSatisfy(d -> assertThat(d).isBetween(0L, 360_000L));
        // spread out, not a constant: both halves of the range are used
        assertThat(delays).anySatisfy(d -> assertThat(d).isLessThan(180_000L));
        assertThat(delays).anySatisfy(d -> assertThat(d).isGreaterThan(180_000L));
        // the timer period plus the largest delay is the interval: never late
        assertThat(RenewalSchedule.periodMillis(HOUR, 10) + 360_000).isEqualTo(HOUR.toMillis());
    }

    @Test
    void doesNotSpreadWithoutJitter() {
        RenewalSchedule schedule = new RenewalSchedule(HOUR, 0);
        schedule.jitter();

        assertThat(schedule.jitter()).isZero();
    }
}
