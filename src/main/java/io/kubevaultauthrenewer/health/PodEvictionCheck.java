package io.kubevaultauthrenewer.health;

import io.kubevaultauthrenewer.kubernetes.EvictionState;
import io.kubevaultauthrenewer.kubernetes.PodEviction;
import io.kubevaultauthrenewer.renewal.RenewerStatus;
import java.time.Duration;
import java.time.Instant;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Readiness {@code pod-eviction} (with EVICT_BEFORE_EXPIRY): UP while the eviction is planned or waits for the
 * disruption budget (the secrets are still valid); DOWN, with the reason, once the API server accepted it (the pod
 * is leaving) or once the secrets are dead (the pod must not serve, and could not leave). Data: the phase, the
 * planned moment, the next try, the tries, the last answer.
 */
public final class PodEvictionCheck extends RenewerCheck {

    private final PodEviction eviction;

    public PodEvictionCheck(RenewerStatus status, Duration interval, PodEviction eviction) {
        super("pod-eviction", status, interval);
        this.eviction = eviction;
    }

    @Override
    public boolean isLiveness() {
        return false; // a restart of the renewer would not help: the pod must go
    }

    @Override
    public boolean isReadiness() {
        return true;
    }

    @Override
    void check(HealthCheckResultBuilder builder, Instant now, Instant next) {
        EvictionState state = eviction.state();
        builder.detail("evict_before_expiry", eviction.lead().toString());
        builder.detail("phase", state.phase().name().toLowerCase(java.util.Locale.ROOT));
        endOfLife(builder);
        builder.detail("moment", text(state.moment()));
        builder.detail("next_try", text(state.nextTry()));
        builder.detail("tries", state.tries());
        builder.detail("last_answer", text(state.lastAnswer()));
        builder.detail("overdue", state.overdue(now));
        if (!state.leavesService(now)) {
            builder.up();
            return;
        }
        String reason = state.phase() == EvictionState.Phase.EVICTED
                ? "the pod is being evicted (" + state.lastAnswer() + "): its secrets die at "
                        + state.end().at()
                : "the pod's secrets died at " + state.end().at() + " ("
                        + state.end().cause() + ") and its eviction is not accepted yet: " + text(state.lastAnswer());
        builder.message(reason);
        builder.detail("reason", reason);
        builder.down();
    }
}
