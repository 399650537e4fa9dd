package io.kubevaultauthrenewer.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.TruncatedChunkException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VaultFailureTest {

    private static HttpOperationFailedException http(int status, String statusText, String body) {
        return new HttpOperationFailedException(
                "https://vault:8200/v1/sys/leases/renew", status, statusText, null, Map.of(), body);
    }

    // ---- vault errors ----
    @Test
    void readsVaultsErrorText() {
        VaultFailure failure = VaultFailure.of(http(400, "Bad Request", "{\"errors\":[\"lease not found\"]}"));

        assertThat(failure).isEqualTo(new VaultFailure(400, "lease not found", false));
        assertThat(failure.describe()).isEqualTo("HTTP 400: lease not found");
    }

    @Test
    void flattensAMultiErrorText() {
        String body = "{\"errors\":[\"2 errors occurred:\\n\\t* permission denied\\n\\t* invalid token\\n\\n\"]}";

        VaultFailure failure = VaultFailure.of(http(403, "Forbidden", body));

        assertThat(failure.reason()).isEqualTo("permission denied, invalid token");
        assertThat(failure.describe()).isEqualTo("HTTP 403: permission denied, invalid token");
    }

    @Test
    void flattensASingleErrorOccurredText() {
        String body = "{\"errors\":[\"1 error occurred:\\n\\t* permission denied\\n\\n\"]}";

        assertThat(VaultFailure.of(http(403, "Forbidden", body)).reason()).isEqualTo("permission denied");
    }

    @Test
    void joinsSeveralErrors() {
        String body = "{\"errors\":[\"lease expired\",\"past the max TTL, cannot renew\"]}";

        assertThat(VaultFailure.of(http(400, "Bad Request", body)).reason())
                .isEqualTo("lease expired, past the max TTL, cannot renew");
    }

    @Test
    void fallsBackToTheStatusTextForAnEmptyErrorList() {
        assertThat(VaultFailure.of(http(503, "Service Unavailable", "{\"errors\":[]}"))
                        .reason())
                .isEqualTo("Service Unavailable");
    }

    @Test
    void fallsBackToTheStatusTextForAnEmptyBody() {
        assertThat(VaultFailure.of(http(502, "Bad Gateway", "")).reason()).isEqualTo("Bad Gateway");
        assertThat(VaultFailure.of(http(502, "Bad Gateway", null)).reason()).isEqualTo("Bad Gateway");
    }

    @Test
    void saysThereIsNoErrorTextWhenThereIsNothingAtAll() {
        assertThat(VaultFailure.of(http(500, null, null)).reason()).isEqualTo("no error text");
        assertThat(VaultFailure.of(http(500, "", "{\"errors\":[]}")).reason()).isEqualTo("no error text");
    }

    @Test
    void saysWhenTheAnswerIsNotJson() {
        VaultFailure failure = VaultFailure.of(http(502, "Bad Gateway", "<html><body>502 Bad Gateway</body></html>"));

        assertThat(failure.reason()).isEqualTo("the answer is not JSON (Bad Gateway)");
        assertThat(failure.isTransient()).isTrue();
    }

    @Test
    void saysWhenTheAnswerIsJsonOfAnotherShape() {
        assertThat(VaultFailure.of(http(404, "Not Found", "{\"message\":\"nope\"}"))
                        .reason())
                .isEqualTo("the answer is not Vault's error JSON");
    }

    @Test
    void findsTheHttpFailureInsideCamelsWrappers() {
        Exception wrapped = new CamelExecutionException(
                "Exception occurred during execution",
                null,
                new RuntimeCamelException(
                        http(429, "Too Many Requests", "{\"errors\":[\"rate limit quota exceeded\"]}")));

        assertThat(VaultFailure.of(wrapped)).isEqualTo(new VaultFailure(429, "rate limit quota exceeded", true));
    }

    // ---- statuses ----
    @ParameterizedTest
    @ValueSource(ints = {412, 429, 500, 501, 502, 503, 504, 599})
    void retriesAStatusThatMaySucceedLater(int status) {
        assertThat(VaultFailure.isTransientStatus(status)).isTrue();
        assertThat(VaultFailure.of(http(status, "x", "{\"errors\":[\"x\"]}")).isTransient())
                .isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 404, 405, 409, 413})
    void doesNotRetryAClientError(int status) {
        assertThat(VaultFailure.isTransientStatus(status)).isFalse();
        assertThat(VaultFailure.of(http(status, "x", "{\"errors\":[\"x\"]}")).isTransient())
                .isFalse();
    }

    @Test
    void rejectsTheTokenOnA403() {
        VaultFailure failure = VaultFailure.of(http(403, "Forbidden", "{\"errors\":[\"permission denied\"]}"));

        assertThat(failure.tokenRejected()).isTrue();
        assertThat(failure.isTransient()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 200, 400, 429, 500, 503})
    void keepsTheTokenOnAnyOtherFailure(int status) {
        assertThat(new VaultFailure(status, "x", false).tokenRejected()).isFalse();
    }

    // ---- on the way ----
    @Test
    void retriesAConnectionRefused() {
        VaultFailure failure = VaultFailure.of(new ConnectException("Connection refused"));

        assertThat(failure).isEqualTo(new VaultFailure(0, "cannot connect (Connection refused)", true));
        assertThat(failure.describe()).isEqualTo("cannot connect (Connection refused)");
    }

    @Test
    void retriesNoRouteToHost() {
        assertThat(VaultFailure.of(new NoRouteToHostException("No route to host")))
                .isEqualTo(new VaultFailure(0, "cannot connect (No route to host)", true));
    }

    @Test
    void retriesATimeout() {
        assertThat(VaultFailure.of(new SocketTimeoutException("Read timed out")))
                .isEqualTo(new VaultFailure(0, "no answer in time (SocketTimeoutException)", true));
        assertThat(VaultFailure.of(new InterruptedIOException()).isTransient()).isTrue();
    }

    @Test
    void retriesAnUnknownHost() {
        assertThat(VaultFailure.of(new UnknownHostException("vault.invalid")))
                .isEqualTo(new VaultFailure(0, "unknown host (vault.invalid)", true));
    }

    @Test
    void retriesAConnectionClosedBeforeTheAnswer() {
        assertThat(VaultFailure.of(new NoHttpResponseException("vault:8200 failed to respond")))
                .isEqualTo(new VaultFailure(0, "the connection closed before an answer", true));
    }

    @Test
    void retriesAConnectionReset() {
        assertThat(VaultFailure.of(new SocketException("Connection reset")))
                .isEqualTo(new VaultFailure(0, "connection failed (Connection reset)", true));
    }

    @Test
    void doesNotRetryATlsFailure() {
        VaultFailure failure = VaultFailure.of(new SSLHandshakeException("PKIX path building failed"));

        assertThat(failure).isEqualTo(new VaultFailure(0, "TLS failed (PKIX path building failed)", false));
    }

    @Test
    void findsTheNetworkCauseInsideWrappers() {
        Exception wrapped =
                new RuntimeCamelException(new IOException("I/O", new ConnectException("Connection refused")));

        assertThat(VaultFailure.of(wrapped))
                .isEqualTo(new VaultFailure(0, "cannot connect (Connection refused)", true));
    }

    @Test
    void namesTheExceptionWhenItHasNoMessage() {
        assertThat(VaultFailure.of(new ConnectException()).reason()).isEqualTo("cannot connect (ConnectException)");
    }

    // ---- answers ----
    @Test
    void doesNotRetryAnUnexpectedAnswer() {
        VaultFailure failure = VaultFailure.of(
                new RuntimeCamelException(new UnexpectedAnswerException("Vault's answer to x has no data.ttl")));

        assertThat(failure).isEqualTo(new VaultFailure(200, "Vault's answer to x has no data.ttl", false));
        assertThat(failure.describe()).isEqualTo("HTTP 200: Vault's answer to x has no data.ttl");
    }

    @Test
    void retriesAnAnswerThatIsNotJson() {
        JsonProcessingException notJson = null;
        try {
            new ObjectMapper().readValue("<html>", VaultAnswer.class);
        } catch (JsonProcessingException e) {
            notJson = e;
        }

        assertThat(VaultFailure.of(new RuntimeCamelException(notJson)))
                .isEqualTo(new VaultFailure(200, "Vault's answer is not JSON", true));
    }

    @Test
    void retriesAConnectionClosedInTheMiddleOfTheAnswer() {
        VaultFailure cut = VaultFailure.of(new RuntimeCamelException(new ConnectionClosedException(
                "Premature end of Content-Length delimited message body (expected: 366; received: 183)")));
        VaultFailure chunk =
                VaultFailure.of(new TruncatedChunkException("Truncated chunk (expected size: 10; actual size: 4)"));

        assertThat(cut.isTransient()).isTrue();
        assertThat(cut.reason()).startsWith("the connection closed in the middle of the answer (Premature end");
        assertThat(chunk.isTransient()).isTrue();
        assertThat(chunk.reason()).startsWith("the connection closed in the middle of the answer (Truncated chunk");
    }

    @Test
    void retriesAnyOtherFailureOnTheWayToVault() {
        assertThat(VaultFailure.of(new RuntimeCamelException(new IOException("Stream closed"))))
                .isEqualTo(new VaultFailure(0, "Stream closed", true));
    }

    @Test
    void doesNotRetryAnythingElse() {
        assertThat(VaultFailure.of(new IllegalStateException("boom"))).isEqualTo(new VaultFailure(0, "boom", false));
        assertThat(VaultFailure.of(new IllegalStateException()))
                .isEqualTo(new VaultFailure(0, "IllegalStateException", false));
    }

    @Test
    void describesAMissingException() {
        assertThat(VaultFailure.of(null)).isEqualTo(new VaultFailure(0, "unknown failure", false));
    }

    @Test
    void readsRetryAfterAsSecondsOrAnHttpDate() {
        java.time.Clock clock =
                java.time.Clock.fixed(java.time.Instant.parse("2026-11-30T12:00:00Z"), java.time.ZoneOffset.UTC);

        assertThat(VaultFailure.parseRetryAfter("5", clock)).isEqualTo(java.time.Duration.ofSeconds(5));
        assertThat(VaultFailure.parseRetryAfter(" 120 ", clock)).isEqualTo(java.time.Duration.ofMinutes(2));
        assertThat(VaultFailure.parseRetryAfter("Mon, 30 Nov 2026 12:00:30 GMT", clock))
                .isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(VaultFailure.parseRetryAfter("Mon, 30 Nov 2026 11:00:00 GMT", clock))
                .isEqualTo(java.time.Duration.ZERO);
        assertThat(VaultFailure.parseRetryAfter("soon", clock)).isNull();
        assertThat(VaultFailure.parseRetryAfter("", clock)).isNull();
    }

    @Test
    void findsRetryAfterInAnAnswerWhateverTheHeadersCase() {
        HttpOperationFailedException tooMany = new HttpOperationFailedException(
                "http://vault/v1/sys/leases/renew", 429, "Too Many Requests", null, Map.of("retry-after", "7"), "");

        assertThat(VaultFailure.retryAfter(new RuntimeCamelException(tooMany), java.time.Clock.systemUTC()))
                .isEqualTo(java.time.Duration.ofSeconds(7));
        assertThat(VaultFailure.retryAfter(new ConnectException("refused"), java.time.Clock.systemUTC()))
                .isNull();
    }

    @Test
    void takesRenewSelfPastTheMaxTtlForAnEndNotAServerErrorToRetry() {
        // RenewToken passes CalculateTTL's plain error on: a 500, in Vault's multierror wrapping
        VaultFailure failure = VaultFailure.of(http(
                500,
                "Internal Server Error",
                "{\"errors\":[\"1 error occurred:\\n\\t* past the max TTL, cannot renew\\n\\n\"]}"));

        assertThat(failure.reason()).isEqualTo("past the max TTL, cannot renew");
        assertThat(failure.pastMaxTtl()).isTrue();
        assertThat(failure.isTransient()).isFalse();
        assertThat(new VaultFailure(400, "past the max TTL, cannot renew", false).pastMaxTtl())
                .isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "failed to renew entry: role \\\"my-app\\\" does not exist during renewal",
                "failed to renew entry: role my-app does not exist during renewal",
                "original token role \\\"my-app\\\" could not be found, not renewing",
            })
    void takesA500ForADeletedAuthRoleForNoServerErrorToRetry(String text) {
        VaultFailure failure = VaultFailure.of(
                http(500, "Internal Server Error", "{\"errors\":[\"1 error occurred:\\n\\t* " + text + "\\n\\n\"]}"));

        assertThat(failure.authRoleGone()).as(failure.reason()).isTrue();
        assertThat(failure.isTransient()).isFalse();
    }

    @Test
    void keepsOther500sTransient() {
        VaultFailure failure = VaultFailure.of(http(
                500,
                "Internal Server Error",
                "{\"errors\":[\"1 error occurred:\\n\\t* failed to persist lease entry\\n\\n\"]}"));

        assertThat(failure.isTransient()).isTrue();
        assertThat(failure.pastMaxTtl()).isFalse();
        assertThat(failure.authRoleGone()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "lease not found",
                "invalid lease",
                "lease expired",
                "lease is expired and has failed previous revocation attempts"
            })
    void takesEveryWayVaultSaysALeaseIsGoneForGone(String text) {
        assertThat(new VaultFailure(400, text, false).leaseGone()).isTrue();
    }

    @Test
    void doesNotTakeOtherRefusalsForAGoneLease() {
        assertThat(new VaultFailure(400, "lease is not renewable", false).leaseGone())
                .isFalse();
        assertThat(new VaultFailure(403, "permission denied, invalid token", false).leaseGone())
                .isFalse();
        assertThat(new VaultFailure(503, "lease not found", true).leaseGone()).isFalse();
    }

    @Test
    void takesARedirectNotFollowedForTransientNamingWhereItPointed() {
        HttpOperationFailedException redirect = new HttpOperationFailedException(
                "http://vault:8200/v1/sys/leases/renew",
                307,
                "Temporary Redirect",
                "http://vault-1:8200/v1/sys/leases/renew",
                Map.of(),
                "");

        VaultFailure failure = VaultFailure.of(redirect);

        assertThat(failure.isTransient()).isTrue();
        assertThat(failure.describe())
                .isEqualTo("HTTP 307: redirected to http://vault-1:8200/v1/sys/leases/renew and not followed");
    }
}
