package io.kubevaultauthrenewer.vault;

import java.time.Duration;
import java.time.Instant;

/**
 * What the {@code ttl} of a Vault answer says about when the item really ends. Vault computes it as the expiry less
 * its own clock <em>rounded</em> to the second, truncated to whole seconds ({@code leaseEntry.ttl} in {@code
 * vault/expiration.go}: {@code int64(ExpireTime.Sub(time.Now().Round(time.Second)).Seconds())}). So the real end is
 * anywhere from half a second before {@code now + ttl} to a second and a half after it, and the answer took some
 * time to arrive. The renewer plans as if the item ended {@link #MAY_END_BEFORE} before {@code now + ttl}, and never
 * calls it lost before {@link #MAY_LAST_AFTER} after: until then Vault may still hold it.
 */
public final class VaultTtl {

    /** How much earlier than {@code now + ttl} the item may end: the rounding's half second, and the answer's way. */
    public static final Duration MAY_END_BEFORE = Duration.ofSeconds(1);

    /** How much later than {@code now + ttl} Vault may still hold the item: the rounding and the truncation. */
    public static final Duration MAY_LAST_AFTER = Duration.ofMillis(1500);

    private VaultTtl() {}

    /** The earliest the item may end, for planning: {@code expires} (now + ttl) less {@link #MAY_END_BEFORE}. */
    public static Instant plannedEnd(Instant expires) {
        return expires == null ? null : expires.minus(MAY_END_BEFORE);
    }

    /**
     * True when two readings of {@code now + ttl} may be of one and the same expiry: they differ by no more than the
     * rounding allows. A lookup that reads so keeps the expiry known before, so that an end of life does not move by
     * a second from one lookup to the next.
     */
    public static boolean sameEnd(Instant known, Instant read) {
        return known != null
                && read != null
                && Duration.between(known, read).abs().compareTo(MAY_END_BEFORE.plus(MAY_LAST_AFTER)) <= 0;
    }

    /** The latest Vault may still hold the item: {@code expires} (now + ttl) plus {@link #MAY_LAST_AFTER}. */
    public static Instant lastsUntil(Instant expires) {
        return expires == null ? null : expires.plus(MAY_LAST_AFTER);
    }
}
