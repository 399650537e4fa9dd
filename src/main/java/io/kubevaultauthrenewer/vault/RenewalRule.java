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

    public RenewalRule(Duration interval) {
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
        if (granted <= intervalSeconds) {
            return "the granted TTL does not reach the next check, " + intervalSeconds + "s away";
        }
        return null;
    }
}
