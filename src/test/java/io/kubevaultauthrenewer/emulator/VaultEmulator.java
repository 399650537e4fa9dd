package io.kubevaultauthrenewer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.kubevaultauthrenewer.config.Durations;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A Vault server for tests, answering the calls the renewer makes as Vault does (see the project's notes on Vault's
 * API): the same paths and methods, envelopes, status codes and error texts; TTLs on a real clock; renewals capped
 * at the max TTL with Vault's warning; a token's expiry or revocation revoking every lease it created; a sealed
 * state; injected faults; and a log of every request for assertions.
 */
public final class VaultEmulator implements AutoCloseable {

    /** Vault's system-wide max TTL (32 days), the cap of a token or lease without a max of its own. */
    public static final Duration SYSTEM_MAX_TTL = Duration.ofDays(32);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final HttpServer server;
    private final List<HttpServer> standbys = new CopyOnWriteArrayList<>();
    private final Clock clock;
    private final SSLContext tls;
    private final boolean clientCertificateRequired;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Token> tokens = new LinkedHashMap<>();
    private final Map<String, Lease> leases = new LinkedHashMap<>();
    private final List<Fault> faults = new ArrayList<>();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger arrivals = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger mostInFlight = new AtomicInteger();
    /** Requests being answered, and those of them whose node went away meanwhile (never answered nor applied). */
    private final Set<HttpExchange> answering = ConcurrentHashMap.newKeySet();

    private final Set<HttpExchange> cut = ConcurrentHashMap.newKeySet();
    private boolean sealed;

    private VaultEmulator(Clock clock, SSLContext tls, boolean clientCertificateRequired, int port) throws IOException {
        this.clock = clock;
        this.tls = tls;
        this.clientCertificateRequired = clientCertificateRequired;
        // answer headers and body in one segment, as a real server does (no Nagle wait per call)
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = listen(port, this::handle);
    }

