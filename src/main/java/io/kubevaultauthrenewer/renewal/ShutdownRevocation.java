package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.config.VariablesFileException;
import io.kubevaultauthrenewer.vault.VaultFailure;
import java.util.List;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Variable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * REVOKE_ON_SHUTDOWN: the steps of the {@code shutdown-revocation} route, which revokes the leases and then the
 * token when the renewer stops, instead of leaving them to expire.
 */
public final class ShutdownRevocation {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownRevocation.class);

    private final RenewalCycle cycle;
    private final CycleReport report;
    private volatile boolean denied;
    private int leases;

    public ShutdownRevocation(RenewalCycle cycle, CycleReport report) {
        this.cycle = cycle;
        this.report = report;
    }

    /** The lease ids to revoke: those of the last cycle. */
    public List<String> leaseIds() throws VariablesFileException {
        List<String> ids = cycle.current().leaseIds();
        denied = false;
        leases = ids.size();
        LOG.info("Stopping: revoking {} lease(s) and then the token (REVOKE_ON_SHUTDOWN)", ids.size());
        return ids;
    }

    /** False once Vault refused to revoke a lease with this token: no other lease is tried. */
    public boolean mayRevokeLeases() {
        return !denied;
    }

    public void leaseRevoked(@Body String leaseId) {
        LOG.info("Lease {} revoked", leaseId);
    }

    /**
     * Vault answered 403 to sys/leases/revoke: the token's policies lack that capability (Vault's {@code default}
     * policy does not grant it), or Vault no longer takes the token at all. One line; the other leases are not tried,
     * and the token's own revocation, next, revokes every lease it created.
     */
    public void revocationDenied(@Variable("leaseId") String leaseId, Exchange exchange) {
        denied = true;
        VaultFailure failure =
                VaultFailure.of(exchange.getProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, Throwable.class));
        String rest = leases > 1 ? "; the other " + (leases - 1) + " lease(s) are not tried" : "";
        if (failure.reason().contains("invalid token")) {
            LOG.error(
                    "Lease {}: vault-lease-revoke failed: {}: Vault no longer takes the token, so nothing can be"
                            + " revoked with it{}",
                    leaseId,
                    failure.describe(),
                    rest);
            return;
        }
        LOG.warn(
                "Lease {}: vault-lease-revoke failed: {}: the token may not revoke leases (no policy of its grants"
                        + " update on sys/leases/revoke, and Vault's default policy does not){}: revoking the token"
                        + " next revokes every lease it created",
                leaseId,
                failure.describe(),
                rest);
    }

    public void tokenRevoked() {
        LOG.info("{} revoked, and with it every lease it created", report.tokenName());
    }
}
