package io.kubevaultauthrenewer.vault;

import java.time.Duration;
import java.time.Instant;

/**
 * When to renew, and when to look early. The rule is the original image's: renew whatever could expire before the
 * check after next ({@code ttl < 2 × interval}), so that one failed check never loses a lease; a grant that short is
 * looked at again when about two thirds of it are used. Each rule is written here once, and every caller uses it.
 */
public final class RenewalRule {

    /** How much of a short TTL is used before the early check: about two thirds. */
    static final double TWO_THIRDS = 2.0 / 3.0;

    /** How much earlier than two thirds an early check may come, at random (a tenth), so pods do not check in step. */
    static final double JITTER = 0.1;

    /** The soonest an early check comes after the look that planned it. */
    static final Duration SOONEST_EARLY_CHECK = Duration.ofSeconds(1);

    private final Duration interval;
    private final long twiceTheInterval;

    public RenewalRule(Duration interval) {
        this.interval = interval;
        long seconds = interval.toSeconds();
        this.twiceTheInterval = seconds > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * seconds;
    }

    /** RENEW_INTERVAL. */
    public Duration interval() {
        return interval;
    }

    /**
     * The 2× rule: true when {@code ttl < 2 × interval}, so the fixed cycles alone could lose it (fractions of a
     * second in the interval do not count).
     */
    public boolean isShort(long ttl) {
        return ttl < twiceTheInterval;
    }

    /** The 2× rule on an expiry: true when less than twice the interval is left at {@code now}. */
    public boolean isShort(Instant expires, Instant now) {
        return isShort(Duration.between(now, expires).getSeconds());
    }

    /** With RUN_ONCE (a run every interval): true when the next run could not renew it ({@code ttl ≤ interval}). */
    public boolean expiresBeforeNextRun(long ttl) {
        return ttl <= interval.toSeconds();
    }

    /** A token is due when {@code ttl < 2 × interval} or when it has used half of its creation TTL. */
    public boolean tokenDue(long ttl, long creationTtl) {
        return isShort(ttl) || ttl < creationTtl / 2;
    }

    /** A lease is due when {@code ttl < 2 × interval}. */
    public boolean leaseDue(long ttl) {
        return isShort(ttl);
    }

    /**
     * The ⅔ rule: when an item with a short TTL is looked at early, about two thirds of the time it has left from
     * {@code now}, a little earlier at random ({@code random} from 0 to 1), never sooner than a second from now.
     */
    public static Instant earlyCheckAt(Instant now, Instant expires, double random) {
        long left = Duration.between(now, expires).toMillis();
        Instant at = now.plusMillis(Math.round(left * TWO_THIRDS * (1 - JITTER * random)));
        Instant soonest = now.plus(SOONEST_EARLY_CHECK);
        return at.isBefore(soonest) ? soonest : at;
    }
}
