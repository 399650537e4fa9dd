package io.kubevaultauthrenewer.vault;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.vault.GrantWarning.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Vault's renewal warnings, read as CalculateTTL (sdk/framework/lease.go) writes them. */
class GrantWarningTest {

    @Test
    void readsTheTtlCapAsAFinalEndWithWhatWasAskedAndWhatWasGranted() {
        GrantWarning warning = GrantWarning.of(
                "TTL of \"1h\" exceeded the effective max_ttl of \"59m55s\"; TTL value is capped accordingly");

        assertThat(warning.kind()).isEqualTo(Kind.FINAL_END);
        assertThat(warning.asked()).isEqualTo("1h");
        assertThat(warning.granted()).isEqualTo("59m55s");
    }

    @Test
    void readsThePeriodCapAsNoEndForAPeriodicTokenRenewsForEverAtTheCappedPeriod() {
        GrantWarning warning = GrantWarning.of(
                "period of \"48h\" exceeded the effective max_ttl of \"24h\"; period value is capped accordingly");

        assertThat(warning.kind()).isEqualTo(Kind.PERIOD_CAPPED);
        assertThat(warning.asked()).isEqualTo("48h");
        assertThat(warning.granted()).isEqualTo("24h");
        assertThat(GrantWarning.endIsFinal(List.of(warning))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "TTL of \"1h\" exceeded the effective max_ttl of \"59m55s\"; TTL value is capped accordingly",
                "TTL of \"1h0m0s\" exceeded the effective max_ttl of \"59m55s\"; TTL value is capped accordingly",
                "TTL OF \"1H\" EXCEEDED THE EFFECTIVE MAX_TTL OF \"59M55S\"",
                "  TTL of \"768h\" exceeded the effective max_ttl of \"1s\"; TTL value is capped accordingly  ",
            })
    void takesEveryFormOfTheTtlCapForAFinalEnd(String text) {
        assertThat(GrantWarning.endIsFinal(GrantWarning.of(List.of(text)))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "period of \"768h\" exceeded the effective max_ttl of \"24h\"; period value is capped accordingly",
                "Period of \"10h\" exceeded the effective max_ttl of \"1h\"",
                "TTL is capped at the max TTL of the mount",
                "Endpoint ignored these unrecognized parameters: [increment]",
                "",
            })
    void takesNothingElseForAnEnd(String text) {
        assertThat(GrantWarning.endIsFinal(GrantWarning.of(List.of(text)))).isFalse();
    }

    @Test
    void findsTheTtlCapAmongOtherWarningsAndAPeriodCap() {
        // a periodic token with an explicit max TTL: its period is cut, then the grant stops at the explicit max
        List<GrantWarning> warnings = GrantWarning.of(List.of(
                "period of \"48h\" exceeded the effective max_ttl of \"2h\"; period value is capped accordingly",
                "TTL of \"2h\" exceeded the effective max_ttl of \"1h10m\"; TTL value is capped accordingly"));

        assertThat(warnings).extracting(GrantWarning::kind).containsExactly(Kind.PERIOD_CAPPED, Kind.FINAL_END);
        assertThat(GrantWarning.endIsFinal(warnings)).isTrue();
    }

    @Test
    void keepsAnyOtherTextAsItCame() {
        GrantWarning warning = GrantWarning.of("Endpoint ignored these unrecognized parameters: [foo]");

        assertThat(warning.kind()).isEqualTo(Kind.OTHER);
        assertThat(warning.text()).isEqualTo("Endpoint ignored these unrecognized parameters: [foo]");
        assertThat(warning.asked()).isNull();
    }
}
