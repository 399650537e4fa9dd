package io.kubevaultauthrenewer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.xml.XmlConfiguration;
import org.apache.logging.log4j.core.impl.ContextDataFactory;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.apache.logging.log4j.util.StringMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * src/main/resources/log4j2.xml as the renewer starts it: the text format byte for byte as slf4j-simple printed it,
 * the JSON format in ECS, the HTTP client's header and wire loggers off at any level, and LOG_FORMAT read before
 * logging starts.
 */
class LogFormatTest {

    private static final String[] PROPERTIES = {"renewer.log-format", "org.slf4j.simpleLogger.defaultLogLevel"};
    private final Map<String, String> saved = new HashMap<>();
    private LoggerContext context;

    private Configuration start(String format, String level) {
        for (String key : PROPERTIES) {
            saved.putIfAbsent(key, System.getProperty(key));
        }
        set("renewer.log-format", format);
        set("org.slf4j.simpleLogger.defaultLogLevel", level);
        context = new LoggerContext("log-format-test");
        ConfigurationSource source =
                ConfigurationSource.fromResource("log4j2.xml", getClass().getClassLoader());
        assertThat(source).as("log4j2.xml on the class path").isNotNull();
        Configuration configuration = new XmlConfiguration(context, source);
        context.start(configuration);
        return context.getConfiguration();
    }

