package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.config.VariablesFileException;
import java.util.List;
import org.apache.camel.Body;
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

    public ShutdownRevocation(RenewalCycle cycle, CycleReport report) {
        this.cycle = cycle;
        this.report = report;
    }

    /** The lease ids to revoke: those of the last cycle. */
    public List<String> leaseIds() throws VariablesFileException {
        List<String> ids = cycle.current().leaseIds();
        LOG.info("Stopping: revoking {} lease(s) and then the token (REVOKE_ON_SHUTDOWN)", ids.size());
        return ids;
    }

    public void leaseRevoked(@Body String leaseId) {
        LOG.info("Lease {} revoked", leaseId);
    }

    public void tokenRevoked() {
        LOG.info("{} revoked", report.tokenName());
    }
}
