package io.kubevaultauthrenewer.renewal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The spread of the cycles: the timer of {@code renewal-schedule} fires {@code jitter} percent earlier than
 * RENEW_INTERVAL, and this bean adds back a random share of it, so that a cycle never comes later than the interval
 * but pods started together drift apart instead of calling Vault in step. The first cycle, at start-up, is not delayed.
 */
public final class RenewalSchedule {

    private final long spreadMillis;
    private final AtomicBoolean first = new AtomicBoolean(true);

    public RenewalSchedule(Duration interval, int jitterPercent) {
        this.spreadMillis = interval.toMillis() * jitterPercent / 100;
    }

    /** The timer's period: the interval less the spread. */
    public static long periodMillis(Duration interval, int jitterPercent) {
        return interval.toMillis() - interval.toMillis() * jitterPercent / 100;
    }

    /** The extra wait before this cycle: none for the first, else 0 to the spread at random. */
    public long jitter() {
        if (first.getAndSet(false) || spreadMillis == 0) {
            return 0;
        }
        return ThreadLocalRandom.current().nextLong(spreadMillis + 1);
    }
}
