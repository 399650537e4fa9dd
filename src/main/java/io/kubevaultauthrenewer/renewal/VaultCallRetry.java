package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.vault.VaultFailure;
import java.time.Clock;
import java.time.Duration;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The error handler's retry rule: a failed call to Vault is tried again only when the failure is transient (network,
 * timeout, 412, 429, 5xx), at most {@code attempts} times; 400 and 403 are final. As the redelivery processor it logs
 * each retry.
 */
public final class VaultCallRetry implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(VaultCallRetry.class);

    private final int attempts;
    private final RenewalFailures failures;
    private final Duration maxDelay;
    private final Clock clock;

    /**
     * @param maxDelay the longest wait within a cycle: an answer asking for a longer one (Retry-After) is left to
     *     the early checks
     */
    public VaultCallRetry(int attempts, RenewalFailures failures, Duration maxDelay, Clock clock) {
        this.attempts = attempts;
        this.failures = failures;
        this.maxDelay = maxDelay;
        this.clock = clock;
    }

    /**
     * The error handler's retry-while rule: true while another try may succeed. An answer's {@code Retry-After} sets
     * the wait before that try.
     */
    public boolean shouldRetry(Exchange exchange) {
        int failures = exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class);
        Throwable cause = RenewalFailures.cause(exchange);
        // an answer that is not JSON failed in the parse, and a retry would only parse it again: the next
        // (early) check asks Vault anew
        boolean retry = failures <= attempts
                && !exchange.getContext().isStopping()
                && !isUnreadableAnswer(cause)
                && VaultFailure.of(cause).isTransient();
        Duration retryAfter = VaultFailure.retryAfter(cause, clock);
        exchange.getMessage().removeHeader(Exchange.REDELIVERY_DELAY);
        if (retry && retryAfter != null) {
            if (retryAfter.compareTo(maxDelay) > 0) {
                return false; // longer than a cycle waits: the early checks honour it
            }
            exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, retryAfter.toMillis());
        }
        return retry;
    }

    private static boolean isUnreadableAnswer(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof com.fasterxml.jackson.core.JsonProcessingException) {
                return true;
            }
        }
        return false;
    }

    /** The error handler's on-redelivery step: logs each retry. */
    @Override
    public void process(Exchange exchange) {
        int attempt = exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class);
        VaultFailure failure = VaultFailure.of(RenewalFailures.cause(exchange));
        LOG.warn(
                "{}: {} failed: {}; retry {} of {}",
                failures.subject(exchange),
                RenewalFailures.call(exchange),
                failure.describe(),
                attempt,
                attempts);
    }
}
