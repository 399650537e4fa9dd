package io.kubevaultauthrenewer.config;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads and writes durations the way Vault does: {@code 90}, {@code 90s}, {@code 1m30s}, {@code 500ms}, {@code 2h}. */
public final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+)(ms|h|m|s)");

    private Durations() {}

    /**
     * Parses a whole number of seconds or a duration with units.
     *
     * @throws IllegalArgumentException with a message that says what is wrong (never echoing more than the value)
     */
    public static Duration parse(String text) {
        try {
            return parseStripped(text.strip());
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("is too large");
        }
    }

    private static Duration parseStripped(String s) {
        if (s.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(s));
        }
        Matcher m = PART.matcher(s);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(
                    switch (m.group(2)) {
                        case "h" -> Duration.ofHours(n);
                        case "m" -> Duration.ofMinutes(n);
                        case "s" -> Duration.ofSeconds(n);
                        default -> Duration.ofMillis(n);
                    });
            end = m.end();
        }
        if (s.isEmpty() || end != s.length()) {
            throw new IllegalArgumentException("is not a duration (use seconds, or units such as 30s, 1m30s, 500ms)");
        }
        return total;
    }

    /** When something with this TTL (seconds) expires, to the second. */
    public static Instant expiry(Clock clock, long ttlSeconds) {
        return clock.instant().plusSeconds(ttlSeconds).truncatedTo(ChronoUnit.SECONDS);
    }

    /** Formats seconds as Vault prints TTLs: {@code 59m55s}, {@code 1h}, {@code 0s}. */
    public static String format(long seconds) {
        if (seconds <= 0) {
            return seconds + "s";
        }
        long h = seconds / 3600;
        long m = (seconds % 3600) / 60;
        long s = seconds % 60;
        StringBuilder out = new StringBuilder();
        if (h > 0) {
            out.append(h).append('h');
        }
        if (m > 0) {
            out.append(m).append('m');
        }
        if (s > 0) {
            out.append(s).append('s');
        }
        return out.toString();
    }
}
