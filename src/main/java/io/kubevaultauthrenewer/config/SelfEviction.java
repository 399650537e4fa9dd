package io.kubevaultauthrenewer.config;

import io.kubevaultauthrenewer.vault.VaultTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * EVICT_BEFORE_EXPIRY and what it needs: which pod to evict, and how to reach the API server as that pod.
 *
 * @param lead how long before the pod's secrets die the eviction may come (it comes within the first half of that)
 * @param podName POD_NAME, from the downward API
 * @param namespace POD_NAMESPACE, else the service account's {@code namespace} file
 * @param apiHost KUBERNETES_SERVICE_HOST
 * @param apiPort KUBERNETES_SERVICE_PORT_HTTPS (443 when unset)
 * @param serviceAccountDir where the service account's {@code token}, {@code ca.crt} and {@code namespace} are
 */
public record SelfEviction(
        Duration lead, String podName, String namespace, String apiHost, int apiPort, Path serviceAccountDir) {

    /** Where Kubernetes mounts the service account's files. */
    public static final String DEFAULT_SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

    public static final int DEFAULT_KUBERNETES_PORT = 443;
    public static final Duration MIN_LEAD = Duration.ofSeconds(1);
    public static final Duration MAX_LEAD = Duration.ofDays(7);

    /** A pod name: a DNS subdomain (RFC 1123), at most 253 characters. */
    private static final String DNS_SUBDOMAIN =
            "(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
    /** A namespace name: a DNS label (RFC 1123), at most 63 characters. */
    private static final String DNS_LABEL = "(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?";

    /**
     * EVICT_BEFORE_EXPIRY, and everything it needs from the pod: its name, its namespace, the API server and the
     * service account's token and CA. Outside Kubernetes (no service account, no POD_NAME) it is a problem, not a
     * setting quietly ignored.
     *
     * @return the eviction, or null when EVICT_BEFORE_EXPIRY is unset (or a problem was found)
     */
    static SelfEviction read(SettingsReader r) {
        Optional<String> raw = r.value(Setting.EVICT_BEFORE_EXPIRY);
        if (raw.isEmpty()) {
            return null;
        }
        int before = r.problemCount();
        Duration lead = null;
        try {
            lead = Durations.parse(raw.get());
            if (lead.compareTo(MIN_LEAD) < 0 || lead.compareTo(MAX_LEAD) > 0) {
                r.problem("EVICT_BEFORE_EXPIRY=" + raw.get() + " must be at least 1s and at most 7 days"
                        + " (e.g. 15m: longer than a new pod needs to become ready)");
            }
        } catch (IllegalArgumentException e) {
            r.problem("EVICT_BEFORE_EXPIRY=" + raw.get() + " " + e.getMessage());
        }
        String pod = r.value(Setting.POD_NAME).orElse(null);
        if (pod == null) {
            r.problem("EVICT_BEFORE_EXPIRY needs POD_NAME, the pod's own name (env POD_NAME valueFrom fieldRef"
                    + " metadata.name): unset EVICT_BEFORE_EXPIRY outside Kubernetes");
        } else if (!pod.matches(DNS_SUBDOMAIN)) {
            r.problem("POD_NAME=" + pod + " is not a pod name (lower-case letters, digits, '-' and '.')");
        }
        Path dir = serviceAccountDir(r);
        Path token = dir.resolve("token");
        if (!Files.isReadable(token)) {
            r.problem("EVICT_BEFORE_EXPIRY needs the pod's service-account token, and " + token + " "
                    + (Files.exists(token) ? "cannot be read" : "does not exist")
                    + " (outside Kubernetes, or automountServiceAccountToken: false)");
        } else {
            VaultTls ca = new VaultTls(dir.resolve("ca.crt"), null, null, null, false, null);
            for (String problem : ca.problems()) {
                r.problem("EVICT_BEFORE_EXPIRY needs the API server's CA: " + problem.replace("VAULT_CACERT=", ""));
            }
        }
        String namespace = r.value(Setting.POD_NAMESPACE).orElse(null);
        if (namespace == null) {
            try {
                namespace = Files.readString(dir.resolve("namespace")).strip();
            } catch (IOException e) {
                r.problem("EVICT_BEFORE_EXPIRY needs POD_NAMESPACE (env valueFrom fieldRef metadata.namespace)" + " or "
                        + dir.resolve("namespace"));
            }
        }
        if (namespace != null && !namespace.matches(DNS_LABEL)) {
            r.problem("POD_NAMESPACE=" + namespace + " is not a namespace name (a DNS label)");
        }
        String host = r.value(Setting.KUBERNETES_SERVICE_HOST).orElse(null);
        if (host == null) {
            r.problem("EVICT_BEFORE_EXPIRY needs KUBERNETES_SERVICE_HOST, which Kubernetes sets in every"
                    + " container: unset EVICT_BEFORE_EXPIRY outside Kubernetes");
        } else if (!host.matches("[A-Za-z0-9.:-]+")) {
            r.problem("KUBERNETES_SERVICE_HOST=" + host + " is not a host name or IP address");
        }
        int port =
                r.whole(Setting.KUBERNETES_SERVICE_PORT_HTTPS, DEFAULT_KUBERNETES_PORT, 1, SettingsReader.MAX_PORT, "");
        return r.problemCount() > before ? null : new SelfEviction(lead, pod, namespace, host, port, dir);
    }

    /** RENEWER_SERVICE_ACCOUNT_DIR, else where Kubernetes mounts the service account: the init's login reads it too. */
    public static Path serviceAccountDir(SettingsReader r) {
        Path dir = r.path(Setting.RENEWER_SERVICE_ACCOUNT_DIR);
        return dir != null ? dir : Path.of(DEFAULT_SERVICE_ACCOUNT_DIR);
    }

    /** The projected service-account token (the kubelet rewrites it before it expires: read it at every call). */
    public Path tokenFile() {
        return serviceAccountDir.resolve("token");
    }

    /** The CA of the API server. */
    public Path caFile() {
        return serviceAccountDir.resolve("ca.crt");
    }

    /** The API server's host and port as a URL authority ({@code [::1]:443} for an IPv6 address). */
    public String apiAuthority() {
        return (apiHost.contains(":") ? "[" + apiHost + "]" : apiHost) + ":" + apiPort;
    }

    /** The pod's eviction subresource, as a path. */
    public String evictionPath() {
        return "/api/v1/namespaces/" + namespace + "/pods/" + podName + "/eviction";
    }
}
