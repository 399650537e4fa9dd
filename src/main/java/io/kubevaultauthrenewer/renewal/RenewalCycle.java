package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.config.Credentials;
import io.kubevaultauthrenewer.config.CredentialsSource;
import io.kubevaultauthrenewer.config.VariablesFileException;
import io.kubevaultauthrenewer.vault.VaultToken;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The cycle's first and last steps, called by the {@code renewal-cycle} route. */
public final class RenewalCycle {

    private static final Logger LOG = LoggerFactory.getLogger(RenewalCycle.class);

    private final CredentialsSource source;
    private final VaultToken token;
    private final CycleReport report;
    private final Clock clock;
    private final Duration interval;
    private final RunOnce runOnce;
    private Credentials last;

    /**
     * @param runOnce the end of a RUN_ONCE run, or null to run until stopped
     */
    public RenewalCycle(
            CredentialsSource source,
            VaultToken token,
            CycleReport report,
            Clock clock,
            Duration interval,
            RunOnce runOnce) {
        this.source = source;
        this.token = token;
        this.report = report;
        this.clock = clock;
        this.interval = interval;
        this.runOnce = runOnce;
    }

    /**
     * Reads the credentials anew (the file may have been rewritten) and starts the cycle's report. When the file has
     * become unreadable, the credentials read before are kept: what could be kept alive is not given up.
     *
     * @return the lease ids to check
     */
    public List<String> begin() throws VariablesFileException {
        Credentials current;
        try {
            current = source.load();
        } catch (VariablesFileException e) {
            if (last == null) {
                throw e;
            }
            LOG.error("{}; this cycle goes on with the token and lease ids read before", e.getMessage());
            current = last;
        }
        if (last == null || !last.token().equals(current.token())) {
            LOG.info("{} a token ({})", last == null ? "Using" : "Switched to", current.origin());
        }
        if (last == null || !last.leaseIds().equals(current.leaseIds())) {
            if (current.leaseIds().isEmpty()) {
                LOG.info("No lease ids (LEASE_IDS is empty): only the token is kept alive");
            } else {
                LOG.info("Watching {} lease(s): {}", current.leaseIds().size(), String.join(", ", current.leaseIds()));
            }
        }
        last = current;
        token.set(current.token());
        report.start(clock.instant(), current.leaseIds());
        return current.leaseIds();
    }

    /**
     * The credentials of the last cycle, or read now when no cycle has read them yet; the token is put where the HTTP
     * client finds it.
     */
    public Credentials current() throws VariablesFileException {
        Credentials current = last != null ? last : source.load();
        token.set(current.token());
        return current;
    }

    /** True unless Vault rejected the token in this cycle: then no lease call can succeed either. */
    public boolean tokenAccepted() {
        return !report.isTokenRejected();
    }

    /** Ends the cycle: one INFO summary; with RUN_ONCE, the exit status and the stop. */
    public void finish() {
        Instant now = clock.instant();
        Instant next = runOnce == null ? now.plus(interval).truncatedTo(ChronoUnit.SECONDS) : null;
        String summary = report.summary(now, next);
        LOG.info(summary);
        report.finished(next, summary);
        if (runOnce != null) {
            runOnce.complete(report.allFine());
        }
    }
}
