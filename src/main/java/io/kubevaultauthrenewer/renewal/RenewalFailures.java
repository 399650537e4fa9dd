package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.vault.VaultFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.camel.Exchange;
import org.apache.camel.Handler;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * The dead letter's step: reads what failed, records it in the cycle's report, plans the next try of a failure a
 * later try may mend (against the item's expiry: {@link RetryPolicy}), and leaves one line's worth of variables for
 * the {@code renewal-failure} route to log: {@code subject}, {@code call} (the failed step's id), {@code failure}
 * (what Vault or the network said, and what happens next) and {@code level} ({@code WARN} for a quick retry, else
 * {@code ERROR}).
 *
 * <p>The routes say what they work on: the lease routes put the lease id in the variable {@code leaseId}, the token
 * route puts {@code token} in the variable {@code renewing}.
 */
public final class RenewalFailures {

    private final CycleReport report;
    private final Clock clock;
    private final RetryPolicy policy;
    private final boolean runOnce;

    /**
     * @param runOnce true with RUN_ONCE: only the quick retries are made, then the run ends
     */
    public RenewalFailures(CycleReport report, Clock clock, RetryPolicy policy, boolean runOnce) {
        this.report = report;
        this.clock = clock;
        this.policy = policy;
        this.runOnce = runOnce;
    }

    @Handler
    public void record(Exchange exchange) {
        VaultFailure failure = VaultFailure.of(cause(exchange));
        boolean stopping = exchange.getContext().isStopping();
        if (failure.status() == 0 && stopping) {
            // the call was cut by the stop (or could not be made any more)
            failure = new VaultFailure(0, "abandoned: the renewer is stopping", false);
        }
        String leaseId = exchange.getVariable("leaseId", String.class);
        String call = call(exchange);
        String error = call + " failed: " + failure.describe();
        boolean token = leaseId == null && isToken(exchange);
        boolean retried = failure.isTransient() && !stopping && (leaseId != null || token);
        String next = "";
        String level = "ERROR";
        if (leaseId != null && failure.pastMaxTtl()) {
            report.leaseEnds(leaseId, error, FinalEnds.MAX_TTL_REACHED);
            next = "; " + finalEnd(report.status().lease(leaseId), FinalEnds.MAX_TTL_REACHED);
            level = "WARN";
        } else if (leaseId != null) {
            report.leaseFailed(leaseId, error, failure.leaseGone());
            if (failure.leaseGone()) {
                next = "; gone: it is not asked about again while the variables file names the same lease ids";
            }
        } else if (token && failure.tokenRejected()) {
            report.tokenRejected(error);
        } else if (token && failure.pastMaxTtl()) {
            report.tokenEnds(Outcome.CAPPED, error, FinalEnds.MAX_TTL_REACHED);
            next = "; " + finalEnd(report.status().token(), FinalEnds.MAX_TTL_REACHED);
            level = "WARN";
        } else if (token && failure.authRoleGone()) {
            boolean toldBefore = ROLE_GONE.equals(report.status().token().endCause());
            report.tokenEnds(Outcome.FAILED, error, ROLE_GONE);
            next = "; not retried: " + finalEnd(report.status().token(), ROLE_GONE)
                    + " (it is renewed again at each cycle in case the role is put back)";
            level = toldBefore ? "DEBUG" : "ERROR";
        } else if (token) {
            report.tokenFailed(error);
        }
        if (retried) {
            Duration retryAfter = VaultFailure.retryAfter(cause(exchange), clock);
            RetryPolicy.Try plan = report.status()
                    .failedTransiently(
                            leaseId,
                            policy,
                            retryAfter,
                            runOnce ? policy.quickRetries() : Integer.MAX_VALUE,
                            ThreadLocalRandom.current().nextDouble());
            WatchedItem item =
                    leaseId == null ? report.status().token() : report.status().lease(leaseId);
            next = "; " + whatNext(plan, item, retryAfter);
            if (plan != null && plan.retry() <= policy.quickRetries()) {
                level = "WARN";
            }
        }
        if (leaseId != null || token) {
            // the fields of the line the renewal-failure route logs next (JSON logs); out of the MDC once the call's
            // exchange is done
            LogFields fields = (leaseId != null
                            ? LogFields.lease(leaseId)
                            : LogFields.token(report.status().tokenAccessor()))
                    .outcome(Outcome.FAILED);
            exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
                @Override
                public void onDone(Exchange done) {
                    fields.close();
                }
            });
        }
        exchange.setVariable("subject", subject(exchange));
        exchange.setVariable("call", call);
        exchange.setVariable("failure", failure.describe() + next);
        exchange.setVariable("level", level);
    }

    /** Why a token whose auth role was deleted ends when it does. */
    static final String ROLE_GONE = "its auth role no longer exists, so Vault cannot renew it";

    /** An item whose expiry is now final, in words for the log. */
    private static String finalEnd(WatchedItem item, String cause) {
        return cause + ": it expires at "
                + (item == null || item.expires() == null ? "an unknown time" : time(item.expires()))
                + ", and no renewal can change that";
    }

    /** What happens next to an item whose call failed for a transient reason, in words for the log. */
    private String whatNext(RetryPolicy.Try plan, WatchedItem item, Duration retryAfter) {
        Instant now = clock.instant();
        String expiry = item.expires() == null || item.neverExpires() ? null : time(item.expires());
        if (plan == null) {
            if (item.lost()) {
                return item.expires().isAfter(now)
                        ? "lost: it expires at " + expiry + ", before another try can be made"
                        : "lost: it expired at " + expiry;
            }
            return "no retry left (RUN_ONCE, after " + policy.quickRetries() + ")";
        }
        StringBuilder text = new StringBuilder("retry ").append(plan.retry());
        if (plan.retry() <= policy.quickRetries()) {
            text.append(" of ").append(policy.quickRetries());
        }
        if (plan.why() == RetryPolicy.Why.WHILE_VAULT_MAY_HOLD_IT) {
            text.append(" at ")
                    .append(time(plan.at()))
                    .append(": past its expiry at ")
                    .append(expiry)
                    .append(" as Vault's ttl gave it, but Vault may hold it up to ")
                    .append(io.kubevaultauthrenewer.vault.VaultTtl.MAY_LAST_AFTER.toMillis())
                    .append(" ms longer");
            return text.toString();
        }
        if (plan.why() == RetryPolicy.Why.LAST_TRY_BEFORE_EXPIRY) {
            text.append(" at ")
                    .append(time(plan.at()))
                    .append(": Vault asked to wait ")
                    .append(retryAfter.toMillis())
                    .append(" ms (Retry-After), past its expiry at ")
                    .append(expiry)
                    .append(", so this is the last try before it expires");
            return text.toString();
        }
        text.append(" at ").append(time(plan.at())).append(" (in ");
        text.append(Duration.between(now, plan.at()).toMillis()).append(" ms");
        if (plan.why() == RetryPolicy.Why.RETRY_AFTER) {
            text.append(", as Vault asked");
        } else if (plan.why() == RetryPolicy.Why.HALF_OF_TIME_LEFT) {
            text.append(", half of the time it has left");
        }
        text.append(')');
        if (expiry != null) {
            text.append("; it expires at ").append(expiry);
        }
        return text.toString();
    }

    private static String time(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS).toString();
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
