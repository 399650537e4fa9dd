package io.kubevaultauthrenewer.renewal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The table of watched items: the token, and one record per lease id the variables file names, in its order. Items
 * change only through {@link #update} with one of {@link WatchedItem}'s transitions. Not thread-safe: the {@link
 * RenewerStatus} holds it under its lock.
 */
final class WatchedItems {

    private WatchedItem token = WatchedItem.unseen("Token");
    private final Map<String, WatchedItem> leases = new LinkedHashMap<>();
    /** The lease ids the variables file named last: another list gives up on nothing it names. */
    private List<String> watchedList = List.of();

    /**
     * The lease ids the variables file names now: those it no longer names are forgotten (their plans with them).
     * When the list is another than before, the leases given up on (gone, lost) are looked at again: the one line
     * that reported each is not repeated for a list that did not change. Each of {@code looked} gets a record.
     */
    void watch(List<String> watched, List<String> looked) {
        leases.keySet().retainAll(new HashSet<>(watched));
        if (!watched.equals(watchedList)) {
            leases.replaceAll((id, item) -> item.givenUp() ? item.lookedAtAgain() : item);
            watchedList = List.copyOf(watched);
        }
        looked.forEach(id -> leases.computeIfAbsent(id, WatchedItem::unseen));
    }

    /** The lease with this id, or, with null, the token; null for a lease not watched. */
    WatchedItem get(String leaseId) {
        return leaseId == null ? token : leases.get(leaseId);
    }

    /** Changes the lease (or, with null, the token); nothing for a lease not watched. */
    void update(String leaseId, UnaryOperator<WatchedItem> change) {
        if (leaseId == null) {
            token = change.apply(token);
        } else {
            leases.computeIfPresent(leaseId, (id, item) -> change.apply(item));
        }
    }

    /** Changes every item. */
    void updateAll(UnaryOperator<WatchedItem> change) {
        token = change.apply(token);
        leases.replaceAll((id, item) -> change.apply(item));
    }

    WatchedItem token() {
        return token;
    }

    /** The leases by id, in LEASE_IDS order (a view). */
    Map<String, WatchedItem> leases() {
        return java.util.Collections.unmodifiableMap(leases);
    }

    /** The token, then the leases. */
    List<WatchedItem> all() {
        List<WatchedItem> all = new ArrayList<>(leases.size() + 1);
        all.add(token);
        all.addAll(leases.values());
        return all;
    }
}
