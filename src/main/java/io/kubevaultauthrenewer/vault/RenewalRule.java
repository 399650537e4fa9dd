package io.kubevaultauthrenewer.vault;

import java.time.Duration;

/**
 * When to renew. The rule is the original image's: renew whatever could expire
 * before the check after next, so that one failed check never loses a lease.
 */
public final class RenewalRule {

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

    /** A token is due when {@code ttl < 2 × interval} or when it has used half of its creation TTL. */
    public boolean tokenDue(long ttl, long creationTtl) {
        return ttl < twiceTheInterval || ttl < creationTtl / 2;
    }

    /** A lease is due when {@code ttl < 2 × interval}. */
    public boolean leaseDue(long ttl) {
        return ttl < twiceTheInterval;
    }
}
