package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.config.Durations;
import io.kubevaultauthrenewer.vault.RenewalRule;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;

/** What Vault granted in a renewal, judged and logged the same way for the token and for a lease. */
final class Grants {

    private Grants() {}

    /**
     * Logs the renewal (a WARN when it will not keep its subject alive past the next check) and returns its outcome.
     *
     * @param name the subject as logs name it: "Lease …", or the token by its accessor
     */
    static Outcome judge(Logger log, RenewalRule rule, Clock clock, String name, long granted, List<String> warnings) {
        String shortfall = rule.shortfall(warnings);
        if (shortfall != null) {
            log.warn(
                    "{} renewed, but it will expire at {}: {} (Vault granted {})",
                    name,
                    Durations.expiry(clock, granted),
                    shortfall,
                    Durations.format(granted));
            return Outcome.CAPPED;
        }
        log.info(
                "{} renewed: ttl {}, expires at {}", name, Durations.format(granted), Durations.expiry(clock, granted));
        return Outcome.RENEWED;
    }
}
