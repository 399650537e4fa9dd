package io.kubevaultauthrenewer.vault;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * When to renew, and what a renewal's answer means. The rule is the original image's: renew whatever could expire
 * before the check after next, so that one failed check never loses a lease.
 */
public final class RenewalRule {

    private final long intervalSeconds;
    private final long twiceTheInterval;
    private final boolean earlyChecks;

    /** The rule of a single cycle (RUN_ONCE): nothing looks again before the next interval. */
    public RenewalRule(Duration interval) {
        this(interval, false);
    }

    /**
     * @param earlyChecks true when a TTL shorter than the interval is checked again early, so that such a grant is not
     *     a shortfall
     */
    public RenewalRule(Duration interval, boolean earlyChecks) {
        this.earlyChecks = earlyChecks;
        this.intervalSeconds = interval.toSeconds();
        this.twiceTheInterval = intervalSeconds > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * intervalSeconds;
    }

    /** A token is due when {@code ttl < 2 × interval} or when it has used half of its creation TTL. */
    public boolean tokenDue(long ttl, long creationTtl) {
        return ttl < twiceTheInterval || ttl < creationTtl / 2;
    }

    /** A lease is due when {@code ttl < 2 × interval}. */
    public boolean leaseDue(long ttl) {
        return ttl < twiceTheInterval;
    }

    /** Why a renewal will not keep its subject alive past the next check, or null when it will. */
    public String shortfall(long granted, List<String> warnings) {
        for (String warning : warnings) {
            String w = warning.toLowerCase(Locale.ROOT);
            if (w.contains("max_ttl") || w.contains("max ttl") || w.startsWith("period of")) {
                return "its max TTL is reached";
            }
        }
        if (granted <= intervalSeconds && !earlyChecks) {
            return "the granted TTL does not reach the next check, " + intervalSeconds + "s away";
        }
        return null;
    }
}
