package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.config.Credentials;
import io.kubevaultauthrenewer.config.CredentialsSource;
import io.kubevaultauthrenewer.config.Durations;
import io.kubevaultauthrenewer.config.VariablesFileException;
import io.kubevaultauthrenewer.vault.RenewalRule;
import io.kubevaultauthrenewer.vault.VaultToken;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.apache.camel.Body;
import org.apache.camel.Variable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The cycle's first and last steps, called by the {@code renewal-cycle} route. */
public final class RenewalCycle {

    private static final Logger LOG = LoggerFactory.getLogger(RenewalCycle.class);

    private final CredentialsReads reads;
    private final CycleReport report;
    private final Clock clock;
    private final Duration interval;
    private final RenewalRule rule;
    private final Exit exit;
    private final boolean runOnce;
    private final EarlyChecks earlyChecks;
    private final Set<String> warnedShort = new HashSet<>();
    private Instant plannedAt;
    private Instant endOfLife;
    private volatile Consumer<RenewerStatus.EndOfLife> endOfLifeListener = end -> {};

    /**
     * @param exit how the run ends by itself (RUN_ONCE, or a token Vault never accepted)
     * @param runOnce true for one cycle and its quick retries, then the end
     * @param earlyChecks where early checks (and retries) are planned
     */
    public RenewalCycle(
            CredentialsSource source,
            VaultToken token,
            CycleReport report,
            Clock clock,
            Duration interval,
            Exit exit,
            boolean runOnce,
            EarlyChecks earlyChecks) {
        this.reads = new CredentialsReads(source, token);
        this.report = report;
        this.clock = clock;
        this.interval = interval;
        this.rule = new RenewalRule(interval);
        this.exit = exit;
        this.runOnce = runOnce;
        this.earlyChecks = earlyChecks;
    }

    /** Who is told the end of life after every cycle (EVICT_BEFORE_EXPIRY's eviction plan). */
    public void onEndOfLife(Consumer<RenewerStatus.EndOfLife> listener) {
        this.endOfLifeListener = listener;
    }

    /**
     * What a cycle or early check calls Vault for.
     *
     * @param token true when it calls Vault for the token
     * @param leaseIds the leases it calls Vault for, in that order
     * @param early true for an early check
     * @param asked true when an operator asked for the cycle ({@code renewNow()})
     */
    public record Selection(boolean token, List<String> leaseIds, boolean early, boolean asked) {}

    /**
     * Route step {@code load-credentials}: reads the credentials anew (the file may have been rewritten) and logs what
     * changed. When the file has become unreadable, the credentials read before are kept.
     */
    public Credentials load() throws VariablesFileException {
        return reads.load();
    }

    /**
     * Route step {@code select-items}: what this run calls Vault for. An early check: what is due now, and any lease
     * id new in the file since (it has not been looked at at all). A cycle: the token and the leases not waiting for
     * a retry planned later, nor lost or gone ({@link FollowUps#forCycle}); all of them when an operator asked.
     */
    public Selection select(@Body Object request, @Variable("credentials") Credentials credentials) {
        RenewerStatus status = report.status();
        if (request == CycleRequest.EARLY_CHECK) {
            FollowUps.Due due = status.dueNow();
            Set<String> chosen = new LinkedHashSet<>(due.leaseIds());
            chosen.retainAll(new HashSet<>(credentials.leaseIds()));
            credentials.leaseIds().stream().filter(status::isNew).forEach(chosen::add);
            return new Selection(due.token(), List.copyOf(chosen), true, false);
        }
        boolean asked = request == CycleRequest.RENEW_NOW;
        return new Selection(status.tokenForCycle(asked), status.forCycle(credentials.leaseIds(), asked), false, asked);
    }

    /**
     * Route step {@code start-report}: starts the run's report with the selection.
     *
     * @return the lease ids to check, for the split
     */
    public List<String> start(
            @Variable("credentials") Credentials credentials, @Variable("selection") Selection chosen) {
        List<String> ids = chosen.leaseIds();
        if (chosen.early()) {
            if (chosen.token() || !ids.isEmpty()) {
                LOG.info(
                        "Early check of {}",
                        (chosen.token() ? "the token" : "")
                                + (chosen.token() && !ids.isEmpty() ? " and " : "")
                                + (ids.isEmpty() ? "" : CredentialsReads.names(ids)));
            }
            report.startEarly(clock.instant(), credentials.leaseIds(), chosen.token(), ids);
        } else {
            report.start(clock.instant(), credentials.leaseIds(), chosen.token(), ids, chosen.asked());
        }
        return ids;
    }

    /** True when this cycle or early check calls Vault for the token. */
    public boolean includesToken() {
        return report.withToken();
    }

