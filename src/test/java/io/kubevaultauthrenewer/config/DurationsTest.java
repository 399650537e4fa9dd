package io.kubevaultauthrenewer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest(name = "\"{0}\" is {1}")
    @CsvSource({
        "0,         PT0S",
        "5,         PT5S",
        "90,        PT1M30S",
        "5s,        PT5S",
        "500ms,     PT0.5S",
        "1m30s,     PT1M30S",
        "2h,        PT2H",
        "1h2m3s,    PT1H2M3S",
        "1s500ms,   PT1.5S",
        "'  30s  ', PT30S",
        "0s,        PT0S",
    })
    void parsesSecondsAndDurationsWithUnits(String text, Duration expected) {
        assertThat(Durations.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "  ", "abc", "s", "5x", "5 s", "-5", "-5s", "1.5s", "5S", "1d", "1m 30s", "ms5", "5s!"})
    void refusesWhatIsNotADuration(String text) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Durations.parse(text))
                .withMessageStartingWith("is not a duration");
    }

    @Test
    void refusesAWholeNumberTooLargeForALong() {
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("99999999999999999999"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"9999999999999999h", "999999999999999999m", "9223372036854775807s1s"})
    void refusesADurationTooLargeWithAnIllegalArgument(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse(text));
    }

    @ParameterizedTest(name = "{0}s is {1}")
    @CsvSource({
        "0,     0s",
        "1,     1s",
        "59,    59s",
        "60,    1m",
        "90,    1m30s",
        "3595,  59m55s",
        "3600,  1h",
        "3601,  1h1s",
        "3660,  1h1m",
        "3661,  1h1m1s",
        "86400, 24h",
        "2764800, 768h",
    })
    void formatsSecondsTheWayVaultPrintsTtls(long seconds, String expected) {
        assertThat(Durations.format(seconds)).isEqualTo(expected);
    }

    @Test
    void formatsANegativeCountAsPlainSeconds() {
        assertThat(Durations.format(-5)).isEqualTo("-5s");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 59, 60, 61, 3599, 3600, 3661, 86399, 2764800})
    void parsesBackWhatItFormats(long seconds) {
        assertThat(Durations.parse(Durations.format(seconds))).isEqualTo(Duration.ofSeconds(seconds));
    }
}
