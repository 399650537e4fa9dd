package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.config.RetrySettings;
import io.kubevaultauthrenewer.vault.VaultTtl;
import java.time.Duration;
import java.time.Instant;

/**
 * When to try again a token or lease whose last call to Vault failed for a transient reason, planned against the
 * item's own expiry: a doubling, capped, jittered backoff far from the expiry; never later than half of the time
 * the item has left; never sooner than {@link #FLOOR} after the failure; a {@code Retry-After} honoured unless it
 * would land after the expiry, and then one last try shortly before it. Tries go on for as long as the item lives,
 * not for a fixed number of attempts. The expiry planned against is the earliest Vault's {@code ttl} allows ({@link
 * VaultTtl#plannedEnd}); past it, tries go on at the floor for as long as Vault may still hold the item ({@link
 * VaultTtl#lastsUntil}): it is lost only then.
 *
 * <p>The first {@code quickRetries} tries wait {@code quickDelay}, doubling up to {@code quickMaxDelay} (1 s, 2 s,
 * 4 s by default: short blips); later ones wait {@code backoffInitial}, doubling up to {@code backoffMax} (5 s, 10 s,
 * … 5 min by default). Each wait is 80–100 % of that, at random, so that pods do not retry in step.
 */
public record RetryPolicy(
        int quickRetries, Duration quickDelay, Duration quickMaxDelay, Duration backoffInitial, Duration backoffMax) {

    /** The policy the retry settings describe. */
    public static RetryPolicy of(RetrySettings settings) {
        return new RetryPolicy(
                settings.attempts(),
                settings.delay(),
                settings.maxDelay(),
                settings.backoffInitial(),
                settings.backoffMax());
    }

    /** The shortest wait between two tries of one item: a failing Vault is never hammered. */
    public static final Duration FLOOR = Duration.ofMillis(250);

    /** The most of the time an item has left that a wait may use. */
    static final double SHARE_OF_TIME_LEFT = 0.5;

    /** How long before the expiry the last try comes, when Vault asked to wait past it. */
    static final Duration LAST_TRY_MARGIN = Duration.ofSeconds(1);

    /** Why a try is planned when it is. */
    public enum Why {
        /** the backoff after the n-th failure */
        BACKOFF,
        /** half of the time the item has left, which is sooner than the backoff */
        HALF_OF_TIME_LEFT,
        /** Vault's Retry-After */
        RETRY_AFTER,
        /** Vault asked to wait past the expiry: one last try shortly before it */
        LAST_TRY_BEFORE_EXPIRY,
        /** past the expiry planned against, but Vault may still hold the item: a try at the floor */
        WHILE_VAULT_MAY_HOLD_IT
    }

    /**
     * The next try.
     *
     * @param retry which retry it is (1 for the first after a failure)
     */
    public record Try(Instant at, Why why, int retry) {}

    /** The wait before retry {@code n} (1 for the first), before the jitter. */
    Duration backoff(int n) {
        boolean quick = n <= quickRetries;
        Duration first = quick ? quickDelay : backoffInitial;
        Duration max = quick ? quickMaxDelay : backoffMax;
        int shift = Math.min((quick ? n : n - quickRetries) - 1, 30);
        Duration wait = first.multipliedBy(1L << shift);
        return wait.compareTo(max) > 0 ? max : wait;
    }

    /**
     * The try after the {@code failures}-th failure in a row, which ended at {@code now}.
     *
     * @param expiresAt when the item expires, as {@code now + ttl} of Vault's last answer; null when that is not known
     *     (it was never looked up)
     * @param retryAfter the wait Vault asked for, or null
     * @param random a number from 0 to 1, for the jitter
     * @return the next try, or null when none can be made while Vault may still hold the item: it is lost
     */
    public Try next(Instant now, Instant expiresAt, int failures, Duration retryAfter, double random) {
        Instant expires = VaultTtl.plannedEnd(expiresAt);
        Instant at = now.plus(scaled(backoff(failures), 0.8 + 0.2 * random));
        Why why = Why.BACKOFF;
        Duration left = expires == null ? null : Duration.between(now, expires);
        if (left != null) {
            Instant latest = now.plus(scaled(left, SHARE_OF_TIME_LEFT));
            if (at.isAfter(latest)) {
                at = latest;
                why = Why.HALF_OF_TIME_LEFT;
            }
        }
        if (retryAfter != null && !now.plus(retryAfter).isBefore(at)) {
            Instant asked = now.plus(retryAfter);
            Instant lastTry = left == null ? null : expires.minus(min(LAST_TRY_MARGIN, scaled(left, 0.5)));
            if (lastTry == null || !asked.isAfter(lastTry)) {
                at = asked;
                why = Why.RETRY_AFTER;
            } else {
                at = lastTry;
                why = Why.LAST_TRY_BEFORE_EXPIRY;
            }
        }
        Instant earliest = now.plus(FLOOR);
        if (at.isBefore(earliest)) {
            at = earliest;
        }
        if (expires != null && !at.isBefore(expires)) {
            // Vault's own end may come up to VaultTtl.MAY_LAST_AFTER later than now + ttl: until then, keep trying
            return earliest.isBefore(VaultTtl.lastsUntil(expiresAt))
                    ? new Try(earliest, Why.WHILE_VAULT_MAY_HOLD_IT, failures)
                    : null;
        }
        return new Try(at, why, failures);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    static Duration scaled(Duration d, double factor) {
        return Duration.ofMillis(Math.round(d.toMillis() * factor));
    }
}
