package io.kubevaultauthrenewer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
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
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * The Kubernetes API server's pod-eviction subresource, for tests, answering as its eviction handler does:
 * HTTPS only, with a certificate from a {@link TestPki} CA; bearer tokens it issued and rotates; the pods it knows;
 * {@code POST /api/v1/namespaces/{ns}/pods/{name}/eviction} answered with the server's {@code Status} objects and
 * status codes; refusals programmed for the next calls; and a log of every request.
 *
 * <p>It listens on 127.0.0.1 only. TestPki's server certificate names {@code localhost} and {@code vault.test}, not
 * the IP, so {@link #address()} says {@code https://localhost:<port>} (localhost resolves to 127.0.0.1 here), and a
 * client verifies the host name as it must.
 *
 * <p>Tokens: {@link #rotateToken()} invalidates the old token at once (the strict case: a client that caches the
 * token fails); {@link #rotateToken(Duration)} keeps it valid for a while on the emulator's clock, as a kubelet's
 * projected token stays valid until its own expiry. Either way the token files written by {@link #writeTokenFile}
 * are rewritten with the new one.
 *
 * <p>Status bodies leave out empty fields ({@code message}, {@code reason}, {@code details}), as the server's
 * {@code omitempty} does.
 */
public final class KubernetesApiEmulator implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Pattern EVICTION = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/eviction");
    private static final String ISSUER = "https://kubernetes.default.svc.cluster.local";

    private final HttpsServer server;
    private final ExecutorService executor;
    private final TestPki pki;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Issued> tokens = new LinkedHashMap<>();
    private final Set<Path> tokenFiles = new LinkedHashSet<>();
    private final Set<PodRef> pods = new HashSet<>();
    private final Deque<Refusal> refusals = new ArrayDeque<>();
    private final List<Eviction> evictions = new CopyOnWriteArrayList<>();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private String namespace = "default";
    private String serviceAccount = "default";
    private String currentToken;

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
     * {@code token} (kept up to date on rotation), {@code ca.crt} and {@code namespace}.
     */
    public synchronized void writeServiceAccountDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
            writeCaCertificate(dir.resolve("ca.crt"));
            Files.writeString(dir.resolve("namespace"), namespace);
            writeTokenFile(dir.resolve("token"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The identity of the tokens issued from now on (the 403 message names it); "default"/"default" at first. */
    public synchronized void serviceAccount(String namespace, String name) {
        this.namespace = namespace;
        this.serviceAccount = name;
    }

    /** A new valid token, JWT-shaped, for the current service account; it becomes the current token. */
    public synchronized String issueToken() {
        Instant now = clock.instant();
        ObjectNode header = NODES.objectNode().put("alg", "RS256").put("kid", "kubernetes-api-emulator");
        ObjectNode payload = NODES.objectNode();
        payload.putArray("aud").add(ISSUER);
        payload.put("exp", now.plus(Duration.ofHours(1)).getEpochSecond());
        payload.put("iat", now.getEpochSecond());
        payload.put("iss", ISSUER);
        payload.put("jti", BASE64URL.encodeToString(bytes(16)));
        ObjectNode kubernetes = payload.putObject("kubernetes.io");
        kubernetes.put("namespace", namespace);
        kubernetes.putObject("serviceaccount").put("name", serviceAccount);
        payload.put("sub", user(namespace, serviceAccount));
        String token = encode(header) + "." + encode(payload) + "." + BASE64URL.encodeToString(bytes(256));
        tokens.put(token, new Issued(user(namespace, serviceAccount), namespace, serviceAccount));
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

    /** Issues a new token, rewrites the token files; the old one stays valid for {@code overlap} on the clock. */
    public synchronized String rotateToken(Duration overlap) {
        String old = currentToken;
        String fresh = issueToken();
        if (old != null) {
            tokens.get(old).validUntil = clock.instant().plus(overlap);
        }
        tokenFiles.forEach(this::writeToken);
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

    private boolean accepts(String token) {
        Issued issued = token == null ? null : tokens.get(token);
        return issued != null && (issued.validUntil == null || clock.instant().isBefore(issued.validUntil));
    }

    private static final class Issued {
        final String user;
        final String namespace;
        final String serviceAccount;
        Instant validUntil; // null: valid

        Issued(String user, String namespace, String serviceAccount) {
            this.user = user;
            this.namespace = namespace;
            this.serviceAccount = serviceAccount;
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Pods and refusals
    // ----------------------------------------------------------------------------------------------

    private record PodRef(String namespace, String name) {}

    public synchronized void addPod(String namespace, String name) {
        pods.add(new PodRef(namespace, name));
    }

    /** True while the pod exists (added, not evicted). */
    public synchronized boolean hasPod(String namespace, String name) {
        return pods.contains(new PodRef(namespace, name));
    }

    /**
     * How the server refuses an eviction. They are taken in order, each at the point where the server would decide
     * it: {@link Drop} when the request arrives, {@link Forbidden} once the token is accepted (authorization), the
     * budget ones once the body is valid and the pod exists (a refusal waits at the head of the queue until a request
     * gets there).
     */
    public sealed interface Refusal {
        /** 429: the budget allows no disruption now; {@code retryAfterSeconds} 0 for no Retry-After (stale: 10). */
        record DisruptionBudget(String budget, int retryAfterSeconds) implements Refusal {}

        /** 403: RBAC does not let the caller create pods/eviction. */
        record Forbidden() implements Refusal {}

        /** Several budgets match the pod: a Failure Status with code 500, sent under this HTTP status line. */
        record SeveralBudgets(int httpStatus) implements Refusal {}

        /** The connection closes without an answer; nothing is evicted. */
        record Drop() implements Refusal {}

        static Refusal disruptionBudget(String budget) {
            return new DisruptionBudget(budget, 0);
        }

        static Refusal staleDisruptionBudget(String budget, int retryAfterSeconds) {
            return new DisruptionBudget(budget, retryAfterSeconds);
        }

        static Refusal forbidden() {
            return new Forbidden();
        }

        /** Under a 201 status line: the case inferred from the server's code. */
        static Refusal severalBudgets() {
            return new SeveralBudgets(201);
        }

        static Refusal severalBudgetsAsHttp500() {
            return new SeveralBudgets(500);
        }

        static Refusal drop() {
            return new Drop();
        }
    }

    /** The next {@code count} evictions reaching the refusal's point get it. */
    public synchronized void refuseNext(int count, Refusal refusal) {
        for (int i = 0; i < count; i++) {
            refusals.add(refusal);
        }
    }

    public synchronized void clearRefusals() {
        refusals.clear();
    }

    private Refusal take(Class<? extends Refusal> kind) {
        Refusal head = refusals.peek();
        return kind.isInstance(head) ? refusals.poll() : null;
    }

    // ----------------------------------------------------------------------------------------------
    // Requests seen
    // ----------------------------------------------------------------------------------------------

    /** An eviction the server carried out (dry runs excluded). */
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
            String auth = header("authorization");
            return auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
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

    /** A Status and the HTTP status line it goes under; null for no answer at all. */
    private record Answer(int httpStatus, ObjectNode body, Map<String, String> headers) {
        Answer(ObjectNode body) {
            this(body.get("code").asInt(), body, Map.of());
        }
    }

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
            byte[] bytes = answer.body().toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache, private");
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
        if (eviction.matches() && take(Refusal.Drop.class) != null) {
            return null;
        }
        String auth = headers.get("authorization");
        String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
        if (!accepts(token)) {
            return new Answer(failure(401, "Unauthorized", "Unauthorized", null));
        }
        if (!eviction.matches()) {
            return new Answer(failure(404, "the server could not find the requested resource", "NotFound", details()));
        }
        if (!method.equals("POST")) {
            return new Answer(failure(
                    405,
                    "the server does not allow this method on the requested resource",
                    "MethodNotAllowed",
                    details()));
        }
        String ns = eviction.group(1);
        String name = eviction.group(2);
        if (take(Refusal.Forbidden.class) != null) {
            Issued caller = tokens.get(token);
            String message = String.format(
                    "pods \"%s\" is forbidden: User \"%s\" cannot create resource \"pods/eviction\" in API group \"\""
                            + " in the namespace \"%s\"",
                    name, caller.user, ns);
            return new Answer(failure(
                    403, message, "Forbidden", details().put("name", name).put("kind", "pods")));
        }
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
        if (!name.equals(metadata.path("name").asText(""))) {
            return badRequest("name in URL does not match name in Eviction object");
        }
        String bodyNamespace = metadata.path("namespace").asText("");
        if (!bodyNamespace.isEmpty() && !bodyNamespace.equals(ns)) {
            return badRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
        PodRef pod = new PodRef(ns, name);
        if (!pods.contains(pod)) {
            return new Answer(failure(
                    404,
                    "pods \"" + name + "\" not found",
                    "NotFound",
                    details().put("name", name).put("kind", "pods")));
        }
        Refusal refusal = take(Refusal.DisruptionBudget.class);
        if (refusal == null) {
            refusal = take(Refusal.SeveralBudgets.class);
        }
        if (refusal instanceof Refusal.DisruptionBudget budget) {
            ObjectNode details = details();
            if (budget.retryAfterSeconds() > 0) {
                details.put("retryAfterSeconds", budget.retryAfterSeconds());
            }
            details.putArray("causes")
                    .addObject()
                    .put("reason", "DisruptionBudget")
                    .put(
                            "message",
                            "The disruption budget " + budget.budget() + " needs 1 healthy pods and has 1 currently");
            ObjectNode status = failure(
                    429,
                    "Cannot evict pod as it would violate the pod's disruption budget.",
                    "TooManyRequests",
                    details);
            Map<String, String> retry = budget.retryAfterSeconds() > 0
                    ? Map.of("Retry-After", String.valueOf(budget.retryAfterSeconds()))
                    : Map.of();
            return new Answer(429, status, retry);
        }
        if (refusal instanceof Refusal.SeveralBudgets several) {
            ObjectNode status = failure(
                    500,
                    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
                    null,
                    null);
            return new Answer(several.httpStatus(), status, Map.of());
        }
        if (!dryRun) {
            pods.remove(pod);
            JsonNode grace = json.path("deleteOptions").path("gracePeriodSeconds");
            evictions.add(new Eviction(clock.instant(), ns, name, grace.isNumber() ? grace.asLong() : null));
        }
        ObjectNode success = status("Success", 201, null, null, null);
        return new Answer(success);
    }

    private static Answer badRequest(String message) {
        return new Answer(failure(400, message, "BadRequest", null));
    }

    private static ObjectNode details() {
        return NODES.objectNode();
    }

    private static ObjectNode failure(int code, String message, String reason, ObjectNode details) {
        return status("Failure", code, message, reason, details);
    }

    /** A {@code Status} as the server writes it: fields in its order, empty ones left out. */
    private static ObjectNode status(String outcome, int code, String message, String reason, ObjectNode details) {
        ObjectNode status = NODES.objectNode();
        status.put("kind", "Status");
        status.put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", outcome);
        if (message != null) {
            status.put("message", message);
        }
        if (reason != null) {
            status.put("reason", reason);
        }
        if (details != null) {
            status.set("details", details);
        }
        status.put("code", code);
        return status;
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
