package io.kubevaultauthrenewer.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * LOG_FORMAT=json: every line the renewer prints is one JSON object in the ECS shape of Camel JBang's logging-json,
 * the renewal lines with the lease id, the token's accessor, the TTL and the outcome as fields of their own; never
 * the token or an app secret. LOG_FORMAT=xml is refused.
 */
class JsonLogsIT extends AgainstTheEmulator {

    private static final Duration EXIT = Duration.ofSeconds(30);
    private static final int HOUR = 3600;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL");

    @Test
    void printsEveryLineAsAnEcsJsonObjectWithTheVaultFieldsOfTheRenewalLines() throws IOException {
        Token token = token(5000); // due: 5000 s < 2 x 1 h
        Lease renewed = lease(token, 5000);
        // its max TTL (50 s) is shorter than what a renewal grants: renewed, but capped
        Lease capped =
                vault.createLease(token, "database/creds/app", Duration.ofSeconds(100), Duration.ofSeconds(50), true);
        Lease revoked = lease(token, 5000);
        vault.revokeLease(revoked);
        writeVariables(token, renewed, capped, revoked);
        Map<String, String> env = renewerEnv(HOUR, true);
        env.put("LOG_FORMAT", "json");

        List<JsonNode> lines;
        try (RenewerProcess renewer = RenewerProcess.start(env)) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(1);
            assertThat(renewer.output()).doesNotContain(token.id, APP_SECRET);
            lines = parseEveryLine(renewer.lines());
        }

