package io.kubevaultauthrenewer.renewal;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.ShiftableClock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When the pod's secrets die for good: the earliest end no renewal can push back, the token's taking its leases. */
class EndOfLifeTest {

    private final ShiftableClock clock = ShiftableClock.frozen();
    private final RenewerStatus status = new RenewerStatus(clock);
    private final Cycles cycles = new Cycles(status);

    private Instant in(long seconds) {
        return clock.instant().plusSeconds(seconds);
    }

    @Test
    void isNotKnownWhileEverythingCanBeRenewed() {
        cycles.start("a").tokenLookedUp("acc", 3600).leaseRenewed("a", 600, false);

        assertThat(status.endOfLife()).isNull();
    }

    @Test
    void isNotKnownForAFailureALaterTryMayMend() {
        cycles.start("a").tokenLookedUp("acc", 3600).leaseLookedUp("a", 600);
        cycles.leaseFailed("a", "vault-lease-renew failed: HTTP 503: Vault is sealed", false);

        assertThat(status.endOfLife()).isNull();
    }

    @Test
    void isTheExpiryOfALeaseCappedByItsMaxTtl() {
        cycles.start("a", "b")
                .tokenLookedUp("acc", 3600)
                .leaseRenewed("a", 600, true)
                .leaseRenewed("b", 300, false);

        assertThat(status.endOfLife())
                .isEqualTo(new RenewerStatus.EndOfLife(in(600), "Lease a: its max TTL is reached"));
    }

    @Test
    void isTheEarliestOfTheFinalEnds() {
        cycles.start("a", "b")
                .tokenLookedUp("acc", 3600)
                .leaseRenewed("a", 600, true)
                .leaseNotRenewable("b", 400);

        assertThat(status.endOfLife()).isEqualTo(new RenewerStatus.EndOfLife(in(400), "Lease b: not renewable"));
    }

    @Test
    void isTheTokensEndWhenItComesFirstForItsLeasesDieWithIt() {
        cycles.start("a").leaseRenewed("a", 600, true);
        Cycles token = new Cycles(status);
        token.tokenRenewedCapped(200);

        assertThat(status.endOfLife())
                .isEqualTo(new RenewerStatus.EndOfLife(in(200), "Token (accessor acc): its max TTL is reached"));
    }

    @Test
    void isNowForALeaseThatIsGone() {
        cycles.start("a").tokenLookedUp("acc", 3600);
        cycles.leaseFailed("a", "vault-lease-lookup failed: HTTP 400: invalid lease", true);

        assertThat(status.endOfLife()).isEqualTo(new RenewerStatus.EndOfLife(clock.instant(), "Lease a: gone"));
    }
}
