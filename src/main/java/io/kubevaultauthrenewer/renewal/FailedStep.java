package io.kubevaultauthrenewer.renewal;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * The error handler's on-exception step: remembers the id of the route step that failed (such as
 * {@code vault-lease-lookup}) in the variable {@code failedStep}, so the dead letter's line can name it.
 */
public final class FailedStep implements Processor {

    @Override
    public void process(Exchange exchange) {
        exchange.setVariable("failedStep", exchange.getExchangeExtension().getHistoryNodeId());
    }
}
