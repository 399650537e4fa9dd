package io.kubevaultauthrenewer.renewal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.MDC;

/**
 * The fields of a log line beside its message, in the MDC while the line is logged: with LOG_FORMAT=json each is a
 * field of its own ({@code vault.lease_id}, …); the text format does not show them. Only what a line names anyway: a
 * lease id, the token's accessor, a TTL, an outcome. Never the token or a secret value.
 *
 * <pre>{@code
 * try (LogFields fields = LogFields.lease(leaseId).ttl(ttl).outcome(Outcome.NOT_DUE)) {
 *     LOG.info(...);
 * }
 * }</pre>
 */
final class LogFields implements AutoCloseable {

    static final String LEASE_ID = "vault.lease_id";
    static final String TOKEN_ACCESSOR = "vault.token_accessor";
    /** In seconds. */
    static final String TTL = "vault.ttl";
    /** An {@link Outcome} in lower case: renewed, not_due, capped, failed, skipped. */
    static final String OUTCOME = "vault.outcome";

    private final List<String> keys = new ArrayList<>(4);

    private LogFields() {}

    static LogFields lease(String leaseId) {
        return new LogFields().with(LEASE_ID, leaseId);
    }

    /** The token, by its accessor (none while no lookup has shown it). */
    static LogFields token(String accessor) {
        return new LogFields().with(TOKEN_ACCESSOR, accessor);
    }

    LogFields ttl(long seconds) {
        return with(TTL, Long.toString(seconds));
    }

    LogFields outcome(Outcome outcome) {
        return with(OUTCOME, outcome.name().toLowerCase(Locale.ROOT));
    }

    private LogFields with(String key, String value) {
        if (value != null) {
            MDC.put(key, value);
            keys.add(key);
        }
        return this;
    }

    /** Takes the fields out of the MDC again. */
    @Override
    public void close() {
        keys.forEach(MDC::remove);
    }
}
