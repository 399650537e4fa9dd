package io.kubevaultauthrenewer.vault;

import java.util.Map;

/**
 * The name a Vault call is counted under in the metrics ({@code call} of {@code vault_renewer_vault_responses_total}):
 * one of a fixed few, read from the request's path, so that a path never becomes a label value of its own.
 */
public final class VaultCallName {

    /** Any other path: the init mode's logins and reads, a redirect's target. */
    public static final String OTHER = "other";

    private static final Map<String, String> BY_PATH = Map.of(
            "/v1/auth/token/lookup-self", "token_lookup",
            "/v1/auth/token/renew-self", "token_renew",
            "/v1/auth/token/revoke-self", "token_revoke",
            "/v1/sys/leases/lookup", "lease_lookup",
            "/v1/sys/leases/renew", "lease_renew",
            "/v1/sys/leases/revoke", "lease_revoke");

    private VaultCallName() {}

    /**
     * The call's name.
     *
     * @param path the request's path, with its query if any; VAULT_ADDR may put a prefix before {@code /v1/}
     */
    public static String of(String path) {
        if (path == null) {
            return OTHER;
        }
        int query = path.indexOf('?');
        String bare = query < 0 ? path : path.substring(0, query);
        int v1 = bare.lastIndexOf("/v1/");
        return v1 < 0 ? OTHER : BY_PATH.getOrDefault(bare.substring(v1), OTHER);
    }
}
