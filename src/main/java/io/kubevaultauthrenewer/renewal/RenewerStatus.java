package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.vault.RenewalRule;
import io.kubevaultauthrenewer.vault.VaultTtl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * What the renewer knows across cycles: one {@link WatchedItem} per watched token or lease (its expiry, last grant, last
 * failure and next try), the outcome counters and the cycle times. Health checks, the JMX bean and the metrics read
 * it; the cycle's steps write it through {@link CycleReport}, and the retries are planned from it. It never holds
 * the token itself.
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
    private final Instant started;
    private WatchedItem token = WatchedItem.unseen("Token");
    private String tokenAccessor;
    private boolean tokenRejected;
    private boolean tokenEverAccepted;
    private final Map<String, WatchedItem> leases = new LinkedHashMap<>();
    private final OutcomeCounts counts = new OutcomeCounts();
    private Instant runStarted;
    private Instant lastStarted;
    private Instant lastCompleted;
    private Instant next;
    private long completed;
    private boolean running;
    private Instant lastProgress;
    private String lastSummary;
    private long earlyChecks;
    /** The lease ids the variables file named last: another list gives up on nothing it names. */
    private List<String> watchedList = List.of();

    private final List<Runnable> cycleListeners = new ArrayList<>();

    public RenewerStatus(Clock clock) {
        this.clock = clock;
        this.started = clock.instant();
    }

    public Clock clock() {
        return clock;
    }

    /** Runs {@code listener} after each cycle (the metrics refresh their per-lease series). */
    public synchronized void onCycleFinished(Runnable listener) {
        cycleListeners.add(listener);
    }

    /**
     * An early check of these leases (and perhaps the token) began: the other watched leases are kept as they are,
     * those no longer watched are forgotten (their plans with them).
     */
    synchronized void earlyCheckStarted(List<String> watched, List<String> leaseIds) {
        runStarted(watched, leaseIds);
    }

    private void runStarted(List<String> watched, List<String> leaseIds) {
        runStarted = clock.instant();
        lastProgress = runStarted;
        running = true;
        tokenRejected = false;
        watch(watched);
        leaseIds.forEach(id -> leases.computeIfAbsent(id, WatchedItem::unseen));
    }

    /**
     * The lease ids the variables file names now: those it no longer names are forgotten (their plans with them). When
     * the list is another than before, the leases given up on (gone, lost) are looked at again: the one line that
     * reported each is not repeated for a list that did not change.
     */
    private void watch(List<String> watched) {
        leases.keySet().retainAll(new HashSet<>(watched));
        if (!watched.equals(watchedList)) {
            leases.replaceAll((id, item) -> item.givenUp() ? item.lookedAtAgain() : item);
            watchedList = List.copyOf(watched);
        }
    }

    /** An early check ended. */
    void earlyCheckFinished(String summary) {
        List<Runnable> listeners;
        synchronized (this) {
            lastSummary = summary;
            lastProgress = clock.instant();
            earlyChecks++;
            running = false;
            listeners = List.copyOf(cycleListeners);
        }
        listeners.forEach(Runnable::run);
    }

    /** A cycle began; {@code leaseIds} are all the watched ones, whether this cycle calls Vault for them or not. */
    synchronized void cycleStarted(List<String> leaseIds) {
        runStarted(leaseIds, leaseIds);
        lastStarted = runStarted;
    }

    void cycleFinished(Instant nextCycle, String summary) {
        List<Runnable> listeners;
        synchronized (this) {
            lastSummary = summary;
            lastCompleted = clock.instant();
            lastProgress = lastCompleted;
            next = nextCycle;
            completed++;
            running = false;
            listeners = List.copyOf(cycleListeners);
        }
        listeners.forEach(Runnable::run);
    }

    /** A Vault call ended (well or not): the loop is moving. */
    public synchronized void progressed() {
        lastProgress = clock.instant();
    }

    synchronized void tokenSeen(String accessor, long ttl, boolean neverExpires, Boolean renewable) {
        tokenAccessor = accessor;
        tokenEverAccepted = true;
        String name = accessor == null ? "Token" : "Token (accessor " + accessor + ")";
        token = token.seen(name, looked(token, ttl, neverExpires), neverExpires, renewable);
    }

    /**
     * @param grantedTtl the TTL a renewal granted (renewed or capped); null when there was no renewal
     * @param endCause why the token's expiry is now final, or null
     */
    synchronized void tokenOutcome(Outcome outcome, Long grantedTtl, String error, String endCause) {
        if (WatchedItem.isRenewal(outcome, grantedTtl)) {
            tokenEverAccepted = true;
        }
        token = token.called(outcome, grantedTtl, error, endCause, clock.instant());
        tally(Kind.TOKEN, outcome);
    }

    synchronized void tokenRejected(String error) {
        tokenRejected = true;
        tokenOutcome(Outcome.FAILED, null, error, null);
    }

    synchronized void leaseSeen(String leaseId, long ttl, boolean neverExpires, Boolean renewable) {
        leases.computeIfPresent(
                leaseId, (id, item) -> item.seen(id, looked(item, ttl, neverExpires), neverExpires, renewable));
    }

    /**
     * @param grantedTtl the TTL a renewal granted (renewed or capped); null when there was no renewal
     * @param endCause why the lease's expiry is now final, or null
     */
    synchronized void leaseOutcome(String leaseId, Outcome outcome, Long grantedTtl, String error, String endCause) {
        Instant now = clock.instant();
        leases.computeIfPresent(leaseId, (id, item) -> item.called(outcome, grantedTtl, error, endCause, now));
        tally(Kind.LEASE, outcome);
    }

    /**
     * A lease Vault no longer knows (400 invalid lease), or keeps only while its revocation is retried (expired, not
     * renewable): it has expired or was revoked. It is gone since its known expiry when that has passed, else since
     * now; it is not asked about again (nor reported again) while the variables file names the same list.
     */
    synchronized void leaseGone(String leaseId, String error) {
        Instant now = clock.instant();
        leaseOutcome(leaseId, Outcome.FAILED, null, error, null);
        leases.computeIfPresent(
                leaseId,
                (id, item) ->
                        item.goneSince(item.expires() != null && !item.expires().isAfter(now) ? item.expires() : now));
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
        WatchedItem item = item(leaseId);
        if (item == null) {
            return null;
        }
        FollowUps.Retry retry =
                FollowUps.failedTransiently(item, policy, clock.instant(), retryAfter, maxRetries, random);
        put(leaseId, retry.item());
        return retry.next();
    }

    private WatchedItem item(String leaseId) {
        return leaseId == null ? token : leases.get(leaseId);
    }

    private void put(String leaseId, WatchedItem item) {
        if (leaseId == null) {
            token = item;
        } else {
            leases.put(leaseId, item);
        }
    }

    private void tally(Kind kind, Outcome outcome) {
        counts.add(kind, outcome);
    }

    /** True when the item's last renewal was capped by its max TTL: renewing it again ends at the same time. */
    public synchronized boolean isCapped(String leaseId) {
        WatchedItem item = item(leaseId);
        return item != null && FinalEnds.MAX_TTL_REACHED.equals(item.endCause());
    }

    /** The expiry a lookup reads, or the one known before when the two may be the same (VaultTtl#sameEnd). */
    private Instant looked(WatchedItem item, long ttl, boolean neverExpires) {
        Instant read = expiry(ttl, neverExpires);
        return VaultTtl.sameEnd(item.expires(), read) ? item.expires() : read;
    }

    private Instant expiry(long ttl, boolean neverExpires) {
        return neverExpires ? null : clock.instant().plusSeconds(ttl);
    }

    public synchronized WatchedItem token() {
        return token;
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
        return leases.get(leaseId);
    }

    /** The leases of the last cycle, in LEASE_IDS order. */
    public synchronized List<WatchedItem> leases() {
        return List.copyOf(leases.values());
    }

    public synchronized long count(Kind kind, Outcome outcome) {
        return counts.get(kind, outcome);
    }

    public synchronized Cycles cycles() {
        return new Cycles(started, lastStarted, lastCompleted, next, completed, running);
    }

    /** True for a lease id no check has looked at yet (new in LEASE_IDS). */
    public synchronized boolean isNew(String leaseId) {
        WatchedItem item = leases.get(leaseId);
        return item == null || item.lastOutcome() == null;
    }

    /** Early checks run so far (the metric vault_renewer_early_checks_total). */
    public synchronized long earlyChecks() {
        return earlyChecks;
    }

    /** When the lease (or, with null, the token) is checked early, before the next cycle; null when it is not. */
    public synchronized Instant nextCheck(String leaseId) {
        WatchedItem item = item(leaseId);
        return item == null ? null : item.nextCheck();
    }

    /** What a regular cycle calls Vault for, of {@code leaseIds} ({@link FollowUps#forCycle}). */
    synchronized List<String> forCycle(List<String> leaseIds, boolean asked) {
        return FollowUps.forCycle(leases, leaseIds, asked, clock.instant());
    }

    /** True when a regular cycle looks at the token: not while its retry is planned for later (unless asked). */
    synchronized boolean tokenForCycle(boolean asked) {
        return FollowUps.takenByCycle(token, asked, clock.instant());
    }

    /** What an early check looks at now ({@link FollowUps#dueNow}). */
    synchronized FollowUps.Due dueNow() {
        return FollowUps.dueNow(token, leases.values(), clock.instant());
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
        token = FollowUps.planShortTtl(token, now, runStarted, regularNext, rule, random.getAsDouble());
        leases.replaceAll(
                (id, item) -> FollowUps.planShortTtl(item, now, runStarted, regularNext, rule, random.getAsDouble()));
        return FollowUps.firstCheck(items());
    }

    private List<WatchedItem> items() {
        List<WatchedItem> all = new ArrayList<>(leases.values());
        all.add(0, token);
        return all;
    }

    /**
     * True when Vault's last grant to the lease (or, with null, the token), not capped, is short ({@link
     * RenewalRule#isShort(long)}): the fixed cycles alone would lose it.
     */
    public synchronized boolean hasShortGrant(String leaseId, RenewalRule rule) {
        Long ttl = grantedTtl(leaseId);
        return ttl != null && rule.isShort(ttl);
    }

    /** The TTL Vault last granted the lease (or, with null, the token) when that grant was not capped; else null. */
    public synchronized Long grantedTtl(String leaseId) {
        WatchedItem item = item(leaseId);
        return item == null ? null : item.grantedTtl();
    }

    /** True when a retry of the lease (or, with null, the token) may skip the lookup ({@link FollowUps#knownDue}). */
    synchronized boolean knownDue(String leaseId, RenewalRule rule) {
        return FollowUps.knownDue(item(leaseId), rule, clock.instant());
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
        return FinalEnds.earliest(token, leases.values(), clock.instant());
    }

    /** True when the token and every lease were last renewed or not yet due (RUN_ONCE's exit 0). */
    public synchronized boolean allFine() {
        return items().stream().allMatch(i -> i.lastOutcome() == Outcome.RENEWED || i.lastOutcome() == Outcome.NOT_DUE);
    }

    /** The last cycle's summary line; null before the first. */
    public synchronized String lastSummary() {
        return lastSummary;
    }

    /** When the loop last did something: a cycle began or ended, or a Vault call ended. */
    public synchronized Instant lastProgress() {
        return lastProgress == null ? started : lastProgress;
    }
}
