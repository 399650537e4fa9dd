package io.kubevaultauthrenewer.emulator;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Vault's TTL arithmetic, reimplemented from OpenBao's {@code sdk/framework/lease.go} ({@code CalculateTTL}, {@code
 * humanDuration}) and {@code internal/vault/expiration.go} ({@code leaseEntry.ttl}); hashicorp/vault has the same
 * functions at the same paths ({@code vault/expiration.go} there). One rule for a token's creation, a login, a token's
 * renewal, a lease's creation and its renewal: what differs between them is only what each caller passes.
 */
final class TtlArithmetic {

    /** What {@code CalculateTTL} answers when there is nothing left to grant. */
    static final String PAST_MAX_TTL = "past the max TTL, cannot renew";

    private TtlArithmetic() {}

    /** The TTL granted and Vault's warnings; {@code ttl} is whole seconds whenever its inputs are. */
    record Grant(Duration ttl, List<String> warnings) {

        Grant {
            warnings = List.copyOf(warnings);
        }
    }

    /** {@code CalculateTTL}'s max: the mount's, lowered by the backend's and the explicit max when set and smaller. */
    static Duration effectiveMax(Duration mountMax, Duration backendMax, Duration explicitMax) {
        Duration max = mountMax;
        if (positive(backendMax) && backendMax.compareTo(max) < 0) {
            max = backendMax;
        }
        if (positive(explicitMax) && explicitMax.compareTo(max) < 0) {
            max = explicitMax;
        }
        return max;
    }

    /**
     * {@code CalculateTTL}: the times are truncated to the second; the max is the mount's, lowered by the backend's
     * (a role's {@code token_max_ttl}) and by the token's explicit max when they are set and smaller. A periodic grant is
     * the period, cut to that max with the period warning, and capped at the explicit max only when there is one; any
     * other grant is the increment, else the backend's TTL, else the mount's default, capped at the issue time plus
     * the max with the TTL warning.
     *
     * @param now Vault's clock (truncated here to the second, as Vault does)
     * @param issued when the token or lease was issued (truncated likewise); for a creation, {@code now}
     * @return the grant, or null when the max TTL has passed ({@link #PAST_MAX_TTL})
     */
    static Grant calculate(
            Instant now,
            Duration mountMax,
            Duration mountDefault,
            Duration increment,
            Duration backendTtl,
            Duration period,
            Duration backendMax,
            Duration explicitMax,
            Instant issued) {
        Instant second = now.truncatedTo(ChronoUnit.SECONDS);
        Instant start = issued.truncatedTo(ChronoUnit.SECONDS);
        Duration max = effectiveMax(mountMax, backendMax, explicitMax);
        List<String> warnings = new ArrayList<>();
        Duration ttl;
        Instant maxValidTime = null;
        if (positive(period)) {
            ttl = period;
            if (period.compareTo(max) > 0) {
                warnings.add(capWarning("period", period, max));
                ttl = max;
            }
            if (positive(explicitMax)) {
                maxValidTime = start.plus(explicitMax);
            }
        } else {
            ttl = positive(increment) ? increment : positive(backendTtl) ? backendTtl : mountDefault;
            maxValidTime = start.plus(max);
        }
        if (maxValidTime != null) {
            Duration maxValidTtl = Duration.between(second, maxValidTime);
            if (!positive(maxValidTtl)) {
                return null;
            }
            if (ttl.compareTo(maxValidTtl) > 0) {
                warnings.add(capWarning("TTL", ttl, maxValidTtl));
                ttl = maxValidTtl;
            }
        }
        return new Grant(ttl, warnings);
    }

    private static String capWarning(String what, Duration wanted, Duration max) {
        return what + " of \"" + humanDuration(wanted) + "\" exceeded the effective max_ttl of \"" + humanDuration(max)
                + "\"; " + what + " value is capped accordingly";
    }

    private static boolean positive(Duration d) {
        return d != null && !d.isNegative() && !d.isZero();
    }

    /**
     * {@code humanDuration}: Go's {@code Duration.String()} ({@code 1h0m0s}, {@code 59m55s}, {@code 1.5s}) without the
     * zero parts at its end or middle that Vault drops: {@code 1h}, {@code 1h30m}, {@code 768h}, {@code 45s}, {@code 0s}.
     */
    static String humanDuration(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        String s = goString(d);
        if (s.endsWith("m0s")) {
            s = s.substring(0, s.length() - 2);
        }
        int h0m = s.indexOf("h0m");
        if (h0m > 0) {
            s = s.substring(0, h0m + 1) + s.substring(h0m + 3);
        }
        return s;
    }

    /** Go's {@code time.Duration.String()} for a duration of a second or more (the only ones Vault prints here). */
    private static String goString(Duration d) {
        String sign = d.isNegative() ? "-" : "";
        Duration abs = d.abs();
        long hours = abs.toHours();
        int minutes = abs.toMinutesPart();
        String seconds = Long.toString(abs.toSecondsPart());
        if (abs.getNano() != 0) {
            seconds += ("." + String.format("%09d", abs.getNano())).replaceAll("0+$", "");
        }
        if (hours > 0) {
            return sign + hours + "h" + minutes + "m" + seconds + "s";
        }
        if (minutes > 0) {
            return sign + minutes + "m" + seconds + "s";
        }
        return sign + seconds + "s";
    }

    /**
     * {@code leaseEntry.ttl}: whole seconds from Vault's clock rounded to the second (halves up) to the expiry,
     * truncated toward zero; so up to half a second more than really left, or almost a second less, and negative for
     * a lease kept past its expiry.
     */
    static long secondsLeft(Instant expires, Instant now) {
        Instant second = now.truncatedTo(ChronoUnit.SECONDS);
        Instant rounded = now.getNano() >= 500_000_000 ? second.plusSeconds(1) : second;
        return Duration.between(rounded, expires).toNanos() / 1_000_000_000L;
    }
}
