package io.kubevaultauthrenewer.emulator;

import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Vault's expiration manager as far as revoking leases goes (OpenBao's {@code internal/vault/expiration.go}, the same
 * as hashicorp/vault's {@code vault/expiration.go}). A lease whose time is up, or whose token was revoked ({@code
 * RevokeByToken} marks them expiring now: {@code lazyRevokeInternal}), is revoked by its secret engine. When the
 * engine fails, the lease is kept and retried ({@code revocationJob.OnFailure}): after the n-th failure the next try
 * comes {@code revokeExponentialBackoff(n)} later, 10 s·2<sup>n</sup> with Vault's ±50 % jitter, here its midpoint
 * (20, 40, 80, 160, 320 s on Vault's clock); the sixth failure ({@code maxRevokeAttempts}) marks the lease irrevocable
 * ({@code markLeaseIrrevocable}, its {@code RevokeErr} prefixed {@code out of retries: } and cut at 240 characters),
 * and no backoff retries it again: only the job {@code setupExpiration} runs every 24 hours ({@code
 * attemptIrrevocableLeasesRevoke}), for irrevocable leases expired more than an hour before, here every 24 hours of
 * Vault's clock from the emulator's start.
 *
 * <p>The emulator does this when it next looks (every request, every query of a test): what is due by then is tried
 * with the engines failing or not as they are now, so a test that switches an engine does it through {@link #fail}
 * and {@link #restore}, which first settle what was due before the switch.
 */
final class VaultRevocations {

    static final int MAX_REVOKE_ATTEMPTS = 6;
    static final Duration REVOKE_RETRY_BASE = Duration.ofSeconds(10);
    static final Duration IRREVOCABLE_RETRY_INTERVAL = Duration.ofHours(24);
    static final Duration IRREVOCABLE_MIN_AGE = Duration.ofHours(1);
    private static final int MAX_IRREVOCABLE_ERROR_LENGTH = 240;

    /** Mount path (with a trailing slash) whose revocations fail, and the error its engine answers. */
    private final Map<String, String> failing = new LinkedHashMap<>();

    private final VaultLedger ledger;
    private Instant nextIrrevocableRetry;

    VaultRevocations(Instant start, VaultLedger ledger) {
        this.ledger = ledger;
        nextIrrevocableRetry = start.plus(IRREVOCABLE_RETRY_INTERVAL);
    }

    void fail(String mount, String backendError) {
        failing.put(mountPath(mount), backendError);
    }

    void restore(String mount) {
        failing.remove(mountPath(mount));
    }

    private static String mountPath(String mount) {
        return mount.replaceAll("^/+|/+$", "") + "/";
    }

    /**
     * The error {@code revokeEntry} returns when the lease's engine fails: the engine's error behind Vault's
     * {@code failed to revoke entry: resp: %#v err: %w} (the response a nil pointer); null when the engine revokes.
     */
    String revocationError(Lease lease) {
        for (Map.Entry<String, String> mount : failing.entrySet()) {
            if (lease.id.startsWith(mount.getKey())) {
                return "failed to revoke entry: resp: (*logical.Response)(nil) err: " + mount.getValue();
            }
        }
        return null;
    }

    /** Tries every revocation due by {@code now}: a lease whose engine revokes it is removed from {@code leases}. */
    void run(Map<String, Lease> leases, Instant now) {
        for (Lease lease : new ArrayList<>(leases.values())) {
            if (lease.revokeError == null && !lease.expires.isAfter(now)) {
                retry(leases, lease, now);
            }
        }
        while (!nextIrrevocableRetry.isAfter(now)) {
            Instant at = nextIrrevocableRetry;
            List<Lease> irrevocable = leases.values().stream()
                    .filter(l -> l.revokeError != null
                            && l.expires.plus(IRREVOCABLE_MIN_AGE).isBefore(at))
                    .toList();
            for (Lease lease : irrevocable) {
                if (revocationError(lease) == null) {
                    leases.remove(lease.id);
                    ledger.leaseExpired(lease);
                }
            }
            nextIrrevocableRetry = at.plus(IRREVOCABLE_RETRY_INTERVAL);
        }
    }

    private void retry(Map<String, Lease> leases, Lease lease, Instant now) {
        Instant attempt = lease.nextRevocation == null ? lease.expires : lease.nextRevocation;
        while (!attempt.isAfter(now)) {
            String error = revocationError(lease);
            if (error == null) {
                leases.remove(lease.id);
                ledger.leaseExpired(lease);
                return;
            }
            lease.revocationsFailed++;
            if (lease.revocationsFailed >= MAX_REVOKE_ATTEMPTS) {
                String revokeError = "out of retries: " + error;
                lease.revokeError = revokeError.length() > MAX_IRREVOCABLE_ERROR_LENGTH
                        ? revokeError.substring(0, MAX_IRREVOCABLE_ERROR_LENGTH)
                        : revokeError;
                lease.nextRevocation = null;
                return;
            }
            attempt = attempt.plus(REVOKE_RETRY_BASE.multipliedBy(1L << lease.revocationsFailed));
            lease.nextRevocation = attempt;
        }
    }
}
