package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.vault.VaultFailure;
import java.time.Clock;
import java.time.Duration;
import org.apache.camel.Exchange;
import org.apache.camel.Handler;

/**
 * The dead letter's step: reads what failed, records it in the cycle's report, and leaves one line's worth of
 * variables for the {@code renewal-failure} route to log: {@code subject}, {@code call} (the failed step's id)
 * and {@code failure}.
 *
 * <p>The routes say what they work on: the lease routes put the lease id in the variable {@code leaseId}, the token
 * route puts {@code token} in the variable {@code renewing}.
 */
public final class RenewalFailures {

    private final CycleReport report;
    private final Clock clock;

    public RenewalFailures(CycleReport report, Clock clock) {
        this.report = report;
        this.clock = clock;
    }

    @Handler
    public void record(Exchange exchange) {
        VaultFailure failure = VaultFailure.of(cause(exchange));
        if (failure.status() == 0 && exchange.getContext().isStopping()) {
            // the call was cut by the stop (or could not be made any more)
            failure = new VaultFailure(0, "abandoned: the renewer is stopping", false);
        }
        String leaseId = exchange.getVariable("leaseId", String.class);
        String call = call(exchange);
        Duration retryAfter = failure.isTransient() ? VaultFailure.retryAfter(cause(exchange), clock) : null;
        String error = call + " failed: " + failure.describe();
        if (leaseId != null) {
            report.leaseFailed(leaseId, error, failure.leaseGone(), failure.isTransient());
            report.status().askedToWait(leaseId, retryAfter);
        } else if (isToken(exchange)) {
            if (failure.tokenRejected()) {
                report.tokenRejected(error);
            } else {
                report.tokenFailed(error, failure.isTransient());
                report.status().askedToWait(null, retryAfter);
            }
        }
        exchange.setVariable("subject", subject(exchange));
        exchange.setVariable("call", call);
        exchange.setVariable("failure", failure.describe());
    }

    /** The exception that failed the exchange, wherever the error handler put it. */
    static Throwable cause(Exchange exchange) {
        Throwable t = exchange.getException();
        return t != null ? t : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
    }

    /** The lease by its id, or the token by its accessor: never by itself. */
    String subject(Exchange exchange) {
        String leaseId = exchange.getVariable("leaseId", String.class);
        if (leaseId != null) {
            return "Lease " + leaseId;
        }
        return isToken(exchange) ? report.tokenName() : "Cycle";
    }

    /** The id of the route step that failed, as {@link FailedStep} recorded it. */
    static String call(Exchange exchange) {
        String step = exchange.getVariable("failedStep", String.class);
        return step != null ? step : "a step";
    }

    private static boolean isToken(Exchange exchange) {
        return "token".equals(exchange.getVariable("renewing", String.class));
    }
}
