package io.kubevaultauthrenewer.renewal;

import java.time.Instant;

/**
 * When an item's expiry is its end for good, whatever the renewer does, and the earliest such end of all: the end of
 * life of the pod's secrets ({@link RenewerStatus.EndOfLife}).
 */
public final class FinalEnds {

    /** Why an item capped by its max TTL ends when it does. */
    public static final String MAX_TTL_REACHED = "its max TTL is reached";

    private FinalEnds() {}

    /** Why the item's expiry is its end for good at {@code now}, or null when a renewal may still push it back. */
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

    /**
     * The earliest end that no renewal can push back (an item past its max TTL, not renewable, lost or gone), the
     * token's end taking its leases with it; null while every item can still be renewed.
     */
    static RenewerStatus.EndOfLife earliest(WatchedItem token, Iterable<WatchedItem> leases, Instant now) {
        RenewerStatus.EndOfLife end = earlier(null, token, token.name(), now);
        for (WatchedItem lease : leases) {
            end = earlier(end, lease, "Lease " + lease.name(), now);
        }
        return end;
    }

    private static RenewerStatus.EndOfLife earlier(
            RenewerStatus.EndOfLife end, WatchedItem item, String name, Instant now) {
        String why = finalEnd(item, now);
        return why != null && (end == null || item.expires().isBefore(end.at()))
                ? new RenewerStatus.EndOfLife(item.expires(), name + ": " + why)
                : end;
    }
}
