package io.kubevaultauthrenewer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubevaultauthrenewer.config.Durations;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RoleTtls;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import io.kubevaultauthrenewer.emulator.VaultMounts.Mount;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The emulator's auth methods: Kubernetes ({@code vault-plugin-auth-kubernetes}'s {@code path_login.go}, with this
 * emulator standing in for the cluster's TokenReview) and AppRole ({@code builtin/credential/approle}). Their login
 * paths need no token; AppRole's role paths are checked against the caller's policies.
 */
final class VaultAuthMethods {

    /** The issuer of the service-account JWTs this emulator mints, as a cluster's API server names itself. */
    static final String ISSUER = "https://kubernetes.default.svc.cluster.local";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Set<String> SIGNING_ALGORITHMS =
            Set.of("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512");
    /** hashicorp/cap's leeways: clock skew on every time claim, and the life given to a JWT without {@code exp}. */
    private static final long CLOCK_SKEW_SECONDS = 60;

    private static final long MISSING_EXPIRY_LEEWAY_SECONDS = 150;
    private static final Pattern APPROLE_PATH = Pattern.compile("role/([^/]+)/(role-id|secret-id)");

    private record KubernetesConfig(String host, String caCert) {}

    private record KubernetesRole(
            String serviceAccountName, String namespace, RoleTtls tokens, List<String> policies) {}

    private static final class AppRole {
        final String name;
        final String roleId = UUID.randomUUID().toString();
        RoleTtls tokens = new RoleTtls(Duration.ZERO, Duration.ZERO, Duration.ZERO);
        List<String> policies;
        int secretIdNumUses;
        Duration secretIdTtl = Duration.ZERO;

        AppRole(String name) {
            this.name = name;
        }
    }

    private static final class SecretId {
        final String role;
        final String accessor = UUID.randomUUID().toString();
        final Instant expires; // null: never
        int usesLeft; // 0: unlimited

        SecretId(String role, int uses, Instant expires) {
            this.role = role;
            this.usesLeft = uses;
            this.expires = expires;
        }
    }

    private final VaultEmulator vault;
    private final VaultMounts mounts;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, KubernetesConfig> kubernetesConfigs = new HashMap<>();
    private final Map<String, Map<String, KubernetesRole>> kubernetesRoles = new HashMap<>();
    private final Map<String, String> serviceAccountUids = new HashMap<>();
    private final Set<String> issuedJwts = new HashSet<>();
    private final Set<String> revokedJwts = new HashSet<>();
    private final Map<String, AppRole> appRoles = new LinkedHashMap<>();
    private final Map<String, SecretId> secretIds = new HashMap<>();
    private final Map<String, String> entities = new HashMap<>();

    VaultAuthMethods(VaultEmulator vault, VaultMounts mounts) {
        this.vault = vault;
        this.mounts = mounts;
    }

    void enableKubernetes(String mount) {
        Mount auth = mounts.enable("auth/" + mount, "kubernetes", null);
        kubernetesConfigs.putIfAbsent(
                auth.routePath(),
                new KubernetesConfig(VaultEmulator.KUBERNETES_HOST, VaultEmulator.KUBERNETES_CA_CERT));
    }

    void kubernetesConfig(String mount, String host, String caCert) {
        kubernetesConfigs.put(kubernetesMount(mount).routePath(), new KubernetesConfig(host, caCert));
    }

    /** Creates a role, or updates one keeping its {@code token_max_ttl} and {@code token_period}. */
    void kubernetesRole(
            String mount, String role, String serviceAccountName, String namespace, Duration ttl, String... policies) {
        Map<String, KubernetesRole> roles =
                kubernetesRoles.computeIfAbsent(kubernetesMount(mount).routePath(), m -> new HashMap<>());
        KubernetesRole old = roles.get(role);
        RoleTtls tokens = old == null
                ? new RoleTtls(orZero(ttl), Duration.ZERO, Duration.ZERO)
                : new RoleTtls(orZero(ttl), old.tokens().maxTtl(), old.tokens().period());
        roles.put(role, new KubernetesRole(serviceAccountName, namespace, tokens, List.of(policies)));
    }

