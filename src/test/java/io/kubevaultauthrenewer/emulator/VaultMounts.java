package io.kubevaultauthrenewer.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Vault's mount table, as its router uses it: every secret engine and auth method the emulator has enabled, found
 * for a path by longest prefix; and {@code GET sys/internal/ui/mounts/<path>}, which the CLI asks to learn a KV
 * mount's version ({@code pathInternalUIMountRead} in {@code vault/logical_system.go}).
 */
final class VaultMounts {

    /**
     * One mount.
     *
     * @param routePath where the router finds it, with a trailing slash: {@code secret/}, {@code auth/kubernetes/}
     * @param options the mount's options ({@code version} for KV), null when it has none
     */
    record Mount(String routePath, String type, Map<String, String> options, String accessor, String uuid) {

        boolean isAuth() {
            return routePath.startsWith("auth/");
        }

        /** The path the mount table stores: an auth method's without {@code auth/}. */
        String path() {
            return isAuth() ? routePath.substring("auth/".length()) : routePath;
        }

        /** The rest of a path under this mount, without leading slash. */
        String rest(String path) {
            return path.length() <= routePath.length() ? "" : path.substring(routePath.length());
        }
    }

    private final Map<String, Mount> mounts = new LinkedHashMap<>();
    /** The {@code max_lease_ttl} tune of a mount, by route path; absent: the system's. */
    private final Map<String, Duration> maxLeaseTtls = new LinkedHashMap<>();

    /** Sets a mount's {@code max_lease_ttl} (zero: the system's again). */
    void tuneMaxLeaseTtl(String routePath, Duration max) {
        if (max.isZero()) {
            maxLeaseTtls.remove(routePath);
        } else {
            maxLeaseTtls.put(routePath, max);
        }
    }

    /**
     * The max TTL of the mount at this route path, as {@code dynamicSystemView.fetchTTLs} answers {@code MaxLeaseTTL}:
     * its tune, else the system's (32 days).
     */
    Duration maxLeaseTtl(String routePath) {
        return maxLeaseTtls.getOrDefault(routePath, VaultEmulator.SYSTEM_MAX_TTL);
    }

    /**
     * Enables a mount, or returns the one of that type already there; a mount of another type there, or one above or
     * below it, is an error (Vault does not nest mounts).
     */
    Mount enable(String routePath, String type, Map<String, String> options) {
        String path = routePath.replaceAll("^/+|/+$", "") + "/";
        Mount existing = mounts.get(path);
        if (existing != null && existing.type().equals(type)) {
            return existing;
        }
        for (Mount mount : mounts.values()) {
            if (mount.routePath().startsWith(path) || path.startsWith(mount.routePath())) {
                throw new IllegalStateException("path is already in use at " + mount.routePath()); // Vault's text
            }
        }
        String hex = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        String accessor = (path.startsWith("auth/") ? "auth_" + type : type) + "_" + hex;
        Mount mount = new Mount(path, type, options, accessor, UUID.randomUUID().toString());
        mounts.put(path, mount);
        return mount;
    }

    /** The mount serving a path, by longest prefix (the path with a slash added counts too, as the router's). */
    Mount matching(String path) {
        Mount best = null;
        for (Mount mount : mounts.values()) {
            boolean serves = path.startsWith(mount.routePath()) || (path + "/").equals(mount.routePath());
            if (serves
                    && (best == null
                            || mount.routePath().length() > best.routePath().length())) {
                best = mount;
            }
        }
        return best;
    }

    /**
     * {@code GET sys/internal/ui/mounts/<path>}: the mount's entry. An unauthenticated path whose handler checks the
     * token itself: under no mount, or with policies granting nothing under the mount, 403 with the {@code
     * preflight capability check} text (the same for both, so that it cannot list mounts).
     */
    VaultReply describe(VaultCall call, String requested, VaultPolicies acl) {
        if (!call.read()) {
            return VaultReply.unsupportedOperation();
        }
        if (requested.isEmpty()) {
            return VaultReply.error(400, "path not set");
        }
        String path = requested.replaceFirst("^/", "");
        path = path.endsWith("/") ? path : path + "/";
        VaultReply preflight = VaultReply.error(
                403,
                "preflight capability check returned 403, please ensure client's policies grant access to path \""
                        + path + "\"");
        Mount mount = matching(path);
        if (mount == null) {
            return preflight;
        }
        if (!call.tokenSent()) {
            return VaultReply.noToken();
        }
        if (call.caller() == null) {
            return VaultReply.invalidToken();
        }
        if (!call.caller().policies.isEmpty() && !acl.hasMountAccess(call.caller().policies, mount.path())) {
            return preflight;
        }
        ObjectNode data = VaultReply.NODES.objectNode();
        data.put("accessor", mount.accessor());
        ObjectNode config = data.putObject("config");
        config.put("default_lease_ttl", 0);
        config.put("force_no_cache", false);
        config.put(
                "max_lease_ttl",
                maxLeaseTtls.getOrDefault(mount.routePath(), Duration.ZERO).toSeconds());
        data.put("description", "");
        data.put("external_entropy_access", false);
        data.put("local", false);
        if (mount.options() == null) {
            data.putNull("options");
        } else {
            ObjectNode options = data.putObject("options");
            mount.options().forEach(options::put);
        }
        data.put("path", mount.path());
        data.put("plugin_version", "");
        data.put("running_plugin_version", "");
        data.put("running_sha256", "");
        data.put("seal_wrap", false);
        data.put("type", mount.type());
        data.put("uuid", mount.uuid());
        ObjectNode answer = VaultReply.envelope(data);
        answer.put("mount_type", "system");
        return VaultReply.json(200, answer);
    }
}
