package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.vault.RenewalRule;
import io.kubevaultauthrenewer.vault.VaultTtl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * What the renewer knows across cycles, behind one lock: the table of watched items ({@link WatchedItems}), the loop's
 * times ({@link LoopTimes}) and outcome counts ({@link OutcomeCounts}); what to look at when ({@link FollowUps}) and
 * the end of life ({@link FinalEnds}) are computed from it. Health checks, JMX and the metrics read it; the cycle's
 * steps write it through {@link CycleReport}. It never holds the token itself.
 */
public final class RenewerStatus {

    /** What a renewal is about. */
    public enum Kind {
        TOKEN,
        LEASE
    }

    /** The cycle times. */
    public record Cycles(
            Instant started,
            Instant lastStarted,
            Instant lastCompleted,
            Instant next,
            long completed,
            boolean running) {}

    private final Clock clock;
    private final LoopTimes times;
    private final WatchedItems items = new WatchedItems();
    private String tokenAccessor;
    private boolean tokenRejected;
    private boolean tokenEverAccepted;
    private final OutcomeCounts counts = new OutcomeCounts();
    private final List<Runnable> cycleListeners = new ArrayList<>();

    public RenewerStatus(Clock clock) {
        this.clock = clock;
        this.times = new LoopTimes(clock.instant());
    }

    public Clock clock() {
        return clock;
    }

    /** Runs {@code listener} after each cycle (the metrics refresh their per-lease series). */
    public synchronized void onCycleFinished(Runnable listener) {
        cycleListeners.add(listener);
    }

    /**
     * A cycle or (with {@code early}) an early check of {@code leaseIds} began; {@code watched} are all the lease ids
     * the file names: those no longer named are forgotten (their plans with them).
     */
    synchronized void runStarted(boolean early, List<String> watched, List<String> leaseIds) {
        times.runStarted(clock.instant(), early);
        tokenRejected = false;
        items.watch(watched, leaseIds);
    }

    /** A cycle or (with {@code early}) an early check ended; {@code nextCycle} is null with RUN_ONCE. */
    void runFinished(boolean early, Instant nextCycle, String summary) {
        List<Runnable> listeners;
        synchronized (this) {
            times.runFinished(clock.instant(), early, nextCycle, summary);
            listeners = List.copyOf(cycleListeners);
        }
        listeners.forEach(Runnable::run);
    }

    /** A Vault call ended (well or not): the loop is moving. */
    public synchronized void progressed() {
        times.progressed(clock.instant());
    }

    synchronized void tokenSeen(String accessor, long ttl, boolean neverExpires, Boolean renewable) {
        tokenAccessor = accessor;
        tokenEverAccepted = true;
        String name = accessor == null ? "Token" : "Token (accessor " + accessor + ")";
        items.update(null, t -> t.seen(name, looked(t, ttl, neverExpires), neverExpires, renewable));
    }

    /**
     * @param grantedTtl the TTL a renewal granted (renewed or capped); null when there was no renewal
     * @param endCause why the token's expiry is now final, or null
     */
    synchronized void tokenOutcome(Outcome outcome, Long grantedTtl, String error, String endCause) {
        if (WatchedItem.isRenewal(outcome, grantedTtl)) {
            tokenEverAccepted = true;
        }
        called(null, Kind.TOKEN, outcome, grantedTtl, error, endCause);
    }

    synchronized void tokenRejected(String error) {
        tokenRejected = true;
        tokenOutcome(Outcome.FAILED, null, error, null);
    }

    synchronized void leaseSeen(String leaseId, long ttl, boolean neverExpires, Boolean renewable) {
        items.update(leaseId, i -> i.seen(leaseId, looked(i, ttl, neverExpires), neverExpires, renewable));
    }

    /**
     * @param grantedTtl the TTL a renewal granted (renewed or capped); null when there was no renewal
     * @param endCause why the lease's expiry is now final, or null
     */
    synchronized void leaseOutcome(String leaseId, Outcome outcome, Long grantedTtl, String error, String endCause) {
        called(leaseId, Kind.LEASE, outcome, grantedTtl, error, endCause);
    }

    private void called(String leaseId, Kind kind, Outcome outcome, Long grantedTtl, String error, String endCause) {
        Instant now = clock.instant();
        items.update(leaseId, i -> i.called(outcome, grantedTtl, error, endCause, now));
        counts.add(kind, outcome);
    }

    /**
     * A lease Vault no longer knows (400 invalid lease), or keeps only while its revocation is retried (expired, not
     * renewable): it has expired or was revoked. It is gone since its known expiry when that has passed, else since
     * now; it is not asked about again (nor reported again) while the variables file names the same list.
     */
    synchronized void leaseGone(String leaseId, String error) {
        Instant now = clock.instant();
        leaseOutcome(leaseId, Outcome.FAILED, null, error, null);
        items.update(
                leaseId, i -> i.goneSince(i.expires() != null && !i.expires().isAfter(now) ? i.expires() : now));
    }

    /**
     * The lease's (or, with null, the token's) last call failed for a reason a later try may mend: plans that try
     * against the item's expiry.
     *
     * @param retryAfter the wait Vault asked for, or null
     * @param maxRetries the most retries in a row (RUN_ONCE's quick retries); beyond, none is planned
     * @return the next try; null when none is planned: then {@code lost} says whether the item is lost
     */
    synchronized RetryPolicy.Try failedTransiently(
            String leaseId, RetryPolicy policy, Duration retryAfter, int maxRetries, double random) {
        WatchedItem item = items.get(leaseId);
        if (item == null) {
            return null;
        }
        FollowUps.Retry retry =
                FollowUps.failedTransiently(item, policy, clock.instant(), retryAfter, maxRetries, random);
        items.update(leaseId, i -> retry.item());
        return retry.next();
    }