    void kubernetesRoleTokenTtls(String mount, String role, RoleTtls tokens) {
        Map<String, KubernetesRole> roles =
                kubernetesRoles.getOrDefault(kubernetesMount(mount).routePath(), Map.of());
        KubernetesRole old = roles.get(role);
        if (old == null) {
            throw new IllegalArgumentException("no Kubernetes role " + role + " at auth/" + mount);
        }
        roles.put(role, new KubernetesRole(old.serviceAccountName(), old.namespace(), zeroed(tokens), old.policies()));
    }

    void deleteKubernetesRole(String mount, String role) {
        Map<String, KubernetesRole> roles =
                kubernetesRoles.getOrDefault(kubernetesMount(mount).routePath(), Map.of());
        if (roles.remove(role) == null) {
            throw new IllegalArgumentException("no Kubernetes role " + role + " at auth/" + mount);
        }
    }

    /** A path Vault routes as a login: {@code login} under an auth method's mount. */
    boolean isLoginPath(String path) {
        Mount mount = mounts.matching(path);
        return mount != null && mount.isAuth() && mount.rest(path).equals("login");
    }

    private Mount kubernetesMount(String mount) {
        Mount auth = mounts.matching("auth/" + mount.replaceAll("^/+|/+$", "") + "/");
        if (auth == null || !auth.type().equals("kubernetes")) {
            throw new IllegalStateException("no Kubernetes auth method at auth/" + mount);
        }
        return auth;
    }

    /** A JWT like a projected service-account token's, valid for an hour, that this emulator's TokenReview accepts. */
    String serviceAccountJwt(String namespace, String name) {
        long now = vault.now().getEpochSecond();
        String uid = serviceAccountUids.computeIfAbsent(
                namespace + "/" + name, k -> UUID.randomUUID().toString());
        ObjectNode header = VaultReply.NODES.objectNode().put("alg", "RS256").put("kid", "vault-emulator");
        ObjectNode claims = VaultReply.NODES.objectNode();
        claims.putArray("aud").add(ISSUER);
        claims.put("exp", now + 3600);
        claims.put("iat", now);
        claims.put("iss", ISSUER);
        claims.put("jti", UUID.randomUUID().toString());
        ObjectNode kubernetes = claims.putObject("kubernetes.io");
        kubernetes.put("namespace", namespace);
        kubernetes.putObject("serviceaccount").put("name", name).put("uid", uid);
        claims.put("nbf", now);
        claims.put("sub", "system:serviceaccount:" + namespace + ":" + name);
        byte[] signature = new byte[256];
        random.nextBytes(signature);
        String jwt = encode(header) + "." + encode(claims) + "." + BASE64URL.encodeToString(signature);
        issuedJwts.add(jwt);
        return jwt;
    }

    void revokeServiceAccountJwt(String jwt) {
        revokedJwts.add(jwt);
    }

    /** Creates a role, or updates one keeping its role_id and {@code token_max_ttl}. */
    String appRole(String role, Duration tokenTtl, Duration tokenPeriod, String... policies) {
        mounts.enable("auth/approle", "approle", null);
        AppRole entry = appRoles.computeIfAbsent(role.toLowerCase(Locale.ROOT), AppRole::new);
        entry.tokens = new RoleTtls(orZero(tokenTtl), entry.tokens.maxTtl(), orZero(tokenPeriod));
        entry.policies = List.of(policies);
        return entry.roleId;
    }

    void appRoleTokenTtls(String role, RoleTtls tokens) {
        existingAppRole(role).tokens = zeroed(tokens);
    }

