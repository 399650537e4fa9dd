package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.config.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the current (or last) cycle found: the token's state and each lease's outcome. Every finding is also handed
 * to the {@link RenewerStatus}, which keeps it across cycles.
 */
public final class CycleReport {

    private final RenewerStatus status;

    private Instant started;
    private Outcome tokenOutcome;
    private Long tokenTtl;
    private String tokenAccessor;
    private boolean tokenRejected;
    private final Map<String, Outcome> leases = new LinkedHashMap<>();

    public CycleReport(RenewerStatus status) {
        this.status = status;
    }

    public RenewerStatus status() {
        return status;
    }

    private boolean early;
    private boolean withToken;
    private boolean asked;
    private int watched;
    private int deferred;
    private int lost;
    private int gone;

    /**
     * Starts an early check of these leases (and perhaps the token), between two cycles.
     *
     * @param watched every lease id watched
     */
    synchronized void startEarly(Instant now, List<String> watched, boolean token, List<String> leaseIds) {
        reset(now, leaseIds);
        early = true;
        withToken = token;
        asked = false;
        this.watched = watched.size();
        deferred = 0;
        lost = 0;
        gone = 0;
        status.earlyCheckStarted(watched, leaseIds);
    }

    /**
     * Starts a cycle.
     *
     * @param watched every lease id watched
     * @param token true when the cycle calls Vault for the token (not while its retry is planned for later)
     * @param leaseIds the ones it calls Vault for: the others are lost or wait for their planned retry
     */
    synchronized void start(Instant now, List<String> watched, boolean token, List<String> leaseIds) {
        start(now, watched, token, leaseIds, false);
    }

    /**
     * Starts a cycle.
     *
     * @param asked true when an operator asked for it ({@code renewNow()}): items capped by their max TTL are renewed
     *     again too (a raised max shows)
     */
    synchronized void start(Instant now, List<String> watched, boolean token, List<String> leaseIds, boolean asked) {
        reset(now, leaseIds);
        early = false;
        withToken = token;
        this.asked = asked;
        this.watched = watched.size();
        status.cycleStarted(watched);
        Set<String> called = new HashSet<>(leaseIds);
        List<WatchedItem> notCalled = watched.stream()
                .filter(id -> !called.contains(id))
                .map(status::lease)
                .filter(item -> item != null)
                .toList();
        lost = (int) notCalled.stream().filter(WatchedItem::lost).count();
        gone = (int) notCalled.stream().filter(i -> i.gone() && !i.lost()).count();
        deferred = watched.size() - leaseIds.size() - lost - gone;
    }

    /** True when an operator asked for this cycle ({@code renewNow()}). */
    public synchronized boolean isAsked() {
        return asked;
    }

    /** How many lease ids the variables file names. */
    public synchronized int watchedLeases() {
        return watched;
    }

    /** True unless this is an early check that found nothing due. */
    public synchronized boolean calledVault() {
        return !early || withToken || !leases.isEmpty();
    }

    /** True when this cycle or early check calls Vault for the token. */
    public synchronized boolean withToken() {
        return withToken;
    }

    /** True while the report is about an early check rather than a cycle. */
    public synchronized boolean isEarly() {
        return early;
    }

    private void reset(Instant now, List<String> leaseIds) {
        started = now;
        tokenOutcome = null;
        tokenTtl = null;
        tokenAccessor = null;
        tokenRejected = false;
        leases.clear();
        leaseIds.forEach(id -> leases.put(id, null));
    }

    synchronized void tokenLookedUp(String accessor, long ttl, boolean neverExpires, Boolean renewable) {
        tokenAccessor = accessor;
        tokenTtl = ttl;
        status.tokenSeen(accessor, ttl, neverExpires, renewable);
    }

    /**
     * @param ttl the TTL Vault granted (renewed, capped) or reported (not due)
     */
    synchronized void token(Outcome outcome, long ttl) {
        tokenOutcome = outcome;
        tokenTtl = ttl;
        status.tokenOutcome(outcome, outcome == Outcome.NOT_DUE ? null : ttl, null, null);
    }

