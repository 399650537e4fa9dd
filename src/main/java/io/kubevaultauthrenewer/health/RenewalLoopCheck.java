package io.kubevaultauthrenewer.health;

import io.kubevaultauthrenewer.renewal.RenewerStatus;
import java.time.Duration;
import java.time.Instant;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Liveness: DOWN when no cycle has completed within 2 × RENEW_INTERVAL plus the time one Vault call may take with its
 * retries, and nothing has moved for that long either; or when a cycle is running and none of its calls has ended
 * for 2 × the call deadline plus the longest wait before a quick retry (every call ends by its deadline and the next
 * one starts by then, so such a cycle is stuck, whatever RENEW_INTERVAL is).
 * Vault being down does not make it DOWN (cycles still complete, with failures); a stuck or stopped loop does, and a
 * restart helps with that.
 */
public final class RenewalLoopCheck extends RenewerCheck {

    private final Duration callAllowance;
    private final Duration retryMaxDelay;

    /**
     * @param callAllowance the longest one Vault call may take: its deadline (connect + response timeout)
     * @param retryMaxDelay RENEWER_RETRY_MAX_DELAY: the longest wait between two calls of a running cycle
     */
    public RenewalLoopCheck(RenewerStatus status, Duration interval, Duration callAllowance, Duration retryMaxDelay) {
        super("renewal-loop", status, interval);
        this.callAllowance = callAllowance;
        this.retryMaxDelay = retryMaxDelay;
    }

    @Override
    public boolean isLiveness() {
        return true;
    }

    @Override
    public boolean isReadiness() {
        return false;
    }

    @Override
    void check(HealthCheckResultBuilder builder, Instant now, Instant next) {
        RenewerStatus.Cycles cycles = status.cycles();
        Instant since = cycles.lastCompleted() != null ? cycles.lastCompleted() : cycles.started();
        Instant deadline = since.plus(interval.multipliedBy(2)).plus(callAllowance);
        boolean still = status.lastProgress().plus(callAllowance).isBefore(now);
        builder.detail("cycles_completed", cycles.completed());
        builder.detail("last_cycle_completed", text(cycles.lastCompleted()));
        builder.detail("next_cycle", text(cycles.next()));
        builder.detail("cycle_running", cycles.running());
        builder.detail("deadline", deadline.toString());
        Instant stalledAfter =
                status.lastProgress().plus(callAllowance.multipliedBy(2)).plus(retryMaxDelay);
        if (cycles.running() && now.isAfter(stalledAfter)) {
            String reason = "the running cycle has ended no call since " + status.lastProgress()
                    + " (each call ends within " + callAllowance.toSeconds() + "s, and the next starts within "
                    + retryMaxDelay.toSeconds() + "s)";
            builder.message(reason);
            builder.detail("reason", reason);
            builder.down();
        } else if (now.isAfter(deadline) && still) {
            String reason = "no cycle completed since " + since + " (deadline " + deadline + ")";
            builder.message(reason);
            builder.detail("reason", reason);
            builder.down();
        } else {
            builder.up();
        }
    }
}
