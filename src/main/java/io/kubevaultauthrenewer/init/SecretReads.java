package io.kubevaultauthrenewer.init;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubevaultauthrenewer.config.Durations;
import io.kubevaultauthrenewer.config.LeaseIds;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.apache.camel.Variable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The secrets' route steps: each path once (so that a username and a password come from one lease), the KV version
 * detected as Vault's CLI does ({@code sys/internal/ui/mounts/<path>}: a version 2 mount is read at
 * {@code <mount>/data/<rest>}, its map in {@code data.data}), every SECRET_* of the path taken from the one answer,
 * and each non-empty lease id kept once. The values are kept here, in memory, until the file is written: they come
 * from the HTTP client ({@link SecretAnswers}), which leaves only their fields' names in the answer Camel reads.
 */
public final class SecretReads {

    private static final Logger LOG = LoggerFactory.getLogger(SecretReads.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InitSettings settings;
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Set<String> leaseIds = new LinkedHashSet<>();
    /** The reads awaited at the HTTP client (read path to SECRET_* path), then each one's fields as answered. */
    private final Map<String, String> awaited = new ConcurrentHashMap<>();

    private final Map<String, Map<String, String>> answered = new ConcurrentHashMap<>();

    public SecretReads(InitSettings settings) {
        this.settings = settings;
    }

    /** Route step: the paths to read, each once. */
    public List<String> paths() {
        return settings.paths();
    }

    /** Route step: the variables reading this path, for the log lines and a failure's. */
    public String variables(@Body String path) {
        return String.join(
                ", ", refs(path).stream().map(InitSettings.SecretRef::variable).toList());
    }

    /**
     * Route step: where to read the path, from the mounts answer: {@code <mount>data/<rest>} on a KV version 2
     * mount, the path itself otherwise (or when the answer says nothing: the read then tells what is wrong). Its answer
     * is then awaited at the HTTP client.
     */
    public String readPath(
            @Variable("path") String path, @Header("CamelHttpResponseCode") Integer status, @Body String mounts) {
        String readPath = kvPath(path, status, mounts);
        awaited.put(readPath, path);
        return readPath;
    }

    private static String kvPath(String path, Integer status, String mounts) {
        if (status == null || status != 200 || mounts == null) {
            return path;
        }
        try {
            JsonNode data = JSON.readTree(mounts).path("data");
            String mount = data.path("path").asText("");
            boolean v2 = "kv".equals(data.path("type").asText())
                    && "2".equals(data.path("options").path("version").asText());
            if (v2 && !mount.isEmpty() && path.startsWith(mount) && !path.startsWith(mount + "data/")) {
                return mount + "data/" + path.substring(mount.length());
            }
        } catch (IOException e) {
            // not JSON: read the path as given
        }
        return path;
    }

    /** Whether the read of this path (as called: a version 2 mount's {@code data/} path) is awaited. */
    boolean awaits(String readPath) {
        return awaited.containsKey(readPath);
    }

    /**
     * At the HTTP client: an awaited read's answer. Keeps every field of its map ({@code data}, or {@code data.data}
     * on a KV version 2 mount) and leaves {@value io.kubevaultauthrenewer.vault.VaultHttpHeaders#REDACTED} in each.
     */
    void answered(String readPath, JsonNode answer) {
        JsonNode data = map(answer, !readPath.equals(awaited.get(readPath)));
        Map<String, String> fields = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        data.fieldNames().forEachRemaining(names::add);
        names.forEach(name -> AnswerRewrite.take(data, name, value -> fields.put(name, value)));
        answered.put(readPath, fields);
    }

    private static JsonNode map(JsonNode answer, boolean v2) {
        return v2 ? answer.path("data").path("data") : answer.path("data");
    }

    /**
     * Route step: one path's answer (its values already taken out at the HTTP client); takes the field of each
     * SECRET_* that names it from what was kept, and its lease id.
     */
    public void read(@Variable("path") String path, @Variable("readPath") String readPath, @Body String answer)
            throws IOException {
        JsonNode root = JSON.readTree(answer);
        boolean v2 = !readPath.equals(path);
        JsonNode data = map(root, v2);
        Map<String, String> kept = answered.remove(readPath);
        awaited.remove(readPath);
        if (kept == null) {
            throw new InitProblem(path + ": the answer did not come through the HTTP client that keeps its values");
        }
        List<String> names = new ArrayList<>();
        for (InitSettings.SecretRef ref : refs(path)) {
            JsonNode value = data.get(ref.field());
            if (value == null || value.isNull()) {
                List<String> fields = new ArrayList<>();
                data.fieldNames().forEachRemaining(fields::add);
                throw new InitProblem(ref.variable() + ": " + path + " has no field '" + ref.field() + "'"
                        + (fields.isEmpty()
                                ? " (it holds no fields)"
                                : " (its fields: " + String.join(", ", fields) + ")"));
            }
            values.put(ref.name(), kept.get(ref.field()));
            names.add(ref.variable());
        }
        String leaseId = root.path("lease_id").asText("");
        Optional<String> badLeaseId = LeaseIds.problem(leaseId);
        if (badLeaseId.isPresent()) {
            throw new InitProblem(path + ": the lease_id Vault answered " + badLeaseId.get()
                    + ": refused, it would forge a line of the log and of the variables file");
        }
        if (!leaseId.isEmpty()) {
            leaseIds.add(leaseId);
        }
        LOG.info(
                "Read {} from {}{}",
                String.join(", ", names),
                path,
                leaseId.isEmpty()
                        ? (v2
                                ? " (KV version 2, version "
                                        + root.path("data")
                                                .path("metadata")
                                                .path("version")
                                                .asText("?") + ")"
                                : "")
                        : ": lease " + leaseId + " (ttl "
                                + Durations.format(root.path("lease_duration").asLong())
                                + (root.path("renewable").asBoolean() ? ", renewable)" : ", not renewable)"));
    }

    /** The values read, by exported name, in the order of the SECRET_* variables. */
    Map<String, String> values() {
        Map<String, String> ordered = new LinkedHashMap<>();
        for (InitSettings.SecretRef ref : settings.secrets()) {
            if (values.containsKey(ref.name())) {
                ordered.put(ref.name(), values.get(ref.name()));
            }
        }
        return ordered;
    }

    /** Each non-empty lease id once, in the order read. */
    List<String> leaseIds() {
        return List.copyOf(leaseIds);
    }

    private List<InitSettings.SecretRef> refs(String path) {
        return settings.secrets().stream().filter(r -> r.path().equals(path)).toList();
    }

    @Override
    public String toString() {
        return "SecretReads[" + values.size() + " value(s), leases " + leaseIds + "]";
    }
}
