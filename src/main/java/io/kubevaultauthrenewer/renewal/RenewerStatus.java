package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.vault.VaultTtl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
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

    /** What an early check looks at: the token when it is due, and the leases that are, the nearest expiry first. */
    public record Due(boolean token, List<String> leaseIds) {}

    /**
     * How early an early check may take an item planned a moment later: timers are not exact, and items that failed
     * in one run a few milliseconds apart are then tried together again, the nearest expiry first.
     */
    static final Duration DUE_TOLERANCE = Duration.ofMillis(50);

    /** Unknown expiries first (nothing is known of them), then the nearest, then those that never expire. */
    private static final Comparator<WatchedItem> NEAREST_EXPIRY_FIRST = Comparator.comparing(
            (WatchedItem i) -> i.neverExpires() ? Instant.MAX : i.expires() == null ? Instant.MIN : i.expires());

    private final Clock clock;
    private final Instant started;
    private WatchedItem token = WatchedItem.unseen("Token");
    private String tokenAccessor;
    private boolean tokenRejected;
    private boolean tokenEverAccepted;
    private final Map<String, WatchedItem> leases = new LinkedHashMap<>();
    private final Map<Kind, Map<Outcome, Long>> counts = new EnumMap<>(Kind.class);
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
        for (Kind kind : Kind.values()) {
            Map<Outcome, Long> byOutcome = new EnumMap<>(Outcome.class);
            for (Outcome o : Outcome.values()) {
                byOutcome.put(o, 0L);
            }
            counts.put(kind, byOutcome);
        }
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
        Instant now = clock.instant();
        runStarted = now;
        lastStarted = now;
        lastProgress = now;
        running = true;
        tokenRejected = false;
        watch(leaseIds);
        leaseIds.forEach(id -> leases.computeIfAbsent(id, WatchedItem::unseen));
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

    /** Why an item capped by its max TTL ends when it does. */
    static final String MAX_TTL_REACHED = "its max TTL is reached";

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
        int failures = item.failures() + 1;
        boolean gaveUp = failures > maxRetries;
        RetryPolicy.Try next = gaveUp
                ? null
                : policy.next(
                        clock.instant(), item.neverExpires() ? null : item.expires(), failures, retryAfter, random);
        // no try can be made before it expires: it is lost
        boolean lost = !gaveUp && next == null;
        put(leaseId, item.planned(failures, next == null ? null : next.at(), next == null ? null : why(next), lost));
        return next;
    }

    private static String why(RetryPolicy.Try next) {
        return switch (next.why()) {
            case BACKOFF -> "retry " + next.retry() + ", after a backoff";
            case HALF_OF_TIME_LEFT -> "retry " + next.retry() + ", at half of the time left";
            case RETRY_AFTER -> "retry " + next.retry() + ", as Vault asked (Retry-After)";
            case LAST_TRY_BEFORE_EXPIRY -> "retry " + next.retry() + ", the last before it expires";
            case WHILE_VAULT_MAY_HOLD_IT -> "retry " + next.retry() + ", while Vault may still hold it";
        };
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
        counts.get(kind).merge(outcome, 1L, Long::sum);
    }

    /** True when the item's last renewal was capped by its max TTL: renewing it again ends at the same time. */
    public synchronized boolean isCapped(String leaseId) {
        WatchedItem item = item(leaseId);
        return item != null && MAX_TTL_REACHED.equals(item.endCause());
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
        return counts.get(kind).get(outcome);
    }

    public synchronized Cycles cycles() {
        return new Cycles(started, lastStarted, lastCompleted, next, completed, running);
    }

    /** True for a lease id no check has looked at yet (new in LEASE_IDS). */
    public synchronized boolean isNew(String leaseId) {
        WatchedItem item = leases.get(leaseId);
        return item == null || item.lastOutcome() == null;
    }

    /** Early checks run so far. */
    public synchronized long earlyChecks() {
        return earlyChecks;
    }

    /** When the lease (or, with null, the token) is checked early, before the next cycle; null when it is not. */
    public synchronized Instant nextCheck(String leaseId) {
        WatchedItem item = item(leaseId);
        return item == null ? null : item.nextCheck();
    }

    /**
     * What a regular cycle calls Vault for, of {@code leaseIds}: not a lease that is lost, nor one whose retry is
     * planned for later (its backoff or Vault's Retry-After is honoured), nor one whose last try failed a moment ago;
     * the nearest expiry first. Asked for by an operator ({@code renewNow()}), every lease not lost.
     */
    synchronized List<String> forCycle(List<String> leaseIds, boolean asked) {
        Instant now = clock.instant();
        return leaseIds.stream()
                .map(id -> leases.getOrDefault(id, WatchedItem.unseen(id)))
                .filter(i -> !i.givenUp() && (asked || !i.waitsForRetry(now) && !i.retriedTooSoon(now)))
                .sorted(NEAREST_EXPIRY_FIRST)
                .map(WatchedItem::name)
                .toList();
    }

    /** True when a regular cycle looks at the token: not while its retry is planned for later (unless asked). */
    synchronized boolean tokenForCycle(boolean asked) {
        Instant now = clock.instant();
        return asked || !token.waitsForRetry(now) && !token.retriedTooSoon(now);
    }

    /**
     * What an early check looks at now: every item whose check is due (within {@link #DUE_TOLERANCE}), that is not
     * lost and whose last try did not fail a moment ago; the token first, then the leases, the nearest expiry first.
     */
    synchronized Due dueNow() {
        Instant now = clock.instant();
        Instant by = now.plus(DUE_TOLERANCE);
        boolean tokenDue = isDue(token, now, by);
        List<String> ids = leases.values().stream()
                .filter(i -> isDue(i, now, by))
                .sorted(NEAREST_EXPIRY_FIRST)
                .map(WatchedItem::name)
                .toList();
        return new Due(tokenDue, ids);
    }

    private static boolean isDue(WatchedItem item, Instant now, Instant by) {
        return !item.givenUp()
                && item.nextCheck() != null
                && !item.nextCheck().isAfter(by)
                && !item.retriedTooSoon(now);
    }

    /**
     * After a cycle or early check: an item it looked at whose TTL, as Vault last granted it, is shorter than twice
     * the interval is checked again when about two thirds of it are used, if that comes before the next cycle. Retries
     * of failed calls were planned as they failed; items the run did not look at keep their plans.
     *
     * @param regularNext when the next cycle comes; null with RUN_ONCE, which makes no such checks
     * @return when the first planned check (or retry) is, or null when none is
     */
    synchronized Instant planFollowUps(Instant regularNext, Duration interval, DoubleSupplier random) {
        Instant now = clock.instant();
        token = planShortTtl(token, now, regularNext, interval, random);
        leases.replaceAll((id, item) -> planShortTtl(item, now, regularNext, interval, random));
        Instant first = null;
        for (WatchedItem item : items()) {
            if (!item.givenUp()
                    && item.nextCheck() != null
                    && (first == null || item.nextCheck().isBefore(first))) {
                first = item.nextCheck();
            }
        }
        return first;
    }

    private WatchedItem planShortTtl(
            WatchedItem item, Instant now, Instant regularNext, Duration interval, DoubleSupplier random) {
        boolean lookedAtNow = item.lastTried() != null
                && runStarted != null
                && !item.lastTried().isBefore(runStarted);
        if (!lookedAtNow || item.failures() > 0 || item.neverExpires() || item.expires() == null) {
            return item;
        }
        Duration left = Duration.between(now, item.expires());
        Long ttl = item.grantedTtl();
        if (ttl == null || ttl >= 2 * interval.toSeconds() || left.isNegative() || left.isZero()) {
            return item.planned(0, null, null, item.lost());
        }
        // about two thirds of the TTL, a little earlier at random
        Instant at = now.plus(RetryPolicy.scaled(left, (2.0 / 3.0) * (1 - 0.1 * random.getAsDouble())));
        if (at.isBefore(now.plusSeconds(1))) {
            at = now.plusSeconds(1);
        }
        boolean beforeCycle = regularNext != null && at.isBefore(regularNext);
        return item.planned(0, beforeCycle ? at : null, beforeCycle ? "two thirds of a short TTL" : null, false);
    }

    private List<WatchedItem> items() {
        List<WatchedItem> all = new ArrayList<>(leases.values());
        all.add(0, token);
        return all;
    }

    /**
     * True when Vault's last grant to the lease (or, with null, the token), not capped, is shorter than twice the
     * interval: the fixed cycles alone would lose it.
     */
    public synchronized boolean hasShortGrant(String leaseId, Duration interval) {
        WatchedItem item = item(leaseId);
        return item != null && item.grantedTtl() != null && item.grantedTtl() < 2 * interval.toSeconds();
    }

    /** The TTL Vault last granted the lease (or, with null, the token) when that grant was not capped; else null. */
    public synchronized Long grantedTtl(String leaseId) {
        WatchedItem item = item(leaseId);
        return item == null ? null : item.grantedTtl();
    }

    /**
     * True when the lease's (or, with null, the token's) last lookup or renewal showed it renewable and due (less
     * than twice the interval left): a retry after a failure need not look it up again before renewing it.
     */
    synchronized boolean knownDue(String leaseId, Duration interval) {
        WatchedItem item = item(leaseId);
        return item != null
                && item.failures() > 0
                && Boolean.TRUE.equals(item.renewable())
                && !item.neverExpires()
                && item.expires() != null
                && item.expires().isBefore(clock.instant().plus(interval.multipliedBy(2)));
    }

    /**
     * When the pod's secrets die for good, whatever the renewer does: the earliest end that no renewal can push back
     * (an item past its max TTL, not renewable, lost or gone), the token's end taking its leases with it.
     *
     * @param at when
     * @param cause what dies then, and why, in words for a log line (the token by its accessor, never by itself)
     */
    public record EndOfLife(Instant at, String cause) {}

    /** The end of life as Vault's last answers set it; null while every item can still be renewed. */
    public synchronized EndOfLife endOfLife() {
        Instant now = clock.instant();
        EndOfLife end = null;
        for (WatchedItem item : items()) {
            String why = finalEnd(item, now);
            if (why != null && (end == null || item.expires().isBefore(end.at()))) {
                end = new EndOfLife(
                        item.expires(), (item == token ? item.name() : "Lease " + item.name()) + ": " + why);
            }
        }
        return end;
    }

    /** Why the item's expiry is its end for good, or null when a renewal may still push it back. */
    public static String finalEnd(WatchedItem item, Instant now) {
        if (item.neverExpires() || item.expires() == null) {
            return null;
        }
        if (item.lost()) {
            return "lost while Vault could not be reached";
        }
        if (item.gone() || !item.expires().isAfter(now)) {
            return "gone";
        }
        if (item.endCause() != null) {
            return item.endCause();
        }
        if (Boolean.FALSE.equals(item.renewable())) {
            return "not renewable";
        }
        return null;
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
