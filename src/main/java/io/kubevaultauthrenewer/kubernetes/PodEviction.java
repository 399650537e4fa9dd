package io.kubevaultauthrenewer.kubernetes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubevaultauthrenewer.config.Durations;
import io.kubevaultauthrenewer.config.SelfEviction;
import io.kubevaultauthrenewer.renewal.EarlyChecks;
import io.kubevaultauthrenewer.renewal.RenewerStatus;
import io.kubevaultauthrenewer.renewal.RetryPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EVICT_BEFORE_EXPIRY: once the pod's end of life is known, plans the eviction of the pod at a random moment within
 * the first half of the lead time before it, runs it through the {@code pod-eviction} route, and judges each answer,
 * trying again (a PodDisruptionBudget's 429, a network error, …) until the API server accepts it, before and after
 * the end alike. The pod stays in its Service while it waits for the budget (its secrets are still valid, and the
 * budget counts it as healthy, which is what lets the budget decide), and leaves it once the eviction is accepted or
 * its secrets are dead. Every step is one log line; the state is in readiness, JMX and the metrics.
 */
public final class PodEviction extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(PodEviction.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The longest wait between two tries: the eviction is one cheap call, and a budget frees up within minutes. */
    static final Duration MAX_WAIT = Duration.ofMinutes(1);

    /** Where the eviction is, for health, JMX and metrics. */
    public enum Phase {
        /** no end of life known: nothing to do */
        NONE,
        /** the end is known; the eviction will be asked for at the planned moment */
        PLANNED,
        /** asked for, not accepted yet (a budget, RBAC, the network): tried again */
        TRYING,
        /** accepted (or the pod already gone): the pod is being replaced */
        EVICTED
    }

    /**
     * A snapshot of the eviction.
     *
     * @param phase where it is
     * @param end the end of life it is planned against, or null
     * @param moment when it is (or was) first asked for, or null
     * @param nextTry when the next try comes, or null
     * @param tries requests sent
     * @param lastAnswer the last answer in words, or null
     * @param evictedAt when the API server accepted it, or null
     */
    public record State(
            Phase phase,
            RenewerStatus.EndOfLife end,
            Instant moment,
            Instant nextTry,
            int tries,
            String lastAnswer,
            Instant evictedAt) {

        /** True once the pod's secrets are dead and it has not been evicted: it cannot leave, and must be seen. */
        public boolean overdue(Instant now) {
            return phase != Phase.EVICTED && end != null && !now.isBefore(end.at());
        }

        /** The state in one line (JMX). */
        public String describe(Instant now) {
            return switch (phase) {
                case NONE -> "none planned: no end of life known";
                case PLANNED -> "planned at " + moment + ", before the end at " + end.at() + " (" + end.cause() + ")";
                case TRYING ->
                    (overdue(now) ? "overdue: the secrets died at " + end.at() + "; " : "")
                            + "asked " + tries + " time(s) since " + moment + ", last answer: "
                            + (lastAnswer == null ? "none yet" : lastAnswer) + "; next try at " + nextTry;
                case EVICTED -> "evicted at " + evictedAt + ": " + lastAnswer;
            };
        }

        /** True when the pod must not receive traffic: evicted, or its secrets dead. */
        public boolean leavesService(Instant now) {
            return phase == Phase.EVICTED || overdue(now);
        }
    }

    private final SelfEviction settings;
    private final Clock clock;
    private final RetryPolicy retries;
    private final DoubleSupplier random;
    private final Runnable send;
    private ScheduledExecutorService executor;
    private ScheduledFuture<?> pending;
    private State state = new State(Phase.NONE, null, null, null, 0, null, null);
    private int failures;
    private boolean overdueReported;
    private boolean dryRunAsked;
    private boolean dryRunInFlight;

    /**
     * @param retries the renewer's retry settings; waits here are at most {@link #MAX_WAIT}
     * @param random numbers from 0 to 1, for the moment and the retries' jitter
     * @param send runs the {@code pod-eviction} route and waits for it
     */
    public PodEviction(SelfEviction settings, Clock clock, RetryPolicy retries, DoubleSupplier random, Runnable send) {
        this.settings = settings;
        this.clock = clock;
        this.retries = new RetryPolicy(
                retries.quickRetries(),
                min(retries.quickDelay(), MAX_WAIT),
                min(retries.quickMaxDelay(), MAX_WAIT),
                min(retries.backoffInitial(), MAX_WAIT),
                min(retries.backoffMax(), MAX_WAIT));
        this.random = random;
        this.send = send;
    }

    /** The eviction as it stands. */
    public synchronized State state() {
        return state;
    }

    /** The lead time (EVICT_BEFORE_EXPIRY). */
    public Duration lead() {
        return settings.lead();
    }

    /**
     * The end of life after a cycle: plans the eviction when the end is first known or moves by a second or more,
     * and drops the plan when no end is known any more. Once asked for, the eviction goes on whatever the end does.
     */
    public synchronized void endOfLife(RenewerStatus.EndOfLife end) {
        dryRunOnce();
        if (state.phase() == Phase.TRYING || state.phase() == Phase.EVICTED) {
            if (end != null
                    && state.phase() == Phase.TRYING
                    && end.at().isBefore(state.end().at())) {
                state = new State(
                        state.phase(), end, state.moment(), state.nextTry(), state.tries(), state.lastAnswer(), null);
            }
            return;
        }
        if (end == null) {
            if (state.phase() == Phase.PLANNED) {
                LOG.info("Eviction no longer planned: no end of life is known any more");
                cancel();
                state = new State(Phase.NONE, null, null, null, 0, null, null);
            }
            return;
        }
        if (state.end() != null
                && Duration.between(state.end().at(), end.at()).abs().toMillis() < 1000) {
            return;
        }
        Instant now = clock.instant();
        Duration spread = settings.lead().dividedBy(2);
        Instant moment =
                end.at().minus(settings.lead()).plusMillis(Math.round(spread.toMillis() * random.getAsDouble()));
        if (moment.isBefore(now)) {
            moment = now;
        }
        state = new State(Phase.PLANNED, end, moment, moment, 0, null, null);
        LOG.info(
                "Eviction of pod {}/{} planned at {}: its secrets die at {} ({}); EVICT_BEFORE_EXPIRY={}",
                settings.namespace(),
                settings.podName(),
                moment.truncatedTo(ChronoUnit.SECONDS),
                end.at().truncatedTo(ChronoUnit.SECONDS),
                end.cause(),
                Durations.format(settings.lead().toSeconds()));
        schedule(moment);
    }

    /** Route step: the {@code policy/v1} Eviction naming the pod. */
    public String eviction() {
        ObjectNode eviction = JSON.createObjectNode();
        eviction.put("apiVersion", "policy/v1");
        eviction.put("kind", "Eviction");
        eviction.putObject("metadata").put("name", settings.podName()).put("namespace", settings.namespace());
        return eviction.toString();
    }

    /**
     * Route step: the query of the request, {@code dryRun=All} for the dry run at start-up; null for a real eviction.
     */
    public synchronized String query() {
        return dryRunInFlight ? "dryRun=All" : null;
    }

    /** Route step: the API server answered. */
    public synchronized void answered(
            @Header("CamelHttpResponseCode") Integer code,
            @Header("Retry-After") String retryAfter,
            @Body String body) {
        EvictionAnswer answer = EvictionAnswer.judge(code == null ? 0 : code, retryAfter, body);
        if (dryRunInFlight) {
            dryRunInFlight = false;
            dryRunAnswered(answer);
            return;
        }
        Instant now = clock.instant();
        switch (answer.verdict()) {
            case EVICTED -> {
                state = new State(Phase.EVICTED, state.end(), state.moment(), null, state.tries(), answer.text(), now);
                LOG.info(
                        "Eviction of pod {}/{} accepted ({}): it leaves its Service now, and its controller starts a"
                                + " new pod, which logs in to Vault again",
                        settings.namespace(),
                        settings.podName(),
                        answer.text());
            }
            case WRONG_ADDRESS -> tryAgain(wrongAddress(answer), answer.retryAfter(), false);
            default ->
                tryAgain(answer.text(), answer.retryAfter(), answer.verdict() != EvictionAnswer.Verdict.NEEDS_OPERATOR);
        }
    }

    /** A 404 in words: the address the renewer asked at, and the settings that make it. */
    private String wrongAddress(EvictionAnswer answer) {
        return answer.text() + ": no pod " + settings.namespace() + "/" + settings.podName() + " at https://"
                + settings.apiAuthority() + "; POD_NAME and POD_NAMESPACE must name this pod (env valueFrom fieldRef"
                + " metadata.name and metadata.namespace), and KUBERNETES_SERVICE_HOST its cluster's API server";
    }

    /** Route step: no answer (connection refused or cut, a timeout, the token file unreadable). */
    public synchronized void unanswered(@ExchangeProperty("CamelExceptionCaught") Exception e) {
        String text = e == null
                ? "no answer"
                : "no answer: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        if (dryRunInFlight) {
            dryRunInFlight = false;
            LOG.warn(
                    "Dry-run eviction of pod {}/{} got {}: the address, RBAC and admission are not proven; the renewal"
                            + " goes on, and the eviction is asked for as planned",
                    settings.namespace(),
                    settings.podName(),
                    text);
            return;
        }
        tryAgain(text, null, true);
    }

    /**
     * The dry run's answer: an INFO when the eviction would be accepted, or only the budget holds it back now; an
     * ERROR naming the fix otherwise. Nothing else changes: the renewal goes on, and the eviction is planned as ever.
     */
    private void dryRunAnswered(EvictionAnswer answer) {
        String pod = settings.namespace() + "/" + settings.podName();
        switch (answer.verdict()) {
            case EVICTED ->
                LOG.info(
                        "Dry-run eviction of pod {} accepted ({}): the address, RBAC and admission let this pod evict"
                                + " itself when its secrets near their end",
                        pod,
                        answer.text());
            case BUDGET_BLOCKS ->
                LOG.info(
                        "Dry-run eviction of pod {} held back by its PodDisruptionBudget now ({}): the address, RBAC and"
                                + " admission let this pod evict itself; the budget decides when",
                        pod,
                        answer.text());
            case WRONG_ADDRESS ->
                LOG.error(
                        "Dry-run eviction of pod {} refused ({}): the pod could not evict itself when its secrets near"
                                + " their end; the renewal goes on",
                        pod,
                        wrongAddress(answer));
            default ->
                LOG.error(
                        "Dry-run eviction of pod {} refused ({}): the pod could not evict itself when its secrets near"
                                + " their end; the renewal goes on",
                        pod,
                        answer.text());
        }
    }

    /**
     * The dry run at start-up: one {@code dryRun=All} eviction of the pod's own name, which proves the address, the
     * RBAC and the admission policies (and shows the budget) long before the eviction is needed, and evicts nothing.
     * Asked for once, after the first cycle (the routes are up by then).
     */
    private void dryRunOnce() {
        if (dryRunAsked || executor == null) {
            return;
        }
        dryRunAsked = true;
        executor.execute(() -> {
            synchronized (this) {
                dryRunInFlight = true;
            }
            try {
                send.run();
            } catch (RuntimeException e) {
                synchronized (this) {
                    dryRunInFlight = false;
                }
                LOG.error("The pod-eviction route failed its dry run: {}", e.getMessage());
            }
        });
    }

    /**
     * Plans the next try after a refusal: WARN when it is the kind that passes (a budget, the network, a 5xx), ERROR
     * when an operator must act (RBAC, a malformed request, several budgets), ERROR in any case once the end is past.
     */
    private void tryAgain(String answer, Duration retryAfter, boolean passing) {
        Instant now = clock.instant();
        failures++;
        Instant end = state.end().at();
        boolean past = !now.isBefore(end);
        RetryPolicy.Try next = past ? null : retries.next(now, end, failures, retryAfter, random.getAsDouble());
        if (next == null) {
            next = retries.next(now, null, failures, retryAfter, random.getAsDouble());
        }
        Instant at = next.at();
        if (!past && !overdueReported && at.isAfter(end)) {
            // the end is said at ERROR when it comes; never two tries closer than the floor
            at = end.isAfter(now.plus(RetryPolicy.FLOOR)) ? end : now.plus(RetryPolicy.FLOOR);
        }
        state = new State(Phase.TRYING, state.end(), state.moment(), at, state.tries(), answer, null);
        String line = "Eviction of pod {}/{} refused ({}); next try at {}";
        Object[] args = {settings.namespace(), settings.podName(), answer, at.truncatedTo(ChronoUnit.MILLIS)};
        if (passing && !past) {
            LOG.warn(line, args);
        } else {
            LOG.error(line, args);
        }
        schedule(at);
    }

    /** A planned moment or retry came: one request through the route. */
    private void run() {
        synchronized (this) {
            if (state.phase() == Phase.EVICTED || state.phase() == Phase.NONE) {
                return;
            }
            Instant now = clock.instant();
            if (!overdueReported && !now.isBefore(state.end().at())) {
                overdueReported = true;
                LOG.error(
                        "The pod's secrets died at {} ({}) and pod {}/{} is still here: its eviction was not accepted"
                                + " yet ({}); it is out of its Service, and keeps asking",
                        state.end().at().truncatedTo(ChronoUnit.SECONDS),
                        state.end().cause(),
                        settings.namespace(),
                        settings.podName(),
                        state.lastAnswer() == null ? "not asked yet" : state.lastAnswer());
            }
            if (state.phase() == Phase.PLANNED) {
                LOG.info(
                        "Evicting pod {}/{}: its secrets die at {} ({})",
                        settings.namespace(),
                        settings.podName(),
                        state.end().at().truncatedTo(ChronoUnit.SECONDS),
                        state.end().cause());
            }
            state = new State(
                    Phase.TRYING, state.end(), state.moment(), null, state.tries() + 1, state.lastAnswer(), null);
        }
        try {
            send.run();
        } catch (RuntimeException e) {
            LOG.error("The pod-eviction route failed: {}", e.getMessage());
            synchronized (this) {
                tryAgain("the pod-eviction route failed", null, false);
            }
        }
    }

    private synchronized void schedule(Instant at) {
        if (executor == null) {
            return;
        }
        cancel();
        long delay = Math.max(0, Duration.between(clock.instant(), at).toMillis());
        pending = executor.schedule(this::run, delay, TimeUnit.MILLISECONDS);
    }

    private void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    @Override
    protected synchronized void doStart() {
        executor = EarlyChecks.scheduler("pod-eviction");
        if (state.nextTry() != null) {
            schedule(state.nextTry());
        }
    }

    @Override
    protected synchronized void doStop() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