        assertThat(lines).hasSizeGreaterThan(5).allSatisfy(JsonLogsIT::isAnEcsEvent);
        JsonNode tokenLine = line(lines, "Token (accessor " + token.accessor + ") renewed: ttl ");
        assertThat(tokenLine.get("log.level").asText()).isEqualTo("INFO");
        assertThat(tokenLine.get("log.logger").asText()).isEqualTo("io.kubevaultauthrenewer.renewal.TokenRenewal");
        assertThat(fields(tokenLine))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "vault.token_accessor", token.accessor, "vault.ttl", "5000", "vault.outcome", "renewed"));

        JsonNode leaseLine = line(lines, "Lease " + renewed.id + " renewed: ttl ");
        assertThat(leaseLine.get("log.logger").asText()).isEqualTo("io.kubevaultauthrenewer.renewal.LeaseRenewal");
        assertThat(fields(leaseLine))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("vault.lease_id", renewed.id, "vault.ttl", "5000", "vault.outcome", "renewed"));

        JsonNode cappedLine = line(lines, "Lease " + capped.id + " renewed, but it will expire at ");
        assertThat(cappedLine.get("log.level").asText()).isEqualTo("WARN");
        assertThat(fields(cappedLine))
                .containsEntry("vault.lease_id", capped.id)
                .containsEntry("vault.outcome", "capped");
        assertThat(Long.parseLong(fields(cappedLine).get("vault.ttl"))).isBetween(1L, 50L);

        JsonNode failedLine = line(lines, "Lease " + revoked.id + ": vault-lease-lookup failed: HTTP 400");
        assertThat(failedLine.get("log.level").asText()).isEqualTo("ERROR");
        assertThat(failedLine.get("log.logger").asText()).isEqualTo("io.kubevaultauthrenewer.renewal-failure");
        assertThat(fields(failedLine))
                .containsExactlyInAnyOrderEntriesOf(Map.of("vault.lease_id", revoked.id, "vault.outcome", "failed"));

        JsonNode summary = line(lines, "Cycle done in ");
        assertThat(summary.get("message").asText())
                .contains("leases checked 3, renewed 1, not due 0, failed 1, capped 1");
        // no field outlives its line: each names what its line names
        assertThat(fields(summary)).isEmpty();
        assertThat(lines).allSatisfy(JsonLogsIT::hasOnlyItsOwnFields);
    }

    @Test
    void marksARejectedTokensLineAsFailedAndNoLineAfterIt() throws IOException {
        Token token = token(5000);
        Lease lease = lease(token, 5000);
        writeVariables(token, lease);
        vault.revokeToken(token);
        Map<String, String> env = renewerEnv(HOUR, true);
        env.put("LOG_FORMAT", "json");

        List<JsonNode> lines;
        try (RenewerProcess renewer = RenewerProcess.start(env)) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(1);
            assertThat(renewer.output()).doesNotContain(token.id, APP_SECRET);
            lines = parseEveryLine(renewer.lines());
        }

        assertThat(lines).allSatisfy(JsonLogsIT::isAnEcsEvent);
        JsonNode failed = line(lines, "Token: vault-token-lookup failed: HTTP 403");
        assertThat(failed.get("log.level").asText()).isEqualTo("ERROR");
        assertThat(fields(failed))
                .as("no accessor: no lookup ever showed it")
                .containsExactlyInAnyOrderEntriesOf(Map.of("vault.outcome", "failed"));
        assertThat(fields(line(lines, "Cycle done in "))).isEmpty();
        assertThat(lines).allSatisfy(JsonLogsIT::hasOnlyItsOwnFields);
    }

    /**
     * No field outlives its line: a line with a lease id or an accessor names it, and only the renewal and failure lines
     * have an outcome.
     */
    private static void hasOnlyItsOwnFields(JsonNode line) {
        String message = line.get("message").asText();
        Map<String, String> fields = fields(line);
        fields.forEach((name, value) -> {
            if (name.equals("vault.lease_id") || name.equals("vault.token_accessor")) {
                assertThat(message).as("%s of %s", name, line).contains(value);
            }
        });
        if (fields.containsKey("vault.outcome")) {
            assertThat(line.get("log.logger").asText())
                    .as("logger of %s", line)
                    .isIn(
                            "io.kubevaultauthrenewer.renewal.TokenRenewal",
                            "io.kubevaultauthrenewer.renewal.LeaseRenewal",
                            "io.kubevaultauthrenewer.renewal-failure");
        }
    }

    @Test
    void keepsEveryLineJsonThroughProbesScrapesJmxAndAStopThatRevokesAtDebugLevel() throws Exception {
        Token token = token(5000);
        Lease lease = lease(token, 5000);
        writeVariables(token, lease);
        Map<String, String> env = renewerEnv(HOUR, false);
        env.put("LOG_FORMAT", "json");
        env.put("REVOKE_ON_SHUTDOWN", "true");
        int jmxPort = Management.freePort();
        List<String> jvm = new ArrayList<>(List.of(Management.jmxOptions(jmxPort)));
        jvm.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=debug");

        List<JsonNode> lines;
        try (RenewerProcess renewer = RenewerProcess.start(env, jvm.toArray(String[]::new))) {
            int port = Management.managementPort(renewer);
            renewer.awaitLine("Cycle done", Duration.ofSeconds(60));
            assertThat(Management.get(port, "/observe/health").status()).isEqualTo(200);
            assertThat(Management.get(port, "/observe/metrics").body()).contains("vault_renewer_renewals_total");
            try (javax.management.remote.JMXConnector jmx = Management.connect(jmxPort)) {
                assertThat(jmx.getMBeanServerConnection().getMBeanCount()).isPositive();
            }
            assertThat(renewer.stop(EXIT)).as(renewer.output()).isIn(0, 143); // 143: stopped by SIGTERM
            assertThat(renewer.output()).doesNotContain(token.id, APP_SECRET);
            lines = parseEveryLine(renewer.lines());
        }

        assertThat(lines).allSatisfy(JsonLogsIT::isAnEcsEvent).allSatisfy(JsonLogsIT::hasOnlyItsOwnFields);
        assertThat(lines).extracting(l -> l.get("log.level").asText()).contains("DEBUG");
        assertThat(fields(line(lines, "Lease " + lease.id + " revoked")))
                .as("a line logged while the renewer stops (no shutdown hook of the logging cuts it)")
                .isEmpty();
        assertThat(lines)
                .extracting(l -> l.get("message").asText())
                .anySatisfy(m -> assertThat(m).startsWith("Token (accessor " + token.accessor + ") revoked"));
    }

    @Test
    void refusesAnUnknownLogFormatNamingIt() throws IOException {
        Token token = token(5000);
        writeVariables(token);
        Map<String, String> env = renewerEnv(HOUR, true);
        env.put("LOG_FORMAT", "xml");

        try (RenewerProcess renewer = RenewerProcess.start(env)) {
            assertThat(renewer.awaitExit(EXIT)).as(renewer.output()).isEqualTo(2);
            assertThat(renewer.linesWith("Invalid setting"))
                    .singleElement()
                    .asString()
                    .contains(" ERROR ", "LOG_FORMAT=xml is not a log format: text", "or json");
            assertThat(vault.requests()).as("refused before calling Vault").isEmpty();
        }
    }

    @Test
    void switchesToJsonInAPlainJavaDashJarRunToo() throws Exception {
        // not through bin/kube-vault-auth-renewer: java -jar alone, LOG_FORMAT in any case; no VAULT_ADDR (exit 2)
        ProcessBuilder builder = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"), "-jar", RenewerProcess.JAR.toString())
                .redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().put("LOG_FORMAT", " JSON ");
        builder.environment().put("VAULT_TOKEN", "s.json-run-token");
        Process process = builder.start();
        List<String> output = new ArrayList<>();
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            in.lines().forEach(output::add);
        }
        assertThat(process.waitFor(EXIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(String.join("\n", output)).isEqualTo(2);
        List<JsonNode> lines = parseEveryLine(output);
        assertThat(lines).allSatisfy(JsonLogsIT::isAnEcsEvent);
        assertThat(lines)
                .filteredOn(l -> l.get("log.level").asText().equals("ERROR"))
                .extracting(l -> l.get("message").asText())
                .anySatisfy(message -> assertThat(message).startsWith("Invalid setting: VAULT_ADDR is not set"));
        assertThat(String.join("\n", output)).doesNotContain("s.json-run-token");
    }

    /** Each line parsed on its own: a line that is not one JSON object fails the test, naming it. */
    private static List<JsonNode> parseEveryLine(List<String> output) {
        assertThat(output).isNotEmpty();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : output) {
            try {
                JsonNode node = JSON.readTree(line);
                assertThat(node).as("line %s", line).isNotNull();
                assertThat(node.isObject()).as("line %s", line).isTrue();
                lines.add(node);
            } catch (JsonProcessingException e) {
                throw new AssertionError("not a JSON line: " + line + "\n(" + e.getOriginalMessage() + ")", e);
            }
        }
        return lines;
    }

    /** The fields of EcsLayout.json, as Camel JBang's logging-json prints them. */
    private static void isAnEcsEvent(JsonNode line) {
        assertThat(Instant.parse(line.get("@timestamp").asText()))
                .as("@timestamp of %s", line)
                .isNotNull();
        assertThat(line.get("@timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(line.get("ecs.version").asText()).isEqualTo("1.2.0");
        assertThat(line.get("log.level").asText()).isIn(LEVELS);
        assertThat(line.get("log.logger").asText()).isNotBlank();
        assertThat(line.get("message").isTextual()).as("message of %s", line).isTrue();
        assertThat(line.get("process.thread.name").asText()).isNotBlank();
    }

    private static JsonNode line(List<JsonNode> lines, String messageStart) {
        List<JsonNode> found = lines.stream()
                .filter(l -> l.get("message").asText().startsWith(messageStart))
                .toList();
        assertThat(found)
                .as("lines starting with %s in %s", messageStart, lines)
                .hasSize(1);
        return found.get(0);
    }

    /** The renewer's own fields of a line: vault.*. */
    private static Map<String, String> fields(JsonNode line) {
        Map<String, String> fields = new java.util.TreeMap<>();
        StreamSupport.stream(((Iterable<String>) line::fieldNames).spliterator(), false)
                .filter(name -> name.startsWith("vault."))
                .forEach(name -> fields.put(name, line.get(name).asText()));
        return fields;
    }
}
