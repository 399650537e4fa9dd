package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.config.Durations;
import io.kubevaultauthrenewer.vault.GrantWarning;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;

/**
 * What Vault granted in a renewal, judged and logged the same way for the token and for a lease; Vault's warnings read
 * as {@link GrantWarning} says. A warning that is not an end is logged once per subject and text, not at every
 * renewal.
 */
final class Grants {

    /** The most (subject, warning) pairs remembered as told: beyond, the oldest are forgotten (and may be told again). */
    static final int TOLD_REMEMBERED = 10_000;

    private final Clock clock;
    private final Set<String> told = new LinkedHashSet<>();

    Grants(Clock clock) {
        this.clock = clock;
    }

    /**
     * Logs the renewal (a WARN when its max TTL cut it short: its end is final) and returns its outcome.
     *
     * @param name the subject as logs name it: "Lease …", or the token by its accessor
     */
    Outcome judge(Logger log, String name, long granted, List<String> warnings) {
        List<GrantWarning> read = GrantWarning.of(warnings);
        Outcome outcome;
        if (GrantWarning.endIsFinal(read)) {
            log.warn(
                    "{} renewed, but it will expire at {}: {} (Vault granted {})",
                    name,
                    Durations.expiry(clock, granted),
                    FinalEnds.MAX_TTL_REACHED,
                    Durations.format(granted));
            outcome = Outcome.CAPPED;
        } else {
            log.info(
                    "{} renewed: ttl {}, expires at {}",
                    name,
                    Durations.format(granted),
                    Durations.expiry(clock, granted));
            outcome = Outcome.RENEWED;
        }
        for (GrantWarning warning : read) {
            if (warning.kind() != GrantWarning.Kind.FINAL_END && firstTime(name, warning.text())) {
                tell(log, name, warning);
            }
        }
        return outcome;
    }

    /** The outcome {@link #judge} finds for a renewal with these warnings, for the fields of the line it logs. */
    static Outcome outcome(List<String> warnings) {
        return GrantWarning.endIsFinal(GrantWarning.of(warnings)) ? Outcome.CAPPED : Outcome.RENEWED;
    }

    private static void tell(Logger log, String name, GrantWarning warning) {
        if (warning.kind() == GrantWarning.Kind.PERIOD_CAPPED) {
            log.info(
                    "{} is periodic with a period of {}, above the max TTL of its role or auth mount ({}): Vault"
                            + " grants {} at each renewal instead, and it still renews for ever; not an end of life"
                            + " (Vault: {})",
                    name,
                    warning.asked(),
                    warning.granted(),
                    warning.granted(),
                    LogText.of(warning.text()));
        } else {
            log.warn("{}: Vault warned: {}", name, LogText.of(warning.text()));
        }
    }

    private synchronized boolean firstTime(String name, String text) {
        boolean first = told.add(name + '\n' + text);
        if (first && told.size() > TOLD_REMEMBERED) {
            told.remove(told.iterator().next());
        }
        return first;
    }
}
