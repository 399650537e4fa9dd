package io.kubevaultauthrenewer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubevaultauthrenewer.config.Durations;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The endpoints the renewer calls, answered as Vault does ({@code vault/token_store.go}, {@code vault/expiration.go}):
 * {@code auth/token/lookup-self}, {@code lookup}, {@code renew-self} and {@code sys/leases/lookup}, {@code renew}.
 * Not checked against policies (every token's default policy grants them), except {@code auth/token/lookup}.
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
        data.put("creation_ttl", t.spec.ttl().toSeconds());
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
        data.put("num_uses", 0);
        data.put("orphan", true);
        data.put("path", t.path != null ? t.path : t.expires == null ? "auth/token/root" : "auth/kubernetes/login");
        policies(data.putArray("policies"), t);
        if (!t.spec.period().isZero()) {
            data.put("period", t.spec.period().toSeconds());
        }
        data.put("renewable", t.spec.renewable());
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

    VaultReply renewSelf(Token t, JsonNode body) {
        if (t.expires == null) {
            return VaultReply.error(400, "invalid lease ID");
        }
        if (!t.spec.renewable()) {
            return VaultReply.error(400, "lease is not renewable");
        }
        Instant now = vault.now();
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
            return VaultReply.error(400, "past the max TTL, cannot renew");
        }
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
        auth.put("num_uses", 0);
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
        data.put("renewable", lease.renewable);
        data.put("ttl", vault.secondsLeft(lease.expires));
        return VaultReply.json(200, VaultReply.envelope(data));
    }

    VaultReply leaseRenew(JsonNode body, String pathId, String namespace) {
        String id = VaultEmulator.text(body, "lease_id");
        if (id == null || id.isEmpty()) {
            id = pathId;
        }
        if (id == null || id.isEmpty()) {
            return VaultReply.error(400, "lease_id must be specified");
        }
        if (id.startsWith("auth/")) {
            return VaultReply.error(400, "tokens cannot be renewed through this endpoint");
        }
        Lease lease = visibleLease(id, namespace);
        if (lease == null) {
            return VaultReply.error(400, "lease not found");
        }
        if (!lease.renewable) {
            return VaultReply.error(400, "lease is not renewable");
        }
        Instant now = vault.now();
        Duration increment = increment(body);
        Duration wanted = increment.isZero() ? lease.ttl : increment;
        Grant grant = grant(now, wanted, lease.issued.plus(lease.maxTtl), "TTL");
        if (grant == null) {
            return VaultReply.error(400, "past the max TTL, cannot renew");
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

    /** The leases a token created that are still alive, oldest first. */
    List<Lease> leasesOf(Token token) {
        return vault.leases.values().stream().filter(l -> l.owner == token).toList();
    }
}
