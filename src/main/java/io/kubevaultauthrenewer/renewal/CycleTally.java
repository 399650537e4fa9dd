package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.config.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One cycle's (or early check's) own tally: what it calls Vault for, what each call came to, and the INFO line that
 * ends it. It lives for one run; what is kept across runs is the {@link RenewerStatus}'s.
 */
final class CycleTally {

    private final Instant started;
    private final boolean early;
    private boolean withToken;
    private final boolean asked;
    private final int watched;
    private final int deferred;
    private final int lost;
    private final int gone;
    private final Map<String, Outcome> leases = new LinkedHashMap<>();
    private Outcome tokenOutcome;
    private Long tokenTtl;
    private String tokenAccessor;
    private boolean tokenRejected;

    /**
     * @param early true for an early check, false for a cycle
     * @param withToken true when it calls Vault for the token
     * @param asked true when an operator asked for it ({@code renewNow()})
     * @param watched how many lease ids the variables file names
     * @param leaseIds the ones it calls Vault for
     * @param deferred how many of the others wait for their planned retry
     * @param lost how many of the others are lost
     * @param gone how many of the others are gone
     */
    CycleTally(
            Instant started,
            boolean early,
            boolean withToken,
            boolean asked,
            int watched,
            List<String> leaseIds,
            int deferred,
            int lost,
            int gone) {
        this.started = started;
        this.early = early;
        this.withToken = withToken;
        this.asked = asked;
        this.watched = watched;
        this.deferred = deferred;
        this.lost = lost;
        this.gone = gone;
        leaseIds.forEach(id -> leases.put(id, null));
    }

    /** The tally before the first cycle: nothing called, nothing found. */
    static CycleTally none() {
        return new CycleTally(null, false, false, false, 0, List.of(), 0, 0, 0);
    }

    boolean early() {
        return early;
    }

    boolean withToken() {
        return withToken;
    }

    boolean asked() {
        return asked;
    }

    int watched() {
        return watched;
    }

    /** True unless this is an early check that found nothing due. */
    boolean calledVault() {
        return !early || withToken || !leases.isEmpty();
    }

    /** The token is called for after all: its planned retry came due while the cycle ran. */
    void tokenTakenLater() {
        withToken = true;
    }

    void tokenLookedUp(String accessor, long ttl) {
        tokenAccessor = accessor;
        tokenTtl = ttl;
    }

    /** @param ttl the TTL Vault granted or reported; null when this call told none */
    void token(Outcome outcome, Long ttl) {
        tokenOutcome = outcome;
        if (ttl != null) {
            tokenTtl = ttl;
        }
    }

    void tokenRejected() {
        tokenOutcome = Outcome.FAILED;
        tokenRejected = true;
    }

    boolean isTokenRejected() {
        return tokenRejected;
    }

    /** The accessor this run's lookup read, or null. */
    String tokenAccessor() {
        return tokenAccessor;
    }

    void lease(String leaseId, Outcome outcome) {
        leases.put(leaseId, outcome);
    }

    /** How many of the leases it calls Vault for came to each outcome; one not reached counts as skipped. */
    Map<Outcome, Integer> leaseCounts() {
        Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
        for (Outcome o : Outcome.values()) {
            counts.put(o, 0);
        }
        leases.values().forEach(o -> counts.merge(o == null ? Outcome.SKIPPED : o, 1, Integer::sum));
        return counts;
    }

    /** The INFO line that ends it; {@code nextCycle} is null with RUN_ONCE. */
    String summary(Instant now, Instant nextCycle) {
        Map<Outcome, Integer> c = leaseCounts();
        StringBuilder line = new StringBuilder(early ? "Early check done in " : "Cycle done in ")
                .append(Duration.between(started, now).toMillis())
                .append(" ms: token ");
        if (!withToken) {
            line.append(early ? "not due" : "waiting for its retry");
        } else {
            line.append(
                    tokenOutcome == null
                            ? "unknown"
                            : tokenOutcome.name().toLowerCase().replace('_', ' '));
        }
        if (withToken && tokenTtl != null) {
            line.append(", ttl ").append(Durations.format(tokenTtl));
        }
        line.append("; leases checked ").append(leases.size());
        line.append(", renewed ").append(c.get(Outcome.RENEWED));
        line.append(", not due ").append(c.get(Outcome.NOT_DUE));
        line.append(", failed ").append(c.get(Outcome.FAILED));
        line.append(", capped ").append(c.get(Outcome.CAPPED));
        appendIfAny(line, ", skipped ", c.get(Outcome.SKIPPED));
        appendIfAny(line, ", waiting for their retry ", deferred);
        appendIfAny(line, ", lost ", lost);
        appendIfAny(line, ", gone ", gone);
        if (!early) {
            line.append(nextCycle == null ? "; no next cycle (RUN_ONCE)" : "; next cycle by " + nextCycle);
        }
        return line.toString();
    }

    private static void appendIfAny(StringBuilder line, String what, int count) {
        if (count > 0) {
            line.append(what).append(count);
        }
    }
}
