package io.kubevaultauthrenewer.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultMounts.Mount;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The secret engines of the emulator: KV version 1 ({@code builtin/logical/kv}'s passthrough backend) and version 2
 * ({@code vault-plugin-secrets-kv}), read-only over HTTP, their secrets put by the test; and a database engine whose
 * every {@code creds/<role>} read creates a credential and a lease owned by the reading token
 * ({@code builtin/logical/database/path_creds_create.go}). The ACL has been checked before a call gets here.
 */
final class VaultSecretEngines {

    private record Version(Map<String, String> data, Instant created) {}

    private record DatabaseRole(Duration ttl, Duration maxTtl) {}

    private final VaultEmulator vault;
    private final VaultMounts mounts;
    /** KV secrets by full path without {@code data/} (e.g. {@code secret/my-app/db}); a v1 secret has one version. */
    private final Map<String, List<Version>> secrets = new LinkedHashMap<>();

    private final Map<String, DatabaseRole> databaseRoles = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> credentials = new LinkedHashMap<>();

    VaultSecretEngines(VaultEmulator vault, VaultMounts mounts) {
        this.vault = vault;
        this.mounts = mounts;
    }

    void enableKv(String mount, int version) {
        if (version != 1 && version != 2) {
            throw new IllegalArgumentException("KV version 1 or 2, not " + version);
        }
        mounts.enable(mount, "kv", Map.of("version", Integer.toString(version)));
    }

    /** Puts a secret at its full path (mount included); on a v2 mount it becomes the next version. */
    void putSecret(String path, Map<String, String> data) {
        String clean = path.replaceAll("^/+|/+$", "");
        Mount mount = mounts.matching(clean);
        if (mount == null || !mount.type().equals("kv")) {
            throw new IllegalArgumentException("no KV mount serves " + path);
        }
        List<Version> versions = secrets.computeIfAbsent(clean, p -> new ArrayList<>());
        if (kvVersion(mount) == 1) {
            versions.clear();
        }
        versions.add(new Version(Map.copyOf(data), vault.now()));
    }

    void enableDatabase(String mount, String role, Duration ttl, Duration maxTtl) {
        Mount database = mounts.enable(mount, "database", null);
        databaseRoles.put(database.routePath() + role, new DatabaseRole(ttl, maxTtl));
    }

    Map<String, String> credentials(String leaseId) {
        return credentials.get(leaseId);
    }

    /** A call to a path under a secret engine's mount. */
    VaultReply handle(VaultCall call, Mount mount) {
        String rest = mount.rest(call.path());
        return switch (mount.type()) {
            case "kv" -> kvVersion(mount) == 1 ? kvOne(call, mount, rest) : kvTwo(call, mount, rest);
            case "database" -> database(call, mount, rest);
            default -> VaultReply.unsupportedPath();
        };
    }

    private static int kvVersion(Mount mount) {
        return mount.options().get("version").equals("1") ? 1 : 2;
    }

    /** KV v1 read: the map, with KV's refresh interval as lease_duration and no lease; nothing there is 404. */
    private VaultReply kvOne(VaultCall call, Mount mount, String rest) {
        if (!call.read()) {
            return VaultReply.unsupportedOperation(); // lists and writes over HTTP: not modelled
        }
        List<Version> versions = secrets.get(mount.routePath() + rest);
        if (versions == null || versions.isEmpty()) {
            return VaultReply.error(404);
        }
        ObjectNode answer =
                VaultReply.envelope(map(versions.get(versions.size() - 1).data()));
        answer.put("lease_duration", VaultReply.DEFAULT_LEASE_TTL_SECONDS);
        answer.put("mount_type", "kv");
        return VaultReply.json(200, answer);
    }

    private VaultReply kvTwo(VaultCall call, Mount mount, String rest) {
        if (rest.startsWith("data/")) {
            return call.read()
                    ? kvTwoRead(call, mount, rest.substring("data/".length()))
                    : VaultReply.unsupportedOperation(); // writes, patches, deletes over HTTP: not modelled
        }
        if (rest.startsWith("metadata/")
                || rest.startsWith("delete/")
                || rest.startsWith("undelete/")
                || rest.startsWith("destroy/")
                || rest.startsWith("subkeys/")
                || rest.equals("config")) {
            return VaultReply.unsupportedPath(); // real paths, not modelled
        }
        ObjectNode answer = VaultReply.envelope(null);
        if (List.of("metadata", "data", "delete", "undelete", "destroy").contains(rest) && !call.list()) {
            answer.putArray("warnings").add("Non-listing operations on the root of a K/V v2 mount are not supported.");
        } else {
            String command = call.list()
                    ? "list"
                    : switch (call.method()) {
                        case "GET" -> "get";
                        case "DELETE" -> "delete";
                        case "PATCH" -> "patch";
                        default -> "put";
                    };
            answer.putArray("warnings")
                    .add("Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API"
                            + " endpoints to use. If using the Vault CLI, use 'vault kv " + command
                            + "' for this operation.");
        }
        return VaultReply.json(404, answer);
    }

    /** KV v2 read of {@code data/<key>}: the version asked ({@code ?version=}, latest when absent or 0). */
    private VaultReply kvTwoRead(VaultCall call, Mount mount, String key) {
        List<Version> versions = secrets.get(mount.routePath() + key);
        if (versions == null || versions.isEmpty()) {
            return VaultReply.error(404);
        }
        int number = versions.size();
        String asked = call.query().get("version");
        if (asked != null && !asked.equals("0")) {
            try {
                number = Integer.parseInt(asked);
            } catch (NumberFormatException e) {
                return VaultReply.error(400, "invalid version: " + asked); // not Vault's text; not modelled
            }
            if (number < 1 || number > versions.size()) {
                return VaultReply.error(404);
            }
        }
        Version version = versions.get(number - 1);
        ObjectNode data = VaultReply.NODES.objectNode();
        data.set("data", map(version.data()));
        ObjectNode metadata = data.putObject("metadata");
        metadata.put("created_time", version.created().toString());
        metadata.putNull("custom_metadata");
        metadata.put("deletion_time", "");
        metadata.put("destroyed", false);
        metadata.put("version", number);
        ObjectNode answer = VaultReply.envelope(data);
        answer.put("mount_type", "kv");
        return VaultReply.json(200, answer);
    }

    /**
     * {@code GET <mount>/creds/<role>}: a new username and password, and a new renewable lease owned by the reading
     * token (issued in the request's namespace, its id then carrying the namespace's suffix).
     */
    private VaultReply database(VaultCall call, Mount mount, String rest) {
        if (!rest.startsWith("creds/") || rest.indexOf('/', "creds/".length()) >= 0) {
            return VaultReply.unsupportedPath(); // config, roles, static-creds: not modelled
        }
        if (!call.read()) {
            return VaultReply.unsupportedOperation();
        }
        String roleName = rest.substring("creds/".length());
        DatabaseRole role = databaseRoles.get(mount.routePath() + roleName);
        if (role == null) {
            return VaultReply.error(400, "unknown role: " + roleName);
        }
        Token owner = call.caller();
        String namespace = call.namespace() == null || call.namespace().isEmpty() ? null : call.namespace();
        String id = mount.routePath() + rest + "/" + vault.randomString(24)
                + (namespace == null ? "" : "." + vault.namespaceId(namespace));
        Lease lease = vault.addLease(id, owner, role.ttl(), role.maxTtl(), true, namespace);
        String display = owner.displayName == null ? "token" : owner.displayName;
        String username = truncate(
                "v-" + truncate(display, 8) + "-" + truncate(roleName, 8) + "-" + vault.randomString(20) + "-"
                        + vault.now().getEpochSecond(),
                63);
        String password = vault.randomString(20) + VaultEmulator.DATABASE_PASSWORD_SUFFIX;
        credentials.put(lease.id, Map.of("username", username, "password", password));
        ObjectNode data = VaultReply.NODES.objectNode();
        data.put("password", password);
        data.put("username", username);
        ObjectNode answer = VaultReply.envelope(data);
        answer.put("lease_id", lease.id);
        answer.put("renewable", true);
        answer.put(
                "lease_duration", Duration.between(lease.issued, lease.expires).toSeconds());
        answer.put("mount_type", "database");
        return VaultReply.json(200, answer);
    }

    private static ObjectNode map(Map<String, String> data) {
        ObjectNode node = VaultReply.NODES.objectNode();
        data.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> node.put(e.getKey(), e.getValue()));
        return node;
    }

    private static String truncate(String s, int length) {
        return s.length() <= length ? s : s.substring(0, length);
    }
}
