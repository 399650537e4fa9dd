package io.kubevaultauthrenewer.renewal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The fields of a log line (MDC): set for the line, gone after it; the outcome the line's own judgement gives. */
class LogFieldsTest {

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
        List<String> period = List.of(
                "period of \"48h\" exceeded the effective max_ttl of \"24h\"; period value is capped accordingly");
        Grants grants = new Grants(clock);
        for (List<String> warnings : List.of(List.<String>of(), capped, period, List.of("some other warning"))) {
            assertThat(Grants.outcome(warnings))
                    .as("%s", warnings)
                    .isEqualTo(grants.judge(LoggerFactory.getLogger(getClass()), "Lease x", 50, warnings));
        }
        assertThat(Grants.outcome(capped)).isEqualTo(Outcome.CAPPED);
        assertThat(Grants.outcome(period)).isEqualTo(Outcome.RENEWED);
    }
}
