package io.kubevaultauthrenewer.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RenewalRuleTest {

    /** One hour between checks: anything with less than two hours left is due. */
    private final RenewalRule rule = new RenewalRule(Duration.ofHours(1));

    // ---- token ----
    @ParameterizedTest(name = "ttl {0}s, creation ttl {1}s: due")
    @CsvSource({
        "0,     0",
        "1,     0",
        "7199,  0",
        "7199,  7200",
        "3600,  3600",
        "43199, 86400",
        "10000, 86400",
    })
    void renewsATokenThatCouldExpireBeforeTheCheckAfterNextOrHasUsedHalfItsTtl(long ttl, long creationTtl) {
        assertThat(rule.tokenDue(ttl, creationTtl)).isTrue();
    }

    @ParameterizedTest(name = "ttl {0}s, creation ttl {1}s: not due")
    @CsvSource({
        "7200,   0",
        "7200,   14400",
        "43200,  86400",
        "86400,  86400",
        "100000, 0",
    })
    void leavesATokenWithMoreThanTwoIntervalsAndHalfItsTtlLeft(long ttl, long creationTtl) {
        assertThat(rule.tokenDue(ttl, creationTtl)).isFalse();
    }

    @Test
    void halvesAnOddCreationTtlRoundingDown() {
        RenewalRule everySecond = new RenewalRule(Duration.ofSeconds(1));

        assertThat(everySecond.tokenDue(4, 9)).isFalse();
        assertThat(everySecond.tokenDue(3, 9)).isTrue();
    }

    // ---- lease ----
    @ParameterizedTest
    @ValueSource(longs = {0, 1, 3600, 7199})
    void renewsALeaseThatCouldExpireBeforeTheCheckAfterNext(long ttl) {
        assertThat(rule.leaseDue(ttl)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(longs = {7200, 7201, 86400})
    void leavesALeaseWithAtLeastTwoIntervalsLeft(long ttl) {
        assertThat(rule.leaseDue(ttl)).isFalse();
    }

    @Test
    void ignoresFractionsOfASecondInTheInterval() {
        RenewalRule rule = new RenewalRule(Duration.ofMillis(1500));

        assertThat(rule.leaseDue(1)).isTrue();
        assertThat(rule.leaseDue(2)).isFalse();
    }

    @Test
    void renewsALeaseWhenTheIntervalIsHuge() {
        RenewalRule rule = new RenewalRule(Duration.ofSeconds(Long.MAX_VALUE));

        assertThat(rule.leaseDue(3600)).isTrue();
        assertThat(rule.tokenDue(3600, 7200)).isTrue();
    }

    // ---- the 2x rule on an expiry, and the two-thirds early check ----
    @Test
    void judgesAnExpiryByTheSameTwoIntervals() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        assertThat(rule.isShort(now.plusSeconds(7199), now)).isTrue();
        assertThat(rule.isShort(now.plusSeconds(7200), now)).isFalse();
    }

    @Test
    void plansTheEarlyCheckAtAboutTwoThirdsOfTheTimeLeft() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        assertThat(RenewalRule.earlyCheckAt(now, now.plusSeconds(60), 0.0)).isEqualTo(now.plusSeconds(40));
        assertThat(RenewalRule.earlyCheckAt(now, now.plusSeconds(60), 1.0)).isEqualTo(now.plusSeconds(36));
    }

    @Test
    void plansTheEarlyCheckNoSoonerThanASecondAhead() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        assertThat(RenewalRule.earlyCheckAt(now, now.plusMillis(900), 0.0)).isEqualTo(now.plusSeconds(1));
    }

    @Test
    void tellsARunOnceRunWhatTheNextRunCannotRenew() {
        assertThat(rule.expiresBeforeNextRun(3600)).isTrue();
        assertThat(rule.expiresBeforeNextRun(3601)).isFalse();
    }
}
