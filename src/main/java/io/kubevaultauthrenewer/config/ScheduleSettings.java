package io.kubevaultauthrenewer.config;

import java.time.Duration;
import java.util.Optional;

/**
 * When the cycles run.
 *
 * @param renewInterval RENEW_INTERVAL: time between two cycles
 * @param runOnce RUN_ONCE: run one cycle and exit
 * @param jitterPercent RENEWER_JITTER: how much earlier than RENEW_INTERVAL a later cycle may come, at random, in
 *     percent
 */
public record ScheduleSettings(Duration renewInterval, boolean runOnce, int jitterPercent) {

    public static final long DEFAULT_RENEW_INTERVAL_SECONDS = 21_600;
    /** 16 days: half of Vault's longest TTL. */
    public static final long MAX_RENEW_INTERVAL_SECONDS = 16 * 24 * 3600;

    public static final int DEFAULT_JITTER_PERCENT = 10;
    public static final int MAX_JITTER_PERCENT = 50;

    static ScheduleSettings read(SettingsReader r) {
        return new ScheduleSettings(
                renewInterval(r),
                r.flag(Setting.RUN_ONCE),
                r.whole(Setting.RENEWER_JITTER, DEFAULT_JITTER_PERCENT, 0, MAX_JITTER_PERCENT, "%"));
    }

    private static Duration renewInterval(SettingsReader r) {
        Optional<String> raw = r.value(Setting.RENEW_INTERVAL);
        if (raw.isEmpty()) {
            return Duration.ofSeconds(DEFAULT_RENEW_INTERVAL_SECONDS);
        }
        String value = raw.get();
        if (!value.matches("-?\\d+")) {
            r.problem("RENEW_INTERVAL=" + value + " is not a whole number of seconds (e.g. 21600 for 6 hours)");
            return null;
        }
        try {
            long seconds = Long.parseLong(value);
            if (seconds < 1) {
                r.problem("RENEW_INTERVAL=" + value + " must be at least 1 second");
                return null;
            }
            if (seconds > MAX_RENEW_INTERVAL_SECONDS) {
                r.problem("RENEW_INTERVAL=" + value + " must be at most " + MAX_RENEW_INTERVAL_SECONDS
                        + " (16 days: half of Vault's longest TTL)");
                return null;
            }
            return Duration.ofSeconds(seconds);
        } catch (NumberFormatException e) {
            r.problem("RENEW_INTERVAL=" + value + " is too large");
            return null;
        }
    }
}
