package io.kubevaultauthrenewer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
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
import java.util.TreeSet;
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
 *
 * <p>For an init container's calls it also has ACL policies ({@link #policy}), the Kubernetes and AppRole auth
 * methods, KV version 1 and 2 mounts, a database engine whose reads create leases, and {@code
 * sys/internal/ui/mounts}: see {@link VaultAuthMethods}, {@link VaultSecretEngines}, {@link VaultMounts} and {@link
 * VaultPolicies}. Policies are checked on those paths only; the token and lease endpoints ({@link
 * VaultTokenEndpoints}) stay unchecked, and a token made without policies acts as root everywhere.
 */
public final class VaultEmulator implements AutoCloseable {

    /** Vault's system-wide max TTL (32 days), the cap of a token or lease without a max of its own. */
    public static final Duration SYSTEM_MAX_TTL = Duration.ofDays(32);

    /**
     * The CA certificate (PEM) of the cluster a Kubernetes auth method is configured with unless {@link
     * #kubernetesAuthConfig} says otherwise: what {@code auth/<mount>/config} answers as {@code kubernetes_ca_cert}.
     */
    public static final String KUBERNETES_CA_CERT = "-----BEGIN CERTIFICATE-----\n"
            + "MIIBgjCCASegAwIBAgIULd40VIDXZtdcGtgtejU51Li5O5MwCgYIKoZIzj0EAwIw\n"
            + "FTETMBEGA1UEAwwKa3ViZXJuZXRlczAgFw0yNjEyMDExMjA2MDhaGA8yMTI2MTEw\n"
            + "NzEyMDYwOFowFTETMBEGA1UEAwwKa3ViZXJuZXRlczBZMBMGByqGSM49AgEGCCqG\n"
            + "SM49AwEHA0IABJFHbaAQwDkkYC/sUjOzLwYDaa7Eo621yj97nU2rZAxhW38PqwUw\n"
            + "vjudg4ROSK5USy+wTX6InyYHuLh6f/zCXGijUzBRMB0GA1UdDgQWBBTYyrbtRESi\n"
            + "4v9h2t9zAkZKR2Zx9zAfBgNVHSMEGDAWgBTYyrbtRESi4v9h2t9zAkZKR2Zx9zAP\n"
            + "BgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQCdnhx72LuMRvZUPyqH\n"
            + "XPcn9vmOoak1T4YZwNrw0/4gwAIhALSJmCoJA3d1pJeqHD1Bi+BMPKvSwsS8zF8l\n"
            + "nu0d+ST3\n"
            + "-----END CERTIFICATE-----\n";

    /** The API server a Kubernetes auth method is configured with unless {@link #kubernetesAuthConfig} says otherwise. */
    public static final String KUBERNETES_HOST = "https://kubernetes.default.svc";

    /**
     * What every database password this emulator generates ends with, after 20 random letters and digits: characters
     * a shell would interpret ({@code $}, quotes, a backtick, a backslash), as real generated passwords may hold.
     */
    public static final String DATABASE_PASSWORD_SUFFIX = "A1a-$'\"`\\";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final HttpServer server;
    private final List<HttpServer> standbys = new CopyOnWriteArrayList<>();
    private final Clock clock;
    private final SSLContext tls;
    private final boolean clientCertificateRequired;
    private final SecureRandom random = new SecureRandom();
    final Map<String, Token> tokens = new LinkedHashMap<>();
    final Map<String, Lease> leases = new LinkedHashMap<>();
    /** Every token ever made, alive or not, by id. */
    private final Map<String, Token> everIssued = new LinkedHashMap<>();

    private final Map<String, String> namespaceIds = new LinkedHashMap<>();
    private final VaultPolicies acl = new VaultPolicies();
    private final VaultMounts mounts = new VaultMounts();
    private final VaultTokenEndpoints tokenEndpoints = new VaultTokenEndpoints(this);
    private final VaultSecretEngines engines = new VaultSecretEngines(this, mounts);
    private final VaultAuthMethods authMethods = new VaultAuthMethods(this, mounts);
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