    void deleteAppRole(String role) {
        AppRole entry = existingAppRole(role);
        appRoles.remove(entry.name);
        secretIds.values().removeIf(id -> id.role.equals(entry.name));
    }

    void appRoleSecretIdLimits(String role, int numUses, Duration ttl) {
        AppRole entry = existingAppRole(role);
        entry.secretIdNumUses = numUses;
        entry.secretIdTtl = ttl == null ? Duration.ZERO : ttl;
    }

    String secretId(String role) {
        AppRole entry = existingAppRole(role);
        String id = UUID.randomUUID().toString();
        secretIds.put(id, new SecretId(entry.name, entry.secretIdNumUses, expiry(entry.secretIdTtl)));
        return id;
    }

    private AppRole existingAppRole(String role) {
        AppRole entry = appRoles.get(role.toLowerCase(Locale.ROOT));
        if (entry == null) {
            throw new IllegalArgumentException("no AppRole role " + role);
        }
        return entry;
    }

    /**
     * A call under {@code auth/} (but {@code auth/token/}). A login path needs no token: where no auth method is
     * mounted the path is no login path, so Vault asks for a token, and with one its router finds no handler.
     */
    VaultReply handle(VaultCall call, VaultPolicies acl) {
        Mount mount = mounts.matching(call.path());
        if (mount == null || !mount.isAuth()) {
            VaultReply denial = acl.denial(call, call.path(), call.capability());
            return denial != null ? denial : VaultReply.noHandler(call.path());
        }
        String rest = mount.rest(call.path());
        if (rest.equals("login")) {
            if (!call.write()) {
                return VaultReply.unsupportedOperation();
            }
            return mount.type().equals("kubernetes") ? kubernetesLogin(call, mount) : appRoleLogin(call, mount);
        }
        VaultReply denial = acl.denial(call, call.path(), call.capability());
        if (denial != null) {
            return denial;
        }
        if (mount.type().equals("kubernetes") && rest.equals("config")) {
            return kubernetesConfig(call, mount);
        }
        Matcher path = APPROLE_PATH.matcher(rest);
        if (!mount.type().equals("approle") || !path.matches()) {
            return VaultReply.unsupportedPath(); // Kubernetes roles, AppRole's other paths: not modelled
        }
        return path.group(2).equals("role-id") ? roleId(call, path.group(1)) : newSecretId(call, mount, path.group(1));
    }

    // ----------------------------------------------------------------------------------------------
    // Kubernetes
    // ----------------------------------------------------------------------------------------------

    /** {@code GET auth/<mount>/config}, as {@code path_config.go} answers it (its writes are not modelled). */
    private VaultReply kubernetesConfig(VaultCall call, Mount mount) {
        if (!call.read()) {
            return VaultReply.unsupportedOperation();
        }
        KubernetesConfig config = kubernetesConfigs.get(mount.routePath());
        ObjectNode data = VaultReply.NODES.objectNode();
        data.put("disable_iss_validation", true);
        data.put("disable_local_ca_jwt", false);
        data.put("issuer", "");
        data.put("kubernetes_ca_cert", config.caCert());
        data.put("kubernetes_host", config.host());
        data.putArray("pem_keys");
        data.put("token_reviewer_jwt_set", false);
        data.put("use_annotations_as_alias_metadata", false);
        return reply(VaultReply.envelope(data), mount.type());
    }

