package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.vault.VaultFailure;
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

    public VaultCallRetry(int attempts, RenewalFailures failures) {
        this.attempts = attempts;
        this.failures = failures;
    }

    /** The error handler's retry-while rule: true while another try may succeed. */
    public boolean shouldRetry(Exchange exchange) {
        int failures = exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class);
        return failures <= attempts
                && !exchange.getContext().isStopping()
                && VaultFailure.of(RenewalFailures.cause(exchange)).isTransient();
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
