package io.kubevaultauthrenewer.emulator;

import static io.kubevaultauthrenewer.emulator.KubernetesApiAnswers.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.kubevaultauthrenewer.emulator.KubernetesApiAnswers.Answer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * The Kubernetes API server's pod-eviction subresource, for tests, answering as kube-apiserver 1.36.3 does (see the
 * API-server section of {@code docs/vault-fidelity.md}): HTTPS only, with a certificate from a {@link TestPki} CA;
 * service-account tokens it issued, rotates and may bind to a pod; the pods it knows, with uids, phases and
 * deletions; PodDisruptionBudgets; {@code POST /api/v1/namespaces/{ns}/pods/{name}/eviction} answered with the
 * server's {@code Status} objects, status lines and headers; refusals programmed for the next calls; and a log of
 * every request.
 *
 * <p>It listens on 127.0.0.1 only. TestPki's server certificate names {@code localhost} and {@code vault.test}, not
 * the IP, so {@link #address()} says {@code https://localhost:<port>} (localhost resolves to 127.0.0.1 here), and a
 * client verifies the host name as it must.
 *
 * <p>A request goes through the steps of the server's handler chain in its order
 * ({@code staging/src/k8s.io/apiserver/pkg/server/config.go} {@code DefaultBuildHandlerChain}, then
 * {@code endpoints/handlers/create.go} {@code createHandler}, then {@code pkg/registry/core/pod/storage/eviction.go}
 * {@code EvictionREST.Create}): the shutdown filters; authentication (401); API priority and fairness (429);
 * authorization (403); decoding (400); mutating admission (a terminating namespace, 403); the name check (400);
 * validating admission (a ValidatingAdmissionPolicy, a webhook); the pod lookup (404); a pod that is terminating,
 * Pending, Succeeded or Failed deleted without a budget check (201); the budgets (429, 403, 409, 500); the graceful
 * delete (201). A request that would fail two steps gets the first one's answer.
 *
 * <p>Tokens: {@link #rotateToken()} invalidates the old token at once (the strict case: a client that caches the
 * token fails); {@link #rotateToken(Duration)} keeps it valid for a while on the emulator's clock, as a kubelet's
 * projected token stays valid until its own expiry. Either way the token files and service-account directories are
 * rewritten with the new one, the directories as the kubelet rewrites a projected volume ({@link ProjectedVolume}).
 * A token bound to a pod ({@link #issueTokenBoundTo}) stops authenticating once that pod is gone or replaced
 * ({@code pkg/serviceaccount/claims.go}).
 *
 * <p>No kubelet runs here: an accepted eviction starts a graceful deletion (the pod is terminating until its
 * deletionTimestamp), and the pod object goes only with {@link #deletePod}, the kubelet's final delete.
 */
public final class KubernetesApiEmulator implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Pattern EVICTION = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/eviction");
    private static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
    private static final String ANONYMOUS = "system:anonymous";

    /** go-jose {@code jwt.DefaultLeeway}, which claims.go uses for expiry and for a bound object's deletion. */
    static final Duration LEEWAY = Duration.ofMinutes(1);

    /** A pod's terminationGracePeriodSeconds when its spec does not say (the API's default). */
    static final long DEFAULT_GRACE_SECONDS = 30;

    private final HttpsServer server;
    private final ExecutorService executor;
    private final TestPki pki;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Issued> tokens = new LinkedHashMap<>();
    private final Set<Path> tokenFiles = new LinkedHashSet<>();
    private final Map<Path, ProjectedVolume> serviceAccountVolumes = new LinkedHashMap<>();
    private final Map<PodRef, Pod> pods = new LinkedHashMap<>();
    private final List<PodDisruptionBudget> budgets = new ArrayList<>();
    private final Deque<Refusal> refusals = new ArrayDeque<>();
    private final List<Eviction> evictions = new CopyOnWriteArrayList<>();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private String namespace = "default";
    private String serviceAccount = "default";
    private String serviceAccountUid = UUID.randomUUID().toString();
    private String currentToken;
    private boolean anonymousAuth = true;
    private OwnPodPolicy ownPodPolicy;

    private KubernetesApiEmulator(TestPki pki, Clock clock) throws IOException {
        this.pki = pki;
        this.clock = clock;
        SSLContext tls = pki.serverContext();
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters parameters) {
                parameters.setSSLParameters(tls.getDefaultSSLParameters());
            }
        });
        server.createContext("/", this::handle);
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "kubernetes-api-emulator");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
    }

    /** Starts on a free port of 127.0.0.1, with the server certificate of {@code pki} and the system clock. */
    public static KubernetesApiEmulator start(TestPki pki) {
        return start(pki, Clock.systemUTC());
    }

    /** The clock decides when a rotated token stops being valid, and stamps the request log. */
    public static KubernetesApiEmulator start(TestPki pki, Clock clock) {
        try {
            return new KubernetesApiEmulator(pki, clock);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the Kubernetes API emulator", e);
        }
    }

    /** {@code https://localhost:<port>}: the name the server certificate holds (see the class comment). */
    public String address() {
        return "https://" + host() + ":" + port();
    }

    /** What to give as KUBERNETES_SERVICE_HOST. */
    public String host() {
        return "localhost";
    }

    /** What to give as KUBERNETES_SERVICE_PORT(_HTTPS). */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ----------------------------------------------------------------------------------------------
    // Trust and service account
    // ----------------------------------------------------------------------------------------------

    /** The test CA's certificate, PEM: what a pod finds as its service account's {@code ca.crt}. */
    public String caCertificatePem() {
        try {
            return Files.readString(pki.caPem);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void writeCaCertificate(Path file) {
        try {
            Files.copy(pki.caPem, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A service-account directory as a pod sees it under {@code /var/run/secrets/kubernetes.io/serviceaccount}:
     * {@code token}, {@code ca.crt} and {@code namespace}, written as the kubelet writes a projected volume
     * ({@link ProjectedVolume}) and rewritten so at each rotation.
     */
    public synchronized void writeServiceAccountDirectory(Path dir) {
        currentToken();
        ProjectedVolume volume = serviceAccountVolumes.computeIfAbsent(dir, d -> new ProjectedVolume(d, clock));
        String podNamespace = namespace;
        volume.write(Map.of(
                "token", currentToken.getBytes(StandardCharsets.UTF_8),
                "ca.crt", caCertificatePem().getBytes(StandardCharsets.UTF_8),
                "namespace", podNamespace.getBytes(StandardCharsets.UTF_8)));
    }

    /** The identity of the tokens issued from now on (the 403 message names it); "default"/"default" at first. */
    public synchronized void serviceAccount(String namespace, String name) {
        this.namespace = namespace;
        this.serviceAccount = name;
        this.serviceAccountUid = UUID.randomUUID().toString();
    }

    /**
     * With false, a request without a bearer token gets 401 (kube-apiserver's {@code --anonymous-auth=false});
     * by default it is the user {@code system:anonymous}, whom RBAC does not let evict (403).
     */
    public synchronized void anonymousAuth(boolean enabled) {
        this.anonymousAuth = enabled;
    }

    /**
     * A new valid token, JWT-shaped, for the current service account, bound to no pod (as {@code kubectl create
     * token} without {@code --bound-object-kind}); it becomes the current token. Valid an hour.
     */
    public synchronized String issueToken() {
        return issue(null);
    }

    /**
     * A token bound to a pod of the current service account's namespace, as the kubelet's projected token is: its
     * claims carry the pod's name and uid ({@code pkg/serviceaccount/claims.go} {@code Claims}), and it stops
     * authenticating once that pod is gone, replaced by one with another uid, or deleted (deletionTimestamp) more
     * than a minute ago. It becomes the current token; rotations keep the binding.
     */
    public synchronized String issueTokenBoundTo(String namespace, String podName) {
        if (!namespace.equals(this.namespace)) {
            throw new IllegalArgumentException("a pod-bound token names a pod of its service account's namespace "
                    + this.namespace + ", not " + namespace);
        }
        Pod pod = pods.get(new PodRef(namespace, podName));
        if (pod == null) {
            throw new IllegalArgumentException("no pod " + namespace + "/" + podName + " to bind a token to");
        }
        return issue(new PodRef(namespace, podName).withUid(pod.uid));
    }

    private String issue(BoundPod boundTo) {
        Instant now = clock.instant();
        Instant expiry = now.plus(Duration.ofHours(1));
        ObjectNode header = NODES.objectNode().put("alg", "RS256").put("kid", "kubernetes-api-emulator");
        ObjectNode payload = NODES.objectNode();
        payload.putArray("aud").add(ISSUER);
        payload.put("exp", expiry.getEpochSecond());
        payload.put("iat", now.getEpochSecond());
        payload.put("iss", ISSUER);
        payload.put("jti", UUID.randomUUID().toString());
        ObjectNode kubernetes = payload.putObject("kubernetes.io");
        kubernetes.put("namespace", namespace);
        if (boundTo != null) {
            kubernetes.putObject("pod").put("name", boundTo.name()).put("uid", boundTo.uid());
        }
        kubernetes.putObject("serviceaccount").put("name", serviceAccount).put("uid", serviceAccountUid);
        payload.put("nbf", now.getEpochSecond());
        payload.put("sub", user(namespace, serviceAccount));
        String token = encode(header) + "." + encode(payload) + "." + BASE64URL.encodeToString(bytes(256));
        tokens.put(token, new Issued(user(namespace, serviceAccount), namespace, boundTo, expiry));
        currentToken = token;
        return token;
    }

    /** The token issued last (one is issued if none was). */
    public synchronized String currentToken() {
        return currentToken == null ? issueToken() : currentToken;
    }

    /** Issues a new token, rewrites the token files, and makes the old token invalid at once. */
    public synchronized String rotateToken() {
        return rotateToken(Duration.ZERO);
    }

    /**
     * Issues a new token (bound to the same pod as the current one, if it is), rewrites the token files and the
     * service-account directories; the old one stays valid for {@code overlap} on the clock.
     */
    public synchronized String rotateToken(Duration overlap) {
        String old = currentToken;
        BoundPod binding = old == null ? null : tokens.get(old).boundTo;
        String fresh = issue(binding);
        if (old != null) {
            tokens.get(old).validUntil = clock.instant().plus(overlap);
        }
        tokenFiles.forEach(this::writeToken);
        List.copyOf(serviceAccountVolumes.keySet()).forEach(this::writeServiceAccountDirectory);
        return fresh;
    }

    /** This token is no longer accepted. */
    public synchronized void revokeToken(String token) {
        Issued issued = tokens.get(token);
        if (issued != null) {
            issued.validUntil = Instant.MIN;
        }
    }

    /** Writes the current token to {@code file}, and again there at each rotation (replaced atomically). */
    public synchronized void writeTokenFile(Path file) {
        currentToken();
        tokenFiles.add(file);
        writeToken(file);
    }

    private void writeToken(Path file) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, currentToken);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The token's issue, or null when it does not authenticate: unknown, revoked or past its rotation overlap,
     * expired (claims.go: past {@code exp} plus the leeway), or bound to a pod that is gone, has another uid, or was
     * deleted more than the leeway ago (claims.go {@code Validate}: "service account token has been invalidated").
     */
    private Issued authenticate(String token) {
        Issued issued = token == null ? null : tokens.get(token);
        Instant now = clock.instant();
        if (issued == null
                || (issued.validUntil != null && !now.isBefore(issued.validUntil))
                || !now.isBefore(issued.expiry.plus(LEEWAY))) {
            return null;
        }
        if (issued.boundTo != null) {
            Pod pod = pods.get(new PodRef(issued.namespace, issued.boundTo.name()));
            if (pod == null
                    || !pod.uid.equals(issued.boundTo.uid())
                    || (pod.deletionTimestamp != null && pod.deletionTimestamp.isBefore(now.minus(LEEWAY)))) {
                return null;
            }
        }
        return issued;
    }

    private record BoundPod(String name, String uid) {}

    private static final class Issued {
        final String user;
        final String namespace;
        final BoundPod boundTo; // null: not bound to a pod
        final Instant expiry;
        Instant validUntil; // null: not revoked

        Issued(String user, String namespace, BoundPod boundTo, Instant expiry) {
            this.user = user;
            this.namespace = namespace;
            this.boundTo = boundTo;
            this.expiry = expiry;
        }

        /** The user's extra {@code authentication.kubernetes.io/pod-name}, or null. */
        String podName() {
            return boundTo == null ? null : boundTo.name();
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Pods and budgets
    // ----------------------------------------------------------------------------------------------

    private record PodRef(String namespace, String name) {
        BoundPod withUid(String uid) {
            return new BoundPod(name, uid);
        }
    }

    private static final class Pod {
        final String uid = UUID.randomUUID().toString();
        String phase = "Running";
        boolean ready = true;
        long terminationGracePeriodSeconds = DEFAULT_GRACE_SECONDS;
        Instant deletionTimestamp; // null: not being deleted
    }

    /** A Running, Ready pod with a new uid (a pod of that name that was there is replaced); returns the uid. */
    public synchronized String addPod(String namespace, String name) {
        Pod pod = new Pod();
        pods.put(new PodRef(namespace, name), pod);
        return pod.uid;
    }

    /** True while the pod exists and its deletion has not begun (not evicted, not terminating). */
    public synchronized boolean hasPod(String namespace, String name) {
        Pod pod = pods.get(new PodRef(namespace, name));
        return pod != null && pod.deletionTimestamp == null;
    }

    /** True while the pod object exists, terminating or not. */
    public synchronized boolean podExists(String namespace, String name) {
        return pods.containsKey(new PodRef(namespace, name));
    }

    /** The pod's uid, or null when there is none. */
    public synchronized String podUid(String namespace, String name) {
        Pod pod = pods.get(new PodRef(namespace, name));
        return pod == null ? null : pod.uid;
    }

    /** When the pod's graceful deletion ends (its deletionTimestamp), or null when it is not being deleted. */
    public synchronized Instant deletionTimestamp(String namespace, String name) {
        Pod pod = pods.get(new PodRef(namespace, name));
        return pod == null ? null : pod.deletionTimestamp;
    }

    /** status.phase: Running (the default), Pending, Succeeded or Failed. */
    public synchronized void podPhase(String namespace, String name, String phase) {
        pod(namespace, name).phase = phase;
    }

    /** The pod's Ready condition (true by default). */
    public synchronized void podReady(String namespace, String name, boolean ready) {
        pod(namespace, name).ready = ready;
    }

    /** spec.terminationGracePeriodSeconds (30 by default). */
    public synchronized void terminationGracePeriod(String namespace, String name, long seconds) {
        pod(namespace, name).terminationGracePeriodSeconds = seconds;
    }

    /** Someone else deleted the pod gracefully: it is terminating until now + its grace period. */
    public synchronized void markTerminating(String namespace, String name) {
        Pod pod = pod(namespace, name);
        pod.deletionTimestamp = clock.instant().plusSeconds(pod.terminationGracePeriodSeconds);
    }

    /** The pod object is gone (the kubelet's final delete after the containers stopped, or a force delete). */
    public synchronized void deletePod(String namespace, String name) {
        pods.remove(new PodRef(namespace, name));
    }

    private Pod pod(String namespace, String name) {
        Pod pod = pods.get(new PodRef(namespace, name));
        if (pod == null) {
            throw new IllegalArgumentException("no pod " + namespace + "/" + name);
        }
        return pod;
    }

    /** A PodDisruptionBudget in that namespace; tell it the pods it selects and its status. */
    public synchronized PodDisruptionBudget addDisruptionBudget(String namespace, String name) {
        PodDisruptionBudget budget = new PodDisruptionBudget(namespace, name);
        budgets.add(budget);
        return budget;
    }

    public synchronized void removeDisruptionBudget(PodDisruptionBudget budget) {
        budgets.remove(budget);
    }

    /**
     * A ValidatingAdmissionPolicy and its binding like the project's {@code manifests/components/evict-own-pod-only}:
     * an eviction by the service account {@code serviceAccountName} (of the request's namespace) must name the pod
     * its token is bound to, else 403 with the policy's message (its validation's reason is Forbidden).
     */
    public synchronized void requireOwnPod(String policy, String binding, String serviceAccountName, String message) {
        this.ownPodPolicy = new OwnPodPolicy(policy, binding, serviceAccountName, message);
    }

    private record OwnPodPolicy(String policy, String binding, String serviceAccount, String message) {}

    // ----------------------------------------------------------------------------------------------
    // Refusals
    // ----------------------------------------------------------------------------------------------

    /**
     * How the server refuses an eviction. They are taken in order, each at the step of the handler chain where the
     * server decides it (see the class comment); a refusal waits at the head of the queue until a request gets to
     * its step.
     */
    public sealed interface Refusal {
        /**
         * At the budget: 429 Cannot evict pod as it would violate the pod's disruption budget, with a
         * DisruptionBudget cause. {@code retryAfterSeconds} 0: the budget allows no disruption (no Retry-After,
         * {@code checkAndDecrement}); above 0: its status is not observed yet (the server says 10,
         * {@code createTooManyRequestsError}).
         */
        record DisruptionBudget(String budget, int retryAfterSeconds) implements Refusal {}

        /** At authorization: 403, RBAC does not let the caller create pods/eviction. */
        record Forbidden() implements Refusal {}

        /** At the budget: several budgets match the pod: a Failure Status with code 500, under this status line. */
        record SeveralBudgets(int httpStatus) implements Refusal {}

        /** On arrival: the connection closes without an answer; nothing is evicted. */
        record Drop() implements Refusal {}

        /** After authentication: API Priority and Fairness rejects the request (429, text/plain, Retry-After). */
        record PriorityAndFairness(int retryAfterSeconds) implements Refusal {}

        /**
         * On arrival, the server shutting down: with {@code --shutdown-send-retry-after} a 429 in text/plain
         * ({@code filters/with_retry_after.go}); without it, once the server stops taking requests, a 503 Status
         * ({@code filters/waitgroup.go}).
         */
        record ShuttingDown(boolean sendRetryAfter) implements Refusal {}

        /** At the budget: the budget's status update still conflicted after the server's 20 tries (409). */
        record Conflict(String budget) implements Refusal {}

        /**
         * The request ran out of its time in the REST handler (504): before the storage did anything, or after it
         * carried the eviction out.
         */
        record Timeout(boolean afterTheEviction) implements Refusal {}

        /** At validating admission: a webhook denies the request with this code (below 400: 400) and message. */
        record AdmissionWebhook(String webhook, int code, String message) implements Refusal {}

        /**
         * At validating admission: a ValidatingAdmissionPolicy's validation fails; {@code reason} is the validation's
         * (Forbidden: 403, Invalid, the default when it sets none: 422).
         */
        record AdmissionPolicy(String policy, String binding, String message, String reason) implements Refusal {}

        /** At mutating admission (NamespaceLifecycle): the namespace is terminating (403). */
        record NamespaceTerminating() implements Refusal {}

        static Refusal disruptionBudget(String budget) {
            return new DisruptionBudget(budget, 0);
        }

        static Refusal staleDisruptionBudget(String budget, int retryAfterSeconds) {
            return new DisruptionBudget(budget, retryAfterSeconds);
        }

        static Refusal forbidden() {
            return new Forbidden();
        }

        /**
         * Under a 201 status line. NOT what kube-apiserver sends: its finisher turns the Failure into an error, HTTP
         * 500 ({@link #severalBudgetsAsHttp500()}); kept for the renewer's defence against a Failure under a 2xx.
         */
        static Refusal severalBudgets() {
            return new SeveralBudgets(201);
        }

        /** What kube-apiserver sends (a budget selecting the pod twice over gives the same answer). */
        static Refusal severalBudgetsAsHttp500() {
            return new SeveralBudgets(500);
        }

        static Refusal drop() {
            return new Drop();
        }

        static Refusal priorityAndFairness(int retryAfterSeconds) {
            return new PriorityAndFairness(retryAfterSeconds);
        }

        static Refusal shuttingDown() {
            return new ShuttingDown(true);
        }

        static Refusal shuttingDownWithoutRetryAfterFlag() {
            return new ShuttingDown(false);
        }

        static Refusal conflict(String budget) {
            return new Conflict(budget);
        }

        static Refusal timeout() {
            return new Timeout(false);
        }

        static Refusal timeoutAfterTheEviction() {
            return new Timeout(true);
        }

        static Refusal admissionWebhook(String webhook, int code, String message) {
            return new AdmissionWebhook(webhook, code, message);
        }

        /** With the reason the project's own-pod policy gives its validation: Forbidden, 403. */
        static Refusal admissionPolicy(String policy, String binding, String message) {
            return new AdmissionPolicy(policy, binding, message, "Forbidden");
        }

        static Refusal admissionPolicy(String policy, String binding, String message, String reason) {
            return new AdmissionPolicy(policy, binding, message, reason);
        }

        static Refusal namespaceTerminating() {
            return new NamespaceTerminating();
        }
    }

    /** The steps of the handler chain where refusals are taken, in the order a request meets them. */
    private enum Step {
        ARRIVAL,
        AUTHENTICATED,
        AUTHORIZATION,
        REST_HANDLER,
        MUTATING_ADMISSION,
        VALIDATING_ADMISSION,
        BUDGET,
        DELETED
    }

    private static Step step(Refusal refusal) {
        if (refusal instanceof Refusal.Drop || refusal instanceof Refusal.ShuttingDown) {
            return Step.ARRIVAL;
        } else if (refusal instanceof Refusal.PriorityAndFairness) {
            return Step.AUTHENTICATED;
        } else if (refusal instanceof Refusal.Forbidden) {
            return Step.AUTHORIZATION;
        } else if (refusal instanceof Refusal.Timeout timeout) {
            return timeout.afterTheEviction() ? Step.DELETED : Step.REST_HANDLER;
        } else if (refusal instanceof Refusal.NamespaceTerminating) {
            return Step.MUTATING_ADMISSION;
        } else if (refusal instanceof Refusal.AdmissionWebhook || refusal instanceof Refusal.AdmissionPolicy) {
            return Step.VALIDATING_ADMISSION;
        }
        return Step.BUDGET;
    }

    /** The next {@code count} evictions reaching the refusal's step get it. */
    public synchronized void refuseNext(int count, Refusal refusal) {
        for (int i = 0; i < count; i++) {
            refusals.add(refusal);
        }
    }

    public synchronized void clearRefusals() {
        refusals.clear();
    }

    private Refusal take(Step step) {
        Refusal head = refusals.peek();
        return head != null && step(head) == step ? refusals.poll() : null;
    }

    // ----------------------------------------------------------------------------------------------
    // Requests seen
    // ----------------------------------------------------------------------------------------------

    /** An eviction that started the pod's deletion (dry runs and evictions of a terminating pod excluded). */
    public record Eviction(Instant at, String namespace, String name, Long gracePeriodSeconds) {}

    /**
     * One request as received, and the HTTP status answered (0: dropped, no answer).
     *
     * @param query the raw query, or null
     * @param headers header names in lower case
     */
    public record RecordedRequest(
            Instant at,
            String method,
            String path,
            String query,
            Map<String, String> headers,
            String body,
            int status) {

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** The bearer token this request carried, or null. */
        public String bearerToken() {
            return bearer(header("authorization"));
        }

        /** Without the token: test reports are read by people too. */
        @Override
        public String toString() {
            Map<String, String> shown = new LinkedHashMap<>(headers);
            shown.computeIfPresent("authorization", (k, v) -> v.startsWith("Bearer ") ? "Bearer ****" : "****");
            return method + " " + path + (query == null ? "" : "?" + query) + " -> " + status + " " + body + " (at "
                    + at + ", headers " + shown + ")";
        }
    }

    public List<RecordedRequest> requests() {
        return Collections.unmodifiableList(requests);
    }

    /** The eviction requests, whatever their answer. */
    public List<RecordedRequest> evictionRequests() {
        return requests.stream()
                .filter(r -> EVICTION.matcher(r.path()).matches())
                .toList();
    }

    /** The evictions carried out, in order. */
    public List<Eviction> evictions() {
        return Collections.unmodifiableList(evictions);
    }

    /** The bearer token of each request, in order (null where none was sent). */
    public List<String> tokensUsed() {
        return requests.stream().map(RecordedRequest::bearerToken).toList();
    }

    public void clearRequests() {
        requests.clear();
    }

    // ----------------------------------------------------------------------------------------------
    // HTTP
    // ----------------------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        try {
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders()
                    .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getRawQuery();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Answer answer = answer(method, path, query, headers, body);
            requests.add(new RecordedRequest(
                    clock.instant(), method, path, query, headers, body, answer == null ? 0 : answer.httpStatus()));
            if (answer == null) {
                return; // closing without a status line: the client sees the connection end
            }
            byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
            answer.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            exchange.sendResponseHeaders(answer.httpStatus(), bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } finally {
            exchange.close();
        }
    }

    private synchronized Answer answer(
            String method, String path, String query, Map<String, String> headers, String body) {
        Matcher eviction = EVICTION.matcher(path);
        boolean evicting = eviction.matches();
        // the filters outside authentication: WithRetryAfter (shutdown, 429) and WithWaitGroup (shutdown, 503)
        Refusal arriving = evicting ? take(Step.ARRIVAL) : null;
        if (arriving instanceof Refusal.Drop) {
            return null;
        }
        if (arriving instanceof Refusal.ShuttingDown shutdown) {
            return shuttingDown(shutdown.sendRetryAfter());
        }
        // filters/authentication.go WithAuthentication: a bearer token that does not authenticate is 401 (never
        // anonymous: union.NewFailOnError); no bearer token is system:anonymous unless --anonymous-auth=false
        String token = bearer(headers.get("authorization"));
        Issued caller = authenticate(token);
        if (caller == null && (token != null || !anonymousAuth)) {
            return json(KubernetesApiAnswers.failure(401, "Unauthorized", "Unauthorized", null));
        }
        String user = caller == null ? ANONYMOUS : caller.user;
        if (evicting && take(Step.AUTHENTICATED) instanceof Refusal.PriorityAndFairness apf) {
            return priorityAndFairness(apf.retryAfterSeconds());
        }
        if (!evicting) {
            return json(KubernetesApiAnswers.failure(
                    404, "the server could not find the requested resource", "NotFound", NODES.objectNode()));
        }
        if (!method.equals("POST")) {
            return json(KubernetesApiAnswers.failure(
                    405,
                    "the server does not allow this method on the requested resource",
                    "MethodNotAllowed",
                    NODES.objectNode()));
        }
        String ns = eviction.group(1);
        String name = eviction.group(2);
        // filters/authorization.go WithAuthorization: RBAC grants system:anonymous nothing here
        if (user.equals(ANONYMOUS) || take(Step.AUTHORIZATION) != null) {
            return json(rbacForbidden(user, ns, name));
        }
        return create(ns, name, query, body, caller, user);
    }

    /** handlers/create.go {@code createHandler}, then eviction.go {@code EvictionREST.Create}. */
    private Answer create(String ns, String name, String query, String body, Issued caller, String user) {
        boolean dryRun = false;
        for (String param : query == null ? new String[0] : query.split("&")) {
            if (param.startsWith("dryRun=")) {
                if (!param.equals("dryRun=All")) {
                    return badRequest("Invalid dryRun value: " + param.substring(7));
                }
                dryRun = true;
            }
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            return badRequest("the object provided is unrecognized (must be of type Eviction): couldn't get"
                    + " version/kind; json parse error: " + "invalid character looking for beginning of value");
        }
        if (json == null || !json.isObject()) {
            return badRequest("the object provided is unrecognized (must be of type Eviction)");
        }
        String kind = json.path("kind").asText("");
        String apiVersion = json.path("apiVersion").asText("");
        if (!kind.equals("Eviction") || !(apiVersion.equals("policy/v1") || apiVersion.equals("policy/v1beta1"))) {
            return badRequest(String.format(
                    "the object provided is unrecognized (must be of type Eviction): %s, Kind=%s", apiVersion, kind));
        }
        JsonNode metadata = json.path("metadata");
        String bodyNamespace = metadata.path("namespace").asText("");
        if (!bodyNamespace.isEmpty() && !bodyNamespace.equals(ns)) {
            // rest.EnsureObjectNamespaceMatchesRequestNamespace, before the request reaches the storage
            return badRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
        // finisher.FinishRequest runs mutating admission and the storage within the request's deadline
        if (take(Step.REST_HANDLER) != null) {
            return deadlineExceeded();
        }
        // mutating admission: NamespaceLifecycle.Admit (plugin/namespace/lifecycle/admission.go)
        if (take(Step.MUTATING_ADMISSION) != null) {
            return json(namespaceTerminating(ns, name));
        }
        if (!name.equals(metadata.path("name").asText(""))) {
            return badRequest("name in URL does not match name in Eviction object");
        }
        // eviction.go Create: createValidation, the validating admission, comes before the pod lookup
        Answer denied = validatingAdmission(caller, user, ns, name);
        if (denied != null) {
            return denied;
        }
        PodRef ref = new PodRef(ns, name);
        Pod pod = pods.get(ref);
        if (pod == null) {
            return json(KubernetesApiAnswers.notFound("pods", "", name));
        }
        JsonNode grace = json.path("deleteOptions").path("gracePeriodSeconds");
        Long requestedGrace = grace.isNumber() ? grace.asLong() : null;
        // eviction.go canIgnorePDB: a terminating, Pending, Succeeded or Failed pod is deleted without a budget check
        boolean canIgnoreBudgets = pod.deletionTimestamp != null
                || List.of("Pending", "Succeeded", "Failed").contains(pod.phase);
        if (!canIgnoreBudgets) {
            Answer refused = budgets(ns, name, pod, dryRun);
            if (refused != null) {
                return refused;
            }
        }
        if (!dryRun) {
            delete(ref, pod, requestedGrace);
        }
        if (take(Step.DELETED) != null) {
            return deadlineExceeded();
        }
        // create.go: a Status without a code gets 201 Created
        return json(201, KubernetesApiAnswers.success(201));
    }

    /** eviction.go {@code Create}'s budget part, for a pod that cannot skip it. */
    private Answer budgets(String ns, String name, Pod pod, boolean dryRun) {
        Refusal refusal = take(Step.BUDGET);
        if (refusal instanceof Refusal.DisruptionBudget budget) {
            return json(
                    budget.retryAfterSeconds() > 0
                            ? PodDisruptionBudget.stillBeingProcessed(budget.budget(), budget.retryAfterSeconds())
                            : PodDisruptionBudget.violates(budget.budget(), 1, 1));
        }
        if (refusal instanceof Refusal.SeveralBudgets several) {
            return json(several.httpStatus(), severalBudgets());
        }
        if (refusal instanceof Refusal.Conflict conflict) {
            // the last Conflict of retry.RetryOnConflict (client-go util/retry OnError returns it, not a timeout):
            // the generic store's Update, registry/generic/registry/store.go OptimisticLockErrorMsg
            return json(KubernetesApiAnswers.conflict(
                    "poddisruptionbudgets",
                    "policy",
                    conflict.budget(),
                    "the object has been modified; please apply your changes to the latest version and try again"));
        }
        List<PodDisruptionBudget> matching =
                budgets.stream().filter(b -> b.selects(ns, name)).toList();
        if (matching.size() > 1) {
            // a Failure Status returned as the result; finisher.go result.Return makes it an error: HTTP 500
            return json(severalBudgets());
        }
        if (matching.size() == 1) {
            PodDisruptionBudget budget = matching.get(0);
            if (pod.ready || !budget.letsAnUnreadyPodGo()) {
                ObjectNode refused = budget.checkAndDecrement(name, dryRun, clock.instant());
                if (refused != null) {
                    return json(refused);
                }
            }
        }
        return null;
    }

    /**
     * The graceful delete: pod strategy.go {@code CheckGracefulDelete} (the request's grace period, else the pod's;
     * 0 for a pod not scheduled, taken here as Pending, or one Succeeded or Failed: gone at once) and
     * rest/delete.go {@code BeforeDelete} (a pod already terminating only has its deletion moved sooner).
     */
    private void delete(PodRef ref, Pod pod, Long requestedGrace) {
        Instant now = clock.instant();
        long grace = requestedGrace != null ? requestedGrace : pod.terminationGracePeriodSeconds;
        if (List.of("Pending", "Succeeded", "Failed").contains(pod.phase)) {
            grace = 0;
        }
        if (grace < 0) {
            grace = 1;
        }
        if (pod.deletionTimestamp != null) {
            Instant sooner = now.plusSeconds(grace);
            if (sooner.isBefore(pod.deletionTimestamp)) {
                pod.deletionTimestamp = sooner;
            }
            return;
        }
        evictions.add(new Eviction(now, ref.namespace(), ref.name(), requestedGrace));
        if (grace == 0) {
            pods.remove(ref);
        } else {
            pod.deletionTimestamp = now.plusSeconds(grace);
        }
    }

    /**
     * Validating admission, in the plugins' order: ValidatingAdmissionPolicy (the own-pod policy if set, then a
     * programmed denial), then ValidatingAdmissionWebhook.
     */
    private Answer validatingAdmission(Issued caller, String user, String ns, String name) {
        OwnPodPolicy own = ownPodPolicy;
        if (own != null
                && user.equals(user(ns, own.serviceAccount()))
                && (caller == null || !name.equals(caller.podName()))) {
            return json(admissionPolicyDenial(own.policy(), own.binding(), own.message(), "Forbidden", name));
        }
        Refusal refusal = take(Step.VALIDATING_ADMISSION);
        if (refusal instanceof Refusal.AdmissionPolicy policy) {
            return json(
                    admissionPolicyDenial(policy.policy(), policy.binding(), policy.message(), policy.reason(), name));
        }
        if (refusal instanceof Refusal.AdmissionWebhook webhook) {
            // admission/plugin/webhook/errors/statuserror.go ToStatusErr: the webhook's own Status, its code raised
            // to 400 at least, its message prefixed
            String message = webhook.message().isEmpty()
                    ? "admission webhook \"" + webhook.webhook() + "\" denied the request without explanation"
                    : "admission webhook \"" + webhook.webhook() + "\" denied the request: " + webhook.message();
            return json(KubernetesApiAnswers.failure(Math.max(400, webhook.code()), message, null, null));
        }
        return null;
    }

    /**
     * admission/plugin/policy/validating/dispatcher.go {@code Dispatch}: admission.NewForbidden's message, then the
     * validation's reason (Invalid when it sets none) and its code ({@code reasonToCode}: Forbidden 403,
     * Unauthorized 401, RequestEntityTooLarge 413, else 422), and the denial as a cause.
     */
    private static ObjectNode admissionPolicyDenial(
            String policy, String binding, String message, String reason, String pod) {
        String denial =
                "ValidatingAdmissionPolicy '" + policy + "' with binding '" + binding + "' denied request: " + message;
        ObjectNode status = KubernetesApiAnswers.forbidden("pods", "", pod, denial);
        String effective = reason == null || reason.isEmpty() ? "Invalid" : reason;
        status.put("reason", effective);
        status.put(
                "code",
                switch (effective) {
                    case "Forbidden" -> 403;
                    case "Unauthorized" -> 401;
                    case "RequestEntityTooLarge" -> 413;
                    default -> 422;
                });
        KubernetesApiAnswers.withCause((ObjectNode) status.get("details"), null, denial, null);
        return status;
    }

    /** plugin/namespace/lifecycle/admission.go {@code Admit}: a create in a terminating namespace. */
    private static ObjectNode namespaceTerminating(String ns, String pod) {
        ObjectNode status = KubernetesApiAnswers.forbidden(
                "pods", "", pod, "unable to create new content in namespace " + ns + " because it is being terminated");
        KubernetesApiAnswers.withCause(
                (ObjectNode) status.get("details"),
                "NamespaceTerminating",
                "namespace " + ns + " is being terminated",
                "metadata.namespace");
        return status;
    }

    /** responsewriters/errors.go {@code ForbiddenStatusError} with {@code forbiddenMessage}. */
    private static ObjectNode rbacForbidden(String user, String ns, String pod) {
        return KubernetesApiAnswers.forbidden(
                "pods",
                "",
                pod,
                String.format(
                        "User \"%s\" cannot create resource \"pods/eviction\" in API group \"\" in the namespace \"%s\"",
                        user, ns));
    }

    /** eviction.go {@code Create}: the Status it returns when several budgets select the pod. */
    private static ObjectNode severalBudgets() {
        return KubernetesApiAnswers.failure(
                500,
                "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
                null,
                null);
    }

    /**
     * finisher.go {@code finishRequest}: the storage did not answer before the deadline (create.go gives it 34 s):
     * 504 Timeout, no retryAfterSeconds, so no Retry-After.
     */
    private static Answer deadlineExceeded() {
        return json(KubernetesApiAnswers.timeout(
                "request did not complete within requested timeout - context deadline exceeded", 0));
    }

    /** server/filters/priority-and-fairness.go {@code tooManyRequests}, with {@code setResponseHeaders}' UIDs. */
    private static Answer priorityAndFairness(int retryAfterSeconds) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Cache-Control", "no-cache, private");
        headers.put("X-Kubernetes-Pf-Flowschema-Uid", UUID.randomUUID().toString());
        headers.put("X-Kubernetes-Pf-Prioritylevel-Uid", UUID.randomUUID().toString());
        headers.put("Retry-After", String.valueOf(retryAfterSeconds));
        return KubernetesApiAnswers.plainText(429, "Too many requests, please try again later.", headers);
    }

    /**
     * server/filters/with_retry_after.go {@code withRetryAfter} (outside WithCacheControl: no Cache-Control), or
     * server/filters/waitgroup.go {@code waitGroupWriteRetryAfterToResponse} (a JSON Status and a newline).
     */
    private static Answer shuttingDown(boolean sendRetryAfter) {
        if (sendRetryAfter) {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Connection", "close");
            headers.put("Retry-After", "5");
            return KubernetesApiAnswers.plainText(
                    429, "The apiserver is shutting down, please try again later.", headers);
        }
        Answer status = json(KubernetesApiAnswers.serviceUnavailable("apiserver is shutting down"));
        Map<String, String> headers = new LinkedHashMap<>(status.headers());
        headers.put("Retry-After", "1");
        headers.put("X-Content-Type-Options", "nosniff");
        return new Answer(503, status.body() + "\n", headers);
    }

    private static Answer badRequest(String message) {
        return json(KubernetesApiAnswers.badRequest(message));
    }

    /** bearertoken.go: the token of an {@code Authorization: Bearer} header, or null. */
    private static String bearer(String authorization) {
        return authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7) : null;
    }

    private static String user(String namespace, String serviceAccount) {
        return "system:serviceaccount:" + namespace + ":" + serviceAccount;
    }

    private static String encode(JsonNode node) {
        return BASE64URL.encodeToString(node.toString().getBytes(StandardCharsets.UTF_8));
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
