package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.vault.RenewalRule;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What is looked at when, as pure functions of the watched items and instants: what a cycle calls Vault for, what an
 * early check looks at, the retry of a failed call, the early check of a short TTL, and when a retry may skip the
 * lookup. {@link RenewerStatus} applies them to its table.
 */
final class FollowUps {

    /** What an early check looks at: the token when it is due, and the leases that are, the nearest expiry first. */
    record Due(boolean token, List<String> leaseIds) {}

    /**
     * A failed call's plan: the item as it is now (its failures counted, its next try, whether it is lost) and the
     * next try, null when none is planned.
     */
    record Retry(WatchedItem item, RetryPolicy.Try next) {}

    /**
     * How early an early check may take an item planned a moment later: timers are not exact, and items that failed
     * in one run a few milliseconds apart are then tried together again, the nearest expiry first.
     */
    static final Duration DUE_TOLERANCE = Duration.ofMillis(50);

    /** Why an early check of a short TTL comes when it does. */
    static final String SHORT_TTL = "two thirds of a short TTL";

    /** Unknown expiries first (nothing is known of them), then the nearest, then those that never expire. */
    private static final Comparator<WatchedItem> NEAREST_EXPIRY_FIRST = Comparator.comparing(
            (WatchedItem i) -> i.neverExpires() ? Instant.MAX : i.expires() == null ? Instant.MIN : i.expires());

    private FollowUps() {}

    /**
     * What a regular cycle calls Vault for, of {@code leaseIds}: not a lease that is lost, nor one whose retry is
     * planned for later (its backoff or Vault's Retry-After is honoured), nor one whose last try failed a moment ago;
     * the nearest expiry first. Asked for by an operator ({@code renewNow()}), every lease not lost.
     */
    static List<String> forCycle(Map<String, WatchedItem> leases, List<String> leaseIds, boolean asked, Instant now) {
        return leaseIds.stream()
                .map(id -> leases.getOrDefault(id, WatchedItem.unseen(id)))
                .filter(i -> !i.givenUp() && takenByCycle(i, asked, now))
                .sorted(NEAREST_EXPIRY_FIRST)
                .map(WatchedItem::name)
                .toList();
    }

    /** True when a regular cycle calls Vault for the item: not while its retry is planned for later (unless asked). */
    static boolean takenByCycle(WatchedItem item, boolean asked, Instant now) {
        return asked || !item.waitsForRetry(now) && !item.retriedTooSoon(now);
    }

    /**
     * What an early check looks at at {@code now}: every item whose check is due (within {@link #DUE_TOLERANCE}), that
     * is not lost and whose last try did not fail a moment ago; the leases the nearest expiry first.
     */
    static Due dueNow(WatchedItem token, Collection<WatchedItem> leases, Instant now) {
        Instant by = now.plus(DUE_TOLERANCE);
        List<String> ids = leases.stream()
                .filter(i -> isDue(i, now, by))
                .sorted(NEAREST_EXPIRY_FIRST)
                .map(WatchedItem::name)
                .toList();
        return new Due(isDue(token, now, by), ids);
    }

    private static boolean isDue(WatchedItem item, Instant now, Instant by) {
        return !item.givenUp()
                && item.nextCheck() != null
                && !item.nextCheck().isAfter(by)
                && !item.retriedTooSoon(now);
    }

    /**
     * The item's call failed at {@code now} for a reason a later try may mend: the next try, against its expiry.
     *
     * @param retryAfter the wait Vault asked for, or null
     * @param maxRetries the most retries in a row (RUN_ONCE's quick retries); beyond, none is planned
     */
    static Retry failedTransiently(
            WatchedItem item, RetryPolicy policy, Instant now, Duration retryAfter, int maxRetries, double random) {
        int failures = item.failures() + 1;
        boolean gaveUp = failures > maxRetries;
        RetryPolicy.Try next = gaveUp
                ? null
                : policy.next(now, item.neverExpires() ? null : item.expires(), failures, retryAfter, random);
        // no try can be made before it expires: it is lost
        boolean lost = !gaveUp && next == null;
        return new Retry(
                item.planned(failures, next == null ? null : next.at(), next == null ? null : why(next), lost), next);
    }

    private static String why(RetryPolicy.Try next) {
        return "retry " + next.retry()
                + switch (next.why()) {
                    case BACKOFF -> ", after a backoff";
                    case HALF_OF_TIME_LEFT -> ", at half of the time left";
                    case RETRY_AFTER -> ", as Vault asked (Retry-After)";
                    case LAST_TRY_BEFORE_EXPIRY -> ", the last before it expires";
                    case WHILE_VAULT_MAY_HOLD_IT -> ", while Vault may still hold it";
                };
    }

    /**
     * After a run that began at {@code runStarted}: an item it looked at whose TTL, as Vault last granted it, is
     * short ({@link RenewalRule#isShort(long)}) is checked again at {@link RenewalRule#earlyCheckAt}, if that comes
     * before the next cycle ({@code regularNext}; null with RUN_ONCE, which makes no such checks). Items that failed
     * keep their retry; items the run did not look at keep their plans.
     */
    static WatchedItem planShortTtl(
            WatchedItem item, Instant now, Instant runStarted, Instant regularNext, RenewalRule rule, double random) {
        boolean lookedAtNow = item.lastTried() != null
                && runStarted != null
                && !item.lastTried().isBefore(runStarted);
        if (!lookedAtNow || item.failures() > 0 || item.neverExpires() || item.expires() == null) {
            return item;
        }
        Long ttl = item.grantedTtl();
        if (ttl == null || !rule.isShort(ttl) || !item.expires().isAfter(now)) {
            return item.planned(0, null, null, item.lost());
        }
        Instant at = RenewalRule.earlyCheckAt(now, item.expires(), random);
        boolean beforeCycle = regularNext != null && at.isBefore(regularNext);
        return item.planned(0, beforeCycle ? at : null, beforeCycle ? SHORT_TTL : null, false);
    }

    /** The first planned check (or retry) of the items not given up on; null when none is planned. */
    static Instant firstCheck(Collection<WatchedItem> items) {
        return items.stream()
                .filter(i -> !i.givenUp() && i.nextCheck() != null)
                .map(WatchedItem::nextCheck)
                .min(Comparator.naturalOrder())
                .orElse(null);
    }

    /**
     * True when the item's last call failed after a lookup or renewal showed it renewable and short ({@link
     * RenewalRule#isShort(Instant, Instant)}): its retry need not look it up again before renewing it.
     */
    static boolean knownDue(WatchedItem item, RenewalRule rule, Instant now) {
        return item != null
                && item.failures() > 0
                && Boolean.TRUE.equals(item.renewable())
                && !item.neverExpires()
                && item.expires() != null
                && rule.isShort(item.expires(), now);
    }
}
