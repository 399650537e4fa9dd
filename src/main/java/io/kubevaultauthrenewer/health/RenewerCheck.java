package io.kubevaultauthrenewer.health;

import io.kubevaultauthrenewer.renewal.FinalEnds;
import io.kubevaultauthrenewer.renewal.RenewerStatus;
import io.kubevaultauthrenewer.renewal.WatchedItem;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** What the renewer's checks share: the status they read, and when the next cycle is due. */
abstract class RenewerCheck extends AbstractHealthCheck {

    final RenewerStatus status;
    final Duration interval;
    private volatile boolean evicting;

    RenewerCheck(String id, RenewerStatus status, Duration interval) {
        super("renewer", id);
        this.status = status;
        this.interval = interval;
    }

    @Override
    protected final void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Instant now = status.clock().instant();
        check(builder, now, nextCycle(now));
    }

    /**
     * Fills in the result.
     *
     * @param next when the next cycle will look again
     */
    abstract void check(HealthCheckResultBuilder builder, Instant now, Instant next);

    /** When the next cycle will look again: as scheduled, or one interval from now while a cycle runs. */
    private Instant nextCycle(Instant now) {
        Instant next = status.cycles().next();
        return next != null && next.isAfter(now) ? next : now.plus(interval);
    }

    /**
     * With EVICT_BEFORE_EXPIRY, a token or lease whose end no renewal can push back (a max TTL, not renewable) keeps
     * this check UP until it is dead: the eviction takes the pod away before, and until then its secrets are valid.
     */
    public void evictionCoversEndOfLife() {
        this.evicting = true;
    }

    /**
     * When the renewer next looks at the lease (or, with null, the token): its own early check when that comes
     * before the next cycle (a short TTL), else the next cycle. An item whose last call failed is judged against the
     * next cycle, however soon its retry: it lives past that only if a retry succeeds, and readiness says so.
     */
    Instant due(String leaseId, Instant next) {
        WatchedItem item = leaseId == null ? status.token() : status.lease(leaseId);
        Instant now = status.clock().instant();
        if (evicting && item != null && FinalEnds.finalEnd(item, now) != null) {
            return now;
        }
        Instant early = item == null || item.failures() > 0 ? null : item.nextCheck();
        return early != null && early.isBefore(next) ? early : next;
    }

    /**
     * The pod-wide end of life (the same in the token's and the leases' data): when its secrets die for good, and
     * why; "none" while everything can still be renewed.
     */
    void endOfLife(HealthCheckResultBuilder builder) {
        RenewerStatus.EndOfLife end = status.endOfLife();
        builder.detail("end_of_life", end == null ? "none" : end.at().toString());
        if (end != null) {
            builder.detail("end_of_life_cause", end.cause());
        }
    }

    static String text(Object value) {
        return value == null ? "none" : value.toString();
    }
}
