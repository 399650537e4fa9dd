package io.kubevaultauthrenewer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
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
import java.util.function.Supplier;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
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
 * VaultPolicies}. Policies are checked on those paths and on the token and lease endpoints ({@link
 * VaultTokenEndpoints}), whose stock {@code default} policy grants all but {@code sys/leases/revoke}; a token made
 * without policies acts as root everywhere. Tokens may have a number of uses; Vault's TTL arithmetic is {@link
 * TtlArithmetic}, its revocation retries {@link VaultRevocations}, its rate-limit quotas {@link VaultQuotas}.
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

    /** The token store's mount, where {@link #createToken} issues tokens. */
    static final String TOKEN_MOUNT = "auth/token/";

    /** Vault's system-wide default lease TTL (768h): the TTL of a token or login whose role sets none. */
    static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(VaultReply.DEFAULT_LEASE_TTL_SECONDS);

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
    private final VaultRevocations revocations;
    /** Every token and lease that ended, and why; every fault applied: a soak's account. */
    final VaultLedger ledger = new VaultLedger();

    private final VaultQuotas quotas = new VaultQuotas();
    private final List<Fault> faults = new ArrayList<>();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    /** The TLS server names (SNI) the requests over HTTPS asked for. */
    private final List<String> serverNames = new CopyOnWriteArrayList<>();

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
        this.revocations = new VaultRevocations(clock.instant(), ledger);
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
     * How a token is created: TTL, max TTL, renewable, periodic, policies, uses. A periodic token without a max TTL has
     * no max at all (its period is granted at every renewal, for ever). A token without policies is not checked against
     * any: it acts as root on the paths that are checked. A TTL of zero without a period makes a token without TTL
     * (as a root token is).
     *
     * @param numUses how many calls the token may make (zero: no limit)
     */
    public record TokenSpec(
            Duration ttl,
            Duration explicitMaxTtl,
            boolean renewable,
            Duration period,
            List<String> policies,
            int numUses) {

        public TokenSpec {
            policies = List.copyOf(policies);
            if (numUses < 0) {
                throw new IllegalArgumentException("num_uses cannot be negative");
            }
        }

        public TokenSpec(
                Duration ttl, Duration explicitMaxTtl, boolean renewable, Duration period, List<String> policies) {
            this(ttl, explicitMaxTtl, renewable, period, policies, 0);
        }

        public TokenSpec(Duration ttl, Duration explicitMaxTtl, boolean renewable, Duration period) {
            this(ttl, explicitMaxTtl, renewable, period, List.of());
        }

        public static TokenSpec ttl(Duration ttl) {
            return new TokenSpec(ttl, Duration.ZERO, true, Duration.ZERO);
        }

        public TokenSpec maxTtl(Duration max) {
            return new TokenSpec(ttl, max, renewable, period, policies, numUses);
        }

        public TokenSpec notRenewable() {
            return new TokenSpec(ttl, explicitMaxTtl, false, period, policies, numUses);
        }

        public TokenSpec period(Duration p) {
            return new TokenSpec(p, explicitMaxTtl, renewable, p, policies, numUses);
        }

        /** The token's policies ({@code default} is added, as Vault does, unless one of them is {@code root}). */
        public TokenSpec policies(String... names) {
            return new TokenSpec(ttl, explicitMaxTtl, renewable, period, List.of(names), numUses);
        }

        /**
         * The token's {@code num_uses}: every call it authenticates spends one, the last one revokes it (zero: no
         * limit).
         */
        public TokenSpec numUses(int uses) {
            return new TokenSpec(ttl, explicitMaxTtl, renewable, period, policies, uses);
        }
    }

    /** A token as the emulator holds it; {@code id} is the secret. */
    public static final class Token {
        /** {@code num_uses} of a token whose last use is being spent: {@code tokenRevocationPending}. */
        static final int REVOCATION_PENDING = -1;

        public final String id;
        public final String accessor;
        final TokenSpec spec;
        final Instant issued;
        /** Sorted, with {@code default}; empty for a token made without policies. */
        final List<String> policies;
        /** The TTL granted at creation, after the cap: what lookup-self calls {@code creation_ttl}. */
        final Duration creationTtl;
        /** Where the token was issued, {@code auth/token/} or an auth method's mount: whose max TTL caps it. */
        final String mount;

        Instant expires; // null: no TTL (root)
        Instant lastRenewal;
        int renewals;
        /** The TTL of the last grant (the creation's until the first renewal), as the token's lease entry keeps it. */
        Duration grantedTtl;
        /** Uses left: 0 unlimited, {@link #REVOCATION_PENDING} while its last use is being spent. */
        int usesLeft;
        // set by a login; null for a token made directly
        Map<String, String> meta;
        String path;
        String displayName;
        String entityId;
        /** The login's role as its auth method reads it at a renewal: null once the role is deleted. */
        Supplier<RoleTtls> loginRole;
        /** The auth method's error when {@link #loginRole} is gone. */
        String loginRoleGone;

        Token(String id, String accessor, TokenSpec spec, Instant issued, Duration creationTtl, String mount) {
            this.id = id;
            this.accessor = accessor;
            this.spec = spec;
            this.issued = issued;
            this.creationTtl = creationTtl;
            this.mount = mount;
            Set<String> names = new TreeSet<>(spec.policies());
            if (!names.isEmpty() && !names.contains("root")) {
                names.add("default");
            }
            this.policies = List.copyOf(names);
            this.expires = creationTtl.isZero() ? null : issued.plus(creationTtl);
            this.grantedTtl = creationTtl;
            this.usesLeft = spec.numUses();
        }

        /** The token's policies, sorted, {@code default} included; empty for one made without policies. */
        public List<String> policies() {
            return policies;
        }
    }

    /**
     * A role's token settings as an auth method's renew handler reads them ({@code pathLoginRenew}): zero for a setting
     * the role does not have.
     */
    record RoleTtls(Duration ttl, Duration maxTtl, Duration period) {}

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
        /** Revocations of this lease its engine has failed, and when the next is due (null: at its expiry). */
        int revocationsFailed;

        Instant nextRevocation;
        /** Set once the lease is irrevocable: the error Vault keeps as {@code RevokeErr}. */
        String revokeError;
        /** True once its token's expiry or revocation marked it expiring ({@code RevokeByToken}). */
        boolean revokedWithToken;

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

    /**
     * A token with a TTL, as {@code auth/token/create} would issue it: its TTL capped as {@code CalculateTTL} caps
     * it at creation ({@code handleCreateCommon} in {@code token_store.go}) by the explicit max TTL and the {@code
     * auth/token} mount's max ({@link #tuneAuthMount}).
     */
    public synchronized Token createToken(TokenSpec spec) {
        boolean rootLike = spec.ttl().isZero() && spec.period().isZero();
        Duration ttl = rootLike
                ? Duration.ZERO
                : created(spec, TOKEN_MOUNT, Duration.ZERO).ttl();
        return issue(spec, ttl, TOKEN_MOUNT);
    }

    /** The TTL a token is created with, as {@code CalculateTTL} grants it at a creation or a login. */
    TtlArithmetic.Grant created(TokenSpec spec, String mount, Duration backendMax) {
        TtlArithmetic.Grant grant = TtlArithmetic.calculate(
                now(),
                maxLeaseTtl(mount),
                DEFAULT_LEASE_TTL,
                Duration.ZERO,
                spec.ttl(),
                spec.period(),
                backendMax,
                spec.explicitMaxTtl(),
                now());
        if (grant == null) {
            throw new IllegalArgumentException(TtlArithmetic.PAST_MAX_TTL);
        }
        return grant;
    }

    /** Stores a new token issued at {@code mount} with this creation TTL. */
    Token issue(TokenSpec spec, Duration creationTtl, String mount) {
        Token token = new Token("hvs." + randomString(90), randomString(24), spec, now(), creationTtl, mount);
        tokens.put(token.id, token);
        everIssued.put(token.id, token);
        return token;
    }

    /** The max TTL of a mount (its {@code max_lease_ttl} tune, else the system's). */
    Duration maxLeaseTtl(String mount) {
        return mounts.maxLeaseTtl(mount);
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

    /**
     * Revokes a token and every lease it created, as {@code vault token revoke} does: its leases are revoked at once,
     * unless their engine's revocations fail ({@link #failRevocations}): then they are kept, expired, and retried.
     */
    public synchronized void revokeToken(Token token) {
        if (tokens.containsKey(token.id)) {
            ledger.tokenRevoked(token, now());
        }
        revokeToken(token, now());
        revocations.run(leases, now());
    }

    /**
     * Removes the token and marks its leases expiring at {@code at}, as {@code RevokeByToken} does ({@code
     * lazyRevokeInternal}): their revocation is then the expiration manager's.
     */
    private void revokeToken(Token token, Instant at) {
        tokens.remove(token.id);
        for (Lease lease : leases.values()) {
            if (lease.owner == token && lease.expires.isAfter(at)) {
                lease.expires = at;
                lease.revokedWithToken = true;
            }
        }
    }

    public synchronized void revokeLease(Lease lease) {
        if (leases.remove(lease.id) != null) {
            ledger.leaseRevoked(lease, now());
        }
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
     * may be {@code *} or a glob), whose tokens have this TTL (zero: Vault's default, 768h) and policies. Calling it
     * again for a role updates those, keeping its {@code token_max_ttl} and {@code token_period} ({@link
     * #kubernetesRoleTokenTtls}).
     */
    public synchronized void kubernetesRole(
            String mount, String role, String serviceAccountName, String namespace, Duration ttl, String... policies) {
        authMethods.kubernetesRole(mount, role, serviceAccountName, namespace, ttl, policies);
    }

    /**
     * The token settings of an existing Kubernetes role: {@code token_ttl} (zero: the mount's default, 768h), {@code
     * token_max_ttl} and {@code token_period} (zero: none). Logins read them, and so does every renewal of a token the
     * role issued ({@code pathLoginRenew} reads the role at each).
     */
    public synchronized void kubernetesRoleTokenTtls(
            String mount, String role, Duration tokenTtl, Duration tokenMaxTtl, Duration tokenPeriod) {
        authMethods.kubernetesRoleTokenTtls(mount, role, new RoleTtls(tokenTtl, tokenMaxTtl, tokenPeriod));
    }

    /**
     * Deletes a Kubernetes role: logins with it are refused, and renewing a token it issued answers Vault's 500 {@code
     * role <name> does not exist during renewal}.
     */
    public synchronized void deleteKubernetesRole(String mount, String role) {
        authMethods.deleteKubernetesRole(mount, role);
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
     * role_id and its {@code token_max_ttl} ({@link #appRoleTokenTtls}).
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

    /**
     * The token settings of an existing AppRole role: {@code token_ttl} (zero: 768h), {@code token_max_ttl} and {@code
     * token_period} (zero: none). Logins read them, and so does every renewal of a token the role issued.
     */
    public synchronized void appRoleTokenTtls(
            String role, Duration tokenTtl, Duration tokenMaxTtl, Duration tokenPeriod) {
        authMethods.appRoleTokenTtls(role, new RoleTtls(tokenTtl, tokenMaxTtl, tokenPeriod));
    }

    /**
     * Deletes an AppRole role with its secret_ids: logins with it are refused, and renewing a token it issued answers
     * Vault's 500 {@code role "<name>" does not exist during renewal}.
     */
    public synchronized void deleteAppRole(String role) {
        authMethods.deleteAppRole(role);
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

    /**
     * The max TTL of the auth method at {@code auth/<mount>} ({@code token} for the token store, where {@link
     * #createToken} issues tokens), as {@code vault auth tune -max-lease-ttl} sets it; zero: the system's again. It caps
     * the tokens issued there from now on and every renewal of those already issued ({@code CalculateTTL} reads the
     * mount's max at each).
     */
    public synchronized void tuneAuthMount(String mount, Duration maxLeaseTtl) {
        String path = "auth/" + mount.replaceAll("^/+|/+$", "") + "/";
        if (!path.equals(TOKEN_MOUNT)) {
            VaultMounts.Mount auth = mounts.matching(path);
            if (auth == null || !auth.routePath().equals(path)) {
                throw new IllegalStateException("no auth method at " + path);
            }
        }
        mounts.tuneMaxLeaseTtl(path, maxLeaseTtl);
    }

    /**
     * From now on the secret engine mounted at {@code mount} (e.g. {@code database}) fails every revocation with this
     * error: a lease of it whose time is up, or whose token is revoked, is kept and retried as Vault retries it, then
     * marked irrevocable (see {@link VaultRevocations}); {@code sys/leases/revoke} of it answers 400 with Vault's text.
     */
    public synchronized void failRevocations(String mount, String backendError) {
        sweep();
        revocations.fail(mount, backendError);
    }

    /** From now on the engine at {@code mount} revokes again: a lease kept meanwhile goes at its next retry. */
    public synchronized void restoreRevocations(String mount) {
        sweep();
        revocations.restore(mount);
    }

    /**
     * A rate-limit quota on {@code path} (without {@code /v1/}, e.g. {@code sys/leases/renew}, a prefix of the paths it
     * covers) that refuses the next {@code refusals} calls to it with Vault's 429 (see {@link VaultQuotas}), then is
     * gone. With {@code responseHeaders} (the quota configuration's {@code enable_rate_limit_response_headers}) each
     * refusal carries {@code X-RateLimit-Limit} ({@code rate}), {@code X-RateLimit-Remaining} (0), {@code
     * X-RateLimit-Reset} and {@code Retry-After} (the seconds left of the current {@code interval}, counted from now).
     */
    public synchronized void rateLimitQuota(
            String path, int refusals, int rate, Duration interval, boolean responseHeaders) {
        quotas.add(path, refusals, rate, interval, responseHeaders, now());
    }

    public synchronized void seal() {
        sealed = true;
    }

    public synchronized void unseal() {
        sealed = false;
    }

    /** True while the lease exists and has not expired (a lease kept after a failed revocation is not alive). */
    public synchronized boolean isAlive(Lease lease) {
        sweep();
        return leases.containsKey(lease.id) && lease.expires.isAfter(now());
    }

    /**
     * True while Vault still holds the lease, alive or kept after its engine failed to revoke it (pending a retry, or
     * irrevocable); false once revoked.
     */
    public synchronized boolean isHeld(Lease lease) {
        sweep();
        return leases.containsKey(lease.id);
    }

    /** True once the lease's revocation has failed {@value VaultRevocations#MAX_REVOKE_ATTEMPTS} times. */
    public synchronized boolean isIrrevocable(Lease lease) {
        sweep();
        return leases.containsKey(lease.id) && lease.revokeError != null;
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

    /** Seconds left, as lookup would answer (see {@link TtlArithmetic#secondsLeft}): negative for a lease kept expired. */
    public synchronized long ttl(Lease lease) {
        return secondsLeft(lease.expires);
    }

    public synchronized long ttl(Token token) {
        return token.expires == null ? 0 : secondsLeft(token.expires);
    }

    /** The token's uses left, as lookup-self would answer {@code num_uses} (zero: no limit). */
    public synchronized int usesLeft(Token token) {
        return token.usesLeft;
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

    /**
     * The server names (SNI) the requests over HTTPS asked for, one per request that named one; the JDK names none
     * when the URL's host is an IP address.
     */
    public List<String> serverNames() {
        return Collections.unmodifiableList(serverNames);
    }

    /** Requests to a path, e.g. {@code /v1/sys/leases/renew}. */
    public List<RecordedRequest> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** Requests received so far, including those not answered yet (a {@link Delay} in progress). */
    public int arrivals() {
        return arrivals.get();
    }

    /** The requests being answered now, on any node. */
    public int inFlight() {
        return inFlight.get();
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
        if (exchange instanceof HttpsExchange https && https.getSSLSession() instanceof ExtendedSSLSession session) {
            for (SNIServerName name : session.getRequestedServerNames()) {
                if (name instanceof SNIHostName host) {
                    serverNames.add(host.getAsciiName());
                }
            }
        }
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
                ledger.fault(VaultLedger.kind(fault.action));
                return fault.action;
            }
        }
        return null;
    }

    private synchronized VaultReply route(
            String method, String path, String query, Map<String, String> headers, String body) {
        sweep();
        if (sealed) {
            ledger.fault("sealed");
            return VaultReply.error(503, "Vault is sealed");
        }
        String logicalPath = path.startsWith("/v1/")
                ? URLDecoder.decode(path.substring("/v1/".length()), StandardCharsets.UTF_8)
                : null;
        VaultReply refused = logicalPath == null ? null : quotas.refusal(logicalPath, now());
        if (refused != null) {
            ledger.fault(refused.headers().containsKey("Retry-After") ? "429-retry-after" : "429");
            return refused;
        }
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
        // Vault spends one of the token's uses before it checks the policies or runs the handler, even for a call the
        // policies then refuse (handleRequest in request_handling.go calls TokenStore.UseToken right after
        // CheckToken); a login path (handleLoginRequest) spends none.
        boolean lastUse = caller != null && !isLoginPath(logicalPath) && spendUse(caller);
        VaultCall call =
                new VaultCall(method, logicalPath, queryParameters(query), caller, token != null, json, namespace);
        VaultReply answer = dispatch(path, call);
        return lastUse ? afterLastUse(caller, answer) : answer;
    }

    /** The token and lease endpoints the renewer calls, then everything else. */
    private VaultReply dispatch(String path, VaultCall call) {
        String method = call.method();
        boolean write = call.write();
        Token caller = call.caller();
        switch (path) {
            case "/v1/auth/token/lookup-self":
                if (!(method.equals("GET") || write)) {
                    return VaultReply.error(405);
                }
                // the default policy grants read: a POST is an update, which it does not grant
                VaultReply lookupDenial = denial(caller, call.path(), write ? "update" : "read");
                return lookupDenial != null ? lookupDenial : VaultReply.json(200, tokenEndpoints.lookupSelf(caller));
            case "/v1/auth/token/lookup":
                if (!(method.equals("GET") || write)) {
                    return VaultReply.error(405);
                }
                // a GET carries no body: Vault then looks the caller up
                return tokenEndpoints.tokenLookup(caller, write ? call.body() : NODES.objectNode());
            case "/v1/auth/token/renew-self":
                if (!write) {
                    return VaultReply.error(405);
                }
                VaultReply renewDenial = denial(caller, call.path(), "update");
                return renewDenial != null ? renewDenial : tokenEndpoints.renewSelf(caller, call.body());
            case "/v1/auth/token/revoke-self":
                if (!write) {
                    return VaultReply.error(405);
                }
                VaultReply revokeDenial = denial(caller, call.path(), "update");
                if (revokeDenial != null) {
                    return revokeDenial;
                }
                revokeToken(caller);
                return VaultReply.noContent();
            case "/v1/sys/leases/lookup":
                if (!write) {
                    return VaultReply.error(405);
                }
                VaultReply leaseDenial = denial(caller, call.path(), "update");
                return leaseDenial != null ? leaseDenial : tokenEndpoints.leaseLookup(call.body(), call.namespace());
            default:
                break;
        }
        for (String prefix : List.of("sys/leases/renew", "sys/renew", "sys/leases/revoke")) {
            String logicalPath = call.path();
            if (logicalPath != null && (logicalPath.equals(prefix) || logicalPath.startsWith(prefix + "/"))) {
                if (!write) {
                    return VaultReply.error(405);
                }
                // the ACL checks the whole path: a rule on sys/leases/renew does not grant sys/leases/renew/<id>
                VaultReply denial = denial(caller, logicalPath, "update");
                if (denial != null) {
                    return denial;
                }
                String suffix =
                        logicalPath.length() > prefix.length() ? logicalPath.substring(prefix.length() + 1) : "";
                return prefix.endsWith("revoke")
                        ? tokenEndpoints.leaseRevoke(call.body(), suffix, call.namespace())
                        : tokenEndpoints.leaseRenew(call.body(), suffix, call.namespace());
            }
        }
        if (call.path() == null) {
            return VaultReply.error(404);
        }
        return secretsAndLogins(call);
    }

    /**
     * Null when the token may call this path with this capability, else Vault's refusal: the invalid-token 403 for a
     * token that does not exist, the ACL's 403 when its policies do not grant it (a token made without policies acts
     * as root). The stock {@code default} policy ({@code DefaultPolicy} in {@code internal/vault/policy/policy_store.go})
     * grants the token and lease endpoints but {@code sys/leases/revoke}.
     */
    private VaultReply denial(Token caller, String path, String capability) {
        if (caller == null) {
            return VaultReply.invalidToken();
        }
        return caller.policies.isEmpty() || acl.allows(caller.policies, path, capability)
                ? null
                : VaultReply.aclDenied();
    }

    /** Whether Vault treats this path as a login path, which needs no token and spends none of its uses. */
    private boolean isLoginPath(String logicalPath) {
        return logicalPath == null
                || logicalPath.startsWith("sys/internal/ui/mounts/")
                || authMethods.isLoginPath(logicalPath);
    }

    /**
     * {@code TokenStore.UseToken}: one use fewer; true when this was the last, the token then {@code
     * tokenRevocationPending} until the call is answered.
     */
    private static boolean spendUse(Token token) {
        if (token.usesLeft <= 0) {
            return false;
        }
        if (token.usesLeft == 1) {
            token.usesLeft = Token.REVOCATION_PENDING;
            return true;
        }
        token.usesLeft--;
        return false;
    }

    /**
     * The end of a token's last call (the function {@code handleRequest} defers): the token is revoked,
     * its leases with it, and an answer that carries a lease (a secret read, a lease renewal) is replaced by Vault's
     * error response (400: an error response without an error).
     */
    private VaultReply afterLastUse(Token caller, VaultReply answer) {
        revokeToken(caller);
        if (answer.status() == 200 && answer.body().contains("\"lease_id\"")) {
            try {
                JsonNode leaseId = JSON.readTree(answer.body()).get("lease_id");
                if (leaseId != null && !leaseId.asText().isEmpty()) {
                    return VaultReply.error(
                            400,
                            "Secret cannot be returned; token had one use left, so leased credentials were"
                                    + " immediately revoked.");
                }
            } catch (IOException e) {
                return answer; // not JSON: no lease in it
            }
        }
        return answer;
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

    /** The parameters of a query string or a form body, decoded. */
    static Map<String, String> queryParameters(String query) {
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

    /**
     * Revokes expired tokens (their leases then expiring at the token's expiry) and the leases whose time is up, as
     * Vault's expiration manager: see {@link VaultRevocations}.
     */
    void sweep() {
        Instant now = now();
        tokens.values().stream()
                .filter(t -> t.expires != null && !t.expires.isAfter(now))
                .toList()
                .forEach(t -> {
                    ledger.tokenExpired(t, maxTtl(t));
                    revokeToken(t, t.expires);
                });
        revocations.run(leases, now);
    }

    /**
     * A token's effective max TTL as {@code CalculateTTL} takes it (the mount's, lowered by its login role's and its own
     * explicit max); null for a periodic token without an explicit max, which has none.
     */
    private Duration maxTtl(Token t) {
        if (!t.spec.period().isZero() && t.spec.explicitMaxTtl().isZero()) {
            return null;
        }
        RoleTtls role = t.loginRole == null ? null : t.loginRole.get();
        return TtlArithmetic.effectiveMax(
                maxLeaseTtl(t.mount), role == null ? Duration.ZERO : role.maxTtl(), t.spec.explicitMaxTtl());
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    /** What a lookup answers as {@code ttl} for this expiry: see {@link TtlArithmetic#secondsLeft}. */
    long secondsLeft(Instant expires) {
        return TtlArithmetic.secondsLeft(expires, now());
    }

    /** The error the lease's engine answers to a revocation now, or null when it revokes. */
    String revocationError(Lease lease) {
        return revocations.revocationError(lease);
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
