package io.kubevaultauthrenewer.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.kubevaultauthrenewer.ManifestsTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Prometheus (Debian's prometheus package, as CI installs it) in its own process, scraping every second the
 * renewers a test names and evaluating rule files every second: its HTTP API answers what an operator's Prometheus
 * would. Targets come from a file (file_sd), so a test adds a renewer as it starts it.
 */
final class PrometheusServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final Path dir;
    private final String address;
    private final Map<String, Map<String, String>> targets = new LinkedHashMap<>();

    private PrometheusServer(Process process, Path dir, String address) {
        this.process = process;
        this.dir = dir;
        this.address = address;
    }

    /**
     * Starts Prometheus on a free port of loopback with this rule file, and waits until it is ready.
     *
     * @param dir its working directory: configuration, targets, data and log
     */
    static PrometheusServer start(Path dir, String rules) throws IOException {
        Assumptions.assumeTrue(
                ManifestsTest.onPath("prometheus"),
                "prometheus is not on the PATH (Debian: prometheus; .ci/run installs it)");
        Files.writeString(dir.resolve("rules.yaml"), rules);
        Files.writeString(dir.resolve("targets.json"), "[]");
        Files.writeString(dir.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files:
                  - rules.yaml
                scrape_configs:
                  - job_name: renewers
                    metrics_path: /observe/metrics
                    file_sd_configs:
                      - files:
                          - targets.json
                        refresh_interval: 1s
                """);
        String address = "127.0.0.1:" + Management.freePort();
        Process process = new ProcessBuilder(
                        "prometheus",
                        "--config.file=" + dir.resolve("prometheus.yml"),
                        "--storage.tsdb.path=" + dir.resolve("data"),
                        "--web.listen-address=" + address,
                        "--log.level=warn")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
        PrometheusServer prometheus = new PrometheusServer(process, dir, address);
        Awaitility.await("Prometheus ready (" + dir.resolve("prometheus.log") + ")")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(() -> process.isAlive() && prometheus.get("/-/ready").statusCode() == 200);
        return prometheus;
    }

    /** Has it scrape {@code 127.0.0.1:port} with these labels (as a PodMonitor gives {@code namespace} and pod). */
    synchronized void scrape(int port, Map<String, String> labels) throws IOException {
        targets.put("127.0.0.1:" + port, labels);
        ArrayNode list = JSON.createArrayNode();
        targets.forEach((target, targetLabels) -> {
            var group = list.addObject();
            group.putArray("targets").add(target);
            group.set("labels", JSON.valueToTree(targetLabels));
        });
        Path next = dir.resolve("targets.json.next");
        Files.writeString(next, JSON.writeValueAsString(list));
        Files.move(next, dir.resolve("targets.json"), StandardCopyOption.ATOMIC_MOVE);
    }

    /** The alerts pending or firing now, each its labels (alertname included) and {@code state}. */
    List<Map<String, String>> alerts() {
        List<Map<String, String>> alerts = new ArrayList<>();
        for (JsonNode alert : api("/api/v1/alerts").get("alerts")) {
            Map<String, String> labels = new LinkedHashMap<>();
            alert.get("labels")
                    .fields()
                    .forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
            labels.put("state", alert.get("state").asText());
            alerts.add(labels);
        }
        return alerts;
    }

    /** The state of the alert for this pod ({@code pending}, {@code firing}), or {@code inactive}. */
    String alertState(String alertName, String pod) {
        return alerts().stream()
                .filter(a -> alertName.equals(a.get("alertname")) && pod.equals(a.get("pod")))
                .map(a -> a.get("state"))
                .reduce((a, b) -> a.equals("firing") ? a : b)
                .orElse("inactive");
    }

    /** An instant query's result (a vector's samples, a scalar's one value). */
    JsonNode query(String promql) {
        return api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    /** Every metric name it holds (the label values of {@code __name__}). */
    List<String> metricNames() {
        List<String> names = new ArrayList<>();
        api("/api/v1/label/__name__/values").forEach(n -> names.add(n.asText()));
        return names;
    }

    /** The rules as it loaded them: each group's rules with their health and last error. */
    JsonNode rules() {
        return api("/api/v1/rules");
    }

    /** Its API's {@code data}; an error answer fails with Prometheus' own words. */
    private JsonNode api(String path) {
        try {
            HttpResponse<String> answer = get(path);
            JsonNode body = JSON.readTree(answer.body());
            if (answer.statusCode() != 200
                    || !"success".equals(body.path("status").asText())) {
                throw new IllegalStateException(path + ": HTTP " + answer.statusCode() + " " + answer.body());
            }
            return body.get("data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HttpResponse<String> get(String path) throws IOException {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://" + address + path))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() {
        ProcessOutput.destroy(process);
    }
}