    /**
     * How a token is created: TTL, max TTL, renewable, periodic, policies. A periodic token without a max TTL has no
     * max at all (its period is granted at every renewal, for ever). A token without policies is not checked against
     * any: it acts as root on the paths that are checked.
     */
    public record TokenSpec(
            Duration ttl, Duration explicitMaxTtl, boolean renewable, Duration period, List<String> policies) {

        public TokenSpec {
            policies = List.copyOf(policies);
        }

        public TokenSpec(Duration ttl, Duration explicitMaxTtl, boolean renewable, Duration period) {
            this(ttl, explicitMaxTtl, renewable, period, List.of());
        }

        public static TokenSpec ttl(Duration ttl) {
            return new TokenSpec(ttl, Duration.ZERO, true, Duration.ZERO);
        }

        public TokenSpec maxTtl(Duration max) {
            return new TokenSpec(ttl, max, renewable, period, policies);
        }

        public TokenSpec notRenewable() {
            return new TokenSpec(ttl, explicitMaxTtl, false, period, policies);
        }

        public TokenSpec period(Duration p) {
            return new TokenSpec(p, explicitMaxTtl, renewable, p, policies);
        }

        /** The token's policies ({@code default} is added, as Vault does, unless one of them is {@code root}). */
        public TokenSpec policies(String... names) {
            return new TokenSpec(ttl, explicitMaxTtl, renewable, period, List.of(names));
        }
    }

    /** A token as the emulator holds it; {@code id} is the secret. */
    public static final class Token {
        public final String id;
        public final String accessor;
        final TokenSpec spec;
        final Instant issued;
        /** Sorted, with {@code default}; empty for a token made without policies. */
        final List<String> policies;

        Instant expires; // null: no TTL (root)
        Instant lastRenewal;
        int renewals;
        // set by a login; null for a token made directly
        Map<String, String> meta;
        String path;
        String displayName;
        String entityId;

        Token(String id, String accessor, TokenSpec spec, Instant issued) {
            this.id = id;
            this.accessor = accessor;
            this.spec = spec;
            this.issued = issued;
            Set<String> names = new TreeSet<>(spec.policies());
            if (!names.isEmpty() && !names.contains("root")) {
                names.add("default");
            }
            this.policies = List.copyOf(names);
            Instant wanted = issued.plus(spec.ttl());
            this.expires = spec.ttl().isZero() ? null : wanted.isAfter(maxExpiry()) ? maxExpiry() : wanted;
        }

        /** The explicit max TTL, else none for a periodic token, else the system's. */
        Instant maxExpiry() {
            if (spec.explicitMaxTtl().isZero()) {
                return spec.period().isZero() ? issued.plus(SYSTEM_MAX_TTL) : Instant.MAX;
            }
            return issued.plus(spec.explicitMaxTtl());
        }

