package io.kubevaultauthrenewer.config;

import java.util.LinkedHashSet;
import java.util.List;

/**
 * What one cycle works with: the token and the lease ids.
 *
 * @param token the Vault token; never logged ({@link #toString()} masks it)
 * @param leaseIds the lease ids, trimmed, without empty items or duplicates, in their first order
 * @param origin where they were read from, for the logs
 */
public record Credentials(String token, List<String> leaseIds, String origin) {

    public Credentials {
        leaseIds = List.copyOf(leaseIds);
    }

    /** Splits a LEASE_IDS value: blanks around ids and empty items are ignored, a duplicate counts once. */
    public static List<String> splitLeaseIds(String raw) {
        LinkedHashSet<String> ids = new LinkedHashSet<>();
        if (raw != null) {
            for (String item : raw.split(",")) {
                String id = item.strip();
                if (!id.isEmpty()) {
                    ids.add(id);
                }
            }
        }
        return List.copyOf(ids);
    }

    @Override
    public String toString() {
        return "Credentials[token=****, leaseIds=" + leaseIds + ", origin=" + origin + "]";
    }
}
