package io.kubevaultauthrenewer.management;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kubevaultauthrenewer.config.InvalidSettingsException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management port: MicroProfile Health at {@code /observe/health}, {@code /observe/health/live} and
 * {@code /observe/health/ready} (200 when UP, 503 when DOWN), and Prometheus text at {@code /observe/metrics}. The
 * JDK's own HTTP server: it costs far less memory and start-up time than an embedded Vert.x. A few workers and a
 * watchdog ({@link BoundedExchanges}) keep it answering the probes while clients are slow or idle.
 */
public final class ManagementServer extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(ManagementServer.class);
    public static final String HEALTH_PATH = "/observe/health";
    public static final String LIVENESS_PATH = HEALTH_PATH + "/live";
    public static final String READINESS_PATH = HEALTH_PATH + "/ready";
    public static final String METRICS_PATH = "/observe/metrics";

    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final String host;
    private final int port;
    private final PrometheusMeterRegistry metrics;
    private final HealthEndpoint health = new HealthEndpoint();
    private HttpServer server;
    private final Duration readBudget;
    private final Duration writeBudget;
    private BoundedExchanges executor;

    /**
     * @param host the address to listen on (0.0.0.0: every interface)
     * @param port the port to listen on, 0 for any free one
     */
    public ManagementServer(String host, int port, PrometheusMeterRegistry metrics) {
        this(host, port, metrics, BoundedExchanges.READ_BUDGET, BoundedExchanges.WRITE_BUDGET);
    }

    /** With budgets of its own: the time to read a request, the time to write an answer. */
    ManagementServer(
            String host, int port, PrometheusMeterRegistry metrics, Duration readBudget, Duration writeBudget) {
        this.readBudget = readBudget;
        this.writeBudget = writeBudget;
        this.host = host;
        this.port = port;
        this.metrics = metrics;
    }

    /** The port listened on (the chosen one when 0 was asked for). */
    public int port() {
        return server == null ? port : server.getAddress().getPort();
    }

    @Override
    protected void doStart() throws IOException {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new InvalidSettingsException(
                    List.of("CAMEL_MANAGEMENT_HOST=" + host + " cannot be resolved to an address of this host"));
        }
        try {
            server = HttpServer.create(address, 16);
        } catch (BindException e) {
            throw new InvalidSettingsException(List.of("CAMEL_MANAGEMENT_HOST=" + host + " CAMEL_MANAGEMENT_PORT="
                    + port + " cannot be listened on (" + e.getMessage() + "): choose another address or port"));
        }
        executor = new BoundedExchanges(readBudget, writeBudget);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        LOG.info("Health at http://localhost:{}/observe/health (/live, /ready), metrics at /observe/metrics", port());
    }

    @Override
    protected void doStop() {
        if (server != null) {
            server.stop(0);
            executor.shutdown();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        executor.requestRead();
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(
                        exchange,
                        405,
                        "text/plain; charset=utf-8",
                        "method not allowed\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String path = exchange.getRequestURI().getPath().replaceAll("/+$", "");
            switch (path) {
                case HEALTH_PATH -> health(exchange, HealthEndpoint.Group.ALL);
                case LIVENESS_PATH -> health(exchange, HealthEndpoint.Group.LIVENESS);
                case READINESS_PATH -> health(exchange, HealthEndpoint.Group.READINESS);
                case METRICS_PATH ->
                    send(exchange, 200, PROMETHEUS_TEXT, metrics.scrape().getBytes(StandardCharsets.UTF_8));
                default ->
                    send(
                            exchange,
                            404,
                            "text/plain; charset=utf-8",
                            ("not found: try /observe/health, /observe/health/live, /observe/health/ready,"
                                            + " /observe/metrics\n")
                                    .getBytes(StandardCharsets.UTF_8));
            }
        } catch (RuntimeException e) {
            LOG.warn(
                    "Management request {} failed: {}", exchange.getRequestURI().getPath(), e.toString());
        }
    }

    private void health(HttpExchange exchange, HealthEndpoint.Group group) throws IOException {
        HealthEndpoint.Answer answer = health.answer(group);
        send(exchange, answer.status(), "application/json", answer.body());
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
