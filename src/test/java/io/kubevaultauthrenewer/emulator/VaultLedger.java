package io.kubevaultauthrenewer.emulator;

import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The emulator's account of a run, for a soak's report: every token and lease that ended, when and why, and every fault
 * it applied, by kind. Vault keeps no such ledger; the reasons are those of its expiration manager ({@code
 * expiration.go}): a lease or token ends when its last grant runs out, a grant never reaches past the max TTL ({@code
 * CalculateTTL}), and a token's revocation takes its leases ({@code RevokeByToken}). So an ending at the max TTL is one
 * no renewal could have prevented, and an ending before it is one a renewal in time would have.
 */
final class VaultLedger {

    /** Why a token or lease ended. */
    enum Why {
        /** Its grant ran out at its max TTL: no renewal could have kept it longer. */
        MAX_TTL("max-ttl"),
        /** Its grant ran out before its max TTL: a renewal in time would have kept it. */
        TTL("ttl"),
        /** Revoked with its token (the token's expiry or revocation). */
        TOKEN("token"),
        /** Revoked by a call or by the test. */
        REVOKED("revoked");

        final String word;

        Why(String word) {
            this.word = word;
        }
    }

    /**
     * One token or lease that ended.
     *
     * @param kind {@code lease} or {@code token}
     * @param name the lease id, or the token's accessor (never the token)
     * @param at when it ended, on Vault's clock (its expiry, or the revocation)
     */
    record Ending(String kind, String name, Instant at, Why why) {}

    private final List<Ending> endings = new ArrayList<>();
    private final Map<String, Integer> faults = new TreeMap<>();

    /** A lease the expiration manager revoked at its expiry (or after, when its engine failed first). */
    synchronized void leaseExpired(Lease lease) {
        Why why;
        if (lease.revokedWithToken) {
            why = Why.TOKEN;
        } else {
            why = reachedMax(lease.expires, lease.issued, lease.maxTtl) ? Why.MAX_TTL : Why.TTL;
        }
        endings.add(new Ending("lease", lease.id, lease.expires, why));
    }

    synchronized void leaseRevoked(Lease lease, Instant at) {
        endings.add(new Ending("lease", lease.id, at, Why.REVOKED));
    }

    /** A token whose TTL ran out; {@code max} its effective max TTL (null: none). */
    synchronized void tokenExpired(Token token, Duration max) {
        Why why = max != null && reachedMax(token.expires, token.issued, max) ? Why.MAX_TTL : Why.TTL;
        endings.add(new Ending("token", token.accessor, token.expires, why));
    }

    synchronized void tokenRevoked(Token token, Instant at) {
        endings.add(new Ending("token", token.accessor, at, Why.REVOKED));
    }

    /**
     * True when an expiry is the max TTL's: {@code CalculateTTL} caps a grant at the issue time truncated to the second
     * plus the max, so a capped expiry is never before that.
     */
    private static boolean reachedMax(Instant expires, Instant issued, Duration max) {
        return !expires.isBefore(issued.truncatedTo(ChronoUnit.SECONDS).plus(max));
    }

    /** One fault applied to a request, by kind ({@code drop}, {@code delay}, {@code status-502}, {@code sealed}, …). */
    synchronized void fault(String kind) {
        faults.merge(kind, 1, Integer::sum);
    }

    synchronized List<Ending> endings() {
        return List.copyOf(endings);
    }

    synchronized Map<String, Integer> faults() {
        return Map.copyOf(faults);
    }

    /** The kind of an injected fault, as {@link #fault} counts it. */
    static String kind(VaultEmulator.FaultAction action) {
        if (action instanceof VaultEmulator.Status s) {
            return "status-" + s.status();
        }
        if (action instanceof VaultEmulator.RawBody raw) {
            return "raw-" + raw.status();
        }
        if (action instanceof VaultEmulator.Delay) {
            return "delay";
        }
        if (action instanceof VaultEmulator.Drop) {
            return "drop";
        }
        if (action instanceof VaultEmulator.CutShort) {
            return "cut-short";
        }
        return "before";
    }
}
