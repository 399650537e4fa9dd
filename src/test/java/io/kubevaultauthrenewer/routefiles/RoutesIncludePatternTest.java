package io.kubevaultauthrenewer.routefiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The built-in route files are named one by one in application.properties (no wildcard: see there why). */
class RoutesIncludePatternTest {

    @Test
    void namesEveryBuiltInRouteFileOnce() throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("src/main/resources/application.properties"))) {
            properties.load(in);
        }
        // the renewer's routes, those loaded only with EVICT_BEFORE_EXPIRY, and the init mode's
        String patterns = properties.getProperty("camel.main.routes-include-pattern") + ","
                + properties.getProperty("renewer.eviction-routes") + ","
                + properties.getProperty("renewer.init-routes");
        List<String> named =
                Arrays.stream(patterns.split(",")).map(String::strip).toList();
        List<String> files;
        try (Stream<Path> listing = Files.list(Path.of("src/main/resources/routes"))) {
            files = listing.map(p -> "classpath:routes/" + p.getFileName()).toList();
        }

        assertThat(named).doesNotHaveDuplicates().noneMatch(p -> p.contains("*"));
        assertThat(named).containsExactlyInAnyOrderElementsOf(files);
    }
}
