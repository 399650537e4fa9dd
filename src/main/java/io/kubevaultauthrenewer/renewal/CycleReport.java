package io.kubevaultauthrenewer.renewal;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the cycle's steps record what they find: each finding goes to the cycle's own {@link CycleTally} (its
 * summary line) and to the {@link RenewerStatus}, which keeps it across cycles.
 */
public final class CycleReport {

    private final RenewerStatus status;
    private CycleTally tally = CycleTally.none();

    public CycleReport(RenewerStatus status) {
        this.status = status;
    }

    public RenewerStatus status() {
        return status;
    }

    /**
     * Starts an early check of these leases (and perhaps the token), between two cycles.
     *
     * @param watched every lease id watched
     */
    synchronized void startEarly(Instant now, List<String> watched, boolean token, List<String> leaseIds) {
        tally = new CycleTally(now, true, token, false, watched.size(), leaseIds, 0, 0, 0);
        status.runStarted(true, watched, leaseIds);
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
        status.runStarted(false, watched, watched);
        Set<String> called = new HashSet<>(leaseIds);
        List<WatchedItem> notCalled = watched.stream()
                .filter(id -> !called.contains(id))
                .map(status::lease)
                .filter(item -> item != null)
                .toList();
        int lost = (int) notCalled.stream().filter(WatchedItem::lost).count();
        int gone = (int) notCalled.stream().filter(i -> i.gone() && !i.lost()).count();
        int deferred = watched.size() - leaseIds.size() - lost - gone;
        tally = new CycleTally(now, false, token, asked, watched.size(), leaseIds, deferred, lost, gone);
    }

    /** True when an operator asked for this cycle ({@code renewNow()}). */
    public synchronized boolean isAsked() {
        return tally.asked();
    }

    /** How many lease ids the variables file names. */
    public synchronized int watchedLeases() {
        return tally.watched();
    }

    /** True unless this is an early check that found nothing due. */
    public synchronized boolean calledVault() {
        return tally.calledVault();
    }

    /** True when this cycle or early check calls Vault for the token. */
    public synchronized boolean withToken() {
        return tally.withToken();
    }

    /**
     * True when the run should call Vault for the token now: its planned retry (or the early check of a short TTL)
     * came due while the run went through its leases. The call replans it, and this run's report counts it.
     */
    public synchronized boolean takeTokenWhenDue() {
        if (!status.tokenDueNow()) {
            return false;
        }
        tally.tokenTakenLater();
        return true;
    }

    /** True while the report is about an early check rather than a cycle. */
    public synchronized boolean isEarly() {
        return tally.early();
    }

    synchronized void tokenLookedUp(String accessor, long ttl, boolean neverExpires, Boolean renewable) {
        tally.tokenLookedUp(accessor, ttl);
        status.tokenSeen(accessor, ttl, neverExpires, renewable);
    }

    /**
     * @param ttl the TTL Vault granted (renewed, capped) or reported (not due)
     */
    synchronized void token(Outcome outcome, long ttl) {
        tally.token(outcome, ttl);
        status.tokenOutcome(outcome, outcome == Outcome.NOT_DUE ? null : ttl, null, null);
    }

    /** The token was looked up and left alone: its last renewal was capped by its max TTL, and nothing changed. */
    synchronized void tokenStillCapped(long ttl) {
        tally.token(Outcome.CAPPED, ttl);
        status.tokenOutcome(Outcome.CAPPED, null, null, null);
    }

    synchronized void tokenFailed(String error) {
        tokenEnds(Outcome.FAILED, error, null);
    }

    /**
     * The token's renewal failed in a way that makes its expiry final ({@code cause}): capped, when its max TTL is
     * reached; failed otherwise.
     */
    synchronized void tokenEnds(Outcome outcome, String error, String cause) {
        tally.token(outcome, null);
        status.tokenOutcome(outcome, null, error, cause);
    }

    /** Vault answered 403 to the token: the leases are not looked at in this cycle (they count as skipped). */
    synchronized void tokenRejected(String error) {
        tally.tokenRejected();
        status.tokenRejected(error);
    }

    synchronized void leaseLookedUp(String leaseId, long ttl, boolean neverExpires, Boolean renewable) {
        status.leaseSeen(leaseId, ttl, neverExpires, renewable);
    }

    /**
     * @param granted the TTL Vault granted when renewed or capped; null otherwise
     */
    synchronized void lease(String leaseId, Outcome outcome, Long granted) {
        tally.lease(leaseId, outcome);
        status.leaseOutcome(leaseId, outcome, granted, null, null);
    }

    /** The lease's renewal failed because its max TTL is reached: it lives until its expiry, and not longer. */
    synchronized void leaseEnds(String leaseId, String error, String cause) {
        tally.lease(leaseId, Outcome.CAPPED);
        status.leaseOutcome(leaseId, Outcome.CAPPED, null, error, cause);
    }

    /**
     * @param gone true when Vault no longer knows the lease
     */
    synchronized void leaseFailed(String leaseId, String error, boolean gone) {
        tally.lease(leaseId, Outcome.FAILED);
        if (gone) {
            status.leaseGone(leaseId, error);
        } else {
            status.leaseOutcome(leaseId, Outcome.FAILED, null, error, null);
        }
    }

    /** Ends the cycle in the status; {@code next} is null with RUN_ONCE. */
    void finished(Instant next, String summary) {
        status.runFinished(isEarly(), next, summary);
    }

    public synchronized boolean isTokenRejected() {
        return tally.isTokenRejected();
    }

    /** How the token is named in logs: by its accessor (as this run or an earlier one saw it), never by itself. */
    public synchronized String tokenName() {
        String accessor = tally.tokenAccessor() != null ? tally.tokenAccessor() : status.tokenAccessor();
        return accessor == null ? "Token" : "Token (accessor " + accessor + ")";
    }

    public synchronized Map<Outcome, Integer> leaseCounts() {
        return tally.leaseCounts();
    }

    /** The INFO line that ends a cycle. */
    public synchronized String summary(Instant now, Instant nextCycle) {
        return tally.summary(now, nextCycle);
    }
}