    /** {@code auth/<mount>/login}, checking in {@code path_login.go}'s order. */
    private VaultReply kubernetesLogin(VaultCall call, Mount mount) {
        String roleName = call.field("role");
        if (roleName == null || roleName.isEmpty()) {
            return VaultReply.error(400, "missing role");
        }
        String jwt = call.field("jwt");
        if (jwt == null || jwt.isEmpty()) {
            return VaultReply.error(400, "missing jwt");
        }
        KubernetesRole role =
                kubernetesRoles.getOrDefault(mount.routePath(), Map.of()).get(roleName);
        if (role == null) {
            return VaultReply.error(400, "invalid role name " + VaultReply.goQuote(roleName));
        }
        JsonNode claims = parseJwt(jwt);
        if (claims == null) {
            return VaultReply.error(403, "permission denied"); // "error verifying token signature"
        }
        String timeRefusal = timeRefusal(claims);
        if (timeRefusal != null) {
            return VaultReply.error(403, timeRefusal);
        }
        JsonNode projected = claims.path("kubernetes.io");
        String name = projected.isObject()
                ? projected.path("serviceaccount").path("name").asText("")
                : claims.path("kubernetes.io/serviceaccount/service-account.name")
                        .asText("");
        String namespace = projected.isObject()
                ? projected.path("namespace").asText("")
                : claims.path("kubernetes.io/serviceaccount/namespace").asText("");
        String uid = projected.isObject()
                ? projected.path("serviceaccount").path("uid").asText("")
                : claims.path("kubernetes.io/serviceaccount/service-account.uid")
                        .asText("");
        if (!role.serviceAccountName().equals("*") && !glob(role.serviceAccountName(), name)) {
            return VaultReply.error(403, "service account name not authorized");
        }
        if (!role.namespace().equals("*") && !glob(role.namespace(), namespace)) {
            return VaultReply.error(403, "namespace not authorized");
        }
        if (!issuedJwts.contains(jwt) || revokedJwts.contains(jwt)) {
            return VaultReply.error(403, "permission denied"); // the TokenReview refused it
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("role", roleName);
        meta.put("service_account_name", name);
        meta.put("service_account_namespace", namespace);
        meta.put("service_account_secret_name", "");
        meta.put("service_account_uid", uid);
        String routePath = mount.routePath();
        Supplier<RoleTtls> current = () -> {
            KubernetesRole now =
                    kubernetesRoles.getOrDefault(routePath, Map.of()).get(roleName);
            return now == null ? null : now.tokens();
        };
        // path_login.go's pathLoginRenew: fmt.Errorf("role %s does not exist during renewal", roleName)
        String gone = "role " + roleName + " does not exist during renewal";
        return login(mount, role.tokens(), role.policies(), current, gone, meta, namespace + "-" + name, uid);
    }

    /** Null when the JWT's time claims pass hashicorp/cap's checks (with its leeways), else its refusal. */
    private String timeRefusal(JsonNode claims) {
        long now = vault.now().getEpochSecond();
        Long iat = number(claims, "iat");
        Long exp = number(claims, "exp");
        Long nbf = number(claims, "nbf");
        if (iat == null && exp == null && nbf == null) {
            return null;
        }
        long start = Math.max(iat == null ? 0 : iat, nbf == null ? 0 : nbf);
        long expiry = exp != null ? exp : start + MISSING_EXPIRY_LEEWAY_SECONDS;
        long notBefore = nbf != null ? nbf : iat != null ? iat : expiry - MISSING_EXPIRY_LEEWAY_SECONDS;
        if (now + CLOCK_SKEW_SECONDS < notBefore) {
            return "invalid not before (nbf) claim: token not yet valid";
        }
        if (now - CLOCK_SKEW_SECONDS > expiry) {
            return "invalid expiration time (exp) claim: token is expired";
        }
        if (iat != null && now + CLOCK_SKEW_SECONDS < iat) {
            return "invalid issued at (iat) claim: token issued in the future";
        }
        return null;
    }

    /** The claims of a compact JWS with a known algorithm and a signature (not verified), or null. */
    private static JsonNode parseJwt(String jwt) {
        String[] parts = jwt.split("\\.", -1);
        if (parts.length != 3 || parts[2].isEmpty()) {
            return null;
        }
        try {
            Base64.Decoder decoder = Base64.getUrlDecoder();
            JsonNode header = JSON.readTree(decoder.decode(parts[0]));
            JsonNode claims = JSON.readTree(decoder.decode(parts[1]));
            decoder.decode(parts[2]);
            boolean known = header != null
                    && SIGNING_ALGORITHMS.contains(header.path("alg").asText());
            return known && claims != null && claims.isObject() ? claims : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    // ----------------------------------------------------------------------------------------------
    // AppRole
    // ----------------------------------------------------------------------------------------------

    /** {@code GET role/<role>/role-id}; an unknown role is a read of nothing: 404 without errors. */
    private VaultReply roleId(VaultCall call, String roleName) {
        if (!call.read()) {
            return VaultReply.unsupportedOperation(); // setting a role_id: not modelled
        }
        AppRole role = appRoles.get(roleName.toLowerCase(Locale.ROOT));
        if (role == null) {
            return VaultReply.error(404);
        }
        ObjectNode data = VaultReply.NODES.objectNode().put("role_id", role.roleId);
        return reply(VaultReply.envelope(data), "approle");
    }

    /** {@code POST role/<role>/secret-id}, with the body's {@code num_uses} and {@code ttl} within the role's. */
    private VaultReply newSecretId(VaultCall call, Mount mount, String roleName) {
        if (!call.write()) {
            return VaultReply.unsupportedOperation(); // listing accessors: not modelled
        }
        AppRole role = appRoles.get(roleName.toLowerCase(Locale.ROOT));
        if (role == null) {
            return VaultReply.error(404, "role " + VaultReply.goQuote(roleName) + " does not exist");
        }
        int uses = role.secretIdNumUses;
        JsonNode numUses = call.body().get("num_uses");
        if (numUses != null && !numUses.isNull()) {
            uses = numUses.asInt();
            if (uses < 0) {
                return VaultReply.error(400, "num_uses cannot be negative");
            }
            if ((uses == 0 && role.secretIdNumUses > 0) || (role.secretIdNumUses > 0 && uses > role.secretIdNumUses)) {
                return VaultReply.error(400, "num_uses cannot be higher than the role's secret_id_num_uses");
            }
        }
        Duration ttl = role.secretIdTtl;
        JsonNode ttlField = call.body().get("ttl");
        if (ttlField != null && !ttlField.isNull()) {
            ttl = ttlField.isNumber() ? Duration.ofSeconds(ttlField.asLong()) : Durations.parse(ttlField.asText());
            boolean longer = !role.secretIdTtl.isZero() && ttl.compareTo(role.secretIdTtl) > 0;
            if ((ttl.isZero() && !role.secretIdTtl.isZero()) || longer) {
                return VaultReply.error(400, "ttl cannot be longer than the role's secret_id_ttl");
            }
        }
        String id = UUID.randomUUID().toString();
        SecretId secretId = new SecretId(role.name, uses, expiry(ttl));
        secretIds.put(id, secretId);
        ObjectNode data = VaultReply.NODES.objectNode();
        data.put("secret_id", id);
        data.put("secret_id_accessor", secretId.accessor);
        data.put("secret_id_num_uses", uses);
        data.put("secret_id_ttl", ttl.toSeconds());
        return reply(VaultReply.envelope(data), mount.type());
    }

    /**
     * {@code POST login} with {@code role_id} and {@code secret_id}. A secret_id with a use limit loses one use a
     * login and is gone after its last; one past its TTL is gone. Every refusal of the pair is the same 400.
     */
    private VaultReply appRoleLogin(VaultCall call, Mount mount) {
        String roleId = trimmed(call.field("role_id"));
        if (roleId.isEmpty()) {
            return VaultReply.error(400, "missing role_id");
        }
        AppRole role = appRoles.values().stream()
                .filter(r -> r.roleId.equals(roleId))
                .findFirst()
                .orElse(null);
        if (role == null) {
            return VaultReply.error(400, "invalid role or secret ID");
        }
        String secret = trimmed(call.field("secret_id"));
        if (secret.isEmpty()) {
            return VaultReply.error(400, "missing secret_id");
        }
        SecretId secretId = secretIds.get(secret);
        if (secretId != null && secretId.expires != null && !secretId.expires.isAfter(vault.now())) {
            secretIds.remove(secret);
            secretId = null;
        }
        if (secretId == null || !secretId.role.equals(role.name)) {
            return VaultReply.error(400, "invalid role or secret ID");
        }
        if (secretId.usesLeft > 0 && --secretId.usesLeft == 0) {
            secretIds.remove(secret);
        }
        String name = role.name;
        Supplier<RoleTtls> current = () -> {
            AppRole now = appRoles.get(name);
            return now == null ? null : now.tokens;
        };
        // approle's path_login.go, pathLoginRenew: fmt.Errorf("role %q does not exist during renewal", roleName)
        String gone = "role " + VaultReply.goQuote(name) + " does not exist during renewal";
        return login(mount, role.tokens, role.policies, current, gone, Map.of("role_name", name), "", role.roleId);
    }

    // ----------------------------------------------------------------------------------------------
    // Both
    // ----------------------------------------------------------------------------------------------

    /**
     * Issues a login's token as Vault's core does ({@code handleLoginRequest} in {@code request_handling.go}: {@code
     * CalculateTTL} with the role's TTL, period and max, under the auth mount's max), and answers with its {@code
     * auth} block and the cap's warnings. A renewal of the token asks the auth method for the role again.
     */
    private VaultReply login(
            Mount mount,
            RoleTtls role,
            List<String> policies,
            Supplier<RoleTtls> current,
            String roleGone,
            Map<String, String> meta,
            String displayName,
            String alias) {
        TokenSpec spec = new TokenSpec(role.ttl(), Duration.ZERO, true, role.period(), policies);
        TtlArithmetic.Grant grant = vault.created(spec, mount.routePath(), role.maxTtl());
        Token token = vault.issue(spec, grant.ttl(), mount.routePath());
        token.loginRole = current;
        token.loginRoleGone = roleGone;
        String source = mount.path().replaceAll("/+$", "").replace('/', '-');
        token.meta = Map.copyOf(meta);
        token.path = mount.routePath() + "login";
        token.displayName = displayName.isEmpty() ? source : source + "-" + displayName;
        token.entityId = entities.computeIfAbsent(
                mount.accessor() + "/" + alias, k -> UUID.randomUUID().toString());
        ObjectNode answer = VaultReply.envelope(null);
        answer.set("auth", VaultTokenEndpoints.auth(token, token.creationTtl.toSeconds()));
        VaultTokenEndpoints.warnings(answer, grant);
        return reply(answer, mount.type());
    }

    private static VaultReply reply(ObjectNode answer, String mountType) {
        answer.put("mount_type", mountType);
        return VaultReply.json(200, answer);
    }

    private Instant expiry(Duration ttl) {
        return ttl.isZero() ? null : vault.now().plus(ttl);
    }

    private static Duration orZero(Duration d) {
        return d == null ? Duration.ZERO : d;
    }

    private static RoleTtls zeroed(RoleTtls tokens) {
        return new RoleTtls(orZero(tokens.ttl()), orZero(tokens.maxTtl()), orZero(tokens.period()));
    }

    private static String trimmed(String s) {
        return s == null ? "" : s.strip();
    }

    private static Long number(JsonNode claims, String name) {
        JsonNode value = claims.get(name);
        return value != null && value.isNumber() ? value.asLong() : null;
    }

    /** A pattern with {@code *} wildcards anywhere, as Vault's {@code StrListContainsGlob} matches. */
    private static boolean glob(String pattern, String value) {
        String regex =
                Arrays.stream(pattern.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining(".*"));
        return value.matches(regex);
    }

    private static String encode(JsonNode node) {
        return BASE64URL.encodeToString(node.toString().getBytes(StandardCharsets.UTF_8));
    }
}
