package io.kubevaultauthrenewer.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The management port over real sockets: clients that are slow, idle or never read must not silence the probes. */
class ManagementServerTest {

    /** More than the workers and then some: on one thread, or on a pool without a read budget, they hold them all. */
    private static final int STALLED_CLIENTS = BoundedExchanges.WORKERS * 2;

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    private final List<Socket> clients = new ArrayList<>();
    private ManagementServer server;

    @AfterEach
    void stop() throws IOException {
        for (Socket client : clients) {
            client.close();
        }
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void answersTheLivenessProbeWhileClientsHoldHalfARequest() throws Exception {
        start("127.0.0.1");
        for (int i = 0; i < STALLED_CLIENTS; i++) {
            connect()
                    .getOutputStream()
                    .write("GET /observe/health/live HTTP/1.1\r\nHost: renewer\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
        }

        assertThat(liveness("127.0.0.1")).isEqualTo(200);
    }

    @Test
    void answersTheLivenessProbeWhileClientsConnectAndSendNothing() throws Exception {
        start("127.0.0.1");
        for (int i = 0; i < STALLED_CLIENTS; i++) {
            connect();
        }

        assertThat(liveness("127.0.0.1")).isEqualTo(200);
    }

    @Test
    void closesAClientThatDoesNotFinishItsRequestWithinTheReadBudget() throws Exception {
        start("127.0.0.1");
        Socket client = connect();
        client.getOutputStream().write("GET /observe/metrics HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        client.setSoTimeout((int) (BoundedExchanges.READ_BUDGET.toMillis() * 3));

        long started = System.nanoTime();
        assertThat(client.getInputStream().read())
                .as("end of stream: the server closed it")
                .isEqualTo(-1);
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isLessThan(BoundedExchanges.READ_BUDGET.multipliedBy(3));
    }

    @Test
    void answersOthersWhileClientsNeverReadTheirAnswers() throws Exception {
        start("127.0.0.1", BoundedExchanges.WRITE_BUDGET, scrapeOfMegabytes());
        for (int i = 0; i < BoundedExchanges.WORKERS - 1; i++) {
            neverReads();
        }

        assertThat(liveness("127.0.0.1")).isEqualTo(200);
    }

    @Test
    void cutsClientsThatDoNotReadTheirAnswersWithinTheWriteBudget() throws Exception {
        Duration writeBudget = Duration.ofMillis(500);
        PrometheusMeterRegistry metrics = scrapeOfMegabytes();
        int scrape = metrics.scrape().getBytes(StandardCharsets.UTF_8).length;
        start("127.0.0.1", writeBudget, metrics);
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < BoundedExchanges.WORKERS; i++) {
            slow.add(neverReads());
        }

        assertThat(liveness("127.0.0.1"))
                .as("answered once the slow readers are cut")
                .isEqualTo(200);
        for (Socket client : slow) {
            client.setSoTimeout((int) PROBE_TIMEOUT.toMillis());
            assertThat(bytesUntilClosed(client)).as("a cut answer").isLessThan(scrape);
        }
    }

    @Test
    void listensOnlyOnTheAddressItIsGiven() throws Exception {
        Optional<InetAddress> other = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .findFirst();
        assumeTrue(other.isPresent(), "this host has an address besides loopback");
        start("127.0.0.1");

        assertThat(liveness("127.0.0.1")).isEqualTo(200);
        assertThatThrownBy(() -> new Socket(other.get(), server.port()).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void listensOnEveryInterfaceByDefault() throws Exception {
        start("0.0.0.0");

        assertThat(liveness("127.0.0.1")).isEqualTo(200);
    }

    private void start(String host) {
        start(host, BoundedExchanges.WRITE_BUDGET, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    private void start(String host, Duration writeBudget, PrometheusMeterRegistry metrics) {
        server = new ManagementServer(host, 0, metrics, BoundedExchanges.READ_BUDGET, writeBudget);
        server.start();
    }

    /** Metrics far larger than the sockets' buffers, so that the server's write waits for the client to read. */
    private static PrometheusMeterRegistry scrapeOfMegabytes() {
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        for (int i = 0; i < 15_000; i++) {
            metrics.counter("renewer_padding", "lease", "database/creds/app/" + "x".repeat(60) + i);
        }
        return metrics;
    }

    /** A client that asks for the metrics with the smallest receive buffer it can, and never reads them. */
    private Socket neverReads() throws IOException {
        Socket client = new Socket();
        client.setReceiveBufferSize(1024);
        client.connect(new InetSocketAddress("127.0.0.1", server.port()));
        clients.add(client);
        client.getOutputStream()
                .write("GET /observe/metrics HTTP/1.1\r\nHost: renewer\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return client;
    }

    /** What the client still receives until the server closes the connection (a reset counts as closed). */
    private static long bytesUntilClosed(Socket client) throws IOException {
        InputStream in = client.getInputStream();
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                total += n;
            }
        } catch (SocketException e) {
            // reset by the server's close
        }
        return total;
    }

    private Socket connect() throws IOException {
        Socket client = new Socket("127.0.0.1", server.port());
        clients.add(client);
        return client;
    }

    /** The probe's status, as the kubelet would get it: an HTTP GET that gives up after two seconds. */
    private int liveness(String host) throws IOException {
        HttpURLConnection probe =
                (HttpURLConnection) URI.create("http://" + host + ":" + server.port() + ManagementServer.LIVENESS_PATH)
                        .toURL()
                        .openConnection();
        probe.setConnectTimeout((int) PROBE_TIMEOUT.toMillis());
        probe.setReadTimeout((int) PROBE_TIMEOUT.toMillis());
        try {
            return probe.getResponseCode();
        } finally {
            probe.disconnect();
        }
    }
}
