package io.kubevaultauthrenewer.config;

import java.time.Duration;
import java.util.Optional;

/**
 * How a transient failure is tried again: quick retries first (the only ones with RUN_ONCE), then a back-off.
 *
 * @param attempts RENEWER_RETRY_ATTEMPTS, else VAULT_MAX_RETRIES: quick retries after the first try
 * @param delay RENEWER_RETRY_DELAY: wait before the first quick retry; it doubles with each
 * @param maxDelay RENEWER_RETRY_MAX_DELAY: the longest wait between two quick retries
 * @param backoffInitial RENEWER_BACKOFF_INITIAL: after the quick retries, the wait before the next try; it doubles
 * @param backoffMax RENEWER_BACKOFF_MAX: the longest such wait (never more than half of the time the item has left)
 */
public record RetrySettings(
        int attempts, Duration delay, Duration maxDelay, Duration backoffInitial, Duration backoffMax) {

    public static final int DEFAULT_ATTEMPTS = 3;
    public static final int MAX_ATTEMPTS = 10;
    public static final Duration DEFAULT_DELAY = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(10);
    public static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofMinutes(5);

    static RetrySettings read(SettingsReader r) {
        int attempts = attempts(r);
        Duration delay = r.timeout(Setting.RENEWER_RETRY_DELAY, DEFAULT_DELAY);
        Duration maxDelay = r.timeout(Setting.RENEWER_RETRY_MAX_DELAY, DEFAULT_MAX_DELAY);
        return new RetrySettings(
                attempts,
                delay,
                maxDelay,
                r.timeout(Setting.RENEWER_BACKOFF_INITIAL, DEFAULT_BACKOFF_INITIAL),
                r.timeout(Setting.RENEWER_BACKOFF_MAX, DEFAULT_BACKOFF_MAX));
    }

    /** RENEWER_RETRY_ATTEMPTS, else Vault's own VAULT_MAX_RETRIES (same meaning: retries after the first try). */
    private static int attempts(SettingsReader r) {
        Setting setting = Setting.RENEWER_RETRY_ATTEMPTS;
        Optional<String> raw = r.value(setting);
        if (raw.isEmpty()) {
            setting = Setting.VAULT_MAX_RETRIES;
            raw = r.value(setting);
        }
        if (raw.isEmpty()) {
            return DEFAULT_ATTEMPTS;
        }
        String value = raw.get();
        if (!value.matches("\\d{1,2}") || Integer.parseInt(value) > MAX_ATTEMPTS) {
            r.problem(setting.envName() + "=" + value + " must be a whole number from 0 to " + MAX_ATTEMPTS);
            return 0;
        }
        return Integer.parseInt(value);
    }
}
