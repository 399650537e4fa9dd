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

    public TokenRenewal(RenewalRule rule, CycleReport report, Clock clock) {
        this.rule = rule;
        this.report = report;
        this.clock = clock;
    }

    /** False for a retry of a token whose last look showed it due: the retry goes straight to the renewal. */
    public boolean needsLookup() {
        return !report.status().knownDue(null, rule.interval());
    }

    /** Reads lookup-self's answer: true when the token must be renewed now (always, when the lookup was skipped). */
    public boolean isDue(@Variable("lookup") VaultAnswer lookup) {
        if (lookup == null) {
            try (LogFields fields = fields()) {
                LOG.debug("{} was due at its last look: renewed without a new lookup", report.tokenName());
            }
            return true;
        }
        VaultAnswer.Data data = lookup.lookupData("auth/token/lookup-self");
        long ttl = data.ttl();
        report.tokenLookedUp(data.accessor(), ttl, data.neverExpires(), data.renewable());
        String name = report.tokenName();
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

    /** Reads renew-self's answer: renewed, or capped and due to expire at a known time. */
    public void renewed(@Variable("renewal") VaultAnswer renewal) {
        long granted = renewal.grantedTokenDuration("auth/token/renew-self");
        List<String> warnings = renewal.warningsOrEmpty();
        Outcome outcome;
        try (LogFields fields = fields().ttl(granted).outcome(LogFields.renewal(rule, warnings))) {
            outcome = Grants.judge(LOG, rule, clock, report.tokenName(), granted, warnings);
        }
        report.token(outcome, granted);
    }

    /** The token's fields of a log line: its accessor, as the line names it. */
    private LogFields fields() {
        return LogFields.token(report.status().tokenAccessor());
    }
}
