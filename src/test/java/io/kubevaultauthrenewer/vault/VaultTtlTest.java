package io.kubevaultauthrenewer.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * What Vault's ttl says about an item's end: its expiry less Vault's clock rounded to the second, truncated
 * (leaseEntry.ttl), so the end lies from half a second before now + ttl to a second and a half after it.
 */
class VaultTtlTest {

    private static final Instant NOW_PLUS_TTL = Instant.parse("2026-12-01T10:00:30Z");

    @Test
    void plansAsIfTheItemEndedASecondBeforeNowPlusTtl() {
        assertThat(VaultTtl.plannedEnd(NOW_PLUS_TTL)).isEqualTo(Instant.parse("2026-12-01T10:00:29Z"));
    }

    @Test
    void holdsTheItemPossiblyAliveUntilASecondAndAHalfAfterNowPlusTtl() {
        // Vault's clock at x.5 s rounds to x + 1; an expiry at x + 1 + ttl + 0.99 s still reads ttl
        assertThat(VaultTtl.lastsUntil(NOW_PLUS_TTL)).isEqualTo(Instant.parse("2026-12-01T10:00:31.500Z"));
    }

    @Test
    void takesTwoReadingsWithinTheRoundingForTheSameEnd() {
        assertThat(VaultTtl.sameEnd(NOW_PLUS_TTL, NOW_PLUS_TTL.minusSeconds(1))).isTrue();
        assertThat(VaultTtl.sameEnd(NOW_PLUS_TTL, NOW_PLUS_TTL.plusMillis(2500)))
                .isTrue();
        assertThat(VaultTtl.sameEnd(NOW_PLUS_TTL, NOW_PLUS_TTL.plusMillis(2501)))
                .isFalse();
        assertThat(VaultTtl.sameEnd(null, NOW_PLUS_TTL)).isFalse();
    }

    @Test
    void knowsNoEndWithoutAnExpiry() {
        assertThat(VaultTtl.plannedEnd(null)).isNull();
        assertThat(VaultTtl.lastsUntil(null)).isNull();
    }
}
