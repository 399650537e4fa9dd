package io.kubevaultauthrenewer;

import java.util.function.Consumer;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;

/**
 * Sends a body to one endpoint and waits for its route to end: a cycle (or an early check) to the cycle queue, an
 * eviction to its route; one for all who ask.
 */
final class RouteCalls implements Consumer<Object> {
    private final CamelContext context;
    private final String uri;
    private ProducerTemplate template;

    RouteCalls(CamelContext context, String uri) {
        this.context = context;
        this.uri = uri;
    }

    @Override
    public void accept(Object body) {
        template().sendBody(uri, body); // a template is thread-safe; the cycle queue runs one at a time
    }

    private synchronized ProducerTemplate template() {
        if (template == null) {
            template = context.createProducerTemplate();
        }
        return template;
    }
}
