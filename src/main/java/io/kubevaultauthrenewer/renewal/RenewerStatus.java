package io.kubevaultauthrenewer.renewal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * What the renewer knows across cycles: the token's and each lease's expiry, last renewal and last error, the
 * outcome counters and the cycle times. Health checks, the JMX bean and the metrics read it; the cycle's steps write
 * it through {@link CycleReport}. It never holds the token itself.
 */
public final class RenewerStatus {

    /** What a renewal is about. */
    public enum Kind {
        TOKEN,
        LEASE
    }

    /**
     * One watched item as last seen.
     *
     * @param name the lease id, or the token by its accessor
     * @param expires when it expires; null when it never does or is not known yet
     * @param neverExpires true for a token or lease without a TTL
     * @param renewable as Vault last said; null when not known
     * @param lastRenewal when the renewer last renewed it; null when it has not
     * @param lastError the last cycle's failure; null when the last cycle went well
     * @param lastOutcome the last cycle's outcome; null before the first look
     */
    public record Item(
            String name,
            Instant expires,
            boolean neverExpires,
            Boolean renewable,
            Instant lastRenewal,
            String lastError,
            Outcome lastOutcome) {

        /** Whole seconds left at {@code now}; null when unknown or without expiry; 0 once expired. */
        public Long secondsLeft(Instant now) {
            if (expires == null) {
                return null;
            }
            return Math.max(0, Duration.between(now, expires).getSeconds());
        }

        /** True when it is known to be gone or to expire before {@code when}. */
        public boolean expiresBefore(Instant when) {
            return !neverExpires && expires != null && expires.isBefore(when);
        }

        Item seen(Instant newExpires, boolean never, Boolean newRenewable) {
            return new Item(name, newExpires, never, newRenewable, lastRenewal, lastError, lastOutcome);
        }

        Item outcome(Outcome outcome, String error, Instant renewedAt) {
            return new Item(
                    name,
                    expires,
                    neverExpires,
                    renewable,
                    renewedAt != null ? renewedAt : lastRenewal,
                    error,
                    outcome);
        }
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
    private Item token = new Item("Token", null, false, null, null, null, null);
    private String tokenAccessor;
    private boolean tokenRejected;
    private final Map<String, Item> leases = new LinkedHashMap<>();
    private final Map<Kind, Map<Outcome, Long>> counts = new EnumMap<>(Kind.class);
    private Instant lastStarted;
    private Instant lastCompleted;
    private Instant next;
    private long completed;
    private boolean running;
    private Instant lastProgress;
    private String lastSummary;
    private long earlyChecks;
    private final Map<String, Integer> failures = new java.util.HashMap<>();
    private final Map<String, Instant> nextChecks = new java.util.HashMap<>();
    private final Map<String, Long> granted = new java.util.HashMap<>();
    private final Map<String, Duration> waits = new java.util.HashMap<>();

    /** The key of the token in the follow-up maps (lease ids never look like this). */
    static final String TOKEN_KEY = "\u0000token";

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

    /** An early check of these leases (and the token) began: the other leases are kept as they are. */
    synchronized void earlyCheckStarted(List<String> leaseIds) {
        lastProgress = clock.instant();
        running = true;
        tokenRejected = false;
        leaseIds.forEach(id -> leases.computeIfAbsent(id, k -> new Item(k, null, false, null, null, null, null)));
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

    synchronized void cycleStarted(List<String> leaseIds) {
        Instant now = clock.instant();
        lastStarted = now;
        lastProgress = now;
        running = true;
        tokenRejected = false;
        leases.keySet().retainAll(leaseIds);
        failures.keySet().removeIf(k -> !k.equals(TOKEN_KEY) && !leaseIds.contains(k));
        granted.keySet().removeIf(k -> !k.equals(TOKEN_KEY) && !leaseIds.contains(k));
        leaseIds.forEach(id -> leases.computeIfAbsent(id, k -> new Item(k, null, false, null, null, null, null)));
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
        token = token.seen(expiry(ttl, neverExpires), neverExpires, renewable);
    }

    synchronized void tokenOutcome(Outcome outcome, Long grantedTtl, String error) {
        Instant now = clock.instant();
        boolean renewed = outcome == Outcome.RENEWED || outcome == Outcome.CAPPED;
        if (renewed && grantedTtl != null) {
            token = token.seen(now.plusSeconds(grantedTtl), false, token.renewable());
            granted.put(TOKEN_KEY, outcome == Outcome.RENEWED ? grantedTtl : null);
        }
        token = token.outcome(outcome, error, renewed ? now : null);
        tally(Kind.TOKEN, outcome);
        if (outcome != Outcome.FAILED) {
            failures.remove(TOKEN_KEY);
            waits.remove(TOKEN_KEY);
        }
    }

    /** Vault asked (Retry-After) to wait this long before trying the lease (or, with null, the token) again. */
    public synchronized void askedToWait(String leaseId, Duration retryAfter) {
        String key = leaseId == null ? TOKEN_KEY : leaseId;
        if (retryAfter == null) {
            waits.remove(key);
        } else {
            waits.put(key, retryAfter);
        }
    }

    /** A failure a later try may mend (network, timeout, 412, 429, 5xx): counted for the backoff. */
    synchronized void failedTransiently(String key) {
        failures.merge(key, 1, Integer::sum);
    }

    synchronized void tokenRejected(String error) {
        tokenRejected = true;
        tokenOutcome(Outcome.FAILED, null, error);
    }

    synchronized void leaseSeen(String leaseId, long ttl, boolean neverExpires, Boolean renewable) {
        leases.computeIfPresent(leaseId, (id, item) -> item.seen(expiry(ttl, neverExpires), neverExpires, renewable));
    }

    synchronized void leaseOutcome(String leaseId, Outcome outcome, Long grantedTtl, String error) {
        Instant now = clock.instant();
        boolean renewed = outcome == Outcome.RENEWED || outcome == Outcome.CAPPED;
        if (renewed && grantedTtl != null) {
            granted.put(leaseId, outcome == Outcome.RENEWED ? grantedTtl : null);
        }
        leases.computeIfPresent(leaseId, (id, item) -> {
            Item next = renewed && grantedTtl != null ? item.seen(now.plusSeconds(grantedTtl), false, true) : item;
            return next.outcome(outcome, error, renewed ? now : null);
        });
        tally(Kind.LEASE, outcome);
        if (outcome != Outcome.FAILED) {
            failures.remove(leaseId);
            waits.remove(leaseId);
        }
    }

    /** A lease Vault no longer knows (400 invalid lease): it has expired or was revoked. */
    synchronized void leaseGone(String leaseId, String error) {
        leases.computeIfPresent(leaseId, (id, item) -> item.seen(clock.instant(), false, item.renewable()));
        leaseOutcome(leaseId, Outcome.FAILED, null, error);
    }

    private void tally(Kind kind, Outcome outcome) {
        counts.get(kind).merge(outcome, 1L, Long::sum);
    }

    private Instant expiry(long ttl, boolean neverExpires) {
        return neverExpires ? null : clock.instant().plusSeconds(ttl);
    }

    public synchronized Item token() {
        String name = tokenAccessor == null ? "Token" : "Token (accessor " + tokenAccessor + ")";
        return new Item(
                name,
                token.expires(),
                token.neverExpires(),
                token.renewable(),
                token.lastRenewal(),
                token.lastError(),
                token.lastOutcome());
    }

    public synchronized String tokenAccessor() {
        return tokenAccessor;
    }

    /** True when Vault answered 403 to the token in the last cycle. */
    public synchronized boolean tokenRejected() {
        return tokenRejected;
    }

    /** The lease of the last cycle with this id, or null. */
    public synchronized Item lease(String leaseId) {
        return leases.get(leaseId);
    }

    /** The leases of the last cycle, in LEASE_IDS order. */
    public synchronized List<Item> leases() {
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
        Item item = leases.get(leaseId);
        return item == null || item.lastOutcome() == null;
    }

    /** Early checks run so far. */
    public synchronized long earlyChecks() {
        return earlyChecks;
    }

    /** When the lease (or, with null, the token) is checked early, before the next cycle; null when it is not. */
    public synchronized Instant nextCheck(String leaseId) {
        return nextChecks.get(leaseId == null ? TOKEN_KEY : leaseId);
    }

    /**
     * After a cycle: when must each item be looked at again before the next cycle? One whose last call failed for a
     * transient reason is tried again after a doubling backoff; one whose TTL is shorter than twice the interval is
     * checked when about two thirds of its TTL are used; neither later than its expiry allows.
     *
     * @param regularNext when the next cycle comes
     * @return the items due before it and when the first is, or null when none is
     */
    synchronized FollowUp planFollowUps(
            Instant regularNext,
            Duration interval,
            Duration backoffInitial,
            Duration backoffMax,
            DoubleSupplier random) {
        Instant now = clock.instant();
        nextChecks.clear();
        Map<String, Item> items = new LinkedHashMap<>();
        items.put(TOKEN_KEY, token);
        leases.forEach(items::put);
        for (Map.Entry<String, Item> entry : items.entrySet()) {
            Item item = entry.getValue();
            if (item.neverExpires() || (tokenRejected && entry.getKey().equals(TOKEN_KEY))) {
                continue;
            }
            Duration left = item.expires() == null ? null : Duration.between(now, item.expires());
            if (left != null && (left.isNegative() || left.isZero())) {
                continue; // gone: nothing to save
            }
            Instant at = null;
            int failed = failures.getOrDefault(entry.getKey(), 0);
            if (failed > 0) {
                long shift = Math.min(failed - 1, 20);
                Duration backoff = backoffInitial.multipliedBy(1L << shift);
                if (backoff.compareTo(backoffMax) > 0) {
                    backoff = backoffMax;
                }
                // jitter: between 80 % and 100 % of the backoff; never sooner than Vault asked (Retry-After)
                at = now.plus(scaled(backoff, 0.8 + 0.2 * random.getAsDouble()));
                Duration asked = waits.get(entry.getKey());
                if (asked != null && at.isBefore(now.plus(asked))) {
                    at = now.plus(asked);
                }
            } else if (left != null && isShort(entry.getKey(), interval)) {
                // about two thirds of the TTL, a little earlier at random
                at = now.plus(scaled(left, (2.0 / 3.0) * (1 - 0.1 * random.getAsDouble())));
            }
            if (at == null) {
                continue;
            }
            if (left != null) {
                Instant latest = now.plus(scaled(left, 2.0 / 3.0));
                if (at.isAfter(latest)) {
                    at = latest;
                }
            }
            Instant earliest = now.plusSeconds(1);
            if (at.isBefore(earliest)) {
                at = earliest;
            }
            if (regularNext == null || at.isBefore(regularNext)) {
                nextChecks.put(entry.getKey(), at);
            }
        }
        if (nextChecks.isEmpty()) {
            return null;
        }
        Instant first = nextChecks.values().stream().min(Instant::compareTo).orElseThrow();
        List<String> leaseIds =
                nextChecks.keySet().stream().filter(k -> !k.equals(TOKEN_KEY)).toList();
        return new FollowUp(first, leaseIds);
    }

    /** True when Vault's last grant to the item (not capped) is shorter than twice the interval. */
    private boolean isShort(String key, Duration interval) {
        Long ttl = granted.get(key);
        return ttl != null && ttl < 2 * interval.toSeconds();
    }

    /**
     * True when Vault's last grant to the lease (or, with null, the token), not capped, is shorter than twice the
     * interval: the fixed cycles alone would lose it, so it is checked early.
     */
    public synchronized boolean hasShortGrant(String leaseId, Duration interval) {
        return isShort(leaseId == null ? TOKEN_KEY : leaseId, interval);
    }

    /** The TTL Vault last granted the lease (or, with null, the token) when that grant was not capped; else null. */
    public synchronized Long grantedTtl(String leaseId) {
        return granted.get(leaseId == null ? TOKEN_KEY : leaseId);
    }

    private static Duration scaled(Duration d, double factor) {
        return Duration.ofMillis(Math.round(d.toMillis() * factor));
    }

    /** An early check: when, and which leases (the token is always looked at). */
    public record FollowUp(Instant at, List<String> leaseIds) {}

    /** The last cycle's summary line; null before the first. */
    public synchronized String lastSummary() {
        return lastSummary;
    }

    /** When the loop last did something: a cycle began or ended, or a Vault call ended. */
    public synchronized Instant lastProgress() {
        return lastProgress == null ? started : lastProgress;
    }
}
