package io.kubevaultauthrenewer.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/** What an operator's tools reach of a running renewer: the management port's endpoints, and JMX. */
public final class Management {

    private static final Duration LONG = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern PORT_LINE = Pattern.compile("Health at http://localhost:(\\d+)/");

    private Management() {}

    /** An answer of the management port. */
    public record Answer(int status, String body) {
        public JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        /** The named check of a health answer. */
        public JsonNode check(String name) throws IOException {
            for (JsonNode check : json().get("checks")) {
                if (check.get("name").asText().equals(name)) {
                    return check;
                }
            }
            throw new AssertionError("no check " + name + " in " + body);
        }
    }

    /** The management port, as the renewer logs it at start-up (CAMEL_MANAGEMENT_PORT=0 picks a free one). */
    public static int managementPort(RenewerOutput renewer) {
        return managementPort(renewer.awaitLine(PORT_LINE.pattern(), LONG));
    }

    /** The management port named in the line the renewer logs it in. */
    public static int managementPort(String line) {
        Matcher m = PORT_LINE.matcher(line);
        assertThat(m.find()).as(line).isTrue();
        return Integer.parseInt(m.group(1));
    }

    public static Answer get(int port, String path) {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The status of the named check in a health answer. */
    public static String status(Answer answer, String check) throws IOException {
        return answer.check(check).get("status").asText();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The remote-JMX flags of docs/operating.md, on loopback. */
    static String[] jmxOptions(int port) {
        return new String[] {
            "-Dcom.sun.management.jmxremote.port=" + port,
            "-Dcom.sun.management.jmxremote.rmi.port=" + port,
            "-Dcom.sun.management.jmxremote.host=127.0.0.1",
            "-Djava.rmi.server.hostname=127.0.0.1",
            "-Dcom.sun.management.jmxremote.authenticate=false",
            "-Dcom.sun.management.jmxremote.ssl=false"
        };
    }

    /** Connects to the renewer's JMX port, waiting until it listens. */
    static JMXConnector connect(int port) {
        JMXServiceURL url;
        try {
            url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        JMXConnector[] connector = new JMXConnector[1];
        await().atMost(LONG).ignoreExceptions().until(() -> {
            connector[0] = JMXConnectorFactory.connect(url);
            return true;
        });
        return connector[0];
    }

    /** Reads Prometheus text format 0.0.4; fails on any line that is not a comment or a sample. */
    public static Map<String, Double> parsePrometheusText(String text) {
        Pattern sample = Pattern.compile(
                "([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*})?)"
                        + " ([-+]?(?:\\d+\\.?\\d*(?:[eE][-+]?\\d+)?|NaN|[+-]Inf))(?: \\d+)?");
        Map<String, Double> series = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                continue;
            }
            Matcher m = sample.matcher(line);
            assertThat(m.matches()).as("a Prometheus sample: %s", line).isTrue();
            series.put(m.group(1), Double.parseDouble(m.group(2).replace("Inf", "Infinity")));
        }
        return series;
    }
}