    /**
     * Route step {@code token-due-meanwhile}, before each lease: true when the token's planned retry came due while
     * the cycle ran. The retry's own early check waits in the queue behind the cycle, which may take minutes with
     * many leases and the request bound; the token cannot wait that long (every lease dies with it).
     */
    public boolean tokenDueMeanwhile() {
        return report.takeTokenWhenDue();
    }

    /**
     * The credentials of the last cycle, or read now when no cycle has read them yet; the token is put where the HTTP
     * client finds it.
     */
    public Credentials current() throws VariablesFileException {
        return reads.current();
    }

    /** Warns once about each short TTL, and plans the next early check when one is needed. */
    private void planEarlyChecks(Instant regularNext) {
        RenewerStatus status = report.status();
        Map<String, String> names = new LinkedHashMap<>();
        names.put(null, status.token().name());
        status.leases().forEach(l -> names.put(l.name(), "Lease " + l.name()));
        names.forEach((id, name) -> {
            Long ttl = status.grantedTtl(id);
            String key = id == null ? "" : id;
            if (ttl == null) {
                return; // no fresh grant to judge
            }
            // a running renewer checks a grant under 2 x the interval early; a RUN_ONCE run every interval loses one
            // that does not reach the next run
            boolean isShort = runOnce ? rule.expiresBeforeNextRun(ttl) : rule.isShort(ttl);
            if (!isShort) {
                warnedShort.remove(key);
            } else if (warnedShort.add(key)) {
                try (LogFields fields =
                        (id == null ? LogFields.token(status.tokenAccessor()) : LogFields.lease(id)).ttl(ttl)) {
                    LOG.warn(
                            "{} has a TTL of {}, shorter than {}: {}",
                            name,
                            Durations.format(ttl),
                            runOnce
                                    ? "RENEW_INTERVAL (" + Durations.format(interval.toSeconds()) + ")"
                                    : "2 x RENEW_INTERVAL (" + Durations.format(interval.toSeconds()) + ")",
                            runOnce
                                    ? "it expires before a run RENEW_INTERVAL from now could renew it"
                                    : "it is checked early, when about two thirds of its TTL are used");
                }
            }
        });
        // with RUN_ONCE (no next cycle), only the retries planned as calls failed
        Instant first = status.planFollowUps(regularNext, rule, ThreadLocalRandom.current()::nextDouble);
        if (first != null) {
            if (!first.equals(plannedAt)) {
                LOG.info("Next early check at {}", first.truncatedTo(ChronoUnit.MILLIS));
            }
            earlyChecks.plan(first);
        }
        plannedAt = first;
    }

    /** One INFO line when the end of the pod's secrets is first known, and whenever it moves by a second or more. */
    private void reportEndOfLife(RenewerStatus.EndOfLife end) {
        Instant at = end == null ? null : end.at();
        boolean moved = at == null
                ? endOfLife != null
                : endOfLife == null || Duration.between(endOfLife, at).abs().toMillis() >= 1000;
        if (!moved) {
            return;
        }
        if (at == null) {
            LOG.info("End of life: none known any more (every token and lease can be renewed again)");
        } else {
            LOG.info("End of life: the pod's secrets die at {} ({})", at.truncatedTo(ChronoUnit.SECONDS), end.cause());
        }
        endOfLife = at;
    }

    /** True unless Vault rejected the token in this cycle: then no lease call can succeed either. */
    public boolean tokenAccepted() {
        return !report.isTokenRejected();
    }

    /**
     * Ends the cycle: one INFO summary, and the early checks planned. With RUN_ONCE, the exit status and the stop once
     * no quick retry is left. A token that Vault rejects before it ever accepted it ends the renewer with status 1,
     * as the original image did: nothing can be kept alive with it.
     */
    public void finish() {
        Instant now = clock.instant();
        RenewerStatus status = report.status();
        boolean early = report.isEarly();
        Instant next = runOnce ? null : now.plus(interval).truncatedTo(ChronoUnit.SECONDS);
        if (early) {
            next = status.cycles().next();
        }
        String summary = report.summary(now, next);
        if (!early || report.calledVault()) {
            LOG.info(summary);
        }
        report.finished(next, summary);
        RenewerStatus.EndOfLife end = status.endOfLife();
        reportEndOfLife(end);
        endOfLifeListener.accept(end);
        planEarlyChecks(next);
        if (report.isTokenRejected() && !status.tokenEverAccepted() && !runOnce) {
            LOG.error(
                    "Vault rejected VAULT_TOKEN before it accepted it once: nothing can be kept alive with it; exiting"
                            + " with status 1 (a restart reads the variables file again)");
            exit.complete(false);
        } else if (runOnce && plannedAt == null) {
            exit.complete(status.allFine());
        }
    }
}