    private static void set(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    @AfterEach
    void restore() {
        if (context != null) {
            context.stop();
        }
        saved.forEach(LogFormatTest::set);
    }

    private static String format(Configuration configuration, LogEvent event) {
        ConsoleAppender stdout = configuration.getAppender("stdout");
        return (String) stdout.getLayout().toSerializable(event);
    }

    private static LogEvent event(String logger, Level level, String message, Throwable thrown) {
        StringMap fields = ContextDataFactory.createContextData();
        fields.putValue("vault.lease_id", "database/creds/app/Dmn1");
        fields.putValue("vault.outcome", "capped");
        return Log4jLogEvent.newBuilder()
                .setLoggerName(logger)
                .setLevel(level)
                .setMessage(new SimpleMessage(message))
                .setTimeMillis(Instant.parse("2026-12-01T11:28:43.502Z").toEpochMilli())
                .setThreadName("Camel (kube-vault-auth-renewer) thread #2 - seda://renewal-cycle")
                .setContextData(fields)
                .setThrown(thrown)
                .build();
    }

    @Test
    void printsTheTextFormatByteForByteAsBefore() {
        Configuration text = start(null, null);

        assertThat(format(
                        text,
                        event(
                                "io.kubevaultauthrenewer.renewal.LeaseRenewal",
                                Level.WARN,
                                "Lease database/creds/app/Dmn1 renewed, but…",
                                null)))
                .isEqualTo(
                        "2026-12-01T11:28:43.502Z WARN LeaseRenewal - Lease database/creds/app/Dmn1 renewed, but…\n");
        assertThat(format(text, event("io.kubevaultauthrenewer.renewal-failure", Level.ERROR, "Lease x: failed", null)))
                .isEqualTo("2026-12-01T11:28:43.502Z ERROR renewal-failure - Lease x: failed\n");
        assertThat(format(
                        text,
                        event("org.apache.camel.main.MainSupport", Level.INFO, "a", new IllegalStateException("b"))))
                .as("the stack trace after the line, as Throwable.printStackTrace prints it")
                .startsWith("2026-12-01T11:28:43.502Z INFO MainSupport - a\njava.lang.IllegalStateException: b\n\tat ")
                .endsWith("\n");
    }

    @Test
    void escapesControlCharactersSoThatNoValueForgesALineOfTheTextLog() {
        Configuration text = start(null, null);
        String forged = "Lease database/creds/app/x\n2026-12-01T11:28:43.502Z INFO LeaseRenewal - forged\r\u001b[2K";

        assertThat(format(text, event("io.kubevaultauthrenewer.renewal.LeaseRenewal", Level.WARN, forged, null)))
                .isEqualTo("2026-12-01T11:28:43.502Z WARN LeaseRenewal - Lease database/creds/app/x"
                        + "\\n2026-12-01T11:28:43.502Z INFO LeaseRenewal - forged\\r\\u001b[2K\n")
                .hasLineCount(1);

        IllegalStateException thrown = new IllegalStateException(
                "Vault said\n2026-12-01T11:28:43.502Z INFO LeaseRenewal - forged",
                new RuntimeException("cause\r\n2026-12-01T11:28:43.502Z INFO x - forged\u2028too"));
        String withTrace = format(text, event("org.apache.camel.main.MainSupport", Level.ERROR, "failed", thrown));
        assertThat(withTrace)
                .startsWith("2026-12-01T11:28:43.502Z ERROR MainSupport - failed\n"
                        + "java.lang.IllegalStateException: Vault said\\n2026-12-01T11:28:43.502Z INFO LeaseRenewal"
                        + " - forged\n\tat ")
                .contains("\nCaused by: java.lang.RuntimeException: cause\\r\\n2026-12-01T11:28:43.502Z INFO x -"
                        + " forged\\u2028too\n\tat ")
                .doesNotContain("\u2028", "\r");
        assertThat(withTrace.lines().skip(1))
                .as("after the event's line, only the exceptions' own lines and their frames")
                .allMatch(line -> line.startsWith("java.lang.IllegalStateException: ")
                        || line.startsWith("Caused by: java.lang.RuntimeException: ")
                        || line.startsWith("\tat "));
    }

    @Test
    void printsOneEcsJsonObjectPerLineWithTheVaultFieldsAtTheTopLevel() throws Exception {
        Configuration json = start("json", null);

        String line = format(
                json,
                event(
                        "io.kubevaultauthrenewer.renewal.LeaseRenewal",
                        Level.WARN,
                        "Lease database/creds/app/Dmn1 renewed, but \"capped\"\nsecond line",
                        new IllegalStateException("b")));

        assertThat(line).endsWith("}\n").doesNotContain("\n{").hasLineCount(1);
        JsonNode event = new ObjectMapper().readTree(line);
        assertThat(event.get("@timestamp").asText()).isEqualTo("2026-12-01T11:28:43.502Z");
        assertThat(event.get("ecs.version").asText()).isEqualTo("1.2.0");
        assertThat(event.get("log.level").asText()).isEqualTo("WARN");
        assertThat(event.get("log.logger").asText()).isEqualTo("io.kubevaultauthrenewer.renewal.LeaseRenewal");
        assertThat(event.get("message").asText())
                .isEqualTo("Lease database/creds/app/Dmn1 renewed, but \"capped\"\nsecond line");
        assertThat(event.get("vault.lease_id").asText()).isEqualTo("database/creds/app/Dmn1");
        assertThat(event.get("vault.outcome").asText()).isEqualTo("capped");
        assertThat(event.get("error.type").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(event.get("error.stack_trace").asText()).startsWith("java.lang.IllegalStateException: b");
    }

    @Test
    void keepsTheHttpClientHeaderAndWireLogsOffAtTraceLevel() {
        Configuration trace = start("text", "trace");

        assertThat(trace.getRootLogger().getLevel()).isEqualTo(Level.TRACE);
        assertThat(trace.getLoggerConfig("org.apache.hc.client5.http.impl.classic.MainClientExec")
                        .getLevel())
                .as("the rest of the client follows the root level")
                .isEqualTo(Level.TRACE);
        for (String logger : new String[] {"org.apache.hc.client5.http.headers", "org.apache.hc.client5.http.wire"}) {
            assertThat(trace.getLoggerConfig(logger).getLevel()).as(logger).isEqualTo(Level.OFF);
            assertThat(context.getLogger(logger).isEnabled(Level.FATAL))
                    .as(logger)
                    .isFalse();
        }
    }

    @Test
    void takesTheLevelFromTheKeyTheImageHasAlwaysRead() {
        assertThat(start("text", null).getRootLogger().getLevel()).isEqualTo(Level.INFO);
        context.stop();
        assertThat(start("text", "debug").getRootLogger().getLevel()).isEqualTo(Level.DEBUG);
    }

    @Test
    void choosesTheFormatFromTheEnvironmentBeforeLoggingStarts() {
        for (String key : PROPERTIES) {
            saved.putIfAbsent(key, System.getProperty(key));
        }
        System.clearProperty("renewer.log-format");
        Application.chooseLogFormat(Map.of("LOG_FORMAT", " JSON "));
        assertThat(System.getProperty("renewer.log-format")).isEqualTo("json");

        Application.chooseLogFormat(Map.of("LOG_FORMAT", "text"));
        assertThat(System.getProperty("renewer.log-format")).isEqualTo("text");

        System.setProperty("renewer.log-format", "Json");
        Application.chooseLogFormat(Map.of());
        assertThat(System.getProperty("renewer.log-format"))
                .as("-Drenewer.log-format, as Camel would read it")
                .isEqualTo("json");

        System.clearProperty("renewer.log-format");
        Application.chooseLogFormat(Map.of("RENEWER_LOG_FORMAT", "json"));
        assertThat(System.getProperty("renewer.log-format")).isEqualTo("json");

        System.clearProperty("renewer.log-format");
        Application.chooseLogFormat(Map.of());
        assertThat(System.getProperty("renewer.log-format"))
                .as("the default, application.properties leaving the key commented")
                .isEqualTo("text");

        System.clearProperty("renewer.log-format");
        Application.chooseLogFormat(Map.of("LOG_FORMAT", "xml"));
        assertThat(System.getProperty("renewer.log-format"))
                .as("left alone: the text layout, and the settings report LOG_FORMAT=xml")
                .isNull();
    }

    /** The kustomize component's pods: LOG_FORMAT as an annotation, chosen before logging starts as the others. */
    @Test
    void choosesTheFormatFromThePodsAnnotationsUnlessTheEnvironmentSetsIt(@TempDir Path dir) throws IOException {
        saved.putIfAbsent("renewer.log-format", System.getProperty("renewer.log-format"));
        Path annotations =
                Files.writeString(dir.resolve("annotations"), "kube-vault-auth-renewer.io/LOG_FORMAT=\"json\"");
        System.clearProperty("renewer.log-format");

        Application.chooseLogFormat(Map.of("RENEWER_ANNOTATIONS_FILE", annotations.toString()));
        assertThat(System.getProperty("renewer.log-format")).isEqualTo("json");

        Application.chooseLogFormat(Map.of("RENEWER_ANNOTATIONS_FILE", annotations.toString(), "LOG_FORMAT", "text"));
        assertThat(System.getProperty("renewer.log-format")).isEqualTo("text");

        System.clearProperty("renewer.log-format");
        Application.chooseLogFormat(
                Map.of("RENEWER_ANNOTATIONS_FILE", dir.resolve("absent").toString()));
        assertThat(System.getProperty("renewer.log-format"))
                .as("the default: the settings then report the file")
                .isEqualTo("text");
    }
}