    /** True when the item's last renewal was capped by its max TTL: renewing it again ends at the same time. */
    public synchronized boolean isCapped(String leaseId) {
        WatchedItem item = items.get(leaseId);
        return item != null && FinalEnds.MAX_TTL_REACHED.equals(item.endCause());
    }

    /** The expiry a lookup reads, or the one known before when the two may be the same (VaultTtl#sameEnd). */
    private Instant looked(WatchedItem item, long ttl, boolean neverExpires) {
        Instant read = neverExpires ? null : clock.instant().plusSeconds(ttl);
        return VaultTtl.sameEnd(item.expires(), read) ? item.expires() : read;
    }

    public synchronized WatchedItem token() {
        return items.token();
    }

    public synchronized String tokenAccessor() {
        return tokenAccessor;
    }

    /** True when Vault answered 403 to the token in the last cycle. */
    public synchronized boolean tokenRejected() {
        return tokenRejected;
    }

    /** True once Vault has answered a lookup or renewal of the token: it was good at least once. */
    public synchronized boolean tokenEverAccepted() {
        return tokenEverAccepted;
    }

    /** The lease of the last cycle with this id, or null. */
    public synchronized WatchedItem lease(String leaseId) {
        return items.leases().get(leaseId);
    }

    /** The leases of the last cycle, in LEASE_IDS order. */
    public synchronized List<WatchedItem> leases() {
        return List.copyOf(items.leases().values());
    }

    public synchronized long count(Kind kind, Outcome outcome) {
        return counts.get(kind, outcome);
    }

    public synchronized Cycles cycles() {
        return times.cycles();
    }

    /** True for a lease id no check has looked at yet (new in LEASE_IDS). */
    public synchronized boolean isNew(String leaseId) {
        WatchedItem item = items.leases().get(leaseId);
        return item == null || item.lastOutcome() == null;
    }

    /** Early checks run so far (the metric vault_renewer_early_checks_total). */
    public synchronized long earlyChecks() {
        return times.earlyChecks();
    }

    /** When the lease (or, with null, the token) is checked early, before the next cycle; null when it is not. */
    public synchronized Instant nextCheck(String leaseId) {
        WatchedItem item = items.get(leaseId);
        return item == null ? null : item.nextCheck();
    }

    /** What a regular cycle calls Vault for, of {@code leaseIds} ({@link FollowUps#forCycle}). */
    synchronized List<String> forCycle(List<String> leaseIds, boolean asked) {
        return FollowUps.forCycle(items.leases(), leaseIds, asked, clock.instant());
    }

    /** True when a regular cycle looks at the token: not while its retry is planned for later (unless asked). */
    synchronized boolean tokenForCycle(boolean asked) {
        return FollowUps.takenByCycle(items.token(), asked, clock.instant());
    }

    /** True when the token's planned check (its retry, or the early check of a short TTL) is due now. */
    synchronized boolean tokenDueNow() {
        return FollowUps.dueNow(items.token(), List.of(), clock.instant()).token();
    }

    /** What an early check looks at now ({@link FollowUps#dueNow}). */
    synchronized FollowUps.Due dueNow() {
        return FollowUps.dueNow(items.token(), items.leases().values(), clock.instant());
    }

    /**
     * After a cycle or early check: the items it looked at with a short TTL are planned an early check ({@link
     * FollowUps#planShortTtl}). Retries of failed calls were planned as they failed.
     *
     * @param regularNext when the next cycle comes; null with RUN_ONCE, which makes no such checks
     * @return when the first planned check (or retry) is, or null when none is
     */
    synchronized Instant planFollowUps(Instant regularNext, RenewalRule rule, DoubleSupplier random) {
        Instant now = clock.instant();
        Instant runStarted = times.runStarted();
        items.updateAll(i -> FollowUps.planShortTtl(i, now, runStarted, regularNext, rule, random.getAsDouble()));
        return FollowUps.firstCheck(items.all());
    }

    /** The TTL Vault last granted the lease (or, with null, the token) when that grant was not capped; else null. */
    public synchronized Long grantedTtl(String leaseId) {
        WatchedItem item = items.get(leaseId);
        return item == null ? null : item.grantedTtl();
    }

    /** True when a retry of the lease (or, with null, the token) may skip the lookup ({@link FollowUps#knownDue}). */
    synchronized boolean knownDue(String leaseId, RenewalRule rule) {
        return FollowUps.knownDue(items.get(leaseId), rule, clock.instant());
    }

    /**
     * When the pod's secrets die for good, whatever the renewer does: the earliest end that no renewal can push back
     * (an item past its max TTL, not renewable, lost or gone), the token's end taking its leases with it.
     *
     * @param at when
     * @param cause what dies then, and why, in words for a log line (the token by its accessor, never by itself)
     */
    public record EndOfLife(Instant at, String cause) {}

    /** The end of life as Vault's last answers set it ({@link FinalEnds}); null while every item can be renewed. */
    public synchronized EndOfLife endOfLife() {
        return FinalEnds.earliest(items.token(), items.leases().values(), clock.instant());
    }

    /** True when the token and every lease were last renewed or not yet due (RUN_ONCE's exit 0). */
    public synchronized boolean allFine() {
        return items.all().stream()
                .allMatch(i -> i.lastOutcome() == Outcome.RENEWED || i.lastOutcome() == Outcome.NOT_DUE);
    }

    /** The last cycle's summary line; null before the first. */
    public synchronized String lastSummary() {
        return times.lastSummary();
    }

    /** When the loop last did something: a cycle began or ended, or a Vault call ended. */
    public synchronized Instant lastProgress() {
        return times.lastProgress();
    }
}
