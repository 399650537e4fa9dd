package io.kubevaultauthrenewer.kubernetes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubevaultauthrenewer.config.Durations;
import io.kubevaultauthrenewer.config.SelfEviction;
import io.kubevaultauthrenewer.kubernetes.EvictionState.Phase;
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
import java.util.function.IntConsumer;
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

    private final SelfEviction settings;
    private final Clock clock;
    private final EvictionPlan plan;
    private final DoubleSupplier random;
    private final Runnable send;
    private final EvictionDryRun dryRun;
    private ScheduledExecutorService executor;
    private ScheduledFuture<?> pending;
    private EvictionState state = EvictionState.NONE;
    private int failures;
    private volatile IntConsumer answers = code -> {};
    private boolean overdueReported;

    /**
     * @param retries the renewer's retry settings; waits here are at most {@link EvictionPlan#MAX_WAIT}
     * @param random numbers from 0 to 1, for the moment and the retries' jitter
     * @param send runs the {@code pod-eviction} route and waits for it
     */
    public PodEviction(SelfEviction settings, Clock clock, RetryPolicy retries, DoubleSupplier random, Runnable send) {
        this.settings = settings;
        this.clock = clock;
        this.plan = new EvictionPlan(settings.lead(), retries);
        this.random = random;
        this.send = send;
        this.dryRun = new EvictionDryRun(settings, send);
    }

    /** The eviction as it stands. */
    public synchronized EvictionState state() {
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
        dryRun.askOnce(executor);
        if (state.asked()) {
            if (end != null
                    && state.phase() == Phase.TRYING
                    && end.at().isBefore(state.end().at())) {
                state = state.endingAt(end);
            }
            return;
        }
        if (end == null) {
            if (state.phase() == Phase.PLANNED) {
                LOG.info("Eviction no longer planned: no end of life is known any more");
                cancel();
                state = EvictionState.NONE;
            }
            return;
        }
        if (state.end() != null
                && Duration.between(state.end().at(), end.at()).abs().toMillis() < 1000) {
            return;
        }
        Instant moment = plan.moment(end.at(), clock.instant(), random.getAsDouble());
        state = EvictionState.planned(end, moment);
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
        return dryRun.inFlight() ? "dryRun=All" : null;
    }

    /** Called with the HTTP status of every answer to an eviction (the dry run's too), or 0 for no answer. */
    public void onAnswer(IntConsumer listener) {
        this.answers = listener;
    }

    /** Route step: the API server answered. */
    public synchronized void answered(
            @Header("CamelHttpResponseCode") Integer code,
            @Header("Retry-After") String retryAfter,
            @Body String body) {
        answers.accept(code == null ? 0 : code);
        EvictionAnswer answer = EvictionAnswer.judge(code == null ? 0 : code, retryAfter, body);
        if (dryRun.answered(answer)) {
            return;
        }
        EvictionAnswer.Verdict verdict = answer.verdict();
        if (verdict == EvictionAnswer.Verdict.EVICTED) {
            state = state.evicted(answer.text(), clock.instant());
            LOG.info(
                    "Eviction of pod {}/{} accepted ({}): it leaves its Service now, and its controller starts a"
                            + " new pod, which logs in to Vault again",
                    settings.namespace(),
                    settings.podName(),
                    answer.text());
            return;
        }
        boolean passing =
                verdict != EvictionAnswer.Verdict.NEEDS_OPERATOR && verdict != EvictionAnswer.Verdict.WRONG_ADDRESS;
        tryAgain(answer.text(settings), answer.retryAfter(), passing);
    }

    /** Route step: no answer (connection refused or cut, a timeout, the token file unreadable). */
    public synchronized void unanswered(@ExchangeProperty("CamelExceptionCaught") Exception e) {
        answers.accept(0);
        String text = e == null
                ? "no answer"
                : "no answer: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        if (!dryRun.unanswered(text)) {
            tryAgain(text, null, true);
        }
    }

    /**
     * Plans the next try after a refusal: WARN when it is the kind that passes (a budget, the network, a 5xx), ERROR
     * when an operator must act (RBAC, a malformed request, several budgets), ERROR in any case once the end is past.
     */
    private void tryAgain(String answer, Duration retryAfter, boolean passing) {
        Instant now = clock.instant();
        failures++;
        boolean past = !now.isBefore(state.end().at());
        Instant at = plan.nextTry(now, state.end().at(), failures, retryAfter, random, overdueReported);
        state = state.refused(answer, at);
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
            state = state.sending();
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
}
