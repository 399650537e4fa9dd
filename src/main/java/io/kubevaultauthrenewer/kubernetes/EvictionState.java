package io.kubevaultauthrenewer.kubernetes;

import io.kubevaultauthrenewer.renewal.RenewerStatus.EndOfLife;
import java.time.Instant;

/**
 * A snapshot of the pod's eviction (EVICT_BEFORE_EXPIRY), as readiness, JMX and the metrics show it, and its
 * transitions.
 *
 * @param phase where it is
 * @param end the end of life it is planned against, or null
 * @param moment when it is (or was) first asked for, or null
 * @param nextTry when the next try comes, or null
 * @param tries requests sent
 * @param lastAnswer the last answer in words, or null
 * @param evictedAt when the API server accepted it, or null
 */
public record EvictionState(
        Phase phase, EndOfLife end, Instant moment, Instant nextTry, int tries, String lastAnswer, Instant evictedAt) {

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

    /** No end of life known: nothing planned. */
    static final EvictionState NONE = new EvictionState(Phase.NONE, null, null, null, 0, null, null);

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

    /** Asked for once the planned moment comes, against this end. */
    static EvictionState planned(EndOfLife end, Instant moment) {
        return new EvictionState(Phase.PLANNED, end, moment, moment, 0, null, null);
    }

    /** True once asked for: the eviction goes on whatever the end does. */
    boolean asked() {
        return phase == Phase.TRYING || phase == Phase.EVICTED;
    }

    /** Still trying, against an end that came closer. */
    EvictionState endingAt(EndOfLife closer) {
        return new EvictionState(phase, closer, moment, nextTry, tries, lastAnswer, null);
    }

    /** One more request on its way: no next try until its answer plans one. */
    EvictionState sending() {
        return new EvictionState(Phase.TRYING, end, moment, null, tries + 1, lastAnswer, null);
    }

    /** Refused (or unanswered) with this answer: tried again at {@code next}. */
    EvictionState refused(String answer, Instant next) {
        return new EvictionState(Phase.TRYING, end, moment, next, tries, answer, null);
    }

    /** Accepted at {@code at} with this answer. */
    EvictionState evicted(String answer, Instant at) {
        return new EvictionState(Phase.EVICTED, end, moment, null, tries, answer, at);
    }
}
