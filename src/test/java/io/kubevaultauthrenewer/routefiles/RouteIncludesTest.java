package io.kubevaultauthrenewer.routefiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.main.MainConfigurationProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which route files Camel Main is told to load: the built-in ones, a mode's, and ROUTES_DIR's in their place. */
class RouteIncludesTest {

    private static final String BUILT_IN =
            "classpath:routes/lease-renewal.camel.yaml,classpath:routes/vault-errors.camel.yaml";

    @TempDir
    Path dir;

    private final DefaultCamelContext context = new DefaultCamelContext();
    private final MainConfigurationProperties main = new MainConfigurationProperties();
    private final RouteIncludes includes = new RouteIncludes(context, main);

    RouteIncludesTest() {
        main.setRoutesIncludePattern(BUILT_IN);
        Properties properties = new Properties();
        properties.setProperty("renewer.eviction-routes", "classpath:routes/pod-eviction.camel.yaml");
        context.getPropertiesComponent().setInitialProperties(properties);
    }

    @Test
    void addsOrReplacesWithTheFilesAPropertyNames() {
        includes.add("renewer.eviction-routes");
        assertThat(main.getRoutesIncludePattern()).isEqualTo(BUILT_IN + ",classpath:routes/pod-eviction.camel.yaml");

        includes.only("renewer.eviction-routes");
        assertThat(main.getRoutesIncludePattern()).isEqualTo("classpath:routes/pod-eviction.camel.yaml");
    }

    @Test
    void letsAFileOfRoutesDirReplaceTheBuiltInOneOfTheSameName() throws IOException {
        Files.writeString(dir.resolve("vault-errors.camel.yaml"), "[]\n");

        assertThat(includes.overrideFrom(dir, false)).isNull();
        assertThat(main.getRoutesIncludePattern())
                .isEqualTo("classpath:routes/lease-renewal.camel.yaml,file:" + dir.toAbsolutePath() + "/*.camel.yaml");
    }

    @Test
    void leavesThePatternAloneWithoutRoutesDir() {
        assertThat(includes.overrideFrom(null, true)).isNull();
        assertThat(main.getRoutesIncludePattern()).isEqualTo(BUILT_IN);
    }
}
