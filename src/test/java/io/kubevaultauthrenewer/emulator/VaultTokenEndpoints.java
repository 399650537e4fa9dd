package io.kubevaultauthrenewer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubevaultauthrenewer.config.Durations;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RoleTtls;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The endpoints the renewer calls, answered as Vault does (OpenBao's {@code internal/vault/token_store.go}, {@code
 * internal/vault/expiration.go} and {@code internal/vault/logical_system.go}; hashicorp/vault's {@code vault/} files of
 * the same names): {@code auth/token/lookup-self}, {@code lookup}, {@code renew-self} and {@code sys/leases/lookup},
 * {@code renew}, {@code revoke}. The caller's policies have been checked before a call gets here (but {@code
 * auth/token/lookup}'s, checked here), and its use spent.
 */
final class VaultTokenEndpoints {

    /** The entity of every token made without a login. */
    static final String DEFAULT_ENTITY_ID = "7d2e3179-f69b-450c-7179-ac8ee8bd8ca9";

    private final VaultEmulator vault;

    VaultTokenEndpoints(VaultEmulator vault) {
        this.vault = vault;
    }

    ObjectNode lookupSelf(Token t) {
        ObjectNode data = VaultReply.NODES.objectNode();
        data.put("accessor", t.accessor);
        data.put("creation_time", t.issued.getEpochSecond());
        // handleLookup: te.TTL, the TTL granted at creation after the cap
        data.put("creation_ttl", t.creationTtl.toSeconds());
        data.put("display_name", t.displayName == null ? "kubernetes-app" : t.displayName);
        data.put("entity_id", t.entityId == null ? DEFAULT_ENTITY_ID : t.entityId);
        if (t.expires == null) {
            data.putNull("expire_time");
        } else {
            data.put("expire_time", t.expires.toString());
        }
        data.put("explicit_max_ttl", t.spec.explicitMaxTtl().toSeconds());
        data.put("id", t.id);
        data.put("issue_time", t.issued.toString());
        if (t.lastRenewal != null) {
            data.put("last_renewal", t.lastRenewal.toString());
            data.put("last_renewal_time", t.lastRenewal.getEpochSecond());
        }
        meta(data.putObject("meta"), t);
        // the uses left once this call's use is spent; -1 (tokenRevocationPending) on its last: handleLookup reads the
        // token with lookupInternal(..., tainted=true), which returns it even then
        data.put("num_uses", t.usesLeft);
        data.put("orphan", true);
        data.put("path", t.path != null ? t.path : t.expires == null ? "auth/token/root" : "auth/kubernetes/login");
        policies(data.putArray("policies"), t);
        if (!t.spec.period().isZero()) {
            data.put("period", t.spec.period().toSeconds());
        }
        data.put("renewable", t.spec.renewable());
        // leaseEntry.ttl(): see TtlArithmetic.secondsLeft
        data.put("ttl", t.expires == null ? 0 : vault.secondsLeft(t.expires));
        data.put("type", "service");
        return VaultReply.envelope(data);
    }

    /**
     * {@code auth/token/lookup}: the token named by the body's {@code token} (the caller when none) described as
     * lookup-self describes it. Only a root caller may: the default policy, every other token's here, grants nothing
     * on this path. A token that does not exist (never did, revoked, expired) is Vault's 403 {@code bad token}.
     */
    VaultReply tokenLookup(Token caller, JsonNode body) {
        if (caller == null) {
            return VaultReply.invalidToken();
        }
        if (caller.expires != null) {
            // a valid token without the policy: Vault's ACL refusal, without "invalid token"
            return VaultReply.aclDenied();
        }
        String id = VaultEmulator.text(body, "token");
        Token looked = id == null || id.isEmpty() ? caller : vault.tokens.get(id);
        return looked == null ? VaultReply.error(403, "bad token") : VaultReply.json(200, lookupSelf(looked));
    }