    /** A loopback listener with this emulator's TLS (if any), answering with {@code handler}. */
    private HttpServer listen(int port, com.sun.net.httpserver.HttpHandler handler) throws IOException {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        HttpServer listener;
        if (tls == null) {
            listener = HttpServer.create(loopback, 50);
        } else {
            HttpsServer https = HttpsServer.create(loopback, 50);
            https.setHttpsConfigurator(new HttpsConfigurator(tls) {
                @Override
                public void configure(HttpsParameters parameters) {
                    SSLParameters ssl = tls.getDefaultSSLParameters();
                    ssl.setNeedClientAuth(clientCertificateRequired);
                    parameters.setSSLParameters(ssl);
                }
            });
            listener = https;
        }
        listener.createContext("/", exchange -> {
            int now = inFlight.incrementAndGet();
            mostInFlight.accumulateAndGet(now, Math::max);
            answering.add(exchange);
            try {
                handler.handle(exchange);
            } finally {
                answering.remove(exchange);
                cut.remove(exchange);
                inFlight.decrementAndGet();
            }
        });
        listener.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "vault-emulator");
            t.setDaemon(true);
            return t;
        }));
        listener.start();
        return listener;
    }

    /** Starts an emulator on a free loopback port, with the system clock. */
    public static VaultEmulator start() {
        return start(Clock.systemUTC());
    }

    public static VaultEmulator start(Clock clock) {
        return start(clock, null, false);
    }

    /** Starts an emulator on this loopback port: a Vault that comes up where a renewer already looks for it. */
    public static VaultEmulator startOnPort(Clock clock, int port) {
        try {
            return new VaultEmulator(clock, null, false, port);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the Vault emulator on port " + port, e);
        }
    }

    /**
     * Starts an emulator that speaks TLS with this context (its key and certificate, and the CAs it trusts for client
     * certificates).
     *
     * @param clientCertificateRequired true to refuse a client without a certificate
     */
    public static VaultEmulator start(Clock clock, SSLContext tls, boolean clientCertificateRequired) {
        try {
            return new VaultEmulator(clock, tls, clientCertificateRequired, 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the Vault emulator", e);
        }
    }

    /** The address to give as VAULT_ADDR. */
    public String address() {
        return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:"
                + server.getAddress().getPort();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        standbys.forEach(s -> s.stop(0));
        server.stop(0);
    }

    /**
     * A standby node of this Vault, with request forwarding off: it answers every request 307 with a
     * {@code Location} of the active node's address ({@code activeAddress}, e.g. this emulator's {@link #address()}
     * or the same port under another host name) and the request's path and query, and no body, as Vault's standby
     * does. Its requests are recorded with the others (their {@code Host} header names the node).
     */
    public Standby startStandby(String activeAddress) {
        Standby standby = new Standby(activeAddress);
        try {
            standby.listener = listen(0, standby::handle);
            standby.port = standby.listener.getAddress().getPort();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a standby node", e);
        }
        standbys.add(standby.listener);
        return standby;
    }

    /**
     * A standby node; {@link #promote()} makes it answer as the active node does (a failover), {@link
     * #redirectTo(String)} a standby again.
     */
    public final class Standby {
        private volatile String activeAddress; // null once promoted
        private volatile HttpServer listener;
        private int port;

        private Standby(String activeAddress) {
            redirectTo(activeAddress);
        }

        /** The address to give as VAULT_ADDR. */
        public String address() {
            return (listener instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + port();
        }

        public int port() {
            return port;
        }

        /** From now on this node answers requests itself. */
        public void promote() {
            activeAddress = null;
        }

        /**
         * The node goes away: the connections it holds are cut (a request being answered gets no answer) and new ones
         * are refused, until {@link #comeBack()}.
         */
        public void goDown() {
            HttpServer going = listener;
            for (HttpExchange exchange : answering) {
                if (exchange.getHttpContext().getServer() == going) {
                    cut.add(exchange);
                    exchange.close();
                }
            }
            going.stop(0);
            standbys.remove(going);
        }

        /** The node listens again on the same port. */
        public void comeBack() {
            try {
                listener = listen(port(), this::handle);
            } catch (IOException e) {
                throw new IllegalStateException("cannot listen again on port " + port(), e);
            }
            standbys.add(listener);
        }

        /** From now on this node redirects every request to the active node at this address. */
        public void redirectTo(String address) {
            activeAddress = address.replaceAll("/+$", "");
        }

        private void handle(HttpExchange exchange) throws IOException {
            String activeAddress = this.activeAddress;
            if (activeAddress == null) {
                VaultEmulator.this.handle(exchange);
                return;
            }
            Incoming in = Incoming.read(exchange);
            arrivals.incrementAndGet();
            String query = exchange.getRequestURI().getRawQuery();
            String location = activeAddress + in.path() + (query == null ? "" : "?" + query);
            requests.add(new RecordedRequest(now(), in.method(), in.path(), in.headers(), in.body(), 307));
            exchange.getResponseHeaders().set("Location", location);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(307, -1);
            exchange.close();
        }
    }

    // ----------------------------------------------------------------------------------------------
    // State, as a test sets it up and reads it back
    // ----------------------------------------------------------------------------------------------

    /** How a token is created: TTL, max TTL, renewable, periodic. */
    public record TokenSpec(Duration ttl, Duration explicitMaxTtl, boolean renewable, Duration period) {
        public static TokenSpec ttl(Duration ttl) {
            return new TokenSpec(ttl, Duration.ZERO, true, Duration.ZERO);
        }

        public TokenSpec maxTtl(Duration max) {
            return new TokenSpec(ttl, max, renewable, period);
        }

        public TokenSpec notRenewable() {
            return new TokenSpec(ttl, explicitMaxTtl, false, period);
        }

        public TokenSpec period(Duration p) {
            return new TokenSpec(p, explicitMaxTtl, renewable, p);
        }
    }

    /** A token as the emulator holds it; {@code id} is the secret. */
    public static final class Token {
        public final String id;
        public final String accessor;
        final TokenSpec spec;
        final Instant issued;
        Instant expires; // null: no TTL (root)
        Instant lastRenewal;
        int renewals;

        Token(String id, String accessor, TokenSpec spec, Instant issued) {
            this.id = id;
            this.accessor = accessor;
            this.spec = spec;
            this.issued = issued;
            Instant wanted = issued.plus(spec.ttl());
            this.expires = spec.ttl().isZero() ? null : wanted.isAfter(maxExpiry()) ? maxExpiry() : wanted;
        }

        Instant maxExpiry() {
            Duration max = spec.explicitMaxTtl().isZero() ? SYSTEM_MAX_TTL : spec.explicitMaxTtl();
            return issued.plus(max);
        }
    }

    /** A lease as the emulator holds it. */
    public static final class Lease {
        public final String id;
        final Token owner;
        final Duration ttl;
        final Duration maxTtl;
        final boolean renewable;
        final Instant issued;
        final String namespace;
        Instant expires;
        Instant lastRenewal;
        int renewals;

        Lease(String id, Token owner, Duration ttl, Duration maxTtl, boolean renewable, Instant issued, String ns) {
            this.id = id;
            this.owner = owner;
            this.ttl = ttl;
            this.maxTtl = maxTtl.isZero() ? SYSTEM_MAX_TTL : maxTtl;
            this.renewable = renewable;
            this.issued = issued;
            this.namespace = ns;
            Instant wanted = issued.plus(ttl);
            this.expires = wanted.isAfter(issued.plus(this.maxTtl)) ? issued.plus(this.maxTtl) : wanted;
        }
    }

    /** A token with a TTL, as a login would issue it. */
    public synchronized Token createToken(TokenSpec spec) {
        Token token = new Token("hvs." + randomString(90), randomString(24), spec, now());
        tokens.put(token.id, token);
        return token;
    }

    /** A root token: no TTL, not renewable. */
    public synchronized Token createRootToken() {
        return createToken(new TokenSpec(Duration.ZERO, Duration.ZERO, false, Duration.ZERO));
    }

    /** A dynamic secret's lease, created by {@code owner}, under a mount path such as {@code database/creds/app}. */
    public synchronized Lease createLease(Token owner, String path, Duration ttl, Duration maxTtl, boolean renewable) {
        return addLease(path + "/" + randomString(24), owner, ttl, maxTtl, renewable, null);
    }

    /** A lease with a chosen id (odd characters, namespaces). */
    public synchronized Lease addLease(
            String id, Token owner, Duration ttl, Duration maxTtl, boolean renewable, String namespace) {
        Lease lease = new Lease(id, owner, ttl, maxTtl, renewable, now(), namespace);
        leases.put(id, lease);
        return lease;
    }

    /** Revokes a token and every lease it created, as {@code vault token revoke} does. */
    public synchronized void revokeToken(Token token) {
        tokens.remove(token.id);
        leases.values().removeIf(l -> l.owner == token);
    }

    public synchronized void revokeLease(Lease lease) {
        leases.remove(lease.id);
    }

    public synchronized void seal() {
        sealed = true;
    }

    public synchronized void unseal() {
        sealed = false;
    }

    /** True while the lease exists and has not expired. */
    public synchronized boolean isAlive(Lease lease) {
        sweep();
        return leases.containsKey(lease.id);
    }

    public synchronized boolean isAlive(Token token) {
        sweep();
        return tokens.containsKey(token.id);
    }

    public synchronized int renewals(Lease lease) {
        return lease.renewals;
    }

    public synchronized int renewals(Token token) {
        return token.renewals;
    }

    /** When the lease expires, on Vault's clock, as its last grant set it. */
    public synchronized Instant expiry(Lease lease) {
        return lease.expires;
    }

    /** When the token expires, on Vault's clock; null for a token without a TTL. */
    public synchronized Instant expiry(Token token) {
        return token.expires;
    }

    /** When the lease was last renewed, on Vault's clock; null before its first renewal. */
    public synchronized Instant lastRenewal(Lease lease) {
        return lease.lastRenewal;
    }

    /** When the token was last renewed, on Vault's clock; null before its first renewal. */
    public synchronized Instant lastRenewal(Token token) {
        return token.lastRenewal;
    }

    /** Seconds left, as lookup would answer. */
    public synchronized long ttl(Lease lease) {
        return secondsLeft(lease.expires);
    }

    public synchronized long ttl(Token token) {
        return token.expires == null ? 0 : secondsLeft(token.expires);
    }

    // ----------------------------------------------------------------------------------------------
    // Faults
    // ----------------------------------------------------------------------------------------------

    /** What an injected fault does to a request it matches. */
    public sealed interface FaultAction {}

    /** Answers with this status and Vault's error envelope. */
    public record Status(int status, List<String> errors, Map<String, String> headers) implements FaultAction {}

    /** Answers 200 with this raw body (not JSON, the wrong shape, empty). */
    public record RawBody(int status, String contentType, String body) implements FaultAction {}

    /** Waits, then answers normally. */
    public record Delay(Duration delay) implements FaultAction {}

    /** Closes the connection without an answer. */
    public record Drop() implements FaultAction {}

    /** Answers normally (the request is applied), but the connection closes halfway through the answer's body. */
    public record CutShort() implements FaultAction {}

    /**
     * Runs an action when the request arrives (a test moves the clock, revokes a lease), then answers normally: what
     * Vault does to the request reflects what the action changed.
     */
    public record Before(Runnable action) implements FaultAction {}

    private static final class Fault {
        final Predicate<String> path;
        final FaultAction action;
        int remaining;

        Fault(Predicate<String> path, FaultAction action, int count) {
            this.path = path;
            this.action = action;
            this.remaining = count;
        }
    }

    /** The next {@code count} requests whose path contains {@code pathPart} ("" for any) get {@code action}. */
    public synchronized void inject(String pathPart, int count, FaultAction action) {
        faults.add(new Fault(p -> p.contains(pathPart), action, count));
    }

    public synchronized void clearFaults() {
        faults.clear();
    }

    // ----------------------------------------------------------------------------------------------
    // Requests seen
    // ----------------------------------------------------------------------------------------------

    /**
     * One request as the emulator received it, and the status it answered.
     *
     * @param headers header names in lower case
     */
    public record RecordedRequest(
            Instant at, String method, String path, Map<String, String> headers, String body, int status) {

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** Without the token: test reports are read by people too. */
        @Override
        public String toString() {
            return method + " " + path + " -> " + status + " " + redacted(body) + " (at " + at + ", token "
                    + (headers.containsKey("x-vault-token") ? "sent" : "absent") + ")";
        }

        /** The body with the {@code token} it names (auth/token/lookup's) masked. */
        private static String redacted(String body) {
            try {
                if (JSON.readTree(body) instanceof ObjectNode object && object.has("token")) {
                    return object.put("token", "****").toString();
                }
            } catch (IOException e) {
                // not JSON: it names no token field
            }
            return body;
        }

        /** The {@code lease_id} of a JSON body, or null. */
        public String leaseId() {
            try {
                JsonNode id = JSON.readTree(body).get("lease_id");
                return id == null ? null : id.asText();
            } catch (IOException e) {
                return null;
            }
        }
    }

    public List<RecordedRequest> requests() {
        return Collections.unmodifiableList(requests);
    }

    /** Requests to a path, e.g. {@code /v1/sys/leases/renew}. */
    public List<RecordedRequest> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** Requests received so far, including those not answered yet (a {@link Delay} in progress). */
    public int arrivals() {
        return arrivals.get();
    }

    /** The most requests that were being answered at the same time, on any node. */
    public int mostInFlight() {
        return mostInFlight.get();
    }

    public void clearRequests() {
        requests.clear();
    }

    // ----------------------------------------------------------------------------------------------
    // HTTP
    // ----------------------------------------------------------------------------------------------

    /** A request as read off the wire; header names in lower case. */
    private record Incoming(String method, String path, Map<String, String> headers, String body) {
        static Incoming read(HttpExchange exchange) throws IOException {
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders()
                    .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            return new Incoming(
                    exchange.getRequestMethod().toUpperCase(Locale.ROOT),
                    exchange.getRequestURI().getRawPath(),
                    headers,
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        Incoming in = Incoming.read(exchange);
        String method = in.method();
        String path = in.path();
        String body = in.body();
        Map<String, String> headers = in.headers();

        arrivals.incrementAndGet();
        FaultAction fault = takeFault(path);
        Answer answer;
        if (fault instanceof Drop) {
            requests.add(new RecordedRequest(now(), method, path, headers, body, 0));
            exchange.close(); // no status line: the client sees the connection end
            return;
        }
        if (fault instanceof Delay delay) {
            sleep(delay.delay());
            if (cut.contains(exchange)) {
                requests.add(new RecordedRequest(now(), method, path, headers, body, 0));
                return; // the node went away meanwhile: nothing applied, nothing answered
            }
        }
        if (fault instanceof Before before) {
            before.action().run();
        }
        if (fault instanceof Status s) {
            answer = new Answer(s.status(), errors(s.errors()), s.headers(), "application/json");
        } else if (fault instanceof RawBody raw) {
            answer = new Answer(raw.status(), raw.body(), Map.of(), raw.contentType());
        } else {
            try {
                answer = route(method, path, headers, body);
            } catch (IllegalArgumentException e) {
                answer = error(400, "invalid request: " + e.getMessage());
            }
        }
        requests.add(new RecordedRequest(now(), method, path, headers, body, answer.status()));
        byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
        if (answer.contentType() != null) {
            exchange.getResponseHeaders().set("Content-Type", answer.contentType());
        }
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        answer.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
        if (fault instanceof CutShort) {
            OutputStream out = exchange.getResponseBody();
            out.write(bytes, 0, bytes.length / 2);
            out.flush();
            // a handler that fails makes the server close the connection: the rest of the answer never comes
            throw new IOException("answer cut short (an injected fault)");
        }
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private record Answer(int status, String body, Map<String, String> headers, String contentType) {
        static Answer json(int status, JsonNode node) {
            return new Answer(status, node.toString(), Map.of(), "application/json");
        }
    }

    private synchronized FaultAction takeFault(String path) {
        for (Fault fault : faults) {
            if (fault.remaining > 0 && fault.path.test(path)) {
                fault.remaining--;
                return fault.action;
            }
        }
        return null;
    }

    private synchronized Answer route(String method, String path, Map<String, String> headers, String body) {
        sweep();
        if (sealed) {
            return error(503, "Vault is sealed");
        }
        boolean write = method.equals("PUT") || method.equals("POST");
        String token = headers.get("x-vault-token");
        if (token == null) {
            String auth = headers.get("authorization");
            if (auth != null && auth.startsWith("Bearer ")) {
                token = auth.substring(7);
            }
        }
        JsonNode json;
        try {
            json = body.isBlank() ? NODES.objectNode() : JSON.readTree(body);
        } catch (IOException e) {
            return error(400, "failed to parse JSON input: invalid character looking for beginning of value");
        }
        Token caller = token == null ? null : tokens.get(token);
        String namespace = headers.get("x-vault-namespace");

        switch (path) {
            case "/v1/auth/token/lookup-self":
                if (!(method.equals("GET") || write)) {
                    return error(405);
                }
                return caller == null ? permissionDenied() : Answer.json(200, lookupSelf(caller));
            case "/v1/auth/token/lookup":
                if (!(method.equals("GET") || write)) {
                    return error(405);
                }
                // a GET carries no body: Vault then looks the caller up
                return tokenLookup(caller, write ? json : NODES.objectNode());
            case "/v1/auth/token/renew-self":
                if (!write) {
                    return error(405);
                }
                return caller == null ? permissionDenied() : renewSelf(caller, json);
            case "/v1/auth/token/revoke-self":
                if (!write) {
                    return error(405);
                }
                if (caller == null) {
                    return permissionDenied();
                }
                revokeToken(caller);
                return new Answer(204, "", Map.of(), null);
            case "/v1/sys/leases/lookup":
                if (!write) {
                    return error(405);
                }
                return caller == null ? permissionDenied() : leaseLookup(json, namespace);
            default:
                break;
        }
        for (String prefix : List.of("/v1/sys/leases/renew", "/v1/sys/renew")) {
            if (path.equals(prefix) || path.startsWith(prefix + "/")) {
                if (!write) {
                    return error(405);
                }
                if (caller == null) {
                    return permissionDenied();
                }
                String suffix = path.length() > prefix.length() ? path.substring(prefix.length() + 1) : "";
                return leaseRenew(json, java.net.URLDecoder.decode(suffix, StandardCharsets.UTF_8), namespace);
            }
        }
        if (path.equals("/v1/sys/leases/revoke") || path.startsWith("/v1/sys/leases/revoke/")) {
            if (!write) {
                return error(405);
            }
            if (caller == null) {
                return permissionDenied();
            }
            String id = text(json, "lease_id");
            if (id != null) {
                leases.remove(id);
            }
            return new Answer(204, "", Map.of(), null);
        }
        return error(404);
    }

    private ObjectNode lookupSelf(Token t) {
        ObjectNode data = NODES.objectNode();
        data.put("accessor", t.accessor);
        data.put("creation_time", t.issued.getEpochSecond());
        data.put("creation_ttl", t.spec.ttl().toSeconds());
        data.put("display_name", "kubernetes-app");
        data.put("entity_id", "7d2e3179-f69b-450c-7179-ac8ee8bd8ca9");
        if (t.expires == null) {
            data.putNull("expire_time");
        } else {
            data.put("expire_time", rfc3339(t.expires));
        }
        data.put("explicit_max_ttl", t.spec.explicitMaxTtl().toSeconds());
        data.put("id", t.id);
        data.put("issue_time", rfc3339(t.issued));
        if (t.lastRenewal != null) {
            data.put("last_renewal", rfc3339(t.lastRenewal));
            data.put("last_renewal_time", t.lastRenewal.getEpochSecond());
        }
        data.putObject("meta").put("role", "app");
        data.put("num_uses", 0);
        data.put("orphan", true);
        data.put("path", t.expires == null ? "auth/token/root" : "auth/kubernetes/login");
        ArrayNode policies = data.putArray("policies");
        policies.add(t.expires == null ? "root" : "default");
        if (!t.spec.period().isZero()) {
            data.put("period", t.spec.period().toSeconds());
        }
        data.put("renewable", t.spec.renewable());
        data.put("ttl", t.expires == null ? 0 : secondsLeft(t.expires));
        data.put("type", "service");
        return envelope(data);
    }

    /**
     * {@code auth/token/lookup}: the token named by the body's {@code token} (the caller when none) described as
     * lookup-self describes it. Only a root caller may: the default policy, every other token's here, grants nothing
     * on this path. A token that does not exist (never did, revoked, expired) is Vault's 403 {@code bad token}.
     */
    private Answer tokenLookup(Token caller, JsonNode body) {
        if (caller == null) {
            return permissionDenied();
        }
        if (caller.expires != null) {
            // a valid token without the policy: Vault's ACL refusal, without "invalid token"
            return error(403, "1 error occurred:\n\t* permission denied\n\n");
        }
        String id = text(body, "token");
        Token looked = id == null || id.isEmpty() ? caller : tokens.get(id);
        return looked == null ? error(403, "bad token") : Answer.json(200, lookupSelf(looked));
    }

    private Answer renewSelf(Token t, JsonNode body) {
        if (t.expires == null) {
            return error(400, "invalid lease ID");
        }
        if (!t.spec.renewable()) {
            return error(400, "lease is not renewable");
        }
        Instant now = now();
        Duration wanted;
        String capWord = "TTL";
        if (!t.spec.period().isZero()) {
            wanted = t.spec.period();
            capWord = "period";
        } else {
            Duration increment = increment(body);
            wanted = increment.isZero() ? t.spec.ttl() : increment;
        }
        Grant grant = grant(now, wanted, t.maxExpiry(), capWord);
        if (grant == null) {
            return error(400, "past the max TTL, cannot renew");
        }
        t.expires = now.plus(grant.ttl());
        t.lastRenewal = now;
        t.renewals++;
        ObjectNode answer = envelope(null);
        ObjectNode auth = answer.putObject("auth");
        auth.put("client_token", t.id);
        auth.put("accessor", t.accessor);
        auth.putArray("policies").add("default");
        auth.putArray("token_policies").add("default");
        auth.putObject("metadata").put("role", "app");
        auth.put("lease_duration", grant.ttl().toSeconds());
        auth.put("renewable", true);
        auth.put("entity_id", "7d2e3179-f69b-450c-7179-ac8ee8bd8ca9");
        auth.put("token_type", "service");
        auth.put("orphan", true);
        warnings(answer, grant);
        return Answer.json(200, answer);
    }

    private Answer leaseLookup(JsonNode body, String namespace) {
        String id = text(body, "lease_id");
        if (id == null || id.isEmpty()) {
            return error(400, "lease_id must be specified");
        }
        Lease lease = visibleLease(id, namespace);
        if (lease == null) {
            return error(400, "invalid lease");
        }
        ObjectNode data = NODES.objectNode();
        data.put("expire_time", rfc3339(lease.expires));
        data.put("id", lease.id);
        data.put("issue_time", rfc3339(lease.issued));
        if (lease.lastRenewal == null) {
            data.putNull("last_renewal");
        } else {
            data.put("last_renewal", rfc3339(lease.lastRenewal));
        }
        data.put("renewable", lease.renewable);
        data.put("ttl", secondsLeft(lease.expires));
        return Answer.json(200, envelope(data));
    }

    private Answer leaseRenew(JsonNode body, String pathId, String namespace) {
        String id = text(body, "lease_id");
        if (id == null || id.isEmpty()) {
            id = pathId;
        }
        if (id == null || id.isEmpty()) {
            return error(400, "lease_id must be specified");
        }
        if (id.startsWith("auth/")) {
            return error(400, "tokens cannot be renewed through this endpoint");
        }
        Lease lease = visibleLease(id, namespace);
        if (lease == null) {
            return error(400, "lease not found");
        }
        if (!lease.renewable) {
            return error(400, "lease is not renewable");
        }
        Instant now = now();
        Duration increment = increment(body);
        Duration wanted = increment.isZero() ? lease.ttl : increment;
        Grant grant = grant(now, wanted, lease.issued.plus(lease.maxTtl), "TTL");
        if (grant == null) {
            return error(400, "past the max TTL, cannot renew");
        }
        lease.expires = now.plus(grant.ttl());
        lease.lastRenewal = now;
        lease.renewals++;
        ObjectNode answer = envelope(null);
        answer.put("lease_id", lease.id);
        answer.put("renewable", true);
        answer.put("lease_duration", grant.ttl().toSeconds());
        warnings(answer, grant);
        return Answer.json(200, answer);
    }

    /** A lease is seen only in the namespace it was issued in, as Vault Enterprise does. */
    private Lease visibleLease(String id, String namespace) {
        Lease lease = leases.get(id);
        if (lease == null) {
            return null;
        }
        boolean sameNamespace =
                lease.namespace == null ? namespace == null || namespace.isEmpty() : lease.namespace.equals(namespace);
        return sameNamespace ? lease : null;
    }

    private record Grant(Duration ttl, Duration wanted, String capWord) {
        boolean capped() {
            return ttl.compareTo(wanted) < 0;
        }
    }

    /** Vault's rule: the wanted TTL, capped so it never passes the max; null when already past it. */
    private static Grant grant(Instant now, Duration wanted, Instant maxExpiry, String capWord) {
        Duration left =
                Duration.ofSeconds(Math.max(0, Duration.between(now, maxExpiry).toSeconds()));
        if (left.isZero()) {
            return null;
        }
        return new Grant(wanted.compareTo(left) > 0 ? left : wanted, wanted, capWord);
    }

    private static void warnings(ObjectNode answer, Grant grant) {
        if (grant.capped()) {
            answer.putArray("warnings")
                    .add(String.format(
                            "%s of \"%s\" exceeded the effective max_ttl of \"%s\"; %s value is capped accordingly",
                            grant.capWord(),
                            Durations.format(grant.wanted().toSeconds()),
                            Durations.format(grant.ttl().toSeconds()),
                            grant.capWord()));
        }
    }

    /** The {@code increment} of a renewal: seconds, or a duration string such as "1h". */
    private static Duration increment(JsonNode body) {
        JsonNode increment = body.get("increment");
        if (increment == null || increment.isNull()) {
            return Duration.ZERO;
        }
        return increment.isNumber() ? Duration.ofSeconds(increment.asLong()) : Durations.parse(increment.asText());
    }

    /** Removes expired tokens (with every lease they created) and expired leases, as Vault's expiration manager. */
    private void sweep() {
        Instant now = now();
        List<Token> expired = tokens.values().stream()
                .filter(t -> t.expires != null && !t.expires.isAfter(now))
                .toList();
        expired.forEach(this::revokeToken);
        leases.values().removeIf(l -> !l.expires.isAfter(now));
    }

    private ObjectNode envelope(JsonNode data) {
        ObjectNode answer = NODES.objectNode();
        answer.put("request_id", UUID.randomUUID().toString());
        answer.put("lease_id", "");
        answer.put("renewable", false);
        answer.put("lease_duration", 0);
        if (data == null) {
            answer.putNull("data");
        } else {
            answer.set("data", data);
        }
        answer.putNull("wrap_info");
        answer.putNull("warnings");
        answer.putNull("auth");
        answer.put("mount_type", "");
        return answer;
    }

    private static Answer permissionDenied() {
        // what current servers answer to an unknown, expired or revoked token
        return error(403, "2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n");
    }

    private static Answer error(int status, String... messages) {
        return new Answer(status, errors(List.of(messages)), Map.of(), "application/json");
    }

    private static String errors(List<String> messages) {
        ObjectNode node = NODES.objectNode();
        ArrayNode list = node.putArray("errors");
        messages.forEach(list::add);
        return node.toString();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private long secondsLeft(Instant expires) {
        return Math.max(0, Duration.between(now(), expires).toSeconds());
    }

    private Instant now() {
        return clock.instant();
    }

    private static String rfc3339(Instant instant) {
        return instant.toString();
    }

    private String randomString(int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length())));
        }
        return s.toString();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Convenience for faults: Vault's error answer with this status. */
    public static Status status(int status, String... errors) {
        return new Status(status, List.of(errors), Map.of());
    }
}
