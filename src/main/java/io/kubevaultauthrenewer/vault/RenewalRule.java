package io.kubevaultauthrenewer.vault;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * When to renew, and what a renewal's answer means. The rule is the original image's: renew whatever could expire
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

    /**
     * Why a renewal will not keep its subject alive as long as asked, or null when it will: Vault's warning that the
     * grant was capped by a max TTL (or a period by it). A grant shorter than the interval is not a shortfall: a
     * running renewer checks such an item early, and the original image's RUN_ONCE took it as a success too.
     */
    public String shortfall(List<String> warnings) {
        for (String warning : warnings) {
            String w = warning.toLowerCase(Locale.ROOT);
            if (w.contains("max_ttl") || w.contains("max ttl") || w.startsWith("period of")) {
                return "its max TTL is reached";
            }
        }
        return null;
    }
}
