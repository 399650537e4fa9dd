package io.kubevaultauthrenewer.kubernetes;

import io.kubevaultauthrenewer.renewal.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.function.DoubleSupplier;

/**
 * When the eviction is asked for, and when again after a refusal: functions of the end of life, the lead time
 * (EVICT_BEFORE_EXPIRY), the instant and random numbers from 0 to 1, so that a test can name every moment.
 */
final class EvictionPlan {

    /** The longest wait between two tries: the eviction is one cheap call, and a budget frees up within minutes. */
    static final Duration MAX_WAIT = Duration.ofMinutes(1);

    private final Duration lead;
    private final RetryPolicy retries;

    /** @param retries the renewer's retry settings; waits here are at most {@link #MAX_WAIT} */
    EvictionPlan(Duration lead, RetryPolicy retries) {
        this.lead = lead;
        this.retries = new RetryPolicy(
                retries.quickRetries(),
                min(retries.quickDelay(), MAX_WAIT),
                min(retries.quickMaxDelay(), MAX_WAIT),
                min(retries.backoffInitial(), MAX_WAIT),
                min(retries.backoffMax(), MAX_WAIT));
    }

    /** A random moment within the first half of the lead time before the end; now, when that has passed already. */
    Instant moment(Instant end, Instant now, double random) {
        Instant moment = end.minus(lead).plusMillis(Math.round(lead.dividedBy(2).toMillis() * random));
        return moment.isBefore(now) ? now : moment;
    }

    /**
     * The try after the {@code failures}-th refusal: the retry policy's before the end, its backoff past it. While the
     * end is still to come and not said yet, no try is planned past it (the end is said at ERROR when it comes), and
     * two tries are never closer than the floor.
     */
    Instant nextTry(
            Instant now, Instant end, int failures, Duration retryAfter, DoubleSupplier random, boolean endSaid) {
        boolean past = !now.isBefore(end);
        RetryPolicy.Try next = past ? null : retries.next(now, end, failures, retryAfter, random.getAsDouble());
        if (next == null) {
            next = retries.next(now, null, failures, retryAfter, random.getAsDouble());
        }
        Instant at = next.at();
        if (!past && !endSaid && at.isAfter(end)) {
            at = end.isAfter(now.plus(RetryPolicy.FLOOR)) ? end : now.plus(RetryPolicy.FLOOR);
        }
        return at;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
