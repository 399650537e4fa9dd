package io.kubevaultauthrenewer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** LOG_FORMAT: text or json in any case; anything else is reported with the other settings. */
class LogFormatSettingTest {

    @TempDir
    Path dir;

    private final Map<String, String> env = new HashMap<>();
    private final Map<String, String> props = new HashMap<>();

    @BeforeEach
    void validBase() {
        env.put("VAULT_ADDR", "https://vault.example.com:8200");
        env.put("VAULT_TOKEN", "s.env-token-0123456789");
        env.put("VARIABLES_FILE", dir.resolve("absent-variables").toString());
    }

    private Settings load() {
        return Settings.load(env::get, key -> Optional.ofNullable(props.get(key)));
    }

    @ParameterizedTest
    @CsvSource({"text,text", "json,json", "' JSON ',json", "Text,text"})
    void readsTextOrJsonInAnyCase(String value, String format) {
        env.put("LOG_FORMAT", value);

        assertThat(load()).isNotNull();
        assertThat(SettingsReader.logFormat(value)).contains(format);
    }

    @Test
    void refusesAnotherFormatNamingTheVariable() {
        env.put("LOG_FORMAT", "xml");
        env.put("RENEW_INTERVAL", "6h");

        InvalidSettingsException thrown = catchThrowableOfType(InvalidSettingsException.class, this::load);

        assertThat(thrown.problems())
                .as("reported with the other problems")
                .hasSize(2)
                .anySatisfy(p -> assertThat(p).startsWith("RENEW_INTERVAL=6h"))
                .contains("LOG_FORMAT=xml is not a log format: text (the default: one line per event) or json (one ECS"
                        + " JSON object per line)");
        assertThat(SettingsReader.logFormat("xml")).isEmpty();
        assertThat(SettingsReader.logFormat(null)).isEmpty();
    }

    @Test
    void refusesABadValueFromTheProperties() {
        props.put("renewer.log-format", "yaml");

        assertThat(catchThrowableOfType(InvalidSettingsException.class, this::load)
                        .problems())
                .singleElement()
                .asString()
                .startsWith("LOG_FORMAT=yaml is not a log format");
    }

    @Test
    void refusesItInTheInitModeToo() {
        env.put("LOG_FORMAT", "logfmt");

        assertThat(catchThrowableOfType(InvalidSettingsException.class, () -> {
                            SettingsReader r = new SettingsReader(env::get, key -> Optional.ofNullable(props.get(key)));
                            Settings.read(r, true);
                            r.check();
                        })
                        .problems())
                .anySatisfy(p -> assertThat(p).startsWith("LOG_FORMAT=logfmt is not a log format"));
    }
}
