package io.kubevaultauthrenewer.kubernetes;

import io.kubevaultauthrenewer.config.SelfEviction;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dry run at start-up: one {@code dryRun=All} eviction of the pod's own name, which proves the address, the RBAC
 * and the admission policies (and shows the budget) long before the eviction is needed, and evicts nothing. Asked for
 * once, after the first cycle (the routes are up by then). Its answer is one log line: an INFO when the eviction would
 * be accepted, or only the budget holds it back now; an ERROR naming the fix otherwise. Nothing else changes: the
 * renewal goes on, and the eviction is planned as ever.
 */
final class EvictionDryRun {

    /** Its lines are the eviction's. */
    private static final Logger LOG = LoggerFactory.getLogger(PodEviction.class);

    private final SelfEviction settings;
    private final Runnable send;
    private boolean asked;
    private boolean inFlight;

    /** @param send runs the {@code pod-eviction} route and waits for it */
    EvictionDryRun(SelfEviction settings, Runnable send) {
        this.settings = settings;
        this.send = send;
    }

    /** Sends the dry run on this executor the first time it is given one; never again. */
    synchronized void askOnce(Executor executor) {
        if (asked || executor == null) {
            return;
        }
        asked = true;
        executor.execute(() -> {
            synchronized (this) {
                inFlight = true;
            }
            try {
                send.run();
            } catch (RuntimeException e) {
                synchronized (this) {
                    inFlight = false;
                }
                LOG.error("The pod-eviction route failed its dry run: {}", e.getMessage());
            }
        });
    }

    /** True while the dry run's request is on its way: the request the route builds now is the dry run's. */
    synchronized boolean inFlight() {
        return inFlight;
    }

    /** Takes the answer when it is the dry run's, and logs it; false when it is the eviction's own. */
    synchronized boolean answered(EvictionAnswer answer) {
        if (!inFlight) {
            return false;
        }
        inFlight = false;
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
            default ->
                LOG.error(
                        "Dry-run eviction of pod {} refused ({}): the pod could not evict itself when its secrets near"
                                + " their end; the renewal goes on",
                        pod,
                        answer.text(settings));
        }
        return true;
    }

    /** Takes the lack of an answer when the dry run was waiting for it, and logs it; false otherwise. */
    synchronized boolean unanswered(String text) {
        if (!inFlight) {
            return false;
        }
        inFlight = false;
        LOG.warn(
                "Dry-run eviction of pod {}/{} got {}: the address, RBAC and admission are not proven; the renewal"
                        + " goes on, and the eviction is asked for as planned",
                settings.namespace(),
                settings.podName(),
                text);
        return true;
    }
}
