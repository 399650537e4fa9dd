package io.kubevaultauthrenewer.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.config.Setting;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The image's entrypoint's arguments other than the two modes, answered without starting Camel. */
class CommandLineIT {

    private static final Duration LONG = Duration.ofSeconds(60);

    @Test
    void answersHelpVersionAndAnUnknownArgumentWithoutStartingCamel() {
        Map<String, String> env = RenewerProcess.env();
        try (RenewerProcess help = RenewerProcess.run(env, List.of("--help"));
                RenewerProcess version = RenewerProcess.run(env, List.of("--version"));
                RenewerProcess unknown = RenewerProcess.run(env, List.of("--verbose"))) {
            assertThat(help.awaitExit(LONG)).isZero();
            assertThat(version.awaitExit(LONG)).isZero();
            assertThat(unknown.awaitExit(LONG)).isEqualTo(2);

            assertThat(help.output()).contains("kube-vault-auth-renewer init", "Exit codes:", "SECRET_<NAME>");
            for (Setting setting : Setting.values()) {
                assertThat(help.output()).as("--help names %s", setting).contains("  " + setting.envName() + " ");
            }
            assertThat(help.output()).doesNotContain("Apache Camel", "--routes");
            assertThat(version.output().strip()).matches("kube-vault-auth-renewer \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
            assertThat(unknown.output()).contains("unknown argument '--verbose'");
        }
    }
}
