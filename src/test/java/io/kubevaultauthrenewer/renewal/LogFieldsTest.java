package io.kubevaultauthrenewer.renewal;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.vault.RenewalRule;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The fields of a log line (MDC): set for the line, gone after it; the outcome the line's own judgement gives. */
class LogFieldsTest {

    private final RenewalRule rule = new RenewalRule(Duration.ofHours(1));
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-01T11:28:43Z"), ZoneOffset.UTC);

    @AfterEach
    void clear() {
        MDC.clear();
    }

    @Test
    void putsTheFieldsForTheLineAndTakesThemOutAfterIt() {
        MDC.put("other", "kept");
        try (LogFields fields =
                LogFields.lease("database/creds/app/Dmn1").ttl(7200).outcome(Outcome.NOT_DUE)) {
            assertThat(MDC.getCopyOfContextMap())
                    .containsEntry("vault.lease_id", "database/creds/app/Dmn1")
                    .containsEntry("vault.ttl", "7200")
                    .containsEntry("vault.outcome", "not_due");
        }
        assertThat(MDC.getCopyOfContextMap()).containsOnlyKeys("other");
    }

    @Test
    void leavesOutATokenAccessorNotKnownYet() {
        try (LogFields fields = LogFields.token(null).outcome(Outcome.FAILED)) {
            assertThat(MDC.getCopyOfContextMap()).containsOnlyKeys("vault.outcome");
        }
        try (LogFields fields = LogFields.token("p8e2xM6W")) {
            assertThat(MDC.get("vault.token_accessor")).isEqualTo("p8e2xM6W");
        }
        assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
    }

    @Test
    void givesTheOutcomeTheRenewalsLineIsLoggedWith() {
        List<String> capped = List.of(
                "TTL of \"1h\" exceeded the effective max_ttl of \"50s\"; TTL value is capped" + " accordingly");
        for (List<String> warnings : List.of(List.<String>of(), capped, List.of("some other warning"))) {
            assertThat(LogFields.renewal(rule, warnings))
                    .as("%s", warnings)
                    .isEqualTo(Grants.judge(LoggerFactory.getLogger(getClass()), rule, clock, "Lease x", 50, warnings));
        }
        assertThat(LogFields.renewal(rule, capped)).isEqualTo(Outcome.CAPPED);
    }
}
