package io.kubevaultauthrenewer.vault;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One warning Vault sent with a renewal, read as Vault means it. Vault's {@code CalculateTTL} ({@code
 * sdk/framework/lease.go}) writes two texts, and only one of them is an end:
 *
 * <ul>
 *   <li>{@code TTL of "1h" exceeded the effective max_ttl of "59m55s"; TTL value is capped accordingly}: the grant
 *       was cut so as never to pass the item's max TTL. Its expiry is final: no renewal can push it back.
 *   <li>{@code period of "48h" exceeded the effective max_ttl of "24h"; period value is capped accordingly}: a
 *       periodic token's period is above the role's or the mount's max TTL, so every grant is that max instead. The
 *       token still renews for ever (only an explicit max TTL ends a periodic token, and that comes with the first
 *       text): not an end.
 * </ul>
 *
 * Any other text is Vault's news (a deprecation, a role setting) and never an end either.
 *
 * @param kind what it means
 * @param text the warning as Vault sent it
 * @param asked the duration that was asked ({@code 48h}), for the two capping texts; else null
 * @param granted the duration granted instead ({@code 24h}), for the two capping texts; else null
 */
public record GrantWarning(Kind kind, String text, String asked, String granted) {

    /** What a warning means. */
    public enum Kind {
        /** the grant stops at the item's max TTL: its expiry is final */
        FINAL_END,
        /** a periodic token's period is cut to a max TTL; it renews for ever at that */
        PERIOD_CAPPED,
        /** anything else */
        OTHER
    }

    /** The start of both capping texts, in any case (the rest has never changed since Vault 0.9). */
    private static final Pattern CAPPED = Pattern.compile(
            "^(TTL|period) of \"([^\"]*)\" exceeded the effective max_ttl of \"([^\"]*)\"", Pattern.CASE_INSENSITIVE);

    /** Reads one warning. */
    public static GrantWarning of(String text) {
        Matcher capped = CAPPED.matcher(text == null ? "" : text.strip());
        if (!capped.find()) {
            return new GrantWarning(Kind.OTHER, text, null, null);
        }
        Kind kind = capped.group(1).equalsIgnoreCase("TTL") ? Kind.FINAL_END : Kind.PERIOD_CAPPED;
        return new GrantWarning(kind, text, capped.group(2), capped.group(3));
    }

    /** Every warning of an answer, read. */
    public static List<GrantWarning> of(List<String> warnings) {
        return warnings.stream().map(GrantWarning::of).toList();
    }

    /** True when one of these warnings says the grant stops at the item's max TTL. */
    public static boolean endIsFinal(List<GrantWarning> warnings) {
        return warnings.stream().anyMatch(w -> w.kind() == Kind.FINAL_END);
    }
}
