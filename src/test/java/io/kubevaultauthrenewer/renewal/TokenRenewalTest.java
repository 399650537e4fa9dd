package io.kubevaultauthrenewer.renewal;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.ShiftableClock;
import io.kubevaultauthrenewer.vault.RenewalRule;
import io.kubevaultauthrenewer.vault.VaultAnswer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The token step's decisions, without Camel: due or not, and what renew-self's answer comes to. */
class TokenRenewalTest {

    private final ShiftableClock clock = ShiftableClock.frozen();
    private final RenewerStatus status = new RenewerStatus(clock);
    private final CycleReport report = new CycleReport(status);
    private final TokenRenewal step = new TokenRenewal(new RenewalRule(Duration.ofHours(1)), report, clock);

    private static VaultAnswer lookup(long ttl, Boolean renewable, Long creationTtl, String expireTime) {
        return new VaultAnswer(
                null,
                null,
                null,
                new VaultAnswer.Data(ttl, renewable, creationTtl, "acc", expireTime, null, null, null, null, null),
                null,
                null);
    }

    private static VaultAnswer renewal(long granted, List<String> warnings) {
        return new VaultAnswer(null, null, null, null, warnings, new VaultAnswer.Auth(granted, true, "acc"));
    }

    private void start() {
        report.start(clock.instant(), List.of(), true, List.of());
    }

    @Test
    void renewsATokenWithLessThanTwoIntervalsLeft() {
        start();

        assertThat(step.isDue(lookup(7199, true, 86400L, "x"))).isTrue();
        assertThat(status.tokenAccessor()).isEqualTo("acc");
    }

    @Test
    void renewsATokenThatUsedHalfOfItsCreationTtl() {
        start();

        assertThat(step.isDue(lookup(40_000, true, 86_400L, "x"))).isTrue();
        assertThat(step.isDue(lookup(50_000, true, 86_400L, "x"))).isFalse();
        assertThat(status.token().lastOutcome()).isEqualTo(Outcome.NOT_DUE);
    }

    @Test
    void leavesANonRenewableTokenAlone() {
        start();

        assertThat(step.isDue(lookup(60, false, 3600L, "x"))).isFalse();
        assertThat(status.token().lastOutcome()).isEqualTo(Outcome.NOT_DUE);
    }

    @Test
    void leavesATokenWithoutTtlAlone() {
        start();

        assertThat(step.isDue(lookup(0, false, 0L, null))).isFalse();
        assertThat(status.token().neverExpires()).isTrue();
    }

    @Test
    void renewsWithoutALookupWhenTheLookupWasSkipped() {
        start();

        assertThat(step.isDue(null)).isTrue();
    }

    @Test
    void recordsACappedRenewalAndDoesNotRenewItAgainUnlessAsked() {
        start();
        step.renewed(renewal(
                600,
                List.of("TTL of \"1h\" exceeded the effective max_ttl of \"10m\"; TTL value is capped accordingly")));
        assertThat(status.token().lastOutcome()).isEqualTo(Outcome.CAPPED);
        assertThat(status.token().endCause()).isEqualTo(FinalEnds.MAX_TTL_REACHED);

        start();
        assertThat(step.isDue(lookup(590, true, 3600L, "x"))).isFalse();

        report.start(clock.instant(), List.of(), true, List.of(), true);
        assertThat(step.isDue(lookup(590, true, 3600L, "x"))).as("renewNow()").isTrue();
    }

    @Test
    void recordsARenewalWithTheTtlVaultGranted() {
        start();

        step.renewed(renewal(3600, List.of()));

        assertThat(status.token().lastOutcome()).isEqualTo(Outcome.RENEWED);
        assertThat(status.token().expires()).isEqualTo(clock.instant().plusSeconds(3600));
        assertThat(status.tokenEverAccepted()).isTrue();
    }

    @Test
    void skipsTheLookupOnlyForARetryOfATokenKnownToBeDue() {
        start();
        step.isDue(lookup(60, true, 3600L, "x"));
        assertThat(step.needsLookup()).isTrue();

        report.tokenFailed("vault-token-renew failed: HTTP 503");
        status.failedTransiently(null, Cycles.RETRIES, null, Integer.MAX_VALUE, 1.0);

        assertThat(step.needsLookup()).isFalse();
    }
}
