package io.kubevaultauthrenewer;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.ProducerTemplate;

/**
 * Sends a body to one endpoint and waits for its route to end: a cycle (or an early check) to the cycle queue, an
 * eviction to its route; one for all who ask.
 */
final class RouteCalls implements Consumer<Object> {
    private final CamelContext context;
    private final String uri;
    private final Map<String, Object> parameters;
    private ProducerTemplate template;
    private Endpoint endpoint;

    /**
     * @param uri the endpoint, or a property placeholder naming it ({@code {{renewer.cycle-queue}}})
     * @param parameters the endpoint's parameters, as a route's {@code parameters:} block gives them
     */
    RouteCalls(CamelContext context, String uri, Map<String, Object> parameters) {
        this.context = context;
        this.uri = uri;
        this.parameters = parameters;
    }

    @Override
    public void accept(Object body) {
        ProducerTemplate template;
        Endpoint endpoint;
        synchronized (this) {
            if (this.template == null) {
                this.template = context.createProducerTemplate();
                this.endpoint =
                        context.getEndpoint(uri, new HashMap<>(parameters)); // Camel takes the ones it binds out
            }
            template = this.template;
            endpoint = this.endpoint;
        }
        template.sendBody(endpoint, body); // a template is thread-safe; the cycle queue runs one at a time
    }
}
