package io.kubevaultauthrenewer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules of manifests/monitoring/, as Prometheus' own promtool reads them (Debian's prometheus package; CI
 * installs it): valid, unit-tested against the series a renewer serves (src/test/resources/monitoring/), and the same
 * in the plain rules file and the PrometheusRule. That they fire against a live renewer is MonitoringIT's.
 */
class AlertRulesTest {

    static final Path RULES = Path.of("manifests/monitoring/vault-renewer.rules.yaml");
    static final Path PROMETHEUS_RULE = Path.of("manifests/monitoring/prometheusrule.yaml");
    static final Path UNIT_TESTS = Path.of("src/test/resources/monitoring/alerts.test.yaml");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Every alert's name, in the rules file's order. */
    static List<String> alertNames() throws Exception {
        List<String> names = new ArrayList<>();
        for (JsonNode group : ManifestsTest.tree(RULES).get("groups")) {
            group.get("rules").forEach(rule -> names.add(rule.get("alert").asText()));
        }
        return names;
    }

    /**
     * Runs promtool with these arguments: its exit code, then its output. Without promtool on the PATH the test is
     * reported as skipped (which fails CI: .ci/run installs it).
     */
    private static String promtool(String... arguments) throws Exception {
        Assumptions.assumeTrue(ManifestsTest.onPath("promtool"), "promtool is not on the PATH (Debian: prometheus)");
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("promtool ends").isTrue();
        return process.exitValue() + "\n" + output;
    }

    @Test
    void promtoolChecksTheRulesFileAndThePrometheusRulesGroups() throws Exception {
        Path spec = dir.resolve("prometheusrule-spec.yaml");
        Files.writeString(
                spec,
                JSON.writeValueAsString(ManifestsTest.tree(PROMETHEUS_RULE).get("spec")));

        assertThat(promtool("check", "rules", RULES.toString()))
                .startsWith("0\n")
                .contains("SUCCESS: " + alertNames().size() + " rules found");
        assertThat(promtool("check", "rules", spec.toString()))
                .startsWith("0\n")
                .contains("SUCCESS: " + alertNames().size() + " rules found");
    }

    @Test
    void thePrometheusRuleHoldsTheRulesFilesGroupsUnchanged() throws Exception {
        JsonNode resource = ManifestsTest.tree(PROMETHEUS_RULE);

        assertThat(resource.get("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(resource.get("kind").asText()).isEqualTo("PrometheusRule");
        assertThat(resource.get("spec"))
                .as("prometheusrule.yaml's spec: vault-renewer.rules.yaml from groups: on, indented by two spaces")
                .isEqualTo(ManifestsTest.tree(RULES));
    }

    @Test
    void theRulesPassTheirUnitTestsWithTheirOwnDurations() throws Exception {
        assertThat(promtool("test", "rules", UNIT_TESTS.toString()))
                .startsWith("0\n")
                .contains("SUCCESS");
    }

    /**
     * Each alert is expected firing in some case and expected silent in another: an alert without both could be
     * always on, or never, and its unit tests would not say.
     */
    @Test
    void everyAlertHasAUnitTestWhereItFiresAndOneWhereItDoesNot() throws Exception {
        Set<String> fires = new TreeSet<>();
        Set<String> silent = new TreeSet<>();
        for (JsonNode test : ManifestsTest.tree(UNIT_TESTS).get("tests")) {
            for (JsonNode check : test.get("alert_rule_test")) {
                String name = check.get("alertname").asText();
                (check.get("exp_alerts").isEmpty() ? silent : fires).add(name);
            }
        }

        assertThat(fires).containsExactlyInAnyOrderElementsOf(alertNames());
        assertThat(silent).containsExactlyInAnyOrderElementsOf(alertNames());
    }

    @Test
    void everyAlertHasASeverityASummaryAndADescription() throws Exception {
        for (JsonNode group : ManifestsTest.tree(RULES).get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                String alert = rule.get("alert").asText();
                assertThat(rule.at("/labels/severity").asText()).as(alert).isIn("critical", "warning");
                assertThat(rule.at("/annotations/summary").asText()).as(alert).isNotBlank();
                assertThat(rule.at("/annotations/description").asText())
                        .as(alert)
                        .isNotBlank();
            }
        }
    }
}
