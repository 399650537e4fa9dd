package io.kubevaultauthrenewer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * manifests/monitoring/dashboard.json as Grafana reads it: what an import accepts without a word but shows wrong (a
 * panel on another data source, an unknown variable in a query, two panels on one spot), and the ConfigMap that
 * carries it to Grafana's sidecar.
 */
class DashboardTest {

    private static final Path DASHBOARD = ManifestsTest.MONITORING.resolve("dashboard.json");
    private static final String DATASOURCE = "${datasource}";
    /** Grafana's grid is 24 columns wide. */
    private static final int GRID_WIDTH = 24;
    /** The dashboard's own variables and Grafana's one for rates. */
    private static final Set<String> VARIABLES = Set.of("datasource", "namespace", "pod", "__rate_interval");
    /** $name, ${name}, ${name:format} and the old [[name]]. */
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?(\\w+)|\\[\\[(\\w+)");

    private static JsonNode dashboard;

    @BeforeAll
    static void read() throws IOException {
        dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    }

    private static List<JsonNode> panels() {
        List<JsonNode> panels = new ArrayList<>();
        dashboard.get("panels").forEach(panels::add);
        return panels;
    }

    @Test
    void importsWithItsOwnUidAndNoInputsToFillIn() {
        assertThat(dashboard.get("uid").asText()).isEqualTo("kube-vault-auth-renewer");
        assertThat(dashboard.get("schemaVersion").asInt()).isEqualTo(39);
        assertThat(dashboard.has("__inputs")).as("an import asks nothing").isFalse();
        assertThat(dashboard.get("id").isNull()).as("Grafana numbers it").isTrue();
    }

    @Test
    void givesEveryPanelATitleADescriptionAndAQueryOnTheChosenDataSource() {
        assertThat(panels()).isNotEmpty().allSatisfy(panel -> {
            String title = panel.path("title").asText();
            assertThat(title).as("panel %s's title", panel.get("id")).isNotBlank();
            assertThat(panel.path("description").asText()).as(title).isNotBlank();
            assertThat(panel.path("datasource").path("uid").asText()).as(title).isEqualTo(DATASOURCE);
            assertThat(panel.path("targets")).as(title).isNotEmpty().allSatisfy(target -> {
                assertThat(target.path("expr").asText()).as(title).isNotBlank();
                assertThat(target.path("datasource").path("uid").asText())
                        .as(title)
                        .isEqualTo(DATASOURCE);
            });
        });
    }

    @Test
    void offersTheDataSourceTheNamespaceAndThePodToChooseFrom() {
        List<String> names = new ArrayList<>();
        for (JsonNode variable : dashboard.get("templating").get("list")) {
            String name = variable.get("name").asText();
            names.add(name);
            if (name.equals("datasource")) {
                assertThat(variable.get("type").asText()).isEqualTo("datasource");
                assertThat(variable.get("query").asText()).isEqualTo("prometheus");
            } else {
                assertThat(variable.get("type").asText()).as(name).isEqualTo("query");
                assertThat(variable.get("datasource").get("uid").asText())
                        .as(name)
                        .isEqualTo(DATASOURCE);
                assertThat(variable.get("definition").asText())
                        .as(name)
                        .startsWith("label_values(vault_renewer_renew_interval_seconds")
                        .endsWith(", " + name + ")");
            }
        }

        assertThat(names).containsExactly("datasource", "namespace", "pod");
    }

    @Test
    void usesNoVariableInAQueryButTheDashboardsAndRateInterval() {
        assertThat(variables("rate(x{pod=~\"$pod\"}[$__rate_interval]) + y{a=\"${namespace:regex}\"}"))
                .containsExactlyInAnyOrder("pod", "__rate_interval", "namespace");
        assertThat(variables("x{job=\"[[job]]\"} > $threshold")).containsExactlyInAnyOrder("job", "threshold");
        Set<String> used = new TreeSet<>();
        for (JsonNode panel : panels()) {
            panel.get("targets")
                    .forEach(target -> used.addAll(variables(target.get("expr").asText())));
        }

        assertThat(VARIABLES).containsAll(used);
        assertThat(used).contains("namespace", "pod");
    }

    /** The names of the variables an expression uses. */
    private static Set<String> variables(String expr) {
        Set<String> names = new HashSet<>();
        Matcher variable = VARIABLE.matcher(expr);
        while (variable.find()) {
            names.add(variable.group(1) != null ? variable.group(1) : variable.group(2));
        }
        return names;
    }

    @Test
    void numbersEveryPanelOnce() {
        List<Integer> ids = panels().stream().map(p -> p.get("id").asInt()).toList();

        assertThat(ids).doesNotHaveDuplicates().doesNotContain(0);
    }

    @Test
    void placesEveryPanelOnTheGridWithoutCoveringAnother() {
        assertThat(overlaps(List.of(new Box("a", 0, 0, 12, 8), new Box("b", 12, 0, 12, 8), new Box("c", 0, 8, 24, 8))))
                .isEmpty();
        assertThat(overlaps(List.of(new Box("a", 0, 0, 12, 8), new Box("b", 11, 7, 6, 6))))
                .containsExactly("a and b");
        List<Box> boxes = panels().stream()
                .map(p -> {
                    JsonNode at = p.get("gridPos");
                    return new Box(
                            p.get("title").asText(),
                            at.get("x").asInt(),
                            at.get("y").asInt(),
                            at.get("w").asInt(),
                            at.get("h").asInt());
                })
                .toList();

        assertThat(boxes).allSatisfy(box -> {
            assertThat(box.x()).as(box.title()).isNotNegative();
            assertThat(box.y()).as(box.title()).isNotNegative();
            assertThat(box.w()).as(box.title()).isPositive();
            assertThat(box.h()).as(box.title()).isPositive();
            assertThat(box.x() + box.w()).as(box.title()).isLessThanOrEqualTo(GRID_WIDTH);
        });
        assertThat(overlaps(boxes)).isEmpty();
    }

    /** A panel's place: its gridPos. */
    record Box(String title, int x, int y, int w, int h) {

        boolean overlaps(Box other) {
            return x < other.x + other.w && other.x < x + w && y < other.y + other.h && other.y < y + h;
        }
    }

    /** The pairs of boxes that share a cell, as "a and b". */
    private static List<String> overlaps(List<Box> boxes) {
        List<String> overlaps = new ArrayList<>();
        for (int i = 0; i < boxes.size(); i++) {
            for (int j = i + 1; j < boxes.size(); j++) {
                if (boxes.get(i).overlaps(boxes.get(j))) {
                    overlaps.add(boxes.get(i).title() + " and " + boxes.get(j).title());
                }
            }
        }
        return overlaps;
    }

    @Test
    void goesToGrafanasSidecarInTheConfigMapTheKustomizationGenerates() throws IOException {
        JsonNode generator = ManifestsTest.tree(ManifestsTest.MONITORING.resolve("kustomization.yaml"))
                .get("configMapGenerator");

        assertThat(generator).singleElement().satisfies(map -> {
            assertThat(map.get("name").asText()).isEqualTo("kube-vault-auth-renewer-dashboard");
            assertThat(map.get("files"))
                    .extracting(JsonNode::asText)
                    .containsExactly(DASHBOARD.getFileName().toString());
            assertThat(map.get("options").get("labels").get("grafana_dashboard").asText())
                    .isEqualTo("1");
            assertThat(map.get("options").get("disableNameSuffixHash").asBoolean())
                    .isTrue();
        });
    }
}
