package io.kubevaultauthrenewer.config;

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

    /** Splits a LEASE_IDS value as {@link LeaseIds#split} does. */
    public static List<String> splitLeaseIds(String raw) {
        return LeaseIds.split(raw, "LEASE_IDS");
    }

    @Override
    public String toString() {
        return "Credentials[token=****, leaseIds=" + leaseIds + ", origin=" + origin + "]";
    }
}
