package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.config.Durations;
import io.kubevaultauthrenewer.vault.RenewalRule;
import io.kubevaultauthrenewer.vault.VaultAnswer;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.apache.camel.Body;
import org.apache.camel.Variable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One lease's steps of the cycle, called by the {@code lease-renewal} route with the lease id as the body. */
public final class LeaseRenewal {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseRenewal.class);

    private final RenewalRule rule;
    private final CycleReport report;
    private final Clock clock;
    private final Grants grants;

    public LeaseRenewal(RenewalRule rule, CycleReport report, Clock clock) {
        this.rule = rule;
        this.report = report;
        this.clock = clock;
        this.grants = new Grants(clock);
    }

    /** The body of sys/leases/lookup and sys/leases/renew; Jackson turns it into JSON. */
    public Map<String, String> request(@Body String leaseId) {
        return Map.of("lease_id", leaseId);
    }

    /** False for a retry of a lease whose last look showed it due: the retry goes straight to the renewal. */
    public boolean needsLookup(@Body String leaseId) {
        return !report.status().knownDue(leaseId, rule);
    }

    /**
     * Reads sys/leases/lookup's answer: true when the lease must be renewed now (always, when the lookup was skipped).
     * Not a lease whose max TTL capped its last renewal: renewing it again would end at the same time.
     */
    public boolean isDue(@Body String leaseId, @Variable("lookup") VaultAnswer lookup) {
        if (lookup == null) {
            try (LogFields fields = LogFields.lease(leaseId)) {
                LOG.debug("Lease {} was due at its last look: renewed without a new lookup", leaseId);
            }
            return true;
        }
        VaultAnswer.Data data = lookup.lookupData("sys/leases/lookup");
        long ttl = data.ttl();
        boolean capped = report.status().isCapped(leaseId);
        report.leaseLookedUp(leaseId, ttl, data.neverExpires(), data.renewable());
        if (data.neverExpires()) {
            try (LogFields fields = LogFields.lease(leaseId).outcome(Outcome.NOT_DUE)) {
                LOG.info("Lease {} has no expiry: nothing to renew", leaseId);
            }
            report.lease(leaseId, Outcome.NOT_DUE, null);
            return false;
        }
        if (data.expiredButListed()) {
            String error = "expired at " + (data.expireTime() == null ? "an unknown time" : data.expireTime())
                    + " (sys/leases/lookup: ttl " + ttl + ", not renewable): Vault lists it only while it retries its"
                    + " revocation; its secret is dead";
            try (LogFields fields = LogFields.lease(leaseId).ttl(ttl).outcome(Outcome.FAILED)) {
                LOG.error("Lease {} is gone: {}", leaseId, error);
            }
            report.leaseFailed(leaseId, "gone: " + error, true);
            return false;
        }
        if (!Boolean.TRUE.equals(data.renewable())) {
            try (LogFields fields = LogFields.lease(leaseId).ttl(ttl).outcome(Outcome.NOT_DUE)) {
                LOG.info(
                        "Lease {} is not renewable: left alone; it expires at {}",
                        leaseId,
                        Durations.expiry(clock, ttl));
            }
            report.lease(leaseId, Outcome.NOT_DUE, null);
            return false;
        }
        boolean due = rule.leaseDue(ttl);
        if (due && capped && !report.isAsked()) {
            try (LogFields fields = LogFields.lease(leaseId).ttl(ttl).outcome(Outcome.CAPPED)) {
                LOG.debug(
                        "Lease {} not renewed again: {}; it expires at {}",
                        leaseId,
                        FinalEnds.MAX_TTL_REACHED,
                        Durations.expiry(clock, ttl));
            }
            report.lease(leaseId, Outcome.CAPPED, null);
            return false;
        }
        if (!due) {
            try (LogFields fields = LogFields.lease(leaseId).ttl(ttl).outcome(Outcome.NOT_DUE)) {
                LOG.debug("Lease {} not due: ttl {}", leaseId, Durations.format(ttl));
            }
            report.lease(leaseId, Outcome.NOT_DUE, null);
        }
        return due;
    }

    /** Reads sys/leases/renew's answer: renewed, or capped and due to expire at a known time. */
    public void renewed(@Body String leaseId, @Variable("renewal") VaultAnswer renewal) {
        long granted = renewal.grantedLeaseDuration("sys/leases/renew");
        List<String> warnings = renewal.warningsOrEmpty();
        Outcome outcome;
        try (LogFields fields = LogFields.lease(leaseId).ttl(granted).outcome(Grants.outcome(warnings))) {
            outcome = grants.judge(LOG, "Lease " + leaseId, granted, warnings);
        }
        report.lease(leaseId, outcome, granted);
    }
}
