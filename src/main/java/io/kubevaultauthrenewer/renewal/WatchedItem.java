package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.vault.VaultTtl;
import java.time.Duration;
import java.time.Instant;

/**
 * One watched item, the token or a lease: the whole truth about it, which the retries are planned from and health,
 * metrics and JMX read.
 *
 * @param name the lease id, or the token by its accessor
 * @param expires when it expires, as {@code now + ttl} of Vault's last answer (Vault's own end may be up to a second
 *     earlier or later: {@link VaultTtl}); null when it never does or is not known yet
 * @param neverExpires true for a token or lease without a TTL
 * @param renewable as Vault last said; null when not known
 * @param lastRenewal when the renewer last renewed it; null when it has not
 * @param lastError the last call's failure; null when the last call went well
 * @param lastOutcome the last look's outcome; null before the first look
 * @param grantedTtl the TTL Vault last granted, when that grant was not capped by a max TTL; else null
 * @param lastTried when a call about it last ended; null before the first
 * @param failures transient failures in a row (network, timeout, 412, 429, 5xx); 0 after a success
 * @param nextCheck when it is looked at again before the next cycle; null when the next cycle will do
 * @param nextCheckWhy why then (a retry's backoff, Retry-After, two thirds of a short TTL)
 * @param lost true once Vault may no longer hold it and its calls kept failing until then
 * @param gone true once Vault said it no longer exists (or keeps it only until its revocation goes through): it is not
 *     asked about again until the variables file names another list
 * @param endCause why its expiry is final although Vault still holds it (its max TTL is reached, its auth role is
 *     gone), in words for a log line; null while a renewal may push it back
 */
public record WatchedItem(
        String name,
        Instant expires,
        boolean neverExpires,
        Boolean renewable,
        Instant lastRenewal,
        String lastError,
        Outcome lastOutcome,
        Long grantedTtl,
        Instant lastTried,
        int failures,
        Instant nextCheck,
        String nextCheckWhy,
        boolean lost,
        boolean gone,
        String endCause) {

    static WatchedItem unseen(String name) {
        return new WatchedItem(
                name, null, false, null, null, null, null, null, null, 0, null, null, false, false, null);
    }

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

    /** True when no call about it is made any more: lost, or gone. */
    boolean givenUp() {
        return lost || gone;
    }

    WatchedItem seen(String newName, Instant newExpires, boolean never, Boolean newRenewable) {
        return new WatchedItem(
                newName,
                newExpires,
                never,
                newRenewable,
                lastRenewal,
                lastError,
                lastOutcome,
                grantedTtl,
                lastTried,
                failures,
                nextCheck,
                nextCheckWhy,
                lost,
                gone,
                endCause);
    }

    /** True for a call that renewed the item: Vault granted a TTL, capped or not. */
    static boolean isRenewal(Outcome outcome, Long grantedTtl) {
        return (outcome == Outcome.RENEWED || outcome == Outcome.CAPPED) && grantedTtl != null;
    }

    /**
     * A call about it ended at {@code at} with this outcome. A renewal sets its expiry from the TTL granted (and a
     * capped one its final end: its max TTL is reached); an uncapped renewal forgets a final end (a role put back, a
     * max raised). A success forgets the failures (and that it was lost); a failure drops the planned check, which
     * {@link RenewerStatus#failedTransiently} plans anew when a later try may mend it.
     *
     * @param grantedTtl the TTL a renewal granted; null when the call renewed nothing
     * @param newEndCause why its expiry is now final, or null
     */
    WatchedItem called(Outcome outcome, Long grantedTtl, String error, String newEndCause, Instant at) {
        boolean renewed = isRenewal(outcome, grantedTtl);
        boolean failed = outcome == Outcome.FAILED;
        String cause = outcome == Outcome.CAPPED && renewed
                ? FinalEnds.MAX_TTL_REACHED
                : newEndCause != null ? newEndCause : outcome == Outcome.RENEWED ? null : endCause;
        return new WatchedItem(
                name,
                renewed ? at.plusSeconds(grantedTtl) : expires,
                renewed ? false : neverExpires,
                renewed ? Boolean.TRUE : renewable,
                renewed ? at : lastRenewal,
                error,
                outcome,
                renewed ? (outcome == Outcome.RENEWED ? grantedTtl : null) : this.grantedTtl,
                at,
                failed ? failures : 0,
                null,
                null,
                failed && lost,
                gone,
                cause);
    }

    WatchedItem planned(int newFailures, Instant at, String why, boolean isLost) {
        return new WatchedItem(
                name,
                expires,
                neverExpires,
                renewable,
                lastRenewal,
                lastError,
                lastOutcome,
                grantedTtl,
                lastTried,
                newFailures,
                at,
                why,
                isLost,
                gone,
                endCause);
    }

    /** Vault said it no longer exists, since {@code since}. */
    WatchedItem goneSince(Instant since) {
        return new WatchedItem(
                name,
                since,
                false,
                renewable,
                lastRenewal,
                lastError,
                lastOutcome,
                grantedTtl,
                lastTried,
                failures,
                null,
                null,
                lost,
                true,
                endCause);
    }

    /** Asked about again, as if new: the variables file names another list. */
    WatchedItem lookedAtAgain() {
        return new WatchedItem(
                name,
                expires,
                neverExpires,
                renewable,
                lastRenewal,
                lastError,
                null,
                grantedTtl,
                lastTried,
                0,
                null,
                null,
                false,
                false,
                endCause);
    }

    /** True while its last call failed and its retry is planned for later than {@code now}. */
    boolean waitsForRetry(Instant now) {
        return failures > 0 && nextCheck != null && nextCheck.isAfter(now);
    }

    /** True when its last call failed less than {@link RetryPolicy#FLOOR} before {@code now}. */
    boolean retriedTooSoon(Instant now) {
        return failures > 0
                && lastTried != null
                && lastTried.plus(RetryPolicy.FLOOR).isAfter(now);
    }
}
