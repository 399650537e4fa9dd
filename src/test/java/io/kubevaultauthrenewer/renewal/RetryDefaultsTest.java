package io.kubevaultauthrenewer.renewal;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.config.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The retry defaults the renewer reads when no retry setting is given are the ones the README states. */
class RetryDefaultsTest {

    private static final RetryPolicy DEFAULTS = Cycles.RETRIES;

    @Test
    void readsTheReadmesRetryDefaultsWhenNoRetrySettingIsGiven() throws IOException {
        assertThat(DEFAULTS.quickRetries()).isEqualTo(Integer.parseInt(readmeDefault("RENEWER_RETRY_ATTEMPTS")));
        assertThat(DEFAULTS.quickDelay()).isEqualTo(Durations.parse(readmeDefault("RENEWER_RETRY_DELAY")));
        assertThat(DEFAULTS.quickMaxDelay()).isEqualTo(Durations.parse(readmeDefault("RENEWER_RETRY_MAX_DELAY")));
        assertThat(DEFAULTS.backoffInitial()).isEqualTo(Durations.parse(readmeDefault("RENEWER_BACKOFF_INITIAL")));
        assertThat(DEFAULTS.backoffMax()).isEqualTo(Durations.parse(readmeDefault("RENEWER_BACKOFF_MAX")));
    }

    @Test
    void waitsByDefaultAsDocsFailureBehaviourSays() {
        // docs/failure-behaviour.md: 1 s, 2 s, 4 s, then 5 s, 10 s, 20 s, ... 5 min (before the jitter)
        assertThat(java.util.stream.IntStream.rangeClosed(1, 12)
                        .mapToObj(DEFAULTS::backoff)
                        .map(Duration::toMillis))
                .containsExactly(
                        1_000L, 2_000L, 4_000L, 5_000L, 10_000L, 20_000L, 40_000L, 80_000L, 160_000L, 300_000L,
                        300_000L, 300_000L);
    }

    /** The default column of the README's configuration table, for this variable. */
    private static String readmeDefault(String variable) throws IOException {
        Matcher row = Pattern.compile("(?m)^\\| `" + variable + "` \\| `[^`]+` \\| `([^`]+)` \\|")
                .matcher(Files.readString(Path.of("README.md")));
        assertThat(row.find()).as("the README's row of " + variable).isTrue();
        return row.group(1);
    }
}