    /**
     * {@code auth/token/renew-self}: {@code handleRenew}, then {@code ExpirationManager.RenewToken}. The auth method
     * is asked for the backend's TTL ({@code renewAuthEntry}): the token store answers the token's last grant and
     * period ({@code authRenew}: {@code req.Auth} is the lease entry's auth, whose TTL each renewal overwrote), a login's
     * method its role's current {@code token_ttl}, {@code token_max_ttl} and {@code token_period} ({@code
     * pathLoginRenew}). Then {@code CalculateTTL} under the mount's max, from the token's issue time.
     *
     * <p>A deleted role and a passed max are errors, not error responses: {@code renewAuthEntry} wraps the auth
     * method's error as {@code failed to renew entry: %w}, {@code RenewToken} returns {@code CalculateTTL}'s as it is,
     * and {@code request_handling.go} appends the handler's error to a {@code go-multierror}; neither carries a {@code
     * logical} error code, so {@code RespondErrorCommon} answers 500 with the multierror's text.
     */
    VaultReply renewSelf(Token t, JsonNode body) {
        if (t.usesLeft == Token.REVOCATION_PENDING) {
            // handleRenew looks the token up with ts.Lookup, which no longer finds a token on its last use
            return VaultReply.error(400, "token not found");
        }
        if (t.expires == null) {
            return VaultReply.error(400, "invalid lease ID");
        }
        if (!t.spec.renewable()) {
            return VaultReply.error(400, "lease is not renewable");
        }
        RoleTtls backend;
        if (t.loginRole == null) {
            backend = new RoleTtls(t.grantedTtl, Duration.ZERO, t.spec.period());
        } else {
            backend = t.loginRole.get();
            if (backend == null) {
                return VaultReply.multiError(500, "failed to renew entry: " + t.loginRoleGone);
            }
        }
        Instant now = vault.now();
        TtlArithmetic.Grant grant = TtlArithmetic.calculate(
                now,
                vault.maxLeaseTtl(t.mount),
                VaultEmulator.DEFAULT_LEASE_TTL,
                increment(body),
                backend.ttl(),
                backend.period(),
                backend.maxTtl(),
                t.spec.explicitMaxTtl(),
                t.issued);
        if (grant == null) {
            return VaultReply.multiError(500, TtlArithmetic.PAST_MAX_TTL);
        }
        t.grantedTtl = grant.ttl();
        t.expires = now.plus(grant.ttl());
        t.lastRenewal = now;
        t.renewals++;
        ObjectNode answer = VaultReply.envelope(null);
        answer.set("auth", auth(t, grant.ttl().toSeconds()));
        warnings(answer, grant);
        return VaultReply.json(200, answer);
    }

    /** The {@code auth} block of a login or a token renewal. */
    static ObjectNode auth(Token t, long leaseDuration) {
        ObjectNode auth = VaultReply.NODES.objectNode();
        auth.put("client_token", t.id);
        auth.put("accessor", t.accessor);
        policies(auth.putArray("policies"), t);
        policies(auth.putArray("token_policies"), t);
        meta(auth.putObject("metadata"), t);
        auth.put("lease_duration", leaseDuration);
        auth.put("renewable", t.spec.renewable());
        auth.put("entity_id", t.entityId == null ? DEFAULT_ENTITY_ID : t.entityId);
        auth.put("token_type", "service");
        auth.put("orphan", true);
        auth.putNull("mfa_requirement");
        // the auth the lease entry keeps, as the token was created: its num_uses then, not the uses left
        auth.put("num_uses", t.spec.numUses());
        return auth;
    }

    private static void policies(ArrayNode list, Token t) {
        if (t.policies.isEmpty()) {
            list.add(t.expires == null ? "root" : "default");
        } else {
            t.policies.forEach(list::add);
        }
    }

    private static void meta(ObjectNode meta, Token t) {
        (t.meta == null ? Map.of("role", "app") : t.meta).forEach(meta::put);
    }

    /**
     * {@code sys/leases/lookup} ({@code handleLeaseLookup}): a lease kept after its engine failed to revoke it is still
     * described, not renewable ({@code leaseEntry.renewable}), its {@code ttl} negative, and once irrevocable with its
     * {@code revoke_error}.
     */
    VaultReply leaseLookup(JsonNode body, String namespace) {
        String id = VaultEmulator.text(body, "lease_id");
        if (id == null || id.isEmpty()) {
            return VaultReply.error(400, "lease_id must be specified");
        }
        Lease lease = visibleLease(id, namespace);
        if (lease == null) {
            return VaultReply.error(400, "invalid lease");
        }
        ObjectNode data = VaultReply.NODES.objectNode();
        data.put("expire_time", lease.expires.toString());
        data.put("id", lease.id);
        data.put("issue_time", lease.issued.toString());
        if (lease.lastRenewal == null) {
            data.putNull("last_renewal");
        } else {
            data.put("last_renewal", lease.lastRenewal.toString());
        }
        data.put("renewable", renewalRefusal(lease) == null);
        if (lease.revokeError != null) {
            data.put("revoke_error", lease.revokeError);
        }
        data.put("ttl", vault.secondsLeft(lease.expires));
        return VaultReply.json(200, VaultReply.envelope(data));
    }

