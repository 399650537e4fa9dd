package io.kubevaultauthrenewer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Every route file, the application's and the ConfigMap's in manifests/base/routes, against the JSON schema of the
 * Camel YAML DSL that camel-yaml-dsl itself ships (schema/camelYamlDsl.json): a misspelt option or step fails the
 * build here, not when the file is loaded (or, for the ConfigMap's copy, in the pod). The schema checks the DSL (steps,
 * their options, expressions), not a component's endpoint options under {@code parameters}, which it leaves open.
 *
 * <p>One defect of the schema is worked around: it types 74 options as numbers and 377 as booleans (the redelivery
 * policy's {@code maximumRedeliveries}, for one), although Camel resolves a {@code {{placeholder}}} in any option, as
 * the routes use it for every tunable. A value that is one placeholder is accepted where the schema wants a number or a
 * boolean (as the number 0 or false); anything else in the wrong type still fails.
 */
class RoutesSchemaTest {

    private static final List<Path> ROUTE_DIRECTORIES =
            List.of(Path.of("src/main/resources/routes"), Path.of("manifests/base/routes"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\??[^{}]+}}");
    private static final Schema CAMEL_YAML_DSL = camelYamlDslSchema();

    static Stream<Path> routeFiles() throws IOException {
        return ROUTE_DIRECTORIES.stream()
                .flatMap(dir -> {
                    try {
                        return Files.list(dir);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                })
                .filter(file -> file.getFileName().toString().endsWith(".camel.yaml"))
                .sorted();
    }

    @Test
    void findsTheRouteFilesOfBothDirectories() throws IOException {
        for (Path dir : ROUTE_DIRECTORIES) {
            assertThat(routeFiles()).as(dir + " has route files").anyMatch(file -> file.startsWith(dir));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routeFiles")
    void routeFileFollowsTheCamelYamlDslSchema(Path file) throws IOException {
        assertThat(errors(Files.readString(file)))
                .as(file + " against camelYamlDsl.json")
                .isEmpty();
    }

    @Test
    void aMisspeltOptionFailsTheSchema() throws IOException {
        String route = Files.readString(Path.of("src/main/resources/routes/token-renewal.camel.yaml"));
        assertThat(route).contains("routeConfigurationId:");
        assertThat(errors(route)).isEmpty();

        assertThat(errors(route.replace("routeConfigurationId:", "routeConfigurationID:")))
                .as("a misspelt route option")
                .anySatisfy(error -> assertThat(error).contains("routeConfigurationID"));
        assertThat(errors(route.replace("parameters:", "parameter:")))
                .as("a misspelt endpoint key")
                .anySatisfy(error -> assertThat(error).contains("parameter"));
    }

    /** What the schema finds wrong with a route file's text, one line an error (its place in the file, its text). */
    private static List<String> errors(String yaml) {
        Object routes = new Load(LoadSettings.builder().build()).loadFromString(yaml);
        JsonNode tree = JSON.valueToTree(routes);
        List<Error> errors = CAMEL_YAML_DSL.validate(tree);
        while (acceptPlaceholders(tree, errors)) {
            errors = CAMEL_YAML_DSL.validate(tree);
        }
        return errors.stream().map(Error::toString).toList();
    }

    /**
     * Stands a value of the type the schema wants in for each placeholder it refused for its type (see the class
     * comment): whether any was replaced.
     */
    private static boolean acceptPlaceholders(JsonNode tree, List<Error> errors) {
        boolean replaced = false;
        for (Error error : errors) {
            JsonNode value = error.getInstanceNode();
            if (!"type".equals(error.getKeyword())
                    || value == null
                    || !value.isTextual()
                    || !PLACEHOLDER.matcher(value.asText()).matches()) {
                continue;
            }
            String expected = String.valueOf(error.getSchemaNode());
            JsonNode stand = expected.contains("boolean")
                    ? BooleanNode.FALSE
                    : expected.contains("number") || expected.contains("integer") ? IntNode.valueOf(0) : null;
            JsonPointer at = JsonPointer.compile(error.getInstanceLocation().toString());
            if (stand != null && tree.at(at.head()) instanceof ObjectNode parent) {
                parent.set(at.last().getMatchingProperty(), stand);
                replaced = true;
            }
        }
        return replaced;
    }

    private static Schema camelYamlDslSchema() {
        try (InputStream schema =
                RoutesSchemaTest.class.getClassLoader().getResourceAsStream("schema/camelYamlDsl.json")) {
            assertThat(schema)
                    .as("camel-yaml-dsl's schema/camelYamlDsl.json on the class path")
                    .isNotNull();
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4)
                    .getSchema(JSON.readTree(schema));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