    /** The token was looked up and left alone: its last renewal was capped by its max TTL, and nothing changed. */
    synchronized void tokenStillCapped(long ttl) {
        tokenOutcome = Outcome.CAPPED;
        tokenTtl = ttl;
        status.tokenOutcome(Outcome.CAPPED, null, null, null);
    }

    synchronized void tokenFailed(String error) {
        tokenOutcome = Outcome.FAILED;
        status.tokenOutcome(Outcome.FAILED, null, error, null);
    }

    /**
     * The token's renewal failed in a way that makes its expiry final ({@code cause}): capped, when its max TTL is
     * reached; failed otherwise.
     */
    synchronized void tokenEnds(Outcome outcome, String error, String cause) {
        tokenOutcome = outcome;
        status.tokenOutcome(outcome, null, error, cause);
    }

    /** Vault answered 403 to the token: the leases are not looked at in this cycle (they count as skipped). */
    synchronized void tokenRejected(String error) {
        tokenOutcome = Outcome.FAILED;
        tokenRejected = true;
        status.tokenRejected(error);
    }

    synchronized void leaseLookedUp(String leaseId, long ttl, boolean neverExpires, Boolean renewable) {
        status.leaseSeen(leaseId, ttl, neverExpires, renewable);
    }

    /**
     * @param granted the TTL Vault granted when renewed or capped; null otherwise
     */
    synchronized void lease(String leaseId, Outcome outcome, Long granted) {
        leases.put(leaseId, outcome);
        status.leaseOutcome(leaseId, outcome, granted, null, null);
    }

    /** The lease's renewal failed because its max TTL is reached: it lives until its expiry, and not longer. */
    synchronized void leaseEnds(String leaseId, String error, String cause) {
        leases.put(leaseId, Outcome.CAPPED);
        status.leaseOutcome(leaseId, Outcome.CAPPED, null, error, cause);
    }

    /**
     * @param gone true when Vault no longer knows the lease
     */
    synchronized void leaseFailed(String leaseId, String error, boolean gone) {
        leases.put(leaseId, Outcome.FAILED);
        if (gone) {
            status.leaseGone(leaseId, error);
        } else {
            status.leaseOutcome(leaseId, Outcome.FAILED, null, error, null);
        }
    }

    /** Ends the cycle in the status; {@code next} is null with RUN_ONCE. */
    void finished(Instant next, String summary) {
        if (isEarly()) {
            status.earlyCheckFinished(summary);
        } else {
            status.cycleFinished(next, summary);
        }
    }

    public synchronized boolean isTokenRejected() {
        return tokenRejected;
    }

    /** How the token is named in logs: by its accessor (as this run or an earlier one saw it), never by itself. */
    public synchronized String tokenName() {
        String accessor = tokenAccessor != null ? tokenAccessor : status.tokenAccessor();
        return accessor == null ? "Token" : "Token (accessor " + accessor + ")";
    }

    public synchronized Map<Outcome, Integer> leaseCounts() {
        Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
        for (Outcome o : Outcome.values()) {
            counts.put(o, 0);
        }
        leases.values().forEach(o -> counts.merge(o == null ? Outcome.SKIPPED : o, 1, Integer::sum));
        return counts;
    }

    /** The INFO line that ends a cycle. */
    public synchronized String summary(Instant now, Instant nextCycle) {
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
        line.append("; leases checked ")
                .append(leases.size())
                .append(", renewed ")
                .append(c.get(Outcome.RENEWED))
                .append(", not due ")
                .append(c.get(Outcome.NOT_DUE))
                .append(", failed ")
                .append(c.get(Outcome.FAILED))
                .append(", capped ")
                .append(c.get(Outcome.CAPPED));
        if (c.get(Outcome.SKIPPED) > 0) {
            line.append(", skipped ").append(c.get(Outcome.SKIPPED));
        }
        if (deferred > 0) {
            line.append(", waiting for their retry ").append(deferred);
        }
        if (lost > 0) {
            line.append(", lost ").append(lost);
        }
        if (gone > 0) {
            line.append(", gone ").append(gone);
        }
        if (!early) {
            line.append(nextCycle == null ? "; no next cycle (RUN_ONCE)" : "; next cycle by " + nextCycle);
        }
        return line.toString();
    }
}
