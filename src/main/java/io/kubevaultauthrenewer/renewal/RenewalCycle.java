package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.config.Credentials;
import io.kubevaultauthrenewer.config.CredentialsSource;
import io.kubevaultauthrenewer.config.Durations;
import io.kubevaultauthrenewer.config.VariablesFileException;
import io.kubevaultauthrenewer.vault.VaultToken;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.camel.Body;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The cycle's first and last steps, called by the {@code renewal-cycle} route. */
public final class RenewalCycle {

    private static final Logger LOG = LoggerFactory.getLogger(RenewalCycle.class);

    /** The most lease ids the "Watching" line names. */
    static final int LEASE_IDS_LOGGED = 20;

    private final CredentialsSource source;
    private final VaultToken token;
    private final CycleReport report;
    private final Clock clock;
    private final Duration interval;
    private final RunOnce runOnce;
    private final FollowUpPolicy followUps;
    private final EarlyChecks earlyChecks;
    private final Set<String> warnedShort = new HashSet<>();
    private Credentials last;

    /**
     * When to look again between cycles.
     *
     * @param backoffInitial the wait before the first retry of a transient failure; it doubles with each
     * @param backoffMax the longest wait between two retries
     */
    public record FollowUpPolicy(Duration backoffInitial, Duration backoffMax) {}

    /**
     * @param runOnce the end of a RUN_ONCE run, or null to run until stopped
     * @param followUps when to look again between cycles
     * @param earlyChecks where early checks are planned; null for none (RUN_ONCE)
     */
    public RenewalCycle(
            CredentialsSource source,
            VaultToken token,
            CycleReport report,
            Clock clock,
            Duration interval,
            RunOnce runOnce,
            FollowUpPolicy followUps,
            EarlyChecks earlyChecks) {
        this.source = source;
        this.token = token;
        this.report = report;
        this.clock = clock;
        this.interval = interval;
        this.runOnce = runOnce;
        this.followUps = followUps;
        this.earlyChecks = earlyChecks;
    }

    /**
     * Reads the credentials anew (the file may have been rewritten) and starts the cycle's report. When the file has
     * become unreadable, the credentials read before are kept: what could be kept alive is not given up.
     *
     * @return the lease ids to check
     */
    public List<String> begin(@Body Object request) throws VariablesFileException {
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
                List<String> ids = current.leaseIds();
                if (ids.size() <= LEASE_IDS_LOGGED) {
                    LOG.info("Watching {} lease(s): {}", ids.size(), String.join(", ", ids));
                } else {
                    // one log line stays short enough for a container runtime not to split it (16 KiB)
                    LOG.info(
                            "Watching {} lease(s): {}, … and {} more (all of them at DEBUG)",
                            ids.size(),
                            String.join(", ", ids.subList(0, LEASE_IDS_LOGGED)),
                            ids.size() - LEASE_IDS_LOGGED);
                    LOG.debug("Watching all of: {}", String.join(", ", ids));
                }
            }
        }
        last = current;
        token.set(current.token());
        if (request instanceof EarlyChecks.Request early) {
            // the leases asked for, and any new in the file since: they have not been looked at at all
            List<String> ids = current.leaseIds().stream()
                    .filter(id ->
                            early.leaseIds().contains(id) || report.status().isNew(id))
                    .toList();
            LOG.info("Early check of the token{}", ids.isEmpty() ? "" : " and " + String.join(", ", ids));
            report.startEarly(clock.instant(), ids);
            return ids;
        }
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

    /** Warns once about each short TTL, and plans the next early check when one is needed. */
    private void planEarlyChecks(Instant regularNext) {
        RenewerStatus status = report.status();
        RenewerStatus.FollowUp followUp = status.planFollowUps(
                regularNext,
                interval,
                followUps.backoffInitial(),
                followUps.backoffMax(),
                ThreadLocalRandom.current()::nextDouble);
        Map<String, String> names = new LinkedHashMap<>();
        names.put(null, status.token().name());
        status.leases().forEach(l -> names.put(l.name(), "Lease " + l.name()));
        names.forEach((id, name) -> {
            Long ttl = status.grantedTtl(id);
            String key = id == null ? "" : id;
            if (ttl == null) {
                return; // no fresh grant to judge
            }
            if (!status.hasShortGrant(id, interval)) {
                warnedShort.remove(key);
            } else if (warnedShort.add(key)) {
                LOG.warn(
                        "{} has a TTL of {}, shorter than 2 x RENEW_INTERVAL ({}): it is checked early, when about"
                                + " two thirds of its TTL are used",
                        name,
                        Durations.format(ttl),
                        Durations.format(interval.toSeconds()));
            }
        });
        if (followUp != null) {
            LOG.info(
                    "Early check at {} (token{})",
                    followUp.at().truncatedTo(ChronoUnit.MILLIS),
                    followUp.leaseIds().isEmpty()
                            ? ""
                            : " and " + followUp.leaseIds().size() + " lease(s)");
            earlyChecks.plan(followUp.at(), followUp.leaseIds());
        }
    }

    /** True unless Vault rejected the token in this cycle: then no lease call can succeed either. */
    public boolean tokenAccepted() {
        return !report.isTokenRejected();
    }

    /** Ends the cycle: one INFO summary; with RUN_ONCE, the exit status and the stop. */
    public void finish() {
        Instant now = clock.instant();
        Instant next = runOnce == null ? now.plus(interval).truncatedTo(ChronoUnit.SECONDS) : null;
        if (report.isEarly()) {
            next = report.status().cycles().next();
        }
        String summary = report.summary(now, next);
        LOG.info(summary);
        report.finished(next, summary);
        if (earlyChecks != null) {
            planEarlyChecks(next);
        }
        if (runOnce != null) {
            runOnce.complete(report.allFine());
        }
    }
}
