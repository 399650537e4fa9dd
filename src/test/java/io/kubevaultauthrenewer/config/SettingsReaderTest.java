package io.kubevaultauthrenewer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The one reader of the settings: where a value comes from, and every bad one reported at once. */
class SettingsReaderTest {

    private final Map<String, String> env = new HashMap<>();
    private final Map<String, String> props = new HashMap<>();
    private final SettingsReader reader = new SettingsReader(env::get, key -> Optional.ofNullable(props.get(key)));

    @AfterEach
    void clearSystemProperty() {
        System.clearProperty(Setting.RUN_ONCE.propertyKey());
    }

    @Test
    void takesTheEnvironmentOverThePropertiesAndBlankAsUnset() {
        props.put("renewer.vault-namespace", "from-properties");
        assertThat(reader.value(Setting.VAULT_NAMESPACE)).contains("from-properties");

        env.put("VAULT_NAMESPACE", " from-env ");
        assertThat(reader.value(Setting.VAULT_NAMESPACE)).contains("from-env");

        env.put("VAULT_NAMESPACE", "  ");
        props.put("renewer.vault-namespace", "");
        assertThat(reader.raw(Setting.VAULT_NAMESPACE)).isEmpty();
    }

    @Test
    void reportsEveryBadValueAtOnceNamingItsVariable() {
        env.put("RUN_ONCE", "perhaps");
        env.put("RENEWER_CONNECT_TIMEOUT", "0s");
        env.put("RENEWER_JITTER", "60%");

        assertThat(reader.flag(Setting.RUN_ONCE)).isFalse();
        assertThat(reader.timeout(Setting.RENEWER_CONNECT_TIMEOUT, Duration.ofSeconds(5)))
                .isNull();
        assertThat(reader.whole(Setting.RENEWER_JITTER, 10, 0, 50, "%")).isEqualTo(10);

        assertThat(catchThrowableOfType(InvalidSettingsException.class, reader::check)
                        .problems())
                .containsExactly(
                        "RUN_ONCE=perhaps must be true or false",
                        "RENEWER_CONNECT_TIMEOUT=0s must be more than 0 and at most 10m",
                        "RENEWER_JITTER=60% must be a whole number from 0 to 50%");
    }

    @Test
    void passesTheCheckWhenAllIsWell() {
        env.put("RUN_ONCE", "yes");
        env.put("RENEWER_JITTER", "25 %");

        assertThat(reader.flag(Setting.RUN_ONCE)).isTrue();
        assertThat(reader.whole(Setting.RENEWER_JITTER, 10, 0, 50, "%")).isEqualTo(25);
        reader.check();
        assertThat(reader.problemCount()).isZero();
    }

    @Test
    void readsBeforeCamelFromTheEnvironmentThenASystemPropertyThenTheRenewerForm() {
        System.setProperty(Setting.RUN_ONCE.propertyKey(), "true");
        assertThat(SettingsReader.beforeCamel(Map.of()).flag(Setting.RUN_ONCE)).isTrue();
        assertThat(SettingsReader.beforeCamel(Map.of("RUN_ONCE", "false")).flag(Setting.RUN_ONCE))
                .isFalse();

        System.clearProperty(Setting.RUN_ONCE.propertyKey());
        assertThat(SettingsReader.beforeCamel(Map.of("RENEWER_RUN_ONCE", "true"))
                        .flag(Setting.RUN_ONCE))
                .isTrue();
        assertThat(SettingsReader.beforeCamel(Map.of()).flag(Setting.RUN_ONCE))
                .as("application.properties leaves the key commented")
                .isFalse();
    }

    @Test
    void choosesTheTextLogFormatByDefaultAndNoneForABadValue() {
        assertThat(reader.logFormat()).contains("text");

        env.put("LOG_FORMAT", "xml");
        assertThat(reader.logFormat()).isEmpty();
        assertThat(catchThrowableOfType(InvalidSettingsException.class, reader::check)
                        .problems())
                .singleElement()
                .asString()
                .startsWith("LOG_FORMAT=xml is not a log format");
    }
}
