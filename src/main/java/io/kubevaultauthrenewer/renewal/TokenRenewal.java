package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.config.Durations;
import io.kubevaultauthrenewer.vault.RenewalRule;
import io.kubevaultauthrenewer.vault.VaultAnswer;
import java.time.Clock;
import java.util.List;
import org.apache.camel.Variable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The token's steps of the cycle, called by the {@code token-renewal} route. */
public final class TokenRenewal {

    private static final Logger LOG = LoggerFactory.getLogger(TokenRenewal.class);

    private final RenewalRule rule;
    private final CycleReport report;
    private final Clock clock;
    private final Grants grants;
    private Long usesWarnedAbout;

    public TokenRenewal(RenewalRule rule, CycleReport report, Clock clock) {
        this.rule = rule;
        this.report = report;
        this.clock = clock;
        this.grants = new Grants(clock);
    }

    /** False for a retry of a token whose last look showed it due: the retry goes straight to the renewal. */
    public boolean needsLookup() {
        return !report.status().knownDue(null, rule);
    }

    /**
     * Reads lookup-self's answer: true when the token must be renewed now (always, when the lookup was skipped). Not a
     * token whose max TTL capped its last renewal: renewing it again would end at the same time.
     */
    public boolean isDue(@Variable("lookup") VaultAnswer lookup) {
        if (lookup == null) {
            try (LogFields fields = fields()) {
                LOG.debug("{} was due at its last look: renewed without a new lookup", report.tokenName());
            }
            return true;
        }
        VaultAnswer.Data data = lookup.lookupData("auth/token/lookup-self");
        long ttl = data.ttl();
        boolean capped = report.status().isCapped(null);
        report.tokenLookedUp(data.accessor(), ttl, data.neverExpires(), data.renewable());
        String name = report.tokenName();
        warnAboutUseLimit(name, data.numUses());
        if (data.neverExpires()) {
            try (LogFields fields = fields().outcome(Outcome.NOT_DUE)) {
                LOG.info("{} has no TTL (a root or non-expiring token): nothing to renew", name);
            }
            report.token(Outcome.NOT_DUE, ttl);
            return false;
        }
        if (!Boolean.TRUE.equals(data.renewable())) {
            try (LogFields fields = fields().ttl(ttl).outcome(Outcome.NOT_DUE)) {
                LOG.info("{} is not renewable: left alone; it expires at {}", name, Durations.expiry(clock, ttl));
            }
            report.token(Outcome.NOT_DUE, ttl);
            return false;
        }
        long creationTtl = data.creationTtl() == null ? 0 : data.creationTtl();
        boolean due = rule.tokenDue(ttl, creationTtl);
        if (due && capped && !report.isAsked()) {
            try (LogFields fields = fields().ttl(ttl).outcome(Outcome.CAPPED)) {
                LOG.debug(
                        "{} not renewed again: {}; it expires at {}",
                        name,
                        FinalEnds.MAX_TTL_REACHED,
                        Durations.expiry(clock, ttl));
            }
            report.tokenStillCapped(ttl);
            return false;
        }
        if (!due) {
            try (LogFields fields = fields().ttl(ttl).outcome(Outcome.NOT_DUE)) {
                LOG.debug(
                        "{} not due: ttl {}, creation ttl {}",
                        name,
                        Durations.format(ttl),
                        Durations.format(creationTtl));
            }
            report.token(Outcome.NOT_DUE, ttl);
        }
        return due;
    }

    /**
     * A token with a use limit ({@code num_uses}) is revoked, with every lease it created, once its uses are spent, and
     * every call the renewer makes with it spends one: a WARN with the cost of a cycle, once (again if the count grows,
     * as for a new token).
     */
    private void warnAboutUseLimit(String name, Long numUses) {
        if (numUses == null || numUses <= 0 || (usesWarnedAbout != null && numUses <= usesWarnedAbout)) {
            usesWarnedAbout = numUses;
            return;
        }
        usesWarnedAbout = numUses;
        int leases = report.watchedLeases();
        long perCycle = 2 + 2L * leases;
        try (LogFields fields = fields()) {
            LOG.warn(
                    "{} has a use limit: {} use(s) left (num_uses), and each call the renewer makes spends one: a cycle"
                            + " spends up to {} (lookup-self and renew-self, and a lookup and a renewal for each of {}"
                            + " lease(s)); once they are spent, Vault revokes the token and every lease it created."
                            + " Give the renewer a token without a use limit",
                    name,
                    numUses,
                    perCycle,
                    leases);
        }
    }

    /** Reads renew-self's answer: renewed, or capped and due to expire at a known time. */
    public void renewed(@Variable("renewal") VaultAnswer renewal) {
        long granted = renewal.grantedTokenDuration("auth/token/renew-self");
        List<String> warnings = renewal.warningsOrEmpty();
        Outcome outcome;
        try (LogFields fields = fields().ttl(granted).outcome(Grants.outcome(warnings))) {
            outcome = grants.judge(LOG, report.tokenName(), granted, warnings);
        }
        report.token(outcome, granted);
    }

    /** The token's fields of a log line: its accessor, as the line names it. */
    private LogFields fields() {
        return LogFields.token(report.status().tokenAccessor());
    }
}
