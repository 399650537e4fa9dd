package io.kubevaultauthrenewer.config;

import java.nio.file.Path;
import java.time.Duration;

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
