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

/** The retry defaults the renewer reads when no retry setting is given are the ones docs/configuration.md states. */
class RetryDefaultsTest {

    private static final RetryPolicy DEFAULTS = Cycles.RETRIES;

    @Test
    void readsTheDocumentedRetryDefaultsWhenNoRetrySettingIsGiven() throws IOException {
        assertThat(DEFAULTS.quickRetries()).isEqualTo(Integer.parseInt(documentedDefault("RENEWER_RETRY_ATTEMPTS")));
        assertThat(DEFAULTS.quickDelay()).isEqualTo(Durations.parse(documentedDefault("RENEWER_RETRY_DELAY")));
        assertThat(DEFAULTS.quickMaxDelay()).isEqualTo(Durations.parse(documentedDefault("RENEWER_RETRY_MAX_DELAY")));
        assertThat(DEFAULTS.backoffInitial()).isEqualTo(Durations.parse(documentedDefault("RENEWER_BACKOFF_INITIAL")));
        assertThat(DEFAULTS.backoffMax()).isEqualTo(Durations.parse(documentedDefault("RENEWER_BACKOFF_MAX")));
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

    /** The default column of docs/configuration.md's settings table, for this variable. */
    private static String documentedDefault(String variable) throws IOException {
        Matcher row = Pattern.compile("(?m)^\\| `" + variable + "` \\| `[^`]+` \\| `([^`]+)` \\|")
                .matcher(Files.readString(Path.of("docs/configuration.md")));
        assertThat(row.find()).as("docs/configuration.md's row of " + variable).isTrue();
        return row.group(1);
    }
}