    VaultReply leaseRenew(JsonNode body, String pathId, String namespace) {
        String id = leaseId(body, pathId);
        if (id.isEmpty()) {
            return VaultReply.error(400, "lease_id must be specified");
        }
        if (id.startsWith("auth/")) {
            return VaultReply.error(400, "tokens cannot be renewed through this endpoint");
        }
        Lease lease = visibleLease(id, namespace);
        if (lease == null) {
            return VaultReply.error(400, "lease not found");
        }
        String refusal = renewalRefusal(lease);
        if (refusal != null) {
            return VaultReply.error(400, refusal);
        }
        // Renew: CalculateTTL with the engine's TTL and max (the lease's), under the mount's max, from the issue time;
        // its error reaches handleRenew's handleError, which makes it an error response with ErrInvalidRequest: 400
        Instant now = vault.now();
        TtlArithmetic.Grant grant = TtlArithmetic.calculate(
                now,
                VaultEmulator.SYSTEM_MAX_TTL,
                VaultEmulator.DEFAULT_LEASE_TTL,
                increment(body),
                lease.ttl,
                Duration.ZERO,
                lease.maxTtl,
                Duration.ZERO,
                lease.issued);
        if (grant == null) {
            return VaultReply.error(400, TtlArithmetic.PAST_MAX_TTL);
        }
        lease.expires = now.plus(grant.ttl());
        lease.lastRenewal = now;
        lease.renewals++;
        ObjectNode answer = VaultReply.envelope(null);
        answer.put("lease_id", lease.id);
        answer.put("renewable", true);
        answer.put("lease_duration", grant.ttl().toSeconds());
        warnings(answer, grant);
        return VaultReply.json(200, answer);
    }

    /**
     * {@code leaseEntry.renewable}'s error for a lease that cannot be renewed now, in its order, else null: irrevocable,
     * expired (kept while its revocation is retried), not renewable.
     */
    private String renewalRefusal(Lease lease) {
        if (lease.revokeError != null) {
            return "lease is expired and has failed previous revocation attempts";
        }
        if (lease.expires.isBefore(vault.now())) {
            return "lease expired";
        }
        return lease.renewable ? null : "lease is not renewable";
    }

    /**
     * {@code sys/leases/revoke} ({@code handleRevoke}, {@code sync} true by default): 204 once revoked, and for a lease
     * that does not exist; when the engine fails, {@code revokeEntry}'s error, which {@code handleError} makes an error
     * response with {@code ErrInvalidRequest}: 400 with the plain text.
     */
    VaultReply leaseRevoke(JsonNode body, String pathId, String namespace) {
        String id = leaseId(body, pathId);
        if (id.isEmpty()) {
            return VaultReply.error(400, "lease_id must be specified");
        }
        Lease lease = visibleLease(id, namespace);
        if (lease != null) {
            String error = vault.revocationError(lease);
            if (error != null) {
                return VaultReply.error(400, error);
            }
            vault.leases.remove(lease.id);
            vault.ledger.leaseRevoked(lease, vault.now());
        }
        return VaultReply.noContent();
    }

    /** The body's {@code lease_id}, else the one in the path ({@code url_lease_id}); empty when neither has one. */
    private static String leaseId(JsonNode body, String pathId) {
        String id = VaultEmulator.text(body, "lease_id");
        if (id == null || id.isEmpty()) {
            id = pathId;
        }
        return id == null ? "" : id;
    }

    /** A lease is seen only in the namespace it was issued in, as Vault Enterprise does. */
    private Lease visibleLease(String id, String namespace) {
        Lease lease = vault.leases.get(id);
        if (lease == null) {
            return null;
        }
        boolean sameNamespace =
                lease.namespace == null ? namespace == null || namespace.isEmpty() : lease.namespace.equals(namespace);
        return sameNamespace ? lease : null;
    }

    /** The warnings of a grant capped by {@code CalculateTTL}, or Vault's null when none. */
    static void warnings(ObjectNode answer, TtlArithmetic.Grant grant) {
        if (!grant.warnings().isEmpty()) {
            grant.warnings().forEach(answer.putArray("warnings")::add);
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

    /** The leases a token created that are still alive, oldest first. */
    List<Lease> leasesOf(Token token) {
        return vault.leases.values().stream()
                .filter(l -> l.owner == token && l.expires.isAfter(vault.now()))
                .toList();
    }
}