        /** The token's policies, sorted, {@code default} included; empty for one made without policies. */
        public List<String> policies() {
            return policies;
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
        everIssued.put(token.id, token);
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

    /** The token a login (or anything else) issued with this id, alive or not; null if none ever had it. */
    public synchronized Token tokenById(String id) {
        return everIssued.get(id);
    }

    /** The leases a token created that are still alive, oldest first. */
    public synchronized List<Lease> leasesOf(Token token) {
        sweep();
        return tokenEndpoints.leasesOf(token);
    }

    // ----------------------------------------------------------------------------------------------
    // Policies, auth methods and secret engines (an init container's calls)
    // ----------------------------------------------------------------------------------------------

    /**
     * Adds one rule to policy {@code name} (created if new): a path, exact or with Vault's wildcards ({@code +} for one
     * segment, a trailing {@code *} for any suffix), and capabilities ({@code read}, {@code create}, {@code update},
     * {@code patch}, {@code delete}, {@code list}, {@code sudo}, {@code deny}). The {@code default} policy exists from
     * the start with the stock rules on the token and lease paths; rules added to it apply to every login token.
     */
    public synchronized void policy(String name, String path, String... capabilities) {
        acl.add(name, path, capabilities);
    }

    /**
     * Enables the Kubernetes auth method at {@code auth/<mount>} (e.g. {@code kubernetes}), configured with {@link
     * #KUBERNETES_HOST} and {@link #KUBERNETES_CA_CERT}.
     */
    public synchronized void enableKubernetesAuth(String mount) {
        authMethods.enableKubernetes(mount);
    }

    /**
     * What the Kubernetes auth method at {@code mount} is configured with, as {@code auth/<mount>/config} answers:
     * the API server's address and CA certificate ({@link #KUBERNETES_HOST} and {@link #KUBERNETES_CA_CERT} until
     * then). The emulator's own TokenReview is used whatever they say.
     */
    public synchronized void kubernetesAuthConfig(String mount, String kubernetesHost, String caCertPem) {
        authMethods.kubernetesConfig(mount, kubernetesHost, caCertPem);
    }

    /**
     * A role of the Kubernetes auth method at {@code mount}, bound to one service-account name and one namespace (each
     * may be {@code *} or a glob), whose tokens have this TTL (zero: Vault's default, 768h) and policies.
     */
    public synchronized void kubernetesRole(
            String mount, String role, String serviceAccountName, String namespace, Duration ttl, String... policies) {
        authMethods.kubernetesRole(mount, role, serviceAccountName, namespace, ttl, policies);
    }

    /**
     * A JWT shaped like a projected service-account token (RS256 header; {@code iss}, {@code aud}, {@code sub}
     * {@code system:serviceaccount:<ns>:<name>}, {@code kubernetes.io} with the namespace and the service account's
     * name and uid, {@code iat}, {@code nbf}, {@code exp} an hour later on this emulator's clock), which this
     * emulator's TokenReview accepts until {@link #revokeServiceAccountJwt}. The uid is the same for every JWT of
     * one service account.
     */
    public synchronized String serviceAccountJwt(String namespace, String serviceAccountName) {
        return authMethods.serviceAccountJwt(namespace, serviceAccountName);
    }

    /** From now on the TokenReview refuses this JWT (the pod or its service account is gone). */
    public synchronized void revokeServiceAccountJwt(String jwt) {
        authMethods.revokeServiceAccountJwt(jwt);
    }

    /**
     * A role of the AppRole auth method at {@code auth/approle} (enabled by the first role), returning its role_id.
     * Its tokens have {@code tokenTtl} (null or zero: 768h) or, with a {@code tokenPeriod} (null or zero: none), are
     * periodic: TTL the period, reset at each renewal, no max TTL. Its secret_ids have no use limit and no TTL unless
     * {@link #appRoleSecretIdLimits} says otherwise. Calling it again for a role updates the role, keeping its
     * role_id.
     */
    public synchronized String appRole(String role, Duration tokenTtl, Duration tokenPeriod, String... policies) {
        return authMethods.appRole(role, tokenTtl, tokenPeriod, policies);
    }

    /**
     * The role's {@code secret_id_num_uses} (0: unlimited) and {@code secret_id_ttl} (null or zero: none): what a new
     * secret_id gets, and the most a {@code secret-id} request may ask.
     */
    public synchronized void appRoleSecretIdLimits(String role, int numUses, Duration ttl) {
        authMethods.appRoleSecretIdLimits(role, numUses, ttl);
    }

    /** A new secret_id for the role, with the role's limits, as if the test had asked Vault for one. */
    public synchronized String secretId(String role) {
        return authMethods.secretId(role);
    }

    /** Mounts a KV secrets engine, version 1 or 2, at {@code mount} (e.g. {@code secret}). */
    public synchronized void enableKv(String mount, int version) {
        engines.enableKv(mount, version);
    }

    /**
     * Puts a secret at its full path, mount included (e.g. {@code secret/my-app/db}, without {@code data/} on a v2
     * mount); on a v2 mount it becomes the next version, created now on this emulator's clock.
     */
    public synchronized void putSecret(String path, Map<String, String> data) {
        engines.putSecret(path, data);
    }

    /**
     * Mounts a database secrets engine at {@code mount} (if not yet) with a role whose every read of {@code
     * <mount>/creds/<role>} creates a new username and password and a new renewable lease of {@code ttl}, renewable up
     * to {@code maxTtl} (zero: the system's), owned by the reading token.
     */
    public synchronized void enableDatabase(String mount, String role, Duration ttl, Duration maxTtl) {
        engines.enableDatabase(mount, role, ttl, maxTtl);
    }

    /** The {@code username} and {@code password} the read that created this lease returned; null if none did. */
    public synchronized Map<String, String> credentials(String leaseId) {
        return engines.credentials(leaseId);
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

        /** Without the token or any credential in the body: test reports are read by people too. */
        @Override
        public String toString() {
            return method + " " + path + " -> " + status + " " + redacted(body) + " (at " + at + ", token "
                    + (headers.containsKey("x-vault-token") ? "sent" : "absent") + ")";
        }

        /** The body with the credentials it carries masked: a token, a JWT, a secret_id. */
        private static String redacted(String body) {
            try {
                if (JSON.readTree(body) instanceof ObjectNode object) {
                    boolean masked = false;
                    for (String field : List.of("token", "jwt", "secret_id")) {
                        if (object.has(field)) {
                            object.put(field, "****");
                            masked = true;
                        }
                    }
                    return masked ? object.toString() : body;
                }
            } catch (IOException e) {
                // not JSON: it names no credential field
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
    private record Incoming(String method, String path, String query, Map<String, String> headers, String body) {
        static Incoming read(HttpExchange exchange) throws IOException {
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders()
                    .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            return new Incoming(
                    exchange.getRequestMethod().toUpperCase(Locale.ROOT),
                    exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(),
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
        VaultReply answer;
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
            answer = new VaultReply(s.status(), VaultReply.errors(s.errors()), s.headers(), "application/json");
        } else if (fault instanceof RawBody raw) {
            answer = new VaultReply(raw.status(), raw.body(), Map.of(), raw.contentType());
        } else {
            try {
                answer = route(method, path, in.query(), headers, body);
            } catch (IllegalArgumentException e) {
                answer = VaultReply.error(400, "invalid request: " + e.getMessage());
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

    private synchronized FaultAction takeFault(String path) {
        for (Fault fault : faults) {
            if (fault.remaining > 0 && fault.path.test(path)) {
                fault.remaining--;
                return fault.action;
            }
        }
        return null;
    }

    private synchronized VaultReply route(
            String method, String path, String query, Map<String, String> headers, String body) {
        sweep();
        if (sealed) {
            return VaultReply.error(503, "Vault is sealed");
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
            return VaultReply.error(
                    400, "failed to parse JSON input: invalid character looking for beginning of value");
        }
        Token caller = token == null ? null : tokens.get(token);
        String namespace = headers.get("x-vault-namespace");

        switch (path) {
            case "/v1/auth/token/lookup-self":
                if (!(method.equals("GET") || write)) {
                    return VaultReply.error(405);
                }
                return caller == null
                        ? VaultReply.invalidToken()
                        : VaultReply.json(200, tokenEndpoints.lookupSelf(caller));
            case "/v1/auth/token/lookup":
                if (!(method.equals("GET") || write)) {
                    return VaultReply.error(405);
                }
                // a GET carries no body: Vault then looks the caller up
                return tokenEndpoints.tokenLookup(caller, write ? json : NODES.objectNode());
            case "/v1/auth/token/renew-self":
                if (!write) {
                    return VaultReply.error(405);
                }
                return caller == null ? VaultReply.invalidToken() : tokenEndpoints.renewSelf(caller, json);
            case "/v1/auth/token/revoke-self":
                if (!write) {
                    return VaultReply.error(405);
                }
                if (caller == null) {
                    return VaultReply.invalidToken();
                }
                revokeToken(caller);
                return VaultReply.noContent();
            case "/v1/sys/leases/lookup":
                if (!write) {
                    return VaultReply.error(405);
                }
                return caller == null ? VaultReply.invalidToken() : tokenEndpoints.leaseLookup(json, namespace);
            default:
                break;
        }
        for (String prefix : List.of("/v1/sys/leases/renew", "/v1/sys/renew")) {
            if (path.equals(prefix) || path.startsWith(prefix + "/")) {
                if (!write) {
                    return VaultReply.error(405);
                }
                if (caller == null) {
                    return VaultReply.invalidToken();
                }
                String suffix = path.length() > prefix.length() ? path.substring(prefix.length() + 1) : "";
                return tokenEndpoints.leaseRenew(json, URLDecoder.decode(suffix, StandardCharsets.UTF_8), namespace);
            }
        }
        if (path.equals("/v1/sys/leases/revoke") || path.startsWith("/v1/sys/leases/revoke/")) {
            if (!write) {
                return VaultReply.error(405);
            }
            if (caller == null) {
                return VaultReply.invalidToken();
            }
            String id = text(json, "lease_id");
            if (id != null) {
                leases.remove(id);
            }
            return VaultReply.noContent();
        }
        if (!path.startsWith("/v1/")) {
            return VaultReply.error(404);
        }
        VaultCall call = new VaultCall(
                method,
                URLDecoder.decode(path.substring("/v1/".length()), StandardCharsets.UTF_8),
                queryParameters(query),
                caller,
                token != null,
                json,
                namespace);
        return secretsAndLogins(call);
    }

    /**
     * The paths of an init container's calls: {@code sys/internal/ui/mounts/...}, the auth methods' paths and the
     * secret engines'. Vault checks the token's policies before it routes: a token that may not call a path learns
     * nothing about what is mounted there.
     */
    private VaultReply secretsAndLogins(VaultCall call) {
        String path = call.path();
        if (path.startsWith("sys/internal/ui/mounts/")) {
            return mounts.describe(call, path.substring("sys/internal/ui/mounts/".length()), acl);
        }
        if (path.startsWith("sys/") || path.startsWith("auth/token/")) {
            return VaultReply.error(404); // not modelled
        }
        if (path.startsWith("auth/")) {
            return authMethods.handle(call, acl);
        }
        VaultReply denial = acl.denial(call, path, call.capability());
        if (denial != null) {
            return denial;
        }
        VaultMounts.Mount mount = mounts.matching(path);
        return mount == null ? VaultReply.noHandler(path) : engines.handle(call, mount);
    }

    private static Map<String, String> queryParameters(String query) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String name = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : pair.substring(eq + 1);
                parameters.put(
                        URLDecoder.decode(name, StandardCharsets.UTF_8),
                        URLDecoder.decode(value, StandardCharsets.UTF_8));
            }
        }
        return parameters;
    }

    /** Removes expired tokens (with every lease they created) and expired leases, as Vault's expiration manager. */
    void sweep() {
        Instant now = now();
        List<Token> expired = tokens.values().stream()
                .filter(t -> t.expires != null && !t.expires.isAfter(now))
                .toList();
        expired.forEach(this::revokeToken);
        leases.values().removeIf(l -> !l.expires.isAfter(now));
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    long secondsLeft(Instant expires) {
        return Math.max(0, Duration.between(now(), expires).toSeconds());
    }

    Instant now() {
        return clock.instant();
    }

    String randomString(int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length())));
        }
        return s.toString();
    }

    /** The id Vault Enterprise gives a namespace (five letters and digits), the suffix of its leases' ids. */
    String namespaceId(String namespace) {
        return namespaceIds.computeIfAbsent(namespace, n -> randomString(5));
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
