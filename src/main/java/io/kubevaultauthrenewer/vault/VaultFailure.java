package io.kubevaultauthrenewer.vault;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.MalformedChunkCodingException;
import org.apache.hc.core5.http.NoHttpResponseException;

/**
 * What went wrong with a call to Vault, in words fit for one log line, and whether trying again can help.
 *
 * @param status the HTTP status, or 0 when there was no answer
 * @param reason Vault's {@code errors} text, or what happened on the way
 * @param isTransient true when a retry may succeed (network, timeout, 412, 429, 5xx)
 */
public record VaultFailure(int status, String reason, boolean isTransient) {

    private static final Set<Integer> TRANSIENT_STATUSES = Set.of(412, 429, 500, 502, 503, 504);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads a failure from an exception thrown by a call or by reading its answer. */
    public static VaultFailure of(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof HttpOperationFailedException http) {
                int status = http.getStatusCode();
                if (status >= 300 && status < 400) {
                    // a redirect the client did not follow: the next try may reach the node that answers
                    return new VaultFailure(
                            status,
                            "redirected to "
                                    + (http.getRedirectLocation() == null ? "no address" : http.getRedirectLocation())
                                    + " and not followed",
                            true);
                }
                String reason = errorsText(http.getResponseBody(), http.getStatusText());
                return new VaultFailure(
                        status, reason, isTransientStatus(status) && !pastMaxTtl(reason) && !authRoleGone(reason));
            }
            if (t instanceof VaultRedirects.Refused) {
                // a standby pointing elsewhere: the next try may land on the active node
                return new VaultFailure(307, t.getMessage(), true);
            }
            if (t instanceof UnexpectedAnswerException) {
                return new VaultFailure(200, t.getMessage(), false);
            }
            if (t instanceof JsonProcessingException) {
                return new VaultFailure(200, "Vault's answer is not JSON", true);
            }
            if (t instanceof SocketTimeoutException || t instanceof InterruptedIOException) {
                return new VaultFailure(0, "no answer in time (" + t.getClass().getSimpleName() + ")", true);
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return new VaultFailure(0, "cannot connect (" + safeMessage(t) + ")", true);
            }
            if (t instanceof UnknownHostException) {
                return new VaultFailure(0, "unknown host (" + safeMessage(t) + ")", true);
            }
            if (t instanceof NoHttpResponseException) {
                return new VaultFailure(0, "the connection closed before an answer", true);
            }
            if (t instanceof ConnectionClosedException || t instanceof MalformedChunkCodingException) {
                return new VaultFailure(
                        0, "the connection closed in the middle of the answer (" + safeMessage(t) + ")", true);
            }
            if (t instanceof SSLException) {
                return new VaultFailure(0, "TLS failed (" + safeMessage(t) + ")", false);
            }
            if (t instanceof SocketException) {
                return new VaultFailure(0, "connection failed (" + safeMessage(t) + ")", true);
            }
        }
        // any other I/O failure is on the way to Vault, not in what was asked: worth another try
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return new VaultFailure(0, safeMessage(t), true);
            }
        }
        return new VaultFailure(0, thrown == null ? "unknown failure" : safeMessage(thrown), false);
    }

    /**
     * How long Vault (or a proxy) asked to wait before the next try, from a {@code Retry-After} header of seconds or
     * of an HTTP date; null when the answer has none.
     */
    public static Duration retryAfter(Throwable thrown, Clock clock) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof HttpOperationFailedException http && http.getResponseHeaders() != null) {
                for (Map.Entry<String, String> header :
                        http.getResponseHeaders().entrySet()) {
                    if (header.getKey() != null && header.getKey().equalsIgnoreCase("Retry-After")) {
                        return parseRetryAfter(header.getValue(), clock);
                    }
                }
            }
        }
        return null;
    }

    static Duration parseRetryAfter(String value, Clock clock) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        try {
            if (v.matches("\\d{1,9}")) {
                return Duration.ofSeconds(Long.parseLong(v));
            }
            Instant at =
                    ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration wait = Duration.between(clock.instant(), at);
            return wait.isNegative() ? Duration.ZERO : wait;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    public static boolean isTransientStatus(int status) {
        return TRANSIENT_STATUSES.contains(status) || status >= 500;
    }

    /** True when Vault rejected the token itself: no call with it can succeed. */
    public boolean tokenRejected() {
        return status == 403;
    }

    /** True when Vault says the lease no longer exists: it expired or was revoked, and cannot come back. */
    public boolean leaseGone() {
        String text = reason.toLowerCase(java.util.Locale.ROOT);
        return status == 400
                && (text.contains("invalid lease") || text.contains("lease not found") || text.contains("expired"));
    }

    /**
     * True when Vault refused a renewal because the item's max TTL is reached ({@code past the max TTL, cannot renew}:
     * {@code CalculateTTL} in {@code sdk/framework/lease.go}): 500 for a token (renew-self passes the error on
     * unwrapped), 400 for a lease. Not transient: the item lives until its expiry, and no renewal changes that.
     */
    public boolean pastMaxTtl() {
        return pastMaxTtl(reason);
    }

    /**
     * True when Vault cannot renew the token because the auth role it logged in with was deleted: 500 with {@code role
     * "x" does not exist during renewal} (AppRole, Kubernetes: their {@code pathLoginRenew}) or {@code original token
     * role "x" could not be found, not renewing} (a token-store role: {@code authRenew} in {@code token_store.go}).
     * Not transient: no retry brings the role back.
     */
    public boolean authRoleGone() {
        return authRoleGone(reason);
    }

    private static boolean pastMaxTtl(String reason) {
        return reason != null && reason.toLowerCase(java.util.Locale.ROOT).contains("past the max ttl");
    }

    private static boolean authRoleGone(String reason) {
        String text = reason == null ? "" : reason.toLowerCase(java.util.Locale.ROOT);
        return text.matches(".*\\brole .+ does not exist during renewal.*")
                || text.matches(".*original token role .+ could not be found.*");
    }

    /** How the failure reads in a log line: {@code HTTP 400: lease not found}. */
    public String describe() {
        return (status > 0 ? "HTTP " + status + ": " : "") + reason;
    }

    /**
     * Vault's {@code {"errors": [...]}} as one line. Multi-error texts ("2 errors occurred:\n\t* permission
     * denied\n\t* invalid token") are flattened to "permission denied, invalid token".
     */
    static String errorsText(String body, String statusText) {
        List<String> parts = new ArrayList<>();
        try {
            JsonNode errors =
                    body == null || body.isBlank() ? null : JSON.readTree(body).get("errors");
            if (errors != null && errors.isArray()) {
                for (JsonNode error : errors) {
                    for (String line : error.asText().split("\n")) {
                        String item = line.strip().replaceFirst("^\\* ", "");
                        if (!item.isEmpty() && !item.matches("\\d+ errors? occurred:")) {
                            parts.add(item);
                        }
                    }
                }
            } else if (body != null && !body.isBlank()) {
                return "the answer is not Vault's error JSON";
            }
        } catch (JsonProcessingException e) {
            return "the answer is not JSON (" + (statusText == null ? "" : statusText) + ")";
        }
        if (parts.isEmpty()) {
            return statusText == null || statusText.isBlank() ? "no error text" : statusText;
        }
        return String.join(", ", parts);
    }

    private static String safeMessage(Throwable t) {
        String message = t.getMessage();
        return message == null ? t.getClass().getSimpleName() : message;
    }
}
